package core

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// MaxCooldown is the longest a 429 can make the client hold off: a retry
// time further away is taken as this far away. Falcon's rate-limit window
// is one minute, so only a broken or hostile header asks for more, and
// honouring it would freeze the client.
const MaxCooldown = 15 * time.Minute

// RetryAt reads when a 429 answer allows sending again: the
// X-RateLimit-RetryAfter header (Unix seconds, or Unix milliseconds for
// values above 1e11: no plausible date in seconds is that large, and every
// millisecond date since 1973 is), else Retry-After (seconds or an HTTP
// date). ok is false when neither header is usable.
func RetryAt(h http.Header, now time.Time) (t time.Time, ok bool) {
	if v := strings.TrimSpace(h.Get("X-RateLimit-RetryAfter")); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 {
			if n > 1e11 {
				return time.UnixMilli(n), true
			}
			return time.Unix(n, 0), true
		}
	}
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if secs, err := strconv.ParseInt(v, 10, 64); err == nil && secs >= 0 {
			// Bounded so that the product cannot overflow; capCooldown
			// brings it down further.
			return now.Add(time.Duration(min(secs, 1<<32)) * time.Second), true
		}
		if at, err := http.ParseTime(v); err == nil {
			return at, true
		}
	}
	return time.Time{}, false
}

// capCooldown brings a retry time more than MaxCooldown away back to
// that limit, reporting whether it did.
func capCooldown(at, now time.Time) (time.Time, bool) {
	if limit := now.Add(MaxCooldown); at.After(limit) {
		return limit, true
	}
	return at, false
}

// backoff is the jittered exponential wait before attempt+1: MinWait
// doubled per attempt, capped at MaxWait, then drawn from its upper half.
func (c *Client) backoff(attempt int) time.Duration {
	d := c.policy.MinWait
	for i := 1; i < attempt && d < c.policy.MaxWait; i++ {
		d *= 2
	}
	if d > c.policy.MaxWait {
		d = c.policy.MaxWait
	}
	if d <= 0 {
		return 0
	}
	half := d / 2
	return half + rand.N(d-half+1)
}

// spread is a small random delay added to rate-limit waits so that the
// goroutines released by one cooldown do not all send at the same instant.
func (c *Client) spread() time.Duration {
	limit := min(c.policy.MinWait, 250*time.Millisecond)
	if limit <= 0 {
		return 0
	}
	return rand.N(limit)
}

// extendCooldown makes every goroutine of the client hold off until at.
func (c *Client) extendCooldown(at time.Time) {
	n := at.UnixNano()
	for {
		cur := c.cooldown.Load()
		if cur >= n || c.cooldown.CompareAndSwap(cur, n) {
			return
		}
	}
}

// awaitCooldown waits out the shared cooldown left by a 429. A cooldown
// longer than MaxWait ends the call at once.
func (c *Client) awaitCooldown(ctx context.Context, req *Request, attempt int) error {
	until := c.cooldown.Load()
	if until == 0 {
		return nil
	}
	at := time.Unix(0, until)
	d := time.Until(at)
	if d <= 0 {
		return nil
	}
	if d > c.policy.MaxWait {
		return &StatusError{
			Method: req.Method, Path: req.Path, StatusCode: http.StatusTooManyRequests,
			Attempts: attempt - 1, RetryAfter: at, Cooldown: true,
		}
	}
	return c.pause(ctx, req, attempt, d+c.spread(), "rate-limit cooldown")
}

// pause waits d or until ctx is done.
func (c *Client) pause(ctx context.Context, req *Request, attempt int, d time.Duration, reason string) error {
	c.logRetry(ctx, req, attempt, d, reason)
	if err := sleep(ctx, d); err != nil {
		return fmt.Errorf("falcon: %s %s: gave up waiting to retry (%s): %w", req.Method, req.Path, reason, err)
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (c *Client) logAttempt(ctx context.Context, req *Request, attempt, status int, d time.Duration, traceID string, err error) {
	if !c.log.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", req.Method),
		slog.String("path", req.Path),
		slog.Int("status", status),
		slog.Duration("duration", d),
		slog.String("trace_id", traceID),
		slog.Int("attempt", attempt),
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", oneLine(err.Error())))
	}
	c.log.LogAttrs(ctx, slog.LevelDebug, "falcon request", attrs...)
}

func (c *Client) logRetry(ctx context.Context, req *Request, attempt int, wait time.Duration, reason string) {
	if !c.log.Enabled(ctx, slog.LevelInfo) {
		return
	}
	c.log.LogAttrs(ctx, slog.LevelInfo, "falcon retry",
		slog.String("method", req.Method),
		slog.String("path", req.Path),
		slog.Int("attempt", attempt),
		slog.Duration("wait", wait),
		slog.String("reason", reason),
	)
}

// logPaced logs, at debug level, a request the rate-limit pacer held back.
func (c *Client) logPaced(ctx context.Context, req *Request, tk ticket) {
	if !c.log.Enabled(ctx, slog.LevelDebug) {
		return
	}
	c.log.LogAttrs(ctx, slog.LevelDebug, "falcon paced",
		slog.String("method", req.Method),
		slog.String("path", req.Path),
		slog.Duration("wait", tk.waited),
		slog.Int("remaining", tk.left),
	)
}
