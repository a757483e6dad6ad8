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
	env    []byte   // the root object when the events came from an array inside it
	envKey string   // the member of env that held them
	signal bool     // an event-ish key, or an "events"/"batch" container
	capped bool     // more than MaxEvents event objects
}

// claims reports whether the request's profile names p as its payload.
func (x *extractor) claims(p part) *compiled {
	m := x.matched
	if m == nil || m.Form == FormParams {
		return nil
	}
	for _, f := range m.Fields {
		switch {
		case f == "" && p.loc == LocBody:
			return m
		case f != "" && f == p.name && (p.loc == LocQuery || p.loc == LocForm || p.loc == LocMultipart):
			return m
		}
	}
	return nil
}

// candidate examines one value and appends a payload when it is telemetry.
func (x *extractor) candidate(p part) {
	x.st.Candidates++
	if len(p.value) < 2 || isJWT(p.value) {
		return
	}
	prof := x.claims(p)
	r := decode.Peel(p.value, x.lim.Decode)
	if r.LimitHit {
		x.st.LimitHits++
	}
	encoded := r.Encoded()
	truncated := r.Truncated || p.cut

	var (
		text    []byte
		repairs bool
		d       doc
	)
	if t := bytes.TrimLeft(r.Data, " \t\r\n"); r.JSON || truncated && len(t) > 0 && (t[0] == '[' || t[0] == '{') && !r.LimitHit {
		text, repairs = validUTF8(t)
		var containers []string
		if prof != nil {
			containers = prof.Events
		}
		d = analyse(text, !r.JSON, x.lim.MaxEvents, containers)
	}
	if prof != nil && prof.Form == FormOpaque {
		if !d.ok {
			x.opaque(p, prof, &r)
			return
		}
	}
	if prof == nil && p.loc == LocBody && !d.ok && len(p.value) >= minOpaqueLen {
		if ev := x.vendorHeaders(nil); len(ev) > 0 && opaqueType(x.req.ContentType) && decode.Entropy(p.value) >= minOpaqueEntropy {
			x.opaque(p, nil, &r)
			return
		}
	}
	undecoded := false
	switch {
	case d.ok && p.loc == LocResponse:
		// Configs and ids handed to the device; an ordinary API answer
		// (or a collector's {"code":0}) is not telemetry.
		if !encoded && !x.hasIdentifier(&d) {
			return
		}
	case d.ok && (prof != nil || encoded || d.signal || telemetryName(p.loc, p.name)):
	case encoded && (r.Truncated || r.LimitHit):
		// Recognised, then cut short: report it, with whatever complete
		// events came before the damage.
	case prof != nil && p.loc != LocResponse:
		// A field the SDK puts its payload in that does not decode is
		// still evidence (an undecodable /sa upload).
		undecoded = true
		x.st.DecodeFailures++
	default:
		if encoded {
			x.st.DecodeFailures++
		}
		return
	}
	if prof == nil && p.loc != LocResponse {
		prof = x.bySignature(d.events)
	}

	pl := Payload{
		Location:   p.loc,
		Field:      p.name,
		Chain:      chainOf(p, &r),
		EncodedLen: p.encLen,
		JSON:       string(text),
		DecodedLen: len(text),
		Limit:      r.Limit,
		Layers:     layers(p, &r),
	}
	cols := genericColumns
	var ids map[string]string
	if prof != nil {
		pl.SDK = prof.Name
		cols, ids = prof.Columns, prof.IDKinds
		if prof.CRC == "java_string_hash" {
			if sent, ok := x.crcParam(); ok {
				pl.CRC, pl.CRCChecked = sent, true
				pl.CRCOK = x.crcMatches(sent, p.value, &r)
				if !pl.CRCOK {
					x.st.CRCMismatch++
				}
			}
		}
		pl.Encrypted = x.holdsAny(prof.encrypted) || anyEncrypted(d.tops)
	} else if anyEncrypted(d.tops) && (p.name == "data" || p.name == "data_list") {
		pl.Encrypted = true
	}
	if pl.Encrypted {
		pl.Entropy = decode.Entropy(r.Data)
	}
	fb := fieldBudget{perEvent: x.lim.MaxFields, bytes: x.lim.MaxFieldBytes}
	if !pl.Encrypted {
		events := d.events
		if len(events) == 0 && prof != nil && d.ok && len(d.tops) == 1 && d.tops[0][0] == '{' && !truncated {
			// A profile's payload that is a single object is one event
			// even when it names none (an AppsFlyer launch).
			events = d.tops
		}
		if len(events) == 0 && p.loc == LocResponse && d.ok {
			events = d.tops
		}
		for _, ev := range events {
			e := x.buildEvent(ev, d.env, d.envKey, cols, ids, &fb)
			if p.loc == LocResponse && e.Type == "" {
				e.Type = "response"
			}
			x.st.Fields += int64(len(e.Fields))
			pl.Events = append(pl.Events, e)
		}
		switch {
		case pl.SDK != "":
		case p.loc == LocResponse && x.matched != nil:
			// The collector's answer: its SDK, read with generic keys.
			pl.SDK = x.matched.Name
		case p.loc == LocCookie && strings.HasPrefix(p.name, "sensorsdata"):
			// The Sensors web SDK keeps its identity state in cookies
			// named sensorsdata2015jssdkcross / sensorsdata2015session.
			pl.SDK = SDKSensors
		default:
			pl.SDK = SDKGeneric
		}
	}
	if d.capped || fb.capped {
		x.st.LimitHits++
	}
	x.finish(&pl, truncated, r.LimitHit, r.PlusRepaired, repairs, undecoded, d.capped && !pl.Encrypted, fb.capped)
}

