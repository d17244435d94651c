package falcon

import (
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestParseCloud(t *testing.T) {
	t.Parallel()
	ok := map[string]Cloud{
		"us-1": CloudUS1, "US1": CloudUS1, " Us_1 ": CloudUS1,
		"us-2": CloudUS2, "US-2": CloudUS2,
		"us-3": CloudUS3, "US3": CloudUS3, "us_3": CloudUS3,
		"eu-1": CloudEU1, "EU1": CloudEU1,
		"us-gov-1": CloudUSGov1, "USGOV1": CloudUSGov1, "us-gov1": CloudUSGov1,
		"us-gov-2": CloudUSGov2, "UsGov-2": CloudUSGov2,
		"autodiscover": CloudAutoDiscover, "AUTO": CloudAutoDiscover,
	}
	for in, want := range ok {
		got, err := ParseCloud(in)
		if err != nil || got != want {
			t.Errorf("ParseCloud(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "us-4", "eu", "mars-1", "us--"} {
		if got, err := ParseCloud(in); err == nil {
			t.Errorf("ParseCloud(%q) = %q, want an error", in, got)
		}
	}
	hosts := map[Cloud]string{
		CloudUS1: "api.crowdstrike.com", CloudUS2: "api.us-2.crowdstrike.com", CloudUS3: "api.us-3.crowdstrike.com", CloudEU1: "api.eu-1.crowdstrike.com",
		CloudUSGov1: "api.laggar.gcw.crowdstrike.com", CloudUSGov2: "api.us-gov-2.crowdstrike.mil", CloudAutoDiscover: "",
	}
	for c, h := range hosts {
		if c.Host() != h {
			t.Errorf("%s.Host() = %q, want %q", c, c.Host(), h)
		}
	}
	if CloudEU1.BaseURL() != "https://api.eu-1.crowdstrike.com" || CloudAutoDiscover.BaseURL() != "" {
		t.Error("BaseURL")
	}
}

func noEnv(string) string { return "" }

func TestOptionValidation(t *testing.T) {
	t.Parallel()
	creds := WithCredentials(testClientID, testSecret)
	bad := []struct {
		name string
		opts []Option
	}{
		{"nil option", []Option{creds, nil}},
		{"empty client id", []Option{WithCredentials("", testSecret)}},
		{"empty secret", []Option{WithCredentials(testClientID, "")}},
		{"secret with space", []Option{WithCredentials(testClientID, "a b")}},
		{"unknown cloud", []Option{creds, WithCloud("mars-1")}},
		{"cloud and base url", []Option{creds, WithCloud(CloudEU1), WithBaseURL("https://x.test")}},
		{"base url and cloud", []Option{creds, WithBaseURL("https://x.test"), WithCloud(CloudEU1)}},
		{"base url without scheme", []Option{creds, WithBaseURL("api.crowdstrike.com")}},
		{"base url ftp", []Option{creds, WithBaseURL("ftp://x.test")}},
		{"base url with query", []Option{creds, WithBaseURL("https://x.test/?a=b")}},
		{"base url with user info", []Option{creds, WithBaseURL("https://user:pw@x.test")}},
		{"base url empty", []Option{creds, WithBaseURL("")}},
		{"member cid short", []Option{creds, WithMemberCID("abc")}},
		{"member cid not hex", []Option{creds, WithMemberCID(strings.Repeat("z", 32))}},
		{"nil http client", []Option{creds, WithHTTPClient(nil)}},
		{"retry zero attempts", []Option{creds, WithRetry(RetryPolicy{MaxAttempts: 0})}},
		{"retry negative wait", []Option{creds, WithRetry(RetryPolicy{MaxAttempts: 2, MinWait: -1})}},
		{"retry max below min", []Option{creds, WithRetry(RetryPolicy{MaxAttempts: 2, MinWait: time.Second, MaxWait: time.Millisecond})}},
		{"empty user agent", []Option{creds, WithUserAgent(" ")}},
		{"user agent newline", []Option{creds, WithUserAgent("a\nb")}},
		{"zero timeout", []Option{creds, WithTimeout(0)}},
		{"nil token source", []Option{WithTokenSource(nil)}},
		{"credentials and token source", []Option{creds, WithTokenSource(staticSource("t"))}},
		{"token source and credentials", []Option{WithTokenSource(staticSource("t")), creds}},
		{"plain http to public host", []Option{creds, WithBaseURL("http://api.crowdstrike.com")}},
	}
	for _, tt := range bad {
		c, err := newClient(noEnv, tt.opts...)
		if err == nil {
			t.Errorf("%s: NewClient = %v, want an error", tt.name, c)
			continue
		}
		if strings.Contains(err.Error(), testSecret) || strings.Contains(err.Error(), "pw@") || strings.ContainsAny(err.Error(), "\n") {
			t.Errorf("%s: error %q leaks input or spans lines", tt.name, err)
		}
	}
	good := [][]Option{
		{creds},
		{creds, WithCloud(CloudUS2), WithMemberCID(testCID + "-9F"), WithRetry(NoRetry()), WithLogger(nil),
			WithLogger(slog.Default()), WithUserAgent("tool/1"), WithTimeout(time.Second), WithHTTPClient(&http.Client{})},
		{creds, WithBaseURL("https://proxy.test/falcon/")},
		{WithTokenSource(staticSource("t"))},
	}
	for i, opts := range good {
		if _, err := newClient(noEnv, opts...); err != nil {
			t.Errorf("good set %d: %v", i, err)
		}
	}
	c, _ := newClient(noEnv, creds, WithBaseURL("https://proxy.test/falcon/"))
	if c.BaseURL() != "https://proxy.test/falcon" || c.Cloud() != "" {
		t.Errorf("base %q cloud %q", c.BaseURL(), c.Cloud())
	}
}

func TestPlainHTTPOnlyForLoopbackUnlessAllowed(t *testing.T) {
	t.Parallel()
	creds := WithCredentials(testClientID, testSecret)
	for _, base := range []string{"http://api.crowdstrike.com", "http://10.0.0.5:8080", "http://[2001:db8::1]"} {
		_, err := newClient(noEnv, creds, WithBaseURL(base))
		if err == nil || !strings.Contains(err.Error(), "refusing plain http") {
			t.Errorf("%s: err = %v, want refusal", base, err)
		}
		if _, err := newClient(noEnv, creds, WithBaseURL(base), WithInsecureHTTP()); err != nil {
			t.Errorf("%s with WithInsecureHTTP: %v", base, err)
		}
	}
	for _, base := range []string{"http://127.0.0.1:8080", "http://127.0.0.2", "http://[::1]:9000", "http://localhost:1234", "https://api.crowdstrike.com"} {
		if _, err := newClient(noEnv, creds, WithBaseURL(base)); err != nil {
			t.Errorf("%s: %v", base, err)
		}
	}
	// The environment's base URL is held to the same rule.
	env := map[string]string{EnvClientID: testClientID, EnvClientSecret: testSecret, EnvBaseURL: "http://falcon.example.com"}
	if _, err := newClient(func(k string) string { return env[k] }); err == nil {
		t.Error("plain http from FALCON_BASE_URL accepted")
	}
}

func TestEnvironmentConfiguration(t *testing.T) {
	fake := newFake("env", nil)
	srv := httptest.NewServer(fake)
	defer srv.Close()
	t.Setenv(EnvClientID, testClientID)
	t.Setenv(EnvClientSecret, testSecret)
	t.Setenv(EnvMemberCID, testCID)
	t.Setenv(EnvBaseURL, srv.URL+"/")
	t.Setenv(EnvCloud, "")

	c, err := NewClient()
	if err != nil {
		t.Fatal(err)
	}
	if c.BaseURL() != srv.URL {
		t.Errorf("base = %q", c.BaseURL())
	}
	if _, err := c.Do(t.Context(), &Request{Path: "/x"}, nil); err != nil {
		t.Fatal(err)
	}
	if f := fake.tokenForms[0]; f.Get("member_cid") != testCID || f.Get("client_id") != testClientID {
		t.Errorf("token form = %v", f)
	}

	t.Setenv(EnvBaseURL, "")
	t.Setenv(EnvCloud, "EU1")
	c, err = NewClient()
	if err != nil || c.Cloud() != CloudEU1 || c.BaseURL() != "https://api.eu-1.crowdstrike.com" {
		t.Errorf("FALCON_CLOUD=EU1: %v %v", c, err)
	}
	// Options win over the environment only as a whole: with credentials
	// given, nothing is read from it.
	c, err = NewClient(WithCredentials("other-id", "other-secret"))
	if err != nil || c.Cloud() != CloudAutoDiscover || c.tokens.memberCID != "" {
		t.Errorf("explicit credentials: cloud %q cid %q err %v", c.Cloud(), c.tokens.memberCID, err)
	}
	// Explicit options beat the environment's other values.
	c, err = NewClient(WithCloud(CloudUS2))
	if err != nil || c.Cloud() != CloudUS2 {
		t.Errorf("WithCloud over FALCON_CLOUD: %q %v", c.Cloud(), err)
	}

	t.Setenv(EnvCloud, "mars-1")
	if _, err := NewClient(); err == nil || !strings.Contains(err.Error(), EnvCloud) {
		t.Errorf("bad FALCON_CLOUD: %v", err)
	}
	t.Setenv(EnvCloud, "")
	t.Setenv(EnvMemberCID, "nope")
	if _, err := NewClient(); err == nil || !strings.Contains(err.Error(), EnvMemberCID) {
		t.Errorf("bad FALCON_MEMBER_CID: %v", err)
	}
	t.Setenv(EnvMemberCID, "")

	t.Setenv(EnvClientSecret, "")
	_, err = NewClient()
	if !errors.Is(err, ErrNoCredentials) || !strings.Contains(err.Error(), EnvClientID) || !strings.Contains(err.Error(), EnvClientSecret) {
		t.Errorf("missing secret: %v", err)
	}
}
