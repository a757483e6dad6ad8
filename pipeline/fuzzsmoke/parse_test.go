package fuzzsmoke

import "testing"

func TestDeadlineRace(t *testing.T) {
	const race = `fuzz: elapsed: 3s, execs: 2531 (0/sec), new interesting: 2 (total: 9)
--- FAIL: FuzzConn (3.36s)
    context deadline exceeded
FAIL
exit status 1
FAIL	telltale/pipeline/tlsrec	3.371s
`
	const crash = `fuzz: elapsed: 1s, execs: 120 (120/sec), new interesting: 0 (total: 7)
--- FAIL: FuzzConn (1.02s)
    --- FAIL: FuzzConn (0.00s)
        testing.go:1: panic: index out of range
    Failing input written to testdata/fuzz/FuzzConn/0123456789abcdef
FAIL
`
	const crashAfterDeadline = `--- FAIL: FuzzConn (3.36s)
    context deadline exceeded
    Failing input written to testdata/fuzz/FuzzConn/0123456789abcdef
`
	for _, tc := range []struct {
		name, out, target string
		want              bool
	}{
		{"race", race, "FuzzConn", true},
		{"other target's failure", race, "FuzzCon", false},
		{"crash", crash, "FuzzConn", false},
		{"crash written", crashAfterDeadline, "FuzzConn", false},
		{"no failure", "PASS\n", "FuzzConn", false},
	} {
		if got := deadlineRace(tc.out, tc.target); got != tc.want {
			t.Errorf("%s: deadlineRace = %v, want %v", tc.name, got, tc.want)
		}
	}
}
