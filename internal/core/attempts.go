package core

import (
	"context"
	"sync/atomic"
)

// attemptsKey is the context key of an attempt counter.
type attemptsKey struct{}

// CountAttempts returns a context under which Client.Do adds one to n for
// every request it hands to the transport, retries and re-authenticated
// repeats included, whatever the transport is. Token requests are not
// counted.
func CountAttempts(ctx context.Context, n *atomic.Int64) context.Context {
	return context.WithValue(ctx, attemptsKey{}, n)
}

// countAttempt adds one to ctx's attempt counter, if it has one.
func countAttempt(ctx context.Context) {
	if n, ok := ctx.Value(attemptsKey{}).(*atomic.Int64); ok {
		n.Add(1)
	}
}
