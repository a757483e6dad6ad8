package sink

// The row types are plain values filled by the pipeline. Times are Unix
// nanoseconds and are written as microseconds (floor), which is what Parquet
// readers and DuckDB understand. Strings need not be valid UTF-8: the writer
// repairs them (see the package comment). A row is copied into the writer's
// buffers by the call that takes it, so the caller may reuse it at once.

// Header is one HTTP header line as it was on the wire.
type Header struct{ Name, Value string }

// FlowRow is one TCP connection (table "flows").
type FlowRow struct {
	UID, CommunityID string
	TS, TSEnd        int64 // first and last packet, Unix ns
	OrigH            string
	OrigP            uint16
	RespH            string
	RespP            uint16
	App              string // "" is written as null
	AppUID           int32  // -1 is written as null

	OrigPkts, RespPkts               int64
	OrigBytes, RespBytes             int64
	OrigMissedBytes, RespMissedBytes int64
	MissedBytes                      int64
	OrigDupBytes, RespDupBytes       int64
	OrigSeenBytes, RespSeenBytes     int64 // payload bytes on the wire, duplicates included
	OrigTruncatedBytes               int64 // bytes the snap length cut off (also missed)
	RespTruncatedBytes               int64
	OrigOutOfOrder, RespOutOfOrder   int64 // segments buffered ahead of a hole
	OrigRetransmits, RespRetransmits int64 // segments carrying only bytes already seen
	OrigOverlapDiff, RespOverlapDiff int64 // overlaps whose bytes differed
	Overlaps                         []Overlap
	End                              string // fin, rst, timeout, eof, evicted, reused
	Midstream                        bool
	Handshake                        bool
	History                          string
	Roles                            string // syn, synack, ports
	Encap                            string // "" is written as null
	AppProto                         string // http1, http2, tls, dns; "" is written as null
	TLS                              bool   // the connection carried TLS
	Decrypted                        bool   // some of its TLS application data was decrypted
	Problems                         []string
	ServerName                       string // "" is written as null
	ServerNameSource                 string // http, sni, dns; "" is written as null
	RespCountry                      string // ISO country code of resp_h; "" is written as null
	RespASN                          int64  // 0 is written as null
	RespASOrg                        string // "" is written as null
	HTTPTransactions                 int64
	FirstFile, LastFile              string
	FirstFrame, LastFrame            int64
}

// Overlap is the evidence of one overlapping segment whose bytes differed
// from the copy kept.
type Overlap struct {
	Dir        string // "orig" or "resp": who sent it
	Offset     int64  // stream offset of its first byte
	Len        int64
	LostSHA256 string // hex SHA-256 of the discarded bytes
	File       string
	Frame      int64
}

// HTTPRow is one HTTP/1.x transaction (table "http"). Optional strings are
// written as null when empty; see Schema for which.
type HTTPRow struct {
	UID        string
	TransDepth int32
	TS, TSEnd  int64
	OrigH      string
	OrigP      uint16
	RespH      string
	RespP      uint16

	Method, Host, URI, Path, Query, Version, UserAgent, Referrer string

	RequestHeaders, ResponseHeaders []Header

	RequestBodyLen         int64
	RequestBody            []byte // raw bytes as kept by the parser; empty is written as null
	RequestBodyTruncated   bool
	RequestContentType     string
	RequestContentEncoding string

	// Without a response every response column is null.
	HasResponse             bool
	StatusCode              int32
	StatusMsg               string
	ResponseContentType     string
	ResponseContentEncoding string
	ResponseBodyLen         int64

	MissingBytes int64
	Flags        []string
	Decrypted    bool   // carried inside TLS and decrypted
	StreamID     uint32 // HTTP/2 stream; 0 (null) for HTTP/1.x

	FirstFile, LastFile   string
	FirstFrame, LastFrame int64
}

