package falcon

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// bubbleClient returns a client over fake served in memory, for synctest.
func bubbleClient(t *testing.T, fake *fakeFalcon, opts ...Option) *Client {
	t.Helper()
	all := append([]Option{WithHTTPClient(inMemory(fake)), WithRetry(RetryPolicy{MaxAttempts: 4, MinWait: time.Second, MaxWait: 30 * time.Second})}, opts...)
	return testClient(t, "http://127.0.0.1", all...)
}

func Test429WaitsForRetryAfterHeader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		header func(now time.Time) (string, string)
		wait   time.Duration
	}{
		{"X-RateLimit-RetryAfter seconds", func(now time.Time) (string, string) {
			return "X-RateLimit-RetryAfter", strconv.FormatInt(now.Add(7*time.Second).Unix(), 10)
		}, 7 * time.Second},
		{"X-RateLimit-RetryAfter milliseconds", func(now time.Time) (string, string) {
			return "X-RateLimit-RetryAfter", strconv.FormatInt(now.Add(4500*time.Millisecond).UnixMilli(), 10)
		}, 4500 * time.Millisecond},
		{"Retry-After seconds", func(time.Time) (string, string) { return "Retry-After", "3" }, 3 * time.Second},
		{"Retry-After date", func(now time.Time) (string, string) {
			return "Retry-After", now.Add(9 * time.Second).UTC().Format(http.TimeFormat)
		}, 9 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				start := time.Now()
				k, v := tt.header(start)
				fake := newFake("a", sequence(status(http.StatusTooManyRequests, k, v), okResources(`["ok"]`)))
				c := bubbleClient(t, fake)
				var out []string
				if _, err := c.Do(t.Context(), &Request{Method: "POST", Path: "/iocs/entities/indicators/v1"}, &out); err != nil {
					t.Fatalf("Do: %v", err)
				}
				fake.mu.Lock()
				defer fake.mu.Unlock()
				if len(fake.apiTimes) != 2 || len(out) != 1 {
					t.Fatalf("API calls = %d, out %v; want 2 calls (429 retried even for POST)", len(fake.apiTimes), out)
				}
				if got := fake.apiTimes[1].Sub(start); got < tt.wait {
					t.Errorf("retry sent after %v, before the %v the API asked for", got, tt.wait)
				}
			})
		})
	}
}

func Test429CooldownSharedAcrossGoroutines(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		until := start.Add(10 * time.Second)
		var mu sync.Mutex
		first := true
		fake := newFake("a", func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			limited := first || time.Now().Before(until)
			first = false
			mu.Unlock()
			if limited {
				status(http.StatusTooManyRequests, "X-RateLimit-RetryAfter", strconv.FormatInt(until.Unix(), 10))(w, r)
				return
			}
			okResources(`[]`)(w, r)
		})
		c := bubbleClient(t, fake)
		errs := make(chan error, 6)
		go func() {
			_, err := c.Do(t.Context(), &Request{Path: "/a"}, nil)
			errs <- err
		}()
		synctest.Wait() // the first goroutine got its 429 and waits
		time.Sleep(time.Second)
		for range 5 {
			go func() {
				_, err := c.Do(t.Context(), &Request{Path: "/b"}, nil)
				errs <- err
			}()
		}
		for range 6 {
			if err := <-errs; err != nil {
				t.Errorf("Do: %v", err)
			}
		}
		fake.mu.Lock()
		defer fake.mu.Unlock()
		if len(fake.apiTimes) != 7 {
			t.Errorf("API calls = %d, want 7 (one 429, then six after the cooldown)", len(fake.apiTimes))
		}
		for i, at := range fake.apiTimes[1:] {
			if at.Before(until) {
				t.Errorf("call %d sent %v into the cooldown", i+1, until.Sub(at))
			}
		}
	})
}

func Test429LongerThanMaxWaitReturnsAtOnce(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		retryAt := start.Add(5 * time.Minute)
		fake := newFake("a", status(http.StatusTooManyRequests,
			"X-RateLimit-RetryAfter", strconv.FormatInt(retryAt.Unix(), 10),
			"X-RateLimit-Limit", "6000", "X-RateLimit-Remaining", "0"))
		c := bubbleClient(t, fake)

		resp, err := c.Do(t.Context(), &Request{Path: "/x"}, nil)
		rl, ok := errors.AsType[*RateLimitError](err)
		if !ok {
			t.Fatalf("err = %T %v, want *RateLimitError", err, err)
		}
		if !rl.RetryAfter.Equal(retryAt) || rl.Limit != 6000 || rl.Remaining != 0 || rl.StatusCode != 429 {
			t.Errorf("RateLimitError = %+v", rl)
		}
		if !errors.Is(err, ErrRateLimited) || resp == nil || resp.StatusCode != 429 {
			t.Errorf("Is(ErrRateLimited) = %v, resp %v", errors.Is(err, ErrRateLimited), resp)
		}
		if _, ok := errors.AsType[*APIError](err); !ok {
			t.Error("RateLimitError does not unwrap to *APIError")
		}
		if time.Since(start) != 0 {
			t.Errorf("waited %v before giving up", time.Since(start))
		}

		// Another call during the cooldown is refused without being sent.
		_, err = c.Do(t.Context(), &Request{Path: "/y"}, nil)
		if rl, ok := errors.AsType[*RateLimitError](err); !ok || rl.Header != nil || !rl.RetryAfter.Equal(retryAt) {
			t.Errorf("second call: %v", err)
		}
		if n := len(fake.calls()); n != 1 {
			t.Errorf("API calls = %d, want 1", n)
		}
	})
}

