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
	// Location is "body" (form body or whole body) or "query".
	Location string `json:"location"`
	// Field is the parameter holding the payload: "data_list", "data", or
	// "" when the whole body is the payload.
	Field string `json:"field"`
	// Chain is the decode chain, outermost first.
	Chain string `json:"chain"`
	// Gzip is the value of the gzip parameter, if any.
	Gzip string `json:"gzip,omitempty"`
	// CRC is the crc sent (crc= or ext=crc%3D), if any; it equals the Java
	// String.hashCode of Base64.
	CRC    *int32 `json:"crc,omitempty"`
	Base64 string `json:"base64,omitempty"`
	Events int    `json:"events"`
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
	// including _flush_time.
	Object sensors.Object `json:"object"`
}

// Identifier is a device or user identifier embedded in the telemetry.
type Identifier struct {
	Kind  string `json:"kind"`
	Value string `json:"value"`
	// Events is how many events carry the value somewhere (as a whole value,
	// inside a longer string, or as a JSON number).
	Events int `json:"events"`
	// Paths are the distinct places it occurs, as dotted paths inside the
	// event object, sorted; a "(number)" suffix marks a JSON number.
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
