package reassembly

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"unsafe"
)

// half is one direction of a connection. Positions in it are 64-bit offsets
// relative to the direction's first byte; sequence numbers are mapped to
// them through the nearest 32-bit distance from the next expected byte, so
// wraparound is free and any segment within ±2 GiB of it lands right.
type half struct {
	// anchored: the first byte's sequence number (base) is settled. Before
	// that, queued offsets are relative to a provisional base, the sequence
	// number of the first data segment held.
	anchored bool
	base     uint32
	next     int64 // offset of the next byte to deliver

	isnKnown bool
	isn      uint32

	finSeen bool
	fin     int64 // offset the FIN occupies (the stream's length)
	finTime int64
	finRef  Ref

	ackKnown bool
	// ackedHole: the peer has acknowledged bytes past the first hole, so
	// the hole will not be filled by a retransmission the peer needs. It
	// is declared a gap lazily (see settleAckedHole): a capture point can
	// see the ACK before the copy of the bytes it acknowledges.
	ackedHole bool
	ack       uint32 // highest ACK the peer sent for this direction
	ackTime   int64
	ackRef    Ref

	unanchoredSegs int // data segments held while not anchored

	q      []block // queued out-of-order bytes, sorted, disjoint, all after next
	queued int64

	// hist is a ring holding the last histLen delivered bytes; offset o is
	// at hist[o & (len(hist)-1)].
	hist    []byte
	histLen int

	seen     bool   // any segment was sent in this direction
	sentData bool   // a segment with payload (captured or not) was sent
	lastEnd  uint32 // sequence number just past the last segment sent

	st DirStats
}

// block is a run of queued bytes copied from one segment or, when miss > 0,
// a run of bytes a segment carried but the snap length cut off: a marker
// that turns into a Gap when delivery reaches it, unless real bytes for the
// same offsets arrive first (a captured byte beats a missing one).
type block struct {
	start int64
	data  []byte
	chunk []byte // pooled storage data points into
	miss  int64  // > 0: a run of missing bytes; data and chunk are nil
	time  int64
	ref   Ref
	ack   int64 // Position.PeerAck of the segment the bytes came from
}

// missCost is what a run of missing bytes counts against the buffer limits:
// about what its bookkeeping takes, so that a capture cut to its headers
// cannot queue markers without bound.
const missCost = 64

func (b *block) len() int64 {
	if b.miss > 0 {
		return b.miss
	}
	return int64(len(b.data))
}

func (b *block) end() int64 { return b.start + b.len() }

// blockOverhead is what a queued block takes besides its chunk: the block
// itself in the queue.
const blockOverhead = int64(unsafe.Sizeof(block{}))

// cost is what b counts against the buffer limits: the memory it holds,
// the pooled chunk (at least 512 bytes) and the block, not only its bytes.
// Counting payload bytes alone let tiny segments (8 bytes each) queue half
// a million blocks under the 4 MiB default, and inserting into a queue
// that long one segment at a time is quadratic. A trimmed block keeps its
// chunk, so trimming does not change its cost.
func (b *block) cost() int64 {
	if b.miss > 0 {
		return missCost
	}
	return max(int64(cap(b.chunk)), int64(len(b.data))) + blockOverhead
}

// rel maps a sequence number to an offset; h must be anchored.
func (h *half) rel(seq uint32) int64 {
	return h.next + int64(int32(seq-(h.base+uint32(h.next))))
}

// lowest is the sequence number of the first queued byte; len(h.q) > 0.
func (h *half) lowest() uint32 { return h.base + uint32(h.q[0].start) }

// done reports whether the direction has ended: its FIN was seen and
// everything before it was delivered, or the peer acknowledged the FIN, so
// no missing byte before it will ever be sent again.
func (h *half) done() bool {
	if !h.finSeen {
		return false
	}
	if h.next >= h.fin {
		return true
	}
	if !h.ackKnown {
		return false
	}
	ra := h.rel(h.ack)
	return ra > h.fin && ra-h.next <= maxAhead
}

func seqLess(x, y uint32) bool { return int32(x-y) < 0 }

