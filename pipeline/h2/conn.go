// Package h2 parses HTTP/2 (RFC 9113) out of the two reassembled byte streams
// of a TCP connection, passively, and turns each stream into an
// h1.Transaction, so the rest of the pipeline treats HTTP/2 like HTTP/1.x.
//
// A Conn is pushed bytes as they arrive, in any split, and emits complete
// transactions through a callback, synchronously. The package promises:
//
//   - The same bytes give the same transactions however they are split into
//     Data calls; only an incomplete frame is buffered, nothing of the
//     caller's buffer is kept after a call, and emitted messages own their
//     bytes.
//   - The client is the direction that sent the connection preface; without
//     one (a one-sided capture, Conn.Upgraded), the first header block that
//     carries ":status" or ":method" tells. A direction must start with the
//     preface or a SETTINGS frame, or it is not parsed at all.
//   - Header blocks are decoded with one HPACK decoder per direction, so
//     every block is decoded, including those of streams already emitted,
//     and the dynamic table stays in step. A reassembly gap, a header block
//     that does not decode, or framing that cannot be followed stops that
//     direction for good (its HPACK state is lost); what it had completed is
//     kept and what it left open is flagged.
//   - Nothing is dropped silently: every irregularity adds to a counter in
//     Stats and, per connection, to Problems; cut messages carry Flags.
//   - Memory is bounded: one incomplete frame per direction (at most the
//     receiver's SETTINGS_MAX_FRAME_SIZE, 16 MiB when unseen), kept bodies of
//     Config.MaxBodyBytes (Config.MaxEncodedBytes when content-encoded) per
//     open stream, Config.MaxStreams open streams, decompression stopped at
//     Config.MaxDecodedBytes, header lists at Config.MaxHeaderListBytes.
//
// Mapping to h1.Message: Version is "HTTP/2"; Headers are all the fields of
// the first header block in wire order, pseudo-headers included; Method is
// ":method", URI is ":path" (":authority" for a CONNECT without ":path"),
// StatusCode is ":status", Reason is empty; Trailers are the fields of a
// later header block; Body is the DATA payloads (padding removed) joined and
// content-decoded. Start is the first byte of the HEADERS (or PUSH_PROMISE)
// frame, End the end of the frame that ended the message.
//
// Choices worth knowing:
//   - A transaction is emitted when both of its messages have ended
//     (END_STREAM), when a RST_STREAM closes its stream, when the direction
//     of a missing message stops, or at End, in stream-id order. A response
//     that ends with no request seen on its stream is emitted at once with
//     FlagNoRequest. Transaction.Depth is the ordinal of the stream's opening
//     in the connection (for client streams, their stream-id order), so
//     emission order, which is completion order, need not follow Depth.
//   - 1xx responses go to Transaction.Interim.
//   - Server push: a PUSH_PROMISE opens a transaction whose Request is the
//     promised request; its Dir is the server's, as it travelled from the
//     server, which is how a pushed transaction can be told apart
//     (Request.Dir == Response.Dir). h1.Flags has no push flag.
//   - A gap cannot be attributed to a stream, so messages it cuts are
//     flagged FlagIncomplete, not FlagBodyGap, and MissingBytes stays 0.
//     The payload bytes of a DATA frame cut by a gap or by End are kept.
//   - Fields of a header block past Config.MaxHeaderListBytes are dropped
//     (decoded, not kept), counted in Stats.HeaderLimits and Problems; the
//     message carries no flag for it, h1.Flags having none that fits.
//   - Frames larger than the receiver's SETTINGS_MAX_FRAME_SIZE (when that
//     SETTINGS was seen) are a protocol error that stops the direction.
package h2

import (
	"cmp"
	"slices"

	"golang.org/x/net/http2/hpack"

	"telltale/pipeline/h1"
	"telltale/reassembly"
)

// Config bounds the parser. Zero values mean the documented defaults.
type Config struct {
	MaxBodyBytes       int   // decoded body bytes kept per message; default 1 MiB
	MaxDecodedBytes    int64 // decompression output counted per message before stopping with FlagDecodeLimit; default 64 MiB
	MaxEncodedBytes    int   // DATA bytes of a content-encoded body kept for decoding; default 8 MiB, never below MaxBodyBytes
	MaxHeaderListBytes int   // decoded header list per block, counted as RFC 9113 does (name+value+32 per field); default 64 KiB
	MaxStreams         int   // open streams kept per connection; the oldest is emitted early beyond it; default 1000
}

func (c Config) withDefaults() Config {
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = 1 << 20
	}
	if c.MaxDecodedBytes <= 0 {
		c.MaxDecodedBytes = 64 << 20
	}
	if c.MaxEncodedBytes <= 0 {
		c.MaxEncodedBytes = 8 << 20
	}
	c.MaxEncodedBytes = max(c.MaxEncodedBytes, c.MaxBodyBytes)
	if c.MaxHeaderListBytes <= 0 {
		c.MaxHeaderListBytes = 64 << 10
	}
	if c.MaxStreams <= 0 {
		c.MaxStreams = 1000
	}
	return c
}

// preface is the client connection preface (RFC 9113 section 3.4).
const preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

