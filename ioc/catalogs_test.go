package ioc_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/falconioc/falcon"
	"github.com/falconioc/falcon/falcontest"
	"github.com/falconioc/falcon/ioc"
	"github.com/jarcoal/httpmock"
)

// Helpers shared by the tests of the catalog, device, process and report
// services.

// svcError answers status with an error envelope naming trace.
func svcError(status int, msg string) httpmock.Responder {
	body := fmt.Sprintf(`{"meta":{"query_time":0.001,"trace_id":"trace-err"},"errors":[{"code":%d,"message":%q}],"resources":[]}`, status, msg)
	return jsonResponder(status, body, "X-Cs-Traceid", "trace-err")
}

// svcRetryPolicy retries, but never waits a rate limit out: a 429 whose
// wait exceeds MaxWait comes back as *falcon.RateLimitError.
var svcRetryPolicy = falcon.RetryPolicy{MaxAttempts: 3, MinWait: time.Millisecond, MaxWait: 10 * time.Millisecond}

// svcQuery records the query of each request to path and answers with
// next(query) (a responder per request).
func svcQuery(t *testing.T, next func(q url.Values) httpmock.Responder) (httpmock.Responder, func() []url.Values) {
	t.Helper()
	var (
		mu  sync.Mutex
		got []url.Values
	)
	r := func(req *http.Request) (*http.Response, error) {
		q := req.URL.Query()
		mu.Lock()
		got = append(got, q)
		mu.Unlock()
		return next(q)(req)
	}
	return r, func() []url.Values {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(got)
	}
}

// firstErr ranges over seq and returns what it yielded before and the
// first error.
func firstErr[T any](seq iter.Seq2[T, error]) ([]T, error) {
	var out []T
	for v, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}

// svcCall is one operation under test with the paths it requests.
type svcCall struct {
	name  string
	paths []string // every path the call may request (GET unless post)
	post  bool
	do    func(ctx context.Context, c *ioc.Client) error
}

var (
	testSHA    = strings.Repeat("ab", 32)
	testDevice = strings.Repeat("d1", 16)
	testRef    = ioc.Ref{Type: ioc.TypeSHA256, Value: testSHA}
)

func drop[T any](_ T, _ *falcon.Response, err error) error { return err }

