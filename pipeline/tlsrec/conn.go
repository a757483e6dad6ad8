// Package tlsrec follows the TLS record layer of a reassembled TCP
// connection: it parses the records of both directions, tracks the
// handshake (ClientHello, ServerHello, and in TLS 1.3 the encrypted
// EncryptedExtensions and Finished), and, given the connection's secrets
// from an NSS key log (SSLKEYLOGFILE), decrypts TLS 1.3 and TLS 1.0-1.2
// application data and hands the plaintext on as a byte stream per
// direction.
//
// It promises never to deliver plaintext that did not authenticate, to
// bound what it buffers (one record and one handshake message per
// direction), to allocate nothing per record once a connection is under
// way, and to count, rather than fail on, whatever it cannot follow.
// Without keys it still reports the handshake metadata.
package tlsrec

import (
	"bytes"

	"telltale/pipeline/tlshello"
	"telltale/reassembly"
)

// Handler receives the decrypted application data of a connection, one
// byte stream per direction, as reassembly delivers ciphertext.
type Handler interface {
	Data(dir reassembly.Dir, b []byte, at reassembly.Position)
	Gap(dir reassembly.Dir, n int64, at reassembly.Position)
}

// Config configures a Conn.
type Config struct {
	// Keys holds the secrets; nil reports metadata only.
	Keys *KeyLog
}

// Record and handshake limits.
const (
	recordHeaderLen = 5
	maxFragment     = 1<<14 + 2048 // RFC 5246 section 6.2.3: the largest ciphertext fragment
	maxHandshakeMsg = 64 << 10     // longer handshake messages (huge certificate chains) are skipped
	resyncSeqWindow = 64           // sequence numbers tried after a gap
	maxResyncScan   = 1 << 20      // bytes searched for a record boundary before giving up
	maxResyncTrials = 32           // candidate records trial-decrypted before giving up (bounds CPU on hostile input)
	maxFailures     = 16           // failed records in a row after which a direction stops decrypting
)

// Record content types.
const (
	typeChangeCipherSpec = 20
	typeAlert            = 21
	typeHandshake        = 22
	typeApplicationData  = 23
	typeHeartbeat        = 24
)

// half is the state of one direction.
type half struct {
	dir   reassembly.Dir
	buf   []byte              // an incomplete record, or the bytes being searched while resynchronising
	bufAt reassembly.Position // where buf[0] came from

	parsed  bool // a record has been parsed in this direction
	stopped bool // an impossible record header: the rest of the direction is skipped
	resync  bool // looking for a record boundary after a gap (or a midstream start)
	scanned int64
	trials  int

	// Read protection. encrypted says records are protected (from
	// ChangeCipherSpec in TLS 1.2, from the ServerHello in TLS 1.3), with
	// or without keys to undo it.
	encrypted   bool
	cur         *epoch // keys in force; nil when unknown
	next        *epoch // TLS 1.3: application traffic keys not yet in force
	pending     *epoch // TLS 1.2: keys that take effect at ChangeCipherSpec
	seqUnsure   bool   // after a gap: try a window of sequence numbers
	failures    int
	gaveUp      bool
	hsDecrypted bool // TLS 1.3: a handshake record decrypted (the client's 0-RTT data is over)

	hs     []byte // an incomplete handshake message
	hsSkip int    // bytes left of an oversized handshake message

	plainOff   int64 // plaintext offset of the next delivery (gaps included)
	pendingGap int64 // ciphertext bytes lost, reported before the next plaintext
	gapAt      reassembly.Position
}

// Conn follows one TLS connection. It is driven by a single goroutine.
type Conn struct {
	cfg     Config
	out     Handler
	stats   *Stats
	info    Info
	h       [2]half
	plain   []byte // decryption output, reused for every record
	secrets *Secrets
	tls13   bool
	ended   bool
}

