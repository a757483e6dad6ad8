package main

import (
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// sdk-zoo is read back by TestRoundTrip (framing, checksums, reassembly,
// net/http) with zooChecker doing the payload side: it decodes every
// payload with the standard library alone, following the truth's location
// and chain, and compares payloads, events (member order included),
// envelopes, nested JSON and the summary columns with the truth; it
// searches every request and every layer decoded from it for the known
// values in every disguise and compares what it finds with the truth's
// leaks; and it checks that every piece of noise is what its class says.
// Nothing here calls the generator's encoders or its disguise code.

// ordered JSON: objects keep member order (and duplicates).
type kv struct {
	k string
	v any
}
type ordObj []kv

func (o ordObj) get(path string) (any, bool) {
	var v any = o
	for _, k := range strings.Split(path, ".") {
		obj, ok := v.(ordObj)
		if !ok {
			return nil, false
		}
		found := false
		for _, m := range obj {
			if m.k == k {
				v, found = m.v, true
				break
			}
		}
		if !found {
			return nil, false
		}
	}
	return v, true
}

// parseOrdered parses one JSON value; numbers stay json.Number.
func parseOrdered(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var value func() (any, error)
	value = func() (any, error) {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		d, ok := tok.(json.Delim)
		if !ok {
			return tok, nil
		}
		switch d {
		case '{':
			o := ordObj{}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := value()
				if err != nil {
					return nil, err
				}
				o = append(o, kv{k.(string), v})
			}
			_, err = dec.Token()
			return o, err
		case '[':
			a := []any{}
			for dec.More() {
				v, err := value()
				if err != nil {
					return nil, err
				}
				a = append(a, v)
			}
			_, err = dec.Token()
			return a, err
		}
		return nil, fmt.Errorf("unexpected %v", d)
	}
	v, err := value()
	if err == nil && dec.More() {
		err = errors.New("trailing data")
	}
	return v, err
}

func mustOrdered(t *testing.T, b []byte) any {
	t.Helper()
	v, err := parseOrdered(b)
	if err != nil {
		t.Fatalf("json %v in %.120q", err, b)
	}
	return v
}

// zooTruth is the truth file as this test reads it.
type zooTruth struct {
	Counts map[string]int `json:"counts"`
	HTTP   []struct {
		ClientPort   int  `json:"client_port"`
		RequestIndex int  `json:"request_index"`
		Telemetry    bool `json:"telemetry"`
	} `json:"http"`
	Payloads []struct {
		ClientPort   int             `json:"client_port"`
		RequestIndex int             `json:"request_index"`
		SDK          string          `json:"sdk"`
		Location     string          `json:"location"`
		Field        string          `json:"field"`
		Chain        string          `json:"chain"`
		Encrypted    bool            `json:"encrypted"`
		Gzip         string          `json:"gzip"`
		CRC          *int32          `json:"crc"`
		CRCOK        *bool           `json:"crc_ok"`
		Base64       string          `json:"base64"`
		Events       int             `json:"events"`
		Object       json.RawMessage `json:"object"`
	} `json:"payloads"`
	Events []struct {
		ClientPort   int             `json:"client_port"`
		RequestIndex int             `json:"request_index"`
		Field        string          `json:"field"`
		EventIndex   int             `json:"event_index"`
		Event        string          `json:"event"`
		Type         string          `json:"type"`
		DistinctID   string          `json:"distinct_id"`
		TimeMs       int64           `json:"time_ms"`
		SDK          string          `json:"sdk"`
		Location     string          `json:"location"`
		LoginID      string          `json:"login_id"`
		AnonymousID  string          `json:"anonymous_id"`
		UserID       string          `json:"user_id"`
		DeviceID     string          `json:"device_id"`
		Repeat       bool            `json:"repeat"`
		Object       json.RawMessage `json:"object"`
		Envelope     json.RawMessage `json:"envelope"`
		Nested       []struct {
			Path   string          `json:"path"`
			Chain  string          `json:"chain"`
			Object json.RawMessage `json:"object"`
		} `json:"nested"`
	} `json:"events"`
	Opaque []zooOpaque `json:"opaque"`
	Leaks  []struct {
		ClientPort   int    `json:"client_port"`
		RequestIndex int    `json:"request_index"`
		Kind         string `json:"kind"`
		Disguise     string `json:"disguise"`
	} `json:"leaks"`
	Noise []struct {
		ClientPort   int    `json:"client_port"`
		RequestIndex int    `json:"request_index"`
		What         string `json:"what"`
	} `json:"noise"`
}

type zooOpaque struct {
	ClientPort   int    `json:"client_port"`
	RequestIndex int    `json:"request_index"`
	SDK          string `json:"sdk"`
	Location     string `json:"location"`
	Field        string `json:"field"`
	EncodedLen   int    `json:"encoded_len"`
}

type zooKey struct{ port, idx int }

// zooChecker reads back the samples built with SDK profiles: sdk-zoo and
// household (which has no known values, no repeats and none of the special
// encodings; its checks are the same otherwise).
type zooChecker struct {
	td        zooTruth
	repeats0  int      // the repeated Sensors events the scenario must have
	specials  []string // the encodings that must occur
	known     map[string]string
	payloads  int                 // truth payloads decoded
	events    int                 // truth events matched
	noise     int                 // noise entries checked
	found     map[zooKey][]string // leaks found: "kind/disguise", sorted
	seenTrack map[string]bool     // Sensors repeat keys
	repeats   int                 // events found to be repeats
	special   map[string]bool     // encodings that must occur: crlf, plus-repair, chunked
}

