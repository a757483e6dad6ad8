package tlshello

import (
	"crypto/tls"
	"errors"
	"slices"
	"testing"
)

// TestCryptoTLSHandshakes parses the cleartext hellos of real crypto/tls
// handshakes and compares every field with what crypto/tls itself saw:
// the server's ClientHelloInfo for the ClientHello, the client's
// ConnectionState for the ServerHello.
func TestCryptoTLSHandshakes(t *testing.T) {
	cert := testCert(t)
	base := &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2", "http/1.1"}}
	tests := []struct {
		name       string
		client     *tls.Config
		server     func(*tls.Config)
		wantVer    uint16
		wantHRR    bool
		wantSNI    string
		wantALPN   string
		wantSuites []uint16 // nil: not checked beyond ClientHelloInfo
	}{
		{
			name:     "tls13",
			client:   &tls.Config{ServerName: "example.test", NextProtos: []string{"h2", "http/1.1"}},
			wantVer:  tls.VersionTLS13,
			wantSNI:  "example.test",
			wantALPN: "h2",
		},
		{
			name: "tls12 explicit suites, no sni, no alpn",
			client: &tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{
				tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}},
			wantVer:    tls.VersionTLS12,
			wantSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256},
		},
		{
			name:     "tls12 alpn in server hello",
			client:   &tls.Config{MaxVersion: tls.VersionTLS12, ServerName: "example.test", NextProtos: []string{"http/1.1"}},
			wantVer:  tls.VersionTLS12,
			wantSNI:  "example.test",
			wantALPN: "http/1.1",
		},
		{
			name:     "tls13 hello retry",
			client:   &tls.Config{ServerName: "example.test"},
			server:   func(c *tls.Config) { c.CurvePreferences = []tls.CurveID{tls.CurveP384} },
			wantVer:  tls.VersionTLS13,
			wantHRR:  true,
			wantSNI:  "example.test",
			wantALPN: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client := tt.client.Clone()
			client.InsecureSkipVerify = true
			server := base.Clone()
			if tt.server != nil {
				tt.server(server)
			}
			res := handshake(t, client, server)
			if res.state.Version != tt.wantVer || res.state.HelloRetryRequest != tt.wantHRR {
				t.Fatalf("handshake gave version %x hrr %v; test setup is wrong", res.state.Version, res.state.HelloRetryRequest)
			}
			tls13 := tt.wantVer == tls.VersionTLS13
			cmsgs := cleartextMessages(t, res.c2s, tls13)
			smsgs := cleartextMessages(t, res.s2c, tls13)
			chs := ofType(cmsgs, TypeClientHello)
			shs := ofType(smsgs, TypeServerHello)
			wantHellos := 1
			if tt.wantHRR {
				wantHellos = 2
			}
			if len(chs) != wantHellos || len(shs) != wantHellos {
				t.Fatalf("got %d client and %d server hellos, want %d each", len(chs), len(shs), wantHellos)
			}
			info := res.infos[0]
			for i, body := range chs {
				ch, err := ParseClientHello(body)
				if err != nil {
					t.Fatalf("client hello %d: %v", i, err)
				}
				checkClientHello(t, ch, info)
				if ch.ServerName != tt.wantSNI {
					t.Errorf("ServerName = %q, want %q", ch.ServerName, tt.wantSNI)
				}
				// crypto/tls orders suites by its own preference.
				if tt.wantSuites != nil && !slices.Equal(slices.Sorted(slices.Values(withoutTLS13(ch.CipherSuites))), tt.wantSuites) {
					t.Errorf("CipherSuites = %x, want %x (+TLS 1.3 suites)", ch.CipherSuites, tt.wantSuites)
				}
			}
			ch0, _ := ParseClientHello(chs[0])
			for i, body := range shs {
				sh, err := ParseServerHello(body)
				if err != nil {
					t.Fatalf("server hello %d: %v", i, err)
				}
				hrr := tt.wantHRR && i == 0
				if sh.HelloRetryRequest != hrr {
					t.Errorf("hello %d: HelloRetryRequest = %v, want %v", i, sh.HelloRetryRequest, hrr)
				}
				if sh.Version() != res.state.Version || sh.CipherSuite != res.state.CipherSuite {
					t.Errorf("hello %d: version %x suite %x, crypto/tls negotiated %x %x",
						i, sh.Version(), sh.CipherSuite, res.state.Version, res.state.CipherSuite)
				}
				if tls13 {
					if sh.LegacyVersion != tls.VersionTLS12 || sh.SupportedVersion != tls.VersionTLS13 {
						t.Errorf("hello %d: legacy %x supported %x", i, sh.LegacyVersion, sh.SupportedVersion)
					}
					// RFC 8446 4.1.3: legacy_session_id_echo.
					if !slices.Equal(sh.SessionID, ch0.SessionID) || len(sh.SessionID) != 32 {
						t.Errorf("hello %d: session id %x not the client's %x", i, sh.SessionID, ch0.SessionID)
					}
					if sh.ALPN != "" || sh.ExtendedMasterSecret {
						t.Errorf("hello %d: TLS 1.3 ServerHello with ALPN %q EMS %v", i, sh.ALPN, sh.ExtendedMasterSecret)
					}
				} else {
					if sh.ALPN != res.state.NegotiatedProtocol || sh.ALPN != tt.wantALPN {
						t.Errorf("ALPN = %q, crypto/tls %q, want %q", sh.ALPN, res.state.NegotiatedProtocol, tt.wantALPN)
					}
					// Go offers and accepts extended master secret.
					if !sh.ExtendedMasterSecret || sh.EncryptThenMAC {
						t.Errorf("EMS %v EtM %v, want true false", sh.ExtendedMasterSecret, sh.EncryptThenMAC)
					}
				}
				if sh.PSK {
					t.Errorf("hello %d: PSK on a full handshake", i)
				}
			}
			if !tt.wantHRR {
				return
			}
			// The retried hello must differ only as RFC 8446 4.1.2 allows
			// (key_share, cookie, PSK); crypto/tls keeps its random.
			a, _ := ParseClientHello(chs[0])
			b, _ := ParseClientHello(chs[1])
			if a.Random != b.Random || !slices.Equal(a.CipherSuites, b.CipherSuites) {
				t.Errorf("retried hello changed random or suites")
			}
		})
	}
}

