package sink

import (
	"strconv"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
)

// SchemaVersion changes whenever a table or column is added, removed,
// renamed or retyped. It is in the manifest and in every file's key-value
// metadata ("telltale.schema_version").
const SchemaVersion = 3

// TableDoc describes one output table for `telltale schema`.
type TableDoc struct {
	Name    string // table name; the file is Name + ".parquet"
	Doc     string
	Columns []ColumnDoc
}

// ColumnDoc describes one column.
type ColumnDoc struct {
	Name     string
	Type     string // e.g. "string", "timestamp[us, UTC]", "list<struct<name: string, value: string>>"
	Nullable bool
	Doc      string
}

// Arrow types of the columns. Timestamps carry the time zone "UTC", which
// pqarrow writes as INT64 TIMESTAMP(MICROS, isAdjustedToUTC=true); DuckDB
// reads that as TIMESTAMP WITH TIME ZONE.
var (
	tString  = arrow.BinaryTypes.String
	tBinary  = arrow.BinaryTypes.Binary
	tInt32   = arrow.PrimitiveTypes.Int32
	tInt64   = arrow.PrimitiveTypes.Int64
	tBool    = arrow.FixedWidthTypes.Boolean
	tFloat64 = arrow.PrimitiveTypes.Float64
	tTime    = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	tStrings = arrow.ListOfField(arrow.Field{Name: "element", Type: tString})
	tHeaders = arrow.ListOfField(arrow.Field{Name: "element", Type: arrow.StructOf(
		arrow.Field{Name: "name", Type: tString},
		arrow.Field{Name: "value", Type: tString},
	)})
	tAnswers = arrow.ListOfField(arrow.Field{Name: "element", Type: arrow.StructOf(
		arrow.Field{Name: "name", Type: tString},
		arrow.Field{Name: "type", Type: tString},
		arrow.Field{Name: "ttl", Type: tInt64},
		arrow.Field{Name: "data", Type: tString},
	)})
	tOverlaps = arrow.ListOfField(arrow.Field{Name: "element", Type: arrow.StructOf(
		arrow.Field{Name: "dir", Type: tString},
		arrow.Field{Name: "stream_offset", Type: tInt64},
		arrow.Field{Name: "len", Type: tInt64},
		arrow.Field{Name: "lost_sha256", Type: tString},
		arrow.Field{Name: "file", Type: tString},
		arrow.Field{Name: "frame", Type: tInt64},
	)})
)

// column declares one column once: its name, type, documentation and how a
// row fills it, so the Arrow schema, the docs and the appender cannot drift.
type column[R any] struct {
	name string
	typ  arrow.DataType
	null bool // nullable; otherwise the Parquet column is REQUIRED
	// dict turns on dictionary encoding. Only small closed sets get it: see
	// writerProperties for why a dictionary must never fall back to PLAIN.
	dict bool
	// flags marks the list<string> column that receives "utf8_repaired";
	// it is filled after every other column of the row.
	flags bool
	// nostats drops min/max statistics for long free-form values, where
	// they cost space and never prune a row group.
	nostats bool
	doc     string
	put     func(c *cell, r *R)
}

type tableDef[R any] struct {
	name string
	doc  string
	cols []column[R]
}

// Table names, in the order the writer handles them.
const (
	TableFlows         = "flows"
	TableHTTP          = "http"
	TablePayloads      = "payloads"
	TableEvents        = "events"
	TableFields        = "fields"
	TableLeaks         = "leaks"
	TableIDs           = "identifiers"
	TableLinks         = "links"
	TableEventClusters = "event_clusters"
	TableTLS           = "tls"
	TableDNS           = "dns"
)

// Repeated documentation.
const (
	docUID        = "connection id, unique within the dataset; joins all tables"
	docTS         = "capture time of the first packet of the transaction's first message"
	docOrigH      = "client address (the side that sent the request or, for flows, the TCP initiator)"
	docOrigP      = "client port"
	docRespH      = "server address"
	docRespP      = "server port"
	docTransDepth = "1-based position of the transaction within its connection (Zeek's trans_depth)"
	docPayloadIdx = "0-based index of the payload within the transaction"
	docEventIdx   = "0-based index of the event within the payload"
	docHost       = "HTTP host of the request (Host header or absolute-URI authority); null when absent"
	docPath       = "request path without the query; null when absent"
	docSDK        = "analytics SDK profile that matched; null when none did"
	docFirstFile  = "name of the capture file holding the first frame"
	docFirstFrame = "1-based frame number (as in Wireshark) of the first frame within first_file"
)

