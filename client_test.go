package falcon

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/jarcoal/httpmock"

	"github.com/falconioc/falcon/internal/testutil"
)

const mockBase = "https://api.mock.test"

// mockClient returns a client whose every request goes to an httpmock
// transport that already answers the token endpoint.
func mockClient(t *testing.T, opts ...Option) (*Client, *httpmock.MockTransport) {
	t.Helper()
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder("POST", mockBase+tokenPath,
		httpmock.NewStringResponder(201, `{"access_token":"mock-token-XYZZY","token_type":"bearer","expires_in":1799}`).
			HeaderSet(http.Header{"Content-Type": {"application/json"}}))
	all := append([]Option{WithHTTPClient(&http.Client{Transport: mt})}, opts...)
	return testClient(t, mockBase, all...), mt
}

func jsonResponder(status int, body string, header ...string) httpmock.Responder {
	h := http.Header{"Content-Type": {"application/json"}}
	for i := 0; i+1 < len(header); i += 2 {
		h.Set(header[i], header[i+1])
	}
	return httpmock.NewStringResponder(status, body).HeaderSet(h)
}

func TestDoRequestShape(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t, WithUserAgent("my-tool/1.2"))
	type body struct {
		Comment    string   `json:"comment"`
		Indicators []string `json:"indicators"`
	}
	var got *http.Request
	var gotBody body
	mt.RegisterResponder("POST", mockBase+"/iocs/entities/indicators/v1", func(r *http.Request) (*http.Response, error) {
		got = r
		data, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(data, &gotBody); err != nil {
			t.Errorf("body %q: %v", data, err)
		}
		return jsonResponder(201, `{"meta":{"trace_id":"t"},"resources":[],"errors":[]}`)(r)
	})
	q := url.Values{}
	q.Set("ignore_warnings", strconv.FormatBool(true))
	q.Set("comment", "a+b c&d")
	q.Add("ids", "one")
	q.Add("ids", "two")
	_, err := c.Do(t.Context(), &Request{Method: "post", Path: "/iocs/entities/indicators/v1", Query: q,
		Body: body{Comment: "hi", Indicators: []string{"x"}}, Header: http.Header{"X-Extra": {"1"}}}, nil)
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	testutil.Method(t, got, "POST")
	testutil.Query(t, got, "comment=a%2Bb+c%26d&ids=one&ids=two&ignore_warnings=true")
	if ua := got.Header.Get("User-Agent"); ua != "my-tool/1.2 falconioc-go/"+Version {
		t.Errorf("User-Agent = %q", ua)
	}
	if got.Header.Get("Content-Type") != "application/json" || got.Header.Get("Accept") != "application/json" {
		t.Errorf("headers = %v", got.Header)
	}
	if got.Header.Get("X-Extra") != "1" || got.Header.Get("Authorization") != "Bearer mock-token-XYZZY" {
		t.Errorf("extra or auth header missing: %v", got.Header.Get("X-Extra"))
	}
	if gotBody.Comment != "hi" || len(gotBody.Indicators) != 1 {
		t.Errorf("body = %+v", gotBody)
	}
	if n := mt.GetCallCountInfo()["POST "+mockBase+tokenPath]; n != 1 {
		t.Errorf("token calls = %d", n)
	}
}

func TestDefaultUserAgentAndNoBody(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	mt.RegisterResponder("DELETE", mockBase+"/x", func(r *http.Request) (*http.Response, error) {
		if ua := r.Header.Get("User-Agent"); ua != "falconioc-go/"+Version {
			t.Errorf("User-Agent = %q", ua)
		}
		if r.Header.Get("Content-Type") != "" || (r.Body != nil && r.ContentLength > 0) {
			t.Errorf("DELETE without Body sent a body")
		}
		return jsonResponder(200, `{"meta":{},"resources":null,"errors":null}`)(r)
	})
	if _, err := c.Do(t.Context(), &Request{Method: "DELETE", Path: "/x"}, nil); err != nil {
		t.Fatal(err)
	}
}

