package main

import (
	"bytes"
	"github.com/google/gopacket/layers"
	"math/rand/v2"
	"net"
	"strings"
	"time"

	"telltale/samples/internal/sensors"
	"telltale/samples/internal/truth"
)

// builder drives one sample. It owns the timeline and records the ground
// truth while it generates the traffic, so the two cannot drift apart.
type builder struct {
	tl       *Timeline
	rng      *rand.Rand
	dev      *device
	http     []truth.HTTP
	payloads []truth.Payload
	events   []truth.Event
}

func newBuilder(t0 time.Time, seed uint64, a app) *builder {
	rng := rand.New(rand.NewPCG(seed, 0x7e11))
	return &builder{tl: NewTimeline(t0), rng: rng, dev: newDevice(rng, a)}
}

// ms is the capture time d before now, in Unix milliseconds: when an event
// that is flushed now happened.
func (b *builder) ms(d time.Duration) int64 { return b.tl.Now().Add(-d).UnixMilli() }

// dial opens a connection with initial sequence numbers drawn from the
// sample's PRNG.
func (b *builder) dial(cli *Host, cport uint16, srv *Host, sport uint16, hostName string) *Conv {
	return b.tl.Dial(cli, cport, srv, sport, hostName, [2]uint32{b.rng.Uint32(), b.rng.Uint32()})
}

// reply describes a response; it is built when the server sends it, so its
// Date field matches the capture clock.
type reply struct {
	status int
	hdrs   []hdr
	body   []byte
	chunks []int // nil: Content-Length; else chunk sizes (Transfer-Encoding: chunked)
}

// reqOpts alter one exchange.
type reqOpts struct {
	// Body segments the request body (written after the head, as a second
	// application write, the way HttpURLConnection streams a fixed-length body).
	Body WriteOpts
	// OneWrite sends head and body in a single write.
	OneWrite bool
	// BodyStart, if set, receives the timeline index of the body's first
	// segment.
	BodyStart *int
	Telemetry bool
	Note      string
}

// exchange sends one request on c, lets the server answer after a short
// processing delay, acknowledges the answer, and records the transaction.
// It returns the request index within c.
func (b *builder) exchange(c *Conv, req Message, rep reply, o reqOpts) int {
	idx := c.Requests
	c.Requests++
	if o.OneWrite || len(req.Body) == 0 {
		c.Write(C2S, req.Bytes(), o.Body)
	} else {
		c.Write(C2S, req.Head, WriteOpts{})
		if o.BodyStart != nil {
			*o.BodyStart = len(b.tl.pkts)
		}
		c.Write(C2S, req.Body, o.Body)
	}
	b.tl.Advance(4 * time.Millisecond) // server processing
	resp := newResponse(b.tl.Now(), rep.status, rep.hdrs, rep.body, rep.chunks)
	c.Write(S2C, resp.Bytes(), WriteOpts{})
	c.Ack(C2S)

	line, _, _ := bytes.Cut(req.Head, []byte("\r\n"))
	method, rest, _ := strings.Cut(string(line), " ")
	target, _, _ := strings.Cut(rest, " ")
	b.http = append(b.http, truth.HTTP{
		ClientPort: int(c.ClientPort), RequestIndex: idx, Method: method, Host: c.HostName,
		Target: target, Status: rep.status, RequestBodyBytes: req.BodyLen,
		ResponseBodyBytes: len(rep.body), Telemetry: o.Telemetry, Note: o.Note,
	})
	return idx
}

// okJSON is the collector's answer to /sa.
func okJSON(chunked bool) reply {
	r := reply{status: 200, hdrs: []hdr{
		{"Content-Type", "application/json;charset=UTF-8"},
		{"Connection", "keep-alive"},
		{"Access-Control-Allow-Credentials", "true"},
	}, body: []byte(`{"code":0}`)}
	if chunked {
		r.chunks = []int{}
	}
	return r
}

