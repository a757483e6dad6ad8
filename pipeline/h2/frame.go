package h2

import (
	"encoding/binary"

	"golang.org/x/net/http2/hpack"

	"telltale/pipeline/h1"
	"telltale/reassembly"
)

const (
	frameHeaderLen   = 9
	defaultFrameSize = 16384     // SETTINGS_MAX_FRAME_SIZE until the receiver says otherwise
	maxFrameSize     = 1<<24 - 1 // the largest a 24-bit length allows
	defaultTableSize = 4096      // SETTINGS_HEADER_TABLE_SIZE initial value
)

// Frame types and flags (RFC 9113 section 6).
const (
	frameData         = 0x0
	frameHeaders      = 0x1
	framePriority     = 0x2
	frameRSTStream    = 0x3
	frameSettings     = 0x4
	framePushPromise  = 0x5
	framePing         = 0x6
	frameGoAway       = 0x7
	frameWindowUpdate = 0x8
	frameContinuation = 0x9

	flagEndStream  = 0x1
	flagAck        = 0x1
	flagEndHeaders = 0x4
	flagPadded     = 0x8
	flagPriority   = 0x20

	settingHeaderTableSize = 0x1
	settingMaxFrameSize    = 0x5
)

// hstate is where a direction is in its byte stream.
type hstate uint8

const (
	stPreface  hstate = iota // matching the client preface (or finding it absent)
	stSettings               // the next frame must be SETTINGS
	stFrames                 // frames
	stDead                   // not parsed any further
)

// half is one direction of a connection.
type half struct {
	c       *Conn
	dir     reassembly.Dir
	state   hstate
	matched int // preface bytes matched so far

	buf   []byte              // the incomplete frame, header first
	bufAt reassembly.Position // position of buf[0]

	hpack *hpack.Decoder
	// maxFrame is the largest frame this direction may send: the largest
	// SETTINGS_MAX_FRAME_SIZE the other direction announced, 0 until it
	// sent SETTINGS. Announcements are not matched with their ACKs: a
	// passive observer cannot tell which side of the ACK a frame was sent.
	maxFrame uint32
	tableMax uint32 // largest dynamic table size the decoder allows

	lastAt reassembly.Position // one past the last byte pushed, with its segment's Time and Ref

	blk      block       // header block in progress
	fields   []h1.Header // its fields so far
	listSize int         // their size as RFC 9113 counts it
}

// block is a header block being decoded, possibly over CONTINUATION frames.
type block struct {
	active    bool
	push      bool   // PUSH_PROMISE: the block is the promised request
	stream    uint32 // stream the frames travel on
	promised  uint32 // PUSH_PROMISE only
	endStream bool
	over      bool // fields past Config.MaxHeaderListBytes were dropped
	start     reassembly.Position
}

func frameLen(h []byte) int { return int(h[0])<<16 | int(h[1])<<8 | int(h[2]) }

func (h *half) data(b []byte, at reassembly.Position) {
	defer func() {
		h.lastAt = at
		h.lastAt.Offset += int64(len(b))
	}()
	if h.state == stPreface {
		for h.matched < len(preface) && len(b) > 0 {
			if b[0] != preface[h.matched] {
				if h.matched == 0 {
					// No preface: this is the server, or a client
					// whose start was not captured. Either way its
					// first frame must be SETTINGS.
					h.state = stSettings
					break
				}
				h.protocolError(probBadPreface, true)
				return
			}
			h.matched++
			b = b[1:]
			at.Offset++
		}
		if h.matched == len(preface) {
			h.state = stSettings
			h.c.setClient(h.dir)
		}
		if h.state == stPreface {
			return
		}
	}
	for len(b) > 0 && h.state != stDead {
		if len(h.buf) == 0 && len(b) >= frameHeaderLen {
			if !h.checkHeader(b) {
				return
			}
			if n := frameHeaderLen + frameLen(b); len(b) >= n {
				// The whole frame is here: parse it in place.
				end := at
				end.Offset += int64(n)
				h.frame(b[:n], at, end)
				b = b[n:]
				at.Offset += int64(n)
				continue
			}
		}
		if len(h.buf) == 0 {
			h.bufAt = at
		}
		hadHeader := len(h.buf) >= frameHeaderLen
		need := frameHeaderLen - len(h.buf)
		if hadHeader {
			need = frameHeaderLen + frameLen(h.buf) - len(h.buf)
		}
		take := min(need, len(b))
		h.buf = append(h.buf, b[:take]...)
		b = b[take:]
		at.Offset += int64(take)
		if len(h.buf) < frameHeaderLen {
			continue
		}
		if !hadHeader && !h.checkHeader(h.buf) {
			return
		}
		if len(h.buf) == frameHeaderLen+frameLen(h.buf) {
			h.frame(h.buf, h.bufAt, at)
			h.clearBuf()
		}
	}
}

