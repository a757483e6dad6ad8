package h2

import (
	"errors"
	"io"
	"strings"

	"telltale/pipeline/h1"
	"telltale/reassembly"
)

// stream is one HTTP/2 stream: a transaction under construction.
type stream struct {
	id       uint32
	depth    int
	req      part
	resp     part
	interim  []*h1.Message
	promised bool // opened by PUSH_PROMISE
}

// part is one message of a stream.
type part struct {
	m       *h1.Message // nil until its (final, for responses) header block
	done    bool        // ended (END_STREAM) or emitted
	encoded bool        // m declares a Content-Encoding
	trunc   bool        // DATA past the kept limit was dropped
	wire    []byte      // kept DATA bytes
	last    reassembly.Position
}

func (s *stream) part(client bool) *part {
	if client {
		return &s.req
	}
	return &s.resp
}

// isClient tells whether dir carries the client's messages, deciding the
// roles from fields when nothing has decided them yet.
func (c *Conn) isClient(dir reassembly.Dir, fields []h1.Header) bool {
	if !c.rolesKnown {
		server := false
		for _, f := range fields {
			if f.Name == ":status" {
				server = true
				break
			}
			if f.Name == ":method" {
				break
			}
		}
		if server {
			c.setClient(1 - dir)
		} else {
			c.setClient(dir)
		}
	}
	return dir == c.client
}

// open starts stream id, making room for it first.
func (c *Conn) open(id uint32) *stream {
	if len(c.streams) >= c.cfg.MaxStreams {
		var oldest *stream
		for _, s := range c.streams {
			if oldest == nil || s.depth < oldest.depth {
				oldest = s
			}
		}
		c.stats.StreamLimits++
		c.problems |= probStreamLimit
		c.emitStream(oldest)
	}
	c.depth++
	s := &stream{id: id, depth: c.depth}
	c.streams[id] = s
	c.stats.Streams++
	return s
}

// headerBlock handles a complete header block of stream b.stream.
func (c *Conn) headerBlock(h *half, b *block, fields []h1.Header, end reassembly.Position) {
	if b.push {
		c.promise(h, b, fields, end)
		return
	}
	client := c.isClient(h.dir, fields)
	s := c.streams[b.stream]
	if s == nil {
		// Client streams open in increasing id order (RFC 9113 5.1.1), so
		// an id not above the highest seen is a stream already emitted.
		// A response may open its stream when its request was not seen;
		// pushed streams open only with their PUSH_PROMISE.
		if b.stream%2 == 0 || b.stream <= c.maxReq {
			c.stats.IgnoredFrames++
			return
		}
		if client {
			c.maxReq = b.stream
		}
		s = c.open(b.stream)
	}
	p := s.part(client)
	if p.done {
		c.stats.IgnoredFrames++
		return
	}
	if p.m == nil {
		m := newMessage(h.dir, fields, b.start, client)
		m.End = end
		if !client && m.StatusCode >= 100 && m.StatusCode < 200 && !b.endStream {
			c.stats.Interim++
			s.interim = append(s.interim, m)
			return
		}
		if client {
			c.stats.Requests++
		} else {
			c.stats.Responses++
		}
		p.m, p.encoded = m, m.ContentEncoding != ""
	} else {
		// A later block is the trailer section (RFC 9113 8.1).
		p.m.Trailers = append(p.m.Trailers, fields...)
	}
	p.last = end
	if b.endStream {
		c.finish(s, p, end)
	}
}

// promise opens the stream a PUSH_PROMISE reserves, its request complete.
func (c *Conn) promise(h *half, b *block, fields []h1.Header, end reassembly.Position) {
	c.setClient(1 - h.dir)
	if h.dir == c.client || b.promised == 0 || b.promised%2 != 0 || c.streams[b.promised] != nil {
		h.protocolError(0, false)
		return
	}
	s := c.open(b.promised)
	s.promised = true
	m := newMessage(h.dir, fields, b.start, true)
	m.End = end
	s.req.m, s.req.done, s.req.last = m, true, end
	c.stats.Requests++
	c.finalize(&s.req)
}

// data handles the payload of a DATA frame.
func (c *Conn) data(h *half, id uint32, b []byte, endStream bool, end reassembly.Position) {
	s := c.streams[id]
	if s == nil || !c.rolesKnown {
		c.stats.IgnoredFrames++
		return
	}
	p := s.part(h.dir == c.client)
	if p.done {
		c.stats.IgnoredFrames++
		return
	}
	if p.m == nil {
		h.protocolError(0, false) // DATA before HEADERS
		return
	}
	p.m.WireBodyLen += int64(len(b))
	limit := c.cfg.MaxBodyBytes
	if p.encoded {
		limit = c.cfg.MaxEncodedBytes
	}
	if room := limit - len(p.wire); len(b) > room {
		p.trunc = true
		b = b[:max(room, 0)]
	}
	p.wire = append(p.wire, b...)
	p.last = end
	if endStream {
		c.finish(s, p, end)
	}
}

