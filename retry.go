package falcon

import (
	"fmt"
	"time"

	"github.com/falconioc/falcon/internal/core"
)

// RetryPolicy bounds how the client retries.
//
// A 429 is retried for every request: the client waits until the time the
// API names (X-RateLimit-RetryAfter or Retry-After), and every goroutine of
// the client honours that cooldown. Transport errors and 502/503/504 are
// retried with jittered exponential backoff, only for requests that are safe
// to repeat (see [Request.Idempotency]). A 401 fetches a new token and
// repeats the request once, on top of MaxAttempts. Other statuses, 500
// included, are never retried.
type RetryPolicy struct {
	// MaxAttempts is the most times one request is sent; 1 disables
	// retries.
	MaxAttempts int
	// MinWait is the first backoff step; each later step doubles it.
	MinWait time.Duration
	// MaxWait caps every backoff step. A rate-limit wait longer than
	// MaxWait is not waited: the call returns *RateLimitError at once.
	MaxWait time.Duration
}

// MaxCooldown is the longest a 429 makes the client hold off. A retry
// time further away (the API's window is one minute, so only a broken
// header names one) is taken as MaxCooldown from the answer, and the
// *RateLimitError says so ([RateLimitError.Capped]).
const MaxCooldown = core.MaxCooldown

// DefaultRateLimit is the Falcon API's documented rate limit: 6,000
// requests per minute per customer account. The client's pacing assumes it
// until the first answer's X-RateLimit-Limit header says otherwise.
const DefaultRateLimit = core.DefaultRateLimit

// DefaultRetryPolicy returns the policy used when no WithRetry option is
// given: up to 5 attempts, backoff from 500ms, and waits of at most 90
// seconds, enough to outlast Falcon's one-minute sliding rate-limit window
// with room for the rounding of second-resolution headers. Each call
// returns a new value, so changing it affects nobody else.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{
		MaxAttempts: 5,
		MinWait:     500 * time.Millisecond,
		MaxWait:     90 * time.Second,
	}
}

// NoRetry returns a policy that sends every request once. Only the single
// repeat after a 401 and the cooldown of an earlier 429 remain.
func NoRetry() RetryPolicy { return RetryPolicy{MaxAttempts: 1} }

func (p RetryPolicy) validate() error {
	switch {
	case p.MaxAttempts < 1:
		return fmt.Errorf("falcon: WithRetry: MaxAttempts %d must be at least 1", p.MaxAttempts)
	case p.MaxAttempts > 100:
		return fmt.Errorf("falcon: WithRetry: MaxAttempts %d must be at most 100", p.MaxAttempts)
	case p.MinWait < 0:
		return fmt.Errorf("falcon: WithRetry: MinWait %v must not be negative", p.MinWait)
	case p.MaxWait < p.MinWait:
		return fmt.Errorf("falcon: WithRetry: MaxWait %v must not be below MinWait %v", p.MaxWait, p.MinWait)
	}
	return nil
}
