// Package truth defines the ground-truth files (samples/*.truth.json) written
// next to each sample capture: what the capture carries, down to the exact
// JSON of every telemetry event, so tests of the pipeline can compare its
// output with values known from construction rather than from a previous run.
//
// Conventions used in every field:
//   - a connection is named by its client port (unique within a sample);
//   - RequestIndex counts HTTP requests within one connection, from 0;
//   - EventIndex counts events within one payload, from 0;
//   - times are Unix epoch milliseconds (the unit Sensors uses).
//
// Samples built with SDK profiles (sdk-zoo) also name each payload's and
// event's SDK, give the events-table columns of the issue-5 contract
// (Summarize), envelopes and nested JSON, mark re-sent events (MarkRepeats),
// and list opaque payloads, where known values leak in which disguise, and
// the noise. Samples with several people (household) add the ground-truth
// identity groups, the hub values that must not join them, and the
// devices. Those fields are omitted when empty, so the first samples'
// files did not change.
package truth

import (
	"encoding/json"
	"io"

	"telltale/samples/internal/sensors"
)

// File is one truth file.
type File struct {
	Sample      string `json:"sample"`
	Description string `json:"description"`
	// MadeBy is the command that (re)makes the sample.
	MadeBy      string       `json:"made_by"`
	Files       []Capture    `json:"files"`
	Counts      Counts       `json:"counts"`
	Flows       []Flow       `json:"flows"`
	HTTP        []HTTP       `json:"http"`
	Payloads    []Payload    `json:"payloads"`
	Events      []Event      `json:"events"`
	Identifiers []Identifier `json:"identifiers"`
	// Opaque lists the payloads nobody can decode without a vendor's key
	// (also present in Payloads, with Encrypted set).
	Opaque []Opaque `json:"opaque,omitempty"`
	// Leaks lists every distinct (request, known kind, disguise) where a
	// value of the sample's known-values file occurs in the request bytes or
	// in a layer decoded from them.
	Leaks []Leak `json:"leaks,omitempty"`
	// Noise lists what in the non-telemetry traffic was put there to look
	// like telemetry or identifiers without being either.
	Noise []Noise `json:"noise,omitempty"`
	// IdentityGroups are the people of a sample whose identifiers the
	// truth ties together (household): every identifier known to belong to
	// one person, through any of their devices or their account. Each
	// member occurs as a whole field value in some event, and the members
	// of a group are connected by events carrying two or more of them, so
	// the groups can be recovered from the events once the hubs are set
	// aside.
	IdentityGroups []IdentityGroup `json:"identity_groups,omitempty"`
	// Hubs are identifier values that occur in events of more than one
	// group (a placeholder id many devices report, a shared router's
	// BSSID): values that must not link the people they occur with.
	Hubs []IdentifierRef `json:"hubs,omitempty"`
	// Devices are the sample's devices: whose they are and the identifiers
	// their telemetry carries (hubs left out).
	Devices []Device `json:"devices,omitempty"`
}

// IdentifierRef names one identifier: its id_kind (telltale's name for it,
// as in Identifier.Kind) and its value.
type IdentifierRef struct {
	Kind  string `json:"kind"`
	Value string `json:"value"`
}

// IdentityGroup is one person's identifiers.
type IdentityGroup struct {
	Name    string          `json:"name"`
	Members []IdentifierRef `json:"members"`
}

// Device is one device of a sample with identity groups.
type Device struct {
	Name string `json:"name"`
	// Person is the IdentityGroups name of the device's user.
	Person string `json:"person"`
	// ClientIP is the device's address: the client_ip of its flows.
	ClientIP string `json:"client_ip"`
	// Identifiers are the identifiers the device's telemetry carries,
	// the signed-in account included, hubs left out, in the order of the
	// truth's identifier list; also those that occur only inside a packed
	// string (which IdentityGroups leaves out, as no field holds them
	// whole).
	Identifiers []IdentifierRef `json:"identifiers"`
}

// Capture describes one capture file of the sample.
type Capture struct {
	Name    string `json:"name"`   // relative to the directory holding the truth file
	Format  string `json:"format"` // "pcap" or "pcapng"
	Packets int    `json:"packets"`
	// LinkTypes lists the LINKTYPE_ value of each interface (one for pcap).
	LinkTypes []int `json:"link_types"`
	// Note says what is special about the file, if anything.
	Note string `json:"note,omitempty"`
}

