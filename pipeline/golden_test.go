package pipeline

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"telltale/pipeline/correlate"
	"telltale/pipeline/leak"
	"telltale/pipeline/sink/sinktest"
)

var update = flag.Bool("update", false, "rewrite the golden files under samples/golden")

// sampleCase is one shipped sample: the inputs of one run and the ground
// truth its generator (or capture script) wrote.
type sampleCase struct {
	name   string
	inputs []string // relative to samples/
	truth  string   // relative to samples/
}

var sampleCases = []sampleCase{
	{"phone-browser", []string{"phone-browser.pcap"}, "phone-browser.truth.json"},
	{"rotated", []string{"rotated"}, "rotated.truth.json"},
	{"pcapng-sll2", []string{"pcapng-sll2.pcapng"}, "pcapng-sll2.truth.json"},
	{"pcapdroid-trailer", []string{"pcapdroid-trailer.pcap"}, "pcapdroid-trailer.truth.json"},
	{"real-loopback", []string{"real/loopback.pcap"}, "real/real.truth.json"},
	{"real-any-sll2", []string{"real/any-sll2.pcap"}, "real/real.truth.json"},
	{"sdk-zoo", []string{"sdk-zoo.pcap"}, "sdk-zoo.truth.json"},
	{"household", []string{"household.pcap"}, "household.truth.json"},
}

// httpsSamples are the real TLS, HTTP/2 and h2c captures of samples/tls
// (their truth is cases.tsv, checked in https_test.go); they have golden
// files like the others.
var httpsSamples = []sampleCase{
	{"https-go", []string{"tls/https-go.pcap"}, ""},
	{"https-curl", []string{"tls/https-curl.pcap"}, ""},
	{"https-clear", []string{"tls/clear.pcap"}, ""},
}

// keyLogFiles are the key logs of samples that have one.
var keyLogFiles = map[string][]string{"https-go": {"tls/https-go.keys"}, "https-curl": {"tls/https-curl.keys"}}

// goldenTables are the tables a run writes, in the order of sink.Schema.
var goldenTables = []string{"flows", "http", "payloads", "events", "fields", "leaks", "identifiers", "links", "event_clusters", "tls", "dns"}

// knownFiles are the known-values files of samples that have one: run with
// --known, their leaks table is checked too.
var knownFiles = map[string]string{"sdk-zoo": "sdk-zoo.known.yaml"}

const samplesDir = "../samples"

func runSample(t testing.TB, sc sampleCase, workers int) (string, *Summary) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out")
	var inputs []string
	for _, in := range sc.inputs {
		inputs = append(inputs, filepath.Join(samplesDir, in))
	}
	var known []leak.Known
	if f := knownFiles[sc.name]; f != "" {
		var err error
		if known, err = leak.Load(filepath.Join(samplesDir, f)); err != nil {
			t.Fatal(err)
		}
	}
	var keys []string
	for _, k := range keyLogFiles[sc.name] {
		keys = append(keys, filepath.Join(samplesDir, k))
	}
	sum, err := Run(context.Background(), Config{Inputs: inputs, OutDir: out, Workers: workers, Version: "test", Known: known, KeyLogs: keys})
	if err != nil {
		t.Fatalf("Run(%s): %v", sc.name, err)
	}
	return out, sum
}

// goldenQueries dump every table in file order. Bodies are shown as their
// length and SHA-256 prefix to keep golden files readable.
var goldenQueries = map[string]string{
	"flows":          `SELECT * FROM read_parquet(?)`,
	"http":           `SELECT * EXCLUDE (request_body), octet_length(request_body) AS request_body_bytes, left(sha256(request_body), 16) AS request_body_sha256 FROM read_parquet(?)`,
	"payloads":       `SELECT * FROM read_parquet(?)`,
	"events":         `SELECT * FROM read_parquet(?)`,
	"fields":         `SELECT * FROM read_parquet(?)`,
	"leaks":          `SELECT * FROM read_parquet(?)`,
	"identifiers":    `SELECT * FROM read_parquet(?)`,
	"links":          `SELECT * FROM read_parquet(?)`,
	"event_clusters": `SELECT * FROM read_parquet(?)`,
	"tls":            `SELECT * FROM read_parquet(?)`,
	"dns":            `SELECT * FROM read_parquet(?)`,
}

