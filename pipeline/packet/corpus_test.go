package packet

import (
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"testing"

	"telltale/pipeline/capture"
	"telltale/reassembly"

	"telltale/pipeline/corpustest"
)

// corpusDir is the shared corpus of real captures, next to the repository.
var corpusDir = corpustest.Path("captures")

func needCorpus(t *testing.T) {
	t.Helper()
	corpustest.Need(t, "captures")
}

// inDecoder reports whether b lies in a buffer of a datagram the current
// frame completed.
func inDecoder(d *Decoder, b []byte) bool {
	for _, g := range d.frag.done {
		if within(b, g.buf) {
			return true
		}
	}
	return false
}

// TestCorpus decodes every frame of the shared corpus: no panics, payloads
// inside the frame or the reassembly buffers, consistent defragmenter
// bookkeeping; the totals are logged (per link type too) for review.
func TestCorpus(t *testing.T) {
	needCorpus(t)
	paths, err := capture.Expand([]string{corpusDir})
	if err != nil {
		t.Fatal(err)
	}
	s, err := capture.Open(paths)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	d := NewDecoder()
	var seg reassembly.Segment
	reasons := map[SkipReason]int64{}
	perLink := map[string]int64{}
	encaps := map[string]int64{}
	apps := map[string]int64{}
	frames := 0
	for {
		f, err := s.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		frames++
		reason, ok := d.DecodeAt(f.LinkType, f.Data, f.Time, &seg)
		reasons[reason]++
		if !ok {
			perLink[fmt.Sprintf("linktype %d %v", f.LinkType, reason)]++
			continue
		}
		if len(seg.Payload) > 0 && !within(seg.Payload, f.Data) && !inDecoder(d, seg.Payload) {
			t.Fatalf("%s frame %d: payload outside the frame", s.Files()[f.File].Name, f.Frame)
		}
		if seg.WireLen < len(seg.Payload) {
			t.Fatalf("%s frame %d: wire length %d < payload %d", s.Files()[f.File].Name, f.Frame, seg.WireLen, len(seg.Payload))
		}
		encaps[seg.Encap]++
		if seg.App != "" {
			apps[seg.App]++
		}
	}
	d.Flush()
	if msg := d.frag.check(); msg != "" {
		t.Error(msg)
	}
	t.Logf("%d frames decoded", frames)
	for r := None; r <= DNSDatagram; r++ {
		t.Logf("%-16s %d", r, reasons[r])
	}
	logSorted(t, perLink)
	logSorted(t, encaps)
	for _, c := range d.Stats().Counters() {
		t.Logf("%s %d", c.Name, c.Value)
	}
	if len(apps) > 0 {
		t.Logf("PCAPdroid apps: %v", apps)
	}
	if reasons[None] == 0 {
		t.Error("no TCP segment decoded from the corpus")
	}
}

func logSorted(t *testing.T, m map[string]int64) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Logf("  %q: %d", k, m[k])
	}
}

// corpusFrame is one TCP segment of a corpus capture as tshark dissects it
// (tshark -r F -o teredo.heuristic_teredo:TRUE -T fields -e frame.number
// -e ip.src -e ipv6.src -e tcp.srcport ... -e tcp.len: the innermost IP
// layer is the last listed). reassembled says tshark reassembled the IP
// datagram in that frame.
type corpusFrame struct {
	frame       uint64
	src, dst    string
	payload     int
	encap       string
	reassembled bool
}

