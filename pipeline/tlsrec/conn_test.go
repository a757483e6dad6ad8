package tlsrec

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"telltale/reassembly"
)

// checkPlain asserts that every byte each side wrote came out, exactly.
func checkPlain(t *testing.T, s session, col *collector) {
	t.Helper()
	for d := 0; d < 2; d++ {
		if !bytes.Equal(col.data[d], s.sent[d]) {
			t.Errorf("dir %d: plaintext differs: got %d bytes, want %d", d, len(col.data[d]), len(s.sent[d]))
		}
		if len(col.gaps[d]) != 0 {
			t.Errorf("dir %d: unexpected gaps %v", d, col.gaps[d])
		}
	}
}

func TestDecryptGo(t *testing.T) {
	t.Setenv("GODEBUG", "tlsrsakex=1,tls3des=1")
	type tc struct {
		name    string
		version uint16
		suite   uint16
		ecdsa   bool
	}
	cases := []tc{
		{"tls13_aes128gcm", tls.VersionTLS13, tls.TLS_AES_128_GCM_SHA256, true},
		{"tls13_aes128gcm_rsa", tls.VersionTLS13, tls.TLS_AES_128_GCM_SHA256, false},
	}
	for _, s := range []struct {
		id    uint16
		ecdsa bool
	}{
		{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, false},
		{tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, false},
		{tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, false},
		{tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, false},
		{tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, false},
		{tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256, false},
		{tls.TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA, false},
		{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, true},
		{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, true},
		{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, true},
		{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, true},
		{tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, true},
		{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, true},
		{tls.TLS_RSA_WITH_AES_128_GCM_SHA256, false},
		{tls.TLS_RSA_WITH_AES_256_GCM_SHA384, false},
		{tls.TLS_RSA_WITH_AES_128_CBC_SHA, false},
		{tls.TLS_RSA_WITH_AES_256_CBC_SHA, false},
		{tls.TLS_RSA_WITH_AES_128_CBC_SHA256, false},
		{tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA, false},
	} {
		cases = append(cases, tc{name: "tls12_" + tls.CipherSuiteName(s.id), version: tls.VersionTLS12, suite: s.id, ecdsa: s.ecdsa})
	}
	// TLS 1.0 and 1.1: the MD5+SHA1 PRF, and in 1.0 the chained CBC IV.
	cases = append(cases,
		tc{name: "tls10_aes128cbc", version: tls.VersionTLS10, suite: tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA},
		tc{name: "tls11_aes256cbc", version: tls.VersionTLS11, suite: tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, ecdsa: true},
		tc{name: "tls10_3des", version: tls.VersionTLS10, suite: tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA},
	)
	ex := testExchanges()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cert := certs().rsa
			if c.ecdsa {
				cert = certs().ecdsa
			}
			ccfg := &tls.Config{InsecureSkipVerify: true, MinVersion: c.version, MaxVersion: c.version,
				NextProtos: []string{"h2", "http/1.1"}, ServerName: "tlsrec.test"}
			scfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: c.version, MaxVersion: c.version,
				NextProtos: []string{"http/1.1"}}
			if c.version < tls.VersionTLS13 {
				ccfg.CipherSuites = []uint16{c.suite}
				scfg.CipherSuites = []uint16{c.suite}
			}
			s := runGo(t, ccfg, scfg, ex)
			if s.state.CipherSuite != c.suite || s.state.Version != c.version {
				t.Fatalf("negotiated %x/%x, want %x/%x", s.state.Version, s.state.CipherSuite, c.version, c.suite)
			}
			col, conn, st := play(t, s.chunks, mustKeyLog(t, s.keylog), nil)
			checkPlain(t, s, col)
			in := conn.Info()
			if in.Problems != 0 {
				t.Errorf("problems %v", in.Problems.Names())
			}
			if in.Version != c.version || in.CipherSuite != c.suite || in.ALPN != "http/1.1" ||
				!in.KeysFound || !in.Decrypted || in.Resumed || in.HelloRetry || in.Client != reassembly.ClientToServer {
				t.Errorf("info %+v", *in)
			}
			if in.Hello == nil || in.Hello.ServerName != "tlsrec.test" || in.Server == nil {
				t.Errorf("hello %+v server %+v", in.Hello, in.Server)
			}
			for d := 0; d < 2; d++ {
				if in.DecryptedBytes[d] != int64(len(s.sent[d])) || in.UndecryptedBytes[d] != 0 || in.AppDataBytes[d] <= in.DecryptedBytes[d] {
					t.Errorf("dir %d: app %d decrypted %d undecrypted %d", d, in.AppDataBytes[d], in.DecryptedBytes[d], in.UndecryptedBytes[d])
				}
			}
			if in.DecryptErrors != 0 || st.DecryptErrors != 0 || st.DecryptedConns != 1 {
				t.Errorf("decrypt errors %d, stats %+v", in.DecryptErrors, st)
			}
			// close_notify from both sides.
			if in.Alerts != 2 {
				t.Errorf("alerts %d, want 2", in.Alerts)
			}
			// The records counted are the records on the wire.
			for d := 0; d < 2; d++ {
				if want := countRecords(s.chunks, reassembly.Dir(d)); in.Records[d] != want {
					t.Errorf("dir %d: %d records, want %d", d, in.Records[d], want)
				}
			}
		})
	}
}

