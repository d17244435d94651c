package ioc

import (
	"context"
	"errors"
	"iter"
	"net/url"
	"sync"

	"github.com/falconioc/falcon"
	"github.com/falconioc/falcon/fql"
	"github.com/falconioc/falcon/pagination"
)

// MaxParallel is the largest ListOptions.Parallel: how many partitions of
// one listing may be walked at once.
const MaxParallel = 16

// partFilter returns the filter text of partition i of st: the caller's
// filter ANDed with the partition's bounds.
func (q *listQuery) partFilter(st *walkState, i int) string {
	e := st.Parts[i].expr(st.Known)
	switch {
	case e == nil:
		return q.filter
	case q.rawFilter.Expr == nil:
		return e.String()
	}
	return fql.And(q.rawFilter.Expr, e).String()
}

// partFilters returns the filter text of every partition of st.
func (q *listQuery) partFilters(st *walkState) []string {
	out := make([]string, len(st.Parts))
	for i := range st.Parts {
		out[i] = q.partFilter(st, i)
	}
	return out
}

// sequentialState is the state of a sequential walk starting at cursor.
func sequentialState(q *listQuery, cursor string) *walkState {
	return &walkState{Query: q.fingerprint(), Parts: []partState{{Cursor: cursor}}}
}

// sequential reports whether st is one partition without bounds.
func (st *walkState) sequential() bool {
	return len(st.Parts) == 1 && len(st.Parts[0].Segs) == 0 && !st.Parts[0].Rest
}

// startState returns where a walk of q starts: the resume token's state,
// a plan of up to q.parallel partitions, or (for small listings, a
// sequential q, or a plan the API refuses with 403) one sequential
// partition.
func (s *IndicatorsService) startState(ctx context.Context, q *listQuery) (*walkState, error) {
	if q.resume != nil {
		return q.resume.clone(), nil
	}
	if q.parallel <= 1 {
		return sequentialState(q, q.after), nil
	}
	parts, known, err := s.plan(ctx, q, q.parallel)
	if errors.Is(err, falcon.ErrForbidden) {
		// Aggregate needs the ioc:write scope; a read-only client walks
		// sequentially.
		return sequentialState(q, ""), nil
	}
	if err != nil {
		return nil, err
	}
	if len(parts) <= 1 {
		return sequentialState(q, ""), nil
	}
	st := &walkState{Query: q.fingerprint(), Known: known}
	for _, p := range parts {
		st.Parts = append(st.Parts, partState{partition: p})
	}
	return st, nil
}

func (st *walkState) clone() *walkState {
	c := *st
	c.Known = append([]string(nil), st.Known...)
	c.Parts = append([]partState(nil), st.Parts...)
	return &c
}

// partMsg is what a partition walker hands the consumer: a page, the
// error that ended its partition, or the news that it is done.
type partMsg[T any] struct {
	part int
	page *pagination.Page[T]
	err  error
	done bool
}

// walkParts walks the unfinished partitions of st, conc at a time, each
// with its own cursor (pages(i, start, alone) ranges over partition i's
// pages from start; alone says that its walker is the only one, with no
// partition left to start, so that it may fetch a page ahead), and hands
// every page to use on the caller's goroutine, in
// no particular order across partitions. st records, per partition, the
// cursor of the first page use has not finished with, so that its token
// resumes exactly there. use returns false to stop the walk.
//
// Memory: each walker holds at most one page (its request's answer, then
// the page decoded from it) while waiting to hand it over, the hand-over
// channel holds one more and the caller one, so no more than conc+2 pages
// exist at once (a walker alone holds one more, its page ahead: 4 pages,
// within conc+2 unless conc is 1). Stopping (error, use returning false, ctx
// cancelled) cancels every walker and waits for it. A panic on a walker
// (the caller's transport's, say) cancels the others and, once they have
// all returned, is raised again on the caller's goroutine as a
// *PanicError naming where.
func walkParts[T any](ctx context.Context, where string, st *walkState, conc int,
	pages func(ctx context.Context, part int, start string, alone bool) iter.Seq2[*pagination.Page[T], error],
	use func(items []T) bool) error {
	parent := ctx
	ctx, cancelCause := context.WithCancelCause(ctx)
	cancel := func() { cancelCause(nil) }
	defer cancel()
	var panics workerPanics
	var todo []int
	starts := make([]string, len(st.Parts))
	for i, p := range st.Parts {
		if !p.Done {
			todo = append(todo, i)
			starts[i] = p.Cursor
		}
	}
	if len(todo) == 0 {
		return nil
	}
	// take hands a walker the next partition to walk (ok false when none
	// is left), after the one it walked (prev) if any, and says whether
	// the walker is now alone.
	var mu sync.Mutex
	running, taken := 0, 0
	take := func(prev bool) (i int, alone, ok bool) {
		mu.Lock()
		defer mu.Unlock()
		if prev {
			running--
		}
		if taken == len(todo) {
			return 0, false, false
		}
		i = todo[taken]
		taken++
		running++
		return i, running == 1 && taken == len(todo), true
	}
	conc = max(1, min(conc, len(todo)))
	msgs := make(chan partMsg[T], 1)
	var wg sync.WaitGroup
	for range conc {
		wg.Go(func() {
			defer func() { panics.keep(recover(), where, cancelCause) }()
			for prev := false; ; prev = true {
				i, alone, ok := take(prev)
				if !ok || ctx.Err() != nil {
					return
				}
				for pg, err := range pages(ctx, i, starts[i], alone) {
					select {
					case msgs <- partMsg[T]{part: i, page: pg, err: err}:
					case <-ctx.Done():
						return
					}
					if err != nil {
						return
					}
				}
				select {
				case msgs <- partMsg[T]{part: i, done: true}:
				case <-ctx.Done():
					return
				}
			}
		})
	}
	go func() {
		wg.Wait()
		close(msgs)
	}()
	// Every way out cancels the walkers and drains msgs, so that they
	// have returned when a walker's panic is raised.
	defer func() {
		cancel()
		for range msgs {
		}
		panics.raise()
	}()
	for m := range msgs {
		p := &st.Parts[m.part]
		switch {
		case parent.Err() != nil:
			// stop promptly, before the pages fetched ahead
			return parent.Err()
		case m.err != nil:
			return m.err
		case m.done:
			p.Done, p.Cursor = true, ""
			continue
		}
		if !use(m.page.Items) {
			return nil
		}
		if m.page.Next == "" || len(m.page.Items) == 0 {
			p.Done, p.Cursor = true, ""
		} else {
			p.Cursor = m.page.Next
		}
	}
	// The walkers have all returned: a partition is left unfinished only
	// when the caller's context ended (or a walker panicked, raised by the
	// deferred call).
	if st.done() {
		return nil
	}
	return parent.Err()
}

