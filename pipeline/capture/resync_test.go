package capture

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"telltale/pipeline/corpustest"
)

// resyncFile builds a pcapng in order with one interface and five packet
// blocks (the fourth 70 000 bytes long, past the default read buffer), with
// a name resolution block between the second and third packets.
func resyncFile(order binary.AppendByteOrder) (*ngFile, [][]byte) {
	data := [][]byte{payload(1, 60), payload(2, 61), payload(3, 120), payload(4, 70000), payload(5, 33)}
	n := &ngFile{}
	n.shb(order, 1, 0)
	n.idb(1, 0)
	n.epb(0, 1_000_000, data[0], 60)
	n.epb(0, 2_000_000, data[1], 61)
	n.block(ngNRB, []byte{0, 0, 0, 0})
	n.epb(0, 3_000_000, data[2], 120)
	n.epb(0, 4_000_000, data[3], 70000)
	n.epb(0, 5_000_000, data[4], 33)
	return n, data
}

// blockLen is the total length of the block at off, read in order.
func blockLen(order binary.ByteOrder, b []byte, off int64) int64 {
	return int64(order.Uint32(b[off+4:]))
}

// TestResync damages one block in each way a block's framing can break and
// checks that exactly the other packets are read, with one problem naming
// the offset where reading resumed.
func TestResync(t *testing.T) {
	type damage struct {
		name string
		// mangle damages file b, whose packet blocks start at starts;
		// it returns the damaged file, the index of the packet lost and
		// the expected problem (with %d for the offset where reading
		// resumes and for the bytes skipped, when resynchronised).
		mangle func(o binary.ByteOrder, b []byte, starts []int64) ([]byte, int, string)
		resume func(starts []int64, b []byte) int64 // offset where reading resumes; -1: no resync
	}
	at := func(i int) func([]int64, []byte) int64 { return func(s []int64, _ []byte) int64 { return s[i] } }
	tests := []damage{
		{"absurd length", func(o binary.ByteOrder, b []byte, s []int64) ([]byte, int, string) {
			o.PutUint32(b[s[1]+4:], 0xfffffff0)
			return b, 1, "malformed block (type 0x6): total length 4294967280"
		}, func(s []int64, b []byte) int64 { return s[1] + 96 }}, // the name resolution block
		{"unaligned length", func(o binary.ByteOrder, b []byte, s []int64) ([]byte, int, string) {
			o.PutUint32(b[s[2]+4:], 153)
			return b, 2, "malformed block (type 0x6): total length 153"
		}, at(3)},
		{"length below the minimum", func(o binary.ByteOrder, b []byte, s []int64) ([]byte, int, string) {
			o.PutUint32(b[s[0]+4:], 8)
			return b, 0, "malformed block (type 0x6): total length 8"
		}, at(1)},
		{"length too long but plausible", func(o binary.ByteOrder, b []byte, s []int64) ([]byte, int, string) {
			// 92 -> 92+64: the claimed block would swallow the next one.
			o.PutUint32(b[s[0]+4:], 156)
			return b, 0, fmt.Sprintf("malformed block (type 0x6): trailing length %d differs from leading length 156", o.Uint32(b[s[0]+152:]))
		}, at(1)},
		{"length too short but plausible", func(o binary.ByteOrder, b []byte, s []int64) ([]byte, int, string) {
			o.PutUint32(b[s[2]+4:], 60)
			return b, 2, fmt.Sprintf("malformed block (type 0x6): trailing length %d differs from leading length 60", o.Uint32(b[s[2]+56:]))
		}, at(3)},
		{"trailer damaged", func(o binary.ByteOrder, b []byte, s []int64) ([]byte, int, string) {
			o.PutUint32(b[s[3]-4:], 7)
			return b, 2, "malformed block (type 0x6): trailing length 7 differs from leading length 152"
		}, at(3)},
		{"large block's trailer damaged", func(o binary.ByteOrder, b []byte, s []int64) ([]byte, int, string) {
			o.PutUint32(b[s[4]-4:], 0)
			return b, 3, "malformed block (type 0x6): trailing length 0 differs from leading length 70032"
		}, at(4)},
		{"reserved type", func(o binary.ByteOrder, b []byte, s []int64) ([]byte, int, string) {
			o.PutUint32(b[s[1]:], 0x0a0d0a00)
			return b, 1, "malformed block: reserved block type 0xa0d0a00"
		}, func(s []int64, b []byte) int64 { return s[1] + 96 }},
		{"length past the end, blocks after", func(o binary.ByteOrder, b []byte, s []int64) ([]byte, int, string) {
			o.PutUint32(b[s[3]+4:], uint32(int64(len(b))-s[3]+8))
			return b, 3, fmt.Sprintf("malformed block (type 0x6): total length %d runs past the end of the file", int64(len(b))-s[3]+8)
		}, at(4)},
		{"junk between blocks", func(o binary.ByteOrder, b []byte, s []int64) ([]byte, int, string) {
			// Seven bytes (an unaligned count) inserted before the
			// second packet block: no packet is lost.
			junk := []byte{0xde, 0xad, 0xbe, 0xef, 0xff, 0xff, 0xff}
			out := append(append(bytes.Clone(b[:s[1]]), junk...), b[s[1]:]...)
			return out, -1, "malformed block (type " + fmt.Sprintf("%#x", o.Uint32(junk)) + "): total length " + fmt.Sprint(o.Uint32([]byte{0xff, 0xff, 0xff, b[s[1]]}))
		}, func(s []int64, b []byte) int64 { return s[1] + 7 }},
	}
	for _, order := range []binary.AppendByteOrder{le, be} {
		o := order.(binary.ByteOrder)
		for _, tc := range tests {
			n, data := resyncFile(order)
			b, lost, cause := tc.mangle(o, bytes.Clone(n.b), n.starts)
			resume := tc.resume(n.starts, b)
			off := n.starts[1] // junk: where the second packet block was
			if lost >= 0 {
				off = n.starts[lost]
			}
			name := fmt.Sprintf("%s/%s", o, tc.name)
			t.Run(name, func(t *testing.T) {
				s, got := readSet(t, writeFile(t, t.TempDir(), "r.pcapng", b))
				var wants []want
				shift := int64(0)
				if lost < 0 {
					shift = 7
				}
				frame := uint64(0)
				for i, d := range data {
					if i == lost {
						continue
					}
					frame++
					o := n.starts[i]
					if lost < 0 && i >= 1 {
						o += shift
					}
					wants = append(wants, want{d, len(d), int64(i+1) * 1e9, 1, frame, o})
				}
				checkFrames(t, got, wants)
				lostFrame := lost + 1
				if lost < 0 {
					lostFrame = 2
				}
				wantErr := fmt.Sprintf("r.pcapng: offset %d: frame %d: %s; resynchronised at offset %d (%d bytes skipped)",
					off, lostFrame, cause, resume, resume-off)
				fi := s.Files()[0]
				if !reflect.DeepEqual(fi.Errors, []string{wantErr}) || fi.Truncated || fi.Resyncs != 1 || fi.SkippedBytes != resume-off {
					t.Errorf("errors %q resyncs %d skipped %d truncated %v\nwant %q, 1, %d", fi.Errors, fi.Resyncs, fi.SkippedBytes, fi.Truncated, wantErr, resume-off)
				}
				if st := s.Stats(); st.Resyncs != 1 || st.SkippedBytes != resume-off || st.Errors != 1 {
					t.Errorf("Stats = %+v", st)
				}
			})
		}
	}
}

