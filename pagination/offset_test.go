package pagination_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/falconioc/falcon/pagination"
)

func TestOffset_All_SeveralPages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		n, pageCap  int
		hideTotal   bool
		limit       int
		wantOffsets []int
	}{
		{name: "total known", n: 23, limit: 5, wantOffsets: []int{0, 5, 10, 15, 20}},
		{name: "total known, exact pages", n: 20, limit: 5, wantOffsets: []int{0, 5, 10, 15}},
		{name: "empty", n: 0, limit: 5, wantOffsets: []int{0}},
		{name: "total unknown", n: 23, hideTotal: true, limit: 5, wantOffsets: []int{0, 5, 10, 15, 20}},
		// With no total, only an empty page tells the end of full pages.
		{name: "total unknown, exact pages", n: 20, hideTotal: true, limit: 5, wantOffsets: []int{0, 5, 10, 15, 20}},
		// The server caps pages at 3: paging goes by the items returned.
		{name: "server caps the page size", n: 11, pageCap: 3, limit: 5, wantOffsets: []int{0, 3, 6, 9}},
	}
	for _, tt := range tests {
		for _, prefetch := range []int{0, 1, 3} {
			for _, par := range []int{1, 4} {
				t.Run(fmt.Sprintf("%s/prefetch=%d/parallel=%d", tt.name, prefetch, par), func(t *testing.T) {
					t.Parallel()
					srv := &offsetServer{t: t, n: tt.n, pageCap: tt.pageCap, hideTotal: tt.hideTotal}
					p := pagination.NewOffset(tt.limit, srv.fetch,
						pagination.WithPrefetch(prefetch), pagination.WithParallelism(par))
					got, errs := collect(p.All(t.Context()))
					if len(errs) != 0 {
						t.Fatalf("errors: %v", errs)
					}
					if !slices.Equal(got, seq(srv.n)) {
						t.Errorf("items = %v, want %v", got, seq(srv.n))
					}
					got = offsets(srv.called())
					slices.Sort(got) // parallel fetches start in any order
					if !slices.Equal(got, tt.wantOffsets) {
						t.Errorf("offsets asked = %v, want %v", got, tt.wantOffsets)
					}
				})
			}
		}
	}
}

func TestOffset_All_ParallelYieldsInOrder(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		const n, limit, par = 200, 10, 4
		var mu sync.Mutex
		inFlight, maxInFlight := 0, 0
		srv := &offsetServer{t: t, n: n}
		srv.hook = func(_ context.Context, offset int) error {
			mu.Lock()
			inFlight++
			maxInFlight = max(maxInFlight, inFlight)
			mu.Unlock()
			// Later pages of each batch answer first.
			time.Sleep(time.Duration(10-offset/limit%4) * time.Millisecond)
			mu.Lock()
			inFlight--
			mu.Unlock()
			return nil
		}
		p := pagination.NewOffset(limit, srv.fetch, pagination.WithParallelism(par))
		var got []int
		var pageOffsets []int
		for pg, err := range p.Pages(t.Context()) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, pg.Items...)
			pageOffsets = append(pageOffsets, pg.Offset)
		}
		if !slices.Equal(got, seq(n)) {
			t.Errorf("items out of order or missing: %v", got)
		}
		for i, o := range pageOffsets {
			if o != i*limit {
				t.Fatalf("page %d has offset %d", i, o)
			}
		}
		if maxInFlight != par {
			t.Errorf("at most %d fetches at once, want %d", maxInFlight, par)
		}
		if calls := srv.called(); len(calls) != n/limit {
			t.Errorf("%d requests, want %d", len(calls), n/limit)
		}
	})
}

func TestOffset_All_ParallelEarlyBreak(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := &offsetServer{t: t, n: 1000}
		p := pagination.NewOffset(10, srv.fetch, pagination.WithParallelism(3))
		for v, err := range p.All(t.Context()) {
			if err != nil {
				t.Fatal(err)
			}
			if v == 25 {
				synctest.Wait()
				break
			}
		}
		// Pages 0-2 reached, at most max(prefetch, parallelism) = 3 pages beyond.
		if n := len(srv.called()); n != 6 {
			t.Errorf("%d requests, want 6", n)
		}
	})
}

