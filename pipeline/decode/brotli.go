package decode

// Brotli: the decoder with its window held to the cap, and the pre-check
// for trials (see trial.go) that reads a meta-block header without
// allocating.

import (
	"bytes"
	"fmt"

	"github.com/andybalholm/brotli"
)

// unbrotli decodes a brotli stream. The decoder's ring buffer grows up to
// the window the stream declares (up to 16 MiB) whatever the output cap, so
// a stream that declares a larger window than the cap needs is given a
// smaller one: the header's window field is rewritten in place to the
// smallest window w with w-16 > limit that has a code of the same length
// (so no bit moves): at least 256 KiB when the stream declared 256 KiB or
// more. Up to the cap every backward distance is below both windows, so the
// first limit+1 bytes decode exactly as with the original window. (Bytes
// past the cap can differ: a stream that reaches them can surface a decode
// error instead of the limit, never wrong output below it.)
func unbrotli(b []byte, limit int64) inflated {
	src := b
	if wbits, _, ok := brotliWindow(b); ok {
		if nb := brotliHeld(wbits, limit+1); nb < wbits {
			src = bytes.Clone(b)
			setBrotliWindow(src, nb)
		}
	}
	r := brotli.NewReader(bytes.NewReader(src))
	res := readCapped(r, limit, nil, len(b))
	if res.err != nil {
		res.err = fmt.Errorf("decode: brotli: %w", res.err)
	}
	return res
}

// brotliWindow reads the WBITS field of a brotli stream header (RFC 7932
// §9.1): the window bits and the length of the field in bits.
func brotliWindow(b []byte) (wbits, hdr int, ok bool) {
	r := bitReader{b: b}
	return readBrotliWindow(&r)
}

func readBrotliWindow(r *bitReader) (wbits, hdr int, ok bool) {
	if v, ok := r.bits(1); !ok {
		return 0, 0, false
	} else if v == 0 {
		return 16, 1, true
	}
	n, ok := r.bits(3)
	if !ok {
		return 0, 0, false
	}
	if n != 0 {
		return 17 + int(n), 4, true
	}
	m, ok := r.bits(3)
	switch {
	case !ok || m == 1: // m == 1 is large-window brotli, not RFC 7932
		return 0, 0, false
	case m != 0:
		return 8 + int(m), 7, true
	}
	return 17, 7, true
}

// brotliFit is the smallest window bits (10..24) whose window minus the
// 16-byte gap holds n bytes.
func brotliFit(n int64) int {
	for w := 10; w < 24; w++ {
		if int64(1)<<w-16 >= n {
			return w
		}
	}
	return 24
}

// brotliHeld is the window bits to decode a stream declaring wbits with,
// when n bytes of output are wanted: the smallest that holds n and is coded
// with as many bits as wbits (18..24 in four bits, 10..15 and 17 in seven,
// 16 alone in one), or wbits.
func brotliHeld(wbits int, n int64) int {
	w := brotliFit(n)
	switch {
	case wbits >= 18:
		return min(wbits, max(w, 18))
	case wbits == 16:
		return 16
	case w == 16: // seven-bit codes skip 16
		return 17
	}
	return min(wbits, w)
}

// setBrotliWindow rewrites the WBITS field of b in place to wbits, which
// must have a code as long as the field's.
func setBrotliWindow(b []byte, wbits int) {
	switch {
	case wbits >= 18: // 1, then wbits-17 in three bits
		b[0] = b[0]&^0x0e | byte(wbits-17)<<1
	case wbits == 17: // 1, 000, 000
		b[0] &^= 0x70
	case wbits != 16: // 1, 000, then wbits-8 in three bits
		b[0] = b[0]&^0x70 | byte(wbits-8)<<4
	}
}

