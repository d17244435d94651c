package ioc_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/falconioc/falcon"
	"github.com/falconioc/falcon/falcontest"
	"github.com/falconioc/falcon/fql"
	"github.com/falconioc/falcon/internal/testutil"
	"github.com/falconioc/falcon/ioc"
)

// filterCalls are the calls that take a Filter, each run with f against c.
var filterCalls = []struct {
	name string
	run  func(ctx context.Context, c *ioc.Client, f ioc.Filter) error
}{
	{"List", func(ctx context.Context, c *ioc.Client, f ioc.Filter) error {
		_, _, err := c.Indicators.List(ctx, &ioc.ListOptions{Filter: f})
		return err
	}},
	{"AllIDs", func(ctx context.Context, c *ioc.Client, f ioc.Filter) error {
		_, err := collect(c.Indicators.AllIDs(ctx, &ioc.ListOptions{Filter: f}))
		return err
	}},
	{"Aggregate options", func(ctx context.Context, c *ioc.Client, f ioc.Filter) error {
		_, _, err := c.Indicators.Aggregate(ctx, ioc.AggregateRequest{Type: ioc.AggTerms, Field: "type"}, &ioc.AggregateOptions{Filter: f})
		return err
	}},
	{"Aggregate body", func(ctx context.Context, c *ioc.Client, f ioc.Filter) error {
		_, _, err := c.Indicators.Aggregate(ctx, ioc.AggregateRequest{Type: ioc.AggTerms, Field: "type", Filter: f}, nil)
		return err
	}},
	{"BulkUpdate", func(ctx context.Context, c *ioc.Client, f ioc.Filter) error {
		_, err := c.Indicators.BulkUpdate(ctx, ioc.BulkUpdate{Filter: f, Tags: ioc.Set([]string{"x"})}, nil)
		return err
	}},
	{"DeleteWhere", func(ctx context.Context, c *ioc.Client, f ioc.Filter) error {
		_, err := c.Indicators.DeleteWhere(ctx, f, nil)
		return err
	}},
	{"Reports", func(ctx context.Context, c *ioc.Client, f ioc.Filter) error {
		_, _, err := c.Reports.Create(ctx, ioc.ReportRequest{Format: "csv", Filter: f})
		return err
	}},
}

// TestFilter_OneShape checks that every call taking a filter checks its
// fields against the schema the same way, refusing an unknown field
// before sending, and lets it through with AllowUnknownFields.
func TestFilter_OneShape(t *testing.T) {
	t.Parallel()
	unknown := fql.And(fql.Eq("type", "md5"), fql.Eq("new_field", "x"))
	for _, call := range filterCalls {
		t.Run(call.name, func(t *testing.T) {
			t.Parallel()
			c, mock := mockClient(t)
			var sent []string
			mock.RegisterNoResponder(func(req *http.Request) (*http.Response, error) {
				sent = append(sent, req.URL.RawQuery)
				return jsonResponder(http.StatusOK, envelope("[]", ""))(req)
			})
			err := call.run(t.Context(), c, ioc.Filter{Expr: unknown})
			ve, ok := errors.AsType[*falcon.ValidationError](err)
			if !ok || !strings.Contains(ve.Error(), "new_field") {
				t.Fatalf("unknown field: err = %v, want a ValidationError naming it", err)
			}
			if len(sent) != 0 {
				t.Fatalf("%d requests for a refused filter", len(sent))
			}
			err = call.run(t.Context(), c, ioc.Filter{Expr: unknown, AllowUnknownFields: true})
			if _, ok := errors.AsType[*falcon.ValidationError](err); ok {
				t.Fatalf("AllowUnknownFields: err = %v", err)
			}
			if len(sent) == 0 {
				t.Fatal("AllowUnknownFields: nothing sent")
			}
			// Known fields are still checked with the escape.
			n := len(sent)
			err = call.run(t.Context(), c, ioc.Filter{Expr: fql.Gt("type", 3), AllowUnknownFields: true})
			if _, ok := errors.AsType[*falcon.ValidationError](err); !ok || len(sent) != n {
				t.Errorf("type:>3 with AllowUnknownFields: err = %v", err)
			}
		})
	}
}

