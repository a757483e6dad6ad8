package decode

import (
	"bytes"
	"compress/flate"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	kflate "github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/zstd"
)

// jsonDocs are valid JSON texts exercising every part of the grammar.
var jsonDocs = []string{
	eventJSON,
	`{}`, `[]`, `[[]]`, `{"a":{}}`,
	`{"a":1,"b":-0.5e+10,"c":[true,false,null],"d":"\u4e2d\"\\\/\b\f\n\r\t"}`,
	"[ 1 , 2E3 ,\t-0 ,0.25 ]\n",
	`[{"k":"v"},["x",{"y":[null]}]]`,
	`["中文", "😀"]`,
	"{\"a\":1}\n{\"b\":2}\n", // NDJSON
}

func TestJSONPrefix(t *testing.T) {
	for _, doc := range jsonDocs {
		for i := 1; i <= len(doc); i++ {
			if p := []byte(doc[:i]); !jsonPrefix(p) {
				t.Errorf("jsonPrefix(%q) = false, a prefix of %.30q", p, doc)
				break
			}
		}
	}
	bad := []string{
		`{"a" 1}`, `[1,]`, `{]`, `[1 2]`, `{"a":tru e}`, `[01]`, "[\"\x01\"]", `["\q"]`, `[-]`, `[1.]`, `[1e]`,
		`{"a":1}}`, `[1]x`, `{1:2}`, `{"a":1,}`, `[,1]`, `["\u12G4"]`, `[+1]`, `[.5]`, `[nul,`, `{"a"::1}`,
	}
	for _, b := range bad {
		if jsonPrefix([]byte(b)) {
			t.Errorf("jsonPrefix(%q) = true, want false", b)
		}
	}
	for _, c := range []struct {
		in          string
		prefix, doc bool
	}{{`{"a":1}x`, false, true}, {`{"a":1} [`, true, true}, {`{"a":`, true, false}, {`{"a"}`, false, false}, {`[1]]`, false, true}} {
		if prefix, doc := scanJSON([]byte(c.in)); prefix != c.prefix || doc != c.doc {
			t.Errorf("scanJSON(%q) = %v, %v; want %v, %v", c.in, prefix, doc, c.prefix, c.doc)
		}
	}
	deep := strings.Repeat("[", 1025)
	if jsonPrefix([]byte(deep)) || !jsonPrefix([]byte(deep[:1024])) {
		t.Error("jsonPrefix nesting limit is not 1024")
	}
}

// TestPrechecksAcceptRealStreams: the allocation-free pre-checks must pass
// every stream real encoders make, or Peel would miss them.
func TestPrechecksAcceptRealStreams(t *testing.T) {
	docs := [][]byte{[]byte(eventJSON), []byte(`{"event":"x"}`), []byte(" \n[1]"), bigJSON(4 << 10), bigJSON(300 << 10), gz(t, []byte(eventJSON))}
	for di, doc := range docs {
		for level := -2; level <= 9; level++ {
			if b := raw(t, doc, level); !deflateMaybe(b) {
				t.Errorf("doc %d: deflateMaybe rejects compress/flate level %d", di, level)
			}
			var buf bytes.Buffer
			w, _ := kflate.NewWriter(&buf, level)
			w.Write(doc)
			w.Close()
			if !deflateMaybe(buf.Bytes()) {
				t.Errorf("doc %d: deflateMaybe rejects klauspost flate level %d", di, level)
			}
		}
		for q := 0; q <= 11; q++ {
			for _, lgwin := range []int{0, 10, 16, 17, 18, 22, 24} {
				if q >= 6 && q != 9 && len(doc) > 100<<10 {
					continue // slow, and nothing new
				}
				if b := br(t, doc, q, lgwin); !brotliMaybe(b) {
					t.Errorf("doc %d: brotliMaybe rejects quality %d lgwin %d", di, q, lgwin)
				}
			}
		}
	}
}

