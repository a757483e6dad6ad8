package dns

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/google/gopacket/layers"
)

// compressed is a response as servers write it, names compressed:
// www.example.com CNAME edge.example.com (pointing into the question), and
// edge.example.com A 93.184.216.34 (pointing into the CNAME's data).
var compressed = cat(
	hdr(0xbeef, 0x8180, 1, 2, 0, 0),
	wname("www.example.com"), q(1, 1), // 12..33
	ptr(12), rr(5, 1, 300, cat([]byte("\x04edge"), ptr(16))), // 33..52; the data starts at 45
	ptr(45), rr(1, 1, 60, []byte{93, 184, 216, 34}),
)

var wantCompressed = Message{ID: 0xbeef, Response: true, RCodeName: "NOERROR", Query: "www.example.com", QType: "A", QClass: 1,
	Answers: []Answer{
		{Name: "www.example.com", Type: "CNAME", TTL: 300, Data: "edge.example.com"},
		{Name: "edge.example.com", Type: "A", TTL: 60, Data: "93.184.216.34"},
	}}

func TestParse(t *testing.T) {
	l63 := strings.Repeat("a", 63)
	name255 := l63 + "." + l63 + "." + l63 + "." + strings.Repeat("b", 61) // 4*64 - 2 + 1 (root) = 255 bytes on the wire
	soa := layers.DNSResourceRecord{Name: []byte("example.com"), Type: layers.DNSTypeSOA, Class: layers.DNSClassIN, TTL: 900,
		SOA: layers.DNSSOA{MName: []byte("ns1.example.com"), RName: []byte("hostmaster.example.com"), Serial: 2024010101, Refresh: 7200, Retry: 3600, Expire: 1209600, Minimum: 300}}
	tests := []struct {
		name string
		msg  []byte
		want Message
		err  error
	}{
		{"query (gopacket)", serialize(t, &layers.DNS{ID: 0x1234, RD: true, Questions: []layers.DNSQuestion{question("www.example.com", layers.DNSTypeA)}}),
			Message{ID: 0x1234, RCodeName: "NOERROR", Query: "www.example.com", QType: "A", QClass: 1}, nil},
		{"cname chain to aaaa (gopacket)", serialize(t, &layers.DNS{ID: 7, QR: true, RD: true, RA: true,
			Questions: []layers.DNSQuestion{question("api.example.com", layers.DNSTypeAAAA)},
			Answers: []layers.DNSResourceRecord{rrCNAME("api.example.com", 3600, "api.example.com.cdn.net"),
				rrCNAME("api.example.com.cdn.net", 20, "e1.cdn.net"), rrAAAA("e1.cdn.net", 20, "2001:db8::1"), rrAAAA("e1.cdn.net", 20, "2001:db8::2")}}),
			Message{ID: 7, Response: true, RCodeName: "NOERROR", Query: "api.example.com", QType: "AAAA", QClass: 1, Answers: []Answer{
				{"api.example.com", "CNAME", 3600, "api.example.com.cdn.net"}, {"api.example.com.cdn.net", "CNAME", 20, "e1.cdn.net"},
				{"e1.cdn.net", "AAAA", 20, "2001:db8::1"}, {"e1.cdn.net", "AAAA", 20, "2001:db8::2"}}}, nil},
		{"nxdomain with soa (gopacket)", serialize(t, &layers.DNS{ID: 9, QR: true, AA: true, ResponseCode: layers.DNSResponseCodeNXDomain,
			Questions: []layers.DNSQuestion{question("nope.example.com", layers.DNSTypeA)}, Authorities: []layers.DNSResourceRecord{soa}}),
			Message{ID: 9, Response: true, AA: true, RCode: 3, RCodeName: "NXDOMAIN", Query: "nope.example.com", QType: "A", QClass: 1}, nil},
		{"truncated (gopacket)", serialize(t, &layers.DNS{ID: 10, QR: true, TC: true, Questions: []layers.DNSQuestion{question("big.example.com", layers.DNSTypeTXT)}}),
			Message{ID: 10, Response: true, Truncated: true, RCodeName: "NOERROR", Query: "big.example.com", QType: "TXT", QClass: 1}, nil},
		{"mx txt srv soa ptr (gopacket)", serialize(t, &layers.DNS{ID: 11, QR: true, Questions: []layers.DNSQuestion{question("example.com", layers.DNSType(255))},
			Answers: []layers.DNSResourceRecord{
				{Name: []byte("example.com"), Type: layers.DNSTypeMX, Class: layers.DNSClassIN, TTL: 1, MX: layers.DNSMX{Preference: 10, Name: []byte("mail.example.com")}},
				{Name: []byte("example.com"), Type: layers.DNSTypeTXT, Class: layers.DNSClassIN, TTL: 2, TXTs: [][]byte{[]byte("v=spf1 "), []byte("-all")}},
				{Name: []byte("_sip._tcp.example.com"), Type: layers.DNSTypeSRV, Class: layers.DNSClassIN, TTL: 3, SRV: layers.DNSSRV{Priority: 1, Weight: 2, Port: 5060, Name: []byte("sip.example.com")}},
				soa,
				{Name: []byte("34.216.184.93.in-addr.arpa"), Type: layers.DNSTypePTR, Class: layers.DNSClassIN, TTL: 4, PTR: []byte("www.example.com")},
			}}),
			Message{ID: 11, Response: true, RCodeName: "NOERROR", Query: "example.com", QType: "ANY", QClass: 1, Answers: []Answer{
				{"example.com", "MX", 1, "10 mail.example.com"},
				{"example.com", "TXT", 2, "v=spf1 -all"},
				{"_sip._tcp.example.com", "SRV", 3, "1 2 5060 sip.example.com"},
				{"example.com", "SOA", 900, "ns1.example.com hostmaster.example.com 2024010101 7200 3600 1209600 300"},
				{"34.216.184.93.in-addr.arpa", "PTR", 4, "www.example.com"}}}, nil},
		{"compression pointers", compressed, wantCompressed, nil},
		{"https, unknown type, odd A, dname", cat(hdr(1, 0x8000, 1, 4, 0, 0), wname("x.example"), q(65, 1),
			ptr(12), rr(65, 1, 5, []byte{0, 1, 0}), ptr(12), rr(4660, 1, 6, nil), ptr(12), rr(1, 1, 7, []byte{1, 2, 3, 4, 5}),
			ptr(14), rr(39, 1, 8, wname("example.net"))),
			Message{ID: 1, Response: true, RCodeName: "NOERROR", Query: "x.example", QType: "HTTPS", QClass: 1, Answers: []Answer{
				{"x.example", "HTTPS", 5, `\# 3 000100`}, {"x.example", "TYPE4660", 6, `\# 0 `}, {"x.example", "A", 7, `\# 5 0102030405`},
				{"example", "DNAME", 8, "example.net"}}}, nil},
		{"edns extended rcode badvers", cat(hdr(2, 0x8000, 1, 0, 0, 1), wname("example.com"), q(1, 1), wname(""), rr(41, 4096, 0x01000000, nil)),
			Message{ID: 2, Response: true, RCode: 16, RCodeName: "BADVERS", Query: "example.com", QType: "A", QClass: 1}, nil},
		{"root query", cat(hdr(3, 0, 1, 0, 0, 0), wname(""), q(2, 1)), Message{ID: 3, RCodeName: "NOERROR", Query: ".", QType: "NS", QClass: 1}, nil},
		{"mdns announcement, no question", cat(hdr(0, 0x8400, 0, 1, 0, 0), wname("printer.local"), rr(1, 0x8001, 120, []byte{192, 168, 1, 20})),
			Message{Response: true, AA: true, RCodeName: "NOERROR", Answers: []Answer{{"printer.local", "A", 120, "192.168.1.20"}}}, nil},
		{"notify opcode, refused", cat(hdr(4, 0xa005, 1, 0, 0, 0), wname("example.com"), q(6, 1)),
			Message{ID: 4, Response: true, Opcode: 4, RCode: 5, RCodeName: "REFUSED", Query: "example.com", QType: "SOA", QClass: 1}, nil},
		{"two questions: the first is the query", cat(hdr(5, 0, 2, 0, 0, 0), wname("a.example"), q(1, 1), wname("b.example"), q(28, 1)),
			Message{ID: 5, RCodeName: "NOERROR", Query: "a.example", QType: "A", QClass: 1}, nil},
		{"invalid utf-8 replaced", cat(hdr(6, 0, 1, 0, 0, 0), []byte{2, 'a', 0xff, 3, 'c', 'o', 'm', 0}, q(1, 1)),
			Message{ID: 6, RCodeName: "NOERROR", Query: "a\uFFFD.com", QType: "A", QClass: 1}, nil},
		{"name of 255 bytes", cat(hdr(8, 0, 1, 0, 0, 0), wname(name255), q(1, 1)),
			Message{ID: 8, RCodeName: "NOERROR", Query: name255, QType: "A", QClass: 1}, nil},
		{"bad additional record dropped, answers kept", cat(hdr(12, 0x8180, 1, 1, 0, 2), wname("a.example"), q(1, 1), ptr(12), rr(1, 1, 9, []byte{192, 0, 2, 1}),
			wname(""), rr(41, 1232, 0, nil), ptr(12), rr(1, 1, 9, []byte{192, 0, 2})[:12]),
			Message{ID: 12, Response: true, RCodeName: "NOERROR", Query: "a.example", QType: "A", QClass: 1, Answers: []Answer{{"a.example", "A", 9, "192.0.2.1"}}}, nil},
		{"bad authority record: additional dropped too", cat(hdr(13, 0x8180, 1, 1, 1, 1), wname("a.example"), q(1, 1), ptr(12), rr(1, 1, 9, []byte{192, 0, 2, 1}),
			ptr(12), rr(2, 1, 9, ptr(60)), wname(""), rr(41, 4096, 0x01000000, nil)),
			Message{ID: 13, Response: true, RCodeName: "NOERROR", Query: "a.example", QType: "A", QClass: 1, Answers: []Answer{{"a.example", "A", 9, "192.0.2.1"}}}, nil},

		{"empty", nil, Message{}, ErrShort},
		{"11 bytes", hdr(1, 0, 0, 0, 0, 0)[:11], Message{}, ErrShort},
		{"pointer to itself", cat(hdr(1, 0, 1, 0, 0, 0), ptr(12), q(1, 1)), Message{}, ErrName},
		{"forward pointer", cat(hdr(1, 0, 1, 0, 0, 0), []byte{1, 'a'}, ptr(16), wname("b"), q(1, 1)), Message{}, ErrName},
		{"pointer loop through two names", cat(hdr(1, 0x8000, 1, 1, 0, 0), []byte{1, 'a'}, ptr(20), q(1, 1), []byte{1, 'b'}, ptr(12), rr(1, 1, 0, []byte{1, 2, 3, 4})), Message{}, ErrName},
		{"pointer cut", cat(hdr(1, 0, 1, 0, 0, 0), []byte{1, 'a', 0xc0}), Message{}, ErrName},
		{"label past the end", cat(hdr(1, 0, 1, 0, 0, 0), []byte{5, 'a', 'b'}), Message{}, ErrName},
		{"label type 0x40", cat(hdr(1, 0, 1, 0, 0, 0), []byte{0x41, 'a', 0}, q(1, 1)), Message{}, ErrName},
		{"label type 0x80", cat(hdr(1, 0, 1, 0, 0, 0), []byte{0x81, 'a', 0}, q(1, 1)), Message{}, ErrName},
		{"name of 256 bytes", cat(hdr(1, 0, 1, 0, 0, 0), wname(name255+"b"), q(1, 1)), Message{}, ErrName},
		{"long name through pointers", cat(hdr(1, 0x8000, 1, 1, 0, 0), wname(l63+"."+l63+"."+l63), q(1, 1), []byte{62}, []byte(strings.Repeat("c", 62)), ptr(12), rr(1, 1, 0, []byte{1, 2, 3, 4})), Message{}, ErrName},
		{"more questions than present", cat(hdr(1, 0, 2, 0, 0, 0), wname("a"), q(1, 1)), Message{}, ErrName},
		{"question cut", cat(hdr(1, 0, 1, 0, 0, 0), wname("a"), []byte{0, 1}), Message{}, ErrRecord},
		{"answer header cut", cat(hdr(1, 0x8000, 1, 1, 0, 0), wname("a"), q(1, 1), ptr(12), rr(1, 1, 0, nil)[:9]), Message{}, ErrRecord},
		{"answer data past the end", cat(hdr(1, 0x8000, 1, 1, 0, 0), wname("a"), q(1, 1), ptr(12), rr(1, 1, 0, []byte{1, 2, 3, 4})[:12]), Message{}, ErrRecord},
		{"txt string past its data", cat(hdr(1, 0x8000, 1, 1, 0, 0), wname("a"), q(16, 1), ptr(12), rr(16, 1, 0, []byte{5, 'a'})), Message{}, ErrRecord},
		{"cname target past its record", cat(hdr(1, 0x8000, 1, 1, 0, 0), wname("a"), q(5, 1), ptr(12), rr(5, 1, 0, []byte{3, 'a', 'b'}), []byte{'c', 0}), Message{}, ErrName},
		{"mx too short", cat(hdr(1, 0x8000, 1, 1, 0, 0), wname("a"), q(15, 1), ptr(12), rr(15, 1, 0, []byte{0})), Message{}, ErrRecord},
		{"soa without its numbers", cat(hdr(1, 0x8000, 1, 1, 0, 0), wname("a"), q(6, 1), ptr(12), rr(6, 1, 0, cat(ptr(12), ptr(12), make([]byte, 19)))), Message{}, ErrRecord},
		{"opt option past its data", cat(hdr(1, 0x8000, 1, 1, 0, 0), wname("a"), q(1, 1), wname(""), rr(41, 1, 0, []byte{0, 10, 0, 4, 1})), Message{}, ErrRecord},
	}
	var p Parser
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := p.Parse(tc.msg)
			if !errors.Is(err, tc.err) {
				t.Fatalf("Parse error = %v, want %v", err, tc.err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Parse = %+v\nwant    %+v", got, tc.want)
			}
		})
	}
}

