package publish

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"telltale/pipeline"
	"telltale/pipeline/leak"
	"telltale/pipeline/sink"
	"telltale/pipeline/sink/sinktest"
)

const samples = "../../samples"

// Two fixed keys: tests must be reproducible.
var (
	keyA = mustKey(bytes.Repeat([]byte("telltale-test-key-A/"), 2))
	keyB = mustKey(bytes.Repeat([]byte("telltale-test-key-B/"), 2))
)

func mustKey(b []byte) *Key {
	k, err := NewKey(b)
	if err != nil {
		panic(err)
	}
	return k
}

// fixture is one sample run through the pipeline and published.
type fixture struct {
	name  string
	dir   string // dataset
	pubA  string // published with keyA
	pubA2 string // published with keyA again, elsewhere
	pubB  string // published with keyB
	known []leak.Known
	truth truth
}

type truth struct {
	Flows []struct {
		ClientIP string `json:"client_ip"`
		ServerIP string `json:"server_ip"`
	} `json:"flows"`
	Identifiers []struct {
		Kind  string `json:"kind"`
		Value string `json:"value"`
	} `json:"identifiers"`
	IdentityGroups []struct {
		Name    string `json:"name"`
		Members []struct {
			Kind  string `json:"kind"`
			Value string `json:"value"`
		} `json:"members"`
	} `json:"identity_groups"`
	Hubs []struct {
		Value string `json:"value"`
	} `json:"hubs"`
}

var (
	fixOnce  sync.Once
	fixTemp  string
	fixtures []*fixture
	fixErr   error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if fixTemp != "" {
		os.RemoveAll(fixTemp)
	}
	os.Exit(code)
}

// getFixtures runs sdk-zoo (with its known values) and household through
// the pipeline once per test binary and publishes each three times.
func getFixtures(t *testing.T) []*fixture {
	t.Helper()
	fixOnce.Do(func() {
		fixTemp, fixErr = os.MkdirTemp("", "publish-test-")
		if fixErr != nil {
			return
		}
		known, err := leak.Load(filepath.Join(samples, "sdk-zoo.known.yaml"))
		if err != nil {
			fixErr = err
			return
		}
		for _, s := range []struct {
			name  string
			known []leak.Known
		}{{"sdk-zoo", known}, {"household", nil}} {
			f := &fixture{name: s.name, known: s.known}
			f.dir = filepath.Join(fixTemp, s.name, "dataset")
			f.pubA = filepath.Join(fixTemp, s.name, "pubA")
			f.pubA2 = filepath.Join(fixTemp, s.name, "pubA2")
			f.pubB = filepath.Join(fixTemp, s.name, "pubB")
			raw, err := os.ReadFile(filepath.Join(samples, s.name+".truth.json"))
			if err == nil {
				err = json.Unmarshal(raw, &f.truth)
			}
			if err != nil {
				fixErr = err
				return
			}
			if _, err := pipeline.Run(context.Background(), pipeline.Config{
				Inputs: []string{filepath.Join(samples, s.name+".pcap")}, OutDir: f.dir, Workers: 2, Known: s.known,
			}); err != nil {
				fixErr = err
				return
			}
			for _, p := range []struct {
				out string
				key *Key
			}{{f.pubA, keyA}, {f.pubA2, keyA}, {f.pubB, keyB}} {
				if _, err := Publish(context.Background(), Options{Dir: f.dir, OutDir: p.out, Key: p.key, Version: "test"}); err != nil {
					fixErr = fmt.Errorf("%s: %w", s.name, err)
					return
				}
			}
			fixtures = append(fixtures, f)
		}
	})
	if fixErr != nil {
		t.Fatal(fixErr)
	}
	return fixtures
}

func tbl(dir, table string) string {
	return fmt.Sprintf("read_parquet('%s')", filepath.Join(dir, table+".parquet"))
}

// tables lists the table names of a dataset's manifest.
func tables(t *testing.T, dir string) []string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, sink.ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	var m sink.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, o := range m.Outputs {
		out = append(out, strings.TrimSuffix(o.Name, ".parquet"))
	}
	return out
}

// rowTexts renders every row of every table as DuckDB casts the whole row
// (nested columns included) to text, lower-cased.
func rowTexts(t *testing.T, dir string, names []string) []string {
	t.Helper()
	var out []string
	for _, name := range names {
		for _, r := range sinktest.Query(t, "SELECT CAST(t AS VARCHAR) FROM "+tbl(dir, name)+" t") {
			out = append(out, name+": "+strings.ToLower(r[0]))
		}
	}
	return out
}

