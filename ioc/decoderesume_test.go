package ioc_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/falconioc/falcon"
	"github.com/falconioc/falcon/falcontest"
	"github.com/falconioc/falcon/ioc"
	"github.com/falconioc/falcon/pagination"
)

// corruptingTransport gives, once, the n-th answer (1-based) to a request
// whose path is path a resource of the wrong type: the answer arrives, and
// its page fails to decode.
type corruptingTransport struct {
	path string
	n    atomic.Int64
	seen atomic.Int64
}

func (c *corruptingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil || r.URL.Path != c.path || c.seen.Add(1) != c.n.Load() {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	// The first id becomes a number (an indicator's id, or an entry of an
	// id list).
	body = bytes.Replace(body, []byte(`"id":"`), []byte(`"id":5,"x":"`), 1)
	body = bytes.Replace(body, []byte(`"resources":["`), []byte(`"resources":[5,"`), 1)
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Del("Content-Length")
	return resp, nil
}

func corruptingClient(t *testing.T, srv *falcontest.Server, path string, n int64) *ioc.Client {
	t.Helper()
	ct := &corruptingTransport{path: path}
	ct.n.Store(n)
	c, err := falcon.NewClient(falcon.WithBaseURL(srv.URL), falcon.WithCredentials(srv.ClientID, srv.ClientSecret),
		falcon.WithHTTPClient(&http.Client{Transport: ct}), falcon.WithRetry(falcon.NoRetry()))
	if err != nil {
		t.Fatal(err)
	}
	return ioc.New(c)
}

// TestIndicatorPaginator_DecodeFailureStaysPut: when a page of explicit
// paging fails to decode, the paginator stays at that page: NextPage
// fetches it again, and Cursor and ResumeToken resume with it, so every
// indicator still comes exactly once.
func TestIndicatorPaginator_DecodeFailureStaysPut(t *testing.T) {
	t.Parallel()
	srv := falcontest.NewServer(falcontest.WithIndicators(1200))
	t.Cleanup(srv.Close)
	clean, _ := parallelClient(t, srv, "")
	want := collectIDs(t, clean.Indicators.AllIDs(t.Context(), &ioc.ListOptions{Limit: 100}), strID)
	for _, par := range []int{0, 4} {
		for _, how := range []string{"again", "token", "cursor"} {
			if how == "cursor" && par > 1 {
				continue // a parallel paginator has no cursor
			}
			t.Run(fmt.Sprintf("parallel %d, %s", par, how), func(t *testing.T) {
				c := corruptingClient(t, srv, "/iocs/combined/indicator/v1", 4)
				opts := &ioc.ListOptions{Limit: 100, Parallel: par}
				p := c.Indicators.Paginator(opts)
				var got []string
				failed := false
				for pages := 0; p.HasMorePages() && pages < 100; pages++ {
					items, _, err := p.NextPage(t.Context())
					if errors.Is(err, pagination.ErrNoMorePages) {
						break
					}
					if err != nil {
						if failed || !isA[*falcon.DecodeError](err) {
							t.Fatalf("NextPage: %v (%T); want one *falcon.DecodeError", err, err)
						}
						failed = true
						switch how {
						case "token":
							tok := p.ResumeToken()
							if tok == "" {
								t.Fatal("no resume token after the failed page")
							}
							p = c.Indicators.Paginator(&ioc.ListOptions{Limit: 100, Parallel: par, Resume: tok})
						case "cursor":
							p = c.Indicators.Paginator(&ioc.ListOptions{Limit: 100, After: p.Cursor()})
						}
						continue
					}
					for _, in := range items {
						got = append(got, in.ID)
					}
				}
				if !failed {
					t.Fatal("no page failed to decode")
				}
				checkSame(t, got, want)
			})
		}
	}
}

// TestIndicatorsService_DecodeFailureResume: the resume token of a walk
// (All, AllIDs; sequential or parallel) stopped by a page that failed to
// decode fetches that page again.
func TestIndicatorsService_DecodeFailureResume(t *testing.T) {
	t.Parallel()
	srv := falcontest.NewServer(falcontest.WithIndicators(1200))
	t.Cleanup(srv.Close)
	clean, _ := parallelClient(t, srv, "")
	want := collectIDs(t, clean.Indicators.AllIDs(t.Context(), &ioc.ListOptions{Limit: 100}), strID)
	for _, par := range []int{0, 4} {
		for _, ids := range []bool{false, true} {
			t.Run(fmt.Sprintf("parallel %d, ids %v", par, ids), func(t *testing.T) {
				path := "/iocs/combined/indicator/v1"
				if ids {
					path = "/iocs/queries/indicators/v1"
				}
				c := corruptingClient(t, srv, path, 5)
				opts := &ioc.ListOptions{Limit: 100, Parallel: par}
				var got []string
				var token string
				walk := func() {
					token = ""
					var err error
					if ids {
						for id, e := range c.Indicators.AllIDs(t.Context(), opts) {
							if err = e; e != nil {
								break
							}
							got = append(got, id)
						}
					} else {
						for in, e := range c.Indicators.All(t.Context(), opts) {
							if err = e; e != nil {
								break
							}
							got = append(got, in.ID)
						}
					}
					if err == nil {
						return
					}
					re, ok := errors.AsType[*ioc.ResumeError](err)
					if !ok || re.Token == "" || !isA[*falcon.DecodeError](err) {
						t.Fatalf("err %v (%T); want a *falcon.DecodeError in a *ioc.ResumeError with a token", err, err)
					}
					token = re.Token
				}
				walk()
				if token == "" {
					t.Fatal("the walk did not fail")
				}
				opts.Resume = token
				walk()
				if token != "" {
					t.Fatal("the resumed walk failed")
				}
				checkSame(t, got, want)
			})
		}
	}
}
