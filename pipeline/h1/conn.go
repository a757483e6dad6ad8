// Package h1 parses HTTP/1.x out of reassembled TCP byte streams, passively
// and leniently, and pairs requests with responses.
//
// A Conn consumes one connection as a reassembly.Stream: bytes are pushed in
// as they arrive, in any split, and complete Transactions come out through a
// callback, synchronously and in request order. The package promises:
//
//   - The same bytes give the same transactions however they are split
//     into Data calls; nothing of the caller's buffer is kept after a call,
//     and emitted transactions own their bytes.
//   - Each direction's role comes from its content, not from the Dir label: a
//     direction whose first line is a request line is the request side, one
//     whose first line is a status line the response side. One that starts
//     with anything else (TLS, SSH, binary, another text protocol) is
//     ignored at no further cost. If the other direction proves HTTP and
//     this one did not start with a known signature (TLS, SSH, the HTTP/2
//     preface), it was picked up mid-message and hunts for its next start
//     line instead.
//   - Nothing is dropped silently: messages cut by reassembly gaps, garbage,
//     limits or the end of the stream are emitted with Flags saying so, and
//     every irregularity adds to a counter in Stats.
//   - Memory is bounded per connection: Config.MaxHeaderBytes of unconsumed
//     line per direction, Config.MaxHeaders header lines per message (the
//     rest dropped, FlagHeaderLimit; a framing header among them is lost
//     with them), one kept body per direction (Config.MaxBodyBytes
//     decoded, Config.MaxEncodedBytes still encoded), Config.MaxPending
//     transactions, and decompression stops at Config.MaxDecodedBytes.
//
// Framing follows RFC 9112 as net/http's transfer.go reads it (see framing).
// Where the RFC would reject, the parser accepts and sets FlagLenient: bare
// LF line ends, obsolete line folding, odd spacing, a target with spaces, odd
// or missing versions (a status line needs only "HTTP/1" before its code; a
// request line without a version needs a registered method or a version
// glued to the target), a registered method alone on its line, differing or
// malformed Content-Length, up to 64 bytes of junk before a start line where
// one is hunted for (a keep-alive probe byte, a SOCKS handshake). Duplicate headers and absolute-form targets are
// normal and kept as they are.
//
// Choices worth knowing:
//   - 1xx responses other than 101 do not answer a request; they are kept in
//     Transaction.Interim. CONNECT answered 2xx, and 101, end parsing of
//     the connection (FlagUpgrade).
//   - A gap inside a body of known extent is skipped (FlagBodyGap,
//     MissingBytes); an unencoded Body then holds the bytes on both sides of
//     the hole, an encoded one what decodes from the bytes before it. A gap
//     anywhere else cuts the message in progress (FlagHeaderGap,
//     FlagIncomplete, the whole gap counted in its MissingBytes) and the
//     direction resynchronises on the next start line. A start line cut
//     short is still turned into a message.
//   - A response body delimited by the close of the connection is
//     complete only when its sender's FIN was seen (ConnSummary.History);
//     a reset, an idle timeout or the end of the capture leaves it
//     FlagIncomplete, as nothing shows that the sender had finished.
//   - Content codings are undone at the end of a message, from at most
//     Config.MaxEncodedBytes of kept encoded body; beyond that the body is
//     decoded from its prefix and flagged FlagBodyTruncated, not as an error.
package h1

import (
	"strings"

	"telltale/reassembly"
)

// Config bounds the parser. Zero values mean the documented defaults.
type Config struct {
	MaxBodyBytes    int   // decoded body bytes kept per message; default 1 MiB
	MaxHeaderBytes  int   // start line + header block per message (and trailer block, and any single line); default 64 KiB
	MaxDecodedBytes int64 // decompression output counted per message before stopping with FlagDecodeLimit; default 64 MiB
	MaxPending      int   // transactions waiting for completion in one connection (pipelining); default 100
	MaxEncodedBytes int   // transfer-decoded bytes of a content-encoded body kept for decoding; default 8 MiB, never below MaxBodyBytes
	MaxHeaders      int   // header plus trailer lines kept per message, beyond which they are dropped (FlagHeaderLimit); default 1000
}

