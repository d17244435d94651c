package conformance_test

import (
	"slices"
	"testing"
	"time"

	"github.com/crowdstrike/gofalcon/falcon/client/ioc"
	"github.com/crowdstrike/gofalcon/falcon/models"
)

// TestIndicators_MinimalUpdate sends the update gofalcon users write when
// they change one field. gofalcon's model has no omitempty on platforms,
// tags and host_groups (they go as null) and a non-pointer expiration (it
// goes as 0001-01-01T00:00:00.000Z): the fields the caller left alone must
// stay as they were.
func TestIndicators_MinimalUpdate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	expiration := e.srv.Now().Add(48 * time.Hour).UTC().Truncate(time.Millisecond)
	created, err := e.api.Ioc.IndicatorCreateV1(&ioc.IndicatorCreateV1Params{
		Body: &models.APIIndicatorCreateReqsV1{Indicators: newIndicators(expiration)[:1]}, Context: e.ctx,
	})
	if err != nil {
		t.Fatalf("IndicatorCreateV1: %s", describe(err))
	}
	before := created.Payload.Resources[0]

	updated, err := e.api.Ioc.IndicatorUpdateV1(&ioc.IndicatorUpdateV1Params{
		Body:    &models.APIIndicatorUpdateReqsV1{Indicators: []*models.APIIndicatorUpdateReqV1{{ID: before.ID, Severity: "low"}}},
		Context: e.ctx,
	})
	if err != nil {
		t.Fatalf("IndicatorUpdateV1 with only a severity: %s", describe(err))
	}
	after := updated.Payload.Resources[0]
	if after.Severity != "low" {
		t.Errorf("severity = %q, want low", after.Severity)
	}
	if !slices.Equal(after.Platforms, before.Platforms) || !slices.Equal(after.Tags, before.Tags) || after.Action != before.Action {
		t.Errorf("fields left alone changed: platforms %v -> %v, tags %v -> %v, action %q -> %q",
			before.Platforms, after.Platforms, before.Tags, after.Tags, before.Action, after.Action)
	}
	if !time.Time(after.Expiration).Equal(expiration) {
		t.Errorf("expiration = %v, want %v (left alone)", time.Time(after.Expiration), expiration)
	}

	// An empty list clears it.
	cleared, err := e.api.Ioc.IndicatorUpdateV1(&ioc.IndicatorUpdateV1Params{
		Body:    &models.APIIndicatorUpdateReqsV1{Indicators: []*models.APIIndicatorUpdateReqV1{{ID: before.ID, Tags: []string{}}}},
		Context: e.ctx,
	})
	if err != nil {
		t.Fatalf("IndicatorUpdateV1 clearing tags: %s", describe(err))
	}
	if c := cleared.Payload.Resources[0]; len(c.Tags) != 0 || c.Severity != "low" || !slices.Equal(c.Platforms, before.Platforms) {
		t.Errorf("after clearing tags: tags %v, severity %q, platforms %v", c.Tags, c.Severity, c.Platforms)
	}
}
