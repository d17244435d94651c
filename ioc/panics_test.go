package ioc_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
	"golang.org/x/oauth2"

	"github.com/falconioc/falcon"
	"github.com/falconioc/falcon/falcontest"
	"github.com/falconioc/falcon/ioc"
)

var errTransportPanic = errors.New("transport gave up")

// fanOutTransport is a caller's transport that panics on one request and
// holds every other until its context ends, so that the fan-out that
// panicked must cancel its other workers and wait for them.
type fanOutTransport struct {
	panicAt  int32 // the request, counted from 1 in arrival order, that panics
	value    any   // what it panics with
	requests atomic.Int32
	returned atomic.Int32 // held requests that have returned
	uncancel atomic.Int32 // held requests that ended otherwise than by cancellation
}

func (f *fanOutTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if f.requests.Add(1) == f.panicAt {
		transportPanics(f.value)
	}
	ctx := req.Context()
	<-ctx.Done()
	if !errors.Is(ctx.Err(), context.Canceled) {
		f.uncancel.Add(1)
	}
	f.returned.Add(1)
	return nil, ctx.Err()
}

// transportPanics is the panic of the test's transport, a function of its
// own so that the stack shows it.
func transportPanics(v any) { panic(v) }

// TestFanOut_TransportPanicReachesTheCaller checks every call that fans
// out over worker goroutines (look-ups by id, Delete, Catalog): a panic of
// the caller's own transport on one worker cancels the others, waits for
// them, sends no further request and is raised again on the caller's
// goroutine as an *ioc.PanicError that keeps the value (errors.Is finds an
// error value) and names the method; no goroutine is left behind. A call
// small enough for one request, which runs on the caller's goroutine,
// raises the same *ioc.PanicError. It does not run in parallel, so that
// goleak sees only its goroutines.
func TestFanOut_TransportPanicReachesTheCaller(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	hexIDs := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("%064x", i+1)
		}
		return out
	}
	names := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("name-%059d", i)
		}
		return out
	}
	actions := func(n int) []ioc.Action {
		var out []ioc.Action
		for _, s := range names(n) {
			out = append(out, ioc.Action(s))
		}
		return out
	}
	// 1,000 ids take five requests (about 230 ids each).
	const many = 1000
	cases := []struct {
		name    string
		where   string
		panicAt int32 // 2 when a first request is held while another panics
		limit   int32 // the most requests the call may send
		stack   bool  // the worker's stack shows the transport
		call    func(ctx context.Context, c *ioc.Client)
	}{
		{"Indicators.Get/many", "IndicatorsService.Get", 2, ioc.DefaultConcurrency, true, func(ctx context.Context, c *ioc.Client) {
			_, _, _ = c.Indicators.Get(ctx, hexIDs(many)...)
		}},
		{"Indicators.Get/one", "IndicatorsService.Get", 1, 1, true, func(ctx context.Context, c *ioc.Client) {
			_, _, _ = c.Indicators.Get(ctx, hexIDs(1)...)
		}},
		{"Actions.Get/many", "ActionsService.Get", 2, ioc.DefaultConcurrency, true, func(ctx context.Context, c *ioc.Client) {
			_, _, _ = c.Actions.Get(ctx, actions(many)...)
		}},
		{"Actions.Get/one", "ActionsService.Get", 1, 1, true, func(ctx context.Context, c *ioc.Client) {
			_, _, _ = c.Actions.Get(ctx, actions(1)...)
		}},
		{"Processes.Get/many", "ProcessesService.Get", 2, ioc.DefaultConcurrency, true, func(ctx context.Context, c *ioc.Client) {
			_, _, _ = c.Processes.Get(ctx, names(many)...)
		}},
		{"Processes.Get/one", "ProcessesService.Get", 1, 1, true, func(ctx context.Context, c *ioc.Client) {
			_, _, _ = c.Processes.Get(ctx, names(1)...)
		}},
		{"Indicators.Delete/many", "IndicatorsService.Delete", 2, 2, true, func(ctx context.Context, c *ioc.Client) {
			_, _ = c.Indicators.Delete(ctx, hexIDs(many), &ioc.DeleteOptions{Concurrency: 2})
		}},
		// One request at a time: the first panics, and no other chunk
		// may start after it.
		{"Indicators.Delete/many/sequential", "IndicatorsService.Delete", 1, 1, true, func(ctx context.Context, c *ioc.Client) {
			_, _ = c.Indicators.Delete(ctx, hexIDs(many), &ioc.DeleteOptions{Concurrency: 1})
		}},
		{"Indicators.Delete/one", "IndicatorsService.Delete", 1, 1, true, func(ctx context.Context, c *ioc.Client) {
			_, _ = c.Indicators.Delete(ctx, hexIDs(1), nil)
		}},
		// The four catalogs load at once, each walked by package
		// pagination, which raises a fetch's panic again on the ranging
		// goroutine without the fetch's stack.
		{"Catalog", "Client.Catalog", 2, 4, false, func(ctx context.Context, c *ioc.Client) {
			_, _ = c.Catalog(ctx)
		}},
	}
	for _, tc := range cases {
		for _, value := range []any{errTransportPanic, "transport exploded"} {
			t.Run(fmt.Sprintf("%s/%T", tc.name, value), func(t *testing.T) {
				tr := &fanOutTransport{panicAt: tc.panicAt, value: value}
				fc, err := falcon.NewClient(
					falcon.WithBaseURL(mockBase),
					falcon.WithTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "test-token", TokenType: "Bearer"})),
					falcon.WithHTTPClient(&http.Client{Transport: tr}),
					falcon.WithRetry(falcon.RetryPolicy{MaxAttempts: 1}),
				)
				if err != nil {
					t.Fatal(err)
				}
				// The deadline only bounds a fan-out that fails to cancel
				// its held requests; they then end by the deadline, which
				// the test reports.
				ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
				defer cancel()
				got := func() (v any) {
					defer func() { v = recover() }()
					tc.call(ctx, ioc.New(fc))
					return nil
				}()
				pe := asPanicError(t, got, value, errTransportPanic)
				if pe.Where != tc.where {
					t.Errorf("Where = %q, want %q", pe.Where, tc.where)
				}
				first, _, _ := strings.Cut(pe.Error(), "\n")
				if want := fmt.Sprintf("ioc: panic in %s: %v", tc.where, value); first != want {
					t.Errorf("Error() starts %q, want %q", first, want)
				}
				if tc.stack && !strings.Contains(string(pe.Stack), "transportPanics") {
					t.Errorf("Stack does not show the transport:\n%s", pe.Stack)
				}
				n := tr.requests.Load()
				if n < tc.panicAt || n > tc.limit {
					t.Errorf("%d requests sent, want %d to %d", n, tc.panicAt, tc.limit)
				}
				if held := n - 1; tr.returned.Load() != held {
					t.Errorf("%d of %d held requests had returned when the panic reached the caller", tr.returned.Load(), held)
				}
				if u := tr.uncancel.Load(); u != 0 {
					t.Errorf("%d held requests were not cancelled by the panic", u)
				}
			})
		}
	}
}

