package h2

import (
	"bytes"
	"fmt"
	"math/rand"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"telltale/pipeline/h1"
	"telltale/reassembly"
)

// event is one read or write of a recorded connection, seen from the
// server: reads are client->server (0), writes server->client (1).
type event struct {
	dir reassembly.Dir
	b   []byte
	gap bool // a reassembly gap of len(b) bytes instead of data
}

// recConn records what the server reads and writes, in the order it
// happened. A write is recorded before it is made, so a peer's reaction to
// it can never be recorded first.
type recConn struct {
	net.Conn
	mu     *sync.Mutex
	events *[]event
	once   sync.Once
	closed chan struct{}
}

func (r *recConn) Read(p []byte) (int, error) {
	n, err := r.Conn.Read(p)
	if n > 0 {
		r.mu.Lock()
		*r.events = append(*r.events, event{dir: 0, b: bytes.Clone(p[:n])})
		r.mu.Unlock()
	}
	return n, err
}

func (r *recConn) Write(p []byte) (int, error) {
	r.mu.Lock()
	*r.events = append(*r.events, event{dir: 1, b: bytes.Clone(p)})
	r.mu.Unlock()
	return r.Conn.Write(p)
}

func (r *recConn) Close() error {
	r.once.Do(func() { close(r.closed) })
	return r.Conn.Close()
}

// recListener records every connection it accepts.
type recListener struct {
	net.Listener
	mu    sync.Mutex
	conns []*recConn
	logs  []*[]event
}

func (l *recListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	ev := new([]event)
	rc := &recConn{Conn: c, mu: &l.mu, events: ev, closed: make(chan struct{})}
	l.conns = append(l.conns, rc)
	l.logs = append(l.logs, ev)
	return rc, nil
}

// traces waits for every recorded connection to close and returns their
// events.
func (l *recListener) traces(t *testing.T) [][]event {
	t.Helper()
	l.mu.Lock()
	conns := l.conns
	l.mu.Unlock()
	for _, c := range conns {
		select {
		case <-c.closed:
		case <-time.After(10 * time.Second):
			t.Fatal("recorded connection not closed")
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	var out [][]event
	for _, ev := range l.logs {
		out = append(out, append([]event(nil), (*ev)...))
	}
	return out
}

// h2cServer serves h with cleartext HTTP/2 (prior knowledge) on loopback,
// recording each connection.
func h2cServer(t *testing.T, h http.Handler) (*http.Server, *recListener, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rl := &recListener{Listener: ln}
	var protos http.Protocols
	protos.SetHTTP1(true)
	protos.SetUnencryptedHTTP2(true)
	// A 16 KiB frame limit (Go announces 1 MiB by default) makes large
	// header blocks use CONTINUATION.
	srv := &http.Server{Handler: h, Protocols: &protos, ReadHeaderTimeout: 10 * time.Second,
		HTTP2: &http.HTTP2Config{MaxReadFrameSize: 16384}}
	go srv.Serve(rl)
	t.Cleanup(func() { srv.Close() })
	return srv, rl, ln.Addr().String()
}

// h2cClient is a Go client speaking cleartext HTTP/2 with prior knowledge.
func h2cClient() (*http.Client, *http.Transport) {
	var protos http.Protocols
	protos.SetUnencryptedHTTP2(true)
	tr := &http.Transport{Protocols: &protos}
	return &http.Client{Transport: tr}, tr
}

// result is what feeding a Conn gave.
type result struct {
	txs      []*h1.Transaction
	stats    Stats
	problems []string
	reqDir   reassembly.Dir
	reqKnown bool
}

// run feeds events to a new Conn, each event cut into pieces by split (nil:
// whole), and ends it. Each event's Time is its index, its Ref frame the
// index plus one, so positions do not depend on the split.
func run(cfg Config, events []event, split func(n int) []int) result {
	var r result
	c := NewConn(cfg, func(tx *h1.Transaction) { r.txs = append(r.txs, tx) }, &r.stats)
	feedConn(c, events, split, [2]int64{})
	c.End()
	r.problems = c.Problems()
	r.reqDir, r.reqKnown = c.RequestDir()
	return r
}

// feedConn pushes events into c, starting at the given stream offsets.
func feedConn(c *Conn, events []event, split func(n int) []int, off [2]int64) [2]int64 {
	for i, e := range events {
		at := reassembly.Position{Time: int64(i), Ref: reassembly.Ref{Frame: uint64(i + 1)}}
		if e.gap {
			at.Offset = off[e.dir]
			c.Gap(e.dir, int64(len(e.b)), at)
			off[e.dir] += int64(len(e.b))
			continue
		}
		sizes := []int{len(e.b)}
		if split != nil {
			sizes = split(len(e.b))
		}
		b := e.b
		for _, n := range sizes {
			at.Offset = off[e.dir]
			c.Data(e.dir, b[:n], at)
			b = b[n:]
			off[e.dir] += int64(n)
		}
	}
	return off
}

func byteSplit(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = 1
	}
	return out
}

func randomSplit(seed int64) func(n int) []int {
	rng := rand.New(rand.NewSource(seed))
	return func(n int) []int {
		var out []int
		for n > 0 {
			k := 1 + rng.Intn(min(n, 1+rng.Intn(40000)))
			out = append(out, k)
			n -= k
		}
		return out
	}
}

// flatten joins the bytes of one direction.
func flatten(events []event, dir reassembly.Dir) []byte {
	var b []byte
	for _, e := range events {
		if e.dir == dir {
			b = append(b, e.b...)
		}
	}
	return b
}

// frameAt is a frame found by frames: its header and stream offset.
type frameAt struct {
	http2.FrameHeader
	off int
}

// frames lists the frames of one direction (after the preface, for the
// client), read with x/net/http2's Framer.
func frames(t *testing.T, b []byte, client bool) []frameAt {
	t.Helper()
	off := 0
	if client {
		off = len(http2.ClientPreface)
	}
	var out []frameAt
	for off+9 <= len(b) {
		fh, err := http2.ReadFrameHeader(bytes.NewReader(b[off:]))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, frameAt{fh, off})
		off += 9 + int(fh.Length)
	}
	return out
}