// secrets are the values no published file may hold: the truth's
// identifiers, people and hubs, the known values and the client addresses.
func (f *fixture) secrets() []string {
	var s []string
	for _, id := range f.truth.Identifiers {
		s = append(s, id.Value)
	}
	for _, g := range f.truth.IdentityGroups {
		for _, m := range g.Members {
			s = append(s, m.Value)
		}
	}
	for _, h := range f.truth.Hubs {
		s = append(s, h.Value)
	}
	for _, k := range f.known {
		s = append(s, k.Value)
	}
	for _, fl := range f.truth.Flows {
		s = append(s, fl.ClientIP)
	}
	slices.Sort(s)
	return slices.Compact(s)
}

func TestNoSecretSurvives(t *testing.T) {
	for _, f := range getFixtures(t) {
		t.Run(f.name, func(t *testing.T) {
			names := tables(t, f.dir)
			before := rowTexts(t, f.dir, names)
			after := rowTexts(t, f.pubA, names)
			if len(before) != len(after) {
				t.Fatalf("%d rows before, %d after", len(before), len(after))
			}
			secrets := f.secrets()
			if len(secrets) < 10 {
				t.Fatalf("only %d secrets in the truth", len(secrets))
			}
			for _, s := range secrets {
				ls := strings.ToLower(s)
				found := false
				for _, r := range before {
					if strings.Contains(r, ls) {
						found = true
						break
					}
				}
				if !found {
					t.Errorf("%q is not in the dataset: the scan below proves nothing for it", s)
				}
				for _, r := range after {
					if strings.Contains(r, ls) {
						t.Errorf("%q survives publishing in %s", s, r)
					}
				}
			}
			if len(f.known) == 0 {
				return
			}
			// Every disguise of every known value (hashes, Base64, forms
			// without separators) must be gone too.
			m := leak.NewMatcher(f.known)
			hits := func(rows []string, report bool) int {
				n := 0
				for _, r := range rows {
					m.Find([]byte(r), func(h leak.Hit) {
						n++
						if report {
							t.Errorf("%s (%s) survives publishing in %s", m.Known()[h.Known].Value, h.Disguise, r)
						}
					})
				}
				return n
			}
			if hits(before, false) == 0 {
				t.Error("no disguised known value in the dataset: the scan proves nothing")
			}
			hits(after, true)
		})
	}
}

// counts runs each query on the dataset and on its published copy.
func TestJoinsSurvive(t *testing.T) {
	queries := []struct {
		name, sql string
	}{
		{"identifiers=fields", "SELECT count(*) FROM {identifiers} i JOIN {fields} f ON i.value = f.value"},
		{"links=identifiers", "SELECT count(*) FROM {links} l JOIN {identifiers} a ON l.value_a = a.value JOIN {identifiers} b ON l.value_b = b.value"},
		{"clusters", "SELECT cluster_size, count(*), bool_or(hub) FROM {identifiers} GROUP BY cluster_id, cluster_size ORDER BY ALL"},
		{"events in clusters", "SELECT count(*) FROM {event_clusters} e JOIN {identifiers} i ON e.cluster_id = i.cluster_id"},
		{"event cluster sizes", "SELECT count(*) FROM {event_clusters} GROUP BY cluster_id ORDER BY ALL"},
		{"http=flows", "SELECT count(*) FROM {http} h JOIN {flows} f USING (uid, orig_h)"},
		{"fields=events", "SELECT count(*) FROM {events} e JOIN {fields} f USING (uid, trans_depth, payload_index, event_index)"},
		{"distinct_id=fields", "SELECT count(*) FROM {events} e JOIN {fields} f ON e.distinct_id = f.value"},
		{"distinct per column", "SELECT count(DISTINCT uid), count(DISTINCT orig_h), count(DISTINCT community_id), count(DISTINCT resp_h) FROM {flows}"},
		{"hubs", "SELECT count(*) FROM {identifiers} WHERE hub"}, // household only
		{"id values", "SELECT id_kind, count(DISTINCT value) FROM {fields} WHERE id_kind IS NOT NULL GROUP BY id_kind ORDER BY ALL"},
	}
	for _, f := range getFixtures(t) {
		expand := func(dir, q string) string {
			for _, name := range tables(t, f.dir) {
				q = strings.ReplaceAll(q, "{"+name+"}", tbl(dir, name))
			}
			return q
		}
		for _, q := range queries {
			if q.name == "hubs" && f.name != "household" {
				continue
			}
			t.Run(f.name+"/"+q.name, func(t *testing.T) {
				before := sinktest.QueryTSV(t, expand(f.dir, q.sql))
				after := sinktest.QueryTSV(t, expand(f.pubA, q.sql))
				if before != after {
					t.Errorf("before:\n%s\nafter:\n%s", before, after)
				}
				if lines := strings.Split(strings.TrimSpace(before), "\n"); len(lines) < 2 || strings.HasPrefix(lines[1], "0") {
					t.Errorf("query finds nothing, so it proves nothing:\n%s", before)
				}
			})
		}
	}
}

