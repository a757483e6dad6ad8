package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"telltale/samples/impaired/plan"
	"telltale/samples/internal/sensors"
	"telltale/samples/internal/truth"
	realplan "telltale/samples/real/plan"
)

// File is one impaired truth file: the usual truth (samples/internal/truth)
// plus what the capture lacks.
type File struct {
	*truth.File
	Impairment Impairment `json:"impairment"`
}

// Impairment describes the damage in one capture file.
type Impairment struct {
	// Capture is where the file was captured and with what.
	Capture string `json:"capture"`
	Snaplen int    `json:"snaplen"`
	// Relay holds the relay's counters of the run (the same run made all
	// three captures).
	Relay json.RawMessage `json:"relay,omitempty"`
	Flows []FlowDamage    `json:"flows"`
	HTTP  []HTTPDamage    `json:"http"`
}

// FlowDamage is the byte accounting of one connection in one capture: bytes
// of each direction's stream (between the SYN and the FIN) that no frame
// holds, and how many of them a frame announced but the snap length cut.
type FlowDamage struct {
	ClientPort         int    `json:"client_port"`
	OrigBytes          int64  `json:"orig_stream_bytes"`
	RespBytes          int64  `json:"resp_stream_bytes"`
	OrigMissedBytes    int64  `json:"orig_missed_bytes"`
	RespMissedBytes    int64  `json:"resp_missed_bytes"`
	OrigTruncatedBytes int64  `json:"orig_truncated_bytes"`
	RespTruncatedBytes int64  `json:"resp_truncated_bytes"`
	OrigHoles          []Hole `json:"orig_holes"`
	RespHoles          []Hole `json:"resp_holes"`
}

// HTTPDamage is the damage of one transaction in one capture.
type HTTPDamage struct {
	ClientPort   int    `json:"client_port"`
	RequestIndex int    `json:"request_index"`
	Request      Damage `json:"request"`
	Response     Damage `json:"response"`
	// Damaged is true when any byte of the request or the response is missing.
	Damaged bool `json:"damaged"`
}

// captureNotes says where each capture of make.sh is taken.
var captureNotes = map[string]string{
	"impaired-reorder-dup": "tcpdump -i s0 in the server namespace, after the relay: client->server segments reordered, duplicated, " +
		"and dropped then retransmitted by the client; every byte reached the server, so no holes",
	"impaired-loss": "tcpdump -i t0 in a monitor namespace fed by the relay's lossy mirror port: the forwarded traffic, " +
		"with its reordering, duplicates and retransmissions, minus data segments the mirror lost (the endpoints got them, so TCP never repaired these holes)",
	"impaired-snaplen": "tcpdump -i c0 -s 200 in the client namespace, before the relay: every frame cut to 200 bytes " +
		"(134 bytes of TCP payload), client retransmissions included",
}

type conn struct {
	port int
	kind string // "real-go", "go", "curl"
}

