package decode

// The raw deflate pre-check for trials (see trial.go): a small inflater that
// decodes the first probeLen bytes without allocating.

// Lengths and distances of deflate matches (RFC 1951 §3.2.5).
var (
	lenBase   = [29]uint16{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	lenExtra  = [29]uint8{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	distBase  = [30]uint16{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	distExtra = [30]uint8{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}
)

// deflateMaybe reports whether b could be a raw deflate stream whose output
// acceptTrial might take. It inflates the first probeLen output bytes, as
// an inflater would and without allocating (block headers, including every
// check of a dynamic header, stored blocks, literals and matches), and
// judges them with prefixOK; any error rejects. Running out of input is not
// an error: the prefix decoded so far is judged.
func deflateMaybe(b []byte) bool {
	var out [probeLen]byte
	n := 0
	r := bitReader{b: b}
	for range 8 {
		final, ok1 := r.bits(1)
		typ, ok2 := r.bits(2)
		if !ok1 || !ok2 {
			break
		}
		st := blockEnded
		switch typ {
		case 0: // stored
			r.align()
			ln, ok1 := r.bits(16)
			nln, ok2 := r.bits(16)
			if !ok1 || !ok2 {
				st = judge
				break
			}
			if ln != ^nln&0xffff {
				return false
			}
			at := r.bytePos()
			n += copy(out[n:], b[at:min(len(b), at+int(ln))])
			if !r.skip(int(ln)) {
				st = judge
			}
		case 1: // fixed Huffman codes
			n, st = inflateSymbols(&r, &out, n, nil, nil)
		case 2: // dynamic Huffman codes, from the header
			var litSym [286]int16
			var distSym [30]int16
			lit, dist := huffman{symbol: litSym[:]}, huffman{symbol: distSym[:]}
			switch {
			case dynamicCodes(&r, &lit, &dist):
				n, st = inflateSymbols(&r, &out, n, &lit, &dist)
			case r.eof:
				st = judge
			default:
				return false
			}
		default:
			return false
		}
		if st == reject {
			return false
		}
		if st == judge || final != 0 || n == len(out) {
			break
		}
	}
	return prefixOK(out[:n])
}

// Outcomes of inflating part of a block in deflateMaybe.
const (
	blockEnded = iota // the block ended; more may follow
	judge             // out is full or the input ran out: judge what came
	reject            // the stream is invalid
)

// inflateSymbols decodes literal/length symbols of a Huffman block into out
// from n on, until the block ends or out is full. lit and dist are the
// block's codes, or nil for the fixed codes.
func inflateSymbols(r *bitReader, out *[probeLen]byte, n int, lit, dist *huffman) (int, int) {
	for n < len(out) {
		var sym int
		if lit == nil {
			sym = fixedSym(r)
		} else {
			sym = lit.decode(r)
		}
		switch {
		case sym < 0 || sym > 285:
			if r.eof {
				return n, judge
			}
			return n, reject
		case sym < 256:
			out[n] = byte(sym)
			n++
			continue
		case sym == 256:
			return n, blockEnded
		}
		sym -= 257
		x, ok := r.bits(int(lenExtra[sym]))
		length := int(lenBase[sym]) + int(x)
		d := 0
		if dist == nil {
			for range 5 {
				v, _ := r.bits(1)
				d = d<<1 | int(v)
			}
		} else {
			d = dist.decode(r)
		}
		if !ok || r.eof {
			return n, judge
		}
		if d < 0 || d > 29 {
			return n, reject
		}
		x, ok = r.bits(int(distExtra[d]))
		if !ok {
			return n, judge
		}
		back := int(distBase[d]) + int(x)
		if back > n {
			return n, reject // reaches before the start of the stream
		}
		for ; length > 0 && n < len(out); length-- {
			out[n] = out[n-back]
			n++
		}
	}
	return n, judge
}

// fixedSym decodes one literal/length symbol of the fixed code (RFC 1951
// §3.2.6), or returns -1.
func fixedSym(r *bitReader) int {
	code := 0
	for n := 1; n <= 9; n++ {
		v, ok := r.bits(1)
		if !ok {
			return -1
		}
		code = code<<1 | int(v)
		switch {
		case n == 7 && code <= 0x17:
			return 256 + code
		case n == 8 && code >= 0x30 && code <= 0xbf:
			return code - 0x30
		case n == 8 && code >= 0xc0 && code <= 0xc7:
			return 280 + code - 0xc0
		case n == 9 && code >= 0x190:
			return 144 + code - 0x190
		}
	}
	return -1
}

// clOrder is the order of the code length code lengths (RFC 1951 §3.2.7).
var clOrder = [19]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}

// dynamicCodes reads a dynamic block header into lit and dist and checks it as
// klauspost/compress/flate does: HLIT and HDIST in range, a valid code
// length code, repeats within bounds, and valid literal/length and distance
// codes.
func dynamicCodes(r *bitReader, lit, dist *huffman) bool {
	hlit, ok1 := r.bits(5)
	hdist, ok2 := r.bits(5)
	hclen, ok3 := r.bits(4)
	if !ok1 || !ok2 || !ok3 || hlit > 29 || hdist > 29 {
		return false
	}
	var cl [19]uint8
	for i := range int(hclen) + 4 {
		v, ok := r.bits(3)
		if !ok {
			return false
		}
		cl[clOrder[i]] = uint8(v)
	}
	var clSym [19]int16
	clc := huffman{symbol: clSym[:]}
	if !clc.deflateOK(clc.build(cl[:])) {
		return false
	}
	nlit, n := int(hlit)+257, int(hlit)+257+int(hdist)+1
	var lengths [286 + 30]uint8
	for i := 0; i < n; {
		sym := clc.decode(r)
		if sym < 0 {
			return false
		}
		if sym < 16 {
			lengths[i] = uint8(sym)
			i++
			continue
		}
		var rep, nb int
		var v uint8
		switch sym {
		case 16:
			if i == 0 {
				return false
			}
			rep, nb, v = 3, 2, lengths[i-1]
		case 17:
			rep, nb = 3, 3
		default:
			rep, nb = 11, 7
		}
		x, ok := r.bits(nb)
		if !ok {
			return false
		}
		rep += int(x)
		if i+rep > n {
			return false
		}
		for range rep {
			lengths[i] = v
			i++
		}
	}
	if !lit.deflateOK(lit.build(lengths[:nlit])) {
		return false
	}
	nd, left := dist.build(lengths[nlit:n])
	return nd == 0 || dist.deflateOK(nd, left)
}
