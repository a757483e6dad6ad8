package pipeline

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"telltale/pipeline/sink"
)

// ErrNotDataset is returned when the output directory exists, holds files,
// and is not a telltale dataset, and Config.Force is not set.
var ErrNotDataset = errors.New("not a telltale dataset")

// A run never writes into the output directory itself. It writes a whole
// dataset into a staging directory beside it and swaps the two at the end,
// so that until the swap the previous dataset is untouched and after it the
// new one is complete: a run killed at any point leaves either.

// stagingPrefix names a run's staging directory: ".<base>.telltale-<pid>" in
// the output directory's parent (the same file system, so the swap is a
// rename).
func stagingPrefix(out string) string {
	return filepath.Join(filepath.Dir(filepath.Clean(out)), "."+filepath.Base(filepath.Clean(out))+".telltale-")
}

// checkOutDir refuses an output directory that holds something other than
// a telltale dataset, unless force is set.
func checkOutDir(out string, force bool) error {
	fi, err := os.Stat(out)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("pipeline: output: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("pipeline: output %s is not a directory", out)
	}
	if force {
		return nil
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		return fmt.Errorf("pipeline: output: %w", err)
	}
	if len(entries) == 0 {
		return nil
	}
	b, err := os.ReadFile(filepath.Join(out, sink.ManifestName))
	var m struct {
		Tool string `json:"tool"`
	}
	if err != nil || json.Unmarshal(b, &m) != nil || m.Tool != "telltale" {
		return fmt.Errorf("pipeline: output %s: %w (it holds files but no telltale manifest.json); give --force to write into it anyway (its other files are kept)", out, ErrNotDataset)
	}
	return nil
}

// newStaging removes the staging directories of runs that are no longer
// alive and makes this run's.
func newStaging(out string) (string, error) {
	prefix := stagingPrefix(out)
	old, _ := filepath.Glob(prefix + "*")
	for _, d := range old {
		pid, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(d, prefix), ".old"))
		if err != nil || pid == os.Getpid() || processAlive(pid) {
			continue
		}
		rescue(d, out)
		os.RemoveAll(d)
	}
	dir := prefix + strconv.Itoa(os.Getpid())
	if err := os.RemoveAll(dir); err != nil {
		return "", fmt.Errorf("pipeline: staging: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("pipeline: staging: %w", err)
	}
	return dir, nil
}

// rescue moves back into out what a run killed in the middle of the swap
// left in its staging directory and is not telltale's own: between the
// exchange and the move-back, the researcher's files sit there.
func rescue(staging, out string) {
	entries, err := os.ReadDir(staging)
	if err != nil {
		return
	}
	for _, e := range entries {
		if ownName(e.Name()) {
			continue
		}
		dst := filepath.Join(out, e.Name())
		if _, err := os.Lstat(dst); errors.Is(err, fs.ErrNotExist) {
			os.Rename(filepath.Join(staging, e.Name()), dst)
		}
	}
}

func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// ownName reports whether a file name is one a run writes (a table, the
// manifest, or a temporary of either), which the swap replaces; anything
// else in the output directory (a report, the researcher's notes) is kept.
func ownName(name string) bool {
	if name == sink.ManifestName || strings.HasPrefix(name, ".") && (strings.HasSuffix(name, ".tmp") || strings.HasSuffix(name, ".spool")) {
		return true
	}
	for _, td := range sink.Schema() {
		if name == td.Name+".parquet" {
			return true
		}
	}
	return false
}

// publishStaging puts the finished dataset in staging in place of out.
func publishStaging(staging, out string) error {
	if _, err := os.Stat(out); errors.Is(err, fs.ErrNotExist) {
		if err := os.Rename(staging, out); err != nil {
			return fmt.Errorf("pipeline: output: %w", err)
		}
		return sink.SyncDir(filepath.Dir(filepath.Clean(out)))
	}
	if err := exchange(staging, out); err != nil {
		return fmt.Errorf("pipeline: output: %w", err)
	}
	// staging now holds the previous contents: bring back what is not ours.
	entries, err := os.ReadDir(staging)
	if err != nil {
		return fmt.Errorf("pipeline: output: %w", err)
	}
	for _, e := range entries {
		if ownName(e.Name()) {
			continue
		}
		if err := os.Rename(filepath.Join(staging, e.Name()), filepath.Join(out, e.Name())); err != nil {
			return fmt.Errorf("pipeline: keeping %s: %w", e.Name(), err)
		}
	}
	if err := os.RemoveAll(staging); err != nil {
		return fmt.Errorf("pipeline: output: %w", err)
	}
	if err := sink.SyncDir(out); err != nil {
		return err
	}
	return sink.SyncDir(filepath.Dir(filepath.Clean(out)))
}

// exchangeByRenames swaps two directories with three renames. A crash
// between them leaves the previous dataset complete under a temporary name
// beside the output, never a mixed one.
func exchangeByRenames(a, b string) error {
	tmp := a + ".old"
	if err := os.Rename(b, tmp); err != nil {
		return err
	}
	if err := os.Rename(a, b); err != nil {
		os.Rename(tmp, b)
		return err
	}
	return os.Rename(tmp, a)
}