// newZooChecker reads sample s's truth. The known values come from the
// known-values file the sample ships, if any.
func newZooChecker(t *testing.T, s *Sample, truthJSON []byte) *zooChecker {
	zc := &zooChecker{known: map[string]string{}, found: map[zooKey][]string{},
		seenTrack: map[string]bool{}, special: map[string]bool{}}
	if err := json.Unmarshal(truthJSON, &zc.td); err != nil {
		t.Fatal(err)
	}
	for _, f := range s.Files {
		if strings.HasSuffix(f.Path, ".known.yaml") {
			zc.known = parseKnownYAML(t, f.Data)
		}
	}
	switch s.Name {
	case zooName:
		if len(zc.known) != 7 {
			t.Fatalf("known values: %v", zc.known)
		}
		zc.repeats0, zc.specials = 50, []string{"crlf base64", "plus repaired", "chunked request"}
	case householdName:
		if len(zc.known) != 0 || len(zc.td.Leaks) != 0 {
			t.Fatalf("household has no known values, yet %v and %d leaks", zc.known, len(zc.td.Leaks))
		}
	default:
		t.Fatalf("%s is not read by the SDK checker", s.Name)
	}
	return zc
}

func parseKnownYAML(t *testing.T, b []byte) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, ": ")
		s, err := strconv.Unquote(v)
		if !ok || err != nil {
			t.Fatalf("known values: bad line %q", line)
		}
		out[k] = s
	}
	return out
}

// rawParam returns the raw (still percent-encoded) value of name in a
// query or form.
func rawParam(form, name string) (string, bool) {
	for _, p := range strings.Split(form, "&") {
		if k, v, _ := strings.Cut(p, "="); k == name {
			return v, true
		}
	}
	return "", false
}

// parseParams is a parameter list as the events table shows it: names and
// values form-decoded, in wire order.
func parseParams(t *testing.T, form string) ordObj {
	t.Helper()
	o := ordObj{}
	for _, p := range strings.Split(form, "&") {
		k, v, _ := strings.Cut(p, "=")
		dk, err1 := url.QueryUnescape(k)
		dv, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			t.Fatalf("param %q: %v %v", p, err1, err2)
		}
		o = append(o, kv{dk, dv})
	}
	return o
}

