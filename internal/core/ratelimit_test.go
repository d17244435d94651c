package core

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/falconioc/falcon/internal/testutil"
)

// rateServer answers 200 with the rate-limit headers it is told to send,
// and records when each request arrived (synctest's clock).
type rateServer struct {
	mu        sync.Mutex
	limit     int
	remaining int
	status    int
	retryAt   time.Time
	noHeaders bool
	times     []time.Time
}

func (s *rateServer) set(limit, remaining int) {
	s.mu.Lock()
	s.limit, s.remaining = limit, remaining
	s.mu.Unlock()
}

func (s *rateServer) arrivals() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.times...)
}

func (s *rateServer) client(cfg Config) *Client {
	cfg.HTTPClient = &http.Client{Transport: testutil.RoundTripFunc(func(r *http.Request) (*http.Response, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.times = append(s.times, time.Now())
		h := http.Header{}
		if !s.noHeaders {
			h.Set("X-Ratelimit-Limit", strconv.Itoa(s.limit))
			h.Set("X-Ratelimit-Remaining", strconv.Itoa(s.remaining))
		}
		code := 200
		if s.status != 0 {
			code, s.status = s.status, 0
			h.Set("X-Ratelimit-Retryafter", strconv.FormatInt(s.retryAt.UnixMilli(), 10))
			if !s.noHeaders {
				h.Set("X-Ratelimit-Remaining", "0") // a 429 means the window is full
			}
		}
		return &http.Response{StatusCode: code, Body: io.NopCloser(strings.NewReader(`{}`)), Header: h, Request: r}, nil
	})}
	cfg.BaseURL = "https://api.test"
	if cfg.Retry.MaxAttempts == 0 {
		cfg.Retry = Policy{MaxAttempts: 3, MinWait: time.Second, MaxWait: time.Minute}
	}
	return New(cfg)
}

func get(ctx context.Context, c *Client) error {
	_, err := c.Do(ctx, &Request{Method: "GET", Path: "/p", Repeatable: true}, Envelope{})
	return err
}

// sendN sends n requests one after another and returns how long they took
// on synctest's clock.
func sendN(t *testing.T, c *Client, n int) time.Duration {
	t.Helper()
	start := time.Now()
	for range n {
		if err := get(t.Context(), c); err != nil {
			t.Fatal(err)
		}
	}
	return time.Since(start)
}

func TestPacerFarFromTheLimitWaitsNothing(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		s := &rateServer{limit: 6000, remaining: 5000}
		c := s.client(Config{})
		if d := sendN(t, c, 200); d != 0 {
			t.Errorf("200 requests far from the limit took %v, want no wait", d)
		}
		// Without any answer yet, the documented default applies: a
		// burst of concurrent first requests is not held back either.
		c = s.client(Config{})
		var wg sync.WaitGroup
		start := time.Now()
		for range 50 {
			wg.Go(func() {
				if err := get(t.Context(), c); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if d := time.Since(start); d != 0 {
			t.Errorf("50 concurrent first requests took %v", d)
		}
	})
}

func TestPacerSpreadsTheLastOfTheBudget(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		// 100 per minute, 5 left: the pacer spreads them out, each waiting
		// window/remaining after the previous one.
		s := &rateServer{limit: 100, remaining: 5}
		c := s.client(Config{})
		if err := get(t.Context(), c); err != nil { // learns the headers
			t.Fatal(err)
		}
		s.set(100, 4)
		sendN(t, c, 4)
		got := s.arrivals()
		// After the first answer the estimate is 5, then 4: waits of
		// 60s/5, 60s/4, 60s/4, ... as each answer says 4 again.
		if len(got) != 5 {
			t.Fatalf("%d requests arrived", len(got))
		}
		for i := 1; i < len(got); i++ {
			gap := got[i].Sub(got[i-1])
			if gap < 10*time.Second || gap > 20*time.Second {
				t.Errorf("gap %d = %v, want between window/5 and window/3", i, gap)
			}
		}
	})
}

func TestPacerEngagesOnlyNearTheLimit(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		// A tenth of the limit is where pacing starts.
		s := &rateServer{limit: 1000, remaining: 101}
		c := s.client(Config{})
		if d := sendN(t, c, 3); d != 0 {
			t.Errorf("with 101 of 1000 left: %v", d)
		}
		s.set(1000, 99)
		if err := get(t.Context(), c); err != nil {
			t.Fatal(err)
		}
		if d := sendN(t, c, 2); d == 0 {
			t.Error("with 99 of 1000 left the requests were not paced")
		}
	})
}

