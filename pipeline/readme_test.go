package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"telltale/pipeline/sink/sinktest"
)

// TestReadmeQuery runs the README's "which hosts received my device
// identifiers?" query on the demo sample's output, so the snippet a new user
// copies keeps working and keeps answering the question.
func TestReadmeQuery(t *testing.T) {
	query := readmeSQL(t, "readme-query")

	out, _ := runSample(t, sampleCases[0], 2)
	query = strings.ReplaceAll(query, "'demo-out/", "'"+filepath.ToSlash(out)+"/")
	rows := sinktest.Query(t, query)
	var got []string
	for _, r := range rows {
		got = append(got, r[0]+" "+r[1]+" "+r[2])
	}
	// From samples/phone-browser.truth.json: the Android ID is in every
	// Sensors event (63: identities, $device_id), the IMEI in two, the OAID in one.
	want := []string{
		"sa.api.intl.miui.com identities.$identity_android_id 63",
		"sa.api.intl.miui.com properties.$device_id 63",
		"sa.api.intl.miui.com properties.$ios_install_source 1",
		"sa.api.intl.miui.com properties.$oaid 1",
		"sa.api.intl.miui.com properties.imei 1",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("README query rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestReadmeLeaks runs the README's leaks query on the SDK sample with its
// known-values file and compares hosts, kinds and disguises with the
// generator's truth.
func TestReadmeLeaks(t *testing.T) {
	query := readmeSQL(t, "readme-leaks")
	var sc sampleCase
	for _, c := range sampleCases {
		if c.name == "sdk-zoo" {
			sc = c
		}
	}
	out, _ := runSample(t, sc, 2)
	query = strings.ReplaceAll(query, "'zoo-out/", "'"+filepath.ToSlash(out)+"/")
	var got []string
	for _, r := range sinktest.Query(t, query) {
		got = append(got, r[0]+" "+r[1]+" "+r[2])
	}

	tf := readTruth(t, sc.truth)
	hosts := map[[2]int]string{}
	for _, h := range tf.HTTP {
		hosts[[2]int{h.ClientPort, h.RequestIndex}] = h.Host
	}
	sets := map[string]map[string]bool{}
	for _, l := range tf.Leaks {
		host := hosts[[2]int{l.ClientPort, l.RequestIndex}]
		k := host + " " + l.Kind
		if sets[k] == nil {
			sets[k] = map[string]bool{}
		}
		sets[k][l.Disguise] = true
	}
	var want []string
	for k, ds := range sets {
		var list []string
		for d := range ds {
			list = append(list, d)
		}
		slices.Sort(list)
		want = append(want, k+" "+strings.Join(list, ", "))
	}
	slices.Sort(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("README leaks query rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// readmeSQL returns the first ```sql block after the README's
// "<!-- marker" comment.
func readmeSQL(t *testing.T, marker string) string {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	i := strings.Index(text, "<!-- "+marker)
	if i < 0 {
		t.Fatalf("README has no %s marker", marker)
	}
	start := strings.Index(text[i:], "```sql\n")
	if start < 0 {
		t.Fatalf("README %s: no sql block", marker)
	}
	end := strings.Index(text[i+start+7:], "```")
	if end < 0 {
		t.Fatalf("README %s: sql block not closed", marker)
	}
	return text[i+start+7 : i+start+7+end]
}

// TestReadmeHTTPS runs the README's TLS query on the HTTPS sample decrypted
// with its key log, as the README's command does, and checks it against
// cases.tsv: every connection with its SNI, version and suite, decrypted
// (three payloads each) unless its key was withheld.
func TestReadmeHTTPS(t *testing.T) {
	query := readmeSQL(t, "readme-https")
	out := runHTTPS(t, "https-go.pcap", []string{"https-go.keys"}, 2)
	query = strings.ReplaceAll(query, "'https-out/", "'"+filepath.ToSlash(out)+"/")
	var got []string
	for _, r := range sinktest.Query(t, query) {
		got = append(got, strings.Join(r, " "))
	}
	var want []string
	seen := map[string]bool{}
	for _, c := range loadHTTPSCases(t) {
		if c.capture != "https-go.pcap" || seen[c.name] {
			continue
		}
		seen[c.name] = true
		payloads := "0"
		if c.keyed {
			payloads = "3"
		}
		want = append(want, strings.Join([]string{c.host, "TLS " + c.tlsVersion, c.cipher, boolString(c.keyed), payloads}, " "))
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("README TLS query rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestReadmePartition runs the README's two partitioned runs and its query
// over both, and checks each row against a plain run of that capture.
func TestReadmePartition(t *testing.T) {
	query := readmeSQL(t, "readme-partition")
	ds := filepath.Join(t.TempDir(), "study")
	for _, in := range []string{"phone-browser.pcap", "sdk-zoo.pcap"} {
		if _, err := Run(context.Background(), Config{Inputs: []string{filepath.Join(samplesDir, in)}, OutDir: ds, PartitionBy: PartitionByInput}); err != nil {
			t.Fatal(err)
		}
	}
	query = strings.ReplaceAll(query, "'study/", "'"+filepath.ToSlash(ds)+"/")
	var got []string
	for _, r := range sinktest.Query(t, query) {
		got = append(got, strings.Join(r, " "))
	}
	var want []string
	for _, sc := range []sampleCase{sampleCases[0], sampleCases[6]} {
		out := filepath.Join(t.TempDir(), "plain")
		if _, err := Run(context.Background(), Config{Inputs: []string{filepath.Join(samplesDir, sc.inputs[0])}, OutDir: out}); err != nil {
			t.Fatal(err)
		}
		for _, r := range sinktest.Query(t, `SELECT sdk, count(*) FROM read_parquet(?) GROUP BY ALL ORDER BY ALL`, filepath.Join(out, "events.parquet")) {
			want = append(want, sc.inputs[0]+" "+strings.Join(r, " "))
		}
	}
	slices.Sort(want)
	if len(want) < 3 || !slices.Equal(got, want) {
		t.Errorf("README partition query:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
