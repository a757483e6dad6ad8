// Command relay is a seeded, user-space Ethernet bridge that impairs TCP, for
// making captures with loss, reordering and duplicates where the kernel has
// no tc netem (samples/impaired/make.sh).
//
// It forwards every frame between two interfaces (-a and -b) through
// AF_PACKET raw sockets. Frames holding an IPv4 TCP segment with payload and
// without SYN, FIN or RST ("data segments") are impaired, independently in
// each direction:
//
//	-drop P     the segment is not forwarded (TCP retransmits it);
//	-dup P      the segment is forwarded twice;
//	-reorder P  the segment is held and forwarded right after the next data
//	            segment of its direction (or after -hold without one).
//
// Handshakes, pure ACKs, FINs, RSTs and non-TCP frames (ARP) pass
// unchanged, so connections always open and close. Each direction draws
// three numbers from its own PCG generator, seeded by -seed, for every data
// segment, whatever they decide: the decisions depend only on the seed and on
// the order of the data segments, not on timing.
//
// With -mirror, every forwarded frame is also copied to a third interface,
// like a switch's monitor port; -mirror-drop P loses data segments on that
// copy only (again seeded, per direction). A capture on the far end of the
// mirror therefore has real holes that TCP never repairs, because the
// endpoints got the segments.
//
// The relay recomputes the TCP checksum of every IPv4 TCP segment it
// forwards: the endpoints' veths hand out segments with checksum offload
// (a partial checksum), and nobody would fill it in after an AF_PACKET
// send.
//
// On SIGINT or SIGTERM it stops and, with -stats, writes its counters as
// JSON. Needs root (CAP_NET_RAW).
package main

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	a := flag.String("a", "", "first interface (the client side)")
	b := flag.String("b", "", "second interface (the server side)")
	mirror := flag.String("mirror", "", "interface that receives a copy of every forwarded frame")
	seed := flag.Uint64("seed", 1, "seed of the impairment generators")
	drop := flag.Float64("drop", 0, "percent of data segments dropped")
	dup := flag.Float64("dup", 0, "percent of data segments duplicated")
	reorder := flag.Float64("reorder", 0, "percent of data segments held back behind the next one")
	mirrorDrop := flag.Float64("mirror-drop", 0, "percent of data segments left out of the mirror copy")
	hold := flag.Duration("hold", 30*time.Millisecond, "longest a held segment waits for the next one")
	stats := flag.String("stats", "", "write counters here (JSON) on exit")
	ready := flag.String("ready", "", "file to create once the sockets are open")
	flag.Parse()
	if err := run(*a, *b, *mirror, *seed, [4]float64{*drop, *dup, *reorder, *mirrorDrop}, *hold, *stats, *ready); err != nil {
		fmt.Fprintln(os.Stderr, "relay:", err)
		os.Exit(1)
	}
}

// Counters of one direction.
type Counters struct {
	Frames       int64 `json:"frames"`        // frames received
	Data         int64 `json:"data_segments"` // data segments among them
	Dropped      int64 `json:"dropped"`
	Duplicated   int64 `json:"duplicated"`
	Reordered    int64 `json:"reordered"`
	HeldTimedOut int64 `json:"held_timed_out"` // held segments released by -hold, not by a successor
	Mirrored     int64 `json:"mirrored"`       // frames copied to the mirror
	MirrorDrops  int64 `json:"mirror_dropped"` // data segments left out of the mirror
}

// Stats is what -stats writes.
type Stats struct {
	Seed       uint64              `json:"seed"`
	Percent    map[string]float64  `json:"percent"`
	Directions map[string]Counters `json:"directions"`
}