// finish sets the flags, counts and appends pl.
func (x *extractor) finish(pl *Payload, truncated, limit, plus, utf8Repaired, undecoded, eventsCapped, fieldsCapped bool) {
	for _, f := range [...]struct {
		on   bool
		name string
	}{
		{pl.Encrypted, "encrypted"},
		{truncated, "truncated"},
		{limit, "limit"},
		{plus, "plus_repaired"},
		{utf8Repaired, "utf8_repaired"},
		{undecoded, "undecoded"},
		{eventsCapped, "events_capped"},
		{fieldsCapped, "fields_capped"},
	} {
		if f.on {
			pl.Flags = append(pl.Flags, f.name)
		}
	}
	if pl.Encrypted {
		x.st.Encrypted++
	}
	if truncated {
		x.st.Truncated++
	}
	x.st.Payloads++
	x.st.Events += int64(len(pl.Events))
	x.out = append(x.out, *pl)
}

// Opaque bodies without a profile: at least this long and this random, and
// sent with vendor headers, to be reported.
const (
	minOpaqueLen     = 64
	minOpaqueEntropy = 7.0
)

// opaqueType: media types under which encrypted or binary telemetry travels.
func opaqueType(ct string) bool {
	mt, _, _ := strings.Cut(strings.ToLower(ct), ";")
	switch strings.TrimSpace(mt) {
	case "", "application/octet-stream", "application/x-protobuf", "application/protobuf", "binary/octet-stream":
		return true
	}
	return false
}

// opaque appends a payload row for an encrypted or binary body: size,
// entropy of the innermost bytes reached, and the headers that told.
func (x *extractor) opaque(p part, prof *compiled, r *decode.Result) {
	pl := Payload{
		Location:   p.loc,
		Field:      p.name,
		Chain:      chainOf(p, r),
		SDK:        SDKOpaque,
		EncodedLen: p.encLen,
		DecodedLen: len(r.Data),
		Encrypted:  true,
		Entropy:    decode.Entropy(r.Data),
		Limit:      r.Limit,
		Layers:     layers(p, r),
	}
	if prof != nil {
		pl.SDK = prof.Name
	}
	pl.Evidence = x.vendorHeaders(prof)
	x.finish(&pl, r.Truncated || p.cut, r.LimitHit, false, false, false, false, false)
}

// vendorHeaders lists the request headers that name or describe an SDK:
// those the profile lists, or, without a profile, the non-standard ones.
func (x *extractor) vendorHeaders(prof *compiled) []Header {
	var out []Header
	for _, h := range x.req.Headers {
		n := strings.ToLower(h.Name)
		keep := false
		if prof != nil {
			for _, e := range prof.Evidence {
				if strings.HasPrefix(n, strings.ToLower(e)) {
					keep = true
					break
				}
			}
		} else {
			keep = !standardHeader(n)
		}
		if keep {
			out = append(out, h)
		}
	}
	return out
}

// standardHeader: request headers any HTTP client sends (plumbing or
// credentials), which say nothing about an SDK and hold no telemetry.
func standardHeader(n string) bool {
	switch n {
	case "host", "content-length", "content-type", "content-encoding", "transfer-encoding",
		"connection", "keep-alive", "accept", "accept-encoding", "accept-language", "accept-charset",
		"user-agent", "referer", "origin", "authorization", "proxy-authorization", "expect", "te",
		"upgrade", "cache-control", "pragma", "if-none-match", "if-modified-since", "range", "date",
		"cookie", "x-requested-with", "x-forwarded-for", "x-real-ip", "dnt", "upgrade-insecure-requests":
		return true
	}
	return strings.HasPrefix(n, "sec-")
}

