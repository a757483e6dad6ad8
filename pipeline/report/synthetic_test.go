package report

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"telltale/pipeline/sink"
)

// hostile values: what a capture can put in a host, an event name and a
// field value.
const (
	evilHost  = `evil.example"><script>alert(1)</script>`
	evilEvent = `<img src=x onerror=alert(2)>`
	evilURL   = "https://x.example/</td></tr><svg onload=alert(3)>\x1b[31m"
	evilKind  = `kind"><b>`
)

// writeDataset writes a small dataset with sink: one connection to a
// hostile host carrying nURLs events, each with one URL field, and every
// third event flagged incognito; plus one identifier cluster of two values.
func writeDataset(t *testing.T, nURLs int) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "ds")
	w, err := sink.Create(sink.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	ts := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC).UnixNano()
	must := func(err error) {
		t.Helper()
		if err != nil {
			w.Abort()
			t.Fatal(err)
		}
	}
	must(w.Flow(&sink.FlowRow{UID: "C1", TS: ts, TSEnd: ts, OrigH: "10.0.0.2", OrigP: 40000, RespH: "10.0.0.1", RespP: 80, AppUID: -1, End: "fin", Roles: "syn"}))
	must(w.HTTP(&sink.HTTPRow{UID: "C1", TransDepth: 1, TS: ts, TSEnd: ts, Method: "POST", Host: evilHost, RequestBodyLen: 1234}))
	must(w.HTTP(&sink.HTTPRow{UID: "C1", TransDepth: 2, TS: ts, TSEnd: ts, Method: "GET", Host: "plain.example", RequestBodyLen: 99}))
	must(w.Payload(&sink.PayloadRow{UID: "C1", TransDepth: 1, TS: ts, Host: evilHost, SDK: "sdk<x>", Location: "body"}))
	for i := range nURLs {
		ets := ts + int64(i)*int64(time.Minute)
		must(w.Event(&sink.EventRow{UID: "C1", TransDepth: 1, EventIndex: int32(i), TS: ets, Event: evilEvent, Host: evilHost}))
		must(w.Field(&sink.FieldRow{UID: "C1", TransDepth: 1, EventIndex: int32(i), Path: "properties.url", Value: fmt.Sprintf("%s%d", evilURL, i), JSONType: "string", IDKind: "url", Host: evilHost}))
		if i%3 == 0 {
			must(w.Field(&sink.FieldRow{UID: "C1", TransDepth: 1, EventIndex: int32(i), Path: "properties.is_incognito", Value: "true", JSONType: "bool", Host: evilHost}))
		}
		must(w.EventCluster(&sink.EventClusterRow{UID: "C1", TransDepth: 1, EventIndex: int32(i), ClusterID: "Kaaaa"}))
	}
	must(w.Identifier(&sink.IdentifierRow{Kind: "android_id", Value: "0123456789abcdef", FirstTS: ts, LastTS: ts, Events: 1, Hosts: []string{evilHost}, ClusterID: "Kaaaa", ClusterSize: 2}))
	must(w.Identifier(&sink.IdentifierRow{Kind: evilKind, Value: "<v>", FirstTS: ts, LastTS: ts, Events: 1, Hosts: []string{evilHost}, ClusterID: "Kaaaa", ClusterSize: 2}))
	// A singleton of a non-hardware kind (not listed), a hardware singleton
	// (listed), and a hub seen in an event with the first cluster.
	must(w.Identifier(&sink.IdentifierRow{Kind: "device_id", Value: "dv-1", FirstTS: ts, LastTS: ts, Events: 1, Hosts: []string{evilHost}, ClusterID: "Kbbbb", ClusterSize: 1}))
	must(w.Identifier(&sink.IdentifierRow{Kind: "imei", Value: "356938035643809", FirstTS: ts, LastTS: ts, Events: 1, Hosts: []string{"plain.example"}, ClusterID: "Kcccc", ClusterSize: 1}))
	must(w.Identifier(&sink.IdentifierRow{Kind: "android_id", Value: "9774d56d682e549c", FirstTS: ts, LastTS: ts, Events: 3, Hosts: []string{evilHost}, ClusterID: "Kdddd", ClusterSize: 1, Hub: true}))
	must(w.Link(&sink.LinkRow{KindA: "android_id", ValueA: "0123456789abcdef", KindB: "android_id", ValueB: "9774d56d682e549c", Level: "event", Events: 1, Payloads: 1, Conns: 1}))
	must(w.Link(&sink.LinkRow{KindA: "android_id", ValueA: "9774d56d682e549c", KindB: "device_id", ValueB: "dv-1", Level: "event", Events: 1, Payloads: 1, Conns: 1}))
	must(w.Link(&sink.LinkRow{KindA: "android_id", ValueA: "9774d56d682e549c", KindB: "imei", ValueB: "356938035643809", Level: "payload", Events: 0, Payloads: 1, Conns: 1}))
	outs, err := w.Close()
	if err != nil {
		t.Fatal(err)
	}
	if err := sink.WriteManifest(dir, &sink.Manifest{Version: "test", Outputs: outs, Inputs: []sink.Input{{
		Name: "<cap>.pcap", Format: "pcap", Packets: 10, FirstTS: sink.TimeString(ts), LastTS: sink.TimeString(ts + int64(time.Second)),
	}}}); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestEscaping(t *testing.T) {
	dir := writeDataset(t, 3)
	r, err := Load(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	var h, x bytes.Buffer
	if err := r.WriteHTML(&h); err != nil {
		t.Fatal(err)
	}
	html := h.String()
	for _, bad := range []string{"<script", "<img", "<b>", "<cap>", "\x1b", "<v>", "sdk<x>", "<svg onload"} {
		if strings.Contains(html, bad) {
			t.Errorf("HTML holds unescaped %q", bad)
		}
	}
	for _, good := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(2)&gt;", "&lt;cap&gt;.pcap", `\x1b[31m`} {
		if !strings.Contains(html, good) {
			t.Errorf("HTML lacks the escaped %q", good)
		}
	}
	if err := r.WriteText(&x); err != nil {
		t.Fatal(err)
	}
	text := x.String()
	if strings.Contains(text, "\x1b") {
		t.Error("terminal text holds an escape character")
	}
	if !strings.Contains(text, `\x1b[31m`) {
		t.Error("terminal text lacks the quoted escape character")
	}
	if want := fmt.Sprintf("%q", evilHost); !strings.Contains(text, want) {
		t.Errorf("terminal text lacks the quoted host %s", want)
	}
}

