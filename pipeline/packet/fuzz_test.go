package packet

import (
	"encoding/binary"
	"testing"

	"telltale/reassembly"
)

// fuzzLinks maps the fuzzer's link byte to link types: every supported one
// plus an unsupported one.
var fuzzLinks = []uint16{
	LinkTypeNull, LinkTypeEthernet, LinkTypeRawBSD12, LinkTypeRawBSD14, LinkTypeRaw, LinkTypeCHDLC,
	LinkTypeLoop, LinkTypeLinuxSLL, LinkTypeIPv4, LinkTypeIPv6, LinkTypeNFLOG, LinkTypeSLL2, 105,
}

// FuzzDecode decodes arbitrary frames. Properties: no panic, a reason
// exactly when not ok, and a payload that is a view inside the frame.
func FuzzDecode(f *testing.F) {
	v4 := ip4(cli4, srv4, 6, reqTCP.bytes())
	v6 := ip6(cli6, srv6, 0, concat(ext6(60), ext6(6), reqTCP.bytes()))
	f.Add(byte(1), eth(etherIPv4, v4))
	f.Add(byte(1), concat(eth(etherQinQ, nil), tag(etherVLAN, 1), tag(etherIPv6, 2), v6))
	f.Add(byte(1), concat(eth(etherIPv4, v4), pcapdroid(10123, "com.example.app")))
	f.Add(byte(4), v4)
	f.Add(byte(4), ip6(cli6, srv6, 44, concat([]byte{6, 0, 0, 1, 0, 0, 0, 7}, reqTCP.bytes())))
	f.Add(byte(0), concat([]byte{30, 0, 0, 0}, v6))
	f.Add(byte(7), concat(sllHdr(1, etherIPv4), v4))
	f.Add(byte(11), concat(sll2Hdr(etherIPv6, 1), v6))
	f.Add(byte(10), nflogFrame(2, binary.LittleEndian, v4))
	f.Add(byte(5), concat([]byte{0x0f, 0, 0x08, 0}, v4))
	f.Add(byte(4), ip4(cli4, srv4, 17, make([]byte, 8)))
	f.Add(byte(1), concat(eth(etherPPPoE, nil), []byte{0x11, 0, 0, 0x2d, 0, byte(1 + len(v4))}, []byte{0x21}, v4))
	f.Add(byte(1), concat(eth(etherMPLS, nil), []byte{0, 1, 0xd0, 0x40, 0, 2, 0xd1, 0x40}, v4))
	f.Add(byte(1), concat(eth(uint16(8+len(v4)), nil), []byte{0xaa, 0xaa, 3, 0, 0, 0, 8, 0}, v4))
	f.Add(byte(4), ip4(srv4, cli4, 41, ip6(srv6, cli6, 44, concat([]byte{6, 0, 0, 0, 0, 0, 0, 1}, reqTCP.bytes()))))
	d := NewDecoder()
	f.Fuzz(func(t *testing.T, link byte, data []byte) {
		lt := fuzzLinks[int(link)%len(fuzzLinks)]
		seg := reassembly.Segment{AppUID: 42}
		reason, ok := d.Decode(lt, data, &seg)
		if ok != (reason == None) {
			t.Fatalf("Decode = (%v, %v)", reason, ok)
		}
		if !ok {
			return
		}
		if len(seg.Payload) > 0 && !within(seg.Payload, data) {
			t.Fatal("payload outside the frame")
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
	})
}
