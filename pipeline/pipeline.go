// Package pipeline wires the stages together: capture files are read in time
// order, frames decoded into TCP segments, segments reassembled into streams,
// streams parsed as HTTP/1.x, requests searched for telemetry, and everything
// written as a Parquet dataset with a manifest.
//
// It is the only package that knows every stage. The run is single-pass and
// streaming: memory is bounded by the stages' limits, not by the capture size.
// Everything that reaches the output is ordered by the input alone (capture
// order, then connection and transaction order), so the same inputs give
// byte-identical tables whatever the worker count.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"telltale/pipeline/capture"
	"telltale/pipeline/extract"
	"telltale/pipeline/geo"
	"telltale/pipeline/leak"
	"telltale/pipeline/packet"
	"telltale/pipeline/sink"
	"telltale/reassembly"
)

// Row groups are cut at whichever comes first. Each of the five tables
// buffers one row group, so these bound the sink's memory: measured on a 50
// MB capture, peak RSS was 620 MB with 64 Ki rows / 64 MiB, 440 MB with
// these, 296 MB with 16 Ki / 16 MiB but 25% slower.
const (
	rowGroupRows  = 32 << 10
	rowGroupBytes = 32 << 20
)

// DefaultIdleTimeout is the capture-time idle timeout of a connection.
const DefaultIdleTimeout = 5 * time.Minute

// Config is everything a run needs. Zero values mean the documented defaults.
type Config struct {
	Inputs  []string // capture files or directories
	OutDir  string   // dataset directory, created if missing
	Workers int      // extraction workers; 0 or 1 runs everything on one goroutine

	MaxBodyBytes    int           // HTTP body bytes kept per message; default 1 MiB
	IdleTimeout     time.Duration // capture-time idle timeout of a connection; default 5m
	Compression     string        // "zstd" (default) or "snappy"
	CommunityIDSeed uint16

	// Profiles are the SDK profiles to recognise; nil means
	// extract.DefaultProfiles().
	Profiles []extract.Profile
	// Known are the researcher's own identifiers to look for (the leaks
	// table); none leaves that table empty.
	Known []leak.Known

	// KeyLogs are NSS key log files (SSLKEYLOGFILE) whose secrets decrypt
	// TLS; the captures' pcapng Decryption Secrets Blocks are used too.
	KeyLogs []string
	// GeoIP and ASN are MaxMind-format databases (GeoLite2-Country or -City,
	// GeoLite2-ASN, or DB-IP's lite equivalents) naming the country and
	// the autonomous system of each server address; "" for none.
	GeoIP, ASN string

	// Limits cap memory and time on hostile input.
	Limits Limits

	// PartitionBy, when set (PartitionByInput or PartitionByDate), makes
	// OutDir a Hive-partitioned dataset that this run adds one partition
	// file per table to (see partition.go).
	PartitionBy string

	// Force lets the run write into an existing directory that is not a
	// telltale dataset (its other files are kept).
	Force bool

	// Recorded in the manifest only.
	Version string
	Args    []string

	Logger *slog.Logger // progress and problems; nil discards

	// Progress, when set, is called from the reading goroutine every few
	// thousand frames and once when reading ends. It must return quickly.
	Progress func(Progress)
}

// Progress is a running run's position.
type Progress struct {
	BytesRead, BytesTotal int64 // capture bytes read so far (approximate inside a .gz file), of all inputs
	Files, FileIndex      int   // input files, and the 0-based one being read
	Packets               int64 // frames read
	Flows                 int64 // TCP connections seen
	Transactions          int64 // HTTP transactions parsed
	Events                int64 // telemetry events written
	Done                  bool  // reading has ended (the tables are being finished)
}

// Run statuses, in the manifest and Summary.Status.
const (
	StatusComplete     = "complete"      // every input read to its end without damage
	StatusDamagedInput = "damaged_input" // some input was truncated, corrupt or unreadable; the rest was read
	StatusInterrupted  = "interrupted"   // the context was cancelled: the dataset holds what was read before
)

// damaged reports whether any input had a problem.
func damaged(set *capture.Set) bool {
	if st := set.Stats(); st.Errors > 0 || st.BadFiles > 0 {
		return true
	}
	for _, fi := range set.Files() {
		if fi.Truncated || len(fi.Errors) > 0 {
			return true
		}
	}
	return false
}

// Summary is what a finished run reports.
type Summary struct {
	// Status is StatusComplete, StatusDamagedInput or StatusInterrupted.
	Status string
	// Partition is, with Config.PartitionBy, where in each table the run
	// wrote: "<key>=<value>/part-<run>" (plus .parquet).
	Partition string
	Counters  []Counter
	Outputs   []sink.OutputFile
	Inputs    []capture.FileInfo
	// NotCaptures are files found in input directories that do not start
	// like a capture; they were not read.
	NotCaptures []string
}

// Counter is one named figure of the run.
type Counter struct {
	Name  string `json:"name"`
	Value int64  `json:"value"`
}

