package ioc_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/falconioc/falcon/falcontest"
	"github.com/falconioc/falcon/internal/hostile"
	"github.com/falconioc/falcon/ioc"
	"github.com/falconioc/falcon/pagination"
)

// freshCursorServer answers every listing with the same page and a cursor
// it never handed out before, as a server that ignores the cursor but
// makes up a new one each time: id lists on the query paths, indicators
// elsewhere.
func freshCursorServer(t *testing.T) *hostile.Server {
	t.Helper()
	var n atomic.Int64
	srv := &hostile.Server{Server: httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := fmt.Sprintf("c%d", n.Add(1))
		res := `[` + hostile.Indicator + `]`
		if strings.Contains(r.URL.Path, "/queries/") {
			res = `["` + hostile.ID + `","` + id2 + `"]`
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"meta":{"trace_id":"t","pagination":{"total":500,"after":%q,"next_page":%q}},"errors":[],"resources":%s}`, c, c, res)
	}))}
	t.Cleanup(srv.Close)
	return srv
}

// parallelToken returns the resume token of a parallel walk of every
// indicator (pages of 100) that failed part way on the emulator.
func parallelToken(t *testing.T, ids bool) string {
	t.Helper()
	srv := falcontest.NewServer(falcontest.WithIndicators(3000))
	defer srv.Close()
	path := "/iocs/combined/indicator/v1"
	if ids {
		path = "/iocs/queries/indicators/v1"
	}
	iocs, ft := parallelClient(t, srv, path)
	ft.n.Store(3)
	opts := &ioc.ListOptions{Limit: 100, Parallel: 4}
	if ids {
		for _, err := range iocs.Indicators.AllIDs(t.Context(), opts) {
			if err != nil {
				return resumeToken(t, err)
			}
		}
	} else {
		for _, err := range iocs.Indicators.All(t.Context(), opts) {
			if err != nil {
				return resumeToken(t, err)
			}
		}
	}
	t.Fatal("the parallel walk did not fail")
	return ""
}

// TestFreshCursorSamePage walks every cursor walk against a server that
// hands out a fresh cursor with the same page each time: each stops with
// ErrCursorIgnored in its usual error shape after yielding that page once,
// instead of paging until the context ends.
func TestFreshCursorSamePage(t *testing.T) {
	srv := freshCursorServer(t)
	c := hostileClient(t, srv)
	walks := []struct {
		name   string
		seq    func(ctx context.Context) iter.Seq2[int, error]
		items  int  // the items of one page
		resume bool // the error is a *ResumeError
	}{
		{"Indicators.All", func(ctx context.Context) iter.Seq2[int, error] {
			return count(c.Indicators.All(ctx, &ioc.ListOptions{Limit: 10}))
		}, 1, true},
		{"Indicators.AllIDs", func(ctx context.Context) iter.Seq2[int, error] {
			return count(c.Indicators.AllIDs(ctx, &ioc.ListOptions{Limit: 10}))
		}, 2, true},
		{"IndicatorPaginator.All", func(ctx context.Context) iter.Seq2[int, error] {
			return count(c.Indicators.Paginator(&ioc.ListOptions{Limit: 10}).All(ctx))
		}, 1, true},
		{"Devices.AllRanOnLegacy", func(ctx context.Context) iter.Seq2[int, error] {
			return count(c.Devices.AllRanOnLegacy(ctx, hostileRef, nil))
		}, 2, false},
		{"Processes.AllRanOnLegacy", func(ctx context.Context) iter.Seq2[int, error] {
			return count(c.Processes.AllRanOnLegacy(ctx, hostileRef, hostileDevice, nil))
		}, 2, false},
	}
	for _, ids := range []bool{false, true} {
		tok := parallelToken(t, ids)
		name := "Indicators.All parallel resumed"
		seq := func(ctx context.Context) iter.Seq2[int, error] {
			return count(c.Indicators.All(ctx, &ioc.ListOptions{Limit: 10, Parallel: 4, Resume: tok}))
		}
		items := -1 // each partition yields its page once
		if ids {
			name = "Indicators.AllIDs parallel resumed"
			seq = func(ctx context.Context) iter.Seq2[int, error] {
				return count(c.Indicators.AllIDs(ctx, &ioc.ListOptions{Limit: 10, Parallel: 4, Resume: tok}))
			}
		}
		walks = append(walks, struct {
			name   string
			seq    func(ctx context.Context) iter.Seq2[int, error]
			items  int
			resume bool
		}{name, seq, items, true})
	}
	for _, w := range walks {
		t.Run(w.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			defer cancel()
			before := srv.Requests()
			n := 0
			var err error
			for _, e := range w.seq(ctx) {
				if e != nil {
					err = e
					break
				}
				n++
			}
			checkSamePageErr(t, err, w.resume)
			if errors.Is(err, context.DeadlineExceeded) {
				return
			}
			if w.items >= 0 && n != w.items {
				t.Errorf("%d items before the error; want the page's %d once", n, w.items)
			}
			if sent := srv.Requests() - before; sent > 40 {
				t.Errorf("%d requests", sent)
			}
		})
	}

	t.Run("IndicatorPaginator.NextPage", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		p := c.Indicators.Paginator(&ioc.ListOptions{Limit: 10})
		var err error
		for pages := 0; p.HasMorePages() && pages < 50; pages++ {
			if _, _, err = p.NextPage(ctx); err != nil {
				break
			}
		}
		checkSamePageErr(t, err, false)
		cur := p.Cursor()
		if _, _, err = p.NextPage(ctx); !errors.Is(err, ioc.ErrCursorIgnored) {
			t.Errorf("NextPage again: %v; want ErrCursorIgnored again", err)
		}
		if p.Cursor() != cur {
			t.Errorf("the cursor moved from %q to %q after a failed page", cur, p.Cursor())
		}
	})
}

// count turns an iterator of items into one of item numbers.
func count[T any](seq iter.Seq2[T, error]) iter.Seq2[int, error] {
	return func(yield func(int, error) bool) {
		i := 0
		for _, err := range seq {
			if !yield(i, err) {
				return
			}
			i++
		}
	}
}

// checkSamePageErr checks that err is ErrCursorIgnored in a
// *pagination.PageError naming a cursor, and in a *ioc.ResumeError when
// resume is set.
func checkSamePageErr(t *testing.T, err error, resume bool) {
	t.Helper()
	pe, ok := errors.AsType[*pagination.PageError](err)
	if !errors.Is(err, ioc.ErrCursorIgnored) || !ok || pe.Cursor == "" {
		t.Fatalf("err %v (%T); want ErrCursorIgnored in a *pagination.PageError naming the page's cursor", err, err)
	}
	if !strings.Contains(err.Error(), "cursor") {
		t.Errorf("message %q does not say it is about a cursor", err)
	}
	if re, ok := errors.AsType[*ioc.ResumeError](err); resume && (!ok || re.Token == "") {
		t.Errorf("err %v (%T); want a *ioc.ResumeError with a token", err, err)
	}
}
