package spectest

import (
	"bytes"
	"io"
	"maps"
	"net/http"
	"slices"
	"sync"
)

// Transport returns a RoundTripper that validates every request it sends
// through base and every response base returns, reporting problems through
// t. A nil base means http.DefaultTransport. Requests and responses reach
// base and the caller unchanged (bodies are read and put back), and a
// transport error from base is passed on without a report.
func Transport(t TB, base http.RoundTripper) *Checker {
	if base == nil {
		base = http.DefaultTransport
	}
	return &Checker{t: t, base: base, seen: make(map[string]int)}
}

// Checker is the RoundTripper Transport returns. It also counts the spec
// operations it has seen, so a test can tell which ones it exercised.
type Checker struct {
	t    TB
	base http.RoundTripper

	mu   sync.Mutex
	seen map[string]int // operationId -> requests
}

var _ http.RoundTripper = (*Checker)(nil)

// RoundTrip validates req, sends it through the base transport and validates
// the response.
func (c *Checker) RoundTrip(req *http.Request) (*http.Response, error) {
	route, err := checkRequest(req)
	if err != nil {
		c.t.Errorf("%v", err)
	}
	if route != nil {
		c.mu.Lock()
		c.seen[route.Operation.OperationID]++
		c.mu.Unlock()
	}
	resp, rerr := c.base.RoundTrip(req)
	if rerr != nil || route == nil {
		return resp, rerr
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		// Let the caller meet the failure where it reads the body.
		resp.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), errReader{err}))
		return resp, nil
	}
	if err := CheckResponse(req, resp.StatusCode, resp.Header, body); err != nil {
		c.t.Errorf("%v", err)
	}
	return resp, nil
}

// Seen returns how many requests the Checker has validated per operationId.
func (c *Checker) Seen() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.seen)
}

// Missing returns the operationIds among want that the Checker has not
// seen, sorted.
func (c *Checker) Missing(want ...string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, id := range want {
		if c.seen[id] == 0 {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