// data handles a segment's payload: p, captured, whose first byte has
// sequence number seq, followed by wire-len(p) bytes the snap length cut.
func (c *conn) data(s int, seq uint32, p []byte, wire int, t int64, ref Ref) {
	h := &c.h[s]
	if !h.anchored {
		lowest := seq
		if len(h.q) > 0 && seqLess(h.lowest(), seq) {
			lowest = h.lowest()
		}
		if !h.ackKnown || seqLess(h.ack, lowest) {
			c.hold(s, seq, p, wire, t, ref)
			return
		}
		// The peer has acknowledged everything before lowest: no earlier
		// byte is still on its way, so the direction starts there.
		c.anchor(s, lowest)
	}

	// The peer speaking means it has everything it acknowledged: holes
	// it acknowledged in this direction's opposite are final now, and their
	// queued bytes go before this data. So are this direction's acknowledged
	// holes when this segment does not fall in them.
	c.settleAckedHole(1 - s)
	start := h.rel(seq)
	if h.ackedHole && len(h.q) > 0 && (start+int64(wire) <= h.next || start >= h.q[0].start) {
		c.settleAckedHole(s)
	}
	if start-h.next > maxAhead {
		c.ignore(h, int64(len(p)))
		return
	}
	if wire <= 1 && start == h.next-1 {
		c.dup(h, int64(len(p))) // keep-alive or zero-window probe
		return
	}
	orig, ostart := p, start
	dup0 := h.st.DupBytes
	end := start + int64(len(p))
	lo, hi := end, start // the span of p's bytes dropped for an earlier copy
	differ := false
	if start < h.next {
		cut := min(end, h.next)
		k := cut - start
		differ = h.histDiffers(start, p[:k])
		c.dup(h, k)
		lo, hi = start, cut
		p, start = p[k:], cut
	}
	if h.finSeen && end > h.fin {
		k := min(int64(len(p)), end-max(start, h.fin))
		c.ignore(h, k)
		p, end = p[:int64(len(p))-k], end-k
	}
	// The bytes up to the first queued block are in order. They are
	// delivered last, so that an overlap found in the rest of the segment
	// is told before any of its bytes.
	var inOrder []byte
	at := start
	if len(p) > 0 && start == h.next {
		lim := end
		if len(h.q) > 0 && h.q[0].start < lim {
			lim = h.q[0].start
		}
		k := lim - start
		inOrder = p[:k]
		p, start = p[k:], lim
	}
	if len(p) > 0 {
		stored, d, dlo, dhi := c.insert(s, start, p, t, ref)
		differ = differ || d
		if dlo < dhi {
			lo, hi = min(lo, dlo), max(hi, dhi)
		}
		if stored && start > h.next+int64(len(inOrder)) {
			h.st.OutOfOrder++
			c.a.stats.OutOfOrder++
		}
	}
	if miss := int64(wire - len(orig)); miss > 0 {
		c.insertMiss(s, ostart+int64(len(orig)), miss, t, ref)
	}
	c.afterInsert(s, orig, ostart, dup0, differ, lo, hi, ref)
	if len(inOrder) > 0 {
		c.deliver(s, inOrder, Position{Offset: at, Time: t, Ref: ref, PeerAck: c.peerAck})
	}
	c.deliverQueued(s)
	c.enforceLimits(s)
}

// afterInsert records what a segment whose captured payload p started at
// offset start turned out to be: an overlap with different bytes (the
// bytes of p in [lo, hi) lost to an earlier copy), or a retransmission
// (every captured byte was a duplicate: DupBytes grew by len(p) from dup0).
func (c *conn) afterInsert(s int, p []byte, start, dup0 int64, differ bool, lo, hi int64, ref Ref) {
	h := &c.h[s]
	if len(p) > 0 && h.st.DupBytes-dup0 == int64(len(p)) {
		h.st.Retransmits++
		c.a.stats.Retransmits++
		c.note(s, evRetransmit)
	}
	if differ {
		c.overlapFound(s, p[lo-start:hi-start], lo, ref)
	}
}

