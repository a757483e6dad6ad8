package packet

import "strings"

// encapStep is one step of an encapsulation path. Its name is stable: it
// ends up in Segment.Encap and, from there, in output tables.
type encapStep uint8

const (
	stepNone   encapStep = iota
	stepVLAN             // one 802.1Q or 802.1ad tag (QinQ is "vlan>vlan")
	stepPPPoE            // a PPPoE session
	stepMPLS             // an MPLS label stack
	stepGRE              // GRE, also GRE in UDP
	stepERSPAN           // an ERSPAN header (type I to III) inside GRE
	stepVXLAN            // VXLAN
	stepGeneve           // Geneve
	stepGTPU             // GTP-U
	stepTeredo           // Teredo
	stepAYIYA            // AYIYA
	stepIPIP             // IP directly in IP: 4in4, 6in4, 4in6, 6in6
	stepL2TP             // L2TPv2
	numSteps
)

// stepNames are the names of encapsulation steps, indexed by encapStep.
var stepNames = [numSteps]string{"", "vlan", "pppoe", "mpls", "gre", "erspan", "vxlan", "geneve", "gtpu", "teredo",
	"ayiya", "ipip", "l2tp"}

// An encapsulation path packs up to MaxEncapSteps steps of 4 bits in a
// uint64, so the path of a frame is built without allocating and its name
// is looked up once per distinct path. These fail to compile when steps
// outgrow 4 bits or paths 64.
var (
	_ [16 - numSteps]struct{}
	_ [64 - 4*MaxEncapSteps]struct{}
)

// maxPaths bounds the names cached; a stream of frames with ever new
// paths (only crafted input does that) gets names allocated each time.
const maxPaths = 1024

// pathCache interns the names of encapsulation paths.
type pathCache struct {
	last     uint64
	lastName string
	names    map[uint64]string
}

func (c *pathCache) init() { c.names = make(map[uint64]string) }

// name returns the name of a path of n steps: the steps' names, outermost
// first, joined by '>'; "" for none.
func (c *pathCache) name(path uint64, n int) string {
	if path == 0 {
		return ""
	}
	if path == c.last {
		return c.lastName
	}
	s, ok := c.names[path]
	if !ok {
		var sb strings.Builder
		for i := range n {
			if i > 0 {
				sb.WriteByte('>')
			}
			sb.WriteString(stepNames[path>>(4*i)&0xf])
		}
		s = sb.String()
		if len(c.names) < maxPaths {
			c.names[path] = s
		}
	}
	c.last, c.lastName = path, s
	return s
}
