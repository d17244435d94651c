package ioc_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/falconioc/falcon"
	"github.com/falconioc/falcon/fql"
	"github.com/falconioc/falcon/ioc"
	"github.com/falconioc/falcon/pagination"
	"github.com/jarcoal/httpmock"
	"golang.org/x/oauth2"
)

// Request-shape and error-mapping tests of IndicatorsService over httpmock.
// mockClient checks every request and answer against the spec.

var (
	indID1  = strings.Repeat("1a", 32)
	indID2  = strings.Repeat("2b", 32)
	indHash = strings.Repeat("c3", 32)
	indHG   = strings.Repeat("4d", 16)
)

// indFull is an api.IndicatorV1 with every field set.
var indFull = `{"id":"` + indID1 + `","type":"sha256","value":"` + indHash + `","action":"prevent","mobile_action":"detect",
"severity":"high","description":"line\none \"quoted\" \u00e9\ud83d\ude00","source":"feed","platforms":["windows","mac","linux","ios"],
"tags":["a","b"],"host_groups":["` + indHG + `"],"applied_globally":false,"expiration":"2030-01-02T03:04:05.123456789Z",
"expired":false,"deleted":false,"from_parent":true,"parent_cid_name":"parent co","metadata":{"av_hits":3,"company_name":"c",
"file_description":"fd","file_version":"1.0","filename":"f.exe","original_filename":"o.exe","product_name":"p",
"product_version":"2","signed":true},"created_on":"2025-01-29T09:01:39.125982486Z","created_by":"u1",
"modified_on":"2025-01-29T09:01:40Z","modified_by":"u2"}`

// indRecorder records requests (query and body) and answers each with
// next.
type indRecorder struct {
	mu   sync.Mutex
	reqs []*http.Request
	body [][]byte
	next func(n int, r *http.Request) httpmock.Responder
}

func (rec *indRecorder) responder(req *http.Request) (*http.Response, error) {
	var b []byte
	if req.Body != nil {
		b, _ = io.ReadAll(req.Body)
	}
	rec.mu.Lock()
	n := len(rec.reqs)
	rec.reqs = append(rec.reqs, req)
	rec.body = append(rec.body, b)
	rec.mu.Unlock()
	return rec.next(n, req)(req)
}

func (rec *indRecorder) queries() []string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var out []string
	for _, r := range rec.reqs {
		out = append(out, r.URL.RawQuery)
	}
	return out
}

// indPlainMock is mockClient without the spec check, for what the spec
// gets wrong (its sort enum lists bare field names; the API takes
// field.asc and field.desc).
func indPlainMock(t *testing.T) (*ioc.Client, *httpmock.MockTransport) {
	t.Helper()
	mock := httpmock.NewMockTransport()
	c, err := falcon.NewClient(
		falcon.WithBaseURL(mockBase),
		falcon.WithTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "test-token", TokenType: "Bearer"})),
		falcon.WithHTTPClient(&http.Client{Transport: mock}),
		falcon.WithRetry(falcon.NoRetry()),
	)
	if err != nil {
		t.Fatal(err)
	}
	return ioc.New(c), mock
}

func TestIndicatorsService_List(t *testing.T) {
	t.Parallel()
	c, mock := mockClient(t)
	rec := &indRecorder{next: func(int, *http.Request) httpmock.Responder {
		return jsonResponder(http.StatusOK, envelope("["+indFull+"]", `{"offset":0,"limit":100,"total":1,"after":"next+token"}`))
	}}
	mock.RegisterResponder(http.MethodGet, mockBase+"/iocs/combined/indicator/v1", rec.responder)
	got, resp, err := c.Indicators.List(t.Context(), &ioc.ListOptions{
		Filter:     ioc.Filter{Expr: fql.And(fql.Eq("type", "sha256"), fql.Gte("created_on", time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)))},
		Limit:      100,
		FromParent: new(false),
		After:      "a+b/c",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "after=a%2Bb%2Fc&filter=type%3A%27sha256%27%2Bcreated_on%3A%3E%3D%272025-01-02T03%3A04%3A05Z%27&from_parent=false&limit=100"
	if q := rec.queries(); len(q) != 1 || q[0] != want {
		t.Errorf("query = %q, want %q", q, want)
	}
	if resp.Meta.Pagination.After != "next+token" || resp.Meta.Pagination.Total != 1 || resp.Meta.TraceID != "trace-ok" {
		t.Errorf("meta = %+v", resp.Meta)
	}
	var std []*ioc.Indicator
	if err := json.Unmarshal([]byte("["+indFull+"]"), &std); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, std) {
		t.Errorf("List decoded\n%+v\nencoding/json decodes\n%+v", got[0], std[0])
	}
	g := got[0]
	if g.CreatedOn.Nanosecond() != 125982486 || g.Expiration.Year() != 2030 || g.Metadata.AVHits != 3 || !g.Metadata.Signed ||
		g.Description != "line\none \"quoted\" é😀" || !g.FromParent || g.ParentCIDName != "parent co" {
		t.Errorf("decoded %+v", g)
	}
}