// hold queues data of a direction whose start is not known yet.
func (c *conn) hold(s int, seq uint32, p []byte, wire int, t int64, ref Ref) {
	h := &c.h[s]
	if len(h.q) == 0 {
		h.base = seq
	}
	start := int64(int32(seq - h.base))
	if start > maxAhead || start < -maxAhead {
		c.ignore(h, int64(len(p)))
		return
	}
	dup0 := h.st.DupBytes
	_, differ, lo, hi := c.insert(s, start, p, t, ref)
	if miss := int64(wire - len(p)); miss > 0 {
		c.insertMiss(s, start+int64(len(p)), miss, t, ref)
	}
	c.afterInsert(s, p, start, dup0, differ, lo, hi, ref)
	h.unanchoredSegs++
	if h.unanchoredSegs >= maxUnanchoredSegs {
		c.anchor(s, h.lowest())
	}
	c.enforceLimits(s)
}

// anchor fixes the sequence number of the direction's first byte, drops
// held bytes before it and delivers what is now in order.
func (c *conn) anchor(s int, at uint32) {
	h := &c.h[s]
	if len(h.q) > 0 {
		shift := int64(int32(at - h.base))
		for i := range h.q {
			h.q[i].start -= shift
		}
		for i := range c.pend {
			if c.pend[i].side == s {
				c.pend[i].o.Offset -= shift
			}
		}
		k := 0
		for ; k < len(h.q) && h.q[k].start < 0; k++ {
			b := &h.q[k]
			if b.end() > 0 {
				c.trimFront(s, b, -b.start)
				break
			}
			c.drop(s, b)
		}
		h.q = h.q[:copy(h.q, h.q[k:])]
		// Bytes implausibly far beyond the start are not this stream's.
		for len(h.q) > 0 && h.q[len(h.q)-1].start > maxAhead {
			c.drop(s, &h.q[len(h.q)-1])
			h.q = h.q[:len(h.q)-1]
		}
	}
	h.anchored = true
	h.base = at
	h.next = 0
	h.unanchoredSegs = 0
	c.emitPending()
	c.deliverQueued(s)
}

// drop forgets queued block b of side s; its captured bytes count as
// ignored.
func (c *conn) drop(s int, b *block) {
	if b.miss == 0 {
		c.ignore(&c.h[s], int64(len(b.data)))
	}
	c.a.account(c, s, -b.cost())
	c.a.pool.put(b.chunk)
	*b = block{}
}

// trimFront drops the first n bytes of queued block b of side s.
func (c *conn) trimFront(s int, b *block, n int64) {
	if b.miss > 0 {
		b.miss -= n
	} else {
		c.ignore(&c.h[s], n)
		b.data = b.data[n:]
	}
	b.start += n
}

// trimBack drops the last n bytes of queued block b of side s.
func (c *conn) trimBack(s int, b *block, n int64) {
	if b.miss > 0 {
		b.miss -= n
		return
	}
	c.ignore(&c.h[s], n)
	b.data = b.data[:int64(len(b.data))-n]
}

// search returns the index of the first queued block of h ending after off.
func (h *half) search(off int64) int {
	i, j := 0, len(h.q)
	for i < j {
		m := int(uint(i+j) >> 1)
		if h.q[m].end() <= off {
			i = m + 1
		} else {
			j = m
		}
	}
	return i
}

// put inserts b into the queue of side s at index i.
func (c *conn) put(s int, i int, b block) {
	h := &c.h[s]
	h.q = append(h.q, block{})
	copy(h.q[i+1:], h.q[i:])
	h.q[i] = b
	c.a.account(c, s, b.cost())
}

