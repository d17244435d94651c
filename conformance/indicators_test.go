package conformance_test

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crowdstrike/gofalcon/falcon/client/ioc"
	"github.com/crowdstrike/gofalcon/falcon/models"
	"github.com/go-openapi/strfmt"

	"github.com/falconioc/falcon/falcontest"
)

const (
	testSHA256 = "a3f5c0e1d2b4968778695a4b3c2d1e0f11223344556677889900aabbccddeeff"
	testMD5    = "0cc175b9c0f1b6a831c399e269772661"
	testDomain = "conformance.example.org"
	testIPv4   = "203.0.113.7"
	testIPv6   = "2001:db8::7"
	source     = "gofalcon-conformance"
)

// newIndicators returns one indicator of every type, all from source.
func newIndicators(expiration time.Time) []*models.APIIndicatorCreateReqV1 {
	exp := strfmt.DateTime(expiration)
	mk := func(typ, value, action, severity string, platforms ...string) *models.APIIndicatorCreateReqV1 {
		return &models.APIIndicatorCreateReqV1{
			Type:            typ,
			Value:           value,
			Action:          action,
			Severity:        severity,
			Platforms:       platforms,
			AppliedGlobally: ptr(true),
			Source:          source,
			Description:     "created by gofalcon " + typ,
			Tags:            []string{"conformance", typ},
			Expiration:      &exp,
		}
	}
	return []*models.APIIndicatorCreateReqV1{
		mk("sha256", testSHA256, "prevent", "high", "windows", "mac"),
		mk("md5", testMD5, "detect", "medium", "linux"),
		mk("domain", testDomain, "detect", "low", "windows", "mac", "linux"),
		mk("ipv4", testIPv4, "detect", "critical", "windows"),
		mk("ipv6", testIPv6, "no_action", "informational", "mac"),
	}
}