// TestIndicatorsService_ListSort checks that a sort goes out as
// field.direction, the form the API takes.
func TestIndicatorsService_ListSort(t *testing.T) {
	t.Parallel()
	c, mock := indPlainMock(t)
	rec := &indRecorder{next: func(int, *http.Request) httpmock.Responder {
		return jsonResponder(http.StatusOK, envelope("[]", `{"offset":0,"limit":500,"total":0}`))
	}}
	mock.RegisterResponder(http.MethodGet, mockBase+"/iocs/queries/indicators/v1", rec.responder)
	if _, _, err := c.Indicators.Search(t.Context(), &ioc.ListOptions{Sort: fql.Desc("Modified_On"), Offset: new(40)}); err != nil {
		t.Fatal(err)
	}
	if q := rec.queries(); !slices.Equal(q, []string{"limit=500&offset=40&sort=modified_on.desc"}) {
		t.Errorf("query = %q", q)
	}
}

func TestIndicatorsService_Search(t *testing.T) {
	t.Parallel()
	c, mock := mockClient(t)
	rec := &indRecorder{next: func(int, *http.Request) httpmock.Responder {
		return jsonResponder(http.StatusOK, envelope(`["`+indID1+`","`+indID2+`"]`, `{"offset":0,"limit":2,"total":7,"after":"x"}`))
	}}
	mock.RegisterResponder(http.MethodGet, mockBase+"/iocs/queries/indicators/v1", rec.responder)
	ids, resp, err := c.Indicators.Search(t.Context(), &ioc.ListOptions{Filter: ioc.Filter{Expr: mustFQL("value:'a+b' , tags:['x']")}, Limit: 2, FromParent: new(true)})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids, []string{indID1, indID2}) || resp.Meta.Pagination.Total != 7 {
		t.Errorf("ids = %v, meta %+v", ids, resp.Meta.Pagination)
	}
	want := "filter=value%3A%27a%2Bb%27%2Ctags%3A%5B%27x%27%5D&from_parent=true&limit=2"
	if q := rec.queries(); len(q) != 1 || q[0] != want {
		t.Errorf("query = %q, want %q", q, want)
	}
}

// indPages answers a cursor listing of n ids in pages of the requested
// limit, the after token being the index of the next item.
func indPages(n int, combined bool) func(int, *http.Request) httpmock.Responder {
	return func(_ int, r *http.Request) httpmock.Responder {
		q := r.URL.Query()
		start, _ := strconv.Atoi(q.Get("after"))
		limit, _ := strconv.Atoi(q.Get("limit"))
		end := min(start+limit, n)
		var items []string
		for i := start; i < end; i++ {
			id := fmt.Sprintf("%064x", i)
			if combined {
				items = append(items, `{"id":"`+id+`","type":"md5","value":"`+id[:32]+`","action":"detect","created_on":"2025-01-01T00:00:00Z"}`)
			} else {
				items = append(items, strconv.Quote(id))
			}
		}
		after := ""
		if end < n {
			after = strconv.Itoa(end)
		}
		return jsonResponder(http.StatusOK, envelope("["+strings.Join(items, ",")+"]",
			fmt.Sprintf(`{"offset":0,"limit":%d,"total":%d,"after":%q}`, limit, n, after)))
	}
}

func collect[T any](seq iter.Seq2[T, error]) ([]T, error) {
	var out []T
	for v, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}

