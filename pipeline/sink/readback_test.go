package sink

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"telltale/pipeline/sink/sinktest"
)

// 2024-05-01T10:20:30Z in Unix nanoseconds.
const t0 = int64(1714558830) * 1e9

// writeSample writes a known set of rows covering nulls, unicode, invalid
// UTF-8, nested lists and binary bodies, and returns the dataset directory.
func writeSample(t *testing.T, opts Options) (string, []OutputFile, []Counter) {
	t.Helper()
	w, dir := newWriter(t, opts)
	must(t, w.Flow(&FlowRow{
		UID: "Cflow1", CommunityID: "1:abc=", TS: t0 + 123456789, TSEnd: t0 + 2e9 + 999,
		OrigH: "10.0.0.1", OrigP: 54321, RespH: "2001:db8::1", RespP: 443,
		App: "", AppUID: -1,
		OrigPkts: 1, RespPkts: 2, OrigBytes: 3, RespBytes: 4, OrigMissedBytes: 5, RespMissedBytes: 6,
		MissedBytes: 11, OrigDupBytes: 7, RespDupBytes: 8,
		OrigSeenBytes: 20, RespSeenBytes: 21, OrigTruncatedBytes: 2, RespTruncatedBytes: 0,
		OrigOutOfOrder: 3, RespOutOfOrder: 1, OrigRetransmits: 4, RespRetransmits: 5,
		OrigOverlapDiff: 9, RespOverlapDiff: 1,
		Overlaps: []Overlap{{Dir: "orig", Offset: 100, Len: 10, LostSHA256: "ab12", File: "a.pcap", Frame: 7}},
		End:      "fin", Midstream: false, Handshake: true, History: "ShADadFf", Roles: "syn", Encap: "vlan>gre",
		AppProto: "http2", TLS: true, Decrypted: true, Problems: []string{"tls_gap"}, ServerName: "sa.例子.cn", ServerNameSource: "sni",
		RespCountry: "SG", RespASN: 45102, RespASOrg: "Alibaba (US) Technology Co., Ltd.",
		HTTPTransactions: 2,
		FirstFile:        "a.pcap", FirstFrame: 1, LastFile: "b.pcapng", LastFrame: 70000,
	}))
	must(t, w.Flow(&FlowRow{
		UID: "Cflow2", CommunityID: "", TS: -1, TSEnd: 0,
		OrigH: "192.168.1.2", OrigP: 65535, RespH: "8.8.8.8", RespP: 80,
		App: "com.example.app", AppUID: 10123,
		End: "timeout", Midstream: true, Roles: "ports",
		FirstFile: "caf\xe9.pcap", FirstFrame: 2, LastFile: "b", LastFrame: 3,
	}))
	must(t, w.HTTP(&HTTPRow{
		UID: "Cflow1", TransDepth: 1, TS: t0 + 123456789, TSEnd: t0 + 1e9,
		OrigH: "10.0.0.1", OrigP: 54321, RespH: "2001:db8::1", RespP: 443,
		Method: "POST", Host: "sa.例子.cn", URI: "/sa?project=默认&x=\xff", Path: "/sa", Query: "project=默认&x=\xff", Version: "1.1",
		RequestHeaders:       []Header{{"Host", "sa.例子.cn"}, {"X-Bad", "a\xffb"}},
		RequestBodyLen:       6,
		RequestBody:          []byte{0x00, 0xff, 'a', '\t', 0x80, 'z'},
		RequestBodyTruncated: true,
		RequestContentType:   "application/x-www-form-urlencoded",
		MissingBytes:         3,
		Flags:                []string{"body_truncated"},
		FirstFile:            "a.pcap", FirstFrame: 4, LastFile: "a.pcap", LastFrame: 9,
	}))
	must(t, w.HTTP(&HTTPRow{
		UID: "Cflow1", TransDepth: 2, TS: t0 + 5e9, TSEnd: t0 + 6e9,
		OrigH: "10.0.0.1", OrigP: 54321, RespH: "2001:db8::1", RespP: 443,
		Version:   "1.0",
		UserAgent: "UA/1", Referrer: "http://r/",
		HasResponse: true, StatusCode: 200, StatusMsg: "",
		ResponseHeaders:         []Header{{"Content-Type", "text/plain"}},
		ResponseContentType:     "text/plain",
		ResponseContentEncoding: "gzip",
		ResponseBodyLen:         0,
		Decrypted:               true, StreamID: 3,
		FirstFile: "a.pcap", FirstFrame: 10, LastFile: "b.pcap", LastFrame: 11,
	}))
	must(t, w.Payload(&PayloadRow{
		UID: "Cflow1", TransDepth: 1, PayloadIndex: 0, TS: t0 + 123456789,
		Host: "sa.例子.cn", Path: "/sa", Location: "body", Field: "data_list",
		Chain: []string{"urlencoded", "base64", "gzip", "json"}, SDK: "sensorsdata",
		EncodedLen: 100, DecodedLen: 250, JSON: `[{"event":"$AppStart"}]`, CRC: "-123", CRCChecked: true, CRCOK: true,
		FirstFile: "a.pcap", FirstFrame: 4,
	}))
	must(t, w.Payload(&PayloadRow{
		UID: "Cflow1", TransDepth: 1, PayloadIndex: 1, TS: t0,
		Location: "query", Chain: nil, Flags: []string{"decode_limit"},
		Encrypted: true, Entropy: 7.5, Evidence: []Header{{"X-Umeng-Sdk", "Android"}}, Limit: "ratio",
		JSON: "", FirstFile: "a.pcap", FirstFrame: 4,
	}))
	must(t, w.Event(&EventRow{
		UID: "Cflow1", TransDepth: 1, PayloadIndex: 0, EventIndex: 0, TS: t0 + 123456789,
		EventTime: t0 - 1e6, HasEventTime: true,
		Event: "$AppStart", EventType: "track", DistinctID: "u\xc3", LoginID: "", AnonymousID: "anon-1",
		UserID: "", DeviceID: "dev-1", TrackID: "42", Repeat: true, Properties: `{"$os":"Android","名":"值"}`,
		Host: "sa.例子.cn", Path: "/sa", SDK: "sensorsdata", FirstFile: "a.pcap", FirstFrame: 4,
	}))
	must(t, w.Event(&EventRow{
		UID: "Cflow1", TransDepth: 1, PayloadIndex: 0, EventIndex: 1, TS: t0,
		EventTime: 12345, HasEventTime: false, FirstFile: "a.pcap", FirstFrame: 4,
	}))
	must(t, w.Field(&FieldRow{UID: "Cflow1", TransDepth: 1, PayloadIndex: 0, EventIndex: 0, Path: "properties.$os", Value: "Android", JSONType: "string", IDKind: "url", Host: "sa.例子.cn"}))
	must(t, w.Field(&FieldRow{UID: "Cflow1", TransDepth: 1, PayloadIndex: 0, EventIndex: 0, Path: "properties.n", Value: "", JSONType: "null", Via: "base64>json"}))
	must(t, w.Leak(&LeakRow{UID: "Cflow1", TransDepth: 1, TS: t0, Host: "sa.例子.cn", Path: "/sa", Kind: "imei", Value: "358476101234565",
		Disguise: "md5", Location: "field", Where: "properties.imei_md5", PayloadIndex: 0, EventIndex: 2, FirstFile: "a.pcap", FirstFrame: 4}))
	must(t, w.Leak(&LeakRow{UID: "Cflow1", TransDepth: 1, TS: t0, Kind: "email", Label: "work", Value: "a@b.example",
		Disguise: "base64", Location: "uri", PayloadIndex: -1, EventIndex: -1, FirstFile: "a.pcap", FirstFrame: 4}))
	must(t, w.Identifier(&IdentifierRow{Kind: "imei", Value: "358476101234565", FirstTS: t0, LastTS: t0 + 1e9, Events: 3,
		Hosts: []string{"a.example", "b.example"}, SDKs: []string{"sensors_analytics"}, ClusterID: "K0011223344556677", ClusterSize: 4, LinkedIdentifiers: 3}))
	must(t, w.EventCluster(&EventClusterRow{UID: "Cflow1", TransDepth: 1, PayloadIndex: 0, EventIndex: 1}))
	must(t, w.TLS(&TLSRow{UID: "Cflow1", TS: t0, OrigH: "10.0.0.1", OrigP: 54321, RespH: "2001:db8::1", RespP: 443,
		Version: "TLS 1.3", Cipher: "TLS_AES_128_GCM_SHA256", ServerName: "sa.例子.cn", ALPNOffered: []string{"h2", "http/1.1"}, ALPN: "h2",
		JA4: "t13d1516h2_8daaf6152771_e5627efa2ab1", JA3: "771,4865,0-23,29,0", JA3Hash: "0123456789abcdef0123456789abcdef", ClientRandom: "00ff",
		Resumed: true, Keys: true, Decrypted: true, OrigRecords: 7, RespRecords: 9, OrigAppBytes: 100, RespAppBytes: 200,
		OrigDecryptedBytes: 80, RespDecryptedBytes: 170, UndecryptedBytes: 3, DecryptErrors: 1, Alerts: 2, KeyUpdates: 1,
		Problems: []string{"decrypt_error"}, FirstFile: "a.pcap", FirstFrame: 1}))
	must(t, w.TLS(&TLSRow{UID: "Cflow2", TS: t0, OrigH: "10.0.0.2", OrigP: 1, RespH: "10.0.0.3", RespP: 443, FirstFile: "a.pcap", FirstFrame: 9}))
	must(t, w.DNS(&DNSRow{UID: "Dabc", TS: t0, Proto: "udp", OrigH: "10.0.0.1", OrigP: 5353, RespH: "10.0.0.53", RespP: 53, TransID: 4660,
		Query: "sa.例子.cn", QType: "A", RCode: "NOERROR", AA: true,
		Answers:   []DNSAnswer{{Name: "sa.例子.cn", Type: "CNAME", TTL: 60, Data: "edge.example"}, {Name: "edge.example", Type: "A", TTL: 30, Data: "203.0.113.7"}},
		FirstFile: "a.pcap", FirstFrame: 3}))
	must(t, w.Link(&LinkRow{KindA: "android_id", ValueA: "a3f9c47e21d08b65", KindB: "imei", ValueB: "358476101234565", Level: "event", Events: 2, Payloads: 1, Conns: 1}))
	outs, err := w.Close()
	if err != nil {
		t.Fatalf("Close: %v", err)
	}
	return dir, outs, w.Counters()
}

