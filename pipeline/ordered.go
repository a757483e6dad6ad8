package pipeline

import (
	"sync"
	"sync/atomic"
)

// ordered runs fn over items on a fixed number of workers and hands the
// results to out in the order the items were submitted, so the output never
// depends on the worker count or on scheduling. At most window items are in
// flight, which bounds memory whatever the input size.
type ordered[In, Out any] struct {
	fn      func(In) Out
	out     func(Out) error
	jobs    chan job[In, Out]
	pending chan chan Out
	wg      sync.WaitGroup
	done    chan struct{}
	err     error // first error from out; read after close
	errSeen atomic.Pointer[error]
	inline  bool
}

type job[In, Out any] struct {
	in  In
	res chan Out
}

func newOrdered[In, Out any](workers, window int, fn func(In) Out, out func(Out) error) *ordered[In, Out] {
	o := &ordered[In, Out]{fn: fn, out: out}
	if workers <= 1 {
		o.inline = true
		return o
	}
	if window < workers {
		window = workers
	}
	o.jobs = make(chan job[In, Out], window)
	o.pending = make(chan chan Out, window)
	o.done = make(chan struct{})
	for range workers {
		o.wg.Add(1)
		go func() {
			defer o.wg.Done()
			for j := range o.jobs {
				j.res <- o.fn(j.in)
			}
		}()
	}
	go func() {
		defer close(o.done)
		for res := range o.pending {
			r := <-res
			if o.err == nil {
				o.err = o.out(r)
				if o.err != nil {
					o.errSeen.Store(&o.err)
				}
			}
		}
	}()
	return o
}

// submit queues one item; it blocks while window items are in flight.
func (o *ordered[In, Out]) submit(in In) error {
	if o.inline {
		if o.err != nil {
			return o.err
		}
		o.err = o.out(o.fn(in))
		return o.err
	}
	res := make(chan Out, 1)
	o.pending <- res
	o.jobs <- job[In, Out]{in: in, res: res}
	return nil
}

// failed reports the first error out returned so far, so the producer can
// stop early instead of feeding a sink that no longer writes.
func (o *ordered[In, Out]) failed() error {
	if o.inline {
		return o.err
	}
	if p := o.errSeen.Load(); p != nil {
		return *p
	}
	return nil
}

// close waits for every submitted item to reach out and returns the first
// error out returned.
func (o *ordered[In, Out]) close() error {
	if o.inline {
		return o.err
	}
	close(o.jobs)
	close(o.pending)
	o.wg.Wait()
	<-o.done
	return o.err
}
