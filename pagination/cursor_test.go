package pagination_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/falconioc/falcon/pagination"
)

func TestCursor_All_SeveralPages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n, size   int
		wantCalls []string
	}{
		{n: 23, size: 5, wantCalls: []string{"", "c5", "c10", "c15", "c20"}},
		{n: 20, size: 5, wantCalls: []string{"", "c5", "c10", "c15"}},
		{n: 3, size: 5, wantCalls: []string{""}},
		{n: 0, size: 5, wantCalls: []string{""}},
	}
	for _, tt := range tests {
		for _, prefetch := range []int{0, 1, 3} {
			t.Run(fmt.Sprintf("n=%d/prefetch=%d", tt.n, prefetch), func(t *testing.T) {
				t.Parallel()
				srv := &cursorServer{n: tt.n, size: tt.size}
				p := pagination.NewCursor(srv.fetch, pagination.WithPrefetch(prefetch))
				got, errs := collect(p.All(t.Context()))
				if len(errs) != 0 {
					t.Fatalf("errors: %v", errs)
				}
				if !slices.Equal(got, seq(tt.n)) {
					t.Errorf("items = %v, want %v", got, seq(tt.n))
				}
				if calls := srv.called(); !slices.Equal(calls, tt.wantCalls) {
					t.Errorf("calls = %q, want %q", calls, tt.wantCalls)
				}
			})
		}
	}
}

func TestCursor_All_Lazy(t *testing.T) {
	t.Parallel()
	srv := &cursorServer{n: 10, size: 3}
	p := pagination.NewCursor(srv.fetch)
	_ = p.All(t.Context())
	_ = p.Pages(t.Context())
	if calls := srv.called(); len(calls) != 0 {
		t.Fatalf("fetched before iterating: %q", calls)
	}
}

func TestCursor_All_EarlyBreak(t *testing.T) {
	t.Parallel()
	// The loop breaks on item 15, in the second page (items 10-19). Before breaking
	// it waits until the prefetch goroutine is blocked, so every page it may fetch
	// ahead has been fetched: exactly prefetch requests beyond the current page.
	for _, prefetch := range []int{0, 1, 3} {
		t.Run(fmt.Sprintf("prefetch=%d", prefetch), func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				srv := &cursorServer{n: 100, size: 10}
				p := pagination.NewCursor(srv.fetch, pagination.WithPrefetch(prefetch))
				var got []int
				for v, err := range p.All(t.Context()) {
					if err != nil {
						t.Fatal(err)
					}
					got = append(got, v)
					if v == 15 {
						synctest.Wait()
						break
					}
				}
				if !slices.Equal(got, seq(16)) {
					t.Errorf("items = %v", got)
				}
				if n, want := len(srv.called()), 2+prefetch; n != want {
					t.Errorf("%d requests, want %d (2 pages reached + %d prefetched)", n, want, prefetch)
				}
			})
		})
	}
}

func TestCursor_All_EarlyBreakWithoutWaiting(t *testing.T) {
	t.Parallel()
	// Without waiting, the prefetch may or may not have started: at most one
	// request beyond the page being read.
	for range 20 {
		srv := &cursorServer{n: 100, size: 10}
		p := pagination.NewCursor(srv.fetch)
		for v, err := range p.All(t.Context()) {
			if err != nil {
				t.Fatal(err)
			}
			if v == 15 {
				break
			}
		}
		if n := len(srv.called()); n < 2 || n > 3 {
			t.Fatalf("%d requests after breaking in page 2, want 2 or 3", n)
		}
	}
}

