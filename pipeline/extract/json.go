package extract

import (
	"encoding/json"
	"unicode/utf8"
)

// The payload JSON is walked in place, as spans of the decoded text, instead
// of being unmarshalled: member order and number text survive exactly (no
// float64 rounding of 15-digit IMEIs or 13-digit millisecond times), and
// memory stays proportional to the text, not to the number of values.

// maxNesting matches encoding/json, so everything json.Valid accepts can be
// walked.
const maxNesting = 10000

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// scanValue checks the JSON value starting at b[i] and returns the index just
// past it.
func scanValue(b []byte, i, depth int) (int, bool) {
	if i >= len(b) {
		return i, false
	}
	switch c := b[i]; {
	case c == '{':
		if depth >= maxNesting {
			return i, false
		}
		i = skipSpace(b, i+1)
		if i < len(b) && b[i] == '}' {
			return i + 1, true
		}
		for {
			var ok bool
			if i, ok = scanString(b, i); !ok {
				return i, false
			}
			if i = skipSpace(b, i); i >= len(b) || b[i] != ':' {
				return i, false
			}
			if i, ok = scanValue(b, skipSpace(b, i+1), depth+1); !ok {
				return i, false
			}
			if i = skipSpace(b, i); i >= len(b) {
				return i, false
			}
			switch b[i] {
			case ',':
				i = skipSpace(b, i+1)
			case '}':
				return i + 1, true
			default:
				return i, false
			}
		}
	case c == '[':
		if depth >= maxNesting {
			return i, false
		}
		i = skipSpace(b, i+1)
		if i < len(b) && b[i] == ']' {
			return i + 1, true
		}
		for {
			var ok bool
			if i, ok = scanValue(b, i, depth+1); !ok {
				return i, false
			}
			if i = skipSpace(b, i); i >= len(b) {
				return i, false
			}
			switch b[i] {
			case ',':
				i = skipSpace(b, i+1)
			case ']':
				return i + 1, true
			default:
				return i, false
			}
		}
	case c == '"':
		return scanString(b, i)
	case c == 't':
		return scanLiteral(b, i, "true")
	case c == 'f':
		return scanLiteral(b, i, "false")
	case c == 'n':
		return scanLiteral(b, i, "null")
	default:
		return scanNumber(b, i)
	}
}

func scanLiteral(b []byte, i int, lit string) (int, bool) {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return i, false
	}
	return i + len(lit), true
}

func scanString(b []byte, i int) (int, bool) {
	if i >= len(b) || b[i] != '"' {
		return i, false
	}
	for i++; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			return i + 1, true
		case c < 0x20:
			return i, false
		case c == '\\':
			i++
			if i >= len(b) {
				return i, false
			}
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if len(b)-i < 5 || !isHex4(b[i+1:i+5]) {
					return i, false
				}
				i += 4
			default:
				return i, false
			}
		}
	}
	return i, false
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

func scanNumber(b []byte, i int) (int, bool) {
	digits := func(i int) (int, bool) {
		j := i
		for j < len(b) && '0' <= b[j] && b[j] <= '9' {
			j++
		}
		return j, j > i
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	if i < len(b) && b[i] == '0' {
		i++
	} else {
		var ok bool
		if i, ok = digits(i); !ok {
			return i, false
		}
	}
	if i < len(b) && b[i] == '.' {
		var ok bool
		if i, ok = digits(i + 1); !ok {
			return i, false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		var ok bool
		if i, ok = digits(i); !ok {
			return i, false
		}
	}
	return i, true
}

// forMembers calls fn with the raw key (quoted) and raw value of each member
// of a complete, valid object span, in order, until fn returns false.
func forMembers(obj []byte, fn func(key, val []byte) bool) {
	i := skipSpace(obj, 1)
	for i < len(obj) && obj[i] == '"' {
		ke, ok := scanString(obj, i)
		if !ok {
			return
		}
		vs := skipSpace(obj, skipSpace(obj, ke)+1) // past ':'
		ve, ok := scanValue(obj, vs, 0)
		if !ok || !fn(obj[i:ke], obj[vs:ve]) {
			return
		}
		i = skipSpace(obj, ve)
		if i < len(obj) && obj[i] == ',' {
			i = skipSpace(obj, i+1)
		}
	}
}

// forElems calls fn with each element of the array starting at arr[0], in
// order, until fn returns false. The array may be cut short (a truncated
// payload): it reports whether the array was complete, and the elements
// before the damage are still delivered.
func forElems(arr []byte, fn func(val []byte) bool) (complete bool) {
	i := skipSpace(arr, 1)
	if i < len(arr) && arr[i] == ']' {
		return true
	}
	for i < len(arr) {
		ve, ok := scanValue(arr, i, 0)
		if !ok {
			return false
		}
		if !fn(arr[i:ve]) {
			return true
		}
		i = skipSpace(arr, ve)
		if i >= len(arr) {
			return false
		}
		switch arr[i] {
		case ',':
			i = skipSpace(arr, i+1)
		case ']':
			return true
		default:
			return false
		}
	}
	return false
}

// unquote decodes a raw JSON string. The payload text is valid UTF-8 by the
// time it is walked, so the fast path needs no repair.
func unquote(raw []byte) string {
	if len(raw) < 2 {
		return ""
	}
	inner := raw[1 : len(raw)-1]
	plain := utf8.Valid(inner)
	for _, c := range inner {
		if c == '\\' {
			plain = false
			break
		}
	}
	if plain {
		return string(inner)
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return string(inner)
	}
	return s
}

// keyIs compares a raw JSON key with name without decoding in the common
// case of a key written without escapes.
func keyIs(raw []byte, name string) bool {
	if len(raw) == len(name)+2 && string(raw[1:len(raw)-1]) == name {
		return true
	}
	for _, c := range raw {
		if c == '\\' {
			return unquote(raw) == name
		}
	}
	return false
}

// member returns the raw value of the first member called name, or nil.
func member(obj []byte, name string) []byte {
	var out []byte
	forMembers(obj, func(k, v []byte) bool {
		if keyIs(k, name) {
			out = v
			return false
		}
		return true
	})
	return out
}

// jsonType names the JSON type of a raw value as the fields table does.
func jsonType(raw []byte) string {
	if len(raw) == 0 {
		return ""
	}
	switch raw[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	}
	return "number"
}

// scalar renders a raw scalar as text: strings unquoted, numbers and booleans
// as written, null as "". ok is false for objects and arrays.
func scalar(raw []byte) (string, bool) {
	switch jsonType(raw) {
	case "string":
		return unquote(raw), true
	case "number", "bool":
		return string(raw), true
	case "null":
		return "", true
	}
	return "", false
}
