package spectest_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/falconioc/falcon/internal/spectest"
)

// fakeTB records what the package reports.
type fakeTB struct {
	mu   sync.Mutex
	errs []string
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errs = append(f.errs, fmt.Sprintf(format, args...))
}

func (f *fakeTB) reports() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.errs)
}

const (
	jsonCT = "application/json"
	formCT = "application/x-www-form-urlencoded"
)

func request(method, target, contentType, body string) *http.Request {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, r)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return req
}

const (
	sha = "4b4f4e5a4e4f5e4f4e5a4e4f5e4f4e5a4e4f5e4f4e5a4e4f5e4f4e5a4e4f5e4f"
	md5 = "5d41402abc4b2a76b9719d911017c592"
)

func TestCheckRequest_Good(t *testing.T) {
	t.Parallel()
	basic := request("POST", "/oauth2/token", formCT, "grant_type=client_credentials")
	basic.SetBasicAuth("client-id", "client-secret")
	cases := map[string]*http.Request{
		"search":       request("GET", "/iocs/queries/indicators/v1?filter=type%3A%27md5%27&limit=100&offset=0&sort=value&from_parent=false", "", ""),
		"combined":     request("GET", "/iocs/combined/indicator/v1?after=abc&limit=2000&sort=created_on", "", ""),
		"sort asc":     request("GET", "/iocs/combined/indicator/v1?sort=metadata.filename.raw.asc", "", ""),
		"sort pipe":    request("GET", "/iocs/queries/indicators/v1?sort=modified_on%7Cdesc", "", ""),
		"get ids":      request("GET", "/iocs/entities/indicators/v1?ids=a&ids=b", "", ""),
		"get with ct":  request("GET", "/iocs/entities/indicators/v1?ids=a", jsonCT, ""),
		"delete ids":   request("DELETE", "/iocs/entities/indicators/v1?ids=a&ids=b&comment=bye", "", ""),
		"delete fql":   request("DELETE", "/iocs/entities/indicators/v1?filter=source%3A%27x%27", "", ""),
		"actions":      request("GET", "/iocs/queries/actions/v1?offset=0&limit=10", "", ""),
		"action get":   request("GET", "/iocs/entities/actions/v1?ids=detect", "", ""),
		"types":        request("GET", "/iocs/queries/ioc-types/v1", "", ""),
		"platforms":    request("GET", "/iocs/queries/platforms/v1?limit=1", "", ""),
		"severities":   request("GET", "/iocs/queries/severities/v1?offset=2", "", ""),
		"device count": request("GET", "/iocs/aggregates/indicators/device-count/v1?type=md5&value="+md5, "", ""),
		"devices":      request("GET", "/iocs/queries/indicators/devices/v1?type=md5&value="+md5+"&limit=100&offset=10", "", ""),
		"processes":    request("GET", "/iocs/queries/indicators/processes/v1?type=md5&value="+md5+"&device_id=d1", "", ""),
		"legacy count": request("GET", "/indicators/aggregates/devices-count/v1?type=domain&value=example.com", "", ""),
		"legacy dev":   request("GET", "/indicators/queries/devices/v1?type=domain&value=example.com&offset=abc", "", ""),
		"legacy proc":  request("GET", "/indicators/queries/processes/v1?type=domain&value=example.com&device_id=d1", "", ""),
		"process get":  request("GET", "/processes/entities/processes/v1?ids=pid:1:2", "", ""),
		"create": request("POST", "/iocs/entities/indicators/v1?ignore_warnings=true&retrodetects=false", jsonCT,
			`{"comment":"c","indicators":[{"type":"sha256","value":"`+sha+`","action":"detect","severity":"high","applied_globally":true,"platforms":["windows"],"expiration":"2030-01-02T03:04:05.123456789Z","metadata":{"filename":"a.exe"}}]}`),
		// The shape gofalcon sends: unset slices and unset expiration as null.
		"create gofalcon": request("POST", "/iocs/entities/indicators/v1", jsonCT,
			`{"indicators":[{"type":"md5","value":"`+md5+`","applied_globally":true,"host_groups":null,"platforms":null,"tags":null,"expiration":null}]}`),
		"update": request("PATCH", "/iocs/entities/indicators/v1", jsonCT,
			`{"bulk_update":null,"indicators":[{"id":"x","description":null,"severity":null,"source":null,"expiration":null,"applied_globally":false,"tags":null}]}`),
		"bulk update": request("PATCH", "/iocs/entities/indicators/v1", jsonCT,
			`{"bulk_update":{"filter":"type:'md5'","action":"detect"},"indicators":[]}`),
		"aggregate": request("POST", "/iocs/aggregates/indicators/v1?filter=type%3A%27md5%27", jsonCT,
			`{"field":"type","type":"terms","name":"by_type","size":10,"sub_aggregates":[{"field":"action","type":"terms"}]}`),
		"report": request("POST", "/iocs/entities/indicators-reports/v1", jsonCT,
			`{"report_format":"csv","search":{"filter":"","query":"","sort":"value"}}`),
		"token form":  request("POST", "/oauth2/token", formCT, "grant_type=client_credentials&client_id=id&client_secret=s&member_cid=abc"),
		"token basic": basic,
		"revoke":      request("POST", "/oauth2/revoke", formCT, "token=tok"),
	}
	for name, r := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var before []byte
			if r.Body != nil {
				before, _ = io.ReadAll(r.Body)
				r.Body = io.NopCloser(strings.NewReader(string(before)))
			}
			if err := spectest.CheckRequest(r); err != nil {
				t.Fatalf("CheckRequest: %v", err)
			}
			after, err := io.ReadAll(r.Body)
			if err != nil || string(after) != string(before) {
				t.Errorf("body after check = %q, %v; want %q", after, err, before)
			}
		})
	}
}

