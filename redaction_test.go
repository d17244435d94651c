package falcon

import (
	"context"
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
// and its options for the secret and every issued token.
func TestSecretsNeverLeak(t *testing.T) {
	t.Parallel()
	log, buf := testutil.NewLogger()
	var seen []string // everything printed that must stay clean

	us1 := newFake("us1", nil)
	us1.region = "eu-1"
	eu1 := newFake("eu1", sequence(
		status(http.StatusUnauthorized),
		okResources(`[]`),
		status(http.StatusTooManyRequests, "X-RateLimit-RetryAfter", strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10)),
	))
	us1Srv := httptest.NewServer(us1)
	defer us1Srv.Close()
	eu1Srv := httptest.NewServer(eu1)
	defer eu1Srv.Close()

	opts := []Option{
		WithCredentials(testClientID, testSecret), WithLogger(log), WithMemberCID(testCID),
		withCloudURLs(map[Cloud]string{CloudUS1: us1Srv.URL, CloudEU1: eu1Srv.URL}),
	}
	c, err := newClient(noEnv, opts...)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Do(t.Context(), &Request{Path: "/x"}, nil) // discovery, 401, refresh, success
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Do(t.Context(), &Request{Path: "/x"}, nil) // 429 beyond MaxWait
	seen = append(seen, err.Error(), fmt.Sprintf("%v|%+v|%#v", err, err, err))
	if err := c.Close(context.Background()); err != nil {
		t.Fatal(err)
	}

	// A token failure: the endpoint refuses the credentials.
	bad := newFake("bad", nil)
	bad.tokenFail, bad.tokenBody = 401, `{"errors":[{"code":401,"message":"access denied, invalid client"}]}`
	badSrv := httptest.NewServer(bad)
	defer badSrv.Close()
	c2 := testClient(t, badSrv.URL, WithLogger(log), WithRetry(NoRetry))
	_, err = c2.Do(t.Context(), &Request{Path: "/x"}, nil)
	if err == nil {
		t.Fatal("no error from refused credentials")
	}
	seen = append(seen, err.Error(), fmt.Sprintf("%v|%+v|%#v", err, err, err))

	// A transport failure and a bad option.
	c3 := testClient(t, "http://127.0.0.1:1", WithLogger(log), WithRetry(NoRetry))
	_, err = c3.Do(t.Context(), &Request{Path: "/x"}, nil)
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