func TestDoDecodesEnvelope(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	mt.RegisterResponder("GET", mockBase+"/iocs/combined/indicator/v1", jsonResponder(200, `{
		"meta": {"query_time": 0.25, "trace_id": "abc-123", "powered_by": "ioc-manager",
			"pagination": {"offset": 100, "limit": 2, "total": 10502, "after": "WzE2OTk="},
			"writes": {"resources_affected": 3}},
		"resources": [{"id": "a", "value": "1.2.3.4"}, {"id": "b", "value": "x.com"}],
		"errors": [{"code": 400, "message": "partial: row 2", "id": "b"}]}`,
		"X-RateLimit-Limit", "6000", "X-RateLimit-Remaining", "5998"))
	type ind struct{ ID, Value string }
	var out []ind
	resp, err := c.Do(t.Context(), &Request{Path: "/iocs/combined/indicator/v1"}, &out)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 2 || out[1].Value != "x.com" {
		t.Errorf("resources = %+v", out)
	}
	m := resp.Meta
	if m.QueryTime != 0.25 || m.TraceID != "abc-123" || m.PoweredBy != "ioc-manager" || m.Writes.ResourcesAffected != 3 {
		t.Errorf("meta = %+v", m)
	}
	p := m.Pagination
	if p.Offset != 100 || p.OffsetToken != "100" || p.Limit != 2 || p.Total != 10502 || p.After != "WzE2OTk=" {
		t.Errorf("pagination = %+v", p)
	}
	if resp.RateLimit != (RateLimit{Limit: 6000, Remaining: 5998}) {
		t.Errorf("rate limit = %+v", resp.RateLimit)
	}
	if len(resp.Errors) != 1 || resp.Errors[0] != (ErrorDetail{Code: 400, Message: "partial: row 2", ID: "b"}) {
		t.Errorf("errors = %+v", resp.Errors)
	}
	if resp.StatusCode != 200 {
		t.Errorf("status = %d", resp.StatusCode)
	}
}

func TestPaginationOffsetForms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		json  string
		want  Pagination
		round string
	}{
		{`{"offset": 500, "limit": 100, "total": 900}`, Pagination{Offset: 500, OffsetToken: "500", Limit: 100, Total: 900}, `"offset":500`},
		{`{"offset": "200", "limit": "100", "total": 300}`, Pagination{Offset: 200, OffsetToken: "200", Limit: 100, Total: 300}, `"offset":200`},
		{`{"offset": "Y3Vyc29y", "limit": 100}`, Pagination{OffsetToken: "Y3Vyc29y", Limit: 100}, `"offset":"Y3Vyc29y"`},
		{`{"next_page": "p2", "limit": 10, "total": 30}`, Pagination{NextPage: "p2", Limit: 10, Total: 30}, `"next_page":"p2"`},
		{`{"after": "c1", "expires_at": 1700000000000, "limit": 5}`, Pagination{After: "c1", ExpiresAt: 1700000000000, Limit: 5}, `"after":"c1"`},
	}
	for _, tt := range tests {
		var p Pagination
		if err := json.Unmarshal([]byte(tt.json), &p); err != nil {
			t.Fatalf("%s: %v", tt.json, err)
		}
		if p != tt.want {
			t.Errorf("%s: got %+v, want %+v", tt.json, p, tt.want)
		}
		out, err := json.Marshal(p)
		if err != nil || !strings.Contains(string(out), tt.round) {
			t.Errorf("%s: marshal = %s (%v), want it to contain %s", tt.json, out, err, tt.round)
		}
	}
}

func TestAPIErrors(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t, WithRetry(NoRetry()))
	mt.RegisterResponder("GET", mockBase+"/missing", jsonResponder(404,
		`{"meta":{"trace_id":"tr-404"},"errors":[{"code":404,"message":"Could not find\nindicator"},{"code":404,"message":"second"}]}`))
	mt.RegisterResponder("GET", mockBase+"/forbidden", jsonResponder(403,
		`{"meta":{},"errors":[{"code":403,"message":"access denied, scope ioc:write required"}]}`, "X-Cs-Traceid", "hdr-trace"))
	mt.RegisterResponder("GET", mockBase+"/html", httpmock.NewStringResponder(500, "<html>oops</html>"))

	resp, err := c.Do(t.Context(), &Request{Path: "/missing"}, nil)
	ae, ok := errors.AsType[*APIError](err)
	if !ok {
		t.Fatalf("err = %T", err)
	}
	if !errors.Is(err, ErrNotFound) || errors.Is(err, ErrForbidden) || ae.TraceID != "tr-404" || len(ae.Errors) != 2 || ae.Method != "GET" || ae.Path != "/missing" {
		t.Errorf("APIError = %+v", ae)
	}
	want := "falcon: GET /missing: 404 Not Found: Could not find indicator (and 1 more) (trace id tr-404)"
	if err.Error() != want {
		t.Errorf("Error() = %q\nwant      %q", err.Error(), want)
	}
	if resp == nil || resp.StatusCode != 404 || resp.Meta.TraceID != "tr-404" {
		t.Errorf("resp = %+v", resp)
	}
	if ResponseLost(err) {
		t.Error("404 reported as lost")
	}

	_, err = c.Do(t.Context(), &Request{Path: "/forbidden"}, nil)
	if ae, ok := errors.AsType[*APIError](err); !ok || !errors.Is(err, ErrForbidden) || ae.TraceID != "hdr-trace" {
		t.Errorf("403: %v", err)
	}

	_, err = c.Do(t.Context(), &Request{Path: "/html"}, nil)
	if ae, ok := errors.AsType[*APIError](err); !ok || ae.StatusCode != 500 || string(ae.Body) != "<html>oops</html>" || !ResponseLost(err) {
		t.Errorf("500: %v", err)
	}
}