func TestIndicatorsService_AllPages(t *testing.T) {
	t.Parallel()
	c, mock := mockClient(t)
	rec := &indRecorder{next: indPages(25, true)}
	mock.RegisterResponder(http.MethodGet, mockBase+"/iocs/combined/indicator/v1", rec.responder)
	seq := c.Indicators.All(t.Context(), &ioc.ListOptions{Limit: 10})
	if n := mock.GetTotalCallCount(); n != 0 {
		t.Fatalf("All sent %d requests before the loop", n)
	}
	for round := range 2 { // ranging twice starts over
		got, err := collect(seq)
		if err != nil || len(got) != 25 {
			t.Fatalf("round %d: %d items, %v", round, len(got), err)
		}
		for i, ind := range got {
			if ind.ID != fmt.Sprintf("%064x", i) || ind.CreatedOn.IsZero() {
				t.Fatalf("item %d = %+v", i, ind)
			}
		}
	}
	want := []string{"limit=10", "after=10&limit=10", "after=20&limit=10"}
	if q := rec.queries(); !slices.Equal(q, append(want, want...)) {
		t.Errorf("queries = %q", q)
	}
}

func TestIndicatorsService_AllEarlyStop(t *testing.T) {
	t.Parallel()
	c, mock := mockClient(t)
	rec := &indRecorder{next: indPages(100, true)}
	mock.RegisterResponder(http.MethodGet, mockBase+"/iocs/combined/indicator/v1", rec.responder)
	p := c.Indicators.Paginator(&ioc.ListOptions{Limit: 10})
	n := 0
	for _, err := range p.All(t.Context()) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 5 {
			break
		}
	}
	// The first page, and at most the one prefetched while it was read.
	if got := mock.GetTotalCallCount(); got < 1 || got > 2 {
		t.Errorf("%d requests for 5 items", got)
	}
}

func TestIndicatorsService_AllMidStreamError(t *testing.T) {
	t.Parallel()
	c, mock := mockClient(t)
	pages := indPages(30, false)
	rec := &indRecorder{next: func(n int, r *http.Request) httpmock.Responder {
		if n == 1 {
			return jsonResponder(http.StatusInternalServerError, `{"meta":{"query_time":0,"trace_id":"t500"},"errors":[{"code":500,"message":"boom"}]}`)
		}
		return pages(n, r)
	}}
	mock.RegisterResponder(http.MethodGet, mockBase+"/iocs/queries/indicators/v1", rec.responder)
	var ids []string
	errs := 0
	var last error
	for id, err := range c.Indicators.AllIDs(t.Context(), &ioc.ListOptions{Limit: 10}) {
		if err != nil {
			errs++
			last = err
			continue
		}
		ids = append(ids, id)
	}
	var pe *pagination.PageError
	var ae *falcon.APIError
	if errs != 1 || len(ids) != 10 || !errors.As(last, &pe) || pe.Cursor != "10" || !errors.As(last, &ae) || ae.StatusCode != 500 {
		t.Errorf("%d ids, %d errors, last %v", len(ids), errs, last)
	}
}

func TestIndicatorsService_Get(t *testing.T) {
	t.Parallel()
	c, mock := mockClient(t)
	rec := &indRecorder{next: func(int, *http.Request) httpmock.Responder {
		return jsonResponder(http.StatusOK, `{"meta":{"query_time":0.001,"trace_id":"t"},"errors":[{"code":404,"id":"`+indID2+`","message":"not found"}],"resources":[`+indFull+`]}`)
	}}
	mock.RegisterResponder(http.MethodGet, mockBase+"/iocs/entities/indicators/v1", rec.responder)
	res, resp, err := c.Indicators.Get(t.Context(), indID2, strings.ToUpper(indID1), indID2)
	if err != nil {
		t.Fatal(err)
	}
	if q := rec.queries(); !slices.Equal(q, []string{"ids=" + indID2 + "&ids=" + indID1}) {
		t.Errorf("query = %q", q)
	}
	if len(res.Found) != 1 || res.Found[0].ID != indID1 || !slices.Equal(res.Missing, []string{indID2}) {
		t.Errorf("Get = %+v", res)
	}
	if len(resp.Errors) != 1 || resp.Errors[0].ID != indID2 {
		t.Errorf("resp.Errors = %v", resp.Errors)
	}
	// No ids: nothing is sent.
	res, resp, err = c.Indicators.Get(t.Context())
	if err != nil || resp != nil || len(res.Found) != 0 || mock.GetTotalCallCount() != 1 {
		t.Errorf("Get() = %+v, %v, %v", res, resp, err)
	}
}

