package core

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// DefaultRateLimit is the API's documented rate limit: requests per
// window (DefaultRateWindow) per customer account. The pacer assumes it
// until an answer says otherwise.
const DefaultRateLimit = 6000

// DefaultRateWindow is the length of the API's sliding rate-limit window.
const DefaultRateWindow = time.Minute

// pacer keeps the requests of one client under the API's rate limit. It
// mirrors the server's count: the X-RateLimit-Limit and
// X-RateLimit-Remaining headers of every answer set the estimate of the
// requests left in the window, and every request sent since takes one off.
//
// While the estimate is above a tenth of the limit, requests leave at once:
// the pacer only counts. Below it, they are spread out: each waits
// window/remaining after the previous one, so that what is left of the
// budget lasts a whole window, the time it takes the requests already
// counted to leave the sliding window. Answers that report more room
// shorten the waits at once. After a 429 one request may go when the
// answer said (the shared cooldown), to probe the window.
//
// It starts no goroutine: waiting requests sleep on their own timers.
type pacer struct {
	window time.Duration

	mu        sync.Mutex
	limit     int       // the last X-RateLimit-Limit, DefaultRateLimit before
	remaining int       // estimate of the requests left in the window
	sent      uint64    // requests let through; the last one's number
	applied   uint64    // number of the request whose answer set remaining
	last      time.Time // when the last request was let through
	infoAt    time.Time // when remaining was last set from an answer
	probeAt   time.Time // after a 429: when one request may test the window
	wake      chan struct{}
}

func newPacer(limit int, window time.Duration) *pacer {
	if limit <= 0 {
		limit = DefaultRateLimit
	}
	if window <= 0 {
		window = DefaultRateWindow
	}
	return &pacer{window: window, limit: limit, remaining: limit, infoAt: time.Now()}
}

// low is the estimate below which requests are paced.
func (p *pacer) low() int { return max(p.limit/10, 1) }

// acquire waits until a request may leave and returns its number, to give
// to observe with its answer. Waiting ends early, with ctx's error, when
// ctx is done.
func (p *pacer) acquire(ctx context.Context) (uint64, error) {
	p.mu.Lock()
	for {
		now := time.Now()
		if p.remaining <= p.low() && now.Sub(p.infoAt) >= p.window {
			// No answer has said anything for a whole window: whatever
			// was counted has left it.
			p.remaining, p.infoAt, p.probeAt = p.limit, now, time.Time{}
		}
		if p.remaining <= p.low() {
			at := p.slot()
			if now.Before(at) {
				if p.wake == nil {
					p.wake = make(chan struct{})
				}
				wake := p.wake
				p.mu.Unlock()
				t := time.NewTimer(at.Sub(now))
				select {
				case <-ctx.Done():
					t.Stop()
					return 0, ctx.Err()
				case <-wake:
					t.Stop()
				case <-t.C:
				}
				p.mu.Lock()
				continue
			}
			if p.remaining <= 0 {
				p.probeAt = time.Time{}
			}
		}
		p.remaining--
		p.sent++
		p.last = now
		n := p.sent
		p.mu.Unlock()
		return n, nil
	}
}

// slot is when the next paced request may leave.
func (p *pacer) slot() time.Time {
	if p.remaining <= 0 {
		if !p.probeAt.IsZero() {
			return p.probeAt
		}
		return p.last.Add(p.window)
	}
	return p.last.Add(p.window / time.Duration(p.remaining))
}

// observe takes in the rate-limit headers of the answer to request n. An
// answer only counts if no later request has been answered yet: the
// requests sent after n are not in its count, so they come off it.
func (p *pacer) observe(n uint64, h http.Header) {
	limit, ok := headerCount(h, "X-Ratelimit-Limit")
	if !ok || limit <= 0 {
		return
	}
	rem, ok := headerCount(h, "X-Ratelimit-Remaining")
	if !ok {
		return
	}
	p.mu.Lock()
	if n > p.applied && n <= p.sent {
		p.applied = n
		old := p.remaining
		p.limit = limit
		p.infoAt = time.Now()
		p.remaining = min(rem, limit) - int(min(p.sent-n, uint64(limit)))
		if p.remaining > 0 {
			p.probeAt = time.Time{}
		}
		if p.remaining > old && p.wake != nil {
			close(p.wake)
			p.wake = nil
		}
	}
	p.mu.Unlock()
}

// blocked records a 429 with header h: the window is full until at, when
// one request may probe it. A 429 that does not carry the rate-limit
// headers says nothing about the window and only leaves the cooldown.
func (p *pacer) blocked(at time.Time, h http.Header) {
	if _, ok := headerCount(h, "X-Ratelimit-Limit"); !ok {
		return
	}
	p.mu.Lock()
	p.remaining = min(p.remaining, 0)
	if at.After(p.probeAt) {
		p.probeAt = at
	}
	p.mu.Unlock()
}

// headerCount reads a non-negative decimal header value of at most nine
// digits (anything larger is no plausible request count).
func headerCount(h http.Header, key string) (int, bool) {
	vs := h[key]
	if len(vs) == 0 || len(vs[0]) == 0 || len(vs[0]) > 9 {
		return 0, false
	}
	n, err := strconv.Atoi(vs[0])
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// paceError wraps ctx's error when it ended a wait for the pacer.
func paceError(req *Request, err error) error {
	return fmt.Errorf("falcon: %s %s: gave up waiting for the rate limit: %w", req.Method, req.Path, err)
}