// insert copies p, which starts at offset start, into the queue wherever the
// queue has no byte yet: the first copy of a byte wins, except over a run of
// missing bytes, which real bytes replace. It reports whether any byte was
// stored, whether an overlapping byte differed from the queued one, and the
// span [lo, hi) of offsets whose bytes were dropped as duplicates (empty
// when lo >= hi).
func (c *conn) insert(s int, start int64, p []byte, t int64, ref Ref) (stored, differ bool, lo, hi int64) {
	h := &c.h[s]
	end := start + int64(len(p))
	lo, hi = end, start
	i := h.search(start)
	for cur := start; cur < end; {
		if i < len(h.q) && h.q[i].start <= cur {
			b := &h.q[i]
			oe := min(end, b.end())
			if b.miss > 0 {
				i = c.fillMiss(s, i, cur, p[cur-start:oe-start], t, ref)
				stored = true
				cur = oe
				continue
			}
			if !bytes.Equal(p[cur-start:oe-start], b.data[cur-b.start:oe-b.start]) {
				differ = true
			}
			c.dup(h, oe-cur)
			lo, hi = min(lo, cur), oe
			cur = oe
			i++
			continue
		}
		fe := end
		if i < len(h.q) && h.q[i].start < fe {
			fe = h.q[i].start
		}
		n := fe - cur
		chunk := c.a.pool.get(int(n))
		copy(chunk, p[cur-start:fe-start])
		c.put(s, i, block{start: cur, data: chunk[:n], chunk: chunk, time: t, ref: ref, ack: c.peerAck})
		stored = true
		i++
		cur = fe
	}
	return stored, differ, lo, hi
}

// fillMiss puts the real bytes p, which start at offset at, in place of
// part of the run of missing bytes queued at index i, which covers them. It
// returns the index after the new data block.
func (c *conn) fillMiss(s int, i int, at int64, p []byte, t int64, ref Ref) int {
	h := &c.h[s]
	m := h.q[i]
	c.a.account(c, s, -m.cost())
	h.q = append(h.q[:i], h.q[i+1:]...)
	if at > m.start {
		c.put(s, i, block{start: m.start, miss: at - m.start, time: m.time, ref: m.ref})
		i++
	}
	chunk := c.a.pool.get(len(p))
	copy(chunk, p)
	c.put(s, i, block{start: at, data: chunk[:len(p)], chunk: chunk, time: t, ref: ref, ack: c.peerAck})
	i++
	if e := at + int64(len(p)); e < m.end() {
		c.put(s, i, block{start: e, miss: m.end() - e, time: m.time, ref: m.ref})
	}
	return i
}

// insertMiss queues n missing bytes (cut by the snap length from the
// segment of time t and frame ref) at offset start, wherever the queue has
// no byte yet. Offsets already delivered and offsets at or after the FIN
// are left out.
func (c *conn) insertMiss(s int, start, n int64, t int64, ref Ref) {
	h := &c.h[s]
	end := start + n
	if h.anchored {
		if end-h.next > maxAhead {
			return
		}
		start = max(start, h.next)
	}
	if h.finSeen {
		end = min(end, h.fin)
	}
	i := h.search(start)
	for cur := start; cur < end; {
		if i < len(h.q) && h.q[i].start <= cur {
			cur = h.q[i].end()
			i++
			continue
		}
		fe := end
		if i < len(h.q) && h.q[i].start < fe {
			fe = h.q[i].start
		}
		c.put(s, i, block{start: cur, miss: fe - cur, time: t, ref: ref})
		i++
		cur = fe
	}
}

// deliver hands in-order bytes to the Stream.
func (c *conn) deliver(s int, b []byte, at Position) {
	h := &c.h[s]
	c.ensureStream()
	c.stream.Data(c.dirOf(s), b, at)
	h.remember(&c.a.pool, c.a.window, b, at.Offset)
	n := int64(len(b))
	h.next += n
	h.st.DeliveredBytes += n
	c.a.stats.DeliveredBytes += n
}

// deliverQueued delivers the queued blocks that are now in order, runs of
// missing bytes as gaps.
func (c *conn) deliverQueued(s int) {
	h := &c.h[s]
	if !h.anchored {
		return
	}
	k := 0
	for ; k < len(h.q) && h.q[k].start == h.next; k++ {
		b := &h.q[k]
		c.a.account(c, s, -b.cost())
		if b.miss > 0 {
			c.gap(s, b.miss, b.time, b.ref, true)
			continue
		}
		c.deliver(s, b.data, Position{Offset: b.start, Time: b.time, Ref: b.ref, PeerAck: b.ack})
		c.a.pool.put(b.chunk)
	}
	if k > 0 {
		n := copy(h.q, h.q[k:])
		clear(h.q[n:])
		h.q = h.q[:n]
	}
}

