package main

import (
	"bytes"
	"compress/gzip"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/h2c"
)

// seen is one request as a server received it.
type seen struct {
	caseName string
	proto    string // r.Proto
	method   string
	uri      string
	host     string // Host or :authority without the port
	sha      string // sha256 of the body after undoing Content-Encoding
	remote   string
	version  uint16 // 0 without TLS
	suite    uint16
	sni      string
}

// recorder is the handler of every HTTP server: it answers {"status":0} and
// keeps what it received so the generator can check it against the plan.
type recorder struct {
	mu   sync.Mutex
	seen []seen
	errs []string
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err == nil && r.Header.Get("Content-Encoding") == "gzip" {
		var zr *gzip.Reader
		if zr, err = gzip.NewReader(bytes.NewReader(body)); err == nil {
			body, err = io.ReadAll(zr)
		}
	}
	sum := sha256.Sum256(body)
	host, _, splitErr := net.SplitHostPort(r.Host)
	if splitErr != nil {
		host = r.Host
	}
	s := seen{
		caseName: r.Header.Get("X-Telltale-Case"),
		proto:    r.Proto,
		method:   r.Method,
		uri:      r.RequestURI,
		host:     host,
		sha:      hex.EncodeToString(sum[:]),
		remote:   r.RemoteAddr,
	}
	if r.TLS != nil {
		s.version, s.suite, s.sni = r.TLS.Version, r.TLS.CipherSuite, r.TLS.ServerName
	}
	rec.mu.Lock()
	if err != nil {
		rec.errs = append(rec.errs, fmt.Sprintf("%s %s: reading body: %v", r.Method, r.RequestURI, err))
	}
	rec.seen = append(rec.seen, s)
	rec.mu.Unlock()
	w.Header()["Date"] = nil // no Date: responses are the same every run
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"status":0}`)
}

// take returns and forgets what the servers received so far.
func (rec *recorder) take() ([]seen, []string) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	s, e := rec.seen, rec.errs
	rec.seen, rec.errs = nil, nil
	return s, e
}

// Write collects the servers' error log lines (TLS handshake errors and the
// like): any of them fails the run.
func (rec *recorder) Write(p []byte) (int, error) {
	rec.mu.Lock()
	rec.errs = append(rec.errs, strings.TrimSpace(string(p)))
	rec.mu.Unlock()
	return len(p), nil
}

// certs makes a self-signed RSA and a self-signed ECDSA certificate for
// every host name; each is its own root so clients can verify it.
func certs(names []string) (rsaCert, ecCert tls.Certificate, pool *x509.CertPool, err error) {
	pool = x509.NewCertPool()
	mk := func(serial int64, pub, priv any) (tls.Certificate, error) {
		tmpl := &x509.Certificate{
			SerialNumber:          big.NewInt(serial),
			Subject:               pkix.Name{CommonName: "telltale tlsgen", Organization: []string{"telltale samples"}},
			NotBefore:             time.Now().Add(-time.Hour),
			NotAfter:              time.Now().Add(24 * time.Hour),
			KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment | x509.KeyUsageCertSign,
			ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
			BasicConstraintsValid: true,
			IsCA:                  true,
			DNSNames:              names,
			IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv)
		if err != nil {
			return tls.Certificate{}, err
		}
		leaf, err := x509.ParseCertificate(der)
		if err != nil {
			return tls.Certificate{}, err
		}
		pool.AddCert(leaf)
		return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: priv, Leaf: leaf}, nil
	}
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return
	}
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return
	}
	if rsaCert, err = mk(1, &rk.PublicKey, rk); err != nil {
		return
	}
	ecCert, err = mk(2, &ek.PublicKey, ek)
	return
}

// serverSuites are the TLS 1.2 suites the HTTPS server accepts: the ones
// the cases ask for, including the insecure CBC_SHA256 and RSA key exchange
// ones, which are not in Go's defaults and must be listed explicitly.
var serverSuites = []uint16{
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
	tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
	tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256,
	tls.TLS_RSA_WITH_AES_128_GCM_SHA256,
}

// servers holds every listener the cases talk to.
type servers struct {
	rec     *recorder
	http    []*http.Server
	raw     net.Listener
	rawErr  chan error
	rawRecv chan []byte
}

func listen(port int) (net.Listener, error) {
	ln, err := net.Listen("tcp4", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return nil, fmt.Errorf("listen on port %d: %w (is another tlsgen running?)", port, err)
	}
	return ln, nil
}

// startServers starts the HTTPS server, the three cleartext servers and the
// raw TCP listener.
func startServers(rsaCert, ecCert tls.Certificate) (*servers, error) {
	rec := &recorder{}
	s := &servers{rec: rec, rawErr: make(chan error, 1), rawRecv: make(chan []byte, 1)}
	errLog := log.New(rec, "", 0)

	tlsLn, err := listen(portTLS)
	if err != nil {
		return nil, err
	}
	tlsSrv := &http.Server{
		Handler:  rec,
		ErrorLog: errLog,
		TLSConfig: &tls.Config{
			Certificates: []tls.Certificate{rsaCert, ecCert}, // RSA first: chosen unless the client can only do ECDSA
			NextProtos:   []string{"h2", "http/1.1"},
			MinVersion:   tls.VersionTLS12,
			CipherSuites: serverSuites,
		},
	}
	go tlsSrv.ServeTLS(tlsLn, "", "")

	clearLn, err := listen(portClear)
	if err != nil {
		return nil, err
	}
	clearSrv := &http.Server{Handler: rec, ErrorLog: errLog}
	clearSrv.Protocols = new(http.Protocols)
	clearSrv.Protocols.SetHTTP1(true)
	go clearSrv.Serve(clearLn)

	priorLn, err := listen(portPrior)
	if err != nil {
		return nil, err
	}
	priorSrv := &http.Server{Handler: rec, ErrorLog: errLog}
	priorSrv.Protocols = new(http.Protocols)
	priorSrv.Protocols.SetHTTP1(true)
	priorSrv.Protocols.SetUnencryptedHTTP2(true)
	go priorSrv.Serve(priorLn)

	upLn, err := listen(portUpgrade)
	if err != nil {
		return nil, err
	}
	// net/http serves h2c only with prior knowledge; the Upgrade dance needs
	// x/net's (deprecated, still working) h2c handler.
	upSrv := &http.Server{Handler: h2c.NewHandler(rec, &http2.Server{}), ErrorLog: errLog}
	go upSrv.Serve(upLn)

	s.http = []*http.Server{tlsSrv, clearSrv, priorSrv, upSrv}
	if s.raw, err = listen(portRaw); err != nil {
		return nil, err
	}
	go s.serveRaw()
	return s, nil
}

// rawReply is what the raw TCP server answers: not HTTP, not TLS.
var (
	rawRequest = append([]byte{0x00, 0x2a, 0x54, 0x54, 0x01, 0xfe}, "telltale raw tcp probe: not http, not tls"...)
	rawReply   = []byte{0x00, 0x04, 0x4f, 0x4b, 0x0d, 0x0a}
)

// serveRaw accepts raw TCP connections: read to EOF, answer, close.
func (s *servers) serveRaw() {
	for {
		c, err := s.raw.Accept()
		if err != nil {
			return
		}
		b, err := io.ReadAll(c)
		if err == nil {
			_, err = c.Write(rawReply)
		}
		c.Close()
		if err != nil {
			s.rawErr <- err
			continue
		}
		s.rawRecv <- b
	}
}

func (s *servers) close() {
	for _, h := range s.http {
		h.Close()
	}
	if s.raw != nil {
		s.raw.Close()
	}
}