// frameTypes counts the frames of one direction by type, read with
// x/net/http2's own Framer as an independent check of what a trace holds.
func frameTypes(t *testing.T, b []byte, client bool) map[http2.FrameType]int {
	t.Helper()
	if client {
		if !bytes.HasPrefix(b, []byte(http2.ClientPreface)) {
			t.Fatal("client stream lacks the preface")
		}
		b = b[len(http2.ClientPreface):]
	}
	fr := http2.NewFramer(nil, bytes.NewReader(b))
	fr.SetMaxReadFrameSize(1 << 24)
	out := map[http2.FrameType]int{}
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			break
		}
		out[f.Header().Type]++
	}
	return out
}

// conv builds HTTP/2 conversations frame by frame with x/net/http2's Framer
// and HPACK encoder: real encodings, in orders a test chooses.
type conv struct {
	events []event
	enc    [2]*hpack.Encoder
	hbuf   [2]*bytes.Buffer
}

func newConv(withPreface bool) *conv {
	c := &conv{}
	for d := range c.enc {
		c.hbuf[d] = new(bytes.Buffer)
		c.enc[d] = hpack.NewEncoder(c.hbuf[d])
	}
	if withPreface {
		c.raw(0, []byte(http2.ClientPreface))
	}
	return c
}

func (c *conv) raw(dir reassembly.Dir, b []byte) {
	c.events = append(c.events, event{dir: dir, b: b})
}

// frames appends what write makes a Framer write as one event.
func (c *conv) frames(dir reassembly.Dir, write func(fr *http2.Framer)) {
	var buf bytes.Buffer
	fr := http2.NewFramer(&buf, nil)
	fr.AllowIllegalWrites = true
	write(fr)
	c.raw(dir, buf.Bytes())
}

// block HPACK-encodes name, value pairs with dir's encoder.
func (c *conv) block(dir reassembly.Dir, kv ...string) []byte {
	c.hbuf[dir].Reset()
	for i := 0; i+1 < len(kv); i += 2 {
		if err := c.enc[dir].WriteField(hpack.HeaderField{Name: kv[i], Value: kv[i+1]}); err != nil {
			panic(err)
		}
	}
	return bytes.Clone(c.hbuf[dir].Bytes())
}

func (c *conv) settings(dir reassembly.Dir, s ...http2.Setting) {
	c.frames(dir, func(fr *http2.Framer) { fr.WriteSettings(s...) })
}

func (c *conv) headers(dir reassembly.Dir, stream uint32, end bool, kv ...string) {
	blk := c.block(dir, kv...)
	c.frames(dir, func(fr *http2.Framer) {
		fr.WriteHeaders(http2.HeadersFrameParam{StreamID: stream, BlockFragment: blk, EndStream: end, EndHeaders: true})
	})
}

func (c *conv) data(dir reassembly.Dir, stream uint32, end bool, s string) {
	c.frames(dir, func(fr *http2.Framer) { fr.WriteData(stream, end, []byte(s)) })
}

// hdrs turns name, value pairs into h1.Headers.
func hdrs(kv ...string) []h1.Header {
	var out []h1.Header
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, h1.Header{Name: kv[i], Value: kv[i+1]})
	}
	return out
}

// summary is a compact, comparable view of a transaction.
func summary(tx *h1.Transaction) string {
	s := fmt.Sprintf("depth=%d flags=%v", tx.Depth, tx.Flags.Names())
	if m := tx.Request; m != nil {
		s += fmt.Sprintf(" req[%s %s %q flags=%v]", m.Method, m.URI, m.Body, m.Flags.Names())
	}
	for _, m := range tx.Interim {
		s += fmt.Sprintf(" interim[%d]", m.StatusCode)
	}
	if m := tx.Response; m != nil {
		s += fmt.Sprintf(" resp[%d %q flags=%v]", m.StatusCode, m.Body, m.Flags.Names())
	}
	return s
}

func summaries(txs []*h1.Transaction) []string {
	var out []string
	for _, tx := range txs {
		out = append(out, summary(tx))
	}
	return out
}

func headerValue(hs []h1.Header, name string) (string, bool) {
	for _, h := range hs {
		if h.Name == name {
			return h.Value, true
		}
	}
	return "", false
}