func TestCursor_All_MidStreamError(t *testing.T) {
	t.Parallel()
	for _, prefetch := range []int{0, 1, 3} {
		t.Run(fmt.Sprintf("prefetch=%d", prefetch), func(t *testing.T) {
			t.Parallel()
			srv := &cursorServer{n: 47, size: 10}
			srv.failOnce("c20", errBoom)
			p := pagination.NewCursor(srv.fetch, pagination.WithPrefetch(prefetch))

			var got []int
			var errs []error
			iterations := 0
			for v, err := range p.All(t.Context()) {
				iterations++
				if err != nil {
					errs = append(errs, err)
					continue // the iterator must stop on its own
				}
				got = append(got, v)
			}
			if len(errs) != 1 {
				t.Fatalf("got %d errors, want exactly 1: %v", len(errs), errs)
			}
			if iterations != 21 {
				t.Errorf("%d iterations, want 20 items + 1 error", iterations)
			}
			if !slices.Equal(got, seq(20)) {
				t.Errorf("items before the error = %v", got)
			}
			if !errors.Is(errs[0], errBoom) {
				t.Errorf("error %v does not wrap the fetch error", errs[0])
			}
			pe := mustPageError(t, errs[0])
			if pe.Cursor != "c20" || pe.Offset != 0 {
				t.Errorf("PageError at cursor %q offset %d, want cursor c20", pe.Cursor, pe.Offset)
			}

			// Resuming at the failed page yields exactly the rest.
			rest, errs := collect(pagination.NewCursor(srv.fetch, pagination.WithStartCursor(pe.Cursor)).All(t.Context()))
			if len(errs) != 0 {
				t.Fatalf("resume errors: %v", errs)
			}
			if want := seq(47)[20:]; !slices.Equal(rest, want) {
				t.Errorf("resumed items = %v, want %v", rest, want)
			}
		})
	}
}

func TestCursor_All_FirstPageError(t *testing.T) {
	t.Parallel()
	srv := &cursorServer{n: 5, size: 10}
	srv.failOnce("", errBoom)
	_, errs := collect(pagination.NewCursor(srv.fetch).All(t.Context()))
	if len(errs) != 1 || !errors.Is(errs[0], errBoom) {
		t.Fatalf("errors = %v", errs)
	}
	if got, want := errs[0].Error(), "pagination: first page: boom"; got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
}

func TestCursor_All_RangeTwice(t *testing.T) {
	t.Parallel()
	for _, start := range []string{"", "c10"} {
		t.Run("start="+start, func(t *testing.T) {
			t.Parallel()
			srv := &cursorServer{n: 25, size: 10}
			p := pagination.NewCursor(srv.fetch, pagination.WithStartCursor(start))
			first, errs1 := collect(p.All(t.Context()))
			calls1 := srv.called()
			second, errs2 := collect(p.All(t.Context()))
			if len(errs1)+len(errs2) != 0 {
				t.Fatalf("errors: %v %v", errs1, errs2)
			}
			skip := 0
			if start != "" {
				skip = 10
			}
			if want := seq(25)[skip:]; !slices.Equal(first, want) || !slices.Equal(second, want) {
				t.Errorf("first %v, second %v, want %v twice", first, second, want)
			}
			calls := srv.called()
			if !slices.Equal(calls[len(calls1):], calls1) || calls1[0] != start {
				t.Errorf("second range asked %q, first %q", calls[len(calls1):], calls1)
			}
		})
	}
}

func TestCursor_ConcurrentRanges(t *testing.T) {
	t.Parallel()
	srv := &cursorServer{n: 60, size: 7}
	p := pagination.NewCursor(srv.fetch, pagination.WithPrefetch(2))
	var wg sync.WaitGroup
	results := make([][]int, 4)
	for i := range results {
		wg.Go(func() {
			results[i], _ = collect(p.All(t.Context()))
		})
	}
	wg.Wait()
	for i, r := range results {
		if !slices.Equal(r, seq(60)) {
			t.Errorf("range %d got %v", i, r)
		}
	}
}

func TestCursor_NextPage(t *testing.T) {
	t.Parallel()
	srv := &cursorServer{n: 25, size: 10}
	p := pagination.NewCursor(srv.fetch)
	if !p.HasMorePages() || p.Cursor() != "" || p.LastPage() != nil {
		t.Fatalf("fresh paginator: more %v cursor %q last %v", p.HasMorePages(), p.Cursor(), p.LastPage())
	}
	var got []int
	for p.HasMorePages() {
		page, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, page...)
		if lp := p.LastPage(); !slices.Equal(lp.Items, page) {
			t.Errorf("LastPage items %v, NextPage returned %v", lp.Items, page)
		}
	}
	if !slices.Equal(got, seq(25)) {
		t.Errorf("items = %v", got)
	}
	if lp := p.LastPage(); lp.Cursor != "c20" || lp.Next != "" {
		t.Errorf("last page cursor %q next %q", lp.Cursor, lp.Next)
	}
	if _, err := p.NextPage(t.Context()); !errors.Is(err, pagination.ErrNoMorePages) {
		t.Errorf("NextPage after the end: %v, want ErrNoMorePages", err)
	}
	if n := len(srv.called()); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}
}

