package tlshello

import (
	"bytes"
	"testing"
)

// seedHellos are well-formed bodies covering every extension the parsers read.
func seedClientHellos() [][]byte {
	return [][]byte{
		clientHelloBytes(0x0303, []byte{9, 9, 9}, []uint16{0x1a1a, 0x1301, 0xc02f}, []byte{0}, []ext{
			{0x2a2a, nil},
			{extServerName, sniData("a.example")},
			{extALPN, alpnData("h2", "http/1.1")},
			{extSupportedVersions, vec8(u16(0x3a3a), u16(0x0304), u16(0x0303))},
			{extSignatureAlgorithms, vec16(u16(0x0403), u16(0x0804))},
			{extSupportedGroups, vec16(u16(0x4a4a), u16(0x001d))},
			{extECPointFormats, vec8([]byte{0})},
			{extEarlyData, nil},
			{extPreSharedKey, []byte{1, 2, 3}},
		}),
		clientHelloBytes(0x0300, nil, []uint16{0x000a}, []byte{1, 0}, nil),
	}
}

func FuzzClientHello(f *testing.F) {
	for _, s := range seedClientHellos() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		orig := bytes.Clone(body)
		ch, err := ParseClientHello(body)
		if !bytes.Equal(body, orig) {
			t.Fatal("parser modified its input")
		}
		if (ch == nil) == (err == nil) {
			t.Fatalf("got %v and %v", ch, err)
		}
		if err != nil {
			return
		}
		// Whatever parses must fingerprint without trouble, and the
		// fingerprints must have their fixed shape.
		if j := ch.JA4('t'); len(j) != 36 || j[10] != '_' || j[23] != '_' {
			t.Fatalf("JA4 %q has the wrong shape", j)
		}
		ch.JA4R('q')
		if _, h := ch.JA3(); len(h) != 32 {
			t.Fatalf("JA3 hash %q", h)
		}
		if len(ch.SessionID) > 32 || len(ch.CipherSuites) == 0 {
			t.Fatalf("accepted %+v", ch)
		}
	})
}

func FuzzServerHello(f *testing.F) {
	f.Add(serverHelloBytes(random(5), 0xc02f, []ext{
		{extALPN, alpnData("http/1.1")}, {extExtendedMasterSecret, nil}, {extEncryptThenMAC, nil}}))
	f.Add(serverHelloBytes(helloRetryRandom[:], 0x1301, []ext{{extSupportedVersions, u16(0x0304)}, {extPreSharedKey, u16(0)}}))
	f.Add(serverHelloBytes(random(5), 0x002f, nil))
	f.Fuzz(func(t *testing.T, body []byte) {
		orig := bytes.Clone(body)
		sh, err := ParseServerHello(body)
		if !bytes.Equal(body, orig) {
			t.Fatal("parser modified its input")
		}
		if (sh == nil) == (err == nil) {
			t.Fatalf("got %v and %v", sh, err)
		}
	})
}

func FuzzEncryptedExtensions(f *testing.F) {
	f.Add(extBlock([]ext{{10, vec16(u16(29))}, {16, alpnData("h2")}}))
	f.Add(extBlock(nil))
	f.Fuzz(func(t *testing.T, body []byte) {
		alpn, err := ParseEncryptedExtensions(body)
		if err != nil && alpn != "" {
			t.Fatalf("ALPN %q with error %v", alpn, err)
		}
	})
}