// TestIndicatorsService_GetChunks checks the URL-length split: every id
// asked once, chunks within the limit, order kept.
func TestIndicatorsService_GetChunks(t *testing.T) {
	t.Parallel()
	c, mock := mockClient(t)
	var ids []string
	for i := range 1000 {
		ids = append(ids, fmt.Sprintf("%064x", i*7919))
	}
	rec := &indRecorder{next: func(_ int, r *http.Request) httpmock.Responder {
		var rows []string
		for _, id := range r.URL.Query()["ids"] {
			rows = append(rows, `{"id":"`+id+`","type":"md5","value":"`+id[:32]+`"}`)
		}
		slices.Reverse(rows) // the API's order is not ours
		return jsonResponder(http.StatusOK, envelope("["+strings.Join(rows, ",")+"]", ""))
	}}
	mock.RegisterResponder(http.MethodGet, mockBase+"/iocs/entities/indicators/v1", rec.responder)
	res, _, err := c.Indicators.Get(t.Context(), ids...)
	if err != nil {
		t.Fatal(err)
	}
	for i, ind := range res.Found {
		if ind.ID != ids[i] {
			t.Fatalf("item %d = %s, want %s", i, ind.ID, ids[i])
		}
	}
	asked := 0
	for _, q := range rec.queries() {
		if len(q) > 18500 {
			t.Errorf("query of %d characters", len(q))
		}
		vals, _ := url.ParseQuery(q)
		asked += len(vals["ids"])
	}
	if asked != 1000 || len(rec.queries()) < 4 {
		t.Errorf("%d ids in %d requests", asked, len(rec.queries()))
	}
}

func TestIndicatorsService_Create(t *testing.T) {
	t.Parallel()
	c, mock := mockClient(t)
	exp := time.Date(2099, 5, 6, 7, 8, 9, 123000000, time.UTC)
	rec := &indRecorder{next: func(int, *http.Request) httpmock.Responder {
		return jsonResponder(http.StatusCreated, envelope(`[{"id":"`+indID1+`","type":"domain","value":"bad.example.com","action":"detect"},`+
			`{"id":"`+indID2+`","type":"ipv6","value":"2001:db8::1","action":"detect","message_type":"warning","field_name":"value","message":"careful"}]`, ""))
	}}
	mock.RegisterResponder(http.MethodPost, mockBase+"/iocs/entities/indicators/v1", rec.responder)
	res, err := c.Indicators.Create(t.Context(), []ioc.NewIndicator{
		{Type: ioc.TypeDomain, Value: " Bad.Example.COM. ", Action: ioc.ActionDetect, Severity: ioc.SeverityLow,
			Platforms: []ioc.Platform{ioc.PlatformWindows}, HostGroups: []string{indHG}, Expiration: exp, Tags: []string{"x"}},
		{Type: ioc.TypeIPv6, Value: "2001:DB8:0:0::1", Action: ioc.ActionDetect, Severity: ioc.SeverityLow,
			Platforms: []ioc.Platform{ioc.PlatformLinux}, AppliedGlobally: true},
	}, &ioc.WriteOptions{Comment: "via + test", IgnoreWarnings: true, Retrodetects: true})
	if err != nil {
		t.Fatal(err)
	}
	if q := rec.queries(); !slices.Equal(q, []string{"ignore_warnings=true&retrodetects=true"}) {
		t.Errorf("query = %q", q)
	}
	wantBody := `{"comment":"via + test","indicators":[` +
		`{"type":"domain","value":"bad.example.com","action":"detect","severity":"low","platforms":["windows"],"tags":["x"],` +
		`"host_groups":["` + indHG + `"],"applied_globally":false,"expiration":"2099-05-06T07:08:09.123Z"},` +
		`{"type":"ipv6","value":"2001:db8::1","action":"detect","severity":"low","platforms":["linux"],"applied_globally":true}]}`
	if got := string(rec.body[0]); got != wantBody {
		t.Errorf("body =\n%s\nwant\n%s", got, wantBody)
	}
	if res.Succeeded() != 2 || res.Items[0].ID != indID1 || res.Items[1].Indicator == nil ||
		!slices.Equal(res.Items[1].Warnings, []ioc.Warning{{Field: "value", Message: "careful"}}) || res.Requests != 1 {
		t.Errorf("result = %+v", res)
	}
	if res.Items[0].Ref != (ioc.Ref{Type: ioc.TypeDomain, Value: "bad.example.com"}) {
		t.Errorf("ref = %v", res.Items[0].Ref)
	}
}

