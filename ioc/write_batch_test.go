package ioc_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"go.uber.org/goleak"
	"golang.org/x/oauth2"

	"github.com/falconioc/falcon"
	"github.com/falconioc/falcon/falcontest"
	"github.com/falconioc/falcon/internal/testutil"
	"github.com/falconioc/falcon/ioc"
)

var errProgress = errors.New("progress callback gave up")

// TestWrite_ProgressPanicReachesTheCaller checks that a panic in
// WriteOptions.Progress, which runs on a worker goroutine, stops the
// workers (no batch is sent after it) and is raised again on the caller's
// goroutine as an *ioc.PanicError that keeps the value, names the callback
// and holds the stack where it panicked; no goroutine is left behind. It
// does not run in parallel, so that goleak sees only its goroutines.
func TestWrite_ProgressPanicReachesTheCaller(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	for _, value := range []any{errProgress, "progress exploded"} {
		for _, op := range []string{"Create", "Update"} {
			t.Run(fmt.Sprintf("%s/%T", op, value), func(t *testing.T) {
				srv := falcontest.NewUnstartedServer(falcontest.WithRateLimit(0))
				c := indMemClient(t, srv, false)
				items := indTestItems("panic", 10)
				var updates []ioc.IndicatorUpdate
				if op == "Update" {
					res, err := c.Indicators.Create(t.Context(), items, nil)
					if err != nil {
						t.Fatal(err)
					}
					for _, it := range res.Items {
						updates = append(updates, ioc.IndicatorUpdate{ID: it.ID, Description: ioc.Set("changed")})
					}
				}
				writes := func() int {
					n := 0
					for _, r := range srv.Requests() {
						if r.Operation == "indicator.create.v1" || r.Operation == "indicator.update.v1" {
							n++
						}
					}
					return n
				}
				before := writes()
				opts := &ioc.WriteOptions{BatchSize: 1, Concurrency: 1, Progress: func(done, total int) { progressPanics(value) }}
				got := func() (v any) {
					defer func() { v = recover() }()
					if op == "Create" {
						_, _ = c.Indicators.Create(t.Context(), items, opts)
					} else {
						_, _ = c.Indicators.Update(t.Context(), updates, opts)
					}
					return nil
				}()
				pe := asPanicError(t, got, value, errProgress)
				first, _, _ := strings.Cut(pe.Error(), "\n")
				if !strings.Contains(first, "WriteOptions.Progress") || !strings.Contains(first, fmt.Sprint(value)) {
					t.Errorf("Error() starts %q, want it to name WriteOptions.Progress and the value", first)
				}
				if !strings.Contains(string(pe.Stack), "progressPanics") || !strings.Contains(pe.Error(), "progressPanics") {
					t.Errorf("Stack does not show the callback:\n%s", pe.Stack)
				}
				// One batch of one item went out before the callback
				// panicked; the other nine were never sent.
				if sent := writes() - before; sent != 1 {
					t.Errorf("%d requests sent, want 1", sent)
				}
			})
		}
	}
}

// progressPanics is the Progress callback of the test, a function of its
// own so that the stack shows it.
func progressPanics(v any) { panic(v) }

// TestWrite_TransportPanicReachesTheCaller checks the same for a panic of
// the caller's own transport while a worker sends a batch.
func TestWrite_TransportPanicReachesTheCaller(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	c, err := falcon.NewClient(
		falcon.WithBaseURL(mockBase),
		falcon.WithTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "test-token", TokenType: "Bearer"})),
		falcon.WithHTTPClient(&http.Client{Transport: testutil.RoundTripFunc(func(*http.Request) (*http.Response, error) {
			panic("transport exploded")
		})}),
	)
	if err != nil {
		t.Fatal(err)
	}
	got := func() (v any) {
		defer func() { v = recover() }()
		_, _ = ioc.New(c).Indicators.Create(t.Context(), indTestItems("rt", 3), nil)
		return nil
	}()
	pe, ok := got.(*ioc.PanicError)
	if !ok || pe.Value != "transport exploded" || pe.Where != "IndicatorsService.Create" {
		t.Fatalf("recovered %T %v, want an *ioc.PanicError from IndicatorsService.Create", got, got)
	}
}
