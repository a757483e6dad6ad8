package pipeline

import (
	"telltale/pipeline/sink"
)

// manifest describes the finished run: options, inputs, outputs and counters.
// It holds nothing from the wall clock, so reruns give the same manifest.
func (r *run) manifest(s *Summary) *sink.Manifest {
	m := &sink.Manifest{
		Tool:    "telltale",
		Version: r.cfg.Version,
		Args:    r.cfg.Args,
		Status:  s.Status,
		Options: map[string]any{
			"out":               r.cfg.OutDir,
			"workers":           r.cfg.Workers,
			"max_body_bytes":    r.cfg.MaxBodyBytes,
			"idle_timeout":      r.cfg.IdleTimeout.String(),
			"compression":       r.cfg.Compression,
			"community_id_seed": r.cfg.CommunityIDSeed,
			"keylogs":           len(r.cfg.KeyLogs),
			"geoip":             r.cfg.GeoIP != "",
			"asn":               r.cfg.ASN != "",
			"limits":            r.cfg.Limits.manifest(),
			"partition_by":      r.cfg.PartitionBy,
		},
		Outputs:     s.Outputs,
		NotCaptures: s.NotCaptures,
	}
	for _, fi := range s.Inputs {
		in := sink.Input{
			Name:    fi.Name,
			Path:    fi.Path,
			Size:    fi.Size,
			SHA256:  fi.SHA256,
			Format:  fi.Format,
			Packets: fi.Packets,
			Errors:  fi.Errors,
		}
		if fi.Packets > 0 {
			in.FirstTS = sink.TimeString(fi.FirstTime)
			in.LastTS = sink.TimeString(fi.LastTime)
		}
		m.Inputs = append(m.Inputs, in)
	}
	for _, c := range s.Counters {
		m.Counters = append(m.Counters, sink.Counter(c))
	}
	return m
}
