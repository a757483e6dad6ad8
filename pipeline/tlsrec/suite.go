package tlsrec

import "hash"

// Record protection kinds.
const (
	kindAEAD13   = iota + 1 // TLS 1.3 AEAD: nonce = iv XOR seq, AAD = record header
	kindGCM12               // TLS 1.2 AES-GCM: 4-byte salt + 8-byte explicit nonce (RFC 5288)
	kindChaCha12            // TLS 1.2 ChaCha20-Poly1305: nonce = iv XOR seq (RFC 7905)
	kindCBC                 // MAC-then-encrypt (or Encrypt-then-MAC, RFC 7366) block cipher
)

// Hash functions, for PRFs, HKDF and record MACs.
const (
	hashSHA256 = iota
	hashSHA384
	hashSHA1
)

// Block ciphers.
const (
	cipherAES = iota
	cipherChaCha
	cipher3DES
)

// suite is what record decryption needs to know about a cipher suite.
type suite struct {
	id     uint16
	kind   int
	cipher int
	keyLen int
	prf    int // PRF hash (TLS 1.2) or HKDF hash (TLS 1.3)
	mac    int // record MAC hash for kindCBC
}

func (s *suite) prfHash() func() hash.Hash { return hashFor(s.prf) }

// macLen is the record MAC length of a kindCBC suite.
func (s *suite) macLen() int {
	switch s.mac {
	case hashSHA1:
		return 20
	case hashSHA384:
		return 48
	default:
		return 32
	}
}

// ivLen is the fixed IV length the key block (or HKDF) yields.
func (s *suite) ivLen() int {
	switch s.kind {
	case kindGCM12:
		return 4
	case kindCBC:
		if s.cipher == cipher3DES {
			return 8
		}
		return 16
	default:
		return 12
	}
}

// suites lists every cipher suite this package decrypts. The key exchange
// does not matter to a decryptor holding the master secret, so RSA, DHE and
// ECDHE variants share their entries' shape.
var suites = [...]suite{
	// TLS 1.3
	{0x1301, kindAEAD13, cipherAES, 16, hashSHA256, 0},
	{0x1302, kindAEAD13, cipherAES, 32, hashSHA384, 0},
	{0x1303, kindAEAD13, cipherChaCha, 32, hashSHA256, 0},
	// AES-GCM
	{0xc02f, kindGCM12, cipherAES, 16, hashSHA256, 0}, // ECDHE_RSA_WITH_AES_128_GCM_SHA256
	{0xc030, kindGCM12, cipherAES, 32, hashSHA384, 0}, // ECDHE_RSA_WITH_AES_256_GCM_SHA384
	{0xc02b, kindGCM12, cipherAES, 16, hashSHA256, 0}, // ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
	{0xc02c, kindGCM12, cipherAES, 32, hashSHA384, 0}, // ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
	{0x009c, kindGCM12, cipherAES, 16, hashSHA256, 0}, // RSA_WITH_AES_128_GCM_SHA256
	{0x009d, kindGCM12, cipherAES, 32, hashSHA384, 0}, // RSA_WITH_AES_256_GCM_SHA384
	{0x009e, kindGCM12, cipherAES, 16, hashSHA256, 0}, // DHE_RSA_WITH_AES_128_GCM_SHA256
	{0x009f, kindGCM12, cipherAES, 32, hashSHA384, 0}, // DHE_RSA_WITH_AES_256_GCM_SHA384
	// ChaCha20-Poly1305
	{0xcca8, kindChaCha12, cipherChaCha, 32, hashSHA256, 0}, // ECDHE_RSA
	{0xcca9, kindChaCha12, cipherChaCha, 32, hashSHA256, 0}, // ECDHE_ECDSA
	{0xccaa, kindChaCha12, cipherChaCha, 32, hashSHA256, 0}, // DHE_RSA
	// AES-CBC with HMAC-SHA1
	{0x002f, kindCBC, cipherAES, 16, hashSHA256, hashSHA1}, // RSA_WITH_AES_128_CBC_SHA
	{0x0035, kindCBC, cipherAES, 32, hashSHA256, hashSHA1}, // RSA_WITH_AES_256_CBC_SHA
	{0x0033, kindCBC, cipherAES, 16, hashSHA256, hashSHA1}, // DHE_RSA_WITH_AES_128_CBC_SHA
	{0x0039, kindCBC, cipherAES, 32, hashSHA256, hashSHA1}, // DHE_RSA_WITH_AES_256_CBC_SHA
	{0xc013, kindCBC, cipherAES, 16, hashSHA256, hashSHA1}, // ECDHE_RSA_WITH_AES_128_CBC_SHA
	{0xc014, kindCBC, cipherAES, 32, hashSHA256, hashSHA1}, // ECDHE_RSA_WITH_AES_256_CBC_SHA
	{0xc009, kindCBC, cipherAES, 16, hashSHA256, hashSHA1}, // ECDHE_ECDSA_WITH_AES_128_CBC_SHA
	{0xc00a, kindCBC, cipherAES, 32, hashSHA256, hashSHA1}, // ECDHE_ECDSA_WITH_AES_256_CBC_SHA
	// AES-CBC with HMAC-SHA256 / SHA384
	{0x003c, kindCBC, cipherAES, 16, hashSHA256, hashSHA256}, // RSA_WITH_AES_128_CBC_SHA256
	{0x003d, kindCBC, cipherAES, 32, hashSHA256, hashSHA256}, // RSA_WITH_AES_256_CBC_SHA256
	{0x0067, kindCBC, cipherAES, 16, hashSHA256, hashSHA256}, // DHE_RSA_WITH_AES_128_CBC_SHA256
	{0x006b, kindCBC, cipherAES, 32, hashSHA256, hashSHA256}, // DHE_RSA_WITH_AES_256_CBC_SHA256
	{0xc027, kindCBC, cipherAES, 16, hashSHA256, hashSHA256}, // ECDHE_RSA_WITH_AES_128_CBC_SHA256
	{0xc023, kindCBC, cipherAES, 16, hashSHA256, hashSHA256}, // ECDHE_ECDSA_WITH_AES_128_CBC_SHA256
	{0xc028, kindCBC, cipherAES, 32, hashSHA384, hashSHA384}, // ECDHE_RSA_WITH_AES_256_CBC_SHA384
	{0xc024, kindCBC, cipherAES, 32, hashSHA384, hashSHA384}, // ECDHE_ECDSA_WITH_AES_256_CBC_SHA384
	// 3DES-EDE-CBC with HMAC-SHA1
	{0x000a, kindCBC, cipher3DES, 24, hashSHA256, hashSHA1}, // RSA_WITH_3DES_EDE_CBC_SHA
	{0x0016, kindCBC, cipher3DES, 24, hashSHA256, hashSHA1}, // DHE_RSA_WITH_3DES_EDE_CBC_SHA
	{0xc012, kindCBC, cipher3DES, 24, hashSHA256, hashSHA1}, // ECDHE_RSA_WITH_3DES_EDE_CBC_SHA
}

// lookupSuite returns the suite with id, nil when this package cannot
// decrypt it.
func lookupSuite(id uint16) *suite {
	for i := range suites {
		if suites[i].id == id {
			return &suites[i]
		}
	}
	return nil
}
