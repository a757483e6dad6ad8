package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"telltale/pipeline/sink/sinktest"
)

// The impaired captures (samples/impaired/make.sh) are real clients seen
// through a seeded relay that drops, duplicates and reorders segments: one
// capture after the relay (retransmissions, reordering, duplicates, no
// holes), one from a lossy mirror port (real holes), one cut by tcpdump -s
// 200. Their truth files say what the clients sent and, measured against a
// complete capture of the same run, exactly which stream bytes each capture
// lacks.
var impairedCases = []string{"impaired-reorder-dup", "impaired-loss", "impaired-snaplen"}

// impairedTruth is the part of samples/impaired/*.truth.json the test uses.
type impairedTruth struct {
	Counts struct {
		Flows int `json:"flows"`
	} `json:"counts"`
	HTTP []struct {
		ClientPort        int    `json:"client_port"`
		RequestIndex      int    `json:"request_index"`
		Method            string `json:"method"`
		Host              string `json:"host"`
		Target            string `json:"target"`
		Status            int    `json:"status"`
		RequestBodyBytes  int64  `json:"request_body_bytes"`
		ResponseBodyBytes int64  `json:"response_body_bytes"`
	} `json:"http"`
	Events []struct {
		ClientPort   int             `json:"client_port"`
		RequestIndex int             `json:"request_index"`
		Field        string          `json:"field"`
		EventIndex   int             `json:"event_index"`
		Event        string          `json:"event"`
		DistinctID   string          `json:"distinct_id"`
		TimeMs       int64           `json:"time_ms"`
		Object       json.RawMessage `json:"object"`
	} `json:"events"`
	Impairment struct {
		Flows []struct {
			ClientPort         int   `json:"client_port"`
			OrigMissedBytes    int64 `json:"orig_missed_bytes"`
			RespMissedBytes    int64 `json:"resp_missed_bytes"`
			OrigTruncatedBytes int64 `json:"orig_truncated_bytes"`
			RespTruncatedBytes int64 `json:"resp_truncated_bytes"`
		} `json:"flows"`
		HTTP []struct {
			ClientPort   int       `json:"client_port"`
			RequestIndex int       `json:"request_index"`
			Request      msgDamage `json:"request"`
			Response     msgDamage `json:"response"`
			Damaged      bool      `json:"damaged"`
		} `json:"http"`
	} `json:"impairment"`
}

// msgDamage counts the bytes of one message a capture lacks (see
// samples/impaired/client/pcap.go).
type msgDamage struct {
	StartLine    int64 `json:"start_line_missing"`
	Header       int64 `json:"header_missing"`
	Body         int64 `json:"body_missing"`
	ChunkFraming int64 `json:"chunk_framing_missing"`
	FirstHole    int64 `json:"first_hole"`
	FirstHoleLen int64 `json:"first_hole_len"`
}

// lost: the message's first byte is missing, so no parser can see it start.
func (d msgDamage) lost() bool { return d.FirstHole == 0 }

// cut: a hole breaks the framing (start line, header, chunk framing), so the
// message ends there (header_gap, incomplete) and takes the whole hole.
func (d msgDamage) cut() bool { return !d.lost() && (d.StartLine+d.Header > 0 || d.ChunkFraming > 0) }

// gapped: holes only inside a body of known extent (body_gap).
func (d msgDamage) gapped() bool { return !d.lost() && !d.cut() && d.Body > 0 }

// missing is what the message's missing_bytes share should be, or -1 when
// it cannot be told from the truth (holes in chunk data before a broken
// chunk framing).
func (d msgDamage) missing() int64 {
	switch {
	case d.lost():
		return 0
	case d.ChunkFraming > 0:
		return -1
	case d.cut():
		return d.FirstHoleLen
	default:
		return d.Body
	}
}