// TestFanOut_NestedPanicKeepsItsOrigin checks that a panic raised again
// by a fan-out inside another (the action look-up of Client.Catalog) stays
// the *ioc.PanicError of the inner call, with its stack, rather than being
// wrapped again.
func TestFanOut_NestedPanicKeepsItsOrigin(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	srv := falcontest.NewUnstartedServer(falcontest.WithRateLimit(0))
	mem := indMemTransport(srv)
	c := indMemClient(t, srv, false, falcon.WithHTTPClient(&http.Client{Transport: roundTripper(func(req *http.Request) (*http.Response, error) {
		if req.URL.Path == "/iocs/entities/actions/v1" {
			transportPanics(errTransportPanic)
		}
		return mem.RoundTrip(req)
	})}))
	got := func() (v any) {
		defer func() { v = recover() }()
		_, _ = c.Catalog(t.Context())
		return nil
	}()
	pe, ok := got.(*ioc.PanicError)
	if !ok {
		t.Fatalf("recovered %T %v, want an *ioc.PanicError", got, got)
	}
	if pe.Where != "ActionsService.Get" || pe.Value != errTransportPanic {
		t.Errorf("PanicError{Where: %q, Value: %v}, want the action look-up's, holding the transport's value", pe.Where, pe.Value)
	}
	if !strings.Contains(string(pe.Stack), "transportPanics") {
		t.Errorf("Stack does not show the transport:\n%s", pe.Stack)
	}
}

