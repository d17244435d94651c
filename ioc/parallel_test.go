package ioc_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/falconioc/falcon"
	"github.com/falconioc/falcon/falcontest"
	"github.com/falconioc/falcon/fql"
	"github.com/falconioc/falcon/ioc"
	"github.com/falconioc/falcon/pagination"
	"go.uber.org/goleak"
)

// failingTransport fails the n-th request (1-based) whose path is path
// with a transport error, once; n 0 fails none.
type failingTransport struct {
	base http.RoundTripper
	path string
	n    atomic.Int64
	seen atomic.Int64
}

func (f *failingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Path == f.path && f.seen.Add(1) == f.n.Load() {
		return nil, errors.New("injected transport failure")
	}
	return f.base.RoundTrip(r)
}

// parallelClient returns a client of srv that retries nothing and whose
// transport can fail one listing request.
func parallelClient(t *testing.T, srv *falcontest.Server, path string) (*ioc.Client, *failingTransport) {
	t.Helper()
	ft := &failingTransport{base: http.DefaultTransport, path: path}
	c, err := falcon.NewClient(
		falcon.WithBaseURL(srv.URL),
		falcon.WithCredentials(srv.ClientID, srv.ClientSecret),
		falcon.WithHTTPClient(&http.Client{Transport: ft}),
		falcon.WithRetry(falcon.NoRetry()),
	)
	if err != nil {
		t.Fatalf("falcon.NewClient: %v", err)
	}
	return ioc.New(c), ft
}

// collect ranges over seq, failing the test on an error, and returns the
// ids in the order yielded.
func collectIDs[T any](t *testing.T, seq func(func(T, error) bool), id func(T) string) []string {
	t.Helper()
	var out []string
	for v, err := range seq {
		if err != nil {
			t.Fatalf("walk: %v", err)
		}
		out = append(out, id(v))
	}
	return out
}

func indID(in *ioc.Indicator) string { return in.ID }
func strID(s string) string          { return s }

// checkSame reports ids yielded more than once, and the difference
// between got and want as sets.
func checkSame(t *testing.T, got, want []string) {
	t.Helper()
	seen := map[string]int{}
	for _, id := range got {
		seen[id]++
	}
	for id, n := range seen {
		if n > 1 {
			t.Errorf("%s yielded %d times", id, n)
		}
	}
	wantSet := map[string]bool{}
	for _, id := range want {
		wantSet[id] = true
		if seen[id] == 0 {
			t.Errorf("%s never yielded", id)
		}
	}
	for id := range seen {
		if !wantSet[id] {
			t.Errorf("%s yielded but not in the listing", id)
		}
	}
	if t.Failed() {
		t.Fatalf("got %d ids, want %d", len(got), len(want))
	}
}

func countPath(srv *falcontest.Server, path string) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Path == path {
			n++
		}
	}
	return n
}

func TestIndicatorsService_AllParallel(t *testing.T) {
	t.Parallel()
	iocs, srv := emuClient(t, falcontest.WithIndicators(3000))
	ctx := t.Context()
	seq := collectIDs(t, iocs.Indicators.AllIDs(ctx, &ioc.ListOptions{Limit: 100}), strID)
	if len(seq) != 3000 {
		t.Fatalf("sequential walk: %d ids, want 3000", len(seq))
	}
	for _, par := range []int{2, 5, 8, ioc.MaxParallel} {
		t.Run(fmt.Sprint("parallel ", par), func(t *testing.T) {
			opts := &ioc.ListOptions{Limit: 100, Parallel: par}
			checkSame(t, collectIDs(t, iocs.Indicators.All(ctx, opts), indID), seq)
			checkSame(t, collectIDs(t, iocs.Indicators.AllIDs(ctx, opts), strID), seq)
		})
	}
	// Indicators created over a year: each parallel walk planned with one
	// aggregate call (weekly buckets are fine enough).
	if n := countPath(srv, "/iocs/aggregates/indicators/v1"); n != 2*4 {
		t.Errorf("aggregate calls: %d, want %d", n, 2*4)
	}
}

