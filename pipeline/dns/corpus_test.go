package dns

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"telltale/pipeline/capture"
	"telltale/pipeline/packet"
	"telltale/reassembly"

	"telltale/pipeline/corpustest"
)

// corpusDir is the shared corpus of real captures, next to the repository.
var corpusDir = corpustest.Path("captures")

func needCorpus(t *testing.T) {
	t.Helper()
	corpustest.Need(t, "captures")
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed")
	}
}

// corpusFiles hold DNS over UDP: plain, in tunnels (Teredo, GRE in UDP,
// 6in4), reassembled from IP fragments (RRSIG amplification), mDNS, a
// response cut by the capture, IDN names.
var corpusFiles = []string{
	"markofu_PracticalPacketAnalysis_ppa-capture-files_dns.pcap",
	"sanders_dns_isp_hijack.pcapng",
	"sanders_dns_tcp.pcapng",
	"sanders_arppoison.pcapng",
	"arkime_arkime_synthetic.pcap",
	"ndpi_android.pcap",
	"ndpi_iphone.pcap",
	"ndpi_punycode-idn.pcap",
	"pcap2har_pcapr.net.pcap",
	"joy_sample.pcap",
	"suricata_tls_tls-subjectaltname.pcap",
	"stopddos_amp.dns.RRSIG.fragmented.pcap",
	"dpkt_truncated_dns_2.pcap",
	"dpkt_nb6-http.pcap",
	"zeek_tunnels_Teredo.pcap",
	"zeek_tunnels_gre-over-udp-4754.pcap",
	"ndpi_6in4tunnel.pcap",
}

// summary is what is compared with tshark for one message: header fields,
// the first question, and the answers' owner names, types and TTLs.
type summary struct {
	ID       uint16
	Response bool
	RCode    uint8 // the header's 4 bits (tshark's dns.flags.rcode)
	Query    string
	QType    string
	Answers  string // name/type/ttl, joined by ";"
}

func summarize(m *Message) summary {
	var parts []string
	for _, a := range m.Answers {
		parts = append(parts, fmt.Sprintf("%s/%s/%d", a.Name, a.Type, a.TTL))
	}
	return summary{m.ID, m.Response, m.RCode & 0x0f, m.Query, m.QType, strings.Join(parts, ";")}
}

// tsharkDNS runs tshark over a capture and returns, by frame number, its
// dissection of the DNS messages the display filter keeps. Resource records are listed answers first, so the first
// dns.count.answers of them are the answers.
func tsharkDNS(t *testing.T, path, filter string) map[uint64]summary {
	t.Helper()
	out, err := exec.Command("tshark", "-r", path, "-o", "teredo.heuristic_teredo:TRUE", "-Y", filter,
		"-T", "fields", "-E", "occurrence=a", "-E", "aggregator=;", "-e", "frame.number", "-e", "dns.id", "-e", "dns.flags.response",
		"-e", "dns.flags.rcode", "-e", "dns.qry.name", "-e", "dns.qry.type", "-e", "dns.count.answers",
		"-e", "dns.resp.name", "-e", "dns.resp.type", "-e", "dns.resp.ttl").Output()
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && len(out) > 0) {
		// tshark exits with 2 after a file cut short, having
		// listed its frames.
		t.Fatalf("tshark: %v", err)
	}
	return parseRows(t, out)
}

// parseRows reads tsharkDNS's fields.
func parseRows(t *testing.T, out []byte) map[uint64]summary {
	rows := map[uint64]summary{}
	for line := range strings.Lines(string(out)) {
		f := strings.Split(strings.TrimRight(line, "\n"), "\t")
		if len(f) != 10 {
			t.Fatalf("tshark line %q", line)
		}
		num := func(s string) uint64 {
			s, _, _ = strings.Cut(s, ";")
			if s == "" {
				return 0 // tshark leaves out a query's rcode
			}
			v, err := strconv.ParseUint(s, 0, 32)
			if err != nil {
				t.Fatalf("tshark field %q in %q", s, line)
			}
			return v
		}
		first := func(s string) string { s, _, _ = strings.Cut(s, ";"); return s }
		s := summary{ID: uint16(num(f[1])), Response: f[2] == "1" || f[2] == "True", RCode: uint8(num(f[3])),
			Query: first(f[4]), QType: typeName(uint16(num(f[5])))}
		if s.Query == "<Root>" {
			s.Query = "."
		}
		if f[5] == "" {
			s.QType, s.Query = "", ""
		}
		n := int(num(f[6]))
		names, types, ttls := strings.Split(f[7], ";"), strings.Split(f[8], ";"), strings.Split(f[9], ";")
		var parts []string
		for i := 0; i < n && i < len(names) && i < len(types) && i < len(ttls); i++ {
			typ, _ := strconv.Atoi(types[i])
			parts = append(parts, fmt.Sprintf("%s/%s/%s", names[i], typeName(uint16(typ)), ttls[i]))
		}
		s.Answers = strings.Join(parts, ";")
		rows[num(f[0])] = s
	}
	return rows
}

