// Package report summarises a telltale dataset for a reader: what was
// captured, which destinations received telemetry, which identifiers each
// received, which identifiers belong together (the clusters), and examples
// of the most sensitive events (visited URLs, searches, incognito browsing).
//
// Load reads a dataset directory written by `telltale run`, streaming every
// Parquet table in batches: memory grows with the number of destinations,
// identifiers and distinct URLs, not with the number of rows. WriteText
// renders the report for a terminal, WriteHTML as one self-contained HTML
// page (inline CSS and SVG plots, no script, nothing fetched). Both outputs
// depend only on the dataset: the same dataset gives the same bytes.
package report

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"telltale/pipeline/correlate"
	"telltale/pipeline/sink"
)

// MaxExamples is how many events each sensitive-events list shows.
const MaxExamples = 20

// Report is everything the text and HTML renderings show.
type Report struct {
	Tool, Version string    // from the manifest
	Captures      []Capture // manifest inputs, in manifest order

	// Row counts of the tables.
	Flows, Transactions, Payloads, Events int64
	// First and Last bound the time span (Unix ns): the packets of the
	// captures per the manifest, widened by the events' capture times. Both
	// are 0 when nothing has a time.
	First, Last int64

	Destinations []Destination // hosts that received a payload, sorted by host
	IDKinds      []string      // identifier kinds received by any destination, sorted

	// HasIdentifiers is false for a dataset without the identifiers table
	// (Clusters and Hubs are then empty).
	HasIdentifiers bool
	// HasEventClusters is true when the event_clusters table was read:
	// Cluster.Events and Example.Cluster are filled only then.
	HasEventClusters bool
	Clusters         []Cluster // sorted by size (largest first), then ID
	Hubs             []Hub     // sorted by kind, value

	URLs, Searches, Incognito Examples
	Timeline                  Timeline
}

// Capture is one capture file read.
type Capture struct {
	Name, Format    string
	Size, Packets   int64
	SHA256          string
	FirstTS, LastTS string // RFC 3339, "" when the file had no packet
	Errors          int
}

// Destination is one HTTP host that received telemetry payloads.
type Destination struct {
	Host             string // "" when the request named none
	Transactions     int64  // HTTP transactions to the host
	RequestBodyBytes int64  // sum of http.request_body_len
	Payloads, Events int64
	SDKs             []string         // sorted
	IDs              map[string]int64 // distinct identifiers per kind (identifiers table)
	URLs, Searches   int64            // distinct visited URLs and search terms (fields table)
}

// ID is an identifier as the identifiers table spells it.
type ID struct{ Kind, Value string }

func (id ID) String() string { return id.Kind + ": " + id.Value }

// Cluster is one group of identifiers seen together in events: one device
// or person. Clusters of a single identifier are listed only when that
// identifier is a hardware id (a device anchor).
type Cluster struct {
	ID      string
	Members []ID     // sorted by kind, value
	Hosts   []string // destinations that received any member, sorted
	Events  int64    // events attributed to the cluster (event_clusters); -1 when unknown
	Hubs    []ID     // shared values seen in one event with a member, sorted
}

// Hub is a value shared by devices (a placeholder or app-wide constant): it
// links no cluster.
type Hub struct {
	ID
	Hosts    []string
	Events   int64
	Clusters []string // listed clusters it was seen with in one event, sorted
}

// Examples is one list of sensitive events: the first MaxExamples in
// time order and the total.
type Examples struct {
	Total int64
	Rows  []Example
}

// Example is one sensitive value in an event.
type Example struct {
	TS        int64 // capture time of the request, Unix ns
	Host      string
	Event     string // event name; "" when absent
	Path      string // field path of the value
	Value     string
	Incognito bool   // the event also said it was in incognito mode
	Search    string // incognito list: the event's first search term
	URL       string // incognito list: the event's first URL
	Cluster   string // cluster of the event; "" when unknown or none

	key eventKey
}

