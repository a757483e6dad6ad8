package publish

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
)

// Key limits. A key shorter than MinKeyLen bytes could be guessed, and a
// file longer than MaxKeyLen bytes is almost surely not a key but a capture
// or a dataset named by mistake.
const (
	MinKeyLen = 16
	MaxKeyLen = 1024
)

// PseudonymPrefix starts every pseudonym; 16 lower-case hex digits follow.
const PseudonymPrefix = "p:"

// pseudonymLen is len(PseudonymPrefix) plus 16 hex digits (64 bits: no
// collision is expected below about four billion distinct values).
const pseudonymLen = len(PseudonymPrefix) + 16

// fingerprintLabel is what Key.Fingerprint authenticates. It starts with a
// NUL byte, which no value of a text column holds, so a fingerprint is never
// also the MAC behind a pseudonym.
const fingerprintLabel = "\x00telltale publish key fingerprint"

// ErrShortKey is returned for a key of fewer than MinKeyLen bytes.
var ErrShortKey = errors.New("publish: key too short")

// Key is the secret behind the pseudonyms. Keep it: with the key and the
// captures anyone can redo a publication and compare hashes, and without it
// nobody can tell which value a pseudonym stands for.
type Key struct {
	b []byte
}

// NewKey makes a Key of a copy of b, which must hold at least MinKeyLen and
// at most MaxKeyLen bytes.
func NewKey(b []byte) (*Key, error) {
	if len(b) < MinKeyLen {
		return nil, fmt.Errorf("%w: %d bytes, need at least %d (make one with: head -c 32 /dev/urandom > key)", ErrShortKey, len(b), MinKeyLen)
	}
	if len(b) > MaxKeyLen {
		return nil, fmt.Errorf("publish: key of %d bytes is longer than %d: not a key file", len(b), MaxKeyLen)
	}
	return &Key{b: append([]byte(nil), b...)}, nil
}

// LoadKey reads a key file. Every byte of the file is key, a final newline
// included.
func LoadKey(path string) (*Key, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("publish: key: %w", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil {
		return nil, fmt.Errorf("publish: key: %w", err)
	} else if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("publish: key %s is not a regular file", path)
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxKeyLen+1))
	if err != nil {
		return nil, fmt.Errorf("publish: key: %w", err)
	}
	k, err := NewKey(b)
	if err != nil {
		return nil, fmt.Errorf("%w (key file %s)", err, path)
	}
	return k, nil
}

// Pseudonym returns the pseudonym of v: PseudonymPrefix and the first 16
// hex digits of HMAC-SHA256(key, v). It depends on the bytes of v only,
// never on the column or identifier kind.
func (k *Key) Pseudonym(v string) string {
	return newPseudonymizer(k).of(v)
}

// Fingerprint is the hex HMAC-SHA256 of a fixed label under the key: it
// tells keys apart without revealing them.
func (k *Key) Fingerprint() string {
	m := hmac.New(sha256.New, k.b)
	m.Write([]byte(fingerprintLabel))
	return hex.EncodeToString(m.Sum(nil))
}

// pseudonymizer computes pseudonyms with one reused MAC state. It is not
// safe for concurrent use.
type pseudonymizer struct {
	mac hash.Hash
	sum [sha256.Size]byte
	out [pseudonymLen]byte
}

func newPseudonymizer(k *Key) *pseudonymizer {
	p := &pseudonymizer{mac: hmac.New(sha256.New, k.b)}
	copy(p.out[:], PseudonymPrefix)
	return p
}

func (p *pseudonymizer) of(v string) string {
	p.mac.Reset()
	io.WriteString(p.mac, v)
	sum := p.mac.Sum(p.sum[:0])
	hex.Encode(p.out[len(PseudonymPrefix):], sum[:8])
	return string(p.out[:])
}
