package falcon

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/falconioc/falcon/internal/testutil"
)

// TestSecretsNeverLeak drives every path that touches credentials or
// tokens (token fetch, 401 refresh, rate limit, 5xx, token failure,
// autodiscovery with revoke, Close) with a debug logger, then searches the
// logs, the errors and the printed forms of the client, its configuration
// and its options for the secret and every issued token. Every value the
// calls returned (responses and error trees) is also walked by reflection,
// unexported fields included: the token must not be reachable from them.
func TestSecretsNeverLeak(t *testing.T) {
	t.Parallel()
	log, buf := testutil.NewLogger()
	var seen []string  // everything printed that must stay clean
	var returned []any // everything returned, walked by reflection

	us1 := newFake("us1", nil)
	us1.region = "eu-1"
	eu1 := newFake("eu1", sequence(
		status(http.StatusUnauthorized),
		okResources(`["a"]`),
		status(http.StatusNotFound),
		status(http.StatusTooManyRequests, "X-RateLimit-RetryAfter", strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10)),
	))
	us1Srv := httptest.NewServer(us1)
	defer us1Srv.Close()
	eu1Srv := httptest.NewServer(eu1)
	defer eu1Srv.Close()

	opts := []Option{
		WithCredentials(testClientID, testSecret), WithLogger(log), WithMemberCID(testCID),
		WithCloudBaseURLs(map[Cloud]string{CloudUS1: us1Srv.URL, CloudEU1: eu1Srv.URL}),
	}
	c, err := newClient(noEnv, opts...)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	resp, err := c.Do(t.Context(), &Request{Method: "POST", Path: "/x", Body: map[string]string{"k": "v"}}, &out) // discovery, 401, refresh, success
	if err != nil || resp == nil || resp.Request == nil {
		t.Fatalf("Do: %v, response %+v", err, resp)
	}
	returned = append(returned, resp, out)
	resp, err = c.Do(t.Context(), &Request{Path: "/x"}, nil) // 404
	if resp == nil || !errors.Is(err, ErrNotFound) {
		t.Fatalf("Do: %v, response %+v", err, resp)
	}
	returned = append(returned, resp, err)
	resp, err = c.Do(t.Context(), &Request{Path: "/x"}, nil) // 429 beyond MaxWait
	if resp == nil || !errors.Is(err, ErrRateLimited) {
		t.Fatalf("Do: %v, response %+v", err, resp)
	}
	returned = append(returned, resp, err)
	seen = append(seen, err.Error(), fmt.Sprintf("%v|%+v|%#v", err, err, err))
	resp, err = c.Do(t.Context(), &Request{Path: "/x"}, nil) // refused in the cooldown
	returned = append(returned, resp, err)
	if err := c.Close(context.Background()); err != nil {
		t.Fatal(err)
	}

	// A token failure: the endpoint refuses the credentials.
	bad := newFake("bad", nil)
	bad.tokenFail, bad.tokenBody = 401, `{"errors":[{"code":401,"message":"access denied, invalid client"}]}`
	badSrv := httptest.NewServer(bad)
	defer badSrv.Close()
	c2 := testClient(t, badSrv.URL, WithLogger(log), WithRetry(NoRetry()))
	resp, err = c2.Do(t.Context(), &Request{Path: "/x"}, nil)
	if err == nil {
		t.Fatal("no error from refused credentials")
	}
	returned = append(returned, resp, err)
	seen = append(seen, err.Error(), fmt.Sprintf("%v|%+v|%#v", err, err, err))

	// A transport failure and a bad option.
	c3 := testClient(t, "http://127.0.0.1:1", WithLogger(log), WithRetry(NoRetry()))
	resp, err = c3.Do(t.Context(), &Request{Path: "/x"}, nil)
	returned = append(returned, resp, err)
	seen = append(seen, err.Error())
	_, err = newClient(noEnv, WithCredentials(testClientID, testSecret+" x"))
	seen = append(seen, err.Error())

	cfg := &config{}
	for _, o := range opts {
		_ = o(cfg)
	}
	for _, v := range []any{c, *c, c.tokens, cfg, *cfg, opts, opts[0]} {
		seen = append(seen, fmt.Sprintf("%v|%+v|%#v|%s", v, v, v, v))
	}

	logs := buf.String()
	if !strings.Contains(logs, `"msg":"falcon request"`) || !strings.Contains(logs, `"trace_id"`) || !strings.Contains(logs, `"attempt"`) {
		t.Fatalf("logs miss the request records:\n%s", logs)
	}
	tokens := append(append(append([]string{}, us1.issued...), eu1.issued...), bad.issued...)
	if len(tokens) < 3 {
		t.Fatalf("issued tokens = %v", tokens)
	}
	secrets := append([]string{testSecret, "XYZZY"}, tokens...)
	for i, v := range returned {
		for _, path := range reachableSecrets(v, secrets) {
			t.Errorf("returned value %d (%T) holds a secret at %s", i, v, path)
		}
		if err, ok := v.(error); ok {
			walkErrors(err, func(e error) {
				for _, path := range reachableSecrets(e, secrets) {
					t.Errorf("error tree node %T holds a secret at %s", e, path)
				}
			})
		}
	}
	for _, s := range secrets {
		if strings.Contains(logs, s) {
			t.Errorf("log output contains %q", s)
		}
		for _, p := range seen {
			if strings.Contains(p, s) {
				t.Errorf("printed value contains %q: %s", s, p)
			}
		}
	}
}

// TestRedirectedResponseHoldsNoToken follows a same-host redirect, whose
// earlier request and response hang off the final one, and walks the
// returned response by reflection for the token.
func TestRedirectedResponseHoldsNoToken(t *testing.T) {
	t.Parallel()
	fake := newFake("a", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/old" {
			http.Redirect(w, r, "/new", http.StatusTemporaryRedirect)
			return
		}
		okResources(`[]`)(w, r)
	})
	srv := httptest.NewServer(fake)
	defer srv.Close()
	c := testClient(t, srv.URL)
	resp, err := c.Do(t.Context(), &Request{Path: "/old"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Request == nil || resp.Request.URL.Path != "/new" || resp.Request.Response == nil {
		t.Fatalf("response does not show the redirect: %+v", resp.Request)
	}
	fake.mu.Lock()
	tokens := append([]string(nil), fake.issued...)
	fake.mu.Unlock()
	for _, path := range reachableSecrets(resp, append(tokens, testSecret)) {
		t.Errorf("response holds a secret at %s", path)
	}
}
