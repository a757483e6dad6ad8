// Package extract finds analytics telemetry in one HTTP transaction and
// turns it into payloads, events and fields.
//
// It looks at query parameters, the body (urlencoded form fields, also in a
// text body that looks like k=v&k=v as sendBeacon sends it; multipart/form-data
// parts; or the whole body), request headers, cookies and the response body,
// peels each value with package decode, and keeps the ones that end in
// telemetry. Extract is a pure function of its input: no I/O, no clock, no
// logging; it counts into a Stats.
//
// # SDK profiles
//
// Known SDKs are data, not code: a Profile names the request shapes of the
// SDK (host and path globs, parameters, headers), the fields that hold its
// payload, how it is written (JSON after any wrapping, a parameter list, or
// opaque), where the event array is, and which keys hold the event name,
// time and identifiers. DefaultProfiles lists Sensors Analytics, Mixpanel,
// GA4 (gtag), the GA4 Measurement Protocol, Universal Analytics, Segment,
// Amplitude, Adjust, AppsFlyer and the opaque Umeng, HiAnalytics and Xiaomi
// OneTrack uploads; `telltale profiles` prints them as JSON and
// `run --profiles FILE` adds more. The first profile whose rules the request
// meets claims it; JSON telemetry in a request no rule claimed is given to
// the profile whose content signature (Keys) its first event has, else to
// generic_json.
//
// # What becomes a payload
//
// A value becomes a payload when its peel ends in a JSON object, or an array
// with at least one object element, and one of these holds:
//
//   - a profile claims the value (its field, or the whole body);
//   - the peel went through Base64, hex or a decompression step (nobody
//     encodes or compresses an API call in a query or cookie by accident);
//   - the value is a query/form/multipart field named data, data_list, e or
//     events;
//   - the JSON has an event-ish key (event, event_type, en, type,
//     distinct_id) in the root object or in an event object, or an
//     "events"/"batch" array of objects.
//
// A response body becomes a payload only when it was encoded or when one of
// its values is tagged as a device or person identifier (IDKind, URLs and
// search terms aside): configs and ids handed to the device. Its document is
// one event of type "response".
//
// So a plain JSON API body such as {"username":"x","password":"y"} is not a
// payload, and neither is HTML, an image, a short token, a UUID, a hex id or
// a JWT (JWTs are skipped outright; the others never decode).
//
// Parameter-list profiles (GA4, Universal Analytics, Adjust) make one
// payload of the request's parameters: one event from the query and form
// fields, or one event per k=v line of a text body (the query's parameters
// first). Its chain ends in "params" or "params_lines".
//
// Opaque payloads are never decoded into garbage: a profile's body that
// does not reach JSON (Umeng envelopes, OneTrack and HiAnalytics uploads),
// an encrypted Sensors upload (gzip=9 or 13, or an ekey/pkv/payloads
// envelope), or an unclaimed octet-stream body of at least 64 bytes and 7
// bits/byte of entropy sent with non-standard headers (sdk "opaque") is a
// payload with Encrypted set, its size, its entropy and the headers that
// told (Evidence), and no events.
//
// Two damaged cases are payloads too. A value that went through Base64 or
// decompression and was then cut short (TCP gap, size cap) is a payload
// flagged "truncated" or "limit"; its JSON is the decoded prefix, and its
// events are the complete leading elements of a top-level array (or complete
// NDJSON lines); a cut object yields no events. A field a profile claims that
// does not decode at all is a payload flagged "undecoded" (with its crc
// verdict), because an undecodable /sa upload is still evidence.
//
// # Events and fields
//
// An array gives one event per object element; an object gives the objects
// in its profile's event array ("events" or "batch" by default), else itself
// when it has an event-ish key (or a profile claimed it), else the objects of
// its "data" or "requests" array. When the events come from an array inside
// a root object, the root's other members are the envelope: their leaves are
// added to every event's fields under "envelope.". Each event has one Field
// per leaf of the whole event object (not only "properties"). A string leaf
// that is itself JSON, or decodes to JSON (Base64, compression...), is kept
// and followed by the leaves of that JSON under its path, with Field.Via
// naming the chain, up to Limits.MaxNesting levels.
//
// # Sensors Analytics
//
// The Sensors profile claims data and data_list when the request has a
// gzip (0, 1, 9, 13), numeric crc or ext=crc= parameter, or the path ends in
// /sa or /sa.gif; without those, a data field whose events have distinct_id
// plus event or type is Sensors by signature. The crc (crc=N, or crc=N inside
// ext) is checked as the Java String.hashCode of the Base64 text as sent
// (after repairing '+' that form decoding turned into spaces): CRCOK.
package extract