// NewConn returns a Conn that delivers decrypted application data to out
// and adds its figures to stats (both may be nil).
func NewConn(cfg Config, out Handler, stats *Stats) *Conn {
	if stats == nil {
		stats = new(Stats)
	}
	c := &Conn{cfg: cfg, out: out, stats: stats}
	c.h[0].dir = reassembly.ClientToServer
	c.h[1].dir = reassembly.ServerToClient
	return c
}

// Info returns what is known of the connection; it is final after End.
func (c *Conn) Info() *Info { return &c.info }

// Looks reports whether b, the first bytes of a direction, look like the
// start of a TLS record: a handshake, alert, change_cipher_spec or
// application_data type, version 3.0 to 3.4 and a fragment length a record
// can have. It needs at least 5 bytes.
func Looks(b []byte) bool {
	if len(b) < recordHeaderLen {
		return false
	}
	n, ok := recordLen(b)
	return ok && n > 0 && b[0] != typeHeartbeat
}

// recordLen validates a record header and returns its fragment length.
func recordLen(hdr []byte) (int, bool) {
	if hdr[0] < typeChangeCipherSpec || hdr[0] > typeHeartbeat || hdr[1] != 3 || hdr[2] > 4 {
		return 0, false
	}
	n := int(hdr[3])<<8 | int(hdr[4])
	return n, n <= maxFragment
}

// Data takes the next ciphertext bytes of direction dir; b is only read,
// and only during the call.
func (c *Conn) Data(dir reassembly.Dir, b []byte, at reassembly.Position) {
	if len(b) == 0 || c.ended {
		return
	}
	h := &c.h[dir&1]
	switch {
	case h.stopped:
		c.skipped(h, len(b))
	case h.resync:
		c.appendBuf(h, b, at)
		c.scan(h, at)
	default:
		c.feed(h, b, at)
	}
}

// Gap says n bytes of direction dir were not captured. The record they
// fell in is lost; the direction looks for the next record boundary and
// tries a window of sequence numbers on the record found there.
func (c *Conn) Gap(dir reassembly.Dir, n int64, at reassembly.Position) {
	if c.ended || n <= 0 {
		return
	}
	h := &c.h[dir&1]
	c.info.Problems |= FlagGap
	c.stats.Gaps++
	if h.stopped {
		return
	}
	lost := n + int64(len(h.buf))
	h.buf = h.buf[:0]
	h.hs = h.hs[:0]
	h.hsSkip = 0
	h.resync = true
	h.scanned = 0
	h.trials = 0
	h.seqUnsure = true
	c.addGap(h, lost, at)
}

func (c *Conn) addGap(h *half, n int64, at reassembly.Position) {
	if h.pendingGap == 0 {
		h.gapAt = at
	}
	h.pendingGap += n
}

func (c *Conn) skipped(h *half, n int) {
	c.info.SkippedBytes[h.dir] += int64(n)
	c.stats.SkippedBytes += int64(n)
}

func (c *Conn) appendBuf(h *half, b []byte, at reassembly.Position) {
	if len(h.buf) == 0 {
		h.bufAt = at
	}
	h.buf = append(h.buf, b...)
}

// feed parses complete records, from b in place when they are whole in
// it, buffering only an incomplete one.
func (c *Conn) feed(h *half, b []byte, at reassembly.Position) {
	for !h.stopped && !h.resync {
		if len(h.buf) > 0 {
			if len(h.buf) < recordHeaderLen {
				k := min(recordHeaderLen-len(h.buf), len(b))
				h.buf = append(h.buf, b[:k]...)
				b = b[k:]
				if len(h.buf) < recordHeaderLen {
					return
				}
			}
			n, ok := recordLen(h.buf)
			if !ok {
				c.badHeader(h, b, at)
				return
			}
			n += recordHeaderLen
			if len(h.buf) < n {
				k := min(n-len(h.buf), len(b))
				h.buf = append(h.buf, b[:k]...)
				b = b[k:]
				if len(h.buf) < n {
					return
				}
			}
			c.record(h, h.buf[:n], h.bufAt, false)
			h.buf = h.buf[:copy(h.buf, h.buf[n:])]
			h.bufAt = at
			continue
		}
		if len(b) == 0 {
			return
		}
		if len(b) < recordHeaderLen {
			c.appendBuf(h, b, at)
			return
		}
		n, ok := recordLen(b)
		if !ok {
			c.badHeader(h, b, at)
			return
		}
		n += recordHeaderLen
		if len(b) < n {
			c.appendBuf(h, b, at)
			return
		}
		c.record(h, b[:n], at, false)
		b = b[n:]
	}
	if len(b) > 0 {
		if h.stopped {
			c.skipped(h, len(b))
		} else {
			c.appendBuf(h, b, at)
			c.scan(h, at)
		}
	}
}