func gunzipBytes(b []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

// request checks one exchange of sdk-zoo.
func (zc *zooChecker) request(t *testing.T, port, idx int, raw []byte, req *http.Request, body []byte, resp *http.Response, rbody []byte) {
	key := zooKey{port, idx}
	var tele bool
	for _, h := range zc.td.HTTP {
		if h.ClientPort == port && h.RequestIndex == idx {
			tele = h.Telemetry
		}
	}
	layers := [][]byte{raw}
	if u, err := url.QueryUnescape(req.RequestURI); err == nil {
		layers = append(layers, []byte(u))
	}
	if u, err := url.QueryUnescape(string(body)); err == nil && utf8.Valid(body) {
		layers = append(layers, []byte(u))
	}
	if slices.Contains(req.TransferEncoding, "chunked") {
		zc.special["chunked request"] = true
	}
	n := 0
	for pi := range zc.td.Payloads {
		p := &zc.td.Payloads[pi]
		if p.ClientPort != port || p.RequestIndex != idx {
			continue
		}
		n++
		zc.payloads++
		layers = append(layers, zc.payload(t, pi, req, body, resp, rbody)...)
	}
	if tele != (n > 0) {
		t.Errorf("port %d request %d: telemetry %v but %d payloads", port, idx, tele, n)
	}
	if !tele {
		zc.checkNoise(t, key, req, body, resp, rbody)
	}
	zc.found[key] = searchKnown(zc.known, layers)
}

// payload decodes truth payload pi from the exchange and compares it; it
// returns every request-side layer decoded on the way.
func (zc *zooChecker) payload(t *testing.T, pi int, req *http.Request, body []byte, resp *http.Response, rbody []byte) [][]byte {
	p := &zc.td.Payloads[pi]
	name := fmt.Sprintf("port %d request %d %s %s:%s", p.ClientPort, p.RequestIndex, p.SDK, p.Location, p.Field)
	var raw []byte
	var ok bool
	switch p.Location {
	case "query":
		raw = []byte(req.URL.RawQuery)
		if p.Field != "" {
			var s string
			s, ok = rawParam(req.URL.RawQuery, p.Field)
			raw = []byte(s)
		}
	case "form":
		var s string
		s, ok = rawParam(string(body), p.Field)
		raw = []byte(s)
	case "body":
		raw = body
	case "response":
		raw = rbody
	case "cookie":
		c, err := req.Cookie(p.Field)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		raw = []byte(c.Value)
	default:
		t.Fatalf("%s: location %q", name, p.Location)
	}
	if (p.Location == "form" || p.Location == "query" && p.Field != "") && !ok {
		t.Fatalf("%s: no such parameter", name)
	}

	// Walk the chain.
	var layers [][]byte
	steps := strings.Split(p.Chain, ">")
	if p.Chain == "" {
		steps = nil
	}
	cur := raw
	var b64text string
	for i, st := range steps {
		var err error
		switch st {
		case "percent":
			var s string
			s, err = url.QueryUnescape(string(cur))
			if i+1 < len(steps) && steps[i+1] == "base64" && strings.Contains(s, " ") {
				s = strings.ReplaceAll(s, " ", "+") // a '+' the client did not escape
				zc.special["plus repaired"] = true
			}
			cur = []byte(s)
		case "base64":
			b64text = string(cur)
			if strings.Contains(b64text, "\r\n") {
				zc.special["crlf base64"] = true
			}
			cur, err = base64.StdEncoding.DecodeString(strings.NewReplacer("\r", "", "\n", "").Replace(b64text))
		case "gzip":
			if p.Location == "body" && req.Header.Get("Content-Encoding") != "gzip" {
				t.Errorf("%s: a gzip body without Content-Encoding", name)
			}
			cur, err = gunzipBytes(cur)
		case "json", "ndjson", "params", "params_lines":
			if i != len(steps)-1 {
				t.Errorf("%s: %s is not the last step", name, st)
			}
		default:
			t.Fatalf("%s: chain step %q", name, st)
		}
		if err != nil {
			t.Fatalf("%s: %s: %v", name, st, err)
		}
		layers = append(layers, cur)
	}
	if p.Base64 != b64text {
		t.Errorf("%s: Base64 %.40q, truth %.40q", name, b64text, p.Base64)
	}
	zc.checkCRC(t, name, p.Location, p.Gzip, p.CRC, p.CRCOK, b64text, cur, req, body)

	last := ""
	if len(steps) > 0 {
		last = steps[len(steps)-1]
	}
	if p.Encrypted {
		zc.checkOpaque(t, name, pi, raw, cur, req)
		if p.Location == "response" {
			return nil
		}
		return layers
	}

	// Payloads without events carry their decoded value.
	if p.Events == 0 {
		if last != "json" {
			t.Fatalf("%s: an eventless payload must end in json", name)
		}
		if !reflect.DeepEqual(mustOrdered(t, cur), mustOrdered(t, p.Object)) {
			t.Errorf("%s: decoded object differs from the truth", name)
		}
		if p.Location == "response" {
			return nil
		}
		return append(layers, jsonStrings(mustOrdered(t, cur))...)
	}

	evs, env := zc.splitEvents(t, name, p.SDK, p.Location, last, cur, req, body)
	if len(evs) != p.Events {
		t.Fatalf("%s: %d events, truth says %d", name, len(evs), p.Events)
	}
	var truthIdx []int
	for i, e := range zc.td.Events {
		if e.ClientPort == p.ClientPort && e.RequestIndex == p.RequestIndex && e.Field == p.Field && e.Location == p.Location {
			truthIdx = append(truthIdx, i)
		}
	}
	if len(truthIdx) != len(evs) {
		t.Fatalf("%s: truth lists %d events for it, decoded %d", name, len(truthIdx), len(evs))
	}
	segment := req.URL.Path[strings.LastIndexByte(req.URL.Path, '/')+1:]
	for i, ev := range evs {
		te := &zc.td.Events[truthIdx[i]]
		zc.events++
		en := fmt.Sprintf("%s event %d", name, i)
		if te.EventIndex != i || te.SDK != p.SDK {
			t.Errorf("%s: truth index %d sdk %s", en, te.EventIndex, te.SDK)
		}
		if !reflect.DeepEqual(ev, mustOrdered(t, te.Object)) {
			t.Errorf("%s: decoded\n%v\ntruth\n%s", en, ev, te.Object)
		}
		var tenv any
		if len(te.Envelope) > 0 {
			tenv = mustOrdered(t, te.Envelope)
		}
		if env == nil && tenv != nil || env != nil && !reflect.DeepEqual(env, tenv) {
			t.Errorf("%s: envelope %v, truth %s", en, env, te.Envelope)
		}
		// Nested JSON: every listed path decodes to its object, and no
		// other string leaf holds JSON or Base64 gzip.
		listed := map[string]bool{}
		for _, nj := range te.Nested {
			listed[nj.Path] = true
			v, ok := ev.get(nj.Path)
			s, isStr := v.(string)
			if !ok || !isStr {
				t.Errorf("%s: nested %s is not a string leaf", en, nj.Path)
				continue
			}
			dec, ls := decodeNested(t, nj.Chain, s)
			if !reflect.DeepEqual(dec, mustOrdered(t, nj.Object)) {
				t.Errorf("%s: nested %s decodes to %v, truth %s", en, nj.Path, dec, nj.Object)
			}
			layers = append(append(layers, ls...), jsonStrings(dec)...)
		}
		walkStrings(ev, "", func(path, s string) {
			if listed[path] {
				return
			}
			if (strings.HasPrefix(s, "{") || strings.HasPrefix(s, "[")) && json.Valid([]byte(s)) {
				t.Errorf("%s: %s holds JSON the truth does not list as nested", en, path)
			}
			if b, err := base64.StdEncoding.DecodeString(s); err == nil && len(b) > 2 && b[0] == 0x1f && b[1] == 0x8b {
				t.Errorf("%s: %s holds Base64 gzip the truth does not list as nested", en, path)
			}
		})
		zc.checkSummary(t, en, p.SDK, segment, ev, env, te.Event, te.Type, te.DistinctID, te.LoginID,
			te.AnonymousID, te.UserID, te.DeviceID, te.TimeMs)
		if p.SDK == "sensors_analytics" {
			key := fmt.Sprint(ev.getString("distinct_id"), "|", ev.getString("_track_id"), "|", ev.getString("event"), "|", ev.getString("time"))
			rep := zc.seenTrack[key]
			zc.seenTrack[key] = true
			if rep {
				zc.repeats++
			}
			if rep != te.Repeat {
				t.Errorf("%s: repeat %v, truth %v", en, rep, te.Repeat)
			}
		} else if te.Repeat {
			t.Errorf("%s: a repeat without _track_id", en)
		}
		layers = append(layers, jsonStrings(ev)...)
	}
	if p.Location == "response" {
		return nil
	}
	return layers
}

func (o ordObj) getString(path string) string {
	v, _ := o.get(path)
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	}
	return ""
}