// TestIndicatorsService_AllParallelBurst walks indicators created in
// bursts (within minutes, or at one instant): the plan asks for a finer
// histogram, and every indicator still comes exactly once.
func TestIndicatorsService_AllParallelBurst(t *testing.T) {
	t.Parallel()
	for name, step := range map[string]time.Duration{"minutes": 300 * time.Millisecond, "one instant": 0} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			iocs, srv := emuClient(t)
			base := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
			inds := make([]falcontest.Indicator, 2000)
			for i := range inds {
				inds[i] = falcontest.Indicator{Type: "domain", Value: fmt.Sprintf("b%d.burst.example.com", i),
					Action: "detect", Severity: "low", Platforms: []string{"linux"}, AppliedGlobally: true,
					CreatedOn: base.Add(time.Duration(i) * step)}
				if i%4 == 0 {
					inds[i].Type, inds[i].Value = "ipv4", fmt.Sprintf("192.0.2.%d", i/4%250+1)
					if i/4 >= 250 {
						inds[i].Type, inds[i].Value = "md5", fmt.Sprintf("%032x", i)
					}
				}
			}
			srv.AddIndicators(inds...)
			ctx := t.Context()
			want := collectIDs(t, iocs.Indicators.AllIDs(ctx, &ioc.ListOptions{Limit: 100}), strID)
			got := collectIDs(t, iocs.Indicators.All(ctx, &ioc.ListOptions{Limit: 100, Parallel: 6}), indID)
			checkSame(t, got, want)
			if n := countPath(srv, "/iocs/aggregates/indicators/v1"); n != 2 {
				t.Errorf("aggregate calls: %d, want 2 (weeks are too coarse)", n)
			}
		})
	}
}

// TestIndicatorsService_AllParallelFinerPlanFails: when the second, finer
// planning call fails, the walk keeps the weekly plan rather than failing,
// and every indicator still comes exactly once.
func TestIndicatorsService_AllParallelFinerPlanFails(t *testing.T) {
	t.Parallel()
	srv := falcontest.NewServer()
	t.Cleanup(srv.Close)
	base := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	inds := make([]falcontest.Indicator, 1000)
	for i := range inds {
		inds[i] = falcontest.Indicator{Type: "domain", Value: fmt.Sprintf("f%d.burst.example.com", i),
			Action: "detect", Severity: "low", Platforms: []string{"linux"}, AppliedGlobally: true,
			CreatedOn: base.Add(time.Duration(i) * time.Second)}
	}
	srv.AddIndicators(inds...)
	iocs, ft := parallelClient(t, srv, "/iocs/aggregates/indicators/v1")
	ctx := t.Context()
	want := collectIDs(t, iocs.Indicators.AllIDs(ctx, &ioc.ListOptions{Limit: 100}), strID)
	for _, walk := range []string{"All", "AllIDs"} {
		ft.seen.Store(0)
		ft.n.Store(2)
		before := countPath(srv, "/iocs/aggregates/indicators/v1")
		opts := &ioc.ListOptions{Limit: 100, Parallel: 4}
		var got []string
		if walk == "All" {
			got = collectIDs(t, iocs.Indicators.All(ctx, opts), indID)
		} else {
			got = collectIDs(t, iocs.Indicators.AllIDs(ctx, opts), strID)
		}
		checkSame(t, got, want)
		if ft.seen.Load() != 2 {
			t.Errorf("%s: %d planning calls, want 2 (the second refused)", walk, ft.seen.Load())
		}
		if n := countPath(srv, "/iocs/aggregates/indicators/v1") - before; n != 1 {
			t.Errorf("%s: %d planning calls answered, want 1", walk, n)
		}
	}
}

func TestIndicatorsService_AllParallelFilter(t *testing.T) {
	t.Parallel()
	iocs, _ := emuClient(t, falcontest.WithIndicators(2000))
	ctx := t.Context()
	for _, f := range []fql.Expr{
		fql.Eq("severity", "high"),
		fql.Or(fql.Eq("type", "domain"), fql.Eq("type", "md5")),
		fql.Gte("created_on", fql.Relative("now-200d")),
	} {
		t.Run(f.String(), func(t *testing.T) {
			want := collectIDs(t, iocs.Indicators.AllIDs(ctx, &ioc.ListOptions{Filter: ioc.Filter{Expr: f}, Limit: 50}), strID)
			got := collectIDs(t, iocs.Indicators.All(ctx, &ioc.ListOptions{Filter: ioc.Filter{Expr: f}, Limit: 50, Parallel: 6}), indID)
			checkSame(t, got, want)
		})
	}
}