// gap announces n missing bytes at the next offset; truncated says the
// snap length cut them.
func (c *conn) gap(s int, n int64, t int64, ref Ref, truncated bool) {
	if n <= 0 {
		return
	}
	h := &c.h[s]
	c.ensureStream()
	c.note(s, evGap)
	c.stream.Gap(c.dirOf(s), n, Position{Offset: h.next, Time: t, Ref: ref})
	h.next += n
	h.histLen = 0 // the window must stay contiguous
	h.st.MissedBytes += n
	c.a.stats.MissedBytes += n
	if truncated {
		h.st.TruncatedBytes += n
		c.a.stats.TruncatedBytes += n
	}
}

// overlapFound records that the segment of frame ref lost the bytes lost,
// at offset off, to an earlier copy that differs from them. The Stream is
// told at once if it exists and the offset is final; otherwise as soon as
// both hold.
func (c *conn) overlapFound(s int, lost []byte, off int64, ref Ref) {
	h := &c.h[s]
	h.st.OverlapDiff++
	c.a.stats.OverlapDiff++
	c.note(s, evOverlap)
	sum := sha256.Sum256(lost)
	o := Overlap{Offset: off, Len: len(lost), LostSHA256: hex.EncodeToString(sum[:]), Ref: ref}
	if c.stream != nil && h.anchored {
		c.emitOverlap(s, o)
		return
	}
	c.pend = append(c.pend, pendingOverlap{side: s, o: o})
}

// emitOverlap keeps the evidence of o, found on side s, and tells the
// Stream.
func (c *conn) emitOverlap(s int, o Overlap) {
	o.Dir = c.dirOf(s)
	if len(c.overlaps) < MaxOverlapEvidence {
		c.overlaps = append(c.overlaps, o)
	}
	if c.obs != nil {
		c.obs.Overlap(o)
	}
}

// emitPending emits the pending overlaps whose offsets are final, in the
// order they were found, once the Stream exists.
func (c *conn) emitPending() {
	if c.stream == nil || len(c.pend) == 0 {
		return
	}
	k := 0
	for _, p := range c.pend {
		if c.h[p.side].anchored {
			c.emitOverlap(p.side, p.o)
		} else {
			c.pend[k] = p
			k++
		}
	}
	clear(c.pend[k:])
	c.pend = c.pend[:k]
}

// skipHole gives up on the first hole of side s: it becomes a gap and the
// queued bytes after it are delivered. A direction not yet anchored starts
// at its lowest queued byte instead.
func (c *conn) skipHole(s int) {
	h := &c.h[s]
	if len(h.q) == 0 {
		return
	}
	if !h.anchored {
		c.anchor(s, h.lowest())
		return
	}
	b := &h.q[0]
	c.gap(s, b.start-h.next, b.time, b.ref, false)
	c.deliverQueued(s)
}

// enforceLimits applies MaxBufferedPerDir to side s, then MaxBufferedTotal.
func (c *conn) enforceLimits(s int) {
	h := &c.h[s]
	for h.queued > int64(c.a.cfg.MaxBufferedPerDir) {
		c.a.stats.LimitGaps++
		c.skipHole(s)
	}
	c.a.enforceTotal()
}

// noteAck records an ACK the peer sent for side s. It may settle the start
// of the direction, or turn holes the peer has acknowledged into gaps.
func (c *conn) noteAck(s int, ack uint32, t int64, ref Ref) {
	h := &c.h[s]
	if !h.ackKnown || seqLess(h.ack, ack) {
		h.ack, h.ackKnown, h.ackTime, h.ackRef = ack, true, t, ref
	}
	if !h.anchored {
		if len(h.q) > 0 && !seqLess(h.ack, h.lowest()) {
			c.anchor(s, h.lowest())
		}
		return
	}
	if len(h.q) > 0 {
		ra := h.rel(h.ack)
		h.ackedHole = ra >= h.q[0].start && ra-h.next <= maxAhead
	}
}

// settleAckedHole turns the holes of side s that the peer has acknowledged
// into gaps and delivers the queued bytes after them.
func (c *conn) settleAckedHole(s int) {
	h := &c.h[s]
	if !h.ackedHole {
		return
	}
	h.ackedHole = false
	if !h.anchored {
		return
	}
	for len(h.q) > 0 {
		ra := h.rel(h.ack)
		if ra < h.q[0].start || ra-h.next > maxAhead {
			break
		}
		c.skipHole(s)
	}
}

