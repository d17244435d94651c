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

// maxSendLog bounds how many send times the pacer keeps (a limit header
// larger than this is taken as no reason to keep more).
const maxSendLog = 1 << 16

// pacer keeps the requests of one client under the API's rate limit. It
// mirrors the server's count: the X-RateLimit-Limit and
// X-RateLimit-Remaining headers of every answer set the estimate of the
// requests left in the sliding window, every request sent since takes one
// off, and every request of this client that has left the window since
// (it keeps their send times) gives one back.
//
// While the estimate is above a tenth of the limit, requests leave at once:
// the pacer only counts. Below it, they are spread out: each waits
// window/remaining after the previous one, so that what is left of the
// budget lasts a whole window, unless one of its own earlier requests
// leaves the window sooner, which frees a place at once. Answers that
// report more room shorten the waits at once. After a 429 that carries the
// headers, one request may go when the answer said (the shared cooldown),
// to probe the window.
//
// It starts no goroutine: waiting requests sleep on their own timers.
type pacer struct {
	window time.Duration
	margin time.Duration // how long after window a request is sure to have left it

	mu        sync.Mutex
	limit     int       // the last X-RateLimit-Limit, DefaultRateLimit before
	remaining int       // estimate of the requests left in the window
	sent      uint64    // requests let through; the last one's number
	applied   uint64    // number of the request whose answer set remaining
	last      time.Time // when the last request was let through
	infoAt    time.Time // when remaining was last set from an answer
	probeAt   time.Time // after a 429: when one request may test the window
	wake      chan struct{}

	// sends is a ring of the send times (Unix nanoseconds) of the requests
	// still in the window, oldest at head.
	sends []int64
	head  int
	count int
	freed int // places given back by expire since the last answer, not yet used
}

// ticket is what acquire hands out for one request.
type ticket struct {
	n      uint64        // the request's number
	at     int64         // when it left (Unix nanoseconds)
	waited time.Duration // how long the pacer held it back
	left   int           // the estimate of places left once it was let through
}

func newPacer(limit int, window time.Duration) *pacer {
	if limit <= 0 {
		limit = DefaultRateLimit
	}
	if window <= 0 {
		window = DefaultRateWindow
	}
	return &pacer{
		window: window, margin: window / 100,
		limit: limit, remaining: limit, infoAt: time.Now(),
		sends: make([]int64, min(limit, maxSendLog)),
	}
}

// low is the estimate below which requests are paced.
func (p *pacer) low() int { return max(p.limit/10, 1) }

// acquire waits until a request may leave and returns its ticket, to give
// to observe with its answer. Waiting ends early, with ctx's error, when
// ctx is done.
func (p *pacer) acquire(ctx context.Context) (ticket, error) {
	var start time.Time // when the request was first held back
	p.mu.Lock()
	for {
		now := time.Now()
		p.expire(now.UnixNano())
		if p.remaining <= p.low() && now.Sub(p.infoAt) >= p.window+p.margin {
			// No answer has said anything for a whole window: whatever
			// was counted then has left it.
			p.remaining, p.infoAt, p.probeAt = p.limit, now, time.Time{}
		}
		switch {
		case p.remaining > p.low():
		case p.freed > 0 && p.remaining > 0:
			// One of this client's requests left the window: its place
			// is taken at once.
			p.freed--
		default:
			at := p.slot()
			if now.Before(at) {
				if start.IsZero() {
					start = now
				}
				if p.wake == nil {
					p.wake = make(chan struct{})
				}
				wake := p.wake
				p.mu.Unlock()
				t := time.NewTimer(at.Sub(now))
				select {
				case <-ctx.Done():
					t.Stop()
					return ticket{}, ctx.Err()
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
		tk := ticket{n: p.sent, at: now.UnixNano(), left: p.remaining}
		if !start.IsZero() {
			tk.waited = max(now.Sub(start), 1) // held back, if only for an instant
		}
		p.record(tk.at)
		p.mu.Unlock()
		return tk, nil
	}
}

// slot is when the next paced request may leave: its turn in the spread
// of what remains, or as soon as the oldest request sent leaves the
// window, whichever comes first.
func (p *pacer) slot() time.Time {
	var at time.Time
	switch {
	case p.remaining > 0:
		at = p.last.Add(p.window / time.Duration(p.remaining))
	case !p.probeAt.IsZero():
		at = p.probeAt
	default:
		at = p.last.Add(p.window)
	}
	if p.count > 0 {
		if free := time.Unix(0, p.sends[p.head]).Add(p.window + p.margin); free.Before(at) {
			at = free
		}
	}
	return at
}

// record logs a send time, dropping the oldest when the log is full.
func (p *pacer) record(at int64) {
	if len(p.sends) == 0 {
		return
	}
	if p.count == len(p.sends) {
		p.head = (p.head + 1) % len(p.sends)
		p.count--
	}
	p.sends[(p.head+p.count)%len(p.sends)] = at
	p.count++
}

// expire gives back a place for each logged request that has surely left
// the window by now.
func (p *pacer) expire(now int64) {
	cut := now - int64(p.window+p.margin)
	for p.count > 0 && p.sends[p.head] <= cut {
		p.head = (p.head + 1) % len(p.sends)
		p.count--
		if p.remaining < p.limit {
			p.remaining++
			p.freed++
		}
	}
}

// forget drops, without giving a place back, the logged requests sent at
// or before cut: they were out of the window the answer counted.
func (p *pacer) forget(cut int64) {
	for p.count > 0 && p.sends[p.head] <= cut {
		p.head = (p.head + 1) % len(p.sends)
		p.count--
	}
}

// grow makes the send log hold a window's worth of requests under a higher
// limit. It never shrinks, so a server that keeps changing its limit costs
// one allocation per new high, at most maxSendLog times eight bytes.
func (p *pacer) grow(limit int) {
	size := min(limit, maxSendLog)
	if size <= len(p.sends) {
		return
	}
	s := make([]int64, size)
	for i := range p.count {
		s[i] = p.sends[(p.head+i)%len(p.sends)]
	}
	p.sends, p.head = s, 0
}

// observe takes in the rate-limit headers of the answer to the request of
// tk. An answer only counts if no later request has been answered yet:
// the requests sent after it are not in its count, so they come off it.
func (p *pacer) observe(tk ticket, h http.Header) {
	limit, ok := headerCount(h, "X-Ratelimit-Limit")
	if !ok || limit <= 0 {
		return
	}
	rem, ok := headerCount(h, "X-Ratelimit-Remaining")
	if !ok {
		return
	}
	p.mu.Lock()
	if tk.n > p.applied && tk.n <= p.sent {
		p.applied = tk.n
		old := p.remaining
		p.grow(limit)
		p.limit = limit
		now := time.Now()
		p.infoAt = now
		p.remaining = min(rem, limit) - int(min(p.sent-tk.n, uint64(limit)))
		// The requests sent a window before this one were no longer
		// counted; those sent since will give their place back when they
		// leave the window.
		p.forget(tk.at - int64(p.window) + int64(p.margin))
		p.freed = 0
		p.expire(now.UnixNano())
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
