package reassembly

import (
	"cmp"
	"net/netip"
	"slices"
	"time"
)

// Defaults for the zero values of Config.
const (
	DefaultIdleTimeout       = 5 * time.Minute
	DefaultMaxBufferedPerDir = 4 << 20
	DefaultMaxBufferedTotal  = 256 << 20
	DefaultMaxConns          = 1 << 20
	DefaultOverlapWindow     = 64 << 10
)

const (
	// maxUnanchoredSegs is how many data segments a direction whose first
	// byte is unknown (no SYN seen) holds back before it settles on the
	// lowest sequence number it has; see Assembler.
	maxUnanchoredSegs = 8

	// maxAhead bounds how far beyond the next expected byte a segment, a FIN
	// or an ACK may point before it is taken for garbage rather than for
	// loss: 1 GiB, the largest window TCP window scaling allows.
	maxAhead = 1 << 30

	// tombstoneWindow is how close to the last sequence numbers of a
	// finished connection a segment must be to count as its straggler
	// rather than as the start of a new connection on the same 4-tuple.
	tombstoneWindow = 4 << 20
)

// Assembler reassembles the TCP connections of one capture. It is not safe
// for concurrent use; run one per goroutine and shard flows by 4-tuple.
//
// Policies, in short (the package tests pin each of them down):
//
//   - Roles: the sender of a SYN without ACK is the client; failing that, the
//     receiver of a SYN+ACK; failing that, the endpoint with a well-known port
//     (below 1024, or 8000, 8008, 8080, 8443, 8888) is the server, else the one
//     with the lower port, else the lower address. The roles are settled when
//     the connection's Stream is created, just before its first call.
//   - Start of a direction: ISN+1 when its SYN was seen. Otherwise (midstream)
//     its data is held back, copied, until the peer ACKs a sequence number at
//     or above the lowest held byte, or maxUnanchoredSegs (8) data segments
//     are held, or a buffer limit, a FIN or the connection's end forces it;
//     the direction then starts at the lowest sequence number held. A SYN that
//     shows up before anything was delivered still fixes the start at ISN+1
//     (bytes before it are ignored). Bytes before the start are never reported
//     as missing.
//   - Overlaps: the first copy of a byte wins, whether it was delivered or is
//     queued. Overlapping bytes are compared with the kept copy; a segment
//     whose bytes differ counts once in OverlapDiff. Delivered bytes can be
//     compared only while they are in the direction's overlap window (the
//     last Config.OverlapWindow bytes delivered, reset by a gap). A segment of
//     at most one byte at next-1 is a keep-alive or window probe: counted as
//     duplicate, not compared. A segment whose bytes differ is told to the
//     Stream (OverlapObserver) and kept as evidence (ConnSummary.Overlaps).
//   - Snap length: the bytes of a segment past its captured ones (up to
//     Segment.WireLen) are a run of missing bytes at their offsets: queued
//     like data (a captured copy arriving before delivery reaches them
//     replaces them; the first copy wins otherwise) and announced as a Gap
//     counted in TruncatedBytes.
//   - Gaps: a hole becomes a Gap when the direction's queued bytes exceed
//     MaxBufferedPerDir, when all queued bytes exceed MaxBufferedTotal (the
//     connection holding most gives way first, ties broken by the End order),
//     when the peer ACKs up to or beyond the start of the queued data (the
//     whole hole was received, so it will never be retransmitted), or when the
//     connection ends. At the end, bytes up to this direction's FIN, or up to
//     the peer's highest ACK (capped at the FIN), that were never seen are a
//     final Gap. When the FIN itself was missed, the ACK of it counts as one
//     more missing byte; an ACK more than 1 GiB ahead is taken for garbage.
//   - End: a connection ends when a RST is seen (EndRST), when both FINs have
//     been seen and each direction is complete up to its FIN or has its FIN
//     ACKed (EndFIN), idle (EndTimeout), evicted (EndEvicted), reused by a new
//     SYN with another ISN (EndReused), or at Close (EndFIN if a FIN was seen,
//     else EndEOF). A finished connection stays as a tombstone until it is
//     idle for IdleTimeout, so that its last ACKs and retransmissions are
//     absorbed (counted in IgnoredSegments when they carry payload) instead of
//     starting a new connection; a SYN, or a segment whose sequence numbers are
//     far from the old ones, replaces the tombstone with a new connection.
type Assembler struct {
	cfg     Config
	window  int // overlap window in bytes, a power of two, or 0
	factory StreamFactory

	conns map[connKey]*conn
	lru   conn // sentinel of the idle list: lru.next is the longest idle

	buffering []*conn // connections holding queued bytes
	queued    int64   // queued bytes over all connections

	pool    bufPool
	scratch []*conn
	stats   Stats
}

