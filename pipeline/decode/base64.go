package decode

import (
	"bytes"
	"encoding/json"
)

// MinBase64Len is the shortest text (whitespace excluded, padding included)
// that is ever taken for Base64. Shorter strings are ordinary words and ids
// far more often than encodings.
const MinBase64Len = 16

// stackDecode is the decoded size up to which Base64 and hex candidates are
// decoded into a stack buffer: most values that turn out not to be encoded
// (tokens, digests, UUIDs) then cost no allocation.
const stackDecode = 256

// b64 is the outcome of a successful Base64 or hex step.
type b64 struct {
	out      []byte       // decoded bytes
	text     []byte       // the text as the sender had it (spaces turned back into '+' when repaired)
	repaired bool         // spaces were read as '+'
	url      bool         // the text used the URL-safe alphabet
	trial    *trialResult // the trial decode of out that validated it, if that is what did
}

// b64val maps a byte to its value in either Base64 alphabet; invalid bytes
// map to 0xff. It is a constant table.
var b64val = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	const std = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := range len(std) {
		t[std[i]] = byte(i)
	}
	t['-'], t['_'] = 62, 63
	return t
}()

// tryBase64 decodes text as Base64 if it is Base64 and its output validates.
// Spaces are first read as '+' (form decoding turned an unescaped '+' into a
// space), then dropped as whitespace; the first reading that validates wins.
// nest bounds how deep nested encodings may be followed while validating.
// The result is the next step of a peel (see validates with top set).
func tryBase64(text []byte, nest int, lim Limits) (b64, bool) {
	if len(text) < MinBase64Len {
		return b64{}, false
	}
	var buf [stackDecode]byte
	if bytes.IndexByte(text, ' ') >= 0 {
		if out, url, ok := decodeBase64(buf[:0], text, '+'); ok {
			if ok, tr := validates(out, nest, lim, true); ok {
				return b64{out: bytes.Clone(out), text: bytes.ReplaceAll(text, []byte{' '}, []byte{'+'}), repaired: true, url: url, trial: tr}, true
			}
		}
	}
	if out, url, ok := decodeBase64(buf[:0], text, 0); ok {
		if ok, tr := validates(out, nest, lim, true); ok {
			return b64{out: bytes.Clone(out), text: text, url: url, trial: tr}, true
		}
	}
	return b64{}, false
}

// isBase64Valid is tryBase64 for a candidate that is only being validated:
// it keeps nothing. (Separate so that, for escape analysis, nothing
// validates sees can leak through a result: the decode buffers stay on the
// stack.)
func isBase64Valid(text []byte, nest int, lim Limits) bool {
	if len(text) < MinBase64Len || b64val[text[0]] == 0xff && text[0] != ' ' && text[0] != '\r' && text[0] != '\n' && text[0] != '\t' {
		return false // cheap for the binary bytes validates mostly sees
	}
	var buf [stackDecode]byte
	if bytes.IndexByte(text, ' ') >= 0 {
		if out, _, ok := decodeBase64(buf[:0], text, '+'); ok {
			if ok, _ := validates(out, nest, lim, false); ok {
				return true
			}
		}
	}
	if out, _, ok := decodeBase64(buf[:0], text, 0); ok {
		ok, _ := validates(out, nest, lim, false)
		return ok
	}
	return false
}

// decodeBase64 appends to dst the decoding of standard or URL-safe Base64,
// padded or not, even with the two alphabets mixed; url reports a '-' or
// '_'. CR, LF and tab are dropped; a space stands for space when space is
// non-zero and is dropped otherwise. Anything else outside the alphabets,
// '=' anywhere but at the end, more than two '=', a text shorter than
// MinBase64Len, or a length of 1 mod 4 rejects the text. Unused trailing
// bits are ignored, as by encoding/base64 without Strict.
func decodeBase64(dst, text []byte, space byte) (out []byte, url, ok bool) {
	if len(text) < MinBase64Len {
		return nil, false, false
	}
	if need := len(dst) + len(text)/4*3 + 2; cap(dst) < need {
		dst = append(make([]byte, 0, need), dst...)
	}
	var acc uint32
	n, pad, total := 0, 0, 0 // alphabet characters, '=' seen, both
	for _, c := range text {
		switch c {
		case '\r', '\n', '\t':
			continue
		case ' ':
			if space == 0 {
				continue
			}
			c = space
		case '=':
			pad++
			total++
			continue
		case '-', '_':
			url = true
		}
		v := b64val[c]
		if v == 0xff || pad > 0 {
			return nil, false, false // outside the alphabets, or data after padding
		}
		acc = acc<<6 | uint32(v)
		n++
		total++
		if n%4 == 0 {
			dst = append(dst, byte(acc>>16), byte(acc>>8), byte(acc))
			acc = 0
		}
	}
	if pad > 2 || total < MinBase64Len {
		return nil, false, false
	}
	switch n % 4 {
	case 1:
		return nil, false, false
	case 2:
		dst = append(dst, byte(acc>>4))
	case 3:
		dst = append(dst, byte(acc>>10), byte(acc>>2))
	}
	return dst, url, true
}

// validates reports whether the decoded output of a Base64 or hex candidate
// is worth having decoded: a compressed stream (by its magic), a JSON object
// or array or NDJSON that parses, up to nest more levels of Base64 or hex
// that validate in turn, or binary bytes that decode by trial as raw deflate
// or brotli to something that validates (see trial).
//
// When top is set the candidate is about to become a peel step, so the trial
// runs with the step's real output cap and its result is returned for Peel
// to reuse; otherwise it only looks at a bounded prefix of the output.
// out is not retained (it may live on the caller's stack).
func validates(out []byte, nest int, lim Limits, top bool) (bool, *trialResult) {
	if compression(out) != "" {
		return true, nil
	}
	if t := trimJSONSpace(out); len(t) > 0 && (t[0] == '{' || t[0] == '[') && (json.Valid(t) || isNDJSON(t)) {
		return true, nil
	}
	if nest > 0 {
		if isHexText(out) && isHexValid(out, nest-1, lim) || !isHexText(out) && isBase64Valid(out, nest-1, lim) {
			return true, nil
		}
	}
	if !isBinary(out) {
		return false, nil
	}
	c, _ := lim.outCap(len(out))
	if !top {
		c = min(c, trialProbe)
	}
	tr := trial(out, c)
	if tr == nil {
		return false, nil
	}
	if !top {
		return true, nil
	}
	return true, tr
}

// isBinary reports whether b holds a byte that text would not: a control
// character other than tab, CR and LF, DEL, or a byte above 0x7f.
func isBinary(b []byte) bool {
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c >= 0x7f {
			return true
		}
	}
	return false
}