// clearBuf empties the frame buffer, dropping it when a large frame grew it.
func (h *half) clearBuf() {
	if cap(h.buf) > 64<<10 {
		h.buf = nil
	} else {
		h.buf = h.buf[:0]
	}
}

// checkHeader vets a frame header before its payload is waited for.
func (h *half) checkHeader(hdr []byte) bool {
	limit := h.maxFrame
	if limit == 0 {
		limit = maxFrameSize
	}
	if uint32(frameLen(hdr)) > limit {
		h.protocolError(probFrameSize, true)
		return false
	}
	// The first frame must be SETTINGS; checking before its payload keeps
	// a direction that is not HTTP/2 from being buffered as one frame.
	if h.state == stSettings && (hdr[3] != frameSettings || hdr[4]&flagAck != 0 ||
		binary.BigEndian.Uint32(hdr[5:9])&(1<<31-1) != 0 || frameLen(hdr)%6 != 0) {
		h.protocolError(probBadPreface, true)
		return false
	}
	return true
}

// protocolError counts a frame that breaks the protocol; fatal ones stop the
// direction because what follows cannot be trusted to be in step.
func (h *half) protocolError(p problem, fatal bool) {
	h.c.stats.ProtocolErrors++
	h.c.problems |= probProtocol | p
	if fatal {
		h.abandon()
	}
}

// abandon stops parsing this direction and emits what that completes.
func (h *half) abandon() {
	if h.state == stDead {
		return
	}
	h.state = stDead
	h.c.stats.AbandonedDirs++
	h.release()
	h.c.sweep()
}

// release frees what the direction holds.
func (h *half) release() {
	h.buf = nil
	h.hpack = nil
	h.fields = nil
	if h.state != stDead {
		h.state = stDead
	}
}

// salvage hands on the payload bytes of a DATA frame cut short by a gap or
// the end of the connection: they are the body's last bytes seen.
func (h *half) salvage() {
	if h.state != stFrames || len(h.buf) <= frameHeaderLen || h.buf[3] != frameData {
		return
	}
	p := h.buf[frameHeaderLen:]
	if h.buf[4]&flagPadded != 0 {
		n := frameLen(h.buf) - 1 - int(p[0]) // payload length without padding
		p = p[1:]
		p = p[:max(0, min(len(p), n))]
	}
	if sid := binary.BigEndian.Uint32(h.buf[5:9]) & (1<<31 - 1); sid != 0 && len(p) > 0 {
		h.c.data(h, sid, p, false, h.lastAt)
	}
}

// unpad strips the padding of a PADDED frame.
func unpad(flags byte, p []byte) ([]byte, bool) {
	if flags&flagPadded == 0 {
		return p, true
	}
	if len(p) < 1 || int(p[0]) > len(p)-1 {
		return nil, false
	}
	return p[1 : len(p)-int(p[0])], true
}