// reset handles RST_STREAM: the stream ends as it stands.
func (c *Conn) reset(id uint32) {
	s := c.streams[id]
	if s == nil {
		return
	}
	c.stats.RSTStreams++
	c.emitStream(s)
}

// finish ends message p of s at end.
func (c *Conn) finish(s *stream, p *part, end reassembly.Position) {
	p.done = true
	p.m.End = end
	c.finalize(p)
	if c.complete(s) {
		c.emitStream(s)
	}
}

// complete reports whether nothing more can come for s: each message has
// ended or its direction has stopped. A response that ended with no request
// seen completes the stream too: the request comes before it on the wire.
func (c *Conn) complete(s *stream) bool {
	reqOK := s.req.done || c.roleDead(true) || s.req.m == nil && s.resp.done
	respOK := s.resp.done || c.roleDead(false)
	return reqOK && respOK
}

// emitStream emits s as it stands and forgets it.
func (c *Conn) emitStream(s *stream) {
	delete(c.streams, s.id)
	for _, p := range [...]*part{&s.req, &s.resp} {
		if p.m != nil && !p.done {
			p.done = true
			p.m.Flags |= h1.FlagIncomplete
			p.m.End = p.last
			c.finalize(p)
		}
	}
	tx := &h1.Transaction{Depth: s.depth, StreamID: s.id, Request: s.req.m, Response: s.resp.m, Interim: s.interim}
	if tx.Request == nil && tx.Response == nil && tx.Interim == nil {
		return
	}
	if tx.Request == nil {
		tx.Flags |= h1.FlagNoRequest
		c.stats.UnpairedResponses++
	}
	if tx.Response == nil {
		tx.Flags |= h1.FlagNoResponse
		c.stats.UnansweredRequests++
	}
	c.stats.Transactions++
	c.emit(tx)
}

// newMessage builds a message from its first header block.
func newMessage(dir reassembly.Dir, fields []h1.Header, start reassembly.Position, request bool) *h1.Message {
	m := &h1.Message{Dir: dir, Version: "HTTP/2", Headers: fields, Start: start}
	var path, authority string
	for _, f := range fields {
		switch f.Name {
		case ":method":
			m.Method = f.Value
		case ":path":
			path = f.Value
		case ":authority":
			authority = f.Value
		case ":status":
			m.StatusCode = parseStatus(f.Value)
		default:
			if strings.EqualFold(f.Name, "content-encoding") {
				if m.ContentEncoding == "" {
					m.ContentEncoding = f.Value
				} else {
					m.ContentEncoding += ", " + f.Value
				}
			}
		}
	}
	if request {
		m.URI = path
		if path == "" && m.Method == "CONNECT" {
			m.URI = authority // RFC 9113 8.5: authority-form
		}
	}
	return m
}

// parseStatus reads a three-digit status code, 0 when it is not one.
func parseStatus(s string) int {
	if len(s) != 3 {
		return 0
	}
	n := 0
	for i := 0; i < 3; i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0
		}
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// finalize fixes a message's body, decoding it, and counts its flags.
func (c *Conn) finalize(p *part) {
	m := p.m
	if p.encoded && m.WireBodyLen > 0 {
		res := c.decoder().Decode(p.wire, m.ContentEncoding, c.cfg.MaxBodyBytes, c.cfg.MaxDecodedBytes)
		m.Body, m.DecodedBodyLen = res.Body, res.N
		if res.Limit {
			m.Flags |= h1.FlagDecodeLimit
		}
		if res.Unknown {
			m.Flags |= h1.FlagDecodeError
			c.stats.UnknownEncodings++
		}
		// A body known to be cut short ends in an unexpected EOF: that
		// is the truncation already flagged, not a decoding failure.
		short := p.trunc || m.Flags&h1.FlagIncomplete != 0
		if res.Err != nil && !(short && (errors.Is(res.Err, io.ErrUnexpectedEOF) || errors.Is(res.Err, io.EOF))) {
			m.Flags |= h1.FlagDecodeError
		}
		if res.N > int64(len(m.Body)) || p.trunc {
			m.Flags |= h1.FlagBodyTruncated
		}
	} else {
		m.Body = p.wire
		m.DecodedBodyLen = m.WireBodyLen
		if p.trunc {
			m.Flags |= h1.FlagBodyTruncated
		}
	}
	p.wire = nil
	st := c.stats
	for _, x := range [...]struct {
		f h1.Flags
		n *int64
	}{
		{h1.FlagIncomplete, &st.IncompleteMessages},
		{h1.FlagBodyTruncated, &st.TruncatedBodies},
		{h1.FlagDecodeError, &st.DecodeErrors},
		{h1.FlagDecodeLimit, &st.DecodeLimits},
	} {
		if m.Flags&x.f != 0 {
			*x.n++
		}
	}
}