func TestCheckRequest_Bad(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		req  *http.Request
		want []string // substrings of the message
	}{
		{"wrong param type", request("GET", "/iocs/queries/indicators/v1?limit=ten", "", ""), []string{`parameter "limit"`, "invalid integer"}},
		{"boolean param", request("GET", "/iocs/combined/indicator/v1?from_parent=yes", "", ""), []string{`parameter "from_parent"`}},
		{"invalid sort field", request("GET", "/iocs/combined/indicator/v1?sort=colour.asc", "", ""), []string{`parameter "sort"`, "regular expression"}},
		{"invalid sort direction", request("GET", "/iocs/combined/indicator/v1?sort=value.up", "", ""), []string{`parameter "sort"`, "regular expression"}},
		{"missing required query", request("GET", "/iocs/aggregates/indicators/device-count/v1?type=md5", "", ""), []string{`parameter "value"`}},
		{"missing required ids", request("GET", "/iocs/entities/indicators/v1", "", ""), []string{`parameter "ids"`}},
		{"missing required body field", request("POST", "/iocs/entities/indicators/v1", jsonCT, `{"comment":"c"}`), []string{`"indicators" is missing`}},
		{"missing required item field", request("POST", "/iocs/entities/indicators/v1", jsonCT, `{"indicators":[{"type":"md5","value":"`+md5+`"}]}`), []string{`/indicators/0/applied_globally`, "missing"}},
		{"wrong body field type", request("POST", "/iocs/entities/indicators/v1", jsonCT, `{"indicators":[{"type":"md5","value":"x","applied_globally":"yes"}]}`), []string{"/indicators/0/applied_globally", "boolean"}},
		{"null where not allowed", request("POST", "/iocs/entities/indicators/v1", jsonCT, `{"indicators":[{"type":"md5","value":"x","applied_globally":true,"description":null}]}`), []string{"/indicators/0/description", "not nullable"}},
		{"bad date-time", request("POST", "/iocs/entities/indicators/v1", jsonCT, `{"indicators":[{"type":"md5","value":"x","applied_globally":true,"expiration":"tomorrow"}]}`), []string{"/indicators/0/expiration", "date-time"}},
		{"missing body", request("POST", "/iocs/entities/indicators/v1", jsonCT, ""), []string{"request body"}},
		{"update without bulk_update", request("PATCH", "/iocs/entities/indicators/v1", jsonCT, `{"indicators":[{"id":"x"}]}`), []string{`"bulk_update" is missing`}},
		{"aggregate without type", request("POST", "/iocs/aggregates/indicators/v1", jsonCT, `{"field":"type"}`), []string{`"type" is missing`}},
		{"report search not object", request("POST", "/iocs/entities/indicators-reports/v1", jsonCT, `{"report_format":"csv","search":"x"}`), []string{"/search"}},
		{"wrong content type", request("POST", "/iocs/entities/indicators/v1", "text/plain", `{"indicators":[]}`), []string{"Content-Type"}},
		{"token without credentials", request("POST", "/oauth2/token", formCT, "grant_type=client_credentials&client_id=id"), []string{"client credentials"}},
		{"revoke without token", request("POST", "/oauth2/revoke", formCT, "client_id=id"), []string{`"token"`}},
		{"unknown path", request("GET", "/iocs/entities/nothing/v1", "", ""), []string{"no operation"}},
		{"unknown method", request("PUT", "/iocs/entities/indicators/v1", "", ""), []string{"no operation"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			err := spectest.CheckRequest(c.req)
			if err == nil {
				t.Fatal("CheckRequest passed a request that breaks the spec")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("message lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

// envelope builds a response body with the IOC service's meta.
func envelope(resources string, extra string) []byte {
	return []byte(`{"meta":{"query_time":0.01,"trace_id":"t-1","powered_by":"ioc-api"` + extra + `},"errors":[],"resources":` + resources + `}`)
}

func jsonHeader() http.Header {
	return http.Header{"Content-Type": {"application/json"}, "X-Cs-Traceid": {"t-1"}, "X-Ratelimit-Limit": {"6000"}, "X-Ratelimit-Remaining": {"5999"}}
}

func TestCheckResponse(t *testing.T) {
	t.Parallel()
	indicator := `{"id":"` + sha + `","type":"md5","value":"` + md5 + `","action":"detect","severity":"high","applied_globally":true,"platforms":["windows"],"created_on":"2025-01-29T09:01:39.125982486Z","modified_on":"2025-01-29T09:01:39Z","expired":false,"deleted":false,"metadata":{"av_hits":3,"signed":true}}`
	paging := `,"pagination":{"limit":100,"offset":0,"total":1,"after":"abc"}`
	legacyMeta := func(offset string) string {
		return `{"meta":{"query_time":0.01,"trace_id":"t","entity":"x","pagination":{"limit":100,"total":1,"next_page":"","offset":` + offset + `}},"errors":[],"resources":["d1"]}`
	}
	combined := request("GET", "/iocs/combined/indicator/v1", "", "")
	legacy := request("GET", "/indicators/queries/devices/v1?type=md5&value="+md5, "", "")
	token := request("POST", "/oauth2/token", formCT, "")
	badHeader := jsonHeader()
	badHeader.Set("X-Ratelimit-Limit", "many")

	cases := []struct {
		name   string
		req    *http.Request
		status int
		header http.Header
		body   string
		want   []string // nil: must pass
	}{
		{"combined ok", combined, 200, jsonHeader(), string(envelope("["+indicator+"]", paging)), nil},
		{"combined empty", combined, 200, jsonHeader(), string(envelope("[]", paging)), nil},
		{"charset content type", combined, 200, http.Header{"Content-Type": {"application/json; charset=utf-8"}}, string(envelope("[]", paging)), nil},
		{"legacy offset int", legacy, 200, jsonHeader(), legacyMeta("5"), nil},
		{"legacy offset string", legacy, 200, jsonHeader(), legacyMeta(`"5"`), nil},
		{"token ok", token, 201, jsonHeader(), `{"access_token":"abc","token_type":"bearer","expires_in":1799}`, nil},
		{"declared error", combined, 429, jsonHeader(), `{"meta":{"query_time":0,"trace_id":"t"},"errors":[{"code":429,"message":"API rate limit exceeded."}]}`, nil},
		{"undeclared error ok", combined, 404, jsonHeader(), `{"meta":{"query_time":0,"trace_id":"t"},"errors":[{"code":404,"message":"not found"}],"resources":[]}`, nil},

		{"resources wrong type", combined, 200, jsonHeader(), string(envelope(`{"id":"x"}`, paging)), []string{"/resources", "array"}},
		{"item not an object", combined, 200, jsonHeader(), string(envelope(`["`+sha+`"]`, paging)), []string{"/resources/0", "object"}},
		{"missing trace id", combined, 200, jsonHeader(), `{"meta":{"query_time":1},"errors":[],"resources":[]}`, []string{"/meta/trace_id"}},
		{"missing errors", combined, 200, jsonHeader(), `{"meta":{"query_time":1,"trace_id":"t"},"resources":[]}`, []string{`"errors" is missing`}},
		{"errors null", combined, 200, jsonHeader(), `{"meta":{"query_time":1,"trace_id":"t"},"errors":null,"resources":[]}`, []string{"/errors", "not nullable"}},
		{"paging without total", combined, 200, jsonHeader(), string(envelope("[]", `,"pagination":{"limit":1}`)), []string{"/meta/pagination/total"}},
		{"empty expiration", combined, 200, jsonHeader(), string(envelope(`[{"id":"x","expiration":""}]`, paging)), []string{"/resources/0/expiration", "date-time"}},
		{"string count", combined, 200, jsonHeader(), string(envelope(`[{"id":"x","metadata":{"av_hits":"3"}}]`, paging)), []string{"/resources/0/metadata/av_hits"}},
		{"legacy offset bool", legacy, 200, jsonHeader(), legacyMeta("true"), []string{"/meta/pagination/offset", "oneOf"}},
		{"token expires string", token, 201, jsonHeader(), `{"access_token":"abc","expires_in":"1799"}`, []string{"/expires_in"}},
		{"undeclared error no meta", combined, 404, jsonHeader(), `{"errors":[{"code":404,"message":"x"}]}`, []string{`"meta" is missing`}},
		{"error without code", combined, 500, jsonHeader(), `{"meta":{"query_time":0,"trace_id":"t"},"errors":[{"message":"x"}]}`, []string{"/errors/0/code"}},
		{"bad rate header", combined, 200, badHeader, string(envelope("[]", paging)), []string{"X-RateLimit-Limit"}},
		{"not json", combined, 200, http.Header{"Content-Type": {"text/html"}}, "<html/>", []string{"Content-Type"}},
		{"unknown path", request("GET", "/nowhere", "", ""), 200, jsonHeader(), `{}`, []string{"no operation"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			err := spectest.CheckResponse(c.req, c.status, c.header, []byte(c.body))
			switch {
			case c.want == nil && err != nil:
				t.Fatalf("CheckResponse: %v", err)
			case c.want != nil && err == nil:
				t.Fatal("CheckResponse passed a response that breaks the spec")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("message lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestValidate_ReportsThroughTB(t *testing.T) {
	t.Parallel()
	var tb fakeTB
	spectest.ValidateRequest(&tb, request("GET", "/iocs/queries/indicators/v1?limit=5", "", ""))
	spectest.ValidateResponse(&tb, request("GET", "/iocs/queries/indicators/v1", "", ""), 200, jsonHeader(), envelope(`["a"]`, `,"pagination":{"limit":5,"total":1}`))
	if got := tb.reports(); len(got) != 0 {
		t.Fatalf("reports for valid traffic: %q", got)
	}
	spectest.ValidateRequest(&tb, request("GET", "/iocs/queries/indicators/v1?limit=five", "", ""))
	spectest.ValidateResponse(&tb, request("GET", "/iocs/queries/indicators/v1", "", ""), 200, jsonHeader(), envelope(`[1]`, ""))
	if got := tb.reports(); len(got) != 2 {
		t.Fatalf("got %d reports, want 2: %q", len(got), got)
	}
}

func TestMessagesHideSecrets(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3t-CLIENT-secret-value"
	const tok = "eyJhbGciOiJSUzI1NiJ9.token-value"
	// A form whose client_secret is fine but whose other fields are bad.
	r := request("POST", "/oauth2/revoke", formCT, "client_secret="+secret)
	r.Header.Set("Authorization", "Bearer "+tok)
	err := spectest.CheckRequest(r)
	if err == nil {
		t.Fatal("revoke without token passed")
	}
	resp := spectest.CheckResponse(request("POST", "/oauth2/token", formCT, ""), 201, jsonHeader(), []byte(`{"access_token":"`+tok+`","expires_in":"soon"}`))
	if resp == nil {
		t.Fatal("token response with a string expires_in passed")
	}
	for _, msg := range []string{err.Error(), resp.Error()} {
		if strings.Contains(msg, secret) || strings.Contains(msg, tok) {
			t.Errorf("message shows a credential: %s", msg)
		}
	}
}

// roundTripFunc adapts a function to http.RoundTripper.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestTransport(t *testing.T) {
	t.Parallel()
	var sentBodies []string
	var mu sync.Mutex
	base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.URL.Path == "/down" {
			return nil, errors.New("connection refused")
		}
		if r.Body != nil {
			b, _ := io.ReadAll(r.Body)
			mu.Lock()
			sentBodies = append(sentBodies, string(b))
			mu.Unlock()
		}
		body := envelope(`["a","b"]`, `,"pagination":{"limit":2,"total":2}`)
		if r.URL.Query().Get("limit") == "1" {
			body = envelope(`[1]`, `,"pagination":{"limit":1,"total":1}`) // breaks the spec
		}
		return &http.Response{StatusCode: 200, Header: jsonHeader(), Body: io.NopCloser(strings.NewReader(string(body))), Request: r}, nil
	})
	var tb fakeTB
	tr := spectest.Transport(&tb, base)
	client := &http.Client{Transport: tr}

	get := func(target string) (string, error) {
		resp, err := client.Get("http://127.0.0.1:9" + target)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return string(b), err
	}

	body, err := get("/iocs/queries/indicators/v1?limit=2")
	if err != nil || !strings.Contains(body, `"resources":["a","b"]`) {
		t.Fatalf("good call: body %q, err %v", body, err)
	}
	if got := tb.reports(); len(got) != 0 {
		t.Fatalf("reports for valid traffic: %q", got)
	}

	// A bad request is reported and still sent.
	if _, err := get("/iocs/queries/indicators/v1?limit=two"); err != nil {
		t.Fatal(err)
	}
	if got := tb.reports(); len(got) != 1 || !strings.Contains(got[0], `parameter "limit"`) {
		t.Fatalf("reports after a bad request: %q", got)
	}

	// A bad response is reported and still reaches the caller whole.
	body, err = get("/iocs/queries/indicators/v1?limit=1")
	if err != nil || !strings.Contains(body, `"resources":[1]`) {
		t.Fatalf("bad response: body %q, err %v", body, err)
	}
	if got := tb.reports(); len(got) != 2 || !strings.Contains(got[1], "/resources/0") {
		t.Fatalf("reports after a bad response: %q", got)
	}

	// A body reaches the base transport unread.
	const create = `{"indicators":[{"type":"md5","value":"` + md5 + `","applied_globally":true}]}`
	resp, err := client.Post("http://127.0.0.1:9/iocs/entities/indicators/v1", jsonCT, strings.NewReader(create))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	mu.Lock()
	last := sentBodies[len(sentBodies)-1]
	mu.Unlock()
	if last != create {
		t.Errorf("base got body %q, want %q", last, create)
	}

	// A transport error passes through; the unknown route is reported.
	if _, err := get("/down"); err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("transport error: %v", err)
	}
	if got := tb.reports(); len(got) != 4 || !strings.Contains(got[3], "no operation") {
		t.Fatalf("reports after an unknown route: %q", got)
	}

	seen := tr.Seen()
	if seen["indicator.search.v1"] != 3 || seen["indicator.create.v1"] != 1 {
		t.Errorf("Seen = %v", seen)
	}
	if got := tr.Missing("indicator.search.v1", "indicator.get.v1", "indicator.create.v1", "action.get.v1"); !slices.Equal(got, []string{"action.get.v1", "indicator.get.v1"}) {
		t.Errorf("Missing = %q", got)
	}
}

func TestTransport_Concurrent(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(envelope(`[]`, `,"pagination":{"limit":10,"total":0}`))
	}))
	defer srv.Close()
	var tb fakeTB
	tr := spectest.Transport(&tb, srv.Client().Transport)
	client := &http.Client{Transport: tr}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			resp, err := client.Get(srv.URL + "/iocs/queries/indicators/v1?limit=10")
			if err != nil {
				tb.Errorf("%v", err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		})
	}
	wg.Wait()
	if got := tb.reports(); len(got) != 0 {
		t.Fatalf("reports: %q", got)
	}
	if n := tr.Seen()["indicator.search.v1"]; n != 8 {
		t.Errorf("Seen search = %d, want 8", n)
	}
}

func TestHandler(t *testing.T) {
	t.Parallel()
	var gotBody string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		gotBody = string(b)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Cs-Traceid", "t")
		if r.URL.Query().Get("ids") == "bad" {
			w.WriteHeader(200)
			_, _ = w.Write([]byte(`{"meta":{"query_time":0,"trace_id":"t"},"errors":[],"resources":"nope"}`))
			return
		}
		w.WriteHeader(201)
		_, _ = w.Write(envelope("[]", ""))
	})
	var tb fakeTB
	wrapped := spectest.Handler(&tb, h)

	const create = `{"indicators":[]}`
	rec := httptest.NewRecorder()
	wrapped.ServeHTTP(rec, request("POST", "/iocs/entities/indicators/v1", jsonCT, create))
	if rec.Code != 201 || rec.Header().Get("X-Cs-Traceid") != "t" || !strings.Contains(rec.Body.String(), `"resources":[]`) {
		t.Errorf("response not passed on: %d %v %s", rec.Code, rec.Header(), rec.Body)
	}
	if gotBody != create {
		t.Errorf("handler got body %q", gotBody)
	}
	if got := tb.reports(); len(got) != 0 {
		t.Fatalf("reports for valid traffic: %q", got)
	}

	rec = httptest.NewRecorder()
	wrapped.ServeHTTP(rec, request("GET", "/iocs/entities/indicators/v1?ids=bad", "", ""))
	if got := tb.reports(); len(got) != 1 || !strings.Contains(got[0], "/resources") {
		t.Fatalf("reports after a bad response: %q", got)
	}
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"nope"`) {
		t.Errorf("bad response not passed on: %d %s", rec.Code, rec.Body)
	}
}

// TestOperations compares the router's operations with the raw spec file.
func TestOperations(t *testing.T) {
	t.Parallel()
	path, err := spectest.FindSpec()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string `json:"operationId"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var want []string
	for p, ops := range doc.Paths {
		for m, op := range ops {
			want = append(want, strings.ToUpper(m)+" "+p+" ("+op.OperationID+")")
		}
	}
	slices.Sort(want)

	ops, err := spectest.Operations()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, op := range ops {
		got = append(got, op.String())
		r := httptest.NewRequest(op.Method, op.Path, nil)
		found, err := spectest.Find(r)
		if err != nil || found != op {
			t.Errorf("Find(%s %s) = %v, %v; want %v", op.Method, op.Path, found, err, op)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("Operations:\n got %q\nwant %q", got, want)
	}
}