func Test429AttemptsExhausted(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		fake := newFake("a", status(http.StatusTooManyRequests, "Retry-After", "1"))
		c := bubbleClient(t, fake)
		_, err := c.Do(t.Context(), &Request{Path: "/x"}, nil)
		if _, ok := errors.AsType[*RateLimitError](err); !ok {
			t.Fatalf("err = %v", err)
		}
		if n := len(fake.calls()); n != 4 {
			t.Errorf("API calls = %d, want MaxAttempts 4", n)
		}
	})
}

func Test5xxRetriedOnlyWhenSafeToRepeat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		req    Request
		code   int
		calls  int
		wantOK bool
	}{
		{"GET 503 retried", Request{Method: "GET", Path: "/x"}, 503, 3, true},
		{"DELETE 502 retried", Request{Method: "DELETE", Path: "/x"}, 502, 3, true},
		{"PATCH 504 retried", Request{Method: "PATCH", Path: "/x", Body: []byte(`{}`)}, 504, 3, true},
		{"POST 503 not retried", Request{Method: "POST", Path: "/x", Body: []byte(`{}`)}, 503, 1, false},
		{"POST marked idempotent retried", Request{Method: "POST", Path: "/agg", Idempotency: Idempotent}, 503, 3, true},
		{"GET marked not idempotent", Request{Method: "GET", Path: "/x", Idempotency: NotIdempotent}, 503, 1, false},
		{"GET 500 never retried", Request{Method: "GET", Path: "/iocs/combined/indicator/v1"}, 500, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				fake := newFake("a", sequence(status(tt.code), status(tt.code), okResources(`[]`)))
				c := bubbleClient(t, fake)
				req := tt.req
				_, err := c.Do(t.Context(), &req, nil)
				if n := len(fake.calls()); n != tt.calls {
					t.Errorf("API calls = %d, want %d", n, tt.calls)
				}
				if tt.wantOK != (err == nil) {
					t.Fatalf("err = %v", err)
				}
				if err != nil {
					ae, ok := errors.AsType[*APIError](err)
					if !ok || ae.StatusCode != tt.code || !ResponseLost(err) {
						t.Errorf("err = %v, ResponseLost %v", err, ResponseLost(err))
					}
				}
			})
		})
	}
}

func TestTransportErrorsRetriedOnlyWhenSafe(t *testing.T) {
	t.Parallel()
	for _, method := range []string{"GET", "POST"} {
		t.Run(method, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				fake := newFake("a", okResources(`["x"]`))
				var mu sync.Mutex
				apiSends := 0
				rt := roundTrip(func(r *http.Request) (*http.Response, error) {
					if r.URL.Path != tokenPath {
						mu.Lock()
						apiSends++
						n := apiSends
						mu.Unlock()
						if n <= 2 {
							return nil, errors.New("read tcp: connection reset by peer")
						}
					}
					return inMemory(fake).Transport.RoundTrip(r)
				})
				c := bubbleClient(t, fake, WithHTTPClient(&http.Client{Transport: rt}))
				var out []string
				_, err := c.Do(t.Context(), &Request{Method: method, Path: "/x"}, &out)
				if method == "GET" {
					if err != nil || apiSends != 3 || len(out) != 1 {
						t.Errorf("GET: err %v, sends %d, out %v", err, apiSends, out)
					}
					return
				}
				re, ok := errors.AsType[*RequestError](err)
				if !ok || apiSends != 1 || !ResponseLost(err) || re.Method != "POST" {
					t.Errorf("POST: err %T %v, sends %d", err, err, apiSends)
				}
			})
		})
	}
}

