package ioc_test

import (
	"errors"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/falconioc/falcon"
	"github.com/falconioc/falcon/falcontest"
	"github.com/falconioc/falcon/ioc"
)

// preExisting stores, before a Create, the rows its items 0 and 1 will
// meet: item 0's value with the very fields Create sends, created at
// created (server time); item 1's value created just now with another
// action.
// It returns their ids.
func preExisting(srv *falcontest.Server, items []ioc.NewIndicator, created time.Time) (old, other string) {
	a, b := items[0], items[1]
	ids := srv.AddIndicators(
		falcontest.Indicator{
			Type: string(a.Type), Value: a.Value, Action: string(a.Action), Severity: string(a.Severity),
			Platforms: platformNames(a.Platforms), Tags: a.Tags, Source: a.Source,
			AppliedGlobally: a.AppliedGlobally, CreatedOn: created,
		},
		falcontest.Indicator{
			Type: string(b.Type), Value: b.Value, Action: "allow", Severity: string(b.Severity),
			Platforms: platformNames(b.Platforms), Tags: b.Tags, Source: b.Source,
			AppliedGlobally: b.AppliedGlobally,
		},
	)
	return ids[0], ids[1]
}

func platformNames(ps []ioc.Platform) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = string(p)
	}
	return out
}

// TestCreate_LostAnswerKeepsDuplicates checks that after a lost create
// answer, values that existed before the call are reported as
// ErrDuplicate, with no indicator, exactly as when the answer arrives, and
// that what the call did create is reported as written. Rows that existed
// are told apart by their creation time (before the batch was first sent,
// on the server's clock) or by fields that differ from what was sent.
func TestCreate_LostAnswerKeepsDuplicates(t *testing.T) {
	t.Parallel()
	faults := []struct {
		name   string
		inject func(srv *falcontest.Server)
	}{
		{"answered", func(*falcontest.Server) {}},
		{"lost after the write", func(srv *falcontest.Server) { srv.LoseResponseNext(1) }},
		{"503 after the write", func(srv *falcontest.Server) { srv.FailAfterWriteNext(http.StatusServiceUnavailable, 1) }},
		{"dropped before the write", func(srv *falcontest.Server) { srv.DropNext(1) }},
	}
	// The server's clock may run ahead of the client's or behind it: the
	// Date header of its answers tells the client by how much, and item
	// 0's row, created a minute before the call, existed. Without a Date
	// the client allows five minutes for a clock it cannot measure: a row
	// created ten minutes before existed, and the rows the call creates,
	// dated three minutes before it on a server clock that far behind,
	// are still the call's.
	clocks := []struct {
		name   string
		skew   time.Duration
		noDate bool
		age    time.Duration // of item 0's row
	}{
		{"0s", 0, false, time.Minute},
		{"10m0s", 10 * time.Minute, false, time.Minute},
		{"-10m0s", -10 * time.Minute, false, time.Minute},
		{"no Date, -3m0s", -3 * time.Minute, true, 10 * time.Minute},
	}
	for _, cl := range clocks {
		for _, f := range faults {
			t.Run(cl.name+"/"+f.name, func(t *testing.T) {
				t.Parallel()
				synctest.Test(t, func(t *testing.T) {
					clock := func() time.Time { return time.Now().Add(cl.skew) }
					srv := falcontest.NewUnstartedServer(falcontest.WithClock(clock), falcontest.WithRateLimit(0))
					var opts []falcon.Option
					if cl.noDate {
						mem := indMemTransport(srv)
						opts = append(opts, falcon.WithHTTPClient(&http.Client{Transport: roundTripper(func(req *http.Request) (*http.Response, error) {
							resp, err := mem.RoundTrip(req)
							if resp != nil {
								resp.Header.Del("Date")
							}
							return resp, err
						})}))
					}
					c := indMemClient(t, srv, false, opts...)
					items := indTestItems("dup", 6)
					old, other := preExisting(srv, items, clock().Add(-cl.age))
					f.inject(srv)
					res, err := c.Indicators.Create(t.Context(), items, nil)
					if !errors.Is(err, ioc.ErrDuplicate) {
						t.Errorf("err = %v, want ErrDuplicate", err)
					}
					if res == nil {
						t.Fatal("nil result")
					}
					for i, id := range []string{old, other} {
						it := res.Items[i]
						if it.OK() || !errors.Is(it.Err, ioc.ErrDuplicate) || it.Indicator != nil {
							t.Errorf("item %d (existed, id %s) = %+v, err %v; want ErrDuplicate and no indicator", i, id, it, it.Err)
						}
					}
					if res.Succeeded() != 4 {
						t.Errorf("succeeded = %d, want 4", res.Succeeded())
					}
					for _, it := range res.Items[2:] {
						if !it.OK() || it.Indicator == nil || it.Indicator.ID != it.ID || it.Indicator.Ref() != it.Ref {
							t.Errorf("item %d = %+v, want written", it.Index, it)
						}
					}
					// The rows that existed are untouched.
					for _, in := range srv.Indicators() {
						if in.ID == other && in.Action != "allow" {
							t.Errorf("the other row changed: %+v", in)
						}
					}
					if n := len(srv.Indicators()); n != 6 {
						t.Errorf("store holds %d, want 6", n)
					}
				})
			})
		}
	}
}

// TestCreate_LookupShrinksPageSize checks that the look-up after a lost
// answer pages with a smaller size when the server refuses the largest,
// as the listings do, instead of leaving the outcome unknown.
func TestCreate_LookupShrinksPageSize(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := falcontest.NewUnstartedServer(falcontest.WithMaxLimit(10), falcontest.WithRateLimit(0))
		c := indMemClient(t, srv, true)
		srv.LoseResponseNext(1)
		res, err := c.Indicators.Create(t.Context(), indTestItems("small", 25), nil)
		if err != nil {
			t.Fatalf("Create: %v", err)
		}
		if res.Succeeded() != 25 || len(srv.Indicators()) != 25 {
			t.Errorf("succeeded %d, stored %d", res.Succeeded(), len(srv.Indicators()))
		}
		creates := 0
		for _, r := range srv.Requests() {
			if r.Operation == "indicator.create.v1" {
				creates++
			}
		}
		if creates != 1 {
			t.Errorf("%d creates, want the one whose answer was lost", creates)
		}
	})
}
