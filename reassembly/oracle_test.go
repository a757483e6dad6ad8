package reassembly_test

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"telltale/pipeline/capture"
	"telltale/pipeline/packet"
	"telltale/reassembly"

	"telltale/pipeline/corpustest"
)

// The oracle test reassembles every TCP flow of real captures with the real
// capture reader and packet decoder and compares each direction's bytes with
// what tshark's "Follow TCP stream" prints for the same flow.
//
// By default it runs on a fixed subset of the corpus (OracleDefaultFiles
// files with HTTP requests, evenly spaced in name order), with -short on a
// smaller one, with TELLTALE_ORACLE=all on every capture, and with
// TELLTALE_ORACLE=name,name on the captures named. Set
// TELLTALE_ORACLE_VERBOSE=1 to log every flow that is not identical.
//
// tshark is the reference, not the truth. tshark's raw follow output writes
// a hole it knows of as the text "[N bytes missing in capture file]" in the
// byte stream; telltale's Gaps are written the same way before comparing.
// Flows are classed as:
//
//   - identical: same bytes both ways, and telltale announced no gap;
//   - gaps agreeing: same bytes and same holes;
//   - skipped: a flow one side does not have (a link or tunnel one of
//     them does not open, a flow split or joined differently), by reason;
//   - differing, explained: the difference is one of the known, checked
//     policy differences below, counted by class;
//   - differing, unexplained: fails the test.
//
// The explained classes (a direction may need several):
//
//   - "tail gap": telltale announces missing bytes after the last captured
//     byte, known from the FIN or from the peer's ACK; tshark only writes
//     holes followed by captured data. Equal once those are left out.
//   - "bytes after FIN": tshark appends payload at or after the FIN's
//     sequence number, telltale ignores it (IgnoredBytes, or the ended
//     connection's stragglers). tshark's text is telltale's plus at most
//     as many bytes as tshark's segments carry past the endpoint's FIN.
//   - "snap length": segments cut by the capture's snap length; tshark
//     writes the captured bytes back to back, telltale announces the cut
//     ones as a gap (TruncatedBytes > 0). Equal once every hole is left out
//     of both.
//   - "midstream start": a direction without SYN whose first segment in
//     tshark's eyes carries no payload: tshark starts the stream at that
//     segment's sequence number (writing a hole up to the first data, or
//     dropping captured data below it as retransmitted), telltale at the
//     lowest captured data byte. Equal once tshark's leading hole, or
//     telltale's extra leading bytes, are left out.
//   - "second ISN": the endpoint sent two SYNs (or SYN+ACKs) with
//     different ISNs in what tshark calls one stream; tshark re-bases on
//     the second and drops data that follows the first, telltale keeps the
//     first. tshark's text is a prefix of telltale's.
//   - "tshark holds the rest": tshark saw a lost segment in the stream and
//     never writes the out-of-order bytes it queued after an unresolved
//     hole; telltale delivers them after a Gap. tshark's text is a prefix
//     of telltale's.
//   - "split": tshark keeps in one stream what telltale ends and starts
//     again (a RST or FIN, then a new SYN on the same 4-tuple). The
//     telltale connections inside the tshark stream's frames, one after
//     the other, give tshark's text, or the first is a prefix of it.

const oracleDefaultFiles = 60

func TestOracleTshark(t *testing.T) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark not installed")
	}
	dir := corpustest.Need(t, "captures")
	shared := filepath.Dir(corpustest.Path())
	files, err := oracleFiles(shared)
	if err != nil {
		t.Fatal(err)
	}
	verbose := os.Getenv("TELLTALE_ORACLE_VERBOSE") != ""

	results := make([]oracleResult, len(files))
	var wg sync.WaitGroup
	next := make(chan int)
	for range max(1, runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			for i := range next {
				results[i] = compareFile(tshark, filepath.Join(dir, files[i]))
			}
		})
	}
	start := time.Now()
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()

	var total oracleResult
	for i, r := range results {
		if r.err != nil {
			t.Errorf("%s: %v", files[i], r.err)
			continue
		}
		total.add(&r)
		for _, d := range r.notes {
			if verbose || d.fail {
				t.Logf("%s: %s", files[i], d.text)
			}
			if d.fail {
				t.Errorf("%s: flow differs from tshark: %s", files[i], d.text)
			}
		}
	}
	t.Logf("oracle: %d files in %v; %d flows compared: %d identical, %d with the same gaps, %d differing (%d explained, classes below; %d not); %d skipped",
		len(files), time.Since(start).Round(time.Millisecond), total.compared, total.identical, total.gapAgree, total.differing,
		total.differingFlows, total.differing-total.differingFlows, total.skipped())
	for _, k := range sortedKeys(total.classes) {
		t.Logf("  %-40s %d", k, total.classes[k])
	}
	if total.compared == 0 {
		t.Errorf("no flow compared")
	}
}

