package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

// tcpdump is one running capture on the loopback interface.
type tcpdump struct {
	cmd    *exec.Cmd
	path   string
	mu     sync.Mutex
	stderr strings.Builder
	done   chan error
}

// startCapture starts tcpdump writing path and returns once tcpdump says it
// is listening, so no packet of the traffic that follows is missed.
func startCapture(path, filter string) (*tcpdump, error) {
	// --immediate-mode: without it packets wait in the kernel ring for up to a
	// second and a SIGTERM loses them ("received by filter" but not
	// "captured"). -Z root: keep root so tcpdump can write where we ask (it would drop to
	// its own user otherwise).
	cmd := exec.Command("tcpdump", "-i", "lo", "--immediate-mode", "-B", "65536", "-U", "-s", "0", "-Z", "root", "-w", path, filter)
	pipe, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start tcpdump: %w", err)
	}
	t := &tcpdump{cmd: cmd, path: path, done: make(chan error, 1)}
	listening := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pipe)
		once := false
		for sc.Scan() {
			t.mu.Lock()
			t.stderr.WriteString(sc.Text() + "\n")
			t.mu.Unlock()
			if !once && strings.Contains(sc.Text(), "listening on") {
				once = true
				close(listening)
			}
		}
		io.Copy(io.Discard, pipe)
		t.done <- cmd.Wait()
	}()
	select {
	case <-listening:
		return t, nil
	case err := <-t.done:
		return nil, fmt.Errorf("tcpdump exited before listening (%v): %s", err, t.log())
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		return nil, fmt.Errorf("tcpdump did not start listening within 10s: %s", t.log())
	}
}

func (t *tcpdump) log() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(t.stderr.String())
}

var statRe = regexp.MustCompile(`(?m)^(\d+) packets? (captured|dropped by kernel)`)

// stop lets the last packets (FINs, ACKs) arrive, stops tcpdump with
// SIGTERM and returns the number of packets it says it captured.
func (t *tcpdump) stop() (int, error) {
	time.Sleep(500 * time.Millisecond)
	if err := t.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return 0, fmt.Errorf("stop tcpdump: %w", err)
	}
	select {
	case <-t.done:
	case <-time.After(10 * time.Second):
		t.cmd.Process.Kill()
		return 0, fmt.Errorf("tcpdump did not exit after SIGTERM")
	}
	captured, dropped := -1, -1
	for _, m := range statRe.FindAllStringSubmatch(t.log(), -1) {
		n, _ := strconv.Atoi(m[1])
		if m[2] == "captured" {
			captured = n
		} else {
			dropped = n
		}
	}
	if captured < 0 || dropped != 0 {
		return 0, fmt.Errorf("tcpdump %s: captured %d, dropped %d: %s", t.path, captured, dropped, t.log())
	}
	return captured, nil
}

// pcapStats is what the capture file holds, counted from its packets.
type pcapStats struct {
	packets      int
	syns         map[uint16]int // SYN without ACK, by destination port
	dnsQueries   int
	dnsResponses int
}

func readStats(path string) (pcapStats, error) {
	st := pcapStats{syns: map[uint16]int{}}
	f, err := os.Open(path)
	if err != nil {
		return st, err
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		return st, fmt.Errorf("%s: %w", path, err)
	}
	if r.LinkType() != layers.LinkTypeEthernet {
		return st, fmt.Errorf("%s: link type %v, want Ethernet (tcpdump -i lo)", path, r.LinkType())
	}
	for {
		data, _, err := r.ReadPacketData()
		if err == io.EOF {
			return st, nil
		}
		if err != nil {
			return st, fmt.Errorf("%s: packet %d: %w", path, st.packets+1, err)
		}
		st.packets++
		p := gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.NoCopy)
		if tcp, ok := p.Layer(layers.LayerTypeTCP).(*layers.TCP); ok && tcp.SYN && !tcp.ACK {
			st.syns[uint16(tcp.DstPort)]++
		}
		if udp, ok := p.Layer(layers.LayerTypeUDP).(*layers.UDP); ok {
			switch {
			case udp.DstPort == 53:
				st.dnsQueries++
			case udp.SrcPort == 53:
				st.dnsResponses++
			}
		}
	}
}