// tunnelCorpus lists, per tunnel type, a real capture and what decoding it
// must give. Every capture's TCP segments were compared with tshark's
// dissection frame by frame (number, innermost addresses and ports, TCP
// payload length): they agree on all of them; the counts here are those.
// Skip reasons and fragment figures are this package's own accounting,
// except DNSDatagram, whose counts are tshark's UDP frames (not in ICMP
// errors) with an innermost UDP port of 53, 5353 or 5355.
var tunnelCorpus = []struct {
	name, file string
	segments   map[string]int // by Encap
	skips      map[SkipReason]int
	stats      Stats
	frames     []corpusFrame
}{
	{"GRE, transparent Ethernet bridging", "suricata_bug-2576-02-ips_temp1.pcap",
		map[string]int{"gre": 17},
		map[SkipReason]int{},
		Stats{},
		[]corpusFrame{
			{1, "10.95.48.225:42270", "14.215.177.39:80", 0, "gre", false},
			{4, "10.95.48.225:42270", "14.215.177.39:80", 111, "gre", false},
			{17, "10.95.48.225:42270", "14.215.177.39:80", 0, "gre", false},
		}},
	{"GRE, outer fragments", "zeek_erspan.pcap",
		map[string]int{"gre": 106},
		map[SkipReason]int{FragmentHeld: 39, NonIP: 10, NotTCP: 118, DNSDatagram: 14},
		Stats{FragmentsHeld: 39, DatagramsReassembled: 16},
		[]corpusFrame{
			{97, "192.168.69.10:49162", "192.168.69.2:80", 0, "gre", false},
			{100, "192.168.69.10:49162", "192.168.69.2:80", 492, "gre", false},
			{155, "192.168.69.2:80", "192.168.69.10:49162", 2920, "gre", true},
			{287, "192.168.69.10:49163", "192.168.69.2:80", 0, "gre", false},
		}},
	{"GRE in UDP", "zeek_tunnels_gre-over-udp-4754.pcap",
		map[string]int{"gre": 10},
		map[SkipReason]int{DNSDatagram: 4},
		Stats{},
		[]corpusFrame{
			{5, "172.17.0.2:36518", "192.0.78.150:80", 0, "gre", false},
			{8, "172.17.0.2:36518", "192.0.78.150:80", 72, "gre", false},
			{14, "172.17.0.2:36518", "192.0.78.150:80", 0, "gre", false},
		}},
	{"GRE, Aruba 802.11", "zeek_tunnels_gre-aruba.pcap",
		map[string]int{"vlan>gre": 2407},
		map[SkipReason]int{},
		Stats{},
		[]corpusFrame{
			{1, "10.37.36.92:58973", "205.185.216.10:80", 0, "vlan>gre", false},
			{7, "10.37.36.92:59020", "192.0.78.150:80", 416, "vlan>gre", false},
			{2407, "10.37.36.92:59138", "140.197.248.50:80", 0, "vlan>gre", false},
		}},
	{"ERSPAN II then VXLAN-GPE", "arkime_gre-erspan-vxlan.pcap",
		map[string]int{"gre>erspan>vxlan": 7},
		map[SkipReason]int{},
		Stats{},
		[]corpusFrame{
			{1, "10.16.27.12:65174", "10.16.27.131:80", 0, "gre>erspan>vxlan", false},
			{4, "10.16.27.12:65174", "10.16.27.131:80", 30, "gre>erspan>vxlan", false},
			{7, "10.16.27.131:80", "10.16.27.12:65174", 0, "gre>erspan>vxlan", false},
		}},
	{"VXLAN", "zeek_tunnels_vxlan-encapsulated-http.pcap",
		map[string]int{"vxlan": 12},
		map[SkipReason]int{},
		Stats{},
		[]corpusFrame{
			{1, "172.16.11.201:40354", "54.86.237.188:80", 0, "vxlan", false},
			{4, "172.16.11.201:40354", "54.86.237.188:80", 87, "vxlan", false},
			{12, "172.16.11.201:40354", "54.86.237.188:80", 0, "vxlan", false},
		}},
	{"VXLAN, reserved bits set", "suricata_vxlan-non-zero-reserved-fields.pcap",
		map[string]int{"vxlan": 10},
		map[SkipReason]int{},
		Stats{},
		[]corpusFrame{
			{1, "218.94.93.34:51252", "192.168.1.134:80", 0, "vxlan", false},
			{4, "218.94.93.34:51252", "192.168.1.134:80", 587, "vxlan", false},
			{10, "192.168.1.134:80", "218.94.93.34:51252", 0, "vxlan", false},
		}},
	{"Geneve with options", "zeek_tunnels_geneve-many-options.pcap",
		map[string]int{"geneve": 10},
		map[SkipReason]int{},
		Stats{},
		[]corpusFrame{
			{1, "10.0.0.226:39088", "95.217.228.176:80", 0, "geneve", false},
			{4, "10.0.0.226:39088", "95.217.228.176:80", 81, "geneve", false},
			{10, "10.0.0.226:39088", "95.217.228.176:80", 0, "geneve", false},
		}},
	{"Geneve then GRE", "suricata_bug-6402-01.pcap",
		map[string]int{"geneve>gre": 12},
		map[SkipReason]int{},
		Stats{},
		[]corpusFrame{
			{1, "10.2.0.1:39198", "10.2.0.2:1234", 0, "geneve>gre", false},
			{4, "10.2.0.1:39198", "10.2.0.2:1234", 77, "geneve>gre", false},
			{12, "10.2.0.2:1234", "10.2.0.1:39198", 0, "geneve>gre", false},
		}},
	{"GTP-U, outer fragments", "zeek_tunnels_gtp_gtp1_gn_normal_incl_fragmentation.pcap",
		map[string]int{"gtpu": 68},
		map[SkipReason]int{FragmentHeld: 40},
		Stats{FragmentsHeld: 40, DatagramsReassembled: 36, FragmentsPending: 4},
		[]corpusFrame{
			{1, "10.131.47.185:1923", "79.101.110.141:80", 0, "gtpu", false},
			{5, "10.131.47.185:1923", "79.101.110.141:80", 1440, "gtpu", true},
			{108, "79.101.110.141:80", "10.131.47.185:1923", 0, "gtpu", false},
		}},
	{"GTP-U from another port, outer fragments", "zeek_tunnels_gtp_gtp2_different_udp_port.pcap",
		map[string]int{"gtpu": 78},
		map[SkipReason]int{FragmentHeld: 42},
		Stats{FragmentsHeld: 42, DatagramsReassembled: 42},
		[]corpusFrame{
			{1, "10.131.17.170:51803", "173.199.115.168:80", 0, "gtpu", false},
			{4, "10.131.17.170:51803", "173.199.115.168:80", 574, "gtpu", false},
			{8, "173.199.115.168:80", "10.131.17.170:51803", 1440, "gtpu", true},
			{120, "10.131.17.170:51803", "173.199.115.168:80", 0, "gtpu", false},
		}},
	{"GTP-U in QinQ", "ndpi_false_positives.pcapng",
		map[string]int{"vlan>vlan>gtpu": 4},
		map[SkipReason]int{NotTCP: 116},
		Stats{},
		[]corpusFrame{
			{1, "10.140.231.26:61202", "159.65.12.169:443", 0, "vlan>vlan>gtpu", false},
			{3, "10.140.231.26:61202", "159.65.12.169:443", 325, "vlan>vlan>gtpu", false},
			{4, "159.65.12.169:443", "10.140.231.26:61202", 188, "vlan>vlan>gtpu", false},
		}},
	{"Teredo, by shape", "zeek_tunnels_Teredo.pcap",
		map[string]int{"": 33, "teredo": 22},
		map[SkipReason]int{NotTCP: 13, DNSDatagram: 10},
		Stats{},
		[]corpusFrame{
			{2, "75.126.130.163:80", "192.168.2.16:1576", 0, "", false},
			{34, "[2001:0:4137:9e50:8000:f12a:b9c8:2815]:1286", "[2001:4860:0:2001::68]:80", 0, "teredo", false},
			{37, "[2001:0:4137:9e50:8000:f12a:b9c8:2815]:1286", "[2001:4860:0:2001::68]:80", 797, "teredo", false},
			{57, "[2001:0:4137:9e50:8000:f12a:b9c8:2815]:1286", "[2001:4860:0:2001::68]:80", 0, "teredo", false},
		}},
	{"AYIYA", "zeek_tunnels_ayiya3.pcap",
		map[string]int{"ayiya": 21},
		map[SkipReason]int{NotTCP: 14},
		Stats{},
		[]corpusFrame{
			{12, "[2001:4978:f:4c::2]:53382", "[2001:4860:b002::68]:80", 0, "ayiya", false},
			{15, "[2001:4978:f:4c::2]:53382", "[2001:4860:b002::68]:80", 924, "ayiya", false},
			{32, "[2001:4978:f:4c::2]:53382", "[2001:4860:b002::68]:80", 0, "ayiya", false},
		}},
	{"PPPoE", "suricata_bug-4810_pppoe-session-http.pcap",
		map[string]int{"pppoe": 30},
		map[SkipReason]int{},
		Stats{},
		[]corpusFrame{
			{1, "10.100.0.0:57013", "142.250.179.131:80", 0, "pppoe", false},
			{4, "10.100.0.0:57013", "142.250.179.131:80", 77, "pppoe", false},
			{30, "10.100.0.0:57013", "142.250.179.131:80", 0, "pppoe", false},
		}},
	{"MPLS in VLAN", "zeek_mpls-in-vlan.pcap",
		map[string]int{"vlan": 1, "vlan>mpls": 2},
		map[SkipReason]int{},
		Stats{},
		[]corpusFrame{
			{1, "65.65.65.65:19244", "65.65.65.65:80", 205, "vlan", false},
			{3, "65.65.65.65:61193", "65.65.65.65:80", 658, "vlan>mpls", false},
		}},
	{"MPLS and VLAN", "zeek_mixed-vlan-mpls.pcap",
		map[string]int{"": 22, "mpls": 11, "vlan": 14},
		map[SkipReason]int{},
		Stats{},
		[]corpusFrame{
			{1, "10.1.2.1:11001", "10.34.0.1:23", 0, "mpls", false},
			{3, "10.1.2.1:11001", "10.34.0.1:23", 9, "mpls", false},
			{47, "10.0.0.15:80", "10.20.80.1:50343", 0, "vlan", false},
		}},
	{"6in4", "ndpi_6in4tunnel.pcap",
		map[string]int{"ipip": 75},
		map[SkipReason]int{NotTCP: 48, DNSDatagram: 4},
		Stats{},
		[]corpusFrame{
			{22, "[2001:470:1f17:13f:3e97:eff:fe73:4dec]:53234", "[2a03:2880:1010:6f03:face:b00c:0:2]:443", 0, "ipip", false},
			{25, "[2001:470:1f17:13f:3e97:eff:fe73:4dec]:53234", "[2a03:2880:1010:6f03:face:b00c:0:2]:443", 204, "ipip", false},
			{121, "[2001:470:1f17:13f:3e97:eff:fe73:4dec]:60205", "[2604:a880:1:20::224:b001]:443", 0, "ipip", false},
		}},
	{"L2TP in PPPoE", "dpkt_nb6-http.pcap",
		map[string]int{"": 10, "pppoe": 10, "pppoe>l2tp": 10},
		map[SkipReason]int{NonIP: 12, NotTCP: 4, DNSDatagram: 16},
		Stats{},
		[]corpusFrame{
			{35, "95.136.242.99:52573", "216.69.252.100:80", 0, "pppoe", false},
			{38, "95.136.242.99:52573", "216.69.252.100:80", 82, "pppoe", false},
			{62, "[2a00:5e80:101:212d:504:7b1:2572:db22]:37034", "[2606:f200:0:7:bad:f00d:d00d:1]:80", 0, "pppoe>l2tp", false},
		}},
	{"IPv6 fragments", "sanders_ipv6_fragments.pcapng",
		map[string]int{},
		map[SkipReason]int{FragmentHeld: 10, NotTCP: 12},
		Stats{FragmentsHeld: 10, DatagramsReassembled: 10},
		[]corpusFrame{}},
	{"IPv4 fragments", "stopddos_amp.dns.RRSIG.fragmented.pcap",
		map[string]int{"": 3104},
		map[SkipReason]int{FragmentHeld: 871, NotTCP: 35, DNSDatagram: 402},
		Stats{FragmentsHeld: 871, DatagramsReassembled: 338, FragmentsPending: 195},
		[]corpusFrame{}},
}

