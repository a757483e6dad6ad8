package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"
)

// TestDeterministic runs the generator twice and compares every byte.
func TestDeterministic(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	if err := generate(a); err != nil {
		t.Fatal(err)
	}
	if err := generate(b); err != nil {
		t.Fatal(err)
	}
	fa, fb := readTree(t, a), readTree(t, b)
	if len(fa) == 0 || len(fa) != len(fb) {
		t.Fatalf("runs wrote %d and %d files", len(fa), len(fb))
	}
	for name, data := range fa {
		if !bytes.Equal(data, fb[name]) {
			t.Errorf("%s differs between runs", name)
		}
	}
}

// TestCommittedSamplesCurrent checks the files under samples/ are what the
// generator writes now.
func TestCommittedSamplesCurrent(t *testing.T) {
	dir := t.TempDir()
	if err := generate(dir); err != nil {
		t.Fatal(err)
	}
	for name, data := range readTree(t, dir) {
		got, err := os.ReadFile(filepath.Join("..", filepath.FromSlash(name)))
		if err != nil {
			t.Errorf("samples/%s: %v (run: go run ./samples/gen -out samples)", name, err)
			continue
		}
		if !bytes.Equal(got, data) {
			t.Errorf("samples/%s is stale (run: go run ./samples/gen -out samples)", name)
		}
	}
}

func readTree(t *testing.T, root string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		b, err := os.ReadFile(p)
		out[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// javaHash is String.hashCode, written here independently of the package.
func javaHash(s string) int32 {
	var h int32
	for _, c := range utf16.Encode([]rune(s)) {
		h = h*31 + int32(c)
	}
	return h
}

// truthDoc is the truth file as read back, with numbers kept exact.
type truthDoc struct {
	Files []struct {
		Name      string `json:"name"`
		Packets   int    `json:"packets"`
		LinkTypes []int  `json:"link_types"`
	} `json:"files"`
	RawCounts map[string]int `json:"counts"`
	Flows     []struct {
		ClientPort int      `json:"client_port"`
		Protocol   string   `json:"protocol"`
		Requests   int      `json:"requests"`
		Packets    int      `json:"packets"`
		Files      []string `json:"files"`
		App        *struct {
			UID         int32  `json:"uid"`
			TrailerName string `json:"trailer_name"`
		} `json:"app"`
	} `json:"flows"`
	HTTP []struct {
		ClientPort        int    `json:"client_port"`
		RequestIndex      int    `json:"request_index"`
		Method            string `json:"method"`
		Host              string `json:"host"`
		Target            string `json:"target"`
		Status            int    `json:"status"`
		RequestBodyBytes  int    `json:"request_body_bytes"`
		ResponseBodyBytes int    `json:"response_body_bytes"`
		Telemetry         bool   `json:"telemetry"`
	} `json:"http"`
	Payloads []struct {
		ClientPort   int    `json:"client_port"`
		RequestIndex int    `json:"request_index"`
		Location     string `json:"location"`
		Field        string `json:"field"`
		Gzip         string `json:"gzip"`
		CRC          *int32 `json:"crc"`
		Base64       string `json:"base64"`
		Events       int    `json:"events"`
	} `json:"payloads"`
	Events []struct {
		ClientPort   int    `json:"client_port"`
		RequestIndex int    `json:"request_index"`
		Field        string `json:"field"`
		EventIndex   int    `json:"event_index"`
		Event        string `json:"event"`
		DistinctID   string `json:"distinct_id"`
		TimeMs       int64  `json:"time_ms"`
		FlushTimeMs  int64  `json:"flush_time_ms"`
		Object       any    `json:"object"`
	} `json:"events"`
}

func decodeJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("json: %v in %.200q", err, b)
	}
}

// TestRoundTrip reads each written sample back, frame by frame, with
// readers independent of the writers; checks framing, checksums and the
// PCAPdroid trailer; reassembles every TCP stream; parses HTTP with
// net/http; decodes every telemetry payload with the standard library only
// (form parsing, percent-decoding, Base64, gunzip, JSON) and compares it,
// value for value, with the truth file.
func TestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	if err := generate(dir); err != nil {
		t.Fatal(err)
	}
	for _, s := range Samples() {
		t.Run(s.Name, func(t *testing.T) {
			tb, err := os.ReadFile(filepath.Join(dir, s.TruthPath))
			if err != nil {
				t.Fatal(err)
			}
			var td truthDoc
			decodeJSON(t, tb, &td)
			var names []string
			for _, f := range s.Files {
				names = append(names, f.Path) // roundTrip reads those the truth lists as captures
			}
			o := rtOpts{files: names, gen: s.Packets}
			if s.Name == zooName || s.Name == householdName {
				zc := newZooChecker(t, s, tb)
				o.check = zc.request
				defer zc.finish(t)
			}
			roundTrip(t, dir, &td, o)
		})
	}
}

