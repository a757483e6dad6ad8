package decode

import (
	"bytes"
	"encoding/json"
	"net/url"
	"testing"

	"github.com/andybalholm/brotli"
	kflate "github.com/klauspost/compress/flate"
)

// fuzzLimits keeps fuzzing fast: small caps, so bombs stop early.
var fuzzLimits = Limits{MaxDepth: 4, MaxBytes: 1 << 16, MaxRatio: 100}

// smallBombs are compact seeds that expand far past fuzzLimits.
func smallBombs(t testing.TB) [][]byte {
	var br1, fl bytes.Buffer
	jsonBomb(t, brotli.NewWriterOptions(&br1, brotli.WriterOptions{Quality: 2, LGWin: 24}), 4<<20)
	fw, _ := kflate.NewWriter(&fl, kflate.BestCompression)
	jsonBomb(t, fw, 4<<20)
	gzb := gzipBomb(t, 4<<20)
	return [][]byte{
		b64s(br1.Bytes()), b64s(fl.Bytes()), hexs(br1.Bytes()), b64s(gzb[:min(len(gzb), 3000)]), gz(t, gz(t, make([]byte, 1<<20))),
		zstdRLE(0x00, []byte{0xf8}, 64, '['), // a frame claiming a 2 TiB window
	}
}

func FuzzPeel(f *testing.F) {
	js := []byte(eventJSON)
	gzJS := gz(f, js)
	for _, s := range [][]byte{
		js, gzJS, b64s(gzJS), b64s(js), []byte(url.QueryEscape(string(b64s(gzJS)))),
		zl(f, js, 9), zs(f, js), gzJS[:len(gzJS)/2], []byte("{\"a\":1}\n{\"b\":2}"),
		[]byte(`"eyJhIjoxfQ=="`), []byte("%7B%22a%22%3A1%7D"), []byte("x^abc"), b64s(b64s(js)),
		[]byte("3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"), hexs(gzJS), b64s(raw(f, js, 6)), b64s(raw(f, js, 0)),
		b64s(br(f, js, 5, 22)), b64s(br(f, js, 0, 16)), hexs(raw(f, []byte(`{"a":1}`), 9)), b64s(zsStream(f, js, 1<<20)),
		[]byte("5649ca6c38e4131ca8fb7b90d25b0f03"),
	} {
		f.Add(s)
	}
	for _, s := range smallBombs(f) {
		f.Add(s)
	}
	lim := fuzzLimits
	f.Fuzz(func(t *testing.T, b []byte) {
		r := Peel(b, lim)
		if r.Steps() > lim.MaxDepth {
			t.Fatalf("Peel took %d steps, limit %d: %q", r.Steps(), lim.MaxDepth, r.Chain)
		}
		if int64(len(r.Data)) > lim.MaxBytes+2 {
			t.Fatalf("Peel returned %d bytes, limit %d", len(r.Data), lim.MaxBytes)
		}
		if len(r.Layers) != len(r.Chain) || len(r.Chain) > 0 && !bytes.Equal(r.Layers[len(r.Layers)-1], r.Data) {
			t.Fatalf("layers %d for chain %q, or last layer is not Data", len(r.Layers), r.Chain)
		}
		if r.LimitHit != (r.Limit != "") {
			t.Fatalf("LimitHit %v with Limit %q", r.LimitHit, r.Limit)
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
		if e := Entropy(r.Data); e < 0 || e > 8 {
			t.Fatalf("Entropy %v out of range", e)
		}
	})
}

func FuzzDecompress(f *testing.F) {
	js := []byte(eventJSON)
	encs := []string{"gzip", "x-gzip", "deflate", "br", "zstd", "identity", "bogus"}
	for _, s := range []struct {
		enc byte
		b   []byte
	}{
		{0, gz(f, js)}, {2, zl(f, js, 6)}, {2, raw(f, js, 6)}, {3, br(f, js, 5, 22)}, {4, zs(f, js)}, {4, zsStream(f, js, 8<<20)},
		{0, gz(f, js)[:40]}, {3, br(f, js, 1, 16)[:30]}, {5, js}, {6, js},
	} {
		f.Add(s.enc, s.b)
	}
	for i, s := range smallBombs(f) {
		f.Add(byte(i%5), s)
	}
	lim := fuzzLimits
	f.Fuzz(func(t *testing.T, enc byte, b []byte) {
		out, truncated, limit, err := Decompress(encs[int(enc)%len(encs)], b, lim)
		c, _ := lim.withDefaults().outCap(len(b))
		if int64(len(out)) > max(c, int64(len(b))) {
			t.Fatalf("%d bytes out, cap %d", len(out), c)
		}
		if limit && truncated {
			t.Fatalf("both limit and truncated")
		}
		if err != nil && !bytes.HasPrefix([]byte(err.Error()), []byte("decode: ")) {
			t.Fatalf("error without package prefix: %v", err)
		}
	})
}

// FuzzTrial checks the pre-checks against the real decoders: whenever a
// decoder's output would be accepted, the pre-check must have let it
// through (else Peel would miss a real stream).
func FuzzTrial(f *testing.F) {
	js := []byte(eventJSON)
	for _, s := range [][]byte{
		raw(f, js, 0), raw(f, js, 1), raw(f, js, 9), raw(f, []byte(`{"a":1}`), 9), raw(f, gz(f, js), 0),
		br(f, js, 0, 22), br(f, js, 1, 16), br(f, js, 5, 10), br(f, js, 11, 24), br(f, bigJSON(70<<10), 5, 22),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		const limit = 1 << 16
		if res := inflateRaw(b, limit); acceptTrial(res) && !deflateMaybe(b) {
			t.Fatalf("deflateMaybe rejects a stream whose output is accepted: %.40q", res.out)
		}
		if res := unbrotli(b, limit); acceptTrial(res) && !brotliMaybe(b) {
			t.Fatalf("brotliMaybe rejects a stream whose output is accepted: %.40q", res.out)
		}
	})
}
