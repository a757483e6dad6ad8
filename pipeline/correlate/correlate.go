// Package correlate links the identifiers seen in telemetry: which values
// were sent together, and which therefore belong to one device or person.
//
// The caller feeds it, in output order, each event's tagged identifier
// values (Graph.Event), and the ends of payloads and connections. Finish
// returns one row per distinct identifier (kind, value), one row per pair of
// identifiers seen together, and the clusters: the connected components of
// the pairs seen in one event (the strong level), hubs left out.
//
// # Link levels
//
//   - event: both values in one event (strong; builds clusters);
//   - payload: in one payload but in different events;
//   - connection: in one TCP connection but in different payloads.
//
// A pair is reported once, at the strongest level it reached, with the
// number of events, payloads and connections in which it occurred.
//
// # What links, and hubs
//
// Context values (ipv4, ipv6, geo, ssid, bssid: a network or a place, shared
// by everyone behind one router) have identifier rows and links but never
// join clusters; the hub rule below still marks those seen with two devices.
//
// A value shared by devices would merge unrelated people; such a hub keeps
// its identifier row (hub = true) and its links, but does not join clusters.
// A value is a hub when it is a known shared placeholder (the duplicated
// Android ID 9774d56d682e549c of old devices and emulators), or when it is a
// device-level value (not account_id, email or phone, which legitimately span
// one person's devices) seen in events with two or more values of one
// hardware kind (imei, meid, mac, serial, android_id, oaid, idfv; its own kind
// excluded, known placeholders not counted) that were never seen together in
// an event: an app-wide constant
// that passed the identifier rules, seen with two phones' Android IDs.
// Resettable ids (advertising_id, SDK install ids) are not counted, so an
// Android ID seen with an old and a new advertising ID still links them.
//
// # One value, one spelling
//
// Device ids are compared in one canonical spelling (Canonical): the MAC
// A4:50:46:3C:8E:71 and a450463c8e71 are one identifier, so are a UUID with
// and without dashes or in upper case, an Android ID in upper case, and an
// e-mail address in any case. The
// identifiers table shows the canonical spelling; the fields table keeps
// what was sent.
//
// Memory grows with the number of distinct identifiers and pairs, not with
// the number of events.
package correlate

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
)

// ID is one identifier value.
type ID struct{ Kind, Value string }

// Link levels, strongest first.
const (
	LevelEvent      = "event"
	LevelPayload    = "payload"
	LevelConnection = "connection"
)

// hardwareKinds identify one device each and do not change.
var hardwareKinds = map[string]bool{
	"imei": true, "meid": true, "mac": true, "serial": true, "android_id": true, "oaid": true, "idfv": true,
}

// HardwareKind reports whether kind is a hardware id: one per device, never
// reset (imei, meid, mac, serial, android_id, oaid, idfv).
func HardwareKind(kind string) bool { return hardwareKinds[kind] }

// personKinds may span one person's devices.
var personKinds = map[string]bool{"account_id": true, "email": true, "phone": true}

// contextKinds name a network or a place, not a device or person.
var contextKinds = map[string]bool{"ipv4": true, "ipv6": true, "geo": true, "ssid": true, "bssid": true}

// placeholders are identifier values known to be shared by many devices.
var placeholders = map[ID]bool{{"android_id", "9774d56d682e549c"}: true}

// Graph accumulates identifiers and their co-occurrences. The zero value is
// not usable; call New.
type Graph struct {
	index map[ID]int32
	ids   []*ident
	pairs map[[2]int32]*pair

	payload []int32 // identifiers of the current payload
	conns   map[string]map[int32]bool
}

type ident struct {
	id              ID
	first, last     int64 // ns
	events          int64
	hosts, sdks     map[string]bool
	eventNeighbours map[int32]bool
}

type pair struct {
	events, payloads, conns int64
	// payload/connection counting needs to know the last unit counted.
	lastPayload, lastConn int64
}

// New returns an empty graph.
func New() *Graph {
	return &Graph{
		index: make(map[ID]int32),
		pairs: make(map[[2]int32]*pair),
		conns: make(map[string]map[int32]bool),
	}
}

func (g *Graph) intern(id ID) int32 {
	if i, ok := g.index[id]; ok {
		return i
	}
	i := int32(len(g.ids))
	g.index[id] = i
	g.ids = append(g.ids, &ident{id: id, hosts: map[string]bool{}, sdks: map[string]bool{}, eventNeighbours: map[int32]bool{}})
	return i
}

func (g *Graph) pairOf(a, b int32) *pair {
	if a > b {
		a, b = b, a
	}
	p := g.pairs[[2]int32{a, b}]
	if p == nil {
		p = &pair{lastPayload: -1, lastConn: -1}
		g.pairs[[2]int32{a, b}] = p
	}
	return p
}