func TestOffset_All_MidStreamError(t *testing.T) {
	t.Parallel()
	for _, prefetch := range []int{0, 1} {
		for _, par := range []int{1, 3} {
			t.Run(fmt.Sprintf("prefetch=%d/parallel=%d", prefetch, par), func(t *testing.T) {
				t.Parallel()
				srv := &offsetServer{t: t, n: 57}
				srv.failOnce(30, errBoom)
				opts := []pagination.Option{pagination.WithPrefetch(prefetch), pagination.WithParallelism(par)}
				var got []int
				var errs []error
				for v, err := range pagination.NewOffset(10, srv.fetch, opts...).All(t.Context()) {
					if err != nil {
						errs = append(errs, err)
						continue
					}
					got = append(got, v)
				}
				if len(errs) != 1 || !errors.Is(errs[0], errBoom) {
					t.Fatalf("errors = %v, want exactly one wrapping errBoom", errs)
				}
				if !slices.Equal(got, seq(30)) {
					t.Errorf("items = %v", got)
				}
				pe := mustPageError(t, errs[0])
				if pe.Offset != 30 || pe.Cursor != "" {
					t.Errorf("PageError offset %d cursor %q", pe.Offset, pe.Cursor)
				}
				if got, want := errs[0].Error(), "pagination: page at offset 30: boom"; got != want {
					t.Errorf("message %q, want %q", got, want)
				}
				rest, errs := collect(pagination.NewOffset(10, srv.fetch, append(opts, pagination.WithStartOffset(pe.Offset))...).All(t.Context()))
				if len(errs) != 0 || !slices.Equal(rest, seq(57)[30:]) {
					t.Errorf("resumed: items %v errors %v", rest, errs)
				}
			})
		}
	}
}

func TestOffset_All_RangeTwice(t *testing.T) {
	t.Parallel()
	srv := &offsetServer{t: t, n: 35}
	p := pagination.NewOffset(10, srv.fetch, pagination.WithStartOffset(5), pagination.WithParallelism(2))
	first, _ := collect(p.All(t.Context()))
	second, _ := collect(p.All(t.Context()))
	if want := seq(35)[5:]; !slices.Equal(first, want) || !slices.Equal(second, want) {
		t.Errorf("first %v second %v", first, second)
	}
	calls := offsets(srv.called())
	slices.Sort(calls[1:3]) // parallel fetches start in any order
	slices.Sort(calls[4:])
	if want := []int{5, 15, 25, 5, 15, 25}; !slices.Equal(calls, want) {
		t.Errorf("offsets = %v, want %v", calls, want)
	}
}

