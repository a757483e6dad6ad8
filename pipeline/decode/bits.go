package decode

// Bit-level reading shared by the deflate and brotli pre-checks.

// bitReader reads LSB-first bit fields, as deflate and brotli pack them,
// through a 64-bit accumulator.
type bitReader struct {
	b   []byte
	pos int    // next byte of b to load
	acc uint64 // loaded bits not yet consumed, LSB first
	nb  int    // number of bits in acc
	eof bool   // a read ran past the end
}

// bits reads an n-bit field (n at most 32).
func (r *bitReader) bits(n int) (uint32, bool) {
	for r.nb < n {
		if r.pos == len(r.b) {
			r.eof = true
			return 0, false
		}
		r.acc |= uint64(r.b[r.pos]) << r.nb
		r.pos++
		r.nb += 8
	}
	v := uint32(r.acc & (1<<n - 1))
	r.acc >>= n
	r.nb -= n
	return v, true
}

// peek returns the next n bits without consuming them, zero-padded past
// the end of the input.
func (r *bitReader) peek(n int) uint32 {
	for r.nb < n && r.pos < len(r.b) {
		r.acc |= uint64(r.b[r.pos]) << r.nb
		r.pos++
		r.nb += 8
	}
	return uint32(r.acc & (1<<n - 1))
}

// align skips to the next byte boundary and reports whether the skipped
// bits were zero.
func (r *bitReader) align() bool {
	k := r.nb & 7
	v, _ := r.bits(k)
	return v == 0
}

// bytePos is the offset of the next whole byte; the reader must be aligned.
func (r *bitReader) bytePos() int { return r.pos - r.nb/8 }

// skip moves an aligned reader n bytes on and reports whether they exist.
func (r *bitReader) skip(n int) bool {
	at := r.bytePos() + n
	r.acc, r.nb = 0, 0
	if at > len(r.b) {
		r.pos, r.eof = len(r.b), true
		return false
	}
	r.pos = at
	return true
}

// huffman is a canonical prefix code in the form puff (zlib/contrib) uses:
// the number of codes of each length and the symbols in code order. Deflate
// and brotli build their codes alike from code lengths and pack them MSB
// first, so one decoder serves both.
type huffman struct {
	count  [16]int16
	symbol []int16 // room for every symbol of the alphabet; nil: validate only, no decoding
	single int     // brotli: the symbol of a one-symbol code, read from zero bits; else -1
}

// build makes h from code lengths (each 0..15). It returns the number of
// symbols that have a code, and the code space left unused at the longest
// length (0: complete, negative: over-subscribed, in which case h is not
// usable).
func (h *huffman) build(lengths []uint8) (n, left int) {
	h.count = [16]int16{}
	h.single = -1
	for _, l := range lengths {
		h.count[l]++
	}
	n = len(lengths) - int(h.count[0])
	left = 1
	for l := 1; l < 16; l++ {
		left <<= 1
		left -= int(h.count[l])
		if left < 0 {
			return n, left
		}
	}
	if h.symbol == nil {
		return n, left
	}
	var offs [16]int16
	for l := 1; l < 15; l++ {
		offs[l+1] = offs[l] + h.count[l]
	}
	for s, l := range lengths {
		if l != 0 {
			h.symbol[offs[l]] = int16(s)
			offs[l]++
		}
	}
	return n, left
}

// deflateOK reports whether a code built by build is one a deflate decoder
// accepts: complete, or a single code of length 1 (as zlib allows).
func (h *huffman) deflateOK(n, left int) bool {
	return n > 0 && (left == 0 || n == 1 && h.count[1] == 1)
}

// decode reads one symbol, or returns -1.
func (h *huffman) decode(r *bitReader) int {
	if h.single >= 0 {
		return h.single
	}
	code, first, index := 0, 0, 0
	for l := 1; l < 16; l++ {
		v, ok := r.bits(1)
		if !ok {
			return -1
		}
		code |= int(v)
		c := int(h.count[l])
		if code-c < first {
			return int(h.symbol[index+code-first])
		}
		index += c
		first += c
		first <<= 1
		code <<= 1
	}
	return -1
}
