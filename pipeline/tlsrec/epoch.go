package tlsrec

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/hmac"
	"encoding/binary"
	"hash"

	"golang.org/x/crypto/chacha20poly1305"
)

// epoch is the read state of one direction under one set of keys: the
// cipher objects are built once per epoch, so records decrypt without
// allocating.
type epoch struct {
	s       *suite
	version uint16 // negotiated version: the record MAC and CBC IV rules depend on it
	seq     uint64 // sequence number of the next record

	aead cipher.AEAD
	iv   [12]byte // TLS 1.3 and ChaCha: full IV; GCM 1.2: 4-byte salt
	non  [12]byte
	aad  [13]byte

	block  cipher.Block
	cbc    cipher.BlockMode // a CBC decrypter whose IV is set per record
	mac    hash.Hash
	macSum []byte
	etm    bool   // Encrypt-then-MAC (RFC 7366)
	prevIV []byte // TLS 1.0: the IV is the last ciphertext block of the previous record

	secret []byte // TLS 1.3 traffic secret, for KeyUpdate
	app    bool   // TLS 1.3 application traffic keys (not handshake ones)
}

// newEpoch13 builds a TLS 1.3 epoch from a traffic secret; nil when the
// secret is missing or does not fit the suite.
func newEpoch13(s *suite, secret []byte, app bool) *epoch {
	h := hashFor(s.prf)
	if len(secret) != h().Size() {
		return nil
	}
	key := expandLabel(h, secret, "key", s.keyLen)
	iv := expandLabel(h, secret, "iv", 12)
	if key == nil || iv == nil {
		return nil
	}
	e := &epoch{s: s, version: 0x0304, secret: secret, app: app}
	if !e.initAEAD(key) {
		return nil
	}
	copy(e.iv[:], iv)
	return e
}

// update rolls a TLS 1.3 epoch forward after a KeyUpdate (RFC 8446 section 7.2).
func (e *epoch) update() *epoch {
	h := hashFor(e.s.prf)
	next := expandLabel(h, e.secret, "traffic upd", h().Size())
	if next == nil {
		return nil
	}
	return newEpoch13(e.s, next, true)
}

// newEpochs12 builds the client and server write epochs of a TLS 1.0-1.2
// connection from its master secret (RFC 5246 section 6.3).
func newEpochs12(s *suite, version uint16, master []byte, clientRandom, serverRandom [32]byte, etm bool) (client, server *epoch) {
	macLen := 0
	if s.kind == kindCBC {
		macLen = s.macLen()
	}
	ivLen := s.ivLen()
	kb := keyBlock12(version, s, master, clientRandom, serverRandom, 2*(macLen+s.keyLen+ivLen))
	cmac, kb := kb[:macLen], kb[macLen:]
	smac, kb := kb[:macLen], kb[macLen:]
	ckey, kb := kb[:s.keyLen], kb[s.keyLen:]
	skey, kb := kb[:s.keyLen], kb[s.keyLen:]
	civ, siv := kb[:ivLen], kb[ivLen:]
	build := func(mac, key, iv []byte) *epoch {
		e := &epoch{s: s, version: version, etm: etm}
		if s.kind == kindCBC {
			if !e.initCBC(mac, key) {
				return nil
			}
			if version < 0x0302 {
				e.prevIV = append([]byte(nil), iv...)
			}
			return e
		}
		if !e.initAEAD(key) {
			return nil
		}
		copy(e.iv[:], iv)
		return e
	}
	return build(cmac, ckey, civ), build(smac, skey, siv)
}

func (e *epoch) initAEAD(key []byte) bool {
	var err error
	if e.s.cipher == cipherChaCha {
		e.aead, err = chacha20poly1305.New(key)
		return err == nil
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return false
	}
	e.aead, err = cipher.NewGCM(b)
	return err == nil
}

func (e *epoch) initCBC(macKey, key []byte) bool {
	var err error
	if e.s.cipher == cipher3DES {
		e.block, err = des.NewTripleDESCipher(key)
	} else {
		e.block, err = aes.NewCipher(key)
	}
	if err != nil {
		return false
	}
	e.cbc = cipher.NewCBCDecrypter(e.block, make([]byte, e.block.BlockSize()))
	if _, ok := e.cbc.(interface{ SetIV([]byte) }); !ok {
		return false
	}
	e.mac = hmac.New(hashFor(e.s.mac), macKey)
	e.macSum = make([]byte, 0, e.mac.Size())
	return true
}

