package tlshello

import (
	"crypto/tls"
	"strconv"
	"strings"
	"testing"
)

// parseHex turns "1301,1302" into values.
func parseHex(t *testing.T, s string) []uint16 {
	t.Helper()
	var out []uint16
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.ParseUint(f, 16, 16)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, uint16(v))
	}
	return out
}

func parseDec(t *testing.T, s string) []uint16 {
	t.Helper()
	var out []uint16
	for _, f := range strings.Split(s, "-") {
		v, err := strconv.ParseUint(f, 10, 16)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, uint16(v))
	}
	return out
}

// helloSpec describes a hello by its fingerprint-relevant lists, in wire
// order; buildSpec turns it into wire bytes (so the parser is exercised too)
// with GREASE inserted, which every fingerprint must ignore.
type helloSpec struct {
	legacy   uint16
	ciphers  []uint16
	exts     []uint16
	sigs     []uint16
	versions []uint16
	groups   []uint16
	alpn     []string
	sni      string
}

func buildSpec(t *testing.T, s helloSpec) *ClientHello {
	t.Helper()
	ciphers := append([]uint16{0x5a5a}, s.ciphers...)
	exts := []ext{{0x0a0a, nil}}
	for _, typ := range s.exts {
		var data []byte
		switch typ {
		case extServerName:
			data = sniData(s.sni)
		case extALPN:
			data = alpnData(s.alpn...)
		case extSignatureAlgorithms:
			data = vec16(u16list(s.sigs)...)
		case extSupportedVersions:
			data = vec8(u16list(append([]uint16{0x7a7a}, s.versions...))...)
		case extSupportedGroups:
			data = vec16(u16list(append([]uint16{0xfafa}, s.groups...))...)
		case extECPointFormats:
			data = vec8([]byte{0})
		}
		exts = append(exts, ext{typ, data})
	}
	exts = append(exts, ext{0x1a1a, []byte{0}})
	ch, err := ParseClientHello(clientHelloBytes(int(s.legacy), nil, ciphers, []byte{0}, exts))
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func u16list(vs []uint16) [][]byte {
	var out [][]byte
	for _, v := range vs {
		out = append(out, u16(int(v)))
	}
	return out
}

// TestJA4Published checks the examples of FoxIO's JA4 specification
// (technical_details/JA4.md) and a Chrome 143 hello as fingerprinted by
// browserleaks.com (ja4, ja4_r, ja3_text and ja3_hash all published together).
func TestJA4Published(t *testing.T) {
	spec := helloSpec{
		legacy:   0x0303,
		ciphers:  parseHex(t, "1301,1302,1303,c02b,c02f,c02c,c030,cca9,cca8,c013,c014,009c,009d,002f,0035"),
		exts:     parseHex(t, "001b,0000,0033,0010,4469,0017,002d,000d,0005,0023,0012,002b,ff01,000b,000a,0015"),
		sigs:     parseHex(t, "0403,0804,0401,0503,0805,0501,0806,0601"),
		versions: []uint16{0x0304, 0x0303},
		groups:   []uint16{29, 23, 24},
		alpn:     []string{"h2", "http/1.1"},
		sni:      "example.com",
	}
	noSigs := spec
	noSigs.sigs = nil
	chrome := helloSpec{
		legacy:   0x0303,
		ciphers:  parseDec(t, "4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53"),
		exts:     parseDec(t, "45-51-16-65037-23-17613-0-11-10-43-65281-35-18-5-13-27"),
		sigs:     parseHex(t, "0403,0804,0401,0503,0805,0501,0806,0601"),
		versions: []uint16{0x0304, 0x0303},
		groups:   parseDec(t, "4588-29-23-24"),
		alpn:     []string{"h2", "http/1.1"},
		sni:      "tls-outer.browserleaks.com",
	}
	tests := []struct {
		name      string
		spec      helloSpec
		ja4, ja4r string
		ja3, ja3h string // "" when the source publishes none
	}{
		{
			name: "foxio spec",
			spec: spec,
			ja4:  "t13d1516h2_8daaf6152771_e5627efa2ab1",
			ja4r: "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_0403,0804,0401,0503,0805,0501,0806,0601",
		},
		{
			// "If there are no signature algorithms in the hello packet, then
			// the string ends without an underscore and is hashed."
			name: "foxio spec without signature algorithms",
			spec: noSigs,
			ja4:  "t13d1516h2_8daaf6152771_6d807ffa2a79",
			ja4r: "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01",
		},
		{
			name: "chrome 143 browserleaks",
			spec: chrome,
			ja4:  "t13d1516h2_8daaf6152771_d8a2da3f94cd",
			ja4r: "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0017,001b,0023,002b,002d,0033,44cd,fe0d,ff01_0403,0804,0401,0503,0805,0501,0806,0601",
			ja3:  "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,45-51-16-65037-23-17613-0-11-10-43-65281-35-18-5-13-27,4588-29-23-24,0",
			ja3h: "98487aa16281980e7d1120d399efb6a4",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch := buildSpec(t, tt.spec)
			if got := ch.JA4('t'); got != tt.ja4 {
				t.Errorf("JA4 = %s, want %s", got, tt.ja4)
			}
			if got := ch.JA4R('t'); got != tt.ja4r {
				t.Errorf("JA4R = %s\nwant   %s", got, tt.ja4r)
			}
			if got := ch.JA4('q'); got != "q"+tt.ja4[1:] {
				t.Errorf("QUIC JA4 = %s", got)
			}
			if tt.ja3 == "" {
				return
			}
			full, h := ch.JA3()
			if full != tt.ja3 || h != tt.ja3h {
				t.Errorf("JA3 = %s %s\nwant  %s %s", full, h, tt.ja3, tt.ja3h)
			}
		})
	}
}

