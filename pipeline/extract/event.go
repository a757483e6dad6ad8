package extract

import (
	"math"
	"strconv"
	"strings"
	"time"

	"telltale/pipeline/decode"
)

// Event is one analytics event found in a payload.
type Event struct {
	// Name is read from the profile's event keys (Sensors: "event", else
	// "type"; generic JSON: the first of event, event_type, name, en, type
	// that holds a scalar).
	Name string
	// Type: the profile's event-type key (Sensors and Segment "type").
	Type string
	// Identifiers read from the profile's keys: strings unquoted, numbers
	// as their JSON text.
	DistinctID, LoginID, AnonymousID, UserID, DeviceID string
	// TimeMillis is the event time in ms since the epoch; see eventTime for
	// the accepted forms. HasTime is false when there is no usable time.
	TimeMillis int64
	HasTime    bool
	// TrackID is Sensors "_track_id" as its JSON text.
	TrackID string
	// Properties is the JSON text of the "properties" object as it was
	// decoded. Without a "properties" object it is the event object minus
	// the top-level keys that have columns of their own, members otherwise
	// verbatim and in order.
	Properties string
	// Fields are the event's leaves, in document order, then the
	// envelope's leaves under "envelope.".
	Fields []Field
}

// Field is one leaf of an event object.
type Field struct {
	// Path joins object keys with '.' and array indexes as "[i]":
	// "properties.$url", "lib.$lib", "items[0].id". Keys are used verbatim,
	// so a key that itself contains '.' makes the path ambiguous; the JSON
	// text stays the authority. Leaves of JSON found inside a string value
	// continue the string's path.
	Path string
	// Value: strings unquoted; numbers exactly as written; "true"/"false";
	// "" for null; "{}" / "[]" for empty containers; the raw JSON text of a
	// container deeper than maxFieldDepth.
	Value string
	// Type: "string", "number", "bool", "null", "object" or "array".
	Type string
	// Kind is the identifier kind of the value (IDKinds with the profile's
	// overrides); "" when it is none.
	Kind string
	// Via is the decode chain (joined by '>') that turned the string value
	// at the nearest enclosing string leaf into the JSON holding this leaf,
	// e.g. "json" or "base64>gzip>json"; "" for a plain leaf.
	Via string
}

// maxFieldDepth bounds how deep fields are flattened; a deeper container
// becomes one field holding its JSON text.
const maxFieldDepth = 32

// eventishKeys mark an object as an event rather than API data.
var eventishKeys = [...]string{"event", "event_type", "en", "type", "distinct_id"}

func unquoteKey(k []byte) string {
	for _, c := range k {
		if c == '\\' {
			return unquote(k)
		}
	}
	return string(k[1 : len(k)-1])
}

// hasEventName reports whether obj has a key that names an event, the
// event-ish keys but distinct_id.
func hasEventName(obj []byte) bool {
	found := false
	forMembers(obj, func(k, v []byte) bool {
		switch unquoteKey(k) {
		case "event", "event_type", "en", "type":
			found = true
			return false
		}
		return true
	})
	return found
}

// isEventish reports whether obj has one of the keys that make an object an
// event.
func isEventish(obj []byte) bool {
	found := false
	forMembers(obj, func(k, v []byte) bool {
		name := unquoteKey(k)
		for _, e := range eventishKeys {
			if name == e {
				found = true
				return false
			}
		}
		return true
	})
	return found
}

// fieldBudget bounds the fields of one payload.
type fieldBudget struct {
	perEvent int   // fields per event
	bytes    int64 // path+value bytes left for the payload
	capped   bool
}

// envelopePrefix starts the paths of envelope leaves and of column keys
// that read the envelope.
const envelopePrefix = "envelope."

// lookup returns the raw value at a dotted path in obj, or in env when the
// path starts with "envelope.", or nil. Keys containing '.' are found too:
// at each level the longest key that prefixes the rest wins.
func lookup(obj, env []byte, path string) []byte {
	if rest, ok := strings.CutPrefix(path, envelopePrefix); ok {
		obj, path = env, rest
	}
	if strings.IndexByte(path, '.') < 0 {
		if len(obj) == 0 || obj[0] != '{' {
			return nil
		}
		return member(obj, path) // the common case: stops at the first match
	}
	for len(obj) > 0 && obj[0] == '{' {
		var hit []byte
		hitLen := -1
		forMembers(obj, func(k, v []byte) bool {
			name := unquoteKey(k)
			if (path == name || strings.HasPrefix(path, name+".")) && len(name) > hitLen {
				hit, hitLen = v, len(name)
			}
			return true
		})
		if hit == nil {
			return nil
		}
		if hitLen == len(path) {
			return hit
		}
		obj, path = hit, path[hitLen+1:]
	}
	return nil
}

