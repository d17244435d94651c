package pagination

import (
	"context"
	"runtime"
	"sync"
)

// announceKey is the context key under which a fetch finds its announcer.
type announceKey struct{}

// announcer carries the first cursor a fetch announces to the producer.
type announcer struct {
	once sync.Once
	ch   chan string // buffered: announcing never blocks
}

// AnnounceNext tells the paginator that called the fetch holding ctx the
// cursor of the page after the one being fetched, as soon as the fetch
// knows it (from the head of a response whose items are still arriving,
// say). A cursor paginator walking with prefetch (All and Pages, by
// default) then sends the next page's request at once, instead of after
// the current page has arrived in full. The cursor the fetch finally
// returns in Page.Next is the one that counts: if it differs, the early
// request is cancelled and, once its fetch has returned, the right one sent
// (a panic of that fetch is raised on the ranging goroutine after the
// page, like any fetch's). The loop guard applies to announced cursors too.
//
// Only the first call of a fetch counts. Outside a fetch of such a walk
// (explicit paging with NextPage, WithPrefetch(0), offset paginators) it
// does nothing. It is safe to call from any goroutine.
func AnnounceNext(ctx context.Context, next string) {
	if a, ok := ctx.Value(announceKey{}).(*announcer); ok {
		a.once.Do(func() {
			a.ch <- next
			// Let the walk's producer, just woken, run now and send the
			// request, rather than after the caller has gone on reading
			// its page.
			runtime.Gosched()
		})
	}
}

// fetchAhead is one page fetch of a cursor walk, running on its own
// goroutine.
type fetchAhead[T any] struct {
	cursor    string
	slot      chan result[T] // the result, for the consumer, once the producer has seen it
	res       result[T]      // the result, once fin is closed
	fin       chan struct{}
	announced chan string
	cancel    context.CancelFunc
}

// start fetches the page at cursor on a goroutine of e.
func (w *cursorWalker[T]) start(e *emitter[T], cursor string) *fetchAhead[T] {
	ctx, cancel := context.WithCancel(e.ctx)
	a := &announcer{ch: make(chan string, 1)}
	f := &fetchAhead[T]{
		cursor:    cursor,
		slot:      make(chan result[T], 1),
		fin:       make(chan struct{}),
		announced: a.ch,
		cancel:    cancel,
	}
	ctx = context.WithValue(ctx, announceKey{}, a)
	e.wg.Go(func() {
		r := guard(ctx, func(ctx context.Context) result[T] {
			pg, err := w.fetch(ctx, cursor)
			if err != nil {
				return result[T]{err: &PageError{Cursor: cursor, Err: err, kind: w.kind}}
			}
			pg.Cursor, pg.Offset = cursor, 0
			return result[T]{page: &pg}
		})
		f.res = r
		close(f.fin)
	})
	return f
}

// producePipelined is the producer of a cursor walk. Each page's request
// leaves as soon as its cursor is known: announced by the fetch of the page
// before (AnnounceNext), or else when that page has arrived. A page's slot
// is handed to the consumer before the page has arrived (the producer fills
// it once it has seen the result), and the next fetch starts only after
// that, so at most one fetch runs beyond the page the consumer waits for or
// works through, as with produceSequential. A fetch started at an
// announced cursor that the page then does not name is cancelled once that
// page has been handed over; the producer waits for it, and a panic of its
// fetch is raised again (after that page, on the consumer's goroutine)
// rather than dropped.
func (w *cursorWalker[T]) producePipelined(e *emitter[T]) {
	var ahead *fetchAhead[T]
	defer func() {
		if ahead != nil {
			ahead.cancel()
		}
	}()
	for w.more() && e.ctx.Err() == nil {
		f := ahead
		ahead = nil
		if f == nil {
			f = w.start(e, w.cursor)
		}
		if !e.send(f.slot) {
			f.cancel()
			return
		}
		select {
		case next := <-f.announced:
			if w.mayFetch(next) {
				ahead = w.start(e, next)
			}
			select {
			case <-f.fin:
			case <-e.ctx.Done():
				return
			}
		case <-f.fin:
		case <-e.ctx.Done():
			return
		}
		f.cancel() // the fetch is over; this frees its context
		r := f.res
		if !r.panicked && r.err == nil {
			if err := w.repeated(r.page); err != nil {
				r = result[T]{err: &PageError{Cursor: f.cursor, Err: err, kind: w.kind}}
			}
		}
		if r.panicked || r.err != nil {
			f.slot <- r
			return
		}
		w.advance(r.page)
		wrong := ahead != nil && ahead.cursor != w.cursor
		r.last = !w.more() && !wrong
		f.slot <- r
		if wrong {
			a := ahead
			ahead = nil
			a.cancel()
			select {
			case <-a.fin:
			case <-e.ctx.Done():
				return
			}
			if a.res.panicked {
				panic(a.res.panicVal)
			}
		}
	}
}

// mayFetch reports whether a page may be requested at an announced
// cursor before the current page has arrived: the cursor names a page
// after this one and the loop guard has not seen it.
func (w *cursorWalker[T]) mayFetch(next string) bool {
	if next == "" || next == w.cursor {
		return false
	}
	if w.guarded {
		if _, dup := w.seen[hashCursor(w, next)]; dup {
			return false
		}
	}
	return true
}
