package h1

import (
	"fmt"
	"reflect"
	"testing"

	"telltale/reassembly"
)

// Start is the first byte of the start line (after skipped empty lines) with
// the frame that carried it; End is one past the last byte with the frame of
// the push that carried it.
func TestPositions(t *testing.T) {
	req1, req2 := get("/1"), get("/2")
	head := crlf("HTTP/1.1 200 OK\nContent-Length: 4\n\n")
	resp2 := ok("second")
	evs := []ev{
		c2s("\r\n" + req1),           // frame 1
		s2c(head + "ab"),             // frame 2
		c2s(req2[:5]), c2s(req2[5:]), // frames 3, 4
		s2c("cd" + resp2[:10]), // frame 5
		s2c(resp2[10:]),        // frame 6
	}
	txs, _ := feedAll(t, Config{}, evs)
	r1 := len(head) + 4
	want := fmt.Sprintf(`tx 1 []
  req c2s "GET" "/1" "HTTP/1.1" []
    Host: "h"
    body "" wire=0 decoded=0 missing=0
    at 2@1..%d@1
  resp s2c "HTTP/1.1" 200 "OK" []
    Content-Length: "4"
    body "abcd" wire=4 decoded=4 missing=0
    at 0@2..%d@5
tx 2 []
  req c2s "GET" "/2" "HTTP/1.1" []
    Host: "h"
    body "" wire=0 decoded=0 missing=0
    at %d@3..%d@4
  resp s2c "HTTP/1.1" 200 "OK" []
    Content-Length: "6"
    body "second" wire=6 decoded=6 missing=0
    at %d@5..%d@6
`, 2+len(req1), r1, 2+len(req1), 2+len(req1)+len(req2), r1, r1+len(resp2))
	if got := dump(txs, true); got != want {
		t.Errorf("positions:\n%s\nwant:\n%s", got, want)
	}
	if got, want := txs[0].Request.Start.Time, int64(1000); got != want {
		t.Errorf("Start.Time = %d, want %d", got, want)
	}
	if got, want := txs[1].Response.End.Time, int64(6000); got != want {
		t.Errorf("End.Time = %d, want %d", got, want)
	}
}

// A gap at the end of a body moves End past the missing bytes.
func TestPositionAfterBodyGap(t *testing.T) {
	req := crlf("POST /p HTTP/1.1\nContent-Length: 6\n\n")
	txs, _ := feedAll(t, Config{}, []ev{c2s(req + "abc"), gapC2S(3)})
	m := txs[0].Request
	want := reassembly.Position{Offset: int64(len(req) + 6), Time: 2000, Ref: frame(1)}
	if m.End != want || m.Flags != FlagBodyGap || m.MissingBytes != 3 {
		t.Errorf("End = %+v, Flags = %v, MissingBytes = %d; want %+v, [body_gap], 3", m.End, m.Flags.Names(), m.MissingBytes, want)
	}
}

func TestCountersCoverStats(t *testing.T) {
	var st Stats
	v := reflect.ValueOf(&st).Elem()
	for i := 0; i < v.NumField(); i++ {
		v.Field(i).SetInt(int64(i + 1))
	}
	cs := st.Counters()
	if len(cs) != v.NumField() {
		t.Fatalf("Counters() has %d entries, Stats has %d fields", len(cs), v.NumField())
	}
	names := map[string]bool{}
	values := map[int64]bool{}
	for _, c := range cs {
		if len(c.Name) < 6 || c.Name[:5] != "http." || names[c.Name] {
			t.Errorf("counter name %q: want a unique http.* name", c.Name)
		}
		names[c.Name] = true
		values[c.Value] = true
	}
	for i := 0; i < v.NumField(); i++ {
		if !values[int64(i+1)] {
			t.Errorf("Stats.%s is not reported by Counters()", v.Type().Field(i).Name)
		}
	}
}
