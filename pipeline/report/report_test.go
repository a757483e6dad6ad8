package report

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"telltale/pipeline"
	"telltale/pipeline/correlate"
	"telltale/pipeline/leak"
	"telltale/pipeline/sink/sinktest"
)

const samplesDir = "../../samples"

// runSample runs the pipeline on a shipped sample into a temporary
// directory and returns the dataset directory.
func runSample(t testing.TB, pcap, known string) string {
	t.Helper()
	var ks []leak.Known
	if known != "" {
		var err error
		if ks, err = leak.Load(filepath.Join(samplesDir, known)); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(t.TempDir(), "out")
	cfg := pipeline.Config{Inputs: []string{filepath.Join(samplesDir, pcap)}, OutDir: out, Workers: 2, Version: "test", Known: ks}
	if _, err := pipeline.Run(context.Background(), cfg); err != nil {
		t.Fatalf("pipeline.Run(%s): %v", pcap, err)
	}
	return out
}

// truth is the part of a sample's truth file the report can be checked
// against.
type truth struct {
	Counts struct {
		Flows            int64 `json:"flows"`
		HTTPTransactions int64 `json:"http_transactions"`
		Payloads         int64 `json:"payloads"`
	} `json:"counts"`
	HTTP []struct {
		ClientPort       int    `json:"client_port"`
		RequestIndex     int    `json:"request_index"`
		Host             string `json:"host"`
		RequestBodyBytes int64  `json:"request_body_bytes"`
		Telemetry        bool   `json:"telemetry"`
	} `json:"http"`
	Payloads []struct {
		ClientPort   int    `json:"client_port"`
		RequestIndex int    `json:"request_index"`
		Location     string `json:"location"`
	} `json:"payloads"`
	Events []struct {
		ClientPort   int    `json:"client_port"`
		RequestIndex int    `json:"request_index"`
		Event        string `json:"event"`
		Object       struct {
			Properties map[string]any `json:"properties"`
		} `json:"object"`
	} `json:"events"`
	IdentityGroups []struct {
		Name    string         `json:"name"`
		Members []correlate.ID `json:"members"`
	} `json:"identity_groups"`
	Hubs    []correlate.ID `json:"hubs"`
	Devices []struct {
		Name     string `json:"name"`
		Person   string `json:"person"`
		ClientIP string `json:"client_ip"`
	} `json:"devices"`
	Flows []struct {
		ClientIP   string `json:"client_ip"`
		ClientPort int    `json:"client_port"`
	} `json:"flows"`
}

func loadTruth(t *testing.T, name string) *truth {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(samplesDir, name))
	if err != nil {
		t.Fatal(err)
	}
	var tr truth
	if err := json.Unmarshal(data, &tr); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return &tr
}

type reqKey struct{ port, index int }

func (tr *truth) hostOf() map[reqKey]string {
	m := map[reqKey]string{}
	for _, h := range tr.HTTP {
		m[reqKey{h.ClientPort, h.RequestIndex}] = h.Host
	}
	return m
}

// telemetryHosts are the hosts of the requests the truth marks as carrying
// telemetry, sorted.
func (tr *truth) telemetryHosts() []string {
	set := map[string]bool{}
	for _, h := range tr.HTTP {
		if h.Telemetry {
			set[h.Host] = true
		}
	}
	return sortedKeys(set)
}

// wantEvents is the events table's row count: the truth's events plus one
// row for each decoded response object (the pipeline's convention for a
// response payload, which the truth lists with no events).
func (tr *truth) wantEventsPerHost() map[string]int64 {
	hostOf := tr.hostOf()
	m := map[string]int64{}
	for _, e := range tr.Events {
		m[hostOf[reqKey{e.ClientPort, e.RequestIndex}]]++
	}
	for _, p := range tr.Payloads {
		if p.Location == "response" {
			m[hostOf[reqKey{p.ClientPort, p.RequestIndex}]]++
		}
	}
	return m
}