// svcCalls lists every method of the catalog, device, process and report
// services (and Client.Catalog), so that the error cases run for each.
func svcCalls() []svcCall {
	seqErr := func(seq func() iter.Seq2[string, error]) error { _, err := firstErr(seq()); return err }
	return []svcCall{
		{"Actions.List", []string{"/iocs/queries/actions/v1"}, false, func(ctx context.Context, c *ioc.Client) error {
			return drop(c.Actions.List(ctx, nil))
		}},
		{"Actions.All", []string{"/iocs/queries/actions/v1"}, false, func(ctx context.Context, c *ioc.Client) error {
			_, err := firstErr(c.Actions.All(ctx, nil))
			return err
		}},
		{"Actions.Get", []string{"/iocs/entities/actions/v1"}, false, func(ctx context.Context, c *ioc.Client) error {
			return drop(c.Actions.Get(ctx, ioc.ActionDetect))
		}},
		{"Types.List", []string{"/iocs/queries/ioc-types/v1"}, false, func(ctx context.Context, c *ioc.Client) error {
			return drop(c.Types.List(ctx, nil))
		}},
		{"Types.All", []string{"/iocs/queries/ioc-types/v1"}, false, func(ctx context.Context, c *ioc.Client) error {
			_, err := firstErr(c.Types.All(ctx, nil))
			return err
		}},
		{"Platforms.List", []string{"/iocs/queries/platforms/v1"}, false, func(ctx context.Context, c *ioc.Client) error {
			return drop(c.Platforms.List(ctx, nil))
		}},
		{"Platforms.All", []string{"/iocs/queries/platforms/v1"}, false, func(ctx context.Context, c *ioc.Client) error {
			_, err := firstErr(c.Platforms.All(ctx, nil))
			return err
		}},
		{"Severities.List", []string{"/iocs/queries/severities/v1"}, false, func(ctx context.Context, c *ioc.Client) error {
			return drop(c.Severities.List(ctx, nil))
		}},
		{"Severities.All", []string{"/iocs/queries/severities/v1"}, false, func(ctx context.Context, c *ioc.Client) error {
			_, err := firstErr(c.Severities.All(ctx, nil))
			return err
		}},
		{"Client.Catalog", []string{"/iocs/queries/actions/v1", "/iocs/entities/actions/v1", "/iocs/queries/ioc-types/v1", "/iocs/queries/platforms/v1", "/iocs/queries/severities/v1"}, false, func(ctx context.Context, c *ioc.Client) error {
			_, err := c.Catalog(ctx)
			return err
		}},
		{"Devices.Count", []string{"/iocs/aggregates/indicators/device-count/v1"}, false, func(ctx context.Context, c *ioc.Client) error {
			return drop(c.Devices.Count(ctx, testRef))
		}},
		{"Devices.CountLegacy", []string{"/indicators/aggregates/devices-count/v1"}, false, func(ctx context.Context, c *ioc.Client) error {
			return drop(c.Devices.CountLegacy(ctx, testRef))
		}},
		{"Devices.RanOn", []string{"/iocs/queries/indicators/devices/v1"}, false, func(ctx context.Context, c *ioc.Client) error {
			return drop(c.Devices.RanOn(ctx, testRef, nil))
		}},
		{"Devices.AllRanOn", []string{"/iocs/queries/indicators/devices/v1"}, false, func(ctx context.Context, c *ioc.Client) error {
			return seqErr(func() iter.Seq2[string, error] { return c.Devices.AllRanOn(ctx, testRef, nil) })
		}},
		{"Devices.RanOnLegacy", []string{"/indicators/queries/devices/v1"}, false, func(ctx context.Context, c *ioc.Client) error {
			return drop(c.Devices.RanOnLegacy(ctx, testRef, nil))
		}},
		{"Devices.AllRanOnLegacy", []string{"/indicators/queries/devices/v1"}, false, func(ctx context.Context, c *ioc.Client) error {
			return seqErr(func() iter.Seq2[string, error] { return c.Devices.AllRanOnLegacy(ctx, testRef, nil) })
		}},
		{"Processes.RanOn", []string{"/iocs/queries/indicators/processes/v1"}, false, func(ctx context.Context, c *ioc.Client) error {
			return drop(c.Processes.RanOn(ctx, testRef, testDevice, nil))
		}},
		{"Processes.AllRanOn", []string{"/iocs/queries/indicators/processes/v1"}, false, func(ctx context.Context, c *ioc.Client) error {
			return seqErr(func() iter.Seq2[string, error] { return c.Processes.AllRanOn(ctx, testRef, testDevice, nil) })
		}},
		{"Processes.RanOnLegacy", []string{"/indicators/queries/processes/v1"}, false, func(ctx context.Context, c *ioc.Client) error {
			return drop(c.Processes.RanOnLegacy(ctx, testRef, testDevice, nil))
		}},
		{"Processes.AllRanOnLegacy", []string{"/indicators/queries/processes/v1"}, false, func(ctx context.Context, c *ioc.Client) error {
			return seqErr(func() iter.Seq2[string, error] { return c.Processes.AllRanOnLegacy(ctx, testRef, testDevice, nil) })
		}},
		{"Processes.Get", []string{"/processes/entities/processes/v1"}, false, func(ctx context.Context, c *ioc.Client) error {
			return drop(c.Processes.Get(ctx, "pid:"+testDevice+":42"))
		}},
		{"Reports.Create", []string{"/iocs/entities/indicators-reports/v1"}, true, func(ctx context.Context, c *ioc.Client) error {
			return drop(c.Reports.Create(ctx, ioc.ReportRequest{Format: "csv"}))
		}},
	}
}

func (sc svcCall) register(mock *httpmock.MockTransport, r httpmock.Responder) {
	method := http.MethodGet
	if sc.post {
		method = http.MethodPost
	}
	for _, p := range sc.paths {
		mock.RegisterResponder(method, mockBase+p, r)
	}
}

