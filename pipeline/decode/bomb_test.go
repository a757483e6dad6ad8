package decode

import (
	"bytes"
	"encoding/binary"
	"io"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
	kflate "github.com/klauspost/compress/flate"
	kgzip "github.com/klauspost/compress/gzip"
)

// Memory bounds. Each decompression step allocates its output buffer,
// which starts small and doubles up to cap+1, so the buffers of one step
// sum to less than 2*(cap+1); a step that stops early allocates less than
// twice the 2x-rounded size it reached, i.e. under 4x its output. On top come
// the decoder's own state and the copies a Base64 step makes (its output,
// exactly sized, and one clone: 2x the decoded size):
//
//   - flate/gzip/zlib: fixed state (a 32 KiB window and tables, ~100 KiB).
//   - zstd: its window, which unzstd holds to the smallest descriptor
//     holding cap+1+128 KiB (at most 1.125x that), plus two blocks of slack
//     (~256 KiB) and block buffers.
//   - brotli: its ring buffer, a power of two that grows by reallocation up
//     to the window, which unbrotli holds to the smallest power of two
//     above cap+16, 256 KiB at least (brotliBound), its 32 KiB input buffer,
//     and prefix-code tables.
//
// decoderSlack covers the fixed state with room to spare.
const decoderSlack = 1 << 20

// zstdWindowBound bounds the zstd history for an output cap c: the window
// (the smallest descriptor of at least c+1+128 KiB: at most 1/8 more) and
// the two blocks of slack the decoder's ring keeps beside it.
func zstdWindowBound(c int) uint64 {
	return uint64(9*(c+1+zstdMaxBlock)/8 + 2*(zstdMaxBlock+64<<10))
}

// brotliBound bounds the brotli ring buffers for an output cap c, for
// streams declaring a window of 256 KiB or more: each buffer is a power of
// two no larger than the window, so together they stay under twice the
// window, and unbrotli holds the window to brotliHeld (the smallest power of
// two above c+16, at least 256 KiB).
func brotliBound(c int) uint64 {
	return 2 << brotliHeld(24, int64(c)+1)
}