func TestCorpusTunnels(t *testing.T) {
	needCorpus(t)
	for _, tc := range tunnelCorpus {
		t.Run(tc.name, func(t *testing.T) {
			s, err := capture.Open([]string{filepath.Join(corpusDir, tc.file)})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			d := NewDecoder()
			var seg reassembly.Segment
			segments := map[string]int{}
			skips := map[SkipReason]int{}
			byFrame := map[uint64]corpusFrame{}
			for {
				f, err := s.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				reason, ok := d.DecodeAt(f.LinkType, f.Data, f.Time, &seg)
				if !ok {
					skips[reason]++
					continue
				}
				segments[seg.Encap]++
				byFrame[f.Frame] = corpusFrame{f.Frame, seg.Src.String(), seg.Dst.String(), len(seg.Payload), seg.Encap,
					len(seg.Payload) > 0 && !within(seg.Payload, f.Data)}
			}
			if fmt.Sprint(segments) != fmt.Sprint(tc.segments) {
				t.Errorf("segments by encapsulation = %v, want %v", segments, tc.segments)
			}
			if fmt.Sprint(skips) != fmt.Sprint(tc.skips) {
				t.Errorf("skips = %v, want %v", skips, tc.skips)
			}
			if st := d.Stats(); st != tc.stats {
				t.Errorf("stats = %+v\nwant    %+v", st, tc.stats)
			}
			for _, want := range tc.frames {
				if got, ok := byFrame[want.frame]; !ok || got != want {
					t.Errorf("frame %d = %+v, want %+v", want.frame, got, want)
				}
			}
		})
	}
}