// TestListOptions_ReadAtCall checks that the options of All, Paginator
// and AllIDs are read when the method is called: changing them before
// the loop runs changes nothing.
func TestListOptions_ReadAtCall(t *testing.T) {
	t.Parallel()
	c, mock := mockClient(t)
	var queries []string
	mock.RegisterNoResponder(func(req *http.Request) (*http.Response, error) {
		queries = append(queries, req.URL.Query().Get("from_parent")+"|"+req.URL.Query().Get("offset")+"|"+req.URL.Query().Get("filter"))
		return jsonResponder(http.StatusOK, envelope("[]", `{"total":0,"limit":10}`))(req)
	})
	fromParent, offset := true, 20
	opts := &ioc.ListOptions{Filter: ioc.Filter{Expr: fql.Eq("type", "md5")}, FromParent: &fromParent, Offset: &offset, Limit: 10}
	ids := c.Indicators.AllIDs(t.Context(), opts)
	all := c.Indicators.All(t.Context(), opts)
	pager := c.Indicators.Paginator(opts)
	fromParent, offset = false, 40
	opts.Filter = ioc.Filter{Expr: fql.Eq("type", "domain")}
	if _, err := collect(ids); err != nil {
		t.Fatal(err)
	}
	if _, err := collect(all); err != nil {
		t.Fatal(err)
	}
	if _, _, err := pager.NextPage(t.Context()); err != nil {
		t.Fatal(err)
	}
	want := "true|20|type:'md5'"
	if len(queries) != 3 {
		t.Fatalf("queries = %q", queries)
	}
	for _, q := range queries {
		if q != want {
			t.Errorf("query %q, want %q", q, want)
		}
	}
}

// TestGet_OneRule checks that the three look-ups by id treat no id and
// unknown ids the same way.
func TestGet_OneRule(t *testing.T) {
	t.Parallel()
	c, srv := emuClient(t, falcontest.WithIndicators(3))
	ind := srv.Indicators()[0]
	unknown := strings.Repeat("0", 64)
	type outcome struct {
		found, missing int
		err            error
	}
	run := map[string]func(ids ...string) outcome{
		"indicators": func(ids ...string) outcome {
			r, _, err := c.Indicators.Get(t.Context(), ids...)
			if err != nil {
				return outcome{err: err}
			}
			return outcome{len(r.Found), len(r.Missing), nil}
		},
		"actions": func(ids ...string) outcome {
			as := make([]ioc.Action, len(ids))
			for i, id := range ids {
				as[i] = ioc.Action(id)
			}
			r, _, err := c.Actions.Get(t.Context(), as...)
			if err != nil {
				return outcome{err: err}
			}
			return outcome{len(r.Found), len(r.Missing), nil}
		},
		"processes": func(ids ...string) outcome {
			r, _, err := c.Processes.Get(t.Context(), ids...)
			if err != nil {
				return outcome{err: err}
			}
			return outcome{len(r.Found), len(r.Missing), nil}
		},
	}
	for name, get := range run {
		srv.ResetRequests()
		if o := get(); o != (outcome{}) {
			t.Errorf("%s: no id = %+v, want an empty result", name, o)
		}
		if n := len(srv.Requests()); n != 0 {
			t.Errorf("%s: %d requests for no id", name, n)
		}
		if o := get(unknown); o.err != nil || o.found != 0 || o.missing != 1 {
			t.Errorf("%s: unknown id = %+v, want it missing without error", name, o)
		}
		if o := get(""); o.err == nil {
			t.Errorf("%s: empty id accepted", name)
		}
	}
	if o := run["indicators"](ind.ID, unknown); o.err != nil || o.found != 1 || o.missing != 1 {
		t.Errorf("indicators: known and unknown = %+v", o)
	}
	if o := run["actions"]("detect", "quarantine"); o.err != nil || o.found != 1 || o.missing != 1 {
		t.Errorf("actions: known and unknown = %+v", o)
	}
}

// TestWriteResult_Attempts checks that Requests counts logical requests
// and Attempts every HTTP request sent, retries included, as the server
// saw them.
// It runs over the network and over an in-memory transport, which
// net/http/httptrace never hears from: the count must not depend on it.
func TestWriteResult_Attempts(t *testing.T) {
	t.Parallel()
	for _, inMemory := range []bool{false, true} {
		t.Run(fmt.Sprintf("inMemory=%v", inMemory), func(t *testing.T) {
			t.Parallel()
			testWriteResultAttempts(t, inMemory)
		})
	}
}