// Counts are the totals a correct pipeline run reports.
type Counts struct {
	Flows            int `json:"flows"`             // TCP connections
	HTTPTransactions int `json:"http_transactions"` // request/response pairs
	Payloads         int `json:"payloads"`          // telemetry payloads (one per encoded parameter or body)
	Events           int `json:"events"`            // telemetry events inside them
}

// Flow is one TCP connection.
type Flow struct {
	ClientIP   string `json:"client_ip"`
	ClientPort int    `json:"client_port"`
	ServerIP   string `json:"server_ip"`
	ServerPort int    `json:"server_port"`
	Host       string `json:"host,omitempty"`
	Protocol   string `json:"protocol"` // "http" or "tls"
	Requests   int    `json:"requests"`
	Packets    int    `json:"packets"`
	// Files lists the capture files holding packets of the flow, in order.
	Files []string `json:"files"`
	// Interface is the pcapng interface name the flow was captured on.
	Interface string `json:"interface,omitempty"`
	LinkType  int    `json:"link_type"`
	App       *App   `json:"app,omitempty"`
	Note      string `json:"note,omitempty"`
}

// App is the app attribution a PCAPdroid trailer carries.
type App struct {
	UID int `json:"uid"`
	// TrailerName is the appname field as written (PCAPdroid NUL-terminates
	// within 20 bytes, so it keeps at most 19 characters).
	TrailerName string `json:"trailer_name"`
	Package     string `json:"package"`
}

// HTTP is one request/response pair.
type HTTP struct {
	ClientPort   int    `json:"client_port"`
	RequestIndex int    `json:"request_index"`
	Method       string `json:"method"`
	Host         string `json:"host"`
	Target       string `json:"target"` // request-target as sent (path and query)
	Status       int    `json:"status"`
	// RequestBodyBytes and ResponseBodyBytes are the body lengths on the wire
	// (after chunked decoding, before any Content-Encoding is undone).
	RequestBodyBytes  int    `json:"request_body_bytes"`
	ResponseBodyBytes int    `json:"response_body_bytes"`
	Telemetry         bool   `json:"telemetry"`
	Note              string `json:"note,omitempty"`
}

// Payload is one encoded telemetry payload.
type Payload struct {
	ClientPort   int `json:"client_port"`
	RequestIndex int `json:"request_index"`
	// SDK is the profile name (issue-5 contract: sensors_analytics,
	// mixpanel, ga4, ...). The first samples leave it empty.
	SDK string `json:"sdk,omitempty"`
	// Location says where the payload sits: "query", "form" (a field of a
	// form-encoded body), "body" (the whole request body), "response" (the
	// whole response body), "header", "cookie" or "multipart". The first
	// samples say "body" for a form field too (Field then names it).
	Location string `json:"location"`
	// Field is the parameter, cookie or header holding the payload:
	// "data_list", "data", or "" when the whole body is the payload.
	Field string `json:"field"`
	// Chain is the decode chain, outermost first. The first samples write
	// it in their own words ("form>percent>base64>gzip>json-array"); later
	// ones in the contract's step names from the first decode step
	// ("percent>base64>gzip>json", "params", "params_lines"; "" when nothing
	// decodes, as for an encrypted body).
	Chain string `json:"chain"`
	// Encrypted marks an opaque payload: vendor evidence, no events.
	Encrypted bool `json:"encrypted,omitempty"`
	// Gzip is the value of the gzip parameter, if any.
	Gzip string `json:"gzip,omitempty"`
	// CRC is the crc sent (crc= or ext=crc%3D), if any; it equals the Java
	// String.hashCode of Base64.
	CRC *int32 `json:"crc,omitempty"`
	// CRCOK says whether CRC verifies (after repairing a '+' that form
	// decoding turned into a space); nil when there is no crc. The first
	// samples leave it nil: their crcs all verify.
	CRCOK  *bool  `json:"crc_ok,omitempty"`
	Base64 string `json:"base64,omitempty"`
	Events int    `json:"events"`
	// Object is the decoded value of a payload that yields no event (a
	// response body handing ids to the device, an identity cookie).
	Object any `json:"object,omitempty"`
}

// Opaque is a payload that cannot be decoded: encrypted or compressed with
// a vendor's key.
type Opaque struct {
	ClientPort   int    `json:"client_port"`
	RequestIndex int    `json:"request_index"`
	SDK          string `json:"sdk"`
	Location     string `json:"location"`
	Field        string `json:"field"`
	// EncodedLen is the length in bytes of the value as it sits in the
	// request, before any decoding: the whole body, or the raw
	// (percent-encoded) form field.
	EncodedLen int `json:"encoded_len"`
}