// frame handles one complete frame f that started at start and ended (one
// past its last byte) at end.
func (h *half) frame(f []byte, start, end reassembly.Position) {
	c := h.c
	c.stats.Frames++
	typ, flags := f[3], f[4]
	sid := binary.BigEndian.Uint32(f[5:9]) & (1<<31 - 1)
	p := f[frameHeaderLen:]
	if h.state == stSettings {
		if typ != frameSettings || flags&flagAck != 0 || sid != 0 {
			h.protocolError(probBadPreface, true)
			return
		}
		h.state = stFrames
	}
	if h.blk.active && (typ != frameContinuation || sid != h.blk.stream) {
		// RFC 9113 6.10: nothing may come between a header block's frames.
		h.protocolError(0, true)
		return
	}
	switch typ {
	case frameData:
		data, ok := unpad(flags, p)
		if sid == 0 || !ok {
			h.protocolError(0, false)
			return
		}
		c.data(h, sid, data, flags&flagEndStream != 0, end)
	case frameHeaders:
		frag, ok := unpad(flags, p)
		if ok && flags&flagPriority != 0 {
			if ok = len(frag) >= 5; ok {
				frag = frag[5:]
			}
		}
		if !ok {
			// The block cannot be found, so the HPACK state is lost.
			h.protocolError(0, true)
			return
		}
		if sid == 0 {
			h.protocolError(0, false) // still decoded, to keep HPACK in step
		}
		h.beginBlock(block{stream: sid, endStream: flags&flagEndStream != 0, start: start}, frag, flags&flagEndHeaders != 0, end)
	case framePushPromise:
		rest, ok := unpad(flags, p)
		if !ok || len(rest) < 4 {
			h.protocolError(0, true)
			return
		}
		c.stats.PushPromises++
		promised := binary.BigEndian.Uint32(rest) & (1<<31 - 1)
		h.beginBlock(block{push: true, stream: sid, promised: promised, start: start}, rest[4:], flags&flagEndHeaders != 0, end)
	case frameContinuation:
		if !h.blk.active {
			h.protocolError(0, true)
			return
		}
		if h.feed(p) && flags&flagEndHeaders != 0 {
			h.endBlock(end)
		}
	case frameRSTStream:
		if sid == 0 || len(p) != 4 {
			h.protocolError(0, false)
			return
		}
		c.reset(sid)
	case frameSettings:
		h.settings(sid, flags, p)
	case frameGoAway:
		c.stats.GoAways++
	case framePriority, framePing, frameWindowUpdate:
		// Flow control and priorities do not change what was said.
	default:
		c.stats.UnknownFrames++
	}
}

// settings applies the settings this direction announces to the other one:
// the frames the peer may send and the HPACK table its encoder may use.
func (h *half) settings(sid uint32, flags byte, p []byte) {
	if sid != 0 || len(p)%6 != 0 || flags&flagAck != 0 && len(p) != 0 {
		h.protocolError(0, false)
		return
	}
	if flags&flagAck != 0 {
		return
	}
	peer := &h.c.half[1-h.dir]
	if peer.maxFrame == 0 {
		peer.maxFrame = defaultFrameSize
	}
	for ; len(p) >= 6; p = p[6:] {
		v := binary.BigEndian.Uint32(p[2:])
		switch binary.BigEndian.Uint16(p) {
		case settingHeaderTableSize:
			// Only ever raised: a lower value takes effect with the
			// encoder's own size update, which stays within the old one.
			if v > peer.tableMax {
				peer.tableMax = v
				if peer.hpack != nil {
					peer.hpack.SetAllowedMaxDynamicTableSize(v)
				}
			}
		case settingMaxFrameSize:
			if v < defaultFrameSize || v > maxFrameSize {
				h.protocolError(0, false)
				continue
			}
			peer.maxFrame = max(peer.maxFrame, v)
		}
	}
}

// beginBlock starts decoding a header block with its first fragment.
func (h *half) beginBlock(b block, frag []byte, endHeaders bool, end reassembly.Position) {
	h.blk = b
	h.blk.active = true
	h.fields, h.listSize = nil, 0
	h.hpack.SetEmitEnabled(true)
	if h.feed(frag) && endHeaders {
		h.endBlock(end)
	}
}

// feed decodes the next fragment of the block in progress.
func (h *half) feed(frag []byte) bool {
	if len(frag) == 0 {
		return true
	}
	if _, err := h.hpack.Write(frag); err != nil {
		h.hpackError()
		return false
	}
	return true
}

func (h *half) hpackError() {
	h.c.stats.HPACKErrors++
	h.c.problems |= probHPACK
	h.abandon()
}

// field is the HPACK decoder's callback.
func (h *half) field(f hpack.HeaderField) {
	h.listSize += len(f.Name) + len(f.Value) + 32
	if h.listSize > h.c.cfg.MaxHeaderListBytes {
		// Keep decoding, to keep the dynamic table in step, but
		// stop collecting.
		h.blk.over = true
		h.hpack.SetEmitEnabled(false)
		return
	}
	h.fields = append(h.fields, h1.Header{Name: f.Name, Value: f.Value})
}

// endBlock finishes the header block in progress and hands it on.
func (h *half) endBlock(end reassembly.Position) {
	if err := h.hpack.Close(); err != nil {
		h.hpackError()
		return
	}
	b, fields := h.blk, h.fields
	h.blk, h.fields = block{}, nil
	if b.over {
		h.c.stats.HeaderLimits++
		h.c.problems |= probHeaderLimit
	}
	if b.stream == 0 {
		return
	}
	h.c.headerBlock(h, &b, fields, end)
}