// events splits a decoded payload into events (and the envelope around
// them) the way each profile is defined in the issue-5 contract.
func (zc *zooChecker) splitEvents(t *testing.T, name, sdk, loc, last string, cur []byte, req *http.Request, body []byte) ([]ordObj, ordObj) {
	t.Helper()
	var out []ordObj
	switch last {
	case "params":
		src := string(body)
		if loc == "query" {
			src = req.URL.RawQuery
		}
		return []ordObj{parseParams(t, src)}, nil
	case "params_lines":
		sep := "\n"
		if bytes.Contains(body, []byte("\r\n")) {
			sep = "\r\n"
		}
		for _, line := range strings.Split(string(body), sep) {
			ev := parseParams(t, line)
			if sdk == "ga4" {
				ev = append(parseParams(t, req.URL.RawQuery), ev...)
			}
			out = append(out, ev)
		}
		return out, nil
	case "ndjson":
		for _, line := range strings.Split(strings.TrimSuffix(string(cur), "\n"), "\n") {
			out = append(out, mustOrdered(t, []byte(line)).(ordObj))
		}
		return out, nil
	case "json":
	default:
		t.Fatalf("%s: events after %q", name, last)
	}
	v := mustOrdered(t, cur)
	if a, ok := v.([]any); ok {
		for _, e := range a {
			out = append(out, e.(ordObj))
		}
		return out, nil
	}
	root := v.(ordObj)
	arrayKey := map[string]string{"firebase_mp": "events", "amplitude": "events", "segment": "batch"}[sdk]
	if arrayKey == "" {
		return []ordObj{root}, nil
	}
	var env ordObj
	for _, m := range root {
		if m.k == arrayKey {
			for _, e := range m.v.([]any) {
				out = append(out, e.(ordObj))
			}
		} else {
			env = append(env, m)
		}
	}
	return out, env
}

// decodeNested decodes a nested JSON string leaf by its chain.
func decodeNested(t *testing.T, chain, s string) (any, [][]byte) {
	t.Helper()
	cur := []byte(s)
	var layers [][]byte
	for _, st := range strings.Split(chain, ">") {
		var err error
		switch st {
		case "base64":
			cur, err = base64.StdEncoding.DecodeString(string(cur))
		case "gzip":
			cur, err = gunzipBytes(cur)
		case "json":
		default:
			t.Fatalf("nested chain step %q", st)
		}
		if err != nil {
			t.Fatalf("nested %s: %v", st, err)
		}
		layers = append(layers, cur)
	}
	return mustOrdered(t, cur), layers
}

// walkStrings calls fn for every string leaf, with its dotted path.
func walkStrings(v any, path string, fn func(path, s string)) {
	switch v := v.(type) {
	case ordObj:
		for _, m := range v {
			p := m.k
			if path != "" {
				p = path + "." + m.k
			}
			walkStrings(m.v, p, fn)
		}
	case []any:
		for i, e := range v {
			walkStrings(e, fmt.Sprintf("%s[%d]", path, i), fn)
		}
	case string:
		fn(path, v)
	}
}

// jsonStrings lists the string leaves of a decoded JSON value as layers (a
// JSON writer may have escaped what the leaf holds).
func jsonStrings(v any) [][]byte {
	var out [][]byte
	walkStrings(v, "", func(_, s string) { out = append(out, []byte(s)) })
	return out
}

// checkCRC verifies a Sensors crc: sent as crc= (form or query) or inside
// ext=crc%3D..; it is the Java hash of the Base64 text as sent (line ends
// included), or of the data_list JSON for gzip=9.
func (zc *zooChecker) checkCRC(t *testing.T, name, loc, gz string, crc *int32, crcOK *bool, b64text string, final []byte, req *http.Request, body []byte) {
	form := string(body)
	if loc == "query" {
		form = req.URL.RawQuery
	}
	var sent string
	if loc == "form" || loc == "query" {
		if v, ok := rawParam(form, "crc"); ok {
			sent = v
		} else if v, ok := rawParam(form, "ext"); ok {
			e, _ := url.QueryUnescape(v)
			sent = strings.TrimPrefix(e, "crc=")
		}
		if g, _ := rawParam(form, "gzip"); g != gz {
			t.Errorf("%s: gzip=%q, truth %q", name, g, gz)
		}
	}
	if sent == "" {
		if crc != nil || crcOK != nil {
			t.Errorf("%s: no crc sent, truth has one", name)
		}
		return
	}
	n, err := strconv.ParseInt(sent, 10, 32)
	if err != nil || crc == nil || int32(n) != *crc || crcOK == nil {
		t.Fatalf("%s: crc %q, truth %v", name, sent, crc)
	}
	text := b64text
	if gz == "9" {
		text = string(final)
	}
	if ok := javaHash(text) == *crc; ok != *crcOK {
		t.Errorf("%s: crc verifies: %v, truth crc_ok %v", name, ok, *crcOK)
	}
}