// TestIndicatorsService_CreateBatches checks batch sizes, concurrency and
// that per-row errors of a 400 answer land on their items.
func TestIndicatorsService_CreateBatches(t *testing.T) {
	t.Parallel()
	c, mock := mockClient(t)
	var inFlight, peak int
	var mu sync.Mutex
	rec := &indRecorder{next: func(_ int, r *http.Request) httpmock.Responder {
		mu.Lock()
		inFlight++
		peak = max(peak, inFlight)
		mu.Unlock()
		mu.Lock()
		inFlight--
		mu.Unlock()
		return nil
	}}
	mock.RegisterResponder(http.MethodPost, mockBase+"/iocs/entities/indicators/v1", func(req *http.Request) (*http.Response, error) {
		rec.next(0, req)
		var body struct {
			Indicators []ioc.NewIndicator `json:"indicators"`
		}
		data, _ := io.ReadAll(req.Body)
		if err := json.Unmarshal(data, &body); err != nil {
			t.Error(err)
		}
		var rows []string
		status := http.StatusCreated
		for i, n := range body.Indicators {
			if strings.HasPrefix(n.Value, "0") {
				status = http.StatusBadRequest
				rows = append(rows, fmt.Sprintf(`{"type":%q,"value":%q,"message_type":"error","field_name":"value","message":"Duplicate type: 'md5' and value: '%s' combination."}`, n.Type, n.Value, n.Value))
				continue
			}
			rows = append(rows, fmt.Sprintf(`{"id":"%064x","type":%q,"value":%q}`, len(body.Indicators)*1000+i, n.Type, n.Value))
		}
		mu.Lock()
		rec.body = append(rec.body, data)
		mu.Unlock()
		return jsonResponder(status, `{"meta":{"query_time":0.1,"trace_id":"t"},"errors":[],"resources":[`+strings.Join(rows, ",")+`]}`)(req)
	})
	var items []ioc.NewIndicator
	for i := range 23 {
		items = append(items, ioc.NewIndicator{Type: ioc.TypeMD5, Value: fmt.Sprintf("a%031x", i), Action: ioc.ActionAllow,
			Platforms: []ioc.Platform{ioc.PlatformMac}, AppliedGlobally: true})
	}
	items[7].Value = "0" + items[7].Value[1:]
	res, err := c.Indicators.Create(t.Context(), items, &ioc.WriteOptions{BatchSize: 5, Concurrency: 2})
	var we *ioc.WriteError
	if !errors.As(err, &we) || we.Failed != 1 || !errors.Is(err, ioc.ErrDuplicate) {
		t.Fatalf("err = %v", err)
	}
	if len(rec.body) != 5 || peak > 2 {
		t.Errorf("%d requests, peak %d in flight", len(rec.body), peak)
	}
	for i, it := range res.Items {
		if (i == 7) == it.OK() {
			t.Errorf("item %d = %+v", i, it)
		}
	}
	if e := res.Items[7].Err; e.Code != http.StatusBadRequest || e.Field != "value" {
		t.Errorf("item 7 err = %+v", e)
	}
}

func TestIndicatorsService_Update(t *testing.T) {
	t.Parallel()
	c, mock := mockClient(t)
	rec := &indRecorder{next: func(int, *http.Request) httpmock.Responder {
		return jsonResponder(http.StatusOK, envelope("["+indFull+"]", ""))
	}}
	mock.RegisterResponder(http.MethodPatch, mockBase+"/iocs/entities/indicators/v1", rec.responder)
	res, err := c.Indicators.Update(t.Context(), []ioc.IndicatorUpdate{{
		ID: strings.ToUpper(indID1), AppliedGlobally: ioc.Set(false), HostGroups: ioc.Set([]string{indHG}),
		Description: ioc.Clear[string](), Expiration: ioc.Clear[time.Time](), Severity: ioc.Set(ioc.SeverityHigh),
		Tags: ioc.Clear[[]string](), // sent as [], which clears a list
	}}, &ioc.WriteOptions{Comment: "c"})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"bulk_update":null,"comment":"c","indicators":[{"id":"` + indID1 + `","severity":"high","description":null,` +
		`"tags":[],"host_groups":["` + indHG + `"],"applied_globally":false,"expiration":null}]}`
	if got := string(rec.body[0]); got != want {
		t.Errorf("body =\n%s\nwant\n%s", got, want)
	}
	if q := rec.queries(); !slices.Equal(q, []string{""}) {
		t.Errorf("query = %q", q)
	}
	if it := res.Items[0]; !it.OK() || it.ID != indID1 || it.Ref.Value != indHash || it.Indicator.Metadata.Filename != "f.exe" {
		t.Errorf("item = %+v", it)
	}
}

func TestIndicatorsService_BulkUpdate(t *testing.T) {
	t.Parallel()
	c, mock := mockClient(t)
	rec := &indRecorder{next: func(int, *http.Request) httpmock.Responder {
		return jsonResponder(http.StatusOK, envelope("["+indFull+"]", ""))
	}}
	mock.RegisterResponder(http.MethodPatch, mockBase+"/iocs/entities/indicators/v1", rec.responder)
	res, err := c.Indicators.BulkUpdate(t.Context(), ioc.BulkUpdate{
		Filter: ioc.Filter{Expr: mustFQL("type: 'md5' + tags:'old'")}, FromParent: new(false), Tags: ioc.Clear[[]string](), AppliedGlobally: ioc.Set(true),
	}, &ioc.WriteOptions{IgnoreWarnings: true})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"bulk_update":{"filter":"type:'md5'+tags:'old'","from_parent":false,"tags":[],"applied_globally":true},"indicators":null}`
	if got := string(rec.body[0]); got != want {
		t.Errorf("body =\n%s\nwant\n%s", got, want)
	}
	if q := rec.queries(); !slices.Equal(q, []string{"ignore_warnings=true"}) {
		t.Errorf("query = %q", q)
	}
	if len(res.Items) != 1 || !res.Items[0].OK() || !slices.Equal(res.TraceIDs, []string{"trace-ok"}) || res.Requests != 1 {
		t.Errorf("result = %+v", res)
	}
}

