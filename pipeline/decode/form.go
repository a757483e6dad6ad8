package decode

import "bytes"

// Field is one name=value pair of a query string or a urlencoded form.
type Field struct {
	Name  string // name, form-decoded
	Raw   string // value exactly as on the wire
	Value string // value, form-decoded: '+' is a space, %XX decoded, bad escapes kept
}

// ParseForm splits a query string or an application/x-www-form-urlencoded
// body into its fields, in wire order.
//
// Unlike net/url.ParseQuery it never fails: a bad % escape is kept literally,
// a part without '=' is a field with an empty value, and empty parts are
// skipped. The raw value is kept because form decoding loses information
// ('+' versus space) that Base64 needs back; see Peel.
func ParseForm(b []byte) []Field {
	var out []Field
	for len(b) > 0 {
		part := b
		if i := bytes.IndexByte(b, '&'); i >= 0 {
			part, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		if len(part) == 0 {
			continue
		}
		name, raw, _ := bytes.Cut(part, []byte{'='})
		out = append(out, Field{
			Name:  string(unescape(name, true)),
			Raw:   string(raw),
			Value: string(unescape(raw, true)),
		})
	}
	return out
}

// unescape decodes %XX escapes leniently: a '%' not followed by two hex
// digits stays as it is. With plus set, '+' becomes a space (form decoding).
// It returns b itself when there is nothing to decode.
func unescape(b []byte, plus bool) []byte {
	if !needsUnescape(b, plus) {
		return b
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c == '%' && i+2 < len(b) && isHex(b[i+1]) && isHex(b[i+2]):
			out = append(out, unhex(b[i+1])<<4|unhex(b[i+2]))
			i += 2
		case c == '+' && plus:
			out = append(out, ' ')
		default:
			out = append(out, c)
		}
	}
	return out
}

func needsUnescape(b []byte, plus bool) bool {
	if plus && bytes.IndexByte(b, '+') >= 0 {
		return true
	}
	return hasEscape(b)
}

// hasEscape reports whether b holds at least one valid %XX escape.
func hasEscape(b []byte) bool {
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' && isHex(b[i+1]) && isHex(b[i+2]) {
			return true
		}
	}
	return false
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}
