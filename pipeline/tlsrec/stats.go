package tlsrec

// Stats are the totals of every Conn of one run. The caller owns the value
// and shares it between the Conns it creates; they update it from the single
// goroutine that drives them.
type Stats struct {
	Conns             int64 // connections ended
	ClientHellos      int64
	ServerHellos      int64 // HelloRetryRequests excluded
	TLS13             int64 // connections that negotiated TLS 1.3
	TLS12             int64 // connections that negotiated TLS 1.2
	TLSOld            int64 // connections that negotiated TLS 1.1 or below
	KeysFound         int64 // connections with secrets in the key log
	NoKeys            int64 // connections flagged no_keys
	DecryptedConns    int64 // connections with application data decrypted
	Resumed           int64
	HelloRetries      int64
	Midstream         int64
	UnsupportedCipher int64 // connections
	Records           int64
	DecryptedRecords  int64
	DecryptErrors     int64
	BadRecords        int64
	BadHandshakes     int64
	HandshakeSkipped  int64 // handshake messages over the 64 KiB cap, skipped
	Gaps              int64
	Resyncs           int64 // record boundaries found again after a gap or a midstream start
	ResyncFailures    int64 // directions that gave up looking for a record boundary
	Truncated         int64 // connections that ended inside a record or handshake message
	Alerts            int64
	KeyUpdates        int64
	EarlyDataRecords  int64
	SkippedHSRecords  int64 // TLS 1.3 encrypted handshake records passed over without handshake secrets
	AppDataBytes      int64
	DecryptedBytes    int64
	UndecryptedBytes  int64
	SkippedBytes      int64
}

// Counter is one named figure.
type Counter struct {
	Name  string
	Value int64
}

// Counters lists every figure under its stable name, always in the same order.
func (s *Stats) Counters() []Counter {
	return []Counter{
		{"tls.conns", s.Conns},
		{"tls.client_hellos", s.ClientHellos},
		{"tls.server_hellos", s.ServerHellos},
		{"tls.version_13", s.TLS13},
		{"tls.version_12", s.TLS12},
		{"tls.version_old", s.TLSOld},
		{"tls.keys_found", s.KeysFound},
		{"tls.no_keys", s.NoKeys},
		{"tls.decrypted_conns", s.DecryptedConns},
		{"tls.resumed", s.Resumed},
		{"tls.hello_retries", s.HelloRetries},
		{"tls.midstream", s.Midstream},
		{"tls.unsupported_cipher", s.UnsupportedCipher},
		{"tls.records", s.Records},
		{"tls.decrypted_records", s.DecryptedRecords},
		{"tls.decrypt_errors", s.DecryptErrors},
		{"tls.bad_records", s.BadRecords},
		{"tls.bad_handshakes", s.BadHandshakes},
		{"tls.handshake_skipped", s.HandshakeSkipped},
		{"tls.gaps", s.Gaps},
		{"tls.resyncs", s.Resyncs},
		{"tls.resync_failures", s.ResyncFailures},
		{"tls.truncated", s.Truncated},
		{"tls.alerts", s.Alerts},
		{"tls.key_updates", s.KeyUpdates},
		{"tls.early_data_records", s.EarlyDataRecords},
		{"tls.skipped_handshake_records", s.SkippedHSRecords},
		{"tls.app_data_bytes", s.AppDataBytes},
		{"tls.decrypted_bytes", s.DecryptedBytes},
		{"tls.undecrypted_bytes", s.UndecryptedBytes},
		{"tls.skipped_bytes", s.SkippedBytes},
	}
}