// oracleFiles picks the captures to compare, in name order.
func oracleFiles(shared string) ([]string, error) {
	all, err := filepath.Glob(filepath.Join(shared, "corpus", "captures", "*"))
	if err != nil {
		return nil, err
	}
	var names []string
	for _, p := range all {
		names = append(names, filepath.Base(p))
	}
	slices.Sort(names)
	switch v := os.Getenv("TELLTALE_ORACLE"); v {
	case "all":
		return names, nil
	case "":
	default:
		return strings.Split(v, ","), nil
	}
	// Files with HTTP over TCP, per the corpus' tshark counts.
	b, err := os.ReadFile(filepath.Join(shared, "corpus", "counts.tsv"))
	if err != nil {
		return nil, err
	}
	var http []string
	for _, line := range strings.Split(string(b), "\n")[1:] {
		f := strings.Split(line, "\t")
		if len(f) < 2 {
			continue
		}
		if n, err := strconv.Atoi(f[1]); err == nil && n > 0 && slices.Contains(names, f[0]) {
			http = append(http, f[0])
		}
	}
	slices.Sort(http)
	want := oracleDefaultFiles
	if testing.Short() {
		want = 15
	}
	if len(http) <= want {
		return http, nil
	}
	picked := make([]string, 0, want)
	for i := range want {
		picked = append(picked, http[i*len(http)/want])
	}
	return picked, nil
}

type oracleNote struct {
	text string
	fail bool
}

type oracleResult struct {
	compared, identical, gapAgree, differing int
	differingFlows                           int            // of differing, the explained ones
	classes                                  map[string]int // skips and explained differences, by reason
	notes                                    []oracleNote
	err                                      error
}

func (r *oracleResult) class(k string) {
	if r.classes == nil {
		r.classes = make(map[string]int)
	}
	r.classes[k]++
}

func (r *oracleResult) add(o *oracleResult) {
	r.compared += o.compared
	r.identical += o.identical
	r.gapAgree += o.gapAgree
	r.differing += o.differing
	r.differingFlows += o.differingFlows
	for k, v := range o.classes {
		if r.classes == nil {
			r.classes = make(map[string]int)
		}
		r.classes[k] += v
	}
}

func (r *oracleResult) skipped() int {
	n := 0
	for k, v := range r.classes {
		if strings.HasPrefix(k, "skipped:") {
			n += v
		}
	}
	return n
}

func sortedKeys(m map[string]int) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// ourFlow is one connection as telltale reassembled it.
type ourFlow struct {
	client, server netip.AddrPort
	first          reassembly.Ref
	text           [2][]byte // delivered bytes, gaps as tshark writes them
	lastData       [2]int    // len(text) after the last Data: a tail of gaps follows
	gaps           [2][][2]int64
	sum            *reassembly.ConnSummary
	matched        bool
}

type ourFlows struct{ flows []*ourFlow }

func (o *ourFlows) NewStream(info *reassembly.ConnInfo) reassembly.Stream {
	f := &ourFlow{client: info.Client, server: info.Server, first: info.FirstRef}
	o.flows = append(o.flows, f)
	return f
}

func (f *ourFlow) Data(d reassembly.Dir, b []byte, _ reassembly.Position) {
	f.text[d] = append(f.text[d], b...)
	f.lastData[d] = len(f.text[d])
}

func (f *ourFlow) Gap(d reassembly.Dir, n int64, at reassembly.Position) {
	f.gaps[d] = append(f.gaps[d], [2]int64{at.Offset, n})
	f.text[d] = append(f.text[d], missingText(n)...)
}

// missingText is how tshark's follow writes a hole of n bytes.
// (a C string, terminating NUL included).
func missingText(n int64) string { return fmt.Sprintf("[%d bytes missing in capture file]\x00", n) }

