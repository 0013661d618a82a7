package synth

import (
	"context"
	"sync"

	"github.com/occbench/occbench/synth/shards"
)

// renderInOrder renders jobs with a pool of workers, each owning the Renderer newRenderer
// makes, and calls emit with each job's rows (or its render error) in the order of jobs,
// from one goroutine: the output never depends on the worker count. At most four jobs per
// worker are in flight, so memory stays bounded. It stops at emit's first error.
func renderInOrder(ctx context.Context, workers int, newRenderer func() (*Renderer, error),
	render func(*Renderer, *Job) ([]shards.Row, error), jobs []*Job, emit func(i int, rows []shards.Row, err error) error) error {
	if workers < 1 {
		workers = 1
	}
	type result struct {
		rows []shards.Row
		err  error
	}
	type task struct {
		i  int
		ch chan result
	}
	renderers := make([]*Renderer, workers)
	for w := range renderers {
		r, err := newRenderer()
		if err != nil {
			return err
		}
		renderers[w] = r
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	window := workers * 4
	taskCh := make(chan task, window)
	orderCh := make(chan task, window)
	var wg sync.WaitGroup
	for _, r := range renderers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range taskCh {
				if ctx.Err() != nil {
					t.ch <- result{err: ctx.Err()}
					continue
				}
				rows, err := render(r, jobs[t.i])
				t.ch <- result{rows: rows, err: err}
			}
		}()
	}
	go func() {
		defer close(taskCh)
		defer close(orderCh)
		for i := range jobs {
			t := task{i: i, ch: make(chan result, 1)}
			select {
			case orderCh <- t: // blocks while the window is full
			case <-ctx.Done():
				return
			}
			taskCh <- t
		}
	}()
	var err error
	for t := range orderCh {
		var res result
		select {
		case res = <-t.ch:
		case <-ctx.Done():
		}
		if err != nil {
			continue // drain after a failure so the feeder and workers exit
		}
		if cerr := ctx.Err(); cerr != nil {
			err = cerr
			cancel()
			continue
		}
		if err = emit(t.i, res.rows, res.err); err != nil {
			cancel()
		}
	}
	wg.Wait()
	return err
}
