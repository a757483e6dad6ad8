package reassembly

import (
	"fmt"
	"slices"
	"testing"
)

// ackStream records the PeerAck of every delivery.
type ackStream struct{ got *[]string }

func (s ackStream) Data(dir Dir, b []byte, at Position) {
	*s.got = append(*s.got, fmt.Sprintf("%s %q peerack=%d", dirName(dir), b, at.PeerAck))
}
func (s ackStream) Gap(Dir, int64, Position) {}
func (s ackStream) End(*ConnSummary)         {}

type ackFactory struct{ got *[]string }

func (f ackFactory) NewStream(*ConnInfo) Stream { return ackStream(f) }

// TestPeerAck checks Position.PeerAck: the offset in the other direction
// that the sender of the bytes had acknowledged, for in-order and for
// queued bytes (which keep the ACK of the segment they came in).
func TestPeerAck(t *testing.T) {
	var got []string
	a := New(Config{}, ackFactory{&got})
	for _, o := range ops(handshake(),
		c2s(1001, 5001, ACK, "GET /"),  // client had nothing from the server
		s2c(5004, 1006, ACK, "lo"),     // queued: hole at server offset 0..2
		s2c(5001, 1006, ACK, "hel"),    // fills it
		c2s(1006, 5006, ACK, "GET /b"), // acknowledges the 5 server bytes
	) {
		a.Assemble(o.seg)
	}
	a.Close()
	want := []string{
		`c2s "GET /" peerack=0`,
		`s2c "hel" peerack=5`,
		`s2c "lo" peerack=5`,
		`c2s "GET /b" peerack=5`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("deliveries:\n%q\nwant:\n%q", got, want)
	}
}
