package packet

import (
	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// gopacketLayers are the caller-owned gopacket layer structs that decode
// the standard headers, reused for every frame and every nesting level.
type gopacketLayers struct {
	eth   layers.Ethernet
	dot1q layers.Dot1Q
	ip4   layers.IPv4
	ip6   layers.IPv6
	udp   layers.UDP
	tcp   layers.TCP
	vxlan layers.VXLAN
}

// ourLayerBase numbers the layer types of the steps that gopacket does not
// decode. They are never registered with gopacket (registration is global
// state): only this package's parser sees them. 1000 and up is the range
// gopacket leaves to applications.
const ourLayerBase = 1000

// layerTypes gives each step its layer type in the parser: gopacket's own
// for the layers its structs decode, ours for the others.
var layerTypes = func() (t [numProtos]gopacket.LayerType) {
	for p := range t {
		t[p] = gopacket.LayerType(ourLayerBase + p)
	}
	t[pEthernet] = layers.LayerTypeEthernet
	t[pVLAN] = layers.LayerTypeDot1Q
	t[pIPv4] = layers.LayerTypeIPv4
	t[pIPv6] = layers.LayerTypeIPv6
	t[pUDP] = layers.LayerTypeUDP
	t[pTCP] = layers.LayerTypeTCP
	t[pVXLAN] = layers.LayerTypeVXLAN
	return t
}()

// stepLayer adapts one step of the walk to gopacket.DecodingLayer, so that
// a DecodingLayerParser drives the walk. Its payload is walk.b (the bytes
// the parser passes on, as the step left them: narrowed by lengths, or a
// reassembled datagram) and its next layer is the one the step named.
type stepLayer struct {
	d *Decoder
	p proto
}

func (l *stepLayer) CanDecode() gopacket.LayerClass { return layerTypes[l.p] }

func (l *stepLayer) LayerPayload() []byte { return l.d.w.b }

func (l *stepLayer) NextLayerType() gopacket.LayerType {
	if l.d.w.done {
		return gopacket.LayerTypeZero
	}
	return layerTypes[l.d.w.next]
}

// DecodeFromBytes takes the step. data is always walk.b: the parser is
// handed walk.b and then each step's payload, which is walk.b.
func (l *stepLayer) DecodeFromBytes(_ []byte, _ gopacket.DecodeFeedback) error {
	return l.d.step(l.p)
}

// newParser builds the Decoder's parser: one stepLayer per layer, the
// first being pStart, which goes on with walk.next.
func (d *Decoder) newParser() {
	c := gopacket.DecodingLayerContainer(gopacket.DecodingLayerSparse(nil))
	for p := pEthernet; p < numProtos; p++ {
		c = c.Put(&stepLayer{d: d, p: p})
	}
	d.parser = gopacket.NewDecodingLayerParser(layerTypes[pStart])
	d.parser.SetDecodingLayerContainer(c)
	// Skips end the walk as errors; the last step tells why.
	d.parser.IgnoreUnsupported = true
	// A panic is a bug to be seen (by the fuzzer first), not an error
	// to be counted.
	d.parser.IgnorePanic = true
	d.decoded = make([]gopacket.LayerType, 0, maxLayers+2)
}