// badHeader handles bytes where a record header belongs that cannot be
// one. At the very start of a direction the capture began inside the
// connection: look for a boundary. Later it is not TLS (or is corrupt):
// stop the direction.
func (c *Conn) badHeader(h *half, b []byte, at reassembly.Position) {
	if !h.parsed {
		c.info.Problems |= FlagMidstream
		h.resync = true
		h.trials = 0
		h.seqUnsure = true
		c.appendBuf(h, b, at)
		c.scan(h, at)
		return
	}
	c.info.Problems |= FlagBadRecord
	c.stats.BadRecords++
	h.stopped = true
	c.skipped(h, len(h.buf)+len(b))
	h.buf = nil
	h.hs = nil
}

// discard drops the first k bytes of the resynchronisation buffer.
func (c *Conn) discard(h *half, k int) {
	h.buf = h.buf[:copy(h.buf, h.buf[k:])]
	h.scanned += int64(k)
	c.skipped(h, k)
	c.addGap(h, int64(k), h.bufAt)
}

// scan looks for the next record boundary in h.buf. A candidate header must
// be plausible for the direction's state; when the record after it can be
// decrypted it must authenticate (under one of a window of sequence
// numbers), otherwise the header that follows it, when present, must be
// plausible too.
func (c *Conn) scan(h *half, at reassembly.Position) {
	for h.resync {
		found := -1
		for i := 0; i+recordHeaderLen <= len(h.buf); i++ {
			if c.plausible(h, h.buf[i:]) {
				found = i
				break
			}
		}
		if found < 0 {
			c.discard(h, max(0, len(h.buf)-(recordHeaderLen-1)))
		} else {
			c.discard(h, found)
		}
		if h.scanned > maxResyncScan || h.trials > maxResyncTrials {
			c.stats.ResyncFailures++
			c.info.Problems |= FlagBadRecord
			h.stopped = true
			c.skipped(h, len(h.buf))
			h.buf = nil
			return
		}
		if found < 0 {
			return
		}
		n := recordHeaderLen + (int(h.buf[3])<<8 | int(h.buf[4]))
		if len(h.buf) < n {
			return // wait for the rest of the candidate
		}
		ok := false
		if c.decryptable(h, h.buf[0]) {
			h.trials++
			ok = c.record(h, h.buf[:n], h.bufAt, true)
		} else if len(h.buf) < n+recordHeaderLen || c.plausible(h, h.buf[n:]) {
			ok = c.record(h, h.buf[:n], h.bufAt, false)
		}
		if !ok {
			c.discard(h, 1)
			continue
		}
		h.resync = false
		c.stats.Resyncs++
		h.buf = h.buf[:copy(h.buf, h.buf[n:])]
		h.bufAt = at
		c.feed(h, nil, at)
		return
	}
}