// TestGolden runs each sample and compares every table, read back by DuckDB,
// with samples/golden/<sample>/<table>.tsv (go test ./pipeline -run Golden
// -update rewrites them).
func TestGolden(t *testing.T) {
	for _, sc := range slices.Concat(sampleCases, httpsSamples) {
		t.Run(sc.name, func(t *testing.T) {
			out, _ := runSample(t, sc, 2)
			for _, table := range goldenTables {
				got := sinktest.QueryTSV(t, goldenQueries[table], filepath.Join(out, table+".parquet"))
				golden := filepath.Join(samplesDir, "golden", sc.name, table+".tsv")
				if *update {
					if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run with -update to create it)", err)
				}
				if got != string(want) {
					t.Errorf("%s/%s differs from %s:\n%s", sc.name, table, golden, firstDiff(string(want), got))
				}
			}
		})
	}
}

func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(wl), len(gl)); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return fmt.Sprintf("line %d:\nwant %q\ngot  %q", i+1, w, g)
		}
	}
	return "(no line differs)"
}

// truthFile is the part of samples/*.truth.json the tests check against.
type truthFile struct {
	Counts struct {
		Flows            int `json:"flows"`
		HTTPTransactions int `json:"http_transactions"`
		Payloads         int `json:"payloads"`
		Events           int `json:"events"`
	} `json:"counts"`
	HTTP []struct {
		ClientPort   int    `json:"client_port"`
		RequestIndex int    `json:"request_index"`
		Method       string `json:"method"`
		Host         string `json:"host"`
		Target       string `json:"target"`
		Status       int    `json:"status"`
	} `json:"http"`
	Payloads []struct {
		ClientPort   int             `json:"client_port"`
		RequestIndex int             `json:"request_index"`
		Location     string          `json:"location"`
		Field        string          `json:"field"`
		Chain        string          `json:"chain"`
		CRC          *int32          `json:"crc"`
		Events       int             `json:"events"`
		SDK          string          `json:"sdk"`
		Encrypted    bool            `json:"encrypted"`
		Object       json.RawMessage `json:"object"`
	} `json:"payloads"`
	Opaque []struct {
		ClientPort   int    `json:"client_port"`
		RequestIndex int    `json:"request_index"`
		SDK          string `json:"sdk"`
		Location     string `json:"location"`
		Field        string `json:"field"`
		EncodedLen   int    `json:"encoded_len"`
	} `json:"opaque"`
	Leaks []struct {
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
	Events []struct {
		ClientPort   int             `json:"client_port"`
		RequestIndex int             `json:"request_index"`
		Field        string          `json:"field"`
		EventIndex   int             `json:"event_index"`
		Event        string          `json:"event"`
		DistinctID   string          `json:"distinct_id"`
		TimeMs       int64           `json:"time_ms"`
		Object       json.RawMessage `json:"object"`
		SDK          string          `json:"sdk"`
		Location     string          `json:"location"`
		LoginID      string          `json:"login_id"`
		AnonymousID  string          `json:"anonymous_id"`
		UserID       string          `json:"user_id"`
		DeviceID     string          `json:"device_id"`
		Repeat       bool            `json:"repeat"`
		Envelope     json.RawMessage `json:"envelope"`
		Nested       []struct {
			Path   string          `json:"path"`
			Chain  string          `json:"chain"`
			Object json.RawMessage `json:"object"`
		} `json:"nested"`
	} `json:"events"`
	Identifiers []struct {
		Kind   string `json:"kind"`
		Value  string `json:"value"`
		Events int    `json:"events"`
	} `json:"identifiers"`
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
}

func readTruth(t *testing.T, name string) *truthFile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(samplesDir, name))
	if err != nil {
		t.Fatal(err)
	}
	var tf truthFile
	if err := json.Unmarshal(b, &tf); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return &tf
}

