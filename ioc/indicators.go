package ioc

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"sync"

	"github.com/falconioc/falcon"
	"github.com/falconioc/falcon/fql"
	"github.com/falconioc/falcon/pagination"
)

// The paths of the indicator operations.
const (
	pathCombined  = "/iocs/combined/indicator/v1"
	pathSearch    = "/iocs/queries/indicators/v1"
	pathEntities  = "/iocs/entities/indicators/v1"
	pathAggregate = "/iocs/aggregates/indicators/v1"
)

// ListOptions selects, sorts and pages the indicators of List, All,
// Paginator, Search and AllIDs. The zero value (or nil) lists every
// indicator in pages of DefaultLimit, paging with the "after" cursor.
// Like every option struct of this package, it is read when the method is
// called: changing it afterwards does not change an iterator or paginator
// already returned.
type ListOptions struct {
	// Filter selects the indicators; the zero Filter selects them all.
	Filter Filter
	// Sort orders the results by one of fql.IOCSortFields, such as
	// fql.Desc("modified_on"). The zero Sort leaves the API's order.
	Sort fql.Sort
	// Limit is the page size: 1 to MaxLimit, DefaultLimit when 0. All,
	// AllIDs and Paginator halve it, down to 1, while the server refuses
	// it (as GovCloud does with large pages) with a 400 about the limit,
	// in JSON or as an HTML page; List and Search send it as given.
	Limit int
	// FromParent, when set, keeps only the indicators inherited from an
	// MSSP parent (true) or only the account's own (false).
	FromParent *bool
	// After resumes a sequential cursor walk at a cursor saved from
	// Response.Meta.Pagination.After, IndicatorPaginator.Cursor or a
	// *pagination.PageError. In a parallel walk those cursors belong to
	// one partition, and resuming from one would leave out the other
	// partitions' indicators: resume a parallel walk with Resume only.
	After string
	// Offset, when set, pages by offset instead of by cursor, starting
	// there. Offset paging cannot reach past MaxOffset results; it exists
	// for callers that need page numbers.
	Offset *int
	// Parallel, above 1, makes All, AllIDs and Paginator split the listing
	// into up to Parallel partitions over type and created_on (fields that
	// never change), walked at once, each with its own cursor: every
	// indicator comes exactly once, in no particular order. It may not
	// exceed MaxParallel, and refuses Sort, After and Offset. 0 and 1 walk
	// sequentially. The split is planned with one aggregate call (two
	// for indicators created in bursts); small listings (under two pages)
	// and clients the aggregate call refuses (it needs the ioc:write
	// scope) walk sequentially. See the package doc, "Parallel
	// iteration". List and Search ignore it.
	Parallel int
	// Resume restarts a walk of All, AllIDs or Paginator exactly where it
	// stopped, from the token of a *ResumeError or of
	// IndicatorPaginator.ResumeToken: sequential or parallel, only what was
	// not yielded yet comes. Filter, Sort and FromParent must be those of
	// the walk that stopped (Limit may differ); Parallel sets how many of
	// its partitions are walked at once. It refuses After and Offset, and
	// List and Search refuse it. A token that is damaged or belongs to
	// another listing is a *falcon.ValidationError.
	Resume string
}

// listQuery is a validated ListOptions.
type listQuery struct {
	rawFilter  Filter
	filter     string
	sort       string
	limit      int
	fromParent *bool
	after      string
	offset     *int
	parallel   int
	resume     *walkState
}

