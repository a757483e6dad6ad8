package sink

import (
	"io"
	"sync"
	_ "unsafe" // go:linkname, below

	"github.com/apache/arrow/go/v15/parquet/compress"
	"github.com/klauspost/compress/zstd"
)

// Arrow v15's zstd codec builds a new encoder (match tables of a few MiB)
// for every page it compresses: measured on a 32 MB capture, zstd output
// took 48 s against 21 s for snappy, most of it allocating and collecting
// those encoders. arrow-go v18 pools them; v15 offers no way to register a
// codec, so the codec table is reached by name and its zstd entry replaced
// with one that reuses encoders. The bytes written are the same (same
// library, same level, same options); TestZstdCodecPooled checks both.

//go:linkname arrowCodecs github.com/apache/arrow/go/v15/parquet/compress.codecs
var arrowCodecs map[compress.Compression]compress.Codec

// arrowZstd is Arrow's own zstd codec, kept for the test that compares.
var arrowZstd compress.Codec

func init() {
	base, ok := arrowCodecs[compress.Codecs.Zstd]
	if !ok {
		return
	}
	arrowZstd = base
	arrowCodecs[compress.Codecs.Zstd] = pooledZstd{Codec: base}
}

// pooledZstd is Arrow's zstd codec with EncodeLevel served from pools of
// encoders, one pool per level.
type pooledZstd struct {
	compress.Codec
}

var zstdPools sync.Map // zstd.EncoderLevel -> *sync.Pool

func zstdPool(level zstd.EncoderLevel) *sync.Pool {
	if p, ok := zstdPools.Load(level); ok {
		return p.(*sync.Pool)
	}
	p, _ := zstdPools.LoadOrStore(level, &sync.Pool{New: func() any {
		// The options of Arrow's EncodeLevel; concurrency 1 because
		// EncodeAll on one encoder at a time is all a pool user does.
		enc, err := zstd.NewWriter(nil, zstd.WithZeroFrames(true), zstd.WithEncoderLevel(level), zstd.WithEncoderConcurrency(1), zstd.WithLowerEncoderMem(true))
		if err != nil {
			panic(err) // only for invalid options, which these are not
		}
		return enc
	}})
	return p.(*sync.Pool)
}

func (pooledZstd) EncodeLevel(dst, src []byte, level int) []byte {
	l := zstd.EncoderLevelFromZstd(level)
	if level == compress.DefaultCompressionLevel {
		l = zstd.SpeedDefault
	}
	p := zstdPool(l)
	enc := p.Get().(*zstd.Encoder)
	defer p.Put(enc)
	return enc.EncodeAll(src, dst[:0])
}

// NewWriterLevel and the rest are Arrow's; they are not on the page path.
var _ io.WriteCloser = (*zstd.Encoder)(nil)
