package ioc_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/falconioc/falcon"
	"github.com/falconioc/falcon/ioc"
)

// earlyPages serves pages of two indicators at cursors "", "c1", "c2",
// ... For each page but the last it writes the meta and the first
// indicator, then holds the rest of the body until the request for the
// next page has arrived: a client that reads the cursor only after the
// whole page would never send it, and the page is then released after a
// while and the miss recorded.
type earlyPages struct {
	pages          int
	resourcesFirst bool

	mu      sync.Mutex
	arrived map[string]chan struct{}
	missed  []string
	calls   []string
}

func (s *earlyPages) ch(cursor string) chan struct{} {
	if s.arrived == nil {
		s.arrived = map[string]chan struct{}{}
	}
	c, ok := s.arrived[cursor]
	if !ok {
		c = make(chan struct{})
		s.arrived[cursor] = c
	}
	return c
}

func indicatorJSON(page, i int) string {
	return fmt.Sprintf(`{"id":"%064x","type":"domain","value":"p%d-%d.example.com","action":"detect"}`, page*10+i, page, i)
}

func (s *earlyPages) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	after := r.URL.Query().Get("after")
	page := 0
	if after != "" {
		fmt.Sscanf(after, "c%d", &page)
	}
	s.mu.Lock()
	s.calls = append(s.calls, after)
	if c := s.ch(after); true {
		select {
		case <-c:
		default:
			close(c)
		}
	}
	next := ""
	var wait chan struct{}
	if page+1 < s.pages {
		next = fmt.Sprintf("c%d", page+1)
		wait = s.ch(next)
	}
	s.mu.Unlock()

	item := indicatorJSON
	if strings.Contains(r.URL.Path, "/queries/") {
		item = func(page, i int) string { return fmt.Sprintf(`"%064x"`, page*10+i) }
	}
	meta := fmt.Sprintf(`"meta":{"query_time":0.01,"trace_id":"t%d","pagination":{"limit":2,"total":%d,"after":%q}}`, page, 2*s.pages, next)
	w.Header().Set("Content-Type", "application/json")
	if s.resourcesFirst {
		fmt.Fprintf(w, `{"resources":[%s,%s],%s,"errors":[]}`, item(page, 0), item(page, 1), meta)
		return
	}
	fmt.Fprintf(w, `{%s,"resources":[%s,`, meta, item(page, 0))
	w.(http.Flusher).Flush()
	if wait != nil {
		select {
		case <-wait:
		case <-r.Context().Done():
			return
		case <-time.After(20 * time.Second):
			s.mu.Lock()
			s.missed = append(s.missed, after)
			s.mu.Unlock()
		}
	}
	fmt.Fprintf(w, `%s],"errors":[]}`, item(page, 1))
}

func earlyClient(t *testing.T, h http.Handler) *ioc.Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := falcon.NewClient(falcon.WithBaseURL(srv.URL),
		falcon.WithTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "test-token", TokenType: "Bearer"})))
	if err != nil {
		t.Fatal(err)
	}
	return ioc.New(c)
}

func TestIndicatorsAll_NextRequestLeavesBeforeThePageIsDecoded(t *testing.T) {
	t.Parallel()
	for _, resourcesFirst := range []bool{false, true} {
		t.Run(fmt.Sprintf("resources first %v", resourcesFirst), func(t *testing.T) {
			t.Parallel()
			s := &earlyPages{pages: 4, resourcesFirst: resourcesFirst}
			c := earlyClient(t, s)
			var got []string
			for ind, err := range c.Indicators.All(t.Context(), &ioc.ListOptions{Limit: 2}) {
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, ind.Value)
			}
			var want []string
			for p := range 4 {
				want = append(want, fmt.Sprintf("p%d-0.example.com", p), fmt.Sprintf("p%d-1.example.com", p))
			}
			if !slices.Equal(got, want) {
				t.Errorf("values = %v, want %v", got, want)
			}
			if len(s.missed) > 0 {
				t.Errorf("the next request left only after the page at %q had arrived", s.missed)
			}
			if want := []string{"", "c1", "c2", "c3"}; !slices.Equal(s.calls, want) {
				t.Errorf("requests at %v, want each page once: %v", s.calls, want)
			}
		})
	}
}

