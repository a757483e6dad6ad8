package extract

import (
	"bytes"
	"strconv"
	"strings"

	"telltale/pipeline/decode"
)

// doc is what a decoded JSON text holds.
type doc struct {
	ok     bool     // an object, or an array with at least one object element
	tops   [][]byte // the root object, or the object elements of a root array
	events [][]byte // the event objects
	signal bool     // an event-ish key, or an "events"/"batch" container
	capped bool     // more than MaxEvents event objects
}

// candidate examines one value and appends a payload when it is telemetry.
func (x *extractor) candidate(p part) {
	x.st.Candidates++
	if len(p.value) < 2 || isJWT(p.value) {
		return
	}
	r := decode.Peel(p.value, x.lim.Decode)
	if r.LimitHit {
		x.st.LimitHits++
	}
	encoded := r.Has(decode.StepBase64) || r.Has(decode.StepGzip) || r.Has(decode.StepZlib) || r.Has(decode.StepZstd)
	sensorsField := (p.loc == LocQuery || p.loc == LocForm || p.loc == LocMultipart) && (p.name == "data" || p.name == "data_list")
	truncated := r.Truncated || p.cut

	var (
		text    []byte
		repairs bool
		d       doc
	)
	if t := bytes.TrimLeft(r.Data, " \t\r\n"); r.JSON || truncated && len(t) > 0 && (t[0] == '[' || t[0] == '{') && !r.LimitHit {
		text, repairs = validUTF8(t)
		d = analyse(text, !r.JSON, x.lim.MaxEvents)
	}
	sensors := sensorsField && (x.markers || anySensorsEvent(d.events))
	undecoded := false
	switch {
	case d.ok && (encoded || d.signal || telemetryName(p.loc, p.name) || sensors):
	case encoded && (r.Truncated || r.LimitHit):
		// Recognised, then cut short: report it, with whatever complete
		// events came before the damage.
	case sensorsField && x.markers:
		// A Sensors data field that does not decode is still evidence.
		undecoded = true
		x.st.DecodeFailures++
	default:
		if encoded {
			x.st.DecodeFailures++
		}
		return
	}

	pl := Payload{
		Location:   p.loc,
		Field:      p.name,
		Chain:      append([]string{locStep(p.loc, p.name)}, r.Chain...),
		EncodedLen: p.encLen,
		JSON:       string(text),
		DecodedLen: len(text),
	}
	encrypted := false
	if sensors {
		pl.SDK = SDKSensors
		pl.CRC = x.crc(p.value, r)
		if pl.CRC == "mismatch" {
			x.st.CRCMismatch++
		}
		gz, _ := x.param("gzip")
		encrypted = gz == "9" || gz == "13" || anyEncrypted(d.tops)
	}
	fb := fieldBudget{perEvent: x.lim.MaxFields, bytes: x.lim.MaxFieldBytes}
	if !encrypted {
		for _, ev := range d.events {
			e := buildEvent(ev, sensors, &fb)
			x.st.Fields += int64(len(e.Fields))
			pl.Events = append(pl.Events, e)
		}
		switch {
		case pl.SDK != "":
		case p.loc == LocCookie && strings.HasPrefix(p.name, "sensorsdata"):
			// The Sensors web SDK keeps its identity state in cookies
			// named sensorsdata2015jssdkcross / sensorsdata2015session.
			pl.SDK = SDKSensors
		case len(pl.Events) > 0:
			pl.SDK = SDKJSONBatch
		}
	}
	if d.capped || fb.capped {
		x.st.LimitHits++
	}
	for _, f := range [...]struct {
		on   bool
		name string
	}{
		{encrypted, "encrypted"},
		{truncated, "truncated"},
		{r.LimitHit, "limit"},
		{r.PlusRepaired, "plus_repaired"},
		{repairs, "utf8_repaired"},
		{undecoded, "undecoded"},
		{d.capped && !encrypted, "events_capped"},
		{fb.capped, "fields_capped"},
	} {
		if f.on {
			pl.Flags = append(pl.Flags, f.name)
		}
	}
	if encrypted {
		x.st.Encrypted++
	}
	if truncated {
		x.st.Truncated++
	}
	x.st.Payloads++
	x.st.Events += int64(len(pl.Events))
	x.out = append(x.out, pl)
}

func locStep(loc, name string) string {
	if loc == LocBody {
		return LocBody
	}
	return loc + ":" + name
}