// compileList validates opts (nil is the zero value) for a walk (All,
// AllIDs, Paginator) or, when !walk, for one page (List, Search).
func compileList(opts *ListOptions, walk bool) (*listQuery, error) {
	var o ListOptions
	if opts != nil {
		o = *opts
	}
	c := &checker{}
	q := &listQuery{rawFilter: o.Filter, limit: o.Limit, fromParent: copyBool(o.FromParent), after: o.After}
	if o.Offset != nil {
		off := *o.Offset
		q.offset = &off
	}
	q.filter, _ = c.checkFilter("filter", o.Filter)
	q.sort = c.checkSort(o.Sort)
	if q.limit == 0 {
		q.limit = DefaultLimit
	}
	c.checkRange("limit", q.limit, 1, MaxLimit)
	if o.Offset != nil {
		if o.After != "" {
			c.add(-1, "offset", strconv.Itoa(*o.Offset), "set After or Offset, not both")
		}
		if *o.Offset < 0 || *o.Offset >= MaxOffset {
			c.add(-1, "offset", strconv.Itoa(*o.Offset), "offset must be in [0, 10000): page with the after cursor to go further")
		}
	}
	if walk {
		q.parallel = o.Parallel
		c.checkParallel(&o, q)
	} else if o.Resume != "" {
		c.add(-1, "resume", "", "List and Search fetch one page: resume a walk with All, AllIDs or Paginator, or give After")
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	return q, nil
}

// checkParallel checks Parallel and Resume and reads the resume token.
func (c *checker) checkParallel(o *ListOptions, q *listQuery) {
	if o.Parallel < 0 || o.Parallel > MaxParallel {
		c.add(-1, "parallel", strconv.Itoa(o.Parallel), "parallel must be in [0, "+strconv.Itoa(MaxParallel)+"]")
	}
	if o.Parallel > 1 {
		switch {
		case q.sort != "":
			c.add(-1, "parallel", strconv.Itoa(o.Parallel), "a parallel walk comes in no particular order: drop Sort, or set Parallel to 0 for a sorted walk")
		case o.Offset != nil:
			c.add(-1, "parallel", strconv.Itoa(o.Parallel), "a parallel walk pages by cursor: drop Offset")
		case o.After != "":
			c.add(-1, "parallel", strconv.Itoa(o.Parallel), "a parallel walk resumes with Resume, not After")
		}
	}
	if o.Resume == "" {
		return
	}
	if o.After != "" || o.Offset != nil {
		c.add(-1, "resume", "", "set Resume, After or Offset, not several")
		return
	}
	q.resume = decodeToken(c, o.Resume, q.fingerprint())
}

// values returns the query of one page.
func (q *listQuery) values(limit int, after string, offset *int) url.Values {
	v := url.Values{}
	if q.filter != "" {
		v.Set("filter", q.filter)
	}
	if q.sort != "" {
		v.Set("sort", q.sort)
	}
	if q.fromParent != nil {
		v.Set("from_parent", strconv.FormatBool(*q.fromParent))
	}
	v.Set("limit", strconv.Itoa(limit))
	switch {
	case offset != nil:
		v.Set("offset", strconv.Itoa(*offset))
	case after != "":
		v.Set("after", after)
	}
	return v
}

// onePage returns the query of List and Search: the page opts point at.
func (q *listQuery) onePage() url.Values {
	limit := q.limit
	if q.offset != nil && *q.offset+limit > MaxOffset {
		limit = MaxOffset - *q.offset
	}
	return q.values(limit, q.after, q.offset)
}

// List returns one page of indicators with all their fields, the one opts
// selects (the first, unless opts.After or opts.Offset says otherwise).
// The Response's Meta.Pagination holds the total and the After cursor of
// the next page. To walk every page, use All or Paginator.
//
// Falcon API: GET /iocs/combined/indicator/v1
func (s *IndicatorsService) List(ctx context.Context, opts *ListOptions) ([]*Indicator, *falcon.Response, error) {
	q, err := compileList(opts, false)
	if err != nil {
		return nil, nil, err
	}
	var out indicatorList
	resp, err := s.client.Do(ctx, &falcon.Request{Method: http.MethodGet, Path: pathCombined, Query: q.onePage()}, &out)
	if err != nil {
		return nil, resp, err
	}
	return []*Indicator(out), resp, nil
}

// Search returns one page of indicator ids, the one opts selects. The
// Response's Meta.Pagination holds the total and the After cursor of the
// next page. To walk every page, use AllIDs.
//
// Falcon API: GET /iocs/queries/indicators/v1
func (s *IndicatorsService) Search(ctx context.Context, opts *ListOptions) ([]string, *falcon.Response, error) {
	q, err := compileList(opts, false)
	if err != nil {
		return nil, nil, err
	}
	var out idList[string]
	resp, err := s.client.Do(ctx, &falcon.Request{Method: http.MethodGet, Path: pathSearch, Query: q.onePage()}, &out)
	if err != nil {
		return nil, resp, err
	}
	return out, resp, nil
}

// All returns an iterator over every indicator opts selects, in pages of
// opts.Limit, following the "after" cursor (or offsets, with opts.Offset).
// It is lazy (nothing is sent before the loop starts) and restartable
// (each range starts again at opts' position). While the loop works
// through one page, the next is fetched, and a page is decoded only when
// the loop reaches it, so the time of a long listing is set by the server.
// The next page's request leaves as soon as an answer's meta (which the
// API sends before the indicators) names its cursor, not after the whole
// page has arrived: a listing takes about one round trip per page.
// Memory stays bounded by a few pages, however many indicators there are.
// With opts.Parallel above 1, partitions of the listing are walked at
// once and the indicators come in no particular order (see the package
// doc, "Parallel iteration"); memory then stays bounded by
// opts.Parallel + 2 pages.
//
// On failure it yields one error and stops: a *ResumeError whose Token
// resumes the walk exactly there (opts.Resume). errors.As finds inside it
// a *pagination.PageError (wrapping the API's error) when a page request
// failed, a *falcon.DecodeError when a page could not be decoded, and
// errors.Is the context's error when ctx ended. In offset mode the error
// is the *pagination.PageError, whose Offset
// resumes with opts.Offset. Invalid opts yield a *falcon.ValidationError.
//
// Falcon API: GET /iocs/combined/indicator/v1 (and POST
// /iocs/aggregates/indicators/v1 to plan a parallel walk)
func (s *IndicatorsService) All(ctx context.Context, opts *ListOptions) iter.Seq2[*Indicator, error] {
	return s.Paginator(opts).All(ctx)
}

// partsMode reports whether q walks partitions (a parallel walk, or a
// resumed one that is not a plain sequential walk).
func (q *listQuery) partsMode() bool {
	if q.offset != nil {
		return false
	}
	return q.parallel > 1 || (q.resume != nil && !(q.resume.sequential() && !q.resume.Parts[0].Done))
}

// start is the cursor a sequential walk of q starts at.
func (q *listQuery) start() string {
	if q.resume != nil {
		return q.resume.Parts[0].Cursor
	}
	return q.after
}

// rawPages returns a cursor paginator over the raw indicator pages q
// selects, from cursor start.
func (s *IndicatorsService) rawPages(lim *pageLimit, q *listQuery, start string, opts ...pagination.Option) *pagination.Cursor[*rawPage] {
	if start != "" {
		opts = append(opts, pagination.WithStartCursor(start))
	}
	opts = append(opts, pagination.WithSamePage(rawKey, ErrCursorIgnored))
	return pagination.NewCursorPages(func(ctx context.Context, after string) (pagination.Page[*rawPage], error) {
		// The next page's request leaves as soon as this answer's meta
		// has named its cursor.
		raw := &rawPage{announce: func(next string) { pagination.AnnounceNext(ctx, next) }}
		resp, err := lim.fetch(ctx, s.client, pathCombined, raw, func(n int) url.Values {
			return q.values(n, after, nil)
		})
		if err != nil {
			raw.release()
			return pagination.Page[*rawPage]{}, err
		}
		pg := pagination.Page[*rawPage]{Next: resp.Meta.Pagination.After, Total: int(resp.Meta.Pagination.Total), Meta: resp}
		raw.from(pathCombined, resp)
		if raw.raw.Bytes != nil && !raw.empty {
			pg.Items = []*rawPage{raw}
		} else {
			raw.release()
		}
		return pg, nil
	}, opts...)
}

// idPages is rawPages for indicator ids.
func (s *IndicatorsService) idPages(lim *pageLimit, q *listQuery, filter, start string, opts ...pagination.Option) *pagination.Cursor[string] {
	fq := *q
	fq.filter = filter
	if start != "" {
		opts = append(opts, pagination.WithStartCursor(start))
	}
	opts = append(opts, samePage(sameString))
	return pagination.NewCursorPages(func(ctx context.Context, after string) (pagination.Page[string], error) {
		out := &idPage{announce: func(next string) { pagination.AnnounceNext(ctx, next) }}
		resp, err := lim.fetch(ctx, s.client, pathSearch, out, func(n int) url.Values {
			return fq.values(n, after, nil)
		})
		if err != nil {
			return pagination.Page[string]{}, err
		}
		return pagination.Page[string]{Items: out.ids, Next: resp.Meta.Pagination.After, Total: int(resp.Meta.Pagination.Total), Meta: resp}, nil
	}, opts...)
}

// Paginator returns a paginator over the indicators opts selects, for
// explicit paging (HasMorePages, NextPage, Cursor, ResumeToken) or
// iteration (All). Invalid opts make its first NextPage, or its All,
// return a *falcon.ValidationError. With opts.Parallel above 1, All walks
// partitions at once, while NextPage plans the partitions on its first
// call and then pages through them one after another.
//
// Falcon API: GET /iocs/combined/indicator/v1
func (s *IndicatorsService) Paginator(opts *ListOptions) *IndicatorPaginator {
	q, err := compileList(opts, true)
	if err != nil {
		return &IndicatorPaginator{err: err}
	}
	p := &IndicatorPaginator{s: s, q: q, lim: newPageLimit(q.limit)}
	lim := p.lim
	switch {
	case q.offset != nil:
		// Each walk (NextPage's, and each range of All) has its own
		// paginator, so that the repeated-page guard sees its own pages.
		p.newOff = func() *pagination.Offset[*Indicator] {
			var seen repeatGuard
			return pagination.NewOffsetPages(q.limit, func(ctx context.Context, offset, limit int) (pagination.Page[*Indicator], error) {
				var out indicatorList
				resp, err := lim.fetch(ctx, s.client, pathCombined, &out, func(n int) url.Values {
					return q.values(min(n, limit), "", &offset)
				})
				if err != nil {
					return pagination.Page[*Indicator]{}, err
				}
				if seen.repeats(len(out), func(i int) string { return out[i].ID }) {
					return pagination.Page[*Indicator]{}, ErrOffsetIgnored
				}
				return pagination.Page[*Indicator]{Items: out, Total: int(resp.Meta.Pagination.Total), Meta: resp}, nil
			}, pagination.WithStartOffset(*q.offset), pagination.WithMaxOffset(MaxOffset))
		}
		p.off = p.newOff()
	case !q.partsMode():
		p.cur = s.indicatorPages(lim, q, q.filter, q.start())
	}
	return p
}

// IndicatorPaginator pages through indicators; IndicatorsService.Paginator
// makes one. Explicit paging (HasMorePages, NextPage, Cursor, Offset,
// ResumeToken) keeps one position and is not safe for concurrent use; All
// neither uses nor changes that position, and several ranges over it may
// run at once.
type IndicatorPaginator struct {
	err    error
	s      *IndicatorsService
	q      *listQuery
	lim    *pageLimit
	cur    *pagination.Cursor[*Indicator]        // NextPage's walk of a sequential paginator
	off    *pagination.Offset[*Indicator]        // NextPage's walk in offset mode
	newOff func() *pagination.Offset[*Indicator] // a new walk in offset mode

	// explicit paging of a parallel walk: the plan (nil before the first
	// page) and one paginator per partition, made when reached
	st    *walkState
	walks []*pagination.Cursor[*Indicator]
}

// HasMorePages reports whether NextPage may return another page. It is
// true before the first page.
func (p *IndicatorPaginator) HasMorePages() bool {
	switch {
	case p.err != nil:
		return true
	case p.off != nil:
		return p.off.HasMorePages()
	case p.cur != nil:
		return p.cur.HasMorePages()
	}
	return p.st == nil || !p.st.done()
}

// NextPage fetches the next page and the Response it came in. On failure
// (a page that cannot be fetched or decoded) it returns a
// *pagination.PageError and stays put, so calling it again, or resuming
// from Cursor or ResumeToken, retries the same page; after the last page
// it returns pagination.ErrNoMorePages.
//
// Falcon API: GET /iocs/combined/indicator/v1
func (p *IndicatorPaginator) NextPage(ctx context.Context) ([]*Indicator, *falcon.Response, error) {
	if p.err != nil {
		return nil, nil, p.err
	}
	if p.off != nil {
		items, err := p.off.NextPage(ctx)
		return items, pageResponse(p.off.LastPage(), err), err
	}
	cur := p.cur
	if cur == nil {
		var err error
		if cur, err = p.partWalk(ctx); cur == nil {
			return nil, nil, err
		}
	}
	// Explicit paging decodes each page as it is fetched: a page that
	// cannot be decoded is a failed page, and the position stays there.
	items, err := cur.NextPage(ctx)
	if err != nil {
		return nil, nil, err
	}
	if p.cur == nil {
		p.record(cur)
	}
	return items, pageResponse(cur.LastPage(), nil), nil
}

// partWalk returns the paginator of the first unfinished partition of a
// parallel paginator, planning the partitions on the first call. It
// returns nil and pagination.ErrNoMorePages when every partition is done.
func (p *IndicatorPaginator) partWalk(ctx context.Context) (*pagination.Cursor[*Indicator], error) {
	if p.st == nil {
		st, err := p.s.startState(ctx, p.q)
		if err != nil {
			return nil, err
		}
		p.st, p.walks = st, make([]*pagination.Cursor[*Indicator], len(st.Parts))
	}
	for i, part := range p.st.Parts {
		if part.Done {
			continue
		}
		if p.walks[i] == nil {
			p.walks[i] = p.s.indicatorPages(p.lim, p.q, p.q.partFilter(p.st, i), part.Cursor)
		}
		return p.walks[i], nil
	}
	return nil, pagination.ErrNoMorePages
}

// record notes where the partition walked by cur stands.
func (p *IndicatorPaginator) record(cur *pagination.Cursor[*Indicator]) {
	for i, w := range p.walks {
		if w == cur {
			part := &p.st.Parts[i]
			part.Done = !cur.HasMorePages()
			part.Cursor = ""
			if !part.Done {
				part.Cursor = cur.Cursor()
			}
		}
	}
}

func pageResponse[T any](pg *pagination.Page[T], err error) *falcon.Response {
	if err != nil || pg == nil {
		return nil
	}
	r, _ := pg.Meta.(*falcon.Response)
	return r
}

// Cursor returns the "after" cursor of the page NextPage fetches next
// ("" for the first page, in offset mode and for a parallel paginator).
// Save it to resume later with ListOptions.After; ResumeToken works in
// every mode but offset.
func (p *IndicatorPaginator) Cursor() string {
	if p.cur == nil {
		return ""
	}
	return p.cur.Cursor()
}

// ResumeToken returns a token of the position of NextPage, to resume
// later with ListOptions.Resume (by a paginator or an iterator, with the
// same Filter, Sort and FromParent). It is "" after the last page, in
// offset mode (see Offset), and for a parallel paginator before its first
// page (nothing is planned yet: start again with the same options).
func (p *IndicatorPaginator) ResumeToken() string {
	switch {
	case p.err != nil || p.off != nil:
		return ""
	case p.cur != nil:
		if !p.cur.HasMorePages() {
			return ""
		}
		return sequentialState(p.q, p.cur.Cursor()).token()
	case p.st == nil:
		if p.q.resume != nil {
			return p.q.resume.token()
		}
		return ""
	}
	return p.st.token()
}

// Offset returns the offset of the page NextPage fetches next in offset
// mode (0 in cursor mode). Save it to resume later with ListOptions.Offset.
func (p *IndicatorPaginator) Offset() int {
	if p.off == nil {
		return 0
	}
	return p.off.Offset()
}

// All returns an iterator over the indicators of every page, from the
// paginator's configured start; see IndicatorsService.All.
//
// Falcon API: GET /iocs/combined/indicator/v1
func (p *IndicatorPaginator) All(ctx context.Context) iter.Seq2[*Indicator, error] {
	return func(yield func(*Indicator, error) bool) {
		switch {
		case p.err != nil:
			yield(nil, p.err)
			return
		case p.off != nil:
			for ind, err := range p.newOff().All(ctx) {
				if !yield(ind, err) || err != nil {
					return
				}
			}
			return
		case p.cur == nil:
			walkAll(ctx, p.s, p.q, "IndicatorsService.All", p.s.indicatorPages, yield)
			return
		}
		// Each range walks on its own, decoding a page only when the
		// loop reaches it.
		for pg, err := range p.s.rawPages(p.lim, p.q, p.q.start()).Pages(ctx) {
			if err != nil {
				yield(nil, resumable(sequentialState(p.q, cursorOf(err)), err))
				return
			}
			for j, raw := range pg.Items {
				items, err := raw.decode()
				if err != nil {
					releaseRaws(pg.Items[j+1:])
					yield(nil, resumable(sequentialState(p.q, pg.Cursor), err))
					return
				}
				for _, ind := range items {
					if !yield(ind, nil) {
						releaseRaws(pg.Items[j+1:])
						return
					}
				}
			}
		}
	}
}

func releaseRaws(raws []*rawPage) {
	for _, r := range raws {
		r.release()
	}
}

// cursorOf returns the cursor of a *pagination.PageError in err.
func cursorOf(err error) string {
	var pe *pagination.PageError
	if errors.As(err, &pe) {
		return pe.Cursor
	}
	return ""
}

// AllIDs returns an iterator over the ids of every indicator opts selects,
// with the behaviour of All (opts.Parallel, opts.Resume and the errors
// yielded included): opts
// is read when AllIDs is called, and each range starts again from opts'
// position.
//
// Falcon API: GET /iocs/queries/indicators/v1 (and POST
// /iocs/aggregates/indicators/v1 to plan a parallel walk)
func (s *IndicatorsService) AllIDs(ctx context.Context, opts *ListOptions) iter.Seq2[string, error] {
	q, err := compileList(opts, true)
	if err != nil {
		return seqOfErr[string](err)
	}
	return func(yield func(string, error) bool) {
		lim := newPageLimit(q.limit)
		switch {
		case q.offset != nil:
			var seen repeatGuard
			seq := pagination.NewOffsetPages(q.limit, func(ctx context.Context, offset, limit int) (pagination.Page[string], error) {
				var out idList[string]
				resp, err := lim.fetch(ctx, s.client, pathSearch, &out, func(n int) url.Values {
					return q.values(min(n, limit), "", &offset)
				})
				if err != nil {
					return pagination.Page[string]{}, err
				}
				if seen.repeats(len(out), func(i int) string { return out[i] }) {
					return pagination.Page[string]{}, ErrOffsetIgnored
				}
				return pagination.Page[string]{Items: out, Total: int(resp.Meta.Pagination.Total), Meta: resp}, nil
			}, pagination.WithStartOffset(*q.offset), pagination.WithMaxOffset(MaxOffset)).All(ctx)
			for id, err := range seq {
				if !yield(id, err) || err != nil {
					return
				}
			}
			return
		case q.partsMode():
			walkAll(ctx, s, q, "IndicatorsService.AllIDs", s.idPages, yield)
			return
		}
		for pg, err := range s.idPages(lim, q, q.filter, q.start()).Pages(ctx) {
			if err != nil {
				yield("", resumable(sequentialState(q, cursorOf(err)), err))
				return
			}
			for _, id := range pg.Items {
				if !yield(id, nil) {
					return
				}
			}
		}
	}
}

// Get returns the indicators with the given ids (64 hexadecimal
// characters, any case; repeated ids count once), in the order asked,
// following the rule of every look-up by id (see GetResult): ids the API
// does not know are listed in Missing. Long lists are split across
// requests by URL length and fetched concurrently. The Response is that of
// the last request.
//
// Falcon API: GET /iocs/entities/indicators/v1
func (s *IndicatorsService) Get(ctx context.Context, ids ...string) (*GetResult[*Indicator], *falcon.Response, error) {
	var c checker
	uniq := c.checkIDs("ids", ids)
	if err := c.err(); err != nil {
		return nil, nil, err
	}
	return getByIDs(ctx, "IndicatorsService.Get", uniq, s.getChunk, indicatorID)
}

func indicatorID(ind *Indicator) string {
	if ind == nil {
		return ""
	}
	return ind.ID
}

// getChunk fetches the indicators of ids, few enough for one request.
func (s *IndicatorsService) getChunk(ctx context.Context, ids []string) ([]*Indicator, *falcon.Response, error) {
	var out indicatorList
	resp, err := s.client.Do(ctx, &falcon.Request{Method: http.MethodGet, Path: pathEntities, Query: url.Values{"ids": ids}}, &out)
	return out, resp, err
}

// forEach runs fn(ctx, i) for i in [0, n) with at most limit calls at a
// time. The first error cancels the context of the others and is
// returned; calls not started by then are skipped. A panic in fn cancels
// the others too and, once they have all returned, is raised again as a
// *PanicError naming where, the method forEach works for; with n == 1, fn
// runs on the caller's goroutine and its panic is raised as the same
// *PanicError.
func forEach(ctx context.Context, where string, n, limit int, fn func(ctx context.Context, i int) error) error {
	if n == 1 {
		defer repanic(where)
		return fn(ctx, 0)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	var panics workerPanics
	started := 0
	for i := range n {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		started++
		wg.Go(func() {
			defer func() { <-sem }()
			defer func() { panics.keep(recover(), where, cancel) }()
			if err := fn(ctx, i); err != nil {
				once.Do(func() { first = err; cancel(err) })
			}
		})
	}
	wg.Wait()
	panics.raise()
	if first != nil {
		return first
	}
	if started < n {
		return context.Cause(ctx)
	}
	return nil
}
