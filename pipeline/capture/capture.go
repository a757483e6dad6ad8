// Package capture reads packet capture files (pcap in either byte order with
// micro- or nanosecond timestamps, pcapng with any number of interfaces and
// link types, and gzip-compressed variants of both) as one stream of frames.
//
// A Set orders its files by the timestamp of their first packet, so a capture
// rotated by tcpdump -C/-G/-W reads as one capture. Reading is streaming and
// memory-bounded: one frame buffer, one read buffer per open file, and nothing
// proportional to a file's size. Damage never stops a run: a corrupt record,
// a cut file or an unreadable file is recorded in that file's FileInfo with
// its offset and frame number, counted, and reading moves on. Every file is
// hashed (SHA-256 of its bytes on disk) while it is read.
//
// The package is pure Go: the readers are written here, against the format
// specifications, rather than taken from libpcap or gopacket's pcapgo (see
// pcap.go and pcapng.go for why).
package capture

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"sort"
)

// Frame is one captured packet. Data is valid until the next call to
// Set.Next.
type Frame struct {
	Data     []byte // captured bytes
	OrigLen  int    // original length on the wire
	Time     int64  // Unix nanoseconds; 0 for pcapng simple packet blocks, which carry no time
	LinkType uint16 // LINKTYPE_* value (layers.LinkType numbering)
	File     int32  // index of the file in Set.Files
	Frame    uint64 // 1-based frame number inside that file, as Wireshark numbers it
	Offset   int64  // byte offset of the record (pcap) or block (pcapng) in the decompressed file
}

// FileInfo describes one input file. Its counts, times, hash and errors are
// complete once Set.Next has returned io.EOF.
type FileInfo struct {
	Path      string // as given to Open
	Name      string // base name; used in error messages so they do not depend on where inputs live
	Size      int64  // bytes on disk
	SHA256    string // hex SHA-256 of the file's bytes on disk (compressed, if it is)
	Format    string // "pcap", "pcapng", "pcap.gz", "pcapng.gz"; "" when not recognised
	Packets   int64  // frames delivered
	FirstTime int64  // earliest frame time, Unix nanoseconds (0 without frames)
	LastTime  int64  // latest frame time
	// Errors lists the problems found, each as "name: offset N: frame M: what"
	// (frame omitted when none is concerned); at most 20 are listed, the rest
	// are only counted in Stats.Errors.
	Errors    []string
	Truncated bool // the file (or its gzip stream) ends inside a record
	// Resyncs counts the corrupt pcapng blocks after which reading resumed
	// at the next block boundary found by scanning; SkippedBytes the bytes
	// those scans passed over (including a last scan that found none).
	Resyncs      int64
	SkippedBytes int64
}

// Stats are a Set's totals.
type Stats struct {
	Files    int64 // files in the set
	Frames   int64 // frames delivered
	BadFiles int64 // files that could not be read at all (not a capture, unsupported, unreadable)
	Errors   int64 // problems recorded, over all files, including those not listed
	// Resyncs and SkippedBytes total FileInfo.Resyncs and SkippedBytes.
	Resyncs      int64
	SkippedBytes int64
}

// Set reads a list of capture files as one stream of frames.
type Set struct {
	files []FileInfo
	bad   []bool // per file: the header could not be read at Open
	idx   int    // file being read
	file  *os.File
	rd    *reader
	hash  hash.Hash // reused for every file
	buf   []byte    // frame buffer, shared by the files' readers
	frame Frame
	stats Stats
	err   error // set once closed

	onSecrets func(Secrets)
}

// Secrets are the contents of a pcapng Decryption Secrets Block.
type Secrets struct {
	Type   uint32 // secrets type, e.g. SecretsTLSKeyLog
	Data   []byte // valid only during the handler call
	File   int32  // index of the file in Set.Files
	Offset int64  // byte offset of the block
}