// first returns the first non-empty scalar found under keys and the key
// that held it.
func first(obj, env []byte, keys []string) (string, string) {
	for _, k := range keys {
		if v := lookup(obj, env, k); v != nil {
			if s, ok := scalar(v); ok && s != "" {
				return s, k
			}
		}
	}
	return "", ""
}

// buildEvent turns one event object into an Event. env is the envelope (the
// root object the event array was in, envKey its member) or nil; ids are the
// profile's identifier overrides.
func (x *extractor) buildEvent(obj, env []byte, envKey string, cols Columns, ids map[string]string, fb *fieldBudget) Event {
	var e Event
	var nameKey string
	e.Name, nameKey = first(obj, env, cols.Event)
	if nameKey == "" && cols.EventFromPath {
		if i := strings.LastIndexByte(strings.TrimRight(x.path, "/"), '/'); i >= 0 {
			e.Name = strings.TrimRight(x.path, "/")[i+1:]
		}
	}
	e.Type, _ = first(obj, env, cols.EventType)
	e.DistinctID, _ = first(obj, env, cols.DistinctID)
	e.LoginID, _ = first(obj, env, cols.LoginID)
	e.AnonymousID, _ = first(obj, env, cols.AnonymousID)
	e.UserID, _ = first(obj, env, cols.UserID)
	e.DeviceID, _ = first(obj, env, cols.DeviceID)
	e.TrackID, _ = first(obj, env, cols.TrackID)
	for _, k := range cols.Time {
		if v := lookup(obj, env, k); v != nil {
			if e.TimeMillis, e.HasTime = eventTime(v); e.HasTime {
				break
			}
		}
	}
	if p := member(obj, "properties"); len(p) > 0 && p[0] == '{' {
		e.Properties = string(p)
	} else {
		e.Properties = withoutColumns(obj, nameKey, &cols)
	}
	e.Fields = x.flatten(nil, obj, "", "", fb, 0)
	if env != nil {
		e.Fields = x.flattenEnvelope(e.Fields, env, envKey, fb)
	}
	for i, k := range IDKinds(e.Fields, ids) {
		e.Fields[i].Kind = k
	}
	return e
}

// flattenEnvelope appends the leaves of env's members but skip, under
// "envelope.".
func (x *extractor) flattenEnvelope(dst []Field, env []byte, skip string, fb *fieldBudget) []Field {
	forMembers(env, func(k, v []byte) bool {
		name := unquoteKey(k)
		if name == skip {
			return true
		}
		n := len(dst)
		dst = x.flatten(dst, v, envelopePrefix+name, "", fb, 0)
		if len(dst) == n && (v[0] == '{' || v[0] == '[') {
			// An empty container member still shows.
			dst = append(dst, Field{Path: envelopePrefix + name, Value: string(v[:1]) + string(v[len(v)-1:]), Type: jsonType(v)})
		}
		return !fb.capped
	})
	return dst
}

// withoutColumns re-assembles obj without the top-level members that have
// Event columns. Keys and values are copied as written; only whitespace
// between members is lost.
func withoutColumns(obj []byte, nameKey string, cols *Columns) string {
	skip := map[string]bool{nameKey: true}
	for _, ks := range [...][]string{cols.EventType, cols.DistinctID, cols.LoginID, cols.AnonymousID, cols.UserID, cols.DeviceID, cols.Time, cols.TrackID} {
		for _, k := range ks {
			if !strings.Contains(k, ".") {
				skip[k] = true
			}
		}
	}
	var sb strings.Builder
	sb.WriteByte('{')
	n := 0
	forMembers(obj, func(k, v []byte) bool {
		if skip[unquoteKey(k)] {
			return true
		}
		if n > 0 {
			sb.WriteByte(',')
		}
		sb.Write(k)
		sb.WriteByte(':')
		sb.Write(v)
		n++
		return true
	})
	sb.WriteByte('}')
	return sb.String()
}

// eventTime reads "time" as milliseconds since the epoch. Numbers, or
// strings of digits, are scaled by magnitude: [1e9, 1e11) is seconds (10
// digits; fractions kept to the ms), [1e11, 1e14) milliseconds, [1e14, 1e17)
// microseconds, [1e17, 1e20) nanoseconds. Anything else (ISO dates, zero,
// negative, tiny) is no time.
func eventTime(raw []byte) (int64, bool) {
	var text string
	switch jsonType(raw) {
	case "number":
		text = string(raw)
	case "string":
		text = unquote(raw)
	default:
		return 0, false
	}
	if len(text) >= 20 && text[4] == '-' && text[10] == 'T' {
		// ISO 8601: RFC 3339 as Segment sends it, or Adjust's literal Z
		// followed by the offset.
		for _, layout := range [...]string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z-0700"} {
			if t, err := time.Parse(layout, text); err == nil {
				return t.UnixMilli(), true
			}
		}
		return 0, false
	}
	if n, err := strconv.ParseInt(text, 10, 64); err == nil {
		switch {
		case n >= 1e9 && n < 1e11:
			return n * 1000, true
		case n >= 1e11 && n < 1e14:
			return n, true
		case n >= 1e14 && n < 1e17:
			return n / 1e3, true
		case n >= 1e17:
			return n / 1e6, true
		}
		return 0, false
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsNaN(f) {
		return 0, false
	}
	switch {
	case f >= 1e9 && f < 1e11:
		return int64(math.Round(f * 1000)), true
	case f >= 1e11 && f < 1e14:
		return int64(f), true
	case f >= 1e14 && f < 1e17:
		return int64(f / 1e3), true
	case f >= 1e17 && f < 1e20:
		return int64(f / 1e6), true
	}
	return 0, false
}