// TestJA4Rules checks the section-a rules one at a time.
func TestJA4Rules(t *testing.T) {
	many := make([]uint16, 120)
	manyExt := make([]uint16, 120)
	for i := range many {
		many[i] = uint16(0x1000 + i)
		manyExt[i] = uint16(0x3000 + i)
	}
	tests := []struct {
		name  string
		ch    ClientHello
		wantA string // section a
		wantB string // "" = not checked
		wantC string
	}{
		{"no alpn, no sni, legacy version", ClientHello{LegacyVersion: 0x0301, CipherSuites: []uint16{0x2f}, Extensions: []uint16{0xff01}}, "t10i0101" + "00", "", ""},
		{"ssl3", ClientHello{LegacyVersion: 0x0300, CipherSuites: []uint16{0x0a}}, "ts3i0100" + "00", "", "000000000000"},
		{"unknown version", ClientHello{LegacyVersion: 0x0303, SupportedVersions: []uint16{0x7f1c}, Extensions: []uint16{43}}, "t00i0001" + "00", "000000000000", ""},
		{"grease only versions fall back", ClientHello{LegacyVersion: 0x0302, SupportedVersions: []uint16{0x0a0a}, Extensions: []uint16{43}}, "t11i0001" + "00", "", ""},
		{"highest version wins", ClientHello{LegacyVersion: 0x0303, SupportedVersions: []uint16{0x0303, 0x0304, 0x0302}}, "t13i0000" + "00", "", ""},
		{"one-char alpn", ClientHello{ALPN: []string{"h"}, LegacyVersion: 0x0303}, "t12i0000hh", "", ""},
		{"http/1.1", ClientHello{ALPN: []string{"http/1.1", "h2"}, LegacyVersion: 0x0303}, "t12i0000h1", "", ""},
		{"alpn 0xab", ClientHello{ALPN: []string{"\xab"}, LegacyVersion: 0x0303}, "t12i0000ab", "", ""},
		{"alpn 0xab 0xcd", ClientHello{ALPN: []string{"\xab\xcd"}, LegacyVersion: 0x0303}, "t12i0000ad", "", ""},
		{"alpn 0x30 0xab", ClientHello{ALPN: []string{"\x30\xab"}, LegacyVersion: 0x0303}, "t12i00003b", "", ""},
		{"alpn 0x30 0x31 0xab 0xcd", ClientHello{ALPN: []string{"\x30\x31\xab\xcd"}, LegacyVersion: 0x0303}, "t12i00003d", "", ""},
		{"alpn 0x30 0xab 0xcd 0x31", ClientHello{ALPN: []string{"\x30\xab\xcd\x31"}, LegacyVersion: 0x0303}, "t12i000001", "", ""},
		{"counts cap at 99", ClientHello{LegacyVersion: 0x0303, CipherSuites: many, Extensions: manyExt}, "t12i9999" + "00", "", ""},
		{"grease only suites", ClientHello{LegacyVersion: 0x0303, CipherSuites: []uint16{0x0a0a}, Extensions: []uint16{0, 16}, ALPN: []string{"h2"}}, "t12d0002h2", "000000000000", "000000000000"},
		{"scsv counted", ClientHello{LegacyVersion: 0x0303, CipherSuites: []uint16{0x00ff, 0x5600, 0x2a2a}}, "t12i0200" + "00", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parts := strings.Split(tt.ch.JA4('t'), "_")
			if len(parts) != 3 {
				t.Fatalf("JA4 = %s", tt.ch.JA4('t'))
			}
			if parts[0] != tt.wantA {
				t.Errorf("section a = %s, want %s", parts[0], tt.wantA)
			}
			if tt.wantB != "" && parts[1] != tt.wantB {
				t.Errorf("section b = %s, want %s", parts[1], tt.wantB)
			}
			if tt.wantC != "" && parts[2] != tt.wantC {
				t.Errorf("section c = %s, want %s", parts[2], tt.wantC)
			}
		})
	}
}