// textSections splits the terminal text into sections keyed by the first
// word of their header line.
func textSections(t *testing.T, text string) map[string][]string {
	t.Helper()
	secs := map[string][]string{}
	cur := ""
	for _, line := range strings.Split(text, "\n") {
		if line == "" {
			continue
		}
		if !strings.HasPrefix(line, " ") {
			cur = strings.Fields(line)[0]
			secs[cur] = append(secs[cur], line)
			continue
		}
		secs[cur] = append(secs[cur], line)
	}
	return secs
}

// tokens splits a text row into its columns: words, or Go-quoted strings
// (unquoted).
func rowTokens(t *testing.T, line string) []string {
	t.Helper()
	var out []string
	s := strings.TrimSpace(line)
	for s != "" {
		if s[0] == '"' {
			q, err := strconv.QuotedPrefix(s)
			if err != nil {
				t.Fatalf("row %q: %v", line, err)
			}
			v, _ := strconv.Unquote(q)
			out = append(out, v)
			s = strings.TrimSpace(s[len(q):])
			continue
		}
		i := strings.IndexAny(s, " ")
		if i < 0 {
			i = len(s)
		}
		out = append(out, s[:i])
		s = strings.TrimSpace(s[i:])
	}
	return out
}

// tableRows returns the token rows of a section's table (after its header
// row, whose first column is the given name).
func tableRows(t *testing.T, sec []string, first string) [][]string {
	t.Helper()
	var rows [][]string
	seen := false
	for _, l := range sec[1:] {
		toks := rowTokens(t, l)
		if !seen {
			seen = len(toks) > 0 && toks[0] == first
			continue
		}
		rows = append(rows, toks)
	}
	return rows
}

func canonical(ids []correlate.ID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		c := correlate.Canonical(id)
		out[i] = c.Kind + ": " + c.Value
	}
	slices.Sort(out)
	return out
}