// Timeline is the number of events per destination per time bucket.
type Timeline struct {
	Start  int64    // Unix ns of the first bucket, a multiple of Step
	Step   int64    // bucket width in ns; 0 when there are no events
	Hosts  []string // Destinations' hosts, in that order
	Counts [][]int64
}

// Load reads the dataset in dir. The manifest and the flows, http,
// payloads, events and fields tables are required; identifiers, links and
// event_clusters are used when present. Errors name the file.
func Load(ctx context.Context, dir string) (*Report, error) {
	r := &Report{}
	if err := r.loadManifest(dir); err != nil {
		return nil, err
	}
	var err error
	if r.Flows, err = numRows(dir, sink.TableFlows); err != nil {
		return nil, err
	}
	l := newLoader(r)
	steps := []func(context.Context, string) error{
		l.readHTTP, l.readPayloads, l.readFields, l.readEvents, l.readEventClusters,
		l.readIdentifiers, l.readLinks, l.readTimeline,
	}
	for _, step := range steps {
		if err := step(ctx, dir); err != nil {
			return nil, err
		}
	}
	l.finish()
	return r, nil
}

func (r *Report) loadManifest(dir string) error {
	path := filepath.Join(dir, sink.ManifestName)
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("report: %s: no manifest: not a complete telltale dataset", path)
		}
		return fmt.Errorf("report: %w", err)
	}
	var m sink.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return fmt.Errorf("report: %s: %w", path, err)
	}
	r.Tool, r.Version = m.Tool, m.Version
	for _, in := range m.Inputs {
		r.Captures = append(r.Captures, Capture{
			Name: in.Name, Format: in.Format, Size: in.Size, Packets: in.Packets,
			SHA256: in.SHA256, FirstTS: in.FirstTS, LastTS: in.LastTS, Errors: len(in.Errors),
		})
		for _, s := range []string{in.FirstTS, in.LastTS} {
			if s == "" {
				continue
			}
			t, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				return fmt.Errorf("report: %s: input %s: %w", path, in.Name, err)
			}
			r.widen(t.UnixNano())
		}
	}
	return nil
}

func (r *Report) widen(ns int64) {
	if r.First == 0 || ns < r.First {
		r.First = ns
	}
	if r.Last == 0 || ns > r.Last {
		r.Last = ns
	}
}

// eventKey names one event across the events, fields and event_clusters
// tables.
type eventKey struct {
	uid                          string
	transDepth, payload, evIndex int64
}

// keyCols are the columns of a table that hold an eventKey.
type keyCols struct {
	uid                          getStr
	transDepth, payload, evIndex getInt
}

// columns returns the key columns for scan, followed by more.
func (k *keyCols) columns(more ...column) []column {
	return append([]column{colStr("uid", &k.uid), colInt("trans_depth", &k.transDepth),
		colInt("payload_index", &k.payload), colInt("event_index", &k.evIndex)}, more...)
}

// at returns the key of row i; its uid aliases the batch.
func (k *keyCols) at(i int) eventKey {
	u, _ := k.uid(i)
	td, _ := k.transDepth(i)
	pi, _ := k.payload(i)
	ei, _ := k.evIndex(i)
	return eventKey{u, td, pi, ei}
}

func compareKey(a, b eventKey) int {
	return cmp.Or(strings.Compare(a.uid, b.uid), cmp.Compare(a.transDepth, b.transDepth),
		cmp.Compare(a.payload, b.payload), cmp.Compare(a.evIndex, b.evIndex))
}

// eventInfo is what the examples need from the events tables.
type eventInfo struct {
	ts      int64
	event   string
	cluster string
}

// loader holds the aggregation state of Load.
type loader struct {
	r     *Report
	dests map[string]*destAgg
	// wanted are the events the examples show, filled in by readEvents and
	// readEventClusters.
	wanted map[eventKey]*eventInfo
	// clusterEvents counts events per cluster (event_clusters).
	clusterEvents map[string]int64
	clusterOf     map[ID]string
	clusters      map[string]*Cluster
	hubs          map[ID]*Hub
	// evFirst and evLast bound the events' capture times.
	evFirst, evLast int64
	evHave          bool
}