// allocDuring reports the bytes allocated (runtime.MemStats.TotalAlloc
// growth) while f runs. The tests using it do not run in parallel.
func allocDuring(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// streamed compresses n bytes made of unit repeated (ending in tail) by
// streaming them through w, so that the bomb never exists uncompressed.
func streamed(t testing.TB, w io.WriteCloser, unit, tail []byte, n int) {
	t.Helper()
	chunk := bytes.Repeat(unit, (1<<20)/len(unit))
	for n > 0 {
		k := min(n, len(chunk))
		if _, err := w.Write(chunk[:k]); err != nil {
			t.Fatal(err)
		}
		n -= k
	}
	w.Write(tail)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func gzipBomb(t testing.TB, n int) []byte {
	var buf bytes.Buffer
	w, _ := kgzip.NewWriterLevel(&buf, kgzip.BestSpeed)
	streamed(t, w, []byte{0}, nil, n)
	return buf.Bytes()
}

// jsonBomb is n bytes of "[0,0,0,..." : a valid JSON prefix all the way,
// so trial decoding accepts it and must cut it at the cap.
func jsonBomb(t testing.TB, w io.WriteCloser, n int) {
	w.Write([]byte("["))
	streamed(t, w, []byte("0,"), []byte("0]"), n)
}

// zstdRLE is a zstd frame of blocks RLE blocks of 128 KiB of the byte c,
// after the frame header descriptor fhd and the header fields hdr.
func zstdRLE(fhd byte, hdr []byte, blocks int, c byte) []byte {
	out := append([]byte{0x28, 0xb5, 0x2f, 0xfd, fhd}, hdr...)
	for i := range blocks {
		h := uint32(1<<1 | (128<<10)<<3) // RLE, 128 KiB
		if i == blocks-1 {
			h |= 1 // last block
		}
		out = append(out, byte(h), byte(h>>8), byte(h>>16), c)
	}
	return out
}

func TestPeelBombs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 1 GiB bombs")
	}
	const gib = 1 << 30
	gzBomb := gzipBomb(t, gib)
	var nested bytes.Buffer
	nw, _ := kgzip.NewWriterLevel(&nested, kgzip.BestCompression)
	nw.Write(gzBomb)
	nw.Close()
	var brBomb bytes.Buffer
	jsonBomb(t, brotli.NewWriterOptions(&brBomb, brotli.WriterOptions{Quality: 2, LGWin: 24}), 256<<20)
	var flBomb bytes.Buffer
	fw, _ := kflate.NewWriter(&flBomb, kflate.BestSpeed)
	jsonBomb(t, fw, 256<<20)
	// A frame that claims a 2 TiB window (descriptor exponent 31) and holds
	// 1 GiB of RLE blocks.
	zsHuge := zstdRLE(0x00, []byte{0xf8}, gib/(128<<10), '{')
	// A single-segment frame that declares 1 TiB of content.
	var fcs [8]byte
	binary.LittleEndian.PutUint64(fcs[:], 1<<40)
	zsSingle := zstdRLE(0xe0, fcs[:], 4, '{')
	t.Logf("bomb sizes: gzip %d, nested %d, brotli %d, deflate %d, zstd %d", len(gzBomb), nested.Len(), brBomb.Len(), flBomb.Len(), len(zsHuge))

	const mib = 1 << 20
	tests := []struct {
		name    string
		in      []byte
		lim     Limits
		chain   []string
		limit   string
		dataLen int    // -1: not checked
		head    string // Data is head followed by unit repeated, cut anywhere
		unit    string
		bound   uint64 // allocation bound, justified per case
	}{
		// Output cap 8 MiB (MaxBytes; the ratio cap is 1000x ~1 MiB).
		{"gzip 1GiB", gzBomb, Limits{MaxBytes: 8 * mib}, []string{"gzip"}, "bytes", 8 * mib, "", "\x00",
			2*(8*mib+1) + decoderSlack},
		// Cap 4x the input: ~4 MiB, under MaxBytes.
		{"gzip 1GiB ratio", gzBomb, Limits{MaxRatio: 4}, []string{"gzip"}, "ratio", 4 * len(gzBomb), "", "\x00",
			uint64(2*(4*len(gzBomb)+1)) + decoderSlack},
		// Base64 adds the decoded bomb twice.
		{"base64 gzip 1GiB", b64s(gzBomb), Limits{MaxBytes: 8 * mib}, []string{"base64", "gzip"}, "bytes", 8 * mib, "", "\x00",
			2*(8*mib+1) + 2*uint64(len(gzBomb)) + decoderSlack},
		// The outer step outputs the ~1 MiB inner bomb (under 4x of it
		// allocated), the inner one is cut at 8 MiB.
		{"nested gzip", nested.Bytes(), Limits{MaxBytes: 8 * mib}, []string{"gzip", "gzip"}, "bytes", 8 * mib, "", "\x00",
			4*uint64(len(gzBomb)) + 2*(8*mib+1) + 2*decoderSlack},
		// Output 8 MiB; window held to ~8 MiB + 128 KiB (x1.125 rounding).
		{"zstd huge window", zsHuge, Limits{MaxBytes: 8 * mib}, []string{"zstd"}, "bytes", 8 * mib, "", "{",
			2*(8*mib+1) + zstdWindowBound(8*mib) + decoderSlack},
		// Refused before decoding: the frame's window would be its content size.
		{"zstd huge content size", zsSingle, Limits{MaxBytes: 8 * mib}, []string{"zstd"}, "ratio", 0, "", "",
			decoderSlack},
		// Found by trial: the cap is the ratio cap (1000x a few hundred
		// bytes); output 2x, ring buffer under 2x.
		{"base64 brotli json bomb", b64s(brBomb.Bytes()), Limits{}, []string{"base64", "brotli"}, "ratio", 1000 * brBomb.Len(), "[", "0,",
			2*uint64(1000*brBomb.Len()+1) + brotliBound(1000*brBomb.Len()) + decoderSlack},
		{"base64 deflate json bomb", b64s(flBomb.Bytes()), Limits{MaxBytes: 8 * mib}, []string{"base64", "deflate"}, "bytes", 8 * mib, "[", "0,",
			2*(8*mib+1) + 2*uint64(flBomb.Len()) + decoderSlack},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r Result
			got := allocDuring(func() { r = Peel(tt.in, tt.lim) })
			t.Logf("allocated %d bytes (%.2f MiB), bound %.2f MiB", got, float64(got)/mib, float64(tt.bound)/mib)
			if !reflect.DeepEqual(r.Chain, tt.chain) || !r.LimitHit || r.Limit != tt.limit || r.JSON {
				t.Fatalf("Peel = chain %q limit %v %q json %v (err %q), want %q true %q false", r.Chain, r.LimitHit, r.Limit, r.JSON, r.Err, tt.chain, tt.limit)
			}
			if len(r.Data) != tt.dataLen {
				t.Errorf("len(Data) = %d, want %d", len(r.Data), tt.dataLen)
			}
			if tt.unit != "" {
				want := append([]byte(tt.head), bytes.Repeat([]byte(tt.unit), len(r.Data)/len(tt.unit)+1)...)
				if !bytes.Equal(r.Data, want[:len(r.Data)]) {
					t.Errorf("Data %.40q is not %q then %q repeated", r.Data, tt.head, tt.unit)
				}
			}
			if got > tt.bound {
				t.Errorf("allocated %d bytes during Peel, bound %d", got, tt.bound)
			}
			checkLayers(t, r)
		})
	}
}

