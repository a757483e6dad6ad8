package tlsrec

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
)

// Secrets are the key log entries of one TLS connection, found by the
// client random of its ClientHello. A field is nil when the log had no line
// for it.
type Secrets struct {
	ClientRandom    [32]byte
	Master          []byte // CLIENT_RANDOM: TLS 1.2 and below master secret (48 bytes)
	ClientEarly     []byte // CLIENT_EARLY_TRAFFIC_SECRET
	ClientHandshake []byte // CLIENT_HANDSHAKE_TRAFFIC_SECRET
	ServerHandshake []byte // SERVER_HANDSHAKE_TRAFFIC_SECRET
	ClientTraffic0  []byte // CLIENT_TRAFFIC_SECRET_0
	ServerTraffic0  []byte // SERVER_TRAFFIC_SECRET_0
}

// KeyLog holds the secrets of an NSS key log file (the SSLKEYLOGFILE format
// written by browsers, curl, OpenSSL and Go's tls.Config.KeyLogWriter),
// keyed by client random. Lines it does not understand are counted, never
// fatal: key logs are often concatenated from several programs.
//
// A KeyLog is safe for concurrent Lookup once loading is over; Load and
// AddLine must not run concurrently with anything else.
type KeyLog struct {
	m   map[[32]byte]*Secrets
	bad int
}

// NewKeyLog returns an empty key log.
func NewKeyLog() *KeyLog {
	return &KeyLog{m: make(map[[32]byte]*Secrets)}
}

// maxKeyLogLine bounds one line; real lines are under 250 bytes.
const maxKeyLogLine = 4096

// Load adds every line of r. It returns the number of lines that added or
// replaced a secret; malformed lines are counted in Bad. The error is
// non-nil only when reading r failed.
func (k *KeyLog) Load(r io.Reader) (added int, err error) {
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		line, isPrefix, err := br.ReadLine()
		if isPrefix {
			// An overlong line: skip the rest of it and count it once.
			for isPrefix && err == nil {
				_, isPrefix, err = br.ReadLine()
			}
			k.bad++
		} else if len(line) > 0 || err == nil {
			if k.addLine(line) {
				added++
			}
		}
		if err == io.EOF {
			return added, nil
		}
		if err != nil {
			return added, fmt.Errorf("tlsrec: reading key log: %w", err)
		}
	}
}

// AddLine adds one key log line. Comments (#) and blank lines are ignored
// and return false without being counted; a line with an unknown label,
// wrong field count, bad hex or a wrong length returns false and is counted
// in Bad.
func (k *KeyLog) AddLine(line []byte) bool {
	return k.addLine(line)
}

func (k *KeyLog) addLine(line []byte) bool {
	line = bytes.TrimRight(line, "\r\n")
	trimmed := bytes.TrimSpace(line)
	if len(trimmed) == 0 || trimmed[0] == '#' {
		return false
	}
	if len(trimmed) > maxKeyLogLine {
		k.bad++
		return false
	}
	label, random, secret, ok := splitKeyLogLine(trimmed)
	if !ok {
		k.bad++
		return false
	}
	var cr [32]byte
	if hex.DecodedLen(len(random)) != 32 {
		k.bad++
		return false
	}
	if _, err := hex.Decode(cr[:], random); err != nil {
		k.bad++
		return false
	}
	sec := make([]byte, hex.DecodedLen(len(secret)))
	if _, err := hex.Decode(sec, secret); err != nil {
		k.bad++
		return false
	}
	s := k.m[cr]
	if s == nil {
		s = &Secrets{ClientRandom: cr}
	}
	var dst *[]byte
	switch string(label) {
	case "CLIENT_RANDOM":
		if len(sec) != 48 {
			k.bad++
			return false
		}
		dst = &s.Master
	case "CLIENT_EARLY_TRAFFIC_SECRET":
		dst = &s.ClientEarly
	case "CLIENT_HANDSHAKE_TRAFFIC_SECRET":
		dst = &s.ClientHandshake
	case "SERVER_HANDSHAKE_TRAFFIC_SECRET":
		dst = &s.ServerHandshake
	case "CLIENT_TRAFFIC_SECRET_0":
		dst = &s.ClientTraffic0
	case "SERVER_TRAFFIC_SECRET_0":
		dst = &s.ServerTraffic0
	default:
		// EXPORTER_SECRET, EARLY_EXPORTER_SECRET, RSA and others carry
		// nothing this package can use.
		k.bad++
		return false
	}
	if dst != &s.Master && len(sec) != 32 && len(sec) != 48 {
		// TLS 1.3 secrets are one hash long: SHA-256 or SHA-384.
		k.bad++
		return false
	}
	*dst = sec
	k.m[cr] = s
	return true
}

// splitKeyLogLine splits "LABEL <hex random> <hex secret>" on runs of
// spaces or tabs.
func splitKeyLogLine(line []byte) (label, random, secret []byte, ok bool) {
	var f [3][]byte
	n := 0
	for len(line) > 0 {
		i := 0
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		line = line[i:]
		if len(line) == 0 {
			break
		}
		j := 0
		for j < len(line) && line[j] != ' ' && line[j] != '\t' {
			j++
		}
		if n == 3 {
			return nil, nil, nil, false
		}
		f[n] = line[:j]
		n++
		line = line[j:]
	}
	if n != 3 {
		return nil, nil, nil, false
	}
	return f[0], f[1], f[2], true
}

// Len returns the number of distinct client randoms with at least one secret.
func (k *KeyLog) Len() int { return len(k.m) }

// Bad returns the number of malformed or unusable lines seen.
func (k *KeyLog) Bad() int { return k.bad }

// Lookup returns the secrets logged for clientRandom, nil when none. The
// result is shared: callers must not modify it.
func (k *KeyLog) Lookup(clientRandom [32]byte) *Secrets {
	if k == nil {
		return nil
	}
	return k.m[clientRandom]
}