func TestJA3NoExtensions(t *testing.T) {
	ch, err := ParseClientHello(clientHelloBytes(0x0301, nil, []uint16{0x2f, 0x35, 0xff}, []byte{0}, nil))
	if err != nil {
		t.Fatal(err)
	}
	full, h := ch.JA3()
	// md5 from coreutils md5sum of the string.
	if full != "769,47-53-255,,," || h != "93794b6c513c5bfeb949030a7f13ca10" {
		t.Errorf("JA3 = %s %s", full, h)
	}
}

func TestIsGREASE(t *testing.T) {
	var got []uint16
	for v := 0; v <= 0xffff; v++ {
		if IsGREASE(uint16(v)) {
			got = append(got, uint16(v))
		}
	}
	// RFC 8701 section 2.
	want := parseHex(t, "0a0a,1a1a,2a2a,3a3a,4a4a,5a5a,6a6a,7a7a,8a8a,9a9a,aaaa,baba,caca,dada,eaea,fafa")
	if len(got) != len(want) {
		t.Fatalf("GREASE values %x, want %x", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("GREASE values %x, want %x", got, want)
		}
	}
}

func TestVersionName(t *testing.T) {
	tests := map[uint16]string{
		0x0002: "SSL 2.0", 0x0300: "SSL 3.0", 0x0301: "TLS 1.0", 0x0302: "TLS 1.1", 0x0303: "TLS 1.2",
		0x0304: "TLS 1.3", 0xfeff: "DTLS 1.0", 0xfefd: "DTLS 1.2", 0xfefc: "DTLS 1.3",
		0x7f1c: "0x7f1c", 0x0a0a: "0x0a0a", 0: "0x0000",
	}
	for v, want := range tests {
		if got := VersionName(v); got != want {
			t.Errorf("VersionName(%#x) = %q, want %q", v, got, want)
		}
	}
}

func TestCipherSuiteName(t *testing.T) {
	// Every suite crypto/tls knows has its IANA name there.
	for _, s := range append(tls.CipherSuites(), tls.InsecureCipherSuites()...) {
		if got := CipherSuiteName(s.ID); got != s.Name {
			t.Errorf("CipherSuiteName(%#04x) = %q, crypto/tls says %q", s.ID, got, s.Name)
		}
	}
	tests := map[uint16]string{
		0x0000: "TLS_NULL_WITH_NULL_NULL",
		0x0004: "TLS_RSA_WITH_RC4_128_MD5",
		0x0033: "TLS_DHE_RSA_WITH_AES_128_CBC_SHA",
		0x009e: "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
		0x008c: "TLS_PSK_WITH_AES_128_CBC_SHA",
		0x00a8: "TLS_PSK_WITH_AES_128_GCM_SHA256",
		0xccaa: "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
		0xc0ac: "TLS_ECDHE_ECDSA_WITH_AES_128_CCM",
		0x1304: "TLS_AES_128_CCM_SHA256",
		0x1305: "TLS_AES_128_CCM_8_SHA256",
		0x00ff: "TLS_EMPTY_RENEGOTIATION_INFO_SCSV",
		0x5600: "TLS_FALLBACK_SCSV",
		0xcc13: "0xcc13", // pre-RFC ChaCha20 draft code point
		0x0a0a: "0x0a0a", // GREASE
		0xffff: "0xffff",
	}
	for id, want := range tests {
		if got := CipherSuiteName(id); got != want {
			t.Errorf("CipherSuiteName(%#04x) = %q, want %q", id, got, want)
		}
	}
}
