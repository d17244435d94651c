package ioc_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/falconioc/falcon"
	"github.com/falconioc/falcon/ioc"
	"github.com/jarcoal/httpmock"
)

// Trace ids and item errors of bulk writes.

func TestItemError_Error(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 100) + ".example.com"
	tests := []struct {
		name string
		err  ioc.ItemError
		want string
	}{
		{"api row", ioc.ItemError{Index: 3, Ref: ioc.Ref{Type: ioc.TypeDomain, Value: "x.example"}, Code: 400, Field: "value",
			Message: "Duplicate type: 'domain' and value: 'x.example' combination.", TraceID: "tr-1"},
			`ioc: item 3 (domain "x.example"): 400 value: Duplicate type: 'domain' and value: 'x.example' combination. (trace id tr-1)`},
		{"update by id", ioc.ItemError{Index: 0, ID: indID1, Code: 404, Message: "not found", TraceID: "tr-2"},
			"ioc: item 0 (id " + indID1 + "): 404 not found (trace id tr-2)"},
		{"validation", ioc.ItemError{Index: 7, Ref: ioc.Ref{Type: ioc.TypeSHA256, Value: "abc"}, Field: "value",
			Message: "not a valid sha256: must be 64 hexadecimal characters", Err: ioc.ErrInvalid},
			`ioc: item 7 (sha256 "abc"): value: not a valid sha256: must be 64 hexadecimal characters`},
		{"no item", ioc.ItemError{Index: -1, ID: indID2, Code: 403, Message: "denied"},
			"ioc: id " + indID2 + ": 403 denied"},
		{"no message", ioc.ItemError{Index: 2, Code: 500}, "ioc: item 2: 500 internal server error"},
		{"cause only", ioc.ItemError{Index: 1, Err: errors.New("first\nsecond")}, "ioc: item 1: first"},
		{"long value", ioc.ItemError{Index: 0, Ref: ioc.Ref{Type: ioc.TypeDomain, Value: long}, Message: "m"},
			`ioc: item 0 (domain "` + long[:80] + `..."): m`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

// traceMock answers creates with a trace id naming the batch's first value,
// refusing the values that start with "0" as duplicates (in a 400 answer).
func traceMock(t *testing.T, mock *httpmock.MockTransport) {
	mock.RegisterResponder(http.MethodPost, mockBase+"/iocs/entities/indicators/v1", func(req *http.Request) (*http.Response, error) {
		var body struct {
			Indicators []ioc.NewIndicator `json:"indicators"`
		}
		data, _ := io.ReadAll(req.Body)
		if err := json.Unmarshal(data, &body); err != nil {
			t.Error(err)
		}
		var rows []string
		status := http.StatusCreated
		for _, n := range body.Indicators {
			if strings.HasPrefix(n.Value, "0") {
				status = http.StatusBadRequest
				rows = append(rows, fmt.Sprintf(`{"type":%q,"value":%q,"message_type":"error","field_name":"value","message":"Duplicate type: 'md5' and value: '%s' combination."}`, n.Type, n.Value, n.Value))
				continue
			}
			rows = append(rows, fmt.Sprintf(`{"id":"%s%s","type":%q,"value":%q}`, n.Value, n.Value, n.Type, n.Value))
		}
		trace := "trace-" + body.Indicators[0].Value
		return jsonResponder(status, `{"meta":{"query_time":0.1,"trace_id":"`+trace+`"},"errors":[],"resources":[`+strings.Join(rows, ",")+`]}`)(req)
	})
}

func md5Items(n int) []ioc.NewIndicator {
	var items []ioc.NewIndicator
	for i := range n {
		items = append(items, ioc.NewIndicator{Type: ioc.TypeMD5, Value: fmt.Sprintf("a%031x", i), Action: ioc.ActionAllow,
			Platforms: []ioc.Platform{ioc.PlatformMac}, AppliedGlobally: true})
	}
	return items
}

func TestIndicatorsService_CreateTraceIDs(t *testing.T) {
	t.Parallel()
	c, mock := mockClient(t)
	traceMock(t, mock)
	items := md5Items(7)
	items[4].Value = "0" + items[4].Value[1:]
	items[6].Value = "not a hash"
	res, err := c.Indicators.Create(t.Context(), items, &ioc.WriteOptions{BatchSize: 3, Concurrency: 2, SkipInvalid: true})
	if we, ok := errors.AsType[*ioc.WriteError](err); !ok || we.Failed != 2 {
		t.Fatalf("err = %v", err)
	}
	// Batches: items 0-2, then 3-5 (item 6 is invalid and never sent).
	for i, it := range res.Items {
		want := ""
		switch {
		case i < 3:
			want = "trace-" + items[0].Value
		case i < 6:
			want = "trace-" + items[3].Value
		}
		if it.TraceID != want {
			t.Errorf("item %d trace %q, want %q", i, it.TraceID, want)
		}
	}
	slices.Sort(res.TraceIDs)
	if want := []string{"trace-" + items[0].Value, "trace-" + items[3].Value}; !slices.Equal(res.TraceIDs, want) || res.Requests != 2 {
		t.Errorf("TraceIDs %q (%d requests), want %q", res.TraceIDs, res.Requests, want)
	}
	dup := res.Items[4].Err
	if dup == nil || dup.Index != 4 || dup.Ref != res.Items[4].Ref || dup.TraceID != "trace-"+items[3].Value || !errors.Is(dup, ioc.ErrDuplicate) {
		t.Fatalf("duplicate item err = %+v", dup)
	}
	want := `ioc: item 4 (md5 "` + items[4].Value + `"): 400 value: Duplicate type: 'md5' and value: '` + items[4].Value +
		`' combination. (trace id trace-` + items[3].Value + `)`
	if got := dup.Error(); got != want {
		t.Errorf("Error() =\n%s\nwant\n%s", got, want)
	}
	if bad := res.Items[6].Err; bad == nil || bad.Index != 6 || bad.TraceID != "" || bad.Ref.Value != "not a hash" ||
		!strings.HasPrefix(bad.Error(), `ioc: item 6 (md5 "not a hash"): value: not a valid md5`) {
		t.Errorf("invalid item err = %+v", bad)
	}
	if !strings.HasPrefix(err.Error(), `ioc: 2 of 7 items failed; first: item 4 (md5 "`) {
		t.Errorf("WriteError = %q", err.Error())
	}
}

// TestIndicatorsService_CreateTraceAfterLostAnswer checks that an item
// whose create answer was lost carries the trace id of the look-up that
// found it.
func TestIndicatorsService_CreateTraceAfterLostAnswer(t *testing.T) {
	t.Parallel()
	c, mock := mockClient(t)
	items := md5Items(2)
	mock.RegisterResponder(http.MethodPost, mockBase+"/iocs/entities/indicators/v1", httpmock.ConnectionFailure)
	mock.RegisterResponder(http.MethodGet, mockBase+"/iocs/combined/indicator/v1", jsonResponder(http.StatusOK,
		`{"meta":{"query_time":0.001,"trace_id":"trace-lookup","pagination":{"offset":0,"limit":2000,"total":1}},"errors":[],`+
			`"resources":[{"id":"`+indID1+`","type":"md5","value":"`+items[0].Value+`","action":"allow","platforms":["mac"],"applied_globally":true}]}`))
	res, err := c.Indicators.Create(t.Context(), items, &ioc.WriteOptions{MaxReconcileRounds: 1})
	if err == nil {
		t.Fatal("no error, want item 1 to fail")
	}
	if it := res.Items[0]; !it.OK() || it.ID != indID1 || it.TraceID != "trace-lookup" {
		t.Errorf("item 0 = %+v, want found by the look-up", it)
	}
	// Item 1 was sent twice (both answers lost) and not found: no answer
	// about it ever arrived.
	if it := res.Items[1]; it.OK() || it.TraceID != "" || !errors.Is(it.Err, ioc.ErrOutcomeUnknown) || it.Err.Index != 1 {
		t.Errorf("item 1 = %+v (err %v)", it, it.Err)
	}
	if res.Requests != 4 || !slices.Equal(res.TraceIDs, []string{"trace-lookup", "trace-lookup"}) {
		t.Errorf("%d requests, traces %q", res.Requests, res.TraceIDs)
	}
}

// TestIndicatorsService_WriteRequestRefused checks the item errors of a
// request the API refused as a whole: the API's status, message and trace
// id, not the client's error text.
func TestIndicatorsService_WriteRequestRefused(t *testing.T) {
	t.Parallel()
	c, mock := mockClient(t)
	refusal := jsonResponder(http.StatusForbidden,
		`{"meta":{"query_time":0.001,"trace_id":"trace-403"},"errors":[{"code":403,"message":"access denied"}],"resources":[]}`)
	mock.RegisterResponder(http.MethodPost, mockBase+"/iocs/entities/indicators/v1", refusal)
	mock.RegisterResponder(http.MethodPatch, mockBase+"/iocs/entities/indicators/v1", refusal)
	cres, cerr := c.Indicators.Create(t.Context(), md5Items(1), nil)
	ures, uerr := c.Indicators.Update(t.Context(), []ioc.IndicatorUpdate{{ID: indID1, Description: ioc.Set("d")}}, nil)
	for name, r := range map[string]struct {
		res  *ioc.WriteResult
		err  error
		want string
	}{
		"create": {cres, cerr, `ioc: item 0 (md5 "` + md5Items(1)[0].Value + `"): 403 access denied (trace id trace-403)`},
		"update": {ures, uerr, "ioc: item 0 (id " + indID1 + "): 403 access denied (trace id trace-403)"},
	} {
		if !errors.Is(r.err, falcon.ErrForbidden) {
			t.Errorf("%s: err = %v, want one matching falcon.ErrForbidden", name, r.err)
			continue
		}
		e := r.res.Items[0].Err
		if e.Code != http.StatusForbidden || e.TraceID != "trace-403" || r.res.Items[0].TraceID != "trace-403" {
			t.Errorf("%s: item err = %+v", name, e)
		}
		if got := e.Error(); got != r.want {
			t.Errorf("%s: Error() =\n%s\nwant\n%s", name, got, r.want)
		}
		if _, ok := errors.AsType[*falcon.APIError](e); !ok {
			t.Errorf("%s: item error does not unwrap to the *falcon.APIError", name)
		}
	}
}

func TestIndicatorsService_UpdateTraceIDs(t *testing.T) {
	t.Parallel()
	c, mock := mockClient(t)
	mock.RegisterResponder(http.MethodPatch, mockBase+"/iocs/entities/indicators/v1", jsonResponder(http.StatusOK,
		`{"meta":{"query_time":0.001,"trace_id":"trace-upd"},"errors":[{"code":404,"id":"`+indID2+`","message":"indicator not found"}],`+
			`"resources":[`+indFull+`]}`))
	res, err := c.Indicators.Update(t.Context(), []ioc.IndicatorUpdate{
		{ID: indID1, Description: ioc.Set("d")},
		{ID: strings.ToUpper(indID2), Description: ioc.Set("d")},
	}, nil)
	if !errors.Is(err, falcon.ErrNotFound) {
		t.Fatalf("err = %v", err)
	}
	if res.Items[0].TraceID != "trace-upd" || res.Items[1].TraceID != "trace-upd" || !slices.Equal(res.TraceIDs, []string{"trace-upd"}) {
		t.Errorf("traces: items %q %q, result %q", res.Items[0].TraceID, res.Items[1].TraceID, res.TraceIDs)
	}
	want := "ioc: item 1 (id " + indID2 + "): 404 indicator not found (trace id trace-upd)"
	if e := res.Items[1].Err; e == nil || e.Error() != want || e.Index != 1 {
		t.Errorf("item 1 err = %v, want %s", e, want)
	}
}

func TestIndicatorsService_BulkUpdateTraceIDs(t *testing.T) {
	t.Parallel()
	c, mock := mockClient(t)
	failed := `{"id":"` + indID2 + `","type":"md5","value":"` + strings.Repeat("e", 32) + `","message_type":"error","field_name":"action","message":"bad action"}`
	mock.RegisterResponder(http.MethodPatch, mockBase+"/iocs/entities/indicators/v1", jsonResponder(http.StatusOK,
		`{"meta":{"query_time":0.001,"trace_id":"trace-bulk"},"errors":[],"resources":[`+indFull+`,`+failed+`]}`))
	res, err := c.Indicators.BulkUpdate(t.Context(), ioc.BulkUpdate{Filter: ioc.Filter{Expr: mustFQL("tags:'old'")}, Description: ioc.Set("d")}, nil)
	if err == nil || len(res.Items) != 2 {
		t.Fatalf("err = %v, result %+v", err, res)
	}
	if res.Items[0].TraceID != "trace-bulk" || !slices.Equal(res.TraceIDs, []string{"trace-bulk"}) {
		t.Errorf("traces: item %q, result %q", res.Items[0].TraceID, res.TraceIDs)
	}
	want := `ioc: md5 "` + strings.Repeat("e", 32) + `": 400 action: bad action (trace id trace-bulk)`
	if e := res.Items[1].Err; e == nil || e.Index != -1 || e.Error() != want {
		t.Errorf("item err = %v, want %s", e, want)
	}
}

// TestIndicatorsService_DeleteTraceIDs deletes ids in two requests and
// checks the trace ids (in request order) and where a refused id sat in
// the input.
func TestIndicatorsService_DeleteTraceIDs(t *testing.T) {
	t.Parallel()
	c, mock := mockClient(t)
	ids := make([]string, 300)
	for i := range ids {
		ids[i] = fmt.Sprintf("%064x", i+1)
	}
	refused := ids[250]
	ids = append(ids, strings.ToUpper(ids[5])) // repeated ids count once
	var mu sync.Mutex
	var firsts []string
	mock.RegisterResponder(http.MethodDelete, mockBase+"/iocs/entities/indicators/v1", func(req *http.Request) (*http.Response, error) {
		got := req.URL.Query()["ids"]
		mu.Lock()
		firsts = append(firsts, got[0])
		mu.Unlock()
		var deleted []string
		errs := "[]"
		for _, id := range got {
			if id == refused {
				errs = `[{"code":403,"id":"` + id + `","message":"inherited from the parent"}]`
				continue
			}
			deleted = append(deleted, `"`+id+`"`)
		}
		return jsonResponder(http.StatusOK, `{"meta":{"query_time":0.001,"trace_id":"trace-`+got[0][60:]+`"},"errors":`+errs+
			`,"resources":[`+strings.Join(deleted, ",")+`]}`)(req)
	})
	res, err := c.Indicators.Delete(t.Context(), ids, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(firsts) != 2 || len(res.Deleted) != 299 {
		t.Fatalf("%d requests, %d deleted", len(firsts), len(res.Deleted))
	}
	// One trace id per request, the first request's first whatever order
	// the answers came in.
	if len(res.TraceIDs) != 2 || res.TraceIDs[0] != "trace-"+ids[0][60:] {
		t.Fatalf("TraceIDs %q, want two, the first for the chunk starting at %s", res.TraceIDs, ids[0])
	}
	for _, first := range firsts {
		if !slices.Contains(res.TraceIDs, "trace-"+first[60:]) {
			t.Errorf("TraceIDs %q lack the request starting at %s", res.TraceIDs, first)
		}
	}
	if len(res.Failed) != 1 {
		t.Fatalf("failed = %v", res.Failed)
	}
	f := res.Failed[0]
	want := "ioc: item 250 (id " + refused + "): 403 inherited from the parent (trace id " + res.TraceIDs[1] + ")"
	if f.Index != 250 || f.Error() != want {
		t.Errorf("failure = %v, want %s", f, want)
	}
}

func TestIndicatorsService_DeleteWhereTraceIDs(t *testing.T) {
	t.Parallel()
	c, mock := mockClient(t)
	mock.RegisterResponder(http.MethodDelete, mockBase+"/iocs/entities/indicators/v1", jsonResponder(http.StatusOK,
		`{"meta":{"query_time":0.001,"trace_id":"trace-where"},"errors":[{"code":500,"id":"`+indID2+`","message":"try again"}],`+
			`"resources":["`+indID1+`"]}`))
	res, err := c.Indicators.DeleteWhere(t.Context(), ioc.MatchAll(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.TraceIDs, []string{"trace-where"}) || len(res.Failed) != 1 {
		t.Fatalf("result = %+v", res)
	}
	if f := res.Failed[0]; f.Index != -1 || f.TraceID != "trace-where" || f.Error() != "ioc: id "+indID2+": 500 try again (trace id trace-where)" {
		t.Errorf("failure = %v", f)
	}
}

// A request-level failure of one chunk must not lose its ids: each is
// reported failed, with the API's status and the error, and the ids of
// chunks the call never sent are reported too, so every input id is
// accounted for exactly once.
func TestIndicatorsService_DeleteAccountsForEveryID(t *testing.T) {
	t.Parallel()
	c, mock := mockClient(t)
	ids := make([]string, 600) // three chunks
	for i := range ids {
		ids[i] = fmt.Sprintf("%064x", i+1)
	}
	failFirst := ids[250] // the first id of the second chunk
	mock.RegisterResponder(http.MethodDelete, mockBase+"/iocs/entities/indicators/v1", func(req *http.Request) (*http.Response, error) {
		got := req.URL.Query()["ids"]
		if slices.Contains(got, failFirst) {
			return jsonResponder(http.StatusInternalServerError, `{"meta":{"query_time":0.001,"trace_id":"trace-500"},"errors":[{"code":500,"message":"Internal Server Error"}],"resources":null}`)(req)
		}
		quoted := make([]string, len(got))
		for i, id := range got {
			quoted[i] = `"` + id + `"`
		}
		return jsonResponder(http.StatusOK, `{"meta":{"query_time":0.001,"trace_id":"trace-ok"},"errors":[],"resources":[`+strings.Join(quoted, ",")+`]}`)(req)
	})
	res, err := c.Indicators.Delete(t.Context(), ids, &ioc.DeleteOptions{Concurrency: 1})
	if ae, ok := errors.AsType[*falcon.APIError](err); !ok || ae.StatusCode != http.StatusInternalServerError {
		t.Fatalf("err = %v, want the chunk's 500", err)
	}
	seen := map[string]int{}
	for _, id := range res.Deleted {
		seen[id]++
	}
	for _, id := range res.NotFound {
		seen[id]++
	}
	var failed500, notSent int
	for _, f := range res.Failed {
		seen[f.ID]++
		switch {
		case f.Code == http.StatusInternalServerError && f.TraceID == "trace-500":
			failed500++
		case errors.Is(f, ioc.ErrNotSent):
			notSent++
		default:
			t.Errorf("unexpected failure %v", f)
		}
		if f.Index < 0 || ids[f.Index] != f.ID {
			t.Errorf("failure %v: index %d does not name its id", f, f.Index)
		}
	}
	for _, id := range ids {
		if seen[id] != 1 {
			t.Fatalf("id %s accounted for %d times", id, seen[id])
		}
	}
	if len(res.Deleted) == 0 || failed500 == 0 || len(res.Deleted)+failed500+notSent != len(ids) {
		t.Fatalf("deleted %d, failed with 500 %d, not sent %d", len(res.Deleted), failed500, notSent)
	}
}
