// Package fuzzsmoke holds no code, only a test: TestFuzzTargetsBriefly
// finds every fuzz target of the module and fuzzes each for a short time
// beyond its seed corpus, so that a target which no longer builds, whose
// seeds fail, or which fails within seconds of fuzzing is caught by an
// ordinary `go test ./...` rather than when someone next fuzzes it.
//
// It is skipped under -short and when TELLTALE_FUZZ_SMOKE=0. The time per
// target is -fuzztime 2s, or TELLTALE_FUZZ_SMOKE_TIME (a duration such as
// 60s, or a count such as 5000x) for longer runs; with -v it logs how many
// executions each target reached.
package fuzzsmoke
