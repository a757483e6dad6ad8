package dns

import (
	"net/netip"
	"sort"
	"strings"
)

// DefaultMaxEntries is the Resolver's bound when NewResolver is given 0 or
// less.
const DefaultMaxEntries = 1 << 16

// Resolver maps addresses to the names DNS answers gave them, as of a
// capture time. It is not safe for concurrent use.
//
// An address answered for a name is remembered with the time of the
// answer; Lookup returns the name of the latest answer at or before the
// time asked, so a connection is named by what was resolved just before
// it, not by what came later. The name is the one queried: an A or AAAA
// record reached from the question through CNAME records gives the
// question's name (www.example.com, not the CDN's name it aliases); one
// that is not reached so gives its own owner name.
//
// Memory is bounded by a number of entries (address, time, name). Beyond
// it the oldest entry is evicted first, where an answer repeating the name
// an address already had at that time counts as a new entry (its old one
// is renewed, not duplicated). The outcome depends only on the sequence of
// calls.
type Resolver struct {
	max    int
	seq    uint64
	byAddr map[netip.Addr][]resolved // each sorted by time, then by observation
	queue  []queued                  // observation order, oldest first from head; may hold renewed (stale) items
	head   int
	n      int // entries held
}

type resolved struct {
	t    int64
	seq  uint64 // the observation that made or last renewed it
	name string
}

type queued struct {
	a   netip.Addr
	seq uint64
}

// NewResolver returns a Resolver holding at most maxEntries entries
// (DefaultMaxEntries when maxEntries <= 0).
func NewResolver(maxEntries int) *Resolver {
	if maxEntries <= 0 {
		maxEntries = DefaultMaxEntries
	}
	return &Resolver{max: maxEntries, byAddr: make(map[netip.Addr][]resolved)}
}

// Observe records the A and AAAA answers of a response seen at capture
// time t. Queries and responses without answers change nothing.
func (r *Resolver) Observe(t int64, m *Message) {
	if m == nil || !m.Response || len(m.Answers) == 0 {
		return
	}
	for i := range m.Answers {
		a := &m.Answers[i]
		if a.Type != "A" && a.Type != "AAAA" {
			continue
		}
		addr, err := netip.ParseAddr(a.Data)
		if err != nil {
			continue
		}
		name := a.Name
		if m.Query != "" && reaches(m, a.Name) {
			name = m.Query
		}
		r.add(addr.Unmap(), t, name)
	}
}

// reaches reports whether name is the question's name or is reached from
// it through the message's CNAME records (bounded by their number, so a
// CNAME loop ends).
func reaches(m *Message, name string) bool {
	cur := m.Query
	for range len(m.Answers) + 1 {
		if strings.EqualFold(cur, name) {
			return true
		}
		next := ""
		for i := range m.Answers {
			if a := &m.Answers[i]; a.Type == "CNAME" && strings.EqualFold(a.Name, cur) {
				next = a.Data
				break
			}
		}
		if next == "" {
			return false
		}
		cur = next
	}
	return false
}

func (r *Resolver) add(a netip.Addr, t int64, name string) {
	r.seq++
	list := r.byAddr[a]
	// After every entry of the same time: the later answer wins.
	i := sort.Search(len(list), func(i int) bool { return list[i].t > t })
	if i > 0 && list[i-1].name == name {
		// Lookups give the same names with or without a new entry;
		// the old one is renewed instead.
		list[i-1].seq = r.seq
		r.push(a)
		return
	}
	list = append(list, resolved{})
	copy(list[i+1:], list[i:])
	list[i] = resolved{t: t, seq: r.seq, name: name}
	r.byAddr[a] = list
	r.n++
	r.push(a)
	for r.n > r.max {
		r.evict()
	}
}

func (r *Resolver) push(a netip.Addr) {
	if r.head > 0 && r.head >= len(r.queue)/2 {
		r.queue = append(r.queue[:0], r.queue[r.head:]...)
		r.head = 0
	}
	if live := len(r.queue) - r.head; live > 2*r.max+64 {
		r.compact()
	}
	r.queue = append(r.queue, queued{a, r.seq})
}

// compact drops renewed items from the queue.
func (r *Resolver) compact() {
	q := r.queue[:0]
	for _, it := range r.queue[r.head:] {
		if r.find(it) >= 0 {
			q = append(q, it)
		}
	}
	clear(r.queue[len(q):])
	r.queue, r.head = q, 0
}

func (r *Resolver) find(it queued) int {
	for i, e := range r.byAddr[it.a] {
		if e.seq == it.seq {
			return i
		}
	}
	return -1
}

// evict removes the entry observed (or renewed) longest ago.
func (r *Resolver) evict() {
	for r.head < len(r.queue) {
		it := r.queue[r.head]
		r.queue[r.head] = queued{}
		r.head++
		i := r.find(it)
		if i < 0 {
			continue // renewed since
		}
		list := r.byAddr[it.a]
		list = append(list[:i], list[i+1:]...)
		if len(list) == 0 {
			delete(r.byAddr, it.a)
		} else {
			r.byAddr[it.a] = list
		}
		r.n--
		return
	}
}

// Lookup returns the name of the latest answer for a at or before capture
// time t.
func (r *Resolver) Lookup(a netip.Addr, t int64) (name string, ok bool) {
	list := r.byAddr[a.Unmap()]
	i := sort.Search(len(list), func(i int) bool { return list[i].t > t })
	if i == 0 {
		return "", false
	}
	return list[i-1].name, true
}

// Len returns the number of entries held.
func (r *Resolver) Len() int { return r.n }