func TestIndicators_Lifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	expiration := e.srv.Now().Add(30 * 24 * time.Hour).UTC().Truncate(time.Millisecond)
	reqs := newIndicators(expiration)

	// Create.
	created, err := e.api.Ioc.IndicatorCreateV1(&ioc.IndicatorCreateV1Params{
		Body:         &models.APIIndicatorCreateReqsV1{Comment: "conformance", Indicators: reqs},
		Retrodetects: ptr(false),
		Context:      e.ctx,
	})
	if err != nil {
		t.Fatalf("IndicatorCreateV1: %v", describe(err))
	}
	if len(created.Payload.Errors) != 0 {
		t.Fatalf("create errors: %s", describeErrors(created.Payload.Errors))
	}
	if len(created.Payload.Resources) != len(reqs) {
		t.Fatalf("created %d indicators, sent %d", len(created.Payload.Resources), len(reqs))
	}
	byValue := make(map[string]*models.APIIndicatorV1)
	for _, in := range created.Payload.Resources {
		byValue[in.Value] = in
	}
	for _, req := range reqs {
		got := byValue[req.Value]
		if got == nil {
			t.Fatalf("no created indicator for %s %s", req.Type, req.Value)
		}
		checkIndicator(t, got, req, expiration)
	}
	ids := make([]string, 0, len(reqs))
	for _, in := range created.Payload.Resources {
		ids = append(ids, in.ID)
	}

	// Get returns what create returned.
	got, err := e.api.Ioc.IndicatorGetV1(&ioc.IndicatorGetV1Params{Ids: ids, Context: e.ctx})
	if err != nil {
		t.Fatalf("IndicatorGetV1: %v", describe(err))
	}
	if len(got.Payload.Resources) != len(ids) {
		t.Fatalf("got %d indicators for %d ids", len(got.Payload.Resources), len(ids))
	}
	for _, in := range got.Payload.Resources {
		want := byValue[in.Value]
		if want == nil || in.ID != want.ID || in.Action != want.Action || in.Severity != want.Severity ||
			!time.Time(in.CreatedOn).Equal(time.Time(want.CreatedOn)) {
			t.Errorf("get %s: %+v, create returned %+v", in.Value, in, want)
		}
	}

	// Search filters by source and by type, and counts.
	all := e.searchIDs(t, "source:'"+source+"'", "")
	if !sameSet(all, ids) {
		t.Errorf("search by source = %v, want %v", all, ids)
	}
	md5Only := e.searchIDs(t, "source:'"+source+"'+type:'md5'", "")
	if len(md5Only) != 1 || md5Only[0] != byValue[testMD5].ID {
		t.Errorf("search by source and type md5 = %v, want [%s]", md5Only, byValue[testMD5].ID)
	}
	severe := e.searchIDs(t, "source:'"+source+"'+severity:['high','critical']", "")
	if !sameSet(severe, []string{byValue[testSHA256].ID, byValue[testIPv4].ID}) {
		t.Errorf("search by severity = %v", severe)
	}

	// Combined pages through the after cursor in value order.
	var values []string
	after := ""
	for pages := 0; ; pages++ {
		if pages > len(reqs) {
			t.Fatal("after cursor does not end")
		}
		params := &ioc.IndicatorCombinedV1Params{
			Filter: ptr("source:'" + source + "'"), Sort: ptr("value.asc"), Limit: ptr(int64(2)), Context: e.ctx,
		}
		if after != "" {
			params.After = &after
		}
		page, err := e.api.Ioc.IndicatorCombinedV1(params)
		if err != nil {
			t.Fatalf("IndicatorCombinedV1: %v", describe(err))
		}
		p := page.Payload.Meta.Pagination
		if p == nil || p.Total == nil || *p.Total != int64(len(reqs)) || p.Limit == nil || *p.Limit != 2 {
			t.Fatalf("combined pagination = %+v", p)
		}
		for _, in := range page.Payload.Resources {
			values = append(values, in.Value)
		}
		if p.After == "" {
			break
		}
		after = p.After
	}
	wantValues := slices.Sorted(maps.Keys(byValue))
	if !slices.Equal(values, wantValues) {
		t.Errorf("combined by value.asc = %v, want %v", values, wantValues)
	}

	// Offset paging reports the offset as an integer.
	page, err := e.api.Ioc.IndicatorSearchV1(&ioc.IndicatorSearchV1Params{
		Filter: ptr("source:'" + source + "'"), Sort: ptr("value.desc"), Offset: ptr(int64(3)), Limit: ptr(int64(2)), Context: e.ctx,
	})
	if err != nil {
		t.Fatalf("IndicatorSearchV1 with offset: %v", describe(err))
	}
	if p := page.Payload.Meta.Pagination; p.Offset != 3 || len(page.Payload.Resources) != 2 ||
		page.Payload.Resources[0] != byValue[wantValues[1]].ID || page.Payload.Resources[1] != byValue[wantValues[0]].ID {
		t.Errorf("offset 3 of value.desc: offset %d, ids %v", p.Offset, page.Payload.Resources)
	}

	// Update by id: change severity and description, keep the rest.
	target := byValue[testMD5]
	updated, err := e.api.Ioc.IndicatorUpdateV1(&ioc.IndicatorUpdateV1Params{
		Body: &models.APIIndicatorUpdateReqsV1{
			Comment: "raise",
			Indicators: []*models.APIIndicatorUpdateReqV1{{
				ID:          target.ID,
				Severity:    "critical",
				Description: "updated by gofalcon",
				Platforms:   target.Platforms,
				Tags:        target.Tags,
				Expiration:  target.Expiration,
				// gofalcon has no omitempty on host_groups: it sends null.
			}},
		},
		Context: e.ctx,
	})
	if err != nil {
		t.Fatalf("IndicatorUpdateV1: %v", describe(err))
	}
	if len(updated.Payload.Resources) != 1 {
		t.Fatalf("update returned %d indicators", len(updated.Payload.Resources))
	}
	u := updated.Payload.Resources[0]
	if u.ID != target.ID || u.Severity != "critical" || u.Description != "updated by gofalcon" ||
		u.Action != target.Action || !slices.Equal(u.Platforms, target.Platforms) ||
		time.Time(u.ModifiedOn).Before(time.Time(target.CreatedOn)) {
		t.Errorf("updated indicator = %+v", u)
	}
	if got := e.searchIDs(t, "source:'"+source+"'+severity:'critical'", ""); !sameSet(got, []string{target.ID, byValue[testIPv4].ID}) {
		t.Errorf("search after update = %v", got)
	}

	// Bulk update by filter.
	bulk, err := e.api.Ioc.IndicatorUpdateV1(&ioc.IndicatorUpdateV1Params{
		Body: &models.APIIndicatorUpdateReqsV1{
			BulkUpdate: &models.APIBulkUpdateReqV1{
				Filter:    "source:'" + source + "'+type:['ipv4','ipv6']",
				Tags:      []string{"bulk"},
				Platforms: []string{"windows", "mac"},
			},
			Indicators: []*models.APIIndicatorUpdateReqV1{},
		},
		Context: e.ctx,
	})
	if err != nil {
		t.Fatalf("IndicatorUpdateV1 (bulk): %v", describe(err))
	}
	if len(bulk.Payload.Resources) != 2 {
		t.Errorf("bulk update changed %d indicators, want 2", len(bulk.Payload.Resources))
	}
	if got := e.searchIDs(t, "source:'"+source+"'+tags:'bulk'", ""); !sameSet(got, []string{byValue[testIPv4].ID, byValue[testIPv6].ID}) {
		t.Errorf("search by the bulk tag = %v", got)
	}

	// Aggregate counts by type.
	agg, err := e.api.Ioc.IndicatorAggregateV1(&ioc.IndicatorAggregateV1Params{
		Filter: ptr("source:'" + source + "'"),
		Body: &models.MsaAggregateQueryRequest{
			Name: ptr("by_type"), Type: ptr("terms"), Field: ptr("type"), Size: ptr(int32(10)),
		},
		Context: e.ctx,
	})
	if err != nil {
		t.Fatalf("IndicatorAggregateV1: %v", describe(err))
	}
	if len(agg.Payload.Resources) != 1 || agg.Payload.Resources[0].Name == nil || *agg.Payload.Resources[0].Name != "by_type" {
		t.Fatalf("aggregate resources = %+v", agg.Payload.Resources)
	}
	counts := make(map[string]int64)
	for _, b := range agg.Payload.Resources[0].Buckets {
		if b.Count == nil {
			t.Fatal("bucket without count")
		}
		counts[labelString(b)] = *b.Count
	}
	for _, req := range reqs {
		if counts[req.Type] != 1 {
			t.Errorf("aggregate bucket %s = %d, want 1 (buckets %v)", req.Type, counts[req.Type], counts)
		}
	}

	// A report job over the same filter.
	report, err := e.api.Ioc.GetIndicatorsReport(&ioc.GetIndicatorsReportParams{
		Body: &models.APIIndicatorsReportRequest{
			ReportFormat: ptr("csv"),
			Search:       &models.APIIndicatorsSortedSearch{Filter: ptr("source:'" + source + "'"), Query: ptr(""), Sort: ptr("value.asc")},
		},
		Context: e.ctx,
	})
	if err != nil {
		t.Fatalf("GetIndicatorsReport: %v", describe(err))
	}
	if report.Payload.Resources == nil {
		t.Error("report answer has no resources")
	}
	jobs := e.srv.Reports()
	if len(jobs) != 1 || jobs[0].Format != "csv" || jobs[0].Indicators != len(reqs) {
		t.Errorf("report jobs = %+v", jobs)
	}

	// Delete one by id, then the rest by filter.
	del, err := e.api.Ioc.IndicatorDeleteV1(&ioc.IndicatorDeleteV1Params{Ids: []string{target.ID}, Comment: ptr("bye"), Context: e.ctx})
	if err != nil {
		t.Fatalf("IndicatorDeleteV1 by id: %v", describe(err))
	}
	if !slices.Equal(del.Payload.Resources, []string{target.ID}) {
		t.Errorf("delete by id returned %v", del.Payload.Resources)
	}
	_, err = e.api.Ioc.IndicatorGetV1(&ioc.IndicatorGetV1Params{Ids: []string{target.ID}, Context: e.ctx})
	assertAPIError(t, err, 404) // IndicatorGetV1 declares no 404

	del, err = e.api.Ioc.IndicatorDeleteV1(&ioc.IndicatorDeleteV1Params{Filter: ptr("source:'" + source + "'"), Context: e.ctx})
	if err != nil {
		t.Fatalf("IndicatorDeleteV1 by filter: %v", describe(err))
	}
	if len(del.Payload.Resources) != len(reqs)-1 {
		t.Errorf("delete by filter removed %d, want %d", len(del.Payload.Resources), len(reqs)-1)
	}
	if left := e.searchIDs(t, "source:'"+source+"'", ""); len(left) != 0 {
		t.Errorf("indicators left after deleting all: %v", left)
	}
	if n := e.srv.IndicatorCount(); n != 0 {
		t.Errorf("emulator still holds %d indicators", n)
	}
}