func TestDecompressBombs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds large bombs")
	}
	const mib = 1 << 20
	var brZero bytes.Buffer
	streamed(t, brotli.NewWriterOptions(&brZero, brotli.WriterOptions{Quality: 2, LGWin: 24}), []byte{0}, nil, 256*mib)
	var flZero bytes.Buffer
	fw, _ := kflate.NewWriter(&flZero, kflate.BestSpeed)
	streamed(t, fw, []byte{0}, nil, 256*mib)
	zsHuge := zstdRLE(0x00, []byte{0xf8}, 2048, 0)
	tests := []struct {
		enc   string
		in    []byte
		lim   Limits
		want  int
		bound uint64
	}{
		{"br", brZero.Bytes(), Limits{MaxBytes: 4 * mib, MaxRatio: 1 << 30}, 4 * mib, 2*(4*mib+1) + brotliBound(4*mib) + decoderSlack},
		{"br", brZero.Bytes(), Limits{MaxBytes: 3 * mib, MaxRatio: 1 << 30}, 3 * mib, 2*(3*mib+1) + brotliBound(3*mib) + decoderSlack},
		{"br", brZero.Bytes(), Limits{}, 1000 * brZero.Len(), 2*uint64(1000*brZero.Len()+1) + brotliBound(1000*brZero.Len()) + decoderSlack},
		{"deflate", flZero.Bytes(), Limits{MaxBytes: 4 * mib}, 4 * mib, 2*(4*mib+1) + decoderSlack},
		{"zstd", zsHuge, Limits{MaxBytes: 4 * mib}, 4 * mib, 2*(4*mib+1) + zstdWindowBound(4*mib) + decoderSlack},
		{"gzip", gzipBomb(t, 64*mib), Limits{MaxBytes: 4 * mib}, 4 * mib, 2*(4*mib+1) + decoderSlack},
	}
	for _, tt := range tests {
		var out []byte
		var truncated, limit bool
		var err error
		got := allocDuring(func() { out, truncated, limit, err = Decompress(tt.enc, tt.in, tt.lim) })
		t.Logf("%s: allocated %.2f MiB, bound %.2f MiB", tt.enc, float64(got)/mib, float64(tt.bound)/mib)
		if !limit || truncated || err != nil || len(out) != tt.want {
			t.Errorf("Decompress(%s bomb) = %d bytes truncated %v limit %v err %v; want %d false true nil", tt.enc, len(out), truncated, limit, err, tt.want)
		}
		if bytes.IndexFunc(out, func(r rune) bool { return r != 0 }) >= 0 {
			t.Errorf("Decompress(%s bomb) output is not all zeros", tt.enc)
		}
		if got > tt.bound {
			t.Errorf("Decompress(%s bomb) allocated %d bytes, bound %d", tt.enc, got, tt.bound)
		}
	}
}

func TestPeelOversizedInput(t *testing.T) {
	r := Peel(make([]byte, 100), Limits{MaxBytes: 99})
	if !r.LimitHit || r.Limit != "bytes" || r.Chain != nil {
		t.Fatalf("Peel(oversized input) = limit %v %q chain %q, want true bytes []", r.LimitHit, r.Limit, r.Chain)
	}
}

// TestJSONDepthLimit checks the JSON nesting cap: JSON a million deep (and
// just over the cap) stops the peel with LimitJSONDepth, whatever wraps it;
// JSON at the cap, and brackets inside strings, do not.
func TestJSONDepthLimit(t *testing.T) {
	nest := func(n int, inner string) []byte {
		return []byte(strings.Repeat("[", n) + inner + strings.Repeat("]", n))
	}
	lim := Limits{MaxJSONDepth: 8}
	for _, tc := range []struct {
		name  string
		in    []byte
		lim   Limits
		limit string
		json  bool
	}{
		{"million deep, default cap", nest(1_000_000, "1"), Limits{}, LimitJSONDepth, false},
		{"20000 deep in gzip", gz(t, nest(20_000, "1")), Limits{}, LimitJSONDepth, false},
		{"one over the cap", nest(9, "1"), lim, LimitJSONDepth, false},
		{"at the cap", nest(8, "1"), lim, "", true},
		{"brackets in a string", nest(8, `"[[[[{{{{\"[["`), lim, "", true},
	} {
		r := Peel(tc.in, tc.lim)
		if r.Limit != tc.limit || r.JSON != tc.json || r.LimitHit != (tc.limit != "") {
			t.Errorf("%s: limit %q, json %v, err %q; want %q, %v", tc.name, r.Limit, r.JSON, r.Err, tc.limit, tc.json)
		}
	}
}
