package falcontest

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

func TestFailNextAndRateLimitNext(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	s := NewUnstartedServer(WithClock(clock.now))
	c := newClient(t, s)
	s.FailNext(503, 2)
	retry := clock.now().Add(90 * time.Second).Truncate(time.Second)
	s.RateLimitNext(1, retry)
	s.FailNext(500, 1)
	wantError(t, c.get("/iocs/queries/types/v1", nil), 404, "Not Found") // unknown routes take no fault
	wantError(t, c.get("/iocs/queries/ioc-types/v1", nil), 503, "Service Unavailable")
	wantError(t, c.get("/iocs/queries/ioc-types/v1", nil), 503, "Service Unavailable")
	r := c.get("/iocs/queries/ioc-types/v1", nil)
	wantError(t, r, 429, "rate limit")
	if got := r.Header.Get("X-Ratelimit-Retryafter"); got != strconv.FormatInt(retry.Unix(), 10) {
		t.Fatalf("X-RateLimit-RetryAfter %q, want %d", got, retry.Unix())
	}
	if r.Header.Get("X-Ratelimit-Remaining") != "0" {
		t.Fatalf("remaining %q", r.Header.Get("X-Ratelimit-Remaining"))
	}
	wantStatus(t, c.get("/iocs/queries/ioc-types/v1", nil), 500)
	wantStatus(t, c.get("/iocs/queries/ioc-types/v1", nil), 200)

	var outcomes []string
	for _, rr := range s.Requests() {
		outcomes = append(outcomes, rr.Outcome)
	}
	want := "answered,injected Service Unavailable,injected Service Unavailable,injected 429,injected Internal Server Error,answered"
	if strings.Join(outcomes, ",") != want {
		t.Fatalf("outcomes %v", outcomes)
	}
	s.FailNext(502, 5)
	s.ClearFaults()
	wantStatus(t, c.get("/iocs/queries/ioc-types/v1", nil), 200)

	ms := NewUnstartedServer(WithClock(clock.now), WithRetryAfterMillis())
	ms.RateLimitNext(1, time.Time{})
	r = newClient(t, ms).get("/iocs/queries/ioc-types/v1", nil)
	if got := r.Header.Get("X-Ratelimit-Retryafter"); got != strconv.FormatInt(clock.now().Add(time.Second).UnixMilli(), 10) {
		t.Fatalf("millisecond RetryAfter %q", got)
	}
}

func TestRateLimiter(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	s := NewUnstartedServer(WithClock(clock.now), WithRateLimit(3))
	c := newClient(t, s)
	first := clock.now()
	for i := range 3 {
		r := c.get("/iocs/queries/platforms/v1", nil)
		wantStatus(t, r, 200)
		if got := r.Header.Get("X-Ratelimit-Remaining"); got != strconv.Itoa(2-i) {
			t.Fatalf("request %d: remaining %q", i, got)
		}
		if r.Header.Get("X-Ratelimit-Limit") != "3" {
			t.Fatalf("limit %q", r.Header.Get("X-Ratelimit-Limit"))
		}
		clock.advance(10 * time.Second)
	}
	r := c.get("/iocs/queries/platforms/v1", nil)
	wantError(t, r, 429, "API rate limit exceeded")
	if got := r.Header.Get("X-Ratelimit-Retryafter"); got != strconv.FormatInt(first.Add(time.Minute).Unix()+1, 10) &&
		got != strconv.FormatInt(first.Add(time.Minute).Unix(), 10) {
		t.Fatalf("RetryAfter %q, want about %d", got, first.Add(time.Minute).Unix())
	}
	clock.advance(30 * time.Second) // the first request leaves the window
	r = c.get("/iocs/queries/platforms/v1", nil)
	wantStatus(t, r, 200)
	if r.Header.Get("X-Ratelimit-Remaining") != "0" {
		t.Fatalf("remaining %q", r.Header.Get("X-Ratelimit-Remaining"))
	}

	// A shorter window: 3 per two seconds.
	short := NewUnstartedServer(WithClock(clock.now), WithRateLimit(3), WithRateLimitWindow(2*time.Second), WithRetryAfterMillis())
	sc := newClient(t, short)
	first = clock.now()
	for range 3 {
		wantStatus(t, sc.get("/iocs/queries/platforms/v1", nil), 200)
		clock.advance(500 * time.Millisecond)
	}
	r = sc.get("/iocs/queries/platforms/v1", nil)
	wantError(t, r, 429, "API rate limit exceeded")
	if got := r.Header.Get("X-Ratelimit-Retryafter"); got != strconv.FormatInt(first.Add(2*time.Second).UnixMilli(), 10) {
		t.Fatalf("short window: RetryAfter %q, want %d", got, first.Add(2*time.Second).UnixMilli())
	}
	clock.advance(500 * time.Millisecond) // the first request leaves the window
	wantStatus(t, sc.get("/iocs/queries/platforms/v1", nil), 200)

	off := NewUnstartedServer(WithRateLimit(0))
	r = newClient(t, off).get("/iocs/queries/platforms/v1", nil)
	if r.Header.Get("X-Ratelimit-Limit") != "" {
		t.Fatal("a disabled limiter sends headers")
	}

	tok := NewServer(WithTokenRateLimit(1))
	defer tok.Close()
	form := url.Values{"client_id": {tok.ClientID}, "client_secret": {tok.ClientSecret}}
	if resp, _ := postForm(t, tok, "/oauth2/token", form, "", ""); resp.StatusCode != 201 {
		t.Fatalf("first token %d", resp.StatusCode)
	}
	if resp, _ := postForm(t, tok, "/oauth2/token", form, "", ""); resp.StatusCode != 429 || resp.Header.Get("X-Ratelimit-Retryafter") == "" {
		t.Fatalf("second token %d %v", resp.StatusCode, resp.Header)
	}
}