// plausible says whether b starts with a record header the direction could
// send next.
func (c *Conn) plausible(h *half, b []byte) bool {
	n, ok := recordLen(b)
	if !ok || n == 0 || b[0] == typeHeartbeat || b[2] == 0 {
		return false
	}
	if c.info.Server != nil {
		want := min(c.info.Version, 0x0303)
		if uint16(b[1])<<8|uint16(b[2]) != want {
			return false
		}
		if c.tls13 && h.encrypted && b[0] != typeApplicationData {
			return false
		}
	}
	if h.encrypted && h.cur != nil && b[0] != typeChangeCipherSpec && n < h.cur.overhead() {
		return false
	}
	return true
}

// decryptable says whether a record of type typ would be decrypted.
func (c *Conn) decryptable(h *half, typ byte) bool {
	if !h.encrypted || h.gaveUp || (h.cur == nil && h.next == nil) {
		return false
	}
	return typ == typeApplicationData || typ == typeHandshake || typ == typeAlert
}

// record processes one complete record. With trial set, a record that
// would be decrypted and does not authenticate is left unaccounted and
// record returns false.
func (c *Conn) record(h *half, rec []byte, at reassembly.Position, trial bool) bool {
	typ := rec[0]
	frag := rec[recordHeaderLen:]
	if c.decryptable(h, typ) {
		plain, inner, ok := c.decrypt(h, rec)
		if !ok && trial {
			return false
		}
		c.count(h)
		if !ok {
			c.failed(h, rec)
			return true
		}
		c.stats.DecryptedRecords++
		switch inner {
		case typeAlert:
			c.alert()
		case typeHandshake:
			c.handshake(h, plain, true)
		case typeApplicationData:
			c.info.AppDataBytes[h.dir] += int64(len(frag))
			c.stats.AppDataBytes += int64(len(frag))
			c.deliver(h, plain, at)
		}
		return true
	}
	c.count(h)
	switch typ {
	case typeChangeCipherSpec:
		c.changeCipherSpec(h)
	case typeAlert:
		c.alert()
	case typeHandshake:
		if !h.encrypted {
			c.handshake(h, frag, false)
		}
	case typeApplicationData:
		if !h.encrypted && c.info.Server == nil && c.mayBeEarly(h) {
			// 0-RTT data sent before the ServerHello.
			c.early()
		}
		c.undecrypted(h, len(frag))
	}
	return true
}

func (c *Conn) count(h *half) {
	h.parsed = true
	c.info.Records[h.dir]++
	c.stats.Records++
}

func (c *Conn) alert() {
	c.info.Alerts++
	c.stats.Alerts++
}

func (c *Conn) undecrypted(h *half, n int) {
	c.info.AppDataBytes[h.dir] += int64(n)
	c.info.UndecryptedBytes[h.dir] += int64(n)
	c.stats.AppDataBytes += int64(n)
	c.stats.UndecryptedBytes += int64(n)
}

func (c *Conn) early() {
	c.info.Problems |= FlagEarlyData
	c.stats.EarlyDataRecords++
}

// mayBeEarly says whether an unreadable application data record of h can
// be the client's 0-RTT data: the client offered it and no handshake
// record of its own has decrypted yet.
func (c *Conn) mayBeEarly(h *half) bool {
	hello := c.info.Hello
	return hello != nil && hello.EarlyData && h.dir == c.info.Client && !h.hsDecrypted
}