// TestServices_APIError checks that a non-2xx answer comes back as a typed
// *falcon.APIError matching its sentinel, for every method.
func TestServices_APIError(t *testing.T) {
	t.Parallel()
	for _, sc := range svcCalls() {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			c, mock := mockClient(t)
			sc.register(mock, svcError(http.StatusForbidden, "access denied, authorization failed"))
			err := sc.do(t.Context(), c)
			if !errors.Is(err, falcon.ErrForbidden) {
				t.Fatalf("err = %v, want one matching falcon.ErrForbidden", err)
			}
			apiErr, ok := errors.AsType[*falcon.APIError](err)
			if !ok {
				t.Fatalf("err = %T %v, want a *falcon.APIError", err, err)
			}
			if apiErr.StatusCode != http.StatusForbidden || apiErr.TraceID != "trace-err" || !slices.Contains(sc.paths, apiErr.Path) {
				t.Errorf("APIError = %+v", apiErr)
			}
			if len(apiErr.Errors) != 1 || apiErr.Errors[0].Message != "access denied, authorization failed" {
				t.Errorf("APIError.Errors = %v", apiErr.Errors)
			}
		})
	}
}

// TestServices_RateLimit checks that a 429 whose wait outlasts the retry
// policy comes back at once as *falcon.RateLimitError with its RetryAfter.
func TestServices_RateLimit(t *testing.T) {
	t.Parallel()
	retryAt := time.Now().Add(10 * time.Minute).Truncate(time.Second) // beyond MaxWait, within falcon.MaxCooldown
	for _, sc := range svcCalls() {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			c, mock := mockClient(t, falcon.WithRetry(svcRetryPolicy))
			sc.register(mock, jsonResponder(http.StatusTooManyRequests,
				`{"meta":{"query_time":0.001,"trace_id":"trace-429"},"errors":[{"code":429,"message":"API rate limit exceeded."}]}`,
				"X-RateLimit-Limit", "6000", "X-RateLimit-Remaining", "0",
				"X-RateLimit-RetryAfter", strconv.FormatInt(retryAt.Unix(), 10)))
			err := sc.do(t.Context(), c)
			rl, ok := errors.AsType[*falcon.RateLimitError](err)
			if !ok {
				t.Fatalf("err = %T %v, want a *falcon.RateLimitError", err, err)
			}
			if !rl.RetryAfter.Equal(retryAt) {
				t.Errorf("RateLimitError.RetryAfter = %v, want %v", rl.RetryAfter, retryAt)
			}
			// With several calls at once, the error may be the client's
			// refusal to send during the cooldown, which has no headers.
			if len(sc.paths) == 1 && rl.Limit != 6000 {
				t.Errorf("RateLimitError.Limit = %d, want 6000", rl.Limit)
			}
			if !errors.Is(err, falcon.ErrRateLimited) {
				t.Errorf("err = %v does not match falcon.ErrRateLimited", err)
			}
			// One request per path at most (Catalog loads several at
			// once): the wait exceeds MaxWait, so nothing is retried.
			if n := mock.GetTotalCallCount(); n < 1 || n > len(sc.paths) {
				t.Errorf("%d requests, want 1 to %d", n, len(sc.paths))
			}
		})
	}
}

// TestServices_CancelledContext checks that a dead context sends nothing.
func TestServices_CancelledContext(t *testing.T) {
	t.Parallel()
	for _, sc := range svcCalls() {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			c, mock := mockClient(t)
			sc.register(mock, svcError(http.StatusInternalServerError, "must not be reached"))
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			err := sc.do(ctx, c)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v, want one matching context.Canceled", err)
			}
			if n := mock.GetTotalCallCount(); n != 0 {
				t.Errorf("%d requests sent with a cancelled context", n)
			}
		})
	}
}

// TestServices_Emulator403 checks the same error mapping against the
// emulator, for an API client without the scopes.
func TestServices_Emulator403(t *testing.T) {
	t.Parallel()
	c, _ := emuClient(t, falcontest.WithScopes("nothing:read"))
	for _, sc := range svcCalls() {
		err := sc.do(t.Context(), c)
		if !errors.Is(err, falcon.ErrForbidden) {
			t.Errorf("%s: err = %v, want one matching falcon.ErrForbidden", sc.name, err)
		}
	}
}