// checkClientHello compares a parsed hello with crypto/tls's view of it.
func checkClientHello(t *testing.T, ch *ClientHello, info *tls.ClientHelloInfo) {
	t.Helper()
	if ch.LegacyVersion != tls.VersionTLS12 {
		t.Errorf("LegacyVersion = %x", ch.LegacyVersion)
	}
	if !slices.Equal(ch.CipherSuites, info.CipherSuites) {
		t.Errorf("CipherSuites = %x, crypto/tls saw %x", ch.CipherSuites, info.CipherSuites)
	}
	if ch.ServerName != info.ServerName {
		t.Errorf("ServerName = %q, crypto/tls saw %q", ch.ServerName, info.ServerName)
	}
	if !slices.Equal(ch.ALPN, info.SupportedProtos) {
		t.Errorf("ALPN = %q, crypto/tls saw %q", ch.ALPN, info.SupportedProtos)
	}
	if !slices.Equal(ch.SupportedVersions, info.SupportedVersions) {
		t.Errorf("SupportedVersions = %x, crypto/tls saw %x", ch.SupportedVersions, info.SupportedVersions)
	}
	if !equalAs(ch.SignatureAlgorithms, info.SignatureSchemes) {
		t.Errorf("SignatureAlgorithms = %x, crypto/tls saw %x", ch.SignatureAlgorithms, info.SignatureSchemes)
	}
	if !equalAs(ch.SupportedGroups, info.SupportedCurves) {
		t.Errorf("SupportedGroups = %x, crypto/tls saw %x", ch.SupportedGroups, info.SupportedCurves)
	}
	if !slices.Equal(ch.ECPointFormats, info.SupportedPoints) {
		t.Errorf("ECPointFormats = %x, crypto/tls saw %x", ch.ECPointFormats, info.SupportedPoints)
	}
	if !slices.Equal(ch.Extensions, info.Extensions) {
		t.Errorf("Extensions = %d, crypto/tls saw %d", ch.Extensions, info.Extensions)
	}
	if !slices.Equal(ch.CompressionMethods, []byte{0}) {
		t.Errorf("CompressionMethods = %x", ch.CompressionMethods)
	}
}

func equalAs[T ~uint16](a []uint16, b []T) bool {
	return slices.EqualFunc(a, b, func(x uint16, y T) bool { return x == uint16(y) })
}