// countRecords walks one direction's stream by record headers.
func countRecords(chunks []chunk, dir reassembly.Dir) int64 {
	var all []byte
	for _, c := range chunks {
		if c.dir == dir {
			all = append(all, c.b...)
		}
	}
	var n int64
	for len(all) >= 5 {
		all = all[5+(int(all[3])<<8|int(all[4])):]
		n++
	}
	return n
}

func goPair(version uint16) (*tls.Config, *tls.Config) {
	ccfg := &tls.Config{InsecureSkipVerify: true, MinVersion: version, MaxVersion: version, ServerName: "tlsrec.test"}
	scfg := &tls.Config{Certificates: []tls.Certificate{certs().ecdsa}, MinVersion: version, MaxVersion: version}
	return ccfg, scfg
}

func TestSplitDelivery(t *testing.T) {
	for _, v := range []uint16{tls.VersionTLS13, tls.VersionTLS12} {
		ccfg, scfg := goPair(v)
		s := runGo(t, ccfg, scfg, testExchanges())
		keys := mustKeyLog(t, s.keylog)
		rng := rand.New(rand.NewPCG(1, uint64(v)))
		for name, split := range map[string]func(int) int{
			"one_byte": func(int) int { return 1 },
			"random":   func(n int) int { return 1 + rng.IntN(min(n, 3000)) },
			"header_4": func(int) int { return 4 },
		} {
			t.Run(fmt.Sprintf("%x/%s", v, name), func(t *testing.T) {
				col, conn, _ := play(t, s.chunks, keys, split)
				checkPlain(t, s, col)
				if p := conn.Info().Problems; p != 0 {
					t.Errorf("problems %v", p.Names())
				}
			})
		}
		// Everything of a direction in one call, directions in causal
		// order (client first, as a pipeline that saw the whole flow would
		// not do, but a valid order all the same).
		t.Run(fmt.Sprintf("%x/merged", v), func(t *testing.T) {
			var merged []chunk
			for _, c := range s.chunks {
				if n := len(merged); n > 0 && merged[n-1].dir == c.dir {
					merged[n-1].b = append(merged[n-1].b, c.b...)
					continue
				}
				merged = append(merged, chunk{c.dir, append([]byte(nil), c.b...)})
			}
			col, _, _ := play(t, merged, keys, nil)
			checkPlain(t, s, col)
		})
	}
}

func TestNoKeys(t *testing.T) {
	for _, v := range []uint16{tls.VersionTLS13, tls.VersionTLS12} {
		ccfg, scfg := goPair(v)
		ccfg.NextProtos = []string{"http/1.1"}
		scfg.NextProtos = []string{"http/1.1"}
		s := runGo(t, ccfg, scfg, testExchanges())
		for _, keys := range []*KeyLog{nil, NewKeyLog()} {
			col, conn, st := play(t, s.chunks, keys, nil)
			in := conn.Info()
			if len(col.data[0])+len(col.data[1]) != 0 {
				t.Errorf("%x: plaintext without keys", v)
			}
			if in.Problems != FlagNoKeys || in.KeysFound || in.Decrypted || in.DecryptErrors != 0 {
				t.Errorf("%x: problems %v info %+v", v, in.Problems.Names(), *in)
			}
			if in.Version != v || in.CipherSuite != s.state.CipherSuite || in.Hello == nil || in.Server == nil {
				t.Errorf("%x: metadata %+v", v, *in)
			}
			// TLS 1.3 hides ALPN in the encrypted extensions.
			if wantALPN := map[bool]string{true: "", false: "http/1.1"}[v == tls.VersionTLS13]; in.ALPN != wantALPN {
				t.Errorf("%x: ALPN %q", v, in.ALPN)
			}
			for d := 0; d < 2; d++ {
				if in.UndecryptedBytes[d] != in.AppDataBytes[d] || in.AppDataBytes[d] <= int64(len(s.sent[d])) {
					t.Errorf("%x dir %d: app %d undecrypted %d", v, d, in.AppDataBytes[d], in.UndecryptedBytes[d])
				}
			}
			if st.NoKeys != 1 || st.Conns != 1 || st.KeysFound != 0 {
				t.Errorf("stats %+v", st)
			}
		}
	}
}

