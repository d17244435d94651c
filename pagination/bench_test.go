package pagination_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/falconioc/falcon/pagination"
)

// sink keeps the compiler from dropping the benchmarked loops; each loop sums into
// a local and stores once.
var sink int

// BenchmarkAll_PerItem measures what All adds per item over ranging a slice: the
// fetch hands out slices of data already in memory, so only the iterator's own
// work is counted. ns/item is the figure to compare with the "slice" case.
func BenchmarkAll_PerItem(b *testing.B) {
	const n, size = 100_000, 1000
	data := seq(n)
	fetchCursor := func(_ context.Context, after string) ([]int, string, error) {
		start, _ := strconv.Atoi(after)
		end := min(start+size, n)
		next := ""
		if end < n {
			next = strconv.Itoa(end)
		}
		return data[start:end], next, nil
	}
	fetchOffset := func(_ context.Context, offset, limit int) ([]int, int, error) {
		return data[offset:min(offset+limit, n)], n, nil
	}
	report := func(b *testing.B) {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/item")
	}

	b.Run("slice", func(b *testing.B) {
		for b.Loop() {
			sum := 0
			for i := 0; i < n; i += size {
				for _, v := range data[i:min(i+size, n)] {
					sum += v
				}
			}
			sink = sum
		}
		report(b)
	})
	for _, prefetch := range []int{0, 1} {
		b.Run(fmt.Sprintf("cursor/prefetch=%d", prefetch), func(b *testing.B) {
			p := pagination.NewCursor(fetchCursor, pagination.WithPrefetch(prefetch), pagination.WithoutLoopGuard())
			for b.Loop() {
				sum := 0
				for v, err := range p.All(context.Background()) {
					if err != nil {
						b.Fatal(err)
					}
					sum += v
				}
				sink = sum
			}
			report(b)
		})
	}
	b.Run("offset/prefetch=1", func(b *testing.B) {
		p := pagination.NewOffset(size, fetchOffset, pagination.WithMaxOffset(0))
		for b.Loop() {
			sum := 0
			for v, err := range p.All(context.Background()) {
				if err != nil {
					b.Fatal(err)
				}
				sum += v
			}
			sink = sum
		}
		report(b)
	})
}

// BenchmarkAll_Latency walks pages from a server that takes a fixed time per page
// with a loop body that works a fixed time per page (both real sleeps). Without
// prefetch each page costs their sum; with it, about the larger of the two. The
// per-page/sum metric is the time per page divided by fetch+work time: near 1
// without prefetch, near max/sum with it (0.5 for equal times, 0.67 for 2:1).
func BenchmarkAll_Latency(b *testing.B) {
	const pages = 10
	cases := []struct{ fetch, work time.Duration }{
		{5 * time.Millisecond, 5 * time.Millisecond},
		{6 * time.Millisecond, 3 * time.Millisecond},
	}
	for _, c := range cases {
		fetch := func(ctx context.Context, after string) ([]int, string, error) {
			select {
			case <-time.After(c.fetch):
			case <-ctx.Done():
				return nil, "", ctx.Err()
			}
			i, _ := strconv.Atoi(after)
			next := ""
			if i+1 < pages {
				next = strconv.Itoa(i + 1)
			}
			return []int{i}, next, nil
		}
		for _, prefetch := range []int{0, 1, 2} {
			b.Run(fmt.Sprintf("fetch=%v/work=%v/prefetch=%d", c.fetch, c.work, prefetch), func(b *testing.B) {
				p := pagination.NewCursor(fetch, pagination.WithPrefetch(prefetch))
				for b.Loop() {
					for _, err := range p.Pages(context.Background()) {
						if err != nil {
							b.Fatal(err)
						}
						time.Sleep(c.work)
					}
				}
				perPage := float64(b.Elapsed()) / float64(b.N) / pages
				b.ReportMetric(perPage/1e6, "ms/page")
				b.ReportMetric(perPage/float64(c.fetch+c.work), "per-page/sum")
			})
		}
	}
}
