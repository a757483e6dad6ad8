package pipeline

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"telltale/pipeline/correlate"
	"telltale/pipeline/sink/sinktest"
)

// The notebook samples/analysis.ipynb walks a researcher through the
// household sample with SQL. TestNotebookSQL runs every query of it (the
// code cells marked {"telltale": {"check": name}}) on the sample's tables
// and compares the answers with samples/household.truth.json, so the story
// the notebook tells stays true.

const notebookPath = "../samples/analysis.ipynb"

// notebookDir is how the notebook names the dataset directory in its SQL.
const notebookDir = "'household-out/"

type notebook struct {
	NBFormat int `json:"nbformat"`
	Metadata struct {
		Kernelspec struct {
			Name     string `json:"name"`
			Language string `json:"language"`
		} `json:"kernelspec"`
	} `json:"metadata"`
	Cells []struct {
		CellType string          `json:"cell_type"`
		ID       string          `json:"id"`
		Source   json.RawMessage `json:"source"`
		Metadata struct {
			Telltale *struct {
				Check string `json:"check"`
			} `json:"telltale"`
		} `json:"metadata"`
	} `json:"cells"`
}

// notebookCheck is one checked cell: its check name and its SQL.
type notebookCheck struct {
	name, cell, sql string
}

// sqlCell is the one shape a checked cell's statement may have.
var sqlCell = regexp.MustCompile(`(?s)^\w+ = con\.sql\("""(.*?)"""\)\.(?:df|fetchall)\(\)(?:\n|$)`)

// readNotebook parses the notebook and returns its checked cells in order.
func readNotebook(t *testing.T) []notebookCheck {
	t.Helper()
	b, err := os.ReadFile(notebookPath)
	if err != nil {
		t.Fatal(err)
	}
	var nb notebook
	if err := json.Unmarshal(b, &nb); err != nil {
		t.Fatalf("%s: %v", notebookPath, err)
	}
	if nb.NBFormat != 4 || nb.Metadata.Kernelspec.Name != "python3" || nb.Metadata.Kernelspec.Language != "python" {
		t.Errorf("notebook format %d kernel %+v, want nbformat 4 and a python3 kernel", nb.NBFormat, nb.Metadata.Kernelspec)
	}
	var checks []notebookCheck
	seen := map[string]bool{}
	for i, c := range nb.Cells {
		// nbformat allows the source as one string or as a list of lines.
		var src string
		if err := json.Unmarshal(c.Source, &src); err != nil {
			var lines []string
			if err := json.Unmarshal(c.Source, &lines); err != nil {
				t.Fatalf("cell %d (%s): source is neither a string nor a list of strings", i, c.ID)
			}
			src = strings.Join(lines, "")
		}
		if c.Metadata.Telltale == nil {
			if strings.Contains(src, "con.sql(") {
				t.Errorf("cell %d (%s) runs SQL but has no telltale check", i, c.ID)
			}
			continue
		}
		name := c.Metadata.Telltale.Check
		if c.CellType != "code" || name == "" || seen[name] {
			t.Errorf("cell %d (%s): check %q on a %s cell (empty, duplicate or not code)", i, c.ID, name, c.CellType)
			continue
		}
		seen[name] = true
		m := sqlCell.FindStringSubmatch(src)
		if m == nil || strings.Count(src, `"""`) != 2 {
			t.Errorf("cell %d (%s): want one `x = con.sql(\"\"\"...\"\"\").df()` statement, have:\n%s", i, c.ID, src)
			continue
		}
		checks = append(checks, notebookCheck{name: name, cell: c.ID, sql: m[1]})
	}
	if len(checks) == 0 {
		t.Fatalf("%s has no checked cell", notebookPath)
	}
	return checks
}

// notebookTruth is the part of household.truth.json that truthFile leaves
// out: which device each connection came from.
type notebookTruth struct {
	Flows []struct {
		ClientIP   string `json:"client_ip"`
		ClientPort int    `json:"client_port"`
	} `json:"flows"`
	Devices []struct {
		Name        string         `json:"name"`
		Person      string         `json:"person"`
		ClientIP    string         `json:"client_ip"`
		Identifiers []correlate.ID `json:"identifiers"`
	} `json:"devices"`
}

// truthEvent is one events row as the truth describes it: an event, or a
// response document (one event of type response in the tables).
type truthEvent struct {
	name     string
	host     string
	clientIP string
	leaves   [][]string        // (path, value, json type) of the event, its nested documents and envelope
	ids      map[string]bool   // truth identifier values it carries, whole or inside a packed string
	groups   map[string]bool   // identity groups of the non-hub identifiers it carries
	hubs     []correlate.ID    // hubs it carries
	idKinds  map[string]string // leaf value -> id_kind, for leaves that are or hold an identifier
}

