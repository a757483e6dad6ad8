package truth

import (
	"sort"
	"strconv"
	"strings"

	"telltale/samples/internal/sensors"
)

// IdentifierSpec names a value to look for in the events.
type IdentifierSpec struct {
	Kind, Value string
}

// FindIdentifiers walks every event object and reports, for each spec, how
// many events carry the value and at which paths; values no event carries
// are left out. A string matches when it
// contains the value; an integer matches when its decimal text equals it.
// The result follows the order of specs; paths are sorted.
//
// An event's envelope and nested JSON belong to it as the fields table
// shows them: envelope members under "envelope.", a nested object under
// "<path>." (its string leaf itself is walked as part of the object).
func FindIdentifiers(events []Event, specs []IdentifierSpec) []Identifier {
	return FindIdentifiersIn(events, nil, specs)
}

// FindIdentifiersIn is FindIdentifiers that also walks the response
// documents among payloads (Location "response": a collector's answer
// handing the device an id). Each document counts as one event, as it is
// one (payload, event) unit in the fields table; its members are reported
// under "response.". Other payload objects (identity cookies) are not
// walked: their values are the events' own.
func FindIdentifiersIn(events []Event, payloads []Payload, specs []IdentifierSpec) []Identifier {
	var docs []any
	for _, p := range payloads {
		if p.Location == "response" && p.Object != nil {
			docs = append(docs, p.Object)
		}
	}
	out := make([]Identifier, 0, len(specs))
	for _, sp := range specs {
		id := Identifier{Kind: sp.Kind, Value: sp.Value, Paths: []string{}}
		seen := map[string]bool{}
		for _, ev := range events {
			var hit bool
			match := func(path string, v any) {
				if p := matchPath(sp.Value, path, v); p != "" {
					hit = true
					seen[p] = true
				}
			}
			walk(ev.Object, "", match)
			if len(ev.Envelope) > 0 {
				walk(ev.Envelope, "envelope", match)
			}
			for _, n := range ev.Nested {
				walk(n.Object, n.Path, match)
			}
			if hit {
				id.Events++
			}
		}
		for _, d := range docs {
			var hit bool
			walk(d, "response", func(path string, v any) {
				if p := matchPath(sp.Value, path, v); p != "" {
					hit = true
					seen[p] = true
				}
			})
			if hit {
				id.Events++
			}
		}
		for p := range seen {
			id.Paths = append(id.Paths, p)
		}
		if id.Events == 0 {
			continue // report only values the telemetry carries
		}
		sort.Strings(id.Paths)
		out = append(out, id)
	}
	return out
}

// matchPath is the path to report when the leaf v at path carries value,
// "" when it does not.
func matchPath(value, path string, v any) string {
	switch v := v.(type) {
	case string:
		if strings.Contains(v, value) {
			return path
		}
	case int64:
		if strconv.FormatInt(v, 10) == value {
			return path + " (number)"
		}
	case int:
		if strconv.Itoa(v) == value {
			return path + " (number)"
		}
	}
	return ""
}

func walk(v any, path string, fn func(string, any)) {
	switch v := v.(type) {
	case sensors.Object:
		for _, m := range v {
			p := m.Key
			if path != "" {
				p = path + "." + m.Key
			}
			walk(m.Value, p, fn)
		}
	case []any:
		for i, e := range v {
			walk(e, path+"["+strconv.Itoa(i)+"]", fn)
		}
	default:
		fn(path, v)
	}
}
