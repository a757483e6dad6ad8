package h1

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// The new flag takes the next bit, so the values of the others (stored in
// datasets) stay as they were.
func TestFlagHeaderLimitBit(t *testing.T) {
	if FlagOverlapDiff != 1<<11 || FlagHeaderLimit != 1<<12 {
		t.Fatalf("FlagOverlapDiff %#x, FlagHeaderLimit %#x", FlagOverlapDiff, FlagHeaderLimit)
	}
	if got := (FlagOverlapDiff | FlagHeaderLimit).Names(); !reflect.DeepEqual(got, []string{"overlap_diff", "header_limit"}) {
		t.Errorf("Names = %q", got)
	}
	var st Stats
	cs := st.Counters()
	var tail []string
	for _, c := range cs[len(cs)-4:] {
		tail = append(tail, c.Name)
	}
	if want := []string{"http.late_requests", "http.too_many_headers", "http.dropped_header_lines", "http.header_limit_messages"}; !reflect.DeepEqual(tail, want) {
		t.Errorf("last counters %q, want %q", tail, want)
	}
}

// The default cap is 1000 lines: the 1001st and later are dropped.
func TestDefaultMaxHeaders(t *testing.T) {
	if got := (Config{}).withDefaults().MaxHeaders; got != 1000 {
		t.Fatalf("default MaxHeaders %d", got)
	}
	for _, n := range []int{1000, 1001, 1500} {
		var b strings.Builder
		b.WriteString("GET /h HTTP/1.1\r\n")
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "X-%d: %d\r\n", i, i)
		}
		b.WriteString("\r\n")
		txs, st := feedAll(t, Config{}, []ev{c2s(b.String()), s2c(ok("1"))})
		if len(txs) != 1 || txs[0].Request == nil {
			t.Fatalf("%d lines: %d transactions", n, len(txs))
		}
		m := txs[0].Request
		dropped := int64(max(n-1000, 0))
		wantFlags := Flags(0)
		if dropped > 0 {
			wantFlags = FlagHeaderLimit
		}
		last := m.Headers[len(m.Headers)-1]
		if len(m.Headers) != min(n, 1000) || m.Flags != wantFlags || st.DroppedHeaders != dropped ||
			st.TooManyHeaders != min(dropped, 1) || st.HeaderLimited != min(dropped, 1) ||
			last.Name != fmt.Sprintf("X-%d", min(n, 1000)-1) {
			t.Errorf("%d lines: kept %d (last %q), flags %v, stats %+v", n, len(m.Headers), last.Name, m.Flags.Names(), st)
		}
	}
}