// vendorEvidence are header fields that name an opaque vendor.
var vendorEvidence = map[string][]string{
	"umeng":       {"Msg-Type", "X-Umeng-Sdk", "X-Umeng-Utc"},
	"hianalytics": {"X-Hasdk-Clientid", "Servicetag", "App-Id"},
	"onetrack":    {"Ot_sender", "Ot_sid", "Ot_protocol"},
}

func (zc *zooChecker) checkOpaque(t *testing.T, name string, pi int, raw, inner []byte, req *http.Request) {
	p := &zc.td.Payloads[pi]
	var op *zooOpaque
	for i := range zc.td.Opaque {
		if o := &zc.td.Opaque[i]; o.ClientPort == p.ClientPort && o.RequestIndex == p.RequestIndex {
			op = o
		}
	}
	if op == nil || op.SDK != p.SDK || op.Location != p.Location || op.Field != p.Field || op.EncodedLen != len(raw) {
		t.Fatalf("%s: opaque entry %+v, raw value %d bytes", name, op, len(raw))
	}
	if p.Events != 0 {
		t.Errorf("%s: an opaque payload with events", name)
	}
	if p.SDK == "sensors_analytics" {
		// gzip=9: [{"ekey","pkv","payloads":[b64(IV||cipher)],"flush_time"}]
		groups, ok := mustOrdered(t, inner).([]any)
		if !ok || len(groups) == 0 {
			t.Fatalf("%s: not an array of key groups", name)
		}
		for _, g := range groups {
			o := g.(ordObj)
			ek, _ := base64.StdEncoding.DecodeString(o.getString("ekey"))
			ps, _ := o.get("payloads")
			if len(ek) != 256 || o.getString("pkv") == "" || len(ps.([]any)) == 0 {
				t.Errorf("%s: key group %v", name, o)
			}
			for _, x := range ps.([]any) {
				c, err := base64.StdEncoding.DecodeString(x.(string))
				if err != nil || len(c) < 32 || (len(c)-16)%16 != 0 {
					t.Errorf("%s: payload is not IV || AES blocks (%d bytes, %v)", name, len(c), err)
				}
			}
		}
		return
	}
	if h := entropy(raw); h < 7.0 {
		t.Errorf("%s: entropy %.2f bits/byte, want > 7 for an encrypted body", name, h)
	}
	for _, f := range vendorEvidence[p.SDK] {
		if _, ok := req.Header[f]; !ok {
			t.Errorf("%s: no %s header", name, f)
		}
	}
}

// checkSummary recomputes the events-table columns from the decoded event
// by the contract's per-profile rules.
func (zc *zooChecker) checkSummary(t *testing.T, en, sdk, segment string, ev, env ordObj,
	event, typ, distinct, login, anon, user, device string, timeMs int64) {
	first := func(paths ...string) any {
		for _, p := range paths {
			src, rest := ev, p
			if r, ok := strings.CutPrefix(p, "envelope."); ok {
				src, rest = env, r
			}
			if v, ok := src.get(rest); ok {
				return v
			}
		}
		return nil
	}
	str := func(paths ...string) string {
		switch v := first(paths...).(type) {
		case string:
			return v
		case json.Number:
			return v.String()
		}
		return ""
	}
	// ms converts a time value: unit is "ms", "us", "s|ms" (by magnitude,
	// decimals allowed) or "iso".
	ms := func(v any, unit string) int64 {
		s := fmt.Sprint(v)
		if n, ok := v.(json.Number); ok {
			s = n.String()
		}
		if v == nil {
			return 0
		}
		switch unit {
		case "us":
			n, _ := strconv.ParseInt(s, 10, 64)
			return n / 1000
		case "s|ms":
			f, _ := strconv.ParseFloat(s, 64)
			if f < 1e11 {
				return int64(f*1000 + 0.5)
			}
			return int64(f)
		}
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n
		}
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.000Z-0700"} {
			if tm, err := time.Parse(layout, s); err == nil {
				return tm.UnixMilli()
			}
		}
		t.Errorf("%s: time %q does not parse", en, s)
		return 0
	}
	type cols struct {
		event, typ, distinct, login, anon, user, device string
		time                                            int64
	}
	var want cols
	switch sdk {
	case "sensors_analytics":
		want = cols{str("event", "type"), str("type"), str("distinct_id"), str("login_id"), str("anonymous_id"), str("user_id"), str("properties.$device_id"), ms(first("time"), "ms")}
	case "mixpanel":
		want = cols{str("event"), "", str("properties.distinct_id"), "", "", str("properties.$user_id"), str("properties.$device_id"), ms(first("properties.time"), "s|ms")}
	case "ga4":
		want = cols{str("en"), "", str("cid"), "", "", str("uid"), "", 0}
	case "firebase_mp":
		want = cols{str("name"), "", str("envelope.client_id", "envelope.app_instance_id"), "", "", str("envelope.user_id"), "", ms(first("envelope.timestamp_micros"), "us")}
	case "universal_analytics":
		want = cols{str("t"), "", str("cid"), "", "", str("uid"), "", 0}
	case "segment":
		want = cols{str("event", "type"), "", str("anonymousId"), "", str("anonymousId"), str("userId"), "", ms(first("timestamp"), "iso")}
	case "amplitude":
		want = cols{str("event_type"), "", str("device_id"), "", "", str("user_id"), str("device_id"), ms(first("time"), "ms")}
	case "adjust":
		want = cols{segment, "", str("android_uuid"), "", "", "", str("gps_adid"), ms(first("created_at"), "iso")}
	case "appsflyer":
		want = cols{str("eventName"), "", str("uid"), "", "", "", str("advertiserId"), ms(first("af_timestamp"), "ms")}
	case "generic_json":
		want = cols{str("event", "event_type", "name", "en", "type"), "", str("distinct_id"), str("login_id"), str("anonymous_id"), str("user_id"), str("device_id"), ms(first("time"), "ms")}
	default:
		t.Fatalf("%s: sdk %q", en, sdk)
	}
	got := cols{event, typ, distinct, login, anon, user, device, timeMs}
	if got != want {
		t.Errorf("%s: summary columns %+v, the contract gives %+v", en, got, want)
	}
}

