package h1

import (
	"testing"

	"telltale/reassembly"
)

// TestOverlapFlagsTheMessageHoldingIt checks that a differing overlap
// reported by reassembly flags exactly the message whose bytes it falls in,
// whether it is reported before or after those bytes were delivered.
func TestOverlapFlagsTheMessageHoldingIt(t *testing.T) {
	req1 := "GET /one HTTP/1.1\r\nHost: a\r\n\r\n"                            // offsets 0..30
	req2 := "POST /two HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello" // after it
	for _, tc := range []struct {
		name   string
		offset int64
		early  bool // reported before the bytes were delivered
		want   [2]bool
	}{
		{"in the first, after delivery", 5, false, [2]bool{true, false}},
		{"in the second body, before delivery", int64(len(req1) + len(req2) - 2), true, [2]bool{false, true}},
		{"in the second, after delivery", int64(len(req1) + 3), false, [2]bool{false, true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []*Transaction
			var st Stats
			c := NewConn(Config{}, func(tx *Transaction) { got = append(got, tx) }, &st)
			ov := reassembly.Overlap{Dir: reassembly.ClientToServer, Offset: tc.offset, Len: 2}
			if tc.early {
				c.Overlap(ov)
			}
			c.Data(reassembly.ClientToServer, []byte(req1), reassembly.Position{Offset: 0})
			if !tc.early && tc.offset < int64(len(req1)) {
				c.Overlap(ov)
			}
			c.Data(reassembly.ClientToServer, []byte(req2[:10]), reassembly.Position{Offset: int64(len(req1))})
			if !tc.early && tc.offset >= int64(len(req1)) {
				c.Overlap(ov)
			}
			c.Data(reassembly.ClientToServer, []byte(req2[10:]), reassembly.Position{Offset: int64(len(req1) + 10)})
			c.End(&reassembly.ConnSummary{})
			if len(got) != 2 {
				t.Fatalf("%d transactions, want 2", len(got))
			}
			for i, tx := range got {
				if has := tx.Request.Flags&FlagOverlapDiff != 0; has != tc.want[i] {
					t.Errorf("request %d overlap_diff = %v, want %v (flags %v)", i+1, has, tc.want[i], tx.Request.Flags.Names())
				}
			}
		})
	}
}