type destAgg struct {
	d        Destination
	hasPay   bool
	sdks     map[string]bool
	urls     map[string]bool
	searches map[string]bool
}

func newLoader(r *Report) *loader {
	return &loader{
		r: r, dests: map[string]*destAgg{}, wanted: map[eventKey]*eventInfo{},
		clusterEvents: map[string]int64{}, clusterOf: map[ID]string{},
		clusters: map[string]*Cluster{}, hubs: map[ID]*Hub{},
	}
}

func (l *loader) dest(host string) *destAgg {
	d := l.dests[host]
	if d == nil {
		d = &destAgg{d: Destination{Host: strings.Clone(host), IDs: map[string]int64{}},
			sdks: map[string]bool{}, urls: map[string]bool{}, searches: map[string]bool{}}
		l.dests[d.d.Host] = d
	}
	return d
}

func (l *loader) readHTTP(ctx context.Context, dir string) error {
	var host getStr
	var blen getInt
	cols := []column{colStr("host", &host), colInt("request_body_len", &blen)}
	return scan(ctx, dir, sink.TableHTTP, cols, func(b *batch) error {
		for i := range b.rows() {
			h, _ := host(i)
			n, _ := blen(i)
			d := l.dest(h)
			d.d.Transactions++
			d.d.RequestBodyBytes += n
			l.r.Transactions++
		}
		return nil
	})
}

func (l *loader) readPayloads(ctx context.Context, dir string) error {
	var host, sdk getStr
	cols := []column{colStr("host", &host), colStr("sdk", &sdk)}
	return scan(ctx, dir, sink.TablePayloads, cols, func(b *batch) error {
		for i := range b.rows() {
			h, _ := host(i)
			d := l.dest(h)
			d.hasPay = true
			d.d.Payloads++
			if s, ok := sdk(i); ok && !d.sdks[s] {
				d.sdks[strings.Clone(s)] = true
			}
			l.r.Payloads++
		}
		return nil
	})
}

// isIncognito reports whether a field is an incognito flag that is set.
func isIncognito(path, value string) bool {
	if !strings.HasSuffix(strings.ToLower(path), "incognito") {
		return false
	}
	switch strings.ToLower(value) {
	case "true", "1":
		return true
	}
	return false
}

// eventFields gathers the sensitive fields of one event. The fields table
// holds an event's leaves together, in event order, so one event at a time
// is enough to tell whether a URL or search was sent in incognito mode.
type eventFields struct {
	key       eventKey
	host      string
	incognito bool
	urls      []Example
	searches  []Example
}

