package h1

import (
	"bytes"
	"errors"
	"io"

	"telltale/reassembly"
)

// role is what a direction turned out to carry.
type role uint8

const (
	roleUnknown role = iota
	roleRequest
	roleResponse
)

func (r role) peer() role {
	switch r {
	case roleRequest:
		return roleResponse
	case roleResponse:
		return roleRequest
	}
	return roleUnknown
}

// state is where a direction's parser stands. The states from stNonHTTP on
// ignore all input.
type state uint8

const (
	stClassify   state = iota // nothing seen yet: the first line decides the role
	stStart                   // expecting a start line (empty lines are skipped)
	stHeader                  // inside the header block
	stBody                    // inside a body of known length: remain bytes left
	stChunkSize               // expecting a chunk-size line
	stChunkData               // inside chunk data: remain bytes left
	stChunkEnd                // expecting the line end after chunk data
	stTrailer                 // inside the trailer block
	stUntilClose              // the body runs to the end of the stream
	stResync                  // discarding lines until a plausible start line
	stNonHTTP                 // not HTTP/1: ignored
	stDead                    // after an upgrade or the end: ignored
)

// half parses one direction of a connection. It works on the caller's bytes
// directly and copies only a line cut by a push boundary (into pending,
// capped at MaxHeaderBytes) and the body bytes it keeps.
type half struct {
	c     *Conn
	dir   reassembly.Dir
	role  role
	state state

	weak     bool // stNonHTTP decided by content only (no known signature): revived if the peer turns out HTTP
	quiet    bool // after a CONNECT or Upgrade request: garbage is probably the new protocol, not an error
	skipLine bool // discarding the rest of a rejected line

	pending []byte              // a line cut by the end of a push
	pendAt  reassembly.Position // position of pending[0]

	cur       *Message            // message in progress; nil between messages or after detach
	slot      *slot               // the transaction cur belongs to, once attached
	trailer   bool                // in the trailer block: fields go to cur.Trailers
	dropping  bool                // the last field line was dropped (MaxHeaders): so are its continuations
	hdrBytes  int                 // bytes of the current header (or trailer) block
	remain    int64               // body or chunk bytes still expected
	encoded   bool                // cur's body has a content coding: keep it in wire, decode at the end
	wire      []byte              // kept encoded body, reused from message to message
	wireTrunc bool                // wire hit MaxEncodedBytes
	gapped    bool                // a gap fell inside the body: wire holds only the part before it
	end       reassembly.Position // one past the last byte of cur, with the frame that carried it
	overlaps  []int64             // stream offsets of differing overlaps not yet matched to a message
	off       int64               // stream offset just past the last byte (or gap) given to this direction
	lastAt    reassembly.Position // the latest push
}

func (h *half) peer() *half     { return &h.c.half[h.dir^1] }
func (h *half) stats() *Stats   { return h.c.stats }
func (h *half) maxLine() int    { return h.c.cfg.MaxHeaderBytes }
func (h *half) isRequest() bool { return h.role == roleRequest }

