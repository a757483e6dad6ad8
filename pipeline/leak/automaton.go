package leak

// automaton is an Aho-Corasick automaton compiled to a DFA over byte
// classes. It folds ASCII case: patterns are inserted lower-cased and upper-
// and lower-case letters share a class, so one pass finds the case-insensitive
// patterns; the Matcher checks the exact bytes of case-sensitive ones.
//
// github.com/coregx/ahocorasick (the one Aho-Corasick module the project may
// use) was not taken: it has no ASCII folding, and its only overlapping search
// returns a freshly allocated slice of every match, while Find must report
// overlapping patterns without allocating.
type automaton struct {
	cls [256]uint32 // byte -> class; 'A'..'Z' share the class of 'a'..'z'
	nc  uint32      // number of classes; state s has row trans[s*nc : (s+1)*nc]
	// trans holds, per state and class, the next state premultiplied by nc,
	// with matchBit set when that state ends at least one pattern.
	trans []uint32
	// out[outStart[s]:outStart[s+1]] are the patterns ending in state s,
	// including those ending in the states its failure links lead to.
	outStart []uint32
	out      []int32
}

const matchBit = 1 << 31

// asciiLower folds one byte; other bytes pass unchanged.
func asciiLower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// newAutomaton compiles the patterns (none empty). Pattern ids are their
// indexes in pats.
func newAutomaton(pats []string) automaton {
	var a automaton
	var used [256]bool
	for _, p := range pats {
		for i := 0; i < len(p); i++ {
			used[asciiLower(p[i])] = true
		}
	}
	nc := uint32(1) // class 0: bytes in no pattern
	for b := 0; b < 256; b++ {
		if used[b] && asciiLower(byte(b)) == byte(b) {
			a.cls[b] = nc
			nc++
		}
	}
	for b := 'A'; b <= 'Z'; b++ {
		a.cls[b] = a.cls[b+'a'-'A']
	}
	a.nc = nc

	// Trie, with -1 for a missing edge.
	next := make([]int32, nc)
	for i := range next {
		next[i] = -1
	}
	ownHead := []int32{-1} // per state: first pattern ending there
	ownNext := make([]int32, len(pats))
	for id, p := range pats {
		s := int32(0)
		for i := 0; i < len(p); i++ {
			e := uint32(s)*nc + a.cls[p[i]]
			t := next[e]
			if t < 0 {
				t = int32(len(ownHead))
				next[e] = t
				ownHead = append(ownHead, -1)
				for range nc {
					next = append(next, -1)
				}
			}
			s = t
		}
		ownNext[id] = ownHead[s]
		ownHead[s] = int32(id)
	}
	states := len(ownHead)
	if uint64(states)*uint64(nc) >= matchBit {
		panic("leak: too many patterns for one automaton")
	}

	// Breadth-first: fill the missing edges from the failure state, whose row
	// is complete because it is shallower.
	fail := make([]int32, states)
	order := make([]int32, 0, states)
	for c := uint32(0); c < nc; c++ {
		if t := next[c]; t < 0 {
			next[c] = 0
		} else {
			order = append(order, t)
		}
	}
	for q := 0; q < len(order); q++ {
		s := uint32(order[q])
		f := uint32(fail[s])
		for c := uint32(0); c < nc; c++ {
			t := next[s*nc+c]
			fc := next[f*nc+c]
			if t < 0 {
				next[s*nc+c] = fc
			} else {
				fail[t] = fc
				order = append(order, t)
			}
		}
	}

	// Outputs in state order; a state's list is its own patterns followed by
	// the list of its failure state, which (being shallower) is already done.
	start := make([]uint32, states)
	end := make([]uint32, states)
	for _, s := range order {
		start[s] = uint32(len(a.out))
		for id := ownHead[s]; id >= 0; id = ownNext[id] {
			a.out = append(a.out, id)
		}
		f := fail[s]
		a.out = append(a.out, a.out[start[f]:end[f]]...)
		end[s] = uint32(len(a.out))
	}
	// Re-lay the lists by state number so that one offset array suffices.
	flat := make([]int32, 0, len(a.out))
	a.outStart = make([]uint32, states+1)
	for s := 0; s < states; s++ {
		a.outStart[s] = uint32(len(flat))
		flat = append(flat, a.out[start[s]:end[s]]...)
	}
	a.outStart[states] = uint32(len(flat))
	a.out = flat

	a.trans = make([]uint32, len(next))
	for i, t := range next {
		v := uint32(t) * nc
		if a.outStart[t+1] > a.outStart[t] {
			v |= matchBit
		}
		a.trans[i] = v
	}
	return a
}
