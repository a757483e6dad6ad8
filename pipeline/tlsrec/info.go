package tlsrec

import (
	"telltale/pipeline/tlshello"
	"telltale/reassembly"
)

// Info describes one TLS connection as far as it could be followed. It is
// final once Conn.End has returned.
type Info struct {
	// Client is the direction that sent the ClientHello (as numbered by the
	// Data calls), or the opposite of the ServerHello's when only that was
	// seen. ClientToServer when neither was seen.
	Client reassembly.Dir
	Hello  *tlshello.ClientHello // nil when not seen (the first one after a HelloRetryRequest)
	Server *tlshello.ServerHello // nil when not seen (never the HelloRetryRequest)

	Version     uint16 // negotiated version, 0 when no ServerHello was seen
	CipherSuite uint16 // negotiated suite, 0 when no ServerHello was seen
	ALPN        string // from the ServerHello (TLS 1.2) or the decrypted EncryptedExtensions (TLS 1.3)

	KeysFound  bool // the key log had secrets for this connection's client random
	Decrypted  bool // at least one application data record was decrypted
	Resumed    bool // TLS 1.3 PSK accepted, or TLS 1.2 session ID echoed
	HelloRetry bool // the server sent a HelloRetryRequest

	// Per direction, indexed by the Dir given to Data.
	Records [2]int64 // records parsed
	// AppDataBytes counts the fragments of application_data records. In
	// TLS 1.3 the encrypted handshake travels in such records too: a
	// decrypted record counts only when its inner type is application
	// data; one that cannot be decrypted counts (so without keys the
	// encrypted handshake is included), except the handshake records
	// passed over when only the traffic secrets are logged.
	AppDataBytes     [2]int64
	DecryptedBytes   [2]int64 // plaintext delivered to the Handler
	UndecryptedBytes [2]int64 // application data ciphertext bytes not decrypted
	SkippedBytes     [2]int64 // stream bytes not parsed as records (after a bad record, while resynchronising)

	DecryptErrors int64 // records that failed to authenticate
	Alerts        int64 // alert records (TLS 1.3: only those decrypted)
	KeyUpdates    int64 // TLS 1.3 KeyUpdate messages followed
	Problems      Flags
}

// Flags are the problems met on a connection.
type Flags uint16

const (
	FlagNoKeys            Flags = 1 << iota // no secrets for this connection (or Config.Keys is nil)
	FlagDecryptError                        // a record failed to authenticate
	FlagBadRecord                           // an impossible record header: that direction stopped
	FlagGap                                 // the reassembler reported missing bytes
	FlagUnsupportedCipher                   // negotiated suite or version this package cannot decrypt
	FlagMidstream                           // the connection was not seen from its ClientHello
	FlagTruncated                           // a record or handshake message was cut by the end of the connection
	FlagBadHandshake                        // a handshake message that did not parse, or one in the wrong place
	FlagEarlyData                           // TLS 1.3 0-RTT data was seen; it is counted, never decrypted
)

var flagNames = [...]string{
	"no_keys", "decrypt_error", "bad_record", "gap", "unsupported_cipher",
	"midstream", "truncated", "bad_handshake", "early_data",
}

// Names lists the set flags' names in a fixed order.
func (f Flags) Names() []string {
	var out []string
	for i, n := range flagNames {
		if f&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}
