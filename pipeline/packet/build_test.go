package packet

import (
	"encoding/binary"
	"net/netip"
)

// Frame builders for tests: every header is written byte by byte so the
// expected values are known from the inputs, not from a decoder.

var (
	cli4 = netip.MustParseAddr("10.0.0.1")
	srv4 = netip.MustParseAddr("93.184.216.34")
	cli6 = netip.MustParseAddr("2001:db8::1")
	srv6 = netip.MustParseAddr("2001:db8:ffff::80")
)

type tcpHdr struct {
	sport, dport uint16
	seq, ack     uint32
	flags        byte
	window       uint16
	opts         []byte // a multiple of 4 bytes
	payload      []byte
}

func (h tcpHdr) bytes() []byte {
	b := make([]byte, 20, 20+len(h.opts)+len(h.payload))
	binary.BigEndian.PutUint16(b[0:], h.sport)
	binary.BigEndian.PutUint16(b[2:], h.dport)
	binary.BigEndian.PutUint32(b[4:], h.seq)
	binary.BigEndian.PutUint32(b[8:], h.ack)
	b[12] = byte((20+len(h.opts))/4) << 4
	b[13] = h.flags
	binary.BigEndian.PutUint16(b[14:], h.window)
	b = append(b, h.opts...)
	return append(b, h.payload...)
}

// ip4 wraps a transport payload in an IPv4 header (total length set from
// the payload unless totalLen is given).
func ip4(src, dst netip.Addr, proto byte, payload []byte) []byte {
	return ip4x(src, dst, proto, payload, 0, 0)
}

func ip4x(src, dst netip.Addr, proto byte, payload []byte, flagsFrag uint16, totalLen int) []byte {
	b := make([]byte, 20, 20+len(payload))
	b[0] = 0x45
	if totalLen == 0 {
		totalLen = 20 + len(payload)
	}
	binary.BigEndian.PutUint16(b[2:], uint16(totalLen))
	binary.BigEndian.PutUint16(b[4:], 0x1234)
	binary.BigEndian.PutUint16(b[6:], flagsFrag)
	b[8] = 64
	b[9] = proto
	s, d := src.As4(), dst.As4()
	copy(b[12:], s[:])
	copy(b[16:], d[:])
	var sum uint32
	for i := 0; i < 20; i += 2 {
		sum += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	binary.BigEndian.PutUint16(b[10:], ^uint16(sum))
	return append(b, payload...)
}

// ip6 wraps a payload (which may start with extension headers) in an IPv6
// header whose next header is nh.
func ip6(src, dst netip.Addr, nh byte, payload []byte) []byte {
	b := make([]byte, 40, 40+len(payload))
	b[0] = 0x60
	binary.BigEndian.PutUint16(b[4:], uint16(len(payload)))
	b[6] = nh
	b[7] = 64
	s, d := src.As16(), dst.As16()
	copy(b[8:], s[:])
	copy(b[24:], d[:])
	return append(b, payload...)
}

// ext6 is an IPv6 options-style extension header of 8 bytes (Pad6 inside).
func ext6(nh byte) []byte { return []byte{nh, 0, 1, 4, 0, 0, 0, 0} }

func eth(etype uint16, payload []byte) []byte {
	b := []byte{0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0, 0}
	binary.BigEndian.PutUint16(b[12:], etype)
	return append(b, payload...)
}

// tag is the rest of an 802.1Q tag after its TPID: the TCI (here just the
// VLAN id) and the type of what follows.
func tag(next uint16, vid uint16) []byte {
	return binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint16(nil, vid), next)
}

func concat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

func sllHdr(arphrd, proto uint16) []byte {
	b := make([]byte, 16)
	binary.BigEndian.PutUint16(b[0:], 0) // to us
	binary.BigEndian.PutUint16(b[2:], arphrd)
	binary.BigEndian.PutUint16(b[4:], 6)
	copy(b[6:], []byte{0x02, 0, 0, 0, 0, 9})
	binary.BigEndian.PutUint16(b[14:], proto)
	return b
}

func sll2Hdr(proto, arphrd uint16) []byte {
	b := make([]byte, 20)
	binary.BigEndian.PutUint16(b[0:], proto)
	binary.BigEndian.PutUint32(b[4:], 3) // ifindex
	binary.BigEndian.PutUint16(b[8:], arphrd)
	b[10] = 4 // outgoing
	b[11] = 6
	copy(b[12:], []byte{0x02, 0, 0, 0, 0, 9})
	return b
}

// pcapdroid builds the 32-byte PCAPdroid trailer.
func pcapdroid(uid int32, name string) []byte {
	b := binary.BigEndian.AppendUint32(nil, pcapdroidMagic)
	b = binary.BigEndian.AppendUint32(b, uint32(uid))
	n := make([]byte, 20)
	copy(n, name)
	b = append(b, n...)
	return binary.BigEndian.AppendUint32(b, 0xdeadbeef) // fcs
}

