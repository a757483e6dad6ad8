// Package sensors builds Sensors Analytics (神策) telemetry byte for byte the
// way the SDKs put it on the wire, so that the sample captures exercise the
// same encodings a real capture does:
//
//   - ordered JSON objects, written in org.json style (Android: '/' escaped as
//     `\/`, non-ASCII left raw) or JSON.stringify style (web SDK);
//   - the Android gzip=1 batch: a JSON array assembled by string
//     concatenation, each event's closing brace replaced by
//     `,"_flush_time":<ms>}`, gzipped with a java.util.zip header, Base64'd and
//     percent-encoded into `crc=..&gzip=1&data_list=..`;
//   - the web SDK's one-event `data=<b64>&ext=crc%3D<n>` parameters and its
//     batch_send `data_list=<b64 JSON array>` (no gzip, no crc);
//   - the Apple SDK's (iOS and macOS) batch, optionally with its Base64 cut
//     into CRLF lines or with '+' left unescaped by URLQueryAllowed escaping;
//   - the Android gzip=9 upload: encrypted key groups sent as data_list
//     JSON directly;
//   - the crc: Java String.hashCode of the Base64 text;
//   - the percent-encoders of the clients involved (Escape).
//
// It is used only by the sample generators under samples/; everything in it
// is deterministic (no clock, no randomness: callers pass times and ids in).
package sensors

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// Member is one key/value pair of an Object.
type Member struct {
	Key   string
	Value any
}

// Object is a JSON object that keeps its members in insertion order, as
// Android's org.json (LinkedHashMap) and JavaScript objects do. The order is
// part of the wire bytes, so a Go map would not do.
//
// Values may be string, bool, int, int32, int64, json.Number (a number
// written exactly as given, e.g. Mixpanel's decimal seconds), Object, []any
// or nil; any other type is a bug in the generator and makes AppendJSON
// panic.
type Object []Member

// Get returns the value stored under key.
func (o Object) Get(key string) (any, bool) {
	for _, m := range o {
		if m.Key == key {
			return m.Value, true
		}
	}
	return nil, false
}

// With returns a copy of o with key set to v: replaced in place if present,
// appended otherwise. o itself is not modified.
func (o Object) With(key string, v any) Object {
	out := make(Object, len(o), len(o)+1)
	copy(out, o)
	for i := range out {
		if out[i].Key == key {
			out[i].Value = v
			return out
		}
	}
	return append(out, Member{key, v})
}

// Style selects the JSON writer being imitated.
type Style struct {
	// EscapeSlash writes '/' as `\/`, as Android's org.json JSONStringer does.
	// URLs then appear as `https:\/\/...` in the raw text, which defeats
	// substring search on undecoded JSON.
	EscapeSlash bool
}

// OrgJSON is the style of Android's org.json; JSStringify that of
// JSON.stringify (and of the Go and Python SDKs).
var (
	OrgJSON     = Style{EscapeSlash: true}
	JSStringify = Style{}
)

// MarshalJSON writes o in JSStringify style; it lets an Object sit inside
// structs marshalled with encoding/json (the truth files).
func (o Object) MarshalJSON() ([]byte, error) {
	return AppendJSON(nil, o, JSStringify), nil
}

// AppendJSON appends the compact JSON text of v to dst.
func AppendJSON(dst []byte, v any, st Style) []byte {
	switch v := v.(type) {
	case nil:
		return append(dst, "null"...)
	case string:
		return appendString(dst, v, st)
	case bool:
		return strconv.AppendBool(dst, v)
	case int:
		return strconv.AppendInt(dst, int64(v), 10)
	case int32:
		return strconv.AppendInt(dst, int64(v), 10)
	case int64:
		return strconv.AppendInt(dst, v, 10)
	case json.Number:
		if !json.Valid([]byte(v)) {
			panic("sensors: json.Number " + strconv.Quote(string(v)) + " is not a JSON number")
		}
		return append(dst, v...)
	case Object:
		dst = append(dst, '{')
		for i, m := range v {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, m.Key, st)
			dst = append(dst, ':')
			dst = AppendJSON(dst, m.Value, st)
		}
		return append(dst, '}')
	case []any:
		dst = append(dst, '[')
		for i, e := range v {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendJSON(dst, e, st)
		}
		return append(dst, ']')
	default:
		panic("sensors: unsupported JSON value type " + strconv.Quote(typeName(v)))
	}
}

func typeName(v any) string {
	switch v.(type) {
	case float32, float64:
		return "float (keep sample values exact: use integers or json.Number)"
	case map[string]any:
		return "map (member order would be random: use Object)"
	}
	return "unknown"
}

// appendString quotes s the way both org.json and JSON.stringify do: only
// '"', '\\' and control characters are escaped (plus '/' in org.json style);
// non-ASCII text stays raw UTF-8.
func appendString(dst []byte, s string, st Style) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			_, size := utf8.DecodeRuneInString(s[i:])
			dst = append(dst, s[i:i+size]...)
			i += size
			continue
		}
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c == '/' && st.EscapeSlash:
			dst = append(dst, '\\', '/')
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c == '\b':
			dst = append(dst, '\\', 'b')
		case c == '\f':
			dst = append(dst, '\\', 'f')
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			dst = append(dst, c)
		}
		i++
	}
	return append(dst, '"')
}
