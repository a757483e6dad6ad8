package pipeline

import (
	"net/netip"

	"telltale/pipeline/dns"
	"telltale/pipeline/packet"
	"telltale/pipeline/sink"
	"telltale/reassembly"
)

// datagram handles a UDP DNS datagram: responses feed the resolver that
// names later flows' servers and become dns rows; queries are counted.
func (r *run) datagram(seg *reassembly.Segment) {
	m, err := r.dnsParse.Parse(seg.Payload)
	if err != nil {
		return // counted by the parser (dns.malformed)
	}
	if !m.Response {
		return
	}
	r.resolver.Observe(seg.Time, &m)
	cid := packet.CommunityID(r.cfg.CommunityIDSeed, seg.Dst, seg.Src, 17)
	uid := "D" + flowUID(cid, seg.Time)[1:]
	r.submit(item{dns: dnsRow(&m, "udp", uid, seg.Time, seg.Dst, seg.Src, r.fileName(seg.Ref.File), int64(seg.Ref.Frame))})
}

// dnsRow makes the dns table row of a response sent by server to client.
func dnsRow(m *dns.Message, proto, uid string, t int64, client, server netip.AddrPort, file string, frame int64) *sink.DNSRow {
	row := &sink.DNSRow{
		UID:        uid,
		TS:         t,
		Proto:      proto,
		OrigH:      addrString(client.Addr()),
		OrigP:      client.Port(),
		RespH:      addrString(server.Addr()),
		RespP:      server.Port(),
		TransID:    int32(m.ID),
		Query:      m.Query,
		QType:      m.QType,
		RCode:      m.RCodeName,
		AA:         m.AA,
		TC:         m.Truncated,
		FirstFile:  file,
		FirstFrame: frame,
	}
	row.Answers = make([]sink.DNSAnswer, len(m.Answers))
	for i, a := range m.Answers {
		row.Answers[i] = sink.DNSAnswer{Name: a.Name, Type: a.Type, TTL: int64(a.TTL), Data: a.Data}
	}
	return row
}