func TestPacerFollowsTheHeaders(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		s := &rateServer{limit: 100, remaining: 1}
		c := s.client(Config{})
		if err := get(t.Context(), c); err != nil {
			t.Fatal(err)
		}
		// One left: the next request waits a whole window, unless an
		// answer reports room sooner. Another goroutine's answer does.
		done := make(chan time.Duration)
		go func() {
			start := time.Now()
			if err := get(t.Context(), c); err != nil {
				t.Error(err)
			}
			done <- time.Since(start)
		}()
		synctest.Wait() // the request waits for the pacer
		time.Sleep(5 * time.Second)
		p := c.pacer
		p.mu.Lock()
		p.applied = 0 // as if an earlier request's answer came only now
		tk := ticket{n: p.sent, at: time.Now().UnixNano()}
		p.mu.Unlock()
		p.observe(tk, http.Header{"X-Ratelimit-Limit": {"100"}, "X-Ratelimit-Remaining": {"90"}})
		if d := <-done; d != 5*time.Second {
			t.Errorf("waiter left after %v, want as soon as the answer came (5s)", d)
		}
		// A new limit is taken in: 10,000 with 2,000 left is far from it.
		s.set(10000, 2000)
		if err := get(t.Context(), c); err != nil {
			t.Fatal(err)
		}
		if d := sendN(t, c, 100); d != 0 {
			t.Errorf("after the limit rose: %v", d)
		}
		// An answer that is older than one already applied does not count.
		before := p.remaining
		p.observe(ticket{n: 1}, http.Header{"X-Ratelimit-Limit": {"10000"}, "X-Ratelimit-Remaining": {"3"}})
		if p.remaining != before {
			t.Errorf("a stale answer moved the estimate from %d to %d", before, p.remaining)
		}
	})
}

func TestPacerCountsRequestsInFlight(t *testing.T) {
	t.Parallel()
	p := newPacer(100, time.Minute)
	var ns []ticket
	for range 5 {
		n, err := p.acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		ns = append(ns, n)
	}
	// The answer to the first says 50 left; four more were sent after it
	// and are not in that count.
	p.observe(ns[0], http.Header{"X-Ratelimit-Limit": {"100"}, "X-Ratelimit-Remaining": {"50"}})
	if p.remaining != 46 {
		t.Errorf("remaining = %d, want 46", p.remaining)
	}
	// Hostile or broken headers are ignored.
	for _, h := range []http.Header{
		{"X-Ratelimit-Limit": {"0"}, "X-Ratelimit-Remaining": {"0"}},
		{"X-Ratelimit-Limit": {"-5"}, "X-Ratelimit-Remaining": {"0"}},
		{"X-Ratelimit-Limit": {"99999999999999999999"}, "X-Ratelimit-Remaining": {"0"}},
		{"X-Ratelimit-Limit": {"100"}, "X-Ratelimit-Remaining": {"many"}},
		{"X-Ratelimit-Limit": {""}},
		{},
	} {
		p.observe(ns[4], h)
		if p.remaining != 46 || p.limit != 100 {
			t.Errorf("%v moved the pacer to %d of %d", h, p.remaining, p.limit)
		}
	}
}

func TestPacerOff(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		s := &rateServer{limit: 100, remaining: 0}
		c := s.client(Config{NoPacing: true})
		if d := sendN(t, c, 20); d != 0 {
			t.Errorf("without pacing 20 requests at 0 remaining took %v", d)
		}
		if c.pacer != nil {
			t.Error("NoPacing left a pacer")
		}
	})
}

func TestPacerWaitEndsWithContext(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		s := &rateServer{limit: 100, remaining: 0}
		c := s.client(Config{})
		if err := get(t.Context(), c); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error)
		start := time.Now()
		go func() { done <- get(ctx, c) }()
		synctest.Wait()
		time.Sleep(time.Second)
		cancel()
		err := <-done
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
		if d := time.Since(start); d != time.Second {
			t.Errorf("returned %v after the start, want at the cancellation (1s)", d)
		}
		if n := len(s.arrivals()); n != 1 {
			t.Errorf("%d requests sent, want 1", n)
		}
		// A deadline is honoured the same way.
		ctx, cancel = context.WithTimeout(t.Context(), 3*time.Second)
		defer cancel()
		if err := get(ctx, c); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want context.DeadlineExceeded", err)
		}
	})
}

func TestPacerAfter429ProbesThenFollowsTheAnswer(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		s := &rateServer{limit: 100, remaining: 50, status: 429}
		s.retryAt = time.Now().Add(2 * time.Second)
		c := s.client(Config{})
		start := time.Now()
		if err := get(t.Context(), c); err != nil {
			t.Fatal(err)
		}
		// The 429 (0 left) made the request wait for the cooldown, then
		// the probe went at once rather than when the oldest request
		// leaves the window; its answer (50 left) ends pacing.
		if d := time.Since(start); d < 2*time.Second || d > 3*time.Second {
			t.Errorf("429 then retry took %v", d)
		}
		if d := sendN(t, c, 10); d != 0 {
			t.Errorf("after the probe's answer: %v", d)
		}
	})
}

func TestPacerRecoversWithoutHeaders(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		// A server that never sends the headers: the default limit of
		// 6,000 a minute is counted down, then restored once a window has
		// passed, so the client never stalls.
		s := &rateServer{noHeaders: true}
		c := s.client(Config{RateWindow: time.Second})
		start := time.Now()
		sendN(t, c, 3*DefaultRateLimit)
		if d := time.Since(start); d > 4*time.Second {
			t.Errorf("three windows' worth took %v", d)
		}
		// A 429 without the headers leaves only the cooldown.
		s.status, s.retryAt = 429, time.Now().Add(time.Second)
		if d := sendN(t, c, 3); d > 2*time.Second {
			t.Errorf("after a bare 429: %v", d)
		}
	})
}