func TestIndicatorsService_Delete(t *testing.T) {
	t.Parallel()
	c, mock := mockClient(t)
	rec := &indRecorder{next: func(int, *http.Request) httpmock.Responder {
		return jsonResponder(http.StatusOK, `{"meta":{"query_time":0.001,"trace_id":"t"},"errors":[{"code":404,"id":"`+indID2+`","message":"not found"}],"resources":["`+indID1+`"]}`)
	}}
	mock.RegisterResponder(http.MethodDelete, mockBase+"/iocs/entities/indicators/v1", rec.responder)
	res, err := c.Indicators.Delete(t.Context(), []string{indID1, indID2}, &ioc.DeleteOptions{Comment: "a b+c", FromParent: new(false)})
	if err != nil {
		t.Fatal(err)
	}
	want := "comment=a+b%2Bc&from_parent=false&ids=" + indID1 + "&ids=" + indID2
	if q := rec.queries(); !slices.Equal(q, []string{want}) {
		t.Errorf("query = %q, want %q", q, want)
	}
	if !slices.Equal(res.Deleted, []string{indID1}) || !slices.Equal(res.NotFound, []string{indID2}) || len(res.Failed) != 0 {
		t.Errorf("result = %+v", res)
	}
}

func TestIndicatorsService_DeleteWhere(t *testing.T) {
	t.Parallel()
	c, mock := mockClient(t)
	rec := &indRecorder{next: func(int, *http.Request) httpmock.Responder {
		// An id the answer names twice, not in a row, was deleted once.
		return jsonResponder(http.StatusOK, envelope(`["`+indID1+`","`+indID2+`","`+indID1+`"]`, ""))
	}}
	mock.RegisterResponder(http.MethodDelete, mockBase+"/iocs/entities/indicators/v1", rec.responder)
	res, err := c.Indicators.DeleteWhere(t.Context(), ioc.Filter{Expr: fql.Lt("expiration", fql.Relative("now-1d"))}, &ioc.DeleteOptions{Comment: "old"})
	if err != nil {
		t.Fatal(err)
	}
	want := "comment=old&filter=expiration%3A%3C%27now-1d%27"
	if q := rec.queries(); !slices.Equal(q, []string{want}) {
		t.Errorf("query = %q, want %q", q, want)
	}
	if !slices.Equal(res.Deleted, []string{indID1, indID2}) {
		t.Errorf("Deleted = %q, want %q", res.Deleted, []string{indID1, indID2})
	}
	if _, err := c.Indicators.DeleteWhere(t.Context(), ioc.MatchAll(), nil); err != nil {
		t.Fatal(err)
	}
	if q := rec.queries(); q[1] != "filter=id%3A%21null" {
		t.Errorf("MatchAll query = %q", q[1])
	}
}

// indCall is one IndicatorsService method for the shared error tests.
type indCall struct {
	name   string
	method string
	path   string
	do     func(ctx context.Context, c *ioc.Client) error
}