// noKeepAlive is a client whose requests each use a fresh connection, so
// that net/http does not silently resend a request on a dropped one.
func noKeepAlive() *http.Client {
	return &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
}

func TestConnectionFaults(t *testing.T) {
	t.Parallel()
	s := NewServer()
	defer s.Close()
	c := newClient(t, s)
	hc := noKeepAlive()
	send := func(method, path string, body string) (*http.Response, error) {
		req, _ := http.NewRequest(method, s.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+c.token)
		return hc.Do(req)
	}
	row := `{"indicators":[{"type":"domain","value":"%s","action":"no_action","platforms":["linux"],"applied_globally":true}]}`

	s.DropNext(1)
	if _, err := send("POST", "/iocs/entities/indicators/v1", strings.Replace(row, "%s", "drop.example.com", 1)); err == nil {
		t.Fatal("dropped request succeeded")
	}
	if s.IndicatorCount() != 0 {
		t.Fatal("a dropped request was performed")
	}

	s.LoseResponseNext(1)
	if _, err := send("POST", "/iocs/entities/indicators/v1", strings.Replace(row, "%s", "lost.example.com", 1)); err == nil {
		t.Fatal("lost response arrived")
	}
	if s.IndicatorCount() != 1 {
		t.Fatal("the request with a lost response was not performed")
	}

	s.FailAfterWriteNext(502, 1)
	resp, err := send("POST", "/iocs/entities/indicators/v1", strings.Replace(row, "%s", "failed.example.com", 1))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 502 || s.IndicatorCount() != 2 {
		t.Fatalf("status %d, %d stored", resp.StatusCode, s.IndicatorCount())
	}

	s.TruncateNext(1)
	resp, err = send("GET", "/iocs/queries/indicators/v1", "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("truncated body: status %d, err %v", resp.StatusCode, err)
	}

	var outcomes []string
	for _, r := range s.Requests() {
		outcomes = append(outcomes, r.Outcome+":"+strconv.Itoa(r.Status))
	}
	if got := strings.Join(outcomes, ","); got != "dropped:0,lost:0,lost then failed:502,truncated:200" {
		t.Fatalf("outcomes %s", got)
	}

	// On a reused keep-alive connection a dropped GET still reaches the
	// caller: net/http does not resend it behind the caller's back.
	reused := s.Client()
	get := func() error {
		req, _ := http.NewRequest("GET", s.URL+"/iocs/queries/platforms/v1", nil)
		req.Header.Set("Authorization", "Bearer "+c.token)
		resp, err := reused.Do(req)
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return err
	}
	if err := get(); err != nil {
		t.Fatal(err)
	}
	s.DropNext(1)
	if err := get(); err == nil {
		t.Fatal("a dropped GET on a reused connection succeeded")
	}
	if err := get(); err != nil {
		t.Fatalf("after the drop: %v", err)
	}

	// Without a network the handler aborts as net/http expects.
	s.DropNext(1)
	func() {
		defer func() {
			if v := recover(); v != http.ErrAbortHandler {
				t.Fatalf("recovered %v, want http.ErrAbortHandler", v)
			}
		}()
		req := httptest.NewRequest("GET", "/iocs/queries/indicators/v1", nil)
		req.Header.Set("Authorization", "Bearer "+c.token)
		s.Handler().ServeHTTP(httptest.NewRecorder(), req)
	}()
}

