package pagination

import (
	"context"
	"hash/maphash"
	"iter"
	"strconv"
)

// Cursor pages through a result set with an opaque token, such as the Falcon API's
// "after" cursor or a string offset: each page names the token of the next.
//
// NextPage, HasMorePages, Cursor and LastPage make up explicit paging and share one
// position; they are not safe for concurrent use. All and Pages never read or change
// that position: each range over them walks from the configured start on its own, so
// several may run at once.
type Cursor[T any] struct {
	fetch func(ctx context.Context, token string) (Page[T], error)
	cfg   config
	kind  pageKind
	same  func([]T) string // WithSamePage's key, or nil

	w    *cursorWalker[T]
	last *Page[T]
}

// NewCursor returns a paginator over fetch, which returns the page that starts at
// the cursor after ("" for the first page) and the cursor of the page that follows
// ("" when there is none). Paging stops at an empty cursor, an empty page, or a
// cursor already handed out during the walk (see WithoutLoopGuard).
//
// fetch must honour ctx: with prefetch it runs on another goroutine, and ranging over
// All or Pages does not return before it has. NewCursor panics if fetch is nil or an
// offset start (WithStartOffset) is given.
func NewCursor[T any](fetch func(ctx context.Context, after string) ([]T, string, error), opts ...Option) *Cursor[T] {
	if fetch == nil {
		panic("pagination: NewCursor with a nil fetch")
	}
	return newCursor(func(ctx context.Context, after string) (Page[T], error) {
		items, next, err := fetch(ctx, after)
		return Page[T]{Items: items, Next: next}, err
	}, kindCursor, opts)
}

// NewCursorPages is NewCursor for a fetch that returns a whole Page, so that Total and
// Meta (for instance the service's response) reach the caller through Pages and
// LastPage. Page.Next is the cursor of the following page.
func NewCursorPages[T any](fetch func(ctx context.Context, after string) (Page[T], error), opts ...Option) *Cursor[T] {
	if fetch == nil {
		panic("pagination: NewCursorPages with a nil fetch")
	}
	return newCursor(fetch, kindCursor, opts)
}

// NewStringOffset returns a paginator for endpoints whose offset is a string: fetch
// gets the offset of the page it is to return ("" for the first page) and sets
// Page.Next to the offset of the following page ("" when there is none). Paging stops
// as with NewCursor, and also when Next is a decimal number at or above a positive
// Page.Total, so no request is spent on a page that must be empty. Cursor returns the
// position to save and WithStartCursor resumes from one.
func NewStringOffset[T any](fetch func(ctx context.Context, offset string) (Page[T], error), opts ...Option) *Cursor[T] {
	if fetch == nil {
		panic("pagination: NewStringOffset with a nil fetch")
	}
	return newCursor(fetch, kindStringOffset, opts)
}

func newCursor[T any](fetch func(context.Context, string) (Page[T], error), kind pageKind, opts []Option) *Cursor[T] {
	cfg := newConfig(opts)
	if cfg.startOffsetSet {
		panic("pagination: WithStartOffset given to a cursor paginator; use WithStartCursor")
	}
	p := &Cursor[T]{fetch: fetch, cfg: cfg, kind: kind}
	if cfg.samePage != nil {
		key, ok := cfg.samePage.(func([]T) string)
		if !ok {
			panic("pagination: WithSamePage's key takes items of another type than the paginator's")
		}
		p.same = key
	}
	p.w = p.walker()
	return p
}

func (p *Cursor[T]) walker() *cursorWalker[T] {
	w := &cursorWalker[T]{
		fetch:   p.fetch,
		kind:    p.kind,
		cursor:  p.cfg.startCursor,
		guarded: !p.cfg.noLoopGuard,
		same:    p.same,
		sameErr: p.cfg.samePageErr,
	}
	if w.guarded {
		w.seed = maphash.MakeSeed()
		w.seen = make(map[uint64]struct{})
		if w.cursor != "" {
			w.seen[maphash.String(w.seed, w.cursor)] = struct{}{}
		}
	}
	return w
}

func (p *Cursor[T]) start() position {
	return position{kind: p.kind, cursor: p.cfg.startCursor}
}

// HasMorePages reports whether NextPage may return another page. It is true before
// the first page.
func (p *Cursor[T]) HasMorePages() bool { return p.w.more() }