// analyse finds the event objects of a JSON text. partial means the text may
// be cut short: complete leading array elements (or NDJSON lines) count.
//
//   - An array: each object element is an event.
//   - An object with an "events" or "batch" array holding objects: those.
//   - An object with an event-name key (event, event_type, en, type): the
//     object itself. One with only distinct_id is telemetry (a payload)
//     but names no event, so it yields none.
//   - An object with a "data" or "requests" array holding objects: those
//     (these names are common in plain API calls, so they signal telemetry
//     only when an element has an event-ish key).
//   - Otherwise no events.
func analyse(text []byte, partial bool, maxEvents int) doc {
	var d doc
	if len(text) == 0 {
		return d
	}
	collect := func(v []byte) bool {
		if v[0] != '{' {
			return true
		}
		if len(d.tops) >= maxEvents {
			d.capped = true
			return false
		}
		d.tops = append(d.tops, v)
		return true
	}
	switch text[0] {
	case '[':
		forElems(text, collect)
		d.events = d.tops
	case '{':
		if partial {
			// A cut NDJSON text: the complete lines before the cut.
			for line := range bytes.SplitSeq(text, []byte{'\n'}) {
				line = bytes.TrimSpace(line)
				if len(line) == 0 {
					continue
				}
				if line[0] != '{' {
					break
				}
				if end, ok := scanValue(line, 0, 0); !ok || end != len(line) || !collect(line) {
					break
				}
			}
			d.events = d.tops
			break
		}
		end, ok := scanValue(text, 0, 0)
		if !ok || skipSpace(text, end) != len(text) {
			return d
		}
		obj := text[:end]
		d.tops = [][]byte{obj}
		d.ok = true
		if ev := container(obj, maxEvents, &d, "events", "batch"); ev != nil {
			d.events, d.signal = ev, true
		} else if hasEventName(obj) {
			d.events, d.signal = [][]byte{obj}, true
		} else if isEventish(obj) {
			// A lone object that carries an identity but names no event
			// (the Sensors web SDK's state cookie, a profile record) is
			// telemetry worth a payload row, but not an event.
			d.signal = true
		} else if ev := container(obj, maxEvents, &d, "data", "requests"); ev != nil {
			d.events = ev
		}
	}
	if len(d.tops) > 0 {
		d.ok = true
	}
	for _, e := range d.events {
		if !d.signal && isEventish(e) {
			d.signal = true
		}
	}
	return d
}

// container returns the object elements of the first of names that holds an
// array with at least one object.
func container(obj []byte, maxEvents int, d *doc, names ...string) [][]byte {
	for _, n := range names {
		arr := member(obj, n)
		if len(arr) == 0 || arr[0] != '[' {
			continue
		}
		var out [][]byte
		capped := false
		forElems(arr, func(v []byte) bool {
			if v[0] != '{' {
				return true
			}
			if len(out) >= maxEvents {
				capped = true
				return false
			}
			out = append(out, v)
			return true
		})
		if len(out) > 0 {
			d.capped = d.capped || capped
			return out
		}
	}
	return nil
}

// anySensorsEvent: an event with distinct_id and event or type, the Sensors
// event shape.
func anySensorsEvent(events [][]byte) bool {
	for _, e := range events {
		t := readTop(e)
		if t.distinct != nil && (t.event != nil || t.typ != nil) {
			return true
		}
	}
	return false
}

// anyEncrypted recognises the Sensors encrypted envelopes: event-level
// {"ekey","pkv","payloads"}, transport-level {"payloads","flush_time"} and
// the web AES plugin's {"key_id","key_hash","payload"}.
func anyEncrypted(tops [][]byte) bool {
	for _, o := range tops {
		has := func(k string) bool { return member(o, k) != nil }
		if has("ekey") && has("payloads") || has("payloads") && has("flush_time") || has("key_id") && has("payload") {
			return true
		}
	}
	return false
}

// crc checks a Sensors crc (see crcParam) against
// the Java hash of the text it covers: the Base64 text (with '+' repaired) or,
// for unencoded data, the decoded value. A text the sender wrapped with line
// breaks is also tried without them.
func (x *extractor) crc(value []byte, r decode.Result) string {
	s, ok := x.crcParam()
	if !ok {
		return ""
	}
	want, err := strconv.ParseInt(string(bytes.TrimSpace([]byte(s))), 10, 32)
	if err != nil {
		return "mismatch"
	}
	text := r.Unescaped
	if text == nil {
		text = value
	}
	if int64(decode.JavaStringHash(string(text))) == want {
		return "ok"
	}
	if stripped := bytes.Join(bytes.Fields(text), nil); len(stripped) != len(text) && int64(decode.JavaStringHash(string(stripped))) == want {
		return "ok"
	}
	return "mismatch"
}
