package h1

import (
	"testing"

	"telltale/reassembly"
)

// A body delimited by the close is complete only when its sender closed the
// connection. ndpi_EAQ: "Connection: close", no length, and the client
// resets the connection in the middle of the body; tshark lists no response
// there, and telltale no longer calls it complete.
func TestUntilCloseNeedsSendersFIN(t *testing.T) {
	const resp = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\npart of a page"
	tests := []struct {
		name    string
		respDir reassembly.Dir // the direction the response travels in
		sum     *reassembly.ConnSummary
		want    Flags // of the response
	}{
		{"no summary", reassembly.ServerToClient, nil, 0},
		{"summary without history: End decides (fin)", reassembly.ServerToClient, &reassembly.ConnSummary{End: reassembly.EndFIN}, 0},
		{"summary without history: End decides (eof)", reassembly.ServerToClient, &reassembly.ConnSummary{End: reassembly.EndEOF}, FlagIncomplete},
		{"both FINs", reassembly.ServerToClient, &reassembly.ConnSummary{End: reassembly.EndFIN, History: "ShADadFf"}, 0},
		{"server FIN, then a client reset", reassembly.ServerToClient, &reassembly.ConnSummary{End: reassembly.EndRST, History: "ShADadfR"}, 0},
		{"client reset mid-body", reassembly.ServerToClient, &reassembly.ConnSummary{End: reassembly.EndRST, History: "ShADadR"}, FlagIncomplete},
		{"client FIN only, capture ends", reassembly.ServerToClient, &reassembly.ConnSummary{End: reassembly.EndFIN, History: "ShADadF"}, FlagIncomplete},
		{"idle timeout", reassembly.ServerToClient, &reassembly.ConnSummary{End: reassembly.EndTimeout, History: "ShADad"}, FlagIncomplete},
		// Roles come from content: a response travelling ClientToServer
		// (reassembly guessed the roles wrong) needs the upper-case FIN.
		{"response in ClientToServer, its sender's FIN", reassembly.ClientToServer, &reassembly.ConnSummary{End: reassembly.EndFIN, History: "DdF"}, 0},
		{"response in ClientToServer, only the peer's FIN", reassembly.ClientToServer, &reassembly.ConnSummary{End: reassembly.EndFIN, History: "Ddf"}, FlagIncomplete},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var st Stats
			var txs []*Transaction
			c := NewConn(Config{}, func(tx *Transaction) { txs = append(txs, tx) }, &st)
			c.Data(tt.respDir^1, []byte(get("/p")), reassembly.Position{})
			c.Data(tt.respDir, []byte(resp), reassembly.Position{})
			c.End(tt.sum)
			if len(txs) != 1 || txs[0].Response == nil {
				t.Fatalf("got %d transactions:\n%s", len(txs), dump(txs, false))
			}
			r := txs[0].Response
			if r.Flags != tt.want || string(r.Body) != "part of a page" {
				t.Errorf("response flags %v body %q, want %v %q", r.Flags.Names(), r.Body, tt.want.Names(), "part of a page")
			}
			wantIncomplete := int64(0)
			if tt.want&FlagIncomplete != 0 {
				wantIncomplete = 1
			}
			if st.IncompleteMessages != wantIncomplete {
				t.Errorf("IncompleteMessages = %d, want %d", st.IncompleteMessages, wantIncomplete)
			}
		})
	}
}