// TestRealCaptures applies the same checks to the real loopback captures
// made by samples/real/make.sh, each file on its own.
func TestRealCaptures(t *testing.T) {
	dir := filepath.Join("..", "real")
	tb, err := os.ReadFile(filepath.Join(dir, "real.truth.json"))
	if err != nil {
		t.Skipf("no real capture (make it with: bash samples/real/make.sh): %v", err)
	}
	var td truthDoc
	decodeJSON(t, tb, &td)
	if len(td.Files) != 2 {
		t.Fatalf("truth lists %d files, want loopback.pcap and any-sll2.pcap", len(td.Files))
	}
	for _, f := range td.Files {
		t.Run(f.Name, func(t *testing.T) {
			roundTrip(t, dir, &td, rtOpts{files: []string{f.Name}, real: true})
		})
	}
}

// rtOpts say how strictly roundTrip compares.
type rtOpts struct {
	// files are the names (as in the truth) of the files read, in order, as
	// one capture.
	files []string
	// gen are the generated packets the frames must carry; nil for real
	// captures.
	gen []Packet
	// real: checksums are not checked (loopback captures carry offloaded,
	// unfilled TCP checksums) and neither are per-flow packet counts and file
	// lists (they describe the first file only).
	real bool
	// check, if set, replaces the Sensors-only payload decoding: it gets
	// every exchange (raw is the request exactly as sent) and does its own
	// accounting of payloads and events.
	check func(t *testing.T, port, idx int, raw []byte, req *http.Request, body []byte, resp *http.Response, rbody []byte)
}

