package pipeline

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"telltale/pipeline/capture"
	"telltale/pipeline/sink"
)

// Partitioning. With Config.PartitionBy set, the output directory is a
// Hive-partitioned dataset that many runs (over many captures, on many
// machines) add to: each table is a directory, each run writes one file per
// table under one partition,
//
//	DIR/<table>/<key>=<value>/part-<run>.parquet
//	DIR/_manifests/<key>=<value>/part-<run>.json
//
// and DuckDB, Spark or Trino read DIR/<table> as one table with a <key>
// column. <run> is derived from the inputs' contents (SHA-256 of their
// hashes), so rerunning the same captures replaces the same files, and uids
// and event ids, derived from content too, never collide across runs.

// Partition keys.
const (
	PartitionByInput = "input" // the run's first input file name
	PartitionByDate  = "date"  // the UTC date of the run's first packet
)

// ManifestsDir holds the manifests of a partitioned dataset.
const ManifestsDir = "_manifests"

// partitionOf names the partition a run writes, and the run's id.
func partitionOf(by string, files []capture.FileInfo) (key, value, runID string, err error) {
	h := sha256.New()
	for _, f := range files {
		h.Write([]byte(f.SHA256))
	}
	runID = hex.EncodeToString(h.Sum(nil))[:16]
	switch by {
	case PartitionByInput:
		value = hiveValue(files[0].Name)
	case PartitionByDate:
		first := int64(0)
		for _, f := range files {
			if f.Packets > 0 && (first == 0 || f.FirstTime < first) {
				first = f.FirstTime
			}
		}
		value = "unknown"
		if first != 0 {
			value = time.Unix(0, first).UTC().Format("2006-01-02")
		}
	default:
		return "", "", "", fmt.Errorf("pipeline: --partition-by %q: want %s or %s", by, PartitionByInput, PartitionByDate)
	}
	return by, value, runID, nil
}

// hiveValue makes a file name safe as a partition value: no path
// separators, no '=', no leading dot.
func hiveValue(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '/' || r == '\\' || r == '=' || r == '%' || r < ' ':
			return '_'
		}
		return r
	}, s)
	if s == "" || s[0] == '.' {
		s = "_" + s
	}
	return s
}

// checkPartitionedDir accepts an absent or empty directory, or a
// partitioned dataset (one with a manifests directory).
func checkPartitionedDir(out string, force bool) error {
	entries, err := os.ReadDir(out)
	if errors.Is(err, fs.ErrNotExist) || err == nil && len(entries) == 0 || force {
		return nil
	}
	if err != nil {
		return fmt.Errorf("pipeline: output: %w", err)
	}
	if fi, err := os.Stat(filepath.Join(out, ManifestsDir)); err == nil && fi.IsDir() {
		return nil
	}
	return fmt.Errorf("pipeline: output %s: %w (it holds files but no %s directory of a partitioned dataset); give --force to write into it anyway", out, ErrNotDataset, ManifestsDir)
}

// publishPartition moves a finished run from staging into its partition of
// out, table by table (each file renamed whole into place) and the manifest
// last, then removes staging.
func publishPartition(staging, out, key, value, runID string) error {
	part := key + "=" + value
	file := "part-" + runID
	for _, td := range sink.Schema() {
		dir := filepath.Join(out, td.Name, part)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("pipeline: output: %w", err)
		}
		if err := os.Rename(filepath.Join(staging, td.Name+".parquet"), filepath.Join(dir, file+".parquet")); err != nil {
			return fmt.Errorf("pipeline: output: %w", err)
		}
		if err := sink.SyncDir(dir); err != nil {
			return err
		}
	}
	dir := filepath.Join(out, ManifestsDir, part)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("pipeline: output: %w", err)
	}
	if err := os.Rename(filepath.Join(staging, sink.ManifestName), filepath.Join(dir, file+".json")); err != nil {
		return fmt.Errorf("pipeline: output: %w", err)
	}
	if err := sink.SyncDir(dir); err != nil {
		return err
	}
	return os.RemoveAll(staging)
}
