package reassembly_test

import (
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	gpr "github.com/google/gopacket/reassembly"

	"telltale/reassembly"
)

// The benchmarks run telltale's Assembler and gopacket's reassembly package
// (v1.1.19) side by side on the same segments: each op feeds a whole
// workload to a new assembler and closes it (FlushAll for gopacket), with
// consumers that only count bytes. Decoding is not measured: gopacket gets
// its layers.TCP values decoded beforehand, telltale its Segments.
//
//	go test -run '^$' -bench 'Versus' -benchmem ./reassembly

// workload is a capture's worth of segments, with the bytes they carry.
type workload struct {
	segs  []reassembly.Segment
	bytes int64
}

const mss = 1460

var benchPayload = func() []byte {
	b := make([]byte, 64<<10)
	for i := range b {
		b[i] = byte(i * 7)
	}
	return b
}()

// flowBuilder appends the segments of one connection.
type flowBuilder struct {
	w        *workload
	cli, srv netip.AddrPort
	cseq     uint32
	sseq     uint32
	t        *int64
}

func (f *flowBuilder) add(src, dst netip.AddrPort, seq, ack uint32, fl reassembly.Flags, n int) {
	*f.t += 1000
	f.w.segs = append(f.w.segs, reassembly.Segment{
		Src: src, Dst: dst, Seq: seq, Ack: ack, Flags: fl, Window: 65535,
		Payload: benchPayload[:n], Time: *f.t, AppUID: -1,
		Ref: reassembly.Ref{Frame: uint64(len(f.w.segs) + 1)},
	})
	f.w.bytes += int64(n)
}

func (f *flowBuilder) handshake() {
	f.add(f.cli, f.srv, f.cseq, 0, reassembly.SYN, 0)
	f.add(f.srv, f.cli, f.sseq, f.cseq+1, reassembly.SYN|reassembly.ACK, 0)
	f.cseq++
	f.sseq++
	f.add(f.cli, f.srv, f.cseq, f.sseq, reassembly.ACK, 0)
}

func (f *flowBuilder) close() {
	f.add(f.cli, f.srv, f.cseq, f.sseq, reassembly.FIN|reassembly.ACK, 0)
	f.add(f.srv, f.cli, f.sseq, f.cseq+1, reassembly.FIN|reassembly.ACK, 0)
	f.add(f.cli, f.srv, f.cseq+1, f.sseq+1, reassembly.ACK, 0)
}

var (
	benchCli = netip.MustParseAddrPort("10.0.0.1:40000")
	benchSrv = netip.MustParseAddrPort("10.0.0.2:80")
)

// inOrderBulk: one connection, 4096 full segments to the server, an ACK
// after every second one.
func inOrderBulk() *workload {
	w := &workload{}
	var t int64
	f := &flowBuilder{w: w, cli: benchCli, srv: benchSrv, cseq: 1000, sseq: 5000, t: &t}
	f.handshake()
	for i := range 4096 {
		f.add(f.cli, f.srv, f.cseq, f.sseq, reassembly.ACK, mss)
		f.cseq += mss
		if i%2 == 1 {
			f.add(f.srv, f.cli, f.sseq, f.cseq, reassembly.ACK, 0)
		}
	}
	f.close()
	return w
}

// reorderedBulk: the same data, each window of 32 segments sent in a
// random (seeded) order, then ACKed as a whole.
func reorderedBulk() *workload {
	w := &workload{}
	var t int64
	rng := rand.New(rand.NewPCG(7, 7))
	f := &flowBuilder{w: w, cli: benchCli, srv: benchSrv, cseq: 1000, sseq: 5000, t: &t}
	f.handshake()
	const window = 32
	for range 4096 / window {
		order := rng.Perm(window)
		for _, k := range order {
			f.add(f.cli, f.srv, f.cseq+uint32(k*mss), f.sseq, reassembly.ACK, mss)
		}
		f.cseq += window * mss
		f.add(f.srv, f.cli, f.sseq, f.cseq, reassembly.ACK, 0)
	}
	f.close()
	return w
}

// manySmallFlows: 4096 connections, 64 open at a time and interleaved
// segment by segment: handshake, a 400-byte request, a 1200-byte
// response, FINs.
func manySmallFlows() *workload {
	w := &workload{}
	var t int64
	const conc = 64
	for batch := range 4096 / conc {
		var steps [conc][]reassembly.Segment
		for i := range conc {
			id := batch*conc + i
			cli := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1, byte(id >> 8), byte(id)}), uint16(30000+id%20000))
			sub := &workload{}
			var st int64
			f := &flowBuilder{w: sub, cli: cli, srv: benchSrv, cseq: uint32(id) * 7919, sseq: uint32(id) * 104729, t: &st}
			f.handshake()
			f.add(f.cli, f.srv, f.cseq, f.sseq, reassembly.ACK|reassembly.PSH, 400)
			f.cseq += 400
			f.add(f.srv, f.cli, f.sseq, f.cseq, reassembly.ACK|reassembly.PSH, 1200)
			f.sseq += 1200
			f.add(f.cli, f.srv, f.cseq, f.sseq, reassembly.ACK, 0)
			f.close()
			steps[i] = sub.segs
			w.bytes += sub.bytes
		}
		for k := range len(steps[0]) {
			for i := range conc {
				s := steps[i][k]
				t += 1000
				s.Time = t
				s.Ref = reassembly.Ref{Frame: uint64(len(w.segs) + 1)}
				w.segs = append(w.segs, s)
			}
		}
	}
	return w
}

