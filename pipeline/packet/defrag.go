package packet

import "bytes"

// IP fragment reassembly. Fragments are held per datagram, keyed by
// addresses, identification, protocol (IPv4) and the IP level they were
// found at (so that a tunnel's inner packets never mix with its outer
// ones). Everything is driven by the frames: a datagram expires when a
// frame's capture time is more than Config.FragmentTimeout past its first
// fragment's, datagrams are kept in arrival order (expiry and eviction take
// the oldest first) and no map is ever iterated.
//
// Overlaps keep the bytes that came first (as the reassembly package does
// for TCP): a fragment's bytes that fall on bytes already held are
// compared, and counted when they differ, then dropped; its other bytes
// are taken.

// Stats counts fragment reassembly.
type Stats struct {
	// FragmentsHeld counts fragments taken in and held: the frames for
	// which Decode returned FragmentHeld.
	FragmentsHeld int64
	// DatagramsReassembled counts datagrams completed; the frame that
	// completed each gave its packet.
	DatagramsReassembled int64
	// FragmentsOverlapping counts fragments that overlapped bytes already
	// held, with the same data or not.
	FragmentsOverlapping int64
	// FragmentsDropped counts fragments lost to reassembly, by reason.
	FragmentsDropped FragmentDrops
	// FragmentsPending is the number of fragments held right now for
	// datagrams not yet complete (a level, not a total).
	FragmentsPending int64
}

// FragmentDrops counts fragments dropped by reason. A fragment refused on
// arrival was returned as IPFragment; one dropped later, with the rest of
// its datagram, had been returned as FragmentHeld.
type FragmentDrops struct {
	// Timeout: held in a datagram that expired incomplete, or that was
	// still incomplete when Flush was called.
	Timeout int64
	// Limit: refused, or held and then evicted (oldest datagram first),
	// to respect MaxFragmentBytes, MaxDatagrams or the fragments a
	// datagram may have.
	Limit int64
	// OverlapConflict: overlapped held bytes with different data. The
	// held bytes were kept and the fragment's overlapping bytes dropped;
	// the fragment was held (or completed its datagram) all the same.
	OverlapConflict int64
	// Malformed: inconsistent with IP (ending beyond 64 KiB, a fragment
	// other than the last not a multiple of 8 bytes long) or with its
	// datagram (two different ends, bytes beyond the end). A fragment
	// contradicting its datagram's end drops the whole datagram.
	Malformed int64
}

// Counter is one named figure.
type Counter struct {
	Name  string
	Value int64
}

// Counters lists the figures under stable names, always in the same order.
func (s Stats) Counters() []Counter {
	return []Counter{
		{"ip.fragments_held", s.FragmentsHeld},
		{"ip.datagrams_reassembled", s.DatagramsReassembled},
		{"ip.fragments_overlapping", s.FragmentsOverlapping},
		{"ip.fragments_dropped_timeout", s.FragmentsDropped.Timeout},
		{"ip.fragments_dropped_limit", s.FragmentsDropped.Limit},
		{"ip.fragments_dropped_overlap_conflict", s.FragmentsDropped.OverlapConflict},
		{"ip.fragments_dropped_malformed", s.FragmentsDropped.Malformed},
		{"ip.fragments_pending", s.FragmentsPending},
	}
}

// fragKey identifies a datagram. IPv4 addresses use the first 4 bytes.
type fragKey struct {
	src, dst [16]byte
	id       uint32
	proto    uint8 // IPv4's protocol; IPv6 fragments do not key on it
	v6       bool
	depth    uint8 // IP headers up to and including this one
}

// span is a range of held bytes [a, b).
type span struct{ a, b int }

// datagram is one datagram being reassembled.
type datagram struct {
	key        fragKey
	first      int64  // capture time of the first fragment
	buf        []byte // bytes held so far; len is the extent, counted against MaxFragmentBytes
	spans      []span // held ranges of buf: sorted, disjoint, not adjacent
	end        int    // payload length, known from the last fragment; -1 until then
	nh         uint8  // the protocol carried: IPv4's, or IPv6's offset-0 fragment header's
	haveNH     bool
	frags      int64 // fragments held
	prev, next *datagram
}

// maxFree bounds the datagrams (and their buffers) kept for reuse.
const maxFree = 16

