package falcon

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"
)

// benchIndicator is a typical indicator shape.
type benchIndicator struct {
	ID              string    `json:"id"`
	Type            string    `json:"type"`
	Value           string    `json:"value"`
	Action          string    `json:"action"`
	Severity        string    `json:"severity"`
	Description     string    `json:"description"`
	Platforms       []string  `json:"platforms"`
	Tags            []string  `json:"tags"`
	AppliedGlobally bool      `json:"applied_globally"`
	CreatedOn       time.Time `json:"created_on"`
	ModifiedOn      time.Time `json:"modified_on"`
}

func benchPage(n int) []byte {
	items := make([]benchIndicator, n)
	for i := range items {
		items[i] = benchIndicator{
			ID: fmt.Sprintf("%064x", i), Type: "sha256", Value: fmt.Sprintf("%064x", i*7919),
			Action: "detect", Severity: "high", Description: "seen in campaign X",
			Platforms: []string{"windows", "mac", "linux"}, Tags: []string{"feed-a"}, AppliedGlobally: true,
			CreatedOn: time.Date(2025, 1, 29, 9, 1, 39, 125982486, time.UTC), ModifiedOn: time.Date(2025, 1, 29, 9, 1, 39, 125982486, time.UTC),
		}
	}
	body, _ := json.Marshal(map[string]any{
		"meta":      map[string]any{"query_time": 0.01, "trace_id": "t", "pagination": map[string]any{"limit": n, "total": 100000, "after": "abc"}},
		"resources": items, "errors": []any{},
	})
	return body
}

// staticTransport answers every request with body, without a handler or
// recorder in between, so the benchmark measures the client side only.
type staticTransport []byte

func (s staticTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
	}
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(s)), ContentLength: int64(len(s)), Request: r}, nil
}

const benchItems = 500

// BenchmarkPageFloor decodes a page with plain net/http + encoding/json.
func BenchmarkPageFloor(b *testing.B) {
	hc := &http.Client{Transport: staticTransport(benchPage(benchItems))}
	b.ReportAllocs()
	for b.Loop() {
		req, _ := http.NewRequestWithContext(context.Background(), "GET", "https://api.test/iocs/combined/indicator/v1?limit=500", nil)
		req.Header.Set("Authorization", "Bearer t")
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var env struct {
			Meta      Meta             `json:"meta"`
			Resources []benchIndicator `json:"resources"`
			Errors    []ErrorDetail    `json:"errors"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
			b.Fatal(err)
		}
		_ = resp.Body.Close()
		if len(env.Resources) != benchItems {
			b.Fatal(len(env.Resources))
		}
	}
}

// BenchmarkPageDo decodes the same page through Client.Do.
func BenchmarkPageDo(b *testing.B) {
	c, err := newClient(noEnv, WithTokenSource(staticSource("t")), WithBaseURL("https://api.test"),
		WithHTTPClient(&http.Client{Transport: staticTransport(benchPage(benchItems))}))
	if err != nil {
		b.Fatal(err)
	}
	req := &Request{Path: "/iocs/combined/indicator/v1", Query: map[string][]string{"limit": {"500"}}}
	b.ReportAllocs()
	for b.Loop() {
		var out []benchIndicator
		if _, err := c.Do(context.Background(), req, &out); err != nil {
			b.Fatal(err)
		}
		if len(out) != benchItems {
			b.Fatal(len(out))
		}
	}
}

// BenchmarkEmptyPageDo measures the per-request overhead of Do.
func BenchmarkEmptyPageDo(b *testing.B) {
	c, err := newClient(noEnv, WithTokenSource(staticSource("t")), WithBaseURL("https://api.test"),
		WithHTTPClient(&http.Client{Transport: staticTransport(benchPage(0))}))
	if err != nil {
		b.Fatal(err)
	}
	req := &Request{Path: "/iocs/combined/indicator/v1"}
	b.ReportAllocs()
	for b.Loop() {
		var out []benchIndicator
		if _, err := c.Do(context.Background(), req, &out); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEmptyPageFloor is the plain net/http cost of one request.
func BenchmarkEmptyPageFloor(b *testing.B) {
	hc := &http.Client{Transport: staticTransport(benchPage(0))}
	b.ReportAllocs()
	for b.Loop() {
		req, _ := http.NewRequestWithContext(context.Background(), "GET", "https://api.test/iocs/combined/indicator/v1", nil)
		req.Header.Set("Authorization", "Bearer t")
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var env struct {
			Meta      Meta             `json:"meta"`
			Resources []benchIndicator `json:"resources"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&env)
		_ = resp.Body.Close()
	}
}
