package falcon

import (
	"bytes"
	"log/slog"
	"net/http"
	"strings"
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

// TestRateLimitPacingIsLogged checks that a request the pacer held back is
// logged at debug level with its wait, so a slow program can be explained,
// and that requests far from the limit log no such line.
func TestRateLimitPacingIsLogged(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		remaining := "1"
		api := func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-RateLimit-Limit", "100")
			w.Header().Set("X-RateLimit-Remaining", remaining)
			okResources(`["ok"]`)(w, r)
		}
		var logs bytes.Buffer
		logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		c := bubbleClient(t, newFake("a", api), WithLogger(logger))
		for range 3 {
			if _, err := c.Do(t.Context(), &Request{Path: "/p"}, nil); err != nil {
				t.Fatal(err)
			}
		}
		paced := strings.Count(logs.String(), `msg="falcon paced"`)
		if paced == 0 || !strings.Contains(logs.String(), "wait=") {
			t.Errorf("near the limit: %d paced lines in\n%s", paced, logs.String())
		}

		remaining = "90"
		time.Sleep(2 * time.Minute) // the window empties
		logs.Reset()
		for range 3 {
			if _, err := c.Do(t.Context(), &Request{Path: "/p"}, nil); err != nil {
				t.Fatal(err)
			}
		}
		if strings.Contains(logs.String(), "falcon paced") {
			t.Errorf("far from the limit, a request was logged as paced:\n%s", logs.String())
		}
	})
}
