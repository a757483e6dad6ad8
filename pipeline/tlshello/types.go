// Package tlshello parses the cleartext TLS handshake messages a passive
// observer needs (ClientHello, ServerHello, and EncryptedExtensions once
// decrypted) and computes client fingerprints (JA4, JA3) from a ClientHello.
//
// Parsers take one handshake message body (the bytes after the 4-byte
// handshake header) and never panic on hostile input: anything malformed is
// an error naming what was wrong, and whatever was parsed before it is
// not returned.
package tlshello

// ClientHello is what a passive observer needs from a ClientHello. Lists keep
// wire order and GREASE values (RFC 8701); the fingerprints drop GREASE.
type ClientHello struct {
	LegacyVersion       uint16
	Random              [32]byte
	SessionID           []byte
	CipherSuites        []uint16
	CompressionMethods  []byte
	Extensions          []uint16 // extension types in wire order
	ServerName          string   // first host_name of server_name; "" when absent
	ALPN                []string // offered protocols, in order
	SupportedVersions   []uint16 // supported_versions; nil when absent
	SignatureAlgorithms []uint16 // signature_algorithms, in order
	SupportedGroups     []uint16 // supported_groups, in order
	ECPointFormats      []uint8
	PSK                 bool // pre_shared_key offered (resumption)
	EarlyData           bool // early_data offered (0-RTT)
}

// ServerHello is what a passive observer needs from a ServerHello (or a
// HelloRetryRequest, which has the same shape).
type ServerHello struct {
	LegacyVersion        uint16
	Random               [32]byte
	SessionID            []byte
	CipherSuite          uint16
	CompressionMethod    uint8
	Extensions           []uint16 // extension types in wire order
	SupportedVersion     uint16   // selected_version of supported_versions; 0 when absent
	ALPN                 string   // TLS 1.2 and below; in TLS 1.3 it is in EncryptedExtensions
	ExtendedMasterSecret bool     // RFC 7627 negotiated
	EncryptThenMAC       bool     // RFC 7366 negotiated
	HelloRetryRequest    bool     // Random is the HelloRetryRequest magic value
	PSK                  bool     // pre_shared_key accepted (TLS 1.3 resumption)
}

// Version is the negotiated protocol version: SupportedVersion when present,
// else LegacyVersion.
func (s *ServerHello) Version() uint16 {
	if s.SupportedVersion != 0 {
		return s.SupportedVersion
	}
	return s.LegacyVersion
}

// Handshake message types used by callers to route message bodies.
const (
	TypeClientHello         = 1
	TypeServerHello         = 2
	TypeNewSessionTicket    = 4
	TypeEncryptedExtensions = 8
	TypeCertificate         = 11
	TypeServerKeyExchange   = 12
	TypeCertificateRequest  = 13
	TypeServerHelloDone     = 14
	TypeCertificateVerify   = 15
	TypeClientKeyExchange   = 16
	TypeFinished            = 20
	TypeKeyUpdate           = 24
)

// Protocol versions.
const (
	VersionSSL30 = 0x0300
	VersionTLS10 = 0x0301
	VersionTLS11 = 0x0302
	VersionTLS12 = 0x0303
	VersionTLS13 = 0x0304
)