// Damage that leaves block boundaries intact is handled without scanning.
func TestResyncNotNeeded(t *testing.T) {
	for _, order := range []binary.AppendByteOrder{le, be} {
		o := order.(binary.ByteOrder)
		t.Run(fmt.Sprint(o), func(t *testing.T) {
			n, data := resyncFile(order)
			b := bytes.Clone(n.b)
			o.PutUint32(b[n.starts[1]:], 0x16) // a bit flipped in a type: the block is intact
			s, got := readSet(t, writeFile(t, t.TempDir(), "t.pcapng", b))
			if len(got) != 4 || !bytes.Equal(got[1].Data, data[2]) || got[1].Frame != 2 {
				t.Fatalf("%d frames", len(got))
			}
			want := []string{fmt.Sprintf("t.pcapng: offset %d: unknown block type 0x16 (96 bytes): skipped", n.starts[1])}
			if fi := s.Files()[0]; !reflect.DeepEqual(fi.Errors, want) || fi.Resyncs != 0 || fi.SkippedBytes != 0 {
				t.Errorf("errors %q resyncs %d skipped %d, want %q", fi.Errors, fi.Resyncs, fi.SkippedBytes, want)
			}

			// A cut file whose last block is whole up to the cut is
			// truncated, not corrupt.
			cut := n.b[:n.starts[3]+1000]
			s, got = readSet(t, writeFile(t, t.TempDir(), "c.pcapng", cut))
			want = []string{fmt.Sprintf("c.pcapng: offset %d: frame 4: truncated: packet block ends after 1000 of 70032 bytes", n.starts[3])}
			if fi := s.Files()[0]; len(got) != 3 || !reflect.DeepEqual(fi.Errors, want) || !fi.Truncated || fi.Resyncs != 0 {
				t.Errorf("%d frames, errors %q truncated %v, want 3, %q", len(got), fi.Errors, fi.Truncated, want)
			}
		})
	}
}