// TestSamplesMatchTruth checks the tables against the ground truth written
// when the samples were made: counts, every HTTP transaction, every payload
// (and nothing from the noise), every event with its exact values, and every
// leaf of every event in the fields table.
func TestSamplesMatchTruth(t *testing.T) {
	for _, sc := range sampleCases {
		t.Run(sc.name, func(t *testing.T) {
			tf := readTruth(t, sc.truth)
			out, _ := runSample(t, sc, 3)
			pq := func(table string) string { return filepath.Join(out, table+".parquet") }

			count := func(table string) int {
				rows := sinktest.Query(t, `SELECT count(*) FROM read_parquet(?)`, pq(table))
				n, _ := strconv.Atoi(rows[0][0])
				return n
			}
			// A response document is one event of type "response" in the
			// tables; the truth lists it as a payload without events.
			responses := 0
			for _, p := range tf.Payloads {
				if p.Location == "response" {
					responses++
				}
			}
			for _, c := range []struct {
				table string
				want  int
			}{{"flows", tf.Counts.Flows}, {"http", tf.Counts.HTTPTransactions}, {"payloads", tf.Counts.Payloads}, {"events", tf.Counts.Events + responses}} {
				if got := count(c.table); got != c.want {
					t.Errorf("%s rows = %d, want %d", c.table, got, c.want)
				}
			}

			// A connection is named by its client port in the truth.
			uids := map[int]string{}
			for _, r := range sinktest.Query(t, `SELECT orig_p, uid FROM read_parquet(?)`, pq("flows")) {
				p, _ := strconv.Atoi(r[0])
				uids[p] = r[1]
			}

			for _, h := range tf.HTTP {
				rows := sinktest.Query(t, `SELECT method, host, uri, coalesce(status_code::VARCHAR, 'NULL') FROM read_parquet(?) WHERE uid = ? AND trans_depth = ?`,
					pq("http"), uids[h.ClientPort], h.RequestIndex+1)
				want := []string{h.Method, h.Host, h.Target, strconv.Itoa(h.Status)}
				if len(rows) != 1 || !slices.Equal(rows[0], want) {
					t.Errorf("http port %d request %d = %v, want [%v]", h.ClientPort, h.RequestIndex, rows, want)
				}
			}

			for _, p := range tf.Payloads {
				rows := sinktest.Query(t, `SELECT location, coalesce(field, ''), array_to_string(chain, '>'), coalesce(crc, 'NULL') || '/' || coalesce(crc_ok::VARCHAR, 'NULL'),
						coalesce(sdk, 'NULL'), encrypted::VARCHAR, payload_index
					FROM read_parquet(?) WHERE uid = ? AND trans_depth = ? AND location = ? AND coalesce(field, '') = ?`,
					pq("payloads"), uids[p.ClientPort], p.RequestIndex+1, truthLocation(p.Location, p.Field), p.Field)
				key := fmt.Sprintf("payload port %d request %d %s:%s", p.ClientPort, p.RequestIndex, p.Location, p.Field)
				if len(rows) != 1 {
					t.Errorf("%s: %v, want one row", key, rows)
					continue
				}
				r := rows[0]
				if p.SDK != "" {
					// The truth names every step: compare the whole chain.
					if got := truthChain(r[2]); got != p.Chain {
						t.Errorf("%s chain %q (as truth: %q), want %q", key, r[2], got, p.Chain)
					}
				}
				for _, step := range []string{"base64", "gzip"} {
					if strings.Contains(p.Chain, step) != strings.Contains(r[2], step) {
						t.Errorf("%s chain %q, truth chain %q disagree on %s", key, r[2], p.Chain, step)
					}
				}
				wantCRC := "NULL/NULL"
				if p.CRC != nil {
					wantCRC = strconv.Itoa(int(*p.CRC)) + "/true"
				}
				if r[3] != wantCRC {
					t.Errorf("%s crc = %s, want %s", key, r[3], wantCRC)
				}
				if p.SDK != "" && (r[4] != p.SDK || r[5] != strconv.FormatBool(p.Encrypted)) {
					t.Errorf("%s sdk %s encrypted %s, want %s %v", key, r[4], r[5], p.SDK, p.Encrypted)
				}
				if p.Location == "response" {
					// The document is one event of type response.
					ev := sinktest.Query(t, `SELECT event_index, coalesce(event_type, 'NULL') FROM read_parquet(?) WHERE uid = ? AND trans_depth = ? AND payload_index = ?`,
						pq("events"), uids[p.ClientPort], p.RequestIndex+1, r[6])
					if len(ev) != 1 || ev[0][1] != "response" {
						t.Errorf("%s: events %v, want one of type response", key, ev)
						continue
					}
					gotFields := sinktest.Query(t, `SELECT path, value, json_type FROM read_parquet(?) WHERE uid = ? AND trans_depth = ? AND payload_index = ? AND event_index = 0`,
						pq("fields"), uids[p.ClientPort], p.RequestIndex+1, r[6])
					if want := flattenJSON(t, p.Object); !slices.EqualFunc(gotFields, want, slices.Equal[[]string]) {
						t.Errorf("%s fields:\n got %v\nwant %v", key, gotFields, want)
					}
				}
			}
			for _, o := range tf.Opaque {
				key := fmt.Sprintf("opaque port %d request %d", o.ClientPort, o.RequestIndex)
				rows := sinktest.Query(t, `SELECT coalesce(sdk, 'NULL'), encoded_len, entropy > 7, len(evidence) > 0 OR sdk = 'sensors_analytics', (SELECT count(*) FROM read_parquet(?) e WHERE e.uid = p.uid AND e.trans_depth = p.trans_depth AND e.payload_index = p.payload_index)
					FROM read_parquet(?) p WHERE uid = ? AND trans_depth = ? AND location = ? AND coalesce(field, '') = ? AND encrypted`,
					pq("events"), pq("payloads"), uids[o.ClientPort], o.RequestIndex+1, truthLocation(o.Location, o.Field), o.Field)
				want := []string{o.SDK, strconv.Itoa(o.EncodedLen), "true", "true", "0"}
				if o.SDK == "sensors_analytics" {
					want[2] = rows[0][2] // an encrypted Sensors envelope is JSON text: low entropy
				}
				if len(rows) != 1 || !slices.Equal(rows[0], want) {
					t.Errorf("%s = %v, want %v", key, rows, want)
				}
			}
			// The noise gives no payload: every payload row is in the truth.
			for _, n := range tf.Noise {
				if slices.ContainsFunc(tf.Payloads, func(p struct {
					ClientPort   int             `json:"client_port"`
					RequestIndex int             `json:"request_index"`
					Location     string          `json:"location"`
					Field        string          `json:"field"`
					Chain        string          `json:"chain"`
					CRC          *int32          `json:"crc"`
					Events       int             `json:"events"`
					SDK          string          `json:"sdk"`
					Encrypted    bool            `json:"encrypted"`
					Object       json.RawMessage `json:"object"`
				}) bool {
					return p.ClientPort == n.ClientPort && p.RequestIndex == n.RequestIndex
				}) {
					continue // noise beside telemetry in one request: the total count checks it
				}
				rows := sinktest.Query(t, `SELECT location, coalesce(field, ''), array_to_string(chain, '>') FROM read_parquet(?) WHERE uid = ? AND trans_depth = ?`,
					pq("payloads"), uids[n.ClientPort], n.RequestIndex+1)
				if len(rows) != 0 {
					t.Errorf("noise port %d request %d (%s) gave payloads %v", n.ClientPort, n.RequestIndex, n.What, rows)
				}
			}
			if len(tf.Leaks) > 0 {
				type leakKey struct {
					port, req      int
					kind, disguise string
				}
				var want, got []leakKey
				for _, l := range tf.Leaks {
					want = append(want, leakKey{l.ClientPort, l.RequestIndex, l.Kind, l.Disguise})
				}
				for _, r := range sinktest.Query(t, `SELECT DISTINCT f.orig_p, l.trans_depth - 1, l.kind, l.disguise FROM read_parquet(?) l JOIN read_parquet(?) f USING (uid)`, pq("leaks"), pq("flows")) {
					port, _ := strconv.Atoi(r[0])
					req, _ := strconv.Atoi(r[1])
					got = append(got, leakKey{port, req, r[2], r[3]})
				}
				cmp := func(a, b leakKey) int {
					return cmp.Or(a.port-b.port, a.req-b.req, strings.Compare(a.kind, b.kind), strings.Compare(a.disguise, b.disguise))
				}
				slices.SortFunc(want, cmp)
				want = slices.Compact(want)
				slices.SortFunc(got, cmp)
				if !slices.Equal(got, want) {
					t.Errorf("leaks (port, request, kind, disguise):\n got %v\nwant %v", got, want)
				}
			}

			for _, e := range tf.Events {
				key := fmt.Sprintf("port %d request %d event %d", e.ClientPort, e.RequestIndex, e.EventIndex)
				rows := sinktest.Query(t, `SELECT e.payload_index, coalesce(e.event, 'NULL'), coalesce(e.distinct_id, 'NULL'), coalesce(epoch_ms(e.event_time)::VARCHAR, 'NULL'),
						coalesce(e.sdk, 'NULL'), coalesce(e.login_id, 'NULL'), coalesce(e.anonymous_id, 'NULL'), coalesce(e.user_id, 'NULL'), coalesce(e.device_id, 'NULL'), e.repeat::VARCHAR
					FROM read_parquet(?) e JOIN read_parquet(?) p USING (uid, trans_depth, payload_index)
					WHERE uid = ? AND trans_depth = ? AND coalesce(p.field, '') = ? AND e.event_index = ? AND (? = '' OR p.location = ?)`,
					pq("events"), pq("payloads"), uids[e.ClientPort], e.RequestIndex+1, e.Field, e.EventIndex, e.Location, truthLocation(e.Location, e.Field))
				if len(rows) != 1 {
					t.Errorf("%s: %d event rows, want 1", key, len(rows))
					continue
				}
				null := func(s string) string { return cmp.Or(s, "NULL") }
				timeMs := "NULL"
				if e.TimeMs != 0 {
					timeMs = strconv.FormatInt(e.TimeMs, 10)
				}
				want := []string{rows[0][0], null(e.Event), null(e.DistinctID), timeMs}
				if e.SDK != "" {
					want = append(want, e.SDK, null(e.LoginID), null(e.AnonymousID), null(e.UserID), null(e.DeviceID), strconv.FormatBool(e.Repeat))
				} else {
					rows[0] = rows[0][:4]
				}
				if !slices.Equal(rows[0], want) {
					t.Errorf("%s = %v, want %v", key, rows[0], want)
				}
				gotFields := sinktest.Query(t, `SELECT path, value, json_type, coalesce(via, '') FROM read_parquet(?) WHERE uid = ? AND trans_depth = ? AND payload_index = ? AND event_index = ?`,
					pq("fields"), uids[e.ClientPort], e.RequestIndex+1, rows[0][0], e.EventIndex)
				var wantFields [][]string
				for _, f := range flattenJSON(t, e.Object) {
					wantFields = append(wantFields, withSearchTerms(append(f, ""))...)
					for _, n := range e.Nested {
						if n.Path != f[0] {
							continue
						}
						for _, nf := range flattenJSON(t, n.Object) {
							sep := "."
							if strings.HasPrefix(nf[0], "[") {
								sep = ""
							}
							wantFields = append(wantFields, withSearchTerms([]string{n.Path + sep + nf[0], nf[1], nf[2], n.Chain})...)
						}
					}
				}
				if len(e.Envelope) > 0 {
					for _, f := range flattenJSON(t, e.Envelope) {
						wantFields = append(wantFields, withSearchTerms([]string{"envelope." + f[0], f[1], f[2], ""})...)
					}
				}
				if !slices.EqualFunc(gotFields, wantFields, slices.Equal[[]string]) {
					t.Errorf("%s fields:\n got %v\nwant %v", key, gotFields, wantFields)
				}
			}

			// No false identifiers: in a sample whose truth lists every
			// identifier it carries (sdk-zoo), every tagged value is one of
			// them with its kind, or a packed string holding one.
			if len(tf.Leaks) > 0 || len(tf.IdentityGroups) > 0 {
				for _, r := range sinktest.Query(t, `SELECT DISTINCT value, id_kind FROM read_parquet(?) WHERE id_kind IS NOT NULL AND id_kind NOT IN ('url', 'search_query') ORDER BY ALL`, pq("fields")) {
					ok := false
					for _, id := range tf.Identifiers {
						want := cmp.Or(truthKinds[id.Kind], id.Kind)
						if r[0] == id.Value && r[1] == want || r[1] == "packed_ids" && strings.Contains(r[0], id.Value) {
							ok = true
							break
						}
					}
					if !ok {
						t.Errorf("value %q tagged %s is not an identifier of the truth", r[0], r[1])
					}
				}
			}

			// The clusters are the truth's identity groups exactly, and its
			// hubs are flagged.
			if len(tf.IdentityGroups) > 0 {
				type idRow struct {
					cluster string
					hub     bool
				}
				rows := map[correlate.ID]idRow{}
				byCluster := map[string][]correlate.ID{}
				for _, r := range sinktest.Query(t, `SELECT kind, value, cluster_id, hub FROM read_parquet(?)`, pq("identifiers")) {
					id := correlate.ID{Kind: r[0], Value: r[1]}
					rows[id] = idRow{r[2], r[3] == "true"}
					byCluster[r[2]] = append(byCluster[r[2]], id)
				}
				seen := map[string]string{}
				for _, g := range tf.IdentityGroups {
					var want []correlate.ID
					for _, m := range g.Members {
						want = append(want, correlate.Canonical(m))
					}
					c := rows[want[0]].cluster
					got := slices.Clone(byCluster[c])
					less := func(a, b correlate.ID) int {
						return cmp.Or(strings.Compare(a.Kind, b.Kind), strings.Compare(a.Value, b.Value))
					}
					slices.SortFunc(got, less)
					slices.SortFunc(want, less)
					want = slices.Compact(want)
					if c == "" || !slices.Equal(got, want) {
						t.Errorf("identity group %s: cluster %q holds %v, want %v", g.Name, c, got, want)
					}
					if other, dup := seen[c]; dup {
						t.Errorf("groups %s and %s share cluster %s", other, g.Name, c)
					}
					seen[c] = g.Name
				}
				// Every event is in its sender's person cluster (or in none
				// when it carries no linking identifier).
				personCluster := map[string]string{}
				for _, g := range tf.IdentityGroups {
					personCluster[g.Name] = rows[correlate.Canonical(g.Members[0])].cluster
				}
				for _, d := range tf.Devices {
					inPerson := false
					for _, r := range sinktest.Query(t, `SELECT coalesce(c.cluster_id, 'NULL'), count(*) FROM read_parquet(?) c JOIN read_parquet(?) f USING (uid) WHERE f.orig_h = ? GROUP BY ALL ORDER BY ALL`,
						pq("event_clusters"), pq("flows"), d.ClientIP) {
						inPerson = inPerson || r[0] == personCluster[d.Person]
						if r[0] != personCluster[d.Person] && r[0] != "NULL" {
							t.Errorf("device %s: %s events in cluster %s, want %s's %s", d.Name, r[1], r[0], d.Person, personCluster[d.Person])
						}
					}
					if !inPerson {
						t.Errorf("device %s: no event in %s's cluster", d.Name, d.Person)
					}
				}
				if got := sinktest.Query(t, `SELECT (SELECT count(*) FROM read_parquet(?)) - (SELECT count(*) FROM read_parquet(?))`, pq("events"), pq("event_clusters")); got[0][0] != "0" {
					t.Errorf("events and event_clusters differ by %s rows", got[0][0])
				}
				for _, h := range tf.Hubs {
					if r, ok := rows[correlate.Canonical(h)]; !ok || !r.hub {
						t.Errorf("hub %v: row %+v (found %v), want hub", h, r, ok)
					}
				}
			}

			// Every identifier the truth embeds is found in the fields table,
			// in as many events as the truth says, and tagged with its kind
			// wherever it is the whole value (packed_ids where it sits in a
			// "k=v##k=v" string; untagged where it sits in a JSON text whose
			// leaves are fields of their own, or in a URL).
			for _, id := range tf.Identifiers {
				want := truthKinds[id.Kind]
				if want == "" {
					want = id.Kind
				}
				for _, r := range sinktest.Query(t, `SELECT DISTINCT CASE WHEN value = ? THEN 'whole' WHEN value[1] IN ('{', '[') THEN 'json' ELSE 'part' END, coalesce(id_kind, 'NULL') FROM read_parquet(?) WHERE contains(value, ?) ORDER BY ALL`,
					id.Value, pq("fields"), id.Value) {
					if w := map[string]string{"whole": want, "part": "packed_ids", "json": "NULL"}[r[0]]; r[1] != w {
						t.Errorf("identifier %s %q (whole value: %s) tagged %s, want %s", id.Kind, id.Value, r[0], r[1], w)
					}
				}
				rows := sinktest.Query(t, `SELECT count(DISTINCT (uid, trans_depth, payload_index, event_index)) FROM read_parquet(?) WHERE contains(value, ?)`,
					pq("fields"), id.Value)
				if rows[0][0] != strconv.Itoa(id.Events) {
					t.Errorf("identifier %s %q in %s events, want %d", id.Kind, id.Value, rows[0][0], id.Events)
				}
			}
		})
	}
}

