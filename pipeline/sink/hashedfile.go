package sink

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"os"
)

// HashedFile is a file being written through a 1 MiB buffer. It hashes
// (SHA-256) and counts what reaches the file, so a checksum needs no second
// read, and it keeps the first write error, because not every pqarrow path
// returns one. It has no Close method on purpose: pqarrow closes its sink if
// it can, and the file must instead be flushed and fsynced first (Finish).
// The sink's tables and publish's copies are written through it.
type HashedFile struct {
	f    *os.File
	bw   *bufio.Writer
	h    hash.Hash
	n    int64
	err  error
	drop bool // abandoned: swallow writes
}

// CreateHashedFile creates (or truncates) the file at path.
func CreateHashedFile(path string) (*HashedFile, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, err
	}
	o := &HashedFile{f: f, h: sha256.New()}
	o.bw = bufio.NewWriterSize(hashWriter{o}, 1<<20)
	return o, nil
}

func (o *HashedFile) Write(p []byte) (int, error) {
	if o.drop {
		return len(p), nil
	}
	if o.err != nil {
		return 0, o.err
	}
	n, err := o.bw.Write(p)
	if err != nil {
		o.err = err
	}
	return n, err
}

// Err is the first write error, nil if none.
func (o *HashedFile) Err() error { return o.err }

// Finish flushes, fsyncs and closes the file; it returns the first error of
// the file's life.
func (o *HashedFile) Finish() error {
	if o.err == nil {
		o.err = o.bw.Flush()
	}
	if o.err == nil {
		o.err = o.f.Sync()
	}
	if err := o.f.Close(); o.err == nil {
		o.err = err
	}
	o.f = nil
	return o.err
}

// Abandon closes the file without flushing; later writes are swallowed (a
// writer being closed may still write its footer). The caller removes it.
func (o *HashedFile) Abandon() {
	o.drop = true
	if o.f != nil {
		o.f.Close()
		o.f = nil
	}
}

// Size is the number of bytes that reached the file.
func (o *HashedFile) Size() int64 { return o.n }

// SHA256 is the hex SHA-256 of the bytes that reached the file.
func (o *HashedFile) SHA256() string { return hex.EncodeToString(o.h.Sum(nil)) }

// hashWriter sits below the buffer so only bytes handed to the file are
// hashed and counted.
type hashWriter struct{ o *HashedFile }

func (w hashWriter) Write(p []byte) (int, error) {
	n, err := w.o.f.Write(p)
	w.o.h.Write(p[:n])
	w.o.n += int64(n)
	return n, err
}