// TestIdentityGroups checks the household's people through their
// pseudonyms: each person's identifiers share one cluster, and the two
// people have different clusters.
func TestIdentityGroups(t *testing.T) {
	f := getFixtures(t)[1]
	if len(f.truth.IdentityGroups) < 2 {
		t.Fatalf("household truth has %d identity groups", len(f.truth.IdentityGroups))
	}
	seen := map[string]string{}
	for _, g := range f.truth.IdentityGroups {
		var ps []string
		for _, m := range g.Members {
			ps = append(ps, "'"+keyA.Pseudonym(m.Value)+"'")
		}
		rows := sinktest.Query(t, "SELECT DISTINCT cluster_id, count(*) OVER () FROM "+tbl(f.pubA, "identifiers")+" WHERE value IN ("+strings.Join(ps, ",")+")")
		if len(rows) != 1 {
			t.Errorf("%s: members in %d clusters: %v", g.Name, len(rows), rows)
			continue
		}
		if n, _ := strconv.Atoi(rows[0][1]); n < len(g.Members) {
			t.Errorf("%s: %d of %d members found by pseudonym", g.Name, n, len(g.Members))
		}
		if other, ok := seen[rows[0][0]]; ok {
			t.Errorf("%s and %s share cluster %s", g.Name, other, rows[0][0])
		}
		seen[rows[0][0]] = g.Name
		if !regexp.MustCompile(`^p:[0-9a-f]{16}$`).MatchString(rows[0][0]) {
			t.Errorf("cluster_id %q is not a pseudonym", rows[0][0])
		}
	}
}