func TestIndicatorsService_AllParallelSmall(t *testing.T) {
	t.Parallel()
	iocs, srv := emuClient(t, falcontest.WithIndicators(150))
	got := collectIDs(t, iocs.Indicators.AllIDs(t.Context(), &ioc.ListOptions{Limit: 100, Parallel: 8}), strID)
	if len(got) != 150 {
		t.Fatalf("got %d ids, want 150", len(got))
	}
	// Under two pages: one aggregate call, then the sequential walk.
	if n := countPath(srv, "/iocs/aggregates/indicators/v1"); n != 1 {
		t.Errorf("aggregate calls: %d, want 1", n)
	}
	if n := countPath(srv, "/iocs/queries/indicators/v1"); n != 2 {
		t.Errorf("pages: %d, want 2", n)
	}
}

func TestIndicatorsService_AllParallelForbiddenPlan(t *testing.T) {
	t.Parallel()
	// A client without ioc:write cannot aggregate: the walk is sequential.
	iocs, srv := emuClient(t, falcontest.WithIndicators(500), falcontest.WithScopes("ioc:read"))
	got := collectIDs(t, iocs.Indicators.AllIDs(t.Context(), &ioc.ListOptions{Limit: 100, Parallel: 4}), strID)
	if len(got) != 500 {
		t.Fatalf("got %d ids, want 500", len(got))
	}
	if n := countPath(srv, "/iocs/queries/indicators/v1"); n != 5 && n != 6 {
		t.Errorf("pages: %d, want 5 or 6 (sequential)", n)
	}
}

func TestIndicatorsService_AllParallelRefused(t *testing.T) {
	t.Parallel()
	iocs, srv := emuClient(t)
	off := 0
	for name, opts := range map[string]*ioc.ListOptions{
		"sort":             {Parallel: 4, Sort: fql.Asc("created_on")},
		"offset":           {Parallel: 4, Offset: &off},
		"after":            {Parallel: 4, After: "abc"},
		"too many":         {Parallel: ioc.MaxParallel + 1},
		"negative":         {Parallel: -1},
		"resume and after": {Resume: "v1.e30", After: "abc"},
		"bad token":        {Resume: "v1.!!"},
		"foreign version":  {Resume: "v9.e30"},
		"empty state":      {Resume: "v1.e30"},
	} {
		t.Run(name, func(t *testing.T) {
			var ve *falcon.ValidationError
			for _, err := range iocs.Indicators.All(t.Context(), opts) {
				if !errors.As(err, &ve) {
					t.Fatalf("All: %v, want a *falcon.ValidationError", err)
				}
			}
			for _, err := range iocs.Indicators.AllIDs(t.Context(), opts) {
				if !errors.As(err, &ve) {
					t.Fatalf("AllIDs: %v, want a *falcon.ValidationError", err)
				}
			}
			if _, _, err := iocs.Indicators.Paginator(opts).NextPage(t.Context()); !errors.As(err, &ve) {
				t.Fatalf("NextPage: %v, want a *falcon.ValidationError", err)
			}
		})
	}
	if _, _, err := iocs.Indicators.List(t.Context(), &ioc.ListOptions{Resume: "v1.e30"}); err == nil {
		t.Error("List took a resume token")
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests sent for refused options", n)
	}
}

// TestIndicatorsService_AllParallelSortMessage checks that the refusal of
// a sorted parallel walk says what to do.
func TestIndicatorsService_AllParallelSortMessage(t *testing.T) {
	t.Parallel()
	iocs, _ := emuClient(t)
	for _, err := range iocs.Indicators.All(t.Context(), &ioc.ListOptions{Parallel: 4, Sort: fql.Desc("modified_on")}) {
		if err == nil || !strings.Contains(err.Error(), "parallel") || !strings.Contains(err.Error(), "Sort") {
			t.Fatalf("error %v does not name parallel and Sort", err)
		}
	}
}

