package ioc_test

import (
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/falconioc/falcon"
	"github.com/falconioc/falcon/falcontest"
	"github.com/falconioc/falcon/ioc"
)

// count429 counts the API answers and the 429s among them.
type count429 struct {
	base        http.RoundTripper
	total, n429 atomic.Int64
}

func (c *count429) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.base.RoundTrip(req)
	if err == nil && req.URL.Path != "/oauth2/token" {
		c.total.Add(1)
		if resp.StatusCode == http.StatusTooManyRequests {
			c.n429.Add(1)
		}
	}
	return resp, err
}

// TestRateLimitPacing runs three walks and a bulk create at once against
// the emulator's limiter (60 requests a minute, on synctest's clock): with
// pacing, no request meets a 429; without, the 429s are the backstop. Both
// finish all their work.
func TestRateLimitPacing(t *testing.T) {
	t.Parallel()
	for _, pacing := range []bool{true, false} {
		synctest.Test(t, func(t *testing.T) {
			srv := falcontest.NewUnstartedServer(falcontest.WithIndicators(500), falcontest.WithRateLimit(60), falcontest.WithSeed(3))
			counter := &count429{base: indMemTransport(srv)}
			c, err := falcon.NewClient(falcon.WithBaseURL(indMemBase), falcon.WithCredentials(srv.ClientID, srv.ClientSecret),
				falcon.WithHTTPClient(&http.Client{Transport: counter}), falcon.WithRateLimitPacing(pacing),
				falcon.WithRetry(falcon.RetryPolicy{MaxAttempts: 20, MinWait: 100 * time.Millisecond, MaxWait: 2 * time.Minute}))
			if err != nil {
				t.Fatal(err)
			}
			sdk := ioc.New(c)
			start := time.Now()
			var wg sync.WaitGroup
			for range 3 {
				wg.Go(func() {
					n := 0
					for _, err := range sdk.Indicators.All(t.Context(), &ioc.ListOptions{Limit: 25}) {
						if err != nil {
							t.Error(err)
							return
						}
						n++
					}
					if n < 500 {
						t.Errorf("walk saw %d indicators", n)
					}
				})
			}
			res, err := sdk.Indicators.Create(t.Context(), indTestItems("pace", 400), &ioc.WriteOptions{BatchSize: 20})
			wg.Wait()
			if err != nil || res.Succeeded() != 400 {
				t.Fatalf("create: %v, %d written", err, res.Succeeded())
			}
			total, n429 := counter.total.Load(), counter.n429.Load()
			t.Logf("pacing %v: %d requests, %d 429s, %v", pacing, total, n429, time.Since(start))
			switch {
			case pacing && n429 != 0:
				t.Errorf("with pacing, %d of %d answers were 429", n429, total)
			case !pacing && n429 == 0:
				t.Errorf("without pacing, no 429 among %d answers: the test does not reach the limit", total)
			}
		})
	}
}
