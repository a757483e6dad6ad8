// Package extract finds analytics telemetry in one HTTP request and turns it
// into payloads, events and fields.
//
// It looks at query parameters, the body (urlencoded form fields, also in a
// text body that looks like k=v&k=v as sendBeacon sends it; multipart/form-data
// parts; or the whole body), headers and cookies, peels each value with
// package decode, and keeps the ones that end in telemetry JSON. Extract is a
// pure function: no I/O, no clock, no logging; it counts into a Stats.
//
// # What becomes a payload
//
// A value becomes a payload when its peel ends in a JSON object, or an array
// with at least one object element, and one of these holds:
//
//   - the peel went through Base64 or a decompression step (nobody
//     Base64-encodes or compresses an API call in a query or cookie by
//     accident);
//   - the value is a query/form/multipart field named data, data_list, e or
//     events;
//   - the JSON has an event-ish key (event, event_type, en, type,
//     distinct_id) in the root object or in an event object, or an
//     "events"/"batch" array of objects;
//   - it is a Sensors Analytics field (below).
//
// So a plain JSON API body such as {"username":"x","password":"y"} is not a
// payload, and neither is HTML, an image, a short token, a UUID, a hex id or
// a JWT (JWTs are skipped outright; the others never decode).
//
// Two damaged cases are payloads too. A value that went through Base64 or
// decompression and was then cut short (TCP gap, size cap) is a payload
// flagged "truncated" or "limit"; its JSON is the decoded prefix, and its
// events are the complete leading elements of a top-level array (or complete
// NDJSON lines); a cut object yields no events. A Sensors data field that
// does not decode at all is a payload flagged "undecoded" (with its crc
// verdict), because an undecodable /sa upload is still evidence.
//
// # Events
//
// An array gives one event per object element; an object gives the objects
// in its "events" or "batch" array, else itself when it has an event-ish key,
// else the objects of its "data" or "requests" array. Each event has one
// Field per leaf of the whole event object (not only "properties").
//
// # Sensors Analytics
//
// A field named data or data_list (query, form or multipart) is Sensors when
// the request has a gzip, crc or ext parameter, or the path ends in /sa or
// /sa.gif, or its events have distinct_id plus event or type. gzip=9 or 13,
// or an encrypted envelope (ekey+payloads, payloads+flush_time,
// key_id+payload), flags the payload "encrypted": its JSON metadata is kept,
// it has no events. The crc (crc=N, or crc=N inside ext) is checked as the
// Java String.hashCode of the Base64 text.
package extract
