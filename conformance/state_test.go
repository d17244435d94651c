package conformance_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/crowdstrike/gofalcon/falcon/client/ioc"
	"github.com/crowdstrike/gofalcon/falcon/models"

	"github.com/falconioc/falcon/falcontest"
)

// TestIndicators_State covers host groups, expiry, inherited indicators
// and partial answers.
func TestIndicators_State(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	now := e.srv.Now()
	const group = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"

	// An indicator for one host group, not global, without expiration.
	created, err := e.api.Ioc.IndicatorCreateV1(&ioc.IndicatorCreateV1Params{
		Body: &models.APIIndicatorCreateReqsV1{Indicators: []*models.APIIndicatorCreateReqV1{{
			Type: "domain", Value: "Grouped.Example.COM", Action: "no_action", Platforms: []string{"linux"},
			AppliedGlobally: ptr(false), HostGroups: []string{group}, Metadata: &models.APIMetadataReqV1{Filename: "x.txt"},
		}}},
		Context: e.ctx,
	})
	if err != nil {
		t.Fatalf("IndicatorCreateV1: %s", describe(err))
	}
	grouped := created.Payload.Resources[0]
	if grouped.AppliedGlobally || !slices.Equal(grouped.HostGroups, []string{group}) || !time.Time(grouped.Expiration).IsZero() ||
		grouped.Metadata == nil || grouped.Metadata.Filename != "x.txt" {
		t.Errorf("grouped indicator = %+v (metadata %+v)", grouped, grouped.Metadata)
	}
	if grouped.Value != "grouped.example.com" {
		t.Errorf("domain value = %q, want it lowercased", grouped.Value)
	}

	// State the API cannot be asked for, set up directly: an expired
	// indicator and one inherited from the parent CID.
	ids := e.srv.AddIndicators(
		falcontest.Indicator{Type: "md5", Value: testMD5, Action: "detect", Severity: "low", Platforms: []string{"mac"},
			AppliedGlobally: true, Expiration: now.Add(-time.Hour), CreatedOn: now.Add(-48 * time.Hour)},
		falcontest.Indicator{Type: "ipv4", Value: testIPv4, Action: "detect", Severity: "high", Platforms: []string{"windows"},
			AppliedGlobally: true, FromParent: true, ParentCIDName: "Parent Co"},
	)
	expiredID, parentID := ids[0], ids[1]

	if got := e.searchIDs(t, "host_groups:'"+group+"'", ""); !slices.Equal(got, []string{grouped.ID}) {
		t.Errorf("host_groups filter = %v, want [%s]", got, grouped.ID)
	}
	if got := e.searchIDs(t, "expired:true", ""); !slices.Equal(got, []string{expiredID}) {
		t.Errorf("expired:true = %v, want [%s]", got, expiredID)
	}
	got, err := e.api.Ioc.IndicatorGetV1(&ioc.IndicatorGetV1Params{Ids: []string{expiredID, parentID}, Context: e.ctx})
	if err != nil {
		t.Fatalf("IndicatorGetV1: %s", describe(err))
	}
	for _, in := range got.Payload.Resources {
		switch in.ID {
		case expiredID:
			if !in.Expired {
				t.Errorf("expired indicator reads expired=false")
			}
		case parentID:
			if !in.FromParent || in.ParentCidName != "Parent Co" {
				t.Errorf("inherited indicator: from_parent %v, parent_cid_name %q", in.FromParent, in.ParentCidName)
			}
		}
	}

	// from_parent selects inherited indicators, or leaves them out.
	search := func(fromParent bool) []string {
		page, err := e.api.Ioc.IndicatorSearchV1(&ioc.IndicatorSearchV1Params{FromParent: &fromParent, Context: e.ctx})
		if err != nil {
			t.Fatalf("IndicatorSearchV1 from_parent=%v: %s", fromParent, describe(err))
		}
		return page.Payload.Resources
	}
	if ids := search(true); !slices.Equal(ids, []string{parentID}) {
		t.Errorf("from_parent=true: %v, want [%s]", ids, parentID)
	}
	if ids := search(false); slices.Contains(ids, parentID) || len(ids) != 2 {
		t.Errorf("from_parent=false: %v, want the two own indicators", ids)
	}

	// A get for one known and one unknown id answers 200 with the known
	// one and an error for the other.
	partial, err := e.api.Ioc.IndicatorGetV1(&ioc.IndicatorGetV1Params{Ids: []string{grouped.ID, "f" + grouped.ID[1:]}, Context: e.ctx})
	if err != nil {
		t.Fatalf("IndicatorGetV1 (partial): %s", describe(err))
	}
	if len(partial.Payload.Resources) != 1 || partial.Payload.Resources[0].ID != grouped.ID {
		t.Errorf("partial get resources = %v", partial.Payload.Resources)
	}
	assertErrorCode(t, partial.Payload.Errors, 404)

	// An inherited indicator cannot be deleted: the delete answers 400,
	// which IndicatorDeleteV1 does not declare.
	_, err = e.api.Ioc.IndicatorDeleteV1(&ioc.IndicatorDeleteV1Params{Ids: []string{parentID}, Context: e.ctx})
	assertAPIError(t, err, 400)
	if _, ok := e.srv.Indicator(parentID); !ok {
		t.Error("the inherited indicator was deleted")
	}

	// Deleting by ids and filter at once is refused.
	_, err = e.api.Ioc.IndicatorDeleteV1(&ioc.IndicatorDeleteV1Params{Ids: []string{grouped.ID}, Filter: ptr("type:'domain'"), Context: e.ctx})
	assertAPIError(t, err, 400)

	// Paging with both offset and after is refused, typed.
	_, err = e.api.Ioc.IndicatorCombinedV1(&ioc.IndicatorCombinedV1Params{Offset: ptr(int64(0)), After: ptr("x"), Context: e.ctx})
	var bad *ioc.IndicatorCombinedV1BadRequest
	if !errors.As(err, &bad) {
		t.Errorf("offset and after: err = %s, want *IndicatorCombinedV1BadRequest", describe(err))
	}
}

