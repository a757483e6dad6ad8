package capture

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

var (
	le = binary.LittleEndian
	be = binary.BigEndian
)

// want is the part of a Frame a test checks.
type want struct {
	data     []byte
	origLen  int
	time     int64
	linkType uint16
	frame    uint64
	offset   int64
}

func checkFrames(t *testing.T, got []Frame, wants []want) {
	t.Helper()
	if len(got) != len(wants) {
		t.Fatalf("got %d frames, want %d", len(got), len(wants))
	}
	for i, w := range wants {
		g := got[i]
		if !bytes.Equal(g.Data, w.data) || g.OrigLen != w.origLen || g.Time != w.time ||
			g.LinkType != w.linkType || g.Frame != w.frame || g.Offset != w.offset {
			t.Errorf("frame %d = {len %d orig %d time %d lt %d frame %d off %d}, want {len %d orig %d time %d lt %d frame %d off %d} (data equal %v)",
				i, len(g.Data), g.OrigLen, g.Time, g.LinkType, g.Frame, g.Offset,
				len(w.data), w.origLen, w.time, w.linkType, w.frame, w.offset, bytes.Equal(g.Data, w.data))
		}
	}
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// readSet reads all frames of a Set over paths.
func readSet(t *testing.T, paths ...string) (*Set, []Frame) {
	t.Helper()
	s, err := Open(paths)
	if err != nil {
		t.Fatal(err)
	}
	var out []Frame
	for {
		f, err := s.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		c := *f
		c.Data = bytes.Clone(f.Data)
		out = append(out, c)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return s, out
}

func TestPcapVariants(t *testing.T) {
	a, b := payload(1, 60), payload(100, 1514)
	const sec = 1700000000
	// Frame offsets: 24-byte file header, 16-byte record headers.
	off2 := int64(24 + 16 + len(a))
	tests := []struct {
		name     string
		file     []byte
		format   string
		unit     int64 // nanoseconds per fraction unit
		linkType uint16
	}{
		{"le-micro-pcapgo", pcapgoPcap(t, false, layers.LinkTypeEthernet, pkt{sec, 123456, a, 0}, pkt{sec + 1, 999999, b, 0}), "pcap", 1000, 1},
		{"le-nano-pcapgo", pcapgoPcap(t, true, layers.LinkTypeEthernet, pkt{sec, 123456, a, 0}, pkt{sec + 1, 999999, b, 0}), "pcap", 1, 1},
		{"be-micro", classicPcap(be, false, 2, 4, 65535, 113, pkt{sec, 123456, a, 0}, pkt{sec + 1, 999999, b, 0}), "pcap", 1000, 113},
		{"be-nano", classicPcap(be, true, 2, 4, 65535, 276, pkt{sec, 123456, a, 0}, pkt{sec + 1, 999999, b, 0}), "pcap", 1, 276},
		{"le-micro-fcs-bits", classicPcap(le, false, 2, 4, 65535, 1|0x10000000|0x20000000, pkt{sec, 123456, a, 0}, pkt{sec + 1, 999999, b, 0}), "pcap", 1000, 1},
	}
	dir := t.TempDir()
	for _, tc := range tests {
		for _, compressed := range []bool{false, true} {
			name, file, format := tc.name, tc.file, tc.format
			if compressed {
				name, file, format = name+".gz", gz(t, file), format+".gz"
			}
			t.Run(name, func(t *testing.T) {
				p := writeFile(t, dir, name, file)
				s, got := readSet(t, p)
				checkFrames(t, got, []want{
					{a, len(a), sec*1e9 + 123456*tc.unit, tc.linkType, 1, 24},
					{b, len(b), (sec+1)*1e9 + 999999*tc.unit, tc.linkType, 2, off2},
				})
				fi := s.Files()[0]
				if fi.Format != format || fi.Packets != 2 || fi.SHA256 != sha(file) || fi.Size != int64(len(file)) ||
					fi.FirstTime != got[0].Time || fi.LastTime != got[1].Time || len(fi.Errors) != 0 || fi.Truncated {
					t.Errorf("FileInfo = %+v", fi)
				}
			})
		}
	}
}

// Before version 2.3 the captured and original lengths were in the other
// order (libpcap's "lengths swapped").
func TestPcapSwappedLengths(t *testing.T) {
	data := payload(7, 40)
	var f []byte
	f = classicPcap(le, false, 2, 2, 65535, 101)
	f = le.AppendUint32(f, 10)
	f = le.AppendUint32(f, 0)
	f = le.AppendUint32(f, 1500)              // original length, in the old order
	f = le.AppendUint32(f, uint32(len(data))) // captured length
	f = append(f, data...)
	p := writeFile(t, t.TempDir(), "old.pcap", f)
	_, got := readSet(t, p)
	checkFrames(t, got, []want{{data, 1500, 10e9, 101, 1, 24}})
}

func TestPcapngInterfaces(t *testing.T) {
	a, b, c, d, e := payload(1, 54), payload(2, 61), payload(3, 33), payload(4, 20), payload(5, 9)
	n := &ngFile{}
	n.shb(be, 1, 0)
	n.idb(1, 0)                                                                           // 0: Ethernet, microseconds (default)
	n.idb(101, 0, ngOpt{optTsresol, []byte{9}})                                           // 1: raw, nanoseconds
	n.idb(113, 0, ngOpt{optTsresol, []byte{0x80 | 20}}, ngOpt{optTsoffset, u64(be, 100)}) // 2: SLL, 2^-20 s, +100 s
	n.epb(0, 1_600_000_000_123_456, a, 1514)
	n.epb(1, 1_600_000_001_000_000_007, b, uint32(len(b)))
	n.block(0x0000000a, []byte("TLSK....secrets")) // decryption secrets: skipped
	n.epb(2, 1_600_000_002<<20|1<<19, c, uint32(len(c)))
	n.pb(0, 1_600_000_003_000_001, d)
	n.spb(e, 9)
	// A second section, little-endian, replaces the interfaces.
	starts := n.starts
	n.shb(le, 1, 0)
	n.idb(276, 0, ngOpt{optTsresol, []byte{3}})
	n.epb(0, 1_600_000_004_005, a, uint32(len(a)))
	starts = append(starts, n.starts[len(n.starts)-1])
	file := n.b

	dir := t.TempDir()
	for _, compressed := range []bool{false, true} {
		name, f, format := "multi.pcapng", file, "pcapng"
		if compressed {
			name, f, format = name+".gz", gz(t, file), "pcapng.gz"
		}
		t.Run(name, func(t *testing.T) {
			s, got := readSet(t, writeFile(t, dir, name, f))
			checkFrames(t, got, []want{
				{a, 1514, 1_600_000_000_123_456_000, 1, 1, starts[0]},
				{b, len(b), 1_600_000_001_000_000_007, 101, 2, starts[1]},
				{c, len(c), 1_600_000_102_500_000_000, 113, 3, starts[2]},
				{d, len(d), 1_600_000_003_000_001_000, 1, 4, starts[3]},
				{e, 9, 0, 1, 5, starts[4]}, // simple packet blocks carry no time
				{a, len(a), 1_600_000_004_005_000_000, 276, 6, starts[5]},
			})
			fi := s.Files()[0]
			if fi.Format != format || fi.Packets != 6 || fi.SHA256 != sha(f) || len(fi.Errors) != 0 ||
				fi.FirstTime != 0 || fi.LastTime != 1_600_000_102_500_000_000 {
				t.Errorf("FileInfo = %+v", fi)
			}
		})
	}
}

// A file written by pcapgo's NgWriter with two interfaces of different link
// types.
func TestPcapngPcapgoWriter(t *testing.T) {
	var buf bytes.Buffer
	w, err := pcapgo.NewNgWriterInterface(&buf, pcapgo.NgInterface{LinkType: layers.LinkTypeEthernet, Name: "eth0"}, pcapgo.NgWriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	id, err := w.AddInterface(pcapgo.NgInterface{LinkType: layers.LinkTypeRaw, Name: "tun0"})
	if err != nil {
		t.Fatal(err)
	}
	a, b := payload(9, 70), payload(10, 40)
	ts := time.Unix(1650000000, 987654321)
	for i, p := range []struct {
		iface int
		data  []byte
	}{{0, a}, {id, b}, {0, b}} {
		ci := gopacket.CaptureInfo{Timestamp: ts.Add(time.Duration(i) * time.Millisecond), CaptureLength: len(p.data), Length: len(p.data), InterfaceIndex: p.iface}
		if err := w.WritePacket(ci, p.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	_, got := readSet(t, writeFile(t, t.TempDir(), "w.pcapng", buf.Bytes()))
	if len(got) != 3 {
		t.Fatalf("got %d frames, want 3", len(got))
	}
	wantLT := []uint16{1, 101, 1}
	wantData := [][]byte{a, b, b}
	for i, f := range got {
		wt := ts.Add(time.Duration(i) * time.Millisecond).UnixNano()
		if f.LinkType != wantLT[i] || f.Time != wt || !bytes.Equal(f.Data, wantData[i]) || f.Frame != uint64(i+1) {
			t.Errorf("frame %d: lt %d time %d frame %d, want lt %d time %d frame %d", i, f.LinkType, f.Time, f.Frame, wantLT[i], wt, i+1)
		}
	}
}

func TestTruncatedFile(t *testing.T) {
	a, b, c := payload(1, 60), payload(2, 70), payload(3, 80)
	full := classicPcap(le, false, 2, 4, 65535, 1, pkt{1, 0, a, 0}, pkt{2, 0, b, 0}, pkt{3, 0, c, 0})
	off3 := 24 + 16 + 60 + 16 + 70
	cut := full[:off3+16+30] // inside the third record's data
	dir := t.TempDir()
	p := writeFile(t, dir, "cut.pcap", cut)
	next := writeFile(t, dir, "next.pcap", classicPcap(le, false, 2, 4, 65535, 1, pkt{9, 0, a, 0}))
	s, got := readSet(t, p, next)
	if len(got) != 3 || !bytes.Equal(got[0].Data, a) || !bytes.Equal(got[1].Data, b) || got[2].Time != 9e9 || got[2].File != 1 {
		t.Fatalf("frames = %d %+v", len(got), got)
	}
	fi := s.Files()[0]
	wantErr := "cut.pcap: offset 186: frame 3: truncated: record ends after 46 of 96 bytes"
	if !reflect.DeepEqual(fi.Errors, []string{wantErr}) || !fi.Truncated || fi.Packets != 2 || fi.SHA256 != sha(cut) {
		t.Errorf("FileInfo = %+v, want error %q", fi, wantErr)
	}
	if st := s.Stats(); st != (Stats{Files: 2, Frames: 3, Errors: 1}) {
		t.Errorf("Stats = %+v", st)
	}

	// Cut inside a record header, and inside a pcapng block.
	cutHdr := writeFile(t, dir, "cuthdr.pcap", full[:off3+5])
	s, _ = readSet(t, cutHdr)
	if want := "cuthdr.pcap: offset 186: frame 3: truncated: record header ends after 5 of 16 bytes"; !reflect.DeepEqual(s.Files()[0].Errors, []string{want}) {
		t.Errorf("errors = %q, want %q", s.Files()[0].Errors, want)
	}
	n := &ngFile{}
	n.shb(le, 1, 0)
	n.idb(1, 0)
	n.epb(0, 1, a, 60)
	n.epb(0, 2, b, 70)
	ngcut := writeFile(t, dir, "cut.pcapng", n.b[:n.starts[1]+40])
	s, got = readSet(t, ngcut)
	wantNg := "cut.pcapng: offset " + itoa(n.starts[1]) + ": frame 2: truncated: packet block ends after 40 of 104 bytes"
	if len(got) != 1 || !reflect.DeepEqual(s.Files()[0].Errors, []string{wantNg}) || !s.Files()[0].Truncated {
		t.Errorf("frames %d errors %q, want 1 and %q", len(got), s.Files()[0].Errors, wantNg)
	}
	// A gzip stream cut short.
	gzcut := gz(t, full)
	gzp := writeFile(t, dir, "cut.pcap.gz", gzcut[:len(gzcut)-12])
	s, got = readSet(t, gzp)
	if fi := s.Files()[0]; len(got) > 3 || !fi.Truncated || len(fi.Errors) != 1 || fi.SHA256 != sha(gzcut[:len(gzcut)-12]) {
		t.Errorf("cut gzip: %d frames, FileInfo %+v", len(got), fi)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestDamagedRecords(t *testing.T) {
	a, b := payload(1, 60), payload(2, 1514)
	dir := t.TempDir()

	t.Run("caplen over snaplen", func(t *testing.T) {
		// snaplen 1000 but records of 1514 bytes (as dpkt writes): kept, reported once.
		f := classicPcap(le, false, 2, 4, 1000, 1, pkt{1, 0, b, 0}, pkt{2, 0, a, 0}, pkt{3, 0, b, 0})
		s, got := readSet(t, writeFile(t, dir, "snap.pcap", f))
		want := []string{"snap.pcap: offset 24: frame 1: captured length 1514 exceeds snaplen 1000 (record kept; not reported again for this file)"}
		if len(got) != 3 || !reflect.DeepEqual(s.Files()[0].Errors, want) || s.Stats().Errors != 1 {
			t.Errorf("%d frames, errors %q, stats %+v", len(got), s.Files()[0].Errors, s.Stats())
		}
	})
	t.Run("huge caplen", func(t *testing.T) {
		f := classicPcap(le, false, 2, 4, 65535, 1, pkt{1, 0, a, 0})
		f = le.AppendUint32(f, 2)
		f = le.AppendUint32(f, 0)
		f = le.AppendUint32(f, 0x7fffffff)
		f = le.AppendUint32(f, 0x7fffffff)
		f = append(f, a...)
		p := writeFile(t, dir, "huge.pcap", f)
		s, got := readSet(t, p, writeFile(t, dir, "later.pcap", classicPcap(le, false, 2, 4, 65535, 1, pkt{5, 0, a, 0})))
		want := []string{"huge.pcap: offset 100: frame 2: malformed record: captured length 2147483647 exceeds the 262144-byte limit; rest of file skipped"}
		if len(got) != 2 || got[1].File != 1 || !reflect.DeepEqual(s.Files()[0].Errors, want) || s.Files()[0].SHA256 != sha(f) {
			t.Errorf("%d frames, FileInfo %+v", len(got), s.Files()[0])
		}
	})
	t.Run("pcapng bad interface id skipped", func(t *testing.T) {
		n := &ngFile{}
		n.shb(le, 1, 0)
		n.idb(1, 0)
		n.epb(0, 1, a, 60)
		n.epb(7, 2, a, 60) // no interface 7: skipped on its block boundary
		n.epb(0, 3, b, 1514)
		s, got := readSet(t, writeFile(t, dir, "badif.pcapng", n.b))
		want := []string{"badif.pcapng: offset " + itoa(n.starts[1]) + ": frame 2: packet block names interface 7 but the section has 1; block skipped"}
		if len(got) != 2 || got[1].Frame != 2 || !bytes.Equal(got[1].Data, b) || !reflect.DeepEqual(s.Files()[0].Errors, want) {
			t.Errorf("%d frames, errors %q", len(got), s.Files()[0].Errors)
		}
	})
	t.Run("pcapng trailer mismatch resynchronises", func(t *testing.T) {
		n := &ngFile{}
		n.shb(le, 1, 0)
		n.idb(1, 0)
		n.epb(0, 1, a, 60)
		n.epb(0, 2, a, 60)
		n.epb(0, 3, a, 60)
		f := bytes.Clone(n.b)
		le.PutUint32(f[n.starts[2]-4:], 9) // trailer of the second packet block
		s, got := readSet(t, writeFile(t, dir, "trailer.pcapng", f))
		want := []string{"trailer.pcapng: offset " + itoa(n.starts[1]) + ": frame 2: malformed block (type 0x6): trailing length 9 differs from leading length 92; resynchronised at offset " + itoa(n.starts[2]) + " (92 bytes skipped)"}
		if len(got) != 2 || got[1].Offset != n.starts[2] || got[1].Frame != 2 || !reflect.DeepEqual(s.Files()[0].Errors, want) {
			t.Errorf("%d frames, errors %q", len(got), s.Files()[0].Errors)
		}
	})
	t.Run("pcapng unusable resolution", func(t *testing.T) {
		// An exponent of 70 makes pcapgo divide by zero; here it is
		// reported and microseconds are assumed.
		n := &ngFile{}
		n.shb(le, 1, 0)
		n.idb(1, 0, ngOpt{optTsresol, []byte{70}})
		n.epb(0, 5_000_001, a, 60)
		s, got := readSet(t, writeFile(t, dir, "resol.pcapng", n.b))
		want := []string{"resol.pcapng: offset 28: interface 0: unusable timestamp resolution 0x46; microseconds assumed"}
		if len(got) != 1 || got[0].Time != 5_000_001_000 || !reflect.DeepEqual(s.Files()[0].Errors, want) {
			t.Errorf("%d frames, errors %q", len(got), s.Files()[0].Errors)
		}
	})
	t.Run("pcapng unknown version section skipped", func(t *testing.T) {
		n := &ngFile{}
		n.shb(le, 1, 0)
		n.idb(1, 0)
		n.epb(0, 1, a, 60)
		n.shb(le, 2, 0)
		n.idb(1, 0)
		n.epb(0, 2, a, 60) // in the skipped section
		n.shb(be, 1, 0)
		n.idb(101, 0)
		n.epb(0, 3, b, 1514)
		s, got := readSet(t, writeFile(t, dir, "ver.pcapng", n.b))
		if len(got) != 2 || got[1].LinkType != 101 || got[1].Time != 3000 || len(s.Files()[0].Errors) != 1 ||
			!strings.Contains(s.Files()[0].Errors[0], "unsupported pcapng version 2.0: section skipped") {
			t.Errorf("%d frames, errors %q", len(got), s.Files()[0].Errors)
		}
	})
	t.Run("many problems are capped", func(t *testing.T) {
		n := &ngFile{}
		n.shb(le, 1, 0)
		n.idb(1, 0)
		for i := 0; i < 25; i++ {
			n.epb(3, 1, a, 60)
		}
		n.epb(0, 1, a, 60)
		s, got := readSet(t, writeFile(t, dir, "many.pcapng", n.b))
		fi := s.Files()[0]
		if len(got) != 1 || len(fi.Errors) != maxListedErrors+1 || fi.Errors[maxListedErrors] != "many.pcapng: 5 more problems not listed" || s.Stats().Errors != 25 {
			t.Errorf("%d frames, %d errors (last %q), stats %+v", len(got), len(fi.Errors), fi.Errors[len(fi.Errors)-1], s.Stats())
		}
	})
}

func TestBadFiles(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good.pcap", classicPcap(le, false, 2, 4, 65535, 1, pkt{1, 0, payload(0, 10), 0}))
	text := []byte("hello, this is not a capture\n")
	notcap := writeFile(t, dir, "notes.txt", text)
	empty := writeFile(t, dir, "empty.pcap", nil)
	badver := writeFile(t, dir, "v9.pcap", classicPcap(le, false, 9, 0, 65535, 1))
	missing := filepath.Join(dir, "gone.pcap")
	s, got := readSet(t, good, notcap, empty, badver, missing)
	if len(got) != 1 {
		t.Fatalf("got %d frames, want 1", len(got))
	}
	// The good file comes first (it has a packet); the others follow by path.
	var names, errs []string
	for _, fi := range s.Files() {
		names = append(names, fi.Name)
		errs = append(errs, strings.Join(fi.Errors, "|"))
	}
	wantNames := []string{"good.pcap", "empty.pcap", "gone.pcap", "notes.txt", "v9.pcap"}
	wantErrs := []string{
		"",
		"empty.pcap: offset 0: empty file",
		"gone.pcap: offset 0: open " + missing + ": no such file or directory",
		"notes.txt: offset 0: not a pcap or pcapng file (magic 68656c6c)",
		"v9.pcap: offset 0: unsupported pcap version 9.0",
	}
	if !reflect.DeepEqual(names, wantNames) || !reflect.DeepEqual(errs, wantErrs) {
		t.Errorf("files %q\nerrors %q\nwant %q\n%q", names, errs, wantNames, wantErrs)
	}
	if s.Files()[3].SHA256 != sha(text) {
		t.Errorf("bad file not hashed: %q", s.Files()[3].SHA256)
	}
	if st := s.Stats(); st != (Stats{Files: 5, Frames: 1, BadFiles: 4, Errors: 4}) {
		t.Errorf("Stats = %+v", st)
	}
}

// Files from tcpdump -C/-W rotation, given in the wrong order, read in time
// order; the hash covers the whole file even when reading stopped early.
func TestRotatedOrder(t *testing.T) {
	dir := t.TempDir()
	a := payload(1, 20)
	// Name order is the reverse of time order.
	p0 := writeFile(t, dir, "cap2", classicPcap(le, false, 2, 4, 65535, 1, pkt{100, 0, a, 0}, pkt{101, 0, a, 0}))
	p1 := writeFile(t, dir, "cap1", classicPcap(le, false, 2, 4, 65535, 1, pkt{200, 0, a, 0}))
	p2 := writeFile(t, dir, "cap0", classicPcap(le, false, 2, 4, 65535, 1, pkt{300, 0, a, 0}, pkt{301, 0, a, 0}))
	tie := writeFile(t, dir, "cap3", classicPcap(le, true, 2, 4, 65535, 1, pkt{200, 0, a, 0}))
	s, got := readSet(t, p2, tie, p1, p0)
	var times []int64
	var refs [][2]int64
	for _, f := range got {
		times = append(times, f.Time/1e9)
		refs = append(refs, [2]int64{int64(f.File), int64(f.Frame)})
	}
	wantTimes := []int64{100, 101, 200, 200, 300, 301}
	wantRefs := [][2]int64{{0, 1}, {0, 2}, {1, 1}, {2, 1}, {3, 1}, {3, 2}}
	if !reflect.DeepEqual(times, wantTimes) || !reflect.DeepEqual(refs, wantRefs) {
		t.Errorf("times %v refs %v, want %v %v", times, refs, wantTimes, wantRefs)
	}
	var names []string
	for _, fi := range s.Files() {
		names = append(names, fi.Name)
	}
	if want := []string{"cap2", "cap1", "cap3", "cap0"}; !reflect.DeepEqual(names, want) {
		t.Errorf("Files order %v, want %v", names, want)
	}
}

func TestExpand(t *testing.T) {
	dir := t.TempDir()
	pcap := classicPcap(le, false, 2, 4, 65535, 1, pkt{1, 0, payload(0, 10), 0})
	n := &ngFile{}
	n.shb(be, 1, 0)
	for _, d := range []string{"a/b", "c"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, dir, "one.pcap", pcap)
	writeFile(t, dir, "a/b/two.data", n.b)                  // pcapng, odd extension
	writeFile(t, dir, "a/three.bin", gz(t, pcap))           // gzip'd pcap
	writeFile(t, dir, "a/readme.pcap", []byte("not one"))   // extension lies
	writeFile(t, dir, "c/x.gz", gz(t, []byte("text....."))) // gzip, not a capture
	explicit := writeFile(t, dir, "c/named.txt", []byte("explicitly named"))
	if err := os.Symlink(filepath.Join(dir, "one.pcap"), filepath.Join(dir, "c", "link.pcap")); err != nil {
		t.Fatal(err)
	}
	got, err := Expand([]string{dir, filepath.Join(dir, "one.pcap"), dir + "/a/../one.pcap", explicit})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		filepath.Join(dir, "a/b/two.data"),
		filepath.Join(dir, "a/three.bin"),
		filepath.Join(dir, "c/link.pcap"),
		filepath.Join(dir, "c/named.txt"),
		filepath.Join(dir, "one.pcap"),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Expand = %q\nwant %q", got, want)
	}
	_, err = Expand([]string{dir, filepath.Join(dir, "nope.pcap")})
	if err == nil || !strings.Contains(err.Error(), "nope.pcap") || !strings.HasPrefix(err.Error(), "capture: ") {
		t.Errorf("Expand(missing) error = %v, want one naming nope.pcap", err)
	}
}

func TestCloseAndReuse(t *testing.T) {
	dir := t.TempDir()
	file := classicPcap(le, false, 2, 4, 65535, 1, pkt{1, 0, payload(0, 10), 0}, pkt{2, 0, payload(0, 10), 0})
	p := writeFile(t, dir, "x.pcap", file)
	later := writeFile(t, dir, "y.pcap", classicPcap(le, false, 2, 4, 65535, 1, pkt{9, 0, payload(0, 10), 0}))
	s, err := Open([]string{p, later})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Next(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Closed after one frame: the file being read is hashed whole, the
	// one never reached is not hashed.
	if fi := s.Files(); fi[0].SHA256 != sha(file) || fi[0].Packets != 1 || fi[1].SHA256 != "" {
		t.Errorf("after Close: %+v", fi)
	}
	if _, err := s.Next(); err != errClosed {
		t.Errorf("Next after Close = %v, want %v", err, errClosed)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
}

// Reading a frame allocates nothing once the buffers have grown.
func TestNextAllocs(t *testing.T) {
	var pkts []pkt
	for i := 0; i < 3000; i++ {
		pkts = append(pkts, pkt{uint32(i), 0, payload(byte(i), 60+i%1400), 0})
	}
	n := &ngFile{}
	n.shb(le, 1, 0)
	n.idb(1, 0)
	for i := 0; i < 3000; i++ {
		n.epb(0, uint64(i), pkts[i].data, uint32(len(pkts[i].data)))
	}
	dir := t.TempDir()
	for _, f := range []struct {
		name string
		b    []byte
	}{
		{"a.pcap", classicPcap(le, false, 2, 4, 65535, 1, pkts...)},
		{"a.pcapng", n.b},
		{"a.pcap.gz", gz(t, classicPcap(le, false, 2, 4, 65535, 1, pkts...))},
	} {
		s, err := Open([]string{writeFile(t, dir, f.name, f.b)})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 1500; i++ { // warm up: the buffer reaches its size
			if _, err := s.Next(); err != nil {
				t.Fatal(err)
			}
		}
		allocs := testing.AllocsPerRun(1000, func() {
			if _, err := s.Next(); err != nil {
				t.Fatal(err)
			}
		})
		s.Close()
		if allocs != 0 {
			t.Errorf("%s: Next allocates %v times per frame, want 0", f.name, allocs)
		}
	}
}
