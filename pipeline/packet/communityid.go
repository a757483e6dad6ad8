package packet

import (
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"net/netip"
)

// IP protocol numbers with ports (or port-like fields) in Community ID.
const (
	protoICMP   = 1
	protoTCP    = 6
	protoUDP    = 17
	protoICMPv6 = 58
	protoSCTP   = 132
)

// CommunityID returns the Community ID v1 flow hash of a flow in its base64
// form ("1:" + base64(SHA-1)), per the corelight community-id spec: both
// directions of a flow give the same ID. IPv4-mapped IPv6 addresses are
// hashed as IPv4. For TCP, UDP and SCTP the ports are hashed; for ICMP and
// ICMPv6 src.Port() is the message type and dst.Port() the code, mapped as
// the spec says (a request and its reply share an ID; other types are
// one-way). Other protocols hash no ports. It returns "" when the addresses
// are invalid or of different families.
func CommunityID(seed uint16, src, dst netip.AddrPort, proto uint8) string {
	sa, da := src.Addr().Unmap(), dst.Addr().Unmap()
	if !sa.IsValid() || !da.IsValid() || sa.Is4() != da.Is4() {
		return ""
	}
	sp, dp := src.Port(), dst.Port()
	oneWay := false
	hasPorts := true
	switch proto {
	case protoTCP, protoUDP, protoSCTP:
	case protoICMP, protoICMPv6:
		sp, dp, oneWay = icmpPorts(sp, dp, proto == protoICMPv6)
	default:
		hasPorts = false
	}
	var buf [2 + 16 + 16 + 2 + 4]byte
	b := hashInput(buf[:0], seed, sa.AsSlice(), da.AsSlice(), sp, dp, proto, hasPorts, oneWay)
	sum := sha1.Sum(b)
	return "1:" + base64.StdEncoding.EncodeToString(sum[:])
}

// hashInput appends the bytes that are hashed: seed, the ordered addresses,
// protocol, a zero byte and, when the protocol has them, the ordered ports.
func hashInput(b []byte, seed uint16, s, d []byte, sp, dp uint16, proto uint8, hasPorts, oneWay bool) []byte {
	if !oneWay {
		if c := bytes.Compare(s, d); c > 0 || c == 0 && sp > dp {
			s, d = d, s
			sp, dp = dp, sp
		}
	}
	b = binary.BigEndian.AppendUint16(b, seed)
	b = append(b, s...)
	b = append(b, d...)
	b = append(b, proto, 0)
	if hasPorts {
		b = binary.BigEndian.AppendUint16(b, sp)
		b = binary.BigEndian.AppendUint16(b, dp)
	}
	return b
}

// icmpPorts maps an ICMP type and code to the port pair of the spec: a type
// with a counterpart gives (type, counterpart) and is two-way; any other
// gives (type, code) and is one-way.
func icmpPorts(typ, code uint16, v6 bool) (uint16, uint16, bool) {
	var peer map[uint16]uint16
	if v6 {
		peer = icmp6Peers
	} else {
		peer = icmp4Peers
	}
	if p, ok := peer[typ]; ok {
		return typ, p, false
	}
	return typ, code, true
}

// Request/response type pairs from the spec (read-only).
var (
	icmp4Peers = map[uint16]uint16{
		8: 0, 0: 8, // echo
		13: 14, 14: 13, // timestamp
		15: 16, 16: 15, // information
		10: 9, 9: 10, // router solicitation / advertisement
		17: 18, 18: 17, // address mask
	}
	icmp6Peers = map[uint16]uint16{
		128: 129, 129: 128, // echo
		133: 134, 134: 133, // router solicitation / advertisement
		135: 136, 136: 135, // neighbor solicitation / advertisement
		130: 131, 131: 130, // multicast listener query / report
		139: 140, 140: 139, // node information query / response
		144: 145, 145: 144, // home agent address discovery
	}
)