func (f *ourFlow) End(s *reassembly.ConnSummary) { f.sum = s }

// reassemble runs a capture through the capture reader, the packet decoder
// and an Assembler, as the pipeline does (idle flushes on whole seconds of
// capture time).
func reassemble(path string) ([]*ourFlow, error) {
	set, err := capture.Open([]string{path})
	if err != nil {
		return nil, err
	}
	defer set.Close()
	flows := &ourFlows{}
	asm := reassembly.New(reassembly.Config{}, flows)
	dec := packet.NewDecoder()
	var seg reassembly.Segment
	lastTick := int64(-1 << 63)
	for {
		f, err := set.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if _, ok := dec.Decode(f.LinkType, f.Data, &seg); !ok {
			continue
		}
		seg.Time = f.Time
		seg.Ref = reassembly.Ref{File: f.File, Frame: f.Frame}
		if sec := f.Time / int64(time.Second); sec != lastTick {
			lastTick = sec
			asm.Advance(f.Time)
		}
		asm.Assemble(&seg)
	}
	asm.Close()
	return flows.flows, nil
}

// tsStream is one TCP stream as tshark follows it.
type tsStream struct {
	index                 int
	node                  [2]netip.AddrPort
	data                  [2][]byte
	firstFrame, lastFrame uint64
	lost                  bool // tshark saw a lost segment or an ACK of one
	// first describes the first segment from each endpoint.
	first map[netip.AddrPort]tsFirst
}

type tsFirst struct {
	len      int
	syn      bool
	isns     []uint64 // distinct sequence numbers of its SYNs
	fin      bool
	finSeq   uint32 // sequence number of its first FIN
	afterFIN int64  // payload bytes its segments carry past finSeq
}

// runTshark follows every TCP stream of path. It asks for n streams first
// and again for all of them if tshark has more.
func runTshark(tshark, path string, n int) ([]*tsStream, error) {
	for {
		args := []string{"-r", path, "-n", "-T", "fields", "-e", "frame.number", "-e", "tcp.stream",
			"-e", "tcp.analysis.lost_segment", "-e", "tcp.analysis.ack_lost_segment",
			"-e", "ip.src", "-e", "ipv6.src", "-e", "tcp.srcport", "-e", "tcp.len", "-e", "tcp.flags.syn", "-e", "tcp.seq_raw", "-e", "tcp.flags.fin"}
		for i := range n {
			args = append(args, "-z", "follow,tcp,raw,"+strconv.Itoa(i))
		}
		cmd := exec.Command(tshark, args...)
		var out, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &stderr
		if err := cmd.Run(); err != nil {
			// A capture cut short is read up to the cut, by tshark and by
			// telltale alike; anything else tshark cannot read is skipped.
			if !strings.Contains(stderr.String(), "cut short") {
				return nil, errTsharkCannotRead
			}
		}
		streams, maxStream, err := parseTshark(out.Bytes())
		if err != nil {
			return nil, err
		}
		if maxStream < n {
			return streams, nil
		}
		n = maxStream + 1
	}
}

var errTsharkCannotRead = errors.New("tshark cannot read the file")

