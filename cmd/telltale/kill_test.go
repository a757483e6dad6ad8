package main

// Tests of the output directory's integrity: `telltale verify`, and runs
// killed or interrupted part-way, which must leave DIR holding one complete
// dataset (the previous or the new) and nothing half-written.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/urfave/cli/v2"

	"telltale/pipeline/sink"
	"telltale/pipeline/verify"
)

// verifyCLI runs `telltale verify args...` in-process through an App that
// has only the verify command (the real App may not list it yet).
func verifyCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	app := &cli.App{
		Name: "telltale", Writer: &out, ErrWriter: &errb,
		ExitErrHandler: func(*cli.Context, error) {},
		Commands:       []*cli.Command{verifyCommand()},
	}
	if err := app.RunContext(context.Background(), append([]string{"telltale", "verify"}, args...)); err != nil {
		fmt.Fprintf(&errb, "telltale: %v\n", err)
		code = 1
		var ec cli.ExitCoder
		if errors.As(err, &ec) {
			code = ec.ExitCode()
		}
	}
	return code, out.String(), errb.String()
}

// runInProcess runs the whole CLI in this process and fails the test
// unless it exits with want.
func runInProcess(t *testing.T, want int, args ...string) {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run(context.Background(), append([]string{"telltale"}, args...), &out, &errb); code != want {
		t.Fatalf("telltale %s: exit %d, want %d; stderr:\n%s", strings.Join(args, " "), code, want, errb.String())
	}
}