// truthKinds maps the truth's identifier kinds to the id_kind names where
// they differ: the truth names accounts by what they are, id_kind by role.
var truthKinds = map[string]string{"mi_account": "account_id", "user_id": "account_id"}

// truthLocation maps the truth's payload locations to the payloads table's:
// the truth says "body" both for a whole body and for a form field in it.
func truthLocation(loc, field string) string {
	if loc == "body" && field != "" {
		return "form"
	}
	return loc
}

// withSearchTerms returns the field row f (path, value, type, via)
// followed by the rows the fields table derives from a search URL: one per
// search parameter (q, wd, word, query, text, keyword(s), search,
// search_query, searchword, kw) with a non-blank value, at "<path>?<name>",
// via "url". Written with net/url, independently of the extractor.
func withSearchTerms(f []string) [][]string {
	out := [][]string{f}
	u, err := url.Parse(f[1])
	if f[2] != "string" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery == "" {
		return out
	}
	via := "url"
	if f[3] != "" {
		via = f[3] + ">url"
	}
	for _, kv := range strings.Split(u.RawQuery, "&") {
		k, v, _ := strings.Cut(kv, "=")
		name, err1 := url.QueryUnescape(k)
		val, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			continue
		}
		switch strings.ToLower(name) {
		case "q", "wd", "word", "query", "text", "keyword", "keywords", "search", "search_query", "searchword", "kw":
			if strings.TrimSpace(val) != "" {
				out = append(out, []string{f[0] + "?" + name, val, "string", via})
			}
		}
	}
	return out
}

