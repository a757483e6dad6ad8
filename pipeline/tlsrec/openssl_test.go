package tlsrec

import (
	"bytes"
	"crypto/tls"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"telltale/reassembly"
)

// lenientKeyLog loads a key log from another program, which may log
// labels this package has no use for (EXPORTER_SECRET).
func lenientKeyLog(t *testing.T, path string) *KeyLog {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	k := NewKeyLog()
	if _, err := k.Load(bytes.NewReader(b)); err != nil || k.Len() != 1 {
		t.Fatalf("key log: %d randoms, err %v:\n%s", k.Len(), err, b)
	}
	return k
}

func needOpenSSL(t *testing.T) string {
	p, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed")
	}
	return p
}

// waitFor polls cond (the peers run in other processes) for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for i := 0; i < 1000; i++ {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// TestOpenSSLClient13 decrypts TLS 1.3 suites Go's client will not pick
// on its own, from openssl s_client against a Go server, with a KeyUpdate
// (requested, so both sides roll their keys) in the middle.
func TestOpenSSLClient13(t *testing.T) {
	openssl := needOpenSSL(t)
	for _, c := range []struct {
		suite     string
		id        uint16
		keyUpdate bool
	}{
		{"TLS_AES_256_GCM_SHA384", tls.TLS_AES_256_GCM_SHA384, true},
		{"TLS_CHACHA20_POLY1305_SHA256", tls.TLS_CHACHA20_POLY1305_SHA256, true},
		{"TLS_AES_128_GCM_SHA256", tls.TLS_AES_128_GCM_SHA256, false},
	} {
		t.Run(c.suite, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			rec := &recorder{}
			scfg := &tls.Config{Certificates: []tls.Certificate{certs().ecdsa}, NextProtos: []string{"http/1.1"}}
			got := make(chan string, 4)
			go func() {
				raw, err := ln.Accept()
				if err != nil {
					got <- "accept: " + err.Error()
					return
				}
				srv := tls.Server(&recConn{Conn: raw, rec: rec, in: reassembly.ClientToServer}, scfg)
				defer srv.Close()
				buf := make([]byte, 6)
				for _, want := range []string{"hello\n", "world\n"} {
					if _, err := io.ReadFull(srv, buf); err != nil || string(buf) != want {
						got <- "read: " + string(buf)
						return
					}
					got <- want
				}
				srv.Write([]byte("bye\n"))
				io.Copy(io.Discard, srv)
			}()
			kl := filepath.Join(t.TempDir(), "keys")
			cmd := exec.Command(openssl, "s_client", "-connect", ln.Addr().String(), "-tls1_3",
				"-ciphersuites", c.suite, "-alpn", "http/1.1", "-keylogfile", kl, "-servername", "tlsrec.test")
			stdin, _ := cmd.StdinPipe()
			var out bytes.Buffer
			cmd.Stdout = &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			stdin.Write([]byte("hello\n"))
			if s := <-got; s != "hello\n" {
				t.Fatal(s)
			}
			if c.keyUpdate {
				n := len(rec.snapshot())
				stdin.Write([]byte("K\n"))
				// Wait for the client's KeyUpdate and the server's answer.
				waitFor(t, "key updates", func() bool {
					ch := rec.snapshot()
					var cl, sv bool
					for _, x := range ch[n:] {
						cl = cl || x.dir == reassembly.ClientToServer
						sv = sv || (cl && x.dir == reassembly.ServerToClient)
					}
					return sv
				})
			}
			stdin.Write([]byte("world\n"))
			if s := <-got; s != "world\n" {
				t.Fatal(s)
			}
			waitFor(t, "response", func() bool { return bytes.Contains(out.Bytes(), []byte("bye\n")) })
			stdin.Close()
			cmd.Wait()
			time.Sleep(20 * time.Millisecond) // let the server log its close_notify
			s := session{chunks: rec.snapshot()}
			s.sent[0] = []byte("hello\nworld\n")
			s.sent[1] = []byte("bye\n")
			col, conn, _ := play(t, s.chunks, lenientKeyLog(t, kl), nil)
			checkPlain(t, s, col)
			in := conn.Info()
			wantKU := int64(0)
			if c.keyUpdate {
				wantKU = 2
			}
			if in.Problems != 0 || in.CipherSuite != c.id || in.ALPN != "http/1.1" || in.KeyUpdates != wantKU || in.DecryptErrors != 0 {
				t.Errorf("problems %v info %+v", in.Problems.Names(), *in)
			}
			// One byte at a time gives the same.
			col, _, _ = play(t, s.chunks, lenientKeyLog(t, kl), func(int) int { return 1 })
			checkPlain(t, s, col)
		})
	}
}