func withoutTLS13(s []uint16) []uint16 {
	return slices.DeleteFunc(slices.Clone(s), func(v uint16) bool { return v>>8 == 0x13 })
}

// TestResumption checks the PSK flags on a resumed TLS 1.3 handshake.
func TestResumption(t *testing.T) {
	server := &tls.Config{Certificates: []tls.Certificate{testCert(t)}}
	// handshake clones the config; fixed keys let the clones share tickets.
	server.SetSessionTicketKeys([][32]byte{{1}})
	client := &tls.Config{ServerName: "example.test", InsecureSkipVerify: true, ClientSessionCache: tls.NewLRUClientSessionCache(4)}
	first := handshake(t, client, server)
	second := handshake(t, client, server)
	if first.state.DidResume || !second.state.DidResume {
		t.Fatalf("resumed %v then %v; test setup is wrong", first.state.DidResume, second.state.DidResume)
	}
	for i, r := range []handshakeResult{first, second} {
		ch, err := ParseClientHello(ofType(cleartextMessages(t, r.c2s, true), TypeClientHello)[0])
		if err != nil {
			t.Fatal(err)
		}
		sh, err := ParseServerHello(ofType(cleartextMessages(t, r.s2c, true), TypeServerHello)[0])
		if err != nil {
			t.Fatal(err)
		}
		want := i == 1
		if ch.PSK != want || sh.PSK != want {
			t.Errorf("handshake %d: client PSK %v server PSK %v, want %v", i, ch.PSK, sh.PSK, want)
		}
		// RFC 8446 4.2.11: pre_shared_key must be the last extension.
		if want && ch.Extensions[len(ch.Extensions)-1] != extPreSharedKey {
			t.Errorf("pre_shared_key not last: %d", ch.Extensions)
		}
		if ch.EarlyData {
			t.Errorf("crypto/tls does not send early data")
		}
	}
}

// Hand-built messages for what crypto/tls never sends.

type ext struct {
	typ  uint16
	data []byte
}

func u16(v int) []byte { return []byte{byte(v >> 8), byte(v)} }

func vec8(parts ...[]byte) []byte {
	b := slices.Concat(parts...)
	return append([]byte{byte(len(b))}, b...)
}

func vec16(parts ...[]byte) []byte {
	b := slices.Concat(parts...)
	return append(u16(len(b)), b...)
}

func extBlock(exts []ext) []byte {
	var b []byte
	for _, e := range exts {
		b = append(b, u16(int(e.typ))...)
		b = append(b, vec16(e.data)...)
	}
	return vec16(b)
}

func random(fill byte) []byte {
	r := make([]byte, 32)
	for i := range r {
		r[i] = fill + byte(i)
	}
	return r
}

func clientHelloBytes(version int, sid []byte, suites []uint16, comp []byte, exts []ext) []byte {
	var cs []byte
	for _, s := range suites {
		cs = append(cs, u16(int(s))...)
	}
	b := slices.Concat(u16(version), random(1), vec8(sid), vec16(cs), vec8(comp))
	if exts != nil {
		b = append(b, extBlock(exts)...)
	}
	return b
}

func serverHelloBytes(rnd []byte, suite uint16, exts []ext) []byte {
	b := slices.Concat(u16(0x0303), rnd, vec8([]byte{7, 7}), u16(int(suite)), []byte{0})
	if exts != nil {
		b = append(b, extBlock(exts)...)
	}
	return b
}

func sniData(names ...string) []byte {
	var b []byte
	for _, n := range names {
		b = append(b, 0)
		b = append(b, vec16([]byte(n))...)
	}
	return vec16(b)
}

func alpnData(protos ...string) []byte {
	var b []byte
	for _, p := range protos {
		b = append(b, vec8([]byte(p))...)
	}
	return vec16(b)
}

