package core

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/falconioc/falcon/internal/testutil"
)

func TestRetryAt(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		header http.Header
		want   time.Time
		ok     bool
	}{
		{"epoch seconds", http.Header{"X-Ratelimit-Retryafter": {"1748779230"}}, time.Unix(1748779230, 0), true},
		{"epoch milliseconds", http.Header{"X-Ratelimit-Retryafter": {"1748779230500"}}, time.UnixMilli(1748779230500), true},
		{"milliseconds before 2001", http.Header{"X-Ratelimit-Retryafter": {"946684805000"}}, time.UnixMilli(946684805000), true},
		{"retry-after seconds", http.Header{"Retry-After": {"12"}}, now.Add(12 * time.Second), true},
		{"retry-after date", http.Header{"Retry-After": {"Sun, 01 Jun 2025 12:01:00 GMT"}}, now.Add(time.Minute), true},
		{"falcon header wins", http.Header{"X-Ratelimit-Retryafter": {"1748779230"}, "Retry-After": {"99"}}, time.Unix(1748779230, 0), true},
		{"garbage falls back", http.Header{"X-Ratelimit-Retryafter": {"soon"}, "Retry-After": {"5"}}, now.Add(5 * time.Second), true},
		{"none", http.Header{}, time.Time{}, false},
		{"negative", http.Header{"Retry-After": {"-3"}}, time.Time{}, false},
	}
	for _, tt := range tests {
		got, ok := RetryAt(tt.header, now)
		if ok != tt.ok || !got.Equal(tt.want) {
			t.Errorf("%s: RetryAt = %v, %v; want %v, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}

func TestBackoffGrowsWithinBounds(t *testing.T) {
	t.Parallel()
	c := New(Config{Retry: Policy{MaxAttempts: 10, MinWait: 100 * time.Millisecond, MaxWait: time.Second}})
	for attempt := 1; attempt <= 8; attempt++ {
		step := min(100*time.Millisecond<<(attempt-1), time.Second)
		for range 50 {
			d := c.backoff(attempt)
			if d < step/2 || d > step {
				t.Fatalf("attempt %d: backoff %v outside [%v, %v]", attempt, d, step/2, step)
			}
		}
	}
	if d := New(Config{}).backoff(3); d != 0 {
		t.Errorf("zero policy backoff = %v", d)
	}
}

func TestCooldownOnlyExtends(t *testing.T) {
	t.Parallel()
	c := New(Config{})
	base := time.Now()
	c.extendCooldown(base.Add(10 * time.Second))
	c.extendCooldown(base.Add(5 * time.Second))
	if got := c.cooldown.Load(); got != base.Add(10*time.Second).UnixNano() {
		t.Errorf("cooldown moved back")
	}
}

func TestEnvelopeDecoding(t *testing.T) {
	t.Parallel()
	type meta struct {
		TraceID string `json:"trace_id"`
	}
	type item struct{ ID string }
	serve := func(body string) *http.Client {
		return &http.Client{Transport: testutil.Transport(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, body)
		}))}
	}
	body := `{"meta":{"trace_id":"t1"},"resources":[{"ID":"a"},{"ID":"b"}],"errors":[{"code":1}],"extra":{"big":[1,2,3]}}`
	c := New(Config{HTTPClient: serve(body), BaseURL: "http://x.test/", Retry: Policy{MaxAttempts: 1}})
	var m meta
	var out []item
	var errs []map[string]int
	resp, err := c.Do(context.Background(), &Request{Method: "GET", Path: "/p"}, Envelope{Meta: &m, Errors: &errs, Resources: &out})
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("Do: %v", err)
	}
	if m.TraceID != "t1" || len(out) != 2 || out[1].ID != "b" || len(errs) != 1 {
		t.Errorf("meta %+v out %+v errs %+v", m, out, errs)
	}
	// Parts without a destination are skipped.
	if _, err := c.Do(context.Background(), &Request{Method: "GET", Path: "/p"}, Envelope{}); err != nil {
		t.Errorf("Do without destinations: %v", err)
	}
	// An empty body is not an error.
	c = New(Config{HTTPClient: serve(""), BaseURL: "http://x.test", Retry: Policy{MaxAttempts: 1}})
	if _, err := c.Do(context.Background(), &Request{Method: "GET", Path: "/p"}, Envelope{Resources: &out}); err != nil {
		t.Errorf("empty body: %v", err)
	}
	// A body of the wrong shape is a decoding error, not a lost response.
	c = New(Config{HTTPClient: serve(`{"resources":{"not":"a list"}}`), BaseURL: "http://x.test", Retry: Policy{MaxAttempts: 3}})
	_, err = c.Do(context.Background(), &Request{Method: "GET", Path: "/p", Repeatable: true}, Envelope{Resources: &out})
	if err == nil || !strings.Contains(err.Error(), "decoding response") {
		t.Errorf("wrong shape: %v", err)
	}
	if _, ok := errors.AsType[*TransportError](err); ok {
		t.Error("wrong shape reported as transport error")
	}
}

