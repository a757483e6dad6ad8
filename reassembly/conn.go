package reassembly

import "net/netip"

// conn is one TCP connection. Its two halves are indexed by side (0 carries
// key.a -> key.b), not by Dir, because the roles may be settled only after
// the first segments.
type conn struct {
	a       *Assembler
	key     connKey
	info    ConnInfo
	stream  Stream          // nil until the first call to it
	obs     OverlapObserver // stream, if it implements OverlapObserver
	peerAck int64           // Position.PeerAck of the segment being applied

	h          [2]half
	clientSide int  // side the client sends on; valid once stream != nil
	synSide    int8 // side of the first SYN without ACK, or -1
	synAckSide int8 // side of the first SYN+ACK, or -1

	lastTime int64
	lastRef  Ref
	rst      bool
	ended    bool // End was called; the conn is a tombstone

	prev, next *conn // idle list
	bufIdx     int   // index in Assembler.buffering, or -1

	// History: the first occurrence of each event per side, in order, as
	// ev | side<<4; seen[side] has bit ev set once it is recorded.
	events  [2 * numEvents]uint8
	nEvents uint8
	seen    [2]uint16

	overlaps []Overlap        // evidence, at most MaxOverlapEvidence
	pend     []pendingOverlap // overlaps not told to the Stream yet
}

// pendingOverlap is an overlap found before the Stream existed or before
// its side's start was known (its offset is then provisional).
type pendingOverlap struct {
	side int
	o    Overlap
}

// Events of the connection history, in the order of historyLetters.
const (
	evSYN = iota
	evSYNACK
	evACK
	evData
	evFIN
	evRST
	evRetransmit
	evGap
	evOverlap
	numEvents
)

const historyLetters = "SHADFRTGO"

// note records event ev on side s, the first time only.
func (c *conn) note(s int, ev int) {
	bit := uint16(1) << ev
	if c.seen[s]&bit != 0 {
		return
	}
	c.seen[s] |= bit
	c.events[c.nEvents] = uint8(ev) | uint8(s)<<4
	c.nEvents++
}

// history spells the recorded events with the roles as finally settled:
// upper case for the client's side, lower case for the server's.
func (c *conn) history() string {
	var b [len(c.events)]byte
	for i, e := range c.events[:c.nEvents] {
		l := historyLetters[e&0xf]
		if int(e>>4) != c.clientSide {
			l += 'a' - 'A'
		}
		b[i] = l
	}
	return string(b[:c.nEvents])
}

// sideOf returns the side that carries direction d.
func (c *conn) sideOf(d Dir) int {
	if d == ClientToServer {
		return c.clientSide
	}
	return 1 - c.clientSide
}

func (c *conn) dirOf(side int) Dir {
	if side == c.clientSide {
		return ClientToServer
	}
	return ServerToClient
}

// ensureStream settles the roles and makes the Stream, once.
func (c *conn) ensureStream() {
	if c.stream != nil {
		return
	}
	switch {
	case c.synSide >= 0:
		c.clientSide = int(c.synSide)
		c.info.Roles = RoleFromSYN
	case c.synAckSide >= 0:
		c.clientSide = 1 - int(c.synAckSide)
		c.info.Roles = RoleFromSYNACK
	default:
		c.info.Roles = RoleFromPorts
		c.clientSide = 1
		if !serverFirst(c.key.a, c.key.b) {
			c.clientSide = 0
		}
	}
	c.info.Midstream = c.synSide < 0 && c.synAckSide < 0
	if c.clientSide == 0 {
		c.info.Client, c.info.Server = c.key.a, c.key.b
	} else {
		c.info.Client, c.info.Server = c.key.b, c.key.a
	}
	if c.info.Midstream {
		c.a.stats.Midstream++
	}
	c.stream = c.a.factory.NewStream(&c.info)
	c.obs, _ = c.stream.(OverlapObserver)
	c.emitPending()
}

// serverFirst reports whether, going by ports alone, the first endpoint is
// the server. a and b are in key order, so with equal ports a has the lower
// address.
func serverFirst(a, b netip.AddrPort) bool {
	pa, pb := a.Port(), b.Port()
	if wa, wb := wellKnown(pa), wellKnown(pb); wa != wb {
		return wa
	}
	return pa <= pb
}

// wellKnown reports whether port is one servers listen on: the IANA
// well-known range and the usual alternative HTTP ports.
func wellKnown(port uint16) bool {
	switch port {
	case 8000, 8008, 8080, 8443, 8888:
		return true
	}
	return port < 1024
}

