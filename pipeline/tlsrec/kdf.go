package tlsrec

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"hash"
)

// prf12 is the TLS 1.2 PRF (RFC 5246 section 5): P_hash(secret, label+seed).
func prf12(newHash func() hash.Hash, secret []byte, label string, seed []byte, n int) []byte {
	out := make([]byte, n)
	pHash(out, newHash, secret, append([]byte(label), seed...))
	return out
}

// prf10 is the TLS 1.0 and 1.1 PRF (RFC 2246 section 5): P_MD5 over the
// first half of the secret XOR P_SHA1 over the second half.
func prf10(secret []byte, label string, seed []byte, n int) []byte {
	ls := append([]byte(label), seed...)
	half := (len(secret) + 1) / 2
	out := make([]byte, n)
	pHash(out, md5.New, secret[:half], ls)
	tmp := make([]byte, n)
	pHash(tmp, sha1.New, secret[len(secret)-half:], ls)
	for i := range out {
		out[i] ^= tmp[i]
	}
	return out
}

// pHash fills out with P_hash(secret, seed).
func pHash(out []byte, newHash func() hash.Hash, secret, seed []byte) {
	h := hmac.New(newHash, secret)
	h.Write(seed)
	a := h.Sum(nil) // A(1)
	for len(out) > 0 {
		h.Reset()
		h.Write(a)
		h.Write(seed)
		out = out[copy(out, h.Sum(nil)):]
		h.Reset()
		h.Write(a)
		a = h.Sum(a[:0])
	}
}

// keyBlock12 derives the TLS 1.0-1.2 key block (RFC 5246 section 6.3).
func keyBlock12(version uint16, s *suite, master []byte, clientRandom, serverRandom [32]byte, n int) []byte {
	seed := make([]byte, 0, 64)
	seed = append(seed, serverRandom[:]...)
	seed = append(seed, clientRandom[:]...)
	if version < 0x0303 {
		return prf10(master, "key expansion", seed, n)
	}
	return prf12(s.prfHash(), master, "key expansion", seed, n)
}

// expandLabel is HKDF-Expand-Label of TLS 1.3 (RFC 8446 section 7.1) with
// an empty context; nil when the secret cannot be used.
func expandLabel(newHash func() hash.Hash, secret []byte, label string, n int) []byte {
	full := "tls13 " + label
	info := make([]byte, 0, 4+len(full))
	info = append(info, byte(n>>8), byte(n), byte(len(full)))
	info = append(info, full...)
	info = append(info, 0) // empty context
	out, err := hkdf.Expand(newHash, secret, string(info), n)
	if err != nil {
		// Only in FIPS 140-only mode for short secrets (callers never ask
		// more than 255 hash lengths): the caller treats it as no key.
		return nil
	}
	return out
}

func hashFor(h int) func() hash.Hash {
	switch h {
	case hashSHA384:
		return sha512.New384
	case hashSHA1:
		return sha1.New
	default:
		return sha256.New
	}
}
