// Command client is the Go side of the real loopback capture
// (samples/real/make.sh). It has three modes:
//
//	client -curl-dir DIR           write the web-SDK payloads curl sends (post.body, gif.query)
//	client -server URL             send the Go client's requests: three Sensors gzip=1 batches
//	                               and one gzip-encoded generic JSON batch, all on one
//	                               keep-alive connection; print the local port used
//	client -truth FILE -captures A,B -ports POST,GIF,PAGE,GO
//	                               write the truth file, with the clients' local ports of the
//	                               run and packet counts read from the captures
//
// Every byte it sends comes from package plan, so the truth is fixed.
package main

import (
	"bytes"
	"context"
	"encoding/binary"
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

	"telltale/samples/internal/truth"
	"telltale/samples/real/plan"
)

func main() {
	curlDir := flag.String("curl-dir", "", "write curl's payload files into this directory and exit")
	server := flag.String("server", "", "send the Go client's requests to this base URL")
	truthPath := flag.String("truth", "", "write the truth file here")
	captures := flag.String("captures", "", "comma-separated capture files the truth describes (paths as written into the truth are relative to the truth file)")
	ports := flag.String("ports", "", "local ports of the curl POST, curl GIF, curl page and Go client connections, comma-separated")
	flag.Parse()
	var err error
	switch {
	case *curlDir != "":
		err = writeCurlPayloads(*curlDir)
	case *server != "":
		err = send(*server)
	case *truthPath != "":
		err = writeTruth(*truthPath, strings.Split(*captures, ","), *ports)
	default:
		err = errors.New("one of -curl-dir, -server or -truth is required")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "client:", err)
		os.Exit(1)
	}
}

func writeCurlPayloads(dir string) error {
	if err := os.WriteFile(filepath.Join(dir, "post.body"), []byte(plan.CurlPost().Params), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "gif.query"), []byte(plan.CurlGif().Params), 0o644)
}

// send posts the batches over one keep-alive connection and prints its
// local port. The last request carries Connection: close.
func send(base string) error {
	client := &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			MaxIdleConnsPerHost: 1,
			DisableCompression:  true,
		},
	}
	var reqs []*http.Request
	for _, b := range plan.Batches() {
		req, err := http.NewRequest(http.MethodPost, base+plan.SensorsTarget, strings.NewReader(b.Body))
		if err != nil {
			return err
		}
		req.Header.Set("User-Agent", plan.AndroidUA)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept-Encoding", "gzip")
		reqs = append(reqs, req)
	}
	req, err := http.NewRequest(http.MethodPost, base+"/batch", bytes.NewReader(plan.GenericBatchBody()))
	if err != nil {
		return err
	}
	req.Header.Set("User-Agent", "okhttp/3.12.1")
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Content-Encoding", "gzip")
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
		if resp.StatusCode != http.StatusOK || string(body) != plan.OKBody {
			return fmt.Errorf("request %d: %s %q", i, resp.Status, body)
		}
		if i > 0 && !reused {
			return fmt.Errorf("request %d did not reuse the keep-alive connection", i)
		}
	}
	fmt.Println(localPort)
	return nil
}

func writeTruth(path string, captures []string, portList string) error {
	var p [4]int
	if _, err := fmt.Sscanf(portList, "%d,%d,%d,%d", &p[0], &p[1], &p[2], &p[3]); err != nil {
		return fmt.Errorf("-ports %q: want four comma-separated ports: %w", portList, err)
	}
	ports := plan.Ports{CurlPost: p[0], CurlGif: p[1], CurlPage: p[2], Go: p[3]}
	var files []truth.Capture
	var flowPackets map[int]int
	for i, c := range captures {
		info, perPort, err := readCapture(c)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(filepath.Dir(path), c)
		if err != nil {
			return err
		}
		info.Name = filepath.ToSlash(rel)
		files = append(files, info)
		if i == 0 {
			flowPackets = perPort
		}
	}
	var buf bytes.Buffer
	if err := truth.Write(&buf, plan.Truth(files, ports, flowPackets)); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// readCapture reads a classic pcap file (as tcpdump -w writes it) with the
// standard library: its link type, its packet count, and the packets per
// client port of the plan.
func readCapture(path string) (truth.Capture, map[int]int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return truth.Capture{}, nil, err
	}
	if len(b) < 24 {
		return truth.Capture{}, nil, fmt.Errorf("%s: too short for a pcap header", path)
	}
	var bo binary.ByteOrder = binary.LittleEndian
	switch binary.LittleEndian.Uint32(b) {
	case 0xa1b2c3d4, 0xa1b23c4d:
	case 0xd4c3b2a1, 0x4d3cb2a1:
		bo = binary.BigEndian
	default:
		return truth.Capture{}, nil, fmt.Errorf("%s: not a classic pcap file", path)
	}
	link := int(bo.Uint32(b[20:]))
	var hdr int
	switch link {
	case 1:
		hdr = 14
	case 113:
		hdr = 16
	case 276:
		hdr = 20
	default:
		return truth.Capture{}, nil, fmt.Errorf("%s: link type %d", path, link)
	}
	info := truth.Capture{Format: "pcap", LinkTypes: []int{link}}
	perPort := map[int]int{}
	for off := 24; off < len(b); {
		if len(b)-off < 16 {
			return info, nil, fmt.Errorf("%s: truncated record header", path)
		}
		n := int(bo.Uint32(b[off+8:]))
		if off+16+n > len(b) {
			return info, nil, fmt.Errorf("%s: truncated record", path)
		}
		frame := b[off+16 : off+16+n]
		off += 16 + n
		info.Packets++
		if len(frame) < hdr+20 || frame[hdr]>>4 != 4 {
			continue
		}
		ip := frame[hdr:]
		ihl := int(ip[0]&0xf) * 4
		if ip[9] != 6 || len(ip) < ihl+4 {
			continue
		}
		sport, dport := int(binary.BigEndian.Uint16(ip[ihl:])), int(binary.BigEndian.Uint16(ip[ihl+2:]))
		if sport == plan.ServerPort {
			sport = dport
		}
		perPort[sport]++
	}
	return info, perPort, nil
}
