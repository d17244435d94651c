package pagination_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/falconioc/falcon/pagination"
)

// earlyServer serves the items 0..n-1 in pages of size, like cursorServer,
// but each fetch announces its next cursor first and then holds the rest
// of its page until the fetch of that next cursor has started (or an hour
// of synctest's clock has passed: the next request did not leave early).
type earlyServer struct {
	t       *testing.T
	n, size int
	// wrong, when set, is announced instead of the true next cursor.
	wrong func(next string) string
	// hold makes each fetch wait for the next one to start.
	hold bool

	mu        sync.Mutex
	calls     []string
	started   map[string]chan struct{}
	cancelled []string
	running   int
	maxRun    int
}

func (s *earlyServer) startedCh(cursor string) chan struct{} {
	if s.started == nil {
		s.started = map[string]chan struct{}{}
	}
	ch, ok := s.started[cursor]
	if !ok {
		ch = make(chan struct{})
		s.started[cursor] = ch
	}
	return ch
}

func (s *earlyServer) fetch(ctx context.Context, after string) ([]int, string, error) {
	s.mu.Lock()
	s.calls = append(s.calls, after)
	s.running++
	s.maxRun = max(s.maxRun, s.running)
	ch := s.startedCh(after)
	select {
	case <-ch:
	default:
		close(ch)
	}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.running--
		s.mu.Unlock()
	}()

	start := 0
	if after != "" {
		start, _ = strconv.Atoi(strings.TrimPrefix(after, "c"))
	}
	if start >= s.n && after != "" {
		// A cursor no page named (a wrong announcement): the walk must
		// cancel its request.
		select {
		case <-ctx.Done():
			s.mu.Lock()
			s.cancelled = append(s.cancelled, after)
			s.mu.Unlock()
			return nil, "", ctx.Err()
		case <-time.After(time.Hour):
			s.t.Errorf("the request at %q, which no page named, was not cancelled", after)
			return nil, "", nil
		}
	}
	end := min(start+s.size, s.n)
	next := ""
	if end < s.n {
		next = "c" + strconv.Itoa(end)
	}
	announced := next
	if s.wrong != nil {
		announced = s.wrong(next)
	}
	pagination.AnnounceNext(ctx, announced)
	if s.hold && next != "" && announced == next {
		s.mu.Lock()
		ch := s.startedCh(next)
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			s.mu.Lock()
			s.cancelled = append(s.cancelled, after)
			s.mu.Unlock()
			return nil, "", ctx.Err()
		case <-time.After(time.Hour):
			s.t.Errorf("page at %q: the request for %q did not leave before the page was complete", after, next)
		}
	}
	if announced != next {
		// Give the early request time to go out before the page ends.
		time.Sleep(time.Second)
	}
	return seq(s.n)[start:end], next, nil
}

func TestAnnounceNext_NextRequestLeavesBeforeThePageIsComplete(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		s := &earlyServer{t: t, n: 95, size: 10, hold: true}
		p := pagination.NewCursor(s.fetch)
		var got []int
		for v, err := range p.All(t.Context()) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, v)
		}
		if !slices.Equal(got, seq(95)) {
			t.Errorf("items = %v", got)
		}
		want := []string{"", "c10", "c20", "c30", "c40", "c50", "c60", "c70", "c80", "c90"}
		if !slices.Equal(s.calls, want) {
			t.Errorf("calls = %v, want each page once: %v", s.calls, want)
		}
		// Ranging again starts over, with the same early requests.
		s.calls, s.started = nil, nil
		n := 0
		for _, err := range p.All(t.Context()) {
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		if n != 95 || !slices.Equal(s.calls, want) {
			t.Errorf("second range: %d items, calls %v", n, s.calls)
		}
	})
}

func TestAnnounceNext_AtMostOneFetchAhead(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		// A slow consumer: the walk never runs more than the page the
		// consumer waits for and one beyond.
		s := &earlyServer{t: t, n: 100, size: 10}
		n := 0
		for _, err := range pagination.NewCursor(s.fetch).All(t.Context()) {
			if err != nil {
				t.Fatal(err)
			}
			n++
			time.Sleep(time.Second)
		}
		if n != 100 || s.maxRun > 2 {
			t.Errorf("%d items, up to %d fetches at once", n, s.maxRun)
		}
		if len(s.calls) != 10 {
			t.Errorf("calls = %v", s.calls)
		}
	})
}

