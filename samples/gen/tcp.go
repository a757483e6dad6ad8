package main

import (
	"fmt"
	"net"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// Host is one IPv4 end point. It keeps the state a real stack shares across
// its connections: the IP identification counter.
type Host struct {
	Name string
	IP   net.IP
	MAC  net.HardwareAddr
	TTL  uint8
	ipID uint16
}

// Dir is the direction of a segment within a conversation.
type Dir int

const (
	C2S Dir = iota // client to server
	S2C            // server to client
)

func (d Dir) other() Dir { return 1 - d }

// Packet is one IPv4 packet put on the wire, before link-layer framing.
type Packet struct {
	Time time.Time
	IP   []byte // IPv4 header, TCP header and payload
	Conv *Conv
	Dir  Dir
}

// Src and Dst are the hosts sending and receiving p.
func (p Packet) Src() *Host { return p.Conv.host(p.Dir) }
func (p Packet) Dst() *Host { return p.Conv.host(p.Dir.other()) }

// Timeline collects the packets of one capture in wire order and owns the
// capture clock. The clock only moves forward, by fixed amounts, so the
// output depends on nothing but the calls made.
type Timeline struct {
	now   time.Time
	pkts  []Packet
	convs []*Conv
}

// NewTimeline starts a capture at t0.
func NewTimeline(t0 time.Time) *Timeline { return &Timeline{now: t0} }

// Advance moves the capture clock forward, e.g. for user think time.
func (tl *Timeline) Advance(d time.Duration) { tl.now = tl.now.Add(d) }

// Now is the current capture time.
func (tl *Timeline) Now() time.Time { return tl.now }

// Packets returns every packet so far, in wire order.
func (tl *Timeline) Packets() []Packet { return tl.pkts }

// Convs returns the conversations in the order they were opened.
func (tl *Timeline) Convs() []*Conv { return tl.convs }

// Conv builds one TCP conversation: a three-way handshake, data written in
// MSS-sized segments with correct sequence and acknowledgment numbers, and a
// FIN teardown. Every segment is appended to the timeline at once, so
// conversations interleave in the order the scenario drives them.
type Conv struct {
	tl                     *Timeline
	Client, Server         *Host
	ClientPort, ServerPort uint16
	// HostName is the HTTP Host (or TLS SNI) the client talks to.
	HostName string
	// MSS is the largest payload per segment; 1460 unless set before writing.
	MSS int
	// RTT is the round-trip time; half of it passes whenever the sending
	// side changes.
	RTT time.Duration
	// Requests counts HTTP requests sent so far; the scenario uses it as the
	// next request index.
	Requests int
	Protocol string
	Note     string

	nxt  [2]uint32 // next sequence number each direction will send
	last Dir
}

// Dial opens a conversation with a full three-way handshake. isn gives the
// initial sequence numbers of the client and the server.
func (tl *Timeline) Dial(cli *Host, cport uint16, srv *Host, sport uint16, hostName string, isn [2]uint32) *Conv {
	c := &Conv{
		tl: tl, Client: cli, Server: srv, ClientPort: cport, ServerPort: sport,
		HostName: hostName, MSS: 1460, RTT: 24 * time.Millisecond, Protocol: "http",
		nxt: isn, last: S2C,
	}
	tl.convs = append(tl.convs, c)
	c.emit(C2S, synOptions, tcpFlags{syn: true}, c.nxt[C2S], 0, nil)
	c.nxt[C2S]++
	c.emit(S2C, synOptions, tcpFlags{syn: true, ack: true}, c.nxt[S2C], c.nxt[C2S], nil)
	c.nxt[S2C]++
	c.Ack(C2S)
	return c
}

// synOptions are the options of both SYNs: MSS 1460 and SACK permitted.
var synOptions = []layers.TCPOption{
	{OptionType: layers.TCPOptionKindMSS, OptionLength: 4, OptionData: []byte{0x05, 0xb4}},
	{OptionType: layers.TCPOptionKindNop},
	{OptionType: layers.TCPOptionKindNop},
	{OptionType: layers.TCPOptionKindSACKPermitted, OptionLength: 2},
}

// WriteOpts alter how one Write is put on the wire. Indices count the
// segments of that write from 0, in sequence order.
type WriteOpts struct {
	// MSS overrides the conversation's MSS for this write.
	MSS int
	// Swap lists pairs of segments sent in each other's place (arrival out of
	// order). Pairs are applied in order.
	Swap [][2]int
	// Retransmit lists segments sent a second time, byte-identical, after all
	// segments of the write and after a retransmission timeout (200ms, the
	// Linux minimum RTO): the receiver has all the data by then, so for it
	// the copies are duplicates.
	Retransmit []int
}

// Write sends data from d as one application write: consecutive segments of
// at most MSS bytes, PSH on the last, each acknowledging everything the
// other side has sent. It returns the number of segments (without
// retransmissions).
func (c *Conv) Write(d Dir, data []byte, o WriteOpts) int {
	mss := c.MSS
	if o.MSS > 0 {
		mss = o.MSS
	}
	type seg struct {
		seq  uint32
		data []byte
		psh  bool
	}
	var segs []seg
	seq := c.nxt[d]
	for off := 0; off < len(data); off += mss {
		end := min(off+mss, len(data))
		segs = append(segs, seg{seq: seq + uint32(off), data: data[off:end], psh: end == len(data)})
	}
	order := make([]int, len(segs))
	for i := range order {
		order[i] = i
	}
	for _, p := range o.Swap {
		if max(p[0], p[1]) >= len(segs) {
			panic(fmt.Sprintf("gen: swap %v of a %d-segment write", p, len(segs)))
		}
		order[p[0]], order[p[1]] = order[p[1]], order[p[0]]
	}
	for _, i := range o.Retransmit {
		if i >= len(segs) {
			panic(fmt.Sprintf("gen: retransmit %d of a %d-segment write", i, len(segs)))
		}
	}
	first := len(order)
	order = append(order, o.Retransmit...)
	for k, i := range order {
		if k == first {
			c.tl.Advance(rto)
		}
		s := segs[i]
		c.emit(d, nil, tcpFlags{ack: true, psh: s.psh}, s.seq, c.nxt[d.other()], s.data)
	}
	c.nxt[d] += uint32(len(data))
	return len(segs)
}

// Ack sends a pure acknowledgment from d for everything received so far.
func (c *Conv) Ack(d Dir) {
	c.emit(d, nil, tcpFlags{ack: true}, c.nxt[d], c.nxt[d.other()], nil)
}

// Close tears the connection down, d sending the first FIN: FIN/ACK, FIN/ACK,
// ACK.
func (c *Conv) Close(d Dir) {
	c.emit(d, nil, tcpFlags{fin: true, ack: true}, c.nxt[d], c.nxt[d.other()], nil)
	c.nxt[d]++
	o := d.other()
	c.emit(o, nil, tcpFlags{fin: true, ack: true}, c.nxt[o], c.nxt[d], nil)
	c.nxt[o]++
	c.Ack(d)
}

func (c *Conv) host(d Dir) *Host {
	if d == C2S {
		return c.Client
	}
	return c.Server
}

func (c *Conv) ports(d Dir) (src, dst uint16) {
	if d == C2S {
		return c.ClientPort, c.ServerPort
	}
	return c.ServerPort, c.ClientPort
}

const rto = 200 * time.Millisecond

type tcpFlags struct{ syn, ack, psh, fin bool }

// emit serializes one segment and appends it to the timeline. The clock
// moves by half an RTT when the sending side changes and by 90µs between
// back-to-back segments of the same side.
func (c *Conv) emit(d Dir, opts []layers.TCPOption, f tcpFlags, seq, ack uint32, payload []byte) {
	if d != c.last {
		c.tl.Advance(c.RTT / 2)
	} else {
		c.tl.Advance(90 * time.Microsecond)
	}
	c.last = d
	src, dst := c.host(d), c.host(d.other())
	sport, dport := c.ports(d)
	src.ipID++
	ip := &layers.IPv4{
		Version: 4, IHL: 5, Id: src.ipID, Flags: layers.IPv4DontFragment,
		TTL: src.TTL, Protocol: layers.IPProtocolTCP, SrcIP: src.IP, DstIP: dst.IP,
	}
	tcp := &layers.TCP{
		SrcPort: layers.TCPPort(sport), DstPort: layers.TCPPort(dport),
		Seq: seq, SYN: f.syn, ACK: f.ack, PSH: f.psh, FIN: f.fin,
		Window: 64240, Options: opts,
	}
	if f.ack {
		tcp.Ack = ack
	}
	if err := tcp.SetNetworkLayerForChecksum(ip); err != nil {
		panic(err) // only fails for a non-IP network layer
	}
	buf := gopacket.NewSerializeBuffer()
	err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
		ip, tcp, gopacket.Payload(payload))
	if err != nil {
		panic(fmt.Sprintf("gen: serialize %s:%d: %v", src.IP, sport, err))
	}
	c.tl.pkts = append(c.tl.pkts, Packet{
		Time: c.tl.now, IP: append([]byte(nil), buf.Bytes()...), Conv: c, Dir: d,
	})
}
