package pipeline

import (
	"hash/fnv"
	"net/url"
	"strconv"
	"strings"

	"telltale/pipeline/extract"
	"telltale/pipeline/h1"
	"telltale/pipeline/leak"
	"telltale/pipeline/sink"
)

// leakRows searches one transaction for the known values and adds a row
// per (known value, disguise, place). A value is reported where it is most
// specific: in a decoded event field; else in a decoded layer of a payload;
// else in the raw request (URI, a header, the body) or the response body,
// where no payload taken from that same place already showed it.
func leakRows(m *leak.Matcher, res *result, tx *h1.Transaction, payloads []extract.Payload) {
	h := res.http
	known := m.Known()
	type hitKey struct {
		known    int
		disguise string
	}
	covered := map[string]map[hitKey]bool{} // raw place -> hits already shown by its payloads
	cover := func(place string, k hitKey) {
		if covered[place] == nil {
			covered[place] = map[hitKey]bool{}
		}
		covered[place][k] = true
	}
	add := func(hit leak.Hit, loc, where string, pi, ei int) {
		kv := known[hit.Known]
		res.leaks = append(res.leaks, sink.LeakRow{
			UID: h.UID, TransDepth: h.TransDepth, TS: h.TS, Host: h.Host, Path: h.Path,
			Kind: kv.Kind, Label: kv.Label, Value: kv.Value, Disguise: hit.Disguise,
			Location: loc, Where: where, PayloadIndex: int32(pi), EventIndex: int32(ei),
			FirstFile: h.FirstFile, FirstFrame: h.FirstFrame,
		})
	}
	for pi, p := range payloads {
		place := rawPlace(p)
		inPayload := map[hitKey]bool{}
		for ei, e := range p.Events {
			for _, f := range e.Fields {
				m.Find([]byte(f.Value), func(hit leak.Hit) {
					k := hitKey{hit.Known, hit.Disguise}
					if inPayload[k] {
						return // one row per payload: the first field that shows it
					}
					inPayload[k] = true
					cover(place, k)
					add(hit, "field", f.Path, pi, ei)
				})
			}
		}
		steps := make([]string, 0, len(p.Layers))
		for _, l := range p.Layers {
			steps = append(steps, l.Step)
			m.Find(l.Data, func(hit leak.Hit) {
				k := hitKey{hit.Known, hit.Disguise}
				if inPayload[k] {
					return
				}
				inPayload[k] = true
				cover(place, k)
				add(hit, "payload", strings.Join(steps, ">"), pi, -1)
			})
		}
	}
	raw := func(place, loc, where string, data []byte) {
		seen := map[hitKey]bool{}
		m.Find(data, func(hit leak.Hit) {
			k := hitKey{hit.Known, hit.Disguise}
			if covered[place][k] || seen[k] {
				return
			}
			seen[k] = true
			cover(place, k)
			add(hit, loc, where, -1, -1)
		})
	}
	if req := tx.Request; req != nil {
		raw("uri", "uri", "", []byte(req.URI))
		if u, err := url.QueryUnescape(req.URI); err == nil && u != req.URI {
			raw("uri", "uri", "", []byte(u))
		}
		for _, hd := range req.Headers {
			raw("header:"+strings.ToLower(hd.Name), "header", hd.Name, []byte(hd.Value))
		}
		raw("body", "body", "", h.RequestBody)
		raw("body", "body", "", req.Body)
	}
	if resp := tx.Response; resp != nil {
		raw("response", "response", "", resp.Body)
	}
}

// rawPlace names the part of the raw transaction a payload was taken from.
func rawPlace(p extract.Payload) string {
	switch p.Location {
	case extract.LocQuery:
		return "uri"
	case extract.LocHeader:
		return "header:" + strings.ToLower(p.Field)
	case extract.LocCookie:
		return "header:cookie"
	case extract.LocResponse:
		return "response"
	}
	return "body"
}

// repeatSet remembers the events seen with a track id, to mark re-sent
// ones. It keeps the last repeatWindow keys: a retry follows its failed
// upload within minutes, and memory must stay bounded on any capture.
type repeatSet struct {
	keys map[uint64]struct{}
	ring []uint64
	next int
}

const repeatWindow = 1 << 20

// seen reports whether an event with ev's key was seen before, and
// remembers it.
func (s *repeatSet) seen(ev *sink.EventRow) bool {
	hsh := fnv.New64a()
	for _, part := range [...]string{ev.SDK, ev.DistinctID, ev.TrackID, ev.Event, strconv.FormatInt(ev.EventTime, 10), strconv.FormatBool(ev.HasEventTime)} {
		hsh.Write([]byte(part))
		hsh.Write([]byte{0})
	}
	k := hsh.Sum64()
	if s.keys == nil {
		s.keys = make(map[uint64]struct{})
	}
	if _, ok := s.keys[k]; ok {
		return true
	}
	if len(s.ring) < repeatWindow {
		s.ring = append(s.ring, k)
	} else {
		delete(s.keys, s.ring[s.next])
		s.ring[s.next] = k
		s.next = (s.next + 1) % repeatWindow
	}
	s.keys[k] = struct{}{}
	return false
}
