package h1

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"
)

// plain is a telemetry-like body, long enough for every coder to compress.
var plain = []byte(strings.Repeat(`{"event":"$AppStart","distinct_id":"a1b2c3","properties":{"$os":"Android"}}`+"\n", 40))

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func gzipOf(t testing.TB, p []byte) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	_, err := w.Write(p)
	must(t, err)
	must(t, w.Close())
	return b.Bytes()
}

func zlibOf(t testing.TB, p []byte) []byte {
	var b bytes.Buffer
	w := zlib.NewWriter(&b)
	_, err := w.Write(p)
	must(t, err)
	must(t, w.Close())
	return b.Bytes()
}

func flateOf(t testing.TB, p []byte) []byte {
	var b bytes.Buffer
	w, err := flate.NewWriter(&b, flate.DefaultCompression)
	must(t, err)
	_, err = w.Write(p)
	must(t, err)
	must(t, w.Close())
	return b.Bytes()
}

func brOf(t testing.TB, p []byte) []byte {
	var b bytes.Buffer
	w := brotli.NewWriter(&b)
	_, err := w.Write(p)
	must(t, err)
	must(t, w.Close())
	return b.Bytes()
}

func zstdOf(t testing.TB, p []byte) []byte {
	w, err := zstd.NewWriter(nil)
	must(t, err)
	defer w.Close()
	return w.EncodeAll(p, nil)
}

// post is a request carrying body with the given Content-Encoding.
func post(enc string, body []byte) string {
	return crlf(fmt.Sprintf("POST /sa?project=default HTTP/1.1\nHost: t.example\nContent-Encoding: %s\nContent-Length: %d\n\n", enc, len(body))) + string(body)
}

// postChunked is post with the body sent as two chunks.
func postChunked(enc string, body []byte) string {
	h := len(body) / 2
	return crlf(fmt.Sprintf("POST /sa HTTP/1.1\nContent-Encoding: %s\nTransfer-Encoding: chunked\n\n%x\n", enc, h)) +
		string(body[:h]) + crlf(fmt.Sprintf("\n%x\n", len(body)-h)) + string(body[h:]) + crlf("\n0\n\n")
}

