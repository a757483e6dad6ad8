package pipeline

import (
	"bytes"
	"fmt"
	"os"

	"telltale/pipeline/capture"
	"telltale/pipeline/tlsrec"
)

// loadKeyLog adds an NSS key log file to keys.
func loadKeyLog(keys *tlsrec.KeyLog, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("pipeline: key log: %w", err)
	}
	defer f.Close()
	if _, err := keys.Load(f); err != nil {
		return fmt.Errorf("pipeline: key log %s: %w", path, err)
	}
	return nil
}

// secretsBlock takes the TLS key log of a pcapng Decryption Secrets Block;
// other kinds of secrets are counted only.
func (r *run) secretsBlock(s capture.Secrets) {
	r.secrets++
	if s.Type == capture.SecretsTLSKeyLog {
		r.keys.Load(bytes.NewReader(s.Data))
	}
}
