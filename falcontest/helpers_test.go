package falcontest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// envelope is the API's answer envelope, decoded loosely for assertions.
type envelope struct {
	Meta struct {
		QueryTime  *float64       `json:"query_time"`
		PoweredBy  string         `json:"powered_by"`
		TraceID    string         `json:"trace_id"`
		Pagination map[string]any `json:"pagination"`
	} `json:"meta"`
	Errors    []apiError      `json:"errors"`
	Resources json.RawMessage `json:"resources"`
}

type apiError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	ID      string `json:"id"`
}

// result is one answer.
type result struct {
	Status int
	Header http.Header
	Body   []byte
	Env    envelope
}

func (r *result) ids(t *testing.T) []string {
	t.Helper()
	var ids []string
	if err := json.Unmarshal(r.Env.Resources, &ids); err != nil {
		t.Fatalf("resources are not ids: %v: %s", err, r.Body)
	}
	return ids
}

// wireIndicator is api.IndicatorV1 plus the row-problem fields.
type wireIndicator struct {
	ID              string    `json:"id"`
	Type            string    `json:"type"`
	Value           string    `json:"value"`
	Action          string    `json:"action"`
	MobileAction    string    `json:"mobile_action"`
	Severity        string    `json:"severity"`
	Description     string    `json:"description"`
	Source          string    `json:"source"`
	Platforms       []string  `json:"platforms"`
	Tags            []string  `json:"tags"`
	HostGroups      []string  `json:"host_groups"`
	AppliedGlobally bool      `json:"applied_globally"`
	Expiration      time.Time `json:"expiration"`
	Expired         bool      `json:"expired"`
	FromParent      bool      `json:"from_parent"`
	CreatedOn       time.Time `json:"created_on"`
	ModifiedOn      time.Time `json:"modified_on"`
	CreatedBy       string    `json:"created_by"`
	ModifiedBy      string    `json:"modified_by"`
	MessageType     string    `json:"message_type"`
	FieldName       string    `json:"field_name"`
	Message         string    `json:"message"`
	Metadata        *struct {
		Filename string `json:"filename"`
	} `json:"metadata"`
}

func (r *result) indicators(t *testing.T) []wireIndicator {
	t.Helper()
	var out []wireIndicator
	if err := json.Unmarshal(r.Env.Resources, &out); err != nil {
		t.Fatalf("resources are not indicators: %v: %s", err, r.Body)
	}
	return out
}

// client calls a Server through its Handler (no network) or its URL.
type client struct {
	t     *testing.T
	s     *Server
	token string
	http  *http.Client // nil: call the handler directly
}

func newClient(t *testing.T, s *Server) *client {
	return &client{t: t, s: s, token: s.IssueToken()}
}

// do sends a request; body is sent as JSON unless it is a string.
func (c *client) do(method, path string, q url.Values, body any) *result {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	target := path
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	var resp *http.Response
	if c.http == nil {
		req := httptest.NewRequest(method, target, rd)
		if rd != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		rec := httptest.NewRecorder()
		c.s.Handler().ServeHTTP(rec, req)
		resp = rec.Result()
	} else {
		req, err := http.NewRequest(method, c.s.URL+target, rd)
		if err != nil {
			c.t.Fatal(err)
		}
		if rd != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		resp, err = c.http.Do(req)
		if err != nil {
			c.t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	r := &result{Status: resp.StatusCode, Header: resp.Header, Body: raw}
	if len(raw) > 0 && raw[0] == '{' {
		if err := json.Unmarshal(raw, &r.Env); err != nil {
			c.t.Fatalf("%s %s: invalid JSON: %v: %s", method, path, err, raw)
		}
	}
	return r
}

func (c *client) get(path string, q url.Values) *result { return c.do("GET", path, q, nil) }

func wantStatus(t *testing.T, r *result, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
}

// wantError checks the status and that some error message contains want.
func wantError(t *testing.T, r *result, status int, want string) {
	t.Helper()
	wantStatus(t, r, status)
	for _, e := range r.Env.Errors {
		if strings.Contains(e.Message, want) {
			return
		}
	}
	t.Fatalf("no error containing %q: %s", want, r.Body)
}

// fakeClock is a settable clock safe for concurrent use.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 1, 29, 9, 1, 39, 125982486, time.UTC)}
}

func (f *fakeClock) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

func (f *fakeClock) advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.t = f.t.Add(d)
}

// newInd is a valid create row.
func newInd(typ, value string) map[string]any {
	return map[string]any{
		"type": typ, "value": value, "action": "detect", "severity": "high",
		"platforms": []string{"windows", "linux"}, "applied_globally": true,
	}
}

func createBody(rows ...map[string]any) map[string]any {
	return map[string]any{"comment": "test", "indicators": rows}
}

func qv(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}
