package falcontest

import (
	"net/http"
	"sync"
	"time"
)

type faultKind int

const (
	faultStatus     faultKind = iota // answer status before doing anything
	faultRateLimit                   // answer 429 before doing anything
	faultDrop                        // close the connection before doing anything
	faultTruncate                    // do the request, send half the body
	faultLose                        // do the request, then close the connection
	faultLoseStatus                  // do the request, then answer status
)

type fault struct {
	kind       faultKind
	status     int
	retryAfter time.Time
	n          int
}

// faultState is a FIFO of one-shot faults followed by rate-based draws.
type faultState struct {
	mu    sync.Mutex
	queue []fault
	rates FaultRates
	rnd   lockedRand
	turn  int
}

func (f *faultState) push(ft fault) {
	if ft.n <= 0 {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queue = append(f.queue, ft)
}

func (f *faultState) clear() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queue = nil
}

// take returns the fault for the next request, if any.
func (f *faultState) take() (fault, bool) {
	f.mu.Lock()
	if len(f.queue) > 0 {
		ft := f.queue[0]
		f.queue[0].n--
		if f.queue[0].n == 0 {
			f.queue = f.queue[1:]
		}
		f.mu.Unlock()
		return ft, true
	}
	r := f.rates
	f.mu.Unlock()
	if r == (FaultRates{}) {
		return fault{}, false
	}
	x := f.rnd.float()
	for _, c := range []struct {
		p  float64
		ft fault
	}{
		{r.ServerError, fault{kind: faultStatus}},
		{r.RateLimit, fault{kind: faultRateLimit}},
		{r.Drop, fault{kind: faultDrop}},
		{r.Truncate, fault{kind: faultTruncate}},
		{r.LoseResponse, fault{kind: faultLose}},
	} {
		if x < c.p {
			if c.ft.kind == faultStatus {
				f.mu.Lock()
				c.ft.status = []int{500, 502, 503}[f.turn%3]
				f.turn++
				f.mu.Unlock()
			}
			return c.ft, true
		}
		x -= c.p
	}
	return fault{}, false
}

// preFault applies a fault that acts before the handler; it returns the
// outcome, or "" when the fault acts after the handler.
func (c *call) preFault(f fault) string {
	switch f.kind {
	case faultStatus:
		c.fail(f.status, statusText(f.status))
		return "injected " + http.StatusText(f.status)
	case faultRateLimit:
		at := f.retryAfter
		if at.IsZero() {
			at = c.now.Add(time.Second)
		}
		c.rateLimited(at)
		return "injected 429"
	case faultDrop:
		return "dropped"
	}
	return ""
}

// FailNext makes the next n API requests answer status (for example 500,
// 502 or 503) with an error envelope, without doing anything. One-shot
// faults (FailNext, RateLimitNext, DropNext, TruncateNext,
// LoseResponseNext, FailAfterWriteNext) queue up in call order and apply to
// authenticated API requests, before any fault rate.
func (s *Server) FailNext(status, n int) {
	if status < 400 || status > 599 {
		panic("falcontest: FailNext needs a 4xx or 5xx status")
	}
	s.faults.push(fault{kind: faultStatus, status: status, n: n})
}

// RateLimitNext makes the next n API requests answer 429 with
// X-RateLimit-RetryAfter set to retryAfter (one second after the request
// when zero).
func (s *Server) RateLimitNext(n int, retryAfter time.Time) {
	s.faults.push(fault{kind: faultRateLimit, retryAfter: retryAfter, n: n})
}

// DropNext makes the next n API requests lose their connection before
// anything is done: the connection breaks in the middle of the status
// line, so the caller meets an error (net/http's client would silently
// resend a GET whose reused connection closed before any byte).
func (s *Server) DropNext(n int) {
	s.faults.push(fault{kind: faultDrop, n: n})
}

// TruncateNext makes the next n API requests do their work and then send
// the status, headers and only half of the body before closing the
// connection.
func (s *Server) TruncateNext(n int) {
	s.faults.push(fault{kind: faultTruncate, n: n})
}

// LoseResponseNext makes the next n API requests do their work (writes
// included) and then break the connection as DropNext does: the lost
// response a client must not blindly repeat.
func (s *Server) LoseResponseNext(n int) {
	s.faults.push(fault{kind: faultLose, n: n})
}

// FailAfterWriteNext makes the next n API requests do their work (writes
// included) and then answer status (a 5xx) instead of the real answer.
func (s *Server) FailAfterWriteNext(status, n int) {
	if status < 500 || status > 599 {
		panic("falcontest: FailAfterWriteNext needs a 5xx status")
	}
	s.faults.push(fault{kind: faultLoseStatus, status: status, n: n})
}

// FailTokenNext makes the next n token requests answer status.
func (s *Server) FailTokenNext(status, n int) {
	if status < 400 || status > 599 {
		panic("falcontest: FailTokenNext needs a 4xx or 5xx status")
	}
	s.tokenFaults.push(fault{kind: faultStatus, status: status, n: n})
}

// ClearFaults forgets the queued one-shot faults.
func (s *Server) ClearFaults() {
	s.faults.clear()
	s.tokenFaults.clear()
}