func roundTrip(t *testing.T, dir string, td *truthDoc, o rtOpts) {
	// Frames, in file order across a rotated set.
	var frames []rawFrame
	frameFile := []string{}
	for _, f := range td.Files {
		if !slices.Contains(o.files, f.Name) {
			continue
		}
		fr := readCapture(t, filepath.Join(dir, filepath.FromSlash(f.Name)))
		if len(fr) != f.Packets {
			t.Errorf("%s: %d frames, truth says %d", f.Name, len(fr), f.Packets)
		}
		for _, x := range fr {
			if x.Link != f.LinkTypes[min(x.Iface, len(f.LinkTypes)-1)] {
				t.Errorf("%s: frame on link type %d, truth lists %v", f.Name, x.Link, f.LinkTypes)
			}
			frameFile = append(frameFile, f.Name)
		}
		frames = append(frames, fr...)
	}
	if len(frames) == 0 || o.gen != nil && len(frames) != len(o.gen) {
		t.Fatalf("%d frames in files, generator made %d packets", len(frames), len(o.gen))
	}

	appOf := map[int]struct {
		uid  int32
		name string
	}{}
	for _, f := range td.Flows {
		if f.App != nil {
			appOf[f.ClientPort] = struct {
				uid  int32
				name string
			}{f.App.UID, f.App.TrailerName}
		}
	}

	streams := map[string]*halfStream{}
	type flowInfo struct {
		client, server string
		files          []string
		packets        int
	}
	var flows []*flowInfo
	flowOf := map[string]*flowInfo{}
	for i, f := range frames {
		ip, tail, err := frameIP(f)
		if err != nil {
			t.Fatalf("frame %d: %v", i+1, err)
		}
		if o.gen != nil {
			if !bytes.Equal(ip, o.gen[i].IP) {
				t.Fatalf("frame %d: IP packet differs from the generated one", i+1)
			}
			if want := o.gen[i].Time.Truncate(1000); !f.Time.Equal(want) && !f.Time.Equal(o.gen[i].Time) {
				t.Errorf("frame %d: time %v, want %v", i+1, f.Time, o.gen[i].Time)
			}
		}
		seg, err := parseSegment(ip, !o.real)
		if err != nil {
			t.Fatalf("frame %d: %v", i+1, err)
		}
		if len(appOf) > 0 { // a PCAPdroid export: every frame has a trailer
			app, ok := appOf[portOf(seg.src)]
			if !ok {
				app = appOf[portOf(seg.dst)]
			}
			uid, name, err := pcapdroidCheck(f.Data, tail)
			if err != nil {
				t.Fatalf("frame %d: PCAPdroid trailer: %v", i+1, err)
			}
			if uid != app.uid || name != app.name {
				t.Errorf("frame %d: trailer uid %d name %q, want %d %q", i+1, uid, name, app.uid, app.name)
			}
		} else if len(tail) > 0 && (len(f.Data) != 60 || bytes.Count(tail, []byte{0}) != len(tail)) {
			t.Errorf("frame %d: %d bytes after the IP packet that are not Ethernet padding", i+1, len(tail))
		}
		key := seg.src + ">" + seg.dst
		h := streams[key]
		if h == nil {
			h = &halfStream{segs: map[uint32][][]byte{}}
			streams[key] = h
		}
		if seg.syn {
			h.isn, h.syn = seg.seq, true
			if flowOf[seg.dst+">"+seg.src] == nil && flowOf[key] == nil {
				fi := &flowInfo{client: seg.src, server: seg.dst}
				flows = append(flows, fi)
				flowOf[key], flowOf[seg.dst+">"+seg.src] = fi, fi
			}
		} else if len(seg.payload) > 0 {
			h.segs[seg.seq] = append(h.segs[seg.seq], seg.payload)
		}
		fi := flowOf[key]
		if fi == nil {
			t.Fatalf("frame %d: segment of a connection without SYN", i+1)
		}
		fi.packets++
		if n := len(fi.files); n == 0 || fi.files[n-1] != frameFile[i] {
			fi.files = append(fi.files, frameFile[i])
		}
	}

	// The truth lists transactions, payloads and events in the order they
	// completed; the loop below walks flow by flow, so index them.
	type reqKey struct{ port, idx int }
	httpAt, payloadAt := map[reqKey]int{}, map[reqKey]int{}
	eventsAt := map[reqKey][]int{}
	for i, h := range td.HTTP {
		httpAt[reqKey{h.ClientPort, h.RequestIndex}] = i
	}
	// Cookie payloads ride along with a request whose main payload is in
	// its query or body; this reader decodes only the main one.
	cookiePayloads := 0
	for i, p := range td.Payloads {
		if p.Location == "cookie" {
			cookiePayloads++
			continue
		}
		payloadAt[reqKey{p.ClientPort, p.RequestIndex}] = i
	}
	for i, e := range td.Events {
		k := reqKey{e.ClientPort, e.RequestIndex}
		eventsAt[k] = append(eventsAt[k], i)
	}

	if len(flows) != len(td.Flows) || len(flows) != td.RawCounts["flows"] {
		t.Fatalf("%d flows, truth lists %d (count %d)", len(flows), len(td.Flows), td.RawCounts["flows"])
	}
	var nHTTP, nPayloads, nEvents, nSlashEscaped int
	nPayloads = cookiePayloads
	for fi, fl := range flows {
		tf := td.Flows[fi]
		if portOf(fl.client) != tf.ClientPort || !o.real && (fl.packets != tf.Packets || !reflect.DeepEqual(fl.files, tf.Files)) {
			t.Errorf("flow %d: port %d, %d packets in %v; truth: %d, %d in %v",
				fi, portOf(fl.client), fl.packets, fl.files, tf.ClientPort, tf.Packets, tf.Files)
		}
		c2s, err := streams[fl.client+">"+fl.server].reassemble()
		if err != nil {
			t.Fatalf("flow %s: client stream: %v", fl.client, err)
		}
		s2c, err := streams[fl.server+">"+fl.client].reassemble()
		if err != nil {
			t.Fatalf("flow %s: server stream: %v", fl.client, err)
		}
		if tf.Protocol == "tls" {
			if c2s[0] != 0x16 || c2s[5] != 1 || s2c[0] != 0x16 {
				t.Errorf("flow %s: not a TLS handshake", fl.client)
			}
			continue
		}
		reqSrc := bytes.NewReader(c2s)
		reqR, respR := bufio.NewReader(reqSrc), bufio.NewReader(bytes.NewReader(s2c))
		consumed := func() int { return len(c2s) - reqSrc.Len() - reqR.Buffered() }
		for idx := 0; ; idx++ {
			start := consumed()
			if _, err := reqR.Peek(1); err == io.EOF {
				if idx != tf.Requests {
					t.Errorf("flow %s: %d requests, truth says %d", fl.client, idx, tf.Requests)
				}
				break
			}
			req, err := http.ReadRequest(reqR)
			if err != nil {
				t.Fatalf("flow %s request %d: %v", fl.client, idx, err)
			}
			body, err := io.ReadAll(req.Body)
			if err != nil {
				t.Fatalf("flow %s request %d body: %v", fl.client, idx, err)
			}
			resp, err := http.ReadResponse(respR, req)
			if err != nil {
				t.Fatalf("flow %s response %d: %v", fl.client, idx, err)
			}
			rbody, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatalf("flow %s response %d body: %v", fl.client, idx, err)
			}
			hi, ok := httpAt[reqKey{portOf(fl.client), idx}]
			if !ok {
				t.Fatalf("flow %s request %d: not in the truth", fl.client, idx)
			}
			th := td.HTTP[hi]
			nHTTP++
			if th.ClientPort != tf.ClientPort || th.RequestIndex != idx || th.Method != req.Method ||
				th.Target != req.RequestURI || th.Host != req.Host || th.Status != resp.StatusCode ||
				th.RequestBodyBytes != len(body) || th.ResponseBodyBytes != len(rbody) {
				t.Errorf("flow %s request %d: %s %s Host %s -> %d (%d/%d body bytes); truth %+v",
					fl.client, idx, req.Method, req.RequestURI, req.Host, resp.StatusCode, len(body), len(rbody), th)
			}
			if o.check != nil {
				o.check(t, tf.ClientPort, idx, c2s[start:consumed()], req, body, resp, rbody)
				continue
			}
			tele := req.URL.Path == "/sa" || req.URL.Path == "/sa.gif" || req.URL.Path == "/batch"
			if tele != th.Telemetry {
				t.Errorf("flow %s request %d: telemetry %v, truth %v", fl.client, idx, tele, th.Telemetry)
			}
			if !tele {
				continue
			}
			dp := decodePayload(t, req, body)
			events := dp.events
			if bytes.Contains(dp.raw, []byte(`:\/\/`)) {
				nSlashEscaped++
			}

			pi, ok := payloadAt[reqKey{portOf(fl.client), idx}]
			if !ok {
				t.Fatalf("flow %s request %d: payload not in the truth", fl.client, idx)
			}
			tp := td.Payloads[pi]
			nPayloads++
			evIdx := eventsAt[reqKey{portOf(fl.client), idx}]
			if len(evIdx) != len(events) {
				t.Fatalf("flow %s request %d: %d events, truth lists %d", fl.client, idx, len(events), len(evIdx))
			}
			field := dp.field
			if tp.ClientPort != tf.ClientPort || tp.RequestIndex != idx || tp.Field != field || tp.Location != dp.location ||
				tp.Base64 != dp.b64 || !reflect.DeepEqual(tp.CRC, dp.crc) || tp.Gzip != dp.gzip || tp.Events != len(events) {
				t.Errorf("flow %s request %d: payload differs from truth %+v", fl.client, idx, tp)
			}
			for i, ev := range events {
				te := td.Events[evIdx[i]]
				nEvents++
				if te.ClientPort != tf.ClientPort || te.RequestIndex != idx || te.Field != field || te.EventIndex != i {
					t.Errorf("event %d: placed at %d/%d/%s/%d, truth %d/%d/%s/%d", nEvents-1,
						tf.ClientPort, idx, field, i, te.ClientPort, te.RequestIndex, te.Field, te.EventIndex)
				}
				if !reflect.DeepEqual(ev, te.Object) {
					t.Errorf("flow %s request %d event %d: decoded\n%v\ntruth\n%v", fl.client, idx, i, ev, te.Object)
				}
				m := ev.(map[string]any)
				if m["event"] != te.Event || m["distinct_id"] != te.DistinctID ||
					m["time"] != json.Number(strconv.FormatInt(te.TimeMs, 10)) ||
					!flushMatches(m["_flush_time"], te.FlushTimeMs) {
					t.Errorf("event %d: summary fields disagree with the object", nEvents-1)
				}
			}
		}
	}
	if n := td.RawCounts["http_transactions"]; nHTTP != len(td.HTTP) || nHTTP != n {
		t.Errorf("http_transactions: read %d, truth lists %d, counts say %d", nHTTP, len(td.HTTP), n)
	}
	if o.check != nil {
		return // the checker accounts for payloads and events
	}
	for name, n := range map[string][2]int{
		"payloads": {nPayloads, len(td.Payloads)}, "events": {nEvents, len(td.Events)},
	} {
		if n[0] != n[1] || n[0] != td.RawCounts[name] {
			t.Errorf("%s: decoded %d, truth lists %d, counts say %d", name, n[0], n[1], td.RawCounts[name])
		}
	}
	if nSlashEscaped == 0 {
		t.Error("no batch in org.json style (\\/ escapes)")
	}
}