// nflogFrame builds an NFLOG record with a prefix attribute and the packet
// attribute, lengths in order.
func nflogFrame(family byte, order binary.ByteOrder, pkt []byte) []byte {
	b := []byte{family, 0, 0, 0}
	tlv := func(typ uint16, v []byte) {
		var h [4]byte
		order.PutUint16(h[0:], uint16(4+len(v)))
		order.PutUint16(h[2:], typ)
		b = append(b, h[:]...)
		b = append(b, v...)
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
	}
	tlv(10, []byte("prefix\x00")) // NFULA_PREFIX
	tlv(nflogPayload, pkt)
	return b
}

// udp wraps a payload in a UDP header (checksum 0: not computed, never
// checked).
func udp(sport, dport uint16, payload []byte) []byte {
	b := make([]byte, 8, 8+len(payload))
	binary.BigEndian.PutUint16(b[0:], sport)
	binary.BigEndian.PutUint16(b[2:], dport)
	binary.BigEndian.PutUint16(b[4:], uint16(8+len(payload)))
	return append(b, payload...)
}

// greHdr is a GRE header: flags and version, protocol type, then the
// optional 4-byte fields the flags announce, in order.
func greHdr(flags, ptype uint16, fields ...uint32) []byte {
	b := binary.BigEndian.AppendUint16(nil, flags)
	b = binary.BigEndian.AppendUint16(b, ptype)
	for _, f := range fields {
		b = binary.BigEndian.AppendUint32(b, f)
	}
	return b
}

// erspan2Hdr is an ERSPAN type II header: version 1, VLAN 0, COS 0, En 0,
// the T bit, session id 20, index 1.
func erspan2Hdr(truncated bool) []byte {
	b := []byte{0x10, 0x00, 0x00, 0x14, 0, 0, 0, 1}
	if truncated {
		b[2] |= 0x04
	}
	return b
}

// erspan3Hdr is an ERSPAN type III header with frame type ft and, when
// sub, the 8-byte platform-specific subheader.
func erspan3Hdr(ft byte, sub bool) []byte {
	b := []byte{0x20, 0x00, 0x00, 0x14, 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0}
	f := uint16(ft) << 10
	if sub {
		f |= 1
	}
	binary.BigEndian.PutUint16(b[10:], f)
	if sub {
		b = append(b, 1, 2, 3, 4, 5, 6, 7, 8)
	}
	return b
}

// vxlanHdr is a VXLAN header with the I flag and a VNI.
func vxlanHdr(vni uint32) []byte {
	b := []byte{0x08, 0, 0, 0}
	return binary.BigEndian.AppendUint32(b, vni<<8)
}

// geneveHdr is a Geneve header with a protocol type and options (a
// multiple of 4 bytes).
func geneveHdr(ptype uint16, opts []byte) []byte {
	b := []byte{byte(len(opts) / 4), 0}
	b = binary.BigEndian.AppendUint16(b, ptype)
	b = append(b, 0, 0, 42, 0) // VNI 42
	return append(b, opts...)
}

// gtpu is a GTP-U message: flags, type, length, TEID, then opt (the
// optional fields and extension headers) and the payload.
func gtpu(flags, typ byte, opt, payload []byte) []byte {
	b := []byte{flags, typ}
	b = binary.BigEndian.AppendUint16(b, uint16(len(opt)+len(payload)))
	b = binary.BigEndian.AppendUint32(b, 0x01020304)
	b = append(b, opt...)
	return append(b, payload...)
}

// ayiyaHdr is an AYIYA header: identity of 2^idLen bytes, a signature of
// sigWords words, an operation code and the next header.
func ayiyaHdr(idLen, sigWords, opcode, nh byte) []byte {
	b := []byte{idLen<<4 | 1, sigWords<<4 | 2, 0x20 | opcode, nh, 0x5f, 0, 0, 1}
	b = append(b, make([]byte, 1<<idLen)...)
	return append(b, make([]byte, 4*int(sigWords))...)
}

// wlanQoSData is an 802.11 QoS data frame header (to the DS) and LLC/SNAP
// for an Ethernet type.
func wlanQoSData(etype uint16) []byte {
	b := []byte{0x88, 0x01, 0, 0}
	b = append(b, make([]byte, 18)...) // three addresses
	b = append(b, 0x10, 0x00)          // sequence control
	b = append(b, 0x00, 0x00)          // QoS control
	b = append(b, 0xaa, 0xaa, 0x03, 0, 0, 0)
	return binary.BigEndian.AppendUint16(b, etype)
}
