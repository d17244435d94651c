package pagination

import (
	"errors"
	"fmt"
	"strconv"
)

// DefaultMaxOffset is the offset window of the Falcon API: offset+limit must stay at
// or below it. Offset paginators use it unless WithMaxOffset says otherwise.
const DefaultMaxOffset = 10000

// ErrOffsetWindow reports that offset paging reached the end of the offset window
// (see WithMaxOffset) while more items remain. Those items cannot be reached by
// offset; page with a cursor instead, or narrow the query. It arrives wrapped in a
// *PageError whose Offset is where the window ends.
var ErrOffsetWindow = errors.New("pagination: offset window reached with items remaining")

// ErrNoMorePages is returned by NextPage once HasMorePages reports false.
var ErrNoMorePages = errors.New("pagination: no more pages")

// Page is one page of results.
//
// A fetch function of NewCursorPages, NewOffsetPages or NewStringOffset fills Items,
// Next, Total and Meta. The paginator then records in Cursor and Offset where the page
// was fetched from, overwriting whatever the fetch put there.
type Page[T any] struct {
	// Items are the page's items, in order.
	Items []T
	// Next is the token of the following page: the "after" cursor or the next string
	// offset. Empty means there is no further page. Offset paging ignores it.
	Next string
	// Total is the number of items the query matches, as the server reported it;
	// zero or negative when unknown.
	Total int
	// Meta is any value the fetch wants to hand to whoever reads the page, such as the
	// service's response with its headers and metadata. The paginator never reads it.
	Meta any

	// Cursor is the cursor (or string offset) this page was fetched with; empty for the
	// first page of a query and for offset paging.
	Cursor string
	// Offset is the offset this page was fetched with; zero for cursor paging.
	Offset int
}

// PageError is the error a paginator returns or yields when a page cannot be fetched.
// It says where that page starts, so the caller can resume there with WithStartCursor
// (Cursor) or WithStartOffset (Offset) and receive exactly the items not yet seen.
type PageError struct {
	// Cursor is the cursor (or string offset) of the page that failed; empty for the
	// first page of a query and for offset paging.
	Cursor string
	// Offset is the offset of the page that failed; zero for cursor paging.
	Offset int
	// Err is the underlying error: the fetch function's error, the context's error,
	// or ErrOffsetWindow.
	Err error

	kind pageKind
}

type pageKind uint8

const (
	kindOffset pageKind = iota
	kindCursor
	kindStringOffset
)

// Error returns a one-line message naming the page and the underlying error.
func (e *PageError) Error() string {
	var where string
	switch {
	case e.kind == kindCursor && e.Cursor == "":
		where = "first page"
	case e.kind == kindCursor:
		where = "page at cursor " + strconv.Quote(shorten(e.Cursor))
	case e.kind == kindStringOffset:
		where = "page at offset " + strconv.Quote(shorten(e.Cursor))
	default:
		where = fmt.Sprintf("page at offset %d", e.Offset)
	}
	return "pagination: " + where + ": " + fmt.Sprint(e.Err)
}

// Unwrap returns the underlying error.
func (e *PageError) Unwrap() error { return e.Err }

// shorten keeps long opaque tokens from flooding error messages.
func shorten(s string) string {
	const max = 24
	if len(s) <= max {
		return s
	}
	return s[:max] + "..."
}

// position is where the next page of a stream starts; it names the page in errors
// raised outside a fetch (a cancelled context).
type position struct {
	kind   pageKind
	cursor string
	offset int
}

func (p position) fail(err error) *PageError {
	return &PageError{Cursor: p.cursor, Offset: p.offset, Err: err, kind: p.kind}
}

func advance[T any](p position, pg *Page[T]) position {
	if p.kind == kindOffset {
		p.offset = pg.Offset + len(pg.Items)
	} else {
		p.cursor = pg.Next
	}
	return p
}

