package falcontest

import (
	"net/http"
	"strconv"
	"sync"
	"time"
)

// window is a sliding request counter, one minute long unless
// WithRateLimitWindow says otherwise.
type window struct {
	mu    sync.Mutex
	limit int
	span  int64   // nanoseconds
	times []int64 // ring buffer of request times (Unix nanoseconds)
	head  int
	n     int
}

func newWindow(limit int, span time.Duration) *window {
	if limit <= 0 {
		return &window{}
	}
	if span <= 0 {
		span = time.Minute
	}
	return &window{limit: limit, span: int64(span), times: make([]int64, limit)}
}

// take counts one request at now. It reports the requests remaining in the
// window and, when the window is full, false and when the oldest request
// leaves it.
func (w *window) take(now time.Time) (ok bool, remaining int, retryAt time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	t := now.UnixNano()
	cut := t - w.span
	for w.n > 0 && (w.times[w.head] <= cut || w.times[w.head] > t+w.span) {
		// expired, or recorded under a clock that has since gone back
		w.head = (w.head + 1) % w.limit
		w.n--
	}
	if w.n >= w.limit {
		return false, 0, time.Unix(0, w.times[w.head]+w.span)
	}
	w.times[(w.head+w.n)%w.limit] = t
	w.n++
	return true, w.limit - w.n, time.Time{}
}

// headers counts the request and sets the X-RateLimit headers; when the
// window is full it sets a 429 answer.
func (w *window) headers(c *call) {
	if w.limit <= 0 {
		return
	}
	ok, remaining, retryAt := w.take(c.now)
	c.header.Set("X-Ratelimit-Limit", strconv.Itoa(w.limit))
	c.header.Set("X-Ratelimit-Remaining", strconv.Itoa(remaining))
	if !ok {
		c.rateLimited(retryAt)
	}
}

// rateLimited sets a 429 answer that asks to retry at retryAt.
func (c *call) rateLimited(retryAt time.Time) {
	var v int64
	if c.s.cfg.retryAfterMS {
		v = retryAt.UnixMilli()
	} else {
		v = (retryAt.UnixNano() + int64(time.Second) - 1) / int64(time.Second)
	}
	c.header.Set("X-Ratelimit-Retryafter", strconv.FormatInt(v, 10))
	if c.header.Get("X-Ratelimit-Limit") != "" {
		c.header.Set("X-Ratelimit-Remaining", "0")
	}
	c.fail(http.StatusTooManyRequests, "API rate limit exceeded.")
}
