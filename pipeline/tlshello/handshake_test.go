package tlshello

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"
)

// testCert makes a throwaway self-signed ECDSA certificate.
func testCert(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "example.test"},
		DNSNames:     []string{"example.test"},
		NotBefore:    time.Unix(0, 0),
		NotAfter:     time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// recordingConn keeps a copy of every byte the client wrote and read.
type recordingConn struct {
	net.Conn
	mu      sync.Mutex
	out, in bytes.Buffer
}

func (c *recordingConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	c.out.Write(b)
	c.mu.Unlock()
	return c.Conn.Write(b)
}

func (c *recordingConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.mu.Lock()
	c.in.Write(b[:n])
	c.mu.Unlock()
	return n, err
}

// handshakeResult is one real handshake: the bytes each side sent, what
// crypto/tls itself saw, as the truth to compare parsed fields against.
type handshakeResult struct {
	c2s, s2c []byte
	state    tls.ConnectionState
	infos    []*tls.ClientHelloInfo // every ClientHello the server saw
}

// handshake runs crypto/tls client and server over loopback TCP (which
// buffers, so TLS 1.3 session tickets cannot deadlock) and records the
// client's side of the wire.
func handshake(t *testing.T, client, server *tls.Config) handshakeResult {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var res handshakeResult
	var mu sync.Mutex
	server = server.Clone()
	server.GetConfigForClient = func(info *tls.ClientHelloInfo) (*tls.Config, error) {
		mu.Lock()
		res.infos = append(res.infos, info)
		mu.Unlock()
		return nil, nil
	}
	srvErr := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			srvErr <- err
			return
		}
		defer c.Close()
		s := tls.Server(c, server)
		if err := s.Handshake(); err != nil {
			srvErr <- err
			return
		}
		_, err = s.Write([]byte("bye"))
		s.Close()
		srvErr <- err
	}()
	raw, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	rc := &recordingConn{Conn: raw}
	c := tls.Client(rc, client)
	if err := c.Handshake(); err != nil {
		t.Fatalf("client handshake: %v (server: %v)", err, <-srvErr)
	}
	io.Copy(io.Discard, c)
	c.Close()
	if err := <-srvErr; err != nil {
		t.Fatalf("server: %v", err)
	}
	res.state = c.ConnectionState()
	rc.mu.Lock()
	res.c2s, res.s2c = bytes.Clone(rc.out.Bytes()), bytes.Clone(rc.in.Bytes())
	rc.mu.Unlock()
	return res
}

type hsMsg struct {
	typ  byte
	body []byte
}

// cleartextMessages returns the handshake messages at the start of one
// direction's bytes, up to the first record that is not a handshake record,
// reassembling messages across records. throughCCS skips ChangeCipherSpec
// records, which in TLS 1.3 are compatibility noise (around a
// HelloRetryRequest) while in TLS 1.2 encryption starts after them.
func cleartextMessages(t *testing.T, stream []byte, throughCCS bool) []hsMsg {
	t.Helper()
	var payload []byte
	for len(stream) >= 5 && (stream[0] == 22 || throughCCS && stream[0] == 20) {
		n := int(stream[3])<<8 | int(stream[4])
		if len(stream) < 5+n {
			t.Fatalf("record of %d bytes cut short", n)
		}
		if stream[0] == 22 {
			payload = append(payload, stream[5:5+n]...)
		}
		stream = stream[5+n:]
	}
	var msgs []hsMsg
	for len(payload) >= 4 {
		n := int(payload[1])<<16 | int(payload[2])<<8 | int(payload[3])
		if len(payload) < 4+n {
			break
		}
		msgs = append(msgs, hsMsg{payload[0], payload[4 : 4+n]})
		payload = payload[4+n:]
	}
	return msgs
}

// ofType returns the bodies of messages of type typ.
func ofType(msgs []hsMsg, typ byte) [][]byte {
	var out [][]byte
	for _, m := range msgs {
		if m.typ == typ {
			out = append(out, m.body)
		}
	}
	return out
}
