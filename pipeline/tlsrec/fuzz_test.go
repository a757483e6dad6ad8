package tlsrec

import (
	"crypto/tls"
	"encoding/binary"
	"testing"

	"telltale/reassembly"
)

// fuzzHandler checks the Handler contract: offsets only go forward.
type fuzzHandler struct {
	t    *testing.T
	next [2]int64
}

func (h *fuzzHandler) Data(dir reassembly.Dir, b []byte, at reassembly.Position) {
	if at.Offset != h.next[dir] || len(b) == 0 {
		h.t.Fatalf("dir %d: data at %d (len %d), want %d", dir, at.Offset, len(b), h.next[dir])
	}
	h.next[dir] += int64(len(b))
}

func (h *fuzzHandler) Gap(dir reassembly.Dir, n int64, at reassembly.Position) {
	if at.Offset != h.next[dir] || n <= 0 {
		h.t.Fatalf("dir %d: gap at %d, want %d", dir, at.Offset, h.next[dir])
	}
	h.next[dir] += n
}

// FuzzConn feeds arbitrary bytes as the two directions of a connection.
// The input is a script: each step is a control byte (direction, gap or
// data, length) followed by the data. Seeds are real recorded handshakes,
// fed with and without their key log (the key log is the second argument).
func FuzzConn(f *testing.F) {
	addSession := func(s session) {
		var script []byte
		for _, c := range s.chunks {
			b := c.b
			for len(b) > 0 {
				n := min(len(b), 0x7fff)
				script = append(script, byte(c.dir))
				script = binary.BigEndian.AppendUint16(script, uint16(n))
				script = append(script, b[:n]...)
				b = b[n:]
			}
			if len(script) > 60000 {
				break
			}
		}
		f.Add(script, s.keylog)
		f.Add(script, []byte(nil))
	}
	ex := []exchange{{[]byte("GET / HTTP/1.1\r\n\r\n"), []byte("HTTP/1.1 204 No Content\r\n\r\n")}}
	for _, v := range []uint16{tls.VersionTLS13, tls.VersionTLS12} {
		ccfg, scfg := goPair(v)
		addSession(runGo(f, ccfg, scfg, ex))
	}
	ccfg, scfg := goPair(tls.VersionTLS12)
	ccfg.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA}
	addSession(runGo(f, ccfg, scfg, ex))
	f.Add([]byte{0, 0, 5, 0x16, 3, 1, 0, 1, 2, 0, 0, 1}, []byte(nil))
	f.Fuzz(func(t *testing.T, script, keylog []byte) {
		k := NewKeyLog()
		for _, line := range splitLines(keylog) {
			k.AddLine(line)
		}
		h := &fuzzHandler{t: t}
		c := NewConn(Config{Keys: k}, h, nil)
		var off [2]int64
		for len(script) >= 3 {
			ctl := script[0]
			n := int(binary.BigEndian.Uint16(script[1:3]))
			script = script[3:]
			dir := reassembly.Dir(ctl & 1)
			if ctl&2 != 0 {
				c.Gap(dir, int64(n%5000+1), reassembly.Position{Offset: off[dir]})
				off[dir] += int64(n%5000 + 1)
				continue
			}
			n = min(n, len(script))
			c.Data(dir, script[:n], reassembly.Position{Offset: off[dir]})
			off[dir] += int64(n)
			script = script[n:]
		}
		c.End()
		in := c.Info()
		for d := 0; d < 2; d++ {
			if in.DecryptedBytes[d] > h.next[d] {
				t.Fatalf("dir %d: decrypted %d beyond offset %d", d, in.DecryptedBytes[d], h.next[d])
			}
			if in.UndecryptedBytes[d] > in.AppDataBytes[d] || in.DecryptedBytes[d] > in.AppDataBytes[d] {
				t.Fatalf("dir %d: app %d decrypted %d undecrypted %d", d, in.AppDataBytes[d], in.DecryptedBytes[d], in.UndecryptedBytes[d])
			}
		}
		_ = in.Problems.Names()
	})
}

func splitLines(b []byte) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		i := 0
		for i < len(b) && b[i] != '\n' {
			i++
		}
		out = append(out, b[:i])
		if i < len(b) {
			i++
		}
		b = b[i:]
	}
	return out
}
