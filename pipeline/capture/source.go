package capture

import (
	"bufio"
	"errors"
	"hash"
	"io"

	"github.com/klauspost/compress/gzip"
)

const bufSize = 64 << 10

// source is the byte stream of one capture file. The raw bytes are hashed as
// they are read (so the hash costs no second pass), a gzip layer is added when
// the file starts with the gzip magic, and the offset in the decompressed
// stream is tracked so that problems can say where they are.
type source struct {
	raw     io.Reader // the file itself
	hash    hash.Hash // nil: do not hash
	rawbuf  *bufio.Reader
	r       *bufio.Reader // what records are read from
	gzipped bool
	pos     int64 // offset in the (decompressed) stream of the next byte r returns
}

// newSource wraps raw. It reads the gzip header when there is one, so it can
// fail; raw is then left partly read and finish still hashes the rest.
func newSource(raw io.Reader, h hash.Hash) (*source, error) {
	s := &source{raw: raw, hash: h}
	var in io.Reader = raw
	if h != nil {
		in = io.TeeReader(raw, h)
	}
	s.rawbuf = bufio.NewReaderSize(in, bufSize)
	s.r = s.rawbuf
	if m, _ := s.rawbuf.Peek(2); len(m) == 2 && m[0] == 0x1f && m[1] == 0x8b {
		gz, err := gzip.NewReader(s.rawbuf)
		if err != nil {
			return s, err
		}
		s.gzipped = true
		s.r = bufio.NewReaderSize(gz, bufSize)
	}
	return s, nil
}

// readFull reads exactly len(p) bytes. It returns io.EOF only when no byte
// was read at a clean end, io.ErrUnexpectedEOF when the stream ends inside p,
// and any decompression error as it is.
func (s *source) readFull(p []byte) (int, error) {
	n, err := io.ReadFull(s.r, p)
	s.pos += int64(n)
	return n, err
}

// discard skips n bytes and reports how many it skipped.
func (s *source) discard(n int64) (int64, error) {
	var done int64
	for done < n {
		step := n - done
		if step > 1<<30 {
			step = 1 << 30
		}
		m, err := s.r.Discard(int(step))
		done += int64(m)
		s.pos += int64(m)
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return done, err
		}
	}
	return done, nil
}

// peek returns the next n bytes without consuming them, or fewer with the
// error that stopped the stream (io.EOF at its end). The buffer grows once,
// to peekWindow, the first time a longer look is needed, so files that never
// need one keep the small buffer. n must not exceed peekWindow.
func (s *source) peek(n int) ([]byte, error) {
	if n > s.r.Size() {
		// When the stream ends within the current buffer, that is the
		// answer already; a small file never pays for a larger buffer.
		if b, err := s.r.Peek(s.r.Size()); err != nil {
			return b, err
		}
		// The new reader drains the old one's buffered bytes first, so
		// nothing is lost and pos stays right.
		s.r = bufio.NewReaderSize(s.r, peekWindow)
	}
	b, err := s.r.Peek(n)
	if err == bufio.ErrBufferFull {
		err = nil // not reached: n <= Size()
	}
	return b, err
}

// atEOF says whether the stream has no more bytes. A decompression error
// found while looking is returned.
func (s *source) atEOF() (bool, error) {
	_, err := s.r.Peek(1)
	if err == io.EOF {
		return true, nil
	}
	return false, err
}

// finish feeds the rest of the raw file to the hash so that it covers the
// whole file even when parsing stopped early.
func (s *source) finish() error {
	if s.hash == nil {
		return nil
	}
	// Bytes already buffered by rawbuf went through the tee; drain the rest
	// of the underlying reader directly.
	_, err := io.Copy(s.hash, s.raw)
	return err
}

// isUnexpectedEOF reports whether err means the data stopped early (a cut
// file or a cut gzip stream) rather than being corrupt.
func isUnexpectedEOF(err error) bool {
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}
