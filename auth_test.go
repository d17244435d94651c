package falcon

import (
	"context"
	"errors"
	"fmt"
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
		WithCloudBaseURLs(map[Cloud]string{CloudUS1: us1Srv.URL, CloudEU1: eu1Srv.URL}))
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
		WithCloudBaseURLs(map[Cloud]string{CloudUS1: srv.URL}))
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
		{"refused 403 authorization failed", 403, `{"errors":[{"code":403,"message":"access denied, authorization failed"}]}`,
			false, ErrUnauthorized, "client ID and secret", "authorization failed"},
		{"refused 403 invalid client", 403, `{"errors":[{"code":403,"message":"access denied, invalid client_id or client_secret"}]}`,
			false, ErrUnauthorized, "client ID and secret", "invalid client_id or client_secret"},
		{"refused 403 is forbidden too", 403, `{"errors":[{"code":403,"message":"access denied, authorization failed"}]}`,
			false, ErrForbidden, "IP allow list", "authorization failed"},
		{"refused 403 with member CID", 403, `{"errors":[{"code":403,"message":"access denied, authorization failed"}]}`,
			true, ErrUnauthorized, "member CID", "authorization failed"},
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
			opts := []Option{WithRetry(NoRetry())}
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
			if tt.status == http.StatusForbidden {
				// Refused credentials.
				if !errors.Is(err, ErrUnauthorized) {
					t.Errorf("403: Is(ErrUnauthorized) = false")
				}
				// Unless the message is about the member CID, the hint
				// names the ID and secret first, then the IP allow list.
				creds, ip := strings.Index(ae.Hint, "client ID and secret"), strings.Index(ae.Hint, "IP allow list")
				if !strings.Contains(tt.message, "member") && (creds < 0 || ip < creds) {
					t.Errorf("403 hint %q must name the client ID and secret, then the IP allow list", ae.Hint)
				}
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

// TestTokenFailureErrorTreesAreSafe fails the token request with every
// status the endpoint may answer and every body shape, then walks each
// error tree the SDK returns (from Client.Do and from the token source the
// oauth2 transport uses), calling Error() on every node: none may panic,
// none may be one of oauth2's types, and the *AuthError carries what the
// answer said.
func TestTokenFailureErrorTreesAreSafe(t *testing.T) {
	t.Parallel()
	bodies := []struct {
		name, ctype, body string
		code              int
		message, trace    string
	}{
		{"json", "", `{"meta":{"trace_id":"body-trace"},"errors":[{"code":%d,"message":"access denied, invalid client"}]}`, -1, "access denied, invalid client", "body-trace"},
		{"oauth json", "", `{"error":"invalid_client","error_description":"bad secret"}`, 0, "invalid_client bad secret", "token-trace"},
		{"html", "text/html", `<html><body><h1>403 Forbidden</h1></body></html>`, 0, "", "token-trace"},
		{"empty", "application/json", ``, 0, "", "token-trace"},
		{"empty text", "text/plain", ``, 0, "", "token-trace"},
	}
	for _, st := range []int{400, 401, 403, 429, 500} {
		for _, b := range bodies {
			t.Run(fmt.Sprintf("%d %s", st, b.name), func(t *testing.T) {
				t.Parallel()
				fake := newFake("a", nil)
				fake.tokenFail, fake.tokenType = st, b.ctype
				fake.tokenBody = b.body
				if strings.Contains(b.body, "%d") {
					fake.tokenBody = fmt.Sprintf(b.body, st)
				}
				srv := httptest.NewServer(fake)
				defer srv.Close()
				c := testClient(t, srv.URL, WithRetry(NoRetry()))
				_, err := c.Do(t.Context(), &Request{Path: "/x"}, nil)
				checkErrorTree(t, err)
				ae, ok := errors.AsType[*AuthError](err)
				if !ok {
					t.Fatalf("err = %T, want *AuthError", err)
				}
				wantCode := b.code
				if wantCode < 0 {
					wantCode = st
				}
				if ae.StatusCode != st || ae.Code != wantCode || ae.Message != b.message || ae.TraceID != b.trace || ae.Hint == "" {
					t.Errorf("AuthError = %+v, want status %d code %d message %q trace %q and a hint", *ae, st, wantCode, b.message, b.trace)
				}
				_, terr := c.tokens.Token() // the oauth2 transport's path
				checkErrorTree(t, terr)
			})
		}
	}
}

type panicSource struct{}

func (panicSource) Token() (*oauth2.Token, error) { panic("token source broke") }

// TestPanickingTokenSourceBecomesError checks that a WithTokenSource source
// that panics inside the token fetch goroutine does not crash the process:
// every caller waiting for the token gets an *AuthError naming the panic,
// and the client stays usable.
func TestPanickingTokenSourceBecomesError(t *testing.T) {
	t.Parallel()
	c, err := newClient(noEnv, WithTokenSource(panicSource{}), WithBaseURL("http://127.0.0.1:1"), WithRetry(NoRetry()))
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		_, err = c.Do(t.Context(), &Request{Path: "/x"}, nil)
		ae, ok := errors.AsType[*AuthError](err)
		if !ok || !strings.Contains(err.Error(), "panic") || !strings.Contains(err.Error(), "token source broke") {
			t.Fatalf("err = %T %v, want *AuthError naming the panic", err, err)
		}
		if ae.Temporary() {
			t.Error("a panic is reported as temporary")
		}
		checkErrorTree(t, err)
	}
}

// TestUnusableTokenAnswerErrorTree answers the token request with a 2xx
// that holds no token: the *AuthError names the status and the reason,
// and its tree is safe to walk.
func TestUnusableTokenAnswerErrorTree(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ ctype, body, reason string }{
		{"text/html", `<html>hello</html>`, "cannot parse"},
		{"application/json", `{}`, "missing access_token"},
		{"application/json", `{"error":"server_error"}`, "server_error"},
		{"application/json", ``, "cannot parse"},
	} {
		fake := newFake("a", nil)
		fake.tokenFail, fake.tokenType, fake.tokenBody = http.StatusCreated, tt.ctype, tt.body
		srv := httptest.NewServer(fake)
		c := testClient(t, srv.URL, WithRetry(NoRetry()))
		_, err := c.Do(t.Context(), &Request{Path: "/x"}, nil)
		srv.Close()
		checkErrorTree(t, err)
		ae, ok := errors.AsType[*AuthError](err)
		if !ok || ae.StatusCode != http.StatusCreated || ae.TraceID != "token-trace" || ae.Temporary() ||
			!strings.Contains(err.Error(), tt.reason) || !strings.Contains(ae.Hint, "not usable") {
			t.Errorf("%s %q: err = %v", tt.ctype, tt.body, err)
		}
	}
}
