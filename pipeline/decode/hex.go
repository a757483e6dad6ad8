package decode

import "bytes"

// MinHexLen is the shortest run of hex digits ever taken for hex encoding:
// 16 bytes, the size of an MD5 digest, which is also the most common thing
// of that shape that is NOT an encoding (digests, ids and keys never
// validate, so they stay untouched).
const MinHexLen = 32

// isHexText reports whether b is an even-length run of at least MinHexLen
// hex digits, nothing else.
func isHexText(b []byte) bool {
	if len(b) < MinHexLen || len(b)%2 != 0 {
		return false
	}
	for _, c := range b {
		if !isHex(c) {
			return false
		}
	}
	return true
}

// tryHex decodes text as hex if it is an even run of hex digits (either
// case) of at least MinHexLen and its output validates. The result is the
// next step of a peel (see validates with top set).
func tryHex(text []byte, nest int, lim Limits) (b64, bool) {
	if !isHexText(text) {
		return b64{}, false
	}
	var buf [stackDecode]byte
	out := decodeHex(buf[:0], text)
	ok, tr := validates(out, nest, lim, true)
	if !ok {
		return b64{}, false
	}
	return b64{out: bytes.Clone(out), text: text, trial: tr}, true
}

// isHexValid is tryHex for a candidate that is only being validated (see
// isBase64Valid).
func isHexValid(text []byte, nest int, lim Limits) bool {
	if !isHexText(text) {
		return false
	}
	var buf [stackDecode]byte
	ok, _ := validates(decodeHex(buf[:0], text), nest, lim, false)
	return ok
}

// decodeHex appends the bytes of an even run of hex digits to dst.
func decodeHex(dst, text []byte) []byte {
	if need := len(dst) + len(text)/2; cap(dst) < need {
		dst = append(make([]byte, 0, need), dst...)
	}
	for i := 0; i+1 < len(text); i += 2 {
		dst = append(dst, unhex(text[i])<<4|unhex(text[i+1]))
	}
	return dst
}