func indCalls() []indCall {
	newOne := []ioc.NewIndicator{{Type: ioc.TypeMD5, Value: strings.Repeat("a", 32), Action: ioc.ActionAllow,
		Platforms: []ioc.Platform{ioc.PlatformMac}, AppliedGlobally: true}}
	const (
		combined = "/iocs/combined/indicator/v1"
		search   = "/iocs/queries/indicators/v1"
		entities = "/iocs/entities/indicators/v1"
	)
	return []indCall{
		{"List", http.MethodGet, combined, func(ctx context.Context, c *ioc.Client) error {
			_, _, err := c.Indicators.List(ctx, nil)
			return err
		}},
		{"All", http.MethodGet, combined, func(ctx context.Context, c *ioc.Client) error {
			_, err := collect(c.Indicators.All(ctx, nil))
			return err
		}},
		{"Paginator.NextPage", http.MethodGet, combined, func(ctx context.Context, c *ioc.Client) error {
			_, _, err := c.Indicators.Paginator(nil).NextPage(ctx)
			return err
		}},
		{"AllOffset", http.MethodGet, combined, func(ctx context.Context, c *ioc.Client) error {
			_, err := collect(c.Indicators.All(ctx, &ioc.ListOptions{Offset: new(0)}))
			return err
		}},
		{"Search", http.MethodGet, search, func(ctx context.Context, c *ioc.Client) error {
			_, _, err := c.Indicators.Search(ctx, nil)
			return err
		}},
		{"AllIDs", http.MethodGet, search, func(ctx context.Context, c *ioc.Client) error {
			_, err := collect(c.Indicators.AllIDs(ctx, nil))
			return err
		}},
		{"Get", http.MethodGet, entities, func(ctx context.Context, c *ioc.Client) error {
			_, _, err := c.Indicators.Get(ctx, indID1)
			return err
		}},
		{"Create", http.MethodPost, entities, func(ctx context.Context, c *ioc.Client) error {
			_, err := c.Indicators.Create(ctx, newOne, nil)
			return err
		}},
		{"Update", http.MethodPatch, entities, func(ctx context.Context, c *ioc.Client) error {
			_, err := c.Indicators.Update(ctx, []ioc.IndicatorUpdate{{ID: indID1, Source: ioc.Set("x")}}, nil)
			return err
		}},
		{"BulkUpdate", http.MethodPatch, entities, func(ctx context.Context, c *ioc.Client) error {
			_, err := c.Indicators.BulkUpdate(ctx, ioc.BulkUpdate{Filter: ioc.Filter{Expr: mustFQL("type:'md5'")}, Source: ioc.Set("x")}, nil)
			return err
		}},
		{"Delete", http.MethodDelete, entities, func(ctx context.Context, c *ioc.Client) error {
			_, err := c.Indicators.Delete(ctx, []string{indID1}, nil)
			return err
		}},
		{"DeleteWhere", http.MethodDelete, entities, func(ctx context.Context, c *ioc.Client) error {
			_, err := c.Indicators.DeleteWhere(ctx, ioc.Filter{Expr: fql.Eq("type", "md5")}, nil)
			return err
		}},
		{"Aggregate", http.MethodPost, "/iocs/aggregates/indicators/v1", func(ctx context.Context, c *ioc.Client) error {
			_, _, err := c.Indicators.Aggregate(ctx, ioc.AggregateRequest{Type: ioc.AggTerms, Field: "type"}, nil)
			return err
		}},
	}
}

func TestIndicatorsService_APIError(t *testing.T) {
	t.Parallel()
	for _, ic := range indCalls() {
		t.Run(ic.name, func(t *testing.T) {
			t.Parallel()
			c, mock := mockClient(t)
			mock.RegisterResponder(ic.method, mockBase+ic.path, jsonResponder(http.StatusForbidden,
				`{"meta":{"query_time":0.001,"trace_id":"trace-403"},"errors":[{"code":403,"message":"access denied, authorization failed"}]}`,
				"X-Cs-Traceid", "trace-403"))
			err := ic.do(t.Context(), c)
			var ae *falcon.APIError
			if !errors.As(err, &ae) || !errors.Is(err, falcon.ErrForbidden) {
				t.Fatalf("err = %T %v, want a *falcon.APIError matching ErrForbidden", err, err)
			}
			if ae.StatusCode != http.StatusForbidden || ae.TraceID != "trace-403" || ae.Path != ic.path || ae.Method != ic.method {
				t.Errorf("APIError = %+v", ae)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("message has several lines: %q", err.Error())
			}
		})
	}
}