func TestHousehold(t *testing.T) {
	tr := loadTruth(t, "household.truth.json")
	dir := runSample(t, "household.pcap", "")
	r, err := Load(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	if err := r.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	secs := textSections(t, text.String())

	// Summary.
	wantEvents := int64(0)
	for _, n := range tr.wantEventsPerHost() {
		wantEvents += n
	}
	summary := map[string]string{}
	for _, l := range secs["SUMMARY"][1:] {
		if f := strings.Fields(l); len(f) == 2 {
			summary[f[0]] = f[1]
		}
	}
	for k, want := range map[string]int64{
		"captures": 1, "flows": tr.Counts.Flows, "transactions": tr.Counts.HTTPTransactions,
		"payloads": tr.Counts.Payloads, "events": wantEvents,
	} {
		if summary[k] != strconv.FormatInt(want, 10) {
			t.Errorf("summary %s = %q, want %d", k, summary[k], want)
		}
	}

	// Destinations: exactly the hosts that carried telemetry, with their
	// request bytes, payloads and events per the truth.
	hostOf := tr.hostOf()
	wantBytes := map[string]int64{}
	for _, h := range tr.HTTP {
		wantBytes[h.Host] += h.RequestBodyBytes
	}
	wantPayloads := map[string]int64{}
	for _, p := range tr.Payloads {
		wantPayloads[hostOf[reqKey{p.ClientPort, p.RequestIndex}]]++
	}
	wantEv := tr.wantEventsPerHost()
	var gotHosts []string
	for _, row := range tableRows(t, secs["DESTINATIONS"], "HOST") {
		h := row[0]
		gotHosts = append(gotHosts, h)
		want := []string{strconv.FormatInt(wantPayloads[h], 10), strconv.FormatInt(wantEv[h], 10), "", strconv.FormatInt(wantBytes[h], 10)}
		if row[1] != want[0] || row[2] != want[1] || row[4] != want[3] {
			t.Errorf("destination %s: payloads, events, request bytes = %s %s %s, want %s %s %s", h, row[1], row[2], row[4], want[0], want[1], want[3])
		}
	}
	if want := tr.telemetryHosts(); !slices.Equal(gotHosts, want) {
		t.Errorf("destinations = %v, want the truth's telemetry hosts %v", gotHosts, want)
	}

	// Clusters: one per identity group, with exactly its members; the hubs
	// are the truth's, each seen with both people.
	type cl struct {
		id      string
		members []string
	}
	var clusters []cl
	for _, l := range secs["CLUSTERS"][1:] {
		switch {
		case strings.HasPrefix(l, "  K"):
			clusters = append(clusters, cl{id: strings.Fields(l)[0]})
		case strings.HasPrefix(l, "    ") && !strings.HasPrefix(l, "    hosts:") && !strings.HasPrefix(l, "    shared"):
			toks := rowTokens(t, l)
			c := &clusters[len(clusters)-1]
			c.members = append(c.members, strings.TrimSuffix(toks[0], ":")+": "+toks[1])
		}
	}
	if len(clusters) != len(tr.IdentityGroups) {
		t.Fatalf("%d clusters, want %d (the identity groups):\n%s", len(clusters), len(tr.IdentityGroups), strings.Join(secs["CLUSTERS"], "\n"))
	}
	clusterOfPerson := map[string]string{}
	for _, g := range tr.IdentityGroups {
		want := canonical(g.Members)
		found := false
		for _, c := range clusters {
			if slices.Equal(c.members, want) {
				found = true
				clusterOfPerson[g.Name] = c.id
			}
		}
		if !found {
			t.Errorf("no cluster with exactly the members of %s %v", g.Name, want)
		}
	}
	var gotHubs []string
	for _, l := range secs["HUBS"][1:] {
		toks := rowTokens(t, l)
		gotHubs = append(gotHubs, strings.TrimSuffix(toks[0], ":")+": "+toks[1])
		with := toks[len(toks)-1]
		if want := strings.Join(sortedKeys(map[string]bool{clusterOfPerson["person-x"]: true, clusterOfPerson["person-y"]: true}), ","); with != want {
			t.Errorf("hub %s seen with %s, want %s", toks[1], with, want)
		}
	}
	if want := canonical(tr.Hubs); !slices.Equal(gotHubs, want) {
		t.Errorf("hubs = %v, want %v", gotHubs, want)
	}

	// Incognito: the searches marked incognito are the truth's incognito
	// events that carried a search term, attributed to the person whose
	// device sent them; the incognito list is every incognito event.
	personOfIP := map[string]string{}
	for _, d := range tr.Devices {
		personOfIP[d.ClientIP] = d.Person
	}
	ipOfPort := map[int]string{}
	for _, f := range tr.Flows {
		ipOfPort[f.ClientPort] = f.ClientIP
	}
	var wantSearches, gotSearches []string
	wantIncognito := 0
	for _, e := range tr.Events {
		p := e.Object.Properties
		if p["is_incognito"] != true {
			continue
		}
		wantIncognito++
		who := clusterOfPerson[personOfIP[ipOfPort[e.ClientPort]]]
		host := hostOf[reqKey{e.ClientPort, e.RequestIndex}]
		if s, ok := p["search_word"].(string); ok {
			wantSearches = append(wantSearches, strings.Join([]string{host, e.Event, who, s}, "|"))
		}
		if u, ok := p["url"].(string); ok {
			if pu, err := url.Parse(u); err == nil && pu.Query().Get("q") != "" {
				wantSearches = append(wantSearches, strings.Join([]string{host, e.Event, who, pu.Query().Get("q")}, "|"))
			}
		}
	}
	for _, row := range tableRows(t, secs["SEARCHES"], "TIME") {
		// TIME HOST EVENT CLUSTER MODE FIELD VALUE
		if row[4] == "incognito" {
			gotSearches = append(gotSearches, strings.Join([]string{row[1], row[2], row[3], row[6]}, "|"))
		}
	}
	slices.Sort(wantSearches)
	slices.Sort(gotSearches)
	if len(wantSearches) == 0 || !slices.Equal(gotSearches, wantSearches) {
		t.Errorf("incognito searches:\n got %q\nwant %q", gotSearches, wantSearches)
	}
	if rows := tableRows(t, secs["INCOGNITO"], "TIME"); len(rows) != wantIncognito {
		t.Errorf("%d incognito events listed, want %d", len(rows), wantIncognito)
	}

	// The plot's buckets hold every event of each destination.
	for j, h := range r.Timeline.Hosts {
		var n int64
		for _, b := range r.Timeline.Counts {
			n += b[j]
		}
		if n != wantEv[h] {
			t.Errorf("timeline: %d events of %s, want %d", n, h, wantEv[h])
		}
	}

	// The identifier kinds table agrees with an independent reader.
	checkKindsAgainstDuckDB(t, dir, secs["IDENTIFIER"])
}

// checkKindsAgainstDuckDB compares the identifier-kinds table of the text
// with the same counts computed by DuckDB from the identifiers and fields
// tables.
func checkKindsAgainstDuckDB(t *testing.T, dir string, sec []string) {
	t.Helper()
	want := map[string]string{}
	for _, r := range sinktest.Query(t, `SELECT h, kind, count(*) FROM (SELECT unnest(hosts) AS h, kind FROM read_parquet(?)) GROUP BY ALL`, tablePath(dir, "identifiers")) {
		want[r[0]+"|"+r[1]] = r[2]
	}
	for _, r := range sinktest.Query(t, `SELECT host, CASE id_kind WHEN 'url' THEN 'urls' ELSE 'searches' END, count(DISTINCT value) FROM read_parquet(?) WHERE id_kind IN ('url', 'search_query') GROUP BY ALL`, tablePath(dir, "fields")) {
		want[r[0]+"|"+r[1]] = r[2]
	}
	header := rowTokens(t, sec[1])
	got := map[string]string{}
	for _, row := range tableRows(t, sec, "HOST") {
		for j := 1; j < len(header); j++ {
			if row[j] != "0" {
				got[row[0]+"|"+header[j]] = row[j]
			}
		}
	}
	if len(got) == 0 || len(got) != len(want) {
		t.Errorf("identifier kinds: %d non-zero cells, DuckDB finds %d", len(got), len(want))
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("identifier kinds %s = %q, DuckDB says %s", k, got[k], v)
		}
	}
}