// postBatch sends events as the Android SDK does (one gzip=1 data_list
// POST to /sa, flushed now) and records the payload and its events.
func (b *builder) postBatch(c *Conv, events []sensors.Object, st sensors.Style, rep reply, o reqOpts) {
	flush := b.tl.Now().UnixMilli()
	batch := sensors.AndroidBatch(events, flush, st)
	target := "/sa?project=" + b.dev.App.Project + "&r=" + b.dev.Country
	req := newRequest("POST", target, []hdr{
		{"User-Agent", webViewUA},
		{"Content-Type", "application/x-www-form-urlencoded"},
		{"Content-Length", ""},
		{"Host", c.HostName},
		{"Connection", "Keep-Alive"},
		{"Accept-Encoding", "gzip"},
	}, []byte(batch.Body))
	o.Telemetry = true
	idx := b.exchange(c, req, rep, o)
	crc := batch.CRC
	b.payloads = append(b.payloads, truth.Payload{
		ClientPort: int(c.ClientPort), RequestIndex: idx, Location: "body", Field: "data_list",
		Chain: "form>percent>base64>gzip>json-array", Gzip: "1", CRC: &crc, Base64: batch.Base64,
		Events: len(events),
	})
	for i, ev := range batch.Events {
		b.addEvent(c, idx, "data_list", i, ev)
	}
}

// webPixel sends one web-SDK event the default ("image") way:
// GET /sa.gif?project=default&data=..&ext=crc%3D.. from a page in the browser.
func (b *builder) webPixel(c *Conv, ev sensors.Object, referer string) {
	w := sensors.WebEvent(ev)
	target := "/sa.gif?project=default&" + w.Params
	req := newRequest("GET", target, []hdr{
		{"Host", c.HostName},
		{"Connection", "keep-alive"},
		{"User-Agent", browserUA},
		{"Accept", "image/webp,image/apng,image/*,*/*;q=0.8"},
		{"X-Requested-With", b.dev.App.ID},
		{"Referer", referer},
		{"Accept-Encoding", "gzip, deflate"},
		{"Accept-Language", "ro-RO,ro;q=0.9,en-US;q=0.8,en;q=0.7"},
		{"Cookie", webCookieName + "=%7B%22distinct_id%22%3A%22" + webCookieID + "%22%7D"},
	}, nil)
	idx := b.exchange(c, req, reply{status: 200, hdrs: []hdr{
		{"Content-Type", "image/gif"}, {"Connection", "keep-alive"}, {"Cache-Control", "no-cache"},
	}, body: gif1x1}, reqOpts{Telemetry: true})
	crc := w.CRC
	b.payloads = append(b.payloads, truth.Payload{
		ClientPort: int(c.ClientPort), RequestIndex: idx, Location: "query", Field: "data",
		Chain: "query>percent>base64>json-object", CRC: &crc, Base64: w.Base64, Events: 1,
	})
	b.addEvent(c, idx, "data", 0, ev)
	// The page's identity cookie goes along with the pixel: a payload of
	// its own (identity state, no event).
	b.payloads = append(b.payloads, truth.Payload{
		ClientPort: int(c.ClientPort), RequestIndex: idx, Location: "cookie", Field: webCookieName,
		Chain: "cookie>percent>json-object", Events: 0,
	})
}

func (b *builder) addEvent(c *Conv, idx int, field string, i int, ev sensors.Object) {
	b.events = append(b.events, truth.EventOf(int(c.ClientPort), idx, field, i, ev))
}

// webCookieName is the cookie in which the Sensors web SDK keeps its
// identity state.
const webCookieName = "sensorsdata2015jssdkcross"

// webCookieID is the web SDK's cookie id of the shop site visited in the
// browser.
const webCookieID = "171c3a2f8e41d5-0f3b9c7a2e6d48-3b614f0a-329160-171c3a2f8e5b2c"