// isUnexpectedEOF reports an error that only says the input ended early.
func isUnexpectedEOF(err error) bool {
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

func posAt(at reassembly.Position, i int) reassembly.Position {
	at.Offset += int64(i)
	return at
}

// data consumes one push of in-order bytes.
func (h *half) data(b []byte, at reassembly.Position) {
	h.lastAt = at
	for i := 0; i < len(b); {
		switch h.state {
		case stNonHTTP, stDead:
			return
		case stBody, stChunkData:
			n := len(b) - i
			if int64(n) > h.remain {
				n = int(h.remain)
			}
			h.body(b[i : i+n])
			i += n
			h.remain -= int64(n)
			h.end = posAt(at, i)
			if h.remain == 0 {
				if h.state == stBody {
					h.finish()
				} else {
					h.state = stChunkEnd
				}
			}
		case stUntilClose:
			h.body(b[i:])
			i = len(b)
			h.end = posAt(at, i)
		default:
			i = h.line(b, i, at)
		}
	}
}

// startState reports whether the state looks for a start line, where a
// partial line can be rejected from its first bytes.
func (h *half) startState() bool {
	return h.state == stClassify || h.state == stStart || h.state == stResync
}

// line consumes at most one line from b[i:] and returns the new index. A line
// cut by the end of b goes to pending; a line longer than MaxHeaderBytes, or
// one that cannot be a start line where one is expected, is rejected as soon
// as that is certain and its rest skipped, so the outcome never depends on
// where pushes split the stream.
func (h *half) line(b []byte, i int, at reassembly.Position) int {
	rest := b[i:]
	k := bytes.IndexByte(rest, '\n')
	if h.skipLine {
		if k < 0 {
			return len(b)
		}
		h.skipLine = false
		return i + k + 1
	}
	if h.state == stClassify && len(h.pending) == 0 && signature(rest) {
		h.giveUp(true)
		return len(b)
	}
	// While resynchronising after a gap the whole line is kept (within
	// MaxHeaderBytes): the next start line may be glued to the end of a
	// body whose length the gap took (see gluedStart).
	if len(h.pending) == 0 && h.startState() && h.state != stResync && !viableStart(rest, h.role, true) {
		h.noStart(rest)
		if k < 0 {
			h.skipLine = h.state < stNonHTTP
			return len(b)
		}
		return i + k + 1
	}
	if k < 0 {
		if len(h.pending)+len(rest) > h.maxLine() {
			h.pending = h.pending[:0]
			h.longLine()
			h.skipLine = h.state < stNonHTTP
			return len(b)
		}
		if len(h.pending) == 0 {
			h.pendAt = posAt(at, i)
		}
		h.pending = append(h.pending, rest...)
		if h.state == stClassify && signature(h.pending) {
			h.giveUp(true)
			return len(b)
		}
		if h.startState() && !viableStart(h.pending, h.role, true) {
			h.noStart(h.pending)
			h.pending = h.pending[:0]
			h.skipLine = h.state < stNonHTTP
		}
		return len(b)
	}
	next := i + k + 1
	var ln []byte
	start := posAt(at, i)
	if len(h.pending) > 0 {
		if len(h.pending)+k > h.maxLine() {
			h.pending = h.pending[:0]
			h.longLine()
			return next
		}
		start = h.pendAt
		h.pending = append(h.pending, rest[:k+1]...)
		// The same test as for a line that arrives whole (above): what
		// is accepted must not depend on where pushes split the line.
		if h.startState() && h.state != stResync && !viableStart(h.pending, h.role, true) {
			h.noStart(h.pending)
			h.pending = h.pending[:0]
			return next
		}
		ln = h.pending[:len(h.pending)-1]
	} else {
		if k > h.maxLine() {
			h.longLine()
			return next
		}
		ln = rest[:k]
	}
	crlf := len(ln) > 0 && ln[len(ln)-1] == '\r'
	if crlf {
		ln = ln[:len(ln)-1]
	}
	h.handleLine(ln, crlf, start, posAt(at, next))
	if cap(h.pending) > 4<<10 {
		h.pending = nil // an idle connection should not hold a long line's buffer
	} else {
		h.pending = h.pending[:0]
	}
	return next
}

// handleLine acts on one complete line (without its line end). It must not
// keep ln, which may be the caller's buffer or pending.
func (h *half) handleLine(ln []byte, crlf bool, start, after reassembly.Position) {
	switch h.state {
	case stClassify, stResync:
		if len(ln) == 0 {
			return // empty lines before a message are ignored (RFC 9112 2.2)
		}
		if !h.begin(ln, crlf, true, start, after) {
			h.noStart(ln)
		}
	case stStart:
		if len(ln) == 0 || h.begin(ln, crlf, false, start, after) {
			return
		}
		// Garbage; it may still end in a start line (the tail of a
		// mis-framed body, say): count it, and look.
		h.garbage()
		h.begin(ln, crlf, true, start, after)
	case stHeader, stTrailer:
		h.headerLine(ln, crlf, after)
	case stChunkSize:
		h.chunkSize(ln, crlf, after)
	case stChunkEnd:
		if h.cur != nil && !crlf {
			h.cur.Flags |= FlagLenient
		}
		h.state = stChunkSize
		if len(ln) == 0 {
			h.end = after
			return
		}
		// The chunk data ran on without its line end; take the line as the
		// next chunk size if it is one.
		if h.cur != nil {
			h.cur.Flags |= FlagLenient
		}
		h.chunkSize(ln, crlf, after)
	}
}

// noStart handles a line (or the first bytes of one) that is not a start
// line where one was expected.
func (h *half) noStart(p []byte) {
	switch h.state {
	case stClassify:
		h.giveUp(signature(p))
	case stStart:
		h.garbage()
	}
}

// longLine handles a line over MaxHeaderBytes.
func (h *half) longLine() {
	switch h.state {
	case stClassify:
		h.giveUp(false)
	case stStart:
		h.garbage()
	case stHeader, stTrailer:
		h.headerLimit()
	case stChunkSize, stChunkEnd:
		h.stats().ParseErrors++
		h.cut()
	}
}

// giveUp decides that a direction whose first line is not a start line is
// not HTTP, unless the other direction is: then this one was picked up in
// the middle of a message, and it hunts for the next one.
func (h *half) giveUp(strong bool) {
	if p := h.peer(); !strong && p.role != roleUnknown {
		h.role = p.role.peer()
		h.resync()
		return
	}
	h.weak = !strong
	h.stop(stNonHTTP)
}

// garbage handles a line that is not a start line between messages.
func (h *half) garbage() {
	if h.quiet {
		h.state = stResync // probably the upgraded protocol: wait without counting
		return
	}
	h.stats().ParseErrors++
	h.resync()
}

func (h *half) resync() {
	if h.state == stDead {
		return
	}
	h.stats().Resyncs++
	h.state = stResync
	h.pending = h.pending[:0]
}

// stop makes the direction ignore all further input.
func (h *half) stop(s state) {
	h.state = s
	h.pending = nil
	h.wire = nil
	h.skipLine = false
}

// begin starts a message if ln is a start line this direction may carry,
// possibly after junk (see findStart).
func (h *half) begin(ln []byte, crlf, junk bool, start, after reassembly.Position) bool {
	m, isReq, skip := findStart(ln, h.role, junk)
	if m == nil {
		return false
	}
	if skip > 0 {
		m.Flags |= FlagLenient
		start.Offset += int64(skip)
	}
	if !crlf {
		m.Flags |= FlagLenient
	}
	h.start(m, isReq, len(ln)+lineEnd(crlf), start, after)
	return true
}

// start makes m, whose start line has been read, the current message.
func (h *half) start(m *Message, isReq bool, lineBytes int, start, after reassembly.Position) {
	m.Dir = h.dir
	m.Start = start
	m.Headers = make([]Header, 0, 8)
	if isReq {
		h.classified(roleRequest)
		h.stats().Requests++
	} else {
		h.classified(roleResponse)
		h.stats().Responses++
	}
	h.cur, h.slot = m, nil
	if isReq {
		// Queue the request at once: its method is all a response needs,
		// and a response may overtake the rest of its header block.
		h.slot = h.c.pushRequest(m)
	}
	h.state = stHeader
	h.trailer, h.dropping = false, false
	h.hdrBytes = lineBytes
	h.encoded, h.wireTrunc, h.gapped = false, false, false
	h.wire = h.wire[:0]
	h.quiet = false
	h.end = after
}

// salvage turns a start line cut short by a gap or the end of the stream
// (the partial line in pending) into a message, so that a request whose
// line was cut, as in a capture with a short snap length, is still seen.
// It reports whether a message was started.
func (h *half) salvage() bool {
	if h.cur != nil || len(h.pending) == 0 || h.skipLine || !h.startState() {
		return false
	}
	ln := h.pending
	if ln[len(ln)-1] == '\r' {
		ln = ln[:len(ln)-1]
	}
	m, isReq, skip := findStart(ln, h.role, true)
	if m == nil {
		m, isReq, skip = findPartialStart(ln, h.role)
	}
	if m == nil {
		return false
	}
	start := h.pendAt
	start.Offset += int64(skip)
	after := h.lastAt
	after.Offset = h.pendAt.Offset + int64(len(h.pending))
	h.start(m, isReq, len(h.pending), start, after)
	h.pending = h.pending[:0]
	return true
}

// classified records the role of a direction the first time a start line
// shows it. A peer dismissed on content alone is revived: a connection with
// one HTTP direction is HTTP, and the peer was caught mid-message.
func (h *half) classified(r role) {
	if h.role != roleUnknown {
		return
	}
	h.role = r
	h.c.sawHTTP = true
	if p := h.peer(); p.state == stNonHTTP && p.weak {
		p.role = r.peer()
		p.weak = false
		// stop() left nothing behind; the peer's next push starts afresh.
		p.state = stResync
		p.skipLine = false
		h.stats().Resyncs++
	}
}

func lineEnd(crlf bool) int {
	if crlf {
		return 2
	}
	return 1
}

// headerLine handles one line of a header or trailer block.
func (h *half) headerLine(ln []byte, crlf bool, after reassembly.Position) {
	m := h.cur
	h.hdrBytes += len(ln) + lineEnd(crlf)
	if h.hdrBytes > h.maxLine() {
		h.headerLimit()
		return
	}
	h.end = after
	if m == nil { // detached: frame only
		if len(ln) == 0 && h.trailer {
			h.finish()
		}
		return
	}
	if !crlf {
		m.Flags |= FlagLenient
	}
	if len(ln) == 0 {
		if h.trailer {
			h.finish()
		} else {
			h.headersDone()
		}
		return
	}
	list := &m.Headers
	if h.trailer {
		list = &m.Trailers
	}
	if isWS(ln[0]) {
		// obs-fold: the line continues the previous field value.
		m.Flags |= FlagLenient
		if h.dropping {
			h.stats().DroppedHeaders++
			return
		}
		if len(*list) == 0 {
			h.stats().BadHeaderLines++
			return
		}
		if v := trimWS(ln); len(v) > 0 {
			last := &(*list)[len(*list)-1]
			if last.Value == "" {
				last.Value = string(v)
			} else {
				last.Value += " " + string(v)
			}
		}
		return
	}
	name, value, lenient, ok := splitHeader(ln)
	if !ok {
		m.Flags |= FlagLenient
		h.stats().BadHeaderLines++
		return
	}
	if lenient {
		m.Flags |= FlagLenient
	}
	if len(m.Headers)+len(m.Trailers) >= h.c.cfg.MaxHeaders {
		if m.Flags&FlagHeaderLimit == 0 {
			h.stats().TooManyHeaders++
		}
		m.Flags |= FlagHeaderLimit
		h.stats().DroppedHeaders++
		h.dropping = true
		return
	}
	h.dropping = false
	*list = append(*list, Header{Name: intern(name), Value: intern(value)})
}

// headerLimit cuts the message whose header or trailer block (or one of its
// lines) went over MaxHeaderBytes.
func (h *half) headerLimit() {
	h.stats().HeaderLimits++
	if h.cur != nil {
		h.cur.Flags |= FlagHeaderLimit
	}
	h.cut()
}

// headersDone acts on the end of a header block: attach the message to its
// transaction and decide how its body is delimited.
func (h *half) headersDone() {
	m := h.cur
	t := readTransfer(m.Headers)
	m.ContentEncoding = t.encoding
	if h.isRequest() {
		h.quiet = m.Method == "CONNECT" || t.upgrade
		h.startBody(framing(t, false, 0, ""))
		return
	}
	code := m.StatusCode
	if code/100 == 1 && code != 101 {
		h.finish() // interim: attached to the waiting request, no body
		return
	}
	s := h.c.pairResponse(m)
	h.slot = s
	method := ""
	if s.tx.Request != nil {
		method = s.tx.Request.Method
	}
	if code == 101 || method == "CONNECT" && code/100 == 2 {
		s.tx.Flags |= FlagUpgrade
		req := s.tx.Request
		h.finish()
		h.c.switchAt(req, m, h.dir)
		h.c.upgrade()
		return
	}
	h.startBody(framing(t, true, code, method))
}

func (h *half) startBody(mode bodyMode, length int64, lenient bool) {
	m := h.cur
	if lenient {
		m.Flags |= FlagLenient
	}
	h.encoded = m.ContentEncoding != ""
	switch mode {
	case bodyNone:
		h.finish()
	case bodyLength:
		if length == 0 {
			h.finish()
			return
		}
		if !h.encoded {
			m.Body = make([]byte, 0, min(length, int64(h.c.cfg.MaxBodyBytes)))
		}
		h.remain = length
		h.state = stBody
	case bodyChunked:
		m.Chunked = true
		h.state = stChunkSize
	case bodyClose:
		h.state = stUntilClose
	}
}

// chunkSize handles a chunk-size line: hex digits, then extensions after ';'
// (ignored).
func (h *half) chunkSize(ln []byte, crlf bool, after reassembly.Position) {
	if len(ln) == 0 {
		// An extra empty line between chunks.
		h.end = after
		if h.cur != nil {
			h.cur.Flags |= FlagLenient
		}
		return
	}
	if i := bytes.IndexByte(ln, ';'); i >= 0 {
		ln = ln[:i]
	}
	digits := trimWS(ln)
	var n int64
	ok := len(digits) > 0 && len(digits) <= 15
	for _, c := range digits {
		if !ok {
			break
		}
		switch {
		case c >= '0' && c <= '9':
			n = n<<4 | int64(c-'0')
		case c >= 'a' && c <= 'f':
			n = n<<4 | int64(c-'a'+10)
		case c >= 'A' && c <= 'F':
			n = n<<4 | int64(c-'A'+10)
		default:
			ok = false
		}
	}
	if !ok {
		h.stats().ParseErrors++
		h.cut()
		return
	}
	h.end = after
	if m := h.cur; m != nil && (!crlf || len(digits) != len(ln) && isWS(ln[0])) {
		m.Flags |= FlagLenient
	}
	if n == 0 {
		h.state = stTrailer
		h.trailer, h.dropping = true, false
		h.hdrBytes = 0
		return
	}
	h.remain = n
	h.state = stChunkData
}

// body takes transfer-decoded body bytes.
func (h *half) body(p []byte) {
	m := h.cur
	if m == nil {
		return
	}
	m.WireBodyLen += int64(len(p))
	if h.encoded {
		if h.gapped {
			return // the compressed stream cannot be continued across a hole
		}
		if room := h.c.cfg.MaxEncodedBytes - len(h.wire); len(p) > room {
			p = p[:room]
			h.wireTrunc = true
		}
		h.wire = append(h.wire, p...)
		return
	}
	if room := h.c.cfg.MaxBodyBytes - len(m.Body); len(p) > room {
		p = p[:room]
		m.Flags |= FlagBodyTruncated
	}
	m.Body = append(m.Body, p...)
}

// bodyGap accounts for n body bytes lost in a gap.
func (h *half) bodyGap(n int64) {
	if m := h.cur; m != nil {
		m.MissingBytes += n
		m.WireBodyLen += n
		m.Flags |= FlagBodyGap
		h.gapped = true
	}
}

// gap handles n bytes missing at at.Offset.
func (h *half) gap(n int64, at reassembly.Position) {
	st := h.stats()
	switch h.state {
	case stBody, stChunkData, stUntilClose:
		st.GapsInBody++
		if h.state == stUntilClose || n <= h.remain {
			h.bodyGap(n)
			h.end = posAt(at, int(n))
			if h.state == stUntilClose {
				return
			}
			h.remain -= n
			if h.remain == 0 {
				if h.state == stBody {
					h.finish()
				} else {
					h.state = stChunkEnd
				}
			}
			return
		}
		// The gap runs past the end of the known extent.
		h.bodyGap(h.remain)
		h.end = posAt(at, int(h.remain))
		if h.state == stBody {
			// The body is complete but for the missing bytes; the rest of
			// the gap took the start of whatever followed.
			h.finish()
			h.resync()
		} else {
			// The chunk framing after this chunk is lost; the whole gap is
			// charged to the message, as no one can tell where it ended.
			if h.cur != nil {
				h.cur.MissingBytes += n - h.remain
			}
			h.cut()
		}
	case stClassify, stResync, stStart:
		st.GapsInHeader++
		if h.salvage() {
			h.cur.MissingBytes += n
			h.cut()
		} else if h.state != stResync {
			// A message start is missing (at the very start of the
			// direction, hunt for either kind).
			r := h.role
			if r == roleUnknown {
				r = h.peer().role.peer() // the other side already spoke
			}
			if r != roleUnknown {
				h.c.messageLost(r)
			}
			h.resync()
		}
	default:
		st.GapsInHeader++
		if h.cur != nil {
			h.cur.MissingBytes += n
		}
		h.cut()
	}
	// Whatever follows a gap starts a new segment, and so possibly a line.
	h.pending = h.pending[:0]
	h.skipLine = false
}

// cut ends the current message where a gap, garbage or a limit broke its
// framing. The message is emitted flagged; the caller resynchronises.
func (h *half) cut() {
	if h.cur != nil {
		h.cur.Flags |= FlagHeaderGap | FlagIncomplete
		h.finish()
	}
	if h.state != stDead && h.state != stResync {
		h.resync()
	}
}

// attach gives a response its place once its header block ended or was cut
// (requests have theirs from their start line).
func (h *half) attach(m *Message) {
	switch {
	case h.isRequest():
		h.slot = h.c.pushRequest(m) // not reached: kept for safety
	case m.StatusCode/100 == 1 && m.StatusCode != 101:
		h.stats().Interim++
		h.c.addInterim(m)
	default:
		h.slot = h.c.pairResponse(m)
	}
}

// finish completes the current message and emits what became complete.
func (h *half) finish() {
	m := h.cur
	h.state = stStart
	if m == nil {
		return // detached: the transaction is gone already
	}
	if h.slot == nil {
		h.attach(m)
	}
	s := h.slot
	h.cur, h.slot = nil, nil
	h.finalize(m)
	if s == nil {
		return // interim response
	}
	if h.isRequest() {
		s.reqDone = true
	} else {
		s.respDone = true
	}
	h.c.flush()
}

// detach completes the current message as it stands because its transaction
// is emitted early; the direction keeps framing the rest and drops it.
func (h *half) detach() {
	m, s := h.cur, h.slot
	if m == nil {
		return
	}
	m.Flags |= FlagIncomplete
	h.cur, h.slot = nil, nil
	h.finalize(m)
	if h.isRequest() {
		s.reqDone = true
	} else {
		s.respDone = true
	}
	if h.state == stHeader {
		// Without its header block the body cannot be framed: look for
		// the next message instead, without counting a parse error.
		h.state = stResync
	}
}

// endStream completes the direction at the end of the connection. closed
// says its sender closed it, which completes a body read until close.
func (h *half) endStream(closed bool) {
	if h.salvage() {
		h.cur.Flags |= FlagIncomplete
		h.finish()
	}
	if h.cur != nil {
		if h.state != stUntilClose || !closed {
			h.cur.Flags |= FlagIncomplete
		}
		h.finish()
	}
	h.stop(stDead)
}

// finalize fixes a message's end, decodes its body and counts its flags.
func (h *half) finalize(m *Message) {
	m.End = h.end
	h.matchOverlaps(m)
	cfg := &h.c.cfg
	if h.encoded && m.WireBodyLen > 0 {
		res := h.c.decoders().decode(h.wire, m.ContentEncoding, cfg.MaxBodyBytes, cfg.MaxDecodedBytes)
		m.Body, m.DecodedBodyLen = res.body, res.n
		if res.limit {
			m.Flags |= FlagDecodeLimit
		}
		if res.unknown {
			m.Flags |= FlagDecodeError
			h.stats().UnknownEncodings++
		}
		// A body known to be cut short ends in an unexpected EOF: that is
		// the truncation already flagged, not a decoding failure.
		short := h.wireTrunc || h.gapped || m.Flags&FlagIncomplete != 0
		if res.err != nil && !(short && isUnexpectedEOF(res.err)) {
			m.Flags |= FlagDecodeError
		}
		if res.n > int64(len(m.Body)) || h.wireTrunc {
			m.Flags |= FlagBodyTruncated
		}
	} else if !h.encoded {
		m.DecodedBodyLen = m.WireBodyLen
	}
	if cap(h.wire) > 64<<10 {
		h.wire = nil // do not hold a large buffer for the next, likely small, body
	} else {
		h.wire = h.wire[:0]
	}
	st := h.stats()
	for _, x := range [...]struct {
		f Flags
		n *int64
	}{
		{FlagIncomplete, &st.IncompleteMessages},
		{FlagBodyTruncated, &st.TruncatedBodies},
		{FlagLenient, &st.LenientMessages},
		{FlagDecodeError, &st.DecodeErrors},
		{FlagDecodeLimit, &st.DecodeLimits},
		{FlagHeaderLimit, &st.HeaderLimited},
	} {
		if m.Flags&x.f != 0 {
			*x.n++
		}
	}
}

// maxPendingOverlaps bounds the offsets a direction remembers; the
// reassembler itself keeps at most reassembly.MaxOverlapEvidence per
// connection.
const maxPendingOverlaps = 16

// noteOverlap remembers where reassembly found differing bytes, so the
// message holding that offset is flagged when it completes. An offset
// before the current message belongs to one already emitted and is dropped.
func (h *half) noteOverlap(off int64) {
	if h.cur != nil && off < h.cur.Start.Offset || len(h.overlaps) >= maxPendingOverlaps {
		return
	}
	h.overlaps = append(h.overlaps, off)
}

// matchOverlaps flags m when a remembered overlap falls inside it, and
// forgets the offsets m has passed.
func (h *half) matchOverlaps(m *Message) {
	kept := h.overlaps[:0]
	for _, off := range h.overlaps {
		switch {
		case off >= m.End.Offset:
			kept = append(kept, off)
		case off >= m.Start.Offset:
			m.Flags |= FlagOverlapDiff
		}
	}
	h.overlaps = kept
}
