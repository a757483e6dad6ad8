// Command server is the collector of the impaired captures
// (samples/impaired/make.sh). It plays the part of samples/real/server, which
// listens on 127.0.0.1 only, on the address of the server namespace: a
// net/http server that answers POST /sa, GET /sa.gif, POST /batch and
// POST /collect with {"code":0}, serves a small page at /, and exits after
// -n requests (or fails after -timeout).
//
// It decodes every telemetry payload with the standard library and compares
// the body with what the plans say was sent, so a relay that corrupted bytes
// (rather than dropping or reordering whole segments) fails the run at
// capture time.
package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"telltale/samples/impaired/plan"
	"telltale/samples/internal/sensors"
	realplan "telltale/samples/real/plan"
)

func main() {
	addr := flag.String("addr", net.JoinHostPort(plan.ServerIP, strconv.Itoa(plan.ServerPort)), "address to listen on")
	n := flag.Int("n", plan.Requests, "exit after this many requests")
	timeout := flag.Duration("timeout", 120*time.Second, "give up after this long")
	ready := flag.String("ready", "", "file to create once listening")
	flag.Parse()
	if err := run(*addr, *n, *timeout, *ready); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

func run(addr string, n int, timeout time.Duration, ready string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	h := &handler{limit: n, done: make(chan struct{}), known: knownBodies()}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 30 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if ready != "" {
		if err := os.WriteFile(ready, []byte("listening\n"), 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "server: listening on %s, exiting after %d requests\n", ln.Addr(), n)

	var runErr error
	select {
	case <-h.done:
	case <-time.After(timeout):
		runErr = fmt.Errorf("timeout after %v with %d of %d requests", timeout, h.count(), n)
	case err := <-errc:
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil && runErr == nil {
		runErr = err
	}
	h.mu.Lock()
	bad := h.bad
	h.mu.Unlock()
	if bad > 0 && runErr == nil {
		runErr = fmt.Errorf("%d requests failed", bad)
	}
	return runErr
}

// knownBodies are the request bodies (or GET queries) the plans send.
func knownBodies() map[string]bool {
	known := map[string]bool{}
	for _, b := range realplan.Batches() {
		known[b.Body] = true
	}
	for _, b := range plan.GoBatches() {
		known[b.Body] = true
	}
	known[plan.CurlBatch().Body] = true
	known[string(realplan.GenericBatchBody())] = true
	known[string(plan.CollectJSON())] = true
	known[realplan.CurlPost().Params] = true
	known["project=default&"+realplan.CurlGif().Params] = true
	return known
}

type handler struct {
	mu    sync.Mutex
	n     int
	bad   int
	limit int
	done  chan struct{}
	known map[string]bool
}

func (h *handler) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	var summary string
	switch {
	case err != nil:
	case r.Method == http.MethodGet && r.URL.Path == "/":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(plan.Page)
		summary = "page"
	case r.Method == http.MethodPost && (r.URL.Path == "/sa" || r.URL.Path == "/batch" || r.URL.Path == "/collect"),
		r.Method == http.MethodGet && r.URL.Path == "/sa.gif":
		sent := string(body)
		if r.Method == http.MethodGet {
			sent = r.URL.RawQuery
		}
		if !h.known[sent] {
			err = errors.New("body differs from every planned one")
		} else {
			summary, err = decode(r, body)
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, plan.OKBody)
	default:
		http.NotFound(w, r)
		err = errors.New("unexpected request")
	}

	h.mu.Lock()
	h.n++
	if err != nil {
		h.bad++
		summary = "ERROR " + err.Error()
	}
	if h.n == h.limit {
		close(h.done)
	}
	n := h.n
	h.mu.Unlock()
	fmt.Fprintf(os.Stderr, "server: #%d %s %s from %s (%d body bytes, chunked %v): %s\n",
		n, r.Method, r.URL.Path, r.RemoteAddr, len(body), len(r.TransferEncoding) > 0, summary)
}

// decode undoes the telemetry encodings with the standard library only.
func decode(r *http.Request, body []byte) (string, error) {
	switch r.URL.Path {
	case "/collect":
		return countEvents(body, "plain JSON batch")
	case "/batch":
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return "", err
		}
		plain, err := io.ReadAll(zr)
		if err != nil {
			return "", err
		}
		return countEvents(plain, "gzip JSON batch")
	}
	raw := string(body)
	if r.Method == http.MethodGet {
		raw = r.URL.RawQuery
	}
	vals, err := url.ParseQuery(raw)
	if err != nil {
		return "", err
	}
	field, crcText := "data_list", vals.Get("crc")
	if vals.Has("data") {
		field, crcText = "data", strings.TrimPrefix(vals.Get("ext"), "crc=")
	}
	b64 := vals.Get(field)
	if crc, err := strconv.ParseInt(crcText, 10, 32); err != nil || int32(crc) != sensors.JavaStringHash(b64) {
		return "", fmt.Errorf("crc %q does not match the Java hash of the Base64", crcText)
	}
	plain, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return "", err
	}
	if vals.Get("gzip") == "1" {
		zr, err := gzip.NewReader(bytes.NewReader(plain))
		if err != nil {
			return "", err
		}
		if plain, err = io.ReadAll(zr); err != nil {
			return "", err
		}
	}
	return countEvents(plain, field+", crc ok")
}

func countEvents(js []byte, what string) (string, error) {
	var v any
	if err := json.Unmarshal(js, &v); err != nil {
		return "", err
	}
	n := 1
	if arr, ok := v.([]any); ok {
		n = len(arr)
	}
	return fmt.Sprintf("%s: %d event(s)", what, n), nil
}
