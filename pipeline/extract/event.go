package extract

import (
	"math"
	"strconv"
	"strings"
)

// Event is one analytics event found in a payload.
type Event struct {
	// Name: Sensors "event", or "type" when there is no "event" (profile_set
	// and friends); otherwise the first of "event", "event_type", "name",
	// "en", "type" that holds a scalar.
	Name string
	// Type: Sensors "type" (track, profile_set, ...); "" for other SDKs.
	Type string
	// Top-level "distinct_id", "login_id", "anonymous_id", "user_id":
	// strings unquoted, numbers as their JSON text.
	DistinctID, LoginID, AnonymousID, UserID string
	// TimeMillis is the top-level "time" in ms since the epoch; see eventTime
	// for the accepted units. HasTime is false when there is no usable time.
	TimeMillis int64
	HasTime    bool
	// TrackID is Sensors "_track_id" as its JSON text.
	TrackID string
	// Properties is the JSON text of the "properties" object as it was
	// decoded. Without a "properties" object it is the event object minus
	// the keys that have columns of their own (the name key, "type", the four
	// ids, "time", "_track_id"), members otherwise verbatim and in order.
	Properties string
	// Fields are the event's leaves, in document order.
	Fields []Field
}

// Field is one leaf of an event object.
type Field struct {
	// Path joins object keys with '.' and array indexes as "[i]":
	// "properties.$url", "lib.$lib", "items[0].id". Keys are used verbatim,
	// so a key that itself contains '.' makes the path ambiguous; the JSON
	// text stays the authority.
	Path string
	// Value: strings unquoted; numbers exactly as written; "true"/"false";
	// "" for null; "{}" / "[]" for empty containers; the raw JSON text of a
	// container deeper than maxFieldDepth.
	Value string
	// Type: "string", "number", "bool", "null", "object" or "array".
	Type string
}

// maxFieldDepth bounds how deep fields are flattened; a deeper container
// becomes one field holding its JSON text.
const maxFieldDepth = 32

// eventNameKeys are tried in order for non-Sensors events.
var eventNameKeys = [...]string{"event", "event_type", "name", "en", "type"}

// eventishKeys mark an object as an event rather than API data.
var eventishKeys = [...]string{"event", "event_type", "en", "type", "distinct_id"}

// top collects the first occurrence of the keys that become Event columns.
type top struct {
	event, eventType, name, en, typ       []byte
	distinct, login, anon, user, time, tr []byte
	properties                            []byte
}

func readTop(obj []byte) top {
	var t top
	set := func(dst *[]byte, v []byte) {
		if *dst == nil {
			*dst = v
		}
	}
	forMembers(obj, func(k, v []byte) bool {
		switch unquoteKey(k) {
		case "event":
			set(&t.event, v)
		case "event_type":
			set(&t.eventType, v)
		case "name":
			set(&t.name, v)
		case "en":
			set(&t.en, v)
		case "type":
			set(&t.typ, v)
		case "distinct_id":
			set(&t.distinct, v)
		case "login_id":
			set(&t.login, v)
		case "anonymous_id":
			set(&t.anon, v)
		case "user_id":
			set(&t.user, v)
		case "time":
			set(&t.time, v)
		case "_track_id":
			set(&t.tr, v)
		case "properties":
			set(&t.properties, v)
		}
		return true
	})
	return t
}

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

// buildEvent turns one event object into an Event.
func buildEvent(obj []byte, sensors bool, fb *fieldBudget) Event {
	t := readTop(obj)
	var e Event
	nameKey := ""
	if sensors {
		if s, ok := scalar(t.event); ok && t.event != nil && s != "" {
			e.Name, nameKey = s, "event"
		} else if s, ok := scalar(t.typ); ok && t.typ != nil {
			e.Name, nameKey = s, "type"
		}
		e.Type, _ = scalar(t.typ)
	} else {
		for i, v := range [...][]byte{t.event, t.eventType, t.name, t.en, t.typ} {
			if s, ok := scalar(v); ok && v != nil {
				e.Name, nameKey = s, eventNameKeys[i]
				break
			}
		}
	}
	e.DistinctID, _ = scalar(t.distinct)
	e.LoginID, _ = scalar(t.login)
	e.AnonymousID, _ = scalar(t.anon)
	e.UserID, _ = scalar(t.user)
	e.TrackID, _ = scalar(t.tr)
	e.TimeMillis, e.HasTime = eventTime(t.time)
	if len(t.properties) > 0 && t.properties[0] == '{' {
		e.Properties = string(t.properties)
	} else {
		e.Properties = withoutColumns(obj, nameKey)
	}
	e.Fields = flatten(nil, obj, fb)
	return e
}

// withoutColumns re-assembles obj without the members that have Event
// columns. Keys and values are copied as written; only whitespace between
// members is lost.
func withoutColumns(obj []byte, nameKey string) string {
	var sb strings.Builder
	sb.WriteByte('{')
	n := 0
	forMembers(obj, func(k, v []byte) bool {
		switch unquoteKey(k) {
		case nameKey, "type", "distinct_id", "login_id", "anonymous_id", "user_id", "time", "_track_id":
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

// flatten appends one Field per leaf of the object or array obj.
func flatten(dst []Field, obj []byte, fb *fieldBudget) []Field {
	var walk func(path string, v []byte, depth int) bool
	add := func(path, value, typ string) bool {
		if len(dst) >= fb.perEvent || fb.bytes < int64(len(path)+len(value)) {
			fb.capped = true
			return false
		}
		fb.bytes -= int64(len(path) + len(value))
		dst = append(dst, Field{Path: path, Value: value, Type: typ})
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
			if empty && depth > 0 {
				if typ == "object" {
					return add(path, "{}", typ)
				}
				return add(path, "[]", typ)
			}
			return ok
		}
		s, _ := scalar(v)
		return add(path, s, typ)
	}
	walk("", obj, 0)
	return dst
}