// The first section header's length is damaged: its byte-order magic is
// intact, so the file is read from the interface block on.
func TestResyncFirstSection(t *testing.T) {
	for _, order := range []binary.AppendByteOrder{le, be} {
		o := order.(binary.ByteOrder)
		n, data := resyncFile(order)
		b := bytes.Clone(n.b)
		o.PutUint32(b[4:], 29)
		s, got := readSet(t, writeFile(t, t.TempDir(), "f.pcapng", b))
		want := []string{"f.pcapng: offset 0: frame 1: malformed block (type 0xa0d0d0a): total length 29; resynchronised at offset 28 (28 bytes skipped)"}
		if fi := s.Files()[0]; len(got) != len(data) || !reflect.DeepEqual(fi.Errors, want) || fi.Format != "pcapng" {
			t.Errorf("%v: %d frames, errors %q", o, len(got), fi.Errors)
		}
	}
}

// A packet block naming an unknown interface is no landing place: the scan
// goes on to the next block that fits.
func TestResyncChecksInterface(t *testing.T) {
	a := payload(1, 60)
	n := &ngFile{}
	n.shb(le, 1, 0)
	n.idb(1, 0)
	n.epb(0, 1, a, 60)
	n.epb(0, 2, a, 60)
	n.epb(3, 3, a, 60) // interface 3 does not exist
	n.epb(0, 4, a, 60)
	b := bytes.Clone(n.b)
	le.PutUint32(b[n.starts[1]+4:], 1<<30)
	s, got := readSet(t, writeFile(t, t.TempDir(), "i.pcapng", b))
	want := []string{fmt.Sprintf("i.pcapng: offset %d: frame 2: malformed block (type 0x6): total length 1073741824; resynchronised at offset %d (184 bytes skipped)", n.starts[1], n.starts[3])}
	if fi := s.Files()[0]; len(got) != 2 || got[1].Offset != n.starts[3] || !reflect.DeepEqual(fi.Errors, want) {
		t.Errorf("%d frames, errors %q, want %q", len(got), fi.Errors, want)
	}
}

