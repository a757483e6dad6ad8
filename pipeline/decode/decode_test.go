package decode

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/klauspost/compress/zstd"
)

const eventJSON = `[{"_track_id":1837402117,"time":1588339200123,"type":"track","distinct_id":"3f1b2c4d","event":"search","properties":{"$url":"https:\/\/example.com\/a?b=c","search_word":"example query","imei":358476101234565}}]`

func gz(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func zl(t testing.TB, b []byte, level int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := zlib.NewWriterLevel(&buf, level)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func zs(t testing.TB, b []byte) []byte {
	t.Helper()
	e, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	return e.EncodeAll(b, nil)
}

func b64s(b []byte) []byte { return []byte(base64.StdEncoding.EncodeToString(b)) }

// javaHash is an independent reference: Java's loop over UTF-16 units.
func javaHash(s string) int32 {
	var h int32
	for _, u := range utf16.Encode([]rune(s)) {
		h = 31*h + int32(u)
	}
	return h
}

func TestJavaStringHash(t *testing.T) {
	tests := []struct {
		in   string
		want int32
	}{
		{"", 0},
		{"a", 97},
		{"hello", 99162322}, // "hello".hashCode() in Java
		{"H4sI", 2198562},   // 72*31^3 + 52*31^2 + 115*31 + 73
		{"Aa", 2112},        // the classic collision with "BB"
		{"BB", 2112},
		{"polygenelubricants", -2147483648}, // Integer.MIN_VALUE, overflow check
		{"中", 0x4E2D},
		{"😀", 0xD83D*31 + 0xDE00}, // one rune, two UTF-16 units
	}
	for _, tt := range tests {
		if got := JavaStringHash(tt.in); got != tt.want {
			t.Errorf("JavaStringHash(%q) = %d, want %d", tt.in, got, tt.want)
		}
		if got := javaHash(tt.in); got != tt.want {
			t.Errorf("reference javaHash(%q) = %d, want %d (test table wrong)", tt.in, got, tt.want)
		}
	}
	long := string(b64s(gz(t, []byte(eventJSON)))) + "漢字😀"
	if got, want := JavaStringHash(long), javaHash(long); got != want {
		t.Errorf("JavaStringHash(long) = %d, want %d", got, want)
	}
}

func TestParseForm(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Field
	}{
		{"empty", "", nil},
		{"plain", "a=1&b=two", []Field{{"a", "1", "1"}, {"b", "two", "two"}}},
		{"plus and escapes", "q=a+b%2Bc&n%5B%5D=x", []Field{{"q", "a+b%2Bc", "a b+c"}, {"n[]", "x", "x"}}},
		{"bad escapes kept", "p=100%&r=%zz%4", []Field{{"p", "100%", "100%"}, {"r", "%zz%4", "%zz%4"}}},
		{"no value and empty parts", "&flag&&k=&=v", []Field{{"flag", "", ""}, {"k", "", ""}, {"", "v", "v"}}},
		{"equals in value", "ext=crc%3D12&x=a=b", []Field{{"ext", "crc%3D12", "crc=12"}, {"x", "a=b", "a=b"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ParseForm([]byte(tt.in)); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseForm(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// plusB64 returns Base64 of gzip(JSON) that contains at least one '+', by
// varying a padding property until the encoding has one.
func plusB64(t *testing.T) (js, enc []byte) {
	for i := 0; i < 1000; i++ {
		js = []byte(`{"event":"x","pad":"` + strings.Repeat("y", i) + `"}`)
		enc = b64s(gz(t, js))
		if bytes.IndexByte(enc, '+') >= 0 {
			return js, enc
		}
	}
	t.Fatal("no Base64 with '+' found")
	return nil, nil
}

func TestPeel(t *testing.T) {
	js := []byte(eventJSON)
	gzJS := gz(t, js)
	b64gz := b64s(gzJS)
	plusJS, plusEnc := plusB64(t)
	wrapped := []byte{}
	for s := string(b64gz); len(s) > 0; {
		n := min(76, len(s))
		wrapped = append(wrapped, s[:n]+"\r\n"...)
		s = s[n:]
	}
	multi := append(gz(t, js[:40]), gz(t, js[40:])...)
	jwt := "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
	jsonStrB64 := []byte(`"` + strings.ReplaceAll(string(b64s([]byte(`{"a":"b/c/d?/e"}`))), "/", `\/`) + `"`)

	tests := []struct {
		name      string
		in        []byte
		lim       Limits
		chain     []string
		data      []byte // nil: not checked
		repaired  bool
		unescaped []byte // nil: not checked
	}{
		{"base64 gzip json", b64gz, Limits{}, []string{"base64", "gzip", "json"}, js, false, b64gz},
		{"base64 json", b64s(js), Limits{}, []string{"base64", "json"}, js, false, nil},
		{"urlsafe raw", []byte(base64.RawURLEncoding.EncodeToString(gzJS)), Limits{}, []string{"base64", "gzip", "json"}, js, false, nil},
		{"mime wrapped", wrapped, Limits{}, []string{"base64", "gzip", "json"}, js, false, wrapped},
		{"plus as space repaired", bytes.ReplaceAll(plusEnc, []byte("+"), []byte(" ")), Limits{}, []string{"base64", "gzip", "json"}, plusJS, true, plusEnc},
		{"pct base64", []byte(url.QueryEscape(string(b64gz))), Limits{}, []string{"pct", "base64", "gzip", "json"}, js, false, b64gz},
		{"double pct", []byte(url.QueryEscape(url.QueryEscape(string(b64gz)))), Limits{}, []string{"pct", "pct", "base64", "gzip", "json"}, js, false, b64gz},
		{"nested base64", b64s(b64gz), Limits{}, []string{"base64", "base64", "gzip", "json"}, js, false, nil},
		{"raw gzip", gzJS, Limits{}, []string{"gzip", "json"}, js, false, gzJS},
		{"multi-member gzip", multi, Limits{}, []string{"gzip", "json"}, js, false, nil},
		{"gzip trailing garbage", append(append([]byte{}, gzJS...), "garbage"...), Limits{}, []string{"gzip", "json"}, js, false, nil},
		{"zlib 7801", b64s(zl(t, js, zlib.NoCompression)), Limits{}, []string{"base64", "zlib", "json"}, js, false, nil},
		{"zlib 785e", b64s(zl(t, js, 2)), Limits{}, []string{"base64", "zlib", "json"}, js, false, nil},
		{"zlib 789c", zl(t, js, zlib.DefaultCompression), Limits{}, []string{"zlib", "json"}, js, false, nil},
		{"zlib 78da", zl(t, js, zlib.BestCompression), Limits{}, []string{"zlib", "json"}, js, false, nil},
		{"zstd", zs(t, js), Limits{}, []string{"zstd", "json"}, js, false, nil},
		{"json string holding json", []byte(`"{\"a\":1}"`), Limits{}, []string{"jsonstr", "json"}, []byte(`{"a":1}`), false, nil},
		{"json string holding base64 with escaped slashes", jsonStrB64, Limits{}, []string{"jsonstr", "base64", "json"}, []byte(`{"a":"b/c/d?/e"}`), false, nil},
		{"ndjson", []byte("{\"a\":1}\r\n\n{\"b\":[2]}\n"), Limits{}, []string{"ndjson"}, []byte(`[{"a":1},{"b":[2]}]`), false, nil},
		{"plain json with percent", []byte(` {"u":"a%20b"} `), Limits{}, []string{"json"}, []byte(`{"u":"a%20b"}`), false, nil},
		{"bom json", []byte("\xef\xbb\xbf[1]"), Limits{}, []string{"json"}, []byte(`[1]`), false, nil},
		{"pct json", []byte(`%7B%22a%22%3A1%7D`), Limits{}, []string{"pct", "json"}, []byte(`{"a":1}`), false, nil},
		{"depth limit", b64s(b64s(b64s(b64s(js)))), Limits{MaxDepth: 3}, []string{"base64", "base64", "base64"}, b64s(js), false, nil},
		// Nothing recognised: the input comes back.
		{"word", []byte("test"), Limits{}, nil, []byte("test"), false, nil},
		{"base64 word", []byte("dGVzdA=="), Limits{}, nil, []byte("dGVzdA=="), false, nil},
		{"base64 of text", b64s([]byte("Hello World, nothing to see here")), Limits{}, nil, nil, false, nil},
		{"hex id", []byte("5649ca6c38e4131ca8fb7b90d25b0f03"), Limits{}, nil, nil, false, nil},
		{"android id", []byte("9774d56d682e549c"), Limits{}, nil, nil, false, nil},
		{"uuid", []byte("3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"), Limits{}, nil, nil, false, nil},
		{"jwt", []byte(jwt), Limits{}, nil, nil, false, nil},
		{"imei", []byte("358476101234565"), Limits{}, nil, nil, false, nil},
		{"len mod 4 is 1", append([]byte(base64.RawStdEncoding.EncodeToString(js[:33])), 'A'), Limits{}, nil, nil, false, nil},
		{"json number", []byte("1588339200123"), Limits{}, nil, nil, false, nil},
		{"json string", []byte(`"hello"`), Limits{}, nil, nil, false, nil},
		{"html", []byte("<!DOCTYPE html><html><body>%20 hi</body></html>"), Limits{}, []string{"pct"}, []byte("<!DOCTYPE html><html><body>  hi</body></html>"), false, nil},
		{"png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"), Limits{}, nil, nil, false, nil},
		{"zlib lookalike text", []byte("x^2 + y^2 = z^2"), Limits{}, nil, nil, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Peel(tt.in, tt.lim)
			if !reflect.DeepEqual(r.Chain, tt.chain) {
				t.Fatalf("Peel(%.40q).Chain = %q, want %q (err %q)", tt.in, r.Chain, tt.chain, r.Err)
			}
			wantJSON := len(tt.chain) > 0 && (tt.chain[len(tt.chain)-1] == "json" || tt.chain[len(tt.chain)-1] == "ndjson")
			if r.JSON != wantJSON {
				t.Errorf("JSON = %v, want %v", r.JSON, wantJSON)
			}
			want := tt.data
			if want == nil && tt.chain == nil {
				want = tt.in
			}
			if want != nil && !bytes.Equal(r.Data, want) {
				t.Errorf("Data = %.80q, want %.80q", r.Data, want)
			}
			if r.PlusRepaired != tt.repaired {
				t.Errorf("PlusRepaired = %v, want %v", r.PlusRepaired, tt.repaired)
			}
			if tt.unescaped != nil && !bytes.Equal(r.Unescaped, tt.unescaped) {
				t.Errorf("Unescaped = %.60q, want %.60q", r.Unescaped, tt.unescaped)
			}
			wantLimit := tt.name == "depth limit"
			if r.LimitHit != wantLimit || r.Truncated {
				t.Errorf("LimitHit, Truncated = %v, %v; want %v, false", r.LimitHit, r.Truncated, wantLimit)
			}
		})
	}
}

func TestPeelTruncatedGzip(t *testing.T) {
	// Varied events, so the compressed bytes spread evenly over the text.
	var sb strings.Builder
	sb.WriteString("[")
	x := uint32(1)
	for i := range 200 {
		x = x*1664525 + 1013904223
		fmt.Fprintf(&sb, `{"event":"e%d","_track_id":%d,"distinct_id":"%08x"},`, i, x, x^0x5bd1e995)
	}
	sb.WriteString(`{"event":"last"}]`)
	js := []byte(sb.String())
	full := gz(t, js)
	cut := full[:len(full)*2/3]
	for _, in := range [][]byte{cut, b64s(cut)} {
		r := Peel(in, Limits{})
		want := []string{"gzip"}
		if in[0] != 0x1f {
			want = []string{"base64", "gzip"}
		}
		if !reflect.DeepEqual(r.Chain, want) || !r.Truncated || r.JSON || r.LimitHit {
			t.Fatalf("Peel(truncated) = chain %q truncated %v json %v limit %v, want %q true false false", r.Chain, r.Truncated, r.JSON, r.LimitHit, want)
		}
		if len(r.Data) < len(js)/3 || !bytes.HasPrefix(js, r.Data) {
			t.Errorf("truncated Data (%d bytes) is not a long prefix of the %d-byte JSON", len(r.Data), len(js))
		}
	}
}

func TestPeelBomb(t *testing.T) {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zero := make([]byte, 1<<20)
	for range 64 {
		w.Write(zero)
	}
	w.Close()
	bomb := b64s(buf.Bytes())
	const limit = 1 << 20
	r := Peel(bomb, Limits{MaxBytes: limit})
	if !r.LimitHit || len(r.Data) != limit || !reflect.DeepEqual(r.Chain, []string{"base64", "gzip"}) || r.JSON {
		t.Fatalf("Peel(bomb) = chain %q limit %v len %d json %v, want [base64 gzip] true %d false", r.Chain, r.LimitHit, len(r.Data), r.JSON, limit)
	}
	// A single-segment frame declares a 4 MiB window: refused before decoding.
	r = Peel(zs(t, make([]byte, 4<<20)), Limits{MaxBytes: limit})
	if !r.LimitHit || len(r.Data) != 0 || !reflect.DeepEqual(r.Chain, []string{"zstd"}) {
		t.Fatalf("Peel(zstd frame bomb) = chain %q limit %v len %d, want [zstd] true 0", r.Chain, r.LimitHit, len(r.Data))
	}
	// A streamed frame with a small window: decoded up to the cap.
	var zb bytes.Buffer
	zw, err := zstd.NewWriter(&zb, zstd.WithWindowSize(64<<10))
	if err != nil {
		t.Fatal(err)
	}
	for range 4 {
		zw.Write(zero)
	}
	zw.Close()
	r = Peel(zb.Bytes(), Limits{MaxBytes: limit})
	if !r.LimitHit || len(r.Data) != limit {
		t.Fatalf("Peel(zstd stream bomb) = limit %v len %d, want true %d", r.LimitHit, len(r.Data), limit)
	}
	r = Peel(make([]byte, 100), Limits{MaxBytes: 99})
	if !r.LimitHit || r.Chain != nil {
		t.Fatalf("Peel(oversized input) = limit %v chain %q, want true []", r.LimitHit, r.Chain)
	}
}

func FuzzPeel(f *testing.F) {
	js := []byte(eventJSON)
	gzJS := gz(f, js)
	for _, s := range [][]byte{
		js, gzJS, b64s(gzJS), b64s(js), []byte(url.QueryEscape(string(b64s(gzJS)))),
		zl(f, js, 9), zs(f, js), gzJS[:len(gzJS)/2], []byte("{\"a\":1}\n{\"b\":2}"),
		[]byte(`"eyJhIjoxfQ=="`), []byte("%7B%22a%22%3A1%7D"), []byte("x^abc"), b64s(b64s(js)),
		[]byte("3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"),
	} {
		f.Add(s)
	}
	lim := Limits{MaxDepth: 4, MaxBytes: 1 << 16}
	f.Fuzz(func(t *testing.T, b []byte) {
		r := Peel(b, lim)
		if r.Steps() > lim.MaxDepth {
			t.Fatalf("Peel took %d steps, limit %d: %q", r.Steps(), lim.MaxDepth, r.Chain)
		}
		if int64(len(r.Data)) > lim.MaxBytes+2 {
			t.Fatalf("Peel returned %d bytes, limit %d", len(r.Data), lim.MaxBytes)
		}
		if r.JSON {
			if !json.Valid(r.Data) || (r.Data[0] != '{' && r.Data[0] != '[') {
				t.Fatalf("JSON result is not an object or array: %.80q", r.Data)
			}
			if last := r.Chain[len(r.Chain)-1]; last != StepJSON && last != StepNDJSON {
				t.Fatalf("JSON result with chain %q", r.Chain)
			}
		}
		if len(r.Chain) == 0 && !bytes.Equal(r.Data, b) && !r.JSON {
			t.Fatalf("nothing recognised but Data changed")
		}
	})
}

func TestPeelTruncatedStops(t *testing.T) {
	// A cut prefix holding %XX must not be percent-decoded.
	js := []byte(`[{"u":"https://x/?q=a%20b"},` + strings.Repeat(`{"pad":"`+strings.Repeat("z", 50)+`"},`, 40) + `{}]`)
	full := gz(t, js)
	r := Peel(full[:len(full)-30], Limits{})
	if !reflect.DeepEqual(r.Chain, []string{"gzip"}) || !r.Truncated || !bytes.HasPrefix(js, r.Data) || len(r.Data) == 0 {
		t.Fatalf("Peel(cut) = chain %q truncated %v data %.40q", r.Chain, r.Truncated, r.Data)
	}
	// Only the trailer lost: the JSON is whole.
	r = Peel(full[:len(full)-4], Limits{})
	if !reflect.DeepEqual(r.Chain, []string{"gzip", "json"}) || !r.Truncated || !r.JSON || !bytes.Equal(r.Data, js) {
		t.Fatalf("Peel(no trailer) = chain %q truncated %v json %v", r.Chain, r.Truncated, r.JSON)
	}
}