func TestAnnounceNext_WrongCursorIsCancelled(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		// The fetch announces a cursor that its page then does not name:
		// the early request is cancelled and the right page fetched.
		s := &earlyServer{t: t, n: 30, size: 10, wrong: func(next string) string {
			if next == "" {
				return ""
			}
			return "c" + strings.TrimPrefix(next, "c") + "5"
		}}
		var got []int
		for v, err := range pagination.NewCursor(s.fetch).All(t.Context()) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, v)
		}
		if !slices.Equal(got, seq(30)) {
			t.Errorf("items = %v", got)
		}
		for _, c := range []string{"", "c10", "c20"} {
			if !slices.Contains(s.calls, c) {
				t.Errorf("page %q never fetched: %v", c, s.calls)
			}
		}
		for _, c := range []string{"c105", "c205"} {
			if !slices.Contains(s.cancelled, c) {
				t.Errorf("early request at %q not cancelled: %v", c, s.cancelled)
			}
		}
	})
}

func TestAnnounceNext_WrongCursorPanicReachesTheConsumer(t *testing.T) {
	t.Parallel()
	// The fetch announces a cursor that its page then does not name, and
	// the early fetch at that cursor panics: the walk does not take that
	// page, but the panic is raised again on the ranging goroutine, after
	// the page that announced it, rather than dropped.
	fetch := func(ctx context.Context, after string) ([]int, string, error) {
		switch after {
		case "":
			pagination.AnnounceNext(ctx, "bad")
			return []int{1}, "c1", nil
		case "bad":
			panic("early fetch exploded")
		}
		return []int{2}, "", nil
	}
	var got []int
	v := func() (v any) {
		defer func() { v = recover() }()
		for n, err := range pagination.NewCursor(fetch).All(t.Context()) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, n)
		}
		return nil
	}()
	if v != "early fetch exploded" {
		t.Errorf("recovered %v, want the early fetch's panic", v)
	}
	if len(got) == 0 || got[0] != 1 {
		t.Errorf("items before the panic: %v, want the first page's", got)
	}
}

func TestAnnounceNext_LoopGuardAndEmptyPage(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		// A server that always announces and returns the first page's
		// cursor again: the loop guard stops the walk and no early
		// request goes to a cursor already handed out.
		var mu sync.Mutex
		calls := 0
		fetch := func(ctx context.Context, after string) ([]int, string, error) {
			mu.Lock()
			calls++
			mu.Unlock()
			pagination.AnnounceNext(ctx, "c1")
			return []int{1}, "c1", nil
		}
		n := 0
		for _, err := range pagination.NewCursor(fetch).All(t.Context()) {
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		if n != 2 || calls != 2 {
			t.Errorf("%d items, %d calls; want 2 and 2", n, calls)
		}

		// An empty page with a cursor ends the walk; the request its
		// announcement started is cancelled, not yielded.
		var seen []string
		fetch = func(ctx context.Context, after string) ([]int, string, error) {
			mu.Lock()
			seen = append(seen, after)
			mu.Unlock()
			next := "c" + strconv.Itoa(len(after)+1)
			pagination.AnnounceNext(ctx, next)
			if after == "" {
				return []int{7}, next, nil
			}
			if after == "c2" {
				<-ctx.Done() // the page after the empty one must be cancelled
				return nil, "", ctx.Err()
			}
			time.Sleep(time.Second)
			return nil, next, nil
		}
		var got []int
		for v, err := range pagination.NewCursor(fetch).All(t.Context()) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, v)
		}
		if !slices.Equal(got, []int{7}) {
			t.Errorf("items = %v", got)
		}
	})
}

func TestAnnounceNext_NoEffectWithoutPrefetch(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		s := &earlyServer{t: t, n: 30, size: 10}
		p := pagination.NewCursor(s.fetch, pagination.WithPrefetch(0))
		n := 0
		for _, err := range p.All(t.Context()) {
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		for p.HasMorePages() {
			if _, err := p.NextPage(t.Context()); err != nil {
				t.Fatal(err)
			}
		}
		if n != 30 || s.maxRun != 1 || len(s.calls) != 6 {
			t.Errorf("%d items, %d at once, calls %v", n, s.maxRun, s.calls)
		}
		// Outside any fetch it does nothing.
		pagination.AnnounceNext(context.Background(), "c1")
	})
}
