package decode

import "unicode/utf8"

// JavaStringHash is Java's String.hashCode of s: h = 31*h + c over the
// UTF-16 code units, in signed 32-bit arithmetic. Sensors Analytics sends it
// of the Base64 text as "crc". Runes above U+FFFF count as their two
// surrogates, as in Java; invalid UTF-8 bytes count as U+FFFD, which is what a
// Java decoder would have made of them.
func JavaStringHash(s string) int32 {
	var h int32
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			h = 31*h + int32(c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		if r >= 0x10000 {
			r -= 0x10000
			h = 31*h + int32(0xD800+(r>>10))
			h = 31*h + int32(0xDC00+(r&0x3FF))
			continue
		}
		h = 31*h + int32(r)
	}
	return h
}