// householdModel is the truth of the household sample, arranged for the
// notebook's questions.
type householdModel struct {
	tf      *truthFile
	nt      notebookTruth
	events  []truthEvent
	groupOf map[correlate.ID]string // canonical member -> group name
	isHub   map[correlate.ID]bool   // canonical
}

func loadHousehold(t *testing.T) *householdModel {
	t.Helper()
	m := &householdModel{tf: readTruth(t, "household.truth.json"), groupOf: map[correlate.ID]string{}, isHub: map[correlate.ID]bool{}}
	b, err := os.ReadFile(filepath.Join(samplesDir, "household.truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &m.nt); err != nil {
		t.Fatal(err)
	}
	for _, g := range m.tf.IdentityGroups {
		for _, id := range g.Members {
			m.groupOf[correlate.Canonical(id)] = g.Name
		}
	}
	for _, h := range m.tf.Hubs {
		m.isHub[correlate.Canonical(h)] = true
	}
	type req struct{ port, idx int }
	hostOf := map[req]string{}
	for _, h := range m.tf.HTTP {
		hostOf[req{h.ClientPort, h.RequestIndex}] = h.Host
	}
	ipOf := map[int]string{}
	for _, f := range m.nt.Flows {
		ipOf[f.ClientPort] = f.ClientIP
	}
	add := func(name string, port, idx int, leaves [][]string) {
		ev := truthEvent{name: name, host: hostOf[req{port, idx}], clientIP: ipOf[port], leaves: leaves,
			ids: map[string]bool{}, groups: map[string]bool{}, idKinds: map[string]string{}}
		if ev.host == "" || ev.clientIP == "" {
			t.Fatalf("truth %s: no http host or flow", name)
		}
		for _, l := range leaves {
			if l[1] == "" || l[1][0] == '{' || l[1][0] == '[' {
				continue // empty, or a JSON text whose leaves are listed on their own
			}
			for _, id := range m.tf.Identifiers {
				kind := cmp.Or(truthKinds[id.Kind], id.Kind)
				switch {
				case l[1] == id.Value:
					ev.idKinds[l[1]] = kind
				case strings.Contains(l[1], id.Value):
					ev.idKinds[l[1]] = "packed_ids"
				default:
					continue
				}
				cid := correlate.Canonical(correlate.ID{Kind: kind, Value: id.Value})
				if !ev.ids[id.Value] && m.isHub[cid] {
					ev.hubs = append(ev.hubs, cid)
				}
				ev.ids[id.Value] = true
				if g := m.groupOf[cid]; g != "" {
					ev.groups[g] = true
				}
			}
		}
		m.events = append(m.events, ev)
	}
	for _, e := range m.tf.Events {
		leaves := flattenJSON(t, e.Object)
		for _, n := range e.Nested {
			for _, nf := range flattenJSON(t, n.Object) {
				sep := "."
				if strings.HasPrefix(nf[0], "[") {
					sep = ""
				}
				leaves = append(leaves, []string{n.Path + sep + nf[0], nf[1], nf[2]})
			}
		}
		if len(e.Envelope) > 0 {
			for _, f := range flattenJSON(t, e.Envelope) {
				leaves = append(leaves, []string{"envelope." + f[0], f[1], f[2]})
			}
		}
		add(fmt.Sprintf("event port %d request %d %s[%d]", e.ClientPort, e.RequestIndex, e.Field, e.EventIndex), e.ClientPort, e.RequestIndex, leaves)
	}
	for _, p := range m.tf.Payloads {
		if p.Location == "response" {
			add(fmt.Sprintf("response port %d request %d", p.ClientPort, p.RequestIndex), p.ClientPort, p.RequestIndex, flattenJSON(t, p.Object))
		}
	}
	return m
}

// searchKeys are the keys whose string values the extractor tags
// search_query (pipeline/extract IDKind rule 9).
var searchKeys = []string{"search_word", "keyword", "keywords", "query", "q", "wd", "word", "text", "search", "kw",
	"search_term", "search_keyword", "search_query", "search_text", "$latest_search_keyword"}

// searchTerms lists the search terms of an event: values under a search
// key, and the search parameters of the URLs it carries.
func (ev truthEvent) searchTerms() []string {
	var terms []string
	for _, l := range ev.leaves {
		key := l[0][strings.LastIndex(l[0], ".")+1:]
		if l[2] == "string" && slices.Contains(searchKeys, key) && strings.TrimSpace(l[1]) != "" && !strings.HasPrefix(l[1], "未取到值") {
			terms = append(terms, l[1])
		}
		for _, d := range withSearchTerms([]string{l[0], l[1], l[2], ""})[1:] {
			terms = append(terms, d[1])
		}
	}
	slices.Sort(terms)
	return slices.Compact(terms)
}

func (ev truthEvent) incognito() bool {
	return slices.ContainsFunc(ev.leaves, func(l []string) bool {
		return strings.HasSuffix(l[0], "is_incognito") && l[1] == "true"
	})
}

// TestNotebookSQL runs the SQL of every checked cell of samples/analysis.ipynb
// on the household sample's tables and checks each answer against the
// ground truth.
func TestNotebookSQL(t *testing.T) {
	checks := readNotebook(t)
	m := loadHousehold(t)
	var sc sampleCase
	for _, c := range sampleCases {
		if c.name == "household" {
			sc = c
		}
	}
	out, _ := runSample(t, sc, 2)

	// The cluster of each identity group, looked up by its first member.
	clusterOf := map[string]string{}
	for _, g := range m.tf.IdentityGroups {
		id := correlate.Canonical(g.Members[0])
		rows := sinktest.Query(t, `SELECT cluster_id FROM read_parquet(?) WHERE kind = ? AND value = ?`, filepath.Join(out, "identifiers.parquet"), id.Kind, id.Value)
		if len(rows) != 1 {
			t.Fatalf("group %s: identifier %v has %d rows", g.Name, id, len(rows))
		}
		clusterOf[g.Name] = rows[0][0]
	}

	expect := map[string]func(t *testing.T, sql string){
		"clusters": func(t *testing.T, sql string) {
			// Each non-hub cluster is one identity group, member for member,
			// and lists the hosts that received its members.
			got := map[string][]string{}
			for _, r := range sinktest.Query(t, `SELECT cluster_id, unnest(members) FROM (`+sql+`)`) {
				got[r[0]] = append(got[r[0]], r[1])
			}
			counts := map[string]string{}
			for _, r := range sinktest.Query(t, `SELECT cluster_id, identifiers FROM (`+sql+`)`) {
				counts[r[0]] = r[1]
			}
			gotHosts := map[string][]string{}
			for _, r := range sinktest.Query(t, `SELECT cluster_id, unnest(hosts) FROM (`+sql+`)`) {
				gotHosts[r[0]] = append(gotHosts[r[0]], r[1])
			}
			if len(got) != len(m.tf.IdentityGroups) {
				t.Errorf("%d clusters %v, want %d (one per identity group)", len(got), slices.Sorted(maps.Keys(got)), len(m.tf.IdentityGroups))
			}
			for _, g := range m.tf.IdentityGroups {
				var want []string
				members := map[string]bool{}
				for _, id := range g.Members {
					c := correlate.Canonical(id)
					want = append(want, c.Kind+"="+c.Value)
					members[id.Value] = true
				}
				slices.Sort(want)
				want = slices.Compact(want)
				c := clusterOf[g.Name]
				if !slices.Equal(got[c], want) || counts[c] != strconv.Itoa(len(want)) {
					t.Errorf("group %s: cluster %s has %s identifiers %v, want %d %v", g.Name, c, counts[c], got[c], len(want), want)
				}
				var wantHosts []string
				for _, ev := range m.events {
					for v := range ev.ids {
						if members[v] {
							wantHosts = append(wantHosts, ev.host)
						}
					}
				}
				slices.Sort(wantHosts)
				if wantHosts = slices.Compact(wantHosts); !slices.Equal(gotHosts[c], wantHosts) {
					t.Errorf("group %s: cluster %s hosts %v, want %v", g.Name, c, gotHosts[c], wantHosts)
				}
			}
		},
		"cluster_devices": func(t *testing.T, sql string) {
			// Each group's cluster holds the events that carry its
			// identifiers, sent from the addresses of the person's devices.
			gotIPs := map[string][]string{}
			for _, r := range sinktest.Query(t, `SELECT cluster_id, unnest(client_ips) FROM (`+sql+`)`) {
				gotIPs[r[0]] = append(gotIPs[r[0]], r[1])
			}
			gotEvents := map[string]string{}
			for _, r := range sinktest.Query(t, `SELECT cluster_id, events FROM (`+sql+`)`) {
				gotEvents[r[0]] = r[1]
			}
			if len(gotEvents) != len(m.tf.IdentityGroups) {
				t.Errorf("clusters with events %v, want one per identity group (%d)", gotEvents, len(m.tf.IdentityGroups))
			}
			for _, g := range m.tf.IdentityGroups {
				var ips []string
				events := 0
				for _, ev := range m.events {
					if len(ev.groups) > 1 {
						t.Fatalf("truth %s carries identifiers of groups %v", ev.name, ev.groups)
					}
					if ev.groups[g.Name] {
						events++
						ips = append(ips, ev.clientIP)
					}
				}
				slices.Sort(ips)
				ips = slices.Compact(ips)
				var devIPs []string
				for _, d := range m.nt.Devices {
					if d.Person == g.Name {
						devIPs = append(devIPs, d.ClientIP)
					}
				}
				slices.Sort(devIPs)
				if !slices.Equal(ips, devIPs) {
					t.Fatalf("truth: group %s events come from %v, its devices are %v", g.Name, ips, devIPs)
				}
				c := clusterOf[g.Name]
				if !slices.Equal(gotIPs[c], ips) || gotEvents[c] != strconv.Itoa(events) {
					t.Errorf("group %s: cluster %s has %s events from %v, want %d from %v", g.Name, c, gotEvents[c], gotIPs[c], events, ips)
				}
			}
		},
		"host_id_kinds": func(t *testing.T, sql string) {
			// Per host and kind: the distinct identifier values received and
			// the events that carried them.
			type acc struct {
				values, events map[string]bool
			}
			want := map[[2]string]*acc{}
			for _, ev := range m.events {
				for v, kind := range ev.idKinds {
					k := [2]string{ev.host, kind}
					if want[k] == nil {
						want[k] = &acc{map[string]bool{}, map[string]bool{}}
					}
					want[k].values[v] = true
					want[k].events[ev.name] = true
				}
			}
			var wantRows [][]string
			for k, a := range want {
				wantRows = append(wantRows, []string{k[0], k[1], strconv.Itoa(len(a.values)), strconv.Itoa(len(a.events))})
			}
			slices.SortFunc(wantRows, func(a, b []string) int { return cmp.Or(strings.Compare(a[0], b[0]), strings.Compare(a[1], b[1])) })
			if got := sinktest.Query(t, sql); !slices.EqualFunc(got, wantRows, slices.Equal[[]string]) {
				t.Errorf("host x id_kind (host, kind, values, events):\n got %v\nwant %v", got, wantRows)
			}
		},
		"host_counts": func(t *testing.T, sql string) {
			// Requests, payloads and events per host, in the notebook's order.
			type counts struct{ requests, payloads, events int }
			want := map[string]*counts{}
			for _, h := range m.tf.HTTP {
				if want[h.Host] == nil {
					want[h.Host] = &counts{}
				}
				want[h.Host].requests++
			}
			hostOf := map[[2]int]string{}
			for _, h := range m.tf.HTTP {
				hostOf[[2]int{h.ClientPort, h.RequestIndex}] = h.Host
			}
			for _, p := range m.tf.Payloads {
				want[hostOf[[2]int{p.ClientPort, p.RequestIndex}]].payloads++
			}
			for _, ev := range m.events {
				want[ev.host].events++
			}
			var wantRows [][]string
			for _, h := range slices.SortedFunc(maps.Keys(want), func(a, b string) int {
				return cmp.Or(want[b].events-want[a].events, want[b].requests-want[a].requests, strings.Compare(a, b))
			}) {
				c := want[h]
				wantRows = append(wantRows, []string{h, strconv.Itoa(c.requests), strconv.Itoa(c.payloads), strconv.Itoa(c.events)})
			}
			if got := sinktest.Query(t, sql); !slices.EqualFunc(got, wantRows, slices.Equal[[]string]) {
				t.Errorf("per host (host, requests, payloads, events):\n got %v\nwant %v", got, wantRows)
			}
		},
		"incognito_imei": func(t *testing.T, sql string) {
			// Every search term of an incognito event, with the number of
			// such events, the cluster of the person whose device sent them
			// and that device's IMEI.
			type key struct{ term, imei, person string }
			events := map[key]int{}
			for _, ev := range m.events {
				if !ev.incognito() {
					continue
				}
				var imei, person string
				for _, d := range m.nt.Devices {
					if d.ClientIP == ev.clientIP {
						person = d.Person
						for _, id := range d.Identifiers {
							if id.Kind == "imei" {
								imei = id.Value
							}
						}
					}
				}
				if imei == "" {
					t.Fatalf("truth: %s comes from no device with an IMEI", ev.name)
				}
				for _, term := range ev.searchTerms() {
					events[key{term, imei, person}]++
				}
			}
			if len(events) == 0 {
				t.Fatal("truth: no incognito search")
			}
			var want [][]string
			for k, n := range events {
				want = append(want, []string{k.term, strconv.Itoa(n), clusterOf[k.person], k.imei})
			}
			slices.SortFunc(want, func(a, b []string) int { return cmp.Or(strings.Compare(a[0], b[0]), strings.Compare(a[3], b[3])) })
			if got := sinktest.Query(t, sql); !slices.EqualFunc(got, want, slices.Equal[[]string]) {
				t.Errorf("incognito searches (term, events, cluster, imei):\n got %v\nwant %v", got, want)
			}
		},
		"hubs": func(t *testing.T, sql string) {
			// Every hub, its events and hosts, and the clusters of the
			// identifiers it occurs with in one event: both people's.
			var want, wantHosts, wantClusters [][]string
			hubs := slices.Clone(m.tf.Hubs)
			for i := range hubs {
				hubs[i] = correlate.Canonical(hubs[i])
			}
			slices.SortFunc(hubs, func(a, b correlate.ID) int {
				return cmp.Or(strings.Compare(a.Kind, b.Kind), strings.Compare(a.Value, b.Value))
			})
			for _, h := range hubs {
				n := -1
				for _, id := range m.tf.Identifiers {
					if correlate.Canonical(correlate.ID{Kind: cmp.Or(truthKinds[id.Kind], id.Kind), Value: id.Value}) == h {
						n = id.Events
					}
				}
				var hosts, clusters []string
				for _, ev := range m.events {
					if !slices.Contains(ev.hubs, h) {
						continue
					}
					hosts = append(hosts, ev.host)
					for g := range ev.groups {
						clusters = append(clusters, clusterOf[g])
					}
				}
				slices.Sort(hosts)
				slices.Sort(clusters)
				clusters = slices.Compact(clusters)
				want = append(want, []string{h.Kind, h.Value, strconv.Itoa(n), strconv.Itoa(len(clusters))})
				for _, host := range slices.Compact(hosts) {
					wantHosts = append(wantHosts, []string{h.Kind, h.Value, host})
				}
				for _, c := range clusters {
					wantClusters = append(wantClusters, []string{h.Kind, h.Value, c})
				}
				if len(clusters) < 2 {
					t.Errorf("truth: hub %v occurs with %d groups, the notebook says every hub joins both people", h, len(clusters))
				}
			}
			for _, q := range []struct {
				what, sql string
				want      [][]string
			}{
				{"(kind, value, events, clusters_seen_with)", `SELECT kind, value, events, clusters_seen_with FROM (` + sql + `)`, want},
				{"hosts", `SELECT kind, value, unnest(hosts) FROM (` + sql + `)`, wantHosts},
				{"clusters", `SELECT kind, value, unnest(clusters) FROM (` + sql + `)`, wantClusters},
			} {
				if got := sinktest.Query(t, q.sql); !slices.EqualFunc(got, q.want, slices.Equal[[]string]) {
					t.Errorf("hubs %s:\n got %v\nwant %v", q.what, got, q.want)
				}
			}
		},
	}

	tableRef := regexp.MustCompile(regexp.QuoteMeta(notebookDir) + `(\w+)\.parquet'`)
	seen := map[string]bool{}
	for _, c := range checks {
		seen[c.name] = true
		t.Run(c.name, func(t *testing.T) {
			check := expect[c.name]
			if check == nil {
				t.Fatalf("cell %s: check %q has no expectation in this test", c.cell, c.name)
			}
			refs := tableRef.FindAllStringSubmatch(c.sql, -1)
			if len(refs) == 0 {
				t.Fatalf("cell %s reads no %s<table>.parquet'", c.cell, notebookDir)
			}
			for _, r := range refs {
				if _, err := os.Stat(filepath.Join(out, r[1]+".parquet")); err != nil && r[1] == "event_clusters" {
					t.Skipf("cell %s reads event_clusters, which this build does not write yet (%v)", c.cell, err)
				}
			}
			sql := strings.ReplaceAll(c.sql, notebookDir, "'"+filepath.ToSlash(out)+"/")
			if strings.Contains(sql, "household-out") {
				t.Fatalf("cell %s names household-out other than as %s<table>.parquet'", c.cell, notebookDir)
			}
			check(t, sql)
		})
	}
	for name := range expect {
		if !seen[name] {
			t.Errorf("no notebook cell has check %q", name)
		}
	}
}