// parseTshark reads the per-frame fields lines and the follow blocks.
func parseTshark(out []byte) ([]*tsStream, int, error) {
	byIndex := map[int]*tsStream{}
	get := func(i int) *tsStream {
		s := byIndex[i]
		if s == nil {
			s = &tsStream{index: i}
			byIndex[i] = s
		}
		return s
	}
	maxStream := -1
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<30)
	var cur *tsStream
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "" || strings.HasPrefix(line, "=====") || strings.HasPrefix(line, "Follow:"):
			continue
		case strings.HasPrefix(line, "Filter: tcp.stream eq "):
			i, err := strconv.Atoi(strings.TrimPrefix(line, "Filter: tcp.stream eq "))
			if err != nil {
				return nil, 0, fmt.Errorf("tshark output: %q", line)
			}
			cur = get(i)
		case strings.HasPrefix(line, "Node 0: "), strings.HasPrefix(line, "Node 1: "):
			k := int(line[5] - '0')
			ap, err := parseNode(line[8:])
			if err != nil {
				cur = nil // ":0": no such stream
				continue
			}
			cur.node[k] = ap
		case cur != nil && !strings.Contains(line, "\t\t") && isHex(strings.TrimPrefix(line, "\t")):
			k := 0
			if line[0] == '\t' {
				k = 1
			}
			b, err := hex.DecodeString(strings.TrimPrefix(line, "\t"))
			if err != nil {
				return nil, 0, fmt.Errorf("tshark output: %w", err)
			}
			cur.data[k] = append(cur.data[k], b...)
		default:
			// A fields line: frame, stream, lost, ack_lost, ip.src,
			// ipv6.src, srcport, len, syn, seq, fin. A frame with TCP in a tunnel
			// lists a value per layer: the stream of the first TCP
			// layer, the innermost address.
			f := strings.Split(line, "\t")
			if len(f) < 2 || f[1] == "" {
				continue
			}
			frame, err1 := strconv.ParseUint(f[0], 10, 64)
			// A frame with TCP in a tunnel lists a stream per TCP layer.
			i, err2 := strconv.Atoi(strings.Split(f[1], ",")[0])
			if err1 != nil || err2 != nil {
				continue
			}
			maxStream = max(maxStream, i)
			s := get(i)
			if s.firstFrame == 0 {
				s.firstFrame = frame
			}
			s.lastFrame = frame
			if len(f) >= 4 && (f[2] != "" || f[3] != "") {
				s.lost = true
			}
			if len(f) >= 11 {
				addr := lastField(f[5])
				if addr == "" {
					addr = lastField(f[4])
				}
				a, err1 := netip.ParseAddr(addr)
				port, err2 := strconv.ParseUint(strings.Split(f[6], ",")[0], 10, 16)
				n, err3 := strconv.Atoi(strings.Split(f[7], ",")[0])
				if err1 == nil && err2 == nil && err3 == nil {
					src := netip.AddrPortFrom(a, uint16(port))
					if s.first == nil {
						s.first = map[netip.AddrPort]tsFirst{}
					}
					syn := strings.HasPrefix(f[8], "1") || strings.HasPrefix(f[8], "True")
					fi, ok := s.first[src]
					if !ok {
						fi = tsFirst{len: n, syn: syn}
					}
					seq, err := strconv.ParseUint(strings.Split(f[9], ",")[0], 10, 32)
					if err == nil && syn && !slices.Contains(fi.isns, seq) {
						fi.isns = append(fi.isns, seq)
					}
					fin := strings.HasPrefix(f[10], "1") || strings.HasPrefix(f[10], "True")
					if err == nil && fin && !fi.fin {
						fi.fin, fi.finSeq = true, uint32(seq)+uint32(n)
					}
					if err == nil && fi.fin {
						if past := int64(int32(uint32(seq) + uint32(n) - fi.finSeq)); past > 0 {
							fi.afterFIN += min(past, int64(n))
						}
					}
					s.first[src] = fi
				}
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, 0, err
	}
	var streams []*tsStream
	for _, s := range byIndex {
		if s.node[0].IsValid() {
			streams = append(streams, s)
		}
	}
	slices.SortFunc(streams, func(a, b *tsStream) int { return a.index - b.index })
	return streams, maxStream, nil
}

func lastField(s string) string {
	f := strings.Split(s, ",")
	return f[len(f)-1]
}

func isHex(s string) bool {
	if s == "" || len(s)%2 != 0 {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// parseNode parses tshark's "addr:port" (IPv6 addresses are not bracketed).
func parseNode(s string) (netip.AddrPort, error) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return netip.AddrPort{}, fmt.Errorf("node %q", s)
	}
	addr, err := netip.ParseAddr(strings.Trim(s[:i], "[]"))
	if err != nil {
		return netip.AddrPort{}, err
	}
	port, err := strconv.ParseUint(s[i+1:], 10, 16)
	if err != nil {
		return netip.AddrPort{}, err
	}
	return netip.AddrPortFrom(addr, uint16(port)), nil
}

type pairKey struct{ a, b netip.AddrPort }

func pairOf(x, y netip.AddrPort) pairKey {
	if y.Compare(x) < 0 {
		x, y = y, x
	}
	return pairKey{x, y}
}

