package conformance_test

import (
	"errors"
	"testing"
	"time"

	"github.com/crowdstrike/gofalcon/falcon/client/ioc"
	"github.com/crowdstrike/gofalcon/falcon/client/iocs"
	"github.com/crowdstrike/gofalcon/falcon/models"
	"github.com/go-openapi/runtime"

	"github.com/falconioc/falcon/falcontest"
)

func TestErrors_Typed(t *testing.T) {
	t.Parallel()

	t.Run("rate limit headers", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, falcontest.WithRateLimit(5000))
		ok, err := e.api.Ioc.IndicatorSearchV1(&ioc.IndicatorSearchV1Params{Context: e.ctx})
		if err != nil {
			t.Fatalf("IndicatorSearchV1: %v", describe(err))
		}
		if ok.XRateLimitLimit != 5000 || ok.XRateLimitRemaining <= 0 || ok.XRateLimitRemaining >= 5000 || ok.XCSTRACEID == "" {
			t.Errorf("headers: limit %d, remaining %d, trace id %q", ok.XRateLimitLimit, ok.XRateLimitRemaining, ok.XCSTRACEID)
		}
		if ok.Payload.Meta.TraceID == nil || *ok.Payload.Meta.TraceID != ok.XCSTRACEID {
			t.Errorf("meta.trace_id %v differs from X-CS-TRACEID %q", str(ok.Payload.Meta.TraceID), ok.XCSTRACEID)
		}
	})

	t.Run("429", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		retryAt := e.srv.Now().Add(3 * time.Second).Truncate(time.Second)
		e.srv.RateLimitNext(1, retryAt)
		// The last call on this client: gofalcon sleeps half a second
		// before the next request once X-RateLimit-Remaining is low.
		_, err := e.api.Ioc.IndicatorSearchV1(&ioc.IndicatorSearchV1Params{Context: e.ctx})
		var tooMany *ioc.IndicatorSearchV1TooManyRequests
		if !errors.As(err, &tooMany) {
			t.Fatalf("err = %s, want *IndicatorSearchV1TooManyRequests", describe(err))
		}
		if tooMany.XRateLimitRetryAfter != retryAt.Unix() {
			t.Errorf("X-RateLimit-RetryAfter = %d, want %d", tooMany.XRateLimitRetryAfter, retryAt.Unix())
		}
		assertErrorCode(t, tooMany.Payload.Errors, 429)
	})

	t.Run("500 and 503", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		e.srv.FailNext(500, 1)
		_, err := e.api.Ioc.IndicatorCombinedV1(&ioc.IndicatorCombinedV1Params{Context: e.ctx})
		var ise *ioc.IndicatorCombinedV1InternalServerError
		if !errors.As(err, &ise) {
			t.Fatalf("err = %s, want *IndicatorCombinedV1InternalServerError", describe(err))
		}
		assertErrorCode(t, ise.Payload.Errors, 500)

		e.srv.FailNext(503, 1)
		_, err = e.api.Ioc.IndicatorCombinedV1(&ioc.IndicatorCombinedV1Params{Context: e.ctx})
		assertAPIError(t, err, 503) // not declared

		// The fault is gone: the next call answers.
		if _, err := e.api.Ioc.IndicatorCombinedV1(&ioc.IndicatorCombinedV1Params{Context: e.ctx}); err != nil {
			t.Fatalf("after the faults: %s", describe(err))
		}
	})

	t.Run("offset window as 500", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, falcontest.WithOffsetWindowStatus(500))
		_, err := e.api.Ioc.IndicatorSearchV1(&ioc.IndicatorSearchV1Params{Offset: ptr(int64(10000)), Limit: ptr(int64(1)), Context: e.ctx})
		var ise *ioc.IndicatorSearchV1InternalServerError
		if !errors.As(err, &ise) {
			t.Fatalf("err = %s, want *IndicatorSearchV1InternalServerError", describe(err))
		}
	})

	t.Run("missing scope", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, falcontest.WithScopes("ioc:read"))
		if _, err := e.api.Ioc.IndicatorSearchV1(&ioc.IndicatorSearchV1Params{Context: e.ctx}); err != nil {
			t.Fatalf("read with ioc:read: %s", describe(err))
		}
		_, err := e.api.Ioc.IndicatorCreateV1(&ioc.IndicatorCreateV1Params{
			Body: &models.APIIndicatorCreateReqsV1{Indicators: newIndicators(e.srv.Now().Add(time.Hour))[:1]}, Context: e.ctx,
		})
		var forbidden *ioc.IndicatorCreateV1Forbidden
		if !errors.As(err, &forbidden) {
			t.Fatalf("create without ioc:write: err = %s, want *IndicatorCreateV1Forbidden", describe(err))
		}
		assertErrorCode(t, forbidden.Payload.Errors, 403)

		// Aggregate needs ioc:write although it only reads.
		_, err = e.api.Ioc.IndicatorAggregateV1(&ioc.IndicatorAggregateV1Params{
			Body: &models.MsaAggregateQueryRequest{Name: ptr("t"), Type: ptr("terms"), Field: ptr("type")}, Context: e.ctx,
		})
		var aggForbidden *ioc.IndicatorAggregateV1Forbidden
		if !errors.As(err, &aggForbidden) {
			t.Errorf("aggregate without ioc:write: err = %s, want *IndicatorAggregateV1Forbidden", describe(err))
		}
		// The legacy calls need iocs:read.
		_, err = e.api.Iocs.DevicesCount(&iocs.DevicesCountParams{Type: "md5", Value: testMD5, Context: e.ctx})
		var legacyForbidden *iocs.DevicesCountForbidden
		if !errors.As(err, &legacyForbidden) {
			t.Errorf("legacy call without iocs:read: err = %s, want *DevicesCountForbidden", describe(err))
		}
	})

	t.Run("bad parameters", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		_, err := e.api.Ioc.IndicatorSearchV1(&ioc.IndicatorSearchV1Params{Limit: ptr(int64(5000)), Context: e.ctx})
		var bad *ioc.IndicatorSearchV1BadRequest
		if !errors.As(err, &bad) {
			t.Errorf("limit 5000: err = %s, want *IndicatorSearchV1BadRequest", describe(err))
		}
		_, err = e.api.Ioc.IndicatorAggregateV1(&ioc.IndicatorAggregateV1Params{
			Body: &models.MsaAggregateQueryRequest{Name: ptr("t"), Type: ptr("terms"), Field: ptr("no_such_field")}, Context: e.ctx,
		})
		var aggBad *ioc.IndicatorAggregateV1BadRequest
		if !errors.As(err, &aggBad) {
			t.Errorf("aggregate on an unknown field: err = %s, want *IndicatorAggregateV1BadRequest", describe(err))
		}
		// Update and delete declare no 400: gofalcon's generic error.
		_, err = e.api.Ioc.IndicatorDeleteV1(&ioc.IndicatorDeleteV1Params{Context: e.ctx})
		assertAPIError(t, err, 400)
		_, err = e.api.Ioc.IndicatorUpdateV1(&ioc.IndicatorUpdateV1Params{
			Body:    &models.APIIndicatorUpdateReqsV1{Indicators: []*models.APIIndicatorUpdateReqV1{{ID: "0000000000000000000000000000000000000000000000000000000000000000", Platforms: []string{"windows"}}}},
			Context: e.ctx,
		})
		assertAPIError(t, err, 404)
	})

	t.Run("broken connections", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		// Fetch the token first, so the faults meet API calls.
		if _, err := e.api.Ioc.IocTypeQueryV1(&ioc.IocTypeQueryV1Params{Context: e.ctx}); err != nil {
			t.Fatalf("IocTypeQueryV1: %s", describe(err))
		}
		for _, c := range []struct {
			name   string
			inject func()
		}{
			{"dropped", func() { e.srv.DropNext(1) }},
			{"truncated", func() { e.srv.TruncateNext(1) }},
		} {
			c.inject()
			_, err := e.api.Ioc.IocTypeQueryV1(&ioc.IocTypeQueryV1Params{Context: e.ctx})
			var apiErr *runtime.APIError
			if err == nil || errors.As(err, &apiErr) {
				t.Errorf("%s answer: err = %s, want a transport or decoding error", c.name, describe(err))
			}
		}
		if _, err := e.api.Ioc.IocTypeQueryV1(&ioc.IocTypeQueryV1Params{Context: e.ctx}); err != nil {
			t.Fatalf("after the faults: %s", describe(err))
		}
	})
}