// LooksLikePreface reports whether b starts with the client connection
// preface, or is a non-empty prefix of it.
func LooksLikePreface(b []byte) bool {
	n := min(len(b), len(preface))
	return n > 0 && string(b[:n]) == preface[:n]
}

// Conn parses one TCP connection. It is not safe for concurrent use; neither
// is the Stats it shares.
type Conn struct {
	cfg   Config
	emit  func(*h1.Transaction)
	stats *Stats
	half  [2]half

	streams map[uint32]*stream
	depth   int    // streams opened so far
	maxReq  uint32 // highest stream id a request opened

	client     reassembly.Dir // valid when rolesKnown
	rolesKnown bool
	problems   problem
	ended      bool
	dec        *h1.BodyDecoder
}

// NewConn returns a parser for one connection that hands every transaction
// to emit and counts into stats.
func NewConn(cfg Config, emit func(*h1.Transaction), stats *Stats) *Conn {
	c := &Conn{cfg: cfg.withDefaults(), emit: emit, stats: stats, streams: make(map[uint32]*stream)}
	for d := range c.half {
		h := &c.half[d]
		h.c, h.dir = c, reassembly.Dir(d)
		h.tableMax = defaultTableSize
		h.hpack = hpack.NewDecoder(defaultTableSize, h.field)
		// A single string over this is an HPACK error; it bounds what the
		// decoder buffers for a field split across CONTINUATION frames.
		h.hpack.SetMaxStringLength(max(c.cfg.MaxHeaderListBytes, 1<<20))
	}
	return c
}

// Data parses the next bytes of direction dir; b is not kept.
func (c *Conn) Data(dir reassembly.Dir, b []byte, at reassembly.Position) {
	if c.ended || dir > 1 || len(b) == 0 {
		return
	}
	c.half[dir].data(b, at)
}

// Gap says n bytes of direction dir were lost: the direction's HPACK state is
// lost with them, so it is not parsed any further.
func (c *Conn) Gap(dir reassembly.Dir, n int64, at reassembly.Position) {
	if c.ended || dir > 1 || c.half[dir].state == stDead {
		return
	}
	c.stats.Gaps++
	c.problems |= probGap
	c.half[dir].salvage()
	c.half[dir].abandon()
}

// End ends the connection: every stream still open is emitted, in stream-id
// order, its unfinished messages flagged FlagIncomplete.
func (c *Conn) End() {
	if c.ended {
		return
	}
	c.ended = true
	for d := range c.half {
		h := &c.half[d]
		if h.state != stDead && (len(h.buf) > 0 || h.blk.active) {
			c.stats.TruncatedFrames++
			c.problems |= probTruncatedFrame
			h.salvage()
		}
		h.release()
	}
	for _, s := range c.sorted() {
		c.emitStream(s)
	}
	if c.dec != nil {
		c.dec.Close()
		c.dec = nil
	}
}

// Upgraded tells the Conn that the connection switched to HTTP/2 with an
// HTTP/1.1 "Upgrade: h2c" request: stream 1's response answers req, and
// req.Dir is the client. Call it before any Data.
func (c *Conn) Upgraded(req *h1.Message) {
	if c.depth > 0 || c.ended || req == nil {
		return
	}
	c.client, c.rolesKnown = req.Dir, true
	s := c.open(1)
	s.req.m, s.req.done = req, true
	c.maxReq = 1
}

// RequestDir returns the client's direction: the one that sent the preface,
// or, without one, the one the first header block showed to be the client.
func (c *Conn) RequestDir() (reassembly.Dir, bool) {
	return c.client, c.rolesKnown
}

// Problems lists the irregularities met on this connection by name, sorted
// and without duplicates: "bad_preface", "frame_size", "gap",
// "header_limit", "hpack_error", "protocol_error", "stream_limit",
// "truncated_frame".
func (c *Conn) Problems() []string {
	var out []string
	for _, p := range problemNames {
		if c.problems&p.p != 0 {
			out = append(out, p.name)
		}
	}
	return out
}

// setClient records that dir is the client, unless roles are already known.
func (c *Conn) setClient(dir reassembly.Dir) {
	if !c.rolesKnown {
		c.client, c.rolesKnown = dir, true
	}
}

// roleDead reports whether the direction that carries the client's
// (client true) or the server's messages can no longer deliver any.
func (c *Conn) roleDead(client bool) bool {
	if c.ended {
		return true
	}
	if !c.rolesKnown {
		return c.half[0].state == stDead && c.half[1].state == stDead
	}
	d := c.client
	if !client {
		d = 1 - d
	}
	return c.half[d].state == stDead
}

// sorted returns the open streams in stream-id order.
func (c *Conn) sorted() []*stream {
	out := make([]*stream, 0, len(c.streams))
	for _, s := range c.streams {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b *stream) int { return cmp.Compare(a.id, b.id) })
	return out
}

// sweep emits, in stream-id order, the streams a stopped direction completed.
func (c *Conn) sweep() {
	for _, s := range c.sorted() {
		if c.complete(s) {
			c.emitStream(s)
		}
	}
}

func (c *Conn) decoder() *h1.BodyDecoder {
	if c.dec == nil {
		c.dec = new(h1.BodyDecoder)
	}
	return c.dec
}
