package fuzzsmoke

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// target is one fuzz function in one package.
type target struct{ pkg, name string }

// goTool finds the go command that runs this test.
func goTool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go tool is not on PATH:", err)
	}
	return p
}

// moduleRoot is the directory of the go.mod this package belongs to.
func moduleRoot(t *testing.T, goCmd string) string {
	t.Helper()
	out, err := exec.Command(goCmd, "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		t.Fatal("not inside a module")
	}
	return filepath.Dir(mod)
}

// listTargets runs `go test -list ^Fuzz -json ./...` in root and collects
// the fuzz targets per package, sorted by package and name.
func listTargets(t *testing.T, goCmd, root string) []target {
	t.Helper()
	cmd := exec.Command(goCmd, "test", "-list", "^Fuzz", "-json", "./...")
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go test -list: %v\n%s%s", err, lastLines(string(out), 20), stderr.String())
	}
	var targets []target
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var ev struct{ Action, Package, Output string }
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			continue // build output that is not an event
		}
		name := strings.TrimSpace(ev.Output)
		if ev.Action == "output" && strings.HasPrefix(name, "Fuzz") && !strings.ContainsAny(name, " \t") {
			targets = append(targets, target{ev.Package, name})
		}
	}
	sort.Slice(targets, func(i, j int) bool {
		if targets[i].pkg != targets[j].pkg {
			return targets[i].pkg < targets[j].pkg
		}
		return targets[i].name < targets[j].name
	})
	return targets
}

var execsRE = regexp.MustCompile(`fuzz: elapsed: \S+, execs: (\d+)`)

func TestFuzzTargetsBriefly(t *testing.T) {
	if testing.Short() {
		t.Skip("fuzzes every target of the module for a few seconds each")
	}
	if os.Getenv("TELLTALE_FUZZ_SMOKE") == "0" {
		t.Skip("TELLTALE_FUZZ_SMOKE=0")
	}
	fuzztime := "2s"
	if v := os.Getenv("TELLTALE_FUZZ_SMOKE_TIME"); v != "" {
		fuzztime = v
	}
	limit := 3 * time.Minute // building an instrumented binary, seeds and fuzzing
	if d, err := time.ParseDuration(fuzztime); err == nil {
		limit += 2 * d
	}
	goCmd := goTool(t)
	root := moduleRoot(t, goCmd)
	modOut, err := exec.Command(goCmd, "list", "-m").Output()
	if err != nil {
		t.Fatalf("go list -m: %v", err)
	}
	modPath := strings.TrimSpace(string(modOut))
	start := time.Now()
	targets := listTargets(t, goCmd, root)
	if len(targets) == 0 {
		t.Fatal("no fuzz targets found; the listing is broken")
	}
	t.Logf("%d fuzz targets listed in %v", len(targets), time.Since(start).Round(time.Second))

	// One at a time: each run already uses every CPU.
	for _, tg := range targets {
		t.Run(strings.TrimPrefix(tg.pkg, "telltale/")+"/"+tg.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), limit)
			defer cancel()
			began := time.Now()
			// A fresh corpus cache: the baseline is the target's seeds
			// only, so the time left for fuzzing does not shrink as
			// the shared cache in GOCACHE grows, and the smoke run does not
			// add to that cache.
			cmd := exec.CommandContext(ctx, goCmd, "test", "-run", "^$", "-fuzz", "^"+tg.name+"$", "-fuzztime", fuzztime, tg.pkg,
				"-args", "-test.fuzzcachedir="+t.TempDir())
			cmd.Dir = root
			cmd.WaitDelay = 10 * time.Second
			crashers := filepath.Join(root, strings.TrimPrefix(tg.pkg, modPath), "testdata", "fuzz", tg.name)
			before := dirNames(crashers)
			out, err := cmd.CombinedOutput()
			if ctx.Err() != nil {
				t.Fatalf("no result within %v (a hang?):\n%s", limit, lastLines(string(out), 30))
			}
			if err != nil && deadlineRace(string(out), tg.name) && len(dirNames(crashers)) == len(before) {
				// Go's coordinator can report its own -fuzztime deadline as
				// a failure (go.dev/issue/75804, fixed in Go 1.27); no input
				// failed, none was written.
				t.Logf("%s %s: the fuzztime deadline race of go.dev/issue/75804, not a failure:\n%s", tg.pkg, tg.name, lastLines(string(out), 6))
				return
			}
			if err != nil {
				t.Fatalf("%v:\n%s", err, lastLines(string(out), 40))
			}
			m := execsRE.FindAllStringSubmatch(string(out), -1)
			if len(m) == 0 {
				// Not a failure, but the smoke run tested the seeds only.
				t.Logf("%s %s: did not get past its seeds within -fuzztime %s:\n%s", tg.pkg, tg.name, fuzztime, lastLines(string(out), 5))
				return
			}
			t.Logf("%s %s: %s execs in %v (build included)", tg.pkg, tg.name, m[len(m)-1][1], time.Since(began).Round(100*time.Millisecond))
		})
	}
	t.Logf("fuzz smoke: %d targets, fuzztime %s, wall %v", len(targets), fuzztime, time.Since(start).Round(time.Second))
}

// deadlineRace reports whether a failed fuzz run's only complaint is the
// coordinator's "context deadline exceeded".
func deadlineRace(out, name string) bool {
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "--- FAIL: "+name+" ") {
			return i+1 < len(lines) && strings.TrimSpace(lines[i+1]) == "context deadline exceeded" &&
				(i+2 >= len(lines) || !strings.HasPrefix(strings.TrimSpace(lines[i+2]), "Failing input"))
		}
	}
	return false
}

// dirNames lists a directory's entries; a missing directory has none.
func dirNames(dir string) []string {
	es, _ := os.ReadDir(dir)
	names := make([]string, len(es))
	for i, e := range es {
		names[i] = e.Name()
	}
	return names
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