func TestIndicatorsService_AllParallelChangingData(t *testing.T) {
	t.Parallel()
	srv := falcontest.NewServer(falcontest.WithIndicators(4000))
	t.Cleanup(srv.Close)
	iocs, _ := parallelClient(t, srv, "")
	ctx := t.Context()
	// No ipv6 when the walk is planned: those created during the walk
	// belong to the partition of unplanned types.
	if _, err := iocs.Indicators.DeleteWhere(ctx, ioc.Filter{Expr: fql.Eq("type", "ipv6")}, nil); err != nil {
		t.Fatalf("DeleteWhere: %v", err)
	}
	// Every third indicator is deleted during the walk; the others exist
	// throughout and must come exactly once.
	var stable, doomed []string
	for i, in := range srv.Indicators() {
		if i%3 == 0 {
			doomed = append(doomed, in.ID)
		} else {
			stable = append(stable, in.ID)
		}
	}
	existed := map[string]bool{}
	for _, id := range append(append([]string(nil), stable...), doomed...) {
		existed[id] = true
	}
	var mu sync.Mutex
	created := map[string]bool{}
	start, halfway := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	const creates = 1000
	wg.Go(func() { // creates, of a planned type and of an unplanned one
		<-start
		for i := range creates {
			if i == creates/2 {
				close(halfway)
			}
			in := falcontest.Indicator{
				Type: "domain", Value: fmt.Sprintf("new-%d.changing.example.com", i),
				Action: "detect", Severity: "high", Platforms: []string{"windows"}, AppliedGlobally: true,
			}
			if i%4 == 0 {
				in.Type, in.Value = "ipv6", fmt.Sprintf("2001:db8::%x", i+1)
			}
			ids := srv.AddIndicators(in)
			mu.Lock()
			created[ids[0]] = true
			mu.Unlock()
		}
	})
	wg.Go(func() { // deletes
		<-start
		for i := 0; i < len(doomed); i += 50 {
			if _, err := iocs.Indicators.Delete(ctx, doomed[i:min(i+50, len(doomed))], nil); err != nil {
				t.Errorf("Delete: %v", err)
				return
			}
		}
	})
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	seen := map[string]int{}
	n := 0
	for in, err := range iocs.Indicators.All(ctx, &ioc.ListOptions{Limit: 50, Parallel: 6}) {
		if err != nil {
			t.Fatalf("walk: %v", err)
		}
		seen[in.ID]++
		switch n++; n {
		case 100: // the writers start, and the walk waits for half of them
			close(start)
			<-halfway
		case 1000: // the rest of the writes happen before the walk ends
			<-done
		}
	}
	<-done
	for _, id := range stable {
		if seen[id] != 1 {
			t.Errorf("stable %s yielded %d times, want once", id, seen[id])
		}
	}
	newSeen := 0
	for id, k := range seen {
		switch {
		case k > 1:
			t.Errorf("%s yielded %d times", id, k)
		case created[id]:
			newSeen++
		case !existed[id]:
			t.Errorf("%s yielded but never existed", id)
		}
	}
	// The creates all happened before the walk ended, after the plan: the
	// open-ended partitions take them.
	if newSeen == 0 {
		t.Errorf("none of the %d indicators created during the walk was yielded", creates)
	}
	t.Logf("created during the walk: %d, of which yielded %d; yielded %d in all", len(created), newSeen, len(seen))
}

// TestIndicatorsService_AllResume fails the k-th page of a walk, resumes
// from the token of the *ResumeError, and checks that both runs together
// yield every indicator exactly once.
func TestIndicatorsService_AllResume(t *testing.T) {
	t.Parallel()
	srv := falcontest.NewServer(falcontest.WithIndicators(2500))
	t.Cleanup(srv.Close)
	for _, tc := range []struct {
		name     string
		parallel int
		ids      bool
		failAt   int64
	}{
		{"sequential first page", 0, false, 1},
		{"sequential", 0, false, 7},
		{"sequential ids", 0, true, 9},
		{"parallel", 4, false, 6},
		{"parallel ids", 4, true, 13},
		{"parallel late", 8, false, 18},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := "/iocs/combined/indicator/v1"
			if tc.ids {
				path = "/iocs/queries/indicators/v1"
			}
			iocs, ft := parallelClient(t, srv, path)
			ft.n.Store(tc.failAt)
			filter := ioc.Filter{Expr: fql.Ne("severity", "low")}
			clean, _ := parallelClient(t, srv, "")
			want := collectIDs(t, clean.Indicators.AllIDs(t.Context(), &ioc.ListOptions{Filter: filter, Limit: 100}), strID)
			opts := &ioc.ListOptions{Filter: filter, Limit: 100, Parallel: tc.parallel}
			var got []string
			var token string
			walk := func() {
				token = ""
				if tc.ids {
					for id, err := range iocs.Indicators.AllIDs(t.Context(), opts) {
						if err != nil {
							token = resumeToken(t, err)
							return
						}
						got = append(got, id)
					}
					return
				}
				for in, err := range iocs.Indicators.All(t.Context(), opts) {
					if err != nil {
						token = resumeToken(t, err)
						return
					}
					got = append(got, in.ID)
				}
			}
			walk()
			if token == "" {
				t.Fatal("the walk did not fail")
			}
			first := len(got)
			opts.Resume = token
			walk()
			if token != "" {
				t.Fatal("the resumed walk failed")
			}
			t.Logf("%d before the failure, %d after", first, len(got)-first)
			checkSame(t, got, want)
		})
	}
}