type defrag struct {
	cfg     Config
	pending map[fragKey]*datagram
	// head and tail of the pending datagrams in arrival order.
	head, tail   *datagram
	count        int
	held         int         // sum of len(buf) over pending datagrams
	pendingFrags int64       // sum of frags over pending datagrams
	done         []*datagram // completed by the current frame; recycled at the next
	free         []*datagram
	stats        Stats
}

func (f *defrag) init(cfg Config) {
	f.cfg = cfg
	f.pending = make(map[fragKey]*datagram)
}

// release recycles the datagrams the previous frame completed: their bytes
// were valid until now.
func (f *defrag) release() {
	for i, g := range f.done {
		f.recycle(g)
		f.done[i] = nil
	}
	f.done = f.done[:0]
}

func (f *defrag) recycle(g *datagram) {
	if len(f.free) < maxFree {
		*g = datagram{buf: g.buf[:0], spans: g.spans[:0]}
		f.free = append(f.free, g)
	}
}

// expire drops the datagrams whose first fragment came more than the
// timeout before t.
func (f *defrag) expire(t int64) {
	for g := f.head; g != nil && t-g.first > int64(f.cfg.FragmentTimeout); g = f.head {
		f.stats.FragmentsDropped.Timeout += g.frags
		f.drop(g)
	}
}

// flush drops every pending datagram as timed out.
func (f *defrag) flush() {
	for g := f.head; g != nil; g = f.head {
		f.stats.FragmentsDropped.Timeout += g.frags
		f.drop(g)
	}
}

// drop removes a pending datagram and recycles it.
func (f *defrag) drop(g *datagram) {
	f.unlink(g)
	f.recycle(g)
}

// unlink removes a pending datagram from the map, the list and the totals.
func (f *defrag) unlink(g *datagram) {
	delete(f.pending, g.key)
	if g.prev != nil {
		g.prev.next = g.next
	} else {
		f.head = g.next
	}
	if g.next != nil {
		g.next.prev = g.prev
	} else {
		f.tail = g.prev
	}
	g.prev, g.next = nil, nil
	f.count--
	f.held -= len(g.buf)
	f.pendingFrags -= g.frags
}

// evictOldest drops the oldest pending datagram other than keep, counting
// its fragments against the limits; false when there is none.
func (f *defrag) evictOldest(keep *datagram) bool {
	g := f.head
	if g == keep {
		g = g.next
	}
	if g == nil {
		return false
	}
	f.stats.FragmentsDropped.Limit += g.frags
	f.drop(g)
	return true
}

// fragResult is what became of a fragment.
type fragResult uint8

const (
	fragHeld     fragResult = iota // held; the datagram is incomplete
	fragDropped                    // refused, or its datagram dropped
	fragComplete                   // the datagram is complete
)

// add takes in a fragment: data at byte offset off of the datagram key,
// more telling whether fragments follow it, nh the protocol carried (taken
// from the offset-0 fragment). On completion it returns the datagram's
// bytes, valid until the next release, and its protocol.
func (f *defrag) add(key fragKey, t int64, off int, more bool, data []byte, nh uint8) ([]byte, uint8, fragResult) {
	end := off + len(data)
	if end > maxDatagramBytes || more && (len(data) == 0 || len(data)%8 != 0) {
		f.stats.FragmentsDropped.Malformed++
		return nil, 0, fragDropped
	}
	g := f.pending[key]
	if g == nil {
		for f.count >= f.cfg.MaxDatagrams {
			f.evictOldest(nil)
		}
		g = f.newDatagram(key, t)
	}
	// Ends must agree: one last fragment, nothing beyond it.
	if !more && (g.end >= 0 && g.end != end || g.extent() > end) || more && g.end >= 0 && end > g.end {
		f.stats.FragmentsDropped.Malformed += g.frags + 1
		f.drop(g)
		return nil, 0, fragDropped
	}
	if g.frags >= maxFragmentsPerDatagram {
		f.stats.FragmentsDropped.Limit += g.frags + 1
		f.drop(g)
		return nil, 0, fragDropped
	}
	// An empty last fragment only tells the end; it holds no bytes.
	if grow := end - len(g.buf); grow > 0 && len(data) > 0 {
		for f.held+grow > f.cfg.MaxFragmentBytes {
			if !f.evictOldest(g) {
				f.stats.FragmentsDropped.Limit += g.frags + 1
				f.drop(g)
				return nil, 0, fragDropped
			}
		}
		g.grow(end)
		f.held += grow
	}
	if !more {
		g.end = end
	}
	if off == 0 && !g.haveNH {
		g.nh, g.haveNH = nh, true
	}
	var overlap, conflict bool
	if len(data) > 0 {
		overlap, conflict = g.insert(off, data)
	}
	if overlap {
		f.stats.FragmentsOverlapping++
	}
	if conflict {
		f.stats.FragmentsDropped.OverlapConflict++
	}
	g.frags++
	f.pendingFrags++
	if g.end < 0 || len(g.spans) != 1 || g.spans[0] != (span{0, g.end}) {
		f.stats.FragmentsHeld++
		return nil, 0, fragHeld
	}
	f.unlink(g)
	f.done = append(f.done, g)
	f.stats.DatagramsReassembled++
	return g.buf[:g.end], g.nh, fragComplete
}