func (c Config) withDefaults() Config {
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = 1 << 20
	}
	if c.MaxHeaderBytes <= 0 {
		c.MaxHeaderBytes = 64 << 10
	}
	if c.MaxDecodedBytes <= 0 {
		c.MaxDecodedBytes = 64 << 20
	}
	if c.MaxPending <= 0 {
		c.MaxPending = 100
	}
	if c.MaxEncodedBytes <= 0 {
		c.MaxEncodedBytes = 8 << 20
	}
	if c.MaxHeaders <= 0 {
		c.MaxHeaders = 1000
	}
	c.MaxEncodedBytes = max(c.MaxEncodedBytes, c.MaxBodyBytes)
	return c
}

// Conn parses one TCP connection. It implements reassembly.Stream. A Conn is
// not safe for concurrent use; neither is the Stats it shares.
type Conn struct {
	cfg   Config
	emit  func(*Transaction)
	stats *Stats
	half  [2]half

	// fifo holds the transactions not emitted yet, in request order.
	// fifo[:answered] have a response attached; the next final response
	// pairs with fifo[answered].
	fifo     []*slot
	answered int
	depth    int

	sawData bool // some direction carried bytes
	sawHTTP bool // some direction was recognised as HTTP
	ended   bool
	dec     *decoders
	sw      *Switch
}

// slot is a transaction under construction.
type slot struct {
	tx       Transaction
	reqDone  bool
	respDone bool
	respLost bool // its response fell entirely in a gap
	// awaitReq: a response whose sender had acknowledged request bytes
	// not delivered yet; it waits for a request starting before reqBefore.
	awaitReq  bool
	reqBefore int64
}

func (s *slot) done() bool {
	return !s.awaitReq && (s.tx.Request == nil || s.reqDone) && (s.respLost || s.tx.Response != nil && s.respDone)
}

// maxAheadAck bounds how far ahead of the request stream a response's ACK
// may point and still be taken as evidence of a request yet to come; a
// larger distance is a bogus ACK.
const maxAheadAck = 16 << 20

// messageLost is told that a gap took the start of a message on the side
// whose role is r, between two messages: that message is lost. A lost
// response answers the oldest waiting request (emitted FlagNoResponse), a
// lost request takes a place in the queue (a transaction without request),
// so the messages after the gap still pair with their partners.
func (c *Conn) messageLost(r role) {
	if r == roleResponse {
		if c.answered < len(c.fifo) {
			s := c.fifo[c.answered]
			c.answered++
			s.respLost = true
			s.tx.Flags |= FlagNoResponse
			c.stats.LostMessages++
			c.flush()
		}
		return
	}
	c.makeRoom()
	s := &slot{reqDone: true}
	s.tx.Flags |= FlagNoRequest | FlagHeaderGap
	c.fifo = append(c.fifo, s)
	c.stats.LostMessages++
}

// NewConn returns a parser for one connection. emit receives each
// transaction, which it then owns; stats is updated in place.
func NewConn(cfg Config, emit func(*Transaction), stats *Stats) *Conn {
	c := &Conn{cfg: cfg.withDefaults(), emit: emit, stats: stats}
	for i := range c.half {
		c.half[i] = half{c: c, dir: reassembly.Dir(i)}
	}
	return c
}

// Data implements reassembly.Stream.
func (c *Conn) Data(dir reassembly.Dir, b []byte, at reassembly.Position) {
	h := &c.half[dir&1]
	if h.state >= stNonHTTP || c.ended || len(b) == 0 {
		return
	}
	c.sawData = true
	h.off = at.Offset + int64(len(b))
	h.data(b, at)
}

// Gap implements reassembly.Stream.
func (c *Conn) Gap(dir reassembly.Dir, n int64, at reassembly.Position) {
	h := &c.half[dir&1]
	if h.state >= stNonHTTP || c.ended || n <= 0 {
		return
	}
	h.off = at.Offset + n
	h.gap(n, at)
}