// resumeToken checks that err is a *ResumeError around a
// *pagination.PageError and returns its token.
func resumeToken(t *testing.T, err error) string {
	t.Helper()
	var re *ioc.ResumeError
	var pe *pagination.PageError
	if !errors.As(err, &re) || !errors.As(err, &pe) {
		t.Fatalf("error %T %v: want a *ioc.ResumeError wrapping a *pagination.PageError", err, err)
	}
	if re.Token == "" || strings.Contains(err.Error(), re.Token) {
		t.Fatalf("token %q empty or in the message", re.Token)
	}
	return re.Token
}

func TestIndicatorsService_ResumeForeignToken(t *testing.T) {
	t.Parallel()
	srv := falcontest.NewServer(falcontest.WithIndicators(600))
	t.Cleanup(srv.Close)
	iocs, ft := parallelClient(t, srv, "/iocs/queries/indicators/v1")
	ft.n.Store(3)
	var token string
	for _, err := range iocs.Indicators.AllIDs(t.Context(), &ioc.ListOptions{Limit: 100, Parallel: 3}) {
		if err != nil {
			token = resumeToken(t, err)
		}
	}
	opts := &ioc.ListOptions{Limit: 100, Resume: token, Filter: ioc.Filter{Expr: fql.Eq("type", "md5")}}
	for _, err := range iocs.Indicators.AllIDs(t.Context(), opts) {
		var ve *falcon.ValidationError
		if !errors.As(err, &ve) || !strings.Contains(err.Error(), "another listing") {
			t.Fatalf("foreign token: %v", err)
		}
	}
}

func TestIndicatorPaginator_ParallelExplicit(t *testing.T) {
	t.Parallel()
	iocs, _ := emuClient(t, falcontest.WithIndicators(1200))
	ctx := t.Context()
	want := collectIDs(t, iocs.Indicators.AllIDs(ctx, &ioc.ListOptions{Limit: 100}), strID)
	for _, par := range []int{0, 4} {
		p := iocs.Indicators.Paginator(&ioc.ListOptions{Limit: 100, Parallel: par})
		var got []string
		for pages := 0; p.HasMorePages(); pages++ {
			if pages == 5 {
				// Stop, and go on with a new paginator from the token.
				tok := p.ResumeToken()
				if tok == "" {
					t.Fatal("no resume token mid-walk")
				}
				p = iocs.Indicators.Paginator(&ioc.ListOptions{Limit: 100, Parallel: par, Resume: tok})
			}
			items, _, err := p.NextPage(ctx)
			if errors.Is(err, pagination.ErrNoMorePages) {
				break
			}
			if err != nil {
				t.Fatalf("NextPage: %v", err)
			}
			for _, in := range items {
				got = append(got, in.ID)
			}
		}
		if p.ResumeToken() != "" {
			t.Error("resume token after the last page")
		}
		checkSame(t, got, want)
	}
}

// TestIndicatorsService_AllParallelStop breaks out of a parallel walk and
// checks that no goroutine of the walk is left. The emulator answers in
// memory, so that no connection's goroutine needs ignoring and a walker
// left behind, wherever it is blocked, is reported.
func TestIndicatorsService_AllParallelStop(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	srv := falcontest.NewUnstartedServer(falcontest.WithIndicators(3000), falcontest.WithRateLimit(0))
	iocs := indMemClient(t, srv, false)
	for _, stopAt := range []int{1, 150, 1000} {
		n := 0
		for _, err := range iocs.Indicators.All(context.Background(), &ioc.ListOptions{Limit: 100, Parallel: 8}) {
			if err != nil {
				t.Fatal(err)
			}
			if n++; n == stopAt {
				break
			}
		}
		n = 0
		for _, err := range iocs.Indicators.AllIDs(context.Background(), &ioc.ListOptions{Limit: 100, Parallel: 8}) {
			if err != nil {
				t.Fatal(err)
			}
			if n++; n == stopAt {
				break
			}
		}
	}
	// A cancelled context ends the walk with a resumable error, too.
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	for _, err := range iocs.Indicators.All(ctx, &ioc.ListOptions{Limit: 100, Parallel: 8}) {
		if err != nil {
			var re *ioc.ResumeError
			if !errors.Is(err, context.Canceled) || !errors.As(err, &re) || re.Token == "" {
				t.Fatalf("after cancel: %v, want a *ioc.ResumeError with a token", err)
			}
			break
		}
		if n++; n == 300 {
			cancel()
		}
	}
	cancel()
	goleak.VerifyNone(t, ignore)
}