// brotliMaybe reports whether b could be a brotli stream. It walks the
// stream header and the meta-block headers (skipping metadata) up to the
// first meta-block with data; for a stored one it judges the first bytes
// with prefixOK, for a compressed one it reads the whole header as the
// reference decoder does (block-type codes and first block counts, context
// modes and maps, and every prefix code: RFC 7932 §§9.2, 3, 6, 7) and checks
// each part. It allocates nothing.
func brotliMaybe(b []byte) bool {
	r := bitReader{b: b}
	if _, _, ok := readBrotliWindow(&r); !ok {
		return false
	}
	for range 4 {
		last, ok := r.bits(1)
		if !ok {
			return false
		}
		if last != 0 {
			if empty, ok := r.bits(1); !ok || empty != 0 {
				return false // an empty stream
			}
		}
		mn, ok := r.bits(2)
		if !ok {
			return false
		}
		if mn == 3 { // metadata: skip it
			reserved, ok1 := r.bits(1)
			nbytes, ok2 := r.bits(2)
			if !ok1 || !ok2 || reserved != 0 {
				return false
			}
			skip := 0
			for i := range int(nbytes) {
				v, ok := r.bits(8)
				if !ok || i == int(nbytes)-1 && nbytes > 1 && v == 0 {
					return false
				}
				skip |= int(v) << (8 * i)
			}
			if nbytes > 0 {
				skip++
			}
			if !r.align() {
				return false
			}
			if !r.skip(skip) || last != 0 {
				return false
			}
			continue
		}
		nibbles, mlen := int(mn)+4, 0
		for i := range nibbles {
			v, ok := r.bits(4)
			if !ok || i == nibbles-1 && nibbles > 4 && v == 0 {
				return false
			}
			mlen |= int(v) << (4 * i)
		}
		mlen++
		if last == 0 {
			unc, ok := r.bits(1)
			if !ok {
				return false
			}
			if unc != 0 {
				if !r.align() {
					return false
				}
				at := r.bytePos()
				return prefixOK(b[at:min(len(b), at+mlen, at+probeLen)])
			}
		}
		return brotliHeader(&r)
	}
	return false
}

// blockCountBits is the number of extra bits of each block count code (RFC
// 7932 §6).
var blockCountBits = [26]uint8{2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 6, 6, 7, 8, 9, 10, 11, 12, 13, 24}

// brotliHeader checks the rest of a compressed meta-block header.
func brotliHeader(r *bitReader) bool {
	var countSym [26]int16
	count := huffman{symbol: countSym[:]}
	var check huffman // for codes that are only read, not used
	var types [3]int  // NBLTYPESL, NBLTYPESI, NBLTYPESD
	for i := range types {
		n, ok := varLenUint8(r)
		if !ok {
			return false
		}
		types[i] = n + 1
		if types[i] >= 2 {
			if !brotliCode(r, types[i]+2, &check) || !brotliCode(r, 26, &count) {
				return false
			}
			sym := count.decode(r)
			if sym < 0 {
				return false
			}
			if _, ok := r.bits(int(blockCountBits[sym])); !ok {
				return false
			}
		}
	}
	npostfix, ok1 := r.bits(2)
	ndirect, ok2 := r.bits(4)
	if !ok1 || !ok2 {
		return false
	}
	for range types[0] { // context modes
		if _, ok := r.bits(2); !ok {
			return false
		}
	}
	treesL, ok1 := contextMap(r, 64*types[0])
	treesD, ok2 := contextMap(r, 4*types[2])
	if !ok1 || !ok2 {
		return false
	}
	for range treesL {
		if !brotliCode(r, 256, &check) {
			return false
		}
	}
	for range types[1] {
		if !brotliCode(r, 704, &check) {
			return false
		}
	}
	dist := 16 + int(ndirect)<<npostfix + 48<<npostfix
	for range treesD {
		if !brotliCode(r, dist, &check) {
			return false
		}
	}
	return true
}

// contextMap reads a context map of size entries (RFC 7932 §7.3) and
// returns the number of prefix trees it refers to.
func contextMap(r *bitReader, size int) (int, bool) {
	n, ok := varLenUint8(r)
	if !ok {
		return 0, false
	}
	trees := n + 1
	if trees < 2 {
		return 1, true
	}
	rle := 0
	if v, ok := r.bits(1); !ok {
		return 0, false
	} else if v != 0 {
		x, ok := r.bits(4)
		if !ok {
			return 0, false
		}
		rle = int(x) + 1
	}
	var symbols [256 + 16]int16
	h := huffman{symbol: symbols[:trees+rle]}
	if !brotliCode(r, trees+rle, &h) {
		return 0, false
	}
	for i := 0; i < size; {
		sym := h.decode(r)
		switch {
		case sym < 0:
			return 0, false
		case sym == 0 || sym > rle:
			i++
		default: // a run of zeros
			x, ok := r.bits(sym)
			if !ok {
				return 0, false
			}
			if i += 1<<sym + int(x); i > size {
				return 0, false
			}
		}
	}
	if _, ok := r.bits(1); !ok { // IMTF
		return 0, false
	}
	return trees, true
}