func TestParseClientHelloBuilt(t *testing.T) {
	full := clientHelloBytes(0x0303, []byte{9, 9, 9}, []uint16{0x1a1a, 0x1301, 0xc02f}, []byte{0}, []ext{
		{0x2a2a, nil},
		{extServerName, sniData("a.example", "b.example")},
		{extALPN, alpnData("h2", "http/1.1")},
		{extSupportedVersions, vec8(u16(0x3a3a), u16(0x0304), u16(0x0303))},
		{extSignatureAlgorithms, vec16(u16(0x0403), u16(0x0804))},
		{extSupportedGroups, vec16(u16(0x4a4a), u16(0x001d), u16(0x0017))},
		{extECPointFormats, vec8([]byte{0})},
		{extEarlyData, nil},
		{extPreSharedKey, []byte{1, 2, 3}},
	})
	ch, err := ParseClientHello(full)
	if err != nil {
		t.Fatal(err)
	}
	want := ClientHello{
		LegacyVersion:       0x0303,
		SessionID:           []byte{9, 9, 9},
		CipherSuites:        []uint16{0x1a1a, 0x1301, 0xc02f},
		CompressionMethods:  []byte{0},
		Extensions:          []uint16{0x2a2a, 0, 16, 43, 13, 10, 11, 42, 41},
		ServerName:          "a.example",
		ALPN:                []string{"h2", "http/1.1"},
		SupportedVersions:   []uint16{0x3a3a, 0x0304, 0x0303},
		SignatureAlgorithms: []uint16{0x0403, 0x0804},
		SupportedGroups:     []uint16{0x4a4a, 0x001d, 0x0017},
		ECPointFormats:      []uint8{0},
		PSK:                 true,
		EarlyData:           true,
	}
	copy(want.Random[:], random(1))
	if !equalClientHello(ch, &want) {
		t.Errorf("got  %+v\nwant %+v", *ch, want)
	}
	// The result must not alias the input.
	for i := range full {
		full[i] = 0xff
	}
	if !equalClientHello(ch, &want) {
		t.Errorf("result changed with its input buffer")
	}

	// A hello without an extensions block (SSL 3.0 style).
	old := clientHelloBytes(0x0300, nil, []uint16{0x000a}, []byte{1, 0}, nil)
	ch, err = ParseClientHello(old)
	if err != nil {
		t.Fatal(err)
	}
	if ch.Extensions != nil || ch.SupportedVersions != nil || ch.LegacyVersion != 0x0300 || len(ch.CompressionMethods) != 2 {
		t.Errorf("old hello: %+v", ch)
	}
}

func equalClientHello(a, b *ClientHello) bool {
	return a.LegacyVersion == b.LegacyVersion && a.Random == b.Random &&
		slices.Equal(a.SessionID, b.SessionID) && slices.Equal(a.CipherSuites, b.CipherSuites) &&
		slices.Equal(a.CompressionMethods, b.CompressionMethods) && slices.Equal(a.Extensions, b.Extensions) &&
		a.ServerName == b.ServerName && slices.Equal(a.ALPN, b.ALPN) &&
		slices.Equal(a.SupportedVersions, b.SupportedVersions) &&
		slices.Equal(a.SignatureAlgorithms, b.SignatureAlgorithms) &&
		slices.Equal(a.SupportedGroups, b.SupportedGroups) && slices.Equal(a.ECPointFormats, b.ECPointFormats) &&
		a.PSK == b.PSK && a.EarlyData == b.EarlyData
}

