package main

import (
	"os"
	"testing"
)

// cliEnv, set to "1" in a child process's environment, makes the test binary
// behave as the telltale command itself, so tests can run the real CLI as a
// subprocess (to kill it, signal it, or measure its memory) without building
// a separate binary.
const cliEnv = "TELLTALE_CLI"

func TestMain(m *testing.M) {
	if os.Getenv(cliEnv) == "1" {
		os.Exit(cliMain())
	}
	os.Exit(m.Run())
}
