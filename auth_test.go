package falcon

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/oauth2"
)

func TestTokenCachedAcrossCalls(t *testing.T) {
	t.Parallel()
	fake := newFake("a", nil)
	srv := httptest.NewServer(fake)
	defer srv.Close()
	c := testClient(t, srv.URL)

	for range 3 {
		if _, err := c.Do(t.Context(), &Request{Path: "/iocs/queries/indicators/v1"}, nil); err != nil {
			t.Fatalf("Do: %v", err)
		}
	}
	if n := fake.tokenCount(); n != 1 {
		t.Errorf("token requests = %d, want 1", n)
	}
	calls := fake.calls()
	if len(calls) != 3 {
		t.Fatalf("API calls = %d, want 3", len(calls))
	}
	for _, r := range calls {
		if got := r.Header.Get("Authorization"); got != "Bearer bearer-a-1-XYZZY" {
			t.Errorf("Authorization = %q", got)
		}
	}
}

func TestColdClientFiftyGoroutinesOneTokenRequest(t *testing.T) {
	t.Parallel()
	fake := newFake("a", nil)
	gate := make(chan struct{})
	fake.tokenGate = gate
	srv := httptest.NewServer(fake)
	defer srv.Close()
	c := testClient(t, srv.URL)

	const n = 50
	var wg sync.WaitGroup
	var started sync.WaitGroup
	started.Add(n)
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			started.Done()
			_, err := c.Do(t.Context(), &Request{Path: "/x"}, nil)
			errs <- err
		})
	}
	started.Wait()
	close(gate) // the token answer goes out once every goroutine runs
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Do: %v", err)
		}
	}
	if got := fake.tokenCount(); got != 1 {
		t.Errorf("token requests = %d, want 1", got)
	}
	if got := len(fake.calls()); got != n {
		t.Errorf("API calls = %d, want %d", got, n)
	}
}

func TestTokenRefreshedBeforeExpiry(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		fake := newFake("a", nil)
		fake.expiresIn = 600 // refreshed a minute (at most a fifth) early: at 540 s
		c := testClient(t, "http://127.0.0.1", WithHTTPClient(inMemory(fake)))
		do := func() {
			t.Helper()
			if _, err := c.Do(t.Context(), &Request{Path: "/x"}, nil); err != nil {
				t.Fatalf("Do: %v", err)
			}
		}
		do()
		time.Sleep(530 * time.Second)
		do()
		if n := fake.tokenCount(); n != 1 {
			t.Fatalf("token requests at 530 s = %d, want 1", n)
		}
		time.Sleep(15 * time.Second) // 545 s: inside the refresh window, before expiry
		do()
		if n := fake.tokenCount(); n != 2 {
			t.Fatalf("token requests at 545 s = %d, want 2", n)
		}
		calls := fake.calls()
		if got := calls[len(calls)-1].Header.Get("Authorization"); got != "Bearer bearer-a-2-XYZZY" {
			t.Errorf("last call used %q, want the refreshed token", got)
		}
	})
}

func Test401DropsTokenAndRetriesOnce(t *testing.T) {
	t.Parallel()
	fake := newFake("a", sequence(status(http.StatusUnauthorized), okResources(`["id1"]`)))
	srv := httptest.NewServer(fake)
	defer srv.Close()
	c := testClient(t, srv.URL)

	var ids []string
	resp, err := c.Do(t.Context(), &Request{Method: "POST", Path: "/iocs/entities/indicators/v1", Body: map[string]any{}}, &ids)
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	if resp.StatusCode != http.StatusOK || len(ids) != 1 || ids[0] != "id1" {
		t.Fatalf("got status %d ids %v", resp.StatusCode, ids)
	}
	if n := fake.tokenCount(); n != 2 {
		t.Errorf("token requests = %d, want 2 (refresh after 401)", n)
	}
	calls := fake.calls()
	if len(calls) != 2 {
		t.Fatalf("API calls = %d, want 2", len(calls))
	}
	if a, b := calls[0].Header.Get("Authorization"), calls[1].Header.Get("Authorization"); a == b {
		t.Errorf("retry reused the refused token %q", a)
	}
}

func Test401TwiceGivesUnauthorized(t *testing.T) {
	t.Parallel()
	fake := newFake("a", status(http.StatusUnauthorized))
	srv := httptest.NewServer(fake)
	defer srv.Close()
	c := testClient(t, srv.URL)

	_, err := c.Do(t.Context(), &Request{Path: "/x"}, nil)
	if !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("err = %v, want ErrUnauthorized", err)
	}
	if n := len(fake.calls()); n != 2 {
		t.Errorf("API calls = %d, want 2 (one retry)", n)
	}
}