func TestCursor_NextPage_ResumeFromSavedCursor(t *testing.T) {
	t.Parallel()
	srv := &cursorServer{n: 53, size: 10}
	p := pagination.NewCursor(srv.fetch)
	var seen []int
	for range 2 {
		page, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, page...)
	}
	saved := p.Cursor()
	if !p.HasMorePages() || saved == "" {
		t.Fatalf("after two pages: more %v cursor %q", p.HasMorePages(), saved)
	}

	// Later, maybe in another process.
	resumed := pagination.NewCursor(srv.fetch, pagination.WithStartCursor(saved))
	rest, errs := collect(resumed.All(t.Context()))
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	if all := append(seen, rest...); !slices.Equal(all, seq(53)) {
		t.Errorf("seen + resumed = %v, want every item once", all)
	}
	// Explicit paging resumes there too.
	page, err := pagination.NewCursor(srv.fetch, pagination.WithStartCursor(saved)).NextPage(t.Context())
	if err != nil || !slices.Equal(page, seq(53)[20:30]) {
		t.Errorf("resumed NextPage = %v, %v", page, err)
	}
}

func TestCursor_NextPage_ErrorStaysPut(t *testing.T) {
	t.Parallel()
	srv := &cursorServer{n: 25, size: 10}
	srv.failOnce("c10", errBoom)
	p := pagination.NewCursor(srv.fetch)
	if _, err := p.NextPage(t.Context()); err != nil {
		t.Fatal(err)
	}
	_, err := p.NextPage(t.Context())
	if pe := mustPageError(t, err); pe.Cursor != "c10" || !errors.Is(err, errBoom) {
		t.Fatalf("error %v", err)
	}
	if p.Cursor() != "c10" || !p.HasMorePages() {
		t.Fatalf("after error: cursor %q more %v", p.Cursor(), p.HasMorePages())
	}
	page, err := p.NextPage(t.Context())
	if err != nil || !slices.Equal(page, seq(25)[10:20]) {
		t.Fatalf("retry = %v, %v", page, err)
	}
}

func TestCursor_NextPage_CancelledContext(t *testing.T) {
	t.Parallel()
	srv := &cursorServer{n: 25, size: 10}
	p := pagination.NewCursor(srv.fetch)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := p.NextPage(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if n := len(srv.called()); n != 0 {
		t.Errorf("%d requests with a cancelled context", n)
	}
}

// loopServer hands out the next token from a fixed table, one item per page. It
// fails after 50 requests so that a broken loop guard ends the test.
func loopServer(next map[string]string) (func(context.Context, string) ([]string, string, error), *[]string) {
	var mu sync.Mutex
	var calls []string
	return func(_ context.Context, after string) ([]string, string, error) {
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, after)
		if len(calls) > 50 {
			return nil, "", errors.New("paging never stopped")
		}
		return []string{"item@" + after}, next[after], nil
	}, &calls
}

