package ioc_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
	"golang.org/x/oauth2"

	"github.com/falconioc/falcon"
	"github.com/falconioc/falcon/internal/hostile"
	"github.com/falconioc/falcon/ioc"
	"github.com/falconioc/falcon/pagination"
)

// hostileLimit is the body limit of the clients of these tests: above the
// largest usable answer (10 MB), and below the default so that the 1 GiB
// answers stop early (falcon's own tests cover the default).
const hostileLimit = 16 << 20

// hostileClient returns an ioc client of srv that sends each request once,
// over a transport of its own, closed when the test ends.
func hostileClient(t *testing.T, srv *hostile.Server) *ioc.Client {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	c, err := falcon.NewClient(falcon.WithBaseURL(srv.URL),
		falcon.WithTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "hostile-token"})),
		falcon.WithHTTPClient(&http.Client{Transport: tr}), falcon.WithRetry(falcon.RetryPolicy{MaxAttempts: 1}), falcon.WithMaxBodySize(hostileLimit))
	if err != nil {
		t.Fatal(err)
	}
	return ioc.New(c)
}

// typed reports whether err is one of the SDK's documented error types.
func typed(err error) bool {
	for _, ok := range []bool{
		isA[*falcon.DecodeError](err), isA[*falcon.BodyTooLargeError](err), isA[*falcon.RequestError](err),
		isA[*falcon.APIError](err), isA[*ioc.WriteError](err), isA[*pagination.PageError](err),
	} {
		if ok {
			return true
		}
	}
	return false
}

func isA[E error](err error) bool {
	_, ok := errors.AsType[E](err)
	return ok
}

// checkOutcome checks what a call made of answer a: n indicators and err.
func checkOutcome(t *testing.T, call string, a hostile.Answer, n int, err error) {
	t.Helper()
	switch a.Want {
	case hostile.OK, hostile.Loop:
		if err != nil || n != a.Items {
			t.Errorf("%s: %d indicators, err %v; want %d", call, n, err, a.Items)
		}
	case hostile.Decode:
		if de, ok := errors.AsType[*falcon.DecodeError](err); !ok || de.TraceID == "" || de.Path == "" {
			t.Errorf("%s: err %v (%T); want a *falcon.DecodeError with path and trace id", call, err, err)
		}
		if strings.HasPrefix(a.Name, "wrong type") && !isA[*json.UnmarshalTypeError](err) {
			t.Errorf("%s: err %v; want it to wrap a *json.UnmarshalTypeError", call, err)
		}
	case hostile.Lost:
		if !isA[*falcon.RequestError](err) {
			t.Errorf("%s: err %v (%T); want a *falcon.RequestError", call, err, err)
		}
	case hostile.Deadline:
		if !errors.Is(err, context.DeadlineExceeded) || !typed(err) {
			t.Errorf("%s: err %v (%T); want a typed error for the deadline", call, err, err)
		}
	case hostile.TooLarge:
		if !isA[*falcon.BodyTooLargeError](err) {
			t.Errorf("%s: err %v (%T); want a *falcon.BodyTooLargeError", call, err, err)
		}
	}
}

// TestIndicatorsHostileServer sends List, All, Get and Create to every
// hostile answer. Reads give a typed error or a correct result; Create, which
// looks up what it cannot account for, a result or a typed error. Nothing
// panics, outlives the deadline or leaves a goroutine behind. The test does
// not run in parallel, so that goleak sees only its goroutines.
func TestIndicatorsHostileServer(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	for _, a := range hostile.Answers() {
		t.Run(a.Name, func(t *testing.T) {
			srv := hostile.NewServer(a)
			defer srv.Close()
			c := hostileClient(t, srv)
			deadline := time.Minute
			if a.Want == hostile.Deadline {
				deadline = 200 * time.Millisecond
			}
			newCtx := func() context.Context {
				ctx, cancel := context.WithTimeout(context.Background(), deadline)
				t.Cleanup(cancel)
				return ctx
			}

			list, _, err := c.Indicators.List(newCtx(), &ioc.ListOptions{Limit: 10})
			checkOutcome(t, "List", a, len(list), err)
			if slices.Contains(list, nil) {
				t.Error("List: a nil indicator")
			}

			n := 0
			var allErr error
			for ind, err := range c.Indicators.All(newCtx(), &ioc.ListOptions{Limit: 10}) {
				if err != nil {
					allErr = err
					break
				}
				if ind == nil {
					t.Fatal("All: a nil indicator")
				}
				n++
			}
			if a.Want == hostile.Loop {
				// The cursor comes back on the second page: the walk stops
				// there (the pagination package's loop guard).
				if allErr != nil || n != 2*a.Items {
					t.Errorf("All: %d indicators, err %v; want two pages of %d", n, allErr, a.Items)
				}
			} else {
				checkOutcome(t, "All", a, n, allErr)
			}

			res, _, err := c.Indicators.Get(newCtx(), hostile.ID)
			if err == nil && slices.Contains(res.Found, nil) {
				t.Error("Get: a nil indicator")
			}
			if a.Want == hostile.OK || a.Want == hostile.Loop {
				// The answer holds the id asked for, or nothing.
				if err != nil || len(res.Found)+len(res.Missing) != 1 {
					t.Errorf("Get: %+v, %v", res, err)
				}
			} else {
				got := 0
				if res != nil {
					got = len(res.Found)
				}
				checkOutcome(t, "Get", a, got, err)
			}

			_, err = c.Indicators.Create(newCtx(), []ioc.NewIndicator{{Type: ioc.TypeDomain, Value: "example.com", Action: ioc.ActionDetect,
				Severity: ioc.SeverityLow, Platforms: []ioc.Platform{ioc.PlatformWindows}, AppliedGlobally: true}}, nil)
			if err != nil && !typed(err) {
				t.Errorf("Create: err %v (%T) is none of the SDK's types", err, err)
			}
		})
	}
}
