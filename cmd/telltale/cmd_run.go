package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"time"

	"github.com/urfave/cli/v2"

	"telltale/pipeline"
	"telltale/pipeline/extract"
	"telltale/pipeline/leak"
)

func runCommand(stderr io.Writer, args []string) *cli.Command {
	return &cli.Command{
		Name:      "run",
		Usage:     "read captures and write the dataset",
		ArgsUsage: "PATH...  (pcap, pcapng, .gz of either, or directories of them)",
		Description: "Reads every capture (rotated tcpdump files given together are read as one capture in time order),\n" +
			"reassembles TCP, parses HTTP/1.x, decodes telemetry, and writes flows, http, payloads, events,\n" +
			"fields and leaks as Parquet plus manifest.json into --out. Run `telltale schema` for the columns.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Value: "telltale-out", Usage: "dataset `DIR` (created if missing)"},
			&cli.IntFlag{Name: "workers", Aliases: []string{"j"}, Value: runtime.GOMAXPROCS(0), Usage: "extraction workers (output is identical for any count)"},
			&cli.IntFlag{Name: "max-body", Value: 1 << 20, Usage: "HTTP body `BYTES` kept per message (longer bodies are truncated and flagged)"},
			&cli.DurationFlag{Name: "idle-timeout", Value: pipeline.DefaultIdleTimeout, Usage: "capture-time idle `DURATION` after which a connection is ended"},
			&cli.StringFlag{Name: "compression", Value: "zstd", Usage: "Parquet compression: zstd or snappy"},
			&cli.UintFlag{Name: "community-id-seed", Value: 0, Usage: "Community ID v1 seed"},
			&cli.StringSliceFlag{Name: "known", Usage: "known-values `FILE` (YAML: kind: value) of the researcher's own device, searched in every layer (the leaks table); repeatable"},
			&cli.StringSliceFlag{Name: "known-value", Usage: "one known value as `KIND=VALUE` (or KIND:LABEL=VALUE); repeatable"},
			&cli.StringFlag{Name: "profiles", Usage: "JSON `FILE` of extra SDK profiles, tried before the built-in ones (telltale profiles prints those)"},
			&cli.StringSliceFlag{Name: "keylog", Usage: "NSS key log `FILE` (SSLKEYLOGFILE format) to decrypt TLS with; repeatable. Secrets in pcapng Decryption Secrets Blocks are used as well"},
			&cli.StringFlag{Name: "geoip", Usage: "MaxMind-format country or city database `FILE` (GeoLite2-Country/City, DB-IP lite): flows.resp_country"},
			&cli.StringFlag{Name: "asn", Usage: "MaxMind-format ASN database `FILE` (GeoLite2-ASN, DB-IP lite ASN): flows.resp_asn and resp_as_org"},
			&cli.StringFlag{Name: "partition-by", Usage: "`KEY` (input or date): make --out a Hive-partitioned dataset that this run adds one partition to (DIR/<table>/<key>=<value>/part-<run>.parquet); many runs, on many machines, form one dataset"},
			&cli.BoolFlag{Name: "force", Usage: "write into an existing directory that is not a telltale dataset (its other files are kept)"},
			&cli.Int64Flag{Name: "max-decoded", Value: 64 << 20, Usage: "Content-Encoding output `BYTES` counted per HTTP message (decompression bombs stop here, flagged decode_limit)"},
			&cli.IntFlag{Name: "max-header-bytes", Value: 64 << 10, Usage: "`BYTES` of an HTTP/1 header block (and of any one line), and of an HTTP/2 header list"},
			&cli.IntFlag{Name: "max-headers", Value: 1000, Usage: "header lines kept per HTTP/1 message (flagged header_limit beyond)"},
			&cli.IntFlag{Name: "max-decode-depth", Value: 6, Usage: "decoding steps of a telemetry payload (payloads.limit = depth)"},
			&cli.Int64Flag{Name: "max-decode-bytes", Value: 16 << 20, Usage: "`BYTES` of each decoding step's output (payloads.limit = bytes)"},
			&cli.Int64Flag{Name: "max-ratio", Value: 1000, Usage: "expansion ratio of one decompression step (payloads.limit = ratio)"},
			&cli.IntFlag{Name: "max-json-depth", Value: 512, Usage: "nesting of the JSON a payload decodes to (payloads.limit = json_depth)"},
			&cli.IntFlag{Name: "max-flows", Value: pipeline.DefaultMaxFlows, Usage: "TCP connections tracked at once; the longest idle is ended beyond it (flows.end_reason = evicted)"},
			&cli.IntFlag{Name: "max-ooo-flow", Value: 4 << 20, Usage: "out-of-order `BYTES` held per direction before the hole becomes a gap"},
			&cli.Int64Flag{Name: "max-ooo-total", Value: 256 << 20, Usage: "out-of-order `BYTES` held over all connections"},
			&cli.Int64Flag{Name: "max-memory", Usage: "soft memory limit in `BYTES` for the Go runtime (GOMEMLIMIT); 0 leaves it alone"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only warnings and errors"},
			&cli.StringFlag{Name: "cpuprofile", Usage: "write a CPU profile of the run to `FILE` (go tool pprof)"},
			&cli.StringFlag{Name: "memprofile", Usage: "write a heap profile at the end of the run to `FILE` (go tool pprof; -sample_index=alloc_space for allocations)"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return cli.Exit("run: no capture given (telltale run [--out DIR] PATH...)", 2)
			}
			if err := checkFlagOrder(c.Args().Slice()); err != nil {
				return cli.Exit("run: "+err.Error(), 2)
			}
			switch c.String("compression") {
			case "zstd", "snappy":
			default:
				return cli.Exit(fmt.Sprintf("run: --compression %q: want zstd or snappy", c.String("compression")), 2)
			}
			if c.Uint("community-id-seed") > 0xffff {
				return cli.Exit("run: --community-id-seed must fit in 16 bits", 2)
			}
			if p := c.String("cpuprofile"); p != "" {
				f, err := os.Create(p)
				if err != nil {
					return err
				}
				defer f.Close()
				if err := pprof.StartCPUProfile(f); err != nil {
					return err
				}
				defer pprof.StopCPUProfile()
			}
			var known []leak.Known
			for _, f := range c.StringSlice("known") {
				ks, err := leak.Load(f)
				if err != nil {
					return cli.Exit("run: --known: "+err.Error(), 2)
				}
				known = append(known, ks...)
			}
			for _, v := range c.StringSlice("known-value") {
				k, err := leak.ParseFlag(v)
				if err != nil {
					return cli.Exit("run: --known-value: "+err.Error(), 2)
				}
				known = append(known, k)
			}
			var profiles []extract.Profile
			if p := c.String("profiles"); p != "" {
				ps, err := extract.LoadProfiles(p)
				if err != nil {
					return cli.Exit("run: --profiles: "+err.Error(), 2)
				}
				profiles = append(ps, extract.DefaultProfiles()...)
				if _, err := extract.New(profiles, extract.Limits{}); err != nil {
					return cli.Exit("run: --profiles: "+err.Error(), 2)
				}
			}
			log := newLogger(stderr, c.Bool("quiet"))
			cfg := pipeline.Config{
				Inputs:          c.Args().Slice(),
				OutDir:          c.String("out"),
				Workers:         c.Int("workers"),
				MaxBodyBytes:    c.Int("max-body"),
				IdleTimeout:     c.Duration("idle-timeout"),
				Compression:     c.String("compression"),
				CommunityIDSeed: uint16(c.Uint("community-id-seed")),
				Profiles:        profiles,
				Known:           known,
				KeyLogs:         c.StringSlice("keylog"),
				GeoIP:           c.String("geoip"),
				ASN:             c.String("asn"),
				Force:           c.Bool("force"),
				PartitionBy:     c.String("partition-by"),
				Limits: pipeline.Limits{
					MaxDecodedBytes:  c.Int64("max-decoded"),
					MaxHeaderBytes:   c.Int("max-header-bytes"),
					MaxHeaders:       c.Int("max-headers"),
					DecodeDepth:      c.Int("max-decode-depth"),
					DecodeBytes:      c.Int64("max-decode-bytes"),
					DecodeRatio:      c.Int64("max-ratio"),
					MaxJSONDepth:     c.Int("max-json-depth"),
					MaxFlows:         c.Int("max-flows"),
					MaxOutOfOrder:    c.Int("max-ooo-flow"),
					MaxOutOfOrderAll: c.Int64("max-ooo-total"),
				},
				Version: version,
				Args:    args[1:],
				Logger:  log,
			}
			if m := c.Int64("max-memory"); m > 0 {
				debug.SetMemoryLimit(m)
			}
			if p := c.String("memprofile"); p != "" {
				defer writeHeapProfile(p, stderr)
			}
			start := time.Now()
			cfg.Progress = newProgress(stderr, isTerminal(stderr), c.Bool("quiet"), time.Now)
			sum, err := pipeline.Run(c.Context, cfg)
			if errors.Is(err, pipeline.ErrNotDataset) {
				return cli.Exit("run: "+err.Error(), exitUsage)
			}
			if err != nil {
				return err
			}
			printRunSummary(c.App.ErrWriter, cfg.OutDir, sum, time.Since(start))
			switch sum.Status {
			case pipeline.StatusInterrupted:
				return cli.Exit("run: interrupted: the dataset holds what was read before the signal (manifest status \"interrupted\")", exitInterrupted)
			case pipeline.StatusDamagedInput:
				return cli.Exit("run: some input was damaged (see the warnings above and manifest.json inputs[].errors); the rest was read (manifest status \"damaged_input\")", exitDamaged)
			}
			return nil
		},
	}
}

// writeHeapProfile writes the heap profile (live and allocated since the
// start) to path; a failure is reported, not fatal: the dataset is written.
func writeHeapProfile(path string, stderr io.Writer) {
	f, err := os.Create(path)
	if err == nil {
		err = pprof.Lookup("allocs").WriteTo(f, 0)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "telltale: --memprofile: %v\n", err)
	}
}
