//go:build race

package leak

// raceEnabled: under the race detector sync.Pool drops some Puts on purpose,
// so Find's scratch is reallocated now and then.
const raceEnabled = true