var flowsDef = tableDef[FlowRow]{
	name: TableFlows,
	doc:  "one row per TCP connection seen in the captures",
	cols: []column[FlowRow]{
		{name: "uid", typ: tString, doc: docUID, put: func(c *cell, r *FlowRow) { c.str(r.UID) }},
		{name: "community_id", typ: tString, null: true, doc: "Community ID v1 flow hash (base64, with 1: prefix); null when not computed", put: func(c *cell, r *FlowRow) { c.optStr(r.CommunityID) }},
		{name: "ts", typ: tTime, doc: "capture time of the first packet", put: func(c *cell, r *FlowRow) { c.ts(r.TS) }},
		{name: "ts_end", typ: tTime, doc: "capture time of the last packet", put: func(c *cell, r *FlowRow) { c.ts(r.TSEnd) }},
		{name: "orig_h", typ: tString, doc: "initiator address as guessed from SYN, SYN-ACK or ports (see roles)", put: func(c *cell, r *FlowRow) { c.str(r.OrigH) }},
		{name: "orig_p", typ: tInt32, doc: "initiator port", put: func(c *cell, r *FlowRow) { c.i32(int32(r.OrigP)) }},
		{name: "resp_h", typ: tString, doc: "responder address", put: func(c *cell, r *FlowRow) { c.str(r.RespH) }},
		{name: "resp_p", typ: tInt32, doc: "responder port", put: func(c *cell, r *FlowRow) { c.i32(int32(r.RespP)) }},
		{name: "app", typ: tString, null: true, doc: "application that owned the connection, from capture metadata; null when unknown", put: func(c *cell, r *FlowRow) { c.optStr(r.App) }},
		{name: "app_uid", typ: tInt32, null: true, doc: "operating-system uid of that application; null when unknown", put: func(c *cell, r *FlowRow) { c.optI32(r.AppUID, r.AppUID != -1) }},
		{name: "orig_pkts", typ: tInt64, doc: "packets sent by the initiator", put: func(c *cell, r *FlowRow) { c.i64(r.OrigPkts) }},
		{name: "resp_pkts", typ: tInt64, doc: "packets sent by the responder", put: func(c *cell, r *FlowRow) { c.i64(r.RespPkts) }},
		{name: "orig_bytes", typ: tInt64, doc: "payload bytes from the initiator delivered in order", put: func(c *cell, r *FlowRow) { c.i64(r.OrigBytes) }},
		{name: "resp_bytes", typ: tInt64, doc: "payload bytes from the responder delivered in order", put: func(c *cell, r *FlowRow) { c.i64(r.RespBytes) }},
		{name: "orig_missed_bytes", typ: tInt64, doc: "initiator bytes never seen (gaps)", put: func(c *cell, r *FlowRow) { c.i64(r.OrigMissedBytes) }},
		{name: "resp_missed_bytes", typ: tInt64, doc: "responder bytes never seen (gaps)", put: func(c *cell, r *FlowRow) { c.i64(r.RespMissedBytes) }},
		{name: "missed_bytes", typ: tInt64, doc: "orig_missed_bytes + resp_missed_bytes (Zeek's missed_bytes)", put: func(c *cell, r *FlowRow) { c.i64(r.MissedBytes) }},
		{name: "orig_dup_bytes", typ: tInt64, doc: "initiator bytes received more than once (retransmissions)", put: func(c *cell, r *FlowRow) { c.i64(r.OrigDupBytes) }},
		{name: "resp_dup_bytes", typ: tInt64, doc: "responder bytes received more than once (retransmissions)", put: func(c *cell, r *FlowRow) { c.i64(r.RespDupBytes) }},
		{name: "orig_seen_bytes", typ: tInt64, doc: "initiator payload bytes seen on the wire, duplicates included", put: func(c *cell, r *FlowRow) { c.i64(r.OrigSeenBytes) }},
		{name: "resp_seen_bytes", typ: tInt64, doc: "responder payload bytes seen on the wire, duplicates included", put: func(c *cell, r *FlowRow) { c.i64(r.RespSeenBytes) }},
		{name: "orig_truncated_bytes", typ: tInt64, doc: "initiator bytes cut off by the capture's snap length (counted in orig_missed_bytes too)", put: func(c *cell, r *FlowRow) { c.i64(r.OrigTruncatedBytes) }},
		{name: "resp_truncated_bytes", typ: tInt64, doc: "responder bytes cut off by the capture's snap length (counted in resp_missed_bytes too)", put: func(c *cell, r *FlowRow) { c.i64(r.RespTruncatedBytes) }},
		{name: "orig_out_of_order", typ: tInt64, doc: "initiator segments that arrived ahead of a hole and were buffered", put: func(c *cell, r *FlowRow) { c.i64(r.OrigOutOfOrder) }},
		{name: "resp_out_of_order", typ: tInt64, doc: "responder segments that arrived ahead of a hole and were buffered", put: func(c *cell, r *FlowRow) { c.i64(r.RespOutOfOrder) }},
		{name: "orig_retransmits", typ: tInt64, doc: "initiator segments that carried only bytes already seen", put: func(c *cell, r *FlowRow) { c.i64(r.OrigRetransmits) }},
		{name: "resp_retransmits", typ: tInt64, doc: "responder segments that carried only bytes already seen", put: func(c *cell, r *FlowRow) { c.i64(r.RespRetransmits) }},
		{name: "orig_overlap_diff", typ: tInt64, doc: "initiator segments overlapping earlier ones with different bytes (the first copy is kept)", put: func(c *cell, r *FlowRow) { c.i64(r.OrigOverlapDiff) }},
		{name: "resp_overlap_diff", typ: tInt64, doc: "responder segments overlapping earlier ones with different bytes (the first copy is kept)", put: func(c *cell, r *FlowRow) { c.i64(r.RespOverlapDiff) }},
		{name: "overlaps", typ: tOverlaps, nostats: true, doc: "evidence of differing overlaps (at most 16 per connection): dir (orig/resp), stream offset, length, SHA-256 of the discarded bytes, file and frame that carried them", put: func(c *cell, r *FlowRow) { c.overlaps(r.Overlaps) }},
		{name: "end_reason", typ: tString, dict: true, doc: "why the connection ended: fin, rst, timeout, eof, evicted or reused", put: func(c *cell, r *FlowRow) { c.str(r.End) }},
		{name: "midstream", typ: tBool, doc: "true when the capture started after the handshake", put: func(c *cell, r *FlowRow) { c.boolean(r.Midstream) }},
		{name: "handshake", typ: tBool, doc: "true when both the SYN and the SYN+ACK were seen", put: func(c *cell, r *FlowRow) { c.boolean(r.Handshake) }},
		{name: "history", typ: tString, doc: "Zeek-style history: S syn, H syn+ack, A ack, D data, F fin, R rst, T retransmission, G gap, O differing overlap; upper case from the initiator, lower case from the responder, in order of first occurrence", put: func(c *cell, r *FlowRow) { c.str(r.History) }},
		{name: "roles", typ: tString, dict: true, doc: "evidence for who initiated: syn, synack, http (no handshake: the side that sent HTTP requests) or ports", put: func(c *cell, r *FlowRow) { c.str(r.Roles) }},
		{name: "encap", typ: tString, null: true, doc: "encapsulations the packets were found in, outermost first, joined by '>' (e.g. vlan>gre); null when none", put: func(c *cell, r *FlowRow) { c.optStr(r.Encap) }},
		{name: "app_proto", typ: tString, null: true, dict: true, doc: "what the connection carried: http1, http2 (also h2c), tls (not decrypted), dns; null when none of these", put: func(c *cell, r *FlowRow) { c.optStr(r.AppProto) }},
		{name: "tls", typ: tBool, doc: "true when the connection carried TLS (see the tls table)", put: func(c *cell, r *FlowRow) { c.boolean(r.TLS) }},
		{name: "decrypted", typ: tBool, doc: "true when TLS application data of the connection was decrypted with a key log", put: func(c *cell, r *FlowRow) { c.boolean(r.Decrypted) }},
		{name: "problems", typ: tStrings, flags: true, doc: "protocol problems of the connection, prefixed by layer: tls_ (no_keys, decrypt_error, bad_record, gap, unsupported_cipher, ...) and http2_ (protocol_error, hpack_error, gap, ...), plus utf8_repaired", put: func(c *cell, r *FlowRow) { c.flagList(r.Problems) }},
		{name: "server_name", typ: tString, null: true, doc: "name of the server: the HTTP Host or :authority, else the TLS SNI, else the DNS answer that resolved resp_h last before the flow began; null when none", put: func(c *cell, r *FlowRow) { c.optStr(r.ServerName) }},
		{name: "server_name_source", typ: tString, null: true, dict: true, doc: "where server_name came from: http, sni or dns", put: func(c *cell, r *FlowRow) { c.optStr(r.ServerNameSource) }},
		{name: "resp_country", typ: tString, null: true, dict: true, doc: "ISO country code of resp_h from the --geoip database; null without one or when unknown", put: func(c *cell, r *FlowRow) { c.optStr(r.RespCountry) }},
		{name: "resp_asn", typ: tInt64, null: true, doc: "autonomous system number of resp_h from the --asn database; null without one or when unknown", put: func(c *cell, r *FlowRow) { c.optI64(r.RespASN, r.RespASN != 0) }},
		{name: "resp_as_org", typ: tString, null: true, doc: "organisation owning that autonomous system; null without one or when unknown", put: func(c *cell, r *FlowRow) { c.optStr(r.RespASOrg) }},
		{name: "http_transactions", typ: tInt64, doc: "HTTP transactions parsed on the connection (HTTP/1.x and HTTP/2)", put: func(c *cell, r *FlowRow) { c.i64(r.HTTPTransactions) }},
		{name: "first_file", typ: tString, doc: docFirstFile, put: func(c *cell, r *FlowRow) { c.str(r.FirstFile) }},
		{name: "first_frame", typ: tInt64, doc: docFirstFrame, put: func(c *cell, r *FlowRow) { c.i64(r.FirstFrame) }},
		{name: "last_file", typ: tString, doc: "name of the capture file holding the last frame", put: func(c *cell, r *FlowRow) { c.str(r.LastFile) }},
		{name: "last_frame", typ: tInt64, doc: "frame number of the last frame within last_file", put: func(c *cell, r *FlowRow) { c.i64(r.LastFrame) }},
	},
}

