package pipeline

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"telltale/pipeline/sink/sinktest"
)

// The fidelity test runs the whole pipeline on every capture of the
// real-capture corpus and compares the http table, read back by DuckDB, with
// tshark's listing of the same file (../shared/corpus/ref, made with
// `tshark -n -o tcp.reassemble_out_of_order:TRUE`):
//
//   - requests as (flow, method, Host header, request target), where a flow
//     is the connection's two endpoints without direction;
//   - final responses as (flow, status code). Interim 1xx responses are left
//     out: the http table has no row for them.
//
// Both sides are multisets: a request repeated on one connection counts as
// often as it was sent. samples/FIDELITY.md explains, class by class, every
// difference left. The test fails when a capture not listed in
// fidelityExplained differs, when a listed one differs by more than its
// allowance, or when fewer of tshark's requests or responses are matched
// than fidelityFloor* (the level reached when the list was last checked),
// so a regression anywhere from packet decoding to the parser shows up
// here. With -update it rewrites samples/fidelity.tsv and the generated
// section of samples/FIDELITY.md. The whole corpus takes about half a
// minute; -short skips it.

// The floors: matched requests and responses over the whole corpus.
const (
	fidelityFloorRequests  = 2070
	fidelityFloorResponses = 1158 // 1159 before HTTP/2: the h2c 101 became an interim response
)

// fidelityAllowance is how far one capture may differ from tshark: at most
// req[0] requests only tshark lists and req[1] only telltale lists, the same
// for responses, for the reason why (found by reading the bytes; see
// samples/FIDELITY.md).
type fidelityAllowance struct {
	req, resp [2]int
	why       string
}

func (a fidelityAllowance) exceededBy(got fidelityAllowance) bool {
	for i := range 2 {
		if got.req[i] > a.req[i] || got.resp[i] > a.resp[i] {
			return true
		}
	}
	return false
}

// The classes of difference, each explained in samples/FIDELITY.md.
const (
	whyCut     = "cut: responses cut by the end of the capture, a reset or a lost segment, which telltale emits flagged incomplete or body_gap; tshark lists only messages it could complete"
	whyGap     = "after a gap: tshark dissects nothing more in a direction after a lost segment; telltale skips the hole (body_gap) and reads the next messages"
	whyPort    = "port: HTTP on a port tshark does not dissect as HTTP (only telltale, correct)"
	whyNotify  = "notification: UPnP GENA NOTIFY/SUBSCRIBE/UNSUBSCRIBE, which tshark files as http.notification, not http.request (tshark agrees when asked for those)"
	whySpaces  = "spaces: a request target with spaces; tshark cuts it at the first space, telltale keeps it whole (flagged lenient)"
	whyJunk    = "junk: junk before the start line, which telltale skips; tshark sees no message"
	whyISN     = "port reuse: a second SYN+ACK with a new ISN; tshark cannot reassemble the side after it, telltale follows the new sequence"
	whyTunnel  = "tunnel: Teredo on a relay port, which tshark decodes only on UDP 3544 (with -d udp.port==3797,teredo it lists the same)"
	whyQuoted  = "quoted: tshark dissects HTTP inside ICMP error quotes and sFlow samples, which are copies of headers, not traffic"
	whyLink    = "link: ARCNET link type, which telltale's packet decoding does not read (packets.skipped.unsupported_link)"
	whyFuzzed  = "fuzzed: bytes, addresses and sequence numbers randomly corrupted; neither listing is the truth"
	whyH2C     = "h2c: an HTTP/1.1 Upgrade to h2c; tshark lists the 101, telltale keeps the 101 as an interim response and pairs the upgrade request with its answer on HTTP/2 stream 1 (HTTP/2 is compared in https_test.go, not here: tshark's listing is HTTP/1.x only)"
	whyObsFold = "obs-fold: Transfer-Encoding folded onto a continuation line; RFC 9112 unfolds it to chunked, so the smuggled second request is real"
	whyBadLine = "bad line: tshark misreads the request line (two spaces after the method, or no target)"
	whyUrgent  = "urgent: port 9090, and the URI holds the TCP urgent byte, which the server did not see (/malicious): a reassembly matter"
	whyNUL     = "NUL: a Host header holding a NUL; tshark shows it up to the NUL, telltale keeps the bytes"
	whyBareCR  = "bare CR: a status line ending in a bare CR before a header; telltale takes the CR as part of the line (RFC 9112 2.2) and frames the body by its Content-Length; tshark lists nothing"
)