// Event adds the identifiers of one event of connection uid. ts is the
// event's capture time (ns); host and sdk where it went. It returns the
// identifiers' handles, in the order given (duplicates removed), for
// Result.EventCluster; the slice is appended to dst.
func (g *Graph) Event(dst []int32, uid string, ts int64, host, sdk string, ids []ID) []int32 {
	var set []int32
	for _, id := range ids {
		if id.Value == "" {
			continue
		}
		i := g.intern(Canonical(id))
		if !slices.Contains(set, i) {
			set = append(set, i)
		}
	}
	for _, i := range set {
		d := g.ids[i]
		if d.events == 0 || ts < d.first {
			d.first = ts
		}
		if ts > d.last {
			d.last = ts
		}
		d.events++
		if host != "" {
			d.hosts[host] = true
		}
		if sdk != "" {
			d.sdks[sdk] = true
		}
	}
	for x := range set {
		for y := x + 1; y < len(set); y++ {
			g.pairOf(set[x], set[y]).events++
			g.ids[set[x]].eventNeighbours[set[y]] = true
			g.ids[set[y]].eventNeighbours[set[x]] = true
		}
	}
	g.payload = append(g.payload, set...)
	c := g.conns[uid]
	if c == nil {
		c = map[int32]bool{}
		g.conns[uid] = c
	}
	for _, i := range set {
		c[i] = true
	}
	return append(dst, set...)
}

// EndPayload closes the current payload: pairs of identifiers in it count
// one payload each.
func (g *Graph) EndPayload(seq int64) {
	var all []int32
	for _, i := range g.payload {
		if !slices.Contains(all, i) {
			all = append(all, i)
		}
	}
	for x := range all {
		for y := x + 1; y < len(all); y++ {
			p := g.pairOf(all[x], all[y])
			if p.lastPayload != seq {
				p.lastPayload = seq
				p.payloads++
			}
		}
	}
	g.payload = g.payload[:0]
}

// EndConnection closes connection uid: pairs of identifiers seen on it count
// one connection each.
func (g *Graph) EndConnection(uid string, seq int64) {
	c := g.conns[uid]
	delete(g.conns, uid)
	all := make([]int32, 0, len(c))
	for i := range c {
		all = append(all, i)
	}
	slices.Sort(all)
	for x := range all {
		for y := x + 1; y < len(all); y++ {
			p := g.pairOf(all[x], all[y])
			if p.lastConn != seq {
				p.lastConn = seq
				p.conns++
			}
		}
	}
}

// Identifier is one row of the identifiers table.
type Identifier struct {
	Kind, Value       string
	FirstTS, LastTS   int64
	Events            int64
	Hosts, SDKs       []string
	ClusterID         string
	Hub               bool
	ClusterSize       int64
	LinkedIdentifiers int64 // event-level neighbours
}

// Link is one row of the links table.
type Link struct {
	KindA, ValueA, KindB, ValueB string
	Level                        string
	Events, Payloads, Conns      int64
}

// Result is what Finish computes.
type Result struct {
	Identifiers []Identifier // sorted by kind, value
	Links       []Link       // sorted by the pair

	clusterOf []string // by handle
	linking   []bool   // by handle
}

// EventCluster is the cluster of an event: that of its first identifier (in
// the handles Event returned) that links, i.e. is neither a hub nor a
// context value; "" when it has none.
func (r *Result) EventCluster(handles []int32) string {
	for _, h := range handles {
		if int(h) < len(r.linking) && r.linking[h] {
			return r.clusterOf[h]
		}
	}
	return ""
}

