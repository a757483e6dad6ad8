package pipeline

import "sort"

// counters gathers every stage's figures under stable names, sorted, so the
// manifest accounts for every packet, byte and message.
func (r *run) counters() []Counter {
	var out []Counter
	add := func(name string, v int64) { out = append(out, Counter{Name: name, Value: v}) }

	cs := r.set.Stats()
	add("capture.files", cs.Files)
	add("capture.bad_files", cs.BadFiles)
	add("capture.errors", cs.Errors)
	add("capture.resyncs", cs.Resyncs)
	add("capture.skipped_bytes", cs.SkippedBytes)
	add("capture.not_capture_files", int64(len(r.notCaptures)))
	add("packets.read", r.frames)
	add("packets.tcp", r.tcpSegments)
	add("packets.dns_datagrams", r.dnsDatagrams)
	add("capture.secrets_blocks", r.secrets)
	add("tls.keylog_client_randoms", int64(r.keys.Len()))
	add("tls.keylog_bad_lines", int64(r.keys.Bad()))
	var skipped int64
	for _, c := range sortedSkips(r.skipped) {
		out = append(out, c)
		skipped += c.Value
	}
	add("packets.skipped", skipped)

	for _, c := range r.decoder.Stats().Counters() {
		add(c.Name, c.Value)
	}

	as := r.asm.Stats()
	add("tcp.segments", as.Segments)
	add("tcp.connections", as.Conns)
	add("tcp.delivered_bytes", as.DeliveredBytes)
	add("tcp.missed_bytes", as.MissedBytes)
	add("tcp.duplicate_bytes", as.DupBytes)
	add("tcp.overlap_different_data", as.OverlapDiff)
	add("tcp.out_of_order_segments", as.OutOfOrder)
	add("tcp.midstream_connections", as.Midstream)
	add("tcp.evicted_connections", as.Evicted)
	add("tcp.idle_timeouts", as.Timeouts)
	add("tcp.ignored_segments", as.IgnoredSegments)
	add("tcp.out_of_order_limit_gaps", as.LimitGaps)

	for _, c := range r.h1stats.Counters() {
		add(c.Name, c.Value)
	}
	for _, c := range r.h2stats.Counters() {
		add(c.Name, c.Value)
	}
	add("http2.h2c_upgrades", r.h2cUpgrades)
	for _, c := range r.tlsStats.Counters() {
		add(c.Name, c.Value)
	}
	for _, c := range r.dnsStats.Counters() {
		add(c.Name, c.Value)
	}
	for _, c := range r.extStats.Counters() {
		add(c.Name, c.Value)
	}

	add("rows.flows", r.rows.flows)
	add("rows.http", r.rows.http)
	add("rows.payloads", r.rows.payloads)
	add("rows.events", r.rows.events)
	add("rows.fields", r.rows.fields)
	add("rows.leaks", r.rows.leaks)
	add("rows.identifiers", r.rows.identifiers)
	add("rows.links", r.rows.links)
	add("rows.event_clusters", r.rows.eventClusters)
	add("rows.tls", r.rows.tls)
	add("rows.dns", r.rows.dns)
	add("extract.repeats", r.rows.repeats)
	sortCounters(out)
	return out
}

func sortCounters(cs []Counter) {
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].Name < cs[j].Name })
}
