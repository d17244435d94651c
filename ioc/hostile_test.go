package ioc_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"iter"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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
				// The second page, at the cursor the first named, repeats
				// the first: the walk stops there with ErrCursorIgnored,
				// without yielding its indicators twice.
				if !errors.Is(allErr, ioc.ErrCursorIgnored) || n != a.Items {
					t.Errorf("All: %d indicators, err %v; want one page of %d, then ErrCursorIgnored", n, allErr, a.Items)
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

// everyCallLimit is the body limit of TestHostileServerEveryCall: small, so
// that the answers over it cost a few MiB per call (the 1 GiB answers and
// the heap bounds are TestIndicatorsHostileServer's and falcon's).
const everyCallLimit = 2 << 20

// Ids of the hostile answers shaped as id lists.
const (
	id2 = "1123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	id3 = "2123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
)

// everyCallAnswers returns the hostile answers, with the big ones sized
// for everyCallLimit, and answers shaped as id lists (the search, catalog,
// "ran on" and delete calls read ids, not indicators).
func everyCallAnswers() []hostile.Answer {
	var as []hostile.Answer
	for _, a := range hostile.Answers() {
		switch a.Name {
		case "1 GiB body":
			a.Name, a.Body = "body over the limit", func() io.Reader {
				return io.MultiReader(strings.NewReader(`{"resources":["`), hostile.Repeat('a', 4*everyCallLimit), strings.NewReader(`"]}`))
			}
		case "gzip bomb":
			a.Body = func() io.Reader { return hostile.GzipBombOf(4 * everyCallLimit) }
		}
		as = append(as, a)
	}
	ids := func(name, body string, want hostile.Outcome, items int) hostile.Answer {
		return hostile.Answer{Name: name, Body: func() io.Reader { return strings.NewReader(body) }, Want: want, Items: items}
	}
	return append(as,
		ids("ids", `{"meta":{"pagination":{"total":2,"offset":0}},"resources":["`+hostile.ID+`","`+id2+`"]}`, hostile.OK, 2),
		ids("ids, no total (offset ignored)", `{"resources":["`+hostile.ID+`"]}`, hostile.OK, 1),
		ids("ids, negative total (offset ignored)", `{"meta":{"pagination":{"total":-1,"offset":-3}},"resources":["`+hostile.ID+`"]}`, hostile.OK, 1),
		ids("ids, one repeated", `{"meta":{"pagination":{"total":3,"offset":0}},"resources":["`+hostile.ID+`","`+id2+`","`+hostile.ID+`"]}`, hostile.OK, 3),
		ids("ids, huge total (offset ignored)", `{"meta":{"pagination":{"total":99999999}},"resources":["`+hostile.ID+`"]}`, hostile.OK, 1),
		ids("null in ids", hostile.Envelope(`["`+hostile.ID+`",null]`), hostile.Decode, 0),
		ids("number in ids", hostile.Envelope(`["`+hostile.ID+`",5]`), hostile.Decode, 0),
		ids("job id a number", hostile.Envelope(`[{"id":5}]`), hostile.Decode, 0),
	)
}

// hostileCall is one call of the package. run sends it and returns how
// many items it got and its error; it checks the result itself: no nil
// item, no empty id, every item or id of a write accounted for.
type hostileCall struct {
	name string
	run  func(t *testing.T, ctx context.Context, c *ioc.Client) (int, error)
	// ids marks a call that lists ids: of an answer shaped as an id list,
	// it counts every id, with no error unless offsetWalk says one.
	ids bool
	// offsetWalk marks a walk that asks for the next offset after a full
	// page: an answer that comes back the same at every offset stops it
	// with ioc.ErrOffsetIgnored.
	offsetWalk bool
}

// idShaped reports whether a is one of the usable answers shaped as an id
// list, and offsetIgnored whether it is the same at every offset.
func idShaped(a hostile.Answer) bool      { return a.Want == hostile.OK && strings.HasPrefix(a.Name, "ids") }
func offsetIgnored(a hostile.Answer) bool { return strings.HasSuffix(a.Name, "(offset ignored)") }

var hostileRef = ioc.Ref{Type: ioc.TypeDomain, Value: "example.com"}

const hostileDevice = "0123456789abcdef0123456789abcdef"

// walk ranges seq to its end, checking each item with ok, and returns the
// count and the error. It gives up (an error of the test) after 1,000
// items: every page of a hostile server is the same, so a walk that long
// does not end.
func walk[T any](t *testing.T, seq iter.Seq2[T, error], ok func(T) bool) (int, error) {
	t.Helper()
	n := 0
	for v, err := range seq {
		if err != nil {
			return n, err
		}
		if !ok(v) {
			t.Errorf("item %d: %#v", n, v)
		}
		if n++; n == 1000 {
			t.Errorf("the walk does not end")
			break
		}
	}
	return n, nil
}

func nonEmpty[T ~string](v T) bool { return v != "" }
func nonNil[T any](v *T) bool      { return v != nil }

// page returns a one-page call's count, checking each item with ok.
func page[T any](t *testing.T, items []T, err error, ok func(T) bool) (int, error) {
	t.Helper()
	for i, v := range items {
		if !ok(v) {
			t.Errorf("item %d: %#v", i, v)
		}
	}
	return len(items), err
}

// found checks a look-up by id: what was found and what is missing make
// up the ids asked, none nil.
func found[T any](t *testing.T, res *ioc.GetResult[*T], asked int, err error) (int, error) {
	t.Helper()
	if err != nil {
		return 0, err
	}
	if len(res.Found)+len(res.Missing) != asked || slices.Contains(res.Found, nil) {
		t.Errorf("look-up of %d ids: %d found, %d missing, nil found: %v", asked, len(res.Found), len(res.Missing), slices.Contains(res.Found, nil))
	}
	return len(res.Found), nil
}

// writeAccounted checks a write's result: one item per input, each
// written or failed.
func writeAccounted(t *testing.T, res *ioc.WriteResult, n int, err error) (int, error) {
	t.Helper()
	if res == nil {
		if err == nil {
			t.Error("nil result and nil error")
		}
		return 0, err
	}
	if n >= 0 && len(res.Items) != n {
		t.Errorf("%d items for %d sent", len(res.Items), n)
	}
	for i, it := range res.Items {
		if (it.Err == nil) == (it.Indicator == nil) {
			t.Errorf("item %d: written %v, err %v", i, it.Indicator != nil, it.Err)
		}
	}
	return res.Succeeded(), err
}

// deleteAccounted checks a deletion's result: every id asked is in exactly
// one of Deleted, NotFound and Failed, and no other id is. With ids nil
// (DeleteWhere, which does not know the ids), every id of the result is in
// exactly one place, once.
func deleteAccounted(t *testing.T, res *ioc.DeleteResult, ids []string, err error) (int, error) {
	t.Helper()
	if res == nil {
		if err == nil {
			t.Error("nil result and nil error")
		}
		return 0, err
	}
	seen := map[string]int{}
	for _, id := range slices.Concat(res.Deleted, res.NotFound) {
		seen[id]++
	}
	for _, f := range res.Failed {
		seen[f.ID]++
		if f.Error() == "" || f.Message == "" && f.Err == nil {
			t.Errorf("failure of %s without a reason", f.ID)
		}
	}
	for _, id := range ids {
		if seen[id] != 1 {
			t.Errorf("id %.8s... is in %d of Deleted %v, NotFound %v, Failed %v", id, seen[id], res.Deleted, res.NotFound, res.Failed)
		}
		delete(seen, id)
	}
	if ids != nil && len(seen) > 0 {
		t.Errorf("ids not asked for in the result: %v", seen)
	}
	for id, n := range seen {
		if n > 1 {
			t.Errorf("id %.8s... is %d times in Deleted %v, NotFound %v, Failed %v", id, n, res.Deleted, res.NotFound, res.Failed)
		}
	}
	return len(res.Deleted), err
}

// hostileCalls lists every read and write call of the package.
func hostileCalls() []hostileCall {
	list := &ioc.ListOptions{Limit: 10}
	// A server that claims a huge total and ignores the offset must not
	// keep an offset walk going to the offset window.
	byOffset := &ioc.ListOptions{Limit: 10, Offset: new(0)}
	// Pages of one id are full pages, so the walk asks for the next
	// offset even when the answer gives no total.
	idsByOffset := &ioc.ListOptions{Limit: 1, Offset: new(0)}
	update := []ioc.IndicatorUpdate{{ID: hostile.ID, Severity: ioc.Set(ioc.SeverityHigh)}, {ID: id2, Description: ioc.Clear[string]()}}
	del := []string{hostile.ID, id2, id3}
	return []hostileCall{
		{name: "Indicators.Search", ids: true, run: func(t *testing.T, ctx context.Context, c *ioc.Client) (int, error) {
			ids, _, err := c.Indicators.Search(ctx, list)
			return page(t, ids, err, nonEmpty)
		}},
		{name: "Indicators.AllIDs", ids: true, run: func(t *testing.T, ctx context.Context, c *ioc.Client) (int, error) {
			return walk(t, c.Indicators.AllIDs(ctx, list), nonEmpty)
		}},
		{name: "Indicators.AllIDs by offset", ids: true, offsetWalk: true, run: func(t *testing.T, ctx context.Context, c *ioc.Client) (int, error) {
			return walk(t, c.Indicators.AllIDs(ctx, idsByOffset), nonEmpty)
		}},
		{name: "Indicators.Paginator", run: func(t *testing.T, ctx context.Context, c *ioc.Client) (int, error) {
			p, n := c.Indicators.Paginator(list), 0
			for pages := 0; p.HasMorePages(); pages++ {
				if pages == 100 {
					t.Error("the paginator does not end")
					break
				}
				inds, _, err := p.NextPage(ctx)
				if _, err := page(t, inds, err, nonNil); err != nil {
					return n, err
				}
				n += len(inds)
			}
			return n, nil
		}},
		{name: "Indicators.All by offset", run: func(t *testing.T, ctx context.Context, c *ioc.Client) (int, error) {
			return walk(t, c.Indicators.All(ctx, byOffset), nonNil)
		}},
		{name: "Indicators.Aggregate", run: func(t *testing.T, ctx context.Context, c *ioc.Client) (int, error) {
			res, _, err := c.Indicators.Aggregate(ctx, ioc.AggregateRequest{Type: ioc.AggTerms, Field: "type"}, nil)
			if err == nil && res == nil {
				t.Error("nil result and nil error")
			}
			if res == nil {
				return 0, err
			}
			return len(res.Buckets), err
		}},
		{name: "Indicators.Create", run: func(t *testing.T, ctx context.Context, c *ioc.Client) (int, error) {
			res, err := c.Indicators.Create(ctx, []ioc.NewIndicator{{Type: ioc.TypeDomain, Value: "example.com", Action: ioc.ActionDetect,
				Severity: ioc.SeverityLow, Platforms: []ioc.Platform{ioc.PlatformWindows}, AppliedGlobally: true}}, nil)
			return writeAccounted(t, res, 1, err)
		}},
		{name: "Indicators.Update", run: func(t *testing.T, ctx context.Context, c *ioc.Client) (int, error) {
			res, err := c.Indicators.Update(ctx, update, nil)
			return writeAccounted(t, res, len(update), err)
		}},
		{name: "Indicators.BulkUpdate", run: func(t *testing.T, ctx context.Context, c *ioc.Client) (int, error) {
			res, err := c.Indicators.BulkUpdate(ctx, ioc.BulkUpdate{Filter: ioc.MatchAll(), Severity: ioc.Set(ioc.SeverityHigh)}, nil)
			return writeAccounted(t, res, -1, err)
		}},
		{name: "Indicators.Delete", run: func(t *testing.T, ctx context.Context, c *ioc.Client) (int, error) {
			res, err := c.Indicators.Delete(ctx, del, nil)
			return deleteAccounted(t, res, del, err)
		}},
		{name: "Indicators.DeleteWhere", run: func(t *testing.T, ctx context.Context, c *ioc.Client) (int, error) {
			res, err := c.Indicators.DeleteWhere(ctx, ioc.MatchAll(), nil)
			if res != nil && slices.Contains(res.Deleted, "") {
				t.Errorf("an empty id in Deleted: %q", res.Deleted)
			}
			return deleteAccounted(t, res, nil, err)
		}},
		{name: "Actions.List", ids: true, run: func(t *testing.T, ctx context.Context, c *ioc.Client) (int, error) {
			v, _, err := c.Actions.List(ctx, nil)
			return page(t, v, err, nonEmpty)
		}},
		{name: "Actions.All", ids: true, offsetWalk: true, run: func(t *testing.T, ctx context.Context, c *ioc.Client) (int, error) {
			return walk(t, c.Actions.All(ctx, nil), nonEmpty)
		}},
		{name: "Actions.Get", run: func(t *testing.T, ctx context.Context, c *ioc.Client) (int, error) {
			res, _, err := c.Actions.Get(ctx, ioc.ActionDetect, ioc.ActionAllow)
			return found(t, res, 2, err)
		}},
		{name: "Types.List", ids: true, run: func(t *testing.T, ctx context.Context, c *ioc.Client) (int, error) {
			v, _, err := c.Types.List(ctx, nil)
			return page(t, v, err, nonEmpty)
		}},
		{name: "Types.All", ids: true, offsetWalk: true, run: func(t *testing.T, ctx context.Context, c *ioc.Client) (int, error) {
			return walk(t, c.Types.All(ctx, nil), nonEmpty)
		}},
		{name: "Platforms.List", ids: true, run: func(t *testing.T, ctx context.Context, c *ioc.Client) (int, error) {
			v, _, err := c.Platforms.List(ctx, nil)
			return page(t, v, err, nonEmpty)
		}},
		{name: "Platforms.All", ids: true, offsetWalk: true, run: func(t *testing.T, ctx context.Context, c *ioc.Client) (int, error) {
			return walk(t, c.Platforms.All(ctx, &ioc.CatalogOptions{Offset: "5"}), nonEmpty)
		}},
		{name: "Severities.List", ids: true, run: func(t *testing.T, ctx context.Context, c *ioc.Client) (int, error) {
			v, _, err := c.Severities.List(ctx, nil)
			return page(t, v, err, nonEmpty)
		}},
		{name: "Severities.All", ids: true, offsetWalk: true, run: func(t *testing.T, ctx context.Context, c *ioc.Client) (int, error) {
			return walk(t, c.Severities.All(ctx, nil), nonEmpty)
		}},
		{name: "Client.Catalog", offsetWalk: true, run: func(t *testing.T, ctx context.Context, c *ioc.Client) (int, error) {
			cat, err := c.Catalog(ctx)
			if err != nil {
				return 0, err
			}
			n := len(cat.Types) + len(cat.Platforms) + len(cat.Severities)
			if slices.Contains(cat.Actions, nil) || slices.Contains(cat.Types, "") || slices.Contains(cat.Platforms, "") || slices.Contains(cat.Severities, "") {
				t.Errorf("catalog with a nil or empty entry: %+v", cat)
			}
			return n, nil
		}},
		{name: "Devices.Count", run: func(t *testing.T, ctx context.Context, c *ioc.Client) (int, error) {
			dc, _, err := c.Devices.Count(ctx, hostileRef)
			if err == nil && (dc == nil || dc.Count < 0) {
				t.Errorf("count %+v", dc)
			}
			return 0, err
		}},
		{name: "Devices.CountLegacy", run: func(t *testing.T, ctx context.Context, c *ioc.Client) (int, error) {
			dc, _, err := c.Devices.CountLegacy(ctx, hostileRef)
			if err == nil && (dc == nil || dc.Count < 0) {
				t.Errorf("count %+v", dc)
			}
			return 0, err
		}},
		{name: "Devices.RanOn", ids: true, run: func(t *testing.T, ctx context.Context, c *ioc.Client) (int, error) {
			v, _, err := c.Devices.RanOn(ctx, hostileRef, nil)
			return page(t, v, err, nonEmpty)
		}},
		{name: "Devices.AllRanOn", ids: true, offsetWalk: true, run: func(t *testing.T, ctx context.Context, c *ioc.Client) (int, error) {
			return walk(t, c.Devices.AllRanOn(ctx, hostileRef, &ioc.RanOnOptions{Limit: 10}), nonEmpty)
		}},
		{name: "Devices.AllRanOnLegacy", ids: true, run: func(t *testing.T, ctx context.Context, c *ioc.Client) (int, error) {
			return walk(t, c.Devices.AllRanOnLegacy(ctx, hostileRef, nil), nonEmpty)
		}},
		{name: "Processes.RanOn", ids: true, run: func(t *testing.T, ctx context.Context, c *ioc.Client) (int, error) {
			v, _, err := c.Processes.RanOn(ctx, hostileRef, hostileDevice, nil)
			return page(t, v, err, nonEmpty)
		}},
		{name: "Processes.AllRanOn", ids: true, offsetWalk: true, run: func(t *testing.T, ctx context.Context, c *ioc.Client) (int, error) {
			return walk(t, c.Processes.AllRanOn(ctx, hostileRef, hostileDevice, nil), nonEmpty)
		}},
		{name: "Processes.AllRanOnLegacy", ids: true, run: func(t *testing.T, ctx context.Context, c *ioc.Client) (int, error) {
			return walk(t, c.Processes.AllRanOnLegacy(ctx, hostileRef, hostileDevice, nil), nonEmpty)
		}},
		{name: "Processes.Get", run: func(t *testing.T, ctx context.Context, c *ioc.Client) (int, error) {
			res, _, err := c.Processes.Get(ctx, "pid:"+hostileDevice+":1", "pid:"+hostileDevice+":2")
			return found(t, res, 2, err)
		}},
		{name: "Reports.Create", run: func(t *testing.T, ctx context.Context, c *ioc.Client) (int, error) {
			job, _, err := c.Reports.Create(ctx, ioc.ReportRequest{Format: "csv"})
			switch {
			case err != nil:
				return 0, err
			case job == nil:
				t.Error("nil job and nil error")
				return 0, nil
			case job.Resource != nil && job.ID == "":
				t.Errorf("a job without an id from %s", job.Resource)
			}
			return 1, nil
		}},
	}
}

// mustFail reports whether no call can make anything of answer a.
func mustFail(a hostile.Answer) bool {
	switch a.Want {
	case hostile.Lost, hostile.Deadline, hostile.TooLarge:
		return true
	case hostile.Decode:
		return !strings.HasPrefix(a.Name, "wrong type") && a.Name != "resources an object" &&
			a.Name != "null in resources" && a.Name != "job id a number" && !strings.Contains(a.Name, "in ids")
	}
	return false
}

// TestHostileServerEveryCall sends every read and write call of the
// package to every hostile answer. Each gives a typed error or a result
// that run checks; none panics, outlives its deadline, sends more than a
// few requests (a walk that never ends), or leaves a goroutine behind
// (goleak, here and in TestMain). An answer no call can use must give an
// error, of the right type for a deadline or a body over the limit.
func TestHostileServerEveryCall(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	calls := hostileCalls()
	for _, a := range everyCallAnswers() {
		t.Run(a.Name, func(t *testing.T) {
			srv := hostile.NewServer(a)
			defer srv.Close()
			base := &http.Transport{}
			defer base.CloseIdleConnections()
			var tr atomic.Pointer[hostile.Transport] // samples the heap as bodies are read
			fc, err := falcon.NewClient(falcon.WithBaseURL(srv.URL),
				falcon.WithTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "hostile-token"})),
				falcon.WithHTTPClient(&http.Client{Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
					if t := tr.Load(); t != nil {
						return t.RoundTrip(r)
					}
					return base.RoundTrip(r)
				})}), falcon.WithRetry(falcon.RetryPolicy{MaxAttempts: 1}),
				falcon.WithMaxBodySize(everyCallLimit))
			if err != nil {
				t.Fatal(err)
			}
			c := ioc.New(fc)
			deadline := 30 * time.Second
			if a.Want == hostile.Deadline {
				deadline = 200 * time.Millisecond
			}
			check := func(call hostileCall) {
				ctx, cancel := context.WithTimeout(context.Background(), deadline)
				before := srv.Requests()
				var heap uint64
				if a.Want == hostile.TooLarge { // calls run one at a time
					tr.Store(&hostile.Transport{Base: base})
					runtime.GC()
					var ms runtime.MemStats
					runtime.ReadMemStats(&ms)
					heap = ms.HeapAlloc
				}
				n, err := call.run(t, ctx, c)
				cancel()
				if idShaped(a) {
					switch {
					case call.offsetWalk && offsetIgnored(a):
						if !errors.Is(err, ioc.ErrOffsetIgnored) {
							t.Errorf("%s: err %v; want ioc.ErrOffsetIgnored", call.name, err)
						}
					case call.ids && err != nil:
						t.Errorf("%s: err %v; want the ids", call.name, err)
					}
					if call.ids && n != a.Items {
						t.Errorf("%s: %d ids, want %d", call.name, n, a.Items)
					}
				}
				// The body read stops at the limit: an answer four times
				// over it read whole would pass this bound.
				if heap > 0 {
					inFlight := 1
					if call.name == "Client.Catalog" {
						inFlight = 4 // one walk per catalog at once
					}
					if peak := tr.Load().Peak(); peak > heap && peak-heap > uint64(4*everyCallLimit*inFlight) {
						t.Errorf("%s: the heap grew by %s while reading the answer", call.name, hostile.MiB(peak-heap))
					}
				}
				if sent := srv.Requests() - before; a.Want != hostile.Deadline && sent > 40 {
					t.Errorf("%s: %d requests", call.name, sent)
				}
				switch {
				case err == nil && mustFail(a):
					t.Errorf("%s: no error", call.name)
				case err == nil:
				case a.Want == hostile.Deadline:
					if !errors.Is(err, context.DeadlineExceeded) || !typed(err) {
						t.Errorf("%s: err %v (%T); want a typed error for the deadline", call.name, err, err)
					}
				case !typed(err) || errors.Is(err, context.DeadlineExceeded):
					t.Errorf("%s: err %v (%T); want one of the SDK's types, before the deadline", call.name, err, err)
				case a.Want == hostile.TooLarge && !isA[*falcon.BodyTooLargeError](err):
					t.Errorf("%s: err %v (%T); want a *falcon.BodyTooLargeError", call.name, err, err)
				}
			}
			if a.Want != hostile.Deadline {
				for _, call := range calls {
					check(call)
				}
				return
			}
			// Calls that wait for their deadline wait together.
			var wg sync.WaitGroup
			for _, call := range calls {
				wg.Go(func() { check(call) })
			}
			wg.Wait()
		})
	}
}

