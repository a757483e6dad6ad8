package decode

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/andybalholm/brotli"
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

func hexs(b []byte) []byte { return []byte(hex.EncodeToString(b)) }

// raw is raw deflate (RFC 1951) by the standard library, an implementation
// independent of the decoder's.
func raw(t testing.TB, b []byte, level int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, level)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(b)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func br(t testing.TB, b []byte, quality, lgwin int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := brotli.NewWriterOptions(&buf, brotli.WriterOptions{Quality: quality, LGWin: lgwin})
	w.Write(b)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// zsStream is a streamed zstd frame (no content size, a window descriptor).
func zsStream(t testing.TB, b []byte, window int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := zstd.NewWriter(&buf, zstd.WithWindowSize(window))
	if err != nil {
		t.Fatal(err)
	}
	w.Write(b)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// prng returns n deterministic pseudo-random bytes: SHA-256 of seed and a
// counter.
func prng(seed string, n int) []byte {
	var out []byte
	for i := uint64(0); len(out) < n; i++ {
		var ctr [8]byte
		binary.BigEndian.PutUint64(ctr[:], i)
		h := sha256.Sum256(append([]byte(seed), ctr[:]...))
		out = append(out, h[:]...)
	}
	return out[:n]
}

// wrapLines breaks s into lines of n characters ending in CRLF, as MIME
// Base64 (and Android's Base64.DEFAULT) does.
func wrapLines(s string, n int) []byte {
	var out []byte
	for len(s) > 0 {
		k := min(n, len(s))
		out = append(out, s[:k]+"\r\n"...)
		s = s[k:]
	}
	return out
}

// bigJSON is a varied JSON array of about n bytes.
func bigJSON(n int) []byte {
	var sb strings.Builder
	sb.WriteString("[")
	x := uint32(1)
	for i := 0; sb.Len() < n; i++ {
		x = x*1664525 + 1013904223
		fmt.Fprintf(&sb, `{"event":"e%d","_track_id":%d,"distinct_id":"%08x"},`, i, x, x^0x5bd1e995)
	}
	sb.WriteString(`{"event":"last"}]`)
	return []byte(sb.String())
}

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

// blockType is the BTYPE of a raw deflate stream's first block.
func blockType(b []byte) int { return int(b[0] >> 1 & 3) }

func TestPeel(t *testing.T) {
	js := []byte(eventJSON)
	gzJS := gz(t, js)
	b64gz := b64s(gzJS)
	plusJS, plusEnc := plusB64(t)
	wrapped := wrapLines(string(b64gz), 76)
	multi := append(gz(t, js[:40]), gz(t, js[40:])...)
	jsonStrB64 := []byte(`"` + strings.ReplaceAll(string(b64s([]byte(`{"a":"b/c/d?/e"}`))), "/", `\/`) + `"`)
	urlRaw := []byte(base64.RawURLEncoding.EncodeToString(gzJS))
	urlPadded := []byte(base64.URLEncoding.EncodeToString(gzJS))
	stdRaw := []byte(base64.RawStdEncoding.EncodeToString(gzJS))
	// Both alphabets in one text: standard first half, URL-safe second.
	mixed := append(append([]byte{}, b64gz[:len(b64gz)/2]...), strings.NewReplacer("+", "-", "/", "_").Replace(string(b64gz[len(b64gz)/2:]))...)
	small := []byte(`{"event":"x"}`)
	stored, fixed, dynamic := raw(t, js, flate.NoCompression), raw(t, small, flate.BestCompression), raw(t, js, flate.BestCompression)
	for _, c := range []struct {
		b    []byte
		want int
	}{{stored, 0}, {fixed, 1}, {dynamic, 2}} {
		if got := blockType(c.b); got != c.want {
			t.Fatalf("test setup: deflate block type %d, want %d", got, c.want)
		}
	}
	urlDeflate := []byte(base64.RawURLEncoding.EncodeToString(raw(t, js, 6)))
	for _, c := range [][]byte{urlRaw, urlPadded, urlDeflate} {
		if !bytes.ContainsAny(c, "-_") {
			t.Fatalf("test setup: %q has no URL-safe character", c[:20])
		}
	}
	if bytes.ContainsAny(stdRaw, "-_") || !bytes.ContainsAny(stdRaw, "+/") {
		t.Fatal("test setup: standard Base64 without '+' or '/'")
	}
	upperHex := []byte(strings.ToUpper(string(hexs(gzJS))))
	twice := url.QueryEscape(url.QueryEscape(string(b64gz)))
	big := bigJSON(200 << 10)
	brBig := br(t, big, 5, 24)

	tests := []struct {
		name      string
		in        []byte
		lim       Limits
		chain     []string
		data      []byte // nil: not checked
		repaired  bool
		unescaped []byte // nil: not checked
		limit     string
	}{
		{"base64 gzip json", b64gz, Limits{}, []string{"base64", "gzip", "json"}, js, false, b64gz, ""},
		{"base64 json", b64s(js), Limits{}, []string{"base64", "json"}, js, false, nil, ""},
		{"unpadded standard", stdRaw, Limits{}, []string{"base64", "gzip", "json"}, js, false, stdRaw, ""},
		{"urlsafe unpadded", urlRaw, Limits{}, []string{"base64url", "gzip", "json"}, js, false, urlRaw, ""},
		{"urlsafe padded", urlPadded, Limits{}, []string{"base64url", "gzip", "json"}, js, false, nil, ""},
		{"mixed alphabets", mixed, Limits{}, []string{"base64url", "gzip", "json"}, js, false, nil, ""},
		{"mime wrapped", wrapped, Limits{}, []string{"base64", "gzip", "json"}, js, false, wrapped, ""},
		{"plus as space repaired", bytes.ReplaceAll(plusEnc, []byte("+"), []byte(" ")), Limits{}, []string{"base64", "gzip", "json"}, plusJS, true, plusEnc, ""},
		{"percent base64", []byte(url.QueryEscape(string(b64gz))), Limits{}, []string{"percent", "base64", "gzip", "json"}, js, false, b64gz, ""},
		{"double percent", []byte(twice), Limits{}, []string{"percent", "percent", "base64", "gzip", "json"}, js, false, b64gz, ""},
		{"base64 of base64", b64s(b64gz), Limits{}, []string{"base64", "base64", "gzip", "json"}, js, false, nil, ""},
		{"hex gzip json", hexs(gzJS), Limits{}, []string{"hex", "gzip", "json"}, js, false, hexs(gzJS), ""},
		{"upper hex gzip json", upperHex, Limits{}, []string{"hex", "gzip", "json"}, js, false, upperHex, ""},
		{"hex json", hexs(js), Limits{}, []string{"hex", "json"}, js, false, nil, ""},
		{"base64 of hex of gzip", b64s(hexs(gzJS)), Limits{}, []string{"base64", "hex", "gzip", "json"}, js, false, nil, ""},
		{"base64 raw deflate stored", b64s(stored), Limits{}, []string{"base64", "deflate", "json"}, js, false, nil, ""},
		{"base64 raw deflate fixed", b64s(fixed), Limits{}, []string{"base64", "deflate", "json"}, small, false, nil, ""},
		{"base64 raw deflate dynamic", b64s(dynamic), Limits{}, []string{"base64", "deflate", "json"}, js, false, nil, ""},
		{"urlsafe raw deflate", urlDeflate, Limits{}, []string{"base64url", "deflate", "json"}, js, false, nil, ""},
		{"hex raw deflate", hexs(dynamic), Limits{}, []string{"hex", "deflate", "json"}, js, false, nil, ""},
		{"base64 brotli q0", b64s(br(t, js, 0, 22)), Limits{}, []string{"base64", "brotli", "json"}, js, false, nil, ""},
		{"base64 brotli q1", b64s(br(t, js, 1, 22)), Limits{}, []string{"base64", "brotli", "json"}, js, false, nil, ""},
		{"base64 brotli q5", b64s(br(t, js, 5, 0)), Limits{}, []string{"base64", "brotli", "json"}, js, false, nil, ""},
		{"base64 brotli q11 w16", b64s(br(t, js, 11, 16)), Limits{}, []string{"base64", "brotli", "json"}, js, false, nil, ""},
		{"base64 brotli q11 w10", b64s(br(t, small, 11, 10)), Limits{}, []string{"base64", "brotli", "json"}, small, false, nil, ""},
		{"base64 brotli big window rewritten", b64s(brBig), Limits{}, []string{"base64", "brotli", "json"}, big, false, nil, ""},
		{"hex brotli", hexs(br(t, js, 9, 22)), Limits{}, []string{"hex", "brotli", "json"}, js, false, nil, ""},
		{"base64 deflate of gzip", b64s(raw(t, gzJS, 0)), Limits{}, []string{"base64", "deflate", "gzip", "json"}, js, false, nil, ""},
		{"raw gzip", gzJS, Limits{}, []string{"gzip", "json"}, js, false, gzJS, ""},
		{"multi-member gzip", multi, Limits{}, []string{"gzip", "json"}, js, false, nil, ""},
		{"gzip trailing garbage", append(append([]byte{}, gzJS...), "garbage"...), Limits{}, []string{"gzip", "json"}, js, false, nil, ""},
		{"zlib 7801", b64s(zl(t, js, zlib.NoCompression)), Limits{}, []string{"base64", "zlib", "json"}, js, false, nil, ""},
		{"zlib 785e", b64s(zl(t, js, 2)), Limits{}, []string{"base64", "zlib", "json"}, js, false, nil, ""},
		{"zlib 789c", zl(t, js, zlib.DefaultCompression), Limits{}, []string{"zlib", "json"}, js, false, nil, ""},
		{"zlib 78da", zl(t, js, zlib.BestCompression), Limits{}, []string{"zlib", "json"}, js, false, nil, ""},
		{"zstd", zs(t, js), Limits{}, []string{"zstd", "json"}, js, false, nil, ""},
		{"base64 zstd stream 8MiB window", b64s(zsStream(t, js, 8<<20)), Limits{}, []string{"base64", "zstd", "json"}, js, false, nil, ""},
		{"json string holding json", []byte(`"{\"a\":1}"`), Limits{}, []string{"jsonstr", "json"}, []byte(`{"a":1}`), false, nil, ""},
		{"json string holding base64 with escaped slashes", jsonStrB64, Limits{}, []string{"jsonstr", "base64", "json"}, []byte(`{"a":"b/c/d?/e"}`), false, nil, ""},
		{"json string holding hex", []byte(`"` + string(hexs(gzJS)) + `"`), Limits{}, []string{"jsonstr", "hex", "gzip", "json"}, js, false, nil, ""},
		{"ndjson", []byte("{\"a\":1}\r\n\n{\"b\":[2]}\n"), Limits{}, []string{"ndjson"}, []byte(`[{"a":1},{"b":[2]}]`), false, nil, ""},
		{"base64 ndjson", b64s([]byte("{\"a\":1}\n{\"b\":2}")), Limits{}, []string{"base64", "ndjson"}, []byte(`[{"a":1},{"b":2}]`), false, nil, ""},
		{"plain json with percent", []byte(` {"u":"a%20b"} `), Limits{}, []string{"json"}, []byte(`{"u":"a%20b"}`), false, nil, ""},
		{"bom json", []byte("\xef\xbb\xbf[1]"), Limits{}, []string{"json"}, []byte(`[1]`), false, nil, ""},
		{"percent json", []byte(`%7B%22a%22%3A1%7D`), Limits{}, []string{"percent", "json"}, []byte(`{"a":1}`), false, nil, ""},
		{"depth limit", b64s(b64s(b64s(b64s(js)))), Limits{MaxDepth: 3}, []string{"base64", "base64", "base64"}, b64s(js), false, nil, "depth"},
		{"depth limit before trial step", b64s(stored), Limits{MaxDepth: 1}, []string{"base64"}, stored, false, nil, "depth"},
		// Nothing recognised: the input comes back.
		{"word", []byte("test"), Limits{}, nil, []byte("test"), false, nil, ""},
		{"base64 word", []byte("dGVzdA=="), Limits{}, nil, []byte("dGVzdA=="), false, nil, ""},
		{"base64 of text", b64s([]byte("Hello World, nothing to see here")), Limits{}, nil, nil, false, nil, ""},
		{"len mod 4 is 1", append([]byte(base64.RawStdEncoding.EncodeToString(js[:33])), 'A'), Limits{}, nil, nil, false, nil, ""},
		{"json number", []byte("1588339200123"), Limits{}, nil, nil, false, nil, ""},
		{"json string", []byte(`"hello"`), Limits{}, nil, nil, false, nil, ""},
		{"html", []byte("<!DOCTYPE html><html><body>%20 hi</body></html>"), Limits{}, []string{"percent"}, []byte("<!DOCTYPE html><html><body>  hi</body></html>"), false, nil, ""},
		{"png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"), Limits{}, nil, nil, false, nil, ""},
		{"zlib lookalike text", []byte("x^2 + y^2 = z^2"), Limits{}, nil, nil, false, nil, ""},
		{"odd hex run", append(hexs(gzJS), '0'), Limits{}, nil, nil, false, nil, ""},
		// Raw deflate is tried only on the output of Base64 or hex.
		{"bare raw deflate", dynamic, Limits{}, nil, dynamic, false, nil, ""},
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
			if r.LimitHit != (tt.limit != "") || r.Limit != tt.limit || r.Truncated {
				t.Errorf("LimitHit, Limit, Truncated = %v, %q, %v; want %v, %q, false (err %q)", r.LimitHit, r.Limit, r.Truncated, tt.limit != "", tt.limit, r.Err)
			}
			checkLayers(t, r)
		})
	}
}