// TestIndicators_Aggregations runs the aggregation types gofalcon users
// send and checks the buckets against the stored indicators.
func TestIndicators_Aggregations(t *testing.T) {
	t.Parallel()
	e := newEnv(t, falcontest.WithIndicators(120))
	seeded := e.srv.Indicators()
	byAction := make(map[string]int64)
	for _, in := range seeded {
		byAction[in.Action]++
	}

	agg := func(body *models.MsaAggregateQueryRequest) *models.MsaAggregationResult {
		t.Helper()
		r, err := e.api.Ioc.IndicatorAggregateV1(&ioc.IndicatorAggregateV1Params{Body: body, Context: e.ctx})
		if err != nil {
			t.Fatalf("IndicatorAggregateV1 %s: %s", str(body.Type), describe(err))
		}
		if len(r.Payload.Resources) != 1 {
			t.Fatalf("aggregate %s: %d results", str(body.Type), len(r.Payload.Resources))
		}
		return r.Payload.Resources[0]
	}

	terms := agg(&models.MsaAggregateQueryRequest{Name: ptr("actions"), Type: ptr("terms"), Field: ptr("action"), Size: ptr(int32(20)),
		SubAggregates: []*models.MsaAggregateQueryRequest{{Name: ptr("types"), Type: ptr("terms"), Field: ptr("type"), Size: ptr(int32(10))}}})
	got := make(map[string]int64)
	for _, b := range terms.Buckets {
		got[labelString(b)] = *b.Count
		var sub int64
		if len(b.SubAggregates) != 1 {
			t.Errorf("bucket %s: %d sub-aggregations", labelString(b), len(b.SubAggregates))
			continue
		}
		for _, sb := range b.SubAggregates[0].Buckets {
			sub += *sb.Count
		}
		if sub != *b.Count {
			t.Errorf("bucket %s: sub-buckets add to %d, want %d", labelString(b), sub, *b.Count)
		}
	}
	if !mapsEqual(got, byAction) {
		t.Errorf("terms on action = %v, want %v", got, byAction)
	}

	card := agg(&models.MsaAggregateQueryRequest{Name: ptr("n"), Type: ptr("cardinality"), Field: ptr("action")})
	if len(card.Buckets) != 1 || card.Buckets[0].Value != float64(len(byAction)) {
		t.Errorf("cardinality of action = %+v, want %d", card.Buckets, len(byAction))
	}

	cut := e.srv.Now().Add(-24 * time.Hour)
	var before int64
	for _, in := range seeded {
		if in.CreatedOn.Before(cut) {
			before++
		}
	}
	dr := agg(&models.MsaAggregateQueryRequest{Name: ptr("age"), Type: ptr("date_range"), Field: ptr("created_on"),
		DateRanges: []*models.MsaDateRangeSpec{{From: ptr("1970-01-01T00:00:00Z"), To: ptr(cut.UTC().Format(time.RFC3339Nano))}}})
	if len(dr.Buckets) != 1 || *dr.Buckets[0].Count != before {
		t.Errorf("date_range before %v = %+v, want count %d", cut, dr.Buckets, before)
	}
}

func mapsEqual[K comparable, V comparable](a, b map[K]V) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