// Leak is one known value found in one request in one disguise.
type Leak struct {
	ClientPort   int    `json:"client_port"`
	RequestIndex int    `json:"request_index"`
	Kind         string `json:"kind"` // the known-values key: imei, email, mac, ...
	// Disguise names the form: plain, lower, upper, nosep, nosep_lower,
	// nosep_upper, md5, sha1, sha256, md5(<form>), sha1(<form>),
	// sha256(<form>), base64, base64(<form>) (samples/README.md, sdk-zoo).
	Disguise string `json:"disguise"`
}

// Noise is one thing in a request or its response that looks like
// telemetry or an identifier and is neither.
type Noise struct {
	ClientPort   int `json:"client_port"`
	RequestIndex int `json:"request_index"`
	// What is "<class>:<where>[:<name>]", e.g. "b64-token:query:nonce",
	// "jwt:header:Authorization", "octet-stream:request:high-entropy".
	What string `json:"what"`
}

// Event is one telemetry event.
type Event struct {
	ClientPort   int    `json:"client_port"`
	RequestIndex int    `json:"request_index"`
	Field        string `json:"field"`
	EventIndex   int    `json:"event_index"`
	Event        string `json:"event"`
	Type         string `json:"type"`
	DistinctID   string `json:"distinct_id"`
	TimeMs       int64  `json:"time_ms"`
	FlushTimeMs  int64  `json:"flush_time_ms,omitempty"`
	// Object is the event exactly as the server receives it (after parsing),
	// including _flush_time. For parameter-list events (GA4, UA, Adjust) it
	// holds the parameters in wire order, form-decoded, as strings.
	Object sensors.Object `json:"object"`

	// The fields below are filled for samples built with SDK profiles
	// (sdk-zoo); the first samples leave them empty.

	SDK      string `json:"sdk,omitempty"`
	Location string `json:"location,omitempty"` // the payload's location
	// LoginID ... DeviceID are the events-table columns of the same names,
	// read from Object and Envelope by the profile's rules (Summarize).
	LoginID     string `json:"login_id,omitempty"`
	AnonymousID string `json:"anonymous_id,omitempty"`
	UserID      string `json:"user_id,omitempty"`
	DeviceID    string `json:"device_id,omitempty"`
	// Repeat: an earlier event of the sample has the same sdk, distinct_id,
	// _track_id, event and time (an SDK re-sending after a failed upload).
	Repeat bool `json:"repeat,omitempty"`
	// Envelope holds the members of the root object around the events
	// array (e.g. api_key), copied to every event as "envelope.<path>".
	Envelope sensors.Object `json:"envelope,omitempty"`
	// Nested lists the string leaves of Object that decode to JSON.
	Nested []Nested `json:"nested,omitempty"`
}

// Nested is a string leaf of an event that holds JSON itself.
type Nested struct {
	Path  string `json:"path"`  // dotted path in the event object
	Chain string `json:"chain"` // e.g. "json", "base64>gzip>json"
	// Object is the decoded JSON: a sensors.Object or a []any.
	Object any `json:"object"`
}

// Identifier is a device or user identifier embedded in the telemetry.
type Identifier struct {
	Kind  string `json:"kind"`
	Value string `json:"value"`
	// Events is how many events carry the value somewhere (as a whole value,
	// inside a longer string, or as a JSON number); in sdk-zoo a response
	// document handing out ids counts as one more (FindIdentifiersIn).
	Events int `json:"events"`
	// Paths are the distinct places it occurs, as dotted paths inside the
	// event object ("envelope.<path>" in its envelope, "response.<path>" in
	// a response document), sorted; a "(number)" suffix marks a JSON number.
	Paths []string `json:"paths"`
}

// Write writes f as indented JSON. HTML escaping is off so URLs stay
// readable (`&` rather than `\u0026`); the bytes depend only on f.
func Write(w io.Writer, f *File) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(f)
}

// EventOf is the truth entry for the i-th event ev of the payload in field
// of request idx on the connection from client port port: the summary
// columns are read from the object itself, so they cannot disagree with it.
func EventOf(port, idx int, field string, i int, ev sensors.Object) Event {
	str := func(k string) string { v, _ := ev.Get(k); s, _ := v.(string); return s }
	num := func(k string) int64 { v, _ := ev.Get(k); n, _ := v.(int64); return n }
	return Event{
		ClientPort: port, RequestIndex: idx, Field: field, EventIndex: i,
		Event: str("event"), Type: str("type"), DistinctID: str("distinct_id"),
		TimeMs: num("time"), FlushTimeMs: num("_flush_time"), Object: ev,
	}
}