var httpDef = tableDef[HTTPRow]{
	name: TableHTTP,
	doc:  "one row per HTTP transaction, HTTP/1.x or HTTP/2 (request and its response, or either alone)",
	cols: []column[HTTPRow]{
		{name: "uid", typ: tString, doc: docUID, put: func(c *cell, r *HTTPRow) { c.str(r.UID) }},
		{name: "trans_depth", typ: tInt32, doc: docTransDepth, put: func(c *cell, r *HTTPRow) { c.i32(r.TransDepth) }},
		{name: "ts", typ: tTime, doc: docTS, put: func(c *cell, r *HTTPRow) { c.ts(r.TS) }},
		{name: "ts_end", typ: tTime, doc: "capture time of the last packet of the transaction's last message", put: func(c *cell, r *HTTPRow) { c.ts(r.TSEnd) }},
		{name: "orig_h", typ: tString, doc: docOrigH, put: func(c *cell, r *HTTPRow) { c.str(r.OrigH) }},
		{name: "orig_p", typ: tInt32, doc: docOrigP, put: func(c *cell, r *HTTPRow) { c.i32(int32(r.OrigP)) }},
		{name: "resp_h", typ: tString, doc: docRespH, put: func(c *cell, r *HTTPRow) { c.str(r.RespH) }},
		{name: "resp_p", typ: tInt32, doc: docRespP, put: func(c *cell, r *HTTPRow) { c.i32(int32(r.RespP)) }},
		{name: "method", typ: tString, null: true, dict: true, doc: "request method; null when only a response was seen", put: func(c *cell, r *HTTPRow) { c.optStr(r.Method) }},
		{name: "host", typ: tString, null: true, doc: docHost, put: func(c *cell, r *HTTPRow) { c.optStr(r.Host) }},
		{name: "uri", typ: tString, null: true, nostats: true, doc: "request target as sent; null when only a response was seen", put: func(c *cell, r *HTTPRow) { c.optStr(r.URI) }},
		{name: "path", typ: tString, null: true, doc: docPath, put: func(c *cell, r *HTTPRow) { c.optStr(r.Path) }},
		{name: "query", typ: tString, null: true, nostats: true, doc: "query string without '?', not decoded; null when absent or empty", put: func(c *cell, r *HTTPRow) { c.optStr(r.Query) }},
		{name: "version", typ: tString, null: true, dict: true, doc: "HTTP version of the request (or of the response when there is no request): 1.0, 1.1 or 2", put: func(c *cell, r *HTTPRow) { c.optStr(r.Version) }},
		{name: "user_agent", typ: tString, null: true, doc: "User-Agent request header; null when absent", put: func(c *cell, r *HTTPRow) { c.optStr(r.UserAgent) }},
		{name: "referrer", typ: tString, null: true, doc: "Referer request header; null when absent", put: func(c *cell, r *HTTPRow) { c.optStr(r.Referrer) }},
		{name: "request_headers", typ: tHeaders, nostats: true, doc: "request header lines in wire order; empty when none", put: func(c *cell, r *HTTPRow) { c.headers(r.RequestHeaders) }},
		{name: "response_headers", typ: tHeaders, nostats: true, doc: "response header lines in wire order; empty when none", put: func(c *cell, r *HTTPRow) { c.headers(r.ResponseHeaders) }},
		{name: "request_body_len", typ: tInt64, doc: "request body length on the wire (after de-chunking, before content decoding)", put: func(c *cell, r *HTTPRow) { c.i64(r.RequestBodyLen) }},
		{name: "request_body", typ: tBinary, null: true, nostats: true, doc: "request body bytes as kept (raw, not content-decoded, capped); null when empty", put: func(c *cell, r *HTTPRow) { c.bin(r.RequestBody) }},
		{name: "request_body_truncated", typ: tBool, doc: "true when request_body holds less than the whole body", put: func(c *cell, r *HTTPRow) { c.boolean(r.RequestBodyTruncated) }},
		{name: "request_content_type", typ: tString, null: true, doc: "Content-Type request header; null when absent", put: func(c *cell, r *HTTPRow) { c.optStr(r.RequestContentType) }},
		{name: "request_content_encoding", typ: tString, null: true, doc: "Content-Encoding of the request body; null when absent", put: func(c *cell, r *HTTPRow) { c.optStr(r.RequestContentEncoding) }},
		{name: "status_code", typ: tInt32, null: true, doc: "response status code; null when no response was seen", put: func(c *cell, r *HTTPRow) { c.optI32(r.StatusCode, r.HasResponse) }},
		{name: "status_msg", typ: tString, null: true, doc: "response reason phrase (may be empty); null when no response was seen", put: func(c *cell, r *HTTPRow) { c.strIf(r.StatusMsg, r.HasResponse) }},
		{name: "response_content_type", typ: tString, null: true, doc: "Content-Type response header; null when absent or no response", put: func(c *cell, r *HTTPRow) { c.optStr(r.ResponseContentType) }},
		{name: "response_content_encoding", typ: tString, null: true, doc: "Content-Encoding of the response body; null when absent or no response", put: func(c *cell, r *HTTPRow) { c.optStr(r.ResponseContentEncoding) }},
		{name: "response_body_len", typ: tInt64, null: true, doc: "response body length on the wire; null when no response was seen", put: func(c *cell, r *HTTPRow) { c.optI64(r.ResponseBodyLen, r.HasResponse) }},
		{name: "missing_bytes", typ: tInt64, doc: "body bytes lost in capture gaps (request + response)", put: func(c *cell, r *HTTPRow) { c.i64(r.MissingBytes) }},
		{name: "flags", typ: tStrings, flags: true, doc: "anomaly and state flags of the transaction, plus utf8_repaired when a string column of this row held invalid UTF-8", put: func(c *cell, r *HTTPRow) { c.flagList(r.Flags) }},
		{name: "decrypted", typ: tBool, doc: "true when the transaction was carried inside TLS and decrypted with a key log", put: func(c *cell, r *HTTPRow) { c.boolean(r.Decrypted) }},
		{name: "stream_id", typ: tInt64, null: true, doc: "HTTP/2 stream identifier; null for HTTP/1.x", put: func(c *cell, r *HTTPRow) { c.optI64(int64(r.StreamID), r.StreamID != 0) }},
		{name: "first_file", typ: tString, doc: docFirstFile, put: func(c *cell, r *HTTPRow) { c.str(r.FirstFile) }},
		{name: "first_frame", typ: tInt64, doc: docFirstFrame, put: func(c *cell, r *HTTPRow) { c.i64(r.FirstFrame) }},
		{name: "last_file", typ: tString, doc: "name of the capture file holding the transaction's last frame (a later file than first_file when the capture was rotated mid-transaction)", put: func(c *cell, r *HTTPRow) { c.str(r.LastFile) }},
		{name: "last_frame", typ: tInt64, doc: "frame number of the transaction's last frame within last_file", put: func(c *cell, r *HTTPRow) { c.i64(r.LastFrame) }},
	},
}