func TestDeflateFixtures(t *testing.T) {
	dir := filepath.Join("testdata", "zlib")
	names, err := filepath.Glob(filepath.Join(dir, "*.deflate"))
	if err != nil || len(names) < 50 {
		t.Fatalf("fixtures: %d files, err %v", len(names), err)
	}
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := os.ReadFile(filepath.Join(dir, strings.SplitN(filepath.Base(name), "-", 2)[0]+".json"))
		if err != nil {
			t.Fatal(err)
		}
		if !deflateMaybe(b) {
			t.Errorf("%s: deflateMaybe rejects it", name)
		}
		r := Peel(b64s(b), Limits{})
		if !reflect.DeepEqual(r.Chain, []string{"base64", "deflate", "json"}) || !bytes.Equal(r.Data, doc) {
			t.Errorf("%s: Peel(base64) = %q %.40q (err %q)", name, r.Chain, r.Data, r.Err)
		}
	}
}

// TestPrecheckRates keeps the pre-checks cheap: they must reject almost all
// random bytes (each acceptance costs a decoder of ~40 KiB).
func TestPrecheckRates(t *testing.T) {
	const n = 50000
	nd, nb := 0, 0
	for i := range n {
		b := prng(fmt.Sprint("rate ", i), 12+i%53)
		if deflateMaybe(b) {
			nd++
		}
		if brotliMaybe(b) {
			nb++
		}
	}
	t.Logf("random inputs passing: deflate %d, brotli %d of %d", nd, nb, n)
	if nd > n/2000 || nb > n/2000 {
		t.Errorf("pre-checks pass %d (deflate) and %d (brotli) of %d random inputs, want at most 0.05%%", nd, nb, n)
	}
}

func TestUnbrotliHeldWindow(t *testing.T) {
	docs := [][]byte{bigJSON(1200 << 10), bytes.Repeat([]byte(eventJSON), 6000)}
	for di, doc := range docs {
		for _, lgwin := range []int{16, 18, 22, 24} {
			enc := br(t, doc, 5, lgwin)
			if wb, _, ok := brotliWindow(enc); !ok || wb != lgwin {
				t.Fatalf("test setup: window bits %d, want %d", wb, lgwin)
			}
			for _, limit := range []int64{1000, 64 << 10, 100000, 1 << 20, int64(len(doc)) - 1, int64(len(doc)), 64 << 20} {
				res := unbrotli(enc, limit)
				want := doc[:min(int64(len(doc)), limit)]
				if res.err != nil || res.truncated || res.limit != (int64(len(doc)) > limit) || !bytes.Equal(res.out, want) {
					t.Errorf("doc %d lgwin %d limit %d: %d bytes limit %v err %v; want %d bytes limit %v", di, lgwin, limit, len(res.out), res.limit, res.err, len(want), int64(len(doc)) > limit)
				}
			}
		}
	}
}

func TestSetBrotliWindow(t *testing.T) {
	doc := []byte(eventJSON)
	classes := [][]int{{16}, {10, 11, 12, 13, 14, 15, 17}, {18, 19, 20, 21, 22, 23, 24}}
	for _, class := range classes {
		for _, from := range class {
			enc := br(t, doc, 6, from)
			_, hdr, ok := brotliWindow(enc)
			if wb, _, _ := brotliWindow(enc); !ok || wb != from {
				t.Fatalf("test setup: window %d, want %d", wb, from)
			}
			for _, to := range class {
				re := bytes.Clone(enc)
				setBrotliWindow(re, to)
				if got, h, ok := brotliWindow(re); !ok || got != to || h != hdr {
					t.Errorf("rewrite %d -> %d reads back %d (%d bits)", from, to, got, h)
				}
				out, _, _, err := Decompress("br", re, Limits{})
				if err != nil || !bytes.Equal(out, doc) {
					t.Errorf("rewrite %d -> %d: %v, %.30q", from, to, err, out)
				}
			}
		}
	}
}