// noteFIN records the FIN of side s, at sequence number seq.
func (c *conn) noteFIN(s int, seq uint32, t int64, ref Ref) {
	h := &c.h[s]
	if h.finSeen {
		return
	}
	if !h.anchored {
		if len(h.q) > 0 {
			c.anchor(s, h.lowest())
		} else {
			c.anchor(s, seq)
		}
	}
	f := h.rel(seq)
	if f-h.next > maxAhead {
		return // not a plausible FIN for this stream
	}
	if f < h.next {
		f = h.next // already delivered bytes cannot be taken back
	}
	h.finSeen, h.fin, h.finTime, h.finRef = true, f, t, ref
	// Queued bytes at or after the FIN are not part of the stream.
	for len(h.q) > 0 {
		b := &h.q[len(h.q)-1]
		if b.end() <= f {
			break
		}
		if b.start < f {
			c.trimBack(s, b, b.end()-f)
			break
		}
		c.drop(s, b)
		h.q = h.q[:len(h.q)-1]
	}
}

// flush delivers everything queued on side s, with gaps for the holes, and
// reports bytes known to exist (before the FIN, or acknowledged by the peer)
// that were never seen as a final gap.
func (c *conn) flush(s int) {
	h := &c.h[s]
	if !h.anchored {
		if len(h.q) == 0 {
			return
		}
		c.anchor(s, h.lowest())
	}
	for len(h.q) > 0 {
		c.skipHole(s)
	}
	target, t, ref := h.next, int64(0), Ref{}
	if h.finSeen && h.fin > target {
		target, t, ref = h.fin, h.finTime, h.finRef
	}
	if h.ackKnown {
		ra := h.rel(h.ack)
		if h.finSeen && ra > h.fin {
			ra = h.fin // the ACK of the FIN is not a byte
		}
		if ra > target && ra-h.next <= maxAhead {
			target, t, ref = ra, h.ackTime, h.ackRef
		}
	}
	c.gap(s, target-h.next, t, ref, false)
}

func (c *conn) dup(h *half, n int64) {
	h.st.DupBytes += n
	c.a.stats.DupBytes += n
}

func (c *conn) ignore(h *half, n int64) {
	h.st.IgnoredBytes += n
	c.a.stats.IgnoredBytes += n
}

// remember appends delivered bytes b, which start at offset at, to the
// overlap window, growing it up to window bytes.
func (h *half) remember(pool *bufPool, window int, b []byte, at int64) {
	if window == 0 {
		return
	}
	if len(b) > window {
		at += int64(len(b) - window)
		b = b[len(b)-window:]
	}
	need := min(window, h.histLen+len(b))
	if len(h.hist) < need {
		size := 4 << 10
		for size < need {
			size <<= 1
		}
		size = min(size, window)
		nh := pool.get(size) // len(nh) == size, a power of two
		for o := at - int64(h.histLen); o < at; o++ {
			nh[int(o)&(size-1)] = h.hist[int(o)&(len(h.hist)-1)]
		}
		if h.hist != nil {
			pool.put(h.hist)
		}
		h.hist = nh
	}
	mask := len(h.hist) - 1
	for rest := b; len(rest) > 0; {
		i := int(at) & mask
		n := copy(h.hist[i:], rest)
		rest = rest[n:]
		at += int64(n)
	}
	h.histLen = min(len(h.hist), h.histLen+len(b))
}

// histDiffers compares p, delivered earlier at offset start, with what the
// overlap window still holds of it.
func (h *half) histDiffers(start int64, p []byte) bool {
	end := start + int64(len(p))
	lo := max(start, h.next-int64(h.histLen))
	mask := len(h.hist) - 1
	for o := lo; o < end; {
		i := int(o) & mask
		n := min(end-o, int64(len(h.hist)-i))
		if !bytes.Equal(h.hist[i:i+int(n)], p[o-start:o-start+n]) {
			return true
		}
		o += n
	}
	return false
}
