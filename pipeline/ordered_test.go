package pipeline

import (
	"errors"
	"slices"
	"testing"
)

// TestOrderedKeepsSubmissionOrder checks that results come out in the order
// items went in, for any worker count, even when later items finish first.
func TestOrderedKeepsSubmissionOrder(t *testing.T) {
	for _, workers := range []int{0, 1, 2, 7} {
		var got []int
		o := newOrdered(workers, 3, func(i int) int {
			// Make early items slow so that, with several workers, later
			// ones finish first.
			n := 0
			for k := 0; k < (100-i)*1000; k++ {
				n += k & 1
			}
			_ = n
			return i * i
		}, func(v int) error { got = append(got, v); return nil })
		var want []int
		for i := range 100 {
			if err := o.submit(i); err != nil {
				t.Fatal(err)
			}
			want = append(want, i*i)
		}
		if err := o.close(); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("workers=%d: got %v, want %v", workers, got, want)
		}
	}
}

// TestOrderedReportsSinkError checks that the first error from out is kept
// and reported, and that later results are not written.
func TestOrderedReportsSinkError(t *testing.T) {
	boom := errors.New("disk full")
	for _, workers := range []int{1, 4} {
		var written int
		o := newOrdered(workers, 2, func(i int) int { return i }, func(v int) error {
			if v == 5 {
				return boom
			}
			written++
			return nil
		})
		for i := range 20 {
			_ = o.submit(i)
		}
		if err := o.close(); !errors.Is(err, boom) {
			t.Errorf("workers=%d: close() = %v, want %v", workers, err, boom)
		}
		if err := o.failed(); !errors.Is(err, boom) {
			t.Errorf("workers=%d: failed() = %v, want %v", workers, err, boom)
		}
		if written != 5 {
			t.Errorf("workers=%d: wrote %d results, want 5 (those before the error)", workers, written)
		}
	}
}
