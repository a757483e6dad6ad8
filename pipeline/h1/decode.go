package h1

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
)

// maxCodings is the deepest stack of content codings undone; real traffic
// uses one, rarely two.
const maxCodings = 4

// zstdMaxWindow caps the zstd window (and so its history buffer). RFC 9659
// lets HTTP decoders refuse windows over 8 MiB; twice that is accepted.
const zstdMaxWindow = 16 << 20

// coding is one content coding this package can undo.
type coding uint8

const (
	codingUnknown coding = iota
	codingGzip
	codingDeflate
	codingBrotli
	codingZstd
)

func parseCoding(s string) coding {
	switch {
	case strings.EqualFold(s, "gzip"), strings.EqualFold(s, "x-gzip"):
		return codingGzip
	case strings.EqualFold(s, "deflate"):
		return codingDeflate
	case strings.EqualFold(s, "br"):
		return codingBrotli
	case strings.EqualFold(s, "zstd"):
		return codingZstd
	}
	return codingUnknown
}

// decoders are one connection's reusable decompressors, one set per layer of
// a stacked Content-Encoding. They are created on first use and reset for
// every body, as compress/gzip's Reset intends.
type decoders struct {
	src     bytes.Reader
	buf     [maxCodings]*bufio.Reader
	gz      [maxCodings]*gzip.Reader
	fl      [maxCodings]io.ReadCloser
	zl      [maxCodings]io.ReadCloser
	br      [maxCodings]*brotli.Reader
	zs      [maxCodings]*zstd.Decoder
	scratch []byte
}

// close releases what the decoders hold; zstd decoders own buffers that Close
// frees at once.
func (d *decoders) close() {
	for _, z := range d.zs {
		if z != nil {
			z.Close()
		}
	}
	*d = decoders{}
}

var errTooManyCodings = errors.New("h1: too many content codings")

// open puts a decoder for c, at depth layer of the stack, on top of r.
func (d *decoders) open(layer int, c coding, r io.Reader) (io.Reader, error) {
	switch c {
	case codingGzip:
		if d.gz[layer] == nil {
			d.gz[layer] = new(gzip.Reader)
		}
		z := d.gz[layer]
		if err := z.Reset(r); err != nil {
			return nil, err
		}
		z.Multistream(true)
		return z, nil
	case codingDeflate:
		// "deflate" should be zlib (RFC 9110 8.4.1.2) but many servers send
		// raw deflate. A zlib header is two bytes whose value is a multiple
		// of 31 with method 8 and no preset dictionary; anything else is
		// read as raw deflate.
		if d.buf[layer] == nil {
			d.buf[layer] = bufio.NewReaderSize(r, 4096)
		} else {
			d.buf[layer].Reset(r)
		}
		b := d.buf[layer]
		hdr, _ := b.Peek(2)
		if len(hdr) == 2 && hdr[0]&0x0f == 8 && hdr[0]>>4 <= 7 && hdr[1]&0x20 == 0 && (uint16(hdr[0])<<8|uint16(hdr[1]))%31 == 0 {
			if d.zl[layer] == nil {
				z, err := zlib.NewReader(b)
				if err != nil {
					return nil, err
				}
				d.zl[layer] = z
				return z, nil
			}
			if err := d.zl[layer].(zlib.Resetter).Reset(b, nil); err != nil {
				return nil, err
			}
			return d.zl[layer], nil
		}
		if d.fl[layer] == nil {
			d.fl[layer] = flate.NewReader(b)
		} else if err := d.fl[layer].(flate.Resetter).Reset(b, nil); err != nil {
			return nil, err
		}
		return d.fl[layer], nil
	case codingBrotli:
		if d.br[layer] == nil {
			d.br[layer] = brotli.NewReader(r)
		} else if err := d.br[layer].Reset(r); err != nil {
			return nil, err
		}
		return d.br[layer], nil
	case codingZstd:
		if d.zs[layer] == nil {
			z, err := zstd.NewReader(nil,
				zstd.WithDecoderConcurrency(1),
				zstd.WithDecoderMaxMemory(zstdMaxWindow),
				zstd.WithDecoderMaxWindow(zstdMaxWindow))
			if err != nil {
				return nil, err
			}
			d.zs[layer] = z
		}
		if err := d.zs[layer].Reset(r); err != nil {
			return nil, err
		}
		return d.zs[layer], nil
	}
	return nil, errTooManyCodings // not reached: callers filter unknown codings
}