func TestBrotliHeld(t *testing.T) {
	tests := []struct {
		wbits int
		n     int64
		want  int
	}{
		{24, 1, 18}, {24, 256<<10 - 16, 18}, {24, 256<<10 - 15, 19}, {24, 4 << 20, 23}, {24, 16 << 20, 24}, {20, 16 << 20, 20},
		{22, 65536, 18}, {16, 10, 16}, {17, 10, 10}, {17, 40000, 17}, {15, 100, 10}, {15, 1000, 10}, {15, 1009, 11}, {12, 1 << 20, 12},
	}
	for _, tt := range tests {
		if got := brotliHeld(tt.wbits, tt.n); got != tt.want {
			t.Errorf("brotliHeld(%d, %d) = %d, want %d", tt.wbits, tt.n, got, tt.want)
		}
	}
}

func TestZstdHoldWindows(t *testing.T) {
	a, b := bigJSON(400<<10), bigJSON(300<<10)
	skippable := []byte{0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 'x', 'y', 'z'}
	stream := append(append(append(zsStream(t, a, 8<<20), skippable...), zsStream(t, b, 8<<20)...), zs(t, b)...)
	full := append(append(append([]byte{}, a...), b...), b...)
	win := zstdWindow(200 << 10)
	held := zstdHoldWindows(stream, win)
	// Both streamed frames' descriptors are lowered.
	var windows []int64
	for _, p := range []int{0, len(zsStream(t, a, 8<<20)) + len(skippable)} {
		var h zstd.Header
		if err := h.Decode(held[p:]); err != nil {
			t.Fatal(err)
		}
		windows = append(windows, int64(h.WindowSize))
	}
	if windows[0] != win || windows[1] != win {
		t.Errorf("held windows %v, want %d", windows, win)
	}
	for _, limit := range []int64{200 << 10, 500 << 10, int64(len(full)), 16 << 20} {
		res := unzstd(stream, limit)
		want := full[:min(int64(len(full)), limit)]
		if res.err != nil || res.limit != (int64(len(full)) > limit) || !bytes.Equal(res.out, want) {
			t.Errorf("limit %d: %d bytes limit %v err %v, want %d bytes", limit, len(res.out), res.limit, res.err, len(want))
		}
	}
	if got := zstdHoldWindows(zs(t, a), win); &got[0] == nil || len(got) != len(zs(t, a)) {
		t.Error("single-segment frame changed")
	}
}

func TestZstdWindowDescriptor(t *testing.T) {
	tests := []struct {
		wd   byte
		want int64
	}{
		{0x00, 1 << 10}, {0x01, 1<<10 + 1<<7}, {0x07, 1<<10 + 7<<7}, {0x08, 2 << 10}, {0x68, 8 << 20}, {0x69, 9 << 20},
	}
	for _, tt := range tests {
		if got := zstdWindowSize(tt.wd); got != tt.want {
			t.Errorf("zstdWindowSize(%#x) = %d, want %d", tt.wd, got, tt.want)
		}
		if got := zstdDescriptor(tt.want); got != tt.wd {
			t.Errorf("zstdDescriptor(%d) = %#x, want %#x", tt.want, got, tt.wd)
		}
		if got := zstdDescriptor(tt.want - 1); tt.wd > 0 && got != tt.wd {
			t.Errorf("zstdDescriptor(%d) = %#x, want %#x", tt.want-1, got, tt.wd)
		}
	}
	if zstdWindow(8<<20) < 8<<20+1+zstdMaxBlock {
		t.Error("zstdWindow smaller than the cap plus a block")
	}
}

func TestStoredDeflateHeader(t *testing.T) {
	doc := []byte(eventJSON)
	b := raw(t, doc, flate.NoCompression)
	bad := append([]byte{}, b...)
	bad[3] ^= 1 // NLEN no longer the complement of LEN
	if !deflateMaybe(b) || deflateMaybe(bad) {
		t.Error("stored block LEN/NLEN check")
	}
}