// varLenUint8 reads the 1..11-bit number of RFC 7932 §9.2 (a count minus one).
func varLenUint8(r *bitReader) (int, bool) {
	v, ok := r.bits(1)
	if !ok || v == 0 {
		return 0, ok
	}
	n, ok := r.bits(3)
	if !ok || n == 0 {
		return 1, ok
	}
	x, ok := r.bits(int(n))
	return 1<<n + int(x), ok
}

// Static code for the complex prefix code's code length code lengths (RFC
// 7932 §3.5), indexed by the next four bits, as in the reference decoder,
// and the order of those lengths.
var (
	clPrefixLen   = [16]uint8{2, 2, 2, 3, 2, 2, 2, 4, 2, 2, 2, 3, 2, 2, 2, 4}
	clPrefixValue = [16]uint8{0, 4, 3, 2, 0, 4, 3, 1, 0, 4, 3, 2, 0, 4, 3, 5}
	brOrder       = [18]uint8{1, 2, 3, 4, 0, 5, 17, 6, 16, 7, 8, 9, 10, 11, 12, 13, 14, 15}
)

// brotliCode reads a prefix code for an alphabet of size symbols (at most
// 704; RFC 7932 §§3.4, 3.5) into h, with the reference decoder's checks:
// distinct in-range symbols for a simple code; for a complex one a complete
// (or single-code) code length code, repeats within the alphabet, and code
// lengths that fill the code space exactly.
func brotliCode(r *bitReader, size int, h *huffman) bool {
	var lengths [704]uint8
	hskip, ok := r.bits(2)
	if !ok {
		return false
	}
	if hskip == 1 { // simple
		nsym, ok := r.bits(2)
		if !ok {
			return false
		}
		abits := 0
		for 1<<abits < size {
			abits++
		}
		var syms [4]int
		for i := range int(nsym) + 1 {
			v, ok := r.bits(abits)
			if !ok || int(v) >= size {
				return false
			}
			for _, p := range syms[:i] {
				if p == int(v) {
					return false
				}
			}
			syms[i] = int(v)
		}
		switch nsym {
		case 0:
			h.build(nil)
			h.single = syms[0]
			return true
		case 1:
			lengths[syms[0]], lengths[syms[1]] = 1, 1
		case 2:
			lengths[syms[0]], lengths[syms[1]], lengths[syms[2]] = 1, 2, 2
		case 3:
			sel, ok := r.bits(1)
			if !ok {
				return false
			}
			if sel == 0 {
				lengths[syms[0]], lengths[syms[1]], lengths[syms[2]], lengths[syms[3]] = 2, 2, 2, 2
			} else {
				lengths[syms[0]], lengths[syms[1]], lengths[syms[2]], lengths[syms[3]] = 1, 2, 3, 3
			}
		}
		h.build(lengths[:size])
		return true
	}
	var cl [18]uint8
	space, codes := 32, 0
	for i := int(hskip); i < 18; i++ {
		ix := r.peek(4)
		if _, ok := r.bits(int(clPrefixLen[ix])); !ok {
			return false
		}
		if v := clPrefixValue[ix]; v != 0 {
			cl[brOrder[i]] = v
			space -= 32 >> v
			codes++
			if space <= 0 {
				break
			}
		}
	}
	if codes != 1 && space != 0 {
		return false
	}
	var clSym [18]int16
	clc := huffman{symbol: clSym[:]}
	clc.build(cl[:])
	if codes == 1 {
		for s, l := range cl {
			if l != 0 {
				clc.single = s
			}
		}
	}
	sym, prev, repeat, repeatLen := 0, 8, 0, 0
	space = 32768
	for sym < size && space > 0 {
		p := clc.decode(r)
		if p < 0 {
			return false
		}
		if p < 16 {
			repeat = 0
			if p != 0 {
				lengths[sym] = uint8(p)
				space -= 32768 >> p
				prev = p
			}
			sym++
			continue
		}
		extra, newLen := 3, 0
		if p == 16 {
			extra, newLen = 2, prev
		}
		x, ok := r.bits(extra)
		if !ok {
			return false
		}
		if repeatLen != newLen {
			repeat, repeatLen = 0, newLen
		}
		old := repeat
		if repeat > 0 {
			repeat = (repeat - 2) << extra
		}
		repeat += int(x) + 3
		delta := repeat - old
		if sym+delta > size {
			return false
		}
		for range delta {
			lengths[sym] = uint8(repeatLen)
			sym++
		}
		if repeatLen != 0 {
			space -= delta << (15 - repeatLen)
		}
	}
	if space != 0 {
		return false
	}
	h.build(lengths[:size])
	return true
}