func TestSDKZoo(t *testing.T) {
	tr := loadTruth(t, "sdk-zoo.truth.json")
	dir := runSample(t, "sdk-zoo.pcap", "sdk-zoo.known.yaml")
	r, err := Load(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	if err := r.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	secs := textSections(t, text.String())
	var hosts []string
	for _, row := range tableRows(t, secs["DESTINATIONS"], "HOST") {
		hosts = append(hosts, row[0])
	}
	if want := tr.telemetryHosts(); !slices.Equal(hosts, want) {
		t.Errorf("destinations = %v, want %v", hosts, want)
	}
	if r.Flows != tr.Counts.Flows || r.Transactions != tr.Counts.HTTPTransactions || r.Payloads != tr.Counts.Payloads {
		t.Errorf("flows, transactions, payloads = %d %d %d, want %d %d %d", r.Flows, r.Transactions, r.Payloads,
			tr.Counts.Flows, tr.Counts.HTTPTransactions, tr.Counts.Payloads)
	}
	// Every known value of the phone's owner is in one listed cluster.
	known, err := leak.Load(filepath.Join(samplesDir, "sdk-zoo.known.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, k := range known {
		c := correlate.Canonical(correlate.ID{Kind: k.Kind, Value: k.Value})
		want = append(want, c.Kind+": "+c.Value)
	}
	found := false
	for _, c := range r.Clusters {
		var ms []string
		for _, m := range c.Members {
			ms = append(ms, m.String())
		}
		hasAll := true
		for _, w := range want {
			hasAll = hasAll && slices.Contains(ms, w)
		}
		if hasAll {
			found = true
			if !strings.Contains(text.String(), "  "+c.ID+"  ") {
				t.Errorf("cluster %s not in the text", c.ID)
			}
		}
	}
	if !found {
		t.Errorf("no cluster holds all the known values %v", want)
	}
	if len(r.Hubs) != 0 {
		t.Errorf("hubs %v in a sample with none", r.Hubs)
	}
}

// TestDeterministic: two runs of the pipeline on one capture give the same
// HTML and text bytes.
func TestDeterministic(t *testing.T) {
	var htmls, texts [2][]byte
	for i := range 2 {
		r, err := Load(context.Background(), runSample(t, "household.pcap", ""))
		if err != nil {
			t.Fatal(err)
		}
		var h, x bytes.Buffer
		if err := r.WriteHTML(&h); err != nil {
			t.Fatal(err)
		}
		if err := r.WriteText(&x); err != nil {
			t.Fatal(err)
		}
		htmls[i], texts[i] = h.Bytes(), x.Bytes()
	}
	if !bytes.Equal(htmls[0], htmls[1]) {
		t.Error("HTML differs between two runs")
	}
	if !bytes.Equal(texts[0], texts[1]) {
		t.Error("text differs between two runs")
	}
}

func TestBucketStep(t *testing.T) {
	s := int64(time.Second)
	for _, tc := range []struct {
		first, last, want int64
	}{
		{0, 0, int64(100 * time.Millisecond)},
		{0, 4 * s, int64(100 * time.Millisecond)}, // 41 buckets
		{0, 5 * s, int64(200 * time.Millisecond)}, // 51 at 100ms
		{0, 26 * s, s},                        // 27 buckets
		{17*s + 1, 64 * s, s},                 // 64 - 17 + 1 = 48 buckets
		{17*s + 1, 65 * s, 2 * s},             // 49 at 1s
		{0, 3600 * s, int64(2 * time.Minute)}, // 31 buckets
		{0, 100 * 24 * 3600 * s, int64(7 * 24 * time.Hour)},
		{0, 1000 * 24 * 3600 * s, int64(4 * 7 * 24 * time.Hour)}, // beyond the list: weeks doubled
		{-3 * s, 2 * s, int64(200 * time.Millisecond)},
	} {
		got := bucketStep(tc.first, tc.last)
		if got != tc.want {
			t.Errorf("bucketStep(%d, %d) = %v, want %v", tc.first, tc.last, time.Duration(got), time.Duration(tc.want))
		}
		if n := floorDiv(tc.last, got) - floorDiv(tc.first, got) + 1; n > maxBuckets {
			t.Errorf("bucketStep(%d, %d): %d buckets", tc.first, tc.last, n)
		}
	}
}

func TestNiceStep(t *testing.T) {
	for _, tc := range []struct{ max, want int64 }{
		{0, 1}, {5, 1}, {6, 2}, {10, 2}, {11, 5}, {25, 5}, {26, 10}, {50, 10}, {51, 20}, {999, 200}, {1001, 500},
	} {
		if got := niceStep(tc.max); got != tc.want {
			t.Errorf("niceStep(%d) = %d, want %d", tc.max, got, tc.want)
		}
	}
}

func TestIsIncognito(t *testing.T) {
	for _, tc := range []struct {
		path, value string
		want        bool
	}{
		{"properties.is_incognito", "true", true},
		{"properties.incognito", "1", true},
		{"properties.isIncognito", "True", true},
		{"properties.is_incognito", "false", false},
		{"properties.incognito_mode_available", "true", false},
		{"properties.url", "true", false},
	} {
		if got := isIncognito(tc.path, tc.value); got != tc.want {
			t.Errorf("isIncognito(%q, %q) = %v", tc.path, tc.value, got)
		}
	}
}

func TestToken(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "-"},
		{"sa.example.com:8106", "sa.example.com:8106"},
		{"Page View", `"Page View"`},
		{"a\x1b[31mred", `"a\x1b[31mred"`},
		{`say "hi"`, `"say \"hi\""`},
		{"căutare", "căutare"},
	} {
		if got := token(tc.in); got != tc.want {
			t.Errorf("token(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}