var benchWorkloads = []struct {
	name string
	make func() *workload
}{
	{"InOrderBulk", inOrderBulk},
	{"Reordered", reorderedBulk},
	{"ManySmallFlows", manySmallFlows},
}

// countFactory counts delivered bytes for telltale.
type countFactory struct{ data, gaps int64 }

func (c *countFactory) NewStream(*reassembly.ConnInfo) reassembly.Stream { return c }
func (c *countFactory) Data(_ reassembly.Dir, b []byte, _ reassembly.Position) {
	c.data += int64(len(b))
}
func (c *countFactory) Gap(_ reassembly.Dir, n int64, _ reassembly.Position) { c.gaps += n }
func (c *countFactory) End(*reassembly.ConnSummary)                          {}

func runOurs(w *workload, c *countFactory) {
	a := reassembly.New(reassembly.Config{}, c)
	for i := range w.segs {
		a.Assemble(&w.segs[i])
	}
	a.Close()
}

// gopacket's side.

type gpInput struct {
	net gopacket.Flow
	tcp *layers.TCP
	ctx *gpContext
}

type gpContext struct{ ci gopacket.CaptureInfo }

func (c *gpContext) GetCaptureInfo() gopacket.CaptureInfo { return c.ci }

type gpCounter struct{ data, skipped int64 }

func (g *gpCounter) New(_, _ gopacket.Flow, _ *layers.TCP, _ gpr.AssemblerContext) gpr.Stream {
	return (*gpStream)(g)
}

type gpStream gpCounter

func (s *gpStream) Accept(_ *layers.TCP, _ gopacket.CaptureInfo, _ gpr.TCPFlowDirection, _ gpr.Sequence, start *bool, _ gpr.AssemblerContext) bool {
	*start = true
	return true
}

func (s *gpStream) ReassembledSG(sg gpr.ScatterGather, _ gpr.AssemblerContext) {
	n, _ := sg.Lengths()
	s.data += int64(n)
	_, _, _, skip := sg.Info()
	if skip > 0 {
		s.skipped += int64(skip)
	}
}

func (s *gpStream) ReassemblyComplete(gpr.AssemblerContext) bool { return true }

// gopacketInputs serializes every segment and decodes it back into a
// layers.TCP, the way gopacket's users obtain them.
func gopacketInputs(tb testing.TB, w *workload) []gpInput {
	out := make([]gpInput, len(w.segs))
	for i, s := range w.segs {
		tcp := &layers.TCP{
			SrcPort: layers.TCPPort(s.Src.Port()), DstPort: layers.TCPPort(s.Dst.Port()),
			Seq: s.Seq, Ack: s.Ack, Window: s.Window, DataOffset: 5,
			SYN: s.Flags&reassembly.SYN != 0, ACK: s.Flags&reassembly.ACK != 0, FIN: s.Flags&reassembly.FIN != 0,
			RST: s.Flags&reassembly.RST != 0, PSH: s.Flags&reassembly.PSH != 0,
		}
		buf := gopacket.NewSerializeBuffer()
		if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true}, tcp, gopacket.Payload(s.Payload)); err != nil {
			tb.Fatal(err)
		}
		dec := &layers.TCP{}
		if err := dec.DecodeFromBytes(buf.Bytes(), gopacket.NilDecodeFeedback); err != nil {
			tb.Fatal(err)
		}
		src, dst := s.Src.Addr().As4(), s.Dst.Addr().As4()
		out[i] = gpInput{
			net: gopacket.NewFlow(layers.EndpointIPv4, src[:], dst[:]),
			tcp: dec,
			ctx: &gpContext{ci: gopacket.CaptureInfo{Timestamp: time.Unix(0, s.Time), CaptureLength: 54 + len(s.Payload), Length: 54 + len(s.Payload)}},
		}
	}
	return out
}

func runGopacket(in []gpInput, c *gpCounter) {
	a := gpr.NewAssembler(gpr.NewStreamPool(c))
	for i := range in {
		a.AssembleWithContext(in[i].net, in[i].tcp, in[i].ctx)
	}
	a.FlushAll()
}

// TestBenchWorkloads checks that both assemblers deliver every byte of
// every workload, so the benchmarks compare equal work.
func TestBenchWorkloads(t *testing.T) {
	for _, wl := range benchWorkloads {
		w := wl.make()
		var ours countFactory
		runOurs(w, &ours)
		var gp gpCounter
		runGopacket(gopacketInputs(t, w), &gp)
		if ours.data != w.bytes || ours.gaps != 0 || gp.data != w.bytes || gp.skipped != 0 {
			t.Errorf("%s: %d bytes sent; telltale delivered %d (gaps %d), gopacket %d (skipped %d)",
				wl.name, w.bytes, ours.data, ours.gaps, gp.data, gp.skipped)
		}
	}
}

func BenchmarkVersus(b *testing.B) {
	for _, wl := range benchWorkloads {
		w := wl.make()
		b.Run(wl.name+"/telltale", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(w.bytes)
			for b.Loop() {
				var c countFactory
				runOurs(w, &c)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(w.segs)), "ns/segment")
		})
		in := gopacketInputs(b, w)
		b.Run(wl.name+"/gopacket", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(w.bytes)
			for b.Loop() {
				var c gpCounter
				runGopacket(in, &c)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(in)), "ns/segment")
		})
	}
}
