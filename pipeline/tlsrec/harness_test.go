package tlsrec

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"telltale/reassembly"
)

// chunk is what one Read or Write of the recorded endpoint carried.
type chunk struct {
	dir reassembly.Dir
	b   []byte
}

// recorder logs the bytes of both directions of a connection, as seen by
// one endpoint, in the order they crossed it.
type recorder struct {
	mu     sync.Mutex
	chunks []chunk
}

func (r *recorder) add(dir reassembly.Dir, b []byte) {
	r.mu.Lock()
	r.chunks = append(r.chunks, chunk{dir, append([]byte(nil), b...)})
	r.mu.Unlock()
}

func (r *recorder) snapshot() []chunk {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]chunk(nil), r.chunks...)
}

// recConn records what crosses a net.Conn: reads are direction in, writes
// the opposite. A write is logged before it is sent, a read after it
// arrives, so the log keeps causality (a reply never precedes its cause).
type recConn struct {
	net.Conn
	rec *recorder
	in  reassembly.Dir
}

func (c *recConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.rec.add(c.in, p[:n])
	}
	return n, err
}

func (c *recConn) Write(p []byte) (int, error) {
	c.rec.add(c.in^1, p)
	return c.Conn.Write(p)
}

type testCerts struct {
	ecdsa, rsa tls.Certificate
	rsaPEM     [2][]byte // cert, key
}

var certs = sync.OnceValue(func() *testCerts {
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "tlsrec.test"},
		DNSNames:     []string{"tlsrec.test", "localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Unix(1700000000, 0),
		NotAfter:     time.Unix(4000000000, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	mk := func(pub, priv any) tls.Certificate {
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv)
		if err != nil {
			panic(err)
		}
		return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: priv}
	}
	tc := &testCerts{ecdsa: mk(&ek.PublicKey, ek), rsa: mk(&rk.PublicKey, rk)}
	tc.rsaPEM[0] = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tc.rsa.Certificate[0]})
	tc.rsaPEM[1] = pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rk)})
	return tc
})

// exchange is one request and its response, written whole by each side.
type exchange struct{ req, resp []byte }

// session is one recorded TLS connection.
type session struct {
	chunks []chunk
	keylog []byte
	sent   [2][]byte // plaintext written by the client (index 0) and the server (index 1)
	state  tls.ConnectionState
}

// runGo runs a crypto/tls client and server over loopback TCP, recording
// the server side's bytes, and plays the exchanges.
func runGo(t testing.TB, ccfg, scfg *tls.Config, ex []exchange) session {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var keylog bytes.Buffer
	var klMu sync.Mutex
	ccfg = ccfg.Clone()
	ccfg.KeyLogWriter = writerFunc(func(p []byte) (int, error) {
		klMu.Lock()
		defer klMu.Unlock()
		return keylog.Write(p)
	})
	rec := &recorder{}
	var s session
	errc := make(chan error, 1)
	go func() {
		raw, err := ln.Accept()
		if err != nil {
			errc <- err
			return
		}
		srv := tls.Server(&recConn{Conn: raw, rec: rec, in: reassembly.ClientToServer}, scfg)
		for _, e := range ex {
			buf := make([]byte, len(e.req))
			if _, err := io.ReadFull(srv, buf); err != nil {
				srv.Close()
				errc <- err
				return
			}
			if _, err := srv.Write(e.resp); err != nil {
				srv.Close()
				errc <- err
				return
			}
		}
		// Wait for the client's close_notify, then answer with ours.
		_, _ = io.Copy(io.Discard, srv)
		srv.Close()
		errc <- nil
	}()
	raw, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	cl := tls.Client(raw, ccfg)
	if err := cl.Handshake(); err != nil {
		t.Fatalf("handshake: %v", err)
	}
	for _, e := range ex {
		if _, err := cl.Write(e.req); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, len(e.resp))
		if _, err := io.ReadFull(cl, buf); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf, e.resp) {
			t.Fatal("echo mismatch")
		}
		s.sent[0] = append(s.sent[0], e.req...)
		s.sent[1] = append(s.sent[1], e.resp...)
	}
	s.state = cl.ConnectionState()
	cl.Close()
	if err := <-errc; err != nil {
		t.Fatalf("server: %v", err)
	}
	s.chunks = rec.snapshot()
	klMu.Lock()
	s.keylog = append([]byte(nil), keylog.Bytes()...)
	klMu.Unlock()
	return s
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// collector is a Handler that rebuilds each direction's plaintext and
// checks that offsets never go back.
type collector struct {
	t     *testing.T
	data  [2][]byte
	gaps  [2][]int64
	next  [2]int64
	lost  [2]int64
	times [2][]int64
}

func (c *collector) Data(dir reassembly.Dir, b []byte, at reassembly.Position) {
	if at.Offset != c.next[dir] {
		c.t.Errorf("dir %d: data at offset %d, want %d", dir, at.Offset, c.next[dir])
	}
	c.data[dir] = append(c.data[dir], b...)
	c.next[dir] = at.Offset + int64(len(b))
	c.times[dir] = append(c.times[dir], at.Time)
}

func (c *collector) Gap(dir reassembly.Dir, n int64, at reassembly.Position) {
	if at.Offset != c.next[dir] {
		c.t.Errorf("dir %d: gap at offset %d, want %d", dir, at.Offset, c.next[dir])
	}
	c.gaps[dir] = append(c.gaps[dir], n)
	c.lost[dir] += n
	c.next[dir] = at.Offset + n
}

// play feeds the recorded chunks to a new Conn, each chunk cut into pieces
// of the sizes split returns (whole chunks when split is nil).
func play(t *testing.T, chunks []chunk, keys *KeyLog, split func(n int) int) (*collector, *Conn, *Stats) {
	t.Helper()
	col := &collector{t: t}
	st := &Stats{}
	c := NewConn(Config{Keys: keys}, col, st)
	var off [2]int64
	for i, ch := range chunks {
		b := ch.b
		for len(b) > 0 {
			n := len(b)
			if split != nil {
				n = min(max(split(len(b)), 1), len(b))
			}
			c.Data(ch.dir, b[:n], reassembly.Position{Offset: off[ch.dir], Time: int64(i)})
			off[ch.dir] += int64(n)
			b = b[n:]
		}
	}
	c.End()
	return col, c, st
}

func mustKeyLog(t testing.TB, b []byte) *KeyLog {
	t.Helper()
	k := NewKeyLog()
	if _, err := k.Load(bytes.NewReader(b)); err != nil {
		t.Fatal(err)
	}
	if k.Bad() != 0 {
		t.Fatalf("key log: %d bad lines", k.Bad())
	}
	return k
}

// testExchanges is a small conversation with one response big enough to
// take several records.
func testExchanges() []exchange {
	big := make([]byte, 70000)
	for i := range big {
		big[i] = byte('a' + i%26)
	}
	return []exchange{
		{[]byte("GET /first HTTP/1.1\r\nHost: tlsrec.test\r\n\r\n"), []byte("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")},
		{[]byte("POST /events HTTP/1.1\r\nContent-Length: 11\r\n\r\n{\"a\":\"b\"}\r\n"), big},
		{bytes.Repeat([]byte("x"), 20000), []byte("done")},
	}
}
