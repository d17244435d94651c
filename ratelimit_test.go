package falcon

import (
	"net/http"
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
