package sensors

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

func TestJavaStringHash(t *testing.T) {
	tests := []struct {
		in   string
		want int32
	}{
		{"", 0},
		{"a", 97},
		{"hello", 99162322},
		{"polygenelubricants", -2147483648}, // wraps to Integer.MIN_VALUE
		{"😀", 1772899},                      // a surrogate pair: two UTF-16 units
		{"eyJhIjoiYiJ9", -1944292148},
	}
	for _, tt := range tests {
		if got := JavaStringHash(tt.in); got != tt.want {
			t.Errorf("JavaStringHash(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestAppendJSON(t *testing.T) {
	obj := Object{
		{"url", "https://a.example/b?c=d&e=f"},
		{"n", -5},
		{"big", int64(868692041234563)},
		{"ok", true},
		{"s", "天\"\\\n\x01é"},
		{"nested", Object{{"k", []any{int32(1), "x", nil}}}},
	}
	tests := []struct {
		name string
		st   Style
		want string
	}{
		{"org.json", OrgJSON, `{"url":"https:\/\/a.example\/b?c=d&e=f","n":-5,"big":868692041234563,"ok":true,"s":"天\"\\\n\u0001é","nested":{"k":[1,"x",null]}}`},
		{"JSON.stringify", JSStringify, `{"url":"https://a.example/b?c=d&e=f","n":-5,"big":868692041234563,"ok":true,"s":"天\"\\\n\u0001é","nested":{"k":[1,"x",null]}}`},
	}
	for _, tt := range tests {
		if got := string(AppendJSON(nil, obj, tt.st)); got != tt.want {
			t.Errorf("%s: AppendJSON = %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestObjectWith(t *testing.T) {
	o := Object{{"a", 1}, {"b", 2}}
	if got := string(AppendJSON(nil, o.With("a", 3), JSStringify)); got != `{"a":3,"b":2}` {
		t.Errorf("With(existing) = %s", got)
	}
	if got := string(AppendJSON(nil, o.With("c", 4), JSStringify)); got != `{"a":1,"b":2,"c":4}` {
		t.Errorf("With(new) = %s", got)
	}
	if got := string(AppendJSON(nil, o, JSStringify)); got != `{"a":1,"b":2}` {
		t.Errorf("With modified its receiver: %s", got)
	}
}

func TestAndroidBatch(t *testing.T) {
	evs := []Object{{{"a", 1}}, {{"u", "x/y"}}}
	b := AndroidBatch(evs, 1588000000000, OrgJSON)
	const wantJSON = `[{"a":1,"_flush_time":1588000000000},{"u":"x\/y","_flush_time":1588000000000}]`
	if string(b.JSON) != wantJSON {
		t.Errorf("JSON = %s, want %s", b.JSON, wantJSON)
	}
	gz, err := base64.StdEncoding.DecodeString(b.Base64)
	if err != nil {
		t.Fatal(err)
	}
	if want := []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0}; !bytes.Equal(gz[:10], want) {
		t.Errorf("gzip header % x, want % x (java.util.zip)", gz[:10], want)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if string(plain) != wantJSON {
		t.Errorf("gunzip(base64) = %s", plain)
	}
	prefix := "crc=" + strconv.Itoa(int(JavaStringHash(b.Base64))) + "&gzip=1&data_list="
	if !strings.HasPrefix(b.Body, prefix) {
		t.Fatalf("Body = %.60s..., want prefix %s", b.Body, prefix)
	}
	enc := strings.TrimPrefix(b.Body, prefix)
	if strings.ContainsAny(enc, "+/=") {
		t.Errorf("data_list %q has unescaped Base64 punctuation", enc)
	}
	if dec, _ := url.QueryUnescape(enc); dec != b.Base64 {
		t.Errorf("data_list does not unescape to Base64")
	}
	if got := string(AppendJSON(nil, b.Events[1], JSStringify)); got != `{"u":"x/y","_flush_time":1588000000000}` {
		t.Errorf("Events[1] = %s", got)
	}
}

func TestWebEvent(t *testing.T) {
	w := WebEvent(Object{{"a", "b"}})
	if w.Base64 != "eyJhIjoiYiJ9" || w.CRC != -1944292148 {
		t.Errorf("WebEvent: Base64 %s CRC %d", w.Base64, w.CRC)
	}
	if want := "data=eyJhIjoiYiJ9&ext=crc%3D-1944292148"; w.Params != want {
		t.Errorf("Params = %s, want %s", w.Params, want)
	}
}

func TestEscape(t *testing.T) {
	tests := []struct{ in, keep, want string }{
		{"a+b/c=d", URIComponent, "a%2Bb%2Fc%3Dd"},
		{"a+b/c=d", AppleQuery, "a+b/c=d"},
		{"ab\r\ncd=", AppleAlnum, "ab%0D%0Acd%3D"},
		{"x y!*'()~", URIComponent, "x%20y!*'()~"},
		{"天", URIComponent, "%E5%A4%A9"},
		{"{\"k\":1}", URIComponent, "%7B%22k%22%3A1%7D"},
	}
	for _, tt := range tests {
		if got := Escape(tt.in, tt.keep); got != tt.want {
			t.Errorf("Escape(%q, %q) = %q, want %q", tt.in, tt.keep, got, tt.want)
		}
	}
}

func TestJSONNumber(t *testing.T) {
	o := Object{{"time", json.Number("1631607123.456")}}
	if got := string(AppendJSON(nil, o, JSStringify)); got != `{"time":1631607123.456}` {
		t.Errorf("AppendJSON = %s", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("an invalid json.Number did not panic")
		}
	}()
	AppendJSON(nil, Object{{"x", json.Number("1.2.3")}}, JSStringify)
}

func TestAppleBatch(t *testing.T) {
	// Enough distinct text that the Base64 runs over several 76-column lines.
	var evs []Object
	for i := range 12 {
		evs = append(evs, Object{{"i", i}, {"s", strings.Repeat(strconv.Itoa(i*7919), 3)}})
	}
	wrapped := AppleBatch(evs, 1631607000000, true, AppleAlnum)
	lines := strings.Split(wrapped.Base64, "\r\n")
	if len(lines) < 2 {
		t.Fatalf("Base64 not wrapped: %q", wrapped.Base64)
	}
	for i, l := range lines {
		if len(l) > 76 || i < len(lines)-1 && len(l) != 76 {
			t.Errorf("line %d has %d columns", i, len(l))
		}
	}
	if wrapped.CRC != JavaStringHash(wrapped.Base64) {
		t.Error("crc is not the hash of the wrapped text")
	}
	prefix := "crc=" + strconv.Itoa(int(wrapped.CRC)) + "&gzip=1&data_list="
	enc, ok := strings.CutPrefix(wrapped.Body, prefix)
	if !ok || !strings.Contains(enc, "%0D%0A") || strings.ContainsAny(enc, "+/=\r\n") {
		t.Errorf("body %.80q: want prefix %s and every punctuation escaped", wrapped.Body, prefix)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(wrapped.Base64, "\r\n", ""))
	if err != nil {
		t.Fatal(err)
	}
	if raw[9] != 3 {
		t.Errorf("gzip OS byte %d, want 3 (zlib on Apple)", raw[9])
	}
	zr, _ := gzip.NewReader(bytes.NewReader(raw))
	plain, _ := io.ReadAll(zr)
	if !bytes.Equal(plain, wrapped.JSON) || !bytes.HasSuffix(plain, []byte(`"_flush_time":1631607000000}]`)) {
		t.Errorf("gunzip = %.80s", plain)
	}

	loose := AppleBatch(evs, 1631607000000, false, AppleQuery)
	if strings.Contains(loose.Base64, "\r") || !strings.HasSuffix(loose.Body, "&data_list="+loose.Base64) {
		t.Errorf("URLQueryAllowed body must carry the Base64 unescaped: %.80q", loose.Body)
	}
}

func TestWebBatch(t *testing.T) {
	b := WebBatch([]Object{{{"a", "天"}}, {{"b", 2}}}, 1631607000000)
	const want = `[{"a":"天","_flush_time":1631607000000},{"b":2,"_flush_time":1631607000000}]`
	if string(b.JSON) != want || b.CRC != 0 {
		t.Errorf("JSON %s crc %d", b.JSON, b.CRC)
	}
	dec, _ := base64.StdEncoding.DecodeString(b.Base64)
	if string(dec) != want || b.Body != "data_list="+url.QueryEscape(b.Base64) {
		t.Errorf("Base64/body wrong: %s", b.Body)
	}
}

func TestAndroidEncrypted(t *testing.T) {
	e := AndroidEncrypted([]EncryptedGroup{{EKey: "ab/c", PKV: 3, Payloads: []string{"x/y=", "z+w"}}}, 1631607000000)
	const want = `[{"ekey":"ab\/c","pkv":3,"payloads":["x\/y=","z+w"],"flush_time":1631607000000}]`
	if e.JSON != want || e.CRC != JavaStringHash(want) {
		t.Errorf("JSON %s crc %d", e.JSON, e.CRC)
	}
	if dec, _ := url.QueryUnescape(e.Field); dec != want || !strings.HasSuffix(e.Body, "&gzip=9&data_list="+e.Field) {
		t.Errorf("field %s body %s", e.Field, e.Body)
	}
}
