package pipeline

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"

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
			// The auxiliary files by content, so a rerun can tell
			// whether they changed.
			"keylogs":      fileHashes(r.cfg.KeyLogs...),
			"geoip":        fileHashes(r.cfg.GeoIP),
			"asn":          fileHashes(r.cfg.ASN),
			"limits":       r.cfg.Limits.manifest(),
			"partition_by": r.cfg.PartitionBy,
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

// fileHashes lists path and SHA-256 of each named file ("" skipped); a file
// that cannot be read has an empty hash (the run read it already, so this
// only happens if it changed under the run).
func fileHashes(paths ...string) []map[string]string {
	out := []map[string]string{}
	for _, p := range paths {
		if p == "" {
			continue
		}
		sum := ""
		if f, err := os.Open(p); err == nil {
			h := sha256.New()
			if _, err := io.Copy(h, f); err == nil {
				sum = hex.EncodeToString(h.Sum(nil))
			}
			f.Close()
		}
		out = append(out, map[string]string{"path": p, "sha256": sum})
	}
	return out
}
