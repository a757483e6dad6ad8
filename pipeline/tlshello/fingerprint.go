package tlshello

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
)

// JA4 returns the FoxIO JA4 fingerprint of the hello
// (github.com/FoxIO-LLC/ja4, technical_details/JA4.md), for example
// "t13d1516h2_8daaf6152771_e5627efa2ab1". transport is 't' for TLS over TCP,
// 'q' for QUIC (and 'd' for DTLS).
//
// As the specification says, GREASE values are ignored everywhere (cipher
// suites, extensions, supported versions and signature algorithms), and the
// version is the numerically highest supported_versions entry, so a hello
// offering a private version above 0x0304 (Facebook's 0xfb1a, say) gets "00".
func (c *ClientHello) JA4(transport byte) string {
	a, ciphers, exts := c.ja4Parts(transport)
	return a + "_" + ja4Hash(ciphers) + "_" + ja4Hash(exts)
}

// JA4R returns JA4's raw form (JA4_r): the same three sections with the
// sorted lists written out instead of hashed, to see why two hellos differ.
// An empty list is written as nothing where JA4 writes twelve zeros.
func (c *ClientHello) JA4R(transport byte) string {
	a, ciphers, exts := c.ja4Parts(transport)
	return a + "_" + ciphers + "_" + exts
}

// ja4Parts returns section a and the strings sections b and c hash.
func (c *ClientHello) ja4Parts(transport byte) (a, ciphers, exts string) {
	cs := withoutGREASE(c.CipherSuites)
	es := withoutGREASE(c.Extensions)
	sni := byte('i')
	if slices.Contains(es, extServerName) {
		sni = 'd'
	}

	b := make([]byte, 0, 10)
	b = append(b, transport)
	b = append(b, ja4Version(c.ja4VersionValue())...)
	b = append(b, sni)
	b = appendCount(b, len(cs))
	b = appendCount(b, len(es))
	b = appendALPN(b, c.ALPN)
	a = string(b)

	slices.Sort(cs)
	ciphers = hexList(cs)

	// SNI and ALPN are already in section a; leaving them out of c keeps
	// c the same for one client whatever it connects to.
	sorted := slices.DeleteFunc(es, func(v uint16) bool { return v == extServerName || v == extALPN })
	slices.Sort(sorted)
	exts = hexList(sorted)
	if sigs := withoutGREASE(c.SignatureAlgorithms); len(sigs) > 0 && len(sorted) > 0 {
		exts += "_" + hexList(sigs)
	}
	return a, ciphers, exts
}

// ja4VersionValue is the highest non-GREASE supported_versions entry when
// the extension is present, else the legacy version.
func (c *ClientHello) ja4VersionValue() uint16 {
	var best uint16
	for _, v := range c.SupportedVersions {
		if !IsGREASE(v) && v > best {
			best = v
		}
	}
	if best == 0 {
		return c.LegacyVersion
	}
	return best
}

func ja4Version(v uint16) string {
	switch v {
	case VersionTLS13:
		return "13"
	case VersionTLS12:
		return "12"
	case VersionTLS11:
		return "11"
	case VersionTLS10:
		return "10"
	case VersionSSL30:
		return "s3"
	case 0x0002:
		return "s2"
	case 0xfeff:
		return "d1"
	case 0xfefd:
		return "d2"
	case 0xfefc:
		return "d3"
	}
	return "00"
}

// appendCount appends n as two digits, capped at 99 as the spec says.
func appendCount(b []byte, n int) []byte {
	n = min(n, 99)
	return append(b, byte('0'+n/10), byte('0'+n%10))
}

// appendALPN appends the first and last characters of the first ALPN value,
// or, when either is not an ASCII letter or digit, the first and last
// characters of its hex form; "00" when there is none.
func appendALPN(b []byte, alpn []string) []byte {
	if len(alpn) == 0 || alpn[0] == "" {
		return append(b, '0', '0')
	}
	p := alpn[0]
	first, last := p[0], p[len(p)-1]
	if isAlnum(first) && isAlnum(last) {
		return append(b, first, last)
	}
	const digits = "0123456789abcdef"
	return append(b, digits[first>>4], digits[last&0xf])
}

func isAlnum(c byte) bool {
	return '0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z'
}

// ja4Hash is the first 12 hex digits of SHA-256, or twelve zeros for an
// empty list (the spec's way of making "nothing" visible).
func ja4Hash(s string) string {
	if s == "" {
		return "000000000000"
	}
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:6])
}

// hexList writes values as comma-separated 4-digit lower-case hex.
func hexList(vs []uint16) string {
	b := make([]byte, 0, 5*len(vs))
	for i, v := range vs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, hex16(v)[2:]...)
	}
	return string(b)
}

// withoutGREASE returns a new slice holding vs minus GREASE values.
func withoutGREASE(vs []uint16) []uint16 {
	out := make([]uint16, 0, len(vs))
	for _, v := range vs {
		if !IsGREASE(v) {
			out = append(out, v)
		}
	}
	return out
}

// JA3 returns the JA3 string of the hello (Salesforce's definition, as
// Wireshark computes it: "version,ciphers,extensions,groups,pointformats",
// decimal, '-' separated, GREASE dropped) and its MD5 in hex.
func (c *ClientHello) JA3() (full, md5hex string) {
	b := strconv.AppendUint(nil, uint64(c.LegacyVersion), 10)
	b = append(b, ',')
	b = appendDecList(b, withoutGREASE(c.CipherSuites))
	b = append(b, ',')
	b = appendDecList(b, withoutGREASE(c.Extensions))
	b = append(b, ',')
	b = appendDecList(b, withoutGREASE(c.SupportedGroups))
	b = append(b, ',')
	for i, f := range c.ECPointFormats {
		if i > 0 {
			b = append(b, '-')
		}
		b = strconv.AppendUint(b, uint64(f), 10)
	}
	sum := md5.Sum(b)
	return string(b), hex.EncodeToString(sum[:])
}

func appendDecList(b []byte, vs []uint16) []byte {
	for i, v := range vs {
		if i > 0 {
			b = append(b, '-')
		}
		b = strconv.AppendUint(b, uint64(v), 10)
	}
	return b
}