// bySignature finds the profile whose content signature the events match.
func (x *extractor) bySignature(events [][]byte) *compiled {
	if len(events) == 0 {
		return nil
	}
	for i := range x.profiles {
		c := &x.profiles[i]
		if len(c.keys) == 0 || c.Form != "" && c.Form != FormJSON {
			continue
		}
		all := true
		for _, g := range c.keys {
			one := false
			for _, k := range g {
				if lookup(events[0], nil, k) != nil {
					one = true
					break
				}
			}
			if !one {
				all = false
				break
			}
		}
		if all {
			return c
		}
	}
	return nil
}

// hasIdentifier reports whether a response document holds a value tagged
// as a device or person identifier (URLs and search terms do not count).
func (x *extractor) hasIdentifier(d *doc) bool {
	fb := fieldBudget{perEvent: x.lim.MaxFields, bytes: x.lim.MaxFieldBytes}
	for _, top := range d.tops {
		for _, f := range x.flatten(nil, top, "", "", &fb, 0) {
			switch IDKind(f.Path, f.Value, f.Type) {
			case "", KindURL, KindSearchQuery:
			default:
				return true
			}
		}
	}
	return false
}

// chainOf is the location step, "percent" when form decoding (of a query
// or form field) changed the value, then the peel's steps.
func chainOf(p part, r *decode.Result) []string {
	c := make([]string, 0, len(r.Chain)+2)
	c = append(c, locStep(p.loc, p.name))
	if p.raw != nil {
		c = append(c, decode.StepPercent)
	}
	return append(c, r.Chain...)
}

// layers lists the value and the output of each decode step.
func layers(p part, r *decode.Result) []Layer {
	ls := make([]Layer, 0, len(r.Chain)+2)
	if p.raw != nil {
		ls = append(ls, Layer{Step: locStep(p.loc, p.name), Data: p.raw}, Layer{Step: decode.StepPercent, Data: p.value})
	} else {
		ls = append(ls, Layer{Step: locStep(p.loc, p.name), Data: p.value})
	}
	for i, step := range r.Chain {
		if i < len(r.Layers) {
			ls = append(ls, Layer{Step: step, Data: r.Layers[i]})
		}
	}
	return ls
}

func locStep(loc, name string) string {
	if loc == LocBody || loc == LocResponse {
		return loc
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
func analyse(text []byte, partial bool, maxEvents int, containers []string) doc {
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
		if len(containers) == 0 {
			containers = []string{"events", "batch"}
		}
		if ev, key := container(obj, maxEvents, &d, containers...); ev != nil {
			d.events, d.signal, d.env, d.envKey = ev, true, obj, key
		} else if hasEventName(obj) {
			d.events, d.signal = [][]byte{obj}, true
		} else if isEventish(obj) {
			// A lone object that carries an identity but names no event
			// (the Sensors web SDK's state cookie, a profile record) is
			// telemetry worth a payload row, but not an event.
			d.signal = true
		} else if ev, key := container(obj, maxEvents, &d, "data", "requests"); ev != nil {
			d.events, d.env, d.envKey = ev, obj, key
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
func container(obj []byte, maxEvents int, d *doc, names ...string) ([][]byte, string) {
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
			return out, n
		}
	}
	return nil, ""
}

// anyEncrypted recognises the Sensors encrypted envelopes: event-level
// {"ekey","pkv","payloads"}, transport-level {"payloads","flush_time"} and
// the web AES plugin's {"key_id","key_hash","payload"}.
func anyEncrypted(tops [][]byte) bool {
	// An encrypted upload is all envelopes: its first element tells, and a
	// batch of thousands of plain events is not scanned member by member.
	if len(tops) == 0 {
		return false
	}
	var ekey, payloads, flush, keyID, payload bool
	forMembers(tops[0], func(k, _ []byte) bool {
		switch unquoteKey(k) {
		case "ekey":
			ekey = true
		case "payloads":
			payloads = true
		case "flush_time":
			flush = true
		case "key_id":
			keyID = true
		case "payload":
			payload = true
		}
		return true
	})
	return ekey && payloads || payloads && flush || keyID && payload
}

// crcMatches checks a Sensors crc (see crcParam) against the Java hash of
// the text it covers: the Base64 text (with '+' repaired) or, for unencoded
// data, the decoded value. A text the sender wrapped with line breaks is also
// tried without them.
func (x *extractor) crcMatches(sent string, value []byte, r *decode.Result) bool {
	want, err := strconv.ParseInt(strings.TrimSpace(sent), 10, 32)
	if err != nil {
		return false
	}
	text := r.Unescaped
	if text == nil {
		text = value
	}
	if int64(decode.JavaStringHash(string(text))) == want {
		return true
	}
	if stripped := bytes.Join(bytes.Fields(text), nil); len(stripped) != len(text) && int64(decode.JavaStringHash(string(stripped))) == want {
		return true
	}
	return false
}