func TestIndicatorsService_RateLimit(t *testing.T) {
	t.Parallel()
	retryAt := time.Now().Add(10 * time.Minute).Truncate(time.Second) // beyond MaxWait, within falcon.MaxCooldown
	for _, ic := range indCalls() {
		t.Run(ic.name, func(t *testing.T) {
			t.Parallel()
			c, mock := mockClient(t, falcon.WithRetry(falcon.RetryPolicy{MaxAttempts: 3, MinWait: time.Millisecond, MaxWait: 10 * time.Millisecond}))
			mock.RegisterResponder(ic.method, mockBase+ic.path, jsonResponder(http.StatusTooManyRequests,
				`{"meta":{"query_time":0.001,"trace_id":"t429"},"errors":[{"code":429,"message":"API rate limit exceeded."}]}`,
				"X-RateLimit-Limit", "6000", "X-RateLimit-Remaining", "0", "X-RateLimit-RetryAfter", strconv.FormatInt(retryAt.Unix(), 10)))
			err := ic.do(t.Context(), c)
			var rl *falcon.RateLimitError
			if !errors.As(err, &rl) || !rl.RetryAfter.Equal(retryAt) || !errors.Is(err, falcon.ErrRateLimited) {
				t.Fatalf("err = %T %v, want a *falcon.RateLimitError retrying at %v", err, err, retryAt)
			}
			if n := mock.GetTotalCallCount(); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
		})
	}
}

func TestIndicatorsService_CancelledContext(t *testing.T) {
	t.Parallel()
	for _, ic := range indCalls() {
		t.Run(ic.name, func(t *testing.T) {
			t.Parallel()
			c, mock := mockClient(t)
			mock.RegisterResponder(ic.method, mockBase+ic.path, jsonResponder(http.StatusInternalServerError, `{}`))
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			if err := ic.do(ctx, c); !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v, want one matching context.Canceled", err)
			}
			if n := mock.GetTotalCallCount(); n != 0 {
				t.Errorf("%d requests with a cancelled context", n)
			}
		})
	}
}

// TestIndicatorsService_CreateErrorsOnly checks an answer that reports a
// failed row in errors only, with no resources: the named item fails, and
// the other is looked up rather than assumed lost or sent again.
func TestIndicatorsService_CreateErrorsOnly(t *testing.T) {
	t.Parallel()
	c, mock := mockClient(t)
	v0, v1 := strings.Repeat("a", 32), strings.Repeat("b", 32)
	mock.RegisterResponder(http.MethodPost, mockBase+"/iocs/entities/indicators/v1", jsonResponder(http.StatusBadRequest,
		`{"meta":{"query_time":0.001,"trace_id":"t"},"errors":[{"code":409,"message":"Duplicate type: 'md5' and value: '`+v0+`' combination."}],"resources":[]}`))
	rec := &indRecorder{next: func(int, *http.Request) httpmock.Responder {
		return jsonResponder(http.StatusOK, envelope(`[{"id":"`+indID2+`","type":"md5","value":"`+v1+`","action":"allow","platforms":["mac"],"applied_globally":true}]`, `{"offset":0,"limit":2000,"total":1}`))
	}}
	mock.RegisterResponder(http.MethodGet, mockBase+"/iocs/combined/indicator/v1", rec.responder)
	items := []ioc.NewIndicator{
		{Type: ioc.TypeMD5, Value: v0, Action: ioc.ActionAllow, Platforms: []ioc.Platform{ioc.PlatformMac}, AppliedGlobally: true},
		{Type: ioc.TypeMD5, Value: v1, Action: ioc.ActionAllow, Platforms: []ioc.Platform{ioc.PlatformMac}, AppliedGlobally: true},
	}
	res, err := c.Indicators.Create(t.Context(), items, nil)
	if !errors.Is(err, ioc.ErrDuplicate) {
		t.Fatalf("err = %v", err)
	}
	if e := res.Items[0].Err; e == nil || e.Code != 409 {
		t.Errorf("item 0 err = %+v", e)
	}
	if it := res.Items[1]; !it.OK() || it.ID != indID2 {
		t.Errorf("item 1 = %+v", it)
	}
	want := "filter=type%3A%27md5%27%2Bvalue%3A%5B%27" + v1 + "%27%5D&limit=2000"
	if q := rec.queries(); !slices.Equal(q, []string{want}) || res.Requests != 2 {
		t.Errorf("look-ups %q, %d requests", q, res.Requests)
	}
}