func why(classes ...string) string {
	var b strings.Builder
	for i, c := range classes {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(c[:strings.IndexByte(c, ':')])
	}
	return b.String()
}

// fidelityExplained lists the captures allowed to differ from tshark, and
// by how much. The reasons are the class names of the constants above.
var fidelityExplained = map[string]fidelityAllowance{
	"arkime_gre-erspan-vxlan.pcap":                    {req: [2]int{1, 1}, why: why(whySpaces)},
	"arkime_http-tcp-seq-issue.pcap":                  {resp: [2]int{0, 1}, why: why(whyCut)},
	"arkime_no-syn-ack.pcap":                          {resp: [2]int{0, 1}, why: why(whyCut)},
	"arkime_twovlan.pcap":                             {resp: [2]int{0, 1}, why: why(whyCut)},
	"ndpi_EAQ.pcap":                                   {resp: [2]int{0, 1}, why: why(whyCut)},
	"ndpi_WebattackRCE.pcap":                          {req: [2]int{1, 1}, why: why(whySpaces)},
	"ndpi_exe_download.pcap":                          {resp: [2]int{0, 1}, why: why(whyCut)},
	"ndpi_exe_download_as_png.pcap":                   {resp: [2]int{0, 1}, why: why(whyCut)},
	"ndpi_fuzz-2006-09-29-28586.pcap":                 {req: [2]int{1, 4}, resp: [2]int{0, 2}, why: why(whyFuzzed, whyNUL, whyCut)},
	"ndpi_gnutella.pcap":                              {resp: [2]int{0, 2}, why: why(whyCut)},
	"ndpi_http-manipulated.pcap":                      {req: [2]int{1, 1}, resp: [2]int{0, 1}, why: why(whyBadLine, whyCut)},
	"ndpi_http_on_sip_port.pcapng":                    {req: [2]int{0, 1}, resp: [2]int{0, 1}, why: why(whyPort, whyCut)},
	"ndpi_mpeg-dash.pcap":                             {resp: [2]int{0, 1}, why: why(whyCut)},
	"ndpi_ndpi_match_string_subprotocol_error.pcapng": {req: [2]int{0, 1}, why: why(whyFuzzed, whyISN)},
	"ndpi_weibo.pcap":                                 {resp: [2]int{0, 5}, why: why(whyCut)},
	"ndpi_windowsupdate_over_http.pcap":               {resp: [2]int{0, 1}, why: why(whyCut)},
	"pcap2har_out-of-order.pcap":                      {resp: [2]int{0, 47}, why: why(whyISN)},
	"sanders_latency1.pcapng":                         {resp: [2]int{0, 1}, why: why(whyCut)},
	"sanders_latency2.pcapng":                         {resp: [2]int{0, 1}, why: why(whyCut)},
	"sanders_latency3.pcapng":                         {resp: [2]int{0, 1}, why: why(whyCut)},
	"sanders_latency4.pcapng":                         {resp: [2]int{0, 1}, why: why(whyCut)},
	"scapy_http_compressed-zstd.pcap":                 {resp: [2]int{0, 1}, why: why(whyCut)},
	"suricata_bug-5486_154.pcap":                      {resp: [2]int{0, 1}, why: why(whyCut)},
	"suricata_filestore-5408.pcap":                    {req: [2]int{6, 0}, resp: [2]int{1, 0}, why: why(whyQuoted)},
	"suricata_http-evader_http-evader-044.pcap":       {resp: [2]int{0, 1}, why: why(whyCut)},
	"suricata_http-evader_http-evader-387.pcap":       {resp: [2]int{0, 1}, why: why(whyBareCR)},
	"suricata_http-evader_http-evader-481.pcap":       {resp: [2]int{0, 1}, why: why(whyJunk)},
	"suricata_http-evader_http-evader-483.pcap":       {resp: [2]int{0, 1}, why: why(whyJunk)},
	"suricata_http-evader_http-evader-488.pcap":       {resp: [2]int{0, 1}, why: why(whyJunk)},
	"suricata_http-evader_http-evader-490.pcap":       {resp: [2]int{0, 1}, why: why(whyJunk)},
	"suricata_http-evader_http-evader-495.pcap":       {resp: [2]int{0, 1}, why: why(whyJunk)},
	"suricata_http-gap-simple.pcap":                   {resp: [2]int{0, 2}, why: why(whyGap, whyCut)},
	"suricata_output-eve-ftp-data.pcap":               {req: [2]int{0, 68}, why: why(whyNotify)},
	"suricata_tcp-rst-unacked-stream-10_TLPW1-tcp-174._91c8d0_.11.101-tcp-80-49309.pcap": {resp: [2]int{0, 1}, why: why(whyCut)},
	"suricata_tcp-urgp-01-oob_tcp-urgent1.pcap":                                          {req: [2]int{0, 1}, why: why(whyPort, whyUrgent)},
	"suricata_uricontent_detect-uricontent-02.pcap":                                      {req: [2]int{0, 1}, why: why(whyPort)},
	"scapy_http2_h2c.pcap":                                    {resp: [2]int{1, 0}, why: why(whyH2C)},
	"tcpdump_accecn_handshake.pcap":                           {resp: [2]int{0, 1}, why: why(whyCut)},
	"tcpdump_arcnet-rfc1051-arp-icmp-http.pcap":               {req: [2]int{1, 0}, resp: [2]int{1, 0}, why: why(whyLink)},
	"tcpdump_arcnet-rfc1201-arp-icmp-http.pcap":               {req: [2]int{1, 0}, resp: [2]int{1, 0}, why: why(whyLink)},
	"tcpreplay_test_test_fragroute.pcap":                      {resp: [2]int{0, 1}, why: why(whyCut)},
	"wireshark_docbook_examples_test.pcap":                    {req: [2]int{0, 7}, why: why(whyNotify)},
	"zeek_erspan.pcap":                                        {resp: [2]int{0, 9}, why: why(whyGap, whyCut)},
	"zeek_http_261_variant-09-te_obs_fold.pcap":               {req: [2]int{0, 1}, why: why(whyObsFold)},
	"zeek_http_bro.org.pcap":                                  {resp: [2]int{0, 6}, why: why(whyGap, whyCut)},
	"zeek_http_connect-with-smtp.pcap":                        {req: [2]int{1, 1}, why: why(whySpaces)},
	"zeek_http_get-to-ssh-server.pcap":                        {req: [2]int{0, 1}, why: why(whyPort)},
	"zeek_http_http-bad-request-with-version.pcap":            {req: [2]int{0, 1}, why: why(whyJunk)},
	"zeek_http_http-single-conn-22.pcap":                      {req: [2]int{0, 1}, resp: [2]int{0, 1}, why: why(whyPort)},
	"zeek_http_methods.pcap":                                  {req: [2]int{1, 1}, why: why(whyBadLine)},
	"zeek_http_zeek-image-post-1080-8000-x.pcap":              {req: [2]int{0, 1}, resp: [2]int{0, 1}, why: why(whyPort)},
	"zeek_postgresql_http-on-port-5432.pcap":                  {req: [2]int{0, 1}, resp: [2]int{0, 1}, why: why(whyPort)},
	"zeek_tcp-http-with-padding.pcap":                         {req: [2]int{0, 1}, why: why(whyPort)},
	"zeek_tunnels_Teredo.pcap":                                {req: [2]int{0, 2}, resp: [2]int{0, 2}, why: why(whyTunnel)},
	"zeek_tunnels_gtp_gtp1_gn_normal_incl_fragmentation.pcap": {resp: [2]int{0, 1}, why: why(whyCut)},
}