func (f *defrag) newDatagram(key fragKey, t int64) *datagram {
	var g *datagram
	if n := len(f.free); n > 0 {
		g = f.free[n-1]
		f.free[n-1] = nil
		f.free = f.free[:n-1]
	} else {
		g = new(datagram)
	}
	g.key, g.first, g.end = key, t, -1
	f.pending[key] = g
	g.prev = f.tail
	if f.tail != nil {
		f.tail.next = g
	} else {
		f.head = g
	}
	f.tail = g
	f.count++
	return g
}

// extent is the end of the highest bytes held.
func (g *datagram) extent() int {
	if len(g.spans) == 0 {
		return 0
	}
	return g.spans[len(g.spans)-1].b
}

// grow extends buf to n bytes.
func (g *datagram) grow(n int) {
	if cap(g.buf) >= n {
		g.buf = g.buf[:n]
		return
	}
	b := make([]byte, n, min(max(n, 2*cap(g.buf)), maxDatagramBytes))
	copy(b, g.buf)
	g.buf = b
}

// insert copies data at off into the bytes not yet held and records the
// range. It reports whether data overlapped held bytes, and whether any of
// those differed.
func (g *datagram) insert(off int, data []byte) (overlap, conflict bool) {
	end := off + len(data)
	cur := off
	i := 0 // first span that may touch [off, end]
	for i < len(g.spans) && g.spans[i].b < off {
		i++
	}
	j := i
	for ; j < len(g.spans) && g.spans[j].a <= end; j++ {
		s := g.spans[j]
		if s.a > cur {
			copy(g.buf[cur:s.a], data[cur-off:s.a-off])
		}
		if lo, hi := max(cur, s.a), min(end, s.b); lo < hi {
			overlap = true
			if !bytes.Equal(g.buf[lo:hi], data[lo-off:hi-off]) {
				conflict = true
			}
		}
		cur = max(cur, min(end, s.b))
	}
	if cur < end {
		copy(g.buf[cur:end], data[cur-off:])
	}
	// Spans i..j-1 touch or overlap [off, end]: merge them into one.
	merged := span{off, end}
	if i < j {
		merged.a = min(merged.a, g.spans[i].a)
		merged.b = max(merged.b, g.spans[j-1].b)
	}
	switch {
	case i == j:
		g.spans = append(g.spans, span{})
		copy(g.spans[i+1:], g.spans[i:])
		g.spans[i] = merged
	default:
		g.spans[i] = merged
		g.spans = append(g.spans[:i+1], g.spans[j:]...)
	}
	return overlap, conflict
}

// fragment hands the fragment at the front of the walk to the
// defragmenter. When it completes its datagram, the walk goes on over the
// datagram's bytes with the protocol it returns.
func (d *Decoder) fragment(k fragKey, off int, more bool, nh uint8) (uint8, SkipReason) {
	w := &d.w
	if w.cut {
		// The capture cut the fragment: its datagram could never be
		// whole, and its end is unknown.
		return 0, Truncated
	}
	buf, nh, res := d.frag.add(k, w.t, off, more, w.b, nh)
	switch res {
	case fragHeld:
		return 0, FragmentHeld
	case fragDropped:
		return 0, IPFragment
	}
	w.b, w.want, w.cut = buf, len(buf), false
	return nh, None
}
