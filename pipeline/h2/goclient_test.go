package h2

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"golang.org/x/net/http2"

	"telltale/pipeline/h1"
	"telltale/reassembly"
)

var (
	trackJSON = []byte(`{"distinct_id":"u-42","event":"$AppStart","properties":{"$lib":"Android","$screen_width":1080}}`)
	okJSON    = []byte(`{"status":"ok","accepted":1}`)
	bigBody   = bytes.Repeat([]byte("0123456789abcdef"), 6250) // 100000 bytes: several DATA frames
	bigHeader = strings.Repeat("a", 40000)                     // over one 16 KiB frame even Huffman-coded: CONTINUATION
)

const (
	trailerSum = "900150983cd24fb0d6963f7d28e17f72"
	nEcho      = 8
)

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

var (
	gzTrack = gzipBytes(trackJSON)
	gzOK    = gzipBytes(okJSON)
)

var (
	goOnce  sync.Once
	goTrace []event
	goErr   string
)

// goRecording runs a Go net/http h2c client against a Go h2c server once
// and returns the single connection's events.
func goRecording(t *testing.T) []event {
	t.Helper()
	goOnce.Do(func() { goTrace, goErr = recordGo(t) })
	if goErr != "" {
		t.Fatal(goErr)
	}
	return goTrace
}