func readManifest(t *testing.T, dir string) *sink.Manifest {
	t.Helper()
	m, _, err := verify.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// editManifestJSON rewrites dir's manifest.json as generic JSON.
func editManifestJSON(t *testing.T, dir string, edit func(map[string]any)) {
	t.Helper()
	p := filepath.Join(dir, sink.ManifestName)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	edit(v)
	if b, err = json.MarshalIndent(v, "", "  "); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestRerunArgs(t *testing.T) {
	const out = "/tmp/new"
	tests := []struct {
		recorded, want []string
	}{
		{[]string{"run", "--out", "old", "a.pcap"}, []string{"run", "--out", out, "a.pcap"}},
		{[]string{"run", "a.pcap", "b.pcap"}, []string{"run", "--out", out, "a.pcap", "b.pcap"}},
		{[]string{"run", "-o=old", "-j", "2", "--quiet", "a.pcap"}, []string{"run", "--out", out, "-j", "2", "--quiet", "a.pcap"}},
		// A flag's value that looks like a path, and a bool flag followed by a path.
		{[]string{"run", "--known", "k.yaml", "--out=old", "-q", "--max-body=5", "d"}, []string{"run", "--out", out, "--known", "k.yaml", "-q", "--max-body=5", "d"}},
		{[]string{"run", "-out", "old", "--", "-odd.pcap"}, []string{"run", "--out", out, "--", "-odd.pcap"}},
		{[]string{"run", "--cpuprofile", "cpu.out", "a.pcap"}, []string{"run", "--out", out, "a.pcap"}},
	}
	for _, tc := range tests {
		got, err := rerunArgs(tc.recorded, out)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("rerunArgs(%q) = %q, %v; want %q", tc.recorded, got, err, tc.want)
		}
	}
	for _, bad := range [][]string{nil, {"schema"}, {"--out", "x", "run"}} {
		if got, err := rerunArgs(bad, out); err == nil {
			t.Errorf("rerunArgs(%q) = %q, want an error", bad, got)
		}
	}
}

func TestVerifyCommand(t *testing.T) {
	tmp := t.TempDir()
	capture := filepath.Join(tmp, "household.pcap")
	copyFile(t, filepath.Join("..", "..", "samples", "household.pcap"), capture)
	ds := filepath.Join(tmp, "ds")
	runInProcess(t, 0, "run", "-q", "--out", ds, capture)
	m := readManifest(t, ds)
	var rows int64
	for _, o := range m.Outputs {
		rows += o.Rows
	}
	if rows == 0 || len(m.Outputs) != len(sink.Schema()) {
		t.Fatalf("dataset has %d rows in %d outputs; the test needs rows in every table's file", rows, len(m.Outputs))
	}
	okLine := fmt.Sprintf("OK %s: %d outputs, %d rows match manifest.json (status complete)\n", ds, len(m.Outputs), rows)

	t.Run("ok", func(t *testing.T) {
		code, out, stderr := verifyCLI(t, ds)
		if code != 0 || out != okLine {
			t.Errorf("exit %d, stdout %q, stderr %q; want 0, %q", code, out, stderr, okLine)
		}
	})
	t.Run("rerun reproduces", func(t *testing.T) {
		code, out, stderr := verifyCLI(t, "--rerun", ds)
		want := okLine + "inputs OK: 1 files unchanged\n" + fmt.Sprintf("reproduced byte-identical: %d outputs\n", len(m.Outputs))
		if code != 0 || out != want {
			t.Errorf("exit %d, stdout %q, stderr %q; want 0, %q", code, out, stderr, want)
		}
	})
	t.Run("rerun with other options differs", func(t *testing.T) {
		// The same inputs with a recorded --max-body of 10 bytes: the
		// rerun obeys the recorded args, so the http table (bodies) must
		// differ from the one on disk, while the flows table must not.
		dir := filepath.Join(t.TempDir(), "ds")
		runInProcess(t, 0, "run", "-q", "--out", dir, capture)
		editManifestJSON(t, dir, func(v map[string]any) {
			v["args"] = []any{"run", "-q", "--max-body", "10", "--out", "elsewhere", capture}
		})
		code, out, _ := verifyCLI(t, "--rerun", dir)
		if code != exitMismatch || !strings.Contains(out, "DIFFERS http.parquet: sha256 is ") || strings.Contains(out, "DIFFERS flows.parquet") {
			t.Errorf("exit %d, stdout:\n%s\nwant %d and http.parquet (only) differing", code, out, exitMismatch)
		}
	})
	t.Run("damaged output", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "ds")
		runInProcess(t, 0, "run", "-q", "--out", dir, capture)
		p := filepath.Join(dir, "http.parquet")
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		b[len(b)/2] ^= 1
		os.WriteFile(p, b, 0o644)
		rep, err := verify.Outputs(dir)
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("MISMATCH http.parquet: sha256 is %s, manifest says %s\n", rep.Found[indexOf(rep.Found, "http.parquet")].SHA256, rep.Manifest.Outputs[indexOf(rep.Manifest.Outputs, "http.parquet")].SHA256)
		code, out, _ := verifyCLI(t, "--rerun", dir)
		if code != exitMismatch || out != want {
			t.Errorf("exit %d, stdout %q; want %d, %q", code, out, exitMismatch, want)
		}
	})
	t.Run("changed input", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "ds")
		in := filepath.Join(t.TempDir(), "in.pcap")
		copyFile(t, capture, in)
		runInProcess(t, 0, "run", "-q", "--out", dir, in)
		f, err := os.OpenFile(in, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte{0})
		f.Close()
		code, out, _ := verifyCLI(t, "--rerun", dir)
		if code != exitMismatch || !strings.Contains(out, "CHANGED INPUT "+in+": size is ") || strings.Contains(out, "reproduced") {
			t.Errorf("exit %d, stdout:\n%s\nwant %d naming the changed input, and no rerun", code, out, exitMismatch)
		}
	})
	t.Run("interrupted refuses rerun", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "ds")
		runInProcess(t, 0, "run", "-q", "--out", dir, capture)
		editManifestJSON(t, dir, func(v map[string]any) { v["status"] = "interrupted" })
		if code, _, _ := verifyCLI(t, dir); code != 0 {
			t.Errorf("plain verify of an interrupted dataset: exit %d, want 0", code)
		}
		if code, _, stderr := verifyCLI(t, "--rerun", dir); code != exitUsage {
			t.Errorf("--rerun of an interrupted dataset: exit %d (%s), want %d", code, stderr, exitUsage)
		}
	})
	t.Run("usage and not a dataset", func(t *testing.T) {
		if code, _, _ := verifyCLI(t); code != exitUsage {
			t.Errorf("no DIR: exit %d, want %d", code, exitUsage)
		}
		if code, _, _ := verifyCLI(t, ds, ds); code != exitUsage {
			t.Errorf("two DIRs: exit %d, want %d", code, exitUsage)
		}
		if code, _, _ := verifyCLI(t, t.TempDir()); code != exitFailure {
			t.Errorf("empty DIR: exit %d, want %d", code, exitFailure)
		}
	})
}