// NextPage fetches the page at Cursor and advances past it. On failure it returns a
// *PageError and stays put, so calling it again retries the same page. After the last
// page it returns ErrNoMorePages. It never fetches ahead.
func (p *Cursor[T]) NextPage(ctx context.Context) ([]T, error) {
	if !p.w.more() {
		return nil, ErrNoMorePages
	}
	if err := ctx.Err(); err != nil {
		return nil, (position{kind: p.kind, cursor: p.w.cursor}).fail(err)
	}
	pg, err := p.w.step(ctx)
	if err != nil {
		return nil, err
	}
	p.last = pg
	return pg.Items, nil
}

// Cursor returns the token of the page NextPage fetches next: save it while
// HasMorePages is true, and pass it to WithStartCursor to resume with exactly the
// items that follow the pages already returned.
func (p *Cursor[T]) Cursor() string { return p.w.cursor }

// LastPage returns the page NextPage returned last, with its Total and Meta, or nil
// before the first.
func (p *Cursor[T]) LastPage() *Page[T] { return p.last }

// Pages returns an iterator over the pages from the configured start (each range
// starts there again). Nothing is fetched before the first iteration. It yields each
// page (the last may be empty) or, when a page cannot be fetched, one *PageError and
// stops. With prefetch (on by default), the next page is fetched while the loop body
// handles the current one; breaking out or cancelling ctx stops it.
func (p *Cursor[T]) Pages(ctx context.Context) iter.Seq2[*Page[T], error] {
	return func(yield func(*Page[T], error) bool) {
		stream(ctx, p.walker(), p.start(), p.cfg.prefetch, 1, yield)
	}
}

// All returns an iterator over the items of every page from the configured start,
// in order, with the behaviour of Pages: lazy, restartable, one *PageError then stop,
// prefetch that ends with the loop.
func (p *Cursor[T]) All(ctx context.Context) iter.Seq2[T, error] {
	return items(p.Pages(ctx))
}

// cursorWalker is one walk of a Cursor.
type cursorWalker[T any] struct {
	fetch  func(context.Context, string) (Page[T], error)
	kind   pageKind
	cursor string
	done   bool

	guarded bool
	seed    maphash.Seed
	seen    map[uint64]struct{} // hashes of the tokens handed out, for the loop guard

	same     func([]T) string // WithSamePage's key, or nil
	sameErr  error
	lastKey  string // the key of the last page that was not empty
	haveLast bool
}

func (w *cursorWalker[T]) more() bool { return !w.done }

func (w *cursorWalker[T]) step(ctx context.Context) (*Page[T], error) {
	pg, err := w.fetch(ctx, w.cursor)
	if err == nil {
		err = w.repeated(&pg)
	}
	if err != nil {
		return nil, &PageError{Cursor: w.cursor, Err: err, kind: w.kind}
	}
	pg.Cursor, pg.Offset = w.cursor, 0
	w.advance(&pg)
	return &pg, nil
}

// advance moves the walk past pg, the page at the current cursor.
func (w *cursorWalker[T]) advance(pg *Page[T]) {
	w.cursor = pg.Next
	switch {
	case len(pg.Items) == 0 || pg.Next == "":
		w.done = true
	case w.kind == kindStringOffset && pg.Total > 0 && atLeast(pg.Next, pg.Total):
		w.done = true
	case w.guarded:
		h := hashCursor(w, pg.Next)
		if _, dup := w.seen[h]; dup {
			w.done = true
		} else {
			w.seen[h] = struct{}{}
		}
	}
}

// repeated returns the WithSamePage error when pg, the page at the current
// cursor, is not empty and has the key of the page before it; otherwise it
// remembers pg's key.
func (w *cursorWalker[T]) repeated(pg *Page[T]) error {
	if w.same == nil || len(pg.Items) == 0 {
		return nil
	}
	k := w.same(pg.Items)
	if w.haveLast && k == w.lastKey {
		return w.sameErr
	}
	w.lastKey, w.haveLast = k, true
	return nil
}

func hashCursor[T any](w *cursorWalker[T], c string) uint64 { return maphash.String(w.seed, c) }

func (w *cursorWalker[T]) produce(e *emitter[T]) {
	if w.kind == kindCursor {
		w.producePipelined(e)
		return
	}
	produceSequential[T](w, e)
}

// atLeast reports whether s is a decimal number at or above n.
func atLeast(s string, n int) bool {
	v, err := strconv.Atoi(s)
	return err == nil && v >= n
}
