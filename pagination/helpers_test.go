package pagination_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/falconioc/falcon/pagination"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var errBoom = errors.New("boom")

// seq returns 0, 1, ..., n-1.
func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// cursorServer serves the items 0..n-1 in pages of size; the cursor of the page
// starting at item i is "c<i>".
type cursorServer struct {
	n, size int

	mu    sync.Mutex
	calls []string         // cursors asked for, in order
	fail  map[string]error // cursor -> error to return (once, then deleted)
	hook  func(ctx context.Context, after string) error
}

func (s *cursorServer) fetch(ctx context.Context, after string) ([]int, string, error) {
	s.mu.Lock()
	s.calls = append(s.calls, after)
	err := s.fail[after]
	delete(s.fail, after)
	hook := s.hook
	s.mu.Unlock()
	if err != nil {
		return nil, "", err
	}
	if hook != nil {
		if err := hook(ctx, after); err != nil {
			return nil, "", err
		}
	}
	start := 0
	if after != "" {
		v, err := strconv.Atoi(strings.TrimPrefix(after, "c"))
		if err != nil {
			return nil, "", fmt.Errorf("bad cursor %q", after)
		}
		start = v
	}
	end := min(start+s.size, s.n)
	next := ""
	if end < s.n {
		next = "c" + strconv.Itoa(end)
	}
	return seq(s.n)[start:end], next, nil
}

func (s *cursorServer) failOnce(cursor string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail == nil {
		s.fail = map[string]error{}
	}
	s.fail[cursor] = err
}

func (s *cursorServer) called() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

type call struct{ offset, limit int }

// offsetServer serves the items 0..n-1 by offset and limit, at most pageCap items a
// page when pageCap is set. It reports the total unless hideTotal is set, and
// records a test error for any request past window (when window > 0).
type offsetServer struct {
	t         testing.TB
	n         int
	pageCap   int
	hideTotal bool
	window    int

	mu    sync.Mutex
	calls []call
	fail  map[int]error // offset -> error to return (once)
	hook  func(ctx context.Context, offset int) error
}

func (s *offsetServer) fetch(ctx context.Context, offset, limit int) ([]int, int, error) {
	s.mu.Lock()
	s.calls = append(s.calls, call{offset, limit})
	err := s.fail[offset]
	delete(s.fail, offset)
	hook := s.hook
	s.mu.Unlock()
	if s.window > 0 && offset+limit > s.window {
		s.t.Errorf("request past the window: offset %d + limit %d > %d", offset, limit, s.window)
		return nil, 0, errors.New("past the window")
	}
	if limit <= 0 {
		s.t.Errorf("request with limit %d", limit)
	}
	if err != nil {
		return nil, 0, err
	}
	if hook != nil {
		if err := hook(ctx, offset); err != nil {
			return nil, 0, err
		}
	}
	if s.pageCap > 0 {
		limit = min(limit, s.pageCap)
	}
	start := min(offset, s.n)
	end := min(offset+limit, s.n)
	total := s.n
	if s.hideTotal {
		total = 0
	}
	return seq(s.n)[start:end], total, nil
}

func (s *offsetServer) failOnce(offset int, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail == nil {
		s.fail = map[int]error{}
	}
	s.fail[offset] = err
}

func (s *offsetServer) called() []call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// collect ranges over it and returns the items and every error yielded.
func collect[T any](it func(func(T, error) bool)) ([]T, []error) {
	var items []T
	var errs []error
	for v, err := range it {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		items = append(items, v)
	}
	return items, errs
}

func offsets(calls []call) []int {
	out := make([]int, len(calls))
	for i, c := range calls {
		out[i] = c.offset
	}
	return out
}

func mustPageError(t *testing.T, err error) *pagination.PageError {
	t.Helper()
	pe, ok := errors.AsType[*pagination.PageError](err)
	if !ok {
		t.Fatalf("error %v (%T) is not a *PageError", err, err)
	}
	return pe
}