// checkLayers checks the invariants tying Layers to Chain and Data.
func checkLayers(t testing.TB, r Result) {
	t.Helper()
	if len(r.Layers) != len(r.Chain) {
		t.Fatalf("%d layers for chain %q", len(r.Layers), r.Chain)
	}
	if len(r.Chain) > 0 && !bytes.Equal(r.Layers[len(r.Layers)-1], r.Data) {
		t.Fatalf("last layer %.40q is not Data %.40q", r.Layers[len(r.Layers)-1], r.Data)
	}
}

func TestPeelLayers(t *testing.T) {
	js := []byte(eventJSON)
	gzJS := gz(t, js)
	b64gz := b64s(gzJS)
	quoted := []byte(`"` + string(hexs(gzJS)) + `"`)
	tests := []struct {
		name   string
		in     []byte
		layers [][]byte
	}{
		{"percent base64 gzip json", []byte(url.QueryEscape(string(b64gz))), [][]byte{b64gz, gzJS, js, js}},
		{"hex gzip json", hexs(gzJS), [][]byte{gzJS, js, js}},
		{"jsonstr hex gzip json", quoted, [][]byte{hexs(gzJS), gzJS, js, js}},
		{"base64 deflate json", b64s(raw(t, js, 9)), [][]byte{raw(t, js, 9), js, js}},
		{"ndjson", []byte("{\"a\":1}\n[2]"), [][]byte{[]byte(`[{"a":1},[2]]`)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Peel(tt.in, Limits{})
			if len(r.Layers) != len(tt.layers) {
				t.Fatalf("Layers = %d (chain %q), want %d", len(r.Layers), r.Chain, len(tt.layers))
			}
			for i := range tt.layers {
				if !bytes.Equal(r.Layers[i], tt.layers[i]) {
					t.Errorf("Layers[%d] (%s) = %.60q, want %.60q", i, r.Chain[i], r.Layers[i], tt.layers[i])
				}
			}
		})
	}
}

