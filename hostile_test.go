package falcon

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/falconioc/falcon/internal/hostile"
)

// hostileClient returns a client of srv whose transport samples the heap
// as bodies are read, and which sends each request once.
func hostileClient(t *testing.T, srv *hostile.Server, opts ...Option) (*Client, *hostile.Transport) {
	t.Helper()
	base := &http.Transport{}
	t.Cleanup(base.CloseIdleConnections)
	tr := &hostile.Transport{Base: base}
	all := append([]Option{WithBaseURL(srv.URL), WithTokenSource(staticSource("hostile-token")),
		WithHTTPClient(&http.Client{Transport: tr}), WithRetry(RetryPolicy{MaxAttempts: 1})}, opts...)
	c, err := NewClient(all...)
	if err != nil {
		t.Fatal(err)
	}
	return c, tr
}

// heapNow collects garbage and returns the heap size.
func heapNow() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestDoHostileServer sends Client.Do to every hostile answer: each gives a
// typed error or a correct result, within the deadline, without a panic
// and with the heap, sampled as the body is read, staying under twice the
// body limit (goleak, in TestMain, checks for goroutines left behind). It
// does not run in parallel, so that the heap is the test's own.
func TestDoHostileServer(t *testing.T) {
	for _, a := range hostile.Answers() {
		t.Run(a.Name, func(t *testing.T) {
			srv := hostile.NewServer(a)
			defer srv.Close()
			c, tr := hostileClient(t, srv)
			ctx, cancel := context.WithTimeout(context.Background(), hostileDeadline(a))
			defer cancel()
			base := heapNow()
			var out []json.RawMessage
			resp, err := c.Do(ctx, &Request{Path: "/iocs/combined/indicator/v1"}, &out)
			if peak := tr.Peak(); peak > base && peak-base >= 2*DefaultMaxBodySize {
				t.Errorf("heap grew by %s while reading the answer", hostile.MiB(peak-base))
			}
			want, items := a.Want, a.Items
			switch {
			case strings.HasPrefix(a.Name, "wrong type"), a.Name == "after cursor forever":
				want, items = hostile.OK, 1 // json.RawMessage takes any type
			case a.Name == "null in resources":
				want, items = hostile.OK, 2
			}
			switch want {
			case hostile.OK:
				if err != nil || len(out) != items {
					t.Fatalf("err %v, %d items; want %d", err, len(out), items)
				}
			case hostile.Decode:
				de, ok := errors.AsType[*DecodeError](err)
				if !ok || de.Path != "/iocs/combined/indicator/v1" || de.StatusCode != 200 || de.TraceID == "" || resp == nil {
					t.Fatalf("err %v (%T), resp %v; want a *DecodeError with path, status and trace id", err, err, resp != nil)
				}
			case hostile.Lost:
				if _, ok := errors.AsType[*RequestError](err); !ok {
					t.Fatalf("err %v (%T); want a *RequestError", err, err)
				}
			case hostile.Deadline:
				if _, ok := errors.AsType[*RequestError](err); !ok || !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("err %v (%T); want a *RequestError for the deadline", err, err)
				}
			case hostile.TooLarge:
				e, ok := errors.AsType[*BodyTooLargeError](err)
				if !ok || e.Limit != DefaultMaxBodySize || !strings.Contains(e.Error(), "67108864") || resp == nil {
					t.Fatalf("err %v (%T); want a *BodyTooLargeError naming the limit", err, err)
				}
				t.Logf("heap peak while reading: %s above the %s before", hostile.MiB(tr.Peak()-base), hostile.MiB(base))
			}
			if srv.Requests() != 1 {
				t.Errorf("%d requests; want 1", srv.Requests())
			}
		})
	}
}

// hostileDeadline is the deadline of a call to a hostile answer: short for
// a body that never ends, which must end with it, and long for the others,
// which must not reach it.
func hostileDeadline(a hostile.Answer) time.Duration {
	if a.Want == hostile.Deadline {
		return 200 * time.Millisecond
	}
	return time.Minute
}

// TestMaxBodySize: the limit is the client's to set, and an error body is
// bounded by it too.
func TestMaxBodySize(t *testing.T) {
	t.Parallel()
	body := `{"resources":["` + strings.Repeat("x", 2000) + `"]}`
	var status atomic.Int32
	status.Store(200)
	srv := newFake("us1", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, int(status.Load()), body) })
	ts := httptest.NewServer(srv)
	defer ts.Close()
	for _, tc := range []struct {
		limit int64
		ok    bool
	}{{int64(len(body)), true}, {int64(len(body)) - 1, false}} {
		c := testClient(t, ts.URL, WithMaxBodySize(tc.limit))
		var out []string
		_, err := c.Do(context.Background(), &Request{Path: "/p"}, &out)
		e, tooLarge := errors.AsType[*BodyTooLargeError](err)
		if tc.ok != (err == nil) || !tc.ok && (!tooLarge || e.Limit != tc.limit || e.ContentLength != int64(len(body))) {
			t.Errorf("limit %d: err %v", tc.limit, err)
		}
	}
	status.Store(400)
	c := testClient(t, ts.URL, WithMaxBodySize(100))
	_, err := c.Do(context.Background(), &Request{Path: "/p"}, nil)
	if ae, ok := errors.AsType[*APIError](err); !ok || len(ae.Body) != 100 {
		t.Errorf("error body: %v", err)
	}
	for _, n := range []int64{0, -1} {
		if _, err := NewClient(WithTokenSource(staticSource("x")), WithMaxBodySize(n)); err == nil {
			t.Errorf("WithMaxBodySize(%d) accepted", n)
		}
	}
}
