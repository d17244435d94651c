package pagination

import (
	"context"
	"sync"
)

// walker is the paging state of one walk through a result set: the explicit
// position of a paginator, or a fresh one for each range over All or Pages.
type walker[T any] interface {
	// more reports whether another step may return a page.
	more() bool
	// step fetches the next page and advances. A fetch error leaves the position
	// where it was, so a retry asks for the same page.
	step(ctx context.Context) (*Page[T], error)
	// produce runs on the producer goroutine: it steps (or dispatches fetches) and
	// hands the results to e in order, until the walk ends or e refuses.
	produce(e *emitter[T])
}

// result is what a slot delivers to the consumer: a page, an error, or a panic
// caught on another goroutine.
type result[T any] struct {
	page     *Page[T]
	err      error
	last     bool // no page follows this one
	panicked bool
	panicVal any
}

// emitter is the producer's side of a stream. Results travel in slots, one
// buffered channel per page, sent in page order through slots; a slot may be
// filled later by a fetch goroutine, which keeps order with parallel fetches.
type emitter[T any] struct {
	ctx   context.Context // cancelled when the consumer stops
	slots chan chan result[T]
	sem   chan struct{} // bounds parallel fetches; nil when sequential
	wg    sync.WaitGroup
}

func (e *emitter[T]) send(s chan result[T]) bool {
	select {
	case e.slots <- s:
		return true
	case <-e.ctx.Done():
		return false
	}
}

// emit hands over a result that is already known.
func (e *emitter[T]) emit(r result[T]) bool {
	s := make(chan result[T], 1)
	s <- r
	return e.send(s)
}

// async runs f on its own goroutine, at most cap(e.sem) at once, and hands over
// its slot now so the consumer receives results in dispatch order.
func (e *emitter[T]) async(f func(ctx context.Context) result[T]) bool {
	select {
	case e.sem <- struct{}{}:
	case <-e.ctx.Done():
		return false
	}
	s := make(chan result[T], 1)
	e.wg.Go(func() {
		defer func() { <-e.sem }()
		s <- guard(e.ctx, f)
	})
	return e.send(s)
}

// guard calls f, turning a panic into a result the consumer re-raises.
func guard[T any](ctx context.Context, f func(ctx context.Context) result[T]) (r result[T]) {
	defer func() {
		if v := recover(); v != nil {
			r = result[T]{panicked: true, panicVal: v}
		}
	}()
	return f(ctx)
}

// produceSequential is the producer loop of a walker whose pages must be fetched
// one after another.
func produceSequential[T any](w walker[T], e *emitter[T]) {
	for w.more() && e.ctx.Err() == nil {
		pg, err := w.step(e.ctx)
		if !e.emit(result[T]{page: pg, err: err, last: err == nil && !w.more()}) || err != nil {
			return
		}
	}
}

// stream walks w and calls yield with each page in order, or with one error and
// then stops. With prefetch, pages are fetched on a producer goroutine (and, for
// parallel offset paging, fetch goroutines), at most lookahead pages beyond the one
// yield is handling; all of them have finished when stream returns.
func stream[T any](ctx context.Context, w walker[T], start position, prefetch, parallelism int, yield func(*Page[T], error) bool) {
	pos := start
	if prefetch == 0 {
		for w.more() {
			if err := ctx.Err(); err != nil {
				yield(nil, pos.fail(err))
				return
			}
			pg, err := w.step(ctx)
			if err != nil {
				yield(nil, err)
				return
			}
			if !yield(pg, nil) {
				return
			}
			pos = advance(pos, pg)
		}
		return
	}

	if err := ctx.Err(); err != nil {
		yield(nil, pos.fail(err))
		return
	}
	lookahead := max(prefetch, parallelism)
	fctx, cancel := context.WithCancel(ctx)
	e := &emitter[T]{ctx: fctx, slots: make(chan chan result[T], lookahead-1)}
	if parallelism > 1 {
		e.sem = make(chan struct{}, parallelism)
	}
	defer func() {
		cancel()
		e.wg.Wait()
	}()
	e.wg.Go(func() {
		r := guard(fctx, func(context.Context) result[T] {
			w.produce(e)
			return result[T]{}
		})
		switch {
		case r.panicked:
			e.emit(r)
		case fctx.Err() == nil:
			// The walk ended without the consumer leaving; its last result is
			// marked, and closing covers a walker that had nothing to fetch.
			close(e.slots)
		}
	})

	for {
		if err := ctx.Err(); err != nil {
			yield(nil, pos.fail(err))
			return
		}
		var s chan result[T]
		var ok bool
		select {
		case s, ok = <-e.slots:
			if !ok {
				return
			}
		case <-ctx.Done():
			yield(nil, pos.fail(ctx.Err()))
			return
		}
		var r result[T]
		select {
		case r = <-s:
		case <-ctx.Done():
			yield(nil, pos.fail(ctx.Err()))
			return
		}
		switch {
		case r.panicked:
			panic(r.panicVal)
		case r.err != nil:
			yield(nil, r.err)
			return
		case !yield(r.page, nil) || r.last || len(r.page.Items) == 0:
			return
		}
		pos = advance(pos, r.page)
	}
}

// items flattens a page stream into an item stream.
func items[T any](pages func(yield func(*Page[T], error) bool)) func(yield func(T, error) bool) {
	return func(yield func(T, error) bool) {
		for pg, err := range pages {
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, it := range pg.Items {
				if !yield(it, nil) {
					return
				}
			}
		}
	}
}