func TestOffset_NextPage_Resume(t *testing.T) {
	t.Parallel()
	srv := &offsetServer{t: t, n: 42}
	p := pagination.NewOffset(10, srv.fetch)
	if !p.HasMorePages() || p.Offset() != 0 || p.LastPage() != nil {
		t.Fatal("fresh paginator state")
	}
	var seen []int
	for range 2 {
		page, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, page...)
	}
	if p.Offset() != 20 || p.LastPage().Total != 42 || p.LastPage().Offset != 10 {
		t.Fatalf("offset %d last page %+v", p.Offset(), p.LastPage())
	}
	rest, errs := collect(pagination.NewOffset(10, srv.fetch, pagination.WithStartOffset(p.Offset())).All(t.Context()))
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	if all := append(seen, rest...); !slices.Equal(all, seq(42)) {
		t.Errorf("seen + resumed = %v", all)
	}

	for p.HasMorePages() {
		if _, err := p.NextPage(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if p.Offset() != 42 {
		t.Errorf("final offset %d", p.Offset())
	}
	if _, err := p.NextPage(t.Context()); !errors.Is(err, pagination.ErrNoMorePages) {
		t.Errorf("after the end: %v", err)
	}
}

func TestOffset_NextPage_ErrorStaysPut(t *testing.T) {
	t.Parallel()
	srv := &offsetServer{t: t, n: 42}
	srv.failOnce(10, errBoom)
	p := pagination.NewOffset(10, srv.fetch)
	if _, err := p.NextPage(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := p.NextPage(t.Context()); !errors.Is(err, errBoom) || mustPageError(t, err).Offset != 10 {
		t.Fatalf("err = %v", err)
	}
	if p.Offset() != 10 || !p.HasMorePages() {
		t.Fatalf("after error: offset %d more %v", p.Offset(), p.HasMorePages())
	}
	page, err := p.NextPage(t.Context())
	if err != nil || !slices.Equal(page, seq(42)[10:20]) {
		t.Fatalf("retry = %v, %v", page, err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := p.NextPage(ctx); !errors.Is(err, context.Canceled) || mustPageError(t, err).Offset != 20 {
		t.Fatalf("cancelled: %v", err)
	}
}

func TestOffset_Window(t *testing.T) {
	t.Parallel()
	const window = pagination.DefaultMaxOffset
	wantCalls := []call{{0, 3000}, {3000, 3000}, {6000, 3000}, {9000, 1000}}
	for _, hide := range []bool{false, true} {
		for _, par := range []int{1, 3} {
			t.Run(fmt.Sprintf("hideTotal=%v/parallel=%d", hide, par), func(t *testing.T) {
				t.Parallel()
				srv := &offsetServer{t: t, n: 25000, hideTotal: hide, window: window}
				p := pagination.NewOffset(3000, srv.fetch, pagination.WithParallelism(par))
				got, errs := collect(p.All(t.Context()))
				if len(got) != window || got[window-1] != window-1 {
					t.Errorf("%d items, want the %d inside the window", len(got), window)
				}
				if len(errs) != 1 || !errors.Is(errs[0], pagination.ErrOffsetWindow) {
					t.Fatalf("errors = %v, want one ErrOffsetWindow", errs)
				}
				if pe := mustPageError(t, errs[0]); pe.Offset != window {
					t.Errorf("window error at offset %d", pe.Offset)
				}
				calls := srv.called()
				slices.SortFunc(calls, func(a, b call) int { return a.offset - b.offset })
				if !slices.Equal(calls, wantCalls) {
					t.Errorf("calls = %v, want %v", calls, wantCalls)
				}
			})
		}
	}

	t.Run("explicit paging", func(t *testing.T) {
		t.Parallel()
		srv := &offsetServer{t: t, n: 25000, window: window}
		p := pagination.NewOffset(3000, srv.fetch)
		total := 0
		var err error
		for p.HasMorePages() {
			var page []int
			if page, err = p.NextPage(t.Context()); err != nil {
				break
			}
			total += len(page)
		}
		if total != window || !errors.Is(err, pagination.ErrOffsetWindow) || p.HasMorePages() {
			t.Errorf("%d items, err %v, more %v", total, err, p.HasMorePages())
		}
	})

	t.Run("total inside the window", func(t *testing.T) {
		t.Parallel()
		srv := &offsetServer{t: t, n: window, window: window}
		got, errs := collect(pagination.NewOffset(3000, srv.fetch, pagination.WithParallelism(2)).All(t.Context()))
		if len(errs) != 0 || len(got) != window {
			t.Errorf("%d items, errors %v", len(got), errs)
		}
	})

	t.Run("custom window", func(t *testing.T) {
		t.Parallel()
		srv := &offsetServer{t: t, n: 100, window: 50}
		p := pagination.NewOffset(20, srv.fetch, pagination.WithMaxOffset(50))
		got, errs := collect(p.All(t.Context()))
		if len(got) != 50 || len(errs) != 1 || !errors.Is(errs[0], pagination.ErrOffsetWindow) {
			t.Errorf("%d items, errors %v", len(got), errs)
		}
		if calls, want := srv.called(), []call{{0, 20}, {20, 20}, {40, 10}}; !slices.Equal(calls, want) {
			t.Errorf("calls = %v, want %v", calls, want)
		}
	})

	t.Run("window removed", func(t *testing.T) {
		t.Parallel()
		srv := &offsetServer{t: t, n: 25000}
		p := pagination.NewOffset(3000, srv.fetch, pagination.WithMaxOffset(0), pagination.WithParallelism(4))
		got, errs := collect(p.All(t.Context()))
		if len(errs) != 0 || !slices.Equal(got, seq(25000)) {
			t.Errorf("%d items, errors %v", len(got), errs)
		}
	})
}

func TestOffset_All_CancelDuringFetch(t *testing.T) {
	t.Parallel()
	for _, par := range []int{1, 4} {
		t.Run(fmt.Sprintf("parallel=%d", par), func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				srv := &offsetServer{t: t, n: 100}
				srv.hook = func(ctx context.Context, offset int) error {
					if offset < 20 {
						return nil
					}
					select { // a slow request, given up when ctx ends
					case <-time.After(time.Hour):
						return nil
					case <-ctx.Done():
						return ctx.Err()
					}
				}
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				var got []int
				var errs []error
				for v, err := range pagination.NewOffset(10, srv.fetch, pagination.WithParallelism(par)).All(ctx) {
					if err != nil {
						errs = append(errs, err)
						continue
					}
					got = append(got, v)
					if v == 19 {
						time.AfterFunc(time.Second, cancel)
					}
				}
				if len(errs) != 1 || !errors.Is(errs[0], context.Canceled) || mustPageError(t, errs[0]).Offset != 20 {
					t.Fatalf("errors = %v", errs)
				}
				if !slices.Equal(got, seq(20)) {
					t.Errorf("items = %v", got)
				}
			})
		})
	}
}

func TestOffset_Pages_Meta(t *testing.T) {
	t.Parallel()
	fetch := func(_ context.Context, offset, limit int) (pagination.Page[int], error) {
		end := min(offset+limit, 25)
		return pagination.Page[int]{Items: seq(25)[offset:end], Total: 25, Meta: offset, Next: "ignored"}, nil
	}
	var metas []int
	for pg, err := range pagination.NewOffsetPages(10, fetch, pagination.WithParallelism(2)).Pages(t.Context()) {
		if err != nil {
			t.Fatal(err)
		}
		if pg.Meta.(int) != pg.Offset {
			t.Errorf("page at %d carries meta %v", pg.Offset, pg.Meta)
		}
		metas = append(metas, pg.Meta.(int))
	}
	if !slices.Equal(metas, []int{0, 10, 20}) {
		t.Errorf("metas = %v", metas)
	}
}

func TestOffset_All_PanicInParallelFetch(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := &offsetServer{t: t, n: 100}
		srv.hook = func(_ context.Context, offset int) error {
			if offset == 30 {
				panic("fetch exploded")
			}
			return nil
		}
		defer func() {
			if v := recover(); v != "fetch exploded" {
				t.Errorf("recovered %v", v)
			}
		}()
		n := 0
		for _, err := range pagination.NewOffset(10, srv.fetch, pagination.WithParallelism(3)).All(t.Context()) {
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		t.Errorf("range ended after %d items without panicking", n)
	})
}

func TestAll_CancelDuringLastPage(t *testing.T) {
	t.Parallel()
	// Once the last page has been delivered the walk is complete: cancelling ctx
	// while the loop handles it is no error.
	for _, prefetch := range []int{0, 1} {
		for _, par := range []int{1, 3} {
			t.Run(fmt.Sprintf("prefetch=%d/parallel=%d", prefetch, par), func(t *testing.T) {
				t.Parallel()
				srv := &offsetServer{t: t, n: 45}
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				var got []int
				for v, err := range pagination.NewOffset(10, srv.fetch, pagination.WithPrefetch(prefetch), pagination.WithParallelism(par)).All(ctx) {
					if err != nil {
						t.Fatalf("error after the last page: %v", err)
					}
					got = append(got, v)
					if v == 40 {
						cancel()
					}
				}
				if !slices.Equal(got, seq(45)) {
					t.Errorf("items = %v", got)
				}
			})
		}
	}
	srv := &cursorServer{n: 25, size: 10}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	for v, err := range pagination.NewCursor(srv.fetch).All(ctx) {
		if err != nil {
			t.Fatalf("cursor: error after the last page: %v", err)
		}
		if v == 20 {
			cancel()
		}
	}
}