func TestIndicatorsAllIDs_NextRequestLeavesBeforeThePageIsDecoded(t *testing.T) {
	t.Parallel()
	s := &earlyPages{pages: 4}
	c := earlyClient(t, s)
	var got []string
	for id, err := range c.Indicators.AllIDs(t.Context(), &ioc.ListOptions{Limit: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, id)
	}
	var want []string
	for p := range 4 {
		want = append(want, fmt.Sprintf("%064x", p*10), fmt.Sprintf("%064x", p*10+1))
	}
	if !slices.Equal(got, want) {
		t.Errorf("ids = %v, want %v", got, want)
	}
	if len(s.missed) > 0 {
		t.Errorf("the next request left only after the page at %q had arrived", s.missed)
	}
}

func TestIndicatorsAll_EarlyCursorKeepsResumeAndErrors(t *testing.T) {
	t.Parallel()
	// The page after the announced cursor fails: the error names that
	// page's cursor, to resume from, although its request left early.
	s := &earlyPages{pages: 3}
	fail := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("after") == "c2" {
			s.mu.Lock()
			close(s.ch("c2"))
			s.mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"meta":{},"errors":[{"code":400,"message":"bad"}]}`)
			return
		}
		s.ServeHTTP(w, r)
	})
	c := earlyClient(t, fail)
	n := 0
	var last error
	for ind, err := range c.Indicators.All(t.Context(), &ioc.ListOptions{Limit: 2}) {
		if err != nil {
			last = err
			break
		}
		if !strings.HasSuffix(ind.Value, ".example.com") {
			t.Errorf("value %q", ind.Value)
		}
		n++
	}
	if n != 4 || last == nil || !strings.Contains(last.Error(), `"c2"`) {
		t.Errorf("%d indicators then %v; want 4 then an error at cursor c2", n, last)
	}
}

// TestIndicatorsAll_ParallelFallbackSendsTheNextRequestEarly: a client the
// aggregate call refuses (403) walks a Parallel 2 listing sequentially, on
// one partition walker; All and AllIDs still send each next request as
// soon as an answer's meta names its cursor.
func TestIndicatorsAll_ParallelFallbackSendsTheNextRequestEarly(t *testing.T) {
	t.Parallel()
	for _, ids := range []bool{false, true} {
		t.Run(fmt.Sprintf("ids %v", ids), func(t *testing.T) {
			t.Parallel()
			s := &earlyPages{pages: 4}
			c := earlyClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.Contains(r.URL.Path, "/aggregates/") {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(http.StatusForbidden)
					fmt.Fprint(w, `{"meta":{},"errors":[{"code":403,"message":"access denied, authorization failed"}]}`)
					return
				}
				s.ServeHTTP(w, r)
			}))
			opts := &ioc.ListOptions{Limit: 2, Parallel: 2}
			n := 0
			if ids {
				for _, err := range c.Indicators.AllIDs(t.Context(), opts) {
					if err != nil {
						t.Fatal(err)
					}
					n++
				}
			} else {
				for _, err := range c.Indicators.All(t.Context(), opts) {
					if err != nil {
						t.Fatal(err)
					}
					n++
				}
			}
			if n != 8 {
				t.Errorf("%d items, want 8", n)
			}
			s.mu.Lock()
			defer s.mu.Unlock()
			if len(s.missed) > 0 {
				t.Errorf("the next request left only after the page at %q had arrived", s.missed)
			}
			if want := []string{"", "c1", "c2", "c3"}; !slices.Equal(s.calls, want) {
				t.Errorf("requests at %v, want each page once: %v", s.calls, want)
			}
		})
	}
}
