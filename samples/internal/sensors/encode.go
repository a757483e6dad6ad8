package sensors

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// JavaStringHash is Java's String.hashCode: h = 31*h + c over the UTF-16
// code units, wrapping as a signed 32-bit int. Sensors sends it as `crc`.
func JavaStringHash(s string) int32 {
	var h int32
	for _, u := range utf16.Encode([]rune(s)) {
		h = 31*h + int32(u)
	}
	return h
}

// JavaGzip compresses b as java.util.zip.GZIPOutputStream does at its default
// level: a 10-byte header with MTIME 0, XFL 0 and OS 0 (Go's writer would say
// OS 255), then deflate level 6.
func JavaGzip(b []byte) []byte {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
	if err != nil {
		panic(err) // DefaultCompression is always a valid level
	}
	zw.OS = 0
	zw.Write(b) // writes to a bytes.Buffer cannot fail
	zw.Close()
	return buf.Bytes()
}

// zlibGzip compresses b as zlib's deflateInit2 with a gzip wrapper does on
// Apple platforms: MTIME 0, XFL 0, OS 3 (Unix).
func zlibGzip(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression) // a valid level cannot fail
	zw.OS = 3
	zw.Write(b) // writes to a bytes.Buffer cannot fail
	zw.Close()
	return buf.Bytes()
}

// Batch is one Android gzip=1 upload.
type Batch struct {
	// JSON is the data_list array text before compression.
	JSON []byte
	// Base64 is base64.StdEncoding(JavaGzip(JSON)), the text crc is computed on.
	Base64 string
	CRC    int32
	// Body is the form body: crc=<n>&gzip=1&data_list=<percent-encoded Base64>.
	Body string
	// Events are the events as the server will see them: each input event
	// with _flush_time appended.
	Events []Object
}

// AndroidBatch builds the upload AnalyticsMessages sends for events stored
// in the SDK database. The SDK never parses the stored JSON again: it cuts
// the final '}' of each stored event and appends `,"_flush_time":<ms>}`,
// joining events with ',' inside '[' ']'. st is the style the events were
// stored in (org.json on Android).
func AndroidBatch(events []Object, flushMs int64, st Style) Batch {
	b := joinEvents(events, flushMs, st)
	b.Base64 = base64.StdEncoding.EncodeToString(JavaGzip(b.JSON))
	b.CRC = JavaStringHash(b.Base64)
	// Uri.encode escapes everything outside [A-Za-z0-9_-!.~'()*]; for the
	// Base64 alphabet that is exactly '+', '/' and '=', as QueryEscape does.
	b.Body = "crc=" + strconv.Itoa(int(b.CRC)) + "&gzip=1&data_list=" + url.QueryEscape(b.Base64)
	return b
}

// joinEvents assembles a batch's JSON array by string concatenation: each
// event's final '}' is cut and `,"_flush_time":<ms>}` appended.
func joinEvents(events []Object, flushMs int64, st Style) Batch {
	var b Batch
	js := []byte{'['}
	for i, ev := range events {
		if i > 0 {
			js = append(js, ',')
		}
		one := AppendJSON(nil, ev, st)
		js = append(js, one[:len(one)-1]...)
		js = append(js, `,"_flush_time":`...)
		js = strconv.AppendInt(js, flushMs, 10)
		js = append(js, '}')
		b.Events = append(b.Events, ev.With("_flush_time", flushMs))
	}
	b.JSON = append(js, ']')
	return b
}

// Web is one web-SDK (sa-sdk-javascript) event in its image/ajax form.
type Web struct {
	// JSON is JSON.stringify(event).
	JSON   []byte
	Base64 string
	CRC    int32
	// Params is data=<encodeURIComponent(b64)>&ext=<encodeURIComponent("crc=<n>")>,
	// the query of GET /sa.gif or the body of the ajax POST.
	Params string
}

// WebEvent encodes ev as encodeTrackData does: btoa of the UTF-8 JSON text,
// no compression, one event per request.
func WebEvent(ev Object) Web {
	var w Web
	w.JSON = AppendJSON(nil, ev, JSStringify)
	w.Base64 = base64.StdEncoding.EncodeToString(w.JSON)
	w.CRC = JavaStringHash(w.Base64)
	w.Params = "data=" + url.QueryEscape(w.Base64) + "&ext=" + url.QueryEscape("crc="+strconv.Itoa(int(w.CRC)))
	return w
}