// decoded is a telemetry payload decoded with the standard library only.
type decoded struct {
	location, field, b64, gzip string
	crc                        *int32
	raw                        []byte // the JSON text
	events                     []any
}

// decodePayload undoes the encodings of a telemetry request: a Sensors form
// (body or query: percent-decoding, Base64, gunzip when gzip=1, JSON; the
// crc checked against the Java hash of the Base64) or a JSON body sent with
// Content-Encoding: gzip.
func decodePayload(t *testing.T, req *http.Request, body []byte) decoded {
	t.Helper()
	gunzip := func(b []byte) []byte {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		out, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	var d decoded
	if req.Header.Get("Content-Encoding") == "gzip" {
		d.location, d.raw = "body", gunzip(body)
		decodeJSON(t, d.raw, &d.events)
		return d
	}
	form := req.URL.RawQuery
	d.location = "query"
	if req.Method == http.MethodPost {
		form, d.location = string(body), "body"
	}
	vals, err := url.ParseQuery(form)
	if err != nil {
		t.Fatalf("%s %s: form: %v", req.Method, req.RequestURI, err)
	}
	d.field, d.gzip = "data", vals.Get("gzip")
	if vals.Has("data_list") {
		d.field = "data_list"
	}
	d.b64 = vals.Get(d.field)
	crcText := vals.Get("crc")
	if ext := vals.Get("ext"); ext != "" {
		crcText = strings.TrimPrefix(ext, "crc=")
	}
	crc, err := strconv.ParseInt(crcText, 10, 32)
	if err != nil || int32(crc) != javaHash(d.b64) {
		t.Errorf("%s %.40s: crc %q, Java hash of the Base64 is %d", req.Method, req.RequestURI, crcText, javaHash(d.b64))
	}
	c := int32(crc)
	d.crc = &c
	if d.raw, err = base64.StdEncoding.DecodeString(d.b64); err != nil {
		t.Fatalf("%s %.40s: base64: %v", req.Method, req.RequestURI, err)
	}
	if d.gzip == "1" {
		if !bytes.HasPrefix(d.raw, []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0}) {
			t.Errorf("%s %.40s: gzip header %x, want java.util.zip's", req.Method, req.RequestURI, d.raw[:10])
		}
		d.raw = gunzip(d.raw)
	}
	if d.field == "data" {
		var one any
		decodeJSON(t, d.raw, &one)
		d.events = []any{one}
	} else {
		decodeJSON(t, d.raw, &d.events)
	}
	return d
}

