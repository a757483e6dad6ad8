package decode

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
)

// inflated is the outcome of one decompression step.
type inflated struct {
	out       []byte
	truncated bool  // the stream ended early; out is the prefix that decoded
	limit     bool  // output reached the cap; out is cut at the cap
	err       error // corruption other than truncation (out may still be useful)
}

// compression names the compression format whose magic b starts with, or "".
// zlib has only a 2-byte header (about one in 500 random pairs passes), so
// its first bytes must also inflate cleanly.
func compression(b []byte) string {
	switch {
	case len(b) >= 10 && b[0] == 0x1f && b[1] == 0x8b && b[2] == 8:
		return StepGzip
	case len(b) >= 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd:
		return StepZstd
	case isZlib(b):
		return StepZlib
	}
	return ""
}

func isZlib(b []byte) bool {
	if len(b) < 3 || b[0] != 0x78 || (uint16(b[0])<<8|uint16(b[1]))%31 != 0 || b[1]&0x20 != 0 {
		return false // not deflate with a 32K window, bad check bits, or a preset dictionary
	}
	r, err := zlib.NewReader(bytes.NewReader(b))
	if err != nil {
		return false
	}
	defer r.Close()
	var probe [64]byte
	n, err := io.ReadFull(r, probe[:])
	return n > 0 && (err == nil || isTruncation(err))
}

// decompress runs the named decompressor over b, keeping at most limit bytes.
func decompress(kind string, b []byte, limit int64) inflated {
	switch kind {
	case StepGzip:
		return gunzip(b, limit)
	case StepZlib:
		z, err := zlib.NewReader(bytes.NewReader(b))
		if err != nil {
			return inflated{truncated: isTruncation(err), err: fmt.Errorf("decode: zlib: %w", err)}
		}
		defer z.Close()
		res := readCapped(z, limit, nil)
		if res.err != nil {
			// Two header bytes are weak evidence: a stream that turns out
			// corrupt was most likely never zlib.
			res.out = nil
			res.err = fmt.Errorf("decode: zlib: %w", res.err)
		}
		return res
	case StepZstd:
		// One synchronous decoder per call: no goroutines, no shared state.
		// The memory cap bounds the window a hostile frame may ask for.
		z, err := zstd.NewReader(bytes.NewReader(b),
			zstd.WithDecoderConcurrency(1),
			zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxMemory(uint64(max(limit, zstd.MinWindowSize))))
		if err != nil {
			return inflated{err: fmt.Errorf("decode: zstd: %w", err)}
		}
		defer z.Close()
		res := readCapped(z, limit, nil)
		if errors.Is(res.err, zstd.ErrWindowSizeExceeded) || errors.Is(res.err, zstd.ErrDecoderSizeExceeded) || errors.Is(res.err, zstd.ErrFrameSizeExceeded) {
			res.limit, res.err = true, nil
		}
		if res.err != nil {
			res.err = fmt.Errorf("decode: zstd: %w", res.err)
		}
		return res
	}
	return inflated{err: fmt.Errorf("decode: unknown compression %q", kind)}
}

// gunzip decodes concatenated gzip members. After each member it looks at
// what follows: another 1f8b starts the next member, anything else is
// trailing garbage and ends the stream without making it truncated.
func gunzip(b []byte, limit int64) inflated {
	src := bytes.NewReader(b) // an io.ByteReader, so the decoder reads no further than a member
	z, err := gzip.NewReader(src)
	if err != nil {
		return inflated{truncated: isTruncation(err), err: fmt.Errorf("decode: gzip: %w", err)}
	}
	defer z.Close()
	var res inflated
	for {
		z.Multistream(false)
		res = readCapped(z, limit, res.out)
		if res.err != nil || res.limit || res.truncated {
			if res.err != nil {
				res.err = fmt.Errorf("decode: gzip: %w", res.err)
			}
			return res
		}
		rest := b[len(b)-src.Len():]
		if len(rest) < 2 || rest[0] != 0x1f || rest[1] != 0x8b {
			return res
		}
		if err := z.Reset(src); err != nil {
			res.truncated = isTruncation(err)
			if !res.truncated {
				res.err = fmt.Errorf("decode: gzip: %w", err)
			}
			return res
		}
	}
}

// readCapped appends what r yields to dst, up to limit bytes in all. A
// truncation error sets truncated; other errors are returned in err.
func readCapped(r io.Reader, limit int64, dst []byte) inflated {
	buf := bytes.NewBuffer(dst)
	n, err := io.Copy(buf, io.LimitReader(r, limit+1-int64(len(dst))))
	res := inflated{out: buf.Bytes()}
	switch {
	case int64(len(dst))+n > limit:
		res.out, res.limit = res.out[:limit], true
	case err == nil:
	case isTruncation(err):
		res.truncated = true
	default:
		res.err = err
	}
	return res
}

func isTruncation(err error) bool {
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}