// decodeResult is what undoing a body's content codings gave.
type decodeResult struct {
	body    []byte
	n       int64 // decoded bytes, counted up to the cap
	err     error // first decoder error, nil at a clean end
	limit   bool  // output reached maxDecoded with more to come
	unknown bool  // a coding that cannot be undone was met; body is the output of the layers above it
}

// decode undoes the codings listed in encoding (in the order they were
// applied, so the last is undone first) over wire. It keeps at most keep
// decoded bytes and stops counting at maxDecoded, reading through a fixed
// scratch buffer, so a decompression bomb costs time up to the cap and no
// more memory than the decoders' windows.
func (d *decoders) decode(wire []byte, encoding string, keep int, maxDecoded int64) decodeResult {
	var res decodeResult
	var layers [maxCodings]coding
	depth := 0
	// Collect the codings from last to first without allocating.
	for rest := encoding; rest != ""; {
		var tok string
		if i := strings.LastIndexByte(rest, ','); i >= 0 {
			tok, rest = rest[i+1:], rest[:i]
		} else {
			tok, rest = rest, ""
		}
		tok = strings.TrimSpace(tok)
		if tok == "" || strings.EqualFold(tok, "identity") {
			continue
		}
		c := parseCoding(tok)
		if c == codingUnknown {
			res.unknown = true
			break
		}
		if depth == maxCodings {
			res.err = errTooManyCodings
			return res
		}
		layers[depth] = c
		depth++
	}
	d.src.Reset(wire)
	var r io.Reader = &d.src
	for i := 0; i < depth; i++ {
		nr, err := d.open(i, layers[i], r)
		if err != nil {
			res.err = err
			return res
		}
		r = nr
	}
	if d.scratch == nil {
		d.scratch = make([]byte, 32<<10)
	}
	res.body, res.n, res.limit, res.err = drain(r, d.scratch, keep, maxDecoded)
	d.src.Reset(nil)
	return res
}

// drain reads r to its end, keeping the first keep bytes and counting up to
// limitN. Hitting limitN is checked by reading one byte more, so output of
// exactly limitN bytes is not a limit hit.
func drain(r io.Reader, scratch []byte, keep int, limitN int64) (body []byte, n int64, limit bool, err error) {
	stalls := 0
	for n < limitN {
		buf := scratch
		if int64(len(buf)) > limitN-n {
			buf = buf[:limitN-n]
		}
		k, rerr := r.Read(buf)
		if k > 0 {
			stalls = 0
			if room := keep - len(body); room > 0 {
				body = append(body, buf[:min(k, room)]...)
			}
			n += int64(k)
		} else if rerr == nil {
			if stalls++; stalls > 100 {
				return body, n, false, io.ErrNoProgress
			}
		}
		if rerr == io.EOF {
			return body, n, false, nil
		}
		if rerr != nil {
			return body, n, false, rerr
		}
	}
	var one [1]byte
	for range 100 {
		k, rerr := r.Read(one[:])
		if k > 0 {
			return body, n, true, nil
		}
		if rerr == io.EOF {
			return body, n, false, nil
		}
		if rerr != nil {
			return body, n, false, rerr
		}
	}
	return body, n, false, io.ErrNoProgress
}

// BodyDecoder undoes Content-Encoding for bodies that did not come through
// this package's parser (HTTP/2 DATA frames). It keeps its decompressors
// from body to body; it is not safe for concurrent use.
type BodyDecoder struct{ d decoders }

// DecodedBody is what BodyDecoder.Decode gave.
type DecodedBody struct {
	Body    []byte // the first keep decoded bytes
	N       int64  // decoded bytes, counted up to maxDecoded
	Err     error  // first decoder error; nil at a clean end
	Limit   bool   // output reached maxDecoded with more to come
	Unknown bool   // a coding that cannot be undone was met; Body is the output of the codings above it
}

// Decode undoes the codings listed in encoding (as in the header, applied
// first to last) over wire, as the HTTP/1 parser does: at most keep bytes
// are kept and counting stops at maxDecoded.
func (b *BodyDecoder) Decode(wire []byte, encoding string, keep int, maxDecoded int64) DecodedBody {
	r := b.d.decode(wire, encoding, keep, maxDecoded)
	return DecodedBody{Body: r.body, N: r.n, Err: r.err, Limit: r.limit, Unknown: r.unknown}
}

// Close releases the decompressors' buffers.
func (b *BodyDecoder) Close() { b.d.close() }