var payloadsDef = tableDef[PayloadRow]{
	name: TablePayloads,
	doc:  "one row per telemetry payload found in a request and decoded",
	cols: []column[PayloadRow]{
		{name: "uid", typ: tString, doc: docUID, put: func(c *cell, r *PayloadRow) { c.str(r.UID) }},
		{name: "trans_depth", typ: tInt32, doc: docTransDepth, put: func(c *cell, r *PayloadRow) { c.i32(r.TransDepth) }},
		{name: "payload_index", typ: tInt32, doc: docPayloadIdx, put: func(c *cell, r *PayloadRow) { c.i32(r.PayloadIndex) }},
		{name: "ts", typ: tTime, doc: docTS, put: func(c *cell, r *PayloadRow) { c.ts(r.TS) }},
		{name: "host", typ: tString, null: true, doc: docHost, put: func(c *cell, r *PayloadRow) { c.optStr(r.Host) }},
		{name: "path", typ: tString, null: true, doc: docPath, put: func(c *cell, r *PayloadRow) { c.optStr(r.Path) }},
		{name: "location", typ: tString, dict: true, doc: "where in the request the payload was found, as the extractor names it (e.g. query or body)", put: func(c *cell, r *PayloadRow) { c.str(r.Location) }},
		{name: "field", typ: tString, null: true, doc: "parameter or form field that held the payload; null when it was the whole body", put: func(c *cell, r *PayloadRow) { c.optStr(r.Field) }},
		{name: "chain", typ: tStrings, doc: "decoding steps applied, outermost first", put: func(c *cell, r *PayloadRow) { c.strList(r.Chain) }},
		{name: "sdk", typ: tString, null: true, dict: true, doc: docSDK, put: func(c *cell, r *PayloadRow) { c.optStr(r.SDK) }},
		{name: "encoded_len", typ: tInt64, doc: "payload length before decoding", put: func(c *cell, r *PayloadRow) { c.i64(r.EncodedLen) }},
		{name: "decoded_len", typ: tInt64, doc: "payload length after the whole chain", put: func(c *cell, r *PayloadRow) { c.i64(r.DecodedLen) }},
		{name: "json", typ: tString, null: true, nostats: true, doc: "decoded payload as JSON text; null when decoding did not reach JSON", put: func(c *cell, r *PayloadRow) { c.optStr(r.JSON) }},
		{name: "crc", typ: tString, null: true, doc: "checksum parameter sent with the payload, as sent; null when absent", put: func(c *cell, r *PayloadRow) { c.optStr(r.CRC) }},
		{name: "crc_ok", typ: tBool, null: true, doc: "true when the checksum matches the payload as received (Sensors: Java String.hashCode of the Base64 text); null when there is none to check", put: func(c *cell, r *PayloadRow) { c.optBool(r.CRCOK, r.CRCChecked) }},
		{name: "encrypted", typ: tBool, doc: "true for an encrypted or opaque payload: never decoded into events; json holds at most its readable envelope", put: func(c *cell, r *PayloadRow) { c.boolean(r.Encrypted) }},
		{name: "entropy", typ: tFloat64, null: true, doc: "Shannon entropy (bits per byte) of the innermost bytes reached, for encrypted payloads; null otherwise", put: func(c *cell, r *PayloadRow) { c.optF64(r.Entropy, r.Encrypted) }},
		{name: "evidence", typ: tHeaders, nostats: true, doc: "request headers that identify the vendor of an opaque payload (e.g. X-Umeng-Sdk, OT_sender); empty otherwise", put: func(c *cell, r *PayloadRow) { c.headers(r.Evidence) }},
		{name: "limit", typ: tString, null: true, dict: true, doc: "decode limit that stopped the chain: depth, bytes, ratio (decompression bomb) or json_depth; null when none", put: func(c *cell, r *PayloadRow) { c.optStr(r.Limit) }},
		{name: "flags", typ: tStrings, flags: true, doc: "decoding flags (limits, errors), plus utf8_repaired when a string column of this row held invalid UTF-8", put: func(c *cell, r *PayloadRow) { c.flagList(r.Flags) }},
		{name: "first_file", typ: tString, doc: docFirstFile, put: func(c *cell, r *PayloadRow) { c.str(r.FirstFile) }},
		{name: "first_frame", typ: tInt64, doc: docFirstFrame, put: func(c *cell, r *PayloadRow) { c.i64(r.FirstFrame) }},
	},
}

