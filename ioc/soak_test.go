//go:build soak

package ioc_test

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/falconioc/falcon"
	"github.com/falconioc/falcon/falcontest"
	"github.com/falconioc/falcon/fql"
	"github.com/falconioc/falcon/ioc"
	"github.com/falconioc/falcon/pagination"
	"go.uber.org/goleak"
)

// soakDuration is how long TestSoak runs: FALCON_SOAK_DURATION (a Go
// duration), two minutes by default.
func soakDuration(t *testing.T) time.Duration {
	if s := os.Getenv("FALCON_SOAK_DURATION"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			t.Fatalf("FALCON_SOAK_DURATION: %v", err)
		}
		return d
	}
	return 2 * time.Minute
}

// TestSoak creates, lists and deletes indicators in rounds against an
// emulator that injects 5xx answers, 429s, dropped connections, truncated
// bodies and lost answers, until the soak duration has passed. Every round
// must end with each indicator created exactly once, seen once by the
// iterator, and deleted; the heap must stay bounded and no goroutine may
// outlive the client. Run it with `make soak`.
func TestSoak(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	srv := falcontest.NewServer(
		falcontest.WithSeed(7),
		falcontest.WithRateLimit(0),
		falcontest.WithFaultRates(falcontest.FaultRates{
			ServerError: 0.02, RateLimit: 0.01, Drop: 0.01, Truncate: 0.01, LoseResponse: 0.02,
		}),
	)
	defer srv.Close()
	fc, err := falcon.NewClient(
		falcon.WithBaseURL(srv.URL),
		falcon.WithCredentials(srv.ClientID, srv.ClientSecret),
		falcon.WithRetry(falcon.RetryPolicy{MaxAttempts: 10, MinWait: 5 * time.Millisecond, MaxWait: 5 * time.Second}),
	)
	if err != nil {
		t.Fatal(err)
	}
	defer fc.Close(t.Context())
	c := ioc.New(fc)

	const perRound = 1000
	deadline := time.Now().Add(soakDuration(t))
	start := time.Now()
	var rounds, requests, resumes int
	var peakHeap uint64
	for time.Now().Before(deadline) {
		tag := fmt.Sprintf("soak%d", rounds)
		items := indTestItems(tag, perRound)
		res, err := c.Indicators.Create(t.Context(), items, &ioc.WriteOptions{BatchSize: 100, Concurrency: 4})
		if err != nil {
			t.Fatalf("round %d: create: %v", rounds, err)
		}
		requests += res.Requests
		stored := map[string]int{}
		for _, in := range srv.Indicators() {
			if len(in.Tags) == 1 && in.Tags[0] == tag {
				stored[in.Type+":"+in.Value]++
			}
		}
		if len(stored) != perRound {
			t.Fatalf("round %d: %d distinct indicators stored, want %d", rounds, len(stored), perRound)
		}
		for k, n := range stored {
			if n != 1 {
				t.Fatalf("round %d: %s stored %d times", rounds, k, n)
			}
		}

		// A 500 is never retried (it is what production answers past the
		// offset window), so the iterator stops at one; resume from the
		// failed page's cursor, as a user would.
		var ids []string
		opts := &ioc.ListOptions{Filter: ioc.Filter{Expr: fql.Eq("tags", tag)}, Limit: 150}
		for attempt := 0; ; attempt++ {
			var pe *pagination.PageError
			for ind, err := range c.Indicators.All(t.Context(), opts) {
				if err != nil {
					if !errors.As(err, &pe) {
						t.Fatalf("round %d: iterate: %v", rounds, err)
					}
					break
				}
				ids = append(ids, ind.ID)
			}
			if pe == nil {
				break
			}
			if attempt == 20 {
				t.Fatalf("round %d: iterate: still failing after %d resumes: %v", rounds, attempt, pe)
			}
			resumes++
			opts.After = pe.Cursor
		}
		if len(ids) != perRound {
			t.Fatalf("round %d: iterated %d indicators, want %d", rounds, len(ids), perRound)
		}
		if dup := len(ids) - len(distinct(ids)); dup != 0 {
			t.Fatalf("round %d: %d indicators seen twice", rounds, dup)
		}

		// Deletes that met a 500 are sent again, for the failed ids only.
		pending, gone := ids, 0
		for attempt := 0; len(pending) > 0; attempt++ {
			if attempt == 20 {
				t.Fatalf("round %d: delete: %d ids still failing", rounds, len(pending))
			}
			del, err := c.Indicators.Delete(t.Context(), pending, nil)
			if del == nil {
				t.Fatalf("round %d: delete: %v", rounds, err)
			}
			gone += len(del.Deleted) + len(del.NotFound)
			pending = pending[:0:0]
			for _, f := range del.Failed {
				pending = append(pending, f.ID)
			}
		}
		if gone != perRound {
			t.Fatalf("round %d: %d of %d ids deleted or gone", rounds, gone, perRound)
		}
		for _, in := range srv.Indicators() {
			if len(in.Tags) == 1 && in.Tags[0] == tag {
				t.Fatalf("round %d: %s %s left after delete", rounds, in.Type, in.Value)
			}
		}

		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		peakHeap = max(peakHeap, ms.HeapInuse)
		rounds++
	}
	elapsed := time.Since(start)
	t.Logf("soak: %d rounds of %d indicators in %v (%.0f created+listed+deleted per second), %d create requests, %d iterator resumes, peak heap in use %.1f MiB",
		rounds, perRound, elapsed.Round(time.Second), float64(rounds*perRound)/elapsed.Seconds(), requests, resumes, float64(peakHeap)/(1<<20))
	if rounds == 0 {
		t.Fatal("no round completed")
	}
}

// distinct returns the distinct values of s.
func distinct(s []string) map[string]bool {
	m := make(map[string]bool, len(s))
	for _, v := range s {
		m[v] = true
	}
	return m
}
