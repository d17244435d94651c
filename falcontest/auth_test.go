package falcontest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func postForm(t *testing.T, s *Server, path string, form url.Values, user, pass string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest("POST", s.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func TestToken(t *testing.T) {
	t.Parallel()
	s := NewServer(WithCredentials("id-1", "secret-1"), WithRegion("us-2"), WithMemberCIDs("abc123"))
	defer s.Close()
	tests := []struct {
		name       string
		form       url.Values
		user, pass string
		status     int
	}{
		{"form credentials", url.Values{"client_id": {"id-1"}, "client_secret": {"secret-1"}}, "", "", 201},
		{"basic auth", url.Values{}, "id-1", "secret-1", 201},
		{"member cid allowed", url.Values{"client_id": {"id-1"}, "client_secret": {"secret-1"}, "member_cid": {"abc123"}}, "", "", 201},
		{"member cid refused", url.Values{"client_id": {"id-1"}, "client_secret": {"secret-1"}, "member_cid": {"other"}}, "", "", 403},
		{"wrong secret", url.Values{"client_id": {"id-1"}, "client_secret": {"nope"}}, "", "", 403},
		{"wrong id", url.Values{"client_id": {"id-2"}, "client_secret": {"secret-1"}}, "", "", 403},
		{"missing secret", url.Values{"client_id": {"id-1"}}, "", "", 400},
		{"nothing", url.Values{}, "", "", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := postForm(t, s, "/oauth2/token", tt.form, tt.user, tt.pass)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			if strings.Contains(string(body), "secret-1") {
				t.Fatalf("answer repeats the secret: %s", body)
			}
			if tt.status != 201 {
				return
			}
			var tok struct {
				AccessToken string `json:"access_token"`
				ExpiresIn   int    `json:"expires_in"`
				TokenType   string `json:"token_type"`
			}
			if err := json.Unmarshal(body, &tok); err != nil {
				t.Fatal(err)
			}
			if tok.AccessToken == "" || tok.ExpiresIn != 1799 || tok.TokenType != "bearer" {
				t.Fatalf("token answer %s", body)
			}
			if got := resp.Header.Get("X-Cs-Region"); got != "us-2" {
				t.Fatalf("X-Cs-Region %q", got)
			}
			c := &client{t: t, s: s, token: tok.AccessToken}
			wantStatus(t, c.get("/iocs/queries/ioc-types/v1", nil), 200)
		})
	}
}

func TestTokenExpiryAndRevoke(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	s := NewServer(WithClock(clock.now), WithTokenTTL(time.Minute))
	defer s.Close()
	s.FailTokenNext(503, 1)
	form := url.Values{"client_id": {s.ClientID}, "client_secret": {s.ClientSecret}}
	if resp, _ := postForm(t, s, "/oauth2/token", form, "", ""); resp.StatusCode != 503 {
		t.Fatalf("token with an injected fault: %d", resp.StatusCode)
	}
	resp, body := postForm(t, s, "/oauth2/token", form, "", "")
	if resp.StatusCode != 201 {
		t.Fatalf("token: %d %s", resp.StatusCode, body)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &tok); err != nil {
		t.Fatal(err)
	}
	if tok.ExpiresIn != 59 {
		t.Fatalf("expires_in %d for a one-minute TTL, want 59", tok.ExpiresIn)
	}
	c := &client{t: t, s: s, token: tok.AccessToken}
	wantStatus(t, c.get("/iocs/queries/platforms/v1", nil), 200)
	clock.advance(59 * time.Second)
	wantStatus(t, c.get("/iocs/queries/platforms/v1", nil), 200)
	clock.advance(time.Second)
	wantError(t, c.get("/iocs/queries/platforms/v1", nil), 401, "access denied, invalid bearer token")

	// A fresh token works; ExpireTokens kills it at once.
	c.token = s.IssueToken()
	wantStatus(t, c.get("/iocs/queries/platforms/v1", nil), 200)
	if n := s.ActiveTokens(); n != 1 {
		t.Fatalf("ActiveTokens = %d, want 1", n)
	}
	s.ExpireTokens()
	wantStatus(t, c.get("/iocs/queries/platforms/v1", nil), 401)

	// Revocation needs basic auth and kills the token.
	c.token = s.IssueToken()
	resp, body = postForm(t, s, "/oauth2/revoke", url.Values{"token": {c.token}}, "", "")
	if resp.StatusCode != 403 {
		t.Fatalf("revoke without basic auth: %d %s", resp.StatusCode, body)
	}
	resp, body = postForm(t, s, "/oauth2/revoke", url.Values{"token": {c.token}}, s.ClientID, s.ClientSecret)
	if resp.StatusCode != 200 {
		t.Fatalf("revoke: %d %s", resp.StatusCode, body)
	}
	wantStatus(t, c.get("/iocs/queries/platforms/v1", nil), 401)
	resp, _ = postForm(t, s, "/oauth2/revoke", url.Values{}, s.ClientID, s.ClientSecret)
	if resp.StatusCode != 400 {
		t.Fatalf("revoke without token: %d", resp.StatusCode)
	}
}

func TestAuthorization(t *testing.T) {
	t.Parallel()
	s := NewUnstartedServer(WithScopes("ioc:read"))
	c := newClient(t, s)
	tests := []struct {
		name   string
		token  string
		method string
		path   string
		status int
		msg    string
	}{
		{"no token", "-", "GET", "/iocs/queries/indicators/v1", 401, "invalid bearer token"},
		{"unknown token", "nope", "GET", "/iocs/queries/indicators/v1", 401, "invalid bearer token"},
		{"read scope", "", "GET", "/iocs/queries/indicators/v1", 200, ""},
		{"write needs ioc:write", "", "DELETE", "/iocs/entities/indicators/v1?ids=" + strings.Repeat("a", 64), 403, "authorization failed"},
		{"aggregate needs ioc:write", "", "POST", "/iocs/aggregates/indicators/v1", 403, "authorization failed"},
		{"legacy needs iocs:read", "", "GET", "/indicators/queries/devices/v1?type=domain&value=a.com", 403, "authorization failed"},
		{"unknown path", "", "GET", "/iocs/nothing/v1", 404, "Not Found"},
		{"wrong method", "", "PUT", "/iocs/entities/indicators/v1", 405, "Method Not Allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cc := *c
			cc.t = t
			switch tt.token {
			case "-":
				cc.token = ""
			case "":
			default:
				cc.token = tt.token
			}
			path, rawQuery, _ := strings.Cut(tt.path, "?")
			q, _ := url.ParseQuery(rawQuery)
			r := cc.do(tt.method, path, q, nil)
			if tt.msg == "" {
				wantStatus(t, r, tt.status)
				return
			}
			wantError(t, r, tt.status, tt.msg)
			if r.Env.Meta.TraceID == "" || r.Env.Meta.QueryTime == nil {
				t.Fatalf("error answer without meta: %s", r.Body)
			}
		})
	}
}