// Escaping sets of the clients that build Sensors form bodies. Each keeps
// ASCII letters and digits and the listed punctuation; everything else is
// written as %XX (upper-case hex) of its UTF-8 bytes.
const (
	// URIComponent is JavaScript's encodeURIComponent and Android's
	// Uri.encode (the same unreserved set).
	URIComponent = "-_.!~*'()"
	// AppleAlnum is [NSCharacterSet alphanumericCharacterSet] (ASCII part),
	// what older sa-sdk-ios builds escaped with: every punctuation byte,
	// CR and LF included, is escaped.
	AppleAlnum = ""
	// AppleQuery is NSCharacterSet URLQueryAllowedCharacterSet: '+', '/'
	// and '=' stay raw, so a form decoder turns the '+' of Base64 into a
	// space (mixpanel-iphone #618, matomo-sdk-ios #313).
	AppleQuery = "!$&'()*+,-./:;=?@_~"
)

// Escape percent-encodes s, leaving ASCII letters, digits and the bytes in
// keep as they are.
func Escape(s, keep string) string {
	const hex = "0123456789ABCDEF"
	var b []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c < utf8.RuneSelf && c != 0 && strings.IndexByte(keep, c) >= 0 {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hex[c>>4], hex[c&15])
	}
	return string(b)
}

// AppleBatch builds the upload of sa-sdk-ios (and sa-sdk-mac, which shares
// its flush code): body crc=%d&gzip=1&data_list=%@ with the gzip'd JSON
// array Base64'd by Foundation. With wrap the Base64 is cut into 76-column
// lines ended by CRLF, as base64EncodedStringWithOptions does when given
// NSDataBase64Encoding76CharacterLineLength together with the EndLine
// options; crc is the hash of that text, line ends included (the SDK hashes
// the string it sends). keep is the escaping set (AppleAlnum or AppleQuery).
// The events are joined the way AndroidBatch joins them; the gzip header is
// zlib's (OS 3).
func AppleBatch(events []Object, flushMs int64, wrap bool, keep string) Batch {
	b := joinEvents(events, flushMs, JSStringify)
	b.Base64 = base64.StdEncoding.EncodeToString(zlibGzip(b.JSON))
	if wrap {
		var w strings.Builder
		for s := b.Base64; s != ""; {
			n := min(76, len(s))
			w.WriteString(s[:n])
			if s = s[n:]; s != "" {
				w.WriteString("\r\n")
			}
		}
		b.Base64 = w.String()
	}
	b.CRC = JavaStringHash(b.Base64)
	b.Body = "crc=" + strconv.Itoa(int(b.CRC)) + "&gzip=1&data_list=" + Escape(b.Base64, keep)
	return b
}

// WebBatch builds the batch_send upload of sa-sdk-javascript: every queued
// event gets _flush_time, the array is JSON.stringify'd and btoa'd, and the
// body is data_list=<encodeURIComponent(b64)>: no gzip, no crc (CRC is 0).
func WebBatch(events []Object, flushMs int64) Batch {
	var b Batch
	arr := make([]any, len(events))
	for i, ev := range events {
		ev = ev.With("_flush_time", flushMs)
		b.Events = append(b.Events, ev)
		arr[i] = ev
	}
	b.JSON = AppendJSON(nil, arr, JSStringify)
	b.Base64 = base64.StdEncoding.EncodeToString(b.JSON)
	b.Body = "data_list=" + Escape(b.Base64, URIComponent)
	return b
}

// EncryptedGroup is one ekey$pkv group of a gzip=9 upload.
type EncryptedGroup struct {
	EKey     string   // Base64 of the RSA-encrypted AES key
	PKV      int      // the public key version
	Payloads []string // Base64 of IV || AES-CBC(gzip(event JSON)), one per event
}

// Encrypted is one Android gzip=9 upload: events encrypted one by one,
// grouped by key, the groups' JSON sent as data_list directly.
type Encrypted struct {
	JSON string // the data_list text, crc is its hash
	CRC  int32
	Body string
	// Field is data_list as it appears in Body (Uri.encode'd).
	Field string
}

// AndroidEncrypted builds a gzip=9 upload: the groups are written by
// org.json ('/' in the Base64 escaped as `\/`), each with flush_time, and
// the text is sent as data_list with crc = its Java hash.
func AndroidEncrypted(groups []EncryptedGroup, flushMs int64) Encrypted {
	arr := make([]any, len(groups))
	for i, g := range groups {
		ps := make([]any, len(g.Payloads))
		for j, p := range g.Payloads {
			ps[j] = p
		}
		arr[i] = Object{{"ekey", g.EKey}, {"pkv", g.PKV}, {"payloads", ps}, {"flush_time", flushMs}}
	}
	var e Encrypted
	e.JSON = string(AppendJSON(nil, arr, OrgJSON))
	e.CRC = JavaStringHash(e.JSON)
	e.Field = Escape(e.JSON, URIComponent)
	e.Body = "crc=" + strconv.Itoa(int(e.CRC)) + "&gzip=9&data_list=" + e.Field
	return e
}