// decrypt opens rec under the direction's keys: the current epoch at its
// sequence number (or a window of them when unsure), then, in TLS 1.3, the
// application traffic epoch not yet in force (after a lost Finished, or
// when only the traffic secrets are logged).
func (c *Conn) decrypt(h *half, rec []byte) (plain []byte, inner byte, ok bool) {
	if c.plain == nil {
		c.plain = make([]byte, maxFragment)
	}
	hdr, frag := rec[:recordHeaderLen], rec[recordHeaderLen:]
	window := uint64(0)
	if h.seqUnsure {
		window = resyncSeqWindow
	}
	if e := h.cur; e != nil {
		for i := uint64(0); i <= window; i++ {
			if plain, ok = e.open(c.plain, e.seq+i, hdr, frag); ok {
				e.seq += i + 1
				break
			}
		}
	}
	if !ok && h.next != nil {
		w := window
		if h.cur == nil {
			w = 0 // looking for the first application record: it is number 0
		}
		for i := uint64(0); i <= w; i++ {
			if plain, ok = h.next.open(c.plain, i, hdr, frag); ok {
				h.cur, h.next = h.next, nil
				h.cur.seq = i + 1
				break
			}
		}
	}
	if !ok {
		return nil, 0, false
	}
	h.seqUnsure = false
	h.failures = 0
	inner = rec[0]
	if h.cur.version == 0x0304 {
		// Strip the zero padding; the last non-zero byte is the real type.
		i := len(plain) - 1
		for i >= 0 && plain[i] == 0 {
			i--
		}
		if i < 0 {
			return plain[:0], 0, true // authenticated but typeless: ignored
		}
		inner, plain = plain[i], plain[:i]
		if inner == typeHandshake {
			h.hsDecrypted = true
		}
	}
	return plain, inner, true
}

// failed accounts for a record that did not authenticate.
func (c *Conn) failed(h *half, rec []byte) {
	n := len(rec) - recordHeaderLen
	switch {
	case c.tls13 && h.cur == nil:
		// Only the application secrets are known: this is one of the
		// encrypted handshake records before the first application one.
		c.stats.SkippedHSRecords++
		return
	case c.tls13 && !h.cur.app && c.mayBeEarly(h):
		c.early()
		c.undecrypted(h, n)
		return
	}
	c.info.DecryptErrors++
	c.stats.DecryptErrors++
	c.info.Problems |= FlagDecryptError
	// Without a gap the stream is whole: the bad record used its sequence
	// number and the next record has the following one. (After a gap
	// seqUnsure is already set and stays set.)
	if h.cur != nil && !h.seqUnsure {
		h.cur.seq++
	}
	h.failures++
	if h.failures >= maxFailures {
		h.gaveUp = true
		h.cur, h.next = nil, nil
	}
	switch rec[0] {
	case typeApplicationData:
		c.undecrypted(h, n)
	case typeAlert:
		c.alert()
	}
}

func (c *Conn) deliver(h *half, p []byte, at reassembly.Position) {
	c.info.Decrypted = true
	if len(p) == 0 {
		return
	}
	c.flushGap(h)
	c.info.DecryptedBytes[h.dir] += int64(len(p))
	c.stats.DecryptedBytes += int64(len(p))
	if c.out != nil {
		c.out.Data(h.dir, p, reassembly.Position{Offset: h.plainOff, Time: at.Time, Ref: at.Ref})
	}
	h.plainOff += int64(len(p))
}

// flushGap reports the ciphertext bytes lost since the last delivery as a
// plaintext gap of the same size: an approximation (record overhead is
// counted as if it were data), but one that keeps offsets increasing.
func (c *Conn) flushGap(h *half) {
	if h.pendingGap == 0 {
		return
	}
	if c.out != nil {
		c.out.Gap(h.dir, h.pendingGap, reassembly.Position{Offset: h.plainOff, Time: h.gapAt.Time, Ref: h.gapAt.Ref})
	}
	h.plainOff += h.pendingGap
	h.pendingGap = 0
}

func (c *Conn) changeCipherSpec(h *half) {
	if c.tls13 || c.info.Server == nil {
		// TLS 1.3 middlebox compatibility records, or a
		// ChangeCipherSpec before any ServerHello: nothing to switch.
		return
	}
	h.encrypted = true
	h.cur, h.pending = h.pending, nil
	h.seqUnsure = false
}

