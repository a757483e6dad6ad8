package decode

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
)

// MinBase64Len is the shortest text (whitespace excluded, padding included)
// that is ever taken for Base64. Shorter strings are ordinary words and ids
// far more often than encodings.
const MinBase64Len = 16

// b64 is the outcome of a successful Base64 step.
type b64 struct {
	out      []byte // decoded bytes
	text     []byte // the Base64 text as the sender had it (spaces turned back into '+' when repaired)
	repaired bool   // spaces were read as '+'
}

// tryBase64 decodes text as Base64 if it is Base64 and its output validates.
// Spaces are first read as '+' (form decoding turned an unescaped '+' into a
// space), then dropped as whitespace; the first reading that validates wins.
// nest bounds how deep nested Base64 may be followed while validating.
func tryBase64(text []byte, nest int) (b64, bool) {
	if bytes.IndexByte(text, ' ') >= 0 {
		if out, ok := decodeBase64(text, '+'); ok && validates(out, nest) {
			return b64{out: out, text: bytes.ReplaceAll(text, []byte{' '}, []byte{'+'}), repaired: true}, true
		}
	}
	if out, ok := decodeBase64(text, 0); ok && validates(out, nest) {
		return b64{out: out, text: text}, true
	}
	return b64{}, false
}

// decodeBase64 decodes standard or URL-safe Base64, padded or not, even with
// the two alphabets mixed. CR, LF and tab are dropped; a space becomes space
// when space is non-zero and is dropped otherwise. Anything else outside the
// alphabets, '=' anywhere but at the end, more than two '=', a text shorter
// than MinBase64Len, or a length of 1 mod 4 rejects the text.
func decodeBase64(text []byte, space byte) ([]byte, bool) {
	clean := make([]byte, 0, len(text))
	pad, n := 0, 0
	for _, c := range text {
		switch {
		case c == '\r' || c == '\n' || c == '\t':
			continue
		case c == ' ':
			if space == 0 {
				continue
			}
			c = space
		case c == '=':
			pad++
			n++
			continue
		case c == '-':
			c = '+'
		case c == '_':
			c = '/'
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '+', c == '/':
		default:
			return nil, false
		}
		if pad > 0 {
			return nil, false // data after padding
		}
		clean = append(clean, c)
		n++
	}
	if pad > 2 || n < MinBase64Len || len(clean)%4 == 1 {
		return nil, false
	}
	out := make([]byte, base64.RawStdEncoding.DecodedLen(len(clean)))
	m, err := base64.RawStdEncoding.Decode(out, clean)
	if err != nil {
		return nil, false
	}
	return out[:m], true
}

// validates reports whether decoded Base64 output is something worth having
// decoded: a compressed stream, a JSON object or array, or (up to nest more
// levels) Base64 that validates in turn.
func validates(out []byte, nest int) bool {
	if compression(out) != "" {
		return true
	}
	if t := trimJSONSpace(out); len(t) > 0 && (t[0] == '{' || t[0] == '[') && json.Valid(t) {
		return true
	}
	if nest > 0 {
		if inner, ok := decodeBase64(out, 0); ok && validates(inner, nest-1) {
			return true
		}
	}
	return false
}