// reusedBy reports whether a SYN (without ACK) with sequence number seq sent
// on side s starts a new connection rather than belonging to c.
func (c *conn) reusedBy(s int, seq uint32) bool {
	h := &c.h[s]
	if h.isnKnown {
		return seq != h.isn
	}
	// No SYN seen on this side. If nothing was delivered yet, this is the
	// connection's own SYN captured late; otherwise the connection was picked
	// up midstream and this is a new one.
	return c.stream != nil
}

// straggler reports whether seg, sent on side s to a finished connection,
// plausibly belongs to it (a late ACK or retransmission).
func (c *conn) straggler(s int, seg *Segment) bool {
	if h := &c.h[s]; h.seen {
		return near(seg.Seq, h.lastEnd)
	}
	if o := &c.h[1-s]; o.seen && seg.Flags&ACK != 0 {
		return near(seg.Ack, o.lastEnd)
	}
	return false
}

func near(x, y uint32) bool {
	d := int32(x - y)
	return d >= -tombstoneWindow && d <= tombstoneWindow
}

// segment applies one segment sent on side s.
func (c *conn) segment(s int, seg *Segment) {
	h := &c.h[s]
	n := len(seg.Payload)
	// The segment occupies wire bytes of sequence space; those past the
	// captured ones are missing. A WireLen below the captured length (0
	// from callers that do not know it) means nothing was cut.
	wire := max(seg.WireLen, n)
	h.st.Packets++
	h.st.PayloadBytes += int64(n)

	syn := seg.Flags&SYN != 0
	if syn {
		if seg.Flags&ACK == 0 {
			c.note(s, evSYN)
			if c.synSide < 0 {
				c.synSide = int8(s)
			}
		} else {
			c.note(s, evSYNACK)
			if c.synAckSide < 0 {
				c.synAckSide = int8(s)
			}
		}
	} else if wire == 0 && seg.Flags&(ACK|FIN|RST) == ACK {
		c.note(s, evACK)
	}
	if wire > 0 {
		c.note(s, evData)
		h.sentData = true
	}
	if c.info.App == "" && c.info.AppUID < 0 && (seg.App != "" || seg.AppUID >= 0) {
		c.info.App, c.info.AppUID = seg.App, seg.AppUID
	}

	dataSeq := seg.Seq
	if syn {
		dataSeq++ // the SYN takes one sequence number; any payload follows it
	}
	h.seen = true
	h.lastEnd = dataSeq + uint32(wire)
	if seg.Flags&FIN != 0 {
		h.lastEnd++
	}

	if syn && !h.isnKnown {
		h.isnKnown = true
		h.isn = seg.Seq
		if !h.anchored {
			c.anchor(s, dataSeq)
		}
	}
	// The ACK is applied before the payload: the peer had received those
	// bytes before it sent this segment, so whatever they release is
	// delivered first.
	if seg.Flags&ACK != 0 && seg.Flags&RST == 0 && c.ackTrusted(s) {
		c.noteAck(1-s, seg.Ack, seg.Time, seg.Ref)
	}
	if wire > 0 {
		c.peerAck = 0
		if o := &c.h[1-s]; seg.Flags&ACK != 0 && o.anchored {
			c.peerAck = max(o.rel(seg.Ack), 0)
		}
		c.data(s, dataSeq, seg.Payload, wire, seg.Time, seg.Ref)
	}
	if seg.Flags&FIN != 0 {
		c.note(s, evFIN)
		c.noteFIN(s, dataSeq+uint32(wire), seg.Time, seg.Ref)
	}
	if seg.Flags&RST != 0 {
		c.note(s, evRST)
		c.rst = true
	}
}

// ackTrusted reports whether ACKs sent on side s may be taken as evidence of
// what the peer sent. When the peer's SYN was seen but side s has sent
// neither its own SYN nor any data, an ACK from s is not part of this
// handshake (a challenge ACK for an older connection on the same ports, say)
// and would otherwise claim up to a gigabyte of "missing" bytes.
func (c *conn) ackTrusted(s int) bool {
	h, o := &c.h[s], &c.h[1-s]
	return !o.isnKnown || h.isnKnown || h.sentData
}

// release gives the connection's buffers back; the conn keeps only what a
// tombstone needs.
func (c *conn) release() {
	for s := range c.h {
		h := &c.h[s]
		if h.queued > 0 {
			c.a.account(c, s, -h.queued)
		}
		for i := range h.q {
			c.a.pool.put(h.q[i].chunk)
		}
		h.q = nil
		if h.hist != nil {
			c.a.pool.put(h.hist)
			h.hist, h.histLen = nil, 0
		}
	}
	c.stream, c.obs = nil, nil
	c.overlaps, c.pend = nil, nil
}