func indexOf(outs []sink.OutputFile, name string) int {
	for i, o := range outs {
		if o.Name == name {
			return i
		}
	}
	panic("no output " + name)
}

// scaleCapture writes a synthetic capture that takes telltale a second or
// two, with the repository's generator.
func scaleCapture(t *testing.T, dir string, n int) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go tool is needed to generate the capture:", err)
	}
	p := filepath.Join(dir, "scale.pcap")
	cmd := exec.Command(goTool, "run", "./samples/gen", "-scale", fmt.Sprint(n), "-scale-out", p)
	cmd.Dir = filepath.Join("..", "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("generating the capture: %v\n%s", err, out)
	}
	return p
}

// cliProcess starts the CLI as a child process (see TestMain).
func cliProcess(t *testing.T, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), cliEnv+"=1")
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &stderr
}

// exitCode is the child's exit code, or -1 when a signal ended it.
func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -2
	}
	return 0
}

// checkOutDirState asserts what a run into base (in parent) may leave however
// it ended: base holds one complete dataset that verifies, plus the
// researcher's file, and nothing else; in parent there is nothing but base
// and staging directories. It returns the manifest's bytes.
func checkOutDirState(t *testing.T, parent, base string, notes []byte) []byte {
	t.Helper()
	dir := filepath.Join(parent, base)
	rep, err := verify.Outputs(dir)
	if err != nil {
		t.Fatalf("output directory: %v", err)
	}
	for _, p := range rep.Problems {
		t.Errorf("output directory: %s", p)
	}
	if rep.Status != "complete" && rep.Status != "interrupted" {
		t.Errorf("manifest status %q", rep.Status)
	}
	allowed := map[string]bool{sink.ManifestName: true, "notes.txt": true}
	for _, o := range rep.Manifest.Outputs {
		allowed[o.Name] = true
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !allowed[e.Name()] {
			t.Errorf("output directory holds %s, neither a listed output nor the researcher's file", e.Name())
		}
	}
	if b, err := os.ReadFile(filepath.Join(dir, "notes.txt")); err != nil || !bytes.Equal(b, notes) {
		t.Errorf("the researcher's notes.txt was not kept: %q, %v", b, err)
	}
	if entries, err = os.ReadDir(parent); err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != base && !strings.HasPrefix(e.Name(), "."+base+".telltale-") {
			t.Errorf("%s left beside the output directory, not under the staging name", e.Name())
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, sink.ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestKillLeavesNoHalfFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("runs telltale some 25 times on a 2 MB capture")
	}
	capture := scaleCapture(t, t.TempDir(), 60)
	parent := t.TempDir()
	const base = "ds"
	dir := filepath.Join(parent, base)
	notes := []byte("the researcher's own notes, not a telltale output\n")

	// The previous complete run. The killed runs differ from it only in
	// --workers (output is identical for any count), so their manifests
	// differ in args alone and show which of the two a directory holds.
	cmd, stderr := cliProcess(t, "run", "-q", "--workers", "2", "--out", dir, capture)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("first run: %v\n%s", err, stderr)
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), notes, 0o644); err != nil {
		t.Fatal(err)
	}
	prev := checkOutDirState(t, parent, base, notes)
	full := readManifest(t, dir)

	// How long the killed runs' command takes, measured into another
	// directory, so the kill points can cover all of it.
	start := time.Now()
	cmd, stderr = cliProcess(t, "run", "-q", "--workers", "1", "--out", filepath.Join(t.TempDir(), "calibrate"), capture)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("calibration run: %v\n%s", err, stderr)
	}
	took := time.Since(start)

	t.Run("SIGKILL", func(t *testing.T) {
		// Kill points spread evenly over 0..1.15 times a run's length,
		// jittered by a fixed seed, so the end (writing, swapping) is
		// covered as well as the reading.
		const kills = 20
		rng := rand.New(rand.NewSource(9))
		var before, after, finished int
		var next []byte
		for i := range kills {
			delay := time.Duration((float64(i) + rng.Float64()) / kills * 1.15 * float64(took))
			cmd, stderr := cliProcess(t, "run", "-q", "--workers", "1", "--out", dir, capture)
			time.Sleep(delay)
			cmd.Process.Kill() // a run that already exited is a zombie until Wait: no error
			err := cmd.Wait()
			switch code := exitCode(err); {
			case code == 0:
				finished++ // it was done before the kill
			case code != -1:
				t.Fatalf("kill %d after %v: exit %d, stderr:\n%s", i, delay, code, stderr)
			}
			got := checkOutDirState(t, parent, base, notes)
			switch {
			case bytes.Equal(got, prev):
				before++
			case next == nil || bytes.Equal(got, next):
				next = got
				after++
			default:
				t.Errorf("kill %d after %v: manifest is neither the previous run's nor the new run's:\n%s", i, delay, got)
			}
			if t.Failed() {
				t.Fatalf("kill %d after %v of %v", i, delay, took)
			}
		}
		t.Logf("a run takes %v; %d kills: %d left the previous dataset, %d the new one (%d runs had finished)", took, kills, before, after, finished)

		// A normal run afterwards succeeds and removes what the killed
		// runs left under staging names.
		cmd, stderr := cliProcess(t, "run", "-q", "--workers", "2", "--out", dir, capture)
		if err := cmd.Wait(); err != nil {
			t.Fatalf("run after the kills: %v\n%s", err, stderr)
		}
		if got := checkOutDirState(t, parent, base, notes); !bytes.Equal(got, prev) {
			t.Errorf("the run after the kills wrote another manifest than the first run:\n%s", got)
		}
		if entries, _ := os.ReadDir(parent); len(entries) != 1 {
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			t.Errorf("after a normal run %s holds %q, want only %s", parent, names, base)
		}
	})

	t.Run("SIGINT", func(t *testing.T) {
		cmd, stderr := cliProcess(t, "run", "-q", "--out", dir, capture)
		startedStaging(t, parent, base, cmd)
		cmd.Process.Signal(os.Interrupt)
		if code := exitCode(cmd.Wait()); code != exitInterrupted {
			t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitInterrupted, stderr)
		}
		checkOutDirState(t, parent, base, notes)
		rep, err := verify.Outputs(dir)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Status != "interrupted" {
			t.Errorf("manifest status %q, want interrupted", rep.Status)
		}
		// What was read before the signal is a prefix of the capture.
		if got, want := rep.Manifest.Inputs[0].Packets, full.Inputs[0].Packets; got >= want {
			t.Errorf("interrupted run read %d packets, the whole capture has %d", got, want)
		}
	})

	t.Run("second signal kills at once", func(t *testing.T) {
		before := checkOutDirState(t, parent, base, notes) // the interrupted dataset, or the complete one when SIGINT failed
		cmd, stderr := cliProcess(t, "run", "-q", "--out", dir, capture)
		startedStaging(t, parent, base, cmd)
		cmd.Process.Signal(os.Interrupt)
		time.Sleep(20 * time.Millisecond) // let the first one be handled
		cmd.Process.Signal(syscall.SIGTERM)
		err := cmd.Wait()
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.Sys().(syscall.WaitStatus).Signal() == syscall.SIGTERM {
			if got := checkOutDirState(t, parent, base, notes); !bytes.Equal(got, before) {
				t.Errorf("the killed run changed the dataset")
			}
			return
		}
		// It may have finished the interrupted dataset in those 20 ms.
		if code := exitCode(err); code != exitInterrupted {
			t.Fatalf("exit %v, want death by SIGTERM (or %d); stderr:\n%s", err, exitInterrupted, stderr)
		}
		t.Log("the run finished before the second signal")
		checkOutDirState(t, parent, base, notes)
	})
}

// startedStaging polls until the run has made its staging directory, which
// means it is past its checks and reading.
func startedStaging(t *testing.T, parent, base string, cmd *exec.Cmd) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(filepath.Join(parent, "."+base+".telltale-"+fmt.Sprint(cmd.Process.Pid))); err == nil {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("the run made no staging directory within 20 s")
}
