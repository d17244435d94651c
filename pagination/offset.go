package pagination

import (
	"context"
	"iter"
)

// Offset pages through a result set by numeric offset and limit.
//
// No request goes past the offset window (WithMaxOffset, 10,000 by default): the last
// page inside it is shortened to fit, and if items remain beyond it the paginator
// returns ErrOffsetWindow instead of asking.
//
// NextPage, HasMorePages, Offset and LastPage make up explicit paging and share one
// position; they are not safe for concurrent use. All and Pages never read or change
// that position: each range over them walks from the configured start on its own, so
// several may run at once.
type Offset[T any] struct {
	fetch func(ctx context.Context, offset, limit int) (Page[T], error)
	limit int
	cfg   config

	w    *offsetWalker[T]
	last *Page[T]
}

// NewOffset returns a paginator over fetch, which returns up to limit items starting
// at offset, and the total number of items the query matches (zero or negative when
// unknown). Paging stops at an empty page, at the total, or, when the total is
// unknown, at a page shorter than asked for.
//
// fetch must honour ctx: with prefetch it runs on other goroutines, and ranging over
// All or Pages does not return before it has. NewOffset panics if limit is not
// positive, fetch is nil, or a cursor start (WithStartCursor) is given.
func NewOffset[T any](limit int, fetch func(ctx context.Context, offset, limit int) ([]T, int, error), opts ...Option) *Offset[T] {
	if fetch == nil {
		panic("pagination: NewOffset with a nil fetch")
	}
	return newOffset(limit, func(ctx context.Context, offset, limit int) (Page[T], error) {
		items, total, err := fetch(ctx, offset, limit)
		return Page[T]{Items: items, Total: total}, err
	}, opts)
}

// NewOffsetPages is NewOffset for a fetch that returns a whole Page, so that Meta (for
// instance the service's response) reaches the caller through Pages and LastPage.
// Page.Total is the total number of matching items; Page.Next is ignored.
func NewOffsetPages[T any](limit int, fetch func(ctx context.Context, offset, limit int) (Page[T], error), opts ...Option) *Offset[T] {
	if fetch == nil {
		panic("pagination: NewOffsetPages with a nil fetch")
	}
	return newOffset(limit, fetch, opts)
}

func newOffset[T any](limit int, fetch func(context.Context, int, int) (Page[T], error), opts []Option) *Offset[T] {
	if limit <= 0 {
		panic("pagination: offset paginator with a limit below 1")
	}
	cfg := newConfig(opts)
	if cfg.startCursorSet {
		panic("pagination: WithStartCursor given to an offset paginator; use WithStartOffset")
	}
	p := &Offset[T]{fetch: fetch, limit: limit, cfg: cfg}
	p.w = p.walker()
	return p
}

func (p *Offset[T]) walker() *offsetWalker[T] {
	return &offsetWalker[T]{fetch: p.fetch, limit: p.limit, max: p.cfg.maxOffset, offset: p.cfg.startOffset}
}

// HasMorePages reports whether NextPage may return another page. It is true before
// the first page.
func (p *Offset[T]) HasMorePages() bool { return p.w.more() }

// NextPage fetches the page at Offset and advances past its items. On failure it
// returns a *PageError and stays put, so calling it again retries the same page; at
// the end of the offset window with items remaining, the error wraps ErrOffsetWindow
// and HasMorePages turns false. After the last page it returns ErrNoMorePages. It
// never fetches ahead.
func (p *Offset[T]) NextPage(ctx context.Context) ([]T, error) {
	if !p.w.more() {
		return nil, ErrNoMorePages
	}
	if err := ctx.Err(); err != nil {
		return nil, (position{kind: kindOffset, offset: p.w.offset}).fail(err)
	}
	pg, err := p.w.step(ctx)
	if err != nil {
		return nil, err
	}
	p.last = pg
	return pg.Items, nil
}

// Offset returns the offset of the page NextPage fetches next, which is the offset of
// the first item not yet returned: pass it to WithStartOffset to resume with exactly
// the items that follow.
func (p *Offset[T]) Offset() int { return p.w.offset }

// LastPage returns the page NextPage returned last, with its Total and Meta, or nil
// before the first.
func (p *Offset[T]) LastPage() *Page[T] { return p.last }