// Run executes the whole pipeline. Problems with the input (corrupt packets,
// truncated files, malformed messages) are counted, not returned; Run returns
// an error only when it cannot read its inputs at all, cannot write the
// output, or ctx is cancelled. On error no file of the dataset is left under
// its final name.
func Run(ctx context.Context, cfg Config) (*Summary, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.Compression == "" {
		cfg.Compression = "zstd"
	}
	if len(cfg.Inputs) == 0 {
		return nil, errors.New("pipeline: no input captures")
	}
	cfg.Limits = cfg.Limits.withDefaults()

	ext, err := extract.New(cfg.Profiles, cfg.Limits.extract())
	if err != nil {
		return nil, err
	}

	files, others, err := capture.Walk(cfg.Inputs)
	if err != nil {
		return nil, err
	}
	for _, o := range others {
		log.Info("not a capture file, skipped", "file", o)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("pipeline: no capture files found in %q", cfg.Inputs)
	}
	set, err := capture.Open(files)
	if err != nil {
		return nil, err
	}
	defer set.Close()

	if cfg.PartitionBy != "" {
		if _, _, _, err := partitionOf(cfg.PartitionBy, []capture.FileInfo{{}}); err != nil {
			return nil, err
		}
		if err := checkPartitionedDir(cfg.OutDir, cfg.Force); err != nil {
			return nil, err
		}
	} else if err := checkOutDir(cfg.OutDir, cfg.Force); err != nil {
		return nil, err
	}
	staging, err := newStaging(cfg.OutDir)
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(staging)
		}
	}()
	out, err := sink.Create(sink.Options{Dir: staging, Compression: cfg.Compression, RowGroupRows: rowGroupRows, MaxRowGroupBytes: rowGroupBytes})
	if err != nil {
		return nil, err
	}
	defer func() {
		if !ok {
			out.Abort()
		}
	}()

	r := newRun(cfg, set, out)
	r.ext = ext
	for _, p := range cfg.KeyLogs {
		if err := loadKeyLog(r.keys, p); err != nil {
			return nil, err
		}
	}
	set.OnSecrets(r.secretsBlock)
	if cfg.GeoIP != "" || cfg.ASN != "" {
		if r.geo, err = geo.Open(cfg.GeoIP, cfg.ASN); err != nil {
			return nil, err
		}
		defer r.geo.Close()
	}
	if r.spool, err = newEventSpool(staging); err != nil {
		return nil, err
	}
	defer r.spool.close()
	if len(cfg.Known) > 0 {
		r.known = leak.NewMatcher(cfg.Known)
	}
	r.notCaptures = others
	if err := r.loop(ctx, log); err != nil {
		return nil, err
	}
	if err := r.writeCorrelation(); err != nil {
		return nil, err
	}
	outputs, err := out.Close()
	if err != nil {
		return nil, err
	}
	sinkCounters := out.Counters() // after Close: the last row groups are written then
	counters := r.counters()
	for _, c := range sinkCounters {
		counters = append(counters, Counter(c))
	}
	sortCounters(counters)
	sum := &Summary{Counters: counters, Outputs: outputs, Inputs: set.Files(), NotCaptures: others, Status: StatusComplete}
	if r.interrupted {
		sum.Status = StatusInterrupted
	} else if damaged(set) {
		sum.Status = StatusDamagedInput
	}
	if err := sink.WriteManifest(staging, r.manifest(sum)); err != nil {
		return nil, err
	}
	r.spool.close()
	if cfg.PartitionBy != "" {
		key, value, runID, err := partitionOf(cfg.PartitionBy, set.Files())
		if err != nil {
			return nil, err
		}
		if err := publishPartition(staging, cfg.OutDir, key, value, runID); err != nil {
			return nil, err
		}
		sum.Partition = filepath.Join(key+"="+value, "part-"+runID)
	} else if err := publishStaging(staging, cfg.OutDir); err != nil {
		return nil, err
	}
	ok = true
	return sum, nil
}

// loop reads every frame and drives the stages. It is the only place capture
// time advances.
func (r *run) loop(ctx context.Context, log *slog.Logger) error {
	var seg reassembly.Segment
	var lastTick int64
	for n := 0; ; n++ {
		if n&0xfff == 0 {
			if ctx.Err() != nil {
				// Stop reading; what was read is finished and written,
				// marked interrupted.
				r.interrupted = true
				log.Warn("interrupted: finishing what was read", "frames", r.frames)
				break
			}
			if err := r.work.failed(); err != nil {
				return err
			}
		}
		f, err := r.set.Next()
		if err == io.EOF {
			break
		}
		if r.cfg.Progress != nil && n&0x3fff == 0 {
			r.cfg.Progress(r.progress(f, false))
		}
		if err != nil {
			return err
		}
		r.frames++
		reason, ok := r.decoder.DecodeAt(f.LinkType, f.Data, f.Time, &seg)
		if reason == packet.DNSDatagram {
			r.dnsDatagrams++
			seg.Time = f.Time
			seg.Ref = reassembly.Ref{File: f.File, Frame: f.Frame}
			r.datagram(&seg)
			continue
		}
		if !ok {
			r.skipped[reason]++
			continue
		}
		r.tcpSegments++
		seg.Time = f.Time
		seg.Ref = reassembly.Ref{File: f.File, Frame: f.Frame}
		// Idle connections are flushed on whole seconds of capture time, a
		// point fixed by the input, so flushes land on the same frame in
		// every run.
		if sec := f.Time / int64(time.Second); sec != lastTick {
			lastTick = sec
			r.asm.Advance(f.Time)
		}
		r.asm.Assemble(&seg)
	}
	if r.cfg.Progress != nil {
		r.cfg.Progress(r.progress(nil, true))
	}
	r.decoder.Flush() // fragments of datagrams that never completed are counted, not kept
	r.asm.Close()
	if err := r.work.close(); err != nil {
		return err
	}
	for _, fi := range r.set.Files() {
		for _, e := range fi.Errors {
			log.Warn("capture problem", "file", fi.Path, "error", e)
		}
	}
	return nil
}