// proxy forwards one connection from a loopback listener to target,
// recording both directions.
func proxy(t *testing.T, target string) (addr string, rec *recorder, wait func()) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rec = &recorder{}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer ln.Close()
		a, err := ln.Accept()
		if err != nil {
			return
		}
		defer a.Close()
		var b net.Conn
		for i := 0; i < 200; i++ {
			if b, err = net.Dial("tcp", target); err == nil {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		if err != nil {
			return
		}
		defer b.Close()
		var inner sync.WaitGroup
		inner.Add(2)
		cp := func(dst, src net.Conn, dir reassembly.Dir) {
			defer inner.Done()
			buf := make([]byte, 4096)
			for {
				n, err := src.Read(buf)
				if n > 0 {
					rec.add(dir, buf[:n])
					dst.Write(buf[:n])
				}
				if err != nil {
					dst.(*net.TCPConn).CloseWrite()
					return
				}
			}
		}
		go cp(b, a, reassembly.ClientToServer)
		go cp(a, b, reassembly.ServerToClient)
		inner.Wait()
	}()
	return ln.Addr().String(), rec, wg.Wait
}

func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

// TestOpenSSL12 covers TLS 1.2 suites and options crypto/tls lacks:
// CBC with SHA-384 (and its SHA-384 PRF), DHE key exchange, and
// Encrypt-then-MAC (RFC 7366), which OpenSSL negotiates by default for
// CBC suites. openssl s_client talks to openssl s_server -www through a
// recording proxy; s_client -quiet prints exactly the server's plaintext.
func TestOpenSSL12(t *testing.T) {
	openssl := needOpenSSL(t)
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, certs().rsaPEM[0], 0o600)
	os.WriteFile(keyFile, certs().rsaPEM[1], 0o600)
	for _, c := range []struct {
		cipher string
		id     uint16
		noEtM  bool
	}{
		{"ECDHE-RSA-AES256-SHA384", 0xc028, false},
		{"ECDHE-RSA-AES256-SHA384", 0xc028, true},
		{"ECDHE-RSA-AES128-SHA", 0xc013, false},
		{"DHE-RSA-AES256-SHA256", 0x006b, false},
		{"DHE-RSA-AES128-GCM-SHA256", 0x009e, false},
		{"DHE-RSA-AES256-GCM-SHA384", 0x009f, false},
		{"DHE-RSA-CHACHA20-POLY1305", 0xccaa, false},
		{"AES256-SHA", 0x0035, false},
	} {
		name := c.cipher
		if c.noEtM {
			name += "_noetm"
		}
		t.Run(name, func(t *testing.T) {
			port := freePort(t)
			args := []string{"s_server", "-accept", "127.0.0.1:" + port, "-cert", certFile, "-key", keyFile,
				"-www", "-tls1_2", "-cipher", c.cipher + ":@SECLEVEL=0", "-naccept", "1", "-quiet"}
			if c.noEtM {
				args = append(args, "-no_etm")
			}
			srv := exec.Command(openssl, args...)
			if err := srv.Start(); err != nil {
				t.Fatal(err)
			}
			defer srv.Process.Kill()
			addr, rec, wait := proxy(t, "127.0.0.1:"+port)
			kl := filepath.Join(dir, name+".keys")
			req := "GET / HTTP/1.0\r\n\r\n"
			cl := exec.Command(openssl, "s_client", "-connect", addr, "-quiet", "-tls1_2",
				"-cipher", c.cipher+":@SECLEVEL=0", "-keylogfile", kl)
			cl.Stdin = bytes.NewReader([]byte(req))
			var out bytes.Buffer
			cl.Stdout = &out
			if err := cl.Run(); err != nil {
				t.Fatalf("s_client: %v", err)
			}
			wait()
			s := session{chunks: rec.snapshot()}
			s.sent[0] = []byte(req)
			s.sent[1] = out.Bytes()
			if !bytes.HasPrefix(s.sent[1], []byte("HTTP/1.0 200 ok\r\n")) {
				t.Fatalf("s_client got %q", s.sent[1])
			}
			col, conn, _ := play(t, s.chunks, lenientKeyLog(t, kl), nil)
			checkPlain(t, s, col)
			in := conn.Info()
			if in.Problems != 0 || in.CipherSuite != c.id || in.Version != tls.VersionTLS12 || in.DecryptErrors != 0 {
				t.Errorf("problems %v info %+v", in.Problems.Names(), *in)
			}
			if etm := in.Server.EncryptThenMAC; etm != (!c.noEtM && c.id != 0x009e && c.id != 0x009f && c.id != 0xccaa) {
				t.Errorf("EncryptThenMAC = %v", etm)
			}
		})
	}
}
