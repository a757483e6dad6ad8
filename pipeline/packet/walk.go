package packet

import (
	"encoding/binary"
	"net/netip"

	"telltale/reassembly"
)

// A frame is decoded by walking its layers: each step reads one header at
// the front of walk.b, narrows b to what the header carries and names the
// layer that comes next. The walk stops at TCP (a segment) or at a layer
// that cannot lead to one (a skip reason). Layers are plain functions over
// the Decoder's walk state rather than gopacket DecodingLayers: tunnels
// nest the same layers several times, and fragments replace the bytes
// being walked midway, neither of which a DecodingLayerParser allows.

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
	var r SkipReason
	for range maxLayers {
		switch p {
		case pEthernet:
			p, r = w.ethernet()
		case pVLAN:
			p, r = w.vlan()
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
			p, r = w.udp()
		case pGRE:
			p, r = w.gre()
		case pVXLAN:
			p, r = w.vxlan(false)
		case pVXLANGPE:
			p, r = w.vxlan(true)
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
			return w.tcp(seg)
		case pNonIP:
			return NonIP
		case pOther:
			return NotTCP
		default:
			return Malformed
		}
		if r != None {
			return r
		}
	}
	return TooDeep
}

// tcp fills seg from the TCP header at b. The checksum is not verified.
func (w *walk) tcp(seg *reassembly.Segment) SkipReason {
	b := w.b
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
	sport, dport := binary.BigEndian.Uint16(b[0:2]), binary.BigEndian.Uint16(b[2:4])
	seg.Src = netip.AddrPortFrom(addrFrom(w.src), sport)
	seg.Dst = netip.AddrPortFrom(addrFrom(w.dst), dport)
	seg.Seq = binary.BigEndian.Uint32(b[4:8])
	seg.Ack = binary.BigEndian.Uint32(b[8:12])
	// reassembly.Flags follows the TCP header's flag byte bit for bit.
	seg.Flags = reassembly.Flags(b[13])
	seg.Window = binary.BigEndian.Uint16(b[14:16])
	seg.Payload = b[off:]
	// b never extends past want; want is -1 only outside IP, where TCP
	// is not reached.
	seg.WireLen = max(len(seg.Payload), w.want-off)
	return None
}
