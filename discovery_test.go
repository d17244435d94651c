package falcon

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestWithCloudBaseURLsChecksInput(t *testing.T) {
	t.Parallel()
	noEnv := func(string) string { return "" }
	creds := WithCredentials(testClientID, testSecret)
	for name, opts := range map[string][]Option{
		"unknown cloud":      {creds, WithCloudBaseURLs(map[Cloud]string{"mars-1": "http://127.0.0.1:1"})},
		"autodiscover key":   {creds, WithCloudBaseURLs(map[Cloud]string{CloudAutoDiscover: "http://127.0.0.1:1"})},
		"bad URL":            {creds, WithCloudBaseURLs(map[Cloud]string{CloudUS1: "ftp://127.0.0.1"})},
		"user info":          {creds, WithCloudBaseURLs(map[Cloud]string{CloudUS1: "http://u:p@127.0.0.1"})},
		"then WithBaseURL":   {creds, WithCloudBaseURLs(map[Cloud]string{CloudUS1: "http://127.0.0.1:1"}), WithBaseURL("http://127.0.0.1:2")},
		"after WithBaseURL":  {creds, WithBaseURL("http://127.0.0.1:2"), WithCloudBaseURLs(map[Cloud]string{CloudUS1: "http://127.0.0.1:1"})},
		"plain http, remote": {creds, WithCloudBaseURLs(map[Cloud]string{CloudUS3: "http://proxy.example:8080"})},
		"plain http, named":  {creds, WithCloud(CloudEU1), WithCloudBaseURLs(map[Cloud]string{CloudEU1: "http://proxy.example:8080"})},
	} {
		if c, err := newClient(noEnv, opts...); err == nil {
			t.Errorf("%s: NewClient succeeded (base %s)", name, c.BaseURL())
		} else if strings.Contains(err.Error(), "u:p") {
			t.Errorf("%s: error quotes user info: %v", name, err)
		}
	}

	// A named cloud goes to its replacement URL; the map is copied.
	urls := map[Cloud]string{CloudEU1: "https://proxy.example/eu/"}
	c, err := newClient(noEnv, creds, WithCloud(CloudEU1), WithCloudBaseURLs(urls))
	if err != nil {
		t.Fatal(err)
	}
	urls[CloudEU1] = "https://elsewhere.example"
	if c.BaseURL() != "https://proxy.example/eu" || c.Cloud() != CloudEU1 {
		t.Errorf("cloud %q base %q, want eu-1 at https://proxy.example/eu", c.Cloud(), c.BaseURL())
	}

	// The option outranks FALCON_BASE_URL, as explicit options do.
	env := map[string]string{EnvClientID: testClientID, EnvClientSecret: testSecret, EnvBaseURL: "https://env.example"}
	c, err = newClient(func(k string) string { return env[k] }, WithCloudBaseURLs(map[Cloud]string{CloudUS1: "https://us1.proxy.example"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.BaseURL() != "https://us1.proxy.example" || c.Cloud() != CloudAutoDiscover {
		t.Errorf("cloud %q base %q, want autodiscovery from https://us1.proxy.example", c.Cloud(), c.BaseURL())
	}
}

// A token answer naming eu-1 while the client sends to a base URL of its
// own: the 401s that follow say why.
func TestUnauthorizedNamesTheTokenRegion(t *testing.T) {
	t.Parallel()
	deny := func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusUnauthorized, `{"meta":{"trace_id":"t401"},"errors":[{"code":401,"message":"access denied, invalid bearer token"}]}`)
	}
	for _, tc := range []struct {
		name, region string
		cloud        Cloud // "" for WithBaseURL
		want         string
	}{
		{"base URL, other region", "eu-1", "", `the token answer named region eu-1 (X-Cs-Region) but requests go to http://127.0.0.1`},
		{"base URL, unknown region", "mars-9", "", `the token answer named region "mars-9" (X-Cs-Region), a cloud this SDK does not know`},
		{"named cloud, other region", "us-3", CloudUS2, `the token answer named region us-3 (X-Cs-Region) but requests go to http://127.0.0.1`},
		{"named cloud, same region", "us-2", CloudUS2, ""},
		{"base URL, no region", "", "", ""},
	} {
		fake := newFake("a", deny)
		fake.region = tc.region
		srv := httptest.NewServer(fake)
		var c *Client
		if tc.cloud == "" {
			c = testClient(t, srv.URL)
		} else {
			var err error
			c, err = newClient(func(string) string { return "" }, WithCredentials(testClientID, testSecret),
				WithCloud(tc.cloud), WithCloudBaseURLs(map[Cloud]string{tc.cloud: srv.URL}))
			if err != nil {
				t.Fatal(err)
			}
		}
		_, err := c.Do(t.Context(), &Request{Path: "/x"}, nil)
		srv.Close()
		ae, ok := errors.AsType[*APIError](err)
		if !ok || !errors.Is(err, ErrUnauthorized) {
			t.Errorf("%s: err = %v, want a 401 *APIError", tc.name, err)
			continue
		}
		if tc.want == "" {
			if ae.Hint != "" {
				t.Errorf("%s: hint %q, want none", tc.name, ae.Hint)
			}
			continue
		}
		if !strings.HasPrefix(ae.Hint, tc.want) || !strings.HasSuffix(err.Error(), "; "+ae.Hint) {
			t.Errorf("%s: hint %q, want it to start %q and end the message %q", tc.name, ae.Hint, tc.want, err)
		}
		if strings.Contains(err.Error(), "XYZZY") || strings.Contains(err.Error(), testSecret) {
			t.Errorf("%s: error leaks a credential: %v", tc.name, err)
		}
	}
}