func TestSynthetic(t *testing.T) {
	const n = MaxExamples + 5
	r, err := Load(context.Background(), writeDataset(t, n))
	if err != nil {
		t.Fatal(err)
	}
	if r.URLs.Total != n || len(r.URLs.Rows) != MaxExamples {
		t.Errorf("URLs: total %d, %d rows; want %d, %d", r.URLs.Total, len(r.URLs.Rows), n, MaxExamples)
	}
	wantInc := int64((n + 2) / 3) // events 0, 3, 6, ...
	if r.Incognito.Total != wantInc {
		t.Errorf("incognito: %d, want %d", r.Incognito.Total, wantInc)
	}
	for i, x := range r.URLs.Rows {
		if want := fmt.Sprintf("%s%d", evilURL, i); x.Value != want || x.Incognito != (i%3 == 0) || x.Cluster != "Kaaaa" || x.Event != evilEvent {
			t.Errorf("URL row %d = %+v, want value %q incognito %v", i, x, want, i%3 == 0)
		}
		if i > 0 && x.TS <= r.URLs.Rows[i-1].TS {
			t.Errorf("URL rows not in time order at %d", i)
		}
	}
	// 25 events a minute apart span 24 minutes: one-minute buckets.
	if r.Timeline.Step != int64(time.Minute) || len(r.Timeline.Counts) != n {
		t.Errorf("timeline: step %v, %d buckets", time.Duration(r.Timeline.Step), len(r.Timeline.Counts))
	}
	// Listed: the two-member cluster, then the hardware singleton; the hub
	// apart, with the one listed cluster it shared an event with.
	var got []string
	for _, c := range r.Clusters {
		got = append(got, fmt.Sprintf("%s:%d:%d:%v", c.ID, len(c.Members), c.Events, c.Hubs))
	}
	if want := []string{fmt.Sprintf("Kaaaa:2:%d:[android_id: 9774d56d682e549c]", n), "Kcccc:1:0:[]"}; !slices.Equal(got, want) {
		t.Errorf("clusters = %q, want %q", got, want)
	}
	if len(r.Hubs) != 1 || r.Hubs[0].Value != "9774d56d682e549c" || !slices.Equal(r.Hubs[0].Clusters, []string{"Kaaaa"}) {
		t.Errorf("hubs = %+v", r.Hubs)
	}
	// Destinations: only the host with a payload; its bytes are its own.
	if len(r.Destinations) != 1 || r.Destinations[0].Host != evilHost || r.Destinations[0].RequestBodyBytes != 1234 {
		t.Errorf("destinations = %+v", r.Destinations)
	}
}