func TestParseClientHelloErrors(t *testing.T) {
	suites := []uint16{0x1301}
	tests := []struct {
		name  string
		body  []byte
		class error
	}{
		{"empty", nil, ErrTruncated},
		{"short random", slices.Concat(u16(0x0303), make([]byte, 31)), ErrTruncated},
		{"long session id", clientHelloBytes(0x0303, make([]byte, 33), suites, []byte{0}, nil), ErrMalformed},
		{"odd suites", slices.Concat(u16(0x0303), random(0), vec8(nil), vec16([]byte{0x13}), vec8([]byte{0})), ErrMalformed},
		{"no suites", clientHelloBytes(0x0303, nil, nil, []byte{0}, nil), ErrMalformed},
		{"no compression", clientHelloBytes(0x0303, nil, suites, nil, nil), ErrMalformed},
		{"extensions length past end", append(clientHelloBytes(0x0303, nil, suites, []byte{0}, nil), 0, 9, 0, 0), ErrTruncated},
		{"trailing after extensions", append(clientHelloBytes(0x0303, nil, suites, []byte{0}, []ext{{23, nil}}), 0), ErrMalformed},
		{"one stray byte for extensions", append(clientHelloBytes(0x0303, nil, suites, []byte{0}, nil), 0), ErrTruncated},
		{"extension header cut", slices.Concat(clientHelloBytes(0x0303, nil, suites, []byte{0}, nil), vec16([]byte{0, 23, 0})), ErrTruncated},
		{"sni name past list", clientHelloBytes(0x0303, nil, suites, []byte{0}, []ext{{0, vec16([]byte{0, 0, 9, 'a'})}}), ErrTruncated},
		{"sni empty host", clientHelloBytes(0x0303, nil, suites, []byte{0}, []ext{{0, sniData("")}}), ErrMalformed},
		{"sni trailing", clientHelloBytes(0x0303, nil, suites, []byte{0}, []ext{{0, append(sniData("a"), 0)}}), ErrMalformed},
		{"alpn empty protocol", clientHelloBytes(0x0303, nil, suites, []byte{0}, []ext{{16, alpnData("h2", "")}}), ErrMalformed},
		{"alpn empty list", clientHelloBytes(0x0303, nil, suites, []byte{0}, []ext{{16, vec16(nil)}}), ErrMalformed},
		{"versions odd", clientHelloBytes(0x0303, nil, suites, []byte{0}, []ext{{43, vec8([]byte{3, 4, 3})}}), ErrMalformed},
		{"sigalgs past end", clientHelloBytes(0x0303, nil, suites, []byte{0}, []ext{{13, []byte{0, 4, 4, 3}}}), ErrTruncated},
		{"groups trailing", clientHelloBytes(0x0303, nil, suites, []byte{0}, []ext{{10, append(vec16(u16(29)), 0)}}), ErrMalformed},
		{"point formats past end", clientHelloBytes(0x0303, nil, suites, []byte{0}, []ext{{11, []byte{3, 0}}}), ErrTruncated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch, err := ParseClientHello(tt.body)
			if ch != nil || !errors.Is(err, tt.class) {
				t.Fatalf("got %v, %v; want error %v", ch, err, tt.class)
			}
		})
	}
}

// TestTruncatedEverywhere cuts a real-shaped hello at every length: only the
// full body and the cut right after compression_methods (a valid hello with
// no extensions) may parse.
func TestTruncatedEverywhere(t *testing.T) {
	body := clientHelloBytes(0x0303, []byte{1}, []uint16{0x1301, 0x1302}, []byte{0}, []ext{
		{extServerName, sniData("x.example")},
		{extALPN, alpnData("h2")},
		{extSupportedVersions, vec8(u16(0x0304))},
	})
	noExt := 2 + 32 + 2 + 6 + 2
	for n := 0; n <= len(body); n++ {
		_, err := ParseClientHello(body[:n])
		ok := n == len(body) || n == noExt
		if (err == nil) != ok {
			t.Errorf("cut at %d/%d: err %v", n, len(body), err)
		}
	}
	sh := serverHelloBytes(random(3), 0x1301, []ext{{extSupportedVersions, u16(0x0304)}})
	noExt = 2 + 32 + 3 + 2 + 1
	for n := 0; n <= len(sh); n++ {
		_, err := ParseServerHello(sh[:n])
		ok := n == len(sh) || n == noExt
		if (err == nil) != ok {
			t.Errorf("server hello cut at %d/%d: err %v", n, len(sh), err)
		}
	}
}

