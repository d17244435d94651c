package ioc_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/falconioc/falcon"
	"github.com/falconioc/falcon/falcontest"
	"github.com/falconioc/falcon/fql"
	"github.com/falconioc/falcon/ioc"
)

func TestReportsService_Create(t *testing.T) {
	t.Parallel()
	c, mock := mockClient(t)
	var body map[string]any
	mock.RegisterResponder(http.MethodPost, mockBase+"/iocs/entities/indicators-reports/v1", func(req *http.Request) (*http.Response, error) {
		b, _ := io.ReadAll(req.Body)
		body = nil
		if err := json.Unmarshal(b, &body); err != nil {
			t.Errorf("body %s: %v", b, err)
		}
		return jsonResponder(http.StatusOK, envelope(`["job-123"]`, ""))(req)
	})

	job, resp, err := c.Reports.Create(t.Context(), ioc.ReportRequest{
		Format:     "csv",
		Filter:     ioc.Filter{Expr: fql.And(fql.Eq("type", "domain"), fql.Gte("severity_number", 3))},
		Sort:       fql.Desc("created_on"),
		Query:      "phishing",
		FromParent: new(false),
	})
	if err != nil {
		t.Fatal(err)
	}
	if job.ID != "job-123" || string(job.Resource) != `"job-123"` || resp.Meta.TraceID != "trace-ok" {
		t.Errorf("job = %+v", job)
	}
	want := map[string]any{
		"report_format": "csv",
		"from_parent":   false,
		"search": map[string]any{
			"filter": "type:'domain'+severity_number:>=3",
			"query":  "phishing",
			"sort":   "created_on.desc",
		},
	}
	if !jsonEqual(body, want) {
		t.Errorf("body = %v\nwant %v", body, want)
	}

	// The minimum: a format. Search fields go out empty, from_parent not
	// at all; an object resource gives its id.
	mock.RegisterResponder(http.MethodPost, mockBase+"/iocs/entities/indicators-reports/v1", func(req *http.Request) (*http.Response, error) {
		b, _ := io.ReadAll(req.Body)
		body = nil
		_ = json.Unmarshal(b, &body)
		return jsonResponder(http.StatusOK, envelope(`[{"id":"job-9","status":"queued"}]`, ""))(req)
	})
	job, _, err = c.Reports.Create(t.Context(), ioc.ReportRequest{Format: "json"})
	if err != nil {
		t.Fatal(err)
	}
	if job.ID != "job-9" {
		t.Errorf("job = %+v", job)
	}
	want = map[string]any{"report_format": "json", "search": map[string]any{"filter": "", "query": "", "sort": ""}}
	if !jsonEqual(body, want) {
		t.Errorf("body = %v\nwant %v", body, want)
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func TestReportsService_CreateValidation(t *testing.T) {
	t.Parallel()
	c, mock := mockClient(t)
	_, _, err := c.Reports.Create(t.Context(), ioc.ReportRequest{
		Filter: ioc.Filter{Expr: fql.Eq("colour", "red")}, // not an indicator field
		Sort:   fql.Asc("colour"),
	})
	ve, ok := errors.AsType[*falcon.ValidationError](err)
	if !ok {
		t.Fatalf("err = %v, want a ValidationError", err)
	}
	var fields []string
	for _, p := range ve.Problems {
		fields = append(fields, p.Field)
	}
	if want := []string{"report_format", "filter", "sort"}; !slices.Equal(fields, want) {
		t.Errorf("problems on %v, want %v", fields, want)
	}
	_, _, err = c.Reports.Create(t.Context(), ioc.ReportRequest{Format: "c s v"})
	if ve, ok := errors.AsType[*falcon.ValidationError](err); !ok || ve.Problems[0].Field != "report_format" {
		t.Errorf("format with spaces: err = %v", err)
	}
	if n := mock.GetTotalCallCount(); n != 0 {
		t.Errorf("%d requests for invalid input", n)
	}
}

// TestReportsService_CreateNotRepeated checks that a report request whose
// answer is lost is not sent again (a second job could start), while a
// read in the same conditions is.
func TestReportsService_CreateNotRepeated(t *testing.T) {
	t.Parallel()
	c, mock := mockClient(t, falcon.WithRetry(svcRetryPolicy))
	mock.RegisterResponder(http.MethodPost, mockBase+"/iocs/entities/indicators-reports/v1", svcError(http.StatusServiceUnavailable, "unavailable"))
	_, _, err := c.Reports.Create(t.Context(), ioc.ReportRequest{Format: "csv"})
	if !falcon.ResponseLost(err) {
		t.Errorf("err = %v, want a lost response", err)
	}
	if n := mock.GetTotalCallCount(); n != 1 {
		t.Errorf("%d requests after a 503, want 1", n)
	}

	mock.ZeroCallCounters()
	mock.RegisterResponder(http.MethodPost, mockBase+"/iocs/entities/indicators-reports/v1", func(*http.Request) (*http.Response, error) {
		return nil, errors.New("connection reset by peer")
	})
	_, _, err = c.Reports.Create(t.Context(), ioc.ReportRequest{Format: "csv"})
	if _, ok := errors.AsType[*falcon.RequestError](err); !ok {
		t.Errorf("err = %T %v, want a *falcon.RequestError", err, err)
	}
	if n := mock.GetTotalCallCount(); n != 1 {
		t.Errorf("%d requests after a transport error, want 1", n)
	}

	// The read, for contrast: the 503 is retried.
	calls := 0
	mock.RegisterResponder(http.MethodGet, mockBase+"/iocs/queries/indicators/devices/v1", func(req *http.Request) (*http.Response, error) {
		if calls++; calls == 1 {
			return svcError(http.StatusServiceUnavailable, "unavailable")(req)
		}
		return ranOnPages(deviceIDs(1))(req.URL.Query())(req)
	})
	ids, _, err := c.Devices.RanOn(t.Context(), testRef, nil)
	if err != nil || len(ids) != 1 || calls != 2 {
		t.Errorf("RanOn after a 503 = %v, %v after %d requests, want one id after 2", ids, err, calls)
	}
}

// TestReportsService_CreateRateLimitRepeated checks that a 429, which
// means nothing was done, is waited out and repeated even for a report.
func TestReportsService_CreateRateLimitRepeated(t *testing.T) {
	t.Parallel()
	c, mock := mockClient(t, falcon.WithRetry(svcRetryPolicy))
	calls := 0
	mock.RegisterResponder(http.MethodPost, mockBase+"/iocs/entities/indicators-reports/v1", func(req *http.Request) (*http.Response, error) {
		if calls++; calls == 1 {
			// Retry at once: the named second has already begun.
			return jsonResponder(http.StatusTooManyRequests, `{"meta":{"query_time":0,"trace_id":"t"},"errors":[{"code":429,"message":"slow down"}]}`,
				"X-RateLimit-RetryAfter", strconv.FormatInt(time.Now().Add(-time.Second).Unix(), 10))(req)
		}
		return jsonResponder(http.StatusOK, envelope(`["job-2"]`, ""))(req)
	})
	job, _, err := c.Reports.Create(t.Context(), ioc.ReportRequest{Format: "csv"})
	if err != nil || job.ID != "job-2" || calls != 2 {
		t.Errorf("Create = %+v, %v after %d requests, want job-2 after 2", job, err, calls)
	}
}

func TestReportsService_Emulator(t *testing.T) {
	t.Parallel()
	c, srv := emuClient(t, falcontest.WithIndicators(60))
	domains := 0
	for _, in := range srv.Indicators() {
		if in.Type == "domain" && !in.FromParent {
			domains++
		}
	}
	if domains == 0 {
		t.Fatal("the emulator seeded no domain")
	}
	job, _, err := c.Reports.Create(t.Context(), ioc.ReportRequest{
		Format:     "csv",
		Filter:     ioc.Filter{Expr: fql.Eq("type", "domain")},
		Sort:       fql.Asc("value"),
		Query:      "q",
		FromParent: new(false),
	})
	if err != nil {
		t.Fatal(err)
	}
	jobs := srv.Reports()
	if len(jobs) != 1 {
		t.Fatalf("the emulator holds %d jobs", len(jobs))
	}
	j := jobs[0]
	if j.ID != job.ID || j.Format != "csv" || j.Filter != "type:'domain'" || j.Sort != "value.asc" || j.Query != "q" || j.FromParent || j.Indicators != domains {
		t.Errorf("job = %+v (client saw %+v), want %d domains", j, job, domains)
	}
}