// checkIndicator compares a returned indicator with the request for it.
func checkIndicator(t *testing.T, got *models.APIIndicatorV1, req *models.APIIndicatorCreateReqV1, expiration time.Time) {
	t.Helper()
	if len(got.ID) == 0 || got.Type != req.Type || got.Action != req.Action || got.Severity != req.Severity ||
		got.Source != req.Source || got.Description != req.Description || !got.AppliedGlobally ||
		!sameSet(got.Platforms, req.Platforms) || !sameSet(got.Tags, req.Tags) {
		t.Errorf("created %s %s = %+v", req.Type, req.Value, got)
	}
	if !time.Time(got.Expiration).Equal(expiration) {
		t.Errorf("%s expiration = %v, want %v", req.Value, time.Time(got.Expiration), expiration)
	}
	if time.Time(got.CreatedOn).IsZero() || time.Time(got.ModifiedOn).IsZero() || got.CreatedBy == "" {
		t.Errorf("%s lacks created_on, modified_on or created_by: %+v", req.Value, got)
	}
	if got.Expired || got.Deleted || got.FromParent {
		t.Errorf("%s: expired %v, deleted %v, from_parent %v", req.Value, got.Expired, got.Deleted, got.FromParent)
	}
}

// searchIDs returns every id the search matches, paging with the after
// cursor.
func (e *env) searchIDs(t *testing.T, filter, sort string) []string {
	t.Helper()
	var ids []string
	var after *string
	for {
		params := &ioc.IndicatorSearchV1Params{Filter: &filter, Limit: ptr(int64(500)), After: after, Context: e.ctx}
		if sort != "" {
			params.Sort = &sort
		}
		page, err := e.api.Ioc.IndicatorSearchV1(params)
		if err != nil {
			t.Fatalf("IndicatorSearchV1(%q): %v", filter, describe(err))
		}
		ids = append(ids, page.Payload.Resources...)
		p := page.Payload.Meta.Pagination
		if p == nil || p.Total == nil {
			t.Fatalf("search %q: no pagination total", filter)
		}
		if p.After == "" || len(page.Payload.Resources) == 0 {
			if int64(len(ids)) != *p.Total {
				t.Fatalf("search %q: %d ids, total %d", filter, len(ids), *p.Total)
			}
			return ids
		}
		after = &p.After
	}
}