// TestImpairedCaptures checks the pipeline on real captures with
// retransmissions, reordering, duplicates, holes and truncated frames:
// the exact missed and truncated byte counts of every connection; every
// request whose start line was captured is recovered, in order, with its
// method and target (the captured prefix of the target when the hole cut
// the start line); every transaction the capture damaged is flagged as the
// damage requires (header_gap and incomplete for broken framing, body_gap
// with the exact missing byte count for holes in a body, no_response for a
// lost response); undamaged ones have no such flag and exactly the truth's
// events; and a damaged body yields no event that differs from the truth.
func TestImpairedCaptures(t *testing.T) {
	for _, name := range impairedCases {
		t.Run(name, func(t *testing.T) {
			pcap := filepath.Join(samplesDir, "impaired", name+".pcap")
			truthPath := filepath.Join(samplesDir, "impaired", name+".truth.json")
			if _, err := os.Stat(pcap); err != nil {
				t.Skipf("%s absent (make it with: bash samples/impaired/make.sh): %v", pcap, err)
			}
			b, err := os.ReadFile(truthPath)
			if err != nil {
				t.Skipf("truth absent: %v", err)
			}
			var tf impairedTruth
			if err := json.Unmarshal(b, &tf); err != nil {
				t.Fatalf("%s: %v", truthPath, err)
			}
			out := filepath.Join(t.TempDir(), "out")
			if _, err := Run(context.Background(), Config{Inputs: []string{pcap}, OutDir: out, Workers: 2, Version: "test"}); err != nil {
				t.Fatalf("Run: %v", err)
			}
			checkImpaired(t, &tf, func(table string) string { return filepath.Join(out, table+".parquet") })
		})
	}
}