// TestHostileRefusalsWrites sends every write to refusals of every kind:
// 4xx and 5xx statuses with an HTML page, a JSON error without ids, and a
// JSON error naming one of the ids. Each write gives a typed error, writes
// nothing, and accounts for every item (Create, Update) or id (Delete),
// with no goroutine left behind.
func TestHostileRefusalsWrites(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	bodies := map[string]func(status int) (string, string){
		"HTML": func(int) (string, string) {
			return "text/html", "<html><body><h1>Request refused</h1></body></html>"
		},
		"JSON": func(status int) (string, string) {
			return "application/json", `{"meta":{"trace_id":"refusal"},"errors":[{"code":` + strconv.Itoa(status) + `,"message":"refused"}],"resources":null}`
		},
		"JSON naming an id": func(status int) (string, string) {
			return "application/json", `{"meta":{"trace_id":"refusal"},"errors":[{"code":` + strconv.Itoa(status) +
				`,"message":"refused 'a.example.com'","id":"` + id2 + `"}],"resources":null}`
		},
	}
	ids := []string{hostile.ID, id2, id3}
	news := []ioc.NewIndicator{}
	for _, v := range []string{"a.example.com", "b.example.com", "c.example.com"} {
		news = append(news, ioc.NewIndicator{Type: ioc.TypeDomain, Value: v, Action: ioc.ActionDetect,
			Severity: ioc.SeverityLow, Platforms: []ioc.Platform{ioc.PlatformWindows}, AppliedGlobally: true})
	}
	updates := []ioc.IndicatorUpdate{{ID: hostile.ID, Severity: ioc.Set(ioc.SeverityHigh)},
		{ID: id2, Severity: ioc.Set(ioc.SeverityHigh)}, {ID: id3, Severity: ioc.Set(ioc.SeverityHigh)}}
	for _, status := range []int{400, 401, 403, 404, 409, 429, 500, 502, 503} {
		for name, body := range bodies {
			t.Run(strconv.Itoa(status)+" "+name, func(t *testing.T) {
				ctype, text := body(status)
				srv := hostile.NewServer(hostile.Answer{Status: status, Header: http.Header{"Content-Type": {ctype}},
					Body: func() io.Reader { return strings.NewReader(text) }})
				defer srv.Close()
				c := hostileClient(t, srv)
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()

				res, err := c.Indicators.Create(ctx, news, nil)
				if n, _ := writeAccounted(t, res, len(news), err); n != 0 || !typed(err) {
					t.Errorf("Create: %d written, err %v (%T)", n, err, err)
				}
				res, err = c.Indicators.Update(ctx, updates, nil)
				if n, _ := writeAccounted(t, res, len(updates), err); n != 0 || !typed(err) {
					t.Errorf("Update: %d written, err %v (%T)", n, err, err)
				}
				res, err = c.Indicators.BulkUpdate(ctx, ioc.BulkUpdate{Filter: ioc.MatchAll(), Severity: ioc.Set(ioc.SeverityHigh)}, nil)
				if n, _ := writeAccounted(t, res, -1, err); n != 0 || !typed(err) {
					t.Errorf("BulkUpdate: %d written, err %v (%T)", n, err, err)
				}
				dres, err := c.Indicators.Delete(ctx, ids, nil)
				if n, _ := deleteAccounted(t, dres, ids, err); n != 0 {
					t.Errorf("Delete: %d deleted", n)
				}
				if dres != nil && len(dres.Failed) > 0 && !typed(err) && err != nil {
					t.Errorf("Delete: err %v (%T)", err, err)
				}
				dres, err = c.Indicators.DeleteWhere(ctx, ioc.MatchAll(), nil)
				if dres != nil || !typed(err) {
					t.Errorf("DeleteWhere: %+v, err %v (%T)", dres, err, err)
				}
			})
		}
	}
}

