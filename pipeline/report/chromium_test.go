package report

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// chromium finds a Chromium binary, or skips the test.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("chromium not on PATH (apt-get install chromium): the browser rendering test is skipped")
	return ""
}

// runChromium runs headless Chromium on a local file with the given extra
// arguments and returns its standard output.
func runChromium(t *testing.T, bin, page string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	home := t.TempDir() // a fresh profile: no state, no first-run prompts
	all := append([]string{
		"--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
		"--user-data-dir=" + filepath.Join(home, "profile"),
	}, args...)
	all = append(all, "file://"+page)
	cmd := exec.CommandContext(ctx, bin, all...)
	cmd.Env = append(os.Environ(), "HOME="+home)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", bin, err, stderr.String())
	}
	return out
}

// TestChromiumRendersReport renders the household report in a real browser
// and checks the DOM the browser built from it: every section, both plots
// as SVG with their drawn shapes, and values of the sample.
func TestChromiumRendersReport(t *testing.T) {
	bin := chromium(t)
	tr := loadTruth(t, "household.truth.json")
	r, err := Load(context.Background(), runSample(t, "household.pcap", ""))
	if err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(t.TempDir(), "report.html")
	var h bytes.Buffer
	if err := r.WriteHTML(&h); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(page, h.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	dom := string(runChromium(t, bin, page, "--dump-dom"))

	for _, id := range []string{"summary", "destinations", "identifier-kinds", "clusters", "hubs", "sensitive", "urls", "searches", "incognito", "plots", "plot-events-over-time", "plot-identifier-kinds"} {
		if !strings.Contains(dom, `id="`+id+`"`) {
			t.Errorf("rendered DOM lacks the section %q", id)
		}
	}
	// Each plot is an SVG element in its figure, with its title, caption,
	// axis labels and one shape per non-empty bar segment.
	for _, tc := range []struct {
		id       string
		minRects int
		labels   []string
	}{
		{"plot-events-over-time", nonZeroCells(r.Timeline.Counts) + len(r.Timeline.Hosts), []string{"events", "capture time (UTC)"}},
		{"plot-identifier-kinds", nonZeroKinds(r) + len(r.IDKinds), []string{"destination", "distinct identifiers received"}},
	} {
		fig := section(t, dom, `<figure id="`+tc.id+`">`, "</figure>")
		if !strings.Contains(fig, "<svg") || !strings.Contains(fig, "<figcaption>") || !strings.Contains(fig, "<title") {
			t.Errorf("%s: no svg, title or caption", tc.id)
		}
		if n := strings.Count(fig, "<rect"); n != tc.minRects || n < 10 {
			t.Errorf("%s: %d rect elements, want %d (and at least 10)", tc.id, n, tc.minRects)
		}
		if n := strings.Count(fig, "<line"); n < 5 {
			t.Errorf("%s: %d line elements (axes and grid), want at least 5", tc.id, n)
		}
		for _, l := range tc.labels {
			if !regexp.MustCompile(`class="axis-label"[^>]*>` + regexp.QuoteMeta(l)).MatchString(fig) {
				t.Errorf("%s: no axis label %q", tc.id, l)
			}
		}
		// The browser's parser kept the SVG's camel-case attribute.
		if !strings.Contains(fig, "viewBox=") {
			t.Errorf("%s: viewBox lost", tc.id)
		}
	}
	// Values of the sample: every telemetry host, both clusters, and the
	// incognito search (with its non-ASCII letter).
	dests := section(t, dom, `<section id="destinations">`, "</section>")
	for _, host := range tr.telemetryHosts() {
		if !strings.Contains(dests, ">"+host+"<") {
			t.Errorf("destinations: no %s", host)
		}
	}
	for _, c := range r.Clusters {
		if !strings.Contains(dom, `id="cluster-`+c.ID+`"`) {
			t.Errorf("no cluster %s", c.ID)
		}
	}
	inc := section(t, dom, `<section id="incognito">`, "</section>")
	for _, want := range []string{"test sarcină rezultat", "clinica dermatologie cluj", "https://clinica.example.ro/programari"} {
		if !strings.Contains(inc, want) {
			t.Errorf("incognito section lacks %q", want)
		}
	}
	for _, fetch := range []string{"<script", " src=", "<link", "@import", "url(", "<iframe", "<object"} {
		if strings.Contains(dom, fetch) {
			t.Errorf("the page holds %q: it must load nothing", fetch)
		}
	}

	// A screenshot: the page renders to a non-trivial image.
	shot := filepath.Join(t.TempDir(), "report.png")
	runChromium(t, bin, page, "--hide-scrollbars", "--window-size=1280,2400", "--screenshot="+shot)
	png, err := os.ReadFile(shot)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG")) || len(png) < 20000 {
		t.Errorf("screenshot: %d bytes, not a rendered page", len(png))
	}
}

func section(t *testing.T, s, start, end string) string {
	t.Helper()
	i := strings.Index(s, start)
	if i < 0 {
		t.Fatalf("no %s in the rendered DOM", start)
	}
	j := strings.Index(s[i:], end)
	if j < 0 {
		t.Fatalf("%s not closed", start)
	}
	return s[i : i+j]
}

func nonZeroCells(counts [][]int64) int {
	n := 0
	for _, b := range counts {
		for _, c := range b {
			if c > 0 {
				n++
			}
		}
	}
	return n
}

func nonZeroKinds(r *Report) int {
	n := 0
	for _, d := range r.Destinations {
		for _, k := range r.IDKinds {
			if d.IDs[k] > 0 {
				n++
			}
		}
	}
	return n
}
