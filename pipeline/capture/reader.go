package capture

import (
	"encoding/binary"
	"fmt"
	"io"
)

// Limits that keep memory bounded whatever a file claims.
const (
	// maxCaplen is the largest record accepted, the MAXIMUM_SNAPLEN of
	// tcpdump and Wireshark's standard limit. A bigger record is taken as
	// corruption, not as a reason to allocate.
	maxCaplen = 256 << 10
	// maxBlock is the largest pcapng block accepted; skipped blocks are
	// streamed, so this only tells corruption from data.
	maxBlock = 128 << 20
	// maxMetaBlock bounds the section and interface blocks read into memory.
	maxMetaBlock = 1 << 20
	// maxListedErrors bounds FileInfo.Errors; further problems are counted.
	maxListedErrors = 20

	// peekWindow is the largest look ahead of a pcapng reader: a block up to
	// this long has its trailing length checked before any of it is
	// consumed, so a corrupt length is caught where it is and not after
	// swallowing the blocks it claims. It covers every metadata block
	// accepted (maxMetaBlock) and any packet block (maxCaplen plus options).
	peekWindow = maxMetaBlock + 64<<10
	// maxLanding is the longest block a resynchronisation can land on: a
	// scan looks at peekWindow bytes at a time, and a candidate must fit
	// whole in what it sees to have its trailer checked.
	maxLanding = peekWindow / 2
	// maxResyncScan bounds the bytes scanned for a block boundary after one
	// corrupt block; past it the rest of the file is given up.
	maxResyncScan = 64 << 20
)

// Formats, as reported in FileInfo.Format (".gz" is appended for gzip).
const (
	formatPcap   = "pcap"
	formatPcapng = "pcapng"
)

// reader reads the records of one capture stream, classic pcap or pcapng.
// Problems are recorded in info; next returns io.EOF when the stream ends,
// cleanly or not.
type reader struct {
	src   *source
	info  *FileInfo
	nerrs int64 // problems found, listed or not
	// pcapng resynchronisations after corrupt blocks, and the bytes they
	// passed over (including scans that found no boundary)
	resyncs, skipped int64
	frames           uint64
	buf              []byte // frame data, reused
	hdr              [32]byte

	ng bool

	// classic pcap
	be       bool
	nanos    bool
	hdrLen   int // record header length: 16, or 24 for the modified format
	snaplen  uint32
	swapped  uint8 // lengthsInOrder, lengthsSwapped or lengthsMaybeSwapped
	linkType uint16
	warned   uint8 // warnSnaplen | warnOrigLen, each reported once per file

	// pcapng
	ngr       ngState
	onSecrets func(Secrets) // nil: Decryption Secrets Blocks are skipped
	fileIndex int32
}

const (
	warnSnaplen = 1 << iota
	warnOrigLen
)

// newReader reads the file header. buf is a reusable frame buffer.
func newReader(src *source, info *FileInfo, buf []byte) (*reader, error) {
	r := &reader{src: src, info: info, buf: buf}
	// Peeked, not read: a pcapng file's first section header is then read
	// as any other block, with the same recovery when it is damaged.
	p, err := src.peek(4)
	if len(p) < 4 {
		if len(p) == 0 && err == io.EOF {
			return nil, fmt.Errorf("empty file")
		}
		if isUnexpectedEOF(err) {
			return nil, fmt.Errorf("file too short for a capture header (%d bytes)", len(p))
		}
		return nil, err
	}
	copy(r.hdr[:4], p)
	magic := binary.LittleEndian.Uint32(p)
	switch {
	case magic == ngSHB:
		r.ng = true
		err = r.ngHeader()
	case pcapMagic(magic) != 0:
		if _, err := src.readFull(r.hdr[:4]); err != nil {
			return nil, err
		}
		err = r.pcapHeader(magic)
	default:
		return nil, fmt.Errorf("not a pcap or pcapng file (magic %08x)", binary.BigEndian.Uint32(r.hdr[:4]))
	}
	if err != nil {
		return nil, err
	}
	info.Format = formatPcap
	if r.ng {
		info.Format = formatPcapng
	}
	if src.gzipped {
		info.Format += ".gz"
	}
	return r, nil
}

// next fills f with the next frame. f.File is left to the caller.
func (r *reader) next(f *Frame) error {
	if r.ng {
		return r.ngNext(f)
	}
	return r.pcapNext(f)
}

// problem records a non-fatal problem found at offset off while reading
// frame number frame (0 when no frame is concerned).
func (r *reader) problem(off int64, frame uint64, format string, args ...any) {
	r.nerrs++
	if len(r.info.Errors) >= maxListedErrors {
		return
	}
	msg := fmt.Sprintf(format, args...)
	if frame == 0 {
		r.info.Errors = append(r.info.Errors, fmt.Sprintf("%s: offset %d: %s", r.info.Name, off, msg))
		return
	}
	r.info.Errors = append(r.info.Errors, fmt.Sprintf("%s: offset %d: frame %d: %s", r.info.Name, off, frame, msg))
}

// truncatedError says the stream ended inside a structure.
type truncatedError struct {
	what      string
	got, want int64
}

func (e *truncatedError) Error() string {
	return fmt.Sprintf("truncated: %s ends after %d of %d bytes", e.what, e.got, e.want)
}

// cut describes a failed read of a structure of want bytes of which got
// were read: the stream ended early, or decompression failed.
func cut(what string, got, want int64, err error) error {
	if isUnexpectedEOF(err) {
		return &truncatedError{what, got, want}
	}
	return fmt.Errorf("read error in %s: %w", what, err)
}

// fail records a problem that ends the file (found while reading the
// structure at off) and reports the end of the stream.
func (r *reader) fail(off int64, err error) error {
	if _, ok := err.(*truncatedError); ok {
		r.info.Truncated = true
	}
	r.problem(off, r.frames+1, "%v", err)
	return io.EOF
}

// data returns the frame buffer resized to n bytes (n <= maxCaplen).
func (r *reader) data(n int) []byte {
	if cap(r.buf) < n {
		c := 2 * cap(r.buf)
		if c < 2048 {
			c = 2048
		}
		for c < n {
			c *= 2
		}
		if c > maxCaplen {
			c = maxCaplen
		}
		r.buf = make([]byte, c)
	}
	return r.buf[:n]
}

func (r *reader) u16(b []byte, be bool) uint16 {
	if be {
		return binary.BigEndian.Uint16(b)
	}
	return binary.LittleEndian.Uint16(b)
}

func (r *reader) u32(b []byte, be bool) uint32 {
	if be {
		return binary.BigEndian.Uint32(b)
	}
	return binary.LittleEndian.Uint32(b)
}