var eventsDef = tableDef[EventRow]{
	name: TableEvents,
	doc:  "one row per analytics event inside a payload",
	cols: []column[EventRow]{
		{name: "uid", typ: tString, doc: docUID, put: func(c *cell, r *EventRow) { c.str(r.UID) }},
		{name: "trans_depth", typ: tInt32, doc: docTransDepth, put: func(c *cell, r *EventRow) { c.i32(r.TransDepth) }},
		{name: "payload_index", typ: tInt32, doc: docPayloadIdx, put: func(c *cell, r *EventRow) { c.i32(r.PayloadIndex) }},
		{name: "event_index", typ: tInt32, doc: docEventIdx, put: func(c *cell, r *EventRow) { c.i32(r.EventIndex) }},
		{name: "ts", typ: tTime, doc: "capture time of the request that carried the event", put: func(c *cell, r *EventRow) { c.ts(r.TS) }},
		{name: "event_time", typ: tTime, null: true, doc: "the event's own time (client clock, millisecond precision); null when the event has none", put: func(c *cell, r *EventRow) { c.optTS(r.EventTime, r.HasEventTime) }},
		{name: "event", typ: tString, null: true, doc: "event name; null when absent", put: func(c *cell, r *EventRow) { c.optStr(r.Event) }},
		{name: "event_type", typ: tString, null: true, dict: true, doc: "event type as the SDK names it (e.g. track, profile_set); null when absent", put: func(c *cell, r *EventRow) { c.optStr(r.EventType) }},
		{name: "distinct_id", typ: tString, null: true, doc: "distinct id; null when absent", put: func(c *cell, r *EventRow) { c.optStr(r.DistinctID) }},
		{name: "login_id", typ: tString, null: true, doc: "login id; null when absent", put: func(c *cell, r *EventRow) { c.optStr(r.LoginID) }},
		{name: "anonymous_id", typ: tString, null: true, doc: "anonymous id; null when absent", put: func(c *cell, r *EventRow) { c.optStr(r.AnonymousID) }},
		{name: "user_id", typ: tString, null: true, doc: "user id; null when absent", put: func(c *cell, r *EventRow) { c.optStr(r.UserID) }},
		{name: "device_id", typ: tString, null: true, doc: "device id the SDK names as such (advertising id, $device_id, ...); null when absent", put: func(c *cell, r *EventRow) { c.optStr(r.DeviceID) }},
		{name: "track_id", typ: tString, null: true, doc: "track id (deduplication id); null when absent", put: func(c *cell, r *EventRow) { c.optStr(r.TrackID) }},
		{name: "repeat", typ: tBool, doc: "true when an earlier event of the dataset had the same sdk, distinct_id, track_id, event and event_time: a re-sent event (after a failed upload)", put: func(c *cell, r *EventRow) { c.boolean(r.Repeat) }},
		{name: "properties", typ: tString, null: true, nostats: true, doc: "event properties as JSON text; null when absent", put: func(c *cell, r *EventRow) { c.optStr(r.Properties) }},
		{name: "host", typ: tString, null: true, doc: docHost, put: func(c *cell, r *EventRow) { c.optStr(r.Host) }},
		{name: "path", typ: tString, null: true, doc: docPath, put: func(c *cell, r *EventRow) { c.optStr(r.Path) }},
		{name: "sdk", typ: tString, null: true, dict: true, doc: docSDK, put: func(c *cell, r *EventRow) { c.optStr(r.SDK) }},
		{name: "first_file", typ: tString, doc: docFirstFile, put: func(c *cell, r *EventRow) { c.str(r.FirstFile) }},
		{name: "first_frame", typ: tInt64, doc: docFirstFrame, put: func(c *cell, r *EventRow) { c.i64(r.FirstFrame) }},
	},
}

var fieldsDef = tableDef[FieldRow]{
	name: TableFields,
	doc:  "one row per leaf value of an event's JSON, flattened",
	cols: []column[FieldRow]{
		{name: "uid", typ: tString, doc: docUID, put: func(c *cell, r *FieldRow) { c.str(r.UID) }},
		{name: "trans_depth", typ: tInt32, doc: docTransDepth, put: func(c *cell, r *FieldRow) { c.i32(r.TransDepth) }},
		{name: "payload_index", typ: tInt32, doc: docPayloadIdx, put: func(c *cell, r *FieldRow) { c.i32(r.PayloadIndex) }},
		{name: "event_index", typ: tInt32, doc: docEventIdx, put: func(c *cell, r *FieldRow) { c.i32(r.EventIndex) }},
		{name: "path", typ: tString, doc: "JSON path of the leaf within the event (e.g. properties.$os)", put: func(c *cell, r *FieldRow) { c.str(r.Path) }},
		{name: "value", typ: tString, nostats: true, doc: "leaf value as text (strings unquoted, others as JSON)", put: func(c *cell, r *FieldRow) { c.str(r.Value) }},
		{name: "json_type", typ: tString, dict: true, doc: "JSON type of the leaf as the extractor names it (e.g. string, number)", put: func(c *cell, r *FieldRow) { c.str(r.JSONType) }},
		{name: "id_kind", typ: tString, null: true, dict: true, doc: "kind of identifier the value is (imei, android_id, advertising_id, oaid, mac, email, phone, ipv4, geo, url, search_query, account_id, packed_ids, ...; rules in pipeline/extract IDKind); null when none", put: func(c *cell, r *FieldRow) { c.optStr(r.IDKind) }},
		{name: "via", typ: tString, null: true, doc: "decode chain (joined by '>') that revealed the leaf from a string value of the JSON (e.g. json, base64>gzip>json); null for a plain leaf", put: func(c *cell, r *FieldRow) { c.optStr(r.Via) }},
		{name: "host", typ: tString, null: true, doc: docHost, put: func(c *cell, r *FieldRow) { c.optStr(r.Host) }},
	},
}