// Secrets types of the pcapng specification.
const (
	SecretsTLSKeyLog = 0x544c534b // NSS key log lines
	SecretsWireGuard = 0x57474b4c
	SecretsZigBeeNWK = 0x5a4e574b
	SecretsZigBeeAPS = 0x5a415053
	SecretsOPCUA     = 0x55414b4c
	SecretsSSHKeyLog = 0x5353484b
)

// OnSecrets sets the function called, from Next, with the contents of each
// Decryption Secrets Block met while reading, in file order. Secrets placed
// before the packets they decrypt (as editcap --inject-secrets and PCAPdroid
// write them) are known by the time those packets are returned.
func (s *Set) OnSecrets(fn func(Secrets)) { s.onSecrets = fn }

var errClosed = errors.New("capture: set is closed")

// Open prepares a Set over paths (files, not directories: see Expand). It
// reads the start of every file to find its first timestamp and then orders
// the files by it, ties and files without packets by path, the latter after
// the others. A file that cannot be read is listed, with the error recorded,
// and skipped when reading. Open fails only on an empty path.
func Open(paths []string) (*Set, error) {
	type entry struct {
		info  FileInfo
		bad   bool
		first int64
		has   bool
	}
	entries := make([]entry, 0, len(paths))
	var buf []byte
	for _, p := range paths {
		if p == "" {
			return nil, errors.New("capture: empty path")
		}
		e := entry{info: FileInfo{Path: p, Name: filepath.Base(p)}}
		first, has, format, err := peek(p, &e.info, &buf)
		e.info.Format = format
		if err != nil {
			e.bad = true
			e.info.Errors = append(e.info.Errors, fmt.Sprintf("%s: offset 0: %v", e.info.Name, err))
			if _, ok := err.(*truncatedError); ok {
				e.info.Truncated = true
			}
		}
		e.first, e.has = first, has
		entries = append(entries, e)
	}
	sort.SliceStable(entries, func(i, j int) bool {
		a, b := &entries[i], &entries[j]
		if a.has != b.has {
			return a.has
		}
		if a.has && a.first != b.first {
			return a.first < b.first
		}
		return a.info.Path < b.info.Path
	})
	s := &Set{buf: buf}
	s.hash = sha256.New()
	for _, e := range entries {
		s.files = append(s.files, e.info)
		s.bad = append(s.bad, e.bad)
		if e.bad {
			s.stats.BadFiles++
			s.stats.Errors++
		}
	}
	s.stats.Files = int64(len(s.files))
	return s, nil
}

// peek opens a file, reads its header and the time of its first frame.
// Problems past the header are left for the real read to record.
func peek(path string, info *FileInfo, buf *[]byte) (first int64, has bool, format string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, false, "", err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil {
		info.Size = st.Size()
		if st.IsDir() {
			return 0, false, "", errors.New("is a directory")
		}
	}
	src, err := newSource(f, nil)
	if err != nil {
		return 0, false, "", fmt.Errorf("gzip: %w", err)
	}
	scratch := FileInfo{Name: info.Name}
	rd, err := newReader(src, &scratch, *buf)
	if err != nil {
		return 0, false, "", err
	}
	var fr Frame
	if rd.next(&fr) == nil {
		first, has = fr.Time, true
	}
	*buf = rd.buf
	return first, has, scratch.Format, nil
}

// Files describes the files in read order; Frame.File indexes it. The slice
// is the Set's own: callers must not modify it.
func (s *Set) Files() []FileInfo { return s.files }

// Stats returns the totals so far.
func (s *Set) Stats() Stats { return s.stats }