func TestRulesApplied(t *testing.T) {
	f := getFixtures(t)[0]
	P := keyA.Pseudonym
	one := func(q string) string {
		t.Helper()
		rows := sinktest.Query(t, q)
		if len(rows) != 1 || len(rows[0]) != 1 {
			t.Fatalf("%s: %v", q, rows)
		}
		return rows[0][0]
	}
	// Dropped columns: present before, null after.
	for _, c := range []struct{ table, col string }{{"http", "request_body"}, {"payloads", "json"}, {"events", "properties"}} {
		q := "SELECT count(" + c.col + ") FROM "
		if one(q+tbl(f.dir, c.table)) == "0" {
			t.Errorf("%s.%s empty in the dataset", c.table, c.col)
		}
		if got := one(q + tbl(f.pubA, c.table)); got != "0" {
			t.Errorf("%s.%s: %s non-null values after publishing", c.table, c.col, got)
		}
	}
	// Whole-value columns are all pseudonyms.
	pat := `'^p:[0-9a-f]{16}$'`
	for _, c := range []struct{ table, col string }{
		{"flows", "uid"}, {"flows", "orig_h"}, {"flows", "community_id"}, {"http", "orig_h"},
		{"identifiers", "value"}, {"identifiers", "cluster_id"}, {"links", "value_a"}, {"leaks", "value"},
		{"events", "distinct_id"}, {"event_clusters", "cluster_id"},
	} {
		q := fmt.Sprintf("SELECT count(*) FILTER (WHERE NOT regexp_matches(%s, %s)), count(%s) FROM %s", c.col, pat, c.col, tbl(f.pubA, c.table))
		if rows := sinktest.Query(t, q); rows[0][0] != "0" || rows[0][1] == "0" {
			t.Errorf("%s.%s: %s of %s values are not pseudonyms", c.table, c.col, rows[0][0], rows[0][1])
		}
	}
	q := fmt.Sprintf("SELECT count(*) FILTER (WHERE NOT regexp_matches(value, %s)), count(*) FROM %s WHERE id_kind IN ('url', 'search_query')", pat, tbl(f.pubA, "fields"))
	if rows := sinktest.Query(t, q); rows[0][0] != "0" || rows[0][1] == "0" {
		t.Errorf("fields url/search_query: %s of %s values are not pseudonyms", rows[0][0], rows[0][1])
	}

	// Exact values derived from the sample.
	has := func(q, want string) {
		t.Helper()
		for _, r := range sinktest.Query(t, q) {
			if r[0] == want {
				return
			}
		}
		t.Errorf("%s: no %q", q, want)
	}
	has("SELECT uri FROM "+tbl(f.pubA, "http"), "/sa?project="+P("global_browser_mini")+"&r="+P("RO"))
	has("SELECT query FROM "+tbl(f.pubA, "http"), "project="+P("global_browser_mini")+"&r="+P("RO"))
	has("SELECT path FROM "+tbl(f.pubA, "http"), "/api/v6.3/androidevent")
	has("SELECT value FROM "+tbl(f.pubA, "identifiers")+" WHERE kind = 'imei'", P("358476101234565"))
	has("SELECT value FROM "+tbl(f.pubA, "leaks")+" WHERE kind = 'email'", P("Ana.Popescu@example.ro"))
	// The MD5 of the IMEI is a disguise of a known value: the publication
	// still shows what was hashed.
	has("SELECT value FROM "+tbl(f.pubA, "fields")+" WHERE path = 'partner_params.imei_md5'", "md5("+P("358476101234565")+")")
	// Servers stay.
	has("SELECT resp_h FROM "+tbl(f.pubA, "flows"), "203.0.113.10")
	has("SELECT h.value FROM (SELECT unnest(request_headers) h FROM "+tbl(f.pubA, "http")+") WHERE h.name = 'User-Agent'", "okhttp/4.9.1")

	// Cookie and Authorization header values, row by row.
	hq := "SELECT h.name, h.value FROM (SELECT unnest(request_headers) h FROM %s) WHERE h.name IN ('Cookie', 'Authorization') ORDER BY ALL"
	before, after := sinktest.Query(t, fmt.Sprintf(hq, tbl(f.dir, "http"))), sinktest.Query(t, fmt.Sprintf(hq, tbl(f.pubA, "http")))
	var want [][]string
	for _, r := range before {
		v := P(r[1])
		if r[0] == "Cookie" {
			var parts []string
			for _, p := range strings.Split(r[1], "; ") {
				n, val, _ := strings.Cut(p, "=")
				parts = append(parts, n+"="+P(val))
			}
			v = strings.Join(parts, "; ")
		}
		want = append(want, []string{r[0], v})
	}
	slices.SortFunc(want, func(a, b []string) int { return strings.Compare(a[0]+"\x00"+a[1], b[0]+"\x00"+b[1]) })
	if len(want) == 0 || len(want) != len(after) {
		t.Fatalf("Cookie/Authorization headers: %d after, want %d", len(after), len(want))
	}
	for i := range want {
		if fmt.Sprint(want[i]) != fmt.Sprint(after[i]) {
			t.Errorf("header %d:\n got %q\nwant %q", i, after[i], want[i])
		}
	}
}

func TestDeterministicAndKeyed(t *testing.T) {
	for _, f := range getFixtures(t) {
		t.Run(f.name, func(t *testing.T) {
			names := append(tables(t, f.dir), "publish")
			for _, n := range names {
				file := n + ".parquet"
				if n == "publish" {
					file = ManifestName
				}
				a, errA := os.ReadFile(filepath.Join(f.pubA, file))
				a2, errA2 := os.ReadFile(filepath.Join(f.pubA2, file))
				b, errB := os.ReadFile(filepath.Join(f.pubB, file))
				if err := errors.Join(errA, errA2, errB); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(a, a2) {
					t.Errorf("%s differs between two publications with the same key", file)
				}
				if bytes.Equal(a, b) && (n == "publish" || sinktest.Query(t, "SELECT count(*) FROM "+tbl(f.pubA, n))[0][0] != "0") {
					t.Errorf("%s is the same under two keys", file)
				}
			}
			q := "SELECT value FROM %s INTERSECT SELECT value FROM %s"
			if rows := sinktest.Query(t, fmt.Sprintf(q, tbl(f.pubA, "identifiers"), tbl(f.pubB, "identifiers"))); len(rows) != 0 {
				t.Errorf("pseudonyms shared by two keys: %v", rows)
			}
		})
	}
}