// Option configures a paginator. Options that do not concern a paginator are
// ignored, except a start option of the wrong kind, which makes the constructor panic.
type Option func(*config)

type config struct {
	prefetch    int
	parallelism int
	maxOffset   int
	noLoopGuard bool
	samePage    any // func([]T) string of WithSamePage
	samePageErr error

	startCursor    string
	startCursorSet bool
	startOffset    int
	startOffsetSet bool
}

func newConfig(opts []Option) config {
	c := config{prefetch: 1, parallelism: 1, maxOffset: DefaultMaxOffset}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	return c
}

// WithPrefetch sets how many pages All and Pages may fetch ahead of the page the
// caller is working through. The default is 1: page n+1 is fetched while the caller
// handles page n. Zero turns background fetching off entirely (parallel offset
// fetches included): every request is made on the caller's goroutine, when the caller
// asks for the next item. Pages fetched ahead stay in memory until the loop reaches
// them. WithPrefetch panics if n is negative. Explicit paging with
// NextPage never fetches ahead.
func WithPrefetch(n int) Option {
	if n < 0 {
		panic("pagination: WithPrefetch with a negative count")
	}
	return func(c *config) { c.prefetch = n }
}

// WithParallelism lets an offset paginator's All and Pages fetch up to n pages at once
// once the first page has told the total; items are still yielded in order. The
// default is 1. Pages fetched ahead are then at most max(n, prefetch). Cursor
// paginators ignore it (each cursor comes from the page before). WithParallelism
// panics if n is less than 1.
func WithParallelism(n int) Option {
	if n < 1 {
		panic("pagination: WithParallelism below 1")
	}
	return func(c *config) { c.parallelism = n }
}

// WithMaxOffset sets the offset window of an offset paginator: no request has
// offset+limit above n. The default is DefaultMaxOffset. Zero or negative removes the
// window, for servers that have none. Cursor paginators ignore it.
func WithMaxOffset(n int) Option {
	return func(c *config) { c.maxOffset = max(n, 0) }
}

// WithoutLoopGuard turns off the loop guard of cursor and string-offset paginators,
// which stops paging when the server hands back a token it has already handed out
// in the same walk (it would otherwise page forever).
func WithoutLoopGuard() Option {
	return func(c *config) { c.noLoopGuard = true }
}

// WithSamePage makes a cursor or string-offset paginator stop with err, in a *PageError
// naming the page, when a page that is not empty has the same key as the page before it
// in the walk: a server that ignores the cursor but hands out a new one with every page
// would otherwise be paged until the context ends, as the loop guard compares only
// cursors. key summarises a page's items (their ids, say); it is called once per page,
// in page order, on the goroutine that walks. Explicit paging stays at the repeated
// page, as after any failed fetch. Offset paginators ignore it. WithSamePage panics if
// key or err is nil; a cursor constructor given one for items of another type panics.
func WithSamePage[T any](key func(items []T) string, err error) Option {
	if key == nil || err == nil {
		panic("pagination: WithSamePage with a nil key or error")
	}
	return func(c *config) { c.samePage, c.samePageErr = key, err }
}

// WithStartCursor makes a cursor or string-offset paginator start at the given token
// instead of the first page, typically one saved from Cursor or from a PageError.
// Every range over All or Pages starts there again. Passing it to an offset paginator
// panics.
func WithStartCursor(token string) Option {
	return func(c *config) { c.startCursor, c.startCursorSet = token, true }
}

// WithStartOffset makes an offset paginator start at the given offset instead of 0,
// typically one saved from Offset or from a PageError. Every range over All or Pages
// starts there again. It panics if offset is negative; passing it to a cursor or
// string-offset paginator panics.
func WithStartOffset(offset int) Option {
	if offset < 0 {
		panic("pagination: WithStartOffset with a negative offset")
	}
	return func(c *config) { c.startOffset, c.startOffsetSet = offset, true }
}
