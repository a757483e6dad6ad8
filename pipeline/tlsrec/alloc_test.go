package tlsrec

import (
	"crypto/tls"
	"fmt"
	"testing"

	"telltale/reassembly"
)

type countHandler struct{ n [2]int64 }

func (h *countHandler) Data(dir reassembly.Dir, b []byte, _ reassembly.Position) {
	h.n[dir] += int64(len(b))
}
func (h *countHandler) Gap(reassembly.Dir, int64, reassembly.Position) {}

// TestSteadyStateAllocs: once a connection is under way, records
// decrypt without allocating, whole or split across calls.
func TestSteadyStateAllocs(t *testing.T) {
	var ex []exchange
	for i := 0; i < 60; i++ {
		ex = append(ex, exchange{[]byte(fmt.Sprintf("request %03d with some padding to look like a header line\r\n", i)),
			make([]byte, 3000+i*50)})
	}
	for _, c := range []struct {
		v     uint16
		suite uint16
	}{
		{tls.VersionTLS13, 0},
		{tls.VersionTLS12, tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256},
		{tls.VersionTLS12, tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256},
		{tls.VersionTLS12, tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256},
	} {
		ccfg, scfg := goPair(c.v)
		if c.suite != 0 {
			ccfg.CipherSuites = []uint16{c.suite}
			scfg.CipherSuites = []uint16{c.suite}
		}
		s := runGo(t, ccfg, scfg, ex)
		for _, split := range []int{0, 1000} {
			h := &countHandler{}
			conn := NewConn(Config{Keys: mustKeyLog(t, s.keylog)}, h, nil)
			var pieces []chunk
			for _, ch := range s.chunks {
				b := ch.b
				for len(b) > 0 {
					n := len(b)
					if split > 0 {
						n = min(n, split)
					}
					pieces = append(pieces, chunk{ch.dir, b[:n]})
					b = b[n:]
				}
			}
			half := len(pieces) / 2
			for _, p := range pieces[:half] {
				conn.Data(p.dir, p.b, reassembly.Position{})
			}
			i := half
			allocs := testing.AllocsPerRun(len(pieces)-half-1, func() {
				conn.Data(pieces[i].dir, pieces[i].b, reassembly.Position{})
				i++
			})
			conn.End()
			if allocs != 0 {
				t.Errorf("%x/%x split %d: %.2f allocations per call", c.v, c.suite, split, allocs)
			}
			if h.n[0] != int64(len(s.sent[0])) || h.n[1] != int64(len(s.sent[1])) {
				t.Errorf("%x/%x: delivered %v", c.v, c.suite, h.n)
			}
		}
	}
}