func TestIndicators_CreateErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, falcontest.WithMaxBatch(5))
	create := func(rows ...*models.APIIndicatorCreateReqV1) (*ioc.IndicatorCreateV1Created, error) {
		return e.api.Ioc.IndicatorCreateV1(&ioc.IndicatorCreateV1Params{
			Body: &models.APIIndicatorCreateReqsV1{Indicators: rows}, Context: e.ctx,
		})
	}
	good := func(typ, value string) *models.APIIndicatorCreateReqV1 {
		return &models.APIIndicatorCreateReqV1{Type: typ, Value: value, Action: "detect", Severity: "high",
			Platforms: []string{"windows"}, AppliedGlobally: ptr(true), Source: source}
	}
	badRequest := func(t *testing.T, err error) *ioc.IndicatorCreateV1BadRequest {
		t.Helper()
		var bad *ioc.IndicatorCreateV1BadRequest
		if !errors.As(err, &bad) {
			t.Fatalf("err = %T %v, want *IndicatorCreateV1BadRequest", err, describe(err))
		}
		if bad.Payload == nil || bad.Payload.Meta == nil || bad.Payload.Meta.TraceID == nil || len(bad.Payload.Errors) == 0 {
			t.Fatalf("bad request payload lacks meta or errors: %+v", bad.Payload)
		}
		return bad
	}

	if _, err := create(good("md5", testMD5)); err != nil {
		t.Fatalf("first create: %v", describe(err))
	}
	t.Run("duplicate", func(t *testing.T) {
		bad := badRequest(t, func() error { _, err := create(good("md5", testMD5)); return err }())
		if !strings.Contains(strings.ToLower(*bad.Payload.Errors[0].Message), "duplicate") {
			t.Errorf("errors = %s, want a duplicate error", describeErrors(bad.Payload.Errors))
		}
	})
	t.Run("invalid sha256", func(t *testing.T) {
		bad := badRequest(t, func() error { _, err := create(good("sha256", "abc")); return err }())
		assertErrorCode(t, bad.Payload.Errors, 400)
	})
	t.Run("one bad row of two", func(t *testing.T) {
		_, err := create(good("domain", "fine.example.net"), good("ipv4", "999.1.1.1"))
		bad := badRequest(t, err)
		if len(bad.Payload.Errors) != 1 || !strings.Contains(*bad.Payload.Errors[0].Message, "999.1.1.1") {
			t.Errorf("errors = %s, want one naming the bad row", describeErrors(bad.Payload.Errors))
		}
	})
	t.Run("too many rows", func(t *testing.T) {
		rows := make([]*models.APIIndicatorCreateReqV1, 6)
		for i := range rows {
			rows[i] = good("domain", "batch"+string(rune('a'+i))+".example.net")
		}
		badRequest(t, func() error { _, err := create(rows...); return err }())
	})
	t.Run("warning without ignore_warnings", func(t *testing.T) {
		_, err := create(good("ipv4", "10.1.2.3"))
		badRequest(t, err)
		ok, err := e.api.Ioc.IndicatorCreateV1(&ioc.IndicatorCreateV1Params{
			Body:           &models.APIIndicatorCreateReqsV1{Indicators: []*models.APIIndicatorCreateReqV1{good("ipv4", "10.1.2.3")}},
			IgnoreWarnings: ptr(true),
			Context:        e.ctx,
		})
		if err != nil {
			t.Fatalf("create with ignore_warnings: %v", describe(err))
		}
		if len(ok.Payload.Resources) != 1 || ok.Payload.Resources[0].ID == "" {
			t.Errorf("create with ignore_warnings returned %+v", ok.Payload.Resources)
		}
	})
}

