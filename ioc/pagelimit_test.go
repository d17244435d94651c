package ioc_test

import (
	"errors"
	"iter"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/falconioc/falcon"
	"github.com/falconioc/falcon/falcontest"
	"github.com/falconioc/falcon/internal/testutil"
	"github.com/falconioc/falcon/ioc"
	"github.com/falconioc/falcon/pagination"
)

// limitGate stands in front of the emulator and refuses the indicator
// listings (search and combined) whose limit refuse says no to, with a 400
// of the given content type and body. It records every limit asked for.
type limitGate struct {
	srv    *falcontest.Server
	refuse func(limit int) bool
	ctype  string
	body   string

	mu     sync.Mutex
	limits []int
}

func (g *limitGate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/iocs/combined/indicator/v1" || r.URL.Path == "/iocs/queries/indicators/v1" {
		n, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		g.mu.Lock()
		g.limits = append(g.limits, n)
		g.mu.Unlock()
		if g.refuse(n) {
			w.Header().Set("Content-Type", g.ctype)
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(g.body))
			return
		}
	}
	g.srv.Handler().ServeHTTP(w, r)
}

// asked returns the limits asked for so far.
func (g *limitGate) asked() []int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.limits)
}

// govHTML is the kind of page a gateway in front of the API answers with:
// HTML that names nothing.
const govHTML = "<html>\r\n<head><title>400 Bad Request</title></head>\r\n<body>\r\n<center><h1>400 Bad Request</h1></center>\r\n</body>\r\n</html>\r\n"

// gateClient returns a client of srv whose requests pass through a
// limitGate, in memory. Nothing is retried.
func gateClient(t *testing.T, srv *falcontest.Server, refuse func(int) bool, ctype, body string) (*ioc.Client, *limitGate) {
	t.Helper()
	g := &limitGate{srv: srv, refuse: refuse, ctype: ctype, body: body}
	c, err := falcon.NewClient(
		falcon.WithBaseURL(indMemBase),
		falcon.WithCredentials(srv.ClientID, srv.ClientSecret),
		falcon.WithHTTPClient(&http.Client{Transport: testutil.Transport(g)}),
		falcon.WithRetry(falcon.RetryPolicy{MaxAttempts: 1}),
	)
	if err != nil {
		t.Fatal(err)
	}
	return ioc.New(c), g
}

// walks are the listings that shrink a refused page size.
var walks = []struct {
	name string
	walk func(c *ioc.Client, t *testing.T) iter.Seq2[string, error]
}{
	{"All", func(c *ioc.Client, t *testing.T) iter.Seq2[string, error] {
		return idsOf(c.Indicators.All(t.Context(), &ioc.ListOptions{Limit: 2000}))
	}},
	{"All/offset", func(c *ioc.Client, t *testing.T) iter.Seq2[string, error] {
		return idsOf(c.Indicators.All(t.Context(), &ioc.ListOptions{Limit: 2000, Offset: new(0)}))
	}},
	{"AllIDs", func(c *ioc.Client, t *testing.T) iter.Seq2[string, error] {
		return c.Indicators.AllIDs(t.Context(), &ioc.ListOptions{Limit: 2000})
	}},
	{"AllIDs/offset", func(c *ioc.Client, t *testing.T) iter.Seq2[string, error] {
		return c.Indicators.AllIDs(t.Context(), &ioc.ListOptions{Limit: 2000, Offset: new(0)})
	}},
	{"Paginator.NextPage", func(c *ioc.Client, t *testing.T) iter.Seq2[string, error] {
		return func(yield func(string, error) bool) {
			p := c.Indicators.Paginator(&ioc.ListOptions{Limit: 2000})
			for p.HasMorePages() {
				page, _, err := p.NextPage(t.Context())
				if errors.Is(err, pagination.ErrNoMorePages) {
					return
				}
				if err != nil {
					yield("", err)
					return
				}
				for _, ind := range page {
					if !yield(ind.ID, nil) {
						return
					}
				}
			}
		}
	}},
}

func idsOf(seq iter.Seq2[*ioc.Indicator, error]) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		for ind, err := range seq {
			id := ""
			if ind != nil {
				id = ind.ID
			}
			if !yield(id, err) {
				return
			}
		}
	}
}

