package publish

import (
	"slices"
	"strings"
)

// dict finds the values to replace inside free text: identifier values,
// client addresses and the disguises of known values. It is an Aho-Corasick
// automaton over ASCII-folded bytes, so "A4:50:46" in a header is found
// as well as "a4:50:46" in a field, and it reports for every position the
// longest pattern starting there.
//
// Transitions live in per-state edge lists rather than a dense table: the
// patterns are whole identifier values, many and long, and a dense table
// would cost 1 KiB per trie node.
type dict struct {
	root  [256]int32 // transitions of the root; 0 means none
	kids  [][]edge   // transitions of the other states, sorted by byte
	fail  []int32
	pat   []int32 // pattern ending exactly at the state, or -1
	link  []int32 // nearest state on the failure chain that ends a pattern; 0 if none
	depth []int32
	cands [][]cand // per pattern: the spellings that fold to it, sorted
}

type edge struct {
	c  byte
	to int32
}

// cand is one spelling of a pattern and what replaces it.
type cand struct {
	orig, with string
}

// entry is one value to find and its replacement.
type entry struct {
	value, with string
}

func lowerByte(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func foldString(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				b[j] = lowerByte(b[j])
			}
			return string(b)
		}
	}
	return s
}

// newDict compiles the entries (empty values are ignored). Entries whose
// values fold to the same text share a pattern; all spellings are kept so
// that an exact occurrence gets its own replacement. The result depends on
// the order of entries only for a value given twice.
func newDict(entries []entry) *dict {
	byFold := map[string][]cand{}
	for _, e := range entries {
		if e.value == "" {
			continue
		}
		f := foldString(e.value)
		byFold[f] = append(byFold[f], cand{orig: e.value, with: e.with})
	}
	folds := make([]string, 0, len(byFold))
	for f := range byFold {
		folds = append(folds, f)
	}
	slices.Sort(folds) // construction order must not follow map order

	d := &dict{kids: [][]edge{nil}, fail: []int32{0}, pat: []int32{-1}, link: []int32{0}, depth: []int32{0}}
	for id, f := range folds {
		cs := byFold[f]
		// For a spelling given twice the first entry wins: callers list
		// values before the disguises that might equal them.
		slices.SortStableFunc(cs, func(a, b cand) int { return strings.Compare(a.orig, b.orig) })
		cs = slices.CompactFunc(cs, func(a, b cand) bool { return a.orig == b.orig })
		d.cands = append(d.cands, cs)
		s := int32(0)
		for i := 0; i < len(f); i++ {
			t := d.child(s, f[i])
			if t == 0 {
				t = int32(len(d.pat))
				d.kids = append(d.kids, nil)
				d.fail = append(d.fail, 0)
				d.pat = append(d.pat, -1)
				d.link = append(d.link, 0)
				d.depth = append(d.depth, d.depth[s]+1)
				d.addChild(s, f[i], t)
			}
			s = t
		}
		d.pat[s] = int32(id)
	}

	// Failure links, breadth first so that a state's failure target is done
	// before the state's children need it.
	var queue []int32
	for c := 0; c < 256; c++ {
		if t := d.root[c]; t != 0 {
			queue = append(queue, t)
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, e := range d.kids[s] {
			f := d.step(d.fail[s], e.c)
			d.fail[e.to] = f
			if d.pat[f] >= 0 {
				d.link[e.to] = f
			} else {
				d.link[e.to] = d.link[f]
			}
			queue = append(queue, e.to)
		}
	}
	return d
}

func (d *dict) child(s int32, c byte) int32 {
	if s == 0 {
		return d.root[c]
	}
	ks := d.kids[s]
	i, ok := slices.BinarySearchFunc(ks, c, func(e edge, c byte) int { return int(e.c) - int(c) })
	if ok {
		return ks[i].to
	}
	return 0
}

func (d *dict) addChild(s int32, c byte, t int32) {
	if s == 0 {
		d.root[c] = t
		return
	}
	ks := d.kids[s]
	i, _ := slices.BinarySearchFunc(ks, c, func(e edge, c byte) int { return int(e.c) - int(c) })
	d.kids[s] = slices.Insert(ks, i, edge{c, t})
}

// step is the automaton's transition from s on the folded byte c.
func (d *dict) step(s int32, c byte) int32 {
	for {
		if t := d.child(s, c); t != 0 || s == 0 {
			return t
		}
		s = d.fail[s]
	}
}

// find sets best[i] to the length of the longest pattern starting at byte i
// of text (0 for none) and pat[i] to that pattern, and reports whether there
// was any. best and pat must hold len(text) zeroed entries.
func (d *dict) find(text string, best, pat []int32) bool {
	any := false
	s := int32(0)
	for i := 0; i < len(text); i++ {
		s = d.step(s, lowerByte(text[i]))
		t := s
		if d.pat[t] < 0 {
			t = d.link[t]
		}
		for t != 0 {
			start := i + 1 - int(d.depth[t])
			if d.depth[t] > best[start] {
				best[start], pat[start] = d.depth[t], d.pat[t]
			}
			any = true
			t = d.link[t]
		}
	}
	return any
}

// replacement picks the spelling of pattern p that equals the matched bytes,
// or else the least spelling, so that an exact occurrence of a value gets
// the same pseudonym as the value itself.
func (d *dict) replacement(p int32, matched string) string {
	cs := d.cands[p]
	for _, c := range cs {
		if c.orig == matched {
			return c.with
		}
	}
	return cs[0].with
}