// corrupt returns the key log with every secret's first byte flipped.
func corrupt(keylog []byte) []byte {
	var out []byte
	for _, line := range bytes.Split(keylog, []byte("\n")) {
		f := bytes.Fields(line)
		if len(f) != 3 {
			continue
		}
		sec := []byte(string(f[2]))
		if sec[0] == '0' {
			sec[0] = '1'
		} else {
			sec[0] = '0'
		}
		out = fmt.Appendf(out, "%s %s %s\n", f[0], f[1], sec)
	}
	return out
}

func TestWrongKeys(t *testing.T) {
	for _, v := range []uint16{tls.VersionTLS13, tls.VersionTLS12} {
		ccfg, scfg := goPair(v)
		s := runGo(t, ccfg, scfg, testExchanges())
		col, conn, st := play(t, s.chunks, mustKeyLog(t, corrupt(s.keylog)), nil)
		in := conn.Info()
		if len(col.data[0])+len(col.data[1]) != 0 {
			t.Errorf("%x: unauthenticated plaintext delivered", v)
		}
		if !in.KeysFound || in.Decrypted || in.DecryptErrors == 0 || in.Problems&FlagDecryptError == 0 ||
			in.Problems&^(FlagDecryptError) != 0 || st.DecryptErrors != in.DecryptErrors {
			t.Errorf("%x: %v %+v", v, in.Problems.Names(), *in)
		}
		for d := 0; d < 2; d++ {
			if in.UndecryptedBytes[d] != in.AppDataBytes[d] || in.AppDataBytes[d] < int64(len(s.sent[d])) {
				t.Errorf("%x dir %d: app %d undecrypted %d", v, d, in.AppDataBytes[d], in.UndecryptedBytes[d])
			}
		}
	}
}

// TestTrafficSecretsOnly: a key log with only the *_TRAFFIC_SECRET_0 lines
// (some tools log no handshake secrets) still decrypts the application data.
func TestTrafficSecretsOnly(t *testing.T) {
	ccfg, scfg := goPair(tls.VersionTLS13)
	s := runGo(t, ccfg, scfg, testExchanges())
	var kl []byte
	for _, line := range bytes.SplitAfter(s.keylog, []byte("\n")) {
		if bytes.Contains(line, []byte("_TRAFFIC_SECRET_0 ")) {
			kl = append(kl, line...)
		}
	}
	col, conn, st := play(t, s.chunks, mustKeyLog(t, kl), nil)
	checkPlain(t, s, col)
	in := conn.Info()
	if in.Problems != 0 || !in.Decrypted || in.DecryptErrors != 0 {
		t.Errorf("problems %v info %+v", in.Problems.Names(), *in)
	}
	// The server's EncryptedExtensions..Finished and the client's
	// Finished were passed over.
	if st.SkippedHSRecords < 2 {
		t.Errorf("skipped handshake records %d", st.SkippedHSRecords)
	}
}