// TestPageLimit_ShrinksToTheMinimum checks that every listing reads a
// server that takes only small pages to the end, however small (down to
// the API's minimum of 1), whether it refuses larger ones in the API's
// JSON or with a gateway's HTML page.
func TestPageLimit_ShrinksToTheMinimum(t *testing.T) {
	t.Parallel()
	refusals := []struct {
		name, ctype, body string
	}{
		{"json", "application/json", `{"meta":{"trace_id":"tr-limit"},"errors":[{"code":400,"message":"limit must be between 1 and 10"}],"resources":null}`},
		{"html", "text/html", govHTML},
		{"html naming the limit", "text/html; charset=utf-8", "<html><body><p>Invalid limit parameter</p></body></html>"},
	}
	for _, max := range []int{10, 1} {
		for _, rf := range refusals {
			for _, w := range walks {
				t.Run(strconv.Itoa(max)+"/"+rf.name+"/"+w.name, func(t *testing.T) {
					t.Parallel()
					srv := falcontest.NewUnstartedServer(falcontest.WithIndicators(23), falcontest.WithRateLimit(0))
					c, g := gateClient(t, srv, func(n int) bool { return n > max }, rf.ctype, rf.body)
					seen := map[string]bool{}
					for id, err := range w.walk(c, t) {
						if err != nil {
							t.Fatalf("after %d, limits asked %v: %v", len(seen), g.asked(), err)
						}
						if seen[id] {
							t.Fatalf("%s twice", id)
						}
						seen[id] = true
					}
					if len(seen) != 23 {
						t.Errorf("saw %d of 23 (limits asked %v)", len(seen), g.asked())
					}
					// Halving from 2000 first fits at 7 for 10, and at 1.
					fit := map[int]int{10: 7, 1: 1}[max]
					if asked := g.asked(); asked[0] != 2000 || !slices.Contains(asked, fit) || slices.Min(asked) < fit {
						t.Errorf("limits asked %v, want halving from 2000 to %d", asked, fit)
					}
				})
			}
		}
	}
}

// TestPageLimit_RefusedEverySize checks that a server refusing every
// page size, down to 1, ends the listing with an error that says so and
// wraps the API's own (errors.As finds the *falcon.APIError).
func TestPageLimit_RefusedEverySize(t *testing.T) {
	t.Parallel()
	for _, rf := range []struct{ name, ctype, body string }{
		{"json", "application/json", `{"meta":{"trace_id":"tr-limit"},"errors":[{"code":400,"message":"Invalid limit"}],"resources":null}`},
		{"html", "text/html", govHTML},
	} {
		for _, w := range walks {
			t.Run(rf.name+"/"+w.name, func(t *testing.T) {
				t.Parallel()
				srv := falcontest.NewUnstartedServer(falcontest.WithIndicators(5), falcontest.WithRateLimit(0))
				c, g := gateClient(t, srv, func(int) bool { return true }, rf.ctype, rf.body)
				var errs []error
				for _, err := range w.walk(c, t) {
					if err != nil {
						errs = append(errs, err)
					}
				}
				if len(errs) != 1 {
					t.Fatalf("%d errors: %v", len(errs), errs)
				}
				ae, ok := errors.AsType[*falcon.APIError](errs[0])
				if !ok || ae.StatusCode != http.StatusBadRequest {
					t.Errorf("err = %v, want one wrapping the 400 *falcon.APIError", errs[0])
				}
				if rf.name == "json" && (ae == nil || ae.TraceID != "tr-limit") {
					t.Errorf("APIError = %+v, want the refusal's trace id", ae)
				}
				if !strings.Contains(errs[0].Error(), "page size") {
					t.Errorf("err = %q, want it to say every page size was refused", errs[0])
				}
				asked := g.asked()
				if want := []int{2000, 1000, 500, 250, 125, 62, 31, 15, 7, 3, 1}; !slices.Equal(asked, want) {
					t.Errorf("limits asked %v, want %v", asked, want)
				}
			})
		}
	}
}

// TestPageLimit_OtherRefusalsDoNotShrink checks that a 400 about
// something else (the API's JSON naming another parameter, or the offset
// window) is returned at once, unchanged.
func TestPageLimit_OtherRefusalsDoNotShrink(t *testing.T) {
	t.Parallel()
	for _, body := range []string{
		`{"meta":{"trace_id":"tr-f"},"errors":[{"code":400,"message":"Invalid filter: unknown value"}],"resources":null}`,
		`{"meta":{"trace_id":"tr-f"},"errors":[{"code":400,"message":"limit + offset must be less than 10000"}],"resources":null}`,
	} {
		srv := falcontest.NewUnstartedServer(falcontest.WithIndicators(5), falcontest.WithRateLimit(0))
		c, g := gateClient(t, srv, func(int) bool { return true }, "application/json", body)
		var got error
		for _, err := range c.Indicators.All(t.Context(), &ioc.ListOptions{Limit: 2000}) {
			got = err
		}
		ae, ok := errors.AsType[*falcon.APIError](got)
		if !ok || ae.TraceID != "tr-f" {
			t.Errorf("err = %v", got)
		}
		if asked := g.asked(); !slices.Equal(asked, []int{2000}) {
			t.Errorf("%s: limits asked %v, want one request", body, asked)
		}
	}
}

// TestIndicatorsEmulator_ShrinksRefusedPageSize checks that iteration
// adapts to a server that takes smaller pages than asked for.
func TestIndicatorsEmulator_ShrinksRefusedPageSize(t *testing.T) {
	t.Parallel()
	srv := falcontest.NewUnstartedServer(falcontest.WithIndicators(1200), falcontest.WithMaxLimit(500))
	c := indMemClient(t, srv, true)
	n := 0
	for _, err := range c.Indicators.All(t.Context(), &ioc.ListOptions{Limit: 2000}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 1200 {
		t.Errorf("saw %d", n)
	}
	// List takes the page size as given.
	_, _, err := c.Indicators.List(t.Context(), &ioc.ListOptions{Limit: 2000})
	var ae *falcon.APIError
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusBadRequest {
		t.Errorf("List with a refused limit: %v", err)
	}
}
