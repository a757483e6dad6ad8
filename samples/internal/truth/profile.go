package truth

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"telltale/samples/internal/sensors"
)

// EventIn is what a generator knows about one event of an SDK profile.
type EventIn struct {
	ClientPort, RequestIndex int
	Field, Location, SDK     string
	EventIndex               int
	Object, Envelope         sensors.Object
	Nested                   []Nested
	// PathSegment is the last segment of the request path: Adjust names its
	// events by it (session, event, sdk_click).
	PathSegment string
}

// NewEvent is the truth entry for one event of an SDK profile: the summary
// columns are read from the object (and envelope) by Summarize, so they
// cannot disagree with it. Repeat is left false; MarkRepeats sets it once
// every event is known.
func NewEvent(in EventIn) Event {
	s := Summarize(in.SDK, in.Object, in.Envelope, in.PathSegment)
	return Event{
		ClientPort: in.ClientPort, RequestIndex: in.RequestIndex, Field: in.Field, EventIndex: in.EventIndex,
		Event: s.Event, Type: s.Type, DistinctID: s.DistinctID, TimeMs: s.TimeMs,
		FlushTimeMs: num(in.Object, "_flush_time"), Object: in.Object,
		SDK: in.SDK, Location: in.Location, LoginID: s.LoginID, AnonymousID: s.AnonymousID,
		UserID: s.UserID, DeviceID: s.DeviceID, Envelope: in.Envelope, Nested: in.Nested,
	}
}

// Summary holds the events-table columns of one event.
type Summary struct {
	Event, Type, DistinctID, LoginID, AnonymousID, UserID, DeviceID string
	TimeMs                                                          int64
}

// Summarize applies the issue-5 contract's per-profile column rules ("first
// key present wins"; "envelope.x" names a member of env). Times become Unix
// milliseconds: Mixpanel seconds (integer or decimal) are scaled, Firebase
// microseconds truncated, ISO 8601 (Segment) and Adjust's created_at
// parsed. AppsFlyer's time is af_timestamp (ms as a string): the contract's
// "timestamp|date1" names no key the SDK sends.
func Summarize(sdk string, obj, env sensors.Object, pathSegment string) Summary {
	get := func(paths ...string) any {
		for _, p := range paths {
			src, rest := obj, p
			if r, ok := strings.CutPrefix(p, "envelope."); ok {
				src, rest = env, r
			}
			if v, ok := lookup(src, rest); ok {
				return v
			}
		}
		return nil
	}
	str := func(paths ...string) string { return text(get(paths...)) }
	var s Summary
	switch sdk {
	case "sensors_analytics":
		s = Summary{Event: str("event", "type"), Type: str("type"), DistinctID: str("distinct_id"),
			LoginID: str("login_id"), AnonymousID: str("anonymous_id"), UserID: str("user_id"),
			DeviceID: str("properties.$device_id"), TimeMs: millis(get("time"), 1)}
	case "mixpanel":
		s = Summary{Event: str("event"), DistinctID: str("properties.distinct_id"),
			UserID: str("properties.$user_id"), DeviceID: str("properties.$device_id"),
			TimeMs: millis(get("properties.time"), 0)}
	case "ga4":
		s = Summary{Event: str("en"), DistinctID: str("cid"), UserID: str("uid")}
	case "firebase_mp":
		s = Summary{Event: str("name"), DistinctID: str("envelope.client_id", "envelope.app_instance_id"),
			UserID: str("envelope.user_id"), TimeMs: millis(get("envelope.timestamp_micros"), 1e-3)}
	case "universal_analytics":
		s = Summary{Event: str("t"), DistinctID: str("cid"), UserID: str("uid")}
	case "segment":
		s = Summary{Event: str("event", "type"), AnonymousID: str("anonymousId"), DistinctID: str("anonymousId"),
			UserID: str("userId"), TimeMs: millis(get("timestamp"), 1)}
	case "amplitude":
		s = Summary{Event: str("event_type"), UserID: str("user_id"), DeviceID: str("device_id"),
			DistinctID: str("device_id"), TimeMs: millis(get("time"), 1)}
	case "adjust":
		s = Summary{Event: pathSegment, DistinctID: str("android_uuid"), DeviceID: str("gps_adid"),
			TimeMs: millis(get("created_at"), 1)}
	case "appsflyer":
		s = Summary{Event: str("eventName"), DistinctID: str("uid"), DeviceID: str("advertiserId"),
			TimeMs: millis(get("af_timestamp"), 1)}
	case "generic_json":
		s = Summary{Event: str("event", "event_type", "name", "en", "type"), DistinctID: str("distinct_id"),
			LoginID: str("login_id"), AnonymousID: str("anonymous_id"), UserID: str("user_id"),
			DeviceID: str("device_id"), TimeMs: millis(get("time"), 1)}
	default:
		panic("truth: no profile " + strconv.Quote(sdk))
	}
	return s
}

// lookup follows a dotted path through nested objects.
func lookup(o sensors.Object, path string) (any, bool) {
	var v any = o
	for _, k := range strings.Split(path, ".") {
		obj, ok := v.(sensors.Object)
		if !ok {
			return nil, false
		}
		if v, ok = obj.Get(k); !ok {
			return nil, false
		}
	}
	return v, true
}

// text is a value as the events table shows it in a string column.
func text(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case int:
		return strconv.Itoa(v)
	case int32:
		return strconv.FormatInt(int64(v), 10)
	case int64:
		return strconv.FormatInt(v, 10)
	case json.Number:
		return v.String()
	}
	return ""
}

// millis converts a time value to Unix milliseconds. scale is what one unit
// of a number is worth in ms (1 for ms, 1e-3 for µs); 0 means "seconds or
// milliseconds, whichever the magnitude says" (Mixpanel).
func millis(v any, scale float64) int64 {
	var n int64
	var frac string // decimal digits after the point, for json.Number seconds
	switch v := v.(type) {
	case int:
		n = int64(v)
	case int32:
		n = int64(v)
	case int64:
		n = v
	case json.Number:
		whole, f, _ := strings.Cut(v.String(), ".")
		n, _ = strconv.ParseInt(whole, 10, 64)
		frac = f
	case string:
		if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
			n = ms
			break
		}
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.000Z-0700"} {
			if t, err := time.Parse(layout, v); err == nil {
				return t.UnixMilli()
			}
		}
		return 0
	default:
		return 0
	}
	switch {
	case scale == 0 && n < 1e11: // seconds
		ms := n * 1000
		frac = (frac + "000")[:3]
		f, _ := strconv.ParseInt(frac, 10, 64)
		return ms + f
	case scale == 0 || scale == 1:
		return n
	default:
		return n / int64(1/scale)
	}
}

func num(o sensors.Object, k string) int64 {
	v, _ := o.Get(k)
	n, _ := v.(int64)
	return n
}

// MarkRepeats sets Repeat on every event that has a _track_id and that an
// earlier event of the list matches in sdk, distinct_id, _track_id, event
// and time: the contract's definition of an SDK re-sending what it already
// sent (Sensors keeps events after a failed upload and flushes them again).
func MarkRepeats(events []Event) {
	seen := map[string]bool{}
	for i := range events {
		e := &events[i]
		tid, ok := e.Object.Get("_track_id")
		if !ok || e.SDK == "" {
			continue
		}
		key := strings.Join([]string{e.SDK, e.DistinctID, text(tid), e.Event, strconv.FormatInt(e.TimeMs, 10)}, "\x00")
		e.Repeat = seen[key]
		seen[key] = true
	}
}