func TestMemberCIDSentOnEveryTokenRequest(t *testing.T) {
	t.Parallel()
	fake := newFake("a", status(http.StatusUnauthorized))
	srv := httptest.NewServer(fake)
	defer srv.Close()
	c := testClient(t, srv.URL, WithMemberCID(testCID))
	_, _ = c.Do(t.Context(), &Request{Path: "/x"}, nil) // 401 forces a second token request

	fake.mu.Lock()
	defer fake.mu.Unlock()
	if len(fake.tokenForms) != 2 {
		t.Fatalf("token requests = %d, want 2", len(fake.tokenForms))
	}
	for i, f := range fake.tokenForms {
		if got := f.Get("member_cid"); got != testCID {
			t.Errorf("token request %d: member_cid = %q, want %q", i, got, testCID)
		}
		if got := f.Get("grant_type"); got != "client_credentials" {
			t.Errorf("token request %d: grant_type = %q", i, got)
		}
	}
}

func TestAutodiscoveryMovesToRegion(t *testing.T) {
	t.Parallel()
	us1 := newFake("us1", nil)
	us1.region = "eu-1"
	eu1 := newFake("eu1", okResources(`["x"]`))
	eu1.region = "eu-1"
	us1Srv := httptest.NewServer(us1)
	defer us1Srv.Close()
	eu1Srv := httptest.NewServer(eu1)
	defer eu1Srv.Close()

	c, err := newClient(func(string) string { return "" },
		WithCredentials(testClientID, testSecret),
		withCloudURLs(map[Cloud]string{CloudUS1: us1Srv.URL, CloudEU1: eu1Srv.URL}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Cloud() != CloudAutoDiscover {
		t.Errorf("Cloud before first call = %q", c.Cloud())
	}
	for range 2 {
		if _, err := c.Do(t.Context(), &Request{Path: "/x"}, nil); err != nil {
			t.Fatalf("Do: %v", err)
		}
	}
	if c.Cloud() != CloudEU1 || c.BaseURL() != eu1Srv.URL {
		t.Errorf("after discovery: cloud %q base %q, want eu-1 at %s", c.Cloud(), c.BaseURL(), eu1Srv.URL)
	}
	if n := len(us1.calls()); n != 0 {
		t.Errorf("us-1 got %d API calls, want 0", n)
	}
	if n := len(eu1.calls()); n != 2 {
		t.Errorf("eu-1 got %d API calls, want 2", n)
	}
	if us1.tokenCount() != 1 || eu1.tokenCount() != 1 {
		t.Errorf("token requests us-1 %d eu-1 %d, want 1 and 1", us1.tokenCount(), eu1.tokenCount())
	}
	us1.mu.Lock()
	defer us1.mu.Unlock()
	if len(us1.revoked) != 1 || us1.revoked[0] != us1.issued[0] {
		t.Errorf("us-1 revoked %v, want the discovery token %v", us1.revoked, us1.issued)
	}
}

func TestAutodiscoveryStaysOnUS1(t *testing.T) {
	t.Parallel()
	us1 := newFake("us1", nil)
	us1.region = "us-1"
	srv := httptest.NewServer(us1)
	defer srv.Close()
	c, err := newClient(func(string) string { return "" },
		WithCredentials(testClientID, testSecret),
		withCloudURLs(map[Cloud]string{CloudUS1: srv.URL}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Do(t.Context(), &Request{Path: "/x"}, nil); err != nil {
		t.Fatal(err)
	}
	if c.Cloud() != CloudUS1 || us1.tokenCount() != 1 || len(us1.revoked) != 0 {
		t.Errorf("cloud %q, tokens %d, revoked %v", c.Cloud(), us1.tokenCount(), us1.revoked)
	}
}

func TestCloseRevokesToken(t *testing.T) {
	t.Parallel()
	fake := newFake("a", nil)
	srv := httptest.NewServer(fake)
	defer srv.Close()
	c := testClient(t, srv.URL)

	if err := c.Close(t.Context()); err != nil { // nothing cached yet
		t.Fatalf("Close before use: %v", err)
	}
	if _, err := c.Do(t.Context(), &Request{Path: "/x"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(t.Context()); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := c.Close(t.Context()); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	fake.mu.Lock()
	defer fake.mu.Unlock()
	if len(fake.revoked) != 1 || fake.revoked[0] != fake.issued[0] {
		t.Fatalf("revoked %v, want [%s]", fake.revoked, fake.issued[0])
	}
	if fake.revokeAuth[0] != testClientID+":"+testSecret {
		t.Errorf("revoke did not use basic auth with the client credentials")
	}
}

func TestTokenFailuresBecomeAuthErrorWithHint(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		status  int
		body    string
		cid     bool
		is      error
		hint    string
		message string
	}{
		{"bad credentials 401", 401, `{"meta":{"trace_id":"tr1"},"errors":[{"code":401,"message":"access denied, invalid client"}]}`,
			false, ErrUnauthorized, "client ID and secret", "invalid client"},
		{"bad credentials 400", 400, `{"errors":[{"code":400,"message":"invalid client_id"}]}`,
			false, ErrUnauthorized, "client ID and secret", "invalid client_id"},
		{"ip allow list", 403, `{"errors":[{"code":403,"message":"access denied, authorization failed"}]}`,
			false, ErrForbidden, "IP allow list", "authorization failed"},
		{"member cid", 403, `{"errors":[{"code":403,"message":"member CID not valid for this parent"}]}`,
			true, ErrForbidden, "member CID", "member CID"},
		{"rate limited", 429, `{"errors":[{"code":429,"message":"API rate limit exceeded."}]}`,
			false, ErrRateLimited, "rate limited", "rate limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake := newFake("a", nil)
			fake.tokenFail, fake.tokenBody = tt.status, tt.body
			srv := httptest.NewServer(fake)
			defer srv.Close()
			opts := []Option{WithRetry(NoRetry)}
			if tt.cid {
				opts = append(opts, WithMemberCID(testCID))
			}
			c := testClient(t, srv.URL, opts...)
			_, err := c.Do(t.Context(), &Request{Path: "/x"}, nil)
			ae, ok := errors.AsType[*AuthError](err)
			if !ok {
				t.Fatalf("err = %T %v, want *AuthError", err, err)
			}
			if ae.StatusCode != tt.status || !errors.Is(err, tt.is) {
				t.Errorf("status %d, Is(%v) = %v", ae.StatusCode, tt.is, errors.Is(err, tt.is))
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.hint) || !strings.Contains(msg, tt.message) || strings.ContainsAny(msg, "\n") {
				t.Errorf("message %q lacks hint %q or message %q, or spans lines", msg, tt.hint, tt.message)
			}
			if n := len(fake.calls()); n != 0 {
				t.Errorf("API calls = %d after token failure", n)
			}
		})
	}
}

func TestTokenFailureSharedByWaiters(t *testing.T) {
	t.Parallel()
	fake := newFake("a", nil)
	fake.tokenFail, fake.tokenBody = 401, `{"errors":[{"code":401,"message":"nope"}]}`
	gate := make(chan struct{})
	fake.tokenGate = gate
	srv := httptest.NewServer(fake)
	defer srv.Close()
	c := testClient(t, srv.URL)

	var wg sync.WaitGroup
	var started sync.WaitGroup
	started.Add(10)
	for range 10 {
		wg.Go(func() {
			started.Done()
			_, err := c.Do(t.Context(), &Request{Path: "/x"}, nil)
			if _, ok := errors.AsType[*AuthError](err); !ok {
				t.Errorf("err = %v, want *AuthError", err)
			}
		})
	}
	started.Wait()
	close(gate)
	wg.Wait()
	if n := fake.tokenCount(); n > 10 || n < 1 {
		t.Errorf("token requests = %d", n)
	}
}

func TestTokenTransportErrorRetried(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		fake := newFake("a", nil)
		var mu sync.Mutex
		fails := 2
		rt := roundTrip(func(r *http.Request) (*http.Response, error) {
			mu.Lock()
			fail := r.URL.Path == tokenPath && fails > 0
			if fail {
				fails--
			}
			mu.Unlock()
			if fail {
				return nil, errors.New("dial tcp: connection refused")
			}
			return inMemory(fake).Transport.RoundTrip(r)
		})
		c := testClient(t, "http://127.0.0.1", WithHTTPClient(&http.Client{Transport: rt}))
		if _, err := c.Do(t.Context(), &Request{Path: "/x"}, nil); err != nil {
			t.Fatalf("Do: %v", err)
		}
		if fake.tokenCount() != 1 {
			t.Errorf("token answers = %d", fake.tokenCount())
		}
	})
}

func TestStaticTokenSource(t *testing.T) {
	t.Parallel()
	fake := newFake("a", nil)
	fake.issued = []string{"static-token-XYZZY"}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	c, err := newClient(func(string) string { t.Error("env read despite WithTokenSource"); return "" },
		WithTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "static-token-XYZZY"})),
		WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Do(t.Context(), &Request{Path: "/x"}, nil); err != nil {
		t.Fatal(err)
	}
	if got := fake.calls()[0].Header.Get("Authorization"); got != "Bearer static-token-XYZZY" {
		t.Errorf("Authorization = %q", got)
	}
	if err := c.Close(context.Background()); err != nil || len(fake.revoked) != 0 {
		t.Errorf("Close: %v, revoked %v", err, fake.revoked)
	}
	if fake.tokenCount() != 0 {
		t.Errorf("token endpoint called with a static token source")
	}
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