// handshake reassembles handshake messages from record payloads.
func (c *Conn) handshake(h *half, p []byte, protected bool) {
	for len(p) > 0 {
		if h.hsSkip > 0 {
			k := min(h.hsSkip, len(p))
			h.hsSkip -= k
			p = p[k:]
			continue
		}
		if len(h.hs) == 0 && len(p) >= 4 {
			n := int(p[1])<<16 | int(p[2])<<8 | int(p[3])
			if n > maxHandshakeMsg {
				c.stats.HandshakeSkipped++
				h.hsSkip = n
				p = p[4:]
				continue
			}
			if len(p) >= 4+n {
				c.message(h, p[0], p[4:4+n], protected)
				p = p[4+n:]
				continue
			}
		}
		if len(h.hs) < 4 {
			k := min(4-len(h.hs), len(p))
			h.hs = append(h.hs, p[:k]...)
			p = p[k:]
			if len(h.hs) < 4 {
				return
			}
		}
		n := int(h.hs[1])<<16 | int(h.hs[2])<<8 | int(h.hs[3])
		if n > maxHandshakeMsg {
			c.stats.HandshakeSkipped++
			h.hsSkip = n
			h.hs = h.hs[:0]
			continue
		}
		k := min(4+n-len(h.hs), len(p))
		h.hs = append(h.hs, p[:k]...)
		p = p[k:]
		if len(h.hs) == 4+n {
			c.message(h, h.hs[0], h.hs[4:], protected)
			h.hs = h.hs[:0]
		}
	}
}

func (c *Conn) badHandshake() {
	c.info.Problems |= FlagBadHandshake
	c.stats.BadHandshakes++
}

// message acts on one handshake message.
func (c *Conn) message(h *half, typ byte, body []byte, protected bool) {
	switch typ {
	case tlshello.TypeClientHello:
		if c.info.Hello != nil {
			// The second ClientHello after a HelloRetryRequest keeps the
			// random; a protected one is a TLS 1.2 renegotiation, not followed.
			return
		}
		if protected || c.info.Server != nil {
			c.badHandshake()
			return
		}
		ch, err := tlshello.ParseClientHello(body)
		if err != nil {
			c.badHandshake()
			return
		}
		c.stats.ClientHellos++
		c.info.Hello = ch
		c.info.Client = h.dir
		if c.cfg.Keys != nil {
			c.secrets = c.cfg.Keys.Lookup(ch.Random)
		}
	case tlshello.TypeServerHello:
		if c.info.Server != nil {
			return // renegotiation is not followed
		}
		if protected || (c.info.Hello != nil && h.dir == c.info.Client) {
			c.badHandshake()
			return
		}
		sh, err := tlshello.ParseServerHello(body)
		if err != nil {
			c.badHandshake()
			return
		}
		if sh.HelloRetryRequest {
			c.info.HelloRetry = true
			if c.info.Hello == nil {
				c.info.Client = h.dir ^ 1
			}
			return
		}
		c.stats.ServerHellos++
		c.info.Server = sh
		if c.info.Hello == nil {
			c.info.Client = h.dir ^ 1
		}
		c.info.Version = sh.Version()
		c.info.CipherSuite = sh.CipherSuite
		if c.info.Version == tlshello.VersionTLS13 {
			c.tls13 = true
			c.info.Resumed = sh.PSK
		} else {
			c.info.ALPN = sh.ALPN
			c.info.Resumed = c.info.Hello != nil && len(sh.SessionID) > 0 &&
				bytes.Equal(sh.SessionID, c.info.Hello.SessionID)
		}
		c.setupKeys(h, sh)
	case tlshello.TypeEncryptedExtensions:
		if !c.tls13 || !protected || h.dir == c.info.Client {
			c.badHandshake()
			return
		}
		alpn, err := tlshello.ParseEncryptedExtensions(body)
		if err != nil {
			c.badHandshake()
			return
		}
		c.info.ALPN = alpn
	case tlshello.TypeFinished:
		// The Finished ends the TLS 1.3 handshake epoch of its direction
		// (next is nil when the application secret is not logged).
		if c.tls13 && protected && h.cur != nil && !h.cur.app {
			h.cur, h.next = h.next, nil
		}
	case tlshello.TypeKeyUpdate:
		if !c.tls13 || !protected || len(body) != 1 || body[0] > 1 {
			c.badHandshake()
			return
		}
		c.info.KeyUpdates++
		c.stats.KeyUpdates++
		if h.cur != nil {
			h.cur = h.cur.update()
		}
	}
}