// truthChain renders a payloads.chain (joined by '>') as the truth writes
// chains: without the location step, a request Content-Encoding as its
// encoding name.
func truthChain(chain string) string {
	var out []string
	for i, step := range strings.Split(chain, ">") {
		if enc, ok := strings.CutPrefix(step, "content-encoding:"); ok {
			out = append(out, enc)
			continue
		}
		if i == 0 || len(out) > 0 && i == 1 && strings.HasPrefix(chain, "content-encoding:") {
			continue // the location step
		}
		out = append(out, step)
	}
	return strings.Join(out, ">")
}

// flattenJSON lists the leaves of a JSON object in document order as (path,
// value, type), with the conventions of the fields table: dotted keys, [i]
// for array elements, numbers as written, null as "".
func flattenJSON(t *testing.T, raw json.RawMessage) [][]string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var out [][]string
	var walk func(path string) error
	walk = func(path string) error {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch v := tok.(type) {
		case json.Delim:
			empty := true
			if v == '{' {
				for dec.More() {
					empty = false
					k, err := dec.Token()
					if err != nil {
						return err
					}
					p := k.(string)
					if path != "" {
						p = path + "." + p
					}
					if err := walk(p); err != nil {
						return err
					}
				}
				if empty && path != "" {
					out = append(out, []string{path, "{}", "object"})
				}
			} else {
				for i := 0; dec.More(); i++ {
					empty = false
					if err := walk(fmt.Sprintf("%s[%d]", path, i)); err != nil {
						return err
					}
				}
				if empty {
					out = append(out, []string{path, "[]", "array"})
				}
			}
			_, err := dec.Token() // closing delimiter
			return err
		case string:
			out = append(out, []string{path, v, "string"})
		case json.Number:
			out = append(out, []string{path, v.String(), "number"})
		case bool:
			out = append(out, []string{path, strconv.FormatBool(v), "bool"})
		case nil:
			out = append(out, []string{path, "", "null"})
		}
		return nil
	}
	if err := walk(""); err != nil {
		t.Fatalf("truth object: %v", err)
	}
	return out
}
