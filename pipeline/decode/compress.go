package decode

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"
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

// zlibProbeIn bounds the input the zlib probe looks at. Real streams yield
// their first byte within a few hundred bytes (the longest dynamic Huffman
// header is under 300).
const zlibProbeIn = 1024

func isZlib(b []byte) bool {
	if len(b) < 3 || b[0] != 0x78 || !zlibHeader(b) {
		return false // not deflate with a 32K window, bad check bits, or a preset dictionary
	}
	// A copy of the head: b may be a caller's stack buffer, and the reader
	// would let it escape.
	head := bytes.Clone(b[:min(len(b), zlibProbeIn)])
	r, err := zlib.NewReader(bytes.NewReader(head))
	if err != nil {
		return false
	}
	defer r.Close()
	var probe [64]byte
	n, err := io.ReadFull(r, probe[:])
	return n > 0 && (err == nil || isTruncation(err))
}

// zlibHeader reports whether b starts with a zlib header without a preset
// dictionary (RFC 1950: CM 8, CINFO at most 7, FCHECK).
func zlibHeader(b []byte) bool {
	return len(b) >= 2 && b[0]&0x0f == 8 && b[0]>>4 <= 7 && (uint16(b[0])<<8|uint16(b[1]))%31 == 0 && b[1]&0x20 == 0
}

// decompress runs the named decompressor over b, keeping at most limit bytes.
func decompress(kind string, b []byte, limit int64) inflated {
	switch kind {
	case StepGzip:
		return gunzip(b, limit)
	case StepZlib:
		res := inflateZlib(b, limit)
		if res.err != nil {
			// Two header bytes are weak evidence: a stream that turns out
			// corrupt was most likely never zlib.
			res.out = nil
		}
		return res
	case StepDeflate:
		return inflateRaw(b, limit)
	case StepBrotli:
		return unbrotli(b, limit)
	case StepZstd:
		return unzstd(b, limit)
	}
	return inflated{err: fmt.Errorf("decode: unknown compression %q", kind)}
}

// Decompress undoes one HTTP content coding (RFC 9110 §8.4.1): "gzip" or
// "x-gzip" (multi-member, trailing garbage ignored), "deflate" (zlib as the
// RFC says, else raw deflate as some servers send), "br" or "zstd"; names
// are case-insensitive. "identity" returns b itself. Caps are those of a
// Peel step: b may hold at most lim.MaxBytes, and the output at most
// max(RatioFloor, lim.MaxRatio*len(b)) and lim.MaxBytes bytes; limit reports
// that the output was cut at the cap. A stream that ends early yields its
// prefix with truncated set. err reports corruption (out then holds what
// decoded before it) or an unknown coding.
func Decompress(encoding string, b []byte, lim Limits) (out []byte, truncated, limit bool, err error) {
	lim = lim.withDefaults()
	enc := strings.ToLower(strings.TrimSpace(encoding))
	if enc == "identity" {
		return b, false, false, nil
	}
	if int64(len(b)) > lim.MaxBytes {
		return nil, false, true, errors.New("decode: input exceeds byte limit")
	}
	c, _ := lim.outCap(len(b))
	var res inflated
	switch enc {
	case "gzip", "x-gzip":
		res = gunzip(b, c)
	case "deflate":
		z := zlibHeader(b)
		if z {
			res = inflateZlib(b, c)
			if len(res.out) > 0 || res.limit {
				break
			}
		}
		// No zlib header, or nothing came out: try raw deflate, and keep
		// the zlib reading only if raw does no better.
		if r := inflateRaw(b, c); !z || len(r.out) > 0 || r.limit {
			res = r
		}
	case "br":
		res = unbrotli(b, c)
	case "zstd":
		res = unzstd(b, c)
	default:
		return nil, false, false, fmt.Errorf("decode: unknown content encoding %q", encoding)
	}
	return res.out, res.truncated, res.limit, res.err
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
		res = readCapped(z, limit, res.out, len(b))
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

func inflateZlib(b []byte, limit int64) inflated {
	z, err := zlib.NewReader(bytes.NewReader(b))
	if err != nil {
		return inflated{truncated: isTruncation(err), err: fmt.Errorf("decode: zlib: %w", err)}
	}
	defer z.Close()
	res := readCapped(z, limit, nil, len(b))
	if res.err != nil {
		res.err = fmt.Errorf("decode: zlib: %w", res.err)
	}
	return res
}

// inflateRaw decodes raw deflate. Bytes after the final block are ignored,
// as after a gzip member.
func inflateRaw(b []byte, limit int64) inflated {
	f := flate.NewReader(bytes.NewReader(b))
	defer f.Close()
	res := readCapped(f, limit, nil, len(b))
	if res.err != nil {
		res.err = fmt.Errorf("decode: deflate: %w", res.err)
	}
	return res
}

// readCapped appends what r yields to dst, up to limit bytes in all. The
// buffer starts near a guess from the input size and doubles, never beyond
// limit+1, so the allocations of one call sum to at most about twice the
// final size. A truncation error sets truncated; other errors are returned
// in err.
func readCapped(r io.Reader, limit int64, dst []byte, inLen int) inflated {
	out := dst
	for empty := 0; ; {
		if len(out) == cap(out) {
			size := min(limit+1, max(2*int64(cap(out)), 4*int64(inLen), 512))
			grown := make([]byte, len(out), size)
			copy(grown, out)
			out = grown
		}
		n, err := r.Read(out[len(out):cap(out)])
		out = out[:len(out)+n]
		if n == 0 && err == nil {
			if empty++; empty >= 100 {
				err = io.ErrNoProgress
			}
		} else {
			empty = 0
		}
		if int64(len(out)) > limit {
			return inflated{out: out[:limit], limit: true}
		}
		switch {
		case err == nil:
		case err == io.EOF:
			return inflated{out: out}
		case isTruncation(err):
			return inflated{out: out, truncated: true}
		default:
			return inflated{out: out, err: err}
		}
	}
}

func isTruncation(err error) bool {
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}