// prefetch is the prefetch of a partition's pages: none when several
// walkers run (they fetch at once already), the usual one page ahead for
// a walker alone.
func prefetch(alone bool) pagination.Option {
	if alone {
		return pagination.WithPrefetch(1)
	}
	return pagination.WithPrefetch(0)
}

// resumable wraps the error of a stopped walk with its token.
func resumable(st *walkState, err error) error {
	var ve *falcon.ValidationError
	if err == nil || errors.As(err, &ve) {
		return err
	}
	return &ResumeError{Token: st.token(), Err: err}
}

// walkAll is All or AllIDs (where names it) for a walk of several
// partitions (or any walk resumed from a token), over the pages that pages
// (IndicatorsService.indicatorPages or idPages) returns for a partition.
// Each partition's walker decodes its own pages, so decoding runs in
// parallel too and the caller's loop only hands items over.
func walkAll[T any](ctx context.Context, s *IndicatorsService, q *listQuery, where string,
	pages func(lim *pageLimit, q *listQuery, filter, start string, opts ...pagination.Option) *pagination.Cursor[T],
	yield func(T, error) bool) {
	var zero T
	st, err := s.startState(ctx, q)
	if err != nil {
		yield(zero, err)
		return
	}
	lim := newPageLimit(q.limit)
	filters := q.partFilters(st)
	part := func(ctx context.Context, i int, start string, alone bool) iter.Seq2[*pagination.Page[T], error] {
		return pages(lim, q, filters[i], start, prefetch(alone)).Pages(ctx)
	}
	use := func(items []T) bool {
		for _, it := range items {
			if !yield(it, nil) {
				return false
			}
		}
		return true
	}
	if err := walkParts(ctx, where, st, q.parallel, part, use); err != nil {
		yield(zero, resumable(st, err))
	}
}

// indicatorPages is rawPages decoding each page as it comes: a page that
// cannot be decoded is a failed page, resumed at its cursor.
func (s *IndicatorsService) indicatorPages(lim *pageLimit, q *listQuery, filter, start string, opts ...pagination.Option) *pagination.Cursor[*Indicator] {
	fq := *q
	fq.filter = filter
	if start != "" {
		opts = append(opts, pagination.WithStartCursor(start))
	}
	opts = append(opts, samePage(indicatorID))
	return pagination.NewCursorPages(func(ctx context.Context, after string) (pagination.Page[*Indicator], error) {
		// With prefetch, the next page's request leaves as soon as this
		// answer's meta has named its cursor.
		out := &announcedList{announce: func(next string) { pagination.AnnounceNext(ctx, next) }}
		resp, err := lim.fetch(ctx, s.client, pathCombined, out, func(n int) url.Values {
			return fq.values(n, after, nil)
		})
		if err != nil {
			return pagination.Page[*Indicator]{}, err
		}
		return pagination.Page[*Indicator]{Items: out.list, Next: resp.Meta.Pagination.After, Total: int(resp.Meta.Pagination.Total), Meta: resp}, nil
	}, opts...)
}