func TestContentEncoding(t *testing.T) {
	half := len(plain) / 2
	twoMembers := append(gzipOf(t, plain[:half]), gzipOf(t, plain[half:])...)
	badCRC := gzipOf(t, plain)
	badCRC[len(badCRC)-8] ^= 0xff
	tests := []struct {
		name     string
		request  string
		wire     int    // WireBodyLen
		body     []byte // decoded body
		flags    []string
		counters string
	}{
		{"gzip, two members", post("gzip", twoMembers), len(twoMembers), plain, nil, ""},
		{"x-gzip", post("x-gzip", gzipOf(t, plain)), len(gzipOf(t, plain)), plain, nil, ""},
		{"deflate as zlib", post("deflate", zlibOf(t, plain)), len(zlibOf(t, plain)), plain, nil, ""},
		{"deflate raw", post("deflate", flateOf(t, plain)), len(flateOf(t, plain)), plain, nil, ""},
		{"br", post("br", brOf(t, plain)), len(brOf(t, plain)), plain, nil, ""},
		{"zstd", post("zstd", zstdOf(t, plain)), len(zstdOf(t, plain)), plain, nil, ""},
		{"gzip, br stacked", post("gzip, br", brOf(t, gzipOf(t, plain))), len(brOf(t, gzipOf(t, plain))), plain, nil, ""},
		{"identity", post("identity", plain), len(plain), plain, nil, ""},
		{"chunked gzip", postChunked("GZIP", gzipOf(t, plain)), len(gzipOf(t, plain)), plain, nil, ""},
		{"bad CRC keeps everything decoded", post("gzip", badCRC), len(badCRC), plain, []string{"decode_error"}, "http.decode_errors=1\n"},
		{"not gzip at all", post("gzip", []byte("plain text")), 10, nil, []string{"decode_error"}, "http.decode_errors=1\n"},
		{"unknown coding stays encoded", post("compress", []byte("LZW?")), 4, []byte("LZW?"), []string{"decode_error"}, "http.decode_errors=1\nhttp.unknown_encodings=1\n"},
		{"unknown inner coding: outer layer undone", post("x-custom, gzip", gzipOf(t, plain)), len(gzipOf(t, plain)), plain, []string{"decode_error"}, "http.decode_errors=1\nhttp.unknown_encodings=1\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			txs, st := feedAll(t, Config{}, []ev{c2s(tt.request), s2c(ok(""))})
			if len(txs) != 1 || txs[0].Request == nil {
				t.Fatalf("got %d transactions:\n%s", len(txs), dump(txs, false))
			}
			m := txs[0].Request
			if !bytes.Equal(m.Body, tt.body) {
				t.Errorf("Body = %q, want %q", m.Body, tt.body)
			}
			if m.WireBodyLen != int64(tt.wire) || m.DecodedBodyLen != int64(len(tt.body)) {
				t.Errorf("WireBodyLen, DecodedBodyLen = %d, %d, want %d, %d", m.WireBodyLen, m.DecodedBodyLen, tt.wire, len(tt.body))
			}
			if got := fmt.Sprint(m.Flags.Names()); got != fmt.Sprint(tt.flags) {
				t.Errorf("Flags = %s, want %v", got, tt.flags)
			}
			want := "http.requests=1\nhttp.responses=1\nhttp.transactions=1\n" + tt.counters
			if got := nonZero(&st); got != want {
				t.Errorf("stats:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// A gzip body cut short inside the deflate stream, though the message itself
// is complete, decodes to a prefix and is a decoding error.
func TestTruncatedGzip(t *testing.T) {
	var big bytes.Buffer
	for i := 0; big.Len() < 200<<10; i++ {
		fmt.Fprintf(&big, `{"seq":%d,"id":"%x"}`+"\n", i, i*2654435761)
	}
	gz := gzipOf(t, big.Bytes())
	cut := gz[:len(gz)*3/4]
	txs, st := feedAll(t, Config{}, []ev{c2s(post("gzip", cut))})
	m := txs[0].Request
	if m.Flags != FlagDecodeError {
		t.Errorf("Flags = %v, want [decode_error]", m.Flags.Names())
	}
	if len(m.Body) == 0 || len(m.Body) >= big.Len() || !bytes.Equal(m.Body, big.Bytes()[:len(m.Body)]) {
		t.Errorf("Body is %d bytes, want a non-empty proper prefix of the %d-byte original", len(m.Body), big.Len())
	}
	if m.DecodedBodyLen != int64(len(m.Body)) || m.WireBodyLen != int64(len(cut)) {
		t.Errorf("DecodedBodyLen, WireBodyLen = %d, %d, want %d, %d", m.DecodedBodyLen, m.WireBodyLen, len(m.Body), len(cut))
	}
	if st.DecodeErrors != 1 {
		t.Errorf("DecodeErrors = %d, want 1", st.DecodeErrors)
	}
}

// A body over MaxEncodedBytes is decoded from its kept prefix: truncated,
// not a decoding error.
func TestEncodedBodyOverCap(t *testing.T) {
	var big bytes.Buffer
	for i := 0; big.Len() < 64<<10; i++ {
		fmt.Fprintf(&big, "%d,%x;", i, i*40503)
	}
	gz := gzipOf(t, big.Bytes())
	cfg := Config{MaxBodyBytes: 16, MaxEncodedBytes: len(gz) / 2}
	txs, st := feedAll(t, cfg, []ev{c2s(post("gzip", gz))})
	m := txs[0].Request
	if m.Flags != FlagBodyTruncated {
		t.Errorf("Flags = %v, want [body_truncated]", m.Flags.Names())
	}
	if m.WireBodyLen != int64(len(gz)) || !bytes.Equal(m.Body, big.Bytes()[:len(m.Body)]) || len(m.Body) == 0 {
		t.Errorf("WireBodyLen = %d (want %d), Body %d bytes (want a non-empty prefix)", m.WireBodyLen, len(gz), len(m.Body))
	}
	if m.DecodedBodyLen <= 0 || m.DecodedBodyLen >= int64(big.Len()) {
		t.Errorf("DecodedBodyLen = %d, want what the kept half decodes to: between 0 and %d", m.DecodedBodyLen, big.Len())
	}
	if st.TruncatedBodies != 1 || st.DecodeErrors != 0 {
		t.Errorf("TruncatedBodies, DecodeErrors = %d, %d, want 1, 0", st.TruncatedBodies, st.DecodeErrors)
	}
}

// gzipZeros compresses n zero bytes, streaming, so the test never holds them.
func gzipZeros(t testing.TB, n int) []byte {
	var b bytes.Buffer
	w, err := gzip.NewWriterLevel(&b, gzip.BestCompression)
	must(t, err)
	zeros := make([]byte, 1<<20)
	for n > 0 {
		k := min(n, len(zeros))
		_, err := w.Write(zeros[:k])
		must(t, err)
		n -= k
	}
	must(t, w.Close())
	return b.Bytes()
}

func TestGzipBomb(t *testing.T) {
	bomb := gzipZeros(t, 100<<20)
	cfg := Config{MaxBodyBytes: 4096, MaxDecodedBytes: 1 << 20}
	evs := []ev{c2s(post("gzip", bomb)), s2c(ok(""))}

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	feed(cfg, evs, splits[0].f)
	runtime.ReadMemStats(&after)
	// The request text is copied once by the test (string conversion) and
	// once into the kept encoded body; decoding must add only its windows.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
		t.Errorf("parsing a %d-byte gzip bomb allocated %d bytes, want at most 4 MiB", len(bomb), alloc)
	}

	txs, st := feedAll(t, cfg, evs)
	m := txs[0].Request
	if m.Flags != FlagDecodeLimit|FlagBodyTruncated {
		t.Errorf("Flags = %v, want [body_truncated decode_limit]", m.Flags.Names())
	}
	if m.DecodedBodyLen != 1<<20 || len(m.Body) != 4096 || !bytes.Equal(m.Body, make([]byte, 4096)) {
		t.Errorf("DecodedBodyLen = %d, Body %d bytes, want %d and 4096 zeros", m.DecodedBodyLen, len(m.Body), 1<<20)
	}
	if m.WireBodyLen != int64(len(bomb)) {
		t.Errorf("WireBodyLen = %d, want %d", m.WireBodyLen, len(bomb))
	}
	if st.DecodeLimits != 1 || st.DecodeErrors != 0 {
		t.Errorf("DecodeLimits, DecodeErrors = %d, %d, want 1, 0", st.DecodeLimits, st.DecodeErrors)
	}
}

// Output of exactly MaxDecodedBytes is not a limit hit.
func TestDecodeExactlyAtLimit(t *testing.T) {
	body := gzipOf(t, plain)
	cfg := Config{MaxDecodedBytes: int64(len(plain))}
	txs, _ := feedAll(t, cfg, []ev{c2s(post("gzip", body))})
	if m := txs[0].Request; m.Flags&(FlagDecodeLimit|FlagDecodeError) != 0 || !bytes.Equal(m.Body, plain) {
		t.Errorf("Flags = %v, Body %d bytes; want no decode flags and the %d-byte body", m.Flags.Names(), len(m.Body), len(plain))
	}
	cfg.MaxDecodedBytes--
	txs, _ = feedAll(t, cfg, []ev{c2s(post("gzip", body))})
	if m := txs[0].Request; m.Flags&FlagDecodeLimit == 0 || m.DecodedBodyLen != cfg.MaxDecodedBytes {
		t.Errorf("one byte under: Flags = %v, DecodedBodyLen = %d; want decode_limit and %d", m.Flags.Names(), m.DecodedBodyLen, cfg.MaxDecodedBytes)
	}
}

// A gap inside an encoded body: what came before the gap is decoded; the
// unexpected end that follows is the gap, not a decoding error.
func TestGapInEncodedBody(t *testing.T) {
	gz := gzipOf(t, plain)
	req := post("gzip", gz)
	head := len(req) - len(gz)
	keep := head + len(gz)/2
	txs, _ := feedAll(t, Config{}, []ev{c2s(req[:keep]), gapC2S(10), c2s(req[keep+10:])})
	m := txs[0].Request
	if m.Flags != FlagBodyGap || m.MissingBytes != 10 || m.WireBodyLen != int64(len(gz)) {
		t.Errorf("Flags = %v, MissingBytes = %d, WireBodyLen = %d; want [body_gap], 10, %d", m.Flags.Names(), m.MissingBytes, m.WireBodyLen, len(gz))
	}
	if !bytes.Equal(m.Body, plain[:len(m.Body)]) {
		t.Errorf("Body %q is not a prefix of the original", m.Body)
	}
}