func TestCancelledContextDuringWaitReturnsPromptly(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		fake := newFake("a", status(http.StatusServiceUnavailable))
		c := bubbleClient(t, fake, WithRetry(RetryPolicy{MaxAttempts: 5, MinWait: 20 * time.Second, MaxWait: time.Minute}))
		ctx, cancel := context.WithCancel(t.Context())
		start := time.Now()
		time.AfterFunc(3*time.Second, cancel)
		_, err := c.Do(ctx, &Request{Path: "/x"}, nil)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		if got := time.Since(start); got != 3*time.Second {
			t.Errorf("returned after %v, want at the cancellation (3s)", got)
		}
		if n := len(fake.calls()); n != 1 {
			t.Errorf("API calls = %d", n)
		}
	})
}

func TestCancelledContextDuringRateLimitWait(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		fake := newFake("a", status(http.StatusTooManyRequests, "Retry-After", "25"))
		c := bubbleClient(t, fake)
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
		defer cancel()
		start := time.Now()
		_, err := c.Do(ctx, &Request{Path: "/x"}, nil)
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != 2*time.Second {
			t.Fatalf("err = %v after %v", err, time.Since(start))
		}
	})
}

func TestPerAttemptTimeout(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		n := 0
		fake := newFake("a", func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			n++
			first := n == 1
			mu.Unlock()
			if first {
				<-r.Context().Done() // hang until the attempt times out
				return
			}
			okResources(`[]`)(w, r)
		})
		c := bubbleClient(t, fake, WithTimeout(5*time.Second))
		if _, err := c.Do(t.Context(), &Request{Path: "/x"}, nil); err != nil {
			t.Fatalf("Do: %v", err)
		}
		if n != 2 {
			t.Errorf("attempts = %d, want 2", n)
		}
	})
}

// Test429FarFutureRetryAfterIsCapped answers one 429 whose retry time is
// absurdly far away (a bogus header, or one that overflows), then 200s: the
// shared cooldown ends after MaxCooldown, the error says the wait was
// capped, and the client works again afterwards.
func Test429FarFutureRetryAfterIsCapped(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, key, value string }{
		{"year 2100 in seconds", "X-RateLimit-RetryAfter", "4102444800"},
		{"year 2100 in milliseconds", "X-RateLimit-RetryAfter", "4102444800000"},
		{"max int64", "X-RateLimit-RetryAfter", "9223372036854775807"},
		{"Retry-After seconds overflowing", "Retry-After", "99999999999"},
		{"Retry-After date", "Retry-After", "Fri, 01 Jan 2100 00:00:00 GMT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				start := time.Now()
				fake := newFake("a", sequence(status(http.StatusTooManyRequests, tt.key, tt.value), okResources(`[]`)))
				c := bubbleClient(t, fake)

				_, err := c.Do(t.Context(), &Request{Path: "/x"}, nil)
				rl, ok := errors.AsType[*RateLimitError](err)
				if !ok {
					t.Fatalf("err = %T %v, want *RateLimitError", err, err)
				}
				if !rl.RetryAfter.Equal(start.Add(MaxCooldown)) || !rl.Capped {
					t.Errorf("RetryAfter = %v (capped %t), want now + %v", rl.RetryAfter, rl.Capped, MaxCooldown)
				}
				if msg := err.Error(); !strings.Contains(msg, "capped") || !strings.Contains(msg, "15m") {
					t.Errorf("message %q does not say the wait was capped at 15m", msg)
				}
				if time.Since(start) != 0 {
					t.Errorf("waited %v before giving up", time.Since(start))
				}

				// Inside the capped cooldown, while more than MaxWait (30 s)
				// of it is left, calls are refused unsent.
				time.Sleep(MaxCooldown - time.Minute)
				if _, err := c.Do(t.Context(), &Request{Path: "/x"}, nil); !errors.Is(err, ErrRateLimited) {
					t.Errorf("call inside the cooldown: %v", err)
				}
				// Once it has passed, the client works again.
				time.Sleep(time.Minute + time.Second)
				if _, err := c.Do(t.Context(), &Request{Path: "/x"}, nil); err != nil {
					t.Errorf("call after the capped cooldown: %v", err)
				}
				if n := len(fake.calls()); n != 2 {
					t.Errorf("API calls = %d, want 2", n)
				}
			})
		})
	}
}

// TestRetryPresetsCannotBeCorrupted changes the policies the presets return
// and checks that the presets do not see the change.
func TestRetryPresetsCannotBeCorrupted(t *testing.T) {
	t.Parallel()
	want := RetryPolicy{MaxAttempts: 5, MinWait: 500 * time.Millisecond, MaxWait: 90 * time.Second}
	p := DefaultRetryPolicy()
	p.MaxAttempts, p.MaxWait = 1, 0
	n := NoRetry()
	n.MaxAttempts = 50
	if got := DefaultRetryPolicy(); got != want {
		t.Errorf("DefaultRetryPolicy() = %+v, want %+v", got, want)
	}
	if got := NoRetry(); got != (RetryPolicy{MaxAttempts: 1}) {
		t.Errorf("NoRetry() = %+v", got)
	}
}
