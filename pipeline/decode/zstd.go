package decode

// Zstandard, with every frame's window held to the cap.

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/klauspost/compress/zstd"
)

// unzstd decodes Zstandard frames. The streaming decoder allocates the
// window a frame declares (plus two blocks) up front, so every frame whose
// window descriptor asks for more than the cap needs is given a smaller
// window (zstdHoldWindows): the smallest that holds limit+1 bytes plus one
// more block (zstdWindow). Every offset up to that point reaches back less
// than either window, so the output up to the cap is unchanged, and the
// block that crosses the cap still decodes whole. A single-segment frame,
// whose window is its declared content size, is refused as a limit when
// that is larger.
func unzstd(b []byte, limit int64) inflated {
	win := zstdWindow(limit)
	d, err := zstd.NewReader(bytes.NewReader(zstdHoldWindows(b, win)),
		zstd.WithDecoderConcurrency(1), // synchronous: no goroutines, no shared state
		zstd.WithDecoderLowmem(true),
		zstd.WithDecoderMaxMemory(uint64(win)))
	if err != nil {
		return inflated{err: fmt.Errorf("decode: zstd: %w", err)}
	}
	defer d.Close()
	res := readCapped(d, limit, nil, len(b))
	if errors.Is(res.err, zstd.ErrWindowSizeExceeded) || errors.Is(res.err, zstd.ErrDecoderSizeExceeded) || errors.Is(res.err, zstd.ErrFrameSizeExceeded) {
		res.limit, res.err = true, nil
	}
	if res.err != nil {
		res.err = fmt.Errorf("decode: zstd: %w", res.err)
	}
	return res
}

// zstdHoldWindows returns b with the Window_Descriptor of every frame that
// declares a window larger than win lowered to win's; b itself when none
// does. It walks frames, skippable frames and block headers (RFC 8878 §3)
// and stops at anything else.
func zstdHoldWindows(b []byte, win int64) []byte {
	out := b
	for p := 0; p+8 <= len(b); {
		magic := binary.LittleEndian.Uint32(b[p:])
		if magic&0xfffffff0 == 0x184d2a50 { // skippable frame
			p += 8 + int(binary.LittleEndian.Uint32(b[p+4:]))
			continue
		}
		if magic != 0xfd2fb528 {
			break
		}
		fhd := b[p+4]
		single := fhd&0x20 != 0
		h := p + 5
		if !single {
			if zstdWindowSize(b[h]) > win {
				if &out[0] == &b[0] {
					out = bytes.Clone(b)
				}
				out[h] = zstdDescriptor(win)
			}
			h++
		}
		h += [4]int{0, 1, 2, 4}[fhd&3] // dictionary id
		switch fcs := fhd >> 6; {
		case fcs == 0 && single:
			h++
		case fcs > 0:
			h += 1 << fcs
		}
		for last := false; !last; {
			if h+3 > len(b) {
				return out
			}
			bh := int(b[h]) | int(b[h+1])<<8 | int(b[h+2])<<16
			last = bh&1 != 0
			switch (bh >> 1) & 3 {
			case 1: // RLE: one byte
				h += 3 + 1
			case 3: // reserved
				return out
			default:
				h += 3 + bh>>3
			}
		}
		if fhd&4 != 0 { // content checksum
			h += 4
		}
		p = h
	}
	return out
}

// zstdMaxBlock is the largest Zstandard block (RFC 8878 §3.1.1.2.4).
const zstdMaxBlock = 128 << 10

// zstdWindow is the window a frame needs so that the first limit+1 bytes of
// output, and the block that crosses them, decode as with any larger window.
func zstdWindow(limit int64) int64 {
	return zstdWindowSize(zstdDescriptor(limit + 1 + zstdMaxBlock))
}

// zstdWindowSize is the window a Window_Descriptor byte declares (RFC 8878
// §3.1.1.1.2).
func zstdWindowSize(wd byte) int64 {
	base := int64(1) << (10 + wd>>3)
	return base + base/8*int64(wd&7)
}

// zstdDescriptor is the Window_Descriptor of the smallest window of at least
// n bytes (the largest one if none is).
func zstdDescriptor(n int64) byte {
	for wd := 0; wd < 256; wd++ {
		if zstdWindowSize(byte(wd)) >= n {
			return byte(wd)
		}
	}
	return 0xff
}