// flatten appends one Field per leaf of the JSON value v at path. A string
// leaf that decodes to a JSON object or array (directly or through Base64,
// compression...) is kept and its leaves follow under its path, with Via
// saying how, up to MaxNesting levels.
func (x *extractor) flatten(dst []Field, v []byte, path, via string, fb *fieldBudget, nest int) []Field {
	var walk func(path string, v []byte, depth int) bool
	add := func(path, value, typ string) bool {
		if len(dst) >= fb.perEvent || fb.bytes < int64(len(path)+len(value)) {
			fb.capped = true
			return false
		}
		fb.bytes -= int64(len(path) + len(value))
		dst = append(dst, Field{Path: path, Value: value, Type: typ, Via: via})
		return true
	}
	walk = func(path string, v []byte, depth int) bool {
		typ := jsonType(v)
		switch typ {
		case "object", "array":
			if depth >= maxFieldDepth {
				return add(path, string(v), typ)
			}
			empty, ok := true, true
			if typ == "object" {
				forMembers(v, func(k, mv []byte) bool {
					empty = false
					p := unquoteKey(k)
					if path != "" {
						p = path + "." + p
					}
					ok = walk(p, mv, depth+1)
					return ok
				})
			} else {
				i := 0
				forElems(v, func(ev []byte) bool {
					empty = false
					ok = walk(path+"["+strconv.Itoa(i)+"]", ev, depth+1)
					i++
					return ok
				})
			}
			if empty && (depth > 0 || path != "") {
				if typ == "object" {
					return add(path, "{}", typ)
				}
				return add(path, "[]", typ)
			}
			return ok
		}
		s, _ := scalar(v)
		if !add(path, s, typ) {
			return false
		}
		if typ == "string" && strings.IndexByte(s, '?') > 0 {
			// A visited URL that carries a search: the term becomes a field
			// of its own, "<path>?<param>", via "url".
			for _, t := range searchTerms(s) {
				saved := via
				via = joinVia(via, "url")
				ok := add(path+"?"+t.Name, t.Value, "string")
				via = saved
				if !ok {
					return false
				}
			}
		}
		if typ == "string" && nest < x.lim.MaxNesting && nestable(s) {
			r := decode.Peel([]byte(s), x.lim.Decode)
			if r.JSON {
				if t, _ := validUTF8(r.Data); len(t) > 2 {
					dst = x.flatten(dst, t, path, joinVia(via, strings.Join(r.Chain, ">")), fb, nest+1)
					return !fb.capped
				}
			}
		}
		return true
	}
	walk(path, v, 0)
	return dst
}

// nestable is a cheap test for a string value that may hold JSON: JSON
// text, or a long run of Base64/hex/percent characters.
func nestable(s string) bool {
	t := strings.TrimSpace(s)
	if len(t) < 2 {
		return false
	}
	if t[0] == '{' || t[0] == '[' {
		return true
	}
	if len(t) < 16 {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '+' || c == '/' || c == '=' || c == '-' || c == '_' || c == '%' || c == '\r' || c == '\n':
		default:
			return false
		}
	}
	return true
}

// searchParams are the query parameters search engines put the search
// terms in (Google, Bing, DuckDuckGo q; Baidu wd and word; Yandex text; and
// the generic names sites use).
var searchParams = map[string]bool{
	"q": true, "wd": true, "word": true, "query": true, "text": true, "keyword": true, "keywords": true,
	"search": true, "search_query": true, "searchword": true, "kw": true,
}

// searchTerms returns the non-blank search parameters of an http(s) URL, in
// order, form-decoded.
func searchTerms(s string) []decode.Field {
	if !isHTTPURL(s) {
		return nil
	}
	_, query, _ := strings.Cut(s, "?")
	query, _, _ = strings.Cut(query, "#")
	var out []decode.Field
	for _, f := range decode.ParseForm([]byte(query)) {
		if searchParams[strings.ToLower(f.Name)] && strings.TrimSpace(f.Value) != "" {
			v, _ := validUTF8([]byte(f.Value))
			out = append(out, decode.Field{Name: f.Name, Value: string(v)})
		}
	}
	return out
}

func joinVia(via, step string) string {
	if via == "" {
		return step
	}
	return via + ">" + step
}
