// Command client is the Go side of the impaired captures
// (samples/impaired/make.sh). It has three modes:
//
//	client -curl-dir DIR     write the payloads curl sends: batch.body (a gzip=1
//	                         Sensors batch), post.body and gif.query (the web SDK
//	                         payloads of samples/real/plan)
//	client -server URL       send this sample's Go requests on one keep-alive
//	                         connection: four gzip=1 Sensors batches of 12 to 64
//	                         events, then a plain JSON batch with
//	                         Transfer-Encoding: chunked and Connection: close;
//	                         print the local port used
//	client -truth DIR -ref PCAP -capture NAME=PCAP[,NAME=PCAP] -ports REAL,GO,CURL [-relay-stats FILE]
//	                         write DIR/NAME.truth.json for each capture: what the
//	                         clients sent (from the plans), and which stream bytes
//	                         each capture lacks, found by comparing it with the
//	                         complete reference capture -ref
//
// Every byte it sends comes from the plans, so the truth is fixed; the
// damage is measured on the captures of the run.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"path/filepath"
	"strings"
	"time"

	"telltale/samples/impaired/plan"
	realplan "telltale/samples/real/plan"
)

func main() {
	curlDir := flag.String("curl-dir", "", "write curl's payload files into this directory and exit")
	server := flag.String("server", "", "send the Go client's requests to this base URL")
	truthDir := flag.String("truth", "", "write the truth files into this directory")
	ref := flag.String("ref", "", "complete capture of the run (every byte of every stream at least once)")
	captures := flag.String("capture", "", "comma-separated NAME=PCAP pairs; NAME.truth.json describes PCAP (copied to DIR/NAME.pcap by the caller)")
	ports := flag.String("ports", "", "local ports of the real Go client, this Go client and curl, comma-separated")
	relayStats := flag.String("relay-stats", "", "the relay's -stats file, recorded in the truth")
	flag.Parse()
	var err error
	switch {
	case *curlDir != "":
		err = writeCurlPayloads(*curlDir)
	case *server != "":
		err = send(*server)
	case *truthDir != "":
		err = writeTruths(*truthDir, *ref, *captures, *ports, *relayStats)
	default:
		err = errors.New("one of -curl-dir, -server or -truth is required")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "client:", err)
		os.Exit(1)
	}
}

func writeCurlPayloads(dir string) error {
	files := map[string]string{
		"batch.body": plan.CurlBatch().Body,
		"post.body":  realplan.CurlPost().Params,
		"gif.query":  realplan.CurlGif().Params,
	}
	for _, name := range []string{"batch.body", "post.body", "gif.query"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(files[name]), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// pieces hides the length of its bytes from net/http, which therefore sends
// them chunked, and hands them out at most size bytes per Read so the
// chunks are several.
type pieces struct {
	b    []byte
	size int
}

func (p *pieces) Read(b []byte) (int, error) {
	if len(p.b) == 0 {
		return 0, io.EOF
	}
	n := copy(b[:min(len(b), p.size)], p.b)
	p.b = p.b[n:]
	return n, nil
}

// send posts the requests over one keep-alive connection and prints its
// local port. The last request carries Connection: close.
func send(base string) error {
	client := &http.Client{
		Timeout: 60 * time.Second, // loss costs retransmission timeouts
		Transport: &http.Transport{
			MaxIdleConnsPerHost: 1,
			DisableCompression:  true,
		},
	}
	var reqs []*http.Request
	for _, b := range plan.GoBatches() {
		req, err := http.NewRequest(http.MethodPost, base+plan.GoTarget, strings.NewReader(b.Body))
		if err != nil {
			return err
		}
		req.Header.Set("User-Agent", plan.GoUA)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept-Encoding", "gzip")
		reqs = append(reqs, req)
	}
	req, err := http.NewRequest(http.MethodPost, base+plan.CollectTarget, &pieces{b: plan.CollectJSON(), size: 1200})
	if err != nil {
		return err
	}
	req.Header.Set("User-Agent", "okhttp/4.9.3")
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Close = true
	reqs = append(reqs, req)

	var localPort int
	for i, req := range reqs {
		var reused bool
		trace := &httptrace.ClientTrace{GotConn: func(ci httptrace.GotConnInfo) {
			reused = ci.Reused
			localPort = ci.Conn.LocalAddr().(*net.TCPAddr).Port
		}}
		req = req.WithContext(httptrace.WithClientTrace(context.Background(), trace))
		resp, err := client.Do(req)
		if err != nil {
			return fmt.Errorf("request %d: %w", i, err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return fmt.Errorf("request %d: %w", i, err)
		}
		if resp.StatusCode != http.StatusOK || !bytes.Equal(body, []byte(plan.OKBody)) {
			return fmt.Errorf("request %d: %s %q", i, resp.Status, body)
		}
		if i > 0 && !reused {
			return fmt.Errorf("request %d did not reuse the keep-alive connection", i)
		}
	}
	fmt.Println(localPort)
	return nil
}