// A scan that finds no block gives the rest of the file up: at its end, or
// after maxResyncScan bytes, even when a block follows.
func TestResyncGivesUp(t *testing.T) {
	a := payload(1, 60)
	build := func(junk int) []byte {
		n := &ngFile{}
		n.shb(be, 1, 0)
		n.idb(1, 0)
		n.epb(0, 1, a, 60)
		n.b = be.AppendUint32(n.b, 0x0a0d0a00) // a reserved type, then junk
		n.b = append(n.b, make([]byte, junk)...)
		n.epb(0, 2, a, 60)
		return n.b
	}
	read := func(b []byte) (*FileInfo, int) {
		src, err := newSource(bytes.NewReader(b), nil)
		if err != nil {
			t.Fatal(err)
		}
		info := &FileInfo{Name: "g"}
		rd, err := newReader(src, info, nil)
		if err != nil {
			t.Fatal(err)
		}
		var f Frame
		frames := 0
		for rd.next(&f) == nil {
			frames++
		}
		info.Resyncs, info.SkippedBytes = rd.resyncs, rd.skipped
		return info, frames
	}
	const off = 28 + 20 + 92
	// Just within the bound: found.
	b := build(maxResyncScan - 4 - 1)
	fi, frames := read(b)
	if frames != 2 || fi.Resyncs != 1 || fi.SkippedBytes != maxResyncScan-1 {
		t.Errorf("within bound: %d frames, %d resyncs, %d skipped, errors %q", frames, fi.Resyncs, fi.SkippedBytes, fi.Errors)
	}
	// One byte further: given up.
	fi, frames = read(build(maxResyncScan - 4))
	want := []string{fmt.Sprintf("g: offset %d: frame 2: malformed block: reserved block type 0xa0d0a00; no block boundary found in the next 64 MiB: rest of file skipped", off)}
	if frames != 1 || fi.Resyncs != 0 || fi.SkippedBytes != maxResyncScan || !reflect.DeepEqual(fi.Errors, want) {
		t.Errorf("past bound: %d frames, %d resyncs, %d skipped, errors %q", frames, fi.Resyncs, fi.SkippedBytes, fi.Errors)
	}
	// Junk to the end of the file.
	b = build(100)
	fi, frames = read(b[:len(b)-92])
	want = []string{fmt.Sprintf("g: offset %d: frame 2: malformed block: reserved block type 0xa0d0a00; no block boundary found before the end of the file: rest of file skipped", off)}
	if frames != 1 || fi.SkippedBytes != 104 || !reflect.DeepEqual(fi.Errors, want) {
		t.Errorf("to the end: %d frames, %d skipped, errors %q", frames, fi.SkippedBytes, fi.Errors)
	}
}

// A corrupt block inside a gzip stream: the look-ahead works on the
// decompressed bytes.
func TestResyncGzip(t *testing.T) {
	n, data := resyncFile(be)
	b := bytes.Clone(n.b)
	be.PutUint32(b[n.starts[2]+4:], 0x7ffffff0)
	s, got := readSet(t, writeFile(t, t.TempDir(), "z.pcapng.gz", gz(t, b)))
	if fi := s.Files()[0]; len(got) != 4 || !bytes.Equal(got[2].Data, data[3]) || got[2].Offset != n.starts[3] || fi.Resyncs != 1 || fi.SkippedBytes != n.starts[3]-n.starts[2] {
		t.Errorf("%d frames, FileInfo %+v", len(got), fi)
	}
}

// ngBlocks lists the offsets of the blocks of a pcapng file and their types,
// walking lengths only (independently of the reader).
func ngBlocks(t *testing.T, b []byte) (offs []int64, types []uint32, order binary.ByteOrder) {
	t.Helper()
	for off := int64(0); off+12 <= int64(len(b)); {
		if binary.LittleEndian.Uint32(b[off:]) == ngSHB {
			order = binary.ByteOrder(binary.LittleEndian)
			if binary.BigEndian.Uint32(b[off+8:]) == ngByteOrderMagic {
				order = binary.BigEndian
			}
		}
		l := int64(order.Uint32(b[off+4:]))
		if l < 12 || off+l > int64(len(b)) {
			t.Fatalf("block at %d: length %d", off, l)
		}
		offs = append(offs, off)
		types = append(types, order.Uint32(b[off:]))
		off += l
	}
	return offs, types, order
}