// Pages returns an iterator over the pages from the configured start (each range
// starts there again). Nothing is fetched before the first iteration. It yields each
// page (the last may be empty) or, when a page cannot be fetched, one *PageError and
// stops. With prefetch (on by default), the next page is fetched while the loop body
// handles the current one; with WithParallelism and a known total, several pages are
// fetched at once and still yielded in order. Breaking out or cancelling ctx stops
// all fetching.
func (p *Offset[T]) Pages(ctx context.Context) iter.Seq2[*Page[T], error] {
	return func(yield func(*Page[T], error) bool) {
		start := position{kind: kindOffset, offset: p.cfg.startOffset}
		stream(ctx, p.walker(), start, p.cfg.prefetch, p.cfg.parallelism, yield)
	}
}

// All returns an iterator over the items of every page from the configured start,
// in order, with the behaviour of Pages: lazy, restartable, one *PageError then stop,
// prefetch and parallel fetches that end with the loop.
func (p *Offset[T]) All(ctx context.Context) iter.Seq2[T, error] {
	return items(p.Pages(ctx))
}

// offsetWalker is one walk of an Offset.
type offsetWalker[T any] struct {
	fetch  func(context.Context, int, int) (Page[T], error)
	limit  int
	max    int // offset window; 0 for none
	offset int
	done   bool

	total   int // from the last page; 0 when unknown
	lastLim int // limit asked for by the last page
	lastN   int // items the last page returned
}

func (w *offsetWalker[T]) more() bool { return !w.done }

// span returns the limit for a page at offset o of a walk whose pages hold size
// items, shortened to the window; ok is false when o is at or past the window.
func (w *offsetWalker[T]) span(o, size int) (limit int, ok bool) {
	if w.max <= 0 {
		return size, true
	}
	if o >= w.max {
		return 0, false
	}
	return min(size, w.max-o), true
}

func (w *offsetWalker[T]) step(ctx context.Context) (*Page[T], error) {
	lim, ok := w.span(w.offset, w.limit)
	if !ok {
		w.done = true
		return nil, &PageError{Offset: w.offset, Err: ErrOffsetWindow}
	}
	pg, err := fetchOffset(ctx, w.fetch, w.offset, lim)
	if err != nil {
		return nil, err
	}
	n := len(pg.Items)
	w.offset += n
	w.lastLim, w.lastN = lim, n
	w.total = max(pg.Total, 0)
	switch {
	case n == 0:
		w.done = true
	case w.total > 0:
		w.done = w.offset >= w.total
	default:
		w.done = n < lim
	}
	return pg, nil
}

func fetchOffset[T any](ctx context.Context, fetch func(context.Context, int, int) (Page[T], error), offset, limit int) (*Page[T], error) {
	pg, err := fetch(ctx, offset, limit)
	if err != nil {
		return nil, &PageError{Offset: offset, Err: err}
	}
	pg.Cursor, pg.Offset = "", offset
	return &pg, nil
}

// produce fetches the first page on its own; once it has told the total, and with
// parallelism allowed, the remaining pages are dispatched at once, each at its
// computed offset.
func (w *offsetWalker[T]) produce(e *emitter[T]) {
	for w.more() && e.ctx.Err() == nil {
		pg, err := w.step(e.ctx)
		if !e.emit(result[T]{page: pg, err: err, last: err == nil && !w.more()}) || err != nil {
			return
		}
		if e.sem != nil && w.more() && w.total > 0 {
			w.produceParallel(e)
			return
		}
	}
}

func (w *offsetWalker[T]) produceParallel(e *emitter[T]) {
	size := w.limit
	if w.lastN < w.lastLim {
		// The server returned fewer items than asked without the result set
		// ending: it caps the page size, and pages are that long.
		size = w.lastN
	}
	end, beyond := w.total, false
	if w.max > 0 && end > w.max {
		end, beyond = w.max, true
	}
	for o := w.offset; o < end; o += size {
		lim, _ := w.span(o, size)
		last := !beyond && o+size >= end
		ok := e.async(func(ctx context.Context) result[T] {
			pg, err := fetchOffset(ctx, w.fetch, o, lim)
			return result[T]{page: pg, err: err, last: last}
		})
		if !ok {
			return
		}
	}
	if beyond {
		e.emit(result[T]{err: &PageError{Offset: max(end, w.offset), Err: ErrOffsetWindow}})
	}
}