// Overlap implements reassembly.OverlapObserver: the message that holds
// the differing bytes is flagged FlagOverlapDiff.
func (c *Conn) Overlap(o reassembly.Overlap) {
	// A finished message still waiting for its transaction to be emitted
	// can be flagged directly.
	for _, s := range c.fifo {
		for _, m := range [...]*Message{s.tx.Request, s.tx.Response} {
			if m != nil && m.Dir == o.Dir && (m != c.half[o.Dir&1].cur) && o.Offset >= m.Start.Offset && o.Offset < m.End.Offset {
				m.Flags |= FlagOverlapDiff
				return
			}
		}
	}
	c.half[o.Dir&1].noteOverlap(o.Offset)
}

// End implements reassembly.Stream. Messages still in progress are emitted
// with FlagIncomplete, requests still waiting with FlagNoResponse. A
// response read until close is complete only if its sender closed the
// connection (see closedBy); cut by a reset, a timeout or the end of the
// capture it is incomplete.
func (c *Conn) End(s *reassembly.ConnSummary) {
	if c.ended {
		return
	}
	// Requests first, so that a response cut before its headers ended can
	// still pair with a request cut the same way.
	for _, r := range [...]role{roleRequest, roleResponse, roleUnknown} {
		for i := range c.half {
			if h := &c.half[i]; h.role == r {
				h.endStream(closedBy(s, h.dir))
			}
		}
	}
	for len(c.fifo) > 0 {
		c.pop()
	}
	if c.sawData && !c.sawHTTP {
		c.stats.NonHTTPStreams++
	}
	if c.dec != nil {
		c.dec.close()
		c.dec = nil
	}
	c.ended = true
}

// closedBy reports whether the summary shows that the sender of direction
// d closed the connection with a FIN, which is what ends a body delimited by
// the close. A summary without history (nil, or made by hand) is taken at
// its End reason.
func closedBy(s *reassembly.ConnSummary, d reassembly.Dir) bool {
	if s == nil {
		return true
	}
	if s.History == "" {
		return s.End == reassembly.EndFIN
	}
	// History spells the client's events in upper case, the server's in
	// lower case; the client sends ClientToServer.
	fin := byte('F')
	if d == reassembly.ServerToClient {
		fin = 'f'
	}
	return strings.IndexByte(s.History, fin) >= 0
}

// pushRequest queues a request whose header block has ended (or was cut).
func (c *Conn) pushRequest(m *Message) *slot {
	// A response seen before this request, whose sender had already
	// received the bytes this request starts with, answers it.
	for _, s := range c.fifo {
		if !s.awaitReq {
			continue
		}
		s.awaitReq = false
		if m.Start.Offset < s.reqBefore {
			s.tx.Request = m
			s.tx.Flags &^= FlagNoRequest
			c.stats.LateRequests++
			return s
		}
	}
	c.makeRoom()
	s := &slot{}
	s.tx.Request = m
	c.fifo = append(c.fifo, s)
	return s
}

// pairResponse gives a final response its transaction: the oldest request
// without a response, or a new transaction of its own.
func (c *Conn) pairResponse(m *Message) *slot {
	if c.answered < len(c.fifo) {
		s := c.fifo[c.answered]
		c.answered++
		s.tx.Response = m
		return s
	}
	c.makeRoom()
	s := &slot{reqDone: true}
	s.tx.Response = m
	s.tx.Flags |= FlagNoRequest
	if req := c.requestHalf(m.Dir); req != nil {
		if ahead := m.Start.PeerAck - req.off; ahead > 0 && ahead <= maxAheadAck {
			// The server had received request bytes this parser has not
			// been given: the request is still on its way (captured later).
			s.reqDone = false
			s.awaitReq, s.reqBefore = true, m.Start.PeerAck
		}
	}
	c.fifo = append(c.fifo, s)
	c.answered = len(c.fifo)
	return s
}

// requestHalf is the direction opposite a response travelling in d, when
// it is (or may become) the request side.
func (c *Conn) requestHalf(d reassembly.Dir) *half {
	h := &c.half[(d^1)&1]
	if h.role == roleResponse || h.state >= stNonHTTP {
		return nil
	}
	return h
}

