// Command server is the collector of the real loopback capture
// (samples/real/make.sh): a net/http server on 127.0.0.1 that answers
// POST /sa, GET /sa.gif and POST /batch with {"code":0}, serves a small HTML
// page at /, and exits after -n requests (or fails after -timeout).
//
// It also decodes each telemetry payload with the standard library and
// prints what it found on stderr, so a broken client shows up at capture
// time rather than in the pipeline's tests.
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
	"unicode/utf16"

	"telltale/samples/real/plan"
)

func main() {
	port := flag.Int("port", plan.ServerPort, "port to listen on (127.0.0.1)")
	n := flag.Int("n", plan.Requests, "exit after this many requests")
	timeout := flag.Duration("timeout", 60*time.Second, "give up after this long")
	ready := flag.String("ready", "", "file to create once listening")
	flag.Parse()
	if err := run(*port, *n, *timeout, *ready); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

func run(port, n int, timeout time.Duration, ready string) error {
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return err
	}
	h := &handler{limit: n, done: make(chan struct{})}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
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
	// Shutdown waits for the last response to be written, then closes the
	// idle connections itself.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
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

type handler struct {
	mu    sync.Mutex
	n     int
	bad   int
	limit int
	done  chan struct{}
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
	case r.Method == http.MethodPost && r.URL.Path == "/sa",
		r.Method == http.MethodGet && r.URL.Path == "/sa.gif",
		r.Method == http.MethodPost && r.URL.Path == "/batch":
		summary, err = decode(r, body)
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
	fmt.Fprintf(os.Stderr, "server: #%d %s %s from %s (%d body bytes): %s\n", n, r.Method, r.URL.Path, r.RemoteAddr, len(body), summary)
}

// decode undoes the telemetry encodings (stdlib only) and describes the
// result.
func decode(r *http.Request, body []byte) (string, error) {
	if r.URL.Path == "/batch" {
		if r.Header.Get("Content-Encoding") != "gzip" {
			return "", errors.New("/batch without Content-Encoding: gzip")
		}
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return "", err
		}
		plain, err := io.ReadAll(zr)
		if err != nil {
			return "", err
		}
		return countEvents(plain, "generic JSON batch")
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
	if crc, err := strconv.ParseInt(crcText, 10, 32); err != nil || int32(crc) != javaHash(b64) {
		return "", fmt.Errorf("crc %q does not match the Java hash %d", crcText, javaHash(b64))
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

// javaHash is Java's String.hashCode, the Sensors crc.
func javaHash(s string) int32 {
	var h int32
	for _, c := range utf16.Encode([]rune(s)) {
		h = 31*h + int32(c)
	}
	return h
}
