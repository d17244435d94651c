package falcon_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/falconioc/falcon"
	"github.com/falconioc/falcon/falcontest"
	"github.com/falconioc/falcon/ioc"
)

// The figures of the rate-limit and latency work (make bench-figures; make
// bench runs them too), each a ratio measured in one run so that the speed
// of a shared machine cancels out:
//
//   - BenchmarkFiguresSequential: a sequential walk of 20,000 indicators in
//     pages of 2,000, each answer arriving 50 ms after its request left (a
//     latency-injecting RoundTripper in front of the emulator, whose own
//     time to answer is part of the 50 ms), with about 2 µs of work per
//     indicator in the loop. sdk-x is the wall time over pages × 50 ms;
//     floor-x the same for a client of net/http and encoding/json that
//     fetches the next page while the loop works, but reads the cursor only
//     once it has decoded the whole page. Both are authenticated before
//     timing.
//   - BenchmarkFiguresRateLimit: a bulk create of 100,000 indicators while
//     a walk with ListOptions.Parallel 8 runs, again and again, against the emulator's rate limiter at 100 requests
//     a second (WithRateLimitWindow), so that the run reaches the limit at
//     once and lasts about ten windows. 429-% is the share of API answers
//     that were 429; limit-% the answers accepted per window over the
//     limit, counted from the end of the first window (which starts empty,
//     so it admits a burst) to the end of the create. With FIG_DEBUG set in
//     the environment, each iteration logs how long the create took and the
//     answers accepted in each second.

const (
	figIndicators = 20000
	figPage       = 2000
	figLatency    = 50 * time.Millisecond
	figWork       = 2 * time.Microsecond
)

// busy spins for about d: the caller's work on one indicator.
func busy(d time.Duration) {
	for t := time.Now(); time.Since(t) < d; {
	}
}

func figTransport() *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 32
	return tr
}

// latency makes each answer arrive d after its request left: the request
// goes out at once, and the response is handed over when d has passed
// since then (or when it arrives, if later). The server's own time to
// answer is part of d, as it is of a real API's round trip.
type latency struct {
	base http.RoundTripper
	d    time.Duration
}

func (l latency) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := l.base.RoundTrip(req)
	if err != nil || strings.HasPrefix(req.URL.Path, "/oauth2/") {
		return resp, err
	}
	t := time.NewTimer(l.d - time.Since(start))
	defer t.Stop()
	select {
	case <-t.C:
		return resp, nil
	case <-req.Context().Done():
		resp.Body.Close()
		return nil, req.Context().Err()
	}
}

func BenchmarkFiguresSequential(b *testing.B) {
	srv := falcontest.NewServer(falcontest.WithIndicators(figIndicators), falcontest.WithRateLimit(0),
		falcontest.WithRecordLimit(0), falcontest.WithTokenTTL(24*time.Hour))
	defer srv.Close()
	c, err := falcon.NewClient(falcon.WithBaseURL(srv.URL), falcon.WithCredentials(srv.ClientID, srv.ClientSecret),
		falcon.WithHTTPClient(&http.Client{Transport: latency{figTransport(), figLatency}}))
	if err != nil {
		b.Fatal(err)
	}
	sdk := ioc.New(c)
	// Authenticate (and open a connection) before timing.
	if _, _, err := sdk.Indicators.List(b.Context(), &ioc.ListOptions{Limit: 1}); err != nil {
		b.Fatal(err)
	}
	floor := &figFloor{hc: &http.Client{Transport: latency{figTransport(), figLatency}}, base: srv.URL, token: srv.IssueToken()}
	pages := float64(figIndicators / figPage)
	ideal := pages * float64(figLatency)

	var sdkWall, floorWall time.Duration
	for b.Loop() {
		start := time.Now()
		n := 0
		for ind, err := range sdk.Indicators.All(b.Context(), &ioc.ListOptions{Limit: figPage}) {
			if err != nil {
				b.Fatal(err)
			}
			if ind.ID != "" {
				n++
			}
			busy(figWork)
		}
		sdkWall += time.Since(start)
		if n != figIndicators {
			b.Fatalf("sdk saw %d indicators", n)
		}

		start = time.Now()
		n = floor.walk(b)
		floorWall += time.Since(start)
		if n != figIndicators {
			b.Fatalf("floor saw %d indicators", n)
		}
	}
	b.ReportMetric(float64(sdkWall)/float64(b.N)/ideal, "sdk-x")
	b.ReportMetric(float64(floorWall)/float64(b.N)/ideal, "floor-x")
}

// figFloor is the floor client: net/http and encoding/json.
type figFloor struct {
	hc    *http.Client
	base  string
	token string
}

type figPageResult struct {
	items []ioc.Indicator
	next  string
	err   error
}