func recordGo(t *testing.T) ([]event, string) {
	cancelSeen := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "hello, world\n")
	})
	mux.HandleFunc("/track", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(gzOK)
	})
	mux.HandleFunc("/trailers", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "X-Sum")
		io.WriteString(w, "abc")
		w.Header().Set("X-Sum", trailerSum)
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) { w.Write(bigBody) })
	mux.HandleFunc("/hints", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</app.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		io.WriteString(w, "hinted")
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "n="+r.URL.Query().Get("n"))
	})
	mux.HandleFunc("/cancel", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "partial")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
		close(cancelSeen)
	})
	srv, rl, addr := h2cServer(t, mux)
	client, tr := h2cClient()
	base := "http://" + addr
	get := func(path string, hdr ...string) string {
		req, _ := http.NewRequest("GET", base+path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := client.Do(req)
		if err != nil {
			return err.Error()
		}
		defer resp.Body.Close()
		io.Copy(io.Discard, resp.Body)
		if resp.ProtoMajor != 2 {
			return "not HTTP/2: " + resp.Proto
		}
		return ""
	}
	for _, step := range []func() string{
		func() string { return get("/hello") },
		func() string {
			req, _ := http.NewRequest("POST", base+"/track", bytes.NewReader(gzTrack))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Content-Encoding", "gzip")
			resp, err := client.Do(req)
			if err != nil {
				return err.Error()
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return ""
		},
		func() string { return get("/trailers") },
		func() string { return get("/big") },
		func() string { return get("/hints") },
		func() string { return get("/hello", "X-Big", bigHeader) },
		func() string {
			var wg sync.WaitGroup
			errs := make([]string, nEcho)
			for i := range nEcho {
				wg.Go(func() { errs[i] = get("/echo?n=" + strconv.Itoa(i)) })
			}
			wg.Wait()
			return strings.Join(errs, "")
		},
		func() string {
			ctx, cancel := context.WithCancel(context.Background())
			req, _ := http.NewRequestWithContext(ctx, "GET", base+"/cancel", nil)
			resp, err := client.Do(req)
			if err != nil {
				cancel()
				return err.Error()
			}
			buf := make([]byte, len("partial"))
			_, err = io.ReadFull(resp.Body, buf)
			cancel() // RST_STREAM(CANCEL) from the client
			resp.Body.Close()
			<-cancelSeen
			if err != nil {
				return err.Error()
			}
			return ""
		},
	} {
		if msg := step(); msg != "" {
			return nil, msg
		}
	}
	tr.CloseIdleConnections()
	srv.Close()
	traces := rl.traces(t)
	if len(traces) != 1 {
		return nil, "want 1 connection, got " + strconv.Itoa(len(traces))
	}
	return traces[0], ""
}

// TestGoClient checks every transaction of a real Go client/server h2c
// conversation against what the client sent and the server answered.
func TestGoClient(t *testing.T) {
	events := goRecording(t)
	// Independent check of what the trace exercises.
	ct := frameTypes(t, flatten(events, 0), true)
	st := frameTypes(t, flatten(events, 1), false)
	if ct[http2.FrameContinuation] == 0 || ct[http2.FrameRSTStream] == 0 || st[http2.FrameData] < 8 {
		t.Fatalf("trace lacks CONTINUATION/RST_STREAM/DATA: client %v server %v", ct, st)
	}

	r := run(Config{}, events, nil)
	if len(r.txs) != 6+nEcho+1 {
		t.Fatalf("got %d transactions:\n%s", len(r.txs), strings.Join(summaries(r.txs), "\n"))
	}
	if !r.reqKnown || r.reqDir != 0 {
		t.Errorf("RequestDir = %v, %v; want client->server", r.reqDir, r.reqKnown)
	}
	if len(r.problems) != 0 {
		t.Errorf("Problems = %v", r.problems)
	}
	byPath := map[string]*h1.Transaction{}
	depths := map[int]bool{}
	for _, tx := range r.txs {
		if tx.Request == nil || tx.Response == nil {
			t.Fatalf("unpaired: %s", summary(tx))
		}
		key := tx.Request.URI
		if _, ok := headerValue(tx.Request.Headers, "x-big"); ok {
			key = "big-header"
		}
		byPath[key] = tx
		depths[tx.Depth] = true
	}
	if len(depths) != len(r.txs) || !depths[1] || !depths[len(r.txs)] {
		t.Errorf("depths not 1..%d: %v", len(r.txs), depths)
	}

	// Sequential requests: depth is their order.
	for i, p := range []string{"/hello", "/track", "/trailers", "/big", "/hints", "big-header"} {
		tx := byPath[p]
		if tx == nil {
			t.Fatalf("no transaction for %s", p)
		}
		if tx.Depth != i+1 {
			t.Errorf("%s: depth %d, want %d", p, tx.Depth, i+1)
		}
		q, s := tx.Request, tx.Response
		if q.Version != "HTTP/2" || s.Version != "HTTP/2" || q.Dir != 0 || s.Dir != 1 {
			t.Errorf("%s: version/dir %q %q %v %v", p, q.Version, s.Version, q.Dir, s.Dir)
		}
		if p != "/cancel" && (q.Flags != 0 || s.Flags != 0 || tx.Flags != 0) {
			t.Errorf("%s: flags tx=%v req=%v resp=%v", p, tx.Flags.Names(), q.Flags.Names(), s.Flags.Names())
		}
		// Go's client sends the four pseudo-headers first, in this order.
		if len(q.Headers) < 4 {
			t.Fatalf("%s: headers %v", p, q.Headers)
		}
		wantMethod := "GET"
		if p == "/track" {
			wantMethod = "POST"
		}
		path := p
		if p == "big-header" {
			path = "/hello"
		}
		wantPseudo := hdrs(":authority", strings.TrimPrefix(byPath["/hello"].Request.Headers[0].Value, ""), ":method", wantMethod, ":path", path, ":scheme", "http")
		if !reflect.DeepEqual(q.Headers[:4], wantPseudo) || q.Method != wantMethod || q.URI != path {
			t.Errorf("%s: request %s %s %v", p, q.Method, q.URI, q.Headers[:4])
		}
		if s.Headers[0] != (h1.Header{Name: ":status", Value: "200"}) || s.StatusCode != 200 {
			t.Errorf("%s: response %d %v", p, s.StatusCode, s.Headers)
		}
		if s.Start.Offset >= s.End.Offset || q.Start.Offset >= q.End.Offset || s.End.Time < q.Start.Time {
			t.Errorf("%s: positions req %+v..%+v resp %+v..%+v", p, q.Start, q.End, s.Start, s.End)
		}
	}
	if a := byPath["/hello"].Request.Headers[0]; a.Name != ":authority" || !strings.HasPrefix(a.Value, "127.0.0.1:") {
		t.Errorf(":authority = %v", a)
	}

	hello := byPath["/hello"].Response
	if string(hello.Body) != "hello, world\n" || hello.WireBodyLen != 13 || hello.DecodedBodyLen != 13 || hello.ContentEncoding != "" {
		t.Errorf("/hello body %q wire %d decoded %d", hello.Body, hello.WireBodyLen, hello.DecodedBodyLen)
	}
	if v, _ := headerValue(hello.Headers, "content-type"); v != "text/plain; charset=utf-8" {
		t.Errorf("/hello content-type %q", v)
	}

	tq, ts := byPath["/track"].Request, byPath["/track"].Response
	if !bytes.Equal(tq.Body, trackJSON) || tq.ContentEncoding != "gzip" || tq.WireBodyLen != int64(len(gzTrack)) || tq.DecodedBodyLen != int64(len(trackJSON)) {
		t.Errorf("/track request body %q enc %q wire %d decoded %d", tq.Body, tq.ContentEncoding, tq.WireBodyLen, tq.DecodedBodyLen)
	}
	if !bytes.Equal(ts.Body, okJSON) || ts.ContentEncoding != "gzip" || ts.WireBodyLen != int64(len(gzOK)) || ts.DecodedBodyLen != int64(len(okJSON)) {
		t.Errorf("/track response body %q enc %q wire %d", ts.Body, ts.ContentEncoding, ts.WireBodyLen)
	}

	tr := byPath["/trailers"].Response
	if string(tr.Body) != "abc" || !reflect.DeepEqual(tr.Trailers, hdrs("x-sum", trailerSum)) {
		t.Errorf("/trailers body %q trailers %v", tr.Body, tr.Trailers)
	}
	if tr := byPath["/trailers"].Request; tr.Trailers != nil {
		t.Errorf("/trailers request trailers %v", tr.Trailers)
	}

	if b := byPath["/big"].Response; !bytes.Equal(b.Body, bigBody) || b.WireBodyLen != int64(len(bigBody)) {
		t.Errorf("/big body %d bytes, wire %d", len(b.Body), b.WireBodyLen)
	}

	hints := byPath["/hints"]
	if len(hints.Interim) != 1 || hints.Interim[0].StatusCode != 103 || string(hints.Response.Body) != "hinted" {
		t.Errorf("/hints: %s", summary(hints))
	} else if v, _ := headerValue(hints.Interim[0].Headers, "link"); v != "</app.css>; rel=preload" {
		t.Errorf("/hints interim link %q", v)
	}

	if v, _ := headerValue(byPath["big-header"].Request.Headers, "x-big"); v != bigHeader {
		t.Errorf("x-big header: %d bytes", len(v))
	}

	for i := range nEcho {
		tx := byPath["/echo?n="+strconv.Itoa(i)]
		if tx == nil || string(tx.Response.Body) != "n="+strconv.Itoa(i) || tx.Depth < 7 || tx.Depth > 6+nEcho {
			t.Errorf("echo %d: %v", i, tx)
		}
	}

	c := byPath["/cancel"]
	if c.Depth != 7+nEcho || c.Flags != 0 || c.Request.Flags != 0 || c.Response.Flags != h1.FlagIncomplete || string(c.Response.Body) != "partial" {
		t.Errorf("/cancel: %s", summary(c))
	}
	if r.stats.RSTStreams != 1 || r.stats.ProtocolErrors != 0 || r.stats.HPACKErrors != 0 || r.stats.Transactions != int64(len(r.txs)) ||
		r.stats.Interim != 1 || r.stats.IncompleteMessages != 1 || r.stats.Requests != int64(len(r.txs)) || r.stats.Responses != int64(len(r.txs)) {
		t.Errorf("stats %+v", r.stats)
	}
	// Emission is completion order: /cancel, reset last, comes last.
	if r.txs[len(r.txs)-1] != c {
		t.Errorf("last emitted: %s", summary(r.txs[len(r.txs)-1]))
	}
}

// TestSplitInvariance feeds the same bytes in many splits.
func TestSplitInvariance(t *testing.T) {
	events := goRecording(t)
	base := run(Config{}, events, nil)
	splits := map[string]func(int) []int{"bytes": byteSplit}
	for _, seed := range []int64{1, 2, 3} {
		splits["random"+strconv.FormatInt(seed, 10)] = randomSplit(seed)
	}
	for _, name := range slices.Sorted(mapsKeys(splits)) {
		got := run(Config{}, events, splits[name])
		if !reflect.DeepEqual(got.txs, base.txs) {
			t.Errorf("%s: transactions differ:\n%s\nwant\n%s", name, strings.Join(summaries(got.txs), "\n"), strings.Join(summaries(base.txs), "\n"))
		}
		if got.stats != base.stats {
			t.Errorf("%s: stats %+v, want %+v", name, got.stats, base.stats)
		}
	}
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// TestLimits replays the Go conversation under tight limits.
func TestLimits(t *testing.T) {
	events := goRecording(t)
	find := func(r result, uri string) *h1.Transaction {
		for _, tx := range r.txs {
			if tx.Request != nil && tx.Request.URI == uri {
				return tx
			}
		}
		t.Fatalf("no %s", uri)
		return nil
	}

	r := run(Config{MaxBodyBytes: 1000}, events, nil)
	b := find(r, "/big").Response
	if !bytes.Equal(b.Body, bigBody[:1000]) || b.Flags != h1.FlagBodyTruncated || b.WireBodyLen != int64(len(bigBody)) || b.DecodedBodyLen != int64(len(bigBody)) {
		t.Errorf("MaxBodyBytes: body %d flags %v wire %d", len(b.Body), b.Flags.Names(), b.WireBodyLen)
	}
	if r.stats.TruncatedBodies != 1 {
		t.Errorf("truncated bodies %d", r.stats.TruncatedBodies)
	}

	r = run(Config{MaxDecodedBytes: 10}, events, nil)
	q := find(r, "/track").Request
	if !bytes.Equal(q.Body, trackJSON[:10]) || q.Flags != h1.FlagDecodeLimit || q.DecodedBodyLen != 10 {
		t.Errorf("MaxDecodedBytes: body %q flags %v decoded %d", q.Body, q.Flags.Names(), q.DecodedBodyLen)
	}

	// A header list over the limit loses its fields past the limit, and
	// HPACK stays in step for the blocks after it.
	r = run(Config{MaxHeaderListBytes: 1000}, events, nil)
	if len(r.txs) != 6+nEcho+1 || r.stats.HeaderLimits != 1 || !slices.Equal(r.problems, []string{"header_limit"}) || r.stats.HPACKErrors != 0 {
		t.Fatalf("MaxHeaderListBytes: %d txs, stats %+v, problems %v", len(r.txs), r.stats, r.problems)
	}
	for _, tx := range r.txs {
		if _, ok := headerValue(tx.Request.Headers, "x-big"); ok {
			t.Errorf("x-big kept over the limit")
		}
		if tx.Request.URI == "/echo?n=3" && string(tx.Response.Body) != "n=3" {
			t.Errorf("after the limit: %s", summary(tx))
		}
	}
}

// TestGap cuts the Go conversation inside the /big response body: the
// server direction stops, /big's response is incomplete and the later
// requests have no response.
func TestGap(t *testing.T) {
	events := goRecording(t)
	// Find /big's second DATA frame with the Framer and cut 1000 bytes
	// into its payload: the body is then the first frame's payload and
	// those 1000 bytes.
	srv := flatten(events, 1)
	start := bytes.Index(srv, bigBody[:4096])
	if start < 0 {
		t.Fatal("big body not in server stream")
	}
	var at, want int
	for i, f := range frames(t, srv, false) {
		if f.off+9 == start {
			next := frames(t, srv, false)[i+1]
			if next.Type != http2.FrameData || next.StreamID != f.StreamID || next.Length < 2000 {
				t.Fatalf("/big frames: %v then %v", f, next)
			}
			at, want = next.off+9+1000, int(f.Length)+1000
		}
	}
	if at == 0 {
		t.Fatal("no DATA frame starts the /big body")
	}
	var cut []event
	off := 0
	for _, e := range events {
		if e.dir != 1 || off+len(e.b) <= at || off > at+100 {
			if e.dir == 1 {
				off += len(e.b)
			}
			cut = append(cut, e)
			continue
		}
		// Split this event around [at, at+100).
		lo, hi := max(at-off, 0), min(at+100-off, len(e.b))
		if lo > 0 {
			cut = append(cut, event{dir: 1, b: e.b[:lo]})
		}
		cut = append(cut, event{dir: 1, b: e.b[lo:hi], gap: true})
		if hi < len(e.b) {
			cut = append(cut, event{dir: 1, b: e.b[hi:]})
		}
		off += len(e.b)
	}
	r := run(Config{}, cut, nil)
	if r.stats.Gaps != 1 || r.stats.AbandonedDirs != 1 || !slices.Equal(r.problems, []string{"gap"}) {
		t.Errorf("stats %+v problems %v", r.stats, r.problems)
	}
	if len(r.txs) != 6+nEcho+1 {
		t.Fatalf("got %d transactions", len(r.txs))
	}
	for _, tx := range r.txs {
		switch {
		case tx.Depth < 4:
			if tx.Flags != 0 || tx.Response == nil || tx.Response.Flags != 0 {
				t.Errorf("before the gap: %s", summary(tx))
			}
		case tx.Depth == 4:
			b := tx.Response
			if tx.Flags != 0 || b.Flags != h1.FlagIncomplete || !bytes.Equal(b.Body, bigBody[:want]) || b.WireBodyLen != int64(want) {
				t.Errorf("cut /big: %s (%d bytes)", summary(tx), len(b.Body))
			}
		default:
			if tx.Flags != h1.FlagNoResponse || tx.Response != nil || tx.Request.Flags != 0 {
				t.Errorf("after the gap: %s", summary(tx))
			}
		}
	}
	// Everything up to /big was emitted before the gap; the rest at once
	// when each request ended, since no response can come any more.
	if r.txs[3].Depth != 4 {
		t.Errorf("emission order: %v", summaries(r.txs))
	}
}

// TestServerOnly feeds only the server direction, as a one-sided capture
// would give: every response comes out unpaired, and HPACK still works.
func TestServerOnly(t *testing.T) {
	var only []event
	for _, e := range goRecording(t) {
		if e.dir == 1 {
			only = append(only, e)
		}
	}
	r := run(Config{}, only, nil)
	if len(r.txs) != 6+nEcho+1 || !r.reqKnown || r.reqDir != 0 || len(r.problems) != 0 {
		t.Fatalf("%d txs, reqDir %v %v, problems %v", len(r.txs), r.reqDir, r.reqKnown, r.problems)
	}
	bodies := map[string]bool{}
	for _, tx := range r.txs {
		if tx.Request != nil || tx.Flags != h1.FlagNoRequest || tx.Response.StatusCode != 200 {
			t.Errorf("%s", summary(tx))
		}
		bodies[string(tx.Response.Body)] = true
	}
	for _, want := range []string{"hello, world\n", string(okJSON), "abc", string(bigBody), "hinted", "n=0", "n=7"} {
		if !bodies[want] {
			t.Errorf("no response with body %.20q", want)
		}
	}
	if r.stats.UnpairedResponses != int64(len(r.txs)) {
		t.Errorf("unpaired %d", r.stats.UnpairedResponses)
	}
}

var _ = reassembly.ClientToServer