func writeTruths(dir, refPath, captureList, portList, statsPath string) error {
	var p [3]int
	if _, err := fmt.Sscanf(portList, "%d,%d,%d", &p[0], &p[1], &p[2]); err != nil {
		return fmt.Errorf("-ports %q: want three comma-separated ports: %w", portList, err)
	}
	conns := []conn{{p[0], "real-go"}, {p[1], "go"}, {p[2], "curl"}}
	ref, err := readCapture(refPath)
	if err != nil {
		return err
	}
	var relay json.RawMessage
	if statsPath != "" {
		if relay, err = os.ReadFile(statsPath); err != nil {
			return err
		}
		relay = bytes.TrimSpace(relay)
	}

	// The reference streams, cut into messages and checked against the plans.
	streams := map[int][2]stream{}
	msgs := map[int][2][]message{}
	for _, c := range conns {
		st, err := refStreams(ref, c.port)
		if err != nil {
			return err
		}
		var ms [2][]message
		for d := range 2 {
			if ms[d], err = splitMessages(st[d].bytes); err != nil {
				return fmt.Errorf("port %d dir %d: %w", c.port, d, err)
			}
		}
		if err := checkRequests(c, ms); err != nil {
			return err
		}
		streams[c.port], msgs[c.port] = st, ms
	}

	for _, pair := range strings.Split(captureList, ",") {
		name, path, ok := strings.Cut(pair, "=")
		if !ok {
			return fmt.Errorf("-capture %q: want NAME=PCAP", pair)
		}
		cp, err := readCapture(path)
		if err != nil {
			return err
		}
		tf := baseTruth(conns, name+".pcap", cp)
		imp := Impairment{Capture: captureNotes[name], Snaplen: cp.snaplen, Relay: relay}
		for _, c := range conns {
			ref := streams[c.port]
			holes, trunc, err := coverage(cp, c.port, ref)
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			fd := FlowDamage{ClientPort: c.port, OrigBytes: int64(len(ref[0].bytes)), RespBytes: int64(len(ref[1].bytes)),
				OrigTruncatedBytes: trunc[0], RespTruncatedBytes: trunc[1], OrigHoles: holes[0], RespHoles: holes[1]}
			for _, h := range holes[0] {
				fd.OrigMissedBytes += h.Len
			}
			for _, h := range holes[1] {
				fd.RespMissedBytes += h.Len
			}
			if fd.OrigHoles == nil {
				fd.OrigHoles = []Hole{}
			}
			if fd.RespHoles == nil {
				fd.RespHoles = []Hole{}
			}
			imp.Flows = append(imp.Flows, fd)
			ms := msgs[c.port]
			for i := range ms[0] {
				hd := HTTPDamage{ClientPort: c.port, RequestIndex: i,
					Request: damage(ms[0][i], holes[0]), Response: damage(ms[1][i], holes[1])}
				hd.Damaged = hd.Request.FirstHole >= 0 || hd.Response.FirstHole >= 0
				imp.HTTP = append(imp.HTTP, hd)
			}
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(File{File: tf, Impairment: imp}); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name+".truth.json"), buf.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// planned is one request as a plan says it was sent.
type planned struct {
	method, target string
	body           []byte
	chunked        bool
}

func plannedRequests(kind string) []planned {
	var out []planned
	switch kind {
	case "real-go":
		for _, b := range realplan.Batches() {
			out = append(out, planned{"POST", realplan.SensorsTarget, []byte(b.Body), false})
		}
		out = append(out, planned{"POST", "/batch", realplan.GenericBatchBody(), false})
	case "go":
		for _, b := range plan.GoBatches() {
			out = append(out, planned{"POST", plan.GoTarget, []byte(b.Body), false})
		}
		out = append(out, planned{"POST", plan.CollectTarget, plan.CollectJSON(), true})
	case "curl":
		out = append(out,
			planned{"POST", plan.CurlTarget, []byte(plan.CurlBatch().Body), false},
			planned{"POST", "/sa?project=default", []byte(realplan.CurlPost().Params), false},
			planned{"GET", "/sa.gif?project=default&" + realplan.CurlGif().Params, nil, false},
			planned{"GET", "/", nil, false})
	}
	return out
}

// checkRequests compares the requests and responses found in the reference
// streams with the plan, byte for byte.
func checkRequests(c conn, ms [2][]message) error {
	want := plannedRequests(c.kind)
	if len(ms[0]) != len(want) || len(ms[1]) != len(want) {
		return fmt.Errorf("port %d: %d requests and %d responses in the reference capture, want %d", c.port, len(ms[0]), len(ms[1]), len(want))
	}
	for i, w := range want {
		m := ms[0][i]
		if m.startLine != w.method+" "+w.target+" HTTP/1.1" || !bytes.Equal(m.body, w.body) || m.chunked != w.chunked {
			return fmt.Errorf("port %d request %d: %q (%d body bytes, chunked %v) is not the planned %s %s", c.port, i, m.startLine, len(m.body), m.chunked, w.method, w.target)
		}
		r := ms[1][i]
		wantBody := []byte(plan.OKBody)
		if w.target == "/" {
			wantBody = plan.Page
		}
		if r.startLine != "HTTP/1.1 200 OK" || !bytes.Equal(r.body, wantBody) {
			return fmt.Errorf("port %d response %d: %q %q", c.port, i, r.startLine, r.body)
		}
	}
	return nil
}

// baseTruth is what the clients sent, for one capture file.
func baseTruth(conns []conn, name string, cp *capture) *truth.File {
	tf := &truth.File{
		Sample: strings.TrimSuffix(name, ".pcap"),
		Description: "Real clients (the Go client of samples/real, this sample's Go client, curl) POSTing Sensors-style telemetry " +
			"over keep-alive connections to a net/http server in another network namespace, through a seeded user-space relay " +
			"that drops, duplicates and reorders data segments. " + captureNotes[strings.TrimSuffix(name, ".pcap")] + ".",
		MadeBy: "bash samples/impaired/make.sh",
		Files: []truth.Capture{{Name: name, Format: "pcap", Packets: cp.packets, LinkTypes: []int{cp.linkType},
			Note: fmt.Sprintf("snaplen %d", cp.snaplen)}},
	}
	addHTTP := func(port, idx int, method, target string, reqBody, respBody int, tele bool, note string) {
		tf.HTTP = append(tf.HTTP, truth.HTTP{
			ClientPort: port, RequestIndex: idx, Method: method, Host: plan.ServerHost, Target: target,
			Status: 200, RequestBodyBytes: reqBody, ResponseBodyBytes: respBody, Telemetry: tele, Note: note,
		})
	}
	addEvents := func(port, idx int, field string, evs []sensors.Object) {
		for i, ev := range evs {
			tf.Events = append(tf.Events, truth.EventOf(port, idx, field, i, ev))
		}
	}
	addBatch := func(port, idx int, target string, b sensors.Batch, note string) {
		addHTTP(port, idx, "POST", target, len(b.Body), len(plan.OKBody), true, note)
		crc := b.CRC
		tf.Payloads = append(tf.Payloads, truth.Payload{
			ClientPort: port, RequestIndex: idx, Location: "body", Field: "data_list",
			Chain: "form>percent>base64>gzip>json-array", Gzip: "1", CRC: &crc, Events: len(b.Events),
		})
		addEvents(port, idx, "data_list", b.Events)
	}
	addWhole := func(port, idx int, target string, body int, chain string, evs []sensors.Object, note string) {
		addHTTP(port, idx, "POST", target, body, len(plan.OKBody), true, note)
		tf.Payloads = append(tf.Payloads, truth.Payload{
			ClientPort: port, RequestIndex: idx, Location: "body", Chain: chain, Events: len(evs),
		})
		addEvents(port, idx, "", evs)
	}
	addWeb := func(port, idx int, w sensors.Web, location, chain, method, target string, body int, ev sensors.Object) {
		addHTTP(port, idx, method, target, body, len(plan.OKBody), true, "curl, keep-alive")
		crc := w.CRC
		tf.Payloads = append(tf.Payloads, truth.Payload{
			ClientPort: port, RequestIndex: idx, Location: location, Field: "data", Chain: chain, CRC: &crc, Events: 1,
		})
		addEvents(port, idx, "data", []sensors.Object{ev})
	}

	for _, c := range conns {
		reqs := plannedRequests(c.kind)
		pkts := len(cp.segs[c.port])
		tf.Flows = append(tf.Flows, truth.Flow{
			ClientIP: plan.ClientIP, ClientPort: c.port, ServerIP: plan.ServerIP, ServerPort: plan.ServerPort,
			Host: plan.ServerHost, Protocol: "http", Requests: len(reqs), Packets: pkts, Files: []string{name}, LinkType: cp.linkType,
			Note: map[string]string{"real-go": "samples/real/client -server (keep-alive)", "go": "samples/impaired/client -server (keep-alive)",
				"curl": "curl with --next (keep-alive)"}[c.kind],
		})
		switch c.kind {
		case "real-go":
			for i, b := range realplan.Batches() {
				addBatch(c.port, i, realplan.SensorsTarget, b, "real Go client, keep-alive")
			}
			addWhole(c.port, len(realplan.Batches()), "/batch", len(realplan.GenericBatchBody()), "content-encoding:gzip>json-array",
				realplan.GenericBatch(), "real Go client: generic JSON batch, Content-Encoding: gzip, Connection: close")
		case "go":
			for i, b := range plan.GoBatches() {
				addBatch(c.port, i, plan.GoTarget, b, "Go client, keep-alive")
			}
			addWhole(c.port, len(plan.GoBatches()), plan.CollectTarget, len(plan.CollectJSON()), "json-array",
				plan.CollectEvents(), "Go client: plain JSON batch, Transfer-Encoding: chunked, Connection: close")
		case "curl":
			addBatch(c.port, 0, plan.CurlTarget, plan.CurlBatch(), "curl, keep-alive")
			post, gif := realplan.CurlPost(), realplan.CurlGif()
			addWeb(c.port, 1, post, "body", "form>percent>base64>json-object", "POST", "/sa?project=default", len(post.Params), realplan.CurlPostEvent())
			addWeb(c.port, 2, gif, "query", "query>percent>base64>json-object", "GET", "/sa.gif?project=default&"+gif.Params, 0, realplan.CurlGifEvent())
			addHTTP(c.port, 3, "GET", "/", 0, len(plan.Page), false, "curl, HTML page, last on the connection")
		}
	}
	tf.Counts = truth.Counts{Flows: len(tf.Flows), HTTPTransactions: len(tf.HTTP), Payloads: len(tf.Payloads), Events: len(tf.Events)}
	tf.Identifiers = truth.FindIdentifiers(tf.Events, []truth.IdentifierSpec{
		{Kind: "imei", Value: plan.IMEI},
		{Kind: "imei", Value: realplan.IMEI},
		{Kind: "android_id", Value: plan.AndroidID},
		{Kind: "android_id", Value: realplan.AndroidID},
		{Kind: "anonymous_id", Value: plan.AnonID},
		{Kind: "anonymous_id", Value: realplan.AnonID},
		{Kind: "web_cookie_id", Value: realplan.CookieID},
		{Kind: "user_id", Value: plan.UserID},
		{Kind: "user_id", Value: realplan.UserID},
	})
	return tf
}