func TestPacerLeavesNoGoroutine(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		s := &rateServer{limit: 100, remaining: 1}
		c := s.client(Config{})
		ctx, cancel := context.WithCancel(t.Context())
		var wg sync.WaitGroup
		for range 10 {
			wg.Go(func() { _ = get(ctx, c) })
		}
		synctest.Wait()
		cancel()
		wg.Wait()
		// synctest.Test fails if a goroutine of the bubble is left.
	})
}

func BenchmarkPacer(b *testing.B) {
	h := http.Header{"X-Ratelimit-Limit": {"6000"}, "X-Ratelimit-Remaining": {"5999"}}
	b.Run("acquire+observe", func(b *testing.B) {
		p := newPacer(DefaultRateLimit, time.Minute)
		ctx := context.Background()
		for b.Loop() {
			tk, _ := p.acquire(ctx)
			p.observe(tk, h)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		p := newPacer(DefaultRateLimit, time.Minute)
		b.RunParallel(func(pb *testing.PB) {
			ctx := context.Background()
			for pb.Next() {
				tk, _ := p.acquire(ctx)
				p.observe(tk, h)
			}
		})
	})
}

func TestPacerSendsWhenItsOwnRequestLeavesTheWindow(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		s := &rateServer{limit: 100, remaining: 50}
		c := s.client(Config{})
		start := time.Now()
		if err := get(t.Context(), c); err != nil { // A, at 0
			t.Fatal(err)
		}
		time.Sleep(30 * time.Second)
		s.set(100, 1)
		if err := get(t.Context(), c); err != nil { // B, at 30s: one left
			t.Fatal(err)
		}
		// C would wait a whole window after B (at 90s), but A leaves the
		// window at 60s (plus a margin of a hundredth of it), which frees
		// a place.
		if err := get(t.Context(), c); err != nil {
			t.Fatal(err)
		}
		got := s.arrivals()[2].Sub(start)
		if want := time.Minute + time.Minute/100; got != want {
			t.Errorf("C left at %v, want %v, when A left the window", got, want)
		}
	})
}

func TestPacerSendLogGrowsOnly(t *testing.T) {
	t.Parallel()
	p := newPacer(10, time.Minute)
	var tks []ticket
	for range 5 {
		tk, err := p.acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		tks = append(tks, tk)
	}
	h := func(limit int) http.Header {
		return http.Header{"X-Ratelimit-Limit": {strconv.Itoa(limit)}, "X-Ratelimit-Remaining": {"1"}}
	}
	p.observe(tks[0], h(1000))
	if len(p.sends) != 1000 || p.count != 5 {
		t.Fatalf("after a higher limit: log of %d holding %d, want 1000 holding 5", len(p.sends), p.count)
	}
	for i, tk := range tks {
		if got := p.sends[i]; got != tk.at {
			t.Errorf("send %d: logged %d, want %d", i, got, tk.at)
		}
	}
	p.observe(tks[1], h(20))
	p.observe(tks[2], h(999999999))
	if len(p.sends) != maxSendLog || p.count != 5 || p.limit != 999999999 {
		t.Errorf("log of %d holding %d, limit %d", len(p.sends), p.count, p.limit)
	}
}

// TestPacerWaitedOnlyWhenHeld checks, on the real clock, that a request
// far from the limit is not reported as held back (the client logs those).
func TestPacerWaitedOnlyWhenHeld(t *testing.T) {
	t.Parallel()
	p := newPacer(100, time.Minute)
	for range 50 {
		tk, err := p.acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if tk.waited != 0 {
			t.Fatalf("request %d far from the limit reported a wait of %v", tk.n, tk.waited)
		}
	}
}

// TestPacerForgetsSendsTheAnswerDidNotCount checks that a request sent
// more than a window before the one an answer is about gives no place back
// when it later leaves the window: the answer's count already left it out,
// so giving one back would count it twice.
func TestPacerForgetsSendsTheAnswerDidNotCount(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		p := newPacer(100, time.Minute)
		if _, err := p.acquire(t.Context()); err != nil { // sent at 0
			t.Fatal(err)
		}
		time.Sleep(59*time.Second + 500*time.Millisecond)
		tk, err := p.acquire(t.Context()) // sent at 59.5 s, the first still logged
		if err != nil {
			t.Fatal(err)
		}
		p.observe(tk, http.Header{"X-Ratelimit-Limit": {"100"}, "X-Ratelimit-Remaining": {"10"}})
		time.Sleep(2 * time.Second) // the first request is surely out of the window now
		p.mu.Lock()
		p.expire(time.Now().UnixNano())
		got := p.remaining
		p.mu.Unlock()
		if got != 10 {
			t.Errorf("remaining = %d after the first request left the window, want 10 (the answer did not count it)", got)
		}
	})
}