func TestCursor_LoopGuard(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		next      map[string]string
		start     string
		wantCalls []string
	}{
		{"same token again", map[string]string{"": "a", "a": "a"}, "", []string{"", "a"}},
		{"cycle", map[string]string{"": "a", "a": "b", "b": "a"}, "", []string{"", "a", "b"}},
		{"back to the first", map[string]string{"": "a", "a": "b", "b": ""}, "", []string{"", "a", "b"}},
		{"back to the start", map[string]string{"s": "a", "a": "s"}, "s", []string{"s", "a"}},
	}
	for _, tt := range tests {
		for _, prefetch := range []int{0, 1} {
			t.Run(fmt.Sprintf("%s/prefetch=%d", tt.name, prefetch), func(t *testing.T) {
				t.Parallel()
				fetch, calls := loopServer(tt.next)
				p := pagination.NewCursor(fetch, pagination.WithPrefetch(prefetch), pagination.WithStartCursor(tt.start))
				got, errs := collect(p.All(t.Context()))
				if len(errs) != 0 {
					t.Fatal(errs)
				}
				if !slices.Equal(*calls, tt.wantCalls) {
					t.Errorf("calls = %q, want %q", *calls, tt.wantCalls)
				}
				if len(got) != len(tt.wantCalls) {
					t.Errorf("items = %q, want one per page", got)
				}
			})
		}
	}

	t.Run("explicit paging", func(t *testing.T) {
		t.Parallel()
		fetch, calls := loopServer(map[string]string{"": "a", "a": "b", "b": "a"})
		p := pagination.NewCursor(fetch)
		for p.HasMorePages() {
			if _, err := p.NextPage(t.Context()); err != nil {
				t.Fatal(err)
			}
			if len(*calls) > 10 {
				t.Fatal("no loop guard")
			}
		}
		if len(*calls) != 3 {
			t.Errorf("calls = %q", *calls)
		}
	})

	t.Run("without loop guard", func(t *testing.T) {
		t.Parallel()
		fetch, calls := loopServer(map[string]string{"": "a", "a": "a"})
		p := pagination.NewCursor(fetch, pagination.WithoutLoopGuard(), pagination.WithPrefetch(0))
		n := 0
		for _, err := range p.All(t.Context()) {
			if err != nil {
				t.Fatal(err)
			}
			if n++; n == 10 {
				break
			}
		}
		if len(*calls) != 10 {
			t.Errorf("%d calls, want 10 (paging went on)", len(*calls))
		}
	})
}

func TestCursor_All_StopsOnEmptyPage(t *testing.T) {
	t.Parallel()
	calls := 0
	fetch := func(_ context.Context, after string) ([]int, string, error) {
		calls++
		if after == "" {
			return []int{1, 2}, "x", nil
		}
		return nil, "y", nil // an empty page that still names a next cursor
	}
	got, errs := collect(pagination.NewCursor(fetch, pagination.WithPrefetch(0)).All(t.Context()))
	if len(errs) != 0 || !slices.Equal(got, []int{1, 2}) || calls != 2 {
		t.Errorf("items %v errors %v calls %d", got, errs, calls)
	}
}

func TestCursor_All_CancelDuringFetch(t *testing.T) {
	t.Parallel()
	for _, prefetch := range []int{0, 1, 2} {
		t.Run(fmt.Sprintf("prefetch=%d", prefetch), func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				srv := &cursorServer{n: 100, size: 10}
				fetching := make(chan struct{})
				srv.hook = func(ctx context.Context, after string) error {
					if after != "c20" {
						return nil
					}
					close(fetching)
					<-ctx.Done() // a slow request, given up when ctx ends
					return ctx.Err()
				}
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				reached := make(chan struct{}) // the loop has handled item 19
				go func() {
					<-fetching
					<-reached
					time.Sleep(time.Second)
					cancel()
				}()
				var got []int
				var errs []error
				for v, err := range pagination.NewCursor(srv.fetch, pagination.WithPrefetch(prefetch)).All(ctx) {
					if err != nil {
						errs = append(errs, err)
						continue
					}
					got = append(got, v)
					if v == 19 {
						close(reached)
					}
				}
				if len(errs) != 1 || !errors.Is(errs[0], context.Canceled) {
					t.Fatalf("errors = %v, want one context.Canceled", errs)
				}
				if pe := mustPageError(t, errs[0]); pe.Cursor != "c20" {
					t.Errorf("error names cursor %q, want c20", pe.Cursor)
				}
				if !slices.Equal(got, seq(20)) {
					t.Errorf("items = %v", got)
				}
				if calls := srv.called(); calls[len(calls)-1] != "c20" {
					t.Errorf("requests after the cancellation: %q", calls)
				}
			})
		})
	}
}

func TestCursor_All_CancelledBeforeStart(t *testing.T) {
	t.Parallel()
	for _, prefetch := range []int{0, 1} {
		srv := &cursorServer{n: 10, size: 3}
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, errs := collect(pagination.NewCursor(srv.fetch, pagination.WithPrefetch(prefetch)).All(ctx))
		if len(errs) != 1 || !errors.Is(errs[0], context.Canceled) {
			t.Errorf("prefetch %d: errors = %v", prefetch, errs)
		}
		if n := len(srv.called()); n != 0 {
			t.Errorf("prefetch %d: %d requests", prefetch, n)
		}
	}
}

