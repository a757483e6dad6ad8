package h2

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/h2c"

	"telltale/pipeline/h1"
	"telltale/reassembly"
)

func curlMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "hello, world\n")
	})
	mux.HandleFunc("/track", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(gzOK)
	})
	return mux
}

func runCurl(t *testing.T, args ...string) {
	t.Helper()
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl not installed")
	}
	cmd := exec.Command(curl, append([]string{"-sS", "--max-time", "10", "-o", os.DevNull}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("curl %v: %v\n%s", args, err, out)
	}
}

// TestCurlPriorKnowledge records curl --http2-prior-knowledge POSTing gzip'd
// JSON to a Go h2c server.
func TestCurlPriorKnowledge(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl not installed")
	}
	srv, rl, addr := h2cServer(t, curlMux())
	body := filepath.Join(t.TempDir(), "body.gz")
	if err := os.WriteFile(body, gzTrack, 0o600); err != nil {
		t.Fatal(err)
	}
	runCurl(t, "--http2-prior-knowledge", "-H", "Content-Type: application/json", "-H", "Content-Encoding: gzip",
		"--data-binary", "@"+body, "http://"+addr+"/track")
	srv.Close()
	traces := rl.traces(t)
	if len(traces) != 1 {
		t.Fatalf("%d connections", len(traces))
	}
	r := run(Config{}, traces[0], nil)
	if len(r.txs) != 1 || len(r.problems) != 0 || !r.reqKnown || r.reqDir != 0 {
		t.Fatalf("txs %v problems %v", summaries(r.txs), r.problems)
	}
	tx := r.txs[0]
	q, s := tx.Request, tx.Response
	if tx.Depth != 1 || tx.Flags != 0 || q.Method != "POST" || q.URI != "/track" || q.Flags != 0 || s.Flags != 0 {
		t.Errorf("%s", summary(tx))
	}
	if !bytes.Equal(q.Body, trackJSON) || q.WireBodyLen != int64(len(gzTrack)) || !bytes.Equal(s.Body, okJSON) || s.StatusCode != 200 {
		t.Errorf("bodies %q / %q", q.Body, s.Body)
	}
	// curl (nghttp2) sends :method, :path, :scheme, :authority.
	want := hdrs(":method", "POST", ":path", "/track", ":scheme", "http", ":authority", addr)
	if len(q.Headers) < 4 || !slices.Equal(q.Headers[:4], want) {
		t.Errorf("pseudo-headers %v", q.Headers)
	}
	if ua, _ := headerValue(q.Headers, "user-agent"); !strings.HasPrefix(ua, "curl/") {
		t.Errorf("user-agent %q", ua)
	}
	if r2 := run(Config{}, traces[0], byteSplit); !slices.Equal(summaries(r2.txs), summaries(r.txs)) {
		t.Errorf("byte split: %v", summaries(r2.txs))
	}
}

// TestCurlUpgrade records curl --http2 upgrading an HTTP/1.1 request to h2c
// (x/net/http2/h2c serves the upgrade): h1 parses the request and the 101,
// then Upgraded hands the request to stream 1.
func TestCurlUpgrade(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl not installed")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rl := &recListener{Listener: ln}
	srv := &http.Server{Handler: h2c.NewHandler(curlMux(), &http2.Server{}), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(rl)
	defer srv.Close()
	runCurl(t, "--http2", "http://"+ln.Addr().String()+"/hello")
	srv.Close()
	traces := rl.traces(t)
	if len(traces) != 1 {
		t.Fatalf("%d connections", len(traces))
	}
	events := traces[0]

	// The HTTP/1.1 part of each direction ends with its header block.
	var h1len [2]int
	for d := range h1len {
		b := flatten(events, reassembly.Dir(d))
		i := bytes.Index(b, []byte("\r\n\r\n"))
		if i < 0 {
			t.Fatalf("dir %d: no HTTP/1.1 header block", d)
		}
		h1len[d] = i + 4
	}
	if b := flatten(events, 1); !bytes.HasPrefix(b, []byte("HTTP/1.1 101 ")) {
		t.Fatalf("no 101: %.40q", b)
	}
	var txs1 []*h1.Transaction
	hc := h1.NewConn(h1.Config{}, func(tx *h1.Transaction) { txs1 = append(txs1, tx) }, &h1.Stats{})
	for d := range h1len {
		hc.Data(reassembly.Dir(d), flatten(events, reassembly.Dir(d))[:h1len[d]], reassembly.Position{})
	}
	hc.End(&reassembly.ConnSummary{})
	if len(txs1) != 1 || txs1[0].Request == nil || txs1[0].Request.URI != "/hello" {
		t.Fatalf("h1 gave %d transactions", len(txs1))
	}
	req := txs1[0].Request

	// The rest of each direction is HTTP/2, in the recorded order.
	var rest []event
	var seen [2]int
	for _, e := range events {
		skip := min(max(h1len[e.dir]-seen[e.dir], 0), len(e.b))
		seen[e.dir] += len(e.b)
		if skip < len(e.b) {
			rest = append(rest, event{dir: e.dir, b: e.b[skip:]})
		}
	}
	if !LooksLikePreface(flatten(rest, 0)) {
		t.Fatalf("client's HTTP/2 part does not start with the preface")
	}
	var got []*h1.Transaction
	var st Stats
	c := NewConn(Config{}, func(tx *h1.Transaction) { got = append(got, tx) }, &st)
	c.Upgraded(req)
	feedConn(c, rest, nil, [2]int64{int64(h1len[0]), int64(h1len[1])})
	c.End()
	if len(got) != 1 || len(c.Problems()) != 0 {
		t.Fatalf("txs %v problems %v", summaries(got), c.Problems())
	}
	tx := got[0]
	if tx.Depth != 1 || tx.Flags != 0 || tx.Request != req || tx.Response == nil {
		t.Fatalf("%s", summary(tx))
	}
	s := tx.Response
	if s.StatusCode != 200 || string(s.Body) != "hello, world\n" || s.Version != "HTTP/2" || s.Flags != 0 || s.Start.Offset <= int64(h1len[1]) {
		t.Errorf("response %s start %d", summary(tx), s.Start.Offset)
	}
	if d, ok := c.RequestDir(); !ok || d != 0 {
		t.Errorf("RequestDir %v %v", d, ok)
	}
}