var leaksDef = tableDef[LeakRow]{
	name: TableLeaks,
	doc:  "one row per known value (run --known) found in a transaction, per disguise and place",
	cols: []column[LeakRow]{
		{name: "uid", typ: tString, doc: docUID, put: func(c *cell, r *LeakRow) { c.str(r.UID) }},
		{name: "trans_depth", typ: tInt32, doc: docTransDepth, put: func(c *cell, r *LeakRow) { c.i32(r.TransDepth) }},
		{name: "ts", typ: tTime, doc: docTS, put: func(c *cell, r *LeakRow) { c.ts(r.TS) }},
		{name: "host", typ: tString, null: true, doc: docHost, put: func(c *cell, r *LeakRow) { c.optStr(r.Host) }},
		{name: "path", typ: tString, null: true, doc: docPath, put: func(c *cell, r *LeakRow) { c.optStr(r.Path) }},
		{name: "kind", typ: tString, dict: true, doc: "kind of the known value as the known-values file names it (imei, email, ...)", put: func(c *cell, r *LeakRow) { c.str(r.Kind) }},
		{name: "label", typ: tString, null: true, doc: "label of the known value; null when none", put: func(c *cell, r *LeakRow) { c.optStr(r.Label) }},
		{name: "value", typ: tString, doc: "the known value as given", put: func(c *cell, r *LeakRow) { c.str(r.Value) }},
		{name: "disguise", typ: tString, doc: "how it appeared: plain, lower, upper, nosep, md5, sha1, sha256, base64, or a hash/base64 of a form, e.g. sha256(lower)", put: func(c *cell, r *LeakRow) { c.str(r.Disguise) }},
		{name: "location", typ: tString, dict: true, doc: "where: field (a decoded event field), payload (a decoded layer of a payload), uri, header, body (the request body as received), response (the response body)", put: func(c *cell, r *LeakRow) { c.str(r.Location) }},
		{name: "where", typ: tString, null: true, doc: "field path, payload chain up to the layer, or header name; null for uri, body and response", put: func(c *cell, r *LeakRow) { c.optStr(r.Where) }},
		{name: "payload_index", typ: tInt32, null: true, doc: "payload of the hit (payloads table); null outside payloads", put: func(c *cell, r *LeakRow) { c.optI32(r.PayloadIndex, r.PayloadIndex >= 0) }},
		{name: "event_index", typ: tInt32, null: true, doc: "event of the hit; null outside events", put: func(c *cell, r *LeakRow) { c.optI32(r.EventIndex, r.EventIndex >= 0) }},
		{name: "first_file", typ: tString, doc: docFirstFile, put: func(c *cell, r *LeakRow) { c.str(r.FirstFile) }},
		{name: "first_frame", typ: tInt64, doc: docFirstFrame, put: func(c *cell, r *LeakRow) { c.i64(r.FirstFrame) }},
	},
}

var identifiersDef = tableDef[IdentifierRow]{
	name: TableIDs,
	doc:  "one row per distinct identifier (id_kind, value) seen in event fields, with its cluster",
	cols: []column[IdentifierRow]{
		{name: "kind", typ: tString, dict: true, doc: "id_kind of the value (packed_ids strings contribute their parts)", put: func(c *cell, r *IdentifierRow) { c.str(r.Kind) }},
		{name: "value", typ: tString, doc: "the identifier value", put: func(c *cell, r *IdentifierRow) { c.str(r.Value) }},
		{name: "first_seen", typ: tTime, doc: "capture time of the first event that carried it", put: func(c *cell, r *IdentifierRow) { c.ts(r.FirstTS) }},
		{name: "last_seen", typ: tTime, doc: "capture time of the last event that carried it", put: func(c *cell, r *IdentifierRow) { c.ts(r.LastTS) }},
		{name: "events", typ: tInt64, doc: "events that carried it", put: func(c *cell, r *IdentifierRow) { c.i64(r.Events) }},
		{name: "hosts", typ: tStrings, doc: "destinations (HTTP hosts) that received it, sorted", put: func(c *cell, r *IdentifierRow) { c.strList(r.Hosts) }},
		{name: "sdks", typ: tStrings, doc: "SDK profiles that carried it, sorted", put: func(c *cell, r *IdentifierRow) { c.strList(r.SDKs) }},
		{name: "cluster_id", typ: tString, doc: "connected component of the event-level links, hubs and context values (ip, geo, ssid) left out: everything known to belong to one device or person; K + 16 hex of SHA-256 of the cluster's least (kind, value)", put: func(c *cell, r *IdentifierRow) { c.str(r.ClusterID) }},
		{name: "cluster_size", typ: tInt64, doc: "identifiers in the cluster", put: func(c *cell, r *IdentifierRow) { c.i64(r.ClusterSize) }},
		{name: "hub", typ: tBool, doc: "true for a value shared by devices (known placeholder, or seen with two devices' hardware ids): it does not link clusters", put: func(c *cell, r *IdentifierRow) { c.boolean(r.Hub) }},
		{name: "linked_identifiers", typ: tInt64, doc: "distinct identifiers seen with it in one event", put: func(c *cell, r *IdentifierRow) { c.i64(r.LinkedIdentifiers) }},
	},
}

var linksDef = tableDef[LinkRow]{
	name: TableLinks,
	doc:  "one row per pair of identifiers seen together, at the strongest level reached",
	cols: []column[LinkRow]{
		{name: "kind_a", typ: tString, dict: true, doc: "id_kind of the first identifier (pairs are ordered by kind, then value)", put: func(c *cell, r *LinkRow) { c.str(r.KindA) }},
		{name: "value_a", typ: tString, doc: "value of the first identifier", put: func(c *cell, r *LinkRow) { c.str(r.ValueA) }},
		{name: "kind_b", typ: tString, dict: true, doc: "id_kind of the second identifier", put: func(c *cell, r *LinkRow) { c.str(r.KindB) }},
		{name: "value_b", typ: tString, doc: "value of the second identifier", put: func(c *cell, r *LinkRow) { c.str(r.ValueB) }},
		{name: "level", typ: tString, dict: true, doc: "strongest level: event (in one event), payload (one payload, different events) or connection (one TCP connection, different payloads)", put: func(c *cell, r *LinkRow) { c.str(r.Level) }},
		{name: "events", typ: tInt64, doc: "events that carried both", put: func(c *cell, r *LinkRow) { c.i64(r.Events) }},
		{name: "payloads", typ: tInt64, doc: "payloads that carried both", put: func(c *cell, r *LinkRow) { c.i64(r.Payloads) }},
		{name: "connections", typ: tInt64, doc: "connections that carried both", put: func(c *cell, r *LinkRow) { c.i64(r.Conns) }},
	},
}