func TestManifest(t *testing.T) {
	f := getFixtures(t)[0]
	raw, err := os.ReadFile(filepath.Join(f.pubA, ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	var m Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	srcRaw, err := os.ReadFile(filepath.Join(f.dir, sink.ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	var src sink.Manifest
	if err := json.Unmarshal(srcRaw, &src); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(srcRaw)
	if m.Tool != "telltale publish" || m.Version != "test" || m.RulesVersion != RulesVersion {
		t.Errorf("tool %q version %q rules %d", m.Tool, m.Version, m.RulesVersion)
	}
	if m.Source.ManifestSHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("source manifest sha256 %s, want %s", m.Source.ManifestSHA256, hex.EncodeToString(sum[:]))
	}
	if fmt.Sprint(m.Source.Outputs) != fmt.Sprint(src.Outputs) {
		t.Errorf("source outputs %v, want %v", m.Source.Outputs, src.Outputs)
	}
	if len(m.Source.Inputs) != 1 || m.Source.Inputs[0].Name != "sdk-zoo.pcap" || m.Source.Inputs[0].SHA256 != src.Inputs[0].SHA256 {
		t.Errorf("source inputs %v", m.Source.Inputs)
	}
	if bytes.Contains(raw, []byte(f.dir)) || bytes.Contains(raw, []byte("samples/")) {
		t.Errorf("publish.json names a path:\n%s", raw)
	}
	if m.KeyFingerprint != keyA.Fingerprint() || keyA.Fingerprint() == keyB.Fingerprint() || len(m.KeyFingerprint) != 64 {
		t.Errorf("fingerprint %s (A %s, B %s)", m.KeyFingerprint, keyA.Fingerprint(), keyB.Fingerprint())
	}
	if len(m.Outputs) != len(src.Outputs) {
		t.Fatalf("%d outputs, want %d", len(m.Outputs), len(src.Outputs))
	}
	for i, o := range m.Outputs {
		if o.Name != src.Outputs[i].Name || o.Rows != src.Outputs[i].Rows {
			t.Errorf("output %d: %s with %d rows, want %s with %d", i, o.Name, o.Rows, src.Outputs[i].Name, src.Outputs[i].Rows)
		}
		b, err := os.ReadFile(filepath.Join(f.pubA, o.Name))
		if err != nil {
			t.Fatal(err)
		}
		s := sha256.Sum256(b)
		if hex.EncodeToString(s[:]) != o.SHA256 || int64(len(b)) != o.Bytes {
			t.Errorf("%s: sha256 %x (%d bytes), manifest says %s (%d)", o.Name, s, len(b), o.SHA256, o.Bytes)
		}
		if got := sinktest.Query(t, "SELECT count(*) FROM "+tbl(f.pubA, strings.TrimSuffix(o.Name, ".parquet")))[0][0]; got != strconv.FormatInt(o.Rows, 10) {
			t.Errorf("%s: DuckDB counts %s rows, manifest %d", o.Name, got, o.Rows)
		}
		rules := sinktest.Query(t, "SELECT value FROM parquet_kv_metadata(?) WHERE key = 'telltale.publish_rules'", filepath.Join(f.pubA, o.Name))
		if len(rules) != 1 || rules[0][0] != strconv.Itoa(RulesVersion) {
			t.Errorf("%s: telltale.publish_rules = %v", o.Name, rules)
		}
	}
}

// TestCopyIsExact copies every table with no rule at all: the files must
// come out byte for byte as the sink wrote them, which shows that the
// writer settings are the sink's.
func TestCopyIsExact(t *testing.T) {
	f := getFixtures(t)[0]
	raw, err := os.ReadFile(filepath.Join(f.dir, sink.ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	var m sink.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	for _, o := range m.Outputs {
		got, err := copyTable(context.Background(), filepath.Join(f.dir, o.Name), filepath.Join(out, o.Name), func(*arrow.Schema) (transform, error) {
			return func(rec arrow.Record, _ *arrow.Schema) (arrow.Record, error) { rec.Retain(); return rec, nil }, nil
		}, false, memory.DefaultAllocator)
		if err != nil {
			t.Fatal(err)
		}
		if got.SHA256 != o.SHA256 || got.Rows != o.Rows {
			t.Errorf("%s: copy has %d rows, %d bytes, sha256 %s; sink wrote %d, %d, %s", o.Name, got.Rows, got.Bytes, got.SHA256, o.Rows, o.Bytes, o.SHA256)
		}
	}
}

func TestPublishRefuses(t *testing.T) {
	f := getFixtures(t)[1]
	ctx := context.Background()

	// A dataset whose table changed after the run.
	bad := t.TempDir()
	for _, n := range append(tables(t, f.dir), "manifest") {
		file := n + ".parquet"
		if n == "manifest" {
			file = sink.ManifestName
		}
		b, err := os.ReadFile(filepath.Join(f.dir, file))
		if err != nil {
			t.Fatal(err)
		}
		if n == "links" {
			b[len(b)/2] ^= 1
		}
		if err := os.WriteFile(filepath.Join(bad, file), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dataset := t.TempDir()
	if err := os.WriteFile(filepath.Join(dataset, sink.ManifestName), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		opts Options
		want string
	}{
		{"no key", Options{Dir: f.dir, OutDir: t.TempDir()}, "no key"},
		{"not a dataset", Options{Dir: t.TempDir(), OutDir: t.TempDir(), Key: keyA}, "holds no manifest.json"},
		{"into itself", Options{Dir: f.dir, OutDir: f.dir, Key: keyA}, "is the dataset itself"},
		{"into a dataset", Options{Dir: f.dir, OutDir: dataset, Key: keyA}, "holds a manifest.json"},
		{"changed table", Options{Dir: bad, OutDir: t.TempDir(), Key: keyA}, "links.parquet does not match manifest.json"},
		{"cancelled", Options{Dir: f.dir, OutDir: t.TempDir(), Key: keyA}, "context canceled"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := ctx
			if tc.name == "cancelled" {
				c, cancel := context.WithCancel(ctx)
				cancel()
				ctx = c
			}
			_, err := Publish(ctx, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one mentioning %q", err, tc.want)
			}
			if tc.opts.OutDir != "" && tc.opts.OutDir != f.dir {
				if es, _ := os.ReadDir(tc.opts.OutDir); len(es) > 0 && tc.name != "into a dataset" {
					t.Errorf("%d files left in the output directory, e.g. %s", len(es), es[0].Name())
				}
			}
		})
	}
}

func TestPlanFailsClosed(t *testing.T) {
	str := arrow.BinaryTypes.String
	headers := arrow.ListOf(arrow.StructOf(arrow.Field{Name: "name", Type: str}, arrow.Field{Name: "value", Type: str}))
	rules := map[string]map[string]rule{
		"t": {"a": pseud, "h": headerRule, "d": drop, "v": fieldRule},
	}
	sc := func(fs ...arrow.Field) *arrow.Schema { return arrow.NewSchema(fs, nil) }
	for _, tc := range []struct {
		name  string
		table string
		sc    *arrow.Schema
		want  string // "" for no error
	}{
		{"known columns", "t", sc(arrow.Field{Name: "a", Type: str}, arrow.Field{Name: "h", Type: headers}, arrow.Field{Name: "n", Type: arrow.PrimitiveTypes.Int64}), ""},
		{"unknown table", "u", sc(arrow.Field{Name: "a", Type: str}), `no rules for table "u"`},
		{"unknown text column", "t", sc(arrow.Field{Name: "new", Type: str}), "no rule for column t.new"},
		{"unknown list column", "t", sc(arrow.Field{Name: "tags", Type: arrow.ListOf(str)}), "no rule for column t.tags"},
		{"pseudonym of a number", "t", sc(arrow.Field{Name: "a", Type: arrow.PrimitiveTypes.Int64}), "does not fit column t.a"},
		{"headers of the wrong shape", "t", sc(arrow.Field{Name: "h", Type: arrow.ListOf(str)}), "does not fit column t.h"},
		{"drop of a required column", "t", sc(arrow.Field{Name: "d", Type: str}), "does not fit column t.d"},
		{"field value alone", "t", sc(arrow.Field{Name: "v", Type: str}), "needs a string column id_kind"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := planTable(tc.table, tc.sc, rules)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("error %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

// TestSchemaHasRules checks that every table and text column the sink
// writes has a rule, so that publish works on the current schema.
func TestSchemaHasRules(t *testing.T) {
	for _, td := range sink.Schema() {
		tr, ok := tableRules[td.Name]
		if !ok {
			t.Errorf("table %s has no rules", td.Name)
			continue
		}
		for _, c := range td.Columns {
			text := strings.Contains(c.Type, "string") || c.Type == "binary"
			if _, ok := tr[c.Name]; text && !ok {
				t.Errorf("column %s.%s (%s) has no rule", td.Name, c.Name, c.Type)
			}
		}
	}
}
