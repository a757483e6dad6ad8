package capture

import (
	"bytes"
	"crypto/sha256"
	"io"
	"testing"
)

// FuzzReader feeds arbitrary bytes to the pcap/pcapng reader. Properties: no
// panic, frames within the size limit, frame numbers counting up from 1,
// offsets increasing and inside the stream, and a hash of the whole input
// whatever happened.
func FuzzReader(f *testing.F) {
	a, b := payload(1, 60), payload(2, 300)
	f.Add(classicPcap(le, false, 2, 4, 65535, 1, pkt{1, 2, a, 0}, pkt{3, 4, b, 0}))
	f.Add(classicPcap(be, true, 2, 4, 100, 113, pkt{1, 2, a, 0}, pkt{3, 4, b, 0}))
	f.Add(classicPcap(le, false, 2, 2, 65535, 101, pkt{1, 2, a, 500}))
	f.Add(gz(f, classicPcap(le, false, 2, 4, 65535, 1, pkt{1, 2, a, 0})))
	n := &ngFile{}
	n.shb(be, 1, 0)
	n.idb(1, 0, ngOpt{optTsresol, []byte{0x80 | 20}}, ngOpt{optTsoffset, u64(be, 7)})
	n.idb(101, 64)
	n.epb(0, 99, a, 60)
	n.epb(1, 98, b, 300)
	n.spb(a, 60)
	n.pb(1, 5, a)
	n.block(0x0a, []byte("secrets"))
	n.shb(le, 1, 0)
	n.idb(276, 0)
	n.epb(0, 1, a, 60)
	f.Add(n.b)
	f.Add(gz(f, n.b))
	f.Add(n.b[:len(n.b)-30])
	// Seeds for resynchronisation: a damaged length, a damaged trailer, a
	// reserved type, junk between blocks, a damaged first section header.
	r := &ngFile{}
	r.shb(le, 1, 0)
	r.idb(1, 0)
	r.epb(0, 1, a, 60)
	r.epb(0, 2, b, 300)
	r.block(ngNRB, []byte{0, 0, 0, 0})
	r.epb(0, 3, a, 60)
	for _, mangle := range []func(c []byte) []byte{
		func(c []byte) []byte { le.PutUint32(c[r.starts[1]+4:], 0xfffffff0); return c },
		func(c []byte) []byte { le.PutUint32(c[r.starts[1]+4:], 156); return c },
		func(c []byte) []byte { le.PutUint32(c[r.starts[1]-4:], 7); return c },
		func(c []byte) []byte { le.PutUint32(c[r.starts[1]:], 0x0a0d0a00); return c },
		func(c []byte) []byte {
			return append(append(c[:r.starts[1]:r.starts[1]], 0xde, 0xad, 0xbe), r.b[r.starts[1]:]...)
		},
		func(c []byte) []byte { le.PutUint32(c[4:], 29); return c },
	} {
		f.Add(mangle(bytes.Clone(r.b)))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		h := sha256.New()
		src, err := newSource(bytes.NewReader(data), h)
		if err == nil {
			info := &FileInfo{Name: "fuzz"}
			rd, err := newReader(src, info, nil)
			if err == nil {
				var fr Frame
				last := int64(-1)
				for i := uint64(1); ; i++ {
					if err := rd.next(&fr); err != nil {
						if err != io.EOF {
							t.Fatalf("next returned %v, want only io.EOF", err)
						}
						break
					}
					if fr.Frame != i || len(fr.Data) > maxCaplen || fr.Offset <= last || fr.Offset >= src.pos {
						t.Fatalf("frame %d: number %d, %d bytes, offset %d after %d (stream at %d)", i, fr.Frame, len(fr.Data), fr.Offset, last, src.pos)
					}
					last = fr.Offset
				}
				if int64(len(info.Errors)) > rd.nerrs || len(info.Errors) > maxListedErrors {
					t.Fatalf("%d errors listed, %d counted", len(info.Errors), rd.nerrs)
				}
				if rd.resyncs > rd.nerrs || rd.skipped < 0 || rd.skipped > src.pos || rd.resyncs > 0 && rd.skipped == 0 {
					t.Fatalf("%d resyncs, %d bytes skipped, %d problems, %d input bytes", rd.resyncs, rd.skipped, rd.nerrs, len(data))
				}
			}
		}
		if src != nil {
			if err := src.finish(); err != nil {
				t.Fatal(err)
			}
		}
		if want := sha256.Sum256(data); !bytes.Equal(h.Sum(nil), want[:]) {
			t.Fatal("hash does not cover the whole input")
		}
	})
}