func (l *loader) readFields(ctx context.Context, dir string) error {
	var cur eventFields
	started := false
	flush := func() {
		if !started {
			return
		}
		for _, list := range []struct {
			ex *Examples
			xs []Example
		}{{&l.r.URLs, cur.urls}, {&l.r.Searches, cur.searches}} {
			for _, x := range list.xs {
				x.Incognito = cur.incognito
				l.keep(list.ex, x)
			}
		}
		if cur.incognito {
			x := Example{Host: cur.host, Incognito: true, key: cur.key}
			if len(cur.searches) > 0 {
				x.Search = cur.searches[0].Value
			}
			if len(cur.urls) > 0 {
				x.URL = cur.urls[0].Value
			}
			l.keep(&l.r.Incognito, x)
		}
	}
	var key keyCols
	var path, value, kind, host getStr
	cols := key.columns(colStr("path", &path), colStr("value", &value), colStr("id_kind", &kind), colStr("host", &host))
	err := scan(ctx, dir, sink.TableFields, cols, func(b *batch) error {
		for i := range b.rows() {
			k := key.at(i)
			if !started || k != cur.key {
				flush()
				h, _ := host(i)
				k.uid = strings.Clone(k.uid)
				cur = eventFields{key: k, host: strings.Clone(h)}
				started = true
			}
			p, _ := path(i)
			v, _ := value(i)
			idk, _ := kind(i)
			switch {
			case idk == "url":
				d := l.dest(cur.host)
				if !d.urls[v] {
					d.urls[strings.Clone(v)] = true
				}
				cur.urls = append(cur.urls, Example{Host: cur.host, Path: strings.Clone(p), Value: strings.Clone(v), key: cur.key})
			case idk == "search_query":
				d := l.dest(cur.host)
				if !d.searches[v] {
					d.searches[strings.Clone(v)] = true
				}
				cur.searches = append(cur.searches, Example{Host: cur.host, Path: strings.Clone(p), Value: strings.Clone(v), key: cur.key})
			case isIncognito(p, v):
				cur.incognito = true
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	flush()
	return nil
}

// keep counts x in ex and keeps it while the list is not full. Rows arrive
// in dataset order, which is capture order within each connection; they are
// sorted by time once their times are known.
func (l *loader) keep(ex *Examples, x Example) {
	ex.Total++
	if len(ex.Rows) >= MaxExamples {
		return
	}
	ex.Rows = append(ex.Rows, x)
	if l.wanted[x.key] == nil {
		l.wanted[x.key] = &eventInfo{}
	}
}

func (l *loader) readEvents(ctx context.Context, dir string) error {
	var key keyCols
	var ts getInt
	var event, host getStr
	cols := key.columns(colTS("ts", &ts), colStr("event", &event), colStr("host", &host))
	return scan(ctx, dir, sink.TableEvents, cols, func(b *batch) error {
		for i := range b.rows() {
			h, _ := host(i)
			l.dest(h).d.Events++
			l.r.Events++
			t, ok := ts(i)
			if ok {
				l.r.widen(t)
				if !l.evHave || t < l.evFirst {
					l.evFirst = t
				}
				if !l.evHave || t > l.evLast {
					l.evLast = t
				}
				l.evHave = true
			}
			if len(l.wanted) == 0 {
				continue
			}
			if w := l.wanted[key.at(i)]; w != nil {
				w.ts = t
				e, _ := event(i)
				w.event = strings.Clone(e)
			}
		}
		return nil
	})
}

// readEventClusters counts events per cluster and finds the cluster of
// the examples' events. A dataset written before the table existed has
// none: the report then leaves those columns out.
func (l *loader) readEventClusters(ctx context.Context, dir string) error {
	var key keyCols
	var cl getStr
	err := scan(ctx, dir, sink.TableEventClusters, key.columns(colStr("cluster_id", &cl)), func(b *batch) error {
		for i := range b.rows() {
			c, ok := cl(i)
			if !ok {
				continue
			}
			if _, seen := l.clusterEvents[c]; !seen {
				c = strings.Clone(c)
			}
			l.clusterEvents[c]++
			if w := l.wanted[key.at(i)]; w != nil {
				w.cluster = strings.Clone(c)
			}
		}
		return nil
	})
	if errors.Is(err, errNoTable) {
		return nil
	}
	if err == nil {
		l.r.HasEventClusters = true
	}
	return err
}

func (l *loader) readIdentifiers(ctx context.Context, dir string) error {
	var kind, value, cluster getStr
	var events getInt
	var hosts func(i int) []string
	var hub func(i int) (bool, bool)
	cols := []column{colStr("kind", &kind), colStr("value", &value), colInt("events", &events),
		colStrList("hosts", &hosts), colStr("cluster_id", &cluster), colBool("hub", &hub)}
	err := scan(ctx, dir, sink.TableIDs, cols, func(b *batch) error {
		for i := range b.rows() {
			k, _ := kind(i)
			v, _ := value(i)
			id := ID{strings.Clone(k), strings.Clone(v)}
			hs := hosts(i)
			for j := range hs {
				hs[j] = strings.Clone(hs[j])
				l.dest(hs[j]).d.IDs[id.Kind]++
			}
			if h, _ := hub(i); h {
				n, _ := events(i)
				l.hubs[id] = &Hub{ID: id, Hosts: hs, Events: n}
				continue
			}
			c, _ := cluster(i)
			cl := l.clusters[c]
			if cl == nil {
				cl = &Cluster{ID: strings.Clone(c), Events: -1}
				l.clusters[cl.ID] = cl
			}
			cl.Members = append(cl.Members, id)
			cl.Hosts = append(cl.Hosts, hs...)
			l.clusterOf[id] = cl.ID
		}
		return nil
	})
	if errors.Is(err, errNoTable) {
		return nil
	}
	if err == nil {
		l.r.HasIdentifiers = true
	}
	return err
}

// listed reports whether a cluster is shown: more than one identifier, or
// a device's hardware id. Singletons of other kinds (context values, one
// app's install id) say nothing about who is who.
func listed(c *Cluster) bool {
	return len(c.Members) > 1 || (len(c.Members) == 1 && correlate.HardwareKind(c.Members[0].Kind))
}

// readLinks finds, for each hub, the listed clusters it was sent with in
// one event: the evidence that it is shared.
func (l *loader) readLinks(ctx context.Context, dir string) error {
	if len(l.hubs) == 0 {
		return nil
	}
	var kindA, valueA, kindB, valueB, level getStr
	cols := []column{colStr("kind_a", &kindA), colStr("value_a", &valueA),
		colStr("kind_b", &kindB), colStr("value_b", &valueB), colStr("level", &level)}
	hubClusters := map[ID]map[string]bool{}
	clusterHubs := map[string]map[ID]bool{}
	err := scan(ctx, dir, sink.TableLinks, cols, func(b *batch) error {
		for i := range b.rows() {
			if lv, _ := level(i); lv != "event" {
				continue
			}
			ka, _ := kindA(i)
			va, _ := valueA(i)
			kb, _ := kindB(i)
			vb, _ := valueB(i)
			a, bb := ID{ka, va}, ID{kb, vb}
			for _, p := range [][2]ID{{a, bb}, {bb, a}} {
				h := l.hubs[p[0]]
				c, ok := l.clusterOf[p[1]]
				if h == nil || !ok || !listed(l.clusters[c]) {
					continue
				}
				if hubClusters[h.ID] == nil {
					hubClusters[h.ID] = map[string]bool{}
				}
				hubClusters[h.ID][c] = true
				if clusterHubs[c] == nil {
					clusterHubs[c] = map[ID]bool{}
				}
				clusterHubs[c][h.ID] = true
			}
		}
		return nil
	})
	if errors.Is(err, errNoTable) {
		return nil
	}
	for id, cs := range hubClusters {
		l.hubs[id].Clusters = sortedKeys(cs)
	}
	for c, hs := range clusterHubs {
		for h := range hs {
			l.clusters[c].Hubs = append(l.clusters[c].Hubs, h)
		}
	}
	return err
}

// maxBuckets bounds the bars of the events-over-time plot.
const maxBuckets = 48

// bucketSteps are the widths tried for the time buckets, smallest first.
var bucketSteps = []time.Duration{
	100 * time.Millisecond, 200 * time.Millisecond, 500 * time.Millisecond,
	time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second,
	time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour,
	2 * 24 * time.Hour, 7 * 24 * time.Hour,
}

// bucketStep returns the smallest step that covers [first, last] in at most
// maxBuckets buckets aligned on multiples of the step.
func bucketStep(first, last int64) int64 {
	for _, s := range bucketSteps {
		st := int64(s)
		if floorDiv(last, st)-floorDiv(first, st)+1 <= maxBuckets {
			return st
		}
	}
	st := int64(bucketSteps[len(bucketSteps)-1])
	for floorDiv(last, st)-floorDiv(first, st)+1 > maxBuckets {
		st *= 2
	}
	return st
}

// floorDiv divides rounding towards minus infinity, so that times before
// 1970 fall in the right bucket too.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// readTimeline is a second pass over the events: the bucket width depends
// on their span, known only after the first.
func (l *loader) readTimeline(ctx context.Context, dir string) error {
	l.finishDestinations()
	tl := &l.r.Timeline
	for _, d := range l.r.Destinations {
		tl.Hosts = append(tl.Hosts, d.Host)
	}
	if !l.evHave {
		return nil
	}
	col := map[string]int{}
	for i, h := range tl.Hosts {
		col[h] = i
	}
	first, last := l.evFirst, l.evLast
	tl.Step = bucketStep(first, last)
	tl.Start = floorDiv(first, tl.Step) * tl.Step
	n := floorDiv(last, tl.Step) - floorDiv(first, tl.Step) + 1
	tl.Counts = make([][]int64, n)
	for i := range tl.Counts {
		tl.Counts[i] = make([]int64, len(tl.Hosts))
	}
	var ts getInt
	var host getStr
	return scan(ctx, dir, sink.TableEvents, []column{colTS("ts", &ts), colStr("host", &host)}, func(b *batch) error {
		for i := range b.rows() {
			t, ok := ts(i)
			if !ok {
				continue
			}
			h, _ := host(i)
			c, ok := col[h]
			if !ok { // an event's host always has its payload
				continue
			}
			tl.Counts[(t-tl.Start)/tl.Step][c]++
		}
		return nil
	})
}

// finishDestinations turns the per-host aggregates into the sorted
// destination list: hosts that received at least one payload.
func (l *loader) finishDestinations() {
	l.r.Destinations = l.r.Destinations[:0]
	for _, d := range l.dests {
		if !d.hasPay {
			continue
		}
		d.d.SDKs = sortedKeys(d.sdks)
		d.d.URLs, d.d.Searches = int64(len(d.urls)), int64(len(d.searches))
		l.r.Destinations = append(l.r.Destinations, d.d)
	}
	slices.SortFunc(l.r.Destinations, func(a, b Destination) int { return strings.Compare(a.Host, b.Host) })
}

func (l *loader) finish() {
	l.finishDestinations()
	kinds := map[string]bool{}
	for _, d := range l.r.Destinations {
		for k := range d.IDs {
			kinds[k] = true
		}
	}
	l.r.IDKinds = sortedKeys(kinds)

	for _, c := range l.clusters {
		if !listed(c) {
			continue
		}
		slices.SortFunc(c.Members, compareID)
		slices.Sort(c.Hosts)
		c.Hosts = slices.Compact(c.Hosts)
		slices.SortFunc(c.Hubs, compareID)
		if l.r.HasEventClusters {
			c.Events = l.clusterEvents[c.ID]
		}
		l.r.Clusters = append(l.r.Clusters, *c)
	}
	slices.SortFunc(l.r.Clusters, func(a, b Cluster) int {
		return cmp.Or(cmp.Compare(len(b.Members), len(a.Members)), strings.Compare(a.ID, b.ID))
	})
	for _, h := range l.hubs {
		l.r.Hubs = append(l.r.Hubs, *h)
	}
	slices.SortFunc(l.r.Hubs, func(a, b Hub) int { return compareID(a.ID, b.ID) })

	for _, ex := range []*Examples{&l.r.URLs, &l.r.Searches, &l.r.Incognito} {
		for i := range ex.Rows {
			x := &ex.Rows[i]
			if w := l.wanted[x.key]; w != nil {
				x.TS, x.Event, x.Cluster = w.ts, w.event, w.cluster
			}
		}
		slices.SortStableFunc(ex.Rows, func(a, b Example) int {
			return cmp.Or(cmp.Compare(a.TS, b.TS), compareKey(a.key, b.key))
		})
	}
}

func compareID(a, b ID) int {
	return cmp.Or(strings.Compare(a.Kind, b.Kind), strings.Compare(a.Value, b.Value))
}

func sortedKeys[K cmp.Ordered](m map[K]bool) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
