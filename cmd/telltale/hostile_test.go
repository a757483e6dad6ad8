package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
	"github.com/klauspost/compress/flate"

	"telltale/pipeline"
	"telltale/pipeline/sink/sinktest"
)

// The hostile-content tests feed telltale well-formed captures whose content
// is built to exhaust it: decompression bombs, JSON nested a million deep,
// a million connections, a million out-of-order segments and a 100 MB
// header line. Each run is a subprocess with a wall-clock limit and a peak
// RSS ceiling; each must exit 0 with the cap that stopped it visible in the
// manifest counters and on the rows.
//
// The ceilings were set from measured peaks on a 2-core machine (reported
// with -v) with about 1.5x to 2x headroom: high enough not to flake when the
// machine is busy, low enough that holding the hostile content in memory
// (10 GB inflated, 8 MB of segments each with its own allocation, a 100 MB
// line) would break them.

// capBuilder writes an Ethernet/IPv4/TCP classic pcap with gopacket.
type capBuilder struct {
	f   *os.File
	bw  *bufio.Writer
	w   *pcapgo.Writer
	ts  time.Time
	buf gopacket.SerializeBuffer
	eth layers.Ethernet
	ip  layers.IPv4
	tcp layers.TCP
}

func newCapBuilder(t testing.TB, path string) *capBuilder {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	c := &capBuilder{f: f, bw: bufio.NewWriterSize(f, 1<<20), buf: gopacket.NewSerializeBuffer(),
		ts: time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)}
	c.w = pcapgo.NewWriter(c.bw)
	if err := c.w.WriteFileHeader(262144, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	c.eth = layers.Ethernet{SrcMAC: []byte{2, 0, 0, 0, 0, 1}, DstMAC: []byte{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
	c.ip = layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, Flags: layers.IPv4DontFragment}
	return c
}

const (
	tcpSYN = 1 << iota
	tcpACK
	tcpPSH
	tcpFIN
)

// packet writes one TCP segment 10 µs after the previous one.
func (c *capBuilder) packet(t testing.TB, src, dst netip.AddrPort, seq, ack uint32, flags int, payload []byte) {
	c.ip.SrcIP, c.ip.DstIP = src.Addr().AsSlice(), dst.Addr().AsSlice()
	c.tcp = layers.TCP{SrcPort: layers.TCPPort(src.Port()), DstPort: layers.TCPPort(dst.Port()), Seq: seq, Ack: ack,
		Window: 65535, SYN: flags&tcpSYN != 0, ACK: flags&tcpACK != 0, PSH: flags&tcpPSH != 0, FIN: flags&tcpFIN != 0}
	c.tcp.SetNetworkLayerForChecksum(&c.ip)
	err := gopacket.SerializeLayers(c.buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
		&c.eth, &c.ip, &c.tcp, gopacket.Payload(payload))
	if err == nil {
		data := c.buf.Bytes()
		err = c.w.WritePacket(gopacket.CaptureInfo{Timestamp: c.ts, CaptureLength: len(data), Length: len(data)}, data)
	}
	if err != nil {
		t.Fatal(err)
	}
	c.ts = c.ts.Add(10 * time.Microsecond)
}

func (c *capBuilder) close(t testing.TB) {
	t.Helper()
	if err := c.bw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := c.f.Close(); err != nil {
		t.Fatal(err)
	}
}

// tcpConn is one connection being written: after the handshake, send
// writes data in order in segments of at most mss bytes.
type tcpConn struct {
	c          *capBuilder
	cli, srv   netip.AddrPort
	cseq, sseq uint32 // next sequence number of each side
}

func (c *capBuilder) handshake(t testing.TB, cli, srv netip.AddrPort) *tcpConn {
	k := &tcpConn{c: c, cli: cli, srv: srv, cseq: 1000, sseq: 50000}
	c.packet(t, cli, srv, k.cseq, 0, tcpSYN, nil)
	c.packet(t, srv, cli, k.sseq, k.cseq+1, tcpSYN|tcpACK, nil)
	k.cseq++
	k.sseq++
	c.packet(t, cli, srv, k.cseq, k.sseq, tcpACK, nil)
	return k
}

func (k *tcpConn) send(t testing.TB, fromClient bool, data []byte, mss int) {
	for len(data) > 0 {
		n := min(mss, len(data))
		if fromClient {
			k.c.packet(t, k.cli, k.srv, k.cseq, k.sseq, tcpACK|tcpPSH, data[:n])
			k.cseq += uint32(n)
		} else {
			k.c.packet(t, k.srv, k.cli, k.sseq, k.cseq, tcpACK|tcpPSH, data[:n])
			k.sseq += uint32(n)
		}
		data = data[n:]
	}
}

func (k *tcpConn) finish(t testing.TB) {
	k.c.packet(t, k.cli, k.srv, k.cseq, k.sseq, tcpACK|tcpFIN, nil)
	k.c.packet(t, k.srv, k.cli, k.sseq, k.cseq+1, tcpACK|tcpFIN, nil)
	k.c.packet(t, k.cli, k.srv, k.cseq+1, k.sseq+1, tcpACK, nil)
}

// exchange writes one whole connection: request, a 204 response, FINs.
func (c *capBuilder) exchange(t testing.TB, cli, srv netip.AddrPort, req []byte) {
	k := c.handshake(t, cli, srv)
	k.send(t, true, req, 16000)
	k.send(t, false, []byte("HTTP/1.1 204 No Content\r\n\r\n"), 1448)
	k.finish(t)
}

func addrPort(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

// hostileRun runs `telltale run` on capture into a fresh directory and
// checks what every hostile test needs: no crash, exit 0, within limit and
// ceiling, and a dataset that reads back.
func hostileRun(t *testing.T, capture string, limit time.Duration, ceiling int64, flags ...string) (*runManifest, string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "ds")
	args := append(append([]string{"run", "-q", "--out", out}, flags...), capture)
	r := runCLIProcess(t, limit, args...)
	t.Logf("%s: wall %v, peak RSS %d MiB, exit %d", t.Name(), r.Wall.Round(time.Millisecond), r.MaxRSS>>20, r.Code)
	switch {
	case r.TimedOut:
		t.Fatalf("killed after %v (hang or far too slow)\nstderr:\n%s", limit, firstLines(r.Stderr, 20))
	case r.crashed():
		t.Fatalf("crashed:\n%s", firstLines(r.Stderr, 40))
	case r.Code != 0:
		t.Fatalf("exit %d, want 0\nstderr:\n%s", r.Code, firstLines(r.Stderr, 20))
	}
	if r.MaxRSS > ceiling {
		t.Errorf("peak RSS %d MiB, ceiling %d MiB", r.MaxRSS>>20, ceiling>>20)
	}
	m, problem := checkDataset(t, out, r.Code)
	if problem != "" {
		t.Fatal(problem)
	}
	return m, out
}

// table is the path of a table of the dataset in dir.
func table(dir, name string) string { return filepath.Join(dir, name+".parquet") }

// zstdZeros is a valid zstd frame of n zero bytes (n a multiple of 128 KiB)
// made of RLE blocks: 4 bytes per 128 KiB, a ratio of 32768.
func zstdZeros(n int64) []byte {
	const block = 128 << 10
	b := []byte{0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x50} // magic; no content size; window 1 MiB
	for left := n; left > 0; left -= block {
		h := uint32(block)<<3 | 1<<1 // RLE block
		if left == block {
			h |= 1 // last block
		}
		b = append(b, byte(h), byte(h>>8), byte(h>>16), 0)
	}
	return b
}

// gzipZeros is a valid gzip member of chunks MiB of zeros, built without
// compressing them all: a fresh deflate stream of one MiB, sync-flushed, is
// byte-aligned and refers to nothing before it, so copies of it concatenate
// into one valid deflate stream.
func gzipZeros(t testing.TB, chunks int) []byte {
	t.Helper()
	zero := make([]byte, 1<<20)
	var one bytes.Buffer
	fw, err := flate.NewWriter(&one, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(zero)
	fw.Flush()
	var b bytes.Buffer
	b.Write([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff})
	crc := uint32(0)
	for range chunks {
		b.Write(one.Bytes())
		crc = crc32.Update(crc, crc32.IEEETable, zero)
	}
	b.Write([]byte{0x03, 0x00}) // final empty fixed-Huffman block
	var tr [8]byte
	binary.LittleEndian.PutUint32(tr[:], crc)
	binary.LittleEndian.PutUint32(tr[4:], uint32(int64(chunks)<<20))
	b.Write(tr[:])
	return b.Bytes()
}

func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&out, gzip.BestCompression)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func post(host, path string, hdr string, body []byte) []byte {
	return append([]byte(fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\n%sContent-Length: %d\r\n\r\n", path, host, hdr, len(body))), body...)
}

// sensorsForm is a Sensors Analytics batch upload form body carrying data
// (gzipped by the caller: gzip=1).
func sensorsForm(data []byte) []byte { return sensorsFormGzip(data, 1) }

func sensorsFormGzip(data []byte, gz int) []byte {
	return []byte(fmt.Sprintf("crc=12345&gzip=%d&data_list=%s", gz, url.QueryEscape(base64.StdEncoding.EncodeToString(data))))
}

const formType = "Content-Type: application/x-www-form-urlencoded\r\n"

// TestHostileDecompressionBomb: request bodies that inflate to 10 GiB, as a
// zstd Content-Encoding, as a stacked "gzip, gzip" one, and as Sensors
// payloads (Base64 of gzip of the bomb). The HTTP layer must stop at
// --max-decoded (flag decode_limit), the payload decoder at its byte or
// ratio limit (payloads.limit).
func TestHostileDecompressionBomb(t *testing.T) {
	start := time.Now()
	inner := gzipZeros(t, 10<<10) // 10 GiB of zeros in about 10 MB
	nested := gzipBytes(t, inner) // and that in about 30 KB
	zs := zstdZeros(10 << 30)
	half := gzipZeros(t, 512) // 512 MiB of zeros in about 500 KB
	srv := addrPort("192.0.2.80:80")
	capture := filepath.Join(t.TempDir(), "bomb.pcap")
	c := newCapBuilder(t, capture)
	c.exchange(t, addrPort("10.0.0.1:40001"), srv, post("zstd.bomb.test", "/up", "Content-Encoding: zstd\r\n", zs))
	c.exchange(t, addrPort("10.0.0.1:40002"), srv, post("gzip.bomb.test", "/up", "Content-Encoding: gzip, gzip\r\n", nested))
	c.exchange(t, addrPort("10.0.0.1:40003"), srv, post("sensors.bomb.test", "/sa?project=default", formType, sensorsForm(nested)))
	c.exchange(t, addrPort("10.0.0.1:40004"), srv, post("sensors.bomb.test", "/sa?project=default", formType, sensorsForm(half)))
	c.close(t)
	t.Logf("bodies: zstd %d B, gzip,gzip %d B, Sensors %d B and %d B; built in %v",
		len(zs), len(nested), len(sensorsForm(nested)), len(sensorsForm(half)), time.Since(start).Round(time.Millisecond))

	m, dir := hostileRun(t, capture, 60*time.Second, 400<<20)

	got := sinktest.Query(t, "SELECT host, list_contains(flags, 'decode_limit') FROM read_parquet(?) ORDER BY orig_p", table(dir, "http"))
	want := [][]string{{"zstd.bomb.test", "true"}, {"gzip.bomb.test", "true"}, {"sensors.bomb.test", "false"}, {"sensors.bomb.test", "false"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("http (host, decode_limit flag) = %v, want %v", got, want)
	}
	got = sinktest.Query(t, `SELECT trans_depth, coalesce("limit", 'NULL'), json IS NULL FROM read_parquet(?) WHERE host = 'sensors.bomb.test' ORDER BY uid`, table(dir, "payloads"))
	if len(got) != 2 {
		t.Fatalf("payloads of the Sensors bombs: %v, want 2 rows", got)
	}
	for _, r := range got {
		if (r[1] != "bytes" && r[1] != "ratio") || r[2] != "true" {
			t.Errorf("Sensors bomb payload (trans_depth, limit, json is null) = %v, want limit bytes or ratio and no json", r)
		}
	}
	if n, names := m.counterSum("limit"); n < 4 {
		t.Errorf("limit counters %v add up to %d, want at least 4 (two HTTP bodies, two payloads)", names, n)
	} else {
		t.Logf("limit counters: %v", names)
	}
}

// deepJSON is a JSON array nested depth deep: [[[...]]].
func deepJSON(depth int) []byte {
	return append(bytes.Repeat([]byte{'['}, depth), bytes.Repeat([]byte{']'}, depth)...)
}

// deepObject is {"a":{"a":...{}...}} nested depth deep.
func deepObject(depth int) []byte {
	return append(append(bytes.Repeat([]byte(`{"a":`), depth), "{}"...), bytes.Repeat([]byte{'}'}, depth)...)
}

// TestHostileDeepJSON: JSON nested a million deep inside telemetry events,
// as a plain JSON body and inside Sensors payloads (Base64 of gzip), both as
// nested arrays and nested objects. A recursive parser would overflow its
// stack (a fatal error, not a recoverable panic); the extractor must stop at
// its nesting limit and still account for every request.
func TestHostileDeepJSON(t *testing.T) {
	const depth = 1_000_000
	event := func(deep []byte) []byte {
		return append(append([]byte(`{"event":"deep","distinct_id":"d1","properties":{"x":`), deep...), "}}"...)
	}
	bodies := []struct {
		host, path, hdr string
		body            []byte
	}{
		{"plain.deep.test", "/track", "Content-Type: application/json\r\n", event(deepJSON(depth))},
		{"plain.deep.test", "/track", "Content-Type: application/json\r\n", event(deepObject(depth))},
		{"sensors.deep.test", "/sa?project=default", formType, sensorsForm(gzipBytes(t, deepJSON(depth)))},
		{"sensors.deep.test", "/sa?project=default", formType, sensorsForm(gzipBytes(t, append(append([]byte("["), event(deepObject(depth))...), ']')))},
		{"sensors.deep.test", "/sa?project=default", formType, sensorsFormGzip(append(append([]byte("["), event(deepJSON(depth))...), ']'), 0)},
	}
	srv := addrPort("192.0.2.80:80")
	capture := filepath.Join(t.TempDir(), "deep.pcap")
	c := newCapBuilder(t, capture)
	for i, b := range bodies {
		c.exchange(t, netip.AddrPortFrom(netip.MustParseAddr("10.0.0.2"), uint16(40001+i)), srv, post(b.host, b.path, b.hdr, b.body))
	}
	c.close(t)

	m, dir := hostileRun(t, capture, 60*time.Second, 400<<20, "--max-body", "8388608")

	got := sinktest.Query(t, "SELECT host, request_body_len, request_body_truncated FROM read_parquet(?) ORDER BY orig_p", table(dir, "http"))
	var want [][]string
	for _, b := range bodies {
		want = append(want, []string{b.host, fmt.Sprint(len(b.body)), "false"})
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("http rows = %v, want %v", got, want)
	}
	got = sinktest.Query(t, `SELECT host, array_to_string(chain, '>'), decoded_len, coalesce("limit", 'NULL'), json IS NULL, array_to_string(flags, ',') FROM read_parquet(?) ORDER BY uid`, table(dir, "payloads"))
	t.Logf("payload rows (host, chain, decoded_len, limit, json is null, flags): %v", got)
	_, names := m.counterSum("extract.")
	t.Logf("rows: events %d, fields %d; counters %v", m.rows("events"), m.rows("fields"), names)
	var sensors int
	for _, r := range got {
		if r[0] == "sensors.deep.test" {
			sensors++
			if (r[5] != "undecoded" && r[5] != "limit") || r[4] != "true" {
				t.Errorf("Sensors deep payload %v: want no json and flag undecoded or limit", r)
			}
		}
	}
	if sensors != 3 {
		t.Errorf("%d Sensors payload rows, want 3", sensors)
	}
	// Nothing nested a million deep can become an event.
	if n := m.rows("events"); n != 0 {
		t.Errorf("events rows = %d, want 0", n)
	}
	if v, _ := m.counterSum("extract.decode_failures", "extract.limit_hits"); v < 3 {
		t.Errorf("extract.decode_failures + extract.limit_hits = %d, want at least 3", v)
	}
}

// synFlood writes a capture of n SYN-only connections, each from its own
// address and port, 10 µs apart.
func synFlood(t *testing.T, n int) string {
	start := time.Now()
	capture := filepath.Join(t.TempDir(), "syn.pcap")
	c := newCapBuilder(t, capture)
	srv := addrPort("192.0.2.80:80")
	for i := range n {
		a := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		c.packet(t, netip.AddrPortFrom(a, uint16(1024+i%60000)), srv, uint32(i), 0, tcpSYN, nil)
	}
	c.close(t)
	t.Logf("capture of %d SYNs built in %v", n, time.Since(start).Round(time.Millisecond))
	return capture
}

// TestHostileSYNFlood: a million SYN-only connections. With the default
// --max-flows (pipeline.DefaultMaxFlows) or a smaller cap, the longest idle
// are evicted, exactly n-cap of them, as the rows say and the counter
// counts; the rest end with the capture (end_reason eof).
//
// Ceiling: 1e6 idle SYN-only connections are a few hundred bytes of state
// each (addresses, counters, a flow row); 1.5 GiB allows 1.5 KiB per flow.
func TestHostileSYNFlood(t *testing.T) {
	if testing.Short() {
		t.Skip("a million connections take over 30 s; skipped under -short")
	}
	for _, tc := range []struct {
		n, maxFlows int
		ceiling     int64
	}{
		{1_000_000, 0, 512 << 20},
		{100_000, 10_000, 400 << 20},
	} {
		t.Run(fmt.Sprintf("n=%d,max-flows=%d", tc.n, tc.maxFlows), func(t *testing.T) {
			capture := synFlood(t, tc.n)
			var flags []string
			evicted := int64(max(0, tc.n-pipeline.DefaultMaxFlows))
			if tc.maxFlows > 0 {
				flags = []string{"--max-flows", fmt.Sprint(tc.maxFlows)}
				evicted = int64(tc.n - tc.maxFlows)
			}
			m, dir := hostileRun(t, capture, 150*time.Second, tc.ceiling, flags...)
			if got := m.rows("flows"); got != int64(tc.n) {
				t.Errorf("flows rows = %d, want %d", got, tc.n)
			}
			if v, _ := m.counter("tcp.connections"); v != int64(tc.n) {
				t.Errorf("tcp.connections = %d, want %d", v, tc.n)
			}
			if v, _ := m.counter("tcp.evicted_connections"); v != evicted {
				t.Errorf("tcp.evicted_connections = %d, want %d", v, evicted)
			}
			got := sinktest.Query(t, "SELECT end_reason, count(*), min(history), max(history) FROM read_parquet(?) GROUP BY ALL ORDER BY 1", table(dir, "flows"))
			want := [][]string{{"eof", fmt.Sprint(int64(tc.n) - evicted), "S", "S"}}
			if evicted > 0 {
				want = append(want, []string{"evicted", fmt.Sprint(evicted), "S", "S"})
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("flows by end_reason = %v, want %v", got, want)
			}
		})
	}
}

// TestHostileOutOfOrder: one connection whose request arrives as a million
// 8-byte segments in reverse order, so that every segment but the last
// waits behind a hole. Holding them all would take 8 MB of data plus a
// million allocations; --max-ooo-flow (4 MiB) must turn the hole into a
// gap instead. Every byte ends up either delivered or missed.
func TestHostileOutOfOrder(t *testing.T) {
	if testing.Short() {
		t.Skip("a million segments take over 30 s; skipped under -short")
	}
	const segs, size = 1_000_000, 8
	start := time.Now()
	capture := filepath.Join(t.TempDir(), "ooo.pcap")
	c := newCapBuilder(t, capture)
	k := c.handshake(t, addrPort("10.0.0.3:40001"), addrPort("192.0.2.80:80"))
	body := bytes.Repeat([]byte("abcdefgh"), segs)
	for i := segs - 1; i >= 0; i-- {
		c.packet(t, k.cli, k.srv, k.cseq+uint32(i*size), k.sseq, tcpACK|tcpPSH, body[i*size:(i+1)*size])
	}
	k.cseq += segs * size
	k.finish(t)
	c.close(t)
	t.Logf("capture of %d reversed segments built in %v", segs, time.Since(start).Round(time.Millisecond))

	m, dir := hostileRun(t, capture, 60*time.Second, 512<<20)
	got := sinktest.Query(t, "SELECT orig_bytes + orig_missed_bytes, orig_missed_bytes > 0, orig_out_of_order > 0, end_reason, history LIKE '%G%' FROM read_parquet(?)", table(dir, "flows"))
	want := [][]string{{fmt.Sprint(segs * size), "true", "true", "fin", "true"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("flow (delivered+missed, missed>0, out_of_order>0, end_reason, gap in history) = %v, want %v", got, want)
	}
	t.Logf("flow: %v", sinktest.Query(t, "SELECT orig_bytes, orig_missed_bytes, orig_out_of_order, orig_retransmits, history FROM read_parquet(?)", table(dir, "flows")))
	if v, names := m.counterSum("ooo", "out_of_order_limit", "ooo_limit"); v == 0 {
		t.Errorf("no out-of-order cap counter above 0 (found %v)", names)
	} else {
		t.Logf("out-of-order counters: %v", names)
	}
}

// TestHostileHugeHeaderLine: a request whose one header line is 100 MB long.
// The HTTP parser must stop at --max-header-bytes (64 KiB) and flag the
// message header_limit, without buffering the line.
func TestHostileHugeHeaderLine(t *testing.T) {
	if testing.Short() {
		t.Skip("100 MB of capture; skipped under -short")
	}
	const lineLen = 100 << 20
	start := time.Now()
	capture := filepath.Join(t.TempDir(), "header.pcap")
	c := newCapBuilder(t, capture)
	k := c.handshake(t, addrPort("10.0.0.4:40001"), addrPort("192.0.2.80:80"))
	k.send(t, true, []byte("GET /big HTTP/1.1\r\nHost: big.header.test\r\nX-Big: "), 1448)
	chunk := bytes.Repeat([]byte{'a'}, 32000)
	for sent := 0; sent < lineLen; sent += len(chunk) {
		k.send(t, true, chunk, len(chunk))
	}
	k.send(t, true, []byte("\r\n\r\n"), 1448)
	k.send(t, false, []byte("HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\n\r\n"), 1448)
	k.finish(t)
	c.close(t)
	t.Logf("capture built in %v", time.Since(start).Round(time.Millisecond))

	m, dir := hostileRun(t, capture, 60*time.Second, 400<<20)
	got := sinktest.Query(t, "SELECT coalesce(host, 'NULL'), array_to_string(flags, ',') FROM read_parquet(?)", table(dir, "http"))
	t.Logf("http rows (host, flags): %v", got)
	if len(got) == 0 || !strings.Contains(got[0][1], "header_limit") {
		t.Errorf("http rows %v: want the first flagged header_limit", got)
	}
	if v, names := m.counterSum("header_limit", "too_many_headers", "header_bytes"); v == 0 {
		t.Errorf("no header-limit counter above 0 (found %v)", names)
	} else {
		t.Logf("header counters: %v", names)
	}
}
