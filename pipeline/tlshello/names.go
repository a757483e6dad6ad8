package tlshello

// IsGREASE reports whether v is one of the sixteen GREASE values of RFC 8701
// (0x0a0a, 0x1a1a, ... 0xfafa), which clients send to keep servers tolerant
// of unknown values and which fingerprints therefore ignore.
func IsGREASE(v uint16) bool {
	return v&0x0f0f == 0x0a0a && v>>8 == v&0xff
}

// VersionName names a protocol version as people write it ("TLS 1.2",
// "DTLS 1.3"); unknown values, such as TLS 1.3 drafts, print as "0x7f1c".
func VersionName(v uint16) string {
	switch v {
	case 0x0002:
		return "SSL 2.0"
	case VersionSSL30:
		return "SSL 3.0"
	case VersionTLS10:
		return "TLS 1.0"
	case VersionTLS11:
		return "TLS 1.1"
	case VersionTLS12:
		return "TLS 1.2"
	case VersionTLS13:
		return "TLS 1.3"
	case 0xfeff:
		return "DTLS 1.0"
	case 0xfefd:
		return "DTLS 1.2"
	case 0xfefc:
		return "DTLS 1.3"
	}
	return hex16(v)
}

// CipherSuiteName returns the IANA name of a cipher suite
// ("TLS_AES_128_GCM_SHA256"), or "0x1301"-style hex when it is not known.
func CipherSuiteName(id uint16) string {
	if n := suiteName(id); n != "" {
		return n
	}
	return hex16(id)
}

func hex16(v uint16) string {
	const digits = "0123456789abcdef"
	return string([]byte{'0', 'x', digits[v>>12], digits[v>>8&0xf], digits[v>>4&0xf], digits[v&0xf]})
}
