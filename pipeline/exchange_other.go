//go:build !linux

package pipeline

func exchange(a, b string) error { return exchangeByRenames(a, b) }