// New returns an Assembler that makes a Stream with f for every connection.
func New(cfg Config, f StreamFactory) *Assembler {
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.MaxBufferedPerDir <= 0 {
		cfg.MaxBufferedPerDir = DefaultMaxBufferedPerDir
	}
	if cfg.MaxBufferedTotal <= 0 {
		cfg.MaxBufferedTotal = DefaultMaxBufferedTotal
	}
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = DefaultMaxConns
	}
	if cfg.OverlapWindow == 0 {
		cfg.OverlapWindow = DefaultOverlapWindow
	}
	a := &Assembler{cfg: cfg, factory: f, conns: make(map[connKey]*conn)}
	if cfg.OverlapWindow > 0 {
		a.window = 1 << chunkBits(cfg.OverlapWindow)
	}
	a.lru.next, a.lru.prev = &a.lru, &a.lru
	return a
}

// chunkBits returns the smallest s with 1<<s >= n.
func chunkBits(n int) int {
	s := 0
	for 1<<s < n {
		s++
	}
	return s
}

// Stats returns the totals so far, over ended and open connections.
func (a *Assembler) Stats() Stats { return a.stats }

// Assemble feeds one segment. Segments must come in capture order. The
// Payload is not kept after the call returns.
func (a *Assembler) Assemble(seg *Segment) {
	a.stats.Segments++
	key, side := makeKey(seg.Src, seg.Dst)
	c := a.conns[key]
	syn := seg.Flags&(SYN|ACK) == SYN
	if c != nil {
		switch {
		case c.ended && (syn || !c.straggler(side, seg)):
			a.remove(c)
			c = nil
		case c.ended:
			a.touch(c, seg)
			if n := len(seg.Payload); n > 0 {
				a.stats.IgnoredSegments++
				a.stats.IgnoredBytes += int64(n)
			}
			return
		case syn && c.reusedBy(side, seg.Seq):
			a.end(c, EndReused)
			a.remove(c)
			c = nil
		}
	}
	if c == nil {
		c = a.newConn(key, seg)
	}
	a.touch(c, seg)
	c.segment(side, seg)
	switch {
	case c.ended:
	case c.rst:
		a.end(c, EndRST)
	case c.h[0].done() && c.h[1].done():
		a.end(c, EndFIN)
	}
}

// Advance ends the connections that have seen no segment for longer than
// IdleTimeout before now (capture time, Unix ns), in End order. Idle is
// judged in the order connections last saw a segment, so with capture time
// going backwards a connection may be ended at a later Advance.
func (a *Assembler) Advance(now int64) {
	limit := int64(a.cfg.IdleTimeout)
	a.scratch = a.scratch[:0]
	for c := a.lru.next; c != &a.lru && now-c.lastTime > limit; c = c.next {
		a.scratch = append(a.scratch, c)
	}
	a.finish(a.scratch, func(*conn) EndReason { return EndTimeout })
}

// Close ends every open connection (EndFIN if either side sent a FIN, else
// EndEOF), flushing queued data with gaps for the holes, in End order. The
// Assembler is empty afterwards and may be used again.
func (a *Assembler) Close() {
	a.scratch = a.scratch[:0]
	for c := a.lru.next; c != &a.lru; c = c.next {
		a.scratch = append(a.scratch, c)
	}
	a.finish(a.scratch, func(c *conn) EndReason {
		if c.h[0].finSeen || c.h[1].finSeen {
			return EndFIN
		}
		return EndEOF
	})
}

// finish removes cs, ending the open ones in End order.
func (a *Assembler) finish(cs []*conn, reason func(*conn) EndReason) {
	slices.SortFunc(cs, compareConns)
	for _, c := range cs {
		if !c.ended {
			r := reason(c)
			if r == EndTimeout {
				a.stats.Timeouts++
			}
			a.end(c, r)
		}
		a.remove(c)
	}
	clear(cs)
}

// compareConns is the End order: first segment's time, file and frame, then
// the 4-tuple, so that it never depends on map order.
func compareConns(x, y *conn) int {
	if c := cmp.Compare(x.info.FirstTime, y.info.FirstTime); c != 0 {
		return c
	}
	if c := cmp.Compare(x.info.FirstRef.File, y.info.FirstRef.File); c != 0 {
		return c
	}
	if c := cmp.Compare(x.info.FirstRef.Frame, y.info.FirstRef.Frame); c != 0 {
		return c
	}
	if c := x.key.a.Compare(y.key.a); c != 0 {
		return c
	}
	return x.key.b.Compare(y.key.b)
}

