package reassembly

import "bytes"

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
	ack      uint32 // highest ACK the peer sent for this direction
	ackTime  int64
	ackRef   Ref

	unanchoredSegs int // data segments held while not anchored

	q      []block // queued out-of-order bytes, sorted, disjoint, all after next
	queued int64

	// hist is a ring holding the last histLen delivered bytes; offset o is
	// at hist[o & (len(hist)-1)].
	hist    []byte
	histLen int

	seen    bool   // any segment was sent in this direction
	lastEnd uint32 // sequence number just past the last segment sent

	st DirStats
}

// block is a run of queued bytes copied from one segment.
type block struct {
	start int64
	data  []byte
	chunk []byte // pooled storage data points into
	time  int64
	ref   Ref
}

func (b *block) end() int64 { return b.start + int64(len(b.data)) }

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

// data handles payload p whose first byte has sequence number seq.
func (c *conn) data(s int, seq uint32, p []byte, t int64, ref Ref) {
	h := &c.h[s]
	if !h.anchored {
		lowest := seq
		if len(h.q) > 0 && seqLess(h.lowest(), seq) {
			lowest = h.lowest()
		}
		if !h.ackKnown || seqLess(h.ack, lowest) {
			c.hold(s, seq, p, t, ref)
			return
		}
		// The peer has acknowledged everything before lowest: no earlier
		// byte is still on its way, so the direction starts there.
		c.anchor(s, lowest)
	}

	start := h.rel(seq)
	if start-h.next > maxAhead {
		c.ignore(h, int64(len(p)))
		return
	}
	if len(p) <= 1 && start == h.next-1 {
		c.dup(h, int64(len(p))) // keep-alive or zero-window probe
		return
	}
	end := start + int64(len(p))
	differ := false
	if start < h.next {
		cut := min(end, h.next)
		k := cut - start
		differ = h.histDiffers(start, p[:k])
		c.dup(h, k)
		p, start = p[k:], cut
	}
	if h.finSeen && end > h.fin {
		k := min(int64(len(p)), end-max(start, h.fin))
		c.ignore(h, k)
		p, end = p[:int64(len(p))-k], end-k
	}
	if len(p) > 0 && start == h.next {
		lim := end
		if len(h.q) > 0 && h.q[0].start < lim {
			lim = h.q[0].start
		}
		k := lim - start
		c.deliver(s, p[:k], Position{Offset: start, Time: t, Ref: ref})
		p, start = p[k:], lim
	}
	if len(p) > 0 {
		stored, d := c.insert(s, start, p, t, ref)
		differ = differ || d
		if stored && start > h.next {
			h.st.OutOfOrder++
			c.a.stats.OutOfOrder++
		}
	}
	if differ {
		h.st.OverlapDiff++
		c.a.stats.OverlapDiff++
	}
	c.deliverQueued(s)
	c.enforceLimits(s)
}

// hold queues data of a direction whose start is not known yet.
func (c *conn) hold(s int, seq uint32, p []byte, t int64, ref Ref) {
	h := &c.h[s]
	if len(h.q) == 0 {
		h.base = seq
	}
	start := int64(int32(seq - h.base))
	if start > maxAhead || start < -maxAhead {
		c.ignore(h, int64(len(p)))
		return
	}
	_, differ := c.insert(s, start, p, t, ref)
	if differ {
		h.st.OverlapDiff++
		c.a.stats.OverlapDiff++
	}
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
		k := 0
		for ; k < len(h.q) && h.q[k].start < 0; k++ {
			b := &h.q[k]
			if b.end() > 0 {
				cut := -b.start
				c.ignore(h, cut)
				c.a.account(c, s, -cut)
				b.data, b.start = b.data[cut:], 0
				break
			}
			n := int64(len(b.data))
			c.ignore(h, n)
			c.a.account(c, s, -n)
			c.a.pool.put(b.chunk)
		}
		h.q = h.q[:copy(h.q, h.q[k:])]
		// Bytes implausibly far beyond the start are not this stream's.
		for len(h.q) > 0 && h.q[len(h.q)-1].start > maxAhead {
			b := &h.q[len(h.q)-1]
			n := int64(len(b.data))
			c.ignore(h, n)
			c.a.account(c, s, -n)
			c.a.pool.put(b.chunk)
			*b = block{}
			h.q = h.q[:len(h.q)-1]
		}
	}
	h.anchored = true
	h.base = at
	h.next = 0
	h.unanchoredSegs = 0
	c.deliverQueued(s)
}

// insert copies p, which starts at offset start, into the queue wherever the
// queue has no byte yet: the first copy of a byte wins. It reports whether
// any byte was stored, and whether an overlapping byte differed from the
// queued one.
func (c *conn) insert(s int, start int64, p []byte, t int64, ref Ref) (stored, differ bool) {
	h := &c.h[s]
	end := start + int64(len(p))
	// First block ending after start.
	i, j := 0, len(h.q)
	for i < j {
		m := int(uint(i+j) >> 1)
		if h.q[m].end() <= start {
			i = m + 1
		} else {
			j = m
		}
	}
	for cur := start; cur < end; {
		if i < len(h.q) && h.q[i].start <= cur {
			b := &h.q[i]
			oe := min(end, b.end())
			if !bytes.Equal(p[cur-start:oe-start], b.data[cur-b.start:oe-b.start]) {
				differ = true
			}
			c.dup(h, oe-cur)
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
		h.q = append(h.q, block{})
		copy(h.q[i+1:], h.q[i:])
		h.q[i] = block{start: cur, data: chunk[:n], chunk: chunk, time: t, ref: ref}
		c.a.account(c, s, n)
		stored = true
		i++
		cur = fe
	}
	return stored, differ
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

// deliverQueued delivers the queued blocks that are now in order.
func (c *conn) deliverQueued(s int) {
	h := &c.h[s]
	if !h.anchored {
		return
	}
	k := 0
	for ; k < len(h.q) && h.q[k].start == h.next; k++ {
		b := &h.q[k]
		c.deliver(s, b.data, Position{Offset: b.start, Time: b.time, Ref: b.ref})
		c.a.account(c, s, -int64(len(b.data)))
		c.a.pool.put(b.chunk)
	}
	if k > 0 {
		n := copy(h.q, h.q[k:])
		clear(h.q[n:])
		h.q = h.q[:n]
	}
}

// gap announces n missing bytes at the next offset.
func (c *conn) gap(s int, n int64, t int64, ref Ref) {
	if n <= 0 {
		return
	}
	h := &c.h[s]
	c.ensureStream()
	c.stream.Gap(c.dirOf(s), n, Position{Offset: h.next, Time: t, Ref: ref})
	h.next += n
	h.histLen = 0 // the window must stay contiguous
	h.st.MissedBytes += n
	c.a.stats.MissedBytes += n
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
	c.gap(s, b.start-h.next, b.time, b.ref)
	c.deliverQueued(s)
}

// enforceLimits applies MaxBufferedPerDir to side s, then MaxBufferedTotal.
func (c *conn) enforceLimits(s int) {
	h := &c.h[s]
	for h.queued > int64(c.a.cfg.MaxBufferedPerDir) {
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
			cut := b.end() - f
			c.ignore(h, cut)
			c.a.account(c, s, -cut)
			b.data = b.data[:f-b.start]
			break
		}
		n := int64(len(b.data))
		c.ignore(h, n)
		c.a.account(c, s, -n)
		c.a.pool.put(b.chunk)
		*b = block{}
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
	c.gap(s, target-h.next, t, ref)
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