func checkImpaired(t *testing.T, tf *impairedTruth, pq func(string) string) {
	// Connections, and their byte accounting.
	uids := map[int]string{}
	for _, r := range sinktest.Query(t, `SELECT orig_p, uid, orig_missed_bytes, resp_missed_bytes, orig_truncated_bytes, resp_truncated_bytes FROM read_parquet(?)`, pq("flows")) {
		p, _ := strconv.Atoi(r[0])
		uids[p] = r[1]
		for _, f := range tf.Impairment.Flows {
			if f.ClientPort != p {
				continue
			}
			want := []string{r[0], r[1]}
			for _, n := range []int64{f.OrigMissedBytes, f.RespMissedBytes, f.OrigTruncatedBytes, f.RespTruncatedBytes} {
				want = append(want, strconv.FormatInt(n, 10))
			}
			if !slices.Equal(r, want) {
				t.Errorf("flow %d: (missed orig, resp; truncated orig, resp) = %v, want %v", p, r[2:], want[2:])
			}
		}
	}
	if len(uids) != tf.Counts.Flows {
		t.Errorf("%d flows, want %d", len(uids), tf.Counts.Flows)
	}

	type row struct {
		depth               int
		method, uri, status string
		bodyLen, respLen    int64
		missing             int64
		flags               []string
	}
	for _, f := range tf.Impairment.Flows {
		uid, ok := uids[f.ClientPort]
		if !ok {
			t.Errorf("flow %d: not in the flows table", f.ClientPort)
			continue
		}
		var rows []row
		for _, r := range sinktest.Query(t, `SELECT trans_depth, coalesce(method, 'NULL'), coalesce(uri, 'NULL'), coalesce(status_code::VARCHAR, 'NULL'),
				request_body_len, coalesce(response_body_len, -1), missing_bytes, array_to_string(flags, ',') FROM read_parquet(?) WHERE uid = ? ORDER BY trans_depth`, pq("http"), uid) {
			var x row
			x.depth, _ = strconv.Atoi(r[0])
			x.method, x.uri, x.status = r[1], r[2], r[3]
			x.bodyLen, _ = strconv.ParseInt(r[4], 10, 64)
			x.respLen, _ = strconv.ParseInt(r[5], 10, 64)
			x.missing, _ = strconv.ParseInt(r[6], 10, 64)
			if r[7] != "" {
				x.flags = strings.Split(r[7], ",")
			}
			rows = append(rows, x)
		}
		var reqRows []row
		responses := 0
		for _, x := range rows {
			if x.method != "NULL" {
				reqRows = append(reqRows, x)
			}
			if x.status != "NULL" {
				responses++
			}
		}

		// Walk the truth's transactions of the connection in order, matching
		// each request whose start is captured to the next request row.
		next, wantResponses, pairedUpTo := 0, 0, true
		for _, h := range tf.HTTP {
			if h.ClientPort != f.ClientPort {
				continue
			}
			key := fmt.Sprintf("port %d request %d (%s %.40s)", h.ClientPort, h.RequestIndex, h.Method, h.Target)
			dm := impairedDamage(tf, h.ClientPort, h.RequestIndex)
			req, resp := dm.Request, dm.Response
			if !resp.lost() {
				wantResponses++
			}
			if req.lost() {
				pairedUpTo = false
				continue // nothing of it can be seen; the flow's missed bytes count it
			}
			uri := h.Target
			if req.StartLine > 0 {
				uri = h.Target[:max(0, min(len(h.Target), int(req.FirstHole)-len(h.Method)-1))]
			}
			if next >= len(reqRows) || reqRows[next].method != h.Method || reqRows[next].uri != uri {
				got := "no more request rows"
				if next < len(reqRows) {
					got = fmt.Sprintf("next request row is depth %d %s %.40s", reqRows[next].depth, reqRows[next].method, reqRows[next].uri)
				}
				t.Errorf("%s: not recovered (want uri %.60q; %s)", key, uri, got)
				pairedUpTo = false
				continue
			}
			x := reqRows[next]
			next++
			if resp.lost() {
				pairedUpTo = false
			}
			if pairedUpTo && (x.depth != h.RequestIndex+1 || x.status != strconv.Itoa(h.Status)) {
				t.Errorf("%s: at depth %d with status %s, want depth %d status %d", key, x.depth, x.status, h.RequestIndex+1, h.Status)
			}

			has := func(fl string) bool { return slices.Contains(x.flags, fl) }
			var want, wantNot []string
			cut := req.cut() || resp.cut()
			switch {
			case cut:
				want = append(want, "header_gap", "incomplete")
			default:
				wantNot = append(wantNot, "header_gap")
			}
			if req.gapped() || resp.gapped() {
				want = append(want, "body_gap")
			}
			if req.Body == 0 && resp.Body == 0 {
				wantNot = append(wantNot, "body_gap")
			}
			if resp.lost() {
				want = append(want, "no_response")
			}
			if !dm.Damaged {
				wantNot = append(wantNot, "incomplete", "no_response", "decode_error")
			}
			for _, fl := range want {
				if !has(fl) {
					t.Errorf("%s: flags %v lack %s (damage: request %+v, response %+v)", key, x.flags, fl, req, resp)
				}
			}
			for _, fl := range wantNot {
				if has(fl) {
					t.Errorf("%s: flags %v have %s (damage: request %+v, response %+v)", key, x.flags, fl, req, resp)
				}
			}
			if rm, sm := req.missing(), resp.missing(); rm >= 0 && sm >= 0 && x.missing != rm+sm {
				t.Errorf("%s: missing_bytes %d, want %d (damage: request %+v, response %+v)", key, x.missing, rm+sm, req, resp)
			}
			if !req.cut() && x.bodyLen != h.RequestBodyBytes {
				t.Errorf("%s: request_body_len %d, want %d", key, x.bodyLen, h.RequestBodyBytes)
			}
			// A response on the row must be this request's: the page and
			// the {"code":0} answers differ in length.
			if x.status != "NULL" && resp.FirstHole < 0 && x.respLen != h.ResponseBodyBytes {
				t.Errorf("%s: response_body_len %d, want %d (paired with another request's response?)", key, x.respLen, h.ResponseBodyBytes)
			}
			checkImpairedEvents(t, tf, pq, key, uid, x.depth, h.ClientPort, h.RequestIndex, !dm.Damaged)
		}
		for _, x := range reqRows[next:] {
			t.Errorf("port %d: request row at depth %d (%s %.40s, flags %v) matches no request sent", f.ClientPort, x.depth, x.method, x.uri, x.flags)
		}
		if responses != wantResponses {
			t.Errorf("port %d: %d rows with a response, want %d (the responses whose start was captured)", f.ClientPort, responses, wantResponses)
		}
	}
}