// compareFile compares every flow of one capture.
func compareFile(tshark, path string) oracleResult {
	var r oracleResult
	ours, err := reassemble(path)
	if err != nil {
		r.err = err
		return r
	}
	theirs, err := runTshark(tshark, path, len(ours)+8)
	if err == errTsharkCannotRead {
		r.class("skipped files: tshark cannot read them")
		return r
	}
	if err != nil {
		r.err = err
		return r
	}
	// Pair flows by endpoints; several flows on one 4-tuple (port reuse)
	// pair up in order of their first frame.
	byPair := map[pairKey][]*ourFlow{}
	for _, f := range ours {
		k := pairOf(f.client, f.server)
		byPair[k] = append(byPair[k], f)
	}
	for _, s := range theirs {
		k := pairOf(s.node[0], s.node[1])
		cands := byPair[k]
		// The unmatched flows that start within the tshark stream's
		// frames or, failing that, the one whose first frame is nearest.
		var group []*ourFlow
		for _, c := range cands {
			if !c.matched && c.first.Frame >= s.firstFrame && c.first.Frame <= s.lastFrame {
				group = append(group, c)
			}
		}
		var f *ourFlow
		for _, c := range cands {
			if !c.matched && (f == nil || absDiff(c.first.Frame, s.firstFrame) < absDiff(f.first.Frame, s.firstFrame)) {
				f = c
			}
		}
		if len(group) > 1 {
			for _, c := range group {
				c.matched = true
			}
			r.compareSplit(s, group)
			continue
		}
		if f == nil {
			if len(cands) == 0 {
				r.class("skipped: tshark flow telltale has no segment of")
			} else {
				r.class("skipped: tshark flow telltale joined to another")
			}
			r.notes = append(r.notes, oracleNote{text: fmt.Sprintf("tshark stream %d (%v-%v, frame %d) unmatched", s.index, s.node[0], s.node[1], s.firstFrame)})
			continue
		}
		f.matched = true
		r.compareFlow(s, f)
	}
	for _, f := range ours {
		if !f.matched && (len(f.text[0]) > 0 || len(f.text[1]) > 0) {
			r.class("skipped: telltale flow tshark has not (split or not TCP to tshark)")
			r.notes = append(r.notes, oracleNote{text: fmt.Sprintf("telltale flow %v-%v (frame %d) unmatched", f.client, f.server, f.first.Frame)})
		}
	}
	return r
}

func absDiff(a, b uint64) uint64 {
	if a > b {
		return a - b
	}
	return b - a
}

// compareFlow compares both directions of one matched flow.
func (r *oracleResult) compareFlow(s *tsStream, f *ourFlow) {
	r.compared++
	var notes, classes []string
	gaps, fail := false, false
	for d := range 2 {
		dir := reassembly.Dir(d)
		src := f.client
		if dir == reassembly.ServerToClient {
			src = f.server
		}
		want, got := s.tshark(src), f.text[d]
		if len(f.gaps[d]) > 0 {
			gaps = true
		}
		if bytes.Equal(got, want) {
			continue
		}
		c := explain(s, src, f, dir)
		if c == nil {
			fail = true
		}
		classes = append(classes, c...)
		notes = append(notes, fmt.Sprintf("%s: telltale %d bytes with gaps %v, tshark %d bytes, first difference at %d; tshark lost=%v; history %q; %s; class %q",
			dir, len(got), f.gaps[d][:min(len(f.gaps[d]), 3)], len(want), firstDiff(got, want), s.lost, f.sum.History, fmtStats(f.sum.Dir[d]), c))
	}
	r.tally(s, f.client, f.server, notes, classes, gaps, fail)
}

func (r *oracleResult) tally(s *tsStream, client, server netip.AddrPort, notes, classes []string, gaps, fail bool) {
	switch {
	case len(notes) == 0 && gaps:
		r.gapAgree++
	case len(notes) == 0:
		r.identical++
	default:
		r.differing++
		if !fail {
			slices.Sort(classes)
			for _, c := range slices.Compact(classes) {
				r.class("differing, explained: " + c)
			}
			r.differingFlows++
		}
		r.notes = append(r.notes, oracleNote{
			text: fmt.Sprintf("stream %d %v-%v: %s", s.index, client, server, strings.Join(notes, "; ")),
			fail: fail,
		})
	}
}

// tshark returns tshark's text for the direction sent by src.
func (s *tsStream) tshark(src netip.AddrPort) []byte {
	if s.node[1] == src {
		return s.data[1]
	}
	return s.data[0]
}

