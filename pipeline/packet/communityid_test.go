package packet

import (
	"crypto/sha1"
	"encoding/hex"
	"net/netip"
	"testing"
)

// The spec gives the exact input bytes and the hex digest of its first
// vector; the reverse direction must produce the same bytes.
func TestCommunityIDInput(t *testing.T) {
	a, b := netip.MustParseAddr("1.2.3.4").AsSlice(), netip.MustParseAddr("5.6.7.8").AsSlice()
	for _, in := range [][]byte{
		hashInput(nil, 0, a, b, 1122, 3344, 6, true, false),
		hashInput(nil, 0, b, a, 3344, 1122, 6, true, false),
	} {
		if got := hex.EncodeToString(in); got != "00000102030405060708060004620d10" {
			t.Errorf("hash input = %s, want 00000102030405060708060004620d10", got)
		}
		if sum := sha1.Sum(in); hex.EncodeToString(sum[:]) != "c026f7386ef200559e95a53276ed03fb5db908b3" {
			t.Errorf("digest = %x, want c026f7386ef200559e95a53276ed03fb5db908b3", sum)
		}
	}
}

// Vectors from the Community ID spec (community-id.md §1), both directions
// where the spec says they hash alike.
func TestCommunityID(t *testing.T) {
	ap := netip.MustParseAddrPort
	tests := []struct {
		name     string
		seed     uint16
		src, dst netip.AddrPort
		proto    uint8
		want     string
		twoWay   bool
	}{
		{"tcp", 0, ap("1.2.3.4:1122"), ap("5.6.7.8:3344"), 6, "1:wCb3OG7yAFWelaUydu0D+125CLM=", true},
		{"tcp seed 1", 1, ap("1.2.3.4:1122"), ap("5.6.7.8:3344"), 6, "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=", true},
		{"udp", 0, ap("1.2.3.4:1122"), ap("5.6.7.8:3344"), 17, "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=", true},
		{"sctp", 0, ap("1.2.3.4:1122"), ap("5.6.7.8:3344"), 132, "1:EKt4MsxuyaE6mL+hmrEkQ9csDD8=", true},
		{"icmp echo", 0, ap("1.2.3.4:8"), ap("5.6.7.8:0"), 1, "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=", false},
		{"icmp echo reply", 0, ap("5.6.7.8:0"), ap("1.2.3.4:0"), 1, "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=", false},
		{"icmp one-way", 0, ap("1.2.3.4:11"), ap("5.6.7.8:0"), 1, "1:f/YiSyWqczrTgfUCZlBUnvHRcPk=", false},
		{"rsvp no ports", 0, ap("1.2.3.4:0"), ap("5.6.7.8:0"), 46, "1:ikv3kmf89luf73WPz1jOs49S768=", true},
		{"rsvp ports ignored", 0, ap("1.2.3.4:99"), ap("5.6.7.8:77"), 46, "1:ikv3kmf89luf73WPz1jOs49S768=", true},
		{"tcp zeek example", 0, ap("128.232.110.120:34855"), ap("66.35.250.204:80"), 6, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=", true},
		{"tcp ipv6", 0, ap("[2001:470:e5bf:dead:4957:2174:e82c:4887]:63943"), ap("[2607:f8b0:400c:c03::1a]:25"), 6, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=", true},
		{"udp dns", 0, ap("192.168.1.52:54585"), ap("8.8.8.8:53"), 17, "1:d/FP5EW3wiY1vCndhwleRRKHowQ=", true},
		{"ipv4-mapped ipv6 hashes as ipv4", 0, ap("[::ffff:1.2.3.4]:1122"), ap("[::ffff:5.6.7.8]:3344"), 6, "1:wCb3OG7yAFWelaUydu0D+125CLM=", true},
		{"mixed families", 0, ap("1.2.3.4:1"), ap("[2001:db8::1]:2"), 6, "", true},
		{"invalid", 0, netip.AddrPort{}, ap("1.2.3.4:2"), 6, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := CommunityID(tc.seed, tc.src, tc.dst, tc.proto); got != tc.want {
				t.Errorf("CommunityID(%d, %v, %v, %d) = %q, want %q", tc.seed, tc.src, tc.dst, tc.proto, got, tc.want)
			}
			if tc.twoWay {
				if got := CommunityID(tc.seed, tc.dst, tc.src, tc.proto); got != tc.want {
					t.Errorf("reverse: CommunityID(%d, %v, %v, %d) = %q, want %q", tc.seed, tc.dst, tc.src, tc.proto, got, tc.want)
				}
			}
		})
	}
	// Equal addresses: the lower port comes first.
	a := CommunityID(0, ap("1.2.3.4:80"), ap("1.2.3.4:8080"), 6)
	if b := CommunityID(0, ap("1.2.3.4:8080"), ap("1.2.3.4:80"), 6); a != b || a == "" {
		t.Errorf("same-address flow: %q vs %q", a, b)
	}
	// A one-way ICMP type is not swapped: the reverse differs.
	if CommunityID(0, ap("5.6.7.8:11"), ap("1.2.3.4:0"), 1) == "1:f/YiSyWqczrTgfUCZlBUnvHRcPk=" {
		t.Error("one-way ICMP hashed as two-way")
	}
}