// A message's strings do not change when the parser (and its gopacket
// buffers) go on to other messages.
func TestParseReuse(t *testing.T) {
	var p Parser
	first, err := p.Parse(compressed)
	if err != nil {
		t.Fatal(err)
	}
	other := cat(hdr(1, 0x8000, 1, 1, 0, 0), wname("zzz.zzzzzzz.zzz"), q(1, 1), ptr(12), rr(5, 1, 0, wname("yyyy.yyyyyyy.yyy")))
	if _, err := p.Parse(other); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(first, wantCompressed) {
		t.Errorf("first message changed to %+v", first)
	}
}

// Parse allocates the strings of its result, and the Answers slice: here
// the query, the Answers, the CNAME target and the address (the second
// answer's owner name is the CNAME target's string, reused).
func TestParseAllocs(t *testing.T) {
	var p Parser
	p.Parse(compressed)
	if n := testing.AllocsPerRun(100, func() { p.Parse(compressed) }); n != 4 {
		t.Errorf("%v allocations per Parse, want 4", n)
	}
}

func TestStatsCounters(t *testing.T) {
	s := Stats{}
	p := Parser{Stats: &s}
	for _, m := range [][]byte{
		compressed,
		cat(hdr(1, 0, 1, 0, 0, 0), wname("a"), q(1, 1)),
		cat(hdr(2, 0x8203, 1, 0, 0, 0), wname("a"), q(1, 1)), // TC, NXDOMAIN
		{1, 2, 3},
	} {
		p.Parse(m)
	}
	got := fmt.Sprint(s.Counters())
	want := "[{dns.messages 3} {dns.queries 1} {dns.responses 2} {dns.malformed 1} {dns.truncated 1} {dns.nxdomain 1} " +
		"{dns.tcp_messages 0} {dns.tcp_gaps 0} {dns.tcp_partial 0}]"
	if got != want {
		t.Errorf("Counters() = %s\nwant         %s", got, want)
	}
}

func TestNames(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{typeName(1), "A"}, {typeName(28), "AAAA"}, {typeName(65), "HTTPS"}, {typeName(64), "SVCB"}, {typeName(4660), "TYPE4660"},
		{rcodeName(0), "NOERROR"}, {rcodeName(3), "NXDOMAIN"}, {rcodeName(16), "BADVERS"}, {rcodeName(12), "RCODE12"}, {rcodeName(200), "RCODE200"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
