package dns

import (
	"fmt"
	"reflect"
	"testing"

	"telltale/reassembly"
)

type emitted struct {
	dir reassembly.Dir
	m   Message
	at  reassembly.Position
}

func (e emitted) String() string {
	return fmt.Sprintf("%v id=%d %s off=%d time=%d frame=%d", e.dir, e.m.ID, e.m.Query, e.at.Offset, e.at.Time, e.at.Ref.Frame)
}

// feed pushes stream (one direction, starting at offset base) cut at the
// given points; each push's position has Time and Ref.Frame equal to its
// offset, so that the position of a message says which push carried its
// first byte. The caller's buffer is overwritten after each push, to catch
// bytes kept past the call.
func feed(s *StreamParser, dir reassembly.Dir, stream []byte, base int64, cuts ...int) {
	prev := 0
	for _, c := range append(cuts, len(stream)) {
		if c < prev {
			continue
		}
		off := base + int64(prev)
		b := append([]byte(nil), stream[prev:c]...)
		s.Data(dir, b, reassembly.Position{Offset: off, Time: off, Ref: reassembly.Ref{Frame: uint64(off)}})
		for i := range b {
			b[i] = 0xee
		}
		prev = c
	}
}

func collect(stats *Stats) (*StreamParser, *[]emitted) {
	var out []emitted
	s := NewStreamParser(func(dir reassembly.Dir, m Message, at reassembly.Position) {
		out = append(out, emitted{dir, m, at})
	}, stats)
	return s, &out
}

func TestStreamSplits(t *testing.T) {
	query := cat(hdr(0x1111, 0x0100, 1, 0, 0, 0), wname("www.example.com"), q(1, 1))
	stream := framed(query, compressed, []byte{1, 2, 3, 4, 5}, nil, query)
	// Message starts: 0, 35, 35+2+len(compressed), then a malformed one
	// and an empty one, then the query again.
	starts := []int{0, 2 + len(query)}
	starts = append(starts, starts[1]+2+len(compressed))
	last := starts[2] + 2 + 5 + 2
	const base = 1000
	msgAt := func(m Message, start, pushStart int) emitted {
		off := int64(base + start)
		return emitted{reassembly.ServerToClient, m, reassembly.Position{Offset: off, Time: base + int64(pushStart), Ref: reassembly.Ref{Frame: uint64(base + pushStart)}}}
	}
	wantQuery := Message{ID: 0x1111, RCodeName: "NOERROR", Query: "www.example.com", QType: "A", QClass: 1}
	// want gives the emissions when the stream is cut at the given
	// points: a message's position is that of the push holding its
	// first byte.
	want := func(cuts ...int) []emitted {
		push := func(at int) int {
			p := 0
			for _, c := range cuts {
				if c <= at {
					p = c
				}
			}
			return p
		}
		return []emitted{
			msgAt(wantQuery, starts[0], push(starts[0])),
			msgAt(wantCompressed, starts[1], push(starts[1])),
			msgAt(wantQuery, last, push(last)),
		}
	}
	check := func(t *testing.T, name string, cuts ...int) {
		t.Helper()
		stats := Stats{}
		s, out := collect(&stats)
		feed(s, reassembly.ServerToClient, stream, base, cuts...)
		s.End()
		if w := want(cuts...); !reflect.DeepEqual(*out, w) {
			t.Fatalf("%s: emitted\n%v\nwant\n%v", name, *out, w)
		}
		if stats.TCPMessages != 3 || stats.Messages != 3 || stats.Malformed != 2 || stats.TCPPartial != 0 || stats.Gaps != 0 {
			t.Fatalf("%s: stats %+v", name, stats)
		}
	}
	check(t, "whole")
	for i := 1; i < len(stream); i++ {
		check(t, fmt.Sprintf("cut at %d", i), i)
	}
	var every []int
	for i := 1; i < len(stream); i++ {
		every = append(every, i)
	}
	check(t, "byte by byte", every...)
	var pairs []int
	for i := 1; i < len(stream); i += 2 {
		pairs = append(pairs, i)
	}
	check(t, "2 bytes, odd boundaries", pairs...)
}

func TestStreamGapAndEnd(t *testing.T) {
	query := cat(hdr(0x2222, 0x0100, 1, 0, 0, 0), wname("a.example"), q(1, 1))
	one := framed(query)
	tests := []struct {
		name    string
		run     func(s *StreamParser)
		ids     []uint16 // emitted, in order
		gaps    int64
		partial int64
	}{
		{"gap between messages stops the direction", func(s *StreamParser) {
			s.Data(0, one, reassembly.Position{})
			s.Gap(0, 10, reassembly.Position{Offset: int64(len(one))})
			s.Data(0, one, reassembly.Position{Offset: int64(len(one)) + 10})
			s.End()
		}, []uint16{0x2222}, 1, 0},
		{"gap inside a message", func(s *StreamParser) {
			s.Data(0, one[:7], reassembly.Position{})
			s.Gap(0, 3, reassembly.Position{Offset: 7})
			s.Gap(0, 3, reassembly.Position{Offset: 10}) // counted once
			s.Data(0, one[10:], reassembly.Position{Offset: 10})
			s.End()
		}, nil, 1, 1},
		{"the other direction goes on", func(s *StreamParser) {
			s.Gap(1, 5, reassembly.Position{})
			s.Data(0, one, reassembly.Position{})
			s.Data(1, one, reassembly.Position{Offset: 5})
			s.End()
		}, []uint16{0x2222}, 1, 0},
		{"end inside a length prefix and inside a message", func(s *StreamParser) {
			s.Data(0, one[:1], reassembly.Position{})
			s.Data(1, append(one, one[:5]...), reassembly.Position{})
			s.End()
			s.End()
		}, []uint16{0x2222}, 0, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			stats := Stats{}
			s, out := collect(&stats)
			tc.run(s)
			var ids []uint16
			for _, e := range *out {
				ids = append(ids, e.m.ID)
			}
			if !reflect.DeepEqual(ids, tc.ids) || stats.Gaps != tc.gaps || stats.TCPPartial != tc.partial {
				t.Errorf("ids %v, gaps %d, partial %d; want %v, %d, %d", ids, stats.Gaps, stats.TCPPartial, tc.ids, tc.gaps, tc.partial)
			}
		})
	}
}

// A StreamParser made with nil stats and a nil emit still works.
func TestStreamNil(t *testing.T) {
	s := NewStreamParser(nil, nil)
	s.Data(0, framed(compressed), reassembly.Position{})
	s.Gap(1, 1, reassembly.Position{})
	s.End()
}