// page fetches and decodes one page; the cursor is known once it is done.
func (f *figFloor) page(ctx context.Context, after string) figPageResult {
	q := url.Values{"limit": {fmt.Sprint(figPage)}}
	if after != "" {
		q.Set("after", after)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.base+"/iocs/combined/indicator/v1?"+q.Encode(), nil)
	if err != nil {
		return figPageResult{err: err}
	}
	req.Header.Set("Authorization", "Bearer "+f.token)
	resp, err := f.hc.Do(req)
	if err != nil {
		return figPageResult{err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return figPageResult{err: fmt.Errorf("HTTP %d", resp.StatusCode)}
	}
	var env struct {
		Meta struct {
			Pagination struct {
				After string `json:"after"`
			} `json:"pagination"`
		} `json:"meta"`
		Resources []ioc.Indicator `json:"resources"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		return figPageResult{err: err}
	}
	return figPageResult{items: env.Resources, next: env.Meta.Pagination.After}
}

// walk fetches page n+1 on another goroutine while the loop works through
// page n.
func (f *figFloor) walk(b *testing.B) int {
	n := 0
	next := make(chan figPageResult, 1)
	go func() { next <- f.page(b.Context(), "") }()
	for {
		r := <-next
		if r.err != nil {
			b.Fatal(r.err)
		}
		more := r.next != "" && len(r.items) > 0
		if more {
			go func() { next <- f.page(b.Context(), r.next) }()
		}
		for i := range r.items {
			if r.items[i].ID != "" {
				n++
			}
			busy(figWork)
		}
		if !more {
			return n
		}
	}
}

const (
	figRateLimit  = 100         // requests per window
	figRateWindow = time.Second // the emulator's window, shortened
	figCreate     = 100000
	figWalkers    = 1 // parallel walks running beside the create
	figParallel   = 8 // partitions each walk reads at once
	figSeed       = 10000
)

// rateCounter counts the API answers (token requests aside) and when
// each accepted one arrived.
type rateCounter struct {
	base http.RoundTripper

	total, limited atomic.Int64
	mu             sync.Mutex
	accepted       []time.Time
}

func (r *rateCounter) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.base.RoundTrip(req)
	if err != nil || strings.HasPrefix(req.URL.Path, "/oauth2/") {
		return resp, err
	}
	r.total.Add(1)
	if resp.StatusCode == http.StatusTooManyRequests {
		r.limited.Add(1)
		return resp, err
	}
	r.mu.Lock()
	r.accepted = append(r.accepted, time.Now())
	r.mu.Unlock()
	return resp, err
}

// figNew returns count new sha256 indicators, distinct across rounds.
func figNew(round, count int) []ioc.NewIndicator {
	out := make([]ioc.NewIndicator, count)
	for i := range out {
		sum := sha256.Sum256(fmt.Appendf(nil, "figures-%d-%d", round, i))
		out[i] = ioc.NewIndicator{Type: ioc.TypeSHA256, Value: hex.EncodeToString(sum[:]), Action: ioc.ActionDetect,
			Severity: ioc.SeverityHigh, Platforms: []ioc.Platform{ioc.PlatformWindows}, AppliedGlobally: true}
	}
	return out
}

func BenchmarkFiguresRateLimit(b *testing.B) {
	var total, limited, used, windows float64
	round := 0
	for b.Loop() {
		b.StopTimer()
		srv := falcontest.NewServer(falcontest.WithIndicators(figSeed), falcontest.WithRecordLimit(0),
			falcontest.WithTokenTTL(24*time.Hour), falcontest.WithRateLimit(figRateLimit),
			falcontest.WithRateLimitWindow(figRateWindow))
		counter := &rateCounter{base: figTransport()}
		c, err := falcon.NewClient(falcon.WithBaseURL(srv.URL), falcon.WithCredentials(srv.ClientID, srv.ClientSecret),
			falcon.WithHTTPClient(&http.Client{Transport: counter}), falcon.WithRateLimitWindow(figRateWindow))
		if err != nil {
			b.Fatal(err)
		}
		sdk := ioc.New(c)
		items := figNew(round, figCreate)
		round++
		// Authenticate, then let the window empty, before timing.
		if _, _, err := sdk.Indicators.List(b.Context(), &ioc.ListOptions{Limit: 1}); err != nil {
			b.Fatal(err)
		}
		time.Sleep(figRateWindow)
		counter.total.Store(0)
		counter.limited.Store(0)
		counter.accepted = nil
		b.StartTimer()

		start := time.Now()
		ctx, stop := context.WithCancel(b.Context())
		var wg sync.WaitGroup
		for range figWalkers {
			wg.Go(func() {
				// Parallel walks that share the limit with the create.
				walkOpts := &ioc.ListOptions{Limit: 500, Parallel: figParallel}
				for ctx.Err() == nil {
					for _, err := range sdk.Indicators.All(ctx, walkOpts) {
						if err != nil {
							if ctx.Err() == nil {
								b.Error(err)
							}
							return
						}
					}
				}
			})
		}
		res, err := sdk.Indicators.Create(b.Context(), items, nil)
		end := time.Now()
		stop()
		wg.Wait()
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		if f := res.Failed(); len(f) > 0 {
			b.Fatalf("%d creates failed, first: %v", len(f), f[0].Err)
		}
		total += float64(counter.total.Load())
		limited += float64(counter.limited.Load())
		from := start.Add(figRateWindow)
		for _, t := range counter.accepted {
			if !t.Before(from) && !t.After(end) {
				used++
			}
		}
		windows += float64(end.Sub(from)) / float64(figRateWindow)
		if os.Getenv("FIG_DEBUG") != "" {
			per := map[int]int{}
			for _, t := range counter.accepted {
				per[int(t.Sub(start)/time.Second)]++
			}
			b.Logf("create took %v; accepted per second %v; total %d, 429 %d", end.Sub(start), per, counter.total.Load(), counter.limited.Load())
		}
		srv.Close()
		b.StartTimer()
	}
	b.ReportMetric(100*limited/total, "429-%")
	b.ReportMetric(100*used/(windows*figRateLimit), "limit-%")
	b.ReportMetric(total/float64(b.N), "requests/op")
}