// overhead is the smallest ciphertext fragment a record of this epoch can have.
func (e *epoch) overhead() int {
	switch e.s.kind {
	case kindGCM12:
		return 8 + 16
	case kindCBC:
		bs := e.block.BlockSize()
		n := e.mac.Size() + 1
		if e.etm {
			n = bs + e.mac.Size()
		} else {
			n = (n + bs - 1) / bs * bs
		}
		if e.version >= 0x0302 {
			n += bs
		}
		return n
	default:
		return 16
	}
}

// open decrypts and authenticates one record fragment as record number seq.
// hdr is the 5-byte record header as on the wire. The plaintext is written
// to dst (which must not overlap frag) and returned; ok is false when the
// record does not authenticate, and then nothing of it may be used.
func (e *epoch) open(dst []byte, seq uint64, hdr []byte, frag []byte) (out []byte, ok bool) {
	if len(frag) < e.overhead() {
		return nil, false
	}
	switch e.s.kind {
	case kindAEAD13:
		e.nonce13(seq)
		out, err := e.aead.Open(dst[:0], e.non[:], frag, hdr[:5])
		return out, err == nil
	case kindGCM12:
		copy(e.non[:4], e.iv[:4])
		copy(e.non[4:], frag[:8])
		e.setAAD(seq, hdr, len(frag)-24)
		out, err := e.aead.Open(dst[:0], e.non[:], frag[8:], e.aad[:])
		return out, err == nil
	case kindChaCha12:
		e.nonce13(seq)
		e.setAAD(seq, hdr, len(frag)-16)
		out, err := e.aead.Open(dst[:0], e.non[:], frag, e.aad[:])
		return out, err == nil
	case kindCBC:
		return e.openCBC(dst, seq, hdr, frag)
	}
	return nil, false
}

func (e *epoch) nonce13(seq uint64) {
	e.non = e.iv
	for i := 0; i < 8; i++ {
		e.non[4+i] ^= byte(seq >> (56 - 8*i))
	}
}

func (e *epoch) setAAD(seq uint64, hdr []byte, n int) {
	binary.BigEndian.PutUint64(e.aad[:8], seq)
	e.aad[8], e.aad[9], e.aad[10] = hdr[0], hdr[1], hdr[2]
	binary.BigEndian.PutUint16(e.aad[11:], uint16(n))
}

func (e *epoch) macOK(seq uint64, hdr []byte, data, tag []byte) bool {
	e.setAAD(seq, hdr, len(data))
	e.mac.Reset()
	e.mac.Write(e.aad[:])
	e.mac.Write(data)
	e.macSum = e.mac.Sum(e.macSum[:0])
	return hmac.Equal(e.macSum, tag)
}

// openCBC handles both MAC-then-encrypt (RFC 5246 section 6.2.3.2) and
// Encrypt-then-MAC (RFC 7366). Timing side channels do not matter to an
// offline reader, so padding and MAC are simply checked in turn.
func (e *epoch) openCBC(dst []byte, seq uint64, hdr []byte, frag []byte) ([]byte, bool) {
	bs := e.block.BlockSize()
	ms := e.mac.Size()
	if e.etm {
		body, tag := frag[:len(frag)-ms], frag[len(frag)-ms:]
		if !e.macOK(seq, hdr, body, tag) {
			return nil, false
		}
		frag = body
	}
	var iv []byte
	if e.version >= 0x0302 {
		iv, frag = frag[:bs], frag[bs:]
	} else {
		iv = e.prevIV
	}
	if len(frag) == 0 || len(frag)%bs != 0 || cap(dst) < len(frag) {
		return nil, false
	}
	out := dst[:len(frag)]
	e.cbc.(interface{ SetIV([]byte) }).SetIV(iv)
	e.cbc.CryptBlocks(out, frag)
	pad := int(out[len(out)-1])
	if pad+1 > len(out) {
		return nil, false
	}
	for _, p := range out[len(out)-1-pad:] {
		if int(p) != pad {
			return nil, false
		}
	}
	out = out[:len(out)-1-pad]
	if !e.etm {
		if len(out) < ms {
			return nil, false
		}
		content, tag := out[:len(out)-ms], out[len(out)-ms:]
		if !e.macOK(seq, hdr, content, tag) {
			return nil, false
		}
		out = content
	}
	if e.prevIV != nil {
		copy(e.prevIV, frag[len(frag)-bs:])
	}
	return out, true
}