func TestResumption(t *testing.T) {
	for _, v := range []uint16{tls.VersionTLS13, tls.VersionTLS12} {
		ccfg, scfg := goPair(v)
		ccfg.ClientSessionCache = tls.NewLRUClientSessionCache(4)
		ex := testExchanges()[:1]
		runGo(t, ccfg, scfg, ex)
		s := runGo(t, ccfg, scfg, ex)
		if !s.state.DidResume {
			t.Fatalf("%x: did not resume", v)
		}
		keys := NewKeyLog()
		keys.Load(bytes.NewReader(s.keylog))
		col, conn, _ := play(t, s.chunks, keys, nil)
		in := conn.Info()
		if !in.Resumed {
			t.Errorf("%x: not flagged resumed", v)
		}
		if v == tls.VersionTLS13 {
			checkPlain(t, s, col)
			if in.Problems != 0 || !in.Hello.PSK || !in.Server.PSK {
				t.Errorf("problems %v", in.Problems.Names())
			}
		} else {
			// crypto/tls logs no CLIENT_RANDOM for a resumed TLS 1.2
			// session: the master secret is that of the first one.
			if len(s.keylog) != 0 || in.Problems != FlagNoKeys {
				t.Errorf("%x: keylog %q problems %v", v, s.keylog, in.Problems.Names())
			}
		}
	}
}

func TestHelloRetry(t *testing.T) {
	ccfg, scfg := goPair(tls.VersionTLS13)
	scfg.CurvePreferences = []tls.CurveID{tls.CurveP521}
	s := runGo(t, ccfg, scfg, testExchanges())
	col, conn, _ := play(t, s.chunks, mustKeyLog(t, s.keylog), nil)
	checkPlain(t, s, col)
	in := conn.Info()
	if !in.HelloRetry || in.Problems != 0 || in.Version != tls.VersionTLS13 || in.Server.HelloRetryRequest {
		t.Errorf("problems %v info %+v", in.Problems.Names(), *in)
	}
}

// TestSwappedDirections: the reassembler may label the server as the
// client (no handshake seen); the ClientHello decides.
func TestSwappedDirections(t *testing.T) {
	ccfg, scfg := goPair(tls.VersionTLS13)
	s := runGo(t, ccfg, scfg, testExchanges())
	sw := make([]chunk, len(s.chunks))
	for i, c := range s.chunks {
		sw[i] = chunk{c.dir ^ 1, c.b}
	}
	col, conn, _ := play(t, sw, mustKeyLog(t, s.keylog), nil)
	if conn.Info().Client != reassembly.ServerToClient {
		t.Errorf("client %v", conn.Info().Client)
	}
	if !bytes.Equal(col.data[1], s.sent[0]) || !bytes.Equal(col.data[0], s.sent[1]) {
		t.Errorf("swapped plaintext differs")
	}
}

// streamOf concatenates one direction.
func streamOf(chunks []chunk, dir reassembly.Dir) []byte {
	var all []byte
	for _, c := range chunks {
		if c.dir == dir {
			all = append(all, c.b...)
		}
	}
	return all
}