func TestIndicators_Seeded(t *testing.T) {
	t.Parallel()
	const n = 450
	e := newEnv(t, falcontest.WithIndicators(n))
	seeded := e.srv.Indicators()
	if len(seeded) != n {
		t.Fatalf("emulator holds %d indicators, want %d", len(seeded), n)
	}

	// Every id, through the after cursor, 100 at a time.
	all := e.searchIDs(t, "", "")
	var want []string
	for _, in := range seeded {
		want = append(want, in.ID)
	}
	if len(all) != n || !sameSet(all, want) {
		t.Errorf("search returned %d ids, want the %d seeded", len(all), n)
	}

	// Filters agree with the seeded data, counted here.
	for _, typ := range []string{"sha256", "md5", "domain", "ipv4", "ipv6"} {
		var wantIDs []string
		for _, in := range seeded {
			if in.Type == typ {
				wantIDs = append(wantIDs, in.ID)
			}
		}
		if got := e.searchIDs(t, "type:'"+typ+"'", ""); !sameSet(got, wantIDs) {
			t.Errorf("type:%s: %d ids, want %d", typ, len(got), len(wantIDs))
		}
	}

	// Combined returns the seeded fields, timestamps to the nanosecond.
	byID := make(map[string]falcontest.Indicator)
	for _, in := range seeded {
		byID[in.ID] = in
	}
	page, err := e.api.Ioc.IndicatorCombinedV1(&ioc.IndicatorCombinedV1Params{Limit: ptr(int64(200)), Sort: ptr("created_on.desc"), Context: e.ctx})
	if err != nil {
		t.Fatalf("IndicatorCombinedV1: %v", describe(err))
	}
	var prev time.Time
	for i, got := range page.Payload.Resources {
		want, ok := byID[got.ID]
		if !ok {
			t.Fatalf("combined returned unknown id %s", got.ID)
		}
		if got.Type != want.Type || got.Value != want.Value || got.Action != want.Action ||
			got.Source != want.Source || !sameSet(got.Platforms, want.Platforms) || !sameSet(got.Tags, want.Tags) ||
			!time.Time(got.CreatedOn).Equal(want.CreatedOn) || !time.Time(got.ModifiedOn).Equal(want.ModifiedOn) {
			t.Errorf("combined %s = %+v, seeded %+v", got.ID, got, want)
		}
		if i > 0 && time.Time(got.CreatedOn).After(prev) {
			t.Errorf("created_on.desc: %v after %v", time.Time(got.CreatedOn), prev)
		}
		prev = time.Time(got.CreatedOn)
	}

	// The offset window answers 400, typed.
	_, err = e.api.Ioc.IndicatorSearchV1(&ioc.IndicatorSearchV1Params{Offset: ptr(int64(9999)), Limit: ptr(int64(2)), Context: e.ctx})
	var bad *ioc.IndicatorSearchV1BadRequest
	if !errors.As(err, &bad) {
		t.Errorf("offset past the window: err = %T %v, want *IndicatorSearchV1BadRequest", err, describe(err))
	}
	// So does a filter that does not parse.
	_, err = e.api.Ioc.IndicatorCombinedV1(&ioc.IndicatorCombinedV1Params{Filter: ptr("type:'md5"), Context: e.ctx})
	var badCombined *ioc.IndicatorCombinedV1BadRequest
	if !errors.As(err, &badCombined) {
		t.Errorf("bad filter: err = %T %v, want *IndicatorCombinedV1BadRequest", err, describe(err))
	}
}

func sameSet[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	count := make(map[T]int)
	for _, x := range a {
		count[x]++
	}
	for _, x := range b {
		count[x]--
		if count[x] < 0 {
			return false
		}
	}
	return true
}

// labelString returns a terms bucket's key.
func labelString(b *models.MsaAggregationResultItem) string {
	if s, ok := b.Label.(string); ok {
		return s
	}
	return b.KeyAsString
}
