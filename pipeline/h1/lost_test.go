package h1

import (
	"fmt"
	"strings"
	"testing"

	"telltale/reassembly"
)

// TestLostMessageKeepsPairing checks that a message lost whole in a gap
// between two messages does not shift the pairing of the ones after it: a
// lost response leaves its request unanswered, a lost request leaves its
// response without a request.
func TestLostMessageKeepsPairing(t *testing.T) {
	req := func(i int) string { return fmt.Sprintf("GET /r%d HTTP/1.1\r\nHost: h\r\n\r\n", i) }
	resp := func(i int) string {
		body := strings.Repeat("x", i)
		return fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	}
	type push struct {
		dir  reassembly.Dir
		data string
		gap  int64
	}
	for _, tc := range []struct {
		name   string
		pushes []push
		want   []string
	}{{
		name: "response 1 lost",
		pushes: []push{
			{dir: 0, data: req(1) + req(2) + req(3)},
			{dir: 1, gap: int64(len(resp(1)))},
			{dir: 1, data: resp(2) + resp(3)},
		},
		want: []string{
			"1 /r1 - [no_response]",
			"2 /r2 200 len=2 []",
			"3 /r3 200 len=3 []",
		},
	}, {
		name: "request 2 lost",
		pushes: []push{
			{dir: 0, data: req(1)},
			{dir: 0, gap: int64(len(req(2)))},
			{dir: 0, data: req(3)},
			{dir: 1, data: resp(1) + resp(2) + resp(3)},
		},
		want: []string{
			"1 /r1 200 len=1 []",
			"2 - 200 len=2 [header_gap no_request]",
			"3 /r3 200 len=3 []",
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			var st Stats
			c := NewConn(Config{}, func(tx *Transaction) {
				uri, status := "-", "-"
				if tx.Request != nil {
					uri = tx.Request.URI
				}
				if tx.Response != nil {
					status = fmt.Sprintf("%d len=%d", tx.Response.StatusCode, tx.Response.WireBodyLen)
				}
				got = append(got, fmt.Sprintf("%d %s %s %v", tx.Depth, uri, status, tx.Flags.Names()))
			}, &st)
			var off [2]int64
			for _, p := range tc.pushes {
				at := reassembly.Position{Offset: off[p.dir]}
				if p.gap > 0 {
					c.Gap(p.dir, p.gap, at)
					off[p.dir] += p.gap
					continue
				}
				c.Data(p.dir, []byte(p.data), at)
				off[p.dir] += int64(len(p.data))
			}
			c.End(&reassembly.ConnSummary{End: reassembly.EndFIN})
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("transactions:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			if st.LostMessages != 1 {
				t.Errorf("LostMessages = %d, want 1", st.LostMessages)
			}
		})
	}
}

// TestLateRequestPairsByAck checks that a response captured before the
// request it answers (a capture point can see the answer before the
// retransmitted request) is paired with that request, because the
// response's ACK shows its sender had the request's bytes already; and that
// a response whose ACK points at nothing new stays without a request.
func TestLateRequestPairsByAck(t *testing.T) {
	req1 := "GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
	req2 := "GET /b HTTP/1.1\r\nHost: h\r\n\r\n"
	resp := func(n int) string {
		return fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", n, strings.Repeat("x", n))
	}
	r1, r2 := int64(len(req1)), int64(len(req2))
	for _, tc := range []struct {
		name    string
		peerAck int64 // of the second response
		want    []string
	}{
		{"ACK covers the unseen request", r1 + r2, []string{"1 /a 200 len=1 []", "2 /b 200 len=2 []"}},
		{"ACK covers nothing new", r1, []string{"1 /a 200 len=1 []", "2 - 200 len=2 [no_request]", "3 /b - [no_response]"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			var st Stats
			c := NewConn(Config{}, func(tx *Transaction) {
				uri, status := "-", "-"
				if tx.Request != nil {
					uri = tx.Request.URI
				}
				if tx.Response != nil {
					status = fmt.Sprintf("%d len=%d", tx.Response.StatusCode, tx.Response.WireBodyLen)
				}
				got = append(got, fmt.Sprintf("%d %s %s %v", tx.Depth, uri, status, tx.Flags.Names()))
			}, &st)
			c.Data(0, []byte(req1), reassembly.Position{Offset: 0})
			c.Data(1, []byte(resp(1)), reassembly.Position{Offset: 0, PeerAck: r1})
			c.Data(1, []byte(resp(2)), reassembly.Position{Offset: int64(len(resp(1))), PeerAck: tc.peerAck})
			c.Data(0, []byte(req2), reassembly.Position{Offset: r1})
			c.End(&reassembly.ConnSummary{End: reassembly.EndFIN})
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("transactions:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

// TestResyncFindsGluedStartLine checks that after a gap took a request's
// header (so its body length is unknown), the next request, glued to the
// end of the body on the same line, is still found, and that the cut
// request is kept and flagged.
func TestResyncFindsGluedStartLine(t *testing.T) {
	body := "crc=1&gzip=1&data_list=" + strings.Repeat("H4sIAAAAAAAA", 10)
	head := "POST /sa?project=default HTTP/1.1\r\nHost: h\r\n"
	tail := "Content-Length: " + fmt.Sprint(len(body)) + "\r\n\r\n" + body
	next := "GET /sa.gif?project=default HTTP/1.1\r\nHost: h\r\n\r\n"
	var got []string
	var st Stats
	c := NewConn(Config{}, func(tx *Transaction) {
		got = append(got, fmt.Sprintf("%s %v", tx.Request.URI, tx.Request.Flags.Names()))
	}, &st)
	c.Data(0, []byte(head), reassembly.Position{})
	c.Gap(0, 20, reassembly.Position{Offset: int64(len(head))})
	rest := tail[20:] + next
	c.Data(0, []byte(rest), reassembly.Position{Offset: int64(len(head) + 20)})
	c.End(&reassembly.ConnSummary{End: reassembly.EndFIN})
	want := []string{
		"/sa?project=default [header_gap incomplete]",
		"/sa.gif?project=default [lenient]",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
