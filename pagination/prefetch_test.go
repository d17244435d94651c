package pagination_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/falconioc/falcon/pagination"
)

// TestPrefetch_Overlap checks, on synctest's clock, that prefetch overlaps a slow
// server with a slow loop body: each page costs max(fetch, work) instead of their
// sum, and one fetch more at the start.
func TestPrefetch_Overlap(t *testing.T) {
	t.Parallel()
	const pages, fetchTime, workTime = 6, 30 * time.Millisecond, 20 * time.Millisecond
	tests := []struct {
		prefetch int
		want     time.Duration
	}{
		{0, pages * (fetchTime + workTime)},
		{1, fetchTime + (pages-1)*max(fetchTime, workTime) + workTime},
		{2, fetchTime + (pages-1)*max(fetchTime, workTime) + workTime},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("prefetch=%d", tt.prefetch), func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				srv := &cursorServer{n: pages * 10, size: 10}
				srv.hook = func(ctx context.Context, _ string) error {
					time.Sleep(fetchTime)
					return nil
				}
				p := pagination.NewCursor(srv.fetch, pagination.WithPrefetch(tt.prefetch))
				start := time.Now()
				for pg, err := range p.Pages(t.Context()) {
					if err != nil {
						t.Fatal(err)
					}
					_ = pg
					time.Sleep(workTime)
				}
				if got := time.Since(start); got != tt.want {
					t.Errorf("took %v, want %v", got, tt.want)
				}
			})
		})
	}
}

// TestPrefetch_FetchesEndWithTheRange checks that no fetch is still running when
// the range statement returns, however it ends, and that the range does not wait for
// slow fetches to finish on their own: they are cancelled. Goroutines left blocked
// would also make synctest.Test fail, and goleak checks the whole package.
func TestPrefetch_FetchesEndWithTheRange(t *testing.T) {
	t.Parallel()
	endings := map[string]func(seq func(func(int, error) bool)){
		"break": func(seq func(func(int, error) bool)) {
			for v := range seq {
				if v == 3 {
					break
				}
			}
		},
		"body panics": func(seq func(func(int, error) bool)) {
			defer func() { _ = recover() }()
			for range seq {
				panic("body")
			}
		},
	}
	for name, end := range endings {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				var mu sync.Mutex
				running := 0
				slow := func(ctx context.Context) error {
					mu.Lock()
					running++
					mu.Unlock()
					defer func() {
						mu.Lock()
						running--
						mu.Unlock()
					}()
					select {
					case <-time.After(time.Minute):
						return nil
					case <-ctx.Done():
						return ctx.Err()
					}
				}
				check := func(kind string) {
					mu.Lock()
					defer mu.Unlock()
					if running != 0 {
						t.Errorf("%s: %d fetches still running after the range returned", kind, running)
					}
				}
				start := time.Now()
				c := &cursorServer{n: 100, size: 10, hook: func(ctx context.Context, after string) error {
					if after == "" {
						return nil
					}
					return slow(ctx)
				}}
				end(pagination.NewCursor(c.fetch, pagination.WithPrefetch(3)).All(t.Context()))
				check("cursor")
				o := &offsetServer{t: t, n: 100, hook: func(ctx context.Context, offset int) error {
					if offset == 0 {
						return nil
					}
					return slow(ctx)
				}}
				end(pagination.NewOffset(10, o.fetch, pagination.WithParallelism(4)).All(t.Context()))
				check("offset")
				if d := time.Since(start); d != 0 {
					t.Errorf("the ranges waited %v for fetches they no longer needed", d)
				}
			})
		})
	}
}