// TestCorpusUDP parses every DNS datagram of the corpus files and compares
// each message with tshark's dissection of the same frame. Frames tshark
// dissects as DNS and this package does not parse must be ones tshark
// also finds malformed (checked by hand: listed in wantMalformed).
func TestCorpusUDP(t *testing.T) {
	needCorpus(t)
	for _, name := range corpusFiles {
		t.Run(name, func(t *testing.T) {
			t.Parallel() // tshark's start-up dominates
			path := filepath.Join(corpusDir, name)
			if _, err := os.Stat(path); err != nil {
				t.Skipf("%s not in the corpus", name)
			}
			want := tsharkDNS(t, path, "(dns || mdns || llmnr) && udp && !icmp && !icmpv6") // not quoted in ICMP errors
			s, err := capture.Open([]string{path})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			d := packet.NewDecoder()
			var p Parser
			var seg reassembly.Segment
			got := map[uint64]summary{}
			var unseen []uint64 // tshark's DNS frames that are not DNS datagrams here
			seen := map[uint64]bool{}
			malformed := 0
			for {
				f, err := s.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if r, _ := d.DecodeAt(f.LinkType, f.Data, f.Time, &seg); r != packet.DNSDatagram {
					continue
				}
				seen[f.Frame] = true
				m, err := p.Parse(seg.Payload)
				if err != nil {
					malformed++
					t.Logf("frame %d: %v (tshark: %+v)", f.Frame, err, want[f.Frame])
					continue
				}
				g := summarize(&m)
				if seg.Src.Port() == 5353 || seg.Dst.Port() == 5353 {
					// tshark's field lists do not follow the
					// packet's order for mDNS records (SRV ones
					// come late; checked against its verbose
					// dissection of ndpi_iphone.pcap frame 4, which
					// agrees with this package): only the count
					// is compared.
					g.Answers = ""
					if w, ok := want[f.Frame]; ok {
						w.Answers = ""
						want[f.Frame] = w
					}
				}
				got[f.Frame] = g
			}
			for fr, w := range want {
				if !seen[fr] {
					unseen = append(unseen, fr)
					continue
				}
				if g, ok := got[fr]; ok && g != w {
					t.Errorf("frame %d:\n got %+v\nwant %+v", fr, g, w)
				}
			}
			for fr := range got {
				if _, ok := want[fr]; !ok {
					t.Errorf("frame %d parsed here, not DNS for tshark", fr)
				}
			}
			slices.Sort(unseen)
			if fmt.Sprint(unseen) != fmt.Sprint(wantUnseen[name]) {
				t.Errorf("tshark's DNS frames not seen here: %v, want %v", unseen, wantUnseen[name])
			}
			if malformed != wantMalformed[name] {
				t.Errorf("%d malformed, want %d", malformed, wantMalformed[name])
			}
			if len(got) == 0 {
				t.Error("no DNS message parsed")
			}
			t.Logf("%d messages compared with tshark", len(got))
		})
	}
}

// wantMalformed counts the corpus messages this package refuses (none: the
// message cut by the capture in dpkt_truncated_dns_2.pcap keeps its
// question and answers, which tshark also shows).
var wantMalformed = map[string]int{}

// wantUnseen are DNS frames for tshark that the packet decoder does not
// give as DNS datagrams, by its tunnel rules: frame 618 is VXLAN-GPE
// without the P flag (the decoder then expects Ethernet, tshark takes the
// next-protocol byte), 619 and 623 come from the tunnel ports (4790,
// 6081), which the decoder opens only as destinations.
var wantUnseen = map[string][]uint64{"arkime_arkime_synthetic.pcap": {618, 619, 623}}

// TestCorpusTCP reads the DNS-over-TCP exchange of sanders_dns_tcp.pcapng,
// whose response's length prefix is split across two segments (frame 8
// carries its first byte, frame 10 the rest). The segments are in order,
// so they are pushed as they come.
func TestCorpusTCP(t *testing.T) {
	needCorpus(t)
	const name = "sanders_dns_tcp.pcapng"
	path := filepath.Join(corpusDir, name)
	if _, err := os.Stat(path); err != nil {
		t.Skipf("%s not in the corpus", name)
	}
	s, err := capture.Open([]string{path})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	d := packet.NewDecoder()
	var seg reassembly.Segment
	var stats Stats
	sp, out := collect(&stats)
	var offs [2]int64
	for {
		f, err := s.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := d.DecodeAt(f.LinkType, f.Data, f.Time, &seg); !ok || len(seg.Payload) == 0 {
			continue
		}
		dir := reassembly.ClientToServer
		if seg.Src.Port() == 53 {
			dir = reassembly.ServerToClient
		}
		sp.Data(dir, seg.Payload, reassembly.Position{Offset: offs[dir], Time: f.Time, Ref: reassembly.Ref{Frame: f.Frame}})
		offs[dir] += int64(len(seg.Payload))
	}
	sp.End()
	// tshark -r sanders_dns_tcp.pcapng -Y dns -T fields -e frame.number -e dns.id
	// -e dns.qry.name -e dns.count.answers: 6 0xb4c3 ripe.net 0, 10 0xb4c3 ripe.net 8.
	wantTshark := tsharkDNS(t, path, "dns && tcp")
	var got []string
	for _, e := range *out {
		got = append(got, fmt.Sprintf("%v frame %d offset %d: %+v", e.dir, e.at.Ref.Frame, e.at.Offset, summarize(&e.m)))
	}
	want := []string{
		fmt.Sprintf("client->server frame 6 offset 0: %+v", wantTshark[6]),
		fmt.Sprintf("server->client frame 8 offset 0: %+v", wantTshark[10]),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("messages:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(wantTshark[10].Answers) == 0 || stats.TCPMessages != 2 || stats.TCPPartial != 0 {
		t.Errorf("tshark answers %q, stats %+v", wantTshark[10].Answers, stats)
	}
}
