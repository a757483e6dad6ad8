package leak

import (
	"slices"
	"sync"
)

// Hit is one (known value, disguise) found by Find.
type Hit struct {
	Known    int    // index into Matcher.Known()
	Disguise string // Disguise.Name
	Offset   int    // byte offset of the first occurrence
}

// Matcher searches for every disguise of every known value at once. It is
// immutable after NewMatcher and safe for concurrent use.
type Matcher struct {
	known []Known
	dis   [][]Disguise
	pats  []pattern
	// A slot is one (known value, disguise name) pair; slots are numbered in
	// known order, then in order of the name's first pattern, so comparing
	// slot numbers gives Find's tie order.
	slotKnown []int
	slotName  []string
	a         automaton
	pool      sync.Pool // of *scratch
}

type pattern struct {
	text string // lower-cased when fold
	fold bool
	slot int32
}

// scratch is the per-call state of Find, reused through the pool so that a
// call allocates nothing.
type scratch struct {
	seen     []bool  // per pattern: already found in this call
	seenList []int32 // the patterns set in seen, to reset them
	slotPos  []int32 // per slot: index into hits, or -1
	hits     []slotHit
}

type slotHit struct {
	off, end int
	slot     int32
}

// NewMatcher compiles the disguises of known. Forms shorter than MinValueLen
// are skipped (see the package documentation), so a short value can have no
// disguise at all and is then never reported. The automaton takes about
// 100 KiB per known value (a dense table over the byte classes in use).
func NewMatcher(known []Known) *Matcher {
	m := &Matcher{known: slices.Clone(known), dis: make([][]Disguise, len(known))}
	var texts []string
	for i, k := range m.known {
		ds := disguises(k)
		m.dis[i] = ds
		slotOf := map[string]int32{}
		for _, d := range ds {
			slot, ok := slotOf[d.Name]
			if !ok {
				slot = int32(len(m.slotName))
				slotOf[d.Name] = slot
				m.slotKnown = append(m.slotKnown, i)
				m.slotName = append(m.slotName, d.Name)
			}
			m.pats = append(m.pats, pattern{text: d.Pattern, fold: d.Fold, slot: slot})
			texts = append(texts, d.Pattern)
		}
	}
	m.a = newAutomaton(texts)
	np, ns := len(m.pats), len(m.slotName)
	m.pool.New = func() any {
		sc := &scratch{
			seen:     make([]bool, np),
			seenList: make([]int32, 0, np),
			slotPos:  make([]int32, ns),
			hits:     make([]slotHit, 0, ns),
		}
		for i := range sc.slotPos {
			sc.slotPos[i] = -1
		}
		return sc
	}
	return m
}

// Known returns the known values, indexed as Hit.Known.
func (m *Matcher) Known() []Known { return slices.Clone(m.known) }

// Disguises lists the patterns of known value i in their fixed order.
func (m *Matcher) Disguises(i int) []Disguise { return slices.Clone(m.dis[i]) }

// Find calls fn for each distinct (known value, disguise name) found in data,
// once, at its first occurrence; calls come in order of offset, ties by known
// index, then disguise order. Hits are collected first and fn is called
// after the scan, so fn may call Find again. A hit inside a longer hit of the
// same known value is left out (see the package doc).
func (m *Matcher) Find(data []byte, fn func(Hit)) {
	if len(m.pats) == 0 || len(data) == 0 {
		return
	}
	sc := m.pool.Get().(*scratch)
	a := &m.a
	trans, cls := a.trans, &a.cls
	var st uint32
	for i := 0; i < len(data); i++ {
		raw := trans[st+cls[data[i]]]
		st = raw &^ matchBit
		if raw&matchBit != 0 && m.matched(sc, st/a.nc, data, i+1) {
			break // every pattern seen: nothing more can be reported
		}
	}
	slices.SortFunc(sc.hits, compareSlotHit)
	for i, h := range sc.hits {
		if m.covered(sc.hits, i) {
			continue
		}
		fn(Hit{Known: m.slotKnown[h.slot], Disguise: m.slotName[h.slot], Offset: h.off})
	}
	for _, h := range sc.hits {
		sc.slotPos[h.slot] = -1
	}
	for _, p := range sc.seenList {
		sc.seen[p] = false
	}
	sc.hits, sc.seenList = sc.hits[:0], sc.seenList[:0]
	m.pool.Put(sc)
}

// covered reports whether hits[i] lies inside a longer hit of the same
// known value: the nosep "40721555123" inside the plain "+40721555123" is one
// leak, not two.
func (m *Matcher) covered(hits []slotHit, i int) bool {
	h := hits[i]
	for j, g := range hits {
		if j != i && m.slotKnown[g.slot] == m.slotKnown[h.slot] && g.off <= h.off && g.end >= h.end && g.end-g.off > h.end-h.off {
			return true
		}
	}
	return false
}

func compareSlotHit(x, y slotHit) int {
	if x.off != y.off {
		return x.off - y.off
	}
	return int(x.slot - y.slot)
}

// matched records the patterns of state s that end at end and reports
// whether all patterns have now been seen. A pattern's later occurrences
// cannot start earlier, so each pattern is looked at until it is verified once.
func (m *Matcher) matched(sc *scratch, s uint32, data []byte, end int) bool {
	a := &m.a
	for _, id := range a.out[a.outStart[s]:a.outStart[s+1]] {
		if sc.seen[id] {
			continue
		}
		p := &m.pats[id]
		start := end - len(p.text)
		if !p.fold && string(data[start:end]) != p.text {
			continue
		}
		sc.seen[id] = true
		sc.seenList = append(sc.seenList, id)
		if j := sc.slotPos[p.slot]; j < 0 {
			sc.slotPos[p.slot] = int32(len(sc.hits))
			sc.hits = append(sc.hits, slotHit{off: start, end: end, slot: p.slot})
		} else if start < sc.hits[j].off {
			// Another pattern of the same name (a Base64 alignment) that is
			// longer can end later yet start earlier.
			sc.hits[j].off, sc.hits[j].end = start, end
		}
	}
	return len(sc.seenList) == len(m.pats)
}