func TestReadBack(t *testing.T) {
	dir, outs, counters := writeSample(t, Options{})
	file := func(table string) string { return filepath.Join(dir, table+".parquet") }

	if got, want := dirNames(t, dir), []string{"dns.parquet", "event_clusters.parquet", "events.parquet", "fields.parquet", "flows.parquet", "http.parquet", "identifiers.parquet", "leaks.parquet", "links.parquet", "payloads.parquet", "tls.parquet"}; !slices.Equal(got, want) {
		t.Fatalf("dataset files = %q, want %q", got, want)
	}
	wantRows := map[string]int64{"dns.parquet": 1, "tls.parquet": 2, "event_clusters.parquet": 1, "events.parquet": 2, "fields.parquet": 2, "flows.parquet": 2, "http.parquet": 2, "identifiers.parquet": 1, "leaks.parquet": 2, "links.parquet": 1, "payloads.parquet": 2}
	for i, o := range outs {
		if i > 0 && outs[i-1].Name >= o.Name {
			t.Errorf("outputs not sorted: %q before %q", outs[i-1].Name, o.Name)
		}
		if o.Rows != wantRows[o.Name] {
			t.Errorf("%s: Rows = %d, want %d", o.Name, o.Rows, wantRows[o.Name])
		}
		checkFileHash(t, filepath.Join(dir, o.Name), o)
	}

	tests := []struct {
		name string
		sql  string
		arg  string
		want [][]string
	}{{
		name: "flows",
		sql:  `SELECT * FROM read_parquet(?) ORDER BY uid`,
		arg:  file("flows"),
		want: [][]string{
			{"Cflow1", "1:abc=", "2024-05-01T10:20:30.123456Z", "2024-05-01T10:20:32.000000Z", "10.0.0.1", "54321", "2001:db8::1", "443",
				"NULL", "NULL", "1", "2", "3", "4", "5", "6", "11", "7", "8", "20", "21", "2", "0", "3", "1", "4", "5", "9", "1",
				"[{'dir': orig, 'stream_offset': 100, 'len': 10, 'lost_sha256': ab12, 'file': a.pcap, 'frame': 7}]",
				"fin", "false", "true", "ShADadFf", "syn", "vlan>gre",
				"http2", "true", "true", "[tls_gap]", "sa.例子.cn", "sni", "SG", "45102", "Alibaba (US) Technology Co., Ltd.", "2", "a.pcap", "1", "b.pcapng", "70000"},
			{"Cflow2", "NULL", "1969-12-31T23:59:59.999999Z", "1970-01-01T00:00:00.000000Z", "192.168.1.2", "65535", "8.8.8.8", "80",
				"com.example.app", "10123", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0",
				"[]", "timeout", "true", "false", "", "ports", "NULL", "NULL", "false", "false", "[utf8_repaired]", "NULL", "NULL", "NULL", "NULL", "NULL", "0", "caf\uFFFD.pcap", "2", "b", "3"},
		},
	}, {
		name: "http",
		sql:  `SELECT * EXCLUDE (request_body), hex(request_body) FROM read_parquet(?) ORDER BY trans_depth`,
		arg:  file("http"),
		want: [][]string{
			{"Cflow1", "1", "2024-05-01T10:20:30.123456Z", "2024-05-01T10:20:31.000000Z", "10.0.0.1", "54321", "2001:db8::1", "443",
				"POST", "sa.例子.cn", "/sa?project=默认&x=\uFFFD", "/sa", "project=默认&x=\uFFFD", "1.1", "NULL", "NULL",
				"[{'name': Host, 'value': sa.例子.cn}, {'name': X-Bad, 'value': a\uFFFDb}]", "[]",
				"6", "true", "application/x-www-form-urlencoded", "NULL",
				"NULL", "NULL", "NULL", "NULL", "NULL", "3", "[body_truncated, utf8_repaired]", "false", "NULL", "a.pcap", "4", "a.pcap", "9",
				"00FF6109807A"},
			{"Cflow1", "2", "2024-05-01T10:20:35.000000Z", "2024-05-01T10:20:36.000000Z", "10.0.0.1", "54321", "2001:db8::1", "443",
				"NULL", "NULL", "NULL", "NULL", "NULL", "1.0", "UA/1", "http://r/",
				"[]", "[{'name': Content-Type, 'value': text/plain}]",
				"0", "false", "NULL", "NULL",
				"200", "", "text/plain", "gzip", "0", "0", "[]", "true", "3", "a.pcap", "10", "b.pcap", "11",
				"NULL"},
		},
	}, {
		name: "http nested access",
		sql:  `SELECT request_headers[2].name, request_headers[2].value, len(response_headers), flags[2], request_body IS NULL FROM read_parquet(?) ORDER BY trans_depth`,
		arg:  file("http"),
		want: [][]string{{"X-Bad", "a\uFFFDb", "0", "utf8_repaired", "false"}, {"NULL", "NULL", "1", "NULL", "true"}},
	}, {
		name: "payloads",
		sql:  `SELECT *, len(chain), chain[3] FROM read_parquet(?) ORDER BY payload_index`,
		arg:  file("payloads"),
		want: [][]string{
			{"Cflow1", "1", "0", "2024-05-01T10:20:30.123456Z", "sa.例子.cn", "/sa", "body", "data_list", "[urlencoded, base64, gzip, json]", "sensorsdata",
				"100", "250", `[{"event":"$AppStart"}]`, "-123", "true", "false", "NULL", "[]", "NULL", "[]", "a.pcap", "4", "4", "gzip"},
			{"Cflow1", "1", "1", "2024-05-01T10:20:30.000000Z", "NULL", "NULL", "query", "NULL", "[]", "NULL",
				"0", "0", "NULL", "NULL", "NULL", "true", "7.5", "[{'name': X-Umeng-Sdk, 'value': Android}]", "ratio", "[decode_limit]", "a.pcap", "4", "0", "NULL"},
		},
	}, {
		name: "events",
		sql:  `SELECT * FROM read_parquet(?) ORDER BY event_index`,
		arg:  file("events"),
		want: [][]string{
			{"Cflow1", "1", "0", "0", "2024-05-01T10:20:30.123456Z", "2024-05-01T10:20:29.999000Z", "$AppStart", "track", "u\uFFFD", "NULL", "anon-1",
				"NULL", "dev-1", "42", "true", `{"$os":"Android","名":"值"}`, "sa.例子.cn", "/sa", "sensorsdata", "a.pcap", "4"},
			{"Cflow1", "1", "0", "1", "2024-05-01T10:20:30.000000Z", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL",
				"NULL", "NULL", "NULL", "false", "NULL", "NULL", "NULL", "NULL", "a.pcap", "4"},
		},
	}, {
		name: "fields",
		sql:  `SELECT * FROM read_parquet(?) ORDER BY path`,
		arg:  file("fields"),
		want: [][]string{
			{"Cflow1", "1", "0", "0", "properties.$os", "Android", "string", "url", "NULL", "sa.例子.cn"},
			{"Cflow1", "1", "0", "0", "properties.n", "", "null", "NULL", "base64>json", "NULL"},
		},
	}, {
		name: "leaks",
		sql:  `SELECT * FROM read_parquet(?) ORDER BY kind`,
		arg:  file("leaks"),
		want: [][]string{
			{"Cflow1", "1", "2024-05-01T10:20:30.000000Z", "NULL", "NULL", "email", "work", "a@b.example", "base64", "uri", "NULL", "NULL", "NULL", "a.pcap", "4"},
			{"Cflow1", "1", "2024-05-01T10:20:30.000000Z", "sa.例子.cn", "/sa", "imei", "NULL", "358476101234565", "md5", "field", "properties.imei_md5", "0", "2", "a.pcap", "4"},
		},
	}, {
		name: "identifiers",
		sql:  `SELECT * FROM read_parquet(?)`,
		arg:  file("identifiers"),
		want: [][]string{{"imei", "358476101234565", "2024-05-01T10:20:30.000000Z", "2024-05-01T10:20:31.000000Z", "3", "[a.example, b.example]", "[sensors_analytics]", "K0011223344556677", "4", "false", "3"}},
	}, {
		name: "links",
		sql:  `SELECT * FROM read_parquet(?)`,
		arg:  file("links"),
		want: [][]string{{"android_id", "a3f9c47e21d08b65", "imei", "358476101234565", "event", "2", "1", "1"}},
	}, {
		name: "event_clusters",
		sql:  `SELECT * FROM read_parquet(?)`,
		arg:  file("event_clusters"),
		want: [][]string{{"Cflow1", "1", "0", "1", "NULL"}},
	}, {
		name: "tls",
		sql:  `SELECT * FROM read_parquet(?) ORDER BY uid`,
		arg:  file("tls"),
		want: [][]string{
			{"Cflow1", "2024-05-01T10:20:30.000000Z", "10.0.0.1", "54321", "2001:db8::1", "443", "TLS 1.3", "TLS_AES_128_GCM_SHA256", "sa.例子.cn", "[h2, http/1.1]", "h2",
				"t13d1516h2_8daaf6152771_e5627efa2ab1", "771,4865,0-23,29,0", "0123456789abcdef0123456789abcdef", "00ff", "true", "false", "true", "true",
				"7", "9", "100", "200", "80", "170", "3", "1", "2", "1", "[decrypt_error]", "a.pcap", "1"},
			{"Cflow2", "2024-05-01T10:20:30.000000Z", "10.0.0.2", "1", "10.0.0.3", "443", "NULL", "NULL", "NULL", "[]", "NULL",
				"NULL", "NULL", "NULL", "NULL", "false", "false", "false", "false",
				"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "[]", "a.pcap", "9"},
		},
	}, {
		name: "dns",
		sql:  `SELECT * FROM read_parquet(?)`,
		arg:  file("dns"),
		want: [][]string{{"Dabc", "2024-05-01T10:20:30.000000Z", "udp", "10.0.0.1", "5353", "10.0.0.53", "53", "4660", "sa.例子.cn", "A", "NOERROR", "true", "false",
			"[{'name': sa.例子.cn, 'type': CNAME, 'ttl': 60, 'data': edge.example}, {'name': edge.example, 'type': A, 'ttl': 30, 'data': 203.0.113.7}]", "a.pcap", "3"}},
	}, {
		name: "timestamp type",
		sql:  `SELECT column_name, column_type FROM (DESCRIBE SELECT ts, ts_end FROM read_parquet(?))`,
		arg:  file("flows"),
		want: [][]string{{"ts", "TIMESTAMP WITH TIME ZONE"}, {"ts_end", "TIMESTAMP WITH TIME ZONE"}},
	}, {
		name: "timestamp storage",
		sql:  `SELECT name, type, logical_type FROM parquet_schema(?) WHERE name IN ('ts', 'event_time') ORDER BY name`,
		arg:  file("events"),
		want: [][]string{
			{"event_time", "INT64", "TimestampType(isAdjustedToUTC=1, unit=TimeUnit(MILLIS=<null>, MICROS=MicroSeconds(), NANOS=<null>))"},
			{"ts", "INT64", "TimestampType(isAdjustedToUTC=1, unit=TimeUnit(MILLIS=<null>, MICROS=MicroSeconds(), NANOS=<null>))"},
		},
	}, {
		name: "file metadata",
		sql:  `SELECT created_by, num_rows, num_row_groups FROM parquet_file_metadata(?)`,
		arg:  file("http"),
		want: [][]string{{"telltale", "2", "1"}},
	}, {
		name: "key-value metadata",
		sql:  `SELECT decode(key), decode(value) FROM parquet_kv_metadata(?) ORDER BY 1`,
		arg:  file("payloads"),
		want: [][]string{{"telltale.schema_version", fmt.Sprint(SchemaVersion)}, {"telltale.table", "payloads"}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := sinktest.Query(t, tt.sql, tt.arg)
			if !slices.EqualFunc(got, tt.want, slices.Equal[[]string]) {
				t.Errorf("%s\n got: %q\nwant: %q", tt.sql, got, tt.want)
			}
		})
	}

	wantCounters := []Counter{
		{"sink.dns.row_groups", 1}, {"sink.dns.utf8_repaired", 0},
		{"sink.event_clusters.row_groups", 1}, {"sink.event_clusters.utf8_repaired", 0},
		{"sink.events.row_groups", 1}, {"sink.events.utf8_repaired", 1},
		{"sink.fields.row_groups", 1}, {"sink.fields.utf8_repaired", 0},
		{"sink.flows.row_groups", 1}, {"sink.flows.utf8_repaired", 1},
		{"sink.http.row_groups", 1}, {"sink.http.utf8_repaired", 3},
		{"sink.identifiers.row_groups", 1}, {"sink.identifiers.utf8_repaired", 0},
		{"sink.leaks.row_groups", 1}, {"sink.leaks.utf8_repaired", 0},
		{"sink.links.row_groups", 1}, {"sink.links.utf8_repaired", 0},
		{"sink.payloads.row_groups", 1}, {"sink.payloads.utf8_repaired", 0},
		{"sink.tls.row_groups", 1}, {"sink.tls.utf8_repaired", 0},
	}
	if !slices.Equal(counters, wantCounters) {
		t.Errorf("Counters() = %v, want %v", counters, wantCounters)
	}
}

// TestSchemaMatchesFiles checks Schema() against what DuckDB finds in the
// files: same columns in the same order, the documented types, and
// nullability as documented (REQUIRED vs OPTIONAL).
func TestSchemaMatchesFiles(t *testing.T) {
	dir, _, _ := writeSample(t, Options{})
	duck := map[string]string{
		"string":             "VARCHAR",
		"binary":             "BLOB",
		"int32":              "INTEGER",
		"int64":              "BIGINT",
		"bool":               "BOOLEAN",
		"float64":            "DOUBLE",
		"timestamp[us, UTC]": "TIMESTAMP WITH TIME ZONE",
		"list<string>":       "VARCHAR[]",
		"list<struct<name: string, value: string>>":                                                                    `STRUCT("name" VARCHAR, "value" VARCHAR)[]`,
		"list<struct<name: string, type: string, ttl: int64, data: string>>":                                           `STRUCT("name" VARCHAR, "type" VARCHAR, ttl BIGINT, "data" VARCHAR)[]`,
		"list<struct<dir: string, stream_offset: int64, len: int64, lost_sha256: string, file: string, frame: int64>>": `STRUCT(dir VARCHAR, stream_offset BIGINT, len BIGINT, lost_sha256 VARCHAR, file VARCHAR, frame BIGINT)[]`,
	}
	for _, td := range Schema() {
		path := filepath.Join(dir, td.Name+".parquet")
		var want [][]string
		for _, c := range td.Columns {
			dt, ok := duck[c.Type]
			if !ok {
				t.Fatalf("%s.%s: no DuckDB type known for %q", td.Name, c.Name, c.Type)
			}
			rep := "REQUIRED"
			if c.Nullable {
				rep = "OPTIONAL"
			}
			want = append(want, []string{c.Name, dt, rep})
		}
		got := sinktest.Query(t, `SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(?))`, path)
		reps := map[string]string{}
		for _, r := range sinktest.Query(t, `SELECT name, repetition_type FROM parquet_schema(?)`, path) {
			reps[r[0]] = r[1]
		}
		for i := range got {
			got[i] = append(got[i], reps[got[i][0]])
		}
		if !slices.EqualFunc(got, want, slices.Equal[[]string]) {
			t.Errorf("%s: columns in file\n got: %q\nwant: %q", td.Name, got, want)
		}
	}
}

// TestDictionaryColumns checks that exactly the closed-set columns are
// dictionary encoded, and that all columns are ZSTD compressed by default.
func TestDictionaryColumns(t *testing.T) {
	for _, comp := range []string{"", "snappy"} {
		dir, _, _ := writeSample(t, Options{Compression: comp})
		wantCodec := "ZSTD"
		if comp == "snappy" {
			wantCodec = "SNAPPY"
		}
		var got, want []string
		for _, td := range Schema() {
			for _, r := range sinktest.Query(t, `SELECT path_in_schema, encodings, compression FROM parquet_metadata(?) ORDER BY column_id`, filepath.Join(dir, td.Name+".parquet")) {
				if r[2] != wantCodec {
					t.Errorf("%s %s: compression %s, want %s", td.Name, r[0], r[2], wantCodec)
				}
				if strings.Contains(r[1], "DICTIONARY") {
					got = append(got, td.Name+"."+r[0])
				}
			}
		}
		for _, d := range []string{"flows.end_reason", "flows.roles", "flows.app_proto", "flows.server_name_source", "flows.resp_country", "http.method", "http.version", "payloads.location", "payloads.sdk", "payloads.limit", "events.event_type", "events.sdk", "fields.json_type", "fields.id_kind", "leaks.kind", "leaks.location", "identifiers.kind", "links.kind_a", "links.kind_b", "links.level", "tls.version", "tls.cipher", "tls.alpn", "dns.proto", "dns.qtype", "dns.rcode"} {
			want = append(want, d)
		}
		if !slices.Equal(got, want) {
			t.Errorf("compression %q: dictionary columns = %q, want %q", comp, got, want)
		}
	}
}