// flushMatches: the truth's flush_time_ms is 0 when the event has none.
func flushMatches(v any, ms int64) bool {
	if ms == 0 {
		return v == nil
	}
	return v == json.Number(strconv.FormatInt(ms, 10))
}

func portOf(addr string) int {
	p, _ := strconv.Atoi(addr[strings.LastIndexByte(addr, ':')+1:])
	return p
}

func TestIMEILuhn(t *testing.T) {
	tests := []struct{ body, want string }{
		{"35847610123456", "358476101234565"}, // telemetry-formats.md §4.1
		{"49015420323751", "490154203237518"}, // the textbook IMEI example
		{"86869204123456", "868692041234563"}, // the sample phone
		{"00000000000000", "000000000000000"},
	}
	for _, tt := range tests {
		if got := imei(tt.body); got != tt.want {
			t.Errorf("imei(%q) = %q, want %q", tt.body, got, tt.want)
		}
	}
}

// TestTshark checks that Wireshark's dissectors find the same HTTP requests.
func TestTshark(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed")
	}
	dir := t.TempDir()
	if err := generate(dir); err != nil {
		t.Fatal(err)
	}
	requests := func(path string, ports ...string) int {
		args := []string{"-n", "-r", path, "-Y", "http.request", "-T", "fields", "-e", "http.request.method"}
		for _, p := range ports {
			args = append(args, "-d", "tcp.port=="+p+",http")
		}
		out, err := exec.Command("tshark", args...).Output()
		if err != nil {
			t.Fatalf("tshark -r %s: %v", path, err)
		}
		return strings.Count(string(out), "\n")
	}
	for _, s := range Samples() {
		if len(s.Files) != 1 && s.Name != zooName {
			continue // tshark reads one file at a time (sdk-zoo's second file is its known values)
		}
		if got := requests(filepath.Join(dir, s.Files[0].Path), "8106", "6447"); got != len(s.Truth.HTTP) {
			t.Errorf("%s: tshark finds %d HTTP requests, truth lists %d", s.Name, got, len(s.Truth.HTTP))
		}
	}
	for _, name := range []string{"loopback.pcap", "any-sll2.pcap"} {
		path := filepath.Join("..", "real", name)
		if _, err := os.Stat(path); err != nil {
			continue // TestRealCaptures reports the missing capture
		}
		if got := requests(path, "18106"); got != 7 {
			t.Errorf("real/%s: tshark finds %d HTTP requests, want 7", name, got)
		}
	}
}