// pageview is a sa-sdk-javascript $pageview in the member order
// JSON.stringify gives the SDK's object, flushed at flushMs.
func (b *builder) pageview(timeMs, flushMs int64, url, path, title string) sensors.Object {
	return sensors.Object{
		{Key: "identities", Value: sensors.Object{{Key: "$identity_cookie_id", Value: webCookieID}}},
		{Key: "distinct_id", Value: webCookieID},
		{Key: "lib", Value: sensors.Object{
			{Key: "$lib", Value: "js"}, {Key: "$lib_method", Value: "code"}, {Key: "$lib_version", Value: "1.27.5"},
		}},
		{Key: "properties", Value: sensors.Object{
			{Key: "$timezone_offset", Value: -180},
			{Key: "$screen_height", Value: 780},
			{Key: "$screen_width", Value: 360},
			{Key: "$lib", Value: "js"},
			{Key: "$lib_version", Value: "1.27.5"},
			{Key: "$latest_traffic_source_type", Value: "直接流量"},
			{Key: "$latest_search_keyword", Value: "未取到值_直接打开"},
			{Key: "$latest_referrer", Value: ""},
			{Key: "$referrer", Value: ""},
			{Key: "$url", Value: url},
			{Key: "$url_path", Value: path},
			{Key: "$title", Value: title},
			{Key: "$is_first_day", Value: true},
			{Key: "$is_first_time", Value: false},
			{Key: "$referrer_host", Value: ""},
		}},
		{Key: "anonymous_id", Value: webCookieID},
		{Key: "type", Value: "track"},
		{Key: "event", Value: "$pageview"},
		{Key: "time", Value: timeMs},
		{Key: "_track_id", Value: int64(100000000 + b.rng.IntN(900000000))},
		{Key: "_flush_time", Value: flushMs},
	}
}

// truthFile assembles the truth. fileOf names the capture file holding each
// timeline packet; decorate fills per-flow fields that depend on framing.
func (b *builder) truthFile(sample, desc string, files []truth.Capture, fileOf func(i int) string,
	decorate func(c *Conv, f *truth.Flow), specs []truth.IdentifierSpec) *truth.File {
	tf := &truth.File{
		Sample: sample, Description: desc, MadeBy: "go run ./samples/gen -out samples",
		Files: files, HTTP: b.http, Payloads: b.payloads, Events: b.events,
	}
	index := map[*Conv]int{}
	for i, c := range b.tl.Convs() {
		index[c] = i
		tf.Flows = append(tf.Flows, truth.Flow{
			ClientIP: c.Client.IP.String(), ClientPort: int(c.ClientPort),
			ServerIP: c.Server.IP.String(), ServerPort: int(c.ServerPort),
			Host: c.HostName, Protocol: c.Protocol, Requests: c.Requests, Files: []string{},
			Note: c.Note,
		})
	}
	for i, p := range b.tl.Packets() {
		f := &tf.Flows[index[p.Conv]]
		f.Packets++
		if name := fileOf(i); len(f.Files) == 0 || f.Files[len(f.Files)-1] != name {
			f.Files = append(f.Files, name)
		}
	}
	for i, c := range b.tl.Convs() {
		decorate(c, &tf.Flows[i])
	}
	tf.Counts = truth.Counts{
		Flows: len(tf.Flows), HTTPTransactions: len(tf.HTTP),
		Payloads: len(tf.Payloads), Events: len(tf.Events),
	}
	tf.Identifiers = truth.FindIdentifiersIn(tf.Events, tf.Payloads, specs)
	return tf
}

func ip4(s string) net.IP { return net.ParseIP(s).To4() }

func mustMAC(s string) net.HardwareAddr {
	m, err := net.ParseMAC(s)
	if err != nil {
		panic(err)
	}
	return m
}

// server is a remote host: reached through the router, so no MAC of its own.
func server(name, addr string) *Host { return &Host{Name: name, IP: ip4(addr), TTL: 52} }

// ethernetSample finishes a sample captured as one Ethernet pcap file named
// after it: the frames, the truth file (note goes on the capture entry) and
// the Sample. Callers add their own truth sections and extra files.
func (b *builder) ethernetSample(sample, desc, note string, specs []truth.IdentifierSpec) *Sample {
	pkts := b.tl.Packets()
	frames := make([]Frame, len(pkts))
	for i, p := range pkts {
		frames[i] = Frame{Time: p.Time, Data: ethernetFrame(p, gateway)}
	}
	name := sample + ".pcap"
	tf := b.truthFile(sample, desc,
		[]truth.Capture{{Name: name, Format: "pcap", Packets: len(frames), LinkTypes: []int{linkEthernet}, Note: note}},
		func(int) string { return name },
		func(c *Conv, f *truth.Flow) { f.LinkType = linkEthernet }, specs)
	return &Sample{
		Name:      sample,
		Files:     []OutFile{{name, pcapBytes(layers.LinkTypeEthernet, frames)}},
		TruthPath: sample + ".truth.json", Truth: tf, Packets: pkts,
	}
}