func TestCursor_All_CancelWhileConsuming(t *testing.T) {
	t.Parallel()
	// Cancelling ctx inside the loop body ends the walk at the next page boundary
	// with the context error, naming the page that was not delivered.
	srv := &cursorServer{n: 100, size: 10}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var got []int
	var errs []error
	for v, err := range pagination.NewCursor(srv.fetch).All(ctx) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		got = append(got, v)
		if v == 12 {
			cancel()
		}
	}
	if !slices.Equal(got, seq(20)) || len(errs) != 1 || !errors.Is(errs[0], context.Canceled) {
		t.Fatalf("items %v errors %v", got, errs)
	}
	if pe := mustPageError(t, errs[0]); pe.Cursor != "c20" {
		t.Errorf("error names cursor %q, want c20", pe.Cursor)
	}
}

func TestCursor_All_PanicInFetch(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := &cursorServer{n: 30, size: 10}
		srv.hook = func(_ context.Context, after string) error {
			if after == "c10" {
				panic("fetch exploded")
			}
			return nil
		}
		defer func() {
			if v := recover(); v != "fetch exploded" {
				t.Errorf("recovered %v, want the fetch's panic on the ranging goroutine", v)
			}
		}()
		for _, err := range pagination.NewCursor(srv.fetch).All(t.Context()) {
			if err != nil {
				t.Fatal(err)
			}
		}
		t.Error("range ended without panicking")
	})
}

func TestCursor_Pages_Meta(t *testing.T) {
	t.Parallel()
	fetch := func(_ context.Context, after string) (pagination.Page[string], error) {
		n, _ := strconv.Atoi(after)
		pg := pagination.Page[string]{
			Items:  []string{"v" + strconv.Itoa(n)},
			Total:  3,
			Meta:   "response for " + strconv.Itoa(n),
			Cursor: "ignored",
			Offset: 99,
		}
		if n < 2 {
			pg.Next = strconv.Itoa(n + 1)
		}
		return pg, nil
	}
	p := pagination.NewCursorPages(fetch)
	var metas, cursors []string
	for pg, err := range p.Pages(t.Context()) {
		if err != nil {
			t.Fatal(err)
		}
		metas = append(metas, pg.Meta.(string))
		cursors = append(cursors, pg.Cursor)
		if pg.Offset != 0 || pg.Total != 3 {
			t.Errorf("page %+v", pg)
		}
	}
	if want := []string{"response for 0", "response for 1", "response for 2"}; !slices.Equal(metas, want) {
		t.Errorf("metas = %q", metas)
	}
	if want := []string{"", "1", "2"}; !slices.Equal(cursors, want) {
		t.Errorf("cursors = %q", cursors)
	}
	if _, err := p.NextPage(t.Context()); err != nil {
		t.Fatal(err)
	}
	if lp := p.LastPage(); lp.Meta != "response for 0" || lp.Next != "1" {
		t.Errorf("LastPage = %+v", lp)
	}
}

