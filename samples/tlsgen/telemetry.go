package main

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"strconv"

	"telltale/samples/internal/sensors"
)

// request is one telemetry request as every client sends it. All content is
// fixed (times, ids, tokens), so a decrypted capture and a cleartext one
// carry the same HTTP bytes apart from the connection-level headers.
type request struct {
	method          string
	path            string // origin-form request target, query already escaped
	contentType     string // "" when there is no body
	contentEncoding string // "gzip" or ""
	wire            []byte // body bytes on the wire (after content coding)
	plain           []byte // body before content coding; sha256 goes to cases.tsv
}

// bodySHA256 is the hex sha256 of the body before content coding (of the
// empty body for a GET).
func (r request) bodySHA256() string {
	s := sha256.Sum256(r.plain)
	return hex.EncodeToString(s[:])
}

// Fixed content. 1767225600000 is 2026-01-01T00:00:00Z in ms.
const (
	t0ms       = int64(1767225600000)
	distinctID = "tt-user-0001"
	deviceID   = "a1b2c3d4e5f60718"
	pageURL    = "https://news.example/search?q=telltale"
)

// telemetrySet returns the three requests sent on every connection, in the
// order sent: a Sensors Analytics Android upload, a Mixpanel-style track
// GET and a Segment-like gzip'd batch.
func telemetrySet() []request {
	return []request{sensorsUpload(), mixpanelTrack(), segmentBatch()}
}

// sensorsUpload is a Sensors Analytics Android gzip=1 upload of two events,
// in the older parameter order data_list, gzip, crc (newer SDKs put crc
// first; both occur in the wild).
func sensorsUpload() request {
	props := func(screen string) sensors.Object {
		return sensors.Object{
			{Key: "$device_id", Value: deviceID},
			{Key: "$os", Value: "Android"},
			{Key: "$os_version", Value: "13"},
			{Key: "$lib", Value: "Android"},
			{Key: "$lib_version", Value: "6.8.0"},
			{Key: "$screen_name", Value: screen},
			{Key: "$url", Value: pageURL},
		}
	}
	ev := func(event string, ms int64, trackID int64, screen string) sensors.Object {
		return sensors.Object{
			{Key: "_track_id", Value: trackID},
			{Key: "time", Value: ms},
			{Key: "type", Value: "track"},
			{Key: "distinct_id", Value: distinctID},
			{Key: "lib", Value: sensors.Object{{Key: "$lib", Value: "Android"}, {Key: "$lib_version", Value: "6.8.0"}, {Key: "$lib_method", Value: "autoTrack"}}},
			{Key: "event", Value: event},
			{Key: "properties", Value: props(screen)},
		}
	}
	events := []sensors.Object{
		ev("$AppViewScreen", t0ms, 1717171717, "com.news.example.SearchActivity"),
		ev("$pageview", t0ms+1500, 1717171718, "com.news.example.WebActivity"),
	}
	b := sensors.AndroidBatch(events, t0ms+5000, sensors.OrgJSON)
	body := "data_list=" + url.QueryEscape(b.Base64) + "&gzip=1&crc=" + strconv.Itoa(int(b.CRC))
	return request{
		method:      "POST",
		path:        "/sa?project=default",
		contentType: "application/x-www-form-urlencoded",
		wire:        []byte(body),
		plain:       []byte(body),
	}
}

// mixpanelTrack is a Mixpanel-style GET /track?data=<Base64 JSON event>.
func mixpanelTrack() request {
	ev := sensors.Object{
		{Key: "event", Value: "App Open"},
		{Key: "properties", Value: sensors.Object{
			{Key: "token", Value: "tt0123456789abcdef0123456789abcd"},
			{Key: "distinct_id", Value: distinctID},
			{Key: "time", Value: t0ms + 2000},
			{Key: "$device_id", Value: deviceID},
			{Key: "$os", Value: "Android"},
			{Key: "mp_lib", Value: "android"},
			{Key: "$current_url", Value: pageURL},
		}},
	}
	js := sensors.AppendJSON(nil, ev, sensors.JSStringify)
	return request{
		method: "GET",
		path:   "/track?data=" + url.QueryEscape(base64.StdEncoding.EncodeToString(js)),
	}
}

// segmentBatch is a Segment-like POST /v1/batch with a gzip'd JSON body.
func segmentBatch() request {
	msg := func(event, messageID, ts string) sensors.Object {
		return sensors.Object{
			{Key: "type", Value: "track"},
			{Key: "event", Value: event},
			{Key: "anonymousId", Value: "6f1c2d3e-0000-4000-8000-00000000a11e"},
			{Key: "userId", Value: distinctID},
			{Key: "messageId", Value: messageID},
			{Key: "timestamp", Value: ts},
			{Key: "properties", Value: sensors.Object{{Key: "url", Value: pageURL}, {Key: "device_id", Value: deviceID}}},
			{Key: "context", Value: sensors.Object{{Key: "library", Value: sensors.Object{{Key: "name", Value: "analytics-android"}, {Key: "version", Value: "4.11.3"}}}}},
		}
	}
	batch := sensors.Object{
		{Key: "batch", Value: []any{
			msg("Article Read", "msg-0000-0001", "2026-01-01T00:00:03.000Z"),
			msg("Search Performed", "msg-0000-0002", "2026-01-01T00:00:04.000Z"),
		}},
		{Key: "sentAt", Value: "2026-01-01T00:00:05.000Z"},
	}
	plain := sensors.AppendJSON(nil, batch, sensors.JSStringify)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz) // no name, no mtime: the same bytes every run
	zw.Write(plain)           // writes to a bytes.Buffer cannot fail
	zw.Close()
	return request{
		method:          "POST",
		path:            "/v1/batch",
		contentType:     "application/json",
		contentEncoding: "gzip",
		wire:            gz.Bytes(),
		plain:           plain,
	}
}
