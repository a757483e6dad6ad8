package packet

import (
	"encoding/binary"
	"testing"
	"time"

	"telltale/reassembly"
)

// fuzzLinks maps the fuzzer's link byte to link types: every supported one
// plus an unsupported one.
var fuzzLinks = []uint16{
	LinkTypeNull, LinkTypeEthernet, LinkTypeRawBSD12, LinkTypeRawBSD14, LinkTypeRaw, LinkTypeCHDLC,
	LinkTypeLoop, LinkTypeLinuxSLL, LinkTypeIPv4, LinkTypeIPv6, LinkTypeNFLOG, LinkTypeSLL2, 105,
}

// fuzzFrames encodes a sequence of frames for FuzzDecode: per frame, the
// capture time step in quarter seconds (1 byte), the length (2 bytes) and
// the bytes.
func fuzzFrames(steps []byte, frames ...[]byte) []byte {
	var b []byte
	for i, f := range frames {
		var dt byte
		if i < len(steps) {
			dt = steps[i]
		}
		b = append(b, dt)
		b = binary.BigEndian.AppendUint16(b, uint16(len(f)))
		b = append(b, f...)
	}
	return b
}

// FuzzDecode decodes arbitrary sequences of frames through one Decoder, so
// that fragments meet (small limits make eviction and expiry reachable).
// Properties: no panic; a reason exactly when not ok; for segments and DNS
// datagrams, a payload inside the frame or inside a datagram the frame
// completed, and no longer than its wire length; valid addresses and a set
// AppUID; the defragmenter's bookkeeping consistent after every frame, and
// its held count that of the frames it held.
func FuzzDecode(f *testing.F) {
	v4 := ip4(cli4, srv4, 6, reqTCP.bytes())
	v6 := ip6(cli6, srv6, 0, concat(ext6(60), ext6(6), reqTCP.bytes()))
	one := func(link byte, frame []byte) { f.Add(link, fuzzFrames(nil, frame)) }
	one(1, eth(etherIPv4, v4))
	one(1, concat(eth(etherQinQ, nil), tag(etherVLAN, 1), tag(etherIPv6, 2), v6))
	one(1, concat(eth(etherIPv4, v4), pcapdroid(10123, "com.example.app")))
	one(4, v4)
	one(4, ip4x(cli4, srv4, 6, reqTCP.bytes(), 0, 1500)[:60])
	one(0, concat([]byte{30, 0, 0, 0}, v6))
	one(7, concat(sllHdr(1, etherIPv4), v4))
	one(11, concat(sll2Hdr(etherIPv6, 1), v6))
	one(10, nflogFrame(2, binary.LittleEndian, v4))
	one(5, concat([]byte{0x0f, 0, 0x08, 0}, v4))
	one(4, ip4(cli4, srv4, 17, make([]byte, 8)))
	one(4, ip4(cli4, srv4, 17, udp(40000, 53, dnsQuery)))
	one(9, ip6(cli6, srv6, 17, udp(5353, 5353, dnsQuery)))
	one(1, concat(eth(etherPPPoE, nil), []byte{0x11, 0, 0, 0x2d, 0, byte(1 + len(v4))}, []byte{0x21}, v4))
	one(1, concat(eth(etherMPLS, nil), []byte{0, 1, 0xd0, 0x40, 0, 2, 0xd1, 0x40}, v4))
	one(1, concat(eth(uint16(8+len(v4)), nil), []byte{0xaa, 0xaa, 3, 0, 0, 0, 8, 0}, v4))
	one(4, ip4(srv4, cli4, 41, ip6(srv6, cli6, 44, concat([]byte{6, 0, 0, 0, 0, 0, 0, 1}, reqTCP.bytes()))))
	// Tunnels.
	innerEth := eth(etherIPv4, v4)
	outerUDP := func(sport, dport uint16, p []byte) []byte { return ip4(tunA, tunB, 17, udp(sport, dport, p)) }
	one(4, ip4(tunA, tunB, 47, concat(greHdr(0x1000, greERSPAN2, 1), erspan2Hdr(true), innerEth)))
	one(4, ip4(tunA, tunB, 47, concat(greHdr(0x1000, greERSPAN3, 1), erspan3Hdr(0, true), innerEth)))
	one(4, ip4(tunA, tunB, 47, concat(greHdr(0, 0x8200), wlanQoSData(etherIPv4), v4)))
	one(4, ip4(tunA, tunB, 47, concat(greHdr(0x3081, grePPP, 0x00400001, 1, 1), []byte{0xff, 0x03, 0x00, 0x21}, v4)))
	one(4, outerUDP(1, portVXLAN, concat(vxlanHdr(7), innerEth)))
	one(4, outerUDP(1, portVXLANGPE, concat([]byte{0x0c, 0, 0, 1, 0, 0, 7, 0}, v4)))
	one(4, outerUDP(1, portGeneve, concat(geneveHdr(etherTEB, []byte{1, 2, 3, 1, 0, 0, 0, 0}), innerEth)))
	one(4, outerUDP(5906, portGTPU, gtpu(0x36, 0xff, []byte{0x12, 0x34, 0, 0x85, 1, 0x00, 0x05, 0}, v4)))
	one(4, outerUDP(40001, portTeredo, concat([]byte{0, 1, 2, 3, 'i', 'd', 'a', 'u', 't'}, make([]byte, 9), []byte{0, 0, 0x12, 0x34, 1, 2, 3, 4}, v6)))
	one(4, outerUDP(32900, 1286, ip6(teredo, srv6, 6, reqTCP.bytes())))
	one(4, outerUDP(40002, portAYIYA, concat(ayiyaHdr(4, 5, 1, 41), v6)))
	one(4, outerUDP(portL2TP, portL2TP, concat([]byte{0x4a, 0x02, 0, byte(16 + 2 + len(v4)), 0, 1, 0, 2, 0, 5, 0, 6, 0, 2, 0xee, 0xee}, []byte{0x00, 0x21}, v4)))
	// Fragment sequences: in order, out of order with an overlap, IPv6,
	// and an expiry between fragments.
	fr := v4frags(1, 6, bigTCP.bytes(), 64, 128, 192)
	f.Add(byte(4), fuzzFrames(nil, fr...))
	f.Add(byte(4), fuzzFrames(nil, fr[3], fr[1], fr[1], fr[0], fr[2]))
	f.Add(byte(4), fuzzFrames(nil, v6frags(7, 6, bigTCP.bytes(), 64, 128)...))
	f.Add(byte(4), fuzzFrames([]byte{0, 0, 200}, fr...))
	f.Add(byte(4), fuzzFrames(nil, v4frags(3, ipProtoIPv6, ip6(cli6, srv6, 6, bigTCP.bytes()), 128)...))

	f.Fuzz(func(t *testing.T, link byte, data []byte) {
		lt := fuzzLinks[int(link)%len(fuzzLinks)]
		d := New(Config{FragmentTimeout: 10 * time.Second, MaxFragmentBytes: 1 << 12, MaxDatagrams: 4})
		ts := int64(1_700_000_000) * int64(time.Second)
		var held int64
		for len(data) >= 3 {
			ts += int64(data[0]) * int64(time.Second/4)
			n := min(int(binary.BigEndian.Uint16(data[1:3])), len(data)-3)
			frame := data[3 : 3+n]
			data = data[3+n:]

			seg := reassembly.Segment{AppUID: 42}
			reason, ok := d.DecodeAt(lt, frame, ts, &seg)
			if ok != (reason == None) || reason.String() == "unknown" {
				t.Fatalf("DecodeAt = (%v, %v)", reason, ok)
			}
			if reason == FragmentHeld {
				held++
			}
			if msg := d.frag.check(); msg != "" {
				t.Fatal(msg)
			}
			if st := d.Stats(); st.FragmentsHeld != held || st.FragmentsPending != d.frag.pendingFrags {
				t.Fatalf("stats %+v, %d frames held", st, held)
			}
			if !ok && reason != DNSDatagram {
				continue
			}
			if len(seg.Payload) > 0 && !within(seg.Payload, frame) && !inDecoder(d, seg.Payload) {
				t.Fatal("payload outside the frame and the reassembly buffers")
			}
			if seg.WireLen < len(seg.Payload) {
				t.Fatalf("wire length %d < payload %d", seg.WireLen, len(seg.Payload))
			}
			if !seg.Src.IsValid() || !seg.Dst.IsValid() {
				t.Fatalf("invalid addresses %v %v", seg.Src, seg.Dst)
			}
			if seg.AppUID == 42 {
				t.Fatal("AppUID not set")
			}
			if seg.AppUID == -1 && seg.App != "" {
				t.Fatalf("app %q without a uid", seg.App)
			}
		}
	})
}
