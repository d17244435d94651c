// Package testutil holds helpers shared by the SDK's tests: an in-memory
// transport that serves an http.Handler (for testing/synctest bubbles, where
// real sockets would keep the bubble from idling), a RoundTripper made of a
// function, a concurrency-safe log capture, and small request assertions.
//
// # In-memory transport
//
// [Transport] runs the handler in the calling goroutine and returns its
// recorded answer, so fake time advances as soon as every goroutine waits.
//
// # Logs
//
// [NewLogger] returns a *slog.Logger writing JSON at debug level into a
// [Buffer] that tests search for leaked secrets.
//
// # Assertions
//
// [Method], [Query] and [JSONBody] compare a received request with what a
// test expects and report through testing.TB.
package testutil

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"
)

// Transport returns an http.RoundTripper that serves every request with h,
// in memory. A request whose context is already done fails with the
// context's error, as a network transport would.
func Transport(h http.Handler) http.RoundTripper {
	return RoundTripFunc(func(req *http.Request) (*http.Response, error) {
		if err := req.Context().Err(); err != nil {
			return nil, err
		}
		if req.Body == nil {
			req.Body = http.NoBody
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if err := req.Context().Err(); err != nil {
			return nil, err
		}
		resp := rec.Result()
		resp.Request = req
		return resp, nil
	})
}

// RoundTripFunc is an http.RoundTripper made of a function.
type RoundTripFunc func(*http.Request) (*http.Response, error)

// RoundTrip calls f.
func (f RoundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// ErrTransport is a connection failure for fake transports to return.
var ErrTransport = errors.New("testutil: connection reset by peer")

// Buffer is a bytes.Buffer safe for concurrent writers.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// NewLogger returns a JSON logger at debug level writing into a new Buffer.
func NewLogger() (*slog.Logger, *Buffer) {
	b := new(Buffer)
	return slog.New(slog.NewJSONHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})), b
}

// Method reports an error unless r.Method is want.
func Method(tb testing.TB, r *http.Request, want string) {
	tb.Helper()
	if r.Method != want {
		tb.Errorf("method = %s, want %s", r.Method, want)
	}
}

// Query reports an error unless r's raw query string is want exactly.
func Query(tb testing.TB, r *http.Request, want string) {
	tb.Helper()
	if r.URL.RawQuery != want {
		tb.Errorf("query = %q, want %q", r.URL.RawQuery, want)
	}
}

// JSONBody decodes r's body as a T and reports an error unless it equals
// want.
func JSONBody[T any](tb testing.TB, r *http.Request, want T) {
	tb.Helper()
	data, err := io.ReadAll(r.Body)
	if err != nil {
		tb.Fatalf("reading body: %v", err)
	}
	var got T
	if err := json.Unmarshal(data, &got); err != nil {
		tb.Fatalf("body %q is not JSON: %v", data, err)
	}
	if !reflect.DeepEqual(got, want) {
		tb.Errorf("body = %+v, want %+v", got, want)
	}
}