func TestErrorBodyReadUpTo1MiB(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t, WithRetry(NoRetry()))
	big := strings.Repeat("x", 3<<20)
	mt.RegisterResponder("GET", mockBase+"/big", httpmock.NewStringResponder(400, big))
	_, err := c.Do(t.Context(), &Request{Path: "/big"}, nil)
	ae, ok := errors.AsType[*APIError](err)
	if !ok || len(ae.Body) != 1<<20 {
		t.Fatalf("err %v, body %d bytes", err, len(ae.Body))
	}
}

func TestDecodeErrorIsNotRetried(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	mt.RegisterResponder("GET", mockBase+"/bad", jsonResponder(200, `{"resources": [1, 2`+"}"))
	var out []int
	resp, err := c.Do(t.Context(), &Request{Path: "/bad"}, &out)
	if err == nil || resp == nil || !strings.Contains(err.Error(), "decoding response") {
		t.Fatalf("err = %v, resp %v", err, resp)
	}
	if n := mt.GetCallCountInfo()["GET "+mockBase+"/bad"]; n != 1 {
		t.Errorf("calls = %d", n)
	}
}

func TestTruncatedBodyIsLostAndRetriedForGET(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t, WithRetry(RetryPolicy{MaxAttempts: 3}))
	calls := 0
	mt.RegisterResponder("GET", mockBase+"/cut", func(r *http.Request) (*http.Response, error) {
		calls++
		if calls == 1 {
			return jsonResponder(200, `{"resources": ["a", "b"`)(r)
		}
		return jsonResponder(200, `{"resources": ["c"]}`)(r)
	})
	var out []string
	if _, err := c.Do(t.Context(), &Request{Path: "/cut"}, &out); err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 || out[0] != "c" || calls != 2 {
		t.Errorf("out = %v after %d calls; the retry must start from a clean destination", out, calls)
	}

	mt.RegisterResponder("POST", mockBase+"/cut", jsonResponder(201, `{"resources": [`))
	_, err := c.Do(t.Context(), &Request{Method: "POST", Path: "/cut"}, &out)
	if _, ok := errors.AsType[*RequestError](err); !ok || !ResponseLost(err) {
		t.Errorf("POST cut short: %T %v", err, err)
	}
}

func TestDoRejectsBadInput(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	var notPtr []string
	tests := []struct {
		name string
		req  *Request
		out  any
	}{
		{"nil request", nil, nil},
		{"relative path", &Request{Path: "iocs"}, nil},
		{"absolute URL", &Request{Path: "https://evil.test/x"}, nil},
		{"scheme-relative", &Request{Path: "//evil.test/x"}, nil},
		{"query in path", &Request{Path: "/x?a=b"}, nil},
		{"bad method", &Request{Method: "GE T", Path: "/x"}, nil},
		{"unencodable body", &Request{Method: "POST", Path: "/x", Body: make(chan int)}, nil},
		{"out not a pointer", &Request{Path: "/x"}, notPtr},
		{"out nil pointer", &Request{Path: "/x"}, (*[]string)(nil)},
	}
	for _, tt := range tests {
		if _, err := c.Do(t.Context(), tt.req, tt.out); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
	//lint:ignore SA1012 checking the nil-context guard
	if _, err := c.Do(nil, &Request{Path: "/x"}, nil); err == nil {
		t.Error("nil context accepted")
	}
	if n := mt.GetTotalCallCount(); n != 0 {
		t.Errorf("%d requests sent for bad input", n)
	}
}

func TestRedirectToOtherHostRefused(t *testing.T) {
	t.Parallel()
	var leaked string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked = r.Header.Get("Authorization")
	}))
	defer other.Close()
	fake := newFake("a", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/steal", http.StatusFound)
	})
	srv := httptest.NewServer(fake)
	defer srv.Close()
	c := testClient(t, srv.URL, WithRetry(NoRetry()))
	_, err := c.Do(t.Context(), &Request{Path: "/x"}, nil)
	if err == nil || !strings.Contains(err.Error(), "refusing redirect") {
		t.Errorf("err = %v", err)
	}
	if leaked != "" {
		t.Errorf("token sent to another host")
	}
}

func TestClientAccessors(t *testing.T) {
	t.Parallel()
	c, err := newClient(func(string) string { return "" }, WithCredentials(testClientID, testSecret), WithCloud(CloudUSGov1))
	if err != nil {
		t.Fatal(err)
	}
	if c.Cloud() != CloudUSGov1 || c.BaseURL() != "https://api.laggar.gcw.crowdstrike.com" || c.Logger() == nil {
		t.Errorf("cloud %q base %q", c.Cloud(), c.BaseURL())
	}
	if err := c.Close(context.Background()); err != nil {
		t.Errorf("Close of an unused client: %v", err)
	}
}