var eventClustersDef = tableDef[EventClusterRow]{
	name: TableEventClusters,
	doc:  "one row per events row, in the same order: the cluster (identifiers.cluster_id) the event belongs to",
	cols: []column[EventClusterRow]{
		{name: "uid", typ: tString, doc: docUID, put: func(c *cell, r *EventClusterRow) { c.str(r.UID) }},
		{name: "trans_depth", typ: tInt32, doc: docTransDepth, put: func(c *cell, r *EventClusterRow) { c.i32(r.TransDepth) }},
		{name: "payload_index", typ: tInt32, doc: docPayloadIdx, put: func(c *cell, r *EventClusterRow) { c.i32(r.PayloadIndex) }},
		{name: "event_index", typ: tInt32, doc: docEventIdx, put: func(c *cell, r *EventClusterRow) { c.i32(r.EventIndex) }},
		{name: "cluster_id", typ: tString, null: true, doc: "cluster of the event's first identifier that links (neither a hub nor a context value); null when it carries none", put: func(c *cell, r *EventClusterRow) { c.optStr(r.ClusterID) }},
	},
}

// Schema documents every table and column in output order.
func Schema() []TableDoc {
	return []TableDoc{flowsDef.tableDoc(), httpDef.tableDoc(), payloadsDef.tableDoc(), eventsDef.tableDoc(), fieldsDef.tableDoc(), leaksDef.tableDoc(), identifiersDef.tableDoc(), linksDef.tableDoc(), eventClustersDef.tableDoc(), tlsDef.tableDoc(), dnsDef.tableDoc()}
}

func (d *tableDef[R]) tableDoc() TableDoc {
	td := TableDoc{Name: d.name, Doc: d.doc, Columns: make([]ColumnDoc, len(d.cols))}
	for i, c := range d.cols {
		td.Columns[i] = ColumnDoc{Name: c.name, Type: typeString(c.typ), Nullable: c.null, Doc: c.doc}
	}
	return td
}

// arrowSchema is the table's Arrow schema; its metadata ends up in the
// Parquet footer's key-value metadata.
func (d *tableDef[R]) arrowSchema() *arrow.Schema {
	fields := make([]arrow.Field, len(d.cols))
	for i, c := range d.cols {
		fields[i] = arrow.Field{Name: c.name, Type: c.typ, Nullable: c.null}
	}
	md := arrow.NewMetadata(
		[]string{"telltale.schema_version", "telltale.table"},
		[]string{strconv.Itoa(SchemaVersion), d.name},
	)
	return arrow.NewSchema(fields, &md)
}

// typeString renders an Arrow type for people, in the spelling Arrow uses
// for nested types but with the time zone spelled out.
func typeString(t arrow.DataType) string {
	switch t := t.(type) {
	case *arrow.TimestampType:
		return "timestamp[" + t.Unit.String() + ", " + t.TimeZone + "]"
	case *arrow.ListType:
		return "list<" + typeString(t.Elem()) + ">"
	case *arrow.StructType:
		parts := make([]string, t.NumFields())
		for i, f := range t.Fields() {
			parts[i] = f.Name + ": " + typeString(f.Type)
		}
		return "struct<" + strings.Join(parts, ", ") + ">"
	case *arrow.StringType:
		return "string"
	case *arrow.BinaryType:
		return "binary"
	default:
		return t.String()
	}
}