// Finish closes open connections and computes hubs and clusters.
func (g *Graph) Finish() Result {
	uids := make([]string, 0, len(g.conns))
	for u := range g.conns {
		uids = append(uids, u)
	}
	slices.Sort(uids)
	for i, u := range uids {
		g.EndConnection(u, -2-int64(i))
	}

	n := len(g.ids)
	hub := make([]bool, n)
	for i := range g.ids {
		hub[i] = g.isHub(int32(i))
	}
	// Union-find over event-level pairs without hubs.
	parent := make([]int32, n)
	for i := range parent {
		parent[i] = int32(i)
	}
	var find func(int32) int32
	find = func(x int32) int32 {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	linking := func(i int32) bool { return !hub[i] && !contextKinds[g.ids[i].id.Kind] }
	for k, p := range g.pairs {
		if p.events == 0 || !linking(k[0]) || !linking(k[1]) {
			continue
		}
		a, b := find(k[0]), find(k[1])
		if a != b {
			parent[b] = a
		}
	}
	// A cluster is named by its smallest member (kind, value), hashed, so
	// the id is stable whatever the input order.
	members := map[int32][]int32{}
	for i := range g.ids {
		r := find(int32(i))
		members[r] = append(members[r], int32(i))
	}
	clusterOf := make([]string, n)
	sizeOf := make([]int64, n)
	for _, ms := range members {
		least := ms[0]
		for _, m := range ms[1:] {
			if compareID(g.ids[m].id, g.ids[least].id) < 0 {
				least = m
			}
		}
		name := clusterName(g.ids[least].id)
		for _, m := range ms {
			clusterOf[m] = name
			sizeOf[m] = int64(len(ms))
		}
	}

	res := Result{Identifiers: make([]Identifier, 0, n), clusterOf: clusterOf, linking: make([]bool, n)}
	for i := range res.linking {
		res.linking[i] = linking(int32(i))
	}
	for i, d := range g.ids {
		res.Identifiers = append(res.Identifiers, Identifier{
			Kind: d.id.Kind, Value: d.id.Value, FirstTS: d.first, LastTS: d.last, Events: d.events,
			Hosts: sortedKeys(d.hosts), SDKs: sortedKeys(d.sdks), ClusterID: clusterOf[i], Hub: hub[i],
			ClusterSize: sizeOf[i], LinkedIdentifiers: int64(len(d.eventNeighbours)),
		})
	}
	slices.SortFunc(res.Identifiers, func(a, b Identifier) int { return compareID(ID{a.Kind, a.Value}, ID{b.Kind, b.Value}) })
	for k, p := range g.pairs {
		a, b := g.ids[k[0]].id, g.ids[k[1]].id
		if compareID(a, b) > 0 {
			a, b = b, a
		}
		level := LevelConnection
		switch {
		case p.events > 0:
			level = LevelEvent
		case p.payloads > 0:
			level = LevelPayload
		}
		res.Links = append(res.Links, Link{KindA: a.Kind, ValueA: a.Value, KindB: b.Kind, ValueB: b.Value,
			Level: level, Events: p.events, Payloads: p.payloads, Conns: p.conns})
	}
	slices.SortFunc(res.Links, func(x, y Link) int {
		return cmp.Or(compareID(ID{x.KindA, x.ValueA}, ID{y.KindA, y.ValueA}), compareID(ID{x.KindB, x.ValueB}, ID{y.KindB, y.ValueB}))
	})
	return res
}

// isHub applies the hub rules of the package doc to v.
func (g *Graph) isHub(v int32) bool {
	id := g.ids[v].id
	if placeholders[id] {
		return true
	}
	if personKinds[id.Kind] {
		return false
	}
	byKind := map[string][]int32{}
	for nb := range g.ids[v].eventNeighbours {
		// A known placeholder is no device's hardware id.
		if k := g.ids[nb].id.Kind; hardwareKinds[k] && k != id.Kind && !placeholders[g.ids[nb].id] {
			byKind[k] = append(byKind[k], nb)
		}
	}
	for _, vals := range byKind {
		for x := range vals {
			for y := x + 1; y < len(vals); y++ {
				if !g.ids[vals[x]].eventNeighbours[vals[y]] {
					return true // two devices' hardware ids, never together
				}
			}
		}
	}
	return false
}

// hexKinds are spelled as hex digits with optional separators.
var hexKinds = map[string]bool{
	"mac": true, "bssid": true, "android_id": true, "advertising_id": true, "idfv": true,
	"oaid": true, "meid": true, "anonymous_id": true,
}

// Canonical returns id in the spelling identifiers are compared in: for mac
// and bssid, lower-case hex pairs joined by ':'; for the other hex kinds
// (android_id, advertising_id, idfv, oaid, meid, anonymous_id), lower case,
// and a 32-digit value in the 8-4-4-4-12 UUID form. Values that are not
// hex digits and separators stay as they are. An e-mail address is lower-cased.
func Canonical(id ID) ID {
	if id.Kind == "email" {
		// Mail systems treat addresses case-insensitively.
		return ID{id.Kind, strings.ToLower(strings.TrimSpace(id.Value))}
	}
	if !hexKinds[id.Kind] {
		return id
	}
	hexd := make([]byte, 0, len(id.Value))
	for i := 0; i < len(id.Value); i++ {
		c := id.Value[i]
		switch {
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f':
			hexd = append(hexd, c)
		case 'A' <= c && c <= 'F':
			hexd = append(hexd, c+'a'-'A')
		case c == ':' || c == '-' || c == '.':
		default:
			return id
		}
	}
	h := string(hexd)
	switch {
	case (id.Kind == "mac" || id.Kind == "bssid") && len(h) == 12:
		h = h[0:2] + ":" + h[2:4] + ":" + h[4:6] + ":" + h[6:8] + ":" + h[8:10] + ":" + h[10:12]
	case len(h) == 32:
		h = h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
	case len(h) != len(id.Value):
		// Separators in an unexpected place: keep the value as sent, in
		// lower case.
		return ID{id.Kind, strings.ToLower(id.Value)}
	}
	return ID{id.Kind, h}
}

func compareID(a, b ID) int {
	return cmp.Or(strings.Compare(a.Kind, b.Kind), strings.Compare(a.Value, b.Value))
}

// clusterName is "K" and 16 hex digits of SHA-256 of the cluster's least
// member.
func clusterName(id ID) string {
	h := sha256.Sum256([]byte(id.Kind + "\x00" + id.Value))
	return "K" + hex.EncodeToString(h[:8])
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