func (a *Assembler) newConn(key connKey, seg *Segment) *conn {
	if len(a.conns) >= a.cfg.MaxConns {
		if old := a.lru.next; old != &a.lru {
			if !old.ended {
				a.stats.Evicted++
				a.end(old, EndEvicted)
			}
			a.remove(old)
		}
	}
	c := &conn{
		a:          a,
		key:        key,
		synSide:    -1,
		synAckSide: -1,
		bufIdx:     -1,
	}
	c.info.FirstTime = seg.Time
	c.info.FirstRef = seg.Ref
	c.info.AppUID = -1
	c.info.Encap = seg.Encap
	a.conns[key] = c
	a.stats.Conns++
	// Link at the tail, as the most recently active.
	c.prev, c.next = a.lru.prev, &a.lru
	c.prev.next, a.lru.prev = c, c
	return c
}

// touch records seg as the connection's latest segment and moves it to the
// tail of the idle list.
func (a *Assembler) touch(c *conn, seg *Segment) {
	c.lastTime, c.lastRef = seg.Time, seg.Ref
	if a.lru.prev == c {
		return
	}
	c.prev.next, c.next.prev = c.next, c.prev
	c.prev, c.next = a.lru.prev, &a.lru
	c.prev.next, a.lru.prev = c, c
}

// remove forgets c (ended or not: callers end it first when it matters).
func (a *Assembler) remove(c *conn) {
	if a.conns[c.key] == c {
		delete(a.conns, c.key)
	}
	if c.prev != nil {
		c.prev.next, c.next.prev = c.next, c.prev
		c.prev, c.next = nil, nil
	}
	c.release()
}

// end flushes both directions of c (client to server first), calls End and
// turns c into a tombstone.
func (a *Assembler) end(c *conn, reason EndReason) {
	c.ensureStream()
	cs := c.sideOf(ClientToServer)
	c.flush(cs)
	c.flush(1 - cs)
	// Overlaps still pending lie on a side whose held bytes the flush
	// anchored, so they have been told; this only guards the invariant
	// that every overlap is told before End.
	for _, p := range c.pend {
		c.emitOverlap(p.side, p.o)
	}
	c.pend = nil
	s := &ConnSummary{
		ConnInfo:  c.info,
		LastTime:  c.lastTime,
		LastRef:   c.lastRef,
		End:       reason,
		Handshake: c.synSide >= 0 && c.synAckSide == 1-c.synSide,
		History:   c.history(),
		Overlaps:  c.overlaps,
	}
	s.Dir[ClientToServer] = c.h[cs].st
	s.Dir[ServerToClient] = c.h[1-cs].st
	c.ended = true
	st := c.stream
	c.release()
	st.End(s)
}

// account adds delta queued bytes to side s of c and keeps the set of
// buffering connections up to date.
func (a *Assembler) account(c *conn, s int, delta int64) {
	before := c.h[0].queued + c.h[1].queued
	c.h[s].queued += delta
	a.queued += delta
	after := before + delta
	switch {
	case before == 0 && after > 0:
		c.bufIdx = len(a.buffering)
		a.buffering = append(a.buffering, c)
	case before > 0 && after == 0:
		last := a.buffering[len(a.buffering)-1]
		a.buffering[c.bufIdx] = last
		last.bufIdx = c.bufIdx
		a.buffering[len(a.buffering)-1] = nil
		a.buffering = a.buffering[:len(a.buffering)-1]
		c.bufIdx = -1
	}
}

// enforceTotal declares holes as gaps, in the connection holding the most
// queued bytes first, until the total is within MaxBufferedTotal.
func (a *Assembler) enforceTotal() {
	for a.queued > a.cfg.MaxBufferedTotal && len(a.buffering) > 0 {
		var best *conn
		var most int64
		for _, c := range a.buffering {
			q := c.h[0].queued + c.h[1].queued
			if best == nil || q > most || q == most && compareConns(c, best) < 0 {
				best, most = c, q
			}
		}
		s := best.sideOf(ClientToServer)
		if best.h[1-s].queued > best.h[s].queued {
			s = 1 - s
		}
		a.stats.LimitGaps++
		best.skipHole(s)
	}
}

// connKey is a 4-tuple with its endpoints in canonical (ascending) order, so
// both directions of a connection share it.
type connKey struct{ a, b netip.AddrPort }

// makeKey returns the key of the connection src->dst and the side the
// segment travels on: 0 for key.a -> key.b, 1 for the reverse.
func makeKey(src, dst netip.AddrPort) (connKey, int) {
	if dst.Compare(src) < 0 {
		return connKey{dst, src}, 1
	}
	return connKey{src, dst}, 0
}