// fidelityCount is one side's tally of one capture.
type fidelityCount struct {
	tshark, telltale, matched int
}

func (c fidelityCount) onlyTshark() int   { return c.tshark - c.matched }
func (c fidelityCount) onlyTelltale() int { return c.telltale - c.matched }
func (c fidelityCount) agrees() bool      { return c.tshark == c.matched && c.telltale == c.matched }

func (c *fidelityCount) add(d fidelityCount) {
	c.tshark += d.tshark
	c.telltale += d.telltale
	c.matched += d.matched
}

// fidelityFile is the comparison of one capture.
type fidelityFile struct {
	name       string
	req, resp  fidelityCount
	onlyTshark []string // request keys, sorted, for the log
	onlyOurs   []string
	respTshark []string // response keys
	respOurs   []string
	respCut    int // of respOurs, those telltale flagged incomplete or body_gap
}

func TestFidelity(t *testing.T) {
	if testing.Short() {
		t.Skip("fidelity against tshark runs the whole corpus; not in -short mode")
	}
	captures := corpusDir(t)
	refDir := filepath.Join(filepath.Dir(captures), "ref")
	entries, err := os.ReadDir(captures)
	if err != nil {
		t.Fatal(err)
	}
	// TELLTALE_FIDELITY=<capture> compares that capture alone and logs
	// every http row of it, for looking into a difference.
	only := os.Getenv("TELLTALE_FIDELITY")
	var names []string
	for _, e := range entries {
		if !e.IsDir() && (only == "" || e.Name() == only) {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		t.Fatalf("no capture %q in %s", only, captures)
	}

	// One run per capture, two at a time: a run is mostly single-threaded.
	out := t.TempDir()
	var wg sync.WaitGroup
	errs := make([]error, len(names))
	sem := make(chan struct{}, 2)
	for i, name := range names {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			_, errs[i] = Run(context.Background(), Config{
				Inputs: []string{filepath.Join(captures, name)},
				OutDir: filepath.Join(out, strconv.Itoa(i)),
			})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("%s: %v", names[i], err)
		}
	}

	// Every http table in one query; the run directory names the capture.
	ours := make([]fidelitySide, len(names))
	rows := sinktest.Query(t, `SELECT filename, orig_h, orig_p, resp_h, resp_p,
			CASE WHEN version = '2' THEN '' ELSE coalesce(method, '') END,
			array_to_string(list_transform(list_filter(coalesce(request_headers, []), h -> lower(h.name) = 'host'), h -> h.value), ','),
			coalesce(uri, ''), CASE WHEN stream_id IS NULL THEN coalesce(status_code::VARCHAR, '') ELSE '' END,
			uid, trans_depth, first_frame, last_frame, array_to_string(flags, ',')
		FROM read_parquet(?, filename = true) ORDER BY filename, first_frame, uid, trans_depth`, filepath.Join(out, "*", "http.parquet"))
	for _, r := range rows {
		if only != "" {
			t.Logf("%s #%s frames %s-%s %s %q %q %q -> %s [%s]", r[9], r[10], r[11], r[12], r[5], r[6], r[7], r[2], r[8], r[13])
		}
		i, err := strconv.Atoi(filepath.Base(filepath.Dir(r[0])))
		if err != nil || i < 0 || i >= len(names) {
			t.Fatalf("unexpected output file %s", r[0])
		}
		flow := flowKey(r[1], r[2], r[3], r[4])
		if r[5] != "" {
			ours[i].requests = append(ours[i].requests, requestKey(flow, r[5], r[6], r[7]))
		}
		if r[8] != "" && !isInterim(r[8]) {
			key := flow + " " + r[8]
			ours[i].responses = append(ours[i].responses, key)
			if strings.Contains(","+r[13]+",", ",incomplete,") || strings.Contains(","+r[13]+",", ",body_gap,") {
				ours[i].cut = append(ours[i].cut, key)
			}
		}
	}

	var files []fidelityFile
	var total fidelityFile
	total.name = "total"
	for i, name := range names {
		theirs, err := readTsharkListing(refDir, name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		f := fidelityFile{name: name}
		f.req, f.onlyTshark, f.onlyOurs = compareMultisets(theirs.requests, ours[i].requests)
		f.resp, f.respTshark, f.respOurs = compareMultisets(theirs.responses, ours[i].responses)
		f.respCut = countCut(f.respOurs, ours[i].cut)
		total.req.add(f.req)
		total.resp.add(f.resp)
		total.respCut += f.respCut
		files = append(files, f)
	}

	var report strings.Builder
	report.WriteString(fidelityHeader)
	differ := 0
	for _, f := range files {
		if f.req.agrees() && f.resp.agrees() {
			continue
		}
		differ++
		report.WriteString(f.line())
	}
	report.WriteString(total.line())
	t.Logf("%d of %d captures differ from tshark:\n%s", differ, len(files), report.String())

	for _, f := range files {
		a, explained := fidelityExplained[f.name]
		got := fidelityAllowance{req: [2]int{f.req.onlyTshark(), f.req.onlyTelltale()}, resp: [2]int{f.resp.onlyTshark(), f.resp.onlyTelltale()}}
		detail := fmt.Sprintf("  only tshark: %s\n  only telltale: %s\n  responses only tshark: %s\n  responses only telltale: %s (%d cut)",
			brief(f.onlyTshark), brief(f.onlyOurs), brief(f.respTshark), brief(f.respOurs), f.respCut)
		switch {
		case !explained && got != (fidelityAllowance{}):
			t.Errorf("%s differs from tshark and is not explained in fidelityExplained (req %v, resp %v):\n%s", f.name, got.req, got.resp, detail)
		case explained && a.exceededBy(got):
			t.Errorf("%s differs from tshark more than explained (req %v, resp %v; allowed req %v, resp %v: %s):\n%s", f.name, got.req, got.resp, a.req, a.resp, a.why, detail)
		case explained && got != fidelityAllowance{req: a.req, resp: a.resp}:
			t.Logf("%s differs from tshark less than explained (req %v, resp %v; allowed req %v, resp %v): tighten fidelityExplained", f.name, got.req, got.resp, a.req, a.resp)
		case explained && testing.Verbose():
			t.Logf("%s (%s):\n%s", f.name, a.why, detail)
		}
	}
	if only == "" {
		if total.req.matched < fidelityFloorRequests {
			t.Errorf("%d of tshark's %d requests matched, below the floor of %d", total.req.matched, total.req.tshark, fidelityFloorRequests)
		}
		if total.resp.matched < fidelityFloorResponses {
			t.Errorf("%d of tshark's %d responses matched, below the floor of %d", total.resp.matched, total.resp.tshark, fidelityFloorResponses)
		}
	}

	if *update && only == "" {
		var tsv strings.Builder
		tsv.WriteString(fidelityHeader)
		for _, f := range files {
			tsv.WriteString(f.line())
		}
		tsv.WriteString(total.line())
		if err := os.WriteFile(filepath.Join(samplesDir, "fidelity.tsv"), []byte(tsv.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := writeFidelitySection(filepath.Join(samplesDir, "FIDELITY.md"), files, total, differ); err != nil {
			t.Fatal(err)
		}
	}
}

const fidelityHeader = "file\treq_tshark\treq_telltale\treq_matched\treq_only_tshark\treq_only_telltale\tresp_tshark\tresp_telltale\tresp_matched\tresp_only_tshark\tresp_only_telltale\tresp_only_telltale_cut\n"

func (f fidelityFile) line() string {
	return fmt.Sprintf("%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n", f.name,
		f.req.tshark, f.req.telltale, f.req.matched, f.req.onlyTshark(), f.req.onlyTelltale(),
		f.resp.tshark, f.resp.telltale, f.resp.matched, f.resp.onlyTshark(), f.resp.onlyTelltale(), f.respCut)
}

// brief shows at most a few keys of a difference.
func brief(keys []string) string {
	if len(keys) == 0 {
		return "-"
	}
	if len(keys) > 4 && os.Getenv("TELLTALE_FIDELITY") == "" {
		return fmt.Sprintf("%q ... (%d)", keys[:4], len(keys))
	}
	return fmt.Sprintf("%q", keys)
}

func isInterim(code string) bool {
	return len(code) == 3 && code[0] == '1' && code != "101"
}

// flowKey names a connection by its two endpoints, lower one first, so
// that it does not depend on who is taken for the client.
func flowKey(srcIP, srcPort, dstIP, dstPort string) string {
	a, b := endpoint(srcIP, srcPort), endpoint(dstIP, dstPort)
	if b < a {
		a, b = b, a
	}
	return a + "-" + b
}

func endpoint(ip, port string) string {
	if strings.Contains(ip, ":") {
		return "[" + ip + "]:" + port
	}
	return ip + ":" + port
}

func requestKey(flow, method, host, uri string) string {
	return flow + " " + method + " " + strconv.Quote(host) + " " + strconv.Quote(uri)
}

// compareMultisets counts how many of theirs and ours pair up, each element
// used once, and lists the rest of each side, sorted.
func compareMultisets(theirs, ours []string) (c fidelityCount, onlyTheirs, onlyOurs []string) {
	a, b := slices.Sorted(slices.Values(theirs)), slices.Sorted(slices.Values(ours))
	c.tshark, c.telltale = len(a), len(b)
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || i < len(a) && a[i] < b[j]:
			onlyTheirs = append(onlyTheirs, a[i])
			i++
		case i == len(a) || b[j] < a[i]:
			onlyOurs = append(onlyOurs, b[j])
			j++
		default:
			c.matched++
			i++
			j++
		}
	}
	return c, onlyTheirs, onlyOurs
}

// fidelitySide is one side's requests and responses of one capture, as keys.
type fidelitySide struct {
	requests, responses []string
	cut                 []string // telltale's responses flagged incomplete or body_gap
}

// countCut counts how many of the unmatched responses can be cut ones: per
// key, as many as both lists hold.
func countCut(unmatched, cut []string) int {
	n := map[string]int{}
	for _, k := range cut {
		n[k]++
	}
	c := 0
	for _, k := range unmatched {
		if n[k] > 0 {
			n[k]--
			c++
		}
	}
	return c
}

// readTsharkListing reads ref/<name>.requests.tsv and .responses.tsv. The
// columns are found by their tshark field names. HTTP over UDP (SSDP) has no
// tcp.stream and is left out.
func readTsharkListing(refDir, name string) (fidelitySide, error) {
	var side fidelitySide
	reqs, err := readTSV(filepath.Join(refDir, name+".requests.tsv"))
	if err != nil {
		return side, err
	}
	for _, r := range reqs {
		if r["tcp.stream"] == "" {
			continue
		}
		flow := tsharkFlow(r)
		n, err := strconv.Atoi(r["n_in_frame"])
		if err != nil || n < 1 {
			return side, fmt.Errorf("frame %s: n_in_frame %q", r["frame.number"], r["n_in_frame"])
		}
		for _, q := range splitPipelined(n, r["http.request.method"], r["http.host"], r["http.request.uri"]) {
			side.requests = append(side.requests, requestKey(flow, q[0], q[1], q[2]))
		}
	}
	resps, err := readTSV(filepath.Join(refDir, name+".responses.tsv"))
	if err != nil {
		return side, err
	}
	for _, r := range resps {
		if r["tcp.stream"] == "" {
			continue
		}
		flow := tsharkFlow(r)
		for _, code := range strings.Split(r["http.response.code"], ",") {
			if !isInterim(code) {
				side.responses = append(side.responses, flow+" "+code)
			}
		}
	}
	return side, nil
}

// tsharkFlow is the flow of a listed frame. Inside a tunnel tshark lists
// every IP layer's address, outermost first; the connection is the
// innermost.
func tsharkFlow(r map[string]string) string {
	last := func(v string) string {
		if i := strings.LastIndexByte(v, ','); i >= 0 {
			return v[i+1:]
		}
		return v
	}
	src, dst := last(r["ip.src"]), last(r["ip.dst"])
	if v := last(r["ipv6.src"]); v != "" {
		// IPv6 beside IPv4 is IPv6 over IPv4 (6in4, 6to4, Teredo) in
		// every capture of the corpus: the IPv6 header is the inner one.
		src, dst = v, last(r["ipv6.dst"])
	}
	return flowKey(src, last(r["tcp.srcport"]), dst, last(r["tcp.dstport"]))
}

// splitPipelined splits the fields of a frame holding n requests, which
// tshark joins with commas, into n (method, host, target) triples. Methods
// hold no comma; a host or target may, so when there are more pieces than
// requests a new value is taken to start only with a piece that can begin
// one (a target: '/', '*' or a scheme; a host: anything not all digits,
// which is how a comma inside a value usually looks).
func splitPipelined(n int, methods, hosts, uris string) [][3]string {
	if n == 1 {
		return [][3]string{{methods, hosts, uris}}
	}
	m := strings.Split(methods, ",")
	h := regroup(strings.Split(hosts, ","), n, func(p string) bool { return p == "" || strings.Trim(p, "0123456789") != "" })
	u := regroup(strings.Split(uris, ","), n, func(p string) bool {
		return strings.HasPrefix(p, "/") || strings.HasPrefix(p, "*") || strings.Contains(p, "://")
	})
	out := make([][3]string, n)
	for i := range out {
		if i < len(m) {
			out[i][0] = m[i]
		}
		if i < len(h) {
			out[i][1] = h[i]
		}
		if i < len(u) {
			out[i][2] = u[i]
		}
	}
	return out
}

// regroup joins comma-separated pieces back into n values, a value
// starting at each piece for which starts holds. When that does not give n
// values, the pieces are taken one value each and the rest joined into the
// last.
func regroup(pieces []string, n int, starts func(string) bool) []string {
	if len(pieces) == n {
		return pieces
	}
	var out []string
	for i, p := range pieces {
		if i == 0 || starts(p) {
			out = append(out, p)
		} else {
			out[len(out)-1] += "," + p
		}
	}
	if len(out) == n {
		return out
	}
	if len(pieces) < n {
		return pieces
	}
	return append(pieces[:n-1:n-1], strings.Join(pieces[n-1:], ","))
}

// readTSV reads a listing with a header line into one map per row, values
// unescaped (\t, \n, \\).
func readTSV(path string) ([]map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	head := strings.Split(lines[0], "\t")
	var out []map[string]string
	for _, ln := range lines[1:] {
		if ln == "" {
			continue
		}
		f := strings.Split(ln, "\t")
		if len(f) != len(head) {
			return nil, fmt.Errorf("%s: %d fields, header has %d: %q", path, len(f), len(head), ln)
		}
		r := make(map[string]string, len(head))
		for i, h := range head {
			r[h] = tsvUnescape(f[i])
		}
		out = append(out, r)
	}
	return out, nil
}

var tsvUnescaper = strings.NewReplacer(`\\`, `\`, `\t`, "\t", `\n`, "\n", `\r`, "\r")

func tsvUnescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	return tsvUnescaper.Replace(s)
}

const (
	fidelityBegin = "<!-- BEGIN GENERATED by go test ./pipeline -run Fidelity -update -->\n"
	fidelityEnd   = "<!-- END GENERATED -->\n"
)

// writeFidelitySection replaces the generated section of FIDELITY.md with
// the totals and the table of the captures that differ.
func writeFidelitySection(path string, files []fidelityFile, total fidelityFile, differ int) error {
	doc, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	before, rest, ok := strings.Cut(string(doc), fidelityBegin)
	if !ok {
		return fmt.Errorf("%s: no %q", path, strings.TrimSpace(fidelityBegin))
	}
	_, after, ok := strings.Cut(rest, fidelityEnd)
	if !ok {
		return fmt.Errorf("%s: no %q", path, strings.TrimSpace(fidelityEnd))
	}
	var b strings.Builder
	b.WriteString(before)
	b.WriteString(fidelityBegin)
	fmt.Fprintf(&b, "\n%d captures, %d differ from tshark in some request or response.\n\n", len(files), differ)
	b.WriteString("| | tshark | telltale | matched | only tshark | only telltale |\n|---|---:|---:|---:|---:|---:|\n")
	fmt.Fprintf(&b, "| requests | %d | %d | %d | %d | %d |\n", total.req.tshark, total.req.telltale, total.req.matched, total.req.onlyTshark(), total.req.onlyTelltale())
	fmt.Fprintf(&b, "| responses | %d | %d | %d | %d | %d |\n\n", total.resp.tshark, total.resp.telltale, total.resp.matched, total.resp.onlyTshark(), total.resp.onlyTelltale())
	b.WriteString("Captures that differ (requests and responses: tshark / telltale / matched; the reason is in `fidelityExplained` and below):\n\n")
	b.WriteString("| capture | requests | responses | reason |\n|---|---|---|---|\n")
	for _, f := range files {
		if f.req.agrees() && f.resp.agrees() {
			continue
		}
		fmt.Fprintf(&b, "| %s | %d / %d / %d | %d / %d / %d | %s |\n", f.name,
			f.req.tshark, f.req.telltale, f.req.matched, f.resp.tshark, f.resp.telltale, f.resp.matched,
			strings.ReplaceAll(fidelityExplained[f.name].why, "|", `\|`))
	}
	b.WriteString("\n")
	b.WriteString(fidelityEnd)
	b.WriteString(after)
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// TestFidelityHelpers checks the reading of tshark's listings on rows taken
// from the corpus.
func TestFidelityHelpers(t *testing.T) {
	// pcap2har_out-of-order frame 182: two pipelined requests, the second
	// target holding commas of its own.
	got := splitPipelined(2, "GET,GET", "www.ynet.co.il,www.ynet.co.il",
		"/flowplayer/flowplayer-3.2.4.min.js,/Cmn/App/Video/CmmAppVideoApi_Js/0,13777,140311172411,00.html")
	want := [][3]string{
		{"GET", "www.ynet.co.il", "/flowplayer/flowplayer-3.2.4.min.js"},
		{"GET", "www.ynet.co.il", "/Cmn/App/Video/CmmAppVideoApi_Js/0,13777,140311172411,00.html"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("splitPipelined = %q, want %q", got, want)
	}
	// A single request keeps its commas.
	if got := splitPipelined(1, "GET", "h", "/a,b"); !slices.Equal(got, [][3]string{{"GET", "h", "/a,b"}}) {
		t.Errorf("splitPipelined(1) = %q", got)
	}
	// Pieces that give no split at request starts: one each, the rest last.
	if got := regroup([]string{"a", "b", "c"}, 2, func(string) bool { return false }); !slices.Equal(got, []string{"a", "b,c"}) {
		t.Errorf("regroup = %q", got)
	}

	for _, tc := range []struct {
		row  map[string]string
		want string
	}{
		{map[string]string{"ip.src": "172.16.0.107", "tcp.srcport": "45691", "ip.dst": "74.125.95.147", "tcp.dstport": "80"},
			"172.16.0.107:45691-74.125.95.147:80"},
		// zeek_tunnels_gre-aruba: GRE, the inner addresses last.
		{map[string]string{"ip.src": "10.3.34.171,10.37.36.92", "tcp.srcport": "59139", "ip.dst": "10.33.10.23,140.197.248.48", "tcp.dstport": "80"},
			"10.37.36.92:59139-140.197.248.48:80"},
		// zeek_tunnels_ayiya3: IPv6 over IPv4, from the server.
		{map[string]string{"ip.src": "216.14.98.22", "ipv6.src": "2001:4860:b002::68", "tcp.srcport": "80", "ip.dst": "192.168.3.101", "ipv6.dst": "2001:4978:f:4c::2", "tcp.dstport": "53382"},
			"[2001:4860:b002::68]:80-[2001:4978:f:4c::2]:53382"},
	} {
		if got := tsharkFlow(tc.row); got != tc.want {
			t.Errorf("tsharkFlow(%v) = %s, want %s", tc.row, got, tc.want)
		}
	}

	c, a, b := compareMultisets([]string{"x", "y", "y", "z"}, []string{"y", "z", "z", "w"})
	if c != (fidelityCount{tshark: 4, telltale: 4, matched: 2}) || !slices.Equal(a, []string{"x", "y"}) || !slices.Equal(b, []string{"w", "z"}) {
		t.Errorf("compareMultisets = %+v %q %q", c, a, b)
	}
	if n := countCut([]string{"f 200", "f 200", "g 304"}, []string{"f 200", "g 200"}); n != 1 {
		t.Errorf("countCut = %d, want 1", n)
	}
	if got := tsvUnescape(`a\tb\\n\n`); got != "a\tb\\n\n" {
		t.Errorf("tsvUnescape = %q", got)
	}
}
