package ioc_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/falconioc/falcon"
	"github.com/falconioc/falcon/falcontest"
	"github.com/falconioc/falcon/fql"
	"github.com/falconioc/falcon/ioc"
	"github.com/jarcoal/httpmock"
)

func TestIndicatorsService_Aggregate(t *testing.T) {
	t.Parallel()
	c, mock := mockClient(t)
	rec := &indRecorder{next: func(int, *http.Request) httpmock.Responder {
		return jsonResponder(http.StatusOK, envelope(`[{"name":"by type","buckets":[{"count":3,"label":"md5","sub_aggregates":[
			{"name":"n","buckets":[{"count":3,"label":"n","value":1.5}]}]},{"count":1,"label":true,"key_as_string":"true"}],"sum_other_doc_count":4}]`, ""))
	}}
	mock.RegisterResponder(http.MethodPost, mockBase+"/iocs/aggregates/indicators/v1", rec.responder)
	min := int64(1)
	res, _, err := c.Indicators.Aggregate(t.Context(), ioc.AggregateRequest{
		Name: "by type", Type: ioc.AggTerms, Field: "type", Size: 5, Sort: "_count|desc", MinDocCount: &min,
		Filter: ioc.Filter{Expr: fql.Eq("expired", false)},
		SubAggregations: []ioc.AggregateRequest{
			{Name: "n", Type: ioc.AggAvg, Field: "severity_number"},
			{Name: "r", Type: ioc.AggRange, Field: "severity_number", Ranges: []ioc.Range{{From: 0, To: 3}}},
			{Name: "d", Type: ioc.AggDateRange, Field: "created_on", DateRanges: []ioc.DateRange{{From: "now-7d"}}},
		},
	}, &ioc.AggregateOptions{Filter: ioc.Filter{Expr: mustFQL("type:'md5'")}, FromParent: new(false)})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"field":"type","filter":"expired:false","min_doc_count":1,"name":"by type","size":5,"sort":"_count|desc",` +
		`"sub_aggregates":[{"field":"severity_number","name":"n","type":"avg"},` +
		`{"field":"severity_number","name":"r","ranges":[{"From":0,"To":3}],"type":"range"},` +
		`{"date_ranges":[{"from":"now-7d","to":""}],"field":"created_on","name":"d","type":"date_range"}],"type":"terms"}`
	if got := string(rec.body[0]); got != want {
		t.Errorf("body =\n%s\nwant\n%s", got, want)
	}
	if q := rec.queries(); !slices.Equal(q, []string{"filter=type%3A%27md5%27&from_parent=false"}) {
		t.Errorf("query = %q", q)
	}
	if res.Name != "by type" || len(res.Buckets) != 2 || res.SumOtherDocCount != 4 || res.Buckets[0].Key() != "md5" ||
		res.Buckets[1].Key() != "true" || *res.Buckets[0].Sub("n").Buckets[0].Value != 1.5 {
		t.Errorf("result = %+v", res)
	}
}

// TestIndicatorsService_AggregateRetried checks that the aggregate POST,
// which only reads, is retried after a 503 like a GET.
func TestIndicatorsService_AggregateRetried(t *testing.T) {
	t.Parallel()
	c, mock := mockClient(t, falcon.WithRetry(falcon.RetryPolicy{MaxAttempts: 2, MinWait: time.Millisecond, MaxWait: time.Millisecond}))
	rec := &indRecorder{next: func(n int, _ *http.Request) httpmock.Responder {
		if n == 0 {
			return jsonResponder(http.StatusServiceUnavailable, `{"meta":{"query_time":0,"trace_id":"t"},"errors":[{"code":503,"message":"busy"}]}`)
		}
		return jsonResponder(http.StatusOK, envelope(`[{"name":"c","buckets":[{"count":9,"value":5}]}]`, ""))
	}}
	mock.RegisterResponder(http.MethodPost, mockBase+"/iocs/aggregates/indicators/v1", rec.responder)
	res, _, err := c.Indicators.Aggregate(t.Context(), ioc.AggregateRequest{Name: "c", Type: ioc.AggCardinality, Field: "type"}, nil)
	if err != nil || *res.Buckets[0].Value != 5 || len(rec.queries()) != 2 {
		t.Errorf("Aggregate = %+v, %v after %d requests", res, err, len(rec.queries()))
	}
}

// TestIndicatorsEmulator_Aggregates checks aggregate results against values
// computed from the seeded indicators.
func TestIndicatorsEmulator_Aggregates(t *testing.T) {
	t.Parallel()
	c, srv := emuClient(t, falcontest.WithIndicators(600), falcontest.WithSeed(5))
	inds := srv.Indicators()
	byType := map[string]int64{}
	byTypeAction := map[string]map[string]int64{}
	domainActions := map[string]int64{}
	sev := map[string]int64{"informational": 1, "low": 2, "medium": 3, "high": 4, "critical": 5}
	var low, high int64 // severity_number in [1,3) and [3,6)
	var minCreated, maxCreated time.Time
	for _, in := range inds {
		byType[in.Type]++
		if byTypeAction[in.Type] == nil {
			byTypeAction[in.Type] = map[string]int64{}
		}
		byTypeAction[in.Type][in.Action]++
		if in.Type == "domain" {
			domainActions[in.Action]++
		}
		switch n := sev[in.Severity]; {
		case n >= 1 && n < 3:
			low++
		case n >= 3:
			high++
		}
		if minCreated.IsZero() || in.CreatedOn.Before(minCreated) {
			minCreated = in.CreatedOn
		}
		if in.CreatedOn.After(maxCreated) {
			maxCreated = in.CreatedOn
		}
	}

	terms, _, err := c.Indicators.Aggregate(t.Context(), ioc.AggregateRequest{
		Name: "types", Type: ioc.AggTerms, Field: "type", Size: 10,
		SubAggregations: []ioc.AggregateRequest{{Name: "actions", Type: ioc.AggTerms, Field: "action", Size: 10}},
	}, nil)
	if err != nil {
		t.Fatalf("terms: %v", err)
	}
	if terms.Name != "types" || len(terms.Buckets) != len(byType) {
		t.Fatalf("terms = %+v", terms)
	}
	for _, b := range terms.Buckets {
		if b.Count != byType[b.Key()] {
			t.Errorf("type %s: %d, want %d", b.Key(), b.Count, byType[b.Key()])
		}
		sub := b.Sub("actions")
		if sub == nil {
			t.Fatalf("bucket %s has no sub-aggregation", b.Key())
		}
		for _, sb := range sub.Buckets {
			if sb.Count != byTypeAction[b.Key()][sb.Key()] {
				t.Errorf("type %s action %s: %d, want %d", b.Key(), sb.Key(), sb.Count, byTypeAction[b.Key()][sb.Key()])
			}
		}
	}

	filtered, _, err := c.Indicators.Aggregate(t.Context(), ioc.AggregateRequest{Type: ioc.AggTerms, Field: "action"},
		&ioc.AggregateOptions{Filter: ioc.Filter{Expr: fql.Eq("type", "domain")}})
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, b := range filtered.Buckets {
		total += b.Count
		if b.Count != domainActions[b.Key()] {
			t.Errorf("domain action %s: %d, want %d", b.Key(), b.Count, domainActions[b.Key()])
		}
	}
	if total != byType["domain"] || filtered.Name != "terms" {
		t.Errorf("filtered terms %q total %d, want %d", filtered.Name, total, byType["domain"])
	}

	card, _, err := c.Indicators.Aggregate(t.Context(), ioc.AggregateRequest{Type: ioc.AggCardinality, Field: "type"}, nil)
	if err != nil || len(card.Buckets) != 1 || card.Buckets[0].Value == nil || *card.Buckets[0].Value != float64(len(byType)) {
		t.Errorf("cardinality = %+v, %v", card, err)
	}

	rng, _, err := c.Indicators.Aggregate(t.Context(), ioc.AggregateRequest{Type: ioc.AggRange, Field: "severity_number",
		Ranges: []ioc.Range{{From: 1, To: 3}, {From: 3, To: 6}}}, nil)
	if err != nil || len(rng.Buckets) != 2 || rng.Buckets[0].Count != low || rng.Buckets[1].Count != high {
		t.Errorf("range = %+v (want %d, %d), %v", rng, low, high, err)
	}

	for _, tc := range []struct {
		typ  ioc.AggregationType
		want time.Time
	}{{ioc.AggMin, minCreated}, {ioc.AggMax, maxCreated}} {
		r, _, err := c.Indicators.Aggregate(t.Context(), ioc.AggregateRequest{Type: tc.typ, Field: "created_on"}, nil)
		if err != nil || len(r.Buckets) != 1 || r.Buckets[0].Value == nil || int64(*r.Buckets[0].Value) != tc.want.UnixMilli() {
			t.Errorf("%s(created_on) = %+v, want %d; %v", tc.typ, r, tc.want.UnixMilli(), err)
		}
	}

	hist, _, err := c.Indicators.Aggregate(t.Context(), ioc.AggregateRequest{Type: ioc.AggDateHistogram, Field: "created_on", Interval: "day"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	total = 0
	for _, b := range hist.Buckets {
		total += b.Count
	}
	if total != int64(len(inds)) || len(hist.Buckets) == 0 {
		t.Errorf("histogram counts %d in %d buckets, want %d", total, len(hist.Buckets), len(inds))
	}
	if len(hist.Buckets) > 1 && hist.Buckets[0].Label.(float64) >= hist.Buckets[1].Label.(float64) {
		t.Errorf("histogram buckets out of order: %v, %v", hist.Buckets[0].Label, hist.Buckets[1].Label)
	}
}
