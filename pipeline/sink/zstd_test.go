package sink

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/apache/arrow/go/v15/parquet/compress"
)

// TestZstdCodecPooled checks that the Parquet writer gets the pooled zstd
// codec and that it compresses exactly as Arrow's own, byte for byte, at
// every level the writer may ask for, reused encoder or not.
func TestZstdCodecPooled(t *testing.T) {
	c, err := compress.GetCodec(compress.Codecs.Zstd)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.(pooledZstd); !ok || arrowZstd == nil {
		t.Fatalf("zstd codec is %T, want pooledZstd", c)
	}
	var inputs [][]byte
	for _, n := range []int{1, 100, 64 << 10, 1 << 20, 3 << 20} {
		b := make([]byte, n)
		x := uint32(n)
		for i := range b {
			x = x*1664525 + 1013904223
			b[i] = "telltale event distinct_id $url!"[x>>27] // compressible but not trivial
		}
		inputs = append(inputs, b)
	}
	for _, level := range []int{compress.DefaultCompressionLevel, 1, 3, 9, 19} {
		for round := 0; round < 2; round++ { // the second round reuses pooled encoders
			for _, in := range inputs {
				want := arrowZstd.EncodeLevel(nil, in, level)
				got := c.EncodeLevel(nil, in, level)
				if !bytes.Equal(got, want) {
					t.Fatalf("level %d, %d bytes, round %d: pooled output differs from Arrow's", level, len(in), round)
				}
				if back := c.Decode(nil, got); !bytes.Equal(back, in) {
					t.Fatalf("level %d: round trip differs", level)
				}
			}
		}
	}
}

func BenchmarkZstdEncodeLevel(b *testing.B) {
	in := bytes.Repeat([]byte(`{"event":"$pageview","distinct_id":"a1b2c3d4"}`), 1<<10)
	for _, c := range []struct {
		name  string
		codec compress.Codec
	}{{"arrow", arrowZstd}, {"pooled", pooledZstd{Codec: arrowZstd}}} {
		b.Run(fmt.Sprint(c.name), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(in)))
			for i := 0; i < b.N; i++ {
				c.codec.EncodeLevel(nil, in, compress.DefaultCompressionLevel)
			}
		})
	}
}
