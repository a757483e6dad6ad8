package sensors

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
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