func TestParseServerHelloBuilt(t *testing.T) {
	tests := []struct {
		name    string
		body    []byte
		want    ServerHello
		wantVer uint16
	}{
		{
			name: "tls12 alpn ems etm",
			body: serverHelloBytes(random(5), 0xc02f, []ext{
				{extALPN, alpnData("http/1.1")}, {extExtendedMasterSecret, nil}, {extEncryptThenMAC, nil}, {0xff01, []byte{0}}}),
			want: ServerHello{LegacyVersion: 0x0303, CipherSuite: 0xc02f, Extensions: []uint16{16, 23, 22, 0xff01},
				ALPN: "http/1.1", ExtendedMasterSecret: true, EncryptThenMAC: true},
			wantVer: 0x0303,
		},
		{
			name: "tls13 psk",
			body: serverHelloBytes(random(5), 0x1302, []ext{{extSupportedVersions, u16(0x0304)}, {extPreSharedKey, u16(0)}}),
			want: ServerHello{LegacyVersion: 0x0303, CipherSuite: 0x1302, Extensions: []uint16{43, 41},
				SupportedVersion: 0x0304, PSK: true},
			wantVer: 0x0304,
		},
		{
			name: "hello retry request",
			body: serverHelloBytes(helloRetryRandom[:], 0x1301, []ext{{extSupportedVersions, u16(0x0304)}, {51, u16(23)}}),
			want: ServerHello{LegacyVersion: 0x0303, CipherSuite: 0x1301, Extensions: []uint16{43, 51},
				SupportedVersion: 0x0304, HelloRetryRequest: true},
			wantVer: 0x0304,
		},
		{
			name:    "no extensions",
			body:    serverHelloBytes(random(5), 0x002f, nil),
			want:    ServerHello{LegacyVersion: 0x0303, CipherSuite: 0x002f},
			wantVer: 0x0303,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sh, err := ParseServerHello(tt.body)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.want
			copy(want.Random[:], tt.body[2:34])
			want.SessionID = []byte{7, 7}
			if sh.LegacyVersion != want.LegacyVersion || sh.Random != want.Random || !slices.Equal(sh.SessionID, want.SessionID) ||
				sh.CipherSuite != want.CipherSuite || sh.CompressionMethod != 0 || !slices.Equal(sh.Extensions, want.Extensions) ||
				sh.SupportedVersion != want.SupportedVersion || sh.ALPN != want.ALPN ||
				sh.ExtendedMasterSecret != want.ExtendedMasterSecret || sh.EncryptThenMAC != want.EncryptThenMAC ||
				sh.HelloRetryRequest != want.HelloRetryRequest || sh.PSK != want.PSK {
				t.Errorf("got  %+v\nwant %+v", *sh, want)
			}
			if sh.Version() != tt.wantVer {
				t.Errorf("Version() = %x, want %x", sh.Version(), tt.wantVer)
			}
		})
	}
}

func TestParseServerHelloErrors(t *testing.T) {
	tests := []struct {
		name  string
		body  []byte
		class error
	}{
		{"empty", nil, ErrTruncated},
		{"no compression byte", serverHelloBytes(random(0), 0x1301, nil)[:2+32+3+2], ErrTruncated},
		{"alpn two protocols", serverHelloBytes(random(0), 0x1301, []ext{{16, alpnData("h2", "http/1.1")}}), ErrMalformed},
		{"supported_versions long", serverHelloBytes(random(0), 0x1301, []ext{{43, []byte{3, 4, 0}}}), ErrMalformed},
		{"supported_versions short", serverHelloBytes(random(0), 0x1301, []ext{{43, []byte{3}}}), ErrTruncated},
		{"ems with data", serverHelloBytes(random(0), 0x1301, []ext{{23, []byte{0}}}), ErrMalformed},
		{"trailing", append(serverHelloBytes(random(0), 0x1301, []ext{}), 1), ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sh, err := ParseServerHello(tt.body)
			if sh != nil || !errors.Is(err, tt.class) {
				t.Fatalf("got %v, %v; want error %v", sh, err, tt.class)
			}
		})
	}
}

func TestParseEncryptedExtensions(t *testing.T) {
	tests := []struct {
		name    string
		body    []byte
		want    string
		wantErr error
	}{
		{"alpn", extBlock([]ext{{10, vec16(u16(29))}, {16, alpnData("h2")}}), "h2", nil},
		{"none", extBlock([]ext{{10, vec16(u16(29))}}), "", nil},
		{"empty block", extBlock(nil), "", nil},
		{"no block", nil, "", ErrTruncated},
		{"two protocols", extBlock([]ext{{16, alpnData("h2", "h3")}}), "", ErrMalformed},
		{"cut extension", vec16([]byte{0, 16, 0, 5, 0}), "", ErrTruncated},
		{"trailing", append(extBlock(nil), 0), "", ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseEncryptedExtensions(tt.body)
			if got != tt.want || !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Fatalf("got %q, %v; want %q, %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestErrorText(t *testing.T) {
	_, err := ParseClientHello(u16(0x0303))
	if err == nil || err.Error() != "tlshello: client hello: random: truncated" {
		t.Errorf("error = %v", err)
	}
	_, err = ParseServerHello(serverHelloBytes(random(0), 0x1301, []ext{{16, alpnData("h2", "h3")}}))
	if err == nil || err.Error() != "tlshello: server hello: alpn: server selected more than one protocol: malformed" {
		t.Errorf("error = %v", err)
	}
}