// TestHostileNullEntities: a null among the resources of a look-up by id,
// an aggregation or a device count is a *falcon.DecodeError, as in a list
// of indicators, not a silently missing entry or a zero value; an update the answer does not report on fails with
// ErrOutcomeUnknown, as a deletion does.
func TestHostileNullEntities(t *testing.T) {
	srv := hostile.NewServer(hostile.Answer{Body: func() io.Reader { return strings.NewReader(hostile.Envelope(`[null]`)) }})
	defer srv.Close()
	c := hostileClient(t, srv)
	_, _, err := c.Actions.Get(t.Context(), ioc.ActionDetect)
	if !isA[*falcon.DecodeError](err) || !isA[*json.UnmarshalTypeError](err) {
		t.Errorf("Actions.Get: err %v (%T); want a *falcon.DecodeError", err, err)
	}
	_, _, err = c.Processes.Get(t.Context(), "pid:"+hostileDevice+":1")
	if !isA[*falcon.DecodeError](err) || !isA[*json.UnmarshalTypeError](err) {
		t.Errorf("Processes.Get: err %v (%T); want a *falcon.DecodeError", err, err)
	}
	// Nor does an aggregation result or a device count become a zero
	// value.
	agg, _, err := c.Indicators.Aggregate(t.Context(), ioc.AggregateRequest{Type: ioc.AggTerms, Field: "type"}, nil)
	if !isA[*falcon.DecodeError](err) || !isA[*json.UnmarshalTypeError](err) {
		t.Errorf("Indicators.Aggregate: %+v, err %v (%T); want a *falcon.DecodeError", agg, err, err)
	}
	dc, _, err := c.Devices.Count(t.Context(), hostileRef)
	if !isA[*falcon.DecodeError](err) || !isA[*json.UnmarshalTypeError](err) {
		t.Errorf("Devices.Count: %+v, err %v (%T); want a *falcon.DecodeError", dc, err, err)
	}
	after := hostile.NewServer(hostile.Answer{Body: func() io.Reader {
		return strings.NewReader(hostile.Envelope(`[{"device_count":3,"type":"domain","value":"example.com"},null]`))
	}})
	defer after.Close()
	dc, _, err = hostileClient(t, after).Devices.CountLegacy(t.Context(), hostileRef)
	if !isA[*falcon.DecodeError](err) || !isA[*json.UnmarshalTypeError](err) {
		t.Errorf("Devices.CountLegacy, null after a count: %+v, err %v (%T); want a *falcon.DecodeError", dc, err, err)
	}

	empty := hostile.NewServer(hostile.Answer{Body: func() io.Reader { return strings.NewReader(hostile.Envelope(`[]`)) }})
	defer empty.Close()
	res, err := hostileClient(t, empty).Indicators.Update(t.Context(), []ioc.IndicatorUpdate{{ID: hostile.ID, Severity: ioc.Set(ioc.SeverityHigh)}}, nil)
	if res == nil || len(res.Items) != 1 || !errors.Is(res.Items[0].Err, ioc.ErrOutcomeUnknown) || !errors.Is(err, ioc.ErrOutcomeUnknown) {
		t.Errorf("Update: %+v, err %v; want the item failed with ErrOutcomeUnknown", res, err)
	}
}
