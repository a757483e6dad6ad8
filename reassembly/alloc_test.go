package reassembly

import (
	"strconv"
	"testing"
)

// countStream counts without keeping anything, so that it allocates nothing.
type countStream struct{ data, gaps, ends int64 }

func (c *countStream) NewStream(*ConnInfo) Stream       { return c }
func (c *countStream) Data(_ Dir, b []byte, _ Position) { c.data += int64(len(b)) }
func (c *countStream) Gap(Dir, int64, Position)         { c.gaps++ }
func (c *countStream) End(*ConnSummary)                 { c.ends++ }

// established returns an Assembler with one connection past its handshake
// and the segments that continue it in order: client data, server ACK.
func established(cs *countStream, size int) (a *Assembler, data, ack *Segment) {
	a = New(Config{}, cs)
	for _, o := range handshake() {
		a.Assemble(o.seg)
	}
	data = &Segment{Src: cli, Dst: srv, Seq: 1001, Ack: 5001, Flags: ACK | PSH, Payload: make([]byte, size), AppUID: -1}
	ack = &Segment{Src: srv, Dst: cli, Seq: 5001, Flags: ACK, AppUID: -1}
	return a, data, ack
}

// step sends one more in-order data segment and its ACK.
func step(a *Assembler, data, ack *Segment) {
	data.Time += 1000
	data.Ref.Frame++
	a.Assemble(data)
	data.Seq += uint32(len(data.Payload))
	ack.Ack = data.Seq
	ack.Time, ack.Ref = data.Time, data.Ref
	a.Assemble(ack)
}

func TestInOrderAllocs(t *testing.T) {
	cs := &countStream{}
	a, data, ack := established(cs, 1460)
	// Fill the overlap window first: it grows to its full size once.
	for range 100 {
		step(a, data, ack)
	}
	if n := testing.AllocsPerRun(1000, func() { step(a, data, ack) }); n != 0 {
		t.Errorf("in-order delivery: %v allocations per segment, want 0", n)
	}
	// AllocsPerRun makes one extra warm-up call.
	if want := int64(1101 * 1460); cs.data != want || cs.gaps != 0 {
		t.Errorf("delivered %d bytes and %d gaps, want %d and 0", cs.data, cs.gaps, want)
	}
}

// TestInOrderCutAllocs: segments cut by the snap length (96 of 1460 bytes
// captured) pass their missing run through the queue as a marker and out as
// a Gap, still without allocating.
func TestInOrderCutAllocs(t *testing.T) {
	cs := &countStream{}
	a, data, ack := established(cs, 96)
	data.WireLen = 1460
	cut := func() {
		data.Time += 1000
		data.Ref.Frame++
		a.Assemble(data)
		data.Seq += 1460
		ack.Ack = data.Seq
		ack.Time, ack.Ref = data.Time, data.Ref
		a.Assemble(ack)
	}
	for range 100 {
		cut()
	}
	if n := testing.AllocsPerRun(1000, cut); n != 0 {
		t.Errorf("cut in-order delivery: %v allocations per segment, want 0", n)
	}
	if st := a.Stats(); cs.data != 1101*96 || cs.gaps != 1101 || st.TruncatedBytes != 1101*(1460-96) || st.MissedBytes != st.TruncatedBytes {
		t.Errorf("delivered %d bytes, %d gaps, stats %+v", cs.data, cs.gaps, st)
	}
}

func TestReorderReusesBuffers(t *testing.T) {
	cs := &countStream{}
	a, data, ack := established(cs, 1460)
	// Send every pair of segments swapped: each first one is queued.
	swap := func() {
		seq := data.Seq
		data.Seq = seq + 1460
		data.Ref.Frame++
		a.Assemble(data)
		data.Seq = seq
		data.Ref.Frame++
		a.Assemble(data)
		data.Seq = seq + 2*1460
		ack.Ack = data.Seq
		a.Assemble(ack)
	}
	for range 100 {
		swap()
	}
	if n := testing.AllocsPerRun(1000, swap); n != 0 {
		t.Errorf("reordered delivery: %v allocations per pair, want 0 once the pool is warm", n)
	}
	if st := a.Stats(); st.OutOfOrder != 1101 || st.MissedBytes != 0 || cs.data != 2202*1460 {
		t.Errorf("stats %+v, delivered %d", st, cs.data)
	}
}

func BenchmarkInOrder(b *testing.B) {
	for _, size := range []int{100, 1460, 16 << 10} {
		b.Run(byteSize(size), func(b *testing.B) {
			cs := &countStream{}
			a, data, ack := established(cs, size)
			b.ReportAllocs()
			b.SetBytes(int64(size))
			for b.Loop() {
				step(a, data, ack)
			}
		})
	}
}

func byteSize(n int) string {
	if n >= 1<<10 && n%(1<<10) == 0 {
		return strconv.Itoa(n>>10) + "KiB"
	}
	return strconv.Itoa(n) + "B"
}