// TestOptionalTables: a dataset without event_clusters (or without the
// correlation tables at all) still gives a report, without those columns.
func TestOptionalTables(t *testing.T) {
	dir := writeDataset(t, 3)
	if err := os.Remove(tablePath(dir, sink.TableEventClusters)); err != nil {
		t.Fatal(err)
	}
	r, err := Load(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if r.HasEventClusters || len(r.Clusters) != 2 || r.Clusters[0].Events != -1 || r.URLs.Rows[0].Cluster != "" {
		t.Errorf("without event_clusters: has %v, clusters %+v, example cluster %q", r.HasEventClusters, r.Clusters, r.URLs.Rows[0].Cluster)
	}
	var x bytes.Buffer
	if err := r.WriteText(&x); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(x.String(), "  Kaaaa  2 identifiers\n") {
		t.Errorf("cluster line without events count missing:\n%s", x.String())
	}
	for _, tb := range []string{sink.TableIDs, sink.TableLinks} {
		if err := os.Remove(tablePath(dir, tb)); err != nil {
			t.Fatal(err)
		}
	}
	r, err = Load(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	x.Reset()
	if err := r.WriteText(&x); err != nil {
		t.Fatal(err)
	}
	if r.HasIdentifiers || !strings.Contains(x.String(), "CLUSTERS: the dataset has no identifiers table") {
		t.Errorf("without identifiers: %v\n%s", r.HasIdentifiers, x.String())
	}
}

// TestErrorsNameTheFile: a missing manifest, a missing required table and a
// corrupt table are each reported with the file's path.
func TestErrorsNameTheFile(t *testing.T) {
	for _, tc := range []struct {
		name   string
		damage func(dir string) error
		file   string
	}{
		{"no manifest", func(d string) error { return os.Remove(filepath.Join(d, sink.ManifestName)) }, sink.ManifestName},
		{"bad manifest", func(d string) error { return os.WriteFile(filepath.Join(d, sink.ManifestName), []byte("{"), 0o644) }, sink.ManifestName},
		{"no events", func(d string) error { return os.Remove(tablePath(d, sink.TableEvents)) }, "events.parquet"},
		{"corrupt fields", func(d string) error {
			return os.WriteFile(tablePath(d, sink.TableFields), []byte("PAR1 not parquet"), 0o644)
		}, "fields.parquet"},
		{"truncated http", func(d string) error {
			p := tablePath(d, sink.TableHTTP)
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(p, b[:len(b)/2], 0o644)
		}, "http.parquet"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeDataset(t, 2)
			if err := tc.damage(dir); err != nil {
				t.Fatal(err)
			}
			_, err := Load(context.Background(), dir)
			if err == nil {
				t.Fatal("Load succeeded")
			}
			if want := filepath.Join(dir, tc.file); !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "report: ") {
				t.Errorf("error %q does not name %s", err, want)
			}
		})
	}
	_, err := Load(context.Background(), filepath.Join(t.TempDir(), "missing"))
	if err == nil || !strings.Contains(err.Error(), "manifest.json") {
		t.Errorf("missing directory: %v", err)
	}
}
