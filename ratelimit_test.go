package falcon

import (
	"bytes"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

func TestWithRateLimitPacing(t *testing.T) {
	t.Parallel()
	// An API that reports one request left in its window.
	nearlyFull := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-RateLimit-Limit", "100")
		w.Header().Set("X-RateLimit-Remaining", "1")
		okResources(`["ok"]`)(w, r)
	}
	for _, tt := range []struct {
		name  string
		opts  []Option
		paced bool
	}{
		{"default", nil, true},
		{"on", []Option{WithRateLimitPacing(true)}, true},
		{"off", []Option{WithRateLimitPacing(false)}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				c := bubbleClient(t, newFake("a", nearlyFull), tt.opts...)
				if _, err := c.Do(t.Context(), &Request{Path: "/p"}, nil); err != nil {
					t.Fatal(err)
				}
				start := time.Now()
				for range 3 {
					if _, err := c.Do(t.Context(), &Request{Path: "/p"}, nil); err != nil {
						t.Fatal(err)
					}
				}
				if d := time.Since(start); (d > 0) != tt.paced {
					t.Errorf("3 requests with one left took %v; paced %v", d, tt.paced)
				}
			})
		})
	}
}

// TestRateLimitPacingIsLogged checks that a request the pacer held back is
// logged at debug level with its wait, so a slow program can be explained,
// and that requests far from the limit log no such line.
func TestRateLimitPacingIsLogged(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		remaining := "1"
		api := func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-RateLimit-Limit", "100")
			w.Header().Set("X-RateLimit-Remaining", remaining)
			okResources(`["ok"]`)(w, r)
		}
		var logs bytes.Buffer
		logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		c := bubbleClient(t, newFake("a", api), WithLogger(logger))
		for range 3 {
			if _, err := c.Do(t.Context(), &Request{Path: "/p"}, nil); err != nil {
				t.Fatal(err)
			}
		}
		paced := strings.Count(logs.String(), `msg="falcon paced"`)
		if paced == 0 || !strings.Contains(logs.String(), "wait=") {
			t.Errorf("near the limit: %d paced lines in\n%s", paced, logs.String())
		}

		remaining = "90"
		time.Sleep(2 * time.Minute) // the window empties
		logs.Reset()
		for range 3 {
			if _, err := c.Do(t.Context(), &Request{Path: "/p"}, nil); err != nil {
				t.Fatal(err)
			}
		}
		if strings.Contains(logs.String(), "falcon paced") {
			t.Errorf("far from the limit, a request was logged as paced:\n%s", logs.String())
		}
	})
}

// TestPacedRequestHonoursACooldown checks that a request the pacer was
// holding back when another goroutine's request met a 429 does not leave
// before that 429's cooldown ends: every goroutine of the client honours
// it, paced or not.
func TestPacedRequestHonoursACooldown(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		var mu sync.Mutex
		arrived := map[string]time.Duration{}
		api := func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			arrived[r.URL.Path] = time.Since(start)
			mu.Unlock()
			switch r.URL.Path {
			case "/first":
				// One place above a tenth of the limit: the next
				// request leaves at once, the one after is paced.
				w.Header().Set("X-RateLimit-Limit", "100")
				w.Header().Set("X-RateLimit-Remaining", "11")
			case "/limited":
				time.Sleep(2 * time.Second)
				w.Header().Set("Retry-After", "60") // a proxy's 429: no rate headers
				writeJSON(w, http.StatusTooManyRequests, `{"errors":[{"code":429,"message":"slow down"}]}`)
				return
			}
			okResources(`["ok"]`)(w, r)
		}
		c := bubbleClient(t, newFake("a", api), WithRetry(RetryPolicy{MaxAttempts: 1, MaxWait: 5 * time.Minute}))
		if _, err := c.Do(t.Context(), &Request{Path: "/first"}, nil); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		wg.Go(func() { _, _ = c.Do(t.Context(), &Request{Path: "/limited"}, nil) })
		synctest.Wait() // /limited has left and waits for its answer
		wg.Go(func() {
			if _, err := c.Do(t.Context(), &Request{Path: "/paced"}, nil); err != nil {
				t.Error(err)
			}
		})
		wg.Wait()
		cooldownEnd := 2*time.Second + 60*time.Second
		if got := arrived["/paced"]; got < cooldownEnd {
			t.Errorf("the paced request arrived at %v, inside the cooldown that ends at %v", got, cooldownEnd)
		}
	})
}

// TestWithRateLimitWindow checks that the pacer spreads what remains over
// the window it is given, not over a minute, and that a window that is not
// positive is refused.
func TestWithRateLimitWindow(t *testing.T) {
	t.Parallel()
	nearlyFull := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-RateLimit-Limit", "20")
		w.Header().Set("X-RateLimit-Remaining", "1")
		okResources(`["ok"]`)(w, r)
	}
	took := func(opts ...Option) (d time.Duration) {
		synctest.Test(t, func(t *testing.T) {
			c := bubbleClient(t, newFake("a", nearlyFull), opts...)
			start := time.Now()
			for range 4 {
				if _, err := c.Do(t.Context(), &Request{Path: "/p"}, nil); err != nil {
					t.Fatal(err)
				}
			}
			d = time.Since(start)
		})
		return d
	}
	second, minute := took(WithRateLimitWindow(time.Second)), took()
	if second == 0 || second > 3*time.Second || minute < 30*time.Second {
		t.Errorf("4 requests with one place left: %v with a one-second window, %v with the default minute", second, minute)
	}
	for _, d := range []time.Duration{0, -time.Second} {
		if _, err := NewClient(WithRateLimitWindow(d), WithCredentials("id", "secret")); err == nil || !strings.Contains(err.Error(), "WithRateLimitWindow") {
			t.Errorf("WithRateLimitWindow(%v): err %v, want one naming the option", d, err)
		}
	}
}