func testWriteResultAttempts(t *testing.T, inMemory bool) {
	srv := falcontest.NewServer()
	t.Cleanup(srv.Close)
	opts := []falcon.Option{falcon.WithBaseURL(srv.URL), falcon.WithCredentials(srv.ClientID, srv.ClientSecret),
		falcon.WithRetry(falcon.RetryPolicy{MaxAttempts: 5, MinWait: time.Millisecond, MaxWait: time.Millisecond})}
	if inMemory {
		opts = append(opts, falcon.WithHTTPClient(&http.Client{Transport: testutil.Transport(srv.Handler())}))
	}
	fc, err := falcon.NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	c := ioc.New(fc)
	res, err := c.Indicators.Create(t.Context(), indTestItems("att", 5), nil)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(res.Items))
	upd := make([]ioc.IndicatorUpdate, len(res.Items))
	for i, it := range res.Items {
		ids[i] = it.ID
		upd[i] = ioc.IndicatorUpdate{ID: it.ID, Tags: ioc.Set([]string{"t"})}
	}
	if res.Requests != 1 || res.Attempts != 1 {
		t.Errorf("Create: Requests %d, Attempts %d; want 1 and 1", res.Requests, res.Attempts)
	}

	srv.ResetRequests()
	srv.FailNext(http.StatusServiceUnavailable, 2)
	ures, err := c.Indicators.Update(t.Context(), upd, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ures.Requests != 1 || ures.Attempts != 3 || len(srv.Requests()) != 3 {
		t.Errorf("Update after two 503s: Requests %d, Attempts %d, server saw %d; want 1, 3, 3", ures.Requests, ures.Attempts, len(srv.Requests()))
	}

	srv.ResetRequests()
	srv.FailNext(http.StatusServiceUnavailable, 1)
	bres, err := c.Indicators.BulkUpdate(t.Context(), ioc.BulkUpdate{Filter: ioc.Filter{Expr: fql.Eq("tags", "t")}, Severity: ioc.Set(ioc.SeverityLow)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if bres.Requests != 1 || bres.Attempts != 2 || len(bres.TraceIDs) != 1 {
		t.Errorf("BulkUpdate: Requests %d, Attempts %d, TraceIDs %v", bres.Requests, bres.Attempts, bres.TraceIDs)
	}

	srv.FailNext(http.StatusServiceUnavailable, 1)
	dres, err := c.Indicators.Delete(t.Context(), ids[:2], nil)
	if err != nil {
		t.Fatal(err)
	}
	if dres.Requests != 1 || dres.Attempts != 2 || len(dres.Deleted) != 2 {
		t.Errorf("Delete: %+v", dres)
	}
	wres, err := c.Indicators.DeleteWhere(t.Context(), ioc.MatchAll(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if wres.Requests != 1 || wres.Attempts != 1 || len(wres.Deleted) != 3 || len(wres.TraceIDs) != 1 {
		t.Errorf("DeleteWhere: %+v", wres)
	}
}

// TestAggregate_Percentiles checks the percentiles type end to end: one
// bucket per percentile, against the emulator.
func TestAggregate_Percentiles(t *testing.T) {
	t.Parallel()
	c, _ := emuClient(t, falcontest.WithIndicators(50))
	res, _, err := c.Indicators.Aggregate(t.Context(), ioc.AggregateRequest{Name: "p", Type: ioc.AggPercentiles, Field: "severity_number"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	prev := -1.0
	for _, b := range res.Buckets {
		keys = append(keys, b.Key())
		if b.Value == nil || *b.Value < prev {
			t.Errorf("bucket %s value %v, want values that never decrease", b.Key(), b.Value)
			continue
		}
		prev = *b.Value
	}
	if want := []string{"1", "5", "25", "50", "75", "95", "99"}; !slices.Equal(keys, want) {
		t.Errorf("keys %q, want %q", keys, want)
	}
	_, _, err = c.Indicators.Aggregate(t.Context(), ioc.AggregateRequest{Type: ioc.AggPercentiles, Field: "severity_number",
		SubAggregations: []ioc.AggregateRequest{{Type: ioc.AggTerms, Field: "type"}}}, nil)
	if _, ok := errors.AsType[*falcon.ValidationError](err); !ok {
		t.Errorf("percentiles with sub-aggregations: err = %v", err)
	}
}

// TestAggregate_TimeZone checks that time_zone takes IANA names and UTC
// offsets, that the SDK checks their form without a zone database, and
// that the emulator buckets by the offset.
func TestAggregate_TimeZone(t *testing.T) {
	t.Parallel()
	c, _ := emuClient(t, falcontest.WithIndicators(20))
	for _, tz := range []string{"UTC", "Europe/Paris", "America/Argentina/Salta", "Etc/GMT+5", "+01:00", "-05:30", "+14:00"} {
		res, _, err := c.Indicators.Aggregate(t.Context(), ioc.AggregateRequest{Type: ioc.AggDateHistogram, Field: "created_on", Interval: "day", TimeZone: tz}, nil)
		if err != nil {
			t.Errorf("time_zone %q: %v", tz, err)
			continue
		}
		if tz == "+01:00" && len(res.Buckets) > 0 {
			start := time.UnixMilli(int64(res.Buckets[0].Label.(float64))).In(time.FixedZone("", 3600))
			if start.Hour() != 0 || start.Minute() != 0 {
				t.Errorf("+01:00 bucket starts at %v, want midnight at +01:00", start)
			}
		}
	}
	for _, tz := range []string{"+25:00", "+01:60", "1:00", "Europe//Paris", "Europe/Paris ", "not a zone", "/UTC"} {
		_, _, err := c.Indicators.Aggregate(t.Context(), ioc.AggregateRequest{Type: ioc.AggDateHistogram, Field: "created_on", Interval: "day", TimeZone: tz}, nil)
		if ve, ok := errors.AsType[*falcon.ValidationError](err); !ok || ve.Problems[0].Field != "time_zone" {
			t.Errorf("time_zone %q: err = %v, want a ValidationError on time_zone", tz, err)
		}
	}
}

// TestCatalogOptions_Offset checks that catalog offsets are numbers from
// 0 up, refused otherwise before sending, as the emulator refuses them.
func TestCatalogOptions_Offset(t *testing.T) {
	t.Parallel()
	c, srv := emuClient(t)
	for _, off := range []string{"-1", "abc", "+2", "1.5", " 1"} {
		srv.ResetRequests()
		_, _, err := c.Types.List(t.Context(), &ioc.CatalogOptions{Offset: off})
		if ve, ok := errors.AsType[*falcon.ValidationError](err); !ok || ve.Problems[0].Field != "offset" {
			t.Errorf("offset %q: err = %v", off, err)
		}
		if _, err := collect(c.Platforms.All(t.Context(), &ioc.CatalogOptions{Offset: off})); err == nil {
			t.Errorf("All from offset %q: no error", off)
		}
		if n := len(srv.Requests()); n != 0 {
			t.Errorf("offset %q: %d requests", off, n)
		}
		// The emulator refuses it too.
		_, err = c.Falcon().Do(t.Context(), &falcon.Request{Path: "/iocs/queries/ioc-types/v1", Query: map[string][]string{"offset": {off}}}, nil)
		if ae, ok := errors.AsType[*falcon.APIError](err); !ok || ae.StatusCode != http.StatusBadRequest {
			t.Errorf("emulator took offset %q: %v", off, err)
		}
	}
	types, _, err := c.Types.List(t.Context(), &ioc.CatalogOptions{Offset: "2"})
	if err != nil || len(types) != 3 {
		t.Errorf("offset 2: %v, %v", types, err)
	}
}

// TestValidation_EmulatorAgrees sends, bypassing the SDK's checks, each
// item ValidateNew refuses, and checks that the emulator refuses it on the
// same field.
func TestValidation_EmulatorAgrees(t *testing.T) {
	t.Parallel()
	c, _ := emuClient(t)
	base := func() ioc.NewIndicator {
		return ioc.NewIndicator{Type: ioc.TypeDomain, Value: "agree.example.com", Action: ioc.ActionDetect, Severity: ioc.SeverityLow,
			Platforms: []ioc.Platform{ioc.PlatformWindows}, AppliedGlobally: true}
	}
	cases := map[string]func(n *ioc.NewIndicator){
		"severity": func(n *ioc.NewIndicator) { n.Severity = "" },
		"severity ": func(n *ioc.NewIndicator) {
			n.Type, n.Value, n.Action, n.Severity = ioc.TypeMD5, strings.Repeat("ab", 16), ioc.ActionPrevent, ""
		},
		"mobile_action": func(n *ioc.NewIndicator) { n.MobileAction = "quarantine" },
		"description":   func(n *ioc.NewIndicator) { n.Description = strings.Repeat("ü", ioc.MaxDescriptionLen+1) },
		"source":        func(n *ioc.NewIndicator) { n.Source = strings.Repeat("ü", ioc.MaxSourceLen+1) },
	}
	for name, mutate := range cases {
		field := strings.TrimSpace(name)
		n := base()
		mutate(&n)
		err := ioc.ValidateNew([]ioc.NewIndicator{n})
		ve, ok := errors.AsType[*falcon.ValidationError](err)
		if !ok || ve.Problems[0].Field != field {
			t.Errorf("%s: ValidateNew = %v", name, err)
		}
		var rows []map[string]any
		resp, err := c.Falcon().Do(t.Context(), &falcon.Request{Method: http.MethodPost, Path: "/iocs/entities/indicators/v1",
			Body: map[string]any{"indicators": []ioc.NewIndicator{n}}}, &rows)
		var details []falcon.ErrorDetail
		if ae, ok := errors.AsType[*falcon.APIError](err); ok {
			details = ae.Errors
		} else if resp != nil {
			details = resp.Errors
		}
		if len(details) == 0 || !strings.Contains(details[0].Message, field) {
			t.Errorf("%s: emulator answered %v, %v; want a refusal about %s", name, details, err, field)
		}
		// A valid item of the same shape passes both.
		if err := ioc.ValidateNew([]ioc.NewIndicator{base()}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestIndicatorType_AnyCase checks that a type in another case is that
// type everywhere the package takes one, and goes out in lower case.
func TestIndicatorType_AnyCase(t *testing.T) {
	t.Parallel()
	c, srv := emuClient(t)
	hash := strings.Repeat("AB", 32)
	res, err := c.Indicators.Create(t.Context(), []ioc.NewIndicator{{Type: "SHA256", Value: hash, Action: ioc.ActionDetect,
		Severity: ioc.SeverityLow, Platforms: []ioc.Platform{ioc.PlatformWindows}, AppliedGlobally: true}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r := res.Items[0].Ref; r.Type != ioc.TypeSHA256 || r.Value != strings.ToLower(hash) {
		t.Errorf("Ref = %+v", r)
	}
	if in := srv.Indicators(); len(in) != 1 || in[0].Type != "sha256" {
		t.Errorf("stored %+v", in)
	}
	if v, err := ioc.NormalizeValue(" Sha256 ", hash); err != nil || v != strings.ToLower(hash) {
		t.Errorf("NormalizeValue = %q, %v", v, err)
	}
	dc, _, err := c.Devices.Count(t.Context(), ioc.Ref{Type: "SHA256", Value: hash})
	if err != nil || dc.Ref.Type != ioc.TypeSHA256 {
		t.Errorf("Count = %+v, %v", dc, err)
	}
	cat := &ioc.Catalog{Types: []ioc.Type{ioc.TypeSHA256}, Platforms: []ioc.Platform{ioc.PlatformWindows},
		Actions: []*ioc.ActionInfo{{ID: ioc.ActionDetect, PlatformsByType: map[ioc.Type][]ioc.Platform{ioc.TypeSHA256: {ioc.PlatformWindows}}}}}
	if err := cat.Validate([]ioc.NewIndicator{{Type: "SHA256", Value: hash, Action: ioc.ActionDetect, Platforms: []ioc.Platform{ioc.PlatformWindows}}}); err != nil {
		t.Errorf("Catalog.Validate = %v", err)
	}
}

// TestValidateUpdates_NewChecks checks the update side of the severity,
// mobile action and description checks.
func TestValidateUpdates_NewChecks(t *testing.T) {
	t.Parallel()
	err := ioc.ValidateUpdates([]ioc.IndicatorUpdate{
		{ID: indID1, Action: ioc.Set(ioc.ActionDetect), Severity: ioc.Clear[ioc.Severity]()},
		{ID: indID2, MobileAction: ioc.Set[ioc.MobileAction]("block")},
		{ID: strings.Repeat("c", 64), Description: ioc.Set(strings.Repeat("x", ioc.MaxDescriptionLen+1))},
		{ID: strings.Repeat("d", 64), Action: ioc.Set(ioc.ActionDetect), MobileAction: ioc.Set(ioc.MobileActionDetect), Description: ioc.Set("ok")},
	})
	ve, ok := errors.AsType[*falcon.ValidationError](err)
	if !ok {
		t.Fatalf("err = %v", err)
	}
	var got []string
	for _, p := range ve.Problems {
		got = append(got, p.Field)
	}
	if want := []string{"severity", "mobile_action", "description"}; !slices.Equal(got, want) {
		t.Errorf("problems on %q, want %q", got, want)
	}
}
