package pagination_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/falconioc/falcon/pagination"
)

var errSame = errors.New("same page")

func intsKey(items []int) string { return fmt.Sprint(items) }

// freshCursors serves pages of two items at cursors it makes up afresh
// each time: "" and "c1" hold different items, every later cursor the
// items of "c1". With announce, the fetch announces the next cursor first.
func freshCursors(announce bool) (func(ctx context.Context, after string) (pagination.Page[int], error), *atomic.Int64) {
	var calls atomic.Int64
	return func(ctx context.Context, after string) (pagination.Page[int], error) {
		n := calls.Add(1)
		next := "c" + strconv.FormatInt(n, 10)
		if announce {
			pagination.AnnounceNext(ctx, next)
		}
		items := []int{3, 4}
		if after == "" {
			items = []int{1, 2}
		}
		return pagination.Page[int]{Items: items, Next: next}, nil
	}, &calls
}

func TestCursor_SamePage(t *testing.T) {
	t.Parallel()
	for _, announce := range []bool{false, true} {
		for _, prefetch := range []int{0, 1} {
			t.Run(fmt.Sprintf("announce=%v/prefetch=%d", announce, prefetch), func(t *testing.T) {
				t.Parallel()
				fetch, calls := freshCursors(announce)
				p := pagination.NewCursorPages(fetch, pagination.WithPrefetch(prefetch), pagination.WithSamePage(intsKey, errSame))
				got, errs := collect(p.All(t.Context()))
				if !slices.Equal(got, []int{1, 2, 3, 4}) || len(errs) != 1 || !errors.Is(errs[0], errSame) {
					t.Fatalf("items %v, errors %v; want 1 2 3 4, then the same-page error", got, errs)
				}
				if pe := mustPageError(t, errs[0]); pe.Cursor == "" || pe.Cursor == "c1" {
					t.Errorf("error names cursor %q; want the repeated page's", pe.Cursor)
				}
				if n := calls.Load(); n > 4 {
					t.Errorf("%d fetches", n)
				}
			})
		}
	}
}

func TestCursor_SamePage_NextPageStaysPut(t *testing.T) {
	t.Parallel()
	fetch, _ := freshCursors(false)
	p := pagination.NewCursorPages(fetch, pagination.WithSamePage(intsKey, errSame))
	for range 2 {
		if _, err := p.NextPage(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	at := p.Cursor()
	for range 2 {
		_, err := p.NextPage(t.Context())
		if pe := mustPageError(t, err); !errors.Is(err, errSame) || pe.Cursor != at {
			t.Fatalf("err %v; want the same-page error at %q", err, at)
		}
		if p.Cursor() != at || !p.HasMorePages() {
			t.Fatalf("cursor %q after the error; want it to stay at %q", p.Cursor(), at)
		}
	}
}

// Pages that differ, and an empty page after a page, are no repeat; nor
// are equal pages that are not next to each other.
func TestCursor_SamePage_OnlyRepeats(t *testing.T) {
	t.Parallel()
	pages := map[string]pagination.Page[int]{
		"":  {Items: []int{1}, Next: "a"},
		"a": {Items: []int{2}, Next: "b"},
		"b": {Items: []int{1}, Next: "c"},
		"c": {Items: nil, Next: "d"},
	}
	fetch := func(_ context.Context, after string) (pagination.Page[int], error) { return pages[after], nil }
	for _, p := range []*pagination.Cursor[int]{
		pagination.NewCursorPages(fetch, pagination.WithSamePage(intsKey, errSame)),
		pagination.NewStringOffset(fetch, pagination.WithSamePage(intsKey, errSame)),
	} {
		got, errs := collect(p.All(t.Context()))
		if !slices.Equal(got, []int{1, 2, 1}) || len(errs) != 0 {
			t.Errorf("items %v, errors %v; want 1 2 1", got, errs)
		}
	}
	// A string-offset walk stops on a repeat too.
	f2, _ := freshCursors(false)
	_, errs := collect(pagination.NewStringOffset(f2, pagination.WithSamePage(intsKey, errSame)).All(t.Context()))
	if len(errs) != 1 || !errors.Is(errs[0], errSame) {
		t.Errorf("string offset: errors %v; want the same-page error", errs)
	}
}

func TestCursor_SamePage_Panics(t *testing.T) {
	t.Parallel()
	fetch := func(context.Context, string) ([]int, string, error) { return nil, "", nil }
	for name, f := range map[string]func(){
		"nil key":   func() { pagination.WithSamePage[int](nil, errSame) },
		"nil error": func() { pagination.WithSamePage(intsKey, nil) },
		"other type": func() {
			pagination.NewCursor(fetch, pagination.WithSamePage(func([]string) string { return "" }, errSame))
		},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if s, ok := recover().(string); !ok || len(s) < 12 || s[:12] != "pagination: " {
					t.Errorf("panic %q; want a pagination: message", s)
				}
			}()
			f()
		})
	}
}