// PayloadRow is one decoded telemetry payload (table "payloads").
type PayloadRow struct {
	UID                      string
	TransDepth, PayloadIndex int32
	TS                       int64
	Host, Path               string
	Location, Field          string
	Chain                    []string
	SDK                      string
	EncodedLen, DecodedLen   int64
	JSON                     string
	CRC                      string // as sent; "" is written as null
	CRCChecked, CRCOK        bool   // crc_ok is null unless CRCChecked
	Encrypted                bool
	Entropy                  float64 // written only when Encrypted
	Evidence                 []Header
	Limit                    string
	Flags                    []string
	FirstFile                string
	FirstFrame               int64
}

// EventRow is one analytics event inside a payload (table "events").
type EventRow struct {
	UID                                  string
	TransDepth, PayloadIndex, EventIndex int32
	TS                                   int64 // packet time, Unix ns
	EventTime                            int64 // the event's own time, Unix ns
	HasEventTime                         bool  // false writes event_time as null

	Event, EventType                                  string
	DistinctID, LoginID, AnonymousID, UserID, TrackID string
	DeviceID                                          string
	Repeat                                            bool
	Properties                                        string // JSON text
	Host, Path, SDK                                   string
	FirstFile                                         string
	FirstFrame                                        int64
}

// FieldRow is one flattened leaf of an event's JSON (table "fields").
type FieldRow struct {
	UID                                  string
	TransDepth, PayloadIndex, EventIndex int32
	Path, Value, JSONType                string
	IDKind                               string // "" is written as null
	Via                                  string // "" is written as null
	Host                                 string
}

// LeakRow is one known value found in a transaction (table "leaks").
type LeakRow struct {
	UID                      string
	TransDepth               int32
	TS                       int64
	Host, Path               string
	Kind, Label, Value       string // the known value
	Disguise                 string
	Location, Where          string
	PayloadIndex, EventIndex int32 // -1 is written as null
	FirstFile                string
	FirstFrame               int64
}

// IdentifierRow is one distinct identifier (table "identifiers").
type IdentifierRow struct {
	Kind, Value       string
	FirstTS, LastTS   int64 // Unix ns
	Events            int64
	Hosts, SDKs       []string
	ClusterID         string
	ClusterSize       int64
	Hub               bool
	LinkedIdentifiers int64
}

// LinkRow is one pair of identifiers seen together (table "links").
type LinkRow struct {
	KindA, ValueA, KindB, ValueB string
	Level                        string
	Events, Payloads, Conns      int64
}

// EventClusterRow is the cluster of one event (table "event_clusters").
type EventClusterRow struct {
	UID                                  string
	TransDepth, PayloadIndex, EventIndex int32
	ClusterID                            string // "" is written as null
}

// TLSRow is one TLS connection (table "tls").
type TLSRow struct {
	UID                        string
	TS                         int64
	OrigH                      string
	OrigP                      uint16
	RespH                      string
	RespP                      uint16
	Version, Cipher            string // "" is written as null
	ServerName                 string // SNI; "" is written as null
	ALPNOffered                []string
	ALPN                       string // "" is written as null
	JA4, JA3, JA3Hash          string // "" is written as null (no ClientHello seen)
	ClientRandom               string // hex; "" is written as null
	Resumed, HelloRetry        bool
	Keys, Decrypted            bool
	OrigRecords, RespRecords   int64
	OrigAppBytes, RespAppBytes int64
	OrigDecryptedBytes         int64
	RespDecryptedBytes         int64
	UndecryptedBytes           int64
	DecryptErrors, Alerts      int64
	KeyUpdates                 int64
	Problems                   []string
	FirstFile                  string
	FirstFrame                 int64
}

// DNSAnswer is one resource record of an answer section.
type DNSAnswer struct {
	Name, Type string
	TTL        int64
	Data       string
}

// DNSRow is one DNS response (table "dns").
type DNSRow struct {
	UID        string
	TS         int64
	Proto      string // udp or tcp
	OrigH      string // the querier
	OrigP      uint16
	RespH      string // the DNS server
	RespP      uint16
	TransID    int32
	Query      string // "" is written as null
	QType      string // "" is written as null
	RCode      string
	AA, TC     bool
	Answers    []DNSAnswer
	FirstFile  string
	FirstFrame int64
}