func TestEnvelopeShape(t *testing.T) {
	t.Parallel()
	s := NewUnstartedServer(WithIndicators(10))
	c := newClient(t, s)
	r := c.get("/iocs/queries/indicators/v1", qv("limit", "3"))
	wantStatus(t, r, 200)
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(r.Body, &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"meta", "errors", "resources"} {
		if _, ok := raw[k]; !ok {
			t.Fatalf("envelope lacks %q: %s", k, r.Body)
		}
	}
	if string(raw["errors"]) != "[]" {
		t.Fatalf("errors = %s, want []", raw["errors"])
	}
	m := r.Env.Meta
	if m.QueryTime == nil || *m.QueryTime < 0 || m.PoweredBy == "" || len(m.TraceID) != 36 {
		t.Fatalf("meta %+v", m)
	}
	if got := r.Header.Get("X-Cs-Traceid"); got != m.TraceID {
		t.Fatalf("X-Cs-Traceid %q, meta.trace_id %q", got, m.TraceID)
	}
	if r.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("Content-Type %q", r.Header.Get("Content-Type"))
	}
	if r.Header.Get("X-Ratelimit-Limit") != "6000" || r.Header.Get("X-Ratelimit-Remaining") == "" {
		t.Fatalf("rate limit headers %v", r.Header)
	}
	p := m.Pagination
	if p["limit"] != 3.0 || p["total"] != 10.0 || p["after"] == nil {
		t.Fatalf("pagination %v", p)
	}
	if ids := r.ids(t); len(ids) != 3 {
		t.Fatalf("%d ids", len(ids))
	}
	// Trace ids differ between answers.
	if r2 := c.get("/iocs/queries/indicators/v1", nil); r2.Env.Meta.TraceID == m.TraceID {
		t.Fatal("trace id repeated")
	}
}

func TestRequestsRecordedAndRedacted(t *testing.T) {
	t.Parallel()
	s := NewServer()
	defer s.Close()
	postForm(t, s, "/oauth2/token", url.Values{"client_id": {s.ClientID}, "client_secret": {s.ClientSecret}}, "", "")
	c := newClient(t, s)
	c.http = s.Client()
	c.get("/iocs/queries/severities/v1", qv("limit", "2"))
	reqs := s.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests recorded", len(reqs))
	}
	if reqs[0].Operation != "oauth2AccessToken" || reqs[0].Status != 201 {
		t.Fatalf("first request %+v", reqs[0])
	}
	if strings.Contains(string(reqs[0].Body), s.ClientSecret) || !strings.Contains(string(reqs[0].Body), "REDACTED") {
		t.Fatalf("token request body not redacted: %s", reqs[0].Body)
	}
	r := reqs[1]
	if r.Operation != "severity.query.v1" || r.Query.Get("limit") != "2" || r.Status != 200 || r.Outcome != "answered" {
		t.Fatalf("second request %+v", r)
	}
	if r.Header.Get("Authorization") != "Bearer REDACTED" {
		t.Fatalf("Authorization recorded as %q", r.Header.Get("Authorization"))
	}
	s.ResetRequests()
	if len(s.Requests()) != 0 {
		t.Fatal("ResetRequests kept requests")
	}
}