func TestPeelTruncatedGzip(t *testing.T) {
	js := bigJSON(12 << 10)
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
		checkLayers(t, r)
	}
}

func TestPeelTruncatedTrial(t *testing.T) {
	// A cut raw deflate or brotli stream is taken when what came out is a
	// long valid JSON prefix.
	js := bigJSON(12 << 10)
	for _, c := range []struct {
		name string
		enc  []byte
	}{{"deflate", raw(t, js, 6)}, {"brotli", br(t, js, 5, 22)}} {
		r := Peel(b64s(c.enc[:len(c.enc)*2/3]), Limits{})
		if !reflect.DeepEqual(r.Chain, []string{"base64", c.name}) || !r.Truncated || r.JSON {
			t.Fatalf("Peel(cut %s) = chain %q truncated %v json %v (err %q)", c.name, r.Chain, r.Truncated, r.JSON, r.Err)
		}
		if len(r.Data) < len(js)/3 || !bytes.HasPrefix(js, r.Data) {
			t.Errorf("cut %s: Data (%d bytes) is not a long prefix of the %d-byte JSON", c.name, len(r.Data), len(js))
		}
	}
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

// noise holds values of the kinds that fill query strings and forms and
// are not encodings: they must come back untouched (empty chain).
func noise() [][]byte {
	md := md5.Sum([]byte("telltale"))
	s1 := sha1.Sum([]byte("telltale"))
	s256 := sha256.Sum256([]byte("telltale"))
	jwt := "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
	out := [][]byte{
		[]byte("1"), []byte("zh-CN"), []byte("true"), []byte("1588339200123"), []byte("358476101234565"),
		[]byte("Mozilla/5.0 (Linux; Android 10; MI 9) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/80.0 Mobile Safari/537.36"),
		[]byte("https://example.com/path/to/page.html"),
		[]byte("9774d56d682e549c"), // Android ID
		hexs(md[:]), hexs(s1[:]), hexs(s256[:]),
		[]byte(strings.ToUpper(string(hexs(md[:])))),
		[]byte("3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"),
		[]byte("3F1B2C4D-5E6F-4A7B-8C9D-0E1F2A3B4C5D"),
		[]byte("3f1b2c4d5e6f4a7b8c9d0e1f2a3b4c5d"), // UUID without dashes: 32 hex digits
		[]byte(jwt),
		[]byte(strings.Split(jwt, ".")[2]), // the signature part
		[]byte(base64.StdEncoding.EncodeToString(md[:])),
		[]byte(base64.RawURLEncoding.EncodeToString(s256[:])),
		[]byte("AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY"), // an API key shape
		[]byte("GA1.2.1234567890.1588339200"),
		[]byte("Chinese 中文 value"),
	}
	return out
}

func TestPeelNoise(t *testing.T) {
	for _, in := range noise() {
		r := Peel(in, Limits{})
		if r.Chain != nil || !bytes.Equal(r.Data, in) || r.LimitHit || r.Layers != nil {
			t.Errorf("Peel(%q) = chain %q, limit %v: want untouched", in, r.Chain, r.LimitHit)
		}
	}
	// The JWT header and payload are each Base64url of a JSON object, and
	// decode as such: only the whole token and its signature stay as they
	// are.
	r := Peel([]byte("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"), Limits{})
	if !reflect.DeepEqual(r.Chain, []string{"base64", "json"}) || string(r.Data) != `{"alg":"HS256","typ":"JWT"}` {
		t.Errorf("Peel(JWT header) = %q %q", r.Chain, r.Data)
	}
}

func TestPeelNoiseAllocs(t *testing.T) {
	for _, in := range noise() {
		if n := testing.AllocsPerRun(20, func() { Peel(in, Limits{}) }); n != 0 {
			t.Errorf("Peel(%.40q) allocates %v times, want 0", in, n)
		}
	}
}

// TestPeelRandomTokens checks that random tokens in every text encoding, of
// many lengths, stay undecoded: the trial decoders must not see JSON in
// random bytes.
func TestPeelRandomTokens(t *testing.T) {
	encs := []struct {
		name string
		enc  func([]byte) string
	}{
		{"std", base64.StdEncoding.EncodeToString},
		{"rawurl", base64.RawURLEncoding.EncodeToString},
		{"hex", hex.EncodeToString},
	}
	n := 0
	for size := 12; size <= 96; size++ {
		for i := range 100 {
			b := prng(fmt.Sprintf("token %d %d", size, i), size)
			for _, e := range encs {
				in := []byte(e.enc(b))
				n++
				if r := Peel(in, Limits{}); r.Chain != nil {
					t.Errorf("Peel(%s of %d random bytes %q) = %q, want untouched", e.name, size, in, r.Chain)
				}
			}
		}
	}
	if n != 85*100*3 {
		t.Fatalf("checked %d tokens", n)
	}
}

func TestEncoded(t *testing.T) {
	tests := []struct {
		chain []string
		want  bool
	}{
		{nil, false},
		{[]string{"json"}, false},
		{[]string{"percent", "jsonstr", "json"}, false},
		{[]string{"base64", "json"}, true},
		{[]string{"base64url", "json"}, true},
		{[]string{"hex"}, true},
		{[]string{"gzip", "json"}, true},
		{[]string{"zlib"}, true},
		{[]string{"deflate"}, true},
		{[]string{"brotli"}, true},
		{[]string{"zstd"}, true},
	}
	for _, tt := range tests {
		r := Result{Chain: tt.chain}
		if got := r.Encoded(); got != tt.want {
			t.Errorf("Encoded(%q) = %v, want %v", tt.chain, got, tt.want)
		}
	}
}

func TestEntropy(t *testing.T) {
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	tests := []struct {
		name string
		in   []byte
		want float64
	}{
		{"empty", nil, 0},
		{"one byte", []byte("a"), 0},
		{"constant", []byte("aaaa"), 0},
		{"ab repeated", bytes.Repeat([]byte("ab"), 50), 1},
		{"four symbols", []byte("abcdabcd"), 2},
		{"256 distinct", all, 8},
		{"256 distinct twice", append(append([]byte{}, all...), all...), 8},
		{"half a, quarter b, quarter c", []byte("aabc"), 1.5},
		{"dyadic 1/2 1/4 1/8 1/8", []byte("aaaabbcd"), 1.75},
	}
	for _, tt := range tests {
		if got := Entropy(tt.in); got != tt.want {
			t.Errorf("Entropy(%s) = %v, want exactly %v", tt.name, got, tt.want)
		}
	}
	// Non-dyadic: 3/4, 1/4 has H = 2 - (3/4)log2(3).
	if got, want := Entropy([]byte("aaab")), 2-0.75*math.Log2(3); math.Abs(got-want) > 1e-15 {
		t.Errorf("Entropy(aaab) = %v, want %v", got, want)
	}
}

func TestDecompress(t *testing.T) {
	js := []byte(eventJSON)
	big := bigJSON(100 << 10)
	gzJS := gz(t, js)
	tests := []struct {
		name      string
		enc       string
		in        []byte
		lim       Limits
		want      []byte
		truncated bool
		limit     bool
		err       bool
	}{
		{"gzip", "gzip", gzJS, Limits{}, js, false, false, false},
		{"x-gzip any case", " X-GZip ", gzJS, Limits{}, js, false, false, false},
		{"gzip multi-member", "gzip", append(gz(t, js[:10]), gz(t, js[10:])...), Limits{}, js, false, false, false},
		{"gzip truncated", "gzip", gz(t, big)[:2000], Limits{}, nil, true, false, false},
		{"deflate as zlib", "deflate", zl(t, js, 6), Limits{}, js, false, false, false},
		{"deflate as raw", "deflate", raw(t, js, 6), Limits{}, js, false, false, false},
		{"deflate raw stored", "deflate", raw(t, js, 0), Limits{}, js, false, false, false},
		{"br", "br", br(t, big, 11, 24), Limits{}, big, false, false, false},
		{"zstd", "zstd", zsStream(t, big, 8<<20), Limits{}, big, false, false, false},
		{"zstd single segment", "zstd", zs(t, big), Limits{}, big, false, false, false},
		{"identity", "identity", js, Limits{}, js, false, false, false},
		{"gzip cut by ratio", "gzip", gz(t, bytes.Repeat([]byte(" "), 1<<20)), Limits{MaxRatio: 1}, bytes.Repeat([]byte(" "), RatioFloor), false, true, false},
		{"br cut by bytes", "br", br(t, big, 5, 22), Limits{MaxBytes: 50000}, big[:50000], false, true, false},
		{"input over MaxBytes", "gzip", gzJS, Limits{MaxBytes: 10}, nil, false, true, true},
		{"unknown", "compress", gzJS, Limits{}, nil, false, false, true},
		{"corrupt gzip", "gzip", []byte("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xffgarbage!"), Limits{}, nil, false, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, truncated, limit, err := Decompress(tt.enc, tt.in, tt.lim)
			if truncated != tt.truncated || limit != tt.limit || (err != nil) != tt.err {
				t.Fatalf("Decompress(%q) truncated %v limit %v err %v; want %v %v err %v", tt.enc, truncated, limit, err, tt.truncated, tt.limit, tt.err)
			}
			if tt.truncated {
				if len(out) == 0 || !bytes.HasPrefix(big, out) {
					t.Fatalf("truncated output (%d bytes) is not a prefix", len(out))
				}
				return
			}
			if tt.want != nil && !bytes.Equal(out, tt.want) {
				t.Fatalf("Decompress(%q) = %d bytes %.40q, want %d bytes", tt.enc, len(out), out, len(tt.want))
			}
			if err != nil && !strings.HasPrefix(err.Error(), "decode: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

func TestJSONValidOutputs(t *testing.T) {
	// Every successful JSON result is an object or array that parses.
	js := []byte(eventJSON)
	for _, in := range [][]byte{b64s(gz(t, js)), hexs(raw(t, js, 9)), b64s(br(t, js, 4, 18))} {
		r := Peel(in, Limits{})
		var v any
		if !r.JSON || json.Unmarshal(r.Data, &v) != nil {
			t.Fatalf("Peel(%.30q) = chain %q json %v", in, r.Chain, r.JSON)
		}
	}
}