func TestStringOffset(t *testing.T) {
	t.Parallel()
	const n, size = 23, 5
	var mu sync.Mutex
	var calls []string
	fetch := func(_ context.Context, offset string) (pagination.Page[int], error) {
		mu.Lock()
		calls = append(calls, offset)
		mu.Unlock()
		o := 0
		if offset != "" {
			var err error
			if o, err = strconv.Atoi(offset); err != nil {
				return pagination.Page[int]{}, err
			}
		}
		end := min(o+size, n)
		// Like the API, the next offset is always set; the total tells the end.
		return pagination.Page[int]{Items: seq(n)[o:end], Next: strconv.Itoa(end), Total: n}, nil
	}
	for _, prefetch := range []int{0, 1} {
		calls = nil
		got, errs := collect(pagination.NewStringOffset(fetch, pagination.WithPrefetch(prefetch)).All(t.Context()))
		if len(errs) != 0 || !slices.Equal(got, seq(n)) {
			t.Fatalf("items %v errors %v", got, errs)
		}
		if want := []string{"", "5", "10", "15", "20"}; !slices.Equal(calls, want) {
			t.Errorf("calls = %q, want %q (no request past the total)", calls, want)
		}
	}

	// Resume from a saved string offset.
	p := pagination.NewStringOffset(fetch)
	if _, err := p.NextPage(t.Context()); err != nil {
		t.Fatal(err)
	}
	rest, _ := collect(pagination.NewStringOffset(fetch, pagination.WithStartCursor(p.Cursor())).All(t.Context()))
	if !slices.Equal(rest, seq(n)[size:]) {
		t.Errorf("resumed = %v", rest)
	}

	// Errors name the string offset.
	failing := func(_ context.Context, offset string) (pagination.Page[int], error) {
		if offset == "5" {
			return pagination.Page[int]{}, errBoom
		}
		return fetch(t.Context(), offset)
	}
	_, errs := collect(pagination.NewStringOffset(failing).All(t.Context()))
	if len(errs) != 1 {
		t.Fatalf("errors = %v", errs)
	}
	if pe := mustPageError(t, errs[0]); pe.Cursor != "5" {
		t.Errorf("PageError cursor %q", pe.Cursor)
	}
	if got, want := errs[0].Error(), `pagination: page at offset "5": boom`; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
}

func TestPageError(t *testing.T) {
	t.Parallel()
	long := "eyJ2ZXJzaW9uIjoidjEiLCJ0cyI6MTcwMDAwMDAwMH0="
	srv := &cursorServer{n: 10, size: 5}
	srv.failOnce("c5", errBoom)
	_, errs := collect(pagination.NewCursor(srv.fetch).All(t.Context()))
	if got, want := errs[0].Error(), `pagination: page at cursor "c5": boom`; got != want {
		t.Errorf("cursor message %q, want %q", got, want)
	}
	fetch := func(context.Context, string) ([]int, string, error) { return nil, "", errBoom }
	_, errs = collect(pagination.NewCursor(fetch, pagination.WithStartCursor(long)).All(t.Context()))
	if got, want := errs[0].Error(), `pagination: page at cursor "`+long[:24]+`...": boom`; got != want {
		t.Errorf("long cursor message %q, want %q", got, want)
	}
	pe := &pagination.PageError{Offset: 200, Err: errBoom}
	if got, want := pe.Error(), "pagination: page at offset 200: boom"; got != want {
		t.Errorf("offset message %q, want %q", got, want)
	}
	if !errors.Is(pe, errBoom) || pe.Unwrap() != errBoom {
		t.Error("PageError does not unwrap")
	}
}

func TestConstructorPanics(t *testing.T) {
	t.Parallel()
	fetchC := func(context.Context, string) ([]int, string, error) { return nil, "", nil }
	fetchO := func(context.Context, int, int) ([]int, int, error) { return nil, 0, nil }
	tests := map[string]func(){
		"nil cursor fetch":        func() { pagination.NewCursor[int](nil) },
		"nil cursor pages fetch":  func() { pagination.NewCursorPages[int](nil) },
		"nil string offset fetch": func() { pagination.NewStringOffset[int](nil) },
		"nil offset fetch":        func() { pagination.NewOffset[int](10, nil) },
		"nil offset pages fetch":  func() { pagination.NewOffsetPages[int](10, nil) },
		"zero limit":              func() { pagination.NewOffset(0, fetchO) },
		"offset start on cursor":  func() { pagination.NewCursor(fetchC, pagination.WithStartOffset(5)) },
		"cursor start on offset":  func() { pagination.NewOffset(10, fetchO, pagination.WithStartCursor("x")) },
		"negative prefetch":       func() { pagination.WithPrefetch(-1) },
		"zero parallelism":        func() { pagination.WithParallelism(0) },
		"negative start offset":   func() { pagination.WithStartOffset(-1) },
	}
	for name, f := range tests {
		t.Run(name, func(t *testing.T) {
			defer func() {
				v := recover()
				if s, ok := v.(string); !ok || len(s) < 12 || s[:12] != "pagination: " {
					t.Errorf("panic %v, want a pagination: message", v)
				}
			}()
			f()
		})
	}
	// A nil option is skipped.
	if p := pagination.NewCursor(fetchC, nil); !p.HasMorePages() {
		t.Error("nil option broke the paginator")
	}
}