type impairedHTTPDamage = struct {
	Request, Response msgDamage
	Damaged           bool
}

func impairedDamage(tf *impairedTruth, port, idx int) impairedHTTPDamage {
	for _, d := range tf.Impairment.HTTP {
		if d.ClientPort == port && d.RequestIndex == idx {
			return impairedHTTPDamage{d.Request, d.Response, d.Damaged}
		}
	}
	// Not in the truth: treat as undamaged so the comparison shows up.
	return impairedHTTPDamage{Request: msgDamage{FirstHole: -1}, Response: msgDamage{FirstHole: -1}}
}

// checkImpairedEvents compares the events of the transaction at depth with
// the truth's: all of them, exactly, when the transaction is intact; when it
// is damaged, whatever the pipeline reports must still be the truth's event
// with the same field and index.
func checkImpairedEvents(t *testing.T, tf *impairedTruth, pq func(string) string, key, uid string, depth, port, idx int, intact bool) {
	t.Helper()
	rows := sinktest.Query(t, `SELECT e.payload_index, coalesce(p.field, ''), e.event_index, coalesce(e.event, 'NULL'), coalesce(e.distinct_id, 'NULL'),
			coalesce(epoch_ms(e.event_time)::VARCHAR, 'NULL')
		FROM read_parquet(?) e JOIN read_parquet(?) p USING (uid, trans_depth, payload_index)
		WHERE uid = ? AND trans_depth = ? ORDER BY e.payload_index, e.event_index`, pq("events"), pq("payloads"), uid, depth)
	want := 0
	for _, e := range tf.Events {
		if e.ClientPort == port && e.RequestIndex == idx {
			want++
		}
	}
	if intact && len(rows) != want {
		t.Errorf("%s: %d events, want %d", key, len(rows), want)
	}
	if len(rows) > want {
		t.Errorf("%s: %d events, more than the %d sent", key, len(rows), want)
	}
	for _, r := range rows {
		ei, _ := strconv.Atoi(r[2])
		found := false
		for _, e := range tf.Events {
			if e.ClientPort != port || e.RequestIndex != idx || e.Field != r[1] || e.EventIndex != ei {
				continue
			}
			found = true
			wantRow := []string{r[0], e.Field, r[2], e.Event, e.DistinctID, strconv.FormatInt(e.TimeMs, 10)}
			if !slices.Equal(r, wantRow) {
				t.Errorf("%s event %s/%d = %v, want %v", key, e.Field, ei, r, wantRow)
				continue
			}
			got := sinktest.Query(t, `SELECT path, value, json_type FROM read_parquet(?) WHERE uid = ? AND trans_depth = ? AND payload_index = ? AND event_index = ?`,
				pq("fields"), uid, depth, r[0], ei)
			var wantFields [][]string
			for _, f := range flattenJSON(t, e.Object) {
				for _, w := range withSearchTerms(append(f, "")) {
					wantFields = append(wantFields, w[:3])
				}
			}
			if !slices.EqualFunc(got, wantFields, slices.Equal[[]string]) {
				t.Errorf("%s event %s/%d fields differ from the truth:\n got %v\nwant %v", key, e.Field, ei, got, wantFields)
			}
		}
		if !found {
			t.Errorf("%s: event %v is not in the truth", key, r)
		}
	}
}