// compareSplit compares a tshark stream that holds several telltale
// connections.
func (r *oracleResult) compareSplit(s *tsStream, group []*ourFlow) {
	r.compared++
	fail := false
	var notes []string
	for d := range 2 {
		src := group[0].client
		if d == 1 {
			src = group[0].server
		}
		want := s.tshark(src)
		var all []byte
		for _, f := range group {
			k := reassembly.ClientToServer
			if f.server == src {
				k = reassembly.ServerToClient
			}
			all = append(all, f.text[k]...)
		}
		first := group[0].text[d]
		if !bytes.Equal(all, want) && !(len(first) < len(want) && bytes.HasPrefix(want, first)) {
			fail = true
			notes = append(notes, fmt.Sprintf("%s: %d telltale connections give %d bytes, tshark %d bytes, first difference at %d",
				reassembly.Dir(d), len(group), len(all), len(want), firstDiff(all, want)))
		}
	}
	if !fail {
		notes = append(notes, fmt.Sprintf("%d telltale connections", len(group)))
	}
	r.tally(s, group[0].client, group[0].server, notes, []string{"split"}, false, fail)
}

// explain names the known policy differences that make telltale's text for
// direction d of f differ from tshark's, or returns nil.
func explain(s *tsStream, src netip.AddrPort, f *ourFlow, d reassembly.Dir) []string {
	got, want := f.text[d], s.tshark(src)
	st := f.sum.Dir[d]
	first := s.first[src]
	var class []string
	done := func(c string) []string { return append(class, c) }
	if f.lastData[d] < len(got) {
		class = append(class, "tail gap")
		got = got[:f.lastData[d]]
		if bytes.Equal(got, want) {
			return class
		}
	}
	if first.fin && len(want) > len(got) && bytes.HasPrefix(want, got) && int64(len(want)-len(got)) <= first.afterFIN {
		return done("bytes after FIN")
	}
	if st.TruncatedBytes > 0 && bytes.Equal(stripMissing(got), stripMissing(want)) {
		return done("snap length")
	}
	if !first.syn && first.len == 0 {
		// tshark's hole up to the first data byte.
		if rest, ok := cutMissingPrefix(want); ok && bytes.Equal(got, rest) {
			return done("midstream start")
		}
		// Captured data below tshark's start.
		if len(want) < len(got) && bytes.HasSuffix(got, want) {
			return done("midstream start")
		}
	}
	if len(first.isns) > 1 && len(want) < len(got) && bytes.HasPrefix(got, want) {
		return done("second ISN")
	}
	if s.lost && len(want) < len(got) && bytes.HasPrefix(got, want) {
		return done("tshark holds the rest")
	}
	return nil
}

// stripMissing removes every "[N bytes missing in capture file]\x00".
func stripMissing(b []byte) []byte {
	var out []byte
	for {
		i := bytes.Index(b, []byte("["))
		if i < 0 {
			return append(out, b...)
		}
		out = append(out, b[:i]...)
		if rest, ok := cutMissingPrefix(b[i:]); ok {
			b = rest
			continue
		}
		out = append(out, '[')
		b = b[i+1:]
	}
}

// cutMissingPrefix removes a leading "[N bytes missing in capture file]".
func cutMissingPrefix(b []byte) ([]byte, bool) {
	if !bytes.HasPrefix(b, []byte("[")) {
		return nil, false
	}
	i := bytes.Index(b, []byte(" bytes missing in capture file]"))
	if i < 0 {
		return nil, false
	}
	if _, err := strconv.ParseUint(string(b[1:i]), 10, 63); err != nil {
		return nil, false
	}
	return bytes.TrimPrefix(b[i+len(" bytes missing in capture file]"):], []byte{0}), true
}

func firstDiff(a, b []byte) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

func fmtStats(d reassembly.DirStats) string {
	return fmt.Sprintf("pk=%d pay=%d del=%d miss=%d dup=%d diff=%d ooo=%d ign=%d trunc=%d rtx=%d",
		d.Packets, d.PayloadBytes, d.DeliveredBytes, d.MissedBytes, d.DupBytes, d.OverlapDiff, d.OutOfOrder, d.IgnoredBytes, d.TruncatedBytes, d.Retransmits)
}