// TestGap cuts bytes out of the server's stream inside the big response
// and checks that decryption resumes on the records after the hole, with
// exactly the plaintext of the records that survived on each side.
func TestGap(t *testing.T) {
	for _, v := range []uint16{tls.VersionTLS13, tls.VersionTLS12} {
		ccfg, scfg := goPair(v)
		if v == tls.VersionTLS12 {
			ccfg.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}
		}
		s := runGo(t, ccfg, scfg, testExchanges())
		keys := mustKeyLog(t, s.keylog)
		srv := streamOf(s.chunks, reassembly.ServerToClient)
		// Find the record boundaries of the server stream.
		var starts []int
		for off := 0; off+5 <= len(srv); off += 5 + (int(srv[off+3])<<8 | int(srv[off+4])) {
			starts = append(starts, off)
		}
		ov := 17 // TLS 1.3: tag and inner type
		if v == tls.VersionTLS12 {
			ov = 16
		}
		plainLen := func(i int) int { return int(srv[starts[i]+3])<<8 | int(srv[starts[i]+4]) - ov }
		// Cut from inside the record holding the middle of the stream (in
		// the big response) to inside the next one.
		k := 0
		for k+1 < len(starts) && starts[k+1] <= len(srv)/2 {
			k++
		}
		from, to := starts[k]+10, starts[k+1]+10
		lost := plainLen(k) + plainLen(k+1)
		after := 0
		for i := k + 2; i < len(starts); i++ {
			if srv[starts[i]] != typeApplicationData || (v == tls.VersionTLS13 && i == len(starts)-1 && plainLen(i) == 2) {
				continue // close_notify
			}
			after += plainLen(i)
		}
		want := append([]byte(nil), s.sent[1][:len(s.sent[1])-lost-after]...)
		want = append(want, s.sent[1][len(s.sent[1])-after:]...)
		for _, split := range []int{0, 7} {
			col := &collector{t: t}
			conn := NewConn(Config{Keys: keys}, col, nil)
			feed := func(dir reassembly.Dir, b []byte, off int) {
				for len(b) > 0 {
					n := len(b)
					if split > 0 {
						n = min(n, split)
					}
					conn.Data(dir, b[:n], reassembly.Position{Offset: int64(off)})
					b, off = b[n:], off+n
				}
			}
			var soff, coff int
			for _, c := range s.chunks {
				if c.dir == reassembly.ClientToServer {
					feed(c.dir, c.b, coff)
					coff += len(c.b)
					continue
				}
				b := c.b
				lo, hi := soff, soff+len(b)
				soff = hi
				switch {
				case hi <= from || lo >= to:
					feed(c.dir, b, lo)
				default:
					if lo < from {
						feed(c.dir, b[:from-lo], lo)
					}
					if lo <= from && from < hi {
						conn.Gap(c.dir, int64(to-from), reassembly.Position{Offset: int64(from)})
					}
					if hi > to {
						feed(c.dir, b[to-lo:], to)
					}
				}
			}
			conn.End()
			in := conn.Info()
			if !bytes.Equal(col.data[0], s.sent[0]) {
				t.Errorf("%x: client plaintext differs", v)
			}
			if !bytes.Equal(col.data[1], want) {
				t.Errorf("%x split %d: server plaintext: got %d bytes, want %d (lost %d, after %d)", v, split, len(col.data[1]), len(want), lost, after)
			}
			// The gap reported is the ciphertext lost: the hole plus the
			// parts of the two records around it.
			if len(col.gaps[1]) != 1 || col.gaps[1][0] != int64(starts[k+2]-starts[k]) {
				t.Errorf("%x: gaps %v, want [%d]", v, col.gaps[1], starts[k+2]-starts[k])
			}
			if in.Problems != FlagGap || in.DecryptErrors != 0 || in.Alerts != 2 {
				t.Errorf("%x: problems %v errors %d alerts %d", v, in.Problems.Names(), in.DecryptErrors, in.Alerts)
			}
		}
	}
}

func prefixLen(a, b []byte) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

func TestLooks(t *testing.T) {
	for _, c := range []struct {
		b    []byte
		want bool
	}{
		{[]byte{0x16, 3, 1, 0, 200, 1}, true},
		{[]byte{0x16, 3, 3, 0x48, 0}, true},
		{[]byte{0x15, 3, 3, 0, 2}, true},
		{[]byte{0x17, 3, 3, 0x40, 0x11}, true},
		{[]byte{0x17, 3, 3, 0x48, 0x01}, false}, // over 2^14+2048
		{[]byte{0x16, 3, 5, 0, 10}, false},
		{[]byte{0x16, 2, 0, 0, 10}, false},
		{[]byte{0x16, 3, 1, 0, 0}, false},
		{[]byte{0x18, 3, 3, 0, 10}, false},
		{[]byte("GET / HTTP/1.1\r\n"), false},
		{[]byte("PRI * HTTP/2.0"), false},
		{[]byte{0x16, 3, 1, 0}, false},
	} {
		if got := Looks(c.b); got != c.want {
			t.Errorf("Looks(% x) = %v", c.b, got)
		}
	}
}

func TestFlagsNames(t *testing.T) {
	f := FlagNoKeys | FlagGap | FlagEarlyData
	if got := f.Names(); !slices.Equal(got, []string{"no_keys", "gap", "early_data"}) {
		t.Errorf("%v", got)
	}
	if Flags(0).Names() != nil {
		t.Error("zero flags have names")
	}
}

func TestCountersStable(t *testing.T) {
	st := &Stats{Records: 3, DecryptErrors: 2}
	seen := map[string]bool{}
	for _, c := range st.Counters() {
		if seen[c.Name] || len(c.Name) < 5 || c.Name[:4] != "tls." {
			t.Errorf("bad counter name %q", c.Name)
		}
		seen[c.Name] = true
		if c.Name == "tls.records" && c.Value != 3 || c.Name == "tls.decrypt_errors" && c.Value != 2 {
			t.Errorf("%s = %d", c.Name, c.Value)
		}
	}
}