func TestURLAndHeaders(t *testing.T) {
	t.Parallel()
	var got *http.Request
	hc := &http.Client{Transport: testutil.RoundTripFunc(func(r *http.Request) (*http.Response, error) {
		got = r
		return &http.Response{StatusCode: 204, Body: http.NoBody, Header: http.Header{}, Request: r}, nil
	})}
	c := New(Config{HTTPClient: hc, BaseURL: "https://api.test/prefix/", UserAgent: "ua/1"})
	_, err := c.Do(context.Background(), &Request{Method: "PATCH", Path: "/a/b", RawQuery: "x=1&x=2", Body: []byte(`{"k":1}`),
		Header: http.Header{"X-Y": {"z"}}}, Envelope{})
	if err != nil {
		t.Fatal(err)
	}
	if got.URL.String() != "https://api.test/prefix/a/b?x=1&x=2" {
		t.Errorf("URL = %s", got.URL)
	}
	if got.Header.Get("User-Agent") != "ua/1" || got.Header.Get("X-Y") != "z" || got.Header.Get("Content-Type") != "application/json" {
		t.Errorf("headers = %v", got.Header)
	}
	b, _ := io.ReadAll(got.Body)
	if string(b) != `{"k":1}` {
		t.Errorf("body = %q", b)
	}
	c.SetBaseURL("https://other.test")
	if c.BaseURL() != "https://other.test" {
		t.Errorf("BaseURL = %s", c.BaseURL())
	}
}

// fakeAuth counts prepares and invalidations.
type fakeAuth struct {
	mu          sync.Mutex
	gen         uint64
	prepares    int
	invalidated []uint64
}

func (a *fakeAuth) Prepare(context.Context) (uint64, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.prepares++
	return a.gen, nil
}

func (a *fakeAuth) Invalidate(gen uint64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.invalidated = append(a.invalidated, gen)
	a.gen++
}

func TestUnauthorizedInvalidatesOnceEvenWithoutRetries(t *testing.T) {
	t.Parallel()
	n := 0
	hc := &http.Client{Transport: testutil.RoundTripFunc(func(r *http.Request) (*http.Response, error) {
		n++
		return &http.Response{StatusCode: 401, Body: io.NopCloser(strings.NewReader(`{}`)), Header: http.Header{}, Request: r}, nil
	})}
	auth := &fakeAuth{gen: 7}
	c := New(Config{HTTPClient: hc, BaseURL: "https://api.test", Auth: auth, Retry: Policy{MaxAttempts: 1}})
	_, err := c.Do(context.Background(), &Request{Method: "POST", Path: "/p"}, Envelope{})
	se, ok := errors.AsType[*StatusError](err)
	if !ok || se.StatusCode != 401 || se.Attempts != 2 {
		t.Fatalf("err = %v", err)
	}
	if n != 2 || len(auth.invalidated) != 1 || auth.invalidated[0] != 7 || auth.prepares != 2 {
		t.Errorf("sends %d, invalidated %v, prepares %d", n, auth.invalidated, auth.prepares)
	}
}

func TestLoggingRecordsAttempts(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		n := 0
		hc := &http.Client{Transport: testutil.RoundTripFunc(func(r *http.Request) (*http.Response, error) {
			n++
			code := 503
			if n > 1 {
				code = 200
			}
			h := http.Header{"X-Cs-Traceid": {"trace-" + string(rune('0'+n))}}
			return &http.Response{StatusCode: code, Body: io.NopCloser(strings.NewReader(`{}`)), Header: h, Request: r}, nil
		})}
		log, buf := testutil.NewLogger()
		c := New(Config{HTTPClient: hc, BaseURL: "https://api.test", Logger: log,
			Retry: Policy{MaxAttempts: 3, MinWait: time.Second, MaxWait: time.Second}})
		if _, err := c.Do(t.Context(), &Request{Method: "GET", Path: "/p", RawQuery: "filter=secret-ish", Repeatable: true}, Envelope{}); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		for _, want := range []string{`"msg":"falcon request"`, `"status":503`, `"status":200`, `"trace_id":"trace-1"`,
			`"trace_id":"trace-2"`, `"attempt":2`, `"method":"GET"`, `"path":"/p"`, `"duration"`, `"msg":"falcon retry"`, `"reason":"HTTP 503"`} {
			if !strings.Contains(out, want) {
				t.Errorf("log lacks %s:\n%s", want, out)
			}
		}
		if strings.Contains(out, "filter=") {
			t.Error("query logged")
		}
	})
}