// searchKnown finds the known values in the layers, in every disguise: the
// case and separator forms as text, md5/sha1/sha256 of each as hex in any
// case, Base64 of each at any alignment. It returns "kind/disguise" names,
// sorted.
func searchKnown(known map[string]string, layers [][]byte) []string {
	lowered := make([][]byte, len(layers))
	for i, l := range layers {
		lowered[i] = bytes.ToLower(l)
	}
	has := func(ls [][]byte, s string) bool {
		for _, l := range ls {
			if bytes.Contains(l, []byte(s)) {
				return true
			}
		}
		return false
	}
	seps := strings.NewReplacer(":", "", "-", "")
	var out []string
	for kind, v := range known {
		type form struct{ name, text string }
		var forms []form
		for _, f := range []form{{"plain", v}, {"lower", strings.ToLower(v)}, {"upper", strings.ToUpper(v)},
			{"nosep", seps.Replace(v)}, {"nosep_lower", strings.ToLower(seps.Replace(v))}, {"nosep_upper", strings.ToUpper(seps.Replace(v))}} {
			if !slices.ContainsFunc(forms, func(g form) bool { return g.text == f.text }) {
				forms = append(forms, f)
			}
		}
		named := func(op, form string) string {
			if form == "plain" {
				return op
			}
			return op + "(" + form + ")"
		}
		for _, f := range forms {
			if has(layers, f.text) {
				out = append(out, kind+"/"+f.name)
			}
			m, s1, s2 := md5.Sum([]byte(f.text)), sha1.Sum([]byte(f.text)), sha256.Sum256([]byte(f.text))
			for _, h := range []struct{ op, hex string }{{"md5", hex.EncodeToString(m[:])}, {"sha1", hex.EncodeToString(s1[:])}, {"sha256", hex.EncodeToString(s2[:])}} {
				if has(lowered, h.hex) {
					out = append(out, kind+"/"+named(h.op, f.name))
				}
			}
			for _, pat := range base64Alignments(f.text) {
				if has(layers, pat) {
					out = append(out, kind+"/"+named("base64", f.name))
					break
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// base64Alignments are the Base64 texts that encode s wherever it starts
// inside a longer stream: for each of the three byte offsets, the
// characters that depend on s's bytes alone.
func base64Alignments(s string) []string {
	var out []string
	for k := range 3 {
		enc := base64.StdEncoding.EncodeToString(append(make([]byte, k), s...))
		from, to := (8*k+5)/6, 8*(k+len(s))/6
		if to-from >= 4 {
			out = append(out, enc[from:to])
		}
	}
	return out
}

var (
	hexRe  = regexp.MustCompile(`^[0-9a-f]+$`)
	uuidRe = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
)

// eventKeys are members whose presence would make a JSON body telemetry.
var eventKeys = []string{"event", "event_type", "en", "type", "name", "events", "batch", "data", "data_list", "distinct_id"}

// checkNoise checks every noise entry of a non-telemetry exchange: it must
// have at least one, and each must be what its class says.
func (zc *zooChecker) checkNoise(t *testing.T, key zooKey, req *http.Request, body []byte, resp *http.Response, rbody []byte) {
	n := 0
	for _, e := range zc.td.Noise {
		if e.ClientPort != key.port || e.RequestIndex != key.idx {
			continue
		}
		n++
		zc.noise++
		parts := strings.Split(e.What, ":")
		name := fmt.Sprintf("port %d request %d noise %s", key.port, key.idx, e.What)
		if !slices.Contains(noiseClasses, parts[0]) || len(parts) < 2 {
			t.Errorf("%s: unknown class", name)
			continue
		}
		// value returns the named query parameter, header or cookie.
		value := func() string {
			if len(parts) < 3 {
				t.Fatalf("%s: no name", name)
			}
			switch parts[1] {
			case "query":
				v := req.URL.Query()
				if !v.Has(parts[2]) {
					t.Fatalf("%s: no such parameter", name)
				}
				return v.Get(parts[2])
			case "header":
				return req.Header.Get(parts[2])
			case "cookie":
				c, err := req.Cookie(parts[2])
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				return c.Value
			}
			t.Fatalf("%s: where %q", name, parts[1])
			return ""
		}
		which := body
		if parts[1] == "response" {
			which = rbody
		}
		switch parts[0] {
		case "b64-token":
			v := value()
			b, err := base64.StdEncoding.DecodeString(v)
			if err != nil || len(v) < 16 || len(v) > 64 || len(b) < 12 {
				t.Errorf("%s: %q is not a 16-64 char Base64 token (%v)", name, v, err)
			} else if utf8.Valid(b) || bytes.HasPrefix(b, []byte{0x1f, 0x8b}) || b[0] == 0x78 || b[0] == '{' || b[0] == '[' {
				t.Errorf("%s: %q decodes to text or a magic, not random bytes", name, v)
			}
		case "hex-digest":
			v := value()
			if !hexRe.MatchString(v) || len(v) != 32 && len(v) != 40 {
				t.Errorf("%s: %q is not an md5/sha1 hex digest", name, v)
			}
		case "uuid":
			if v := value(); !uuidRe.MatchString(v) {
				t.Errorf("%s: %q is not a random UUID", name, v)
			}
		case "jwt":
			v := strings.TrimPrefix(value(), "Bearer ")
			segs := strings.Split(v, ".")
			if len(segs) != 3 {
				t.Errorf("%s: %q is not a JWT", name, v)
				break
			}
			for _, s := range segs[:2] {
				b, err := base64.RawURLEncoding.DecodeString(s)
				if _, isObj := mustOrdered(t, b).(ordObj); err != nil || !isObj {
					t.Errorf("%s: JWT part %q is not Base64url JSON", name, s)
				}
			}
		case "json-api":
			o, ok := mustOrdered(t, which).(ordObj)
			if !ok {
				t.Errorf("%s: not a JSON object", name)
			}
			for _, m := range o {
				if slices.Contains(eventKeys, m.k) {
					t.Errorf("%s: has event key %q", name, m.k)
				}
			}
		case "bad-json":
			if json.Valid(which) || !bytes.HasPrefix(which, []byte("{")) {
				t.Errorf("%s: %q is valid JSON or does not look like it", name, which)
			}
		case "html":
			if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !bytes.HasPrefix(rbody, []byte("<!DOCTYPE html>")) {
				t.Errorf("%s: not an HTML answer", name)
			}
		case "gzip-html":
			h, err := gunzipBytes(rbody)
			if resp.Header.Get("Content-Encoding") != "gzip" || err != nil || !bytes.HasPrefix(h, []byte("<!DOCTYPE html>")) {
				t.Errorf("%s: not gzip'd HTML (%v)", name, err)
			}
		case "image":
			if !bytes.HasPrefix(rbody, []byte("\x89PNG\r\n\x1a\n")) {
				t.Errorf("%s: not a PNG", name)
			}
		case "octet-stream":
			h := entropy(body)
			if req.Header.Get("Content-Type") != "application/octet-stream" ||
				parts[2] == "high-entropy" && h < 7.5 || parts[2] == "low-entropy" && h > 3 {
				t.Errorf("%s: %s with %.2f bits/byte", name, req.Header.Get("Content-Type"), h)
			}
			for _, fs := range vendorEvidence {
				for _, f := range fs {
					if _, ok := req.Header[f]; ok {
						t.Errorf("%s: carries vendor header %s", name, f)
					}
				}
			}
		}
	}
	if n == 0 {
		t.Errorf("port %d request %d: not telemetry and no noise listed", key.port, key.idx)
	}
}

// finish compares the totals and the leaks once every exchange is read.
func (zc *zooChecker) finish(t *testing.T) {
	if zc.payloads != len(zc.td.Payloads) || zc.payloads != zc.td.Counts["payloads"] {
		t.Errorf("payloads: decoded %d, truth lists %d, counts %d", zc.payloads, len(zc.td.Payloads), zc.td.Counts["payloads"])
	}
	if zc.events != len(zc.td.Events) || zc.events != zc.td.Counts["events"] {
		t.Errorf("events: matched %d, truth lists %d, counts %d", zc.events, len(zc.td.Events), zc.td.Counts["events"])
	}
	if zc.noise != len(zc.td.Noise) {
		t.Errorf("noise: checked %d of %d entries", zc.noise, len(zc.td.Noise))
	}
	if zc.repeats != zc.repeats0 {
		t.Errorf("%d repeated Sensors events, the scenario re-sends %d", zc.repeats, zc.repeats0)
	}
	for _, s := range zc.specials {
		if !zc.special[s] {
			t.Errorf("no %s in the sample", s)
		}
	}
	want := map[zooKey][]string{}
	for _, l := range zc.td.Leaks {
		k := zooKey{l.ClientPort, l.RequestIndex}
		want[k] = append(want[k], l.Kind+"/"+l.Disguise)
	}
	for k, got := range zc.found {
		w := want[k]
		slices.Sort(w)
		if !slices.Equal(got, w) {
			t.Errorf("leaks of port %d request %d: found %v, truth %v", k.port, k.idx, got, w)
		}
		delete(want, k)
	}
	for k := range want {
		t.Errorf("truth lists leaks for port %d request %d, which was not read", k.port, k.idx)
	}
}

// TestZooKnownValues checks the known-values file and the disguise names.
func TestZooKnownValues(t *testing.T) {
	var yaml []byte
	for _, f := range sdkZoo().Files {
		if f.Path == "sdk-zoo.known.yaml" {
			yaml = f.Data
		}
	}
	k := parseKnownYAML(t, yaml)
	want := map[string]string{"imei": zooKnown.IMEI, "android_id": zooKnown.AndroidID, "advertising_id": zooKnown.GAID,
		"email": zooKnown.Email, "phone": zooKnown.Phone, "mac": zooKnown.MAC, "account_id": zooKnown.Account}
	if !reflect.DeepEqual(k, want) {
		t.Errorf("known values %v, want %v", k, want)
	}
	// telemetry-formats.md §4.1 gives this IMEI and its md5.
	if sum := md5.Sum([]byte(k["imei"])); k["imei"] != "358476101234565" || hex.EncodeToString(sum[:]) != "5649ca6c38e4131ca8fb7b90d25b0f03" {
		t.Errorf("IMEI %s md5 %x", k["imei"], sum)
	}
	if !regexp.MustCompile(`^([0-9A-F]{2}:){5}[0-9A-F]{2}$`).MatchString(k["mac"]) {
		t.Errorf("MAC %q is not upper case with colons", k["mac"])
	}
}

func TestDisguises(t *testing.T) {
	names := func(v string) []string {
		var out []string
		for _, d := range disguises(v) {
			out = append(out, d.name)
		}
		return out
	}
	tests := []struct {
		v    string
		want []string
	}{
		{"358476101234565", []string{"plain", "md5", "sha1", "sha256", "base64"}},
		{"A4:50:46:3C:8E:71", []string{"plain", "lower", "nosep", "nosep_lower",
			"md5", "md5(lower)", "md5(nosep)", "md5(nosep_lower)", "sha1", "sha1(lower)", "sha1(nosep)", "sha1(nosep_lower)",
			"sha256", "sha256(lower)", "sha256(nosep)", "sha256(nosep_lower)", "base64", "base64(lower)", "base64(nosep)", "base64(nosep_lower)"}},
		{"7e2b4c91-3d5a-4f08-9b6e-1c2d3e4f5a6b", []string{"plain", "upper", "nosep", "nosep_upper",
			"md5", "md5(upper)", "md5(nosep)", "md5(nosep_upper)", "sha1", "sha1(upper)", "sha1(nosep)", "sha1(nosep_upper)",
			"sha256", "sha256(upper)", "sha256(nosep)", "sha256(nosep_upper)", "base64", "base64(upper)", "base64(nosep)", "base64(nosep_upper)"}},
	}
	for _, tt := range tests {
		if got := names(tt.v); !slices.Equal(got, tt.want) {
			t.Errorf("disguises(%q) = %v, want %v", tt.v, got, tt.want)
		}
	}
	if got := disguiseOf("358476101234565", "md5").text(); got != "5649ca6c38e4131ca8fb7b90d25b0f03" {
		t.Errorf("md5 of the IMEI = %s", got)
	}
	if got := disguiseOf("Ana.Popescu@example.ro", "base64(lower)").text(); got != base64.StdEncoding.EncodeToString([]byte("ana.popescu@example.ro")) {
		t.Errorf("base64(lower) = %s", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("a non-canonical disguise name did not panic")
		}
	}()
	disguiseOf("358476101234565", "lower") // same text as plain
}

// TestBase64Alignments checks the alignment patterns against Base64 of
// longer texts that hold the value at every offset.
func TestBase64Alignments(t *testing.T) {
	const v = "ana.popescu@example.ro"
	for pre := range 7 {
		text := strings.Repeat("x", pre) + v + "yz"
		enc := base64.StdEncoding.EncodeToString([]byte(text))
		if !slices.ContainsFunc(base64Alignments(v), func(p string) bool { return strings.Contains(enc, p) }) {
			t.Errorf("offset %d: no pattern found in %s", pre, enc)
		}
	}
	if slices.ContainsFunc(base64Alignments(v), func(p string) bool {
		return strings.Contains(base64.StdEncoding.EncodeToString([]byte("ana.popescu@example.com")), p)
	}) {
		t.Error("a pattern matched a different address")
	}
}

// TestEntropy pins the entropy measure the noise and opaque checks use.
func TestEntropy(t *testing.T) {
	tests := []struct {
		in   []byte
		want float64
	}{
		{[]byte("aaaa"), 0},
		{[]byte("abab"), 1},
		{[]byte("abcdefgh"), 3},
	}
	for _, tt := range tests {
		if got := entropy(tt.in); got != tt.want {
			t.Errorf("entropy(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
	if h := entropy(lowEntropyBlob(2048)); h > 3 {
		t.Errorf("lowEntropyBlob: %.2f bits/byte", h)
	}
}
