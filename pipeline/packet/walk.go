package packet

import (
	"errors"
	"net/netip"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"telltale/reassembly"
)

// A frame is decoded by walking its layers: each step reads one header at
// the front of walk.b, narrows b to what the header carries and names the
// layer that comes next. The walk stops at TCP (a segment) or at a layer
// that cannot lead to one (a skip reason).
//
// The walk is driven by a gopacket.DecodingLayerParser: every step is a
// DecodingLayer (stepLayer) whose LayerPayload is walk.b and whose
// NextLayerType is the layer the step named. Standard headers are decoded
// by gopacket's own layer structs inside their steps (see gopacketLayers);
// what a DecodingLayerParser cannot express on its own stays in the walk
// state: a tunnel restarting the same layers (the structs are simply
// decoded again), a reassembled datagram replacing the bytes (the IP
// step's payload is the reassembly buffer), the encapsulation path, snap
// length cuts and the bounds on depth.

// proto names the layer at the front of walk.b.
type proto uint8

const (
	pUnsupported proto = iota
	pEthernet
	pVLAN // the rest of an 802.1Q / 802.1ad tag after its TPID
	pLLC
	pPPPoE
	pPPP // a PPP protocol field, with or without address and control bytes
	pMPLS
	pSLL
	pSLL2
	pNull
	pCHDLC
	pNFLOG
	pWLAN // an IEEE 802.11 data frame (Aruba GRE)
	pIP   // IPv4 or IPv6, as the version nibble says
	pIPv4
	pIPv6
	pTCP
	pUDP
	pDNS // end: a UDP payload to or from a DNS port
	pGRE
	pVXLAN
	pVXLANGPE
	pGeneve
	pGTPU
	pTeredo
	pAYIYA
	pL2TP
	pNonIP // end: not IP
	pOther // end: IP, but nothing that leads to TCP
	pStart // the parser's first layer: goes on with walk.next
	numProtos
)

// walk is the state of one frame's decoding.
type walk struct {
	b []byte // the current layer and everything after it
	// cut says whether b may be shorter than its enclosing length field
	// says because the capture cut it. A header that does not fit is
	// then Truncated; in bytes known whole, it is Malformed.
	cut bool
	// want is the number of bytes b should hold by the innermost length
	// field (IP, UDP, tunnel headers); -1 before any.
	want int
	t    int64 // capture time

	path    uint64 // encapsulation steps, 4 bits each, outermost in the low bits
	nsteps  int
	tunnels int

	ips      int // IP headers walked
	src, dst []byte
	// after holds the bytes after the outermost IP packet in its link
	// layer's payload, where a PCAPdroid trailer sits; nil when the IP
	// length was not given.
	after []byte

	next   proto      // the layer named by the last step
	layers int        // steps taken
	done   bool       // the walk has ended, with r
	r      SkipReason // the outcome once done
}

// short names a header that does not fit in b.
func (w *walk) short() SkipReason {
	if w.cut {
		return Truncated
	}
	return Malformed
}

// skip moves past n header bytes, which must be in b.
func (w *walk) skip(n int) {
	w.b = w.b[n:]
	if w.want >= 0 {
		w.want -= n
	}
}

// step records an encapsulation step; tunnel steps count towards
// MaxTunnels. It reports false when a bound is passed.
func (w *walk) step(s encapStep, tunnel bool) bool {
	if tunnel {
		w.tunnels++
		if w.tunnels > MaxTunnels {
			return false
		}
	}
	if w.nsteps >= MaxEncapSteps {
		return false
	}
	w.path |= uint64(s) << (4 * w.nsteps)
	w.nsteps++
	return true
}

// maxLayers bounds the layers of one frame, whatever the bytes say; the
// bounds on steps and tunnels are reached long before it.
const maxLayers = 64

// run walks the frame from its first layer.
func (d *Decoder) run(p proto, seg *reassembly.Segment) SkipReason {
	w := &d.w
	w.next = p
	d.seg = seg
	// The parser stops when a layer leaves no bytes (it never hands an
	// empty payload on), so the walk finishes such frames step by step:
	// the next layer then finds itself short, or ends the walk.
	_ = d.parser.DecodeLayers(w.b, &d.decoded)
	for !w.done {
		_ = d.step(w.next)
	}
	d.seg = nil
	return w.r
}

// errStop ends the parser's loop at a skip; the reason is in walk.r.
var errStop = errors.New("packet: walk stopped")

// stop ends the walk with r.
func (d *Decoder) stop(r SkipReason) error {
	d.w.done, d.w.r = true, r
	if r != None {
		return errStop
	}
	return nil
}