var tlsDef = tableDef[TLSRow]{
	name: TableTLS,
	doc:  "one row per TCP connection that carried TLS, with or without keys to decrypt it",
	cols: []column[TLSRow]{
		{name: "uid", typ: tString, doc: docUID, put: func(c *cell, r *TLSRow) { c.str(r.UID) }},
		{name: "ts", typ: tTime, doc: "capture time of the connection's first packet", put: func(c *cell, r *TLSRow) { c.ts(r.TS) }},
		{name: "orig_h", typ: tString, doc: "client address (the side that sent the ClientHello)", put: func(c *cell, r *TLSRow) { c.str(r.OrigH) }},
		{name: "orig_p", typ: tInt32, doc: docOrigP, put: func(c *cell, r *TLSRow) { c.i32(int32(r.OrigP)) }},
		{name: "resp_h", typ: tString, doc: docRespH, put: func(c *cell, r *TLSRow) { c.str(r.RespH) }},
		{name: "resp_p", typ: tInt32, doc: docRespP, put: func(c *cell, r *TLSRow) { c.i32(int32(r.RespP)) }},
		{name: "version", typ: tString, null: true, dict: true, doc: "negotiated protocol version, e.g. TLS 1.3; null when no ServerHello was seen", put: func(c *cell, r *TLSRow) { c.optStr(r.Version) }},
		{name: "cipher", typ: tString, null: true, dict: true, doc: "negotiated cipher suite (IANA name); null when no ServerHello was seen", put: func(c *cell, r *TLSRow) { c.optStr(r.Cipher) }},
		{name: "server_name", typ: tString, null: true, doc: "server name indication (SNI) of the ClientHello; null when absent", put: func(c *cell, r *TLSRow) { c.optStr(r.ServerName) }},
		{name: "alpn_offered", typ: tStrings, doc: "application protocols the client offered (ALPN), in order", put: func(c *cell, r *TLSRow) { c.strList(r.ALPNOffered) }},
		{name: "alpn", typ: tString, null: true, dict: true, doc: "application protocol the server chose (in TLS 1.3 known only when decrypted); null when unknown", put: func(c *cell, r *TLSRow) { c.optStr(r.ALPN) }},
		{name: "ja4", typ: tString, null: true, doc: "JA4 client fingerprint (FoxIO); null when no ClientHello was seen", put: func(c *cell, r *TLSRow) { c.optStr(r.JA4) }},
		{name: "ja3", typ: tString, null: true, nostats: true, doc: "JA3 string of the ClientHello (GREASE removed); null when none", put: func(c *cell, r *TLSRow) { c.optStr(r.JA3) }},
		{name: "ja3_hash", typ: tString, null: true, doc: "MD5 of ja3; null when none", put: func(c *cell, r *TLSRow) { c.optStr(r.JA3Hash) }},
		{name: "client_random", typ: tString, null: true, doc: "ClientHello random in hex: the key a key log line is looked up by", put: func(c *cell, r *TLSRow) { c.optStr(r.ClientRandom) }},
		{name: "resumed", typ: tBool, doc: "true when the session was resumed (TLS 1.3 PSK accepted, or TLS 1.2 session id echoed)", put: func(c *cell, r *TLSRow) { c.boolean(r.Resumed) }},
		{name: "hello_retry", typ: tBool, doc: "true when the server sent a HelloRetryRequest", put: func(c *cell, r *TLSRow) { c.boolean(r.HelloRetry) }},
		{name: "keys", typ: tBool, doc: "true when the key log held secrets for this connection's client random", put: func(c *cell, r *TLSRow) { c.boolean(r.Keys) }},
		{name: "decrypted", typ: tBool, doc: "true when application data was decrypted", put: func(c *cell, r *TLSRow) { c.boolean(r.Decrypted) }},
		{name: "orig_records", typ: tInt64, doc: "TLS records sent by the client", put: func(c *cell, r *TLSRow) { c.i64(r.OrigRecords) }},
		{name: "resp_records", typ: tInt64, doc: "TLS records sent by the server", put: func(c *cell, r *TLSRow) { c.i64(r.RespRecords) }},
		{name: "orig_app_bytes", typ: tInt64, doc: "ciphertext bytes of the client's application data records", put: func(c *cell, r *TLSRow) { c.i64(r.OrigAppBytes) }},
		{name: "resp_app_bytes", typ: tInt64, doc: "ciphertext bytes of the server's application data records", put: func(c *cell, r *TLSRow) { c.i64(r.RespAppBytes) }},
		{name: "orig_decrypted_bytes", typ: tInt64, doc: "plaintext bytes decrypted from the client's records", put: func(c *cell, r *TLSRow) { c.i64(r.OrigDecryptedBytes) }},
		{name: "resp_decrypted_bytes", typ: tInt64, doc: "plaintext bytes decrypted from the server's records", put: func(c *cell, r *TLSRow) { c.i64(r.RespDecryptedBytes) }},
		{name: "undecrypted_bytes", typ: tInt64, doc: "application data ciphertext bytes that were counted but not decrypted (no keys, failures, after a gap)", put: func(c *cell, r *TLSRow) { c.i64(r.UndecryptedBytes) }},
		{name: "decrypt_errors", typ: tInt64, doc: "records that failed to decrypt or authenticate", put: func(c *cell, r *TLSRow) { c.i64(r.DecryptErrors) }},
		{name: "alerts", typ: tInt64, doc: "alert records seen", put: func(c *cell, r *TLSRow) { c.i64(r.Alerts) }},
		{name: "key_updates", typ: tInt64, doc: "TLS 1.3 KeyUpdate messages followed", put: func(c *cell, r *TLSRow) { c.i64(r.KeyUpdates) }},
		{name: "problems", typ: tStrings, flags: true, doc: "what went wrong or was irregular (e.g. no_keys, decrypt_error, gap, bad_record, unsupported_cipher), plus utf8_repaired", put: func(c *cell, r *TLSRow) { c.flagList(r.Problems) }},
		{name: "first_file", typ: tString, doc: docFirstFile, put: func(c *cell, r *TLSRow) { c.str(r.FirstFile) }},
		{name: "first_frame", typ: tInt64, doc: docFirstFrame, put: func(c *cell, r *TLSRow) { c.i64(r.FirstFrame) }},
	},
}

var dnsDef = tableDef[DNSRow]{
	name: TableDNS,
	doc:  "one row per DNS response seen (UDP ports 53, 5353, 5355 and DNS over TCP port 53)",
	cols: []column[DNSRow]{
		{name: "uid", typ: tString, doc: "id of the response: the connection uid for DNS over TCP, else derived from the datagram's Community ID and time", put: func(c *cell, r *DNSRow) { c.str(r.UID) }},
		{name: "ts", typ: tTime, doc: "capture time of the response", put: func(c *cell, r *DNSRow) { c.ts(r.TS) }},
		{name: "proto", typ: tString, dict: true, doc: "udp or tcp", put: func(c *cell, r *DNSRow) { c.str(r.Proto) }},
		{name: "orig_h", typ: tString, doc: "address of the querier (the response's destination)", put: func(c *cell, r *DNSRow) { c.str(r.OrigH) }},
		{name: "orig_p", typ: tInt32, doc: "port of the querier", put: func(c *cell, r *DNSRow) { c.i32(int32(r.OrigP)) }},
		{name: "resp_h", typ: tString, doc: "address of the DNS server", put: func(c *cell, r *DNSRow) { c.str(r.RespH) }},
		{name: "resp_p", typ: tInt32, doc: "port of the DNS server", put: func(c *cell, r *DNSRow) { c.i32(int32(r.RespP)) }},
		{name: "trans_id", typ: tInt32, doc: "DNS message id", put: func(c *cell, r *DNSRow) { c.i32(r.TransID) }},
		{name: "query", typ: tString, null: true, doc: "name asked for (first question); null when none", put: func(c *cell, r *DNSRow) { c.optStr(r.Query) }},
		{name: "qtype", typ: tString, null: true, dict: true, doc: "type asked for, e.g. A, AAAA, HTTPS; null when no question", put: func(c *cell, r *DNSRow) { c.optStr(r.QType) }},
		{name: "rcode", typ: tString, dict: true, doc: "response code name, e.g. NOERROR, NXDOMAIN", put: func(c *cell, r *DNSRow) { c.str(r.RCode) }},
		{name: "aa", typ: tBool, doc: "authoritative answer flag", put: func(c *cell, r *DNSRow) { c.boolean(r.AA) }},
		{name: "tc", typ: tBool, doc: "truncated flag", put: func(c *cell, r *DNSRow) { c.boolean(r.TC) }},
		{name: "answers", typ: tAnswers, null: true, nostats: true, doc: "answer records in order: owner name, type, TTL in seconds, data (address, name or text); never null in a run's output (null only where publish dropped it)", put: func(c *cell, r *DNSRow) { c.answers(r.Answers) }},
		{name: "first_file", typ: tString, doc: "name of the capture file holding the response", put: func(c *cell, r *DNSRow) { c.str(r.FirstFile) }},
		{name: "first_frame", typ: tInt64, doc: "frame number of the response within first_file", put: func(c *cell, r *DNSRow) { c.i64(r.FirstFrame) }},
	},
}
