package reassembly

import (
	"net/netip"
	"testing"
	"time"
)

// FuzzAssembler turns bytes into segments on two connections (4 bytes per
// segment; some cut by the snap length) and checks the invariants of
// recorder.check (byte accounting, truncated within missed, overlap
// evidence, history letters) plus contiguous offsets, Positions naming real
// frames, nothing after End, and an empty Assembler after Close.
func FuzzAssembler(f *testing.F) {
	f.Add([]byte{0x00, 0x08, 0x40, 0x00, 0x00, 0x0c, 0x40, 0x05, 0x00, 0x04, 0x40, 0x45, 0x00})
	f.Add([]byte{0x81, 0x08, 0x40, 0x00, 0x00, 0x04, 0x50, 0x10, 0x00, 0x04, 0x40, 0x10, 0x00, 0x04, 0x48, 0x90, 0x00, 0xf0, 0x20, 0, 0})
	f.Add([]byte{0x40, 0x0e, 0x40, 0, 0, 0x0f, 0x40, 0, 0, 0x04, 0x41, 0x08, 0x01, 0x06, 0x40, 0x08, 0x01, 0x10, 0x40, 0, 0, 0x14, 0x40, 0, 0})
	f.Add([]byte{0x02, 0x18, 0x40, 0x1f, 0x00, 0x18, 0x30, 0x1f, 0x00, 0x1a, 0x44, 0x00, 0x00, 0x14, 0x60, 0x00, 0x00})
	f.Add([]byte{0xc3, 0x05, 0x70, 0x1f, 0x01, 0x07, 0x70, 0x1f, 0x02, 0x05, 0x10, 0x9f, 0x03, 0x09, 0x60, 0x9f, 0x00})
	// Cut segments (b0 bits 5-6 set): in order, out of order, then filled.
	f.Add([]byte{0x00, 0x08, 0x40, 0x00, 0x60, 0x00, 0x04, 0x0c, 0x60, 0x0a, 0x04, 0x10, 0x00, 0xf6, 0x0a, 0x00, 0x00, 0x00, 0x10, 0x00})
	f.Add([]byte{0x3f, 0x08, 0x40, 0x00, 0x60, 0x10, 0x00, 0x08, 0x00, 0x00, 0x1f, 0x04, 0x80, 0x00, 0x06, 0x00})
	f.Fuzz(fuzzAssembler)
}

func fuzzAssembler(t *testing.T, data []byte) {
	if len(data) == 0 || len(data) > 1025 {
		return // 256 segments are plenty; longer inputs only slow down minimisation
	}
	c0 := data[0]
	data = data[1:]
	cfg := Config{
		IdleTimeout:       time.Second,
		MaxBufferedPerDir: 16 + int(c0&0x3f),
		MaxBufferedTotal:  64,
		MaxConns:          1 + int(c0>>6&1),
		OverlapWindow:     [2]int{8, -1}[c0>>7],
	}
	r := newRecorder(t)
	r.copy = false
	a := New(cfg, r)
	ends := [2][2]netip.AddrPort{{cli, srv}, {cli2, srv}}
	isn := [2][2]uint32{{0xFFFFFFE0, 5000}, {2000, 0x7FFFFFF8}}
	var cur [2][2]int64 // highest offset sent per stream, to keep segments near each other
	now := int64(1)
	frame := uint64(0)
	var payload [40]byte
	for ; len(data) >= 4; data = data[4:] {
		b0, b1, b2, b3 := data[0], data[1], data[2], data[3]
		if b0&0xf0 == 0xf0 {
			now += int64(b1) * 20 * msec
			a.Advance(now)
			continue
		}
		ci, d := int(b0&1), int(b0>>1&1)
		var fl Flags
		switch b0 >> 2 & 7 {
		case 0, 1:
			fl = ACK
		case 2:
			fl = SYN
		case 3:
			fl = SYN | ACK
		case 4:
			fl = FIN | ACK
		case 5:
			fl = RST
		case 6:
			fl = PSH
		case 7:
			fl = FIN
		}
		if b0&0x80 != 0 {
			fl |= ACK
		}
		off := cur[ci][d] + int64(int8(b1))
		n := int64(b2 & 31)
		if fl&(SYN|RST) != 0 {
			n &= 3
		}
		for k := range n {
			payload[k] = byte((off+k)*7) + byte(d)
			if b2&0x80 != 0 {
				payload[k] ^= 0x55 // a retransmission with other bytes
			}
		}
		s := &Segment{
			Src:     ends[ci][d],
			Dst:     ends[ci][1-d],
			Seq:     isn[ci][d] + 1 + uint32(off),
			Ack:     isn[ci][1-d] + 1 + uint32(cur[ci][1-d]+int64(int8(b3))/4),
			Flags:   fl,
			Payload: payload[:n],
			AppUID:  -1,
		}
		if fl&SYN != 0 {
			s.Seq = isn[ci][d] + uint32(b2>>5&3)*1000 // sometimes another ISN: reuse
		}
		wire := n
		if b0>>5&3 == 3 {
			wire += 1 + int64(b3>>2&7) // the snap length cut the rest
			s.WireLen = int(wire)
		}
		cur[ci][d] = max(cur[ci][d], off+wire)
		now += int64(b3&3) * msec
		frame++
		s.Time, s.Ref = now, Ref{Frame: frame}
		r.times[s.Ref] = s.Time
		a.Assemble(s)
		for k := range payload {
			payload[k] = 0xCC
		}
	}
	a.Close()
	r.check(a.Stats())
	if len(a.conns) != 0 || a.queued != 0 || len(a.buffering) != 0 || a.lru.next != &a.lru {
		t.Errorf("after Close: %d conns, %d queued bytes, %d buffering", len(a.conns), a.queued, len(a.buffering))
	}
}
