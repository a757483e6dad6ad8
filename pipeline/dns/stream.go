package dns

import (
	"encoding/binary"

	"telltale/reassembly"
)

// StreamParser reads DNS over TCP: in each direction, messages each
// preceded by their length in 2 bytes (RFC 1035 section 4.2.2, RFC 7766).
// It is not safe for concurrent use.
//
// A message that does not parse is counted and skipped: its length prefix
// still says where the next one starts. A gap stops its direction (the
// framing is lost; DNS has no marker to find it again) and is counted once.
type StreamParser struct {
	p     Parser
	emit  func(dir reassembly.Dir, m Message, at reassembly.Position)
	stats *Stats
	dirs  [2]streamDir
}

type streamDir struct {
	buf     []byte              // a message begun in an earlier Data: its length prefix and what came of it
	start   reassembly.Position // where buf's first byte is
	stopped bool
}

// NewStreamParser returns a StreamParser for one connection that calls emit
// with each message parsed, at the position of its length prefix. stats
// may be shared between connections; nil counts nothing.
func NewStreamParser(emit func(dir reassembly.Dir, m Message, at reassembly.Position), stats *Stats) *StreamParser {
	if stats == nil {
		stats = new(Stats)
	}
	return &StreamParser{p: Parser{Stats: stats}, emit: emit, stats: stats}
}

// Data takes the next bytes of a direction; b is not kept. A message's
// position is that of the Data call holding its first byte, with the
// offset moved to that byte.
func (s *StreamParser) Data(dir reassembly.Dir, b []byte, at reassembly.Position) {
	d := &s.dirs[dir&1]
	if d.stopped {
		return
	}
	off := 0
	for off < len(b) {
		if len(d.buf) == 0 {
			// Messages wholly inside b are parsed where they are.
			rest := b[off:]
			if len(rest) >= 2 {
				if n := 2 + int(binary.BigEndian.Uint16(rest)); len(rest) >= n {
					s.message(dir, rest[2:n], moved(at, off))
					off += n
					continue
				}
			}
			d.start = moved(at, off)
		}
		want := 2
		if len(d.buf) >= 2 {
			want += int(binary.BigEndian.Uint16(d.buf))
		}
		take := min(want-len(d.buf), len(b)-off)
		d.buf = append(d.buf, b[off:off+take]...)
		off += take
		if len(d.buf) < 2 {
			continue
		}
		if n := 2 + int(binary.BigEndian.Uint16(d.buf)); len(d.buf) == n {
			s.message(dir, d.buf[2:], d.start)
			d.buf = d.buf[:0]
		}
	}
}

// moved is at with its offset moved n bytes on.
func moved(at reassembly.Position, n int) reassembly.Position {
	at.Offset += int64(n)
	return at
}

func (s *StreamParser) message(dir reassembly.Dir, b []byte, at reassembly.Position) {
	m, err := s.p.Parse(b)
	if err != nil {
		return
	}
	s.stats.TCPMessages++
	if s.emit != nil {
		s.emit(dir, m, at)
	}
}

// Gap says n bytes of a direction are missing: the direction stops.
func (s *StreamParser) Gap(dir reassembly.Dir, n int64, at reassembly.Position) {
	d := &s.dirs[dir&1]
	if d.stopped {
		return
	}
	s.stats.Gaps++
	d.stopped = true
	s.drop(d)
}

// End says the connection is over: messages begun and not finished are
// counted as partial.
func (s *StreamParser) End() {
	for i := range s.dirs {
		s.drop(&s.dirs[i])
	}
}

func (s *StreamParser) drop(d *streamDir) {
	if len(d.buf) > 0 {
		s.stats.TCPPartial++
	}
	d.buf = nil
}
