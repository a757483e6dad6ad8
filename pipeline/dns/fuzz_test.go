package dns

import (
	"encoding/binary"
	"reflect"
	"testing"
	"unicode/utf8"

	"telltale/reassembly"
)

func fuzzSeeds() [][]byte {
	return [][]byte{
		compressed,
		cat(hdr(1, 0x0100, 1, 0, 0, 0), wname("www.example.com"), q(1, 1)),
		cat(hdr(1, 0x8000, 1, 4, 0, 0), wname("x.example"), q(65, 1),
			ptr(12), rr(65, 1, 5, []byte{0, 1, 0}), ptr(12), rr(16, 1, 6, []byte{2, 'h', 'i'}), ptr(12), rr(15, 1, 7, cat([]byte{0, 10}, ptr(12))),
			ptr(14), rr(39, 1, 8, wname("example.net"))),
		cat(hdr(2, 0x8003, 1, 0, 1, 1), wname("example.com"), q(1, 1), ptr(12), rr(6, 1, 1, cat(ptr(12), ptr(12), make([]byte, 20))),
			wname(""), rr(41, 4096, 0x01000000, []byte{0, 10, 0, 2, 1, 2})),
		cat(hdr(1, 0, 1, 0, 0, 0), ptr(12), q(1, 1)),
		cat(hdr(0, 0x8400, 0, 1, 0, 0), wname("printer.local"), rr(1, 0x8001, 120, []byte{192, 168, 1, 20})),
	}
}

// FuzzParse: no panic; gopacket never refuses what the checks let
// through; answers no more than announced, with valid UTF-8 text; and a
// message parses the same after the parser has seen another one.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	other := fuzzSeeds()[2]
	f.Fuzz(func(t *testing.T, b []byte) {
		var p Parser
		m, err := p.Parse(b)
		if err == ErrDecode {
			t.Fatalf("gopacket refused a checked message: %x", b)
		}
		if err != nil {
			if !reflect.DeepEqual(m, Message{}) {
				t.Fatalf("a message with an error: %+v", m)
			}
			return
		}
		if len(m.Answers) > int(binary.BigEndian.Uint16(b[6:8])) {
			t.Fatalf("%d answers, %d announced", len(m.Answers), binary.BigEndian.Uint16(b[6:8]))
		}
		texts := []string{m.Query, m.QType, m.RCodeName}
		for _, a := range m.Answers {
			texts = append(texts, a.Name, a.Type, a.Data)
			if a.Type == "" || a.Name == "" {
				t.Fatalf("empty answer name or type: %+v", a)
			}
		}
		for _, s := range texts {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 %q", s)
			}
		}
		p.Parse(other)
		again, err := p.Parse(b)
		if err != nil || !reflect.DeepEqual(again, m) {
			t.Fatalf("second parse = %+v, %v; first %+v", again, err, m)
		}
	})
}

// FuzzStream: the bytes given at once, or cut at two points, give the same
// messages at the same offsets, in both directions independently.
func FuzzStream(f *testing.F) {
	seeds := fuzzSeeds()
	f.Add(framed(seeds...), uint16(3), uint16(40), false)
	f.Add(framed(seeds[0], nil, []byte{1, 2, 3}, seeds[1]), uint16(1), uint16(2), true)
	f.Add(append(framed(seeds[2]), 0, 200, 1), uint16(0), uint16(9), false)
	f.Fuzz(func(t *testing.T, stream []byte, c1, c2 uint16, gap bool) {
		run := func(cuts ...int) ([]emitted, Stats) {
			var stats Stats
			s, out := collect(&stats)
			for dir := range reassembly.Dir(2) {
				feed(s, dir, stream, 0, cuts...)
			}
			if gap {
				s.Gap(1, 1, reassembly.Position{Offset: int64(len(stream))})
			}
			s.End()
			for i := range *out {
				(*out)[i].at.Time, (*out)[i].at.Ref = 0, reassembly.Ref{}
			}
			return *out, stats
		}
		whole, ws := run()
		a, b := int(c1)%(len(stream)+1), int(c2)%(len(stream)+1)
		if a > b {
			a, b = b, a
		}
		split, ss := run(a, b)
		if !reflect.DeepEqual(whole, split) || ws != ss {
			t.Fatalf("cut at %d, %d:\n%v %+v\nwhole:\n%v %+v", a, b, split, ss, whole, ws)
		}
		if ws.TCPMessages != int64(len(whole)) || ws.TCPMessages > ws.Messages {
			t.Fatalf("stats %+v for %d messages", ws, len(whole))
		}
	})
}