// addInterim notes a 1xx response on the transaction it precedes. With no
// request waiting there is nothing to note it on; Stats.Interim counted it.
func (c *Conn) addInterim(m *Message) {
	if c.answered < len(c.fifo) {
		s := c.fifo[c.answered]
		s.tx.Interim = append(s.tx.Interim, m)
	}
}

// makeRoom keeps the queue within MaxPending by emitting its oldest
// transaction as it stands; a message of it still arriving is cut there.
func (c *Conn) makeRoom() {
	if len(c.fifo) < c.cfg.MaxPending {
		return
	}
	c.stats.PendingOverflows++
	s := c.fifo[0]
	for i := range c.half {
		if h := &c.half[i]; h.slot == s {
			h.detach()
		}
	}
	c.pop()
}

// flush emits the finished transactions at the head of the queue.
func (c *Conn) flush() {
	for len(c.fifo) > 0 && c.fifo[0].done() {
		c.pop()
	}
}

// pop emits the oldest transaction, finished or not.
func (c *Conn) pop() {
	s := c.fifo[0]
	n := copy(c.fifo, c.fifo[1:])
	c.fifo[n] = nil
	c.fifo = c.fifo[:n]
	if c.answered > 0 {
		c.answered--
	}
	tx := &s.tx
	if tx.Request == nil && tx.Response == nil {
		// The place of a lost request that no response came for: nothing
		// is known of it but that it was lost (Stats.LostMessages).
		return
	}
	c.depth++
	tx.Depth = c.depth
	if tx.Response == nil {
		tx.Flags |= FlagNoResponse
		c.stats.UnansweredRequests++
	}
	if tx.Request == nil {
		c.stats.UnpairedResponses++
	}
	c.stats.Transactions++
	c.emit(tx)
}

// Switch describes where a connection left HTTP/1.x (101 Switching
// Protocols or a successful CONNECT), so that the caller can hand the rest
// of each direction to the protocol that follows (h2c, WebSocket, a tunnel).
type Switch struct {
	Request  *Message // the request that asked for it; nil when unseen
	Response *Message
	// Protocol is the response's Upgrade header (e.g. "h2c", "websocket");
	// "" after CONNECT.
	Protocol string
	// Offset is, per direction, the stream offset of the first byte after
	// HTTP/1.x.
	Offset [2]int64
}

// Switched returns where the connection left HTTP/1.x, or nil while it has
// not.
func (c *Conn) Switched() *Switch { return c.sw }

func (c *Conn) switchAt(req, resp *Message, respDir reassembly.Dir) {
	sw := &Switch{Request: req, Response: resp}
	if resp.StatusCode == 101 {
		for _, h := range resp.Headers {
			if strings.EqualFold(h.Name, "Upgrade") {
				sw.Protocol = strings.TrimSpace(h.Value)
				break
			}
		}
	}
	sw.Offset[respDir] = resp.End.Offset
	reqDir := respDir ^ 1
	if req != nil && req.End.Offset > 0 {
		sw.Offset[reqDir] = req.End.Offset
	} else {
		sw.Offset[reqDir] = c.half[reqDir].off
	}
	c.sw = sw
}

// upgrade ends HTTP on the connection after CONNECT 2xx or 101: whatever
// follows in either direction is another protocol.
func (c *Conn) upgrade() {
	c.stats.Upgrades++
	for i := range c.half {
		h := &c.half[i]
		if h.cur != nil {
			h.cur.Flags |= FlagIncomplete
			h.finish()
		}
		h.stop(stDead)
	}
	c.flush()
}

// decoders returns the connection's decompressors, made on first use.
func (c *Conn) decoders() *decoders {
	if c.dec == nil {
		c.dec = new(decoders)
	}
	return c.dec
}

// RequestDir reports the direction HTTP requests were seen in, when the
// content told: it names the client even where reassembly had to guess the
// roles from ports.
func (c *Conn) RequestDir() (reassembly.Dir, bool) {
	for i := range c.half {
		if c.half[i].role == roleRequest {
			return reassembly.Dir(i), true
		}
	}
	return 0, false
}