func run(aName, bName, mirrorName string, seed uint64, pct [4]float64, hold time.Duration, statsPath, ready string) error {
	if aName == "" || bName == "" {
		return errors.New("-a and -b are required")
	}
	a, err := openIface(aName)
	if err != nil {
		return err
	}
	b, err := openIface(bName)
	if err != nil {
		return err
	}
	var m *iface
	if mirrorName != "" {
		if m, err = openIface(mirrorName); err != nil {
			return err
		}
	}
	var stop atomic.Bool
	dirs := []*direction{
		{name: aName + "->" + bName, in: a, out: b, mirror: m, hold: hold, pct: pct, stop: &stop,
			rng: rand.New(rand.NewPCG(seed, 1)), mrng: rand.New(rand.NewPCG(seed, 3))},
		{name: bName + "->" + aName, in: b, out: a, mirror: m, hold: hold, pct: pct, stop: &stop,
			rng: rand.New(rand.NewPCG(seed, 2)), mrng: rand.New(rand.NewPCG(seed, 4))},
	}
	var wg sync.WaitGroup
	errc := make(chan error, len(dirs))
	for _, d := range dirs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := d.loop(); err != nil {
				errc <- fmt.Errorf("%s: %w", d.name, err)
			}
		}()
	}
	if ready != "" {
		if err := os.WriteFile(ready, []byte("relaying\n"), 0o644); err != nil {
			return err
		}
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	var runErr error
	select {
	case <-sig:
	case runErr = <-errc:
	}
	stop.Store(true)
	wg.Wait()

	st := Stats{Seed: seed, Percent: map[string]float64{"drop": pct[0], "dup": pct[1], "reorder": pct[2], "mirror_drop": pct[3]},
		Directions: map[string]Counters{}}
	for _, d := range dirs {
		st.Directions[d.name] = d.c
		fmt.Fprintf(os.Stderr, "relay: %s %+v\n", d.name, d.c)
	}
	if statsPath != "" {
		js, _ := json.MarshalIndent(st, "", "  ") // a struct of numbers and strings always marshals
		if err := os.WriteFile(statsPath, append(js, '\n'), 0o644); err != nil && runErr == nil {
			runErr = err
		}
	}
	return runErr
}

// iface is a raw socket bound to one interface.
type iface struct {
	name string
	fd   int
	idx  int
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

func openIface(name string) (*iface, error) {
	ifi, err := net.InterfaceByName(name)
	if err != nil {
		return nil, err
	}
	fd, err := syscall.Socket(syscall.AF_PACKET, syscall.SOCK_RAW, int(htons(syscall.ETH_P_ALL)))
	if err != nil {
		return nil, fmt.Errorf("AF_PACKET socket (root needed): %w", err)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrLinklayer{Protocol: htons(syscall.ETH_P_ALL), Ifindex: ifi.Index}); err != nil {
		return nil, fmt.Errorf("bind %s: %w", name, err)
	}
	// A short receive timeout lets a direction release a held segment, and
	// notice the stop flag, when no frame comes.
	tv := syscall.NsecToTimeval(int64(5 * time.Millisecond))
	if err := syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &tv); err != nil {
		return nil, err
	}
	if err := syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4<<20); err != nil {
		return nil, err
	}
	return &iface{name: name, fd: fd, idx: ifi.Index}, nil
}

func (i *iface) send(frame []byte) error {
	_, err := syscall.Write(i.fd, frame)
	return err
}

// direction relays the frames arriving on in to out.
type direction struct {
	name    string
	in, out *iface
	mirror  *iface
	hold    time.Duration
	pct     [4]float64 // drop, dup, reorder, mirror-drop
	rng     *rand.Rand
	mrng    *rand.Rand
	stop    *atomic.Bool
	c       Counters

	held     []byte
	heldTime time.Time
}