// TestParallelWalk_TransportPanicReachesTheCaller checks that a panic of
// the caller's transport on a partition walker of All or AllIDs (Parallel
// 4) cancels the other walkers and is raised again on the ranging
// goroutine as an *ioc.PanicError naming the method, with no goroutine
// left behind.
func TestParallelWalk_TransportPanicReachesTheCaller(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	srv := falcontest.NewUnstartedServer(falcontest.WithIndicators(3000), falcontest.WithRateLimit(0))
	mem := indMemTransport(srv)
	for _, tc := range []struct {
		where, path string
		walk        func(ctx context.Context, c *ioc.Client, opts *ioc.ListOptions)
	}{
		{"IndicatorsService.All", "/iocs/combined/indicator/v1", func(ctx context.Context, c *ioc.Client, opts *ioc.ListOptions) {
			for _, err := range c.Indicators.All(ctx, opts) {
				if err != nil {
					t.Errorf("walk: %v", err)
				}
			}
		}},
		{"IndicatorsService.AllIDs", "/iocs/queries/indicators/v1", func(ctx context.Context, c *ioc.Client, opts *ioc.ListOptions) {
			for _, err := range c.Indicators.AllIDs(ctx, opts) {
				if err != nil {
					t.Errorf("walk: %v", err)
				}
			}
		}},
	} {
		t.Run(tc.where, func(t *testing.T) {
			var listed atomic.Int32
			c := indMemClient(t, srv, false, falcon.WithHTTPClient(&http.Client{Transport: roundTripper(func(req *http.Request) (*http.Response, error) {
				if req.URL.Path == tc.path && listed.Add(1) == 3 {
					transportPanics(errTransportPanic)
				}
				return mem.RoundTrip(req)
			})}), falcon.WithRetry(falcon.NoRetry()))
			got := func() (v any) {
				defer func() { v = recover() }()
				tc.walk(t.Context(), c, &ioc.ListOptions{Limit: 100, Parallel: 4})
				return nil
			}()
			pe, ok := got.(*ioc.PanicError)
			if !ok {
				t.Fatalf("recovered %T %v, want an *ioc.PanicError", got, got)
			}
			if pe.Where != tc.where || !errors.Is(pe, errTransportPanic) {
				t.Errorf("PanicError %q %v, want %q around the transport's value", pe.Where, pe.Value, tc.where)
			}
		})
	}
}

// asPanicError checks that got, a recovered value, is an *ioc.PanicError
// holding value, which errors.Is matches to sentinel exactly when value is
// an error, and returns it.
func asPanicError(t *testing.T, got, value any, sentinel error) *ioc.PanicError {
	t.Helper()
	pe, ok := got.(*ioc.PanicError)
	if !ok {
		t.Fatalf("recovered %T %v, want an *ioc.PanicError", got, got)
	}
	if pe.Value != value {
		t.Errorf("Value = %v, want %v", pe.Value, value)
	}
	if _, isErr := value.(error); isErr != errors.Is(pe, sentinel) {
		t.Errorf("errors.Is(%v, %v) = %v", pe, sentinel, !isErr)
	}
	return pe
}