// catalogPages answers a catalog listing from items with the offset paging
// of the API: a string offset in, a numeric one echoed in the meta.
func catalogPages(items []string) func(q url.Values) httpmock.Responder {
	return func(q url.Values) httpmock.Responder {
		limit := 100
		if l := q.Get("limit"); l != "" {
			limit, _ = strconv.Atoi(l)
		}
		off, _ := strconv.Atoi(q.Get("offset"))
		start := min(off, len(items))
		end := min(start+limit, len(items))
		page := `[]`
		if end > start {
			page = `["` + strings.Join(items[start:end], `","`) + `"]`
		}
		return jsonResponder(http.StatusOK, envelope(page, fmt.Sprintf(`{"limit":%d,"offset":%d,"total":%d}`, limit, off, len(items))))
	}
}

func TestTypesService_List(t *testing.T) {
	t.Parallel()
	c, mock := mockClient(t)
	r, queries := svcQuery(t, catalogPages([]string{"domain", "ipv4", "ipv6", "md5", "sha256"}))
	mock.RegisterResponder(http.MethodGet, mockBase+"/iocs/queries/ioc-types/v1", r)

	got, resp, err := c.Types.List(t.Context(), &ioc.CatalogOptions{Limit: 2, Offset: "2"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []ioc.Type{ioc.TypeIPv6, ioc.TypeMD5}; !slices.Equal(got, want) {
		t.Errorf("List = %v, want %v", got, want)
	}
	if resp.Meta.Pagination.Total != 5 || resp.Meta.TraceID != "trace-ok" {
		t.Errorf("Meta = %+v", resp.Meta)
	}
	if q := queries()[0]; q.Get("limit") != "2" || q.Get("offset") != "2" {
		t.Errorf("query = %v", q)
	}

	// nil options: no paging parameters at all.
	if _, _, err := c.Types.List(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	if q := queries()[1]; len(q) != 0 {
		t.Errorf("query with nil options = %v, want none", q)
	}
}

func TestCatalogOptions_BadLimit(t *testing.T) {
	t.Parallel()
	c, mock := mockClient(t)
	_, _, err := c.Platforms.List(t.Context(), &ioc.CatalogOptions{Limit: -1})
	ve, ok := errors.AsType[*falcon.ValidationError](err)
	if !ok || len(ve.Problems) != 1 || ve.Problems[0].Field != "limit" {
		t.Fatalf("err = %v, want a ValidationError on limit", err)
	}
	_, err = firstErr(c.Severities.All(t.Context(), &ioc.CatalogOptions{Limit: -5}))
	if _, ok := errors.AsType[*falcon.ValidationError](err); !ok {
		t.Fatalf("All: err = %v, want a ValidationError", err)
	}
	if n := mock.GetTotalCallCount(); n != 0 {
		t.Errorf("%d requests sent for invalid options", n)
	}
}

func TestCatalogServices_AllPages(t *testing.T) {
	t.Parallel()
	items := []string{"a1", "a2", "a3", "a4", "a5", "a6", "a7"}
	c, mock := mockClient(t)
	r, queries := svcQuery(t, catalogPages(items))
	mock.RegisterResponder(http.MethodGet, mockBase+"/iocs/queries/platforms/v1", r)

	got, err := firstErr(c.Platforms.All(t.Context(), &ioc.CatalogOptions{Limit: 3}))
	if err != nil {
		t.Fatal(err)
	}
	if want := items; !slices.Equal(toStrings(got), want) {
		t.Errorf("All = %v, want %v", got, want)
	}
	var offsets []string
	for _, q := range queries() {
		offsets = append(offsets, q.Get("offset"))
		if q.Get("limit") != "3" {
			t.Errorf("limit = %q, want 3", q.Get("limit"))
		}
	}
	// The total (7) says the page at offset 6 is the last.
	if want := []string{"", "3", "6"}; !slices.Equal(offsets, want) {
		t.Errorf("offsets = %q, want %q", offsets, want)
	}

	// A start offset resumes there; ranging twice starts over.
	seq := c.Platforms.All(t.Context(), &ioc.CatalogOptions{Limit: 3, Offset: "4"})
	for range 2 {
		got, err = firstErr(seq)
		if err != nil {
			t.Fatal(err)
		}
		if want := items[4:]; !slices.Equal(toStrings(got), want) {
			t.Errorf("All from 4 = %v, want %v", got, want)
		}
	}
}

func TestCatalogServices_AllEarlyBreak(t *testing.T) {
	t.Parallel()
	items := make([]string, 50)
	for i := range items {
		items[i] = "s" + strconv.Itoa(i)
	}
	c, mock := mockClient(t)
	r, _ := svcQuery(t, catalogPages(items))
	mock.RegisterResponder(http.MethodGet, mockBase+"/iocs/queries/severities/v1", r)
	var got []ioc.Severity
	for s, err := range c.Severities.All(t.Context(), &ioc.CatalogOptions{Limit: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, s)
		if len(got) == 3 {
			break
		}
	}
	if want := []ioc.Severity{"s0", "s1", "s2"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	// Two pages were needed; prefetch may have asked for one more.
	if n := mock.GetTotalCallCount(); n < 2 || n > 3 {
		t.Errorf("%d requests for 3 items of 2-item pages, want 2 or 3", n)
	}
}

func TestCatalogServices_AllMidStreamError(t *testing.T) {
	t.Parallel()
	c, mock := mockClient(t)
	pages := catalogPages([]string{"a", "b", "c", "d", "e"})
	r, _ := svcQuery(t, func(q url.Values) httpmock.Responder {
		if q.Get("offset") == "2" {
			return svcError(http.StatusForbidden, "denied")
		}
		return pages(q)
	})
	mock.RegisterResponder(http.MethodGet, mockBase+"/iocs/queries/actions/v1", r)
	var got []ioc.Action
	errs := 0
	for a, err := range c.Actions.All(t.Context(), &ioc.CatalogOptions{Limit: 2}) {
		if err != nil {
			errs++
			if !errors.Is(err, falcon.ErrForbidden) {
				t.Errorf("err = %v, want ErrForbidden", err)
			}
			continue
		}
		got = append(got, a)
	}
	if errs != 1 || !slices.Equal(got, []ioc.Action{"a", "b"}) {
		t.Errorf("got %v and %d errors, want [a b] and 1", got, errs)
	}
}

func toStrings[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

func TestCatalogServices_Emulator(t *testing.T) {
	t.Parallel()
	c, srv := emuClient(t)
	types, err := firstErr(c.Types.All(t.Context(), &ioc.CatalogOptions{Limit: 2}))
	if err != nil {
		t.Fatal(err)
	}
	wantTypes := []ioc.Type{ioc.TypeSHA256, ioc.TypeMD5, ioc.TypeDomain, ioc.TypeIPv4, ioc.TypeIPv6}
	if len(types) != len(wantTypes) {
		t.Errorf("types = %v, want the five of %v", types, wantTypes)
	}
	for _, w := range wantTypes {
		if !slices.Contains(types, w) {
			t.Errorf("types %v lack %s", types, w)
		}
	}
	var pages int
	for _, r := range srv.Requests() {
		if r.Path == "/iocs/queries/ioc-types/v1" {
			pages++
		}
	}
	if pages != 3 {
		t.Errorf("%d requests for 5 types in pages of 2, want 3", pages)
	}

	sevs, _, err := c.Severities.List(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []ioc.Severity{ioc.SeverityInformational, ioc.SeverityLow, ioc.SeverityMedium, ioc.SeverityHigh, ioc.SeverityCritical} {
		if !slices.Contains(sevs, w) {
			t.Errorf("severities %v lack %s", sevs, w)
		}
	}
	plats, _, err := c.Platforms.List(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []ioc.Platform{ioc.PlatformWindows, ioc.PlatformMac, ioc.PlatformLinux} {
		if !slices.Contains(plats, w) {
			t.Errorf("platforms %v lack %s", plats, w)
		}
	}
}

func TestClient_Catalog(t *testing.T) {
	t.Parallel()
	c, _ := emuClient(t)
	cat, err := c.Catalog(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	types, err := firstErr(c.Types.All(t.Context(), nil))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cat.Types, types) {
		t.Errorf("Catalog.Types = %v, Types.All = %v", cat.Types, types)
	}
	ids, _, err := c.Actions.List(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(cat.Actions) != len(ids) {
		t.Fatalf("Catalog.Actions has %d, Actions.List %d", len(cat.Actions), len(ids))
	}
	for _, id := range ids {
		a := cat.Action(id)
		if a == nil {
			t.Errorf("Catalog.Action(%s) = nil", id)
			continue
		}
		if len(a.PlatformsByType) == 0 {
			t.Errorf("action %s has no platforms by type", id)
		}
	}
	if cat.Action("no-such-action") != nil {
		t.Error("Catalog.Action of an unknown action is not nil")
	}
	if len(cat.Platforms) == 0 || len(cat.Severities) == 0 {
		t.Errorf("Catalog = %+v", cat)
	}
}

func TestClient_CatalogFailureCancelsTheRest(t *testing.T) {
	t.Parallel()
	c, mock := mockClient(t)
	release := make(chan struct{})
	mock.RegisterResponder(http.MethodGet, mockBase+"/iocs/queries/ioc-types/v1", svcError(http.StatusForbidden, "denied"))
	// The other catalogs hang until their context ends: only the
	// cancellation caused by the failure lets Catalog return.
	hang := func(req *http.Request) (*http.Response, error) {
		select {
		case <-req.Context().Done():
			return nil, req.Context().Err()
		case <-release:
			return nil, errors.New("released")
		}
	}
	for _, p := range []string{"/iocs/queries/actions/v1", "/iocs/queries/platforms/v1", "/iocs/queries/severities/v1"} {
		mock.RegisterResponder(http.MethodGet, mockBase+p, hang)
	}
	t.Cleanup(func() { close(release) })
	_, err := c.Catalog(t.Context())
	if !errors.Is(err, falcon.ErrForbidden) || !strings.Contains(err.Error(), "types catalog") {
		t.Fatalf("err = %v, want the types catalog's 403", err)
	}
}

// TestCatalog_Validate checks the verdicts of Catalog.Validate against
// what the emulator's create call accepts, over a grid of types, actions,
// platforms and severities.
func TestCatalog_Validate(t *testing.T) {
	t.Parallel()
	c, _ := emuClient(t)
	cat, err := c.Catalog(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	types := append(slices.Clone(cat.Types), "sha1")
	actions := []ioc.Action{ioc.ActionAllow, ioc.ActionDetect, ioc.ActionNoAction, ioc.ActionPrevent, ioc.ActionPreventNoUI, "quarantine"}
	platforms := [][]ioc.Platform{{ioc.PlatformWindows}, {ioc.PlatformMac, ioc.PlatformIOS}, {"beos"}}
	severities := []ioc.Severity{ioc.SeverityHigh, "HIGH", "urgent"}
	n := 0
	for _, typ := range types {
		for _, act := range actions {
			for _, ps := range platforms {
				for _, sev := range severities {
					n++
					in := ioc.NewIndicator{
						Type: typ, Value: testValue(typ, n), Action: act, Platforms: ps, Severity: sev,
						AppliedGlobally: true,
					}
					verdict := cat.Validate([]ioc.NewIndicator{in})
					_, createErr := c.Falcon().Do(t.Context(), &falcon.Request{
						Method: http.MethodPost, Path: "/iocs/entities/indicators/v1",
						Body: map[string]any{"indicators": []ioc.NewIndicator{in}},
					}, nil)
					if (verdict == nil) != (createErr == nil) {
						t.Errorf("%s %s %v %s: Validate = %v, create = %v", typ, act, ps, sev, verdict, createErr)
					}
					if verdict != nil {
						if _, ok := errors.AsType[*falcon.ValidationError](verdict); !ok {
							t.Errorf("Validate = %T, want *falcon.ValidationError", verdict)
						}
					}
				}
			}
		}
	}
}

// testValue returns a valid value of typ, distinct for each n (and "x" for
// unknown types).
func testValue(typ ioc.Type, n int) string {
	switch typ {
	case ioc.TypeSHA256:
		return fmt.Sprintf("%064x", n)
	case ioc.TypeMD5:
		return fmt.Sprintf("%032x", n)
	case ioc.TypeDomain:
		return fmt.Sprintf("d%d.example.com", n)
	case ioc.TypeIPv4:
		return fmt.Sprintf("45.%d.%d.%d", n>>16&255, n>>8&255, n&255)
	case ioc.TypeIPv6:
		return fmt.Sprintf("2001:db8::%x", n)
	}
	return strings.Repeat("1", 40)
}

func TestCatalog_ValidateListsEveryProblem(t *testing.T) {
	t.Parallel()
	cat := &ioc.Catalog{
		Actions: []*ioc.ActionInfo{
			{ID: ioc.ActionDetect, PlatformsByType: map[ioc.Type][]ioc.Platform{ioc.TypeDomain: {ioc.PlatformWindows, ioc.PlatformIOS}}, Severities: []ioc.Severity{ioc.SeverityLow, ioc.SeverityHigh}},
			{ID: ioc.ActionAllow, PlatformsByType: map[ioc.Type][]ioc.Platform{ioc.TypeSHA256: {ioc.PlatformWindows}}},
		},
		Types:      []ioc.Type{ioc.TypeDomain, ioc.TypeSHA256},
		Platforms:  []ioc.Platform{ioc.PlatformWindows, ioc.PlatformMac, ioc.PlatformIOS},
		Severities: []ioc.Severity{ioc.SeverityLow, ioc.SeverityMedium, ioc.SeverityHigh},
	}
	inds := []ioc.NewIndicator{
		{Type: ioc.TypeDomain, Action: ioc.ActionDetect, Platforms: []ioc.Platform{ioc.PlatformIOS}, Severity: "High"}, // fine
		{Type: ioc.TypeMD5, Action: "block", Platforms: []ioc.Platform{"amiga"}, Severity: "dire"},                     // 4 problems
		{Type: ioc.TypeDomain, Action: ioc.ActionAllow},                                                                // action not for domains
		{Type: ioc.TypeDomain, Action: ioc.ActionDetect, Platforms: []ioc.Platform{ioc.PlatformMac}, Severity: ioc.SeverityMedium},
		{Type: ioc.TypeSHA256, Action: ioc.ActionAllow, Severity: ioc.SeverityLow}, // allow lists no severities: fine
		{Type: ioc.TypeSHA256},
	}
	err := cat.Validate(inds)
	ve, ok := errors.AsType[*falcon.ValidationError](err)
	if !ok {
		t.Fatalf("Validate = %v, want *falcon.ValidationError", err)
	}
	type key struct {
		index int
		field string
	}
	var got []key
	for _, p := range ve.Problems {
		got = append(got, key{p.Index, p.Field})
		if p.Message == "" {
			t.Errorf("problem %+v has no message", p)
		}
	}
	want := []key{
		{1, "type"}, {1, "platforms"}, {1, "severity"}, {1, "action"},
		{2, "action"},
		{3, "platforms"}, {3, "severity"},
		{5, "action"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("problems = %v\nwant %v", got, want)
	}
	if err := cat.Validate(inds[:1]); err != nil {
		t.Errorf("Validate(valid) = %v", err)
	}
	if err := cat.Validate(nil); err != nil {
		t.Errorf("Validate(nil) = %v", err)
	}
}

// TestCatalogServices_SpecQuery checks that catalog queries carry the
// types the spec names (a string offset, an integer limit).
func TestCatalogServices_SpecQuery(t *testing.T) {
	t.Parallel()
	c, srv := emuClient(t)
	if _, _, err := c.Actions.List(t.Context(), &ioc.CatalogOptions{Limit: 500, Offset: "1"}); err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	last := reqs[len(reqs)-1]
	if last.Operation != "action.query.v1" || last.Query.Get("limit") != "500" || last.Query.Get("offset") != "1" {
		t.Errorf("request = %s %v", last.Operation, last.Query)
	}
}