func (d *direction) loop() error {
	buf := make([]byte, 1<<16)
	for !d.stop.Load() {
		n, from, err := syscall.Recvfrom(d.in.fd, buf, 0)
		if err != nil {
			if errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EINTR) {
				if d.held != nil && time.Since(d.heldTime) >= d.hold {
					d.c.HeldTimedOut++
					if err := d.forward(d.held, true); err != nil {
						return err
					}
					d.held = nil
				}
				continue
			}
			return err
		}
		// The socket also sees what this relay sends out of the interface.
		if ll, ok := from.(*syscall.SockaddrLinklayer); ok && ll.Pkttype == syscall.PACKET_OUTGOING {
			continue
		}
		frame := buf[:n]
		d.c.Frames++
		data := fixTCP(frame)
		if !data {
			if err := d.forward(frame, false); err != nil {
				return err
			}
			continue
		}
		d.c.Data++
		// Always three draws, so a decision never shifts the ones after it.
		drop, dup, reorder := d.rng.Float64()*100, d.rng.Float64()*100, d.rng.Float64()*100
		switch {
		case drop < d.pct[0]:
			d.c.Dropped++
			continue
		case d.held != nil:
			// The held segment goes right after this one.
			if err := d.forwardData(frame, dup < d.pct[1]); err != nil {
				return err
			}
			if err := d.forward(d.held, true); err != nil {
				return err
			}
			d.held = nil
		case reorder < d.pct[2]:
			d.c.Reordered++
			d.held = append([]byte(nil), frame...)
			d.heldTime = time.Now()
		default:
			if err := d.forwardData(frame, dup < d.pct[1]); err != nil {
				return err
			}
		}
	}
	if d.held != nil {
		return d.forward(d.held, true)
	}
	return nil
}

func (d *direction) forwardData(frame []byte, twice bool) error {
	if err := d.forward(frame, true); err != nil {
		return err
	}
	if !twice {
		return nil
	}
	d.c.Duplicated++
	return d.forward(frame, true)
}

// forward sends frame out and copies it to the mirror.
func (d *direction) forward(frame []byte, data bool) error {
	if err := d.out.send(frame); err != nil {
		// An oversized frame would mean segmentation offload is still on.
		return fmt.Errorf("send %d bytes on %s: %w", len(frame), d.out.name, err)
	}
	if d.mirror == nil {
		return nil
	}
	if data && d.mrng.Float64()*100 < d.pct[3] {
		d.c.MirrorDrops++
		return nil
	}
	d.c.Mirrored++
	return d.mirror.send(frame)
}

// fixTCP recomputes the TCP checksum when frame is Ethernet + IPv4 + TCP,
// and reports whether the segment is a data segment (payload, no SYN, FIN
// or RST).
func fixTCP(frame []byte) bool {
	if len(frame) < 14+20 || binary.BigEndian.Uint16(frame[12:]) != 0x0800 {
		return false
	}
	ip := frame[14:]
	ihl := int(ip[0]&0x0f) * 4
	total := int(binary.BigEndian.Uint16(ip[2:]))
	if ip[0]>>4 != 4 || ip[9] != 6 || ihl < 20 || total > len(ip) || total < ihl+20 {
		return false
	}
	if binary.BigEndian.Uint16(ip[6:])&0x3fff != 0 {
		return false // a fragment; none are expected on a 1500-byte path
	}
	tcp := ip[ihl:total]
	doff := int(tcp[12]>>4) * 4
	if doff < 20 || doff > len(tcp) {
		return false
	}
	tcp[16], tcp[17] = 0, 0
	sum := uint32(0)
	sum += uint32(binary.BigEndian.Uint16(ip[12:])) + uint32(binary.BigEndian.Uint16(ip[14:]))
	sum += uint32(binary.BigEndian.Uint16(ip[16:])) + uint32(binary.BigEndian.Uint16(ip[18:]))
	sum += 6 + uint32(len(tcp))
	for i := 0; i+1 < len(tcp); i += 2 {
		sum += uint32(binary.BigEndian.Uint16(tcp[i:]))
	}
	if len(tcp)%2 == 1 {
		sum += uint32(tcp[len(tcp)-1]) << 8
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	binary.BigEndian.PutUint16(tcp[16:], ^uint16(sum))
	const fin, syn, rst = 0x01, 0x02, 0x04
	return len(tcp) > doff && tcp[13]&(fin|syn|rst) == 0
}
