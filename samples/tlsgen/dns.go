package main

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// dnsServer is a tiny authoritative server on 127.0.0.1:53/udp: A records
// 127.0.0.1 for the case names (cnameHost through a CNAME), NODATA for other
// types, NXDOMAIN for anything else. It keeps the names asked for, in order.
type dnsServer struct {
	pc    net.PacketConn
	known map[string]bool

	mu      sync.Mutex
	queries []string // "A name" per query received
	errs    []string
}

func startDNS(names []string) (*dnsServer, error) {
	pc, err := net.ListenPacket("udp4", dnsAddr)
	if err != nil {
		return nil, fmt.Errorf("dns: listen on %s: %w (root needed, and nothing else may use the port)", dnsAddr, err)
	}
	d := &dnsServer{pc: pc, known: map[string]bool{}}
	for _, n := range names {
		d.known[n] = true
	}
	go d.serve()
	return d, nil
}

func (d *dnsServer) serve() {
	buf := make([]byte, 1500)
	var q layers.DNS
	for {
		n, from, err := d.pc.ReadFrom(buf)
		if err != nil {
			return
		}
		if err := q.DecodeFromBytes(buf[:n], gopacket.NilDecodeFeedback); err != nil || q.QR || len(q.Questions) != 1 {
			d.fail(fmt.Sprintf("dns: unexpected query from %v (%d bytes): %v", from, n, err))
			continue
		}
		resp, desc := d.answer(&q)
		d.mu.Lock()
		d.queries = append(d.queries, desc)
		d.mu.Unlock()
		sb := gopacket.NewSerializeBuffer()
		if err := resp.SerializeTo(sb, gopacket.SerializeOptions{FixLengths: true}); err != nil {
			d.fail("dns: serialize: " + err.Error())
			continue
		}
		if _, err := d.pc.WriteTo(sb.Bytes(), from); err != nil {
			d.fail("dns: write: " + err.Error())
		}
	}
}

func (d *dnsServer) fail(msg string) {
	d.mu.Lock()
	d.errs = append(d.errs, msg)
	d.mu.Unlock()
}

// answer builds the response to q and a short description of the query.
func (d *dnsServer) answer(q *layers.DNS) (*layers.DNS, string) {
	qq := q.Questions[0]
	name := strings.TrimSuffix(strings.ToLower(string(qq.Name)), ".")
	r := &layers.DNS{
		ID: q.ID, QR: true, OpCode: q.OpCode, AA: true, RD: q.RD, RA: true,
		Questions: []layers.DNSQuestion{qq},
	}
	switch {
	case !d.known[name]:
		r.ResponseCode = layers.DNSResponseCodeNXDomain
	case qq.Type == layers.DNSTypeA && qq.Class == layers.DNSClassIN:
		target := qq.Name
		if name == cnameHost {
			r.Answers = append(r.Answers, layers.DNSResourceRecord{
				Name: qq.Name, Type: layers.DNSTypeCNAME, Class: layers.DNSClassIN, TTL: 60, CNAME: []byte(cnameTarget),
			})
			target = []byte(cnameTarget)
		}
		r.Answers = append(r.Answers, layers.DNSResourceRecord{
			Name: target, Type: layers.DNSTypeA, Class: layers.DNSClassIN, TTL: 60, IP: net.IPv4(127, 0, 0, 1).To4(),
		})
	}
	r.ANCount = uint16(len(r.Answers))
	r.QDCount = 1
	return r, qq.Type.String() + " " + name
}

func (d *dnsServer) take() (queries, errs []string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	q, e := d.queries, d.errs
	d.queries, d.errs = nil, nil
	return q, e
}

func (d *dnsServer) close() { d.pc.Close() }

// resolver sends every lookup to the tiny DNS server, over UDP, whatever
// /etc/resolv.conf says.
func resolver() *net.Resolver {
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "udp4", dnsAddr)
		},
	}
}
