package reassembly

import "net/netip"

// conn is one TCP connection. Its two halves are indexed by side (0 carries
// key.a -> key.b), not by Dir, because the roles may be settled only after
// the first segments.
type conn struct {
	a      *Assembler
	key    connKey
	info   ConnInfo
	stream Stream // nil until the first call to it

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
	h.st.Packets++
	h.st.PayloadBytes += int64(n)

	syn := seg.Flags&SYN != 0
	if syn {
		if seg.Flags&ACK == 0 {
			if c.synSide < 0 {
				c.synSide = int8(s)
			}
		} else if c.synAckSide < 0 {
			c.synAckSide = int8(s)
		}
	}
	if c.info.App == "" && c.info.AppUID < 0 && (seg.App != "" || seg.AppUID >= 0) {
		c.info.App, c.info.AppUID = seg.App, seg.AppUID
	}

	dataSeq := seg.Seq
	if syn {
		dataSeq++ // the SYN takes one sequence number; any payload follows it
	}
	h.seen = true
	h.lastEnd = dataSeq + uint32(n)
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
	if n > 0 {
		c.data(s, dataSeq, seg.Payload, seg.Time, seg.Ref)
	}
	if seg.Flags&FIN != 0 {
		c.noteFIN(s, dataSeq+uint32(n), seg.Time, seg.Ref)
	}
	if seg.Flags&RST != 0 {
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
	return !o.isnKnown || h.isnKnown || h.st.PayloadBytes > 0
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
	c.stream = nil
}
