// Package pagination walks paged API results, so that no service writes its own
// paging loop. It is generic over the item type and depends on the standard library
// only.
//
// # Paginators
//
// A paginator wraps one fetch function, which requests one page:
//
//   - NewCursor (and NewCursorPages) for "after" cursors: fetch gets the cursor and
//     returns the items and the next cursor. There is no cap on how far it goes.
//   - NewOffset (and NewOffsetPages) for numeric offsets: fetch gets offset and limit
//     and returns the items and the total. Requests stay inside the offset window
//     (WithMaxOffset, 10,000 by default).
//   - NewStringOffset for endpoints whose offset is an opaque string: fetch gets it
//     and returns the next one. It is a Cursor paginator.
//
// The …Pages constructors take a fetch that returns a whole Page, whose Meta carries
// whatever the service wants callers to see for each page, such as its response with
// headers and rate-limit figures.
//
// # Iterators
//
// All returns an iter.Seq2 over items and Pages one over pages:
//
//	for ind, err := range p.All(ctx) {
//		if err != nil {
//			return err // a *PageError; the loop ends after it
//		}
//		use(ind)
//	}
//
// They are lazy (no request before the first iteration) and restartable (each range
// starts again from the first page, or from the WithStartCursor/WithStartOffset
// start). They stop when the loop body breaks, after yielding one error, on an empty
// page, once the total is reached, when there is no next cursor, and when a cursor
// comes back that was already handed out (the loop guard; WithoutLoopGuard turns it
// off). A server that makes up a new cursor for the same page every time escapes the
// loop guard: WithSamePage stops such a walk with an error when a page repeats the one
// before it.
//
// # Prefetch and parallel fetches
//
// While the loop body works through page n, page n+1 is already being fetched, on a
// goroutine of the iterator's own, so a slow server and a slow consumer overlap
// rather than add up. WithPrefetch sets how many pages may be fetched ahead (1 by
// default, 0 for none). An offset paginator with WithParallelism(n) fetches up to n
// pages at once once the first page has told the total, and still yields items in
// order. Breaking out of the loop or cancelling ctx cancels the fetches in flight, and
// the range statement returns only once every goroutine it started has ended. The
// fetch function must therefore honour its context.
//
// A cursor fetch that learns the next cursor before its page has arrived in full (a
// response whose metadata comes before its items) can call AnnounceNext: the next
// page's request then leaves at once rather than after the page, so a long walk
// takes about one round trip per page and not a round trip plus the transfer. The
// cursor the fetch returns stays the one that counts: an early request for another
// cursor is cancelled. Still at most one page is fetched beyond the one the loop
// body waits for or works through.
//
// # Explicit paging and resuming
//
// HasMorePages and NextPage walk page by page on the caller's goroutine, never
// fetching ahead; LastPage returns the page (with Total and Meta) that NextPage
// returned last. Cursor and Offset return the position of the next page: a
// paginator built later with WithStartCursor or WithStartOffset at that position
// returns exactly the items that had not been returned yet. Explicit paging keeps
// its own position: All and Pages neither use nor change it.
//
// # Errors
//
// A page that cannot be fetched surfaces as a *PageError naming the cursor or offset
// of that page, so it doubles as a resume point; it wraps the fetch's error (or the
// context's), so errors.Is and errors.As see through it. ErrOffsetWindow, wrapped the
// same way, reports items beyond the offset window that offset paging cannot reach.
package pagination