// step takes one step of the walk: it decodes layer p at the front of
// walk.b and names the next layer in walk.next, or ends the walk.
func (d *Decoder) step(p proto) error {
	w := &d.w
	if p == pStart {
		return nil
	}
	w.layers++
	if w.layers > maxLayers {
		return d.stop(TooDeep)
	}
	var r SkipReason
	switch p {
	case pEthernet:
		p, r = d.ethernet()
	case pVLAN:
		p, r = d.vlan()
	case pLLC:
		p, r = w.llc()
	case pPPPoE:
		p, r = w.pppoe()
	case pPPP:
		p, r = w.ppp()
	case pMPLS:
		p, r = w.mpls()
	case pSLL:
		p, r = w.sll()
	case pSLL2:
		p, r = w.sll2()
	case pNull:
		p, r = w.null()
	case pCHDLC:
		p, r = w.chdlc()
	case pNFLOG:
		p, r = w.nflog()
	case pWLAN:
		p, r = w.wlan()
	case pIP:
		p, r = w.ipByVersion()
	case pIPv4:
		p, r = d.ipv4()
	case pIPv6:
		p, r = d.ipv6()
	case pUDP:
		p, r = d.udp()
	case pGRE:
		p, r = w.gre()
	case pVXLAN:
		p, r = d.vxlan()
	case pVXLANGPE:
		p, r = w.vxlanGPE()
	case pGeneve:
		p, r = w.geneve()
	case pGTPU:
		p, r = w.gtpu()
	case pTeredo:
		p, r = w.teredo()
	case pAYIYA:
		p, r = w.ayiya()
	case pL2TP:
		p, r = w.l2tp()
	case pTCP:
		return d.stop(d.tcp(d.seg))
	case pDNS:
		return d.stop(d.dnsDatagram(d.seg))
	case pNonIP:
		return d.stop(NonIP)
	case pOther:
		return d.stop(NotTCP)
	default:
		return d.stop(Malformed)
	}
	if r != None {
		return d.stop(r)
	}
	w.next = p
	return nil
}

// tcp fills seg from the TCP header at b, decoded by gopacket. The
// checksum is not verified.
func (d *Decoder) tcp(seg *reassembly.Segment) SkipReason {
	w := &d.w
	b := w.b
	// The lengths are checked here, before gopacket, to tell a header cut
	// by the capture (Truncated) from one that lies (Malformed); gopacket
	// reports both as errors built with fmt, which allocate.
	if len(b) < 20 {
		return w.short()
	}
	off := int(b[12]>>4) * 4
	if off < 20 {
		return Malformed
	}
	if len(b) < off {
		return w.short()
	}
	t := &d.g.tcp
	// An error can now only come from the options, parsed after every
	// field used here: like Wireshark, a segment with broken options
	// still has its payload.
	_ = t.DecodeFromBytes(b, gopacket.NilDecodeFeedback)
	seg.Src = netip.AddrPortFrom(addrFrom(w.src), uint16(t.SrcPort))
	seg.Dst = netip.AddrPortFrom(addrFrom(w.dst), uint16(t.DstPort))
	seg.Seq = t.Seq
	seg.Ack = t.Ack
	seg.Flags = tcpFlags(t)
	seg.Window = t.Window
	seg.Payload = b[off:]
	// b never extends past want; want is -1 only outside IP, where TCP
	// is not reached.
	seg.WireLen = max(len(seg.Payload), w.want-off)
	return None
}

// dnsDatagram fills seg from the UDP datagram whose header udp just read:
// walk.b is its payload, already bounded by the UDP length. Not being a
// TCP segment, it ends the walk as DNSDatagram, with seg filled.
func (d *Decoder) dnsDatagram(seg *reassembly.Segment) SkipReason {
	w := &d.w
	u := &d.g.udp
	seg.Src = netip.AddrPortFrom(addrFrom(w.src), uint16(u.SrcPort))
	seg.Dst = netip.AddrPortFrom(addrFrom(w.dst), uint16(u.DstPort))
	seg.Seq, seg.Ack, seg.Flags, seg.Window = 0, 0, 0, 0
	seg.Payload = w.b
	// want is the UDP payload length here (udp set it, then skipped the
	// header); the capture may have cut b short of it.
	seg.WireLen = max(len(seg.Payload), w.want)
	return DNSDatagram
}

// tcpFlags packs gopacket's flag booleans into reassembly.Flags, which
// follows the TCP header's flag byte bit for bit.
func tcpFlags(t *layers.TCP) reassembly.Flags {
	var f uint8
	for i, set := range [8]bool{t.FIN, t.SYN, t.RST, t.PSH, t.ACK, t.URG, t.ECE, t.CWR} {
		if set {
			f |= 1 << i
		}
	}
	return reassembly.Flags(f)
}