// setupKeys prepares decryption once the ServerHello (sent on h) is known.
func (c *Conn) setupKeys(h *half, sh *tlshello.ServerHello) {
	server, client := h, &c.h[h.dir^1]
	if c.tls13 {
		// Everything after the ServerHello is protected (the client's
		// ChangeCipherSpec aside).
		server.encrypted, client.encrypted = true, true
	}
	s := lookupSuite(sh.CipherSuite)
	v := c.info.Version
	if s == nil || v < tlshello.VersionTLS10 || v > tlshello.VersionTLS13 || (s.kind == kindAEAD13) != c.tls13 ||
		(v < tlshello.VersionTLS12 && s.kind != kindCBC) {
		c.info.Problems |= FlagUnsupportedCipher
		return
	}
	if c.info.Hello == nil {
		return // no client random, no keys
	}
	sec := c.secrets
	if sec == nil {
		return
	}
	if c.tls13 {
		client.cur = newEpoch13(s, sec.ClientHandshake, false)
		server.cur = newEpoch13(s, sec.ServerHandshake, false)
		client.next = newEpoch13(s, sec.ClientTraffic0, true)
		server.next = newEpoch13(s, sec.ServerTraffic0, true)
		c.info.KeysFound = client.cur != nil || server.cur != nil || client.next != nil || server.next != nil
		if client.next == nil || server.next == nil {
			c.info.Problems |= FlagNoKeys
		}
		return
	}
	if sec.Master == nil {
		return
	}
	client.pending, server.pending = newEpochs12(s, v, sec.Master, c.info.Hello.Random, sh.Random,
		sh.EncryptThenMAC && s.kind == kindCBC)
	c.info.KeysFound = client.pending != nil && server.pending != nil
}

// End says the connection is over: what is still buffered is counted as
// truncated, and the Stats receive the connection's figures.
func (c *Conn) End() {
	if c.ended {
		return
	}
	c.ended = true
	for i := range c.h {
		h := &c.h[i]
		if !h.stopped && (len(h.buf) > 0 || len(h.hs) > 0 || h.hsSkip > 0) {
			if !h.resync || h.parsed {
				c.info.Problems |= FlagTruncated
			}
			c.skipped(h, len(h.buf))
			h.buf = nil
		}
		if h.plainOff > 0 {
			c.flushGap(h)
		}
	}
	in := &c.info
	if in.Hello == nil && (in.Records[0] > 0 || in.Records[1] > 0) {
		in.Problems |= FlagMidstream
	}
	if !in.KeysFound && (in.Server != nil || in.AppDataBytes[0]+in.AppDataBytes[1] > 0) {
		in.Problems |= FlagNoKeys
	}
	st := c.stats
	st.Conns++
	switch {
	case in.Version == tlshello.VersionTLS13:
		st.TLS13++
	case in.Version == tlshello.VersionTLS12:
		st.TLS12++
	case in.Version != 0:
		st.TLSOld++
	}
	for _, x := range []struct {
		on bool
		n  *int64
	}{
		{in.KeysFound, &st.KeysFound},
		{in.Problems&FlagNoKeys != 0, &st.NoKeys},
		{in.Decrypted, &st.DecryptedConns},
		{in.Resumed, &st.Resumed},
		{in.HelloRetry, &st.HelloRetries},
		{in.Problems&FlagMidstream != 0, &st.Midstream},
		{in.Problems&FlagUnsupportedCipher != 0, &st.UnsupportedCipher},
		{in.Problems&FlagTruncated != 0, &st.Truncated},
	} {
		if x.on {
			*x.n++
		}
	}
}