// Next returns the next frame of the set, or io.EOF after the last one. The
// frame and its Data are valid until the next call. Problems in the files are
// recorded in Files, never returned: the only error besides io.EOF is using a
// closed Set.
func (s *Set) Next() (*Frame, error) {
	if s.err != nil {
		return nil, s.err
	}
	for {
		if s.rd == nil {
			if s.idx >= len(s.files) {
				return nil, io.EOF
			}
			s.openFile()
			if s.rd == nil {
				s.idx++
				continue
			}
		}
		if err := s.rd.next(&s.frame); err == nil {
			fi := &s.files[s.idx]
			t := s.frame.Time
			if fi.Packets == 0 || t < fi.FirstTime {
				fi.FirstTime = t
			}
			if fi.Packets == 0 || t > fi.LastTime {
				fi.LastTime = t
			}
			fi.Packets++
			s.stats.Frames++
			s.frame.File = int32(s.idx)
			return &s.frame, nil
		}
		s.closeFile()
		s.idx++
	}
}

// openFile starts reading s.files[s.idx]. When the file cannot be read it
// is only hashed, and s.rd stays nil.
func (s *Set) openFile() {
	fi := &s.files[s.idx]
	f, err := os.Open(fi.Path)
	if err != nil {
		if !s.bad[s.idx] {
			s.badNow(fi, err)
		}
		return
	}
	s.file = f
	s.hash.Reset()
	src, err := newSource(f, s.hash)
	if err == nil && !s.bad[s.idx] {
		var rd *reader
		rd, err = newReader(src, fi, s.buf)
		if err == nil {
			rd.onSecrets, rd.fileIndex = s.onSecrets, int32(s.idx)
			s.rd = rd
			return
		}
	}
	// The file changed since Open, or was bad from the start: hash it
	// anyway so the manifest says exactly what was given.
	if !s.bad[s.idx] {
		s.badNow(fi, err)
	}
	if src != nil {
		src.finish()
	}
	s.sum(fi)
	f.Close()
	s.file = nil
}

// badNow records a file that turned unreadable after Open.
func (s *Set) badNow(fi *FileInfo, err error) {
	s.bad[s.idx] = true
	fi.Errors = append(fi.Errors, fmt.Sprintf("%s: offset 0: %v", fi.Name, err))
	s.stats.BadFiles++
	s.stats.Errors++
}

// closeFile finishes the file being read: hash, counts, and close.
func (s *Set) closeFile() {
	fi := &s.files[s.idx]
	rd := s.rd
	s.buf = rd.buf
	s.account(fi, rd)
	if more := rd.nerrs - int64(len(fi.Errors)); more > 0 {
		fi.Errors = append(fi.Errors, fmt.Sprintf("%s: %d more problems not listed", fi.Name, more))
	}
	if err := rd.src.finish(); err == nil {
		s.sum(fi)
	}
	s.file.Close()
	s.file = nil
	s.rd = nil
}

// account adds a finished reader's counts to the file and the totals.
func (s *Set) account(fi *FileInfo, rd *reader) {
	s.stats.Errors += rd.nerrs
	fi.Resyncs, fi.SkippedBytes = rd.resyncs, rd.skipped
	s.stats.Resyncs += rd.resyncs
	s.stats.SkippedBytes += rd.skipped
}

func (s *Set) sum(fi *FileInfo) {
	var b [sha256.Size]byte
	fi.SHA256 = hex.EncodeToString(s.hash.Sum(b[:0]))
}

// Close releases the file being read, after hashing the rest of it so that
// its SHA256 covers the whole file even when reading stopped early. Files
// never reached keep an empty SHA256. Files and Stats stay valid.
func (s *Set) Close() error {
	if s.err != nil {
		return nil
	}
	s.err = errClosed
	if s.rd == nil {
		return nil
	}
	fi := &s.files[s.idx]
	s.account(fi, s.rd)
	var err error
	if err = s.rd.src.finish(); err == nil {
		s.sum(fi)
	}
	if cerr := s.file.Close(); err == nil {
		err = cerr
	}
	s.file, s.rd = nil, nil
	if err != nil {
		return fmt.Errorf("capture: %s: %w", fi.Name, err)
	}
	return nil
}