// Real pcapng files (both byte orders), each damaged in one packet block in
// the middle in several ways: every other frame is read exactly as from the
// intact file, and reading resumes at the next block.
func TestResyncRealFiles(t *testing.T) {
	var paths []string
	for _, p := range []string{
		filepath.Join("..", "..", "samples", "pcapng-sll2.pcapng"),
		filepath.Join("..", "..", "samples", "tls", "https-go-dsb.pcapng"),
		corpustest.Path("captures", "gopacket_be_test202.pcapng"),
		corpustest.Path("captures", "ndpi_http.pcapng"),
		corpustest.Path("captures", "sanders_http_post.pcapng"),
	} {
		if _, err := os.Stat(p); err != nil {
			t.Logf("%s absent: skipped", p)
			continue
		}
		paths = append(paths, p)
	}
	if len(paths) == 0 {
		t.Skip("no real pcapng file available")
	}
	kinds := []struct {
		name   string
		mangle func(o binary.ByteOrder, b []byte, off, l int64)
	}{
		{"absurd length", func(o binary.ByteOrder, b []byte, off, l int64) { o.PutUint32(b[off+4:], 0xfffffff0) }},
		{"longer length", func(o binary.ByteOrder, b []byte, off, l int64) { o.PutUint32(b[off+4:], uint32(l+16)) }},
		{"trailer", func(o binary.ByteOrder, b []byte, off, l int64) { o.PutUint32(b[off+l-4:], uint32(l)^0x100) }},
		{"reserved type", func(o binary.ByteOrder, b []byte, off, l int64) { o.PutUint32(b[off:], 0x0d0d0a01) }},
	}
	dir := t.TempDir()
	orders := map[string]bool{}
	for _, p := range paths {
		orig, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		intact := readAll(t, p)
		offs, types, order := ngBlocks(t, orig)
		orders[fmt.Sprint(order)] = true
		// The packet block in the middle, and the block after it.
		var pk []int
		for i, typ := range types {
			if typ == ngEPB && i+1 < len(offs) {
				pk = append(pk, i)
			}
		}
		if len(pk) < 3 {
			t.Fatalf("%s: %d packet blocks", p, len(pk))
		}
		bi := pk[len(pk)/2]
		off, next := offs[bi], offs[bi+1]
		lost := -1
		for i, f := range intact {
			if f.Offset == off {
				lost = i
			}
		}
		if lost < 0 {
			t.Fatalf("%s: no frame at %d", p, off)
		}
		for _, k := range kinds {
			t.Run(filepath.Base(p)+"/"+k.name, func(t *testing.T) {
				b := bytes.Clone(orig)
				k.mangle(order, b, off, next-off)
				s, got := readSet(t, writeFile(t, dir, "d.pcapng", b))
				if len(got) != len(intact)-1 {
					t.Fatalf("%d frames, want %d; errors %q", len(got), len(intact)-1, s.Files()[0].Errors)
				}
				for i, g := range got {
					w := intact[i]
					if i >= lost {
						w = intact[i+1]
						w.Frame--
					}
					if !bytes.Equal(g.Data, w.Data) || g.Time != w.Time || g.OrigLen != w.OrigLen || g.LinkType != w.LinkType || g.Offset != w.Offset || g.Frame != w.Frame {
						t.Fatalf("frame %d differs: got off %d frame %d, want off %d frame %d", i, g.Offset, g.Frame, w.Offset, w.Frame)
					}
				}
				fi := s.Files()[0]
				suffix := fmt.Sprintf("; resynchronised at offset %d (%d bytes skipped)", next, next-off)
				prefix := fmt.Sprintf("d.pcapng: offset %d: frame %d: ", off, lost+1)
				if len(fi.Errors) != 1 || !bytes.HasPrefix([]byte(fi.Errors[0]), []byte(prefix)) || !bytes.HasSuffix([]byte(fi.Errors[0]), []byte(suffix)) ||
					fi.Resyncs != 1 || fi.SkippedBytes != next-off || fi.Truncated {
					t.Errorf("errors %q resyncs %d skipped %d, want %q...%q", fi.Errors, fi.Resyncs, fi.SkippedBytes, prefix, suffix)
				}
			})
		}
	}
	t.Logf("byte orders covered: %v", orders)
}
