package sensors

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"net/url"
	"strconv"
	"unicode/utf16"
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
	js = append(js, ']')
	b.JSON = js
	b.Base64 = base64.StdEncoding.EncodeToString(JavaGzip(js))
	b.CRC = JavaStringHash(b.Base64)
	// Uri.encode escapes everything outside [A-Za-z0-9_-!.~'()*]; for the
	// Base64 alphabet that is exactly '+', '/' and '=', as QueryEscape does.
	b.Body = "crc=" + strconv.Itoa(int(b.CRC)) + "&gzip=1&data_list=" + url.QueryEscape(b.Base64)
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