func TestFaultRatesAreDeterministic(t *testing.T) {
	t.Parallel()
	run := func(seed int64) string {
		s := NewUnstartedServer(WithSeed(seed), WithFaultRates(FaultRates{ServerError: 0.3, RateLimit: 0.1}))
		c := newClient(t, s)
		var b strings.Builder
		for range 60 {
			b.WriteString(strconv.Itoa(c.get("/iocs/queries/severities/v1", nil).Status))
			b.WriteByte(' ')
		}
		return b.String()
	}
	a, b, other := run(3), run(3), run(4)
	if a != b {
		t.Fatalf("same seed, different faults:\n%s\n%s", a, b)
	}
	if a == other {
		t.Fatal("different seeds, same faults")
	}
	for _, code := range []string{"200", "429", "500", "502", "503"} {
		if !strings.Contains(a, code) {
			t.Fatalf("no %s in %s", code, a)
		}
	}
}

func TestLatency(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		s := NewUnstartedServer(WithLatency(3 * time.Second))
		c := newClient(t, s)
		start := time.Now()
		wantStatus(t, c.get("/iocs/queries/platforms/v1", nil), 200)
		if d := time.Since(start); d != 3*time.Second {
			t.Fatalf("answer took %v of fake time, want 3s", d)
		}
	})
}

func TestRegionRedirect(t *testing.T) {
	t.Parallel()
	s := NewUnstartedServer(WithRegionRedirect("https://api.us-2.crowdstrike.com/"))
	c := newClient(t, s)
	r := c.get("/iocs/queries/indicators/v1", qv("limit", "5"))
	wantStatus(t, r, 308)
	if got := r.Header.Get("Location"); got != "https://api.us-2.crowdstrike.com/iocs/queries/indicators/v1?limit=5" {
		t.Fatalf("Location %q", got)
	}
}

func TestBodyAndURLLimits(t *testing.T) {
	t.Parallel()
	s := NewUnstartedServer()
	c := newClient(t, s)
	ids := make([]string, 300)
	for i := range ids {
		ids[i] = strings.Repeat(strconv.Itoa(i%10), 64)
	}
	wantStatus(t, c.get("/iocs/entities/indicators/v1", url.Values{"ids": ids[:268]}), 404)
	wantError(t, c.get("/iocs/entities/indicators/v1", url.Values{"ids": ids}), 414, "Too Long")
	big := `{"indicators":[` + strings.Repeat(" ", 17<<20) + `]}`
	wantStatus(t, c.do("POST", "/iocs/entities/indicators/v1", nil, big), 413)
}

// TestDateHeaderFollowsTheClock checks that answers carry the server's
// clock in their Date header, as a real server's do, including answers
// that a fault replaces after the write and answers over the network: a
// client that reads created_on against it needs the two to agree.
func TestDateHeaderFollowsTheClock(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	want := clock.now().UTC().Format(http.TimeFormat)
	s := NewServer(WithClock(clock.now))
	defer s.Close()
	for _, viaNet := range []bool{false, true} {
		c := newClient(t, s)
		if viaNet {
			c.http = s.Client()
		}
		s.FailAfterWriteNext(503, 1)
		for _, r := range []*result{
			c.get("/iocs/queries/ioc-types/v1", nil),
			c.get("/iocs/queries/indicators/v1", qv("limit", "0")),
			c.do("POST", "/iocs/entities/indicators/v1", nil, createBody(newInd("domain", "date.example.com"))),
		} {
			if got := r.Header.Get("Date"); got != want {
				t.Errorf("net %v: status %d: Date %q, want %q", viaNet, r.Status, got, want)
			}
		}
	}
}
