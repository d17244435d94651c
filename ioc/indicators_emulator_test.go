package ioc_test

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/falconioc/falcon"
	"github.com/falconioc/falcon/falcontest"
	"github.com/falconioc/falcon/fql"
	"github.com/falconioc/falcon/internal/spectest"
	"github.com/falconioc/falcon/ioc"
	"github.com/falconioc/falcon/pagination"
)

// indMemBase is the base URL of clients built by indMemClient.
const indMemBase = "http://127.0.0.1:1"

// errIndAborted is what indMemTransport returns when the emulator drops a
// connection or cuts an answer short.
var errIndAborted = errors.New("connection closed by the emulator")

// indMemTransport serves requests with srv's handler in memory, so tests can
// run inside a synctest bubble (no sockets, fake time). A handler that
// aborts (dropped connection, lost or truncated answer) becomes a transport
// error, as it would on the network.
func indMemTransport(srv *falcontest.Server) http.RoundTripper {
	h := srv.Handler()
	return roundTripper(func(req *http.Request) (resp *http.Response, err error) {
		if err := req.Context().Err(); err != nil {
			return nil, err
		}
		if req.Body == nil {
			req.Body = http.NoBody
		}
		rec := httptest.NewRecorder()
		defer func() {
			if p := recover(); p != nil {
				if p != http.ErrAbortHandler {
					panic(p)
				}
				resp, err = nil, errIndAborted
			}
		}()
		h.ServeHTTP(rec, req)
		resp = rec.Result()
		resp.Request = req
		return resp, nil
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// indMemClient returns a client of srv (which need not be started) whose
// requests are served in memory and, with validate, checked against the
// spec. Extra options follow the defaults.
func indMemClient(t *testing.T, srv *falcontest.Server, validate bool, opts ...falcon.Option) *ioc.Client {
	t.Helper()
	var rt http.RoundTripper = indMemTransport(srv)
	if validate {
		rt = spectest.Transport(t, rt)
	}
	base := []falcon.Option{
		falcon.WithBaseURL(indMemBase),
		falcon.WithCredentials(srv.ClientID, srv.ClientSecret),
		falcon.WithHTTPClient(&http.Client{Transport: rt}),
		falcon.WithRetry(falcon.RetryPolicy{MaxAttempts: 4, MinWait: 50 * time.Millisecond, MaxWait: 5 * time.Second}),
	}
	c, err := falcon.NewClient(append(base, opts...)...)
	if err != nil {
		t.Fatalf("falcon.NewClient: %v", err)
	}
	return ioc.New(c)
}

// indTestItems returns n valid, distinct indicators to create, cycling
// through the five types; tag keeps the values of different calls apart.
func indTestItems(tag string, n int) []ioc.NewIndicator {
	out := make([]ioc.NewIndicator, n)
	for i := range out {
		seed := fmt.Sprintf("%s-%d", tag, i)
		var typ ioc.Type
		var value string
		switch i % 5 {
		case 0:
			sum := sha256.Sum256([]byte(seed))
			typ, value = ioc.TypeSHA256, hex.EncodeToString(sum[:])
		case 1:
			sum := md5.Sum([]byte(seed))
			typ, value = ioc.TypeMD5, hex.EncodeToString(sum[:])
		case 2:
			typ, value = ioc.TypeDomain, fmt.Sprintf("%s-%d.example.net", strings.ToLower(tag), i)
		case 3:
			sum := sha256.Sum256([]byte(seed))
			typ, value = ioc.TypeIPv4, fmt.Sprintf("45.%d.%d.%d", sum[0], sum[1], 1+sum[2]%250)
		case 4:
			sum := sha256.Sum256([]byte(seed))
			typ, value = ioc.TypeIPv6, fmt.Sprintf("2a00:1450:%x:%x::%x", sum[0], sum[1], i+1)
		}
		out[i] = ioc.NewIndicator{
			Type: typ, Value: value, Action: ioc.ActionDetect, Severity: ioc.SeverityMedium,
			Platforms: []ioc.Platform{ioc.PlatformWindows, ioc.PlatformMac, ioc.PlatformLinux},
			Tags:      []string{tag}, Source: "ioc-tests", AppliedGlobally: true,
		}
	}
	// Values must be distinct even where the hash bytes above collide.
	seen := map[string]bool{}
	for i := range out {
		for seen[string(out[i].Type)+out[i].Value] {
			out[i].Value = indBump(out[i].Type, out[i].Value)
		}
		seen[string(out[i].Type)+out[i].Value] = true
	}
	return out
}

func indBump(t ioc.Type, v string) string {
	if t == ioc.TypeIPv4 {
		var a, b, c, d int
		fmt.Sscanf(v, "%d.%d.%d.%d", &a, &b, &c, &d)
		return fmt.Sprintf("%d.%d.%d.%d", a, b, (c+1)%256, d)
	}
	return "1" + v[1:]
}

func TestIndicatorsEmulator_CreateGetRoundTrip(t *testing.T) {
	t.Parallel()
	c, srv := emuClient(t)
	exp := time.Now().Add(72 * time.Hour).Truncate(time.Microsecond).Add(123 * time.Nanosecond).UTC()
	in := []ioc.NewIndicator{{
		Type: ioc.TypeSHA256, Value: strings.ToUpper(strings.Repeat("ab", 32)), Action: ioc.ActionPrevent,
		MobileAction: ioc.MobileActionDetect, Severity: ioc.SeverityHigh, Description: "a \"quoted\" <description> ✓",
		Source: "unit test", Platforms: []ioc.Platform{ioc.PlatformWindows, ioc.PlatformLinux},
		Tags: []string{"t1", "t2"}, HostGroups: []string{strings.Repeat("0f", 16), strings.Repeat("a1", 16)},
		Expiration: exp, Metadata: &ioc.MetadataRequest{Filename: "evil.exe"},
	}}
	res, err := c.Indicators.Create(t.Context(), in, &ioc.WriteOptions{Comment: "round trip"})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if len(res.Items) != 1 || !res.Items[0].OK() || res.Items[0].Indicator == nil {
		t.Fatalf("Create result = %+v", res.Items)
	}
	id := res.Items[0].ID
	got, _, err := c.Indicators.Get(t.Context(), id)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if len(got.Found) != 1 || len(got.Missing) != 0 {
		t.Fatalf("Get = %+v", got)
	}
	g := got.Found[0]
	want := in[0]
	if g.ID != id || g.Type != want.Type || g.Value != strings.Repeat("ab", 32) || g.Action != want.Action ||
		g.MobileAction != want.MobileAction || g.Severity != want.Severity || g.Description != want.Description ||
		g.Source != want.Source || !slices.Equal(g.Platforms, want.Platforms) || !slices.Equal(g.Tags, want.Tags) ||
		!slices.Equal(g.HostGroups, want.HostGroups) || g.AppliedGlobally || !g.Expiration.Equal(exp) ||
		g.Metadata == nil || g.Metadata.Filename != "evil.exe" || g.Expired || g.Deleted || g.FromParent {
		t.Errorf("Get returned %+v (metadata %+v), want the fields of %+v", g, g.Metadata, want)
	}
	stored, ok := srv.Indicator(id)
	if !ok || !g.CreatedOn.Equal(stored.CreatedOn) || !g.ModifiedOn.Equal(stored.ModifiedOn) || g.CreatedBy != stored.CreatedBy {
		t.Errorf("timestamps: got created %v modified %v by %q, stored %+v", g.CreatedOn, g.ModifiedOn, g.CreatedBy, stored)
	}
	if g.CreatedOn.Nanosecond()%1000 == 0 && stored.CreatedOn.Nanosecond()%1000 != 0 {
		t.Errorf("created_on lost its nanoseconds: %v", g.CreatedOn)
	}
}

// createOne creates one indicator and returns its id.
func createOne(t *testing.T, c *ioc.Client, n ioc.NewIndicator) string {
	t.Helper()
	res, err := c.Indicators.Create(t.Context(), []ioc.NewIndicator{n}, nil)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	return res.Items[0].ID
}

func getOne(t *testing.T, c *ioc.Client, id string) *ioc.Indicator {
	t.Helper()
	res, _, err := c.Indicators.Get(t.Context(), id)
	if err != nil || len(res.Found) != 1 {
		t.Fatalf("Get(%s) = %+v, %v", id, res, err)
	}
	return res.Found[0]
}

func TestIndicatorsEmulator_UpdateSetsAndClears(t *testing.T) {
	t.Parallel()
	c, _ := emuClient(t)
	groups := []string{strings.Repeat("1a", 16)}
	id := createOne(t, c, ioc.NewIndicator{
		Type: ioc.TypeDomain, Value: "update-me.example.org", Action: ioc.ActionNoAction, Severity: ioc.SeverityHigh,
		Description: "to be cleared", Source: "feed", Platforms: []ioc.Platform{ioc.PlatformWindows},
		Tags: []string{"a", "b"}, HostGroups: groups, Expiration: time.Now().Add(time.Hour),
	})

	res, err := c.Indicators.Update(t.Context(), []ioc.IndicatorUpdate{{
		ID:              id,
		Description:     ioc.Clear[string](),
		Severity:        ioc.Clear[ioc.Severity](),
		Source:          ioc.Clear[string](),
		Expiration:      ioc.Clear[time.Time](),
		Tags:            ioc.Clear[[]string](),
		HostGroups:      ioc.Clear[[]string](),
		AppliedGlobally: ioc.Set(true),
		Platforms:       ioc.Set([]ioc.Platform{ioc.PlatformMac, ioc.PlatformLinux}),
	}}, &ioc.WriteOptions{Comment: "clear"})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if it := res.Items[0]; !it.OK() || it.Indicator == nil || it.Ref.Value != "update-me.example.org" {
		t.Fatalf("Update item = %+v", it)
	}
	g := getOne(t, c, id)
	if g.Description != "" || g.Severity != "" || g.Source != "" || !g.Expiration.IsZero() || len(g.Tags) != 0 ||
		len(g.HostGroups) != 0 || !g.AppliedGlobally || !slices.Equal(g.Platforms, []ioc.Platform{ioc.PlatformMac, ioc.PlatformLinux}) {
		t.Errorf("after clearing: %+v", g)
	}
	if g.Action != ioc.ActionNoAction {
		t.Errorf("a field left alone changed: action %q", g.Action)
	}

	// applied_globally: false must be sendable, with host groups.
	if _, err := c.Indicators.Update(t.Context(), []ioc.IndicatorUpdate{{
		ID: id, AppliedGlobally: ioc.Set(false), HostGroups: ioc.Set(groups), Description: ioc.Set("back"),
	}}, nil); err != nil {
		t.Fatalf("Update: %v", err)
	}
	g = getOne(t, c, id)
	if g.AppliedGlobally || !slices.Equal(g.HostGroups, groups) || g.Description != "back" {
		t.Errorf("after applied_globally=false: %+v", g)
	}
}

func TestIndicatorsEmulator_UpdatePerItemErrors(t *testing.T) {
	t.Parallel()
	c, _ := emuClient(t)
	items := indTestItems("upd", 3)
	res, err := c.Indicators.Create(t.Context(), items, nil)
	if err != nil {
		t.Fatal(err)
	}
	unknown := strings.Repeat("e", 64)
	ures, err := c.Indicators.Update(t.Context(), []ioc.IndicatorUpdate{
		{ID: res.Items[0].ID, Description: ioc.Set("one")},
		{ID: unknown, Description: ioc.Set("nobody")},
		{ID: res.Items[2].ID, Action: ioc.Set(ioc.Action("not_an_action"))},
	}, nil)
	var we *ioc.WriteError
	if !errors.As(err, &we) || we.Failed != 2 || we.Total != 3 {
		t.Fatalf("Update err = %v, want a WriteError with 2 of 3 failed", err)
	}
	if !ures.Items[0].OK() || ures.Items[0].Indicator.Description != "one" {
		t.Errorf("item 0 = %+v", ures.Items[0])
	}
	if e := ures.Items[1].Err; e == nil || !errors.Is(e, falcon.ErrNotFound) || e.ID != unknown {
		t.Errorf("item 1 err = %v, want not found", e)
	}
	if e := ures.Items[2].Err; e == nil || e.Field != "action" || e.Code != http.StatusBadRequest || errors.Is(e, falcon.ErrNotFound) {
		t.Errorf("item 2 err = %+v, want the API's refusal of the action", e)
	}
	if got := ures.Succeeded(); got != 1 {
		t.Errorf("Succeeded = %d", got)
	}
}

func TestIndicatorsEmulator_CreatePerItemErrorsAndWarnings(t *testing.T) {
	t.Parallel()
	c, srv := emuClient(t)
	existing := indTestItems("dup", 1)[0]
	createOne(t, c, existing)

	items := indTestItems("mix", 4)
	private := ioc.NewIndicator{Type: ioc.TypeIPv4, Value: "10.1.2.3", Action: ioc.ActionDetect, Severity: ioc.SeverityLow,
		Platforms: []ioc.Platform{ioc.PlatformWindows}, AppliedGlobally: true}
	notForType := ioc.NewIndicator{Type: ioc.TypeDomain, Value: "allow-not-for-domains.example.com", Action: ioc.ActionAllow,
		Platforms: []ioc.Platform{ioc.PlatformWindows}, AppliedGlobally: true}
	items = append(items, existing, private, notForType)

	res, err := c.Indicators.Create(t.Context(), items, nil)
	var we *ioc.WriteError
	if !errors.As(err, &we) || we.Failed != 3 {
		t.Fatalf("Create err = %v, want 3 failures", err)
	}
	for i := range 4 {
		if !res.Items[i].OK() || res.Items[i].ID == "" {
			t.Errorf("item %d = %+v, want created (a sibling's warning must not sink it)", i, res.Items[i])
		}
	}
	if e := res.Items[4].Err; e == nil || !errors.Is(e, ioc.ErrDuplicate) {
		t.Errorf("duplicate item err = %v", e)
	}
	if it := res.Items[5]; it.Err == nil || !errors.Is(it.Err, ioc.ErrWarning) || len(it.Warnings) != 1 {
		t.Errorf("private IP item = %+v, want refused for its warning", it)
	}
	if e := res.Items[6].Err; e == nil || e.Field != "action" || errors.Is(e, ioc.ErrDuplicate) {
		t.Errorf("action refused by the API: err = %+v", e)
	}
	if n := srv.IndicatorCount(); n != 5 {
		t.Errorf("store holds %d indicators, want 5", n)
	}

	// With IgnoreWarnings, the private address is created and its warning
	// kept apart.
	res, err = c.Indicators.Create(t.Context(), []ioc.NewIndicator{private}, &ioc.WriteOptions{IgnoreWarnings: true})
	if err != nil {
		t.Fatalf("Create with IgnoreWarnings: %v", err)
	}
	if it := res.Items[0]; !it.OK() || len(it.Warnings) != 1 || it.Warnings[0].Field != "value" || it.Indicator == nil {
		t.Errorf("item = %+v, want created with one warning", it)
	}
}

func TestIndicatorsEmulator_CreateSkipInvalid(t *testing.T) {
	t.Parallel()
	c, srv := emuClient(t)
	items := indTestItems("skip", 4)
	items[1].Value = "not-a-hash"                    // md5
	items[3].Expiration = time.Now().Add(-time.Hour) // in the past
	items = append(items, items[0])                  // duplicate of item 0

	_, err := c.Indicators.Create(t.Context(), items, nil)
	var ve *falcon.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Create err = %v, want a ValidationError", err)
	}
	got := map[string]bool{}
	for _, p := range ve.Problems {
		got[fmt.Sprintf("%d:%s", p.Index, p.Field)] = true
	}
	for _, want := range []string{"1:value", "3:expiration", "4:value"} {
		if !got[want] {
			t.Errorf("problems %v lack %s", ve.Problems, want)
		}
	}
	if n := srv.IndicatorCount(); n != 0 {
		t.Fatalf("a refused call created %d indicators", n)
	}

	var progress [][2]int
	res, err := c.Indicators.Create(t.Context(), items, &ioc.WriteOptions{SkipInvalid: true, Progress: func(done, total int) {
		progress = append(progress, [2]int{done, total})
	}})
	if err == nil || !errors.Is(err, ioc.ErrInvalid) {
		t.Fatalf("Create(SkipInvalid) err = %v", err)
	}
	for i, it := range res.Items {
		wantOK := i == 0 || i == 2
		if it.OK() != wantOK {
			t.Errorf("item %d ok = %v (%v)", i, it.OK(), it.Err)
		}
		if !wantOK && (!errors.Is(it.Err, ioc.ErrInvalid) || it.Err.Code != 0) {
			t.Errorf("item %d err = %+v, want ErrInvalid", i, it.Err)
		}
	}
	if n := srv.IndicatorCount(); n != 2 {
		t.Errorf("store holds %d, want 2", n)
	}
	if !slices.Equal(progress, [][2]int{{2, 2}}) {
		t.Errorf("progress = %v", progress)
	}
}

// TestIndicatorsEmulator_CreateSurvivesLostAnswers creates 2,000
// indicators while the emulator fails, drops, truncates and loses answers
// (some after writing), and checks that every indicator ends up created
// exactly once and reported as such.
func TestIndicatorsEmulator_CreateSurvivesLostAnswers(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := falcontest.NewUnstartedServer(falcontest.WithSeed(11))
		c := indMemClient(t, srv, false)
		srv.FailNext(http.StatusServiceUnavailable, 2)
		srv.LoseResponseNext(3)
		srv.FailAfterWriteNext(http.StatusServiceUnavailable, 2)
		srv.DropNext(1)
		srv.TruncateNext(1)
		srv.FailAfterWriteNext(http.StatusBadGateway, 1)

		items := indTestItems("bulk", 2000)
		var mu sync.Mutex
		last := 0
		res, err := c.Indicators.Create(t.Context(), items, &ioc.WriteOptions{Progress: func(done, total int) {
			mu.Lock()
			defer mu.Unlock()
			if done <= last || total != 2000 {
				t.Errorf("progress(%d, %d) after %d", done, total, last)
			}
			last = done
		}})
		if err != nil {
			t.Fatalf("Create: %v", err)
		}
		if last != 2000 {
			t.Errorf("last progress = %d", last)
		}
		stored := map[string]string{}
		for _, in := range srv.Indicators() {
			if _, dup := stored[in.Type+":"+in.Value]; dup {
				t.Fatalf("%s:%s stored twice", in.Type, in.Value)
			}
			stored[in.Type+":"+in.Value] = in.ID
		}
		if len(stored) != 2000 {
			t.Fatalf("store holds %d indicators, want 2000", len(stored))
		}
		for i, it := range res.Items {
			key := string(it.Ref.Type) + ":" + it.Ref.Value
			if !it.OK() || it.ID == "" || stored[key] != it.ID || it.Indicator == nil || it.Indicator.Ref() != it.Ref || it.Ref.Type != items[i].Type {
				t.Fatalf("item %d = %+v, stored id %q", i, it, stored[key])
			}
		}
		faulted, faultedCreates, creates := 0, 0, 0
		for _, r := range srv.Requests() {
			if r.Outcome != "answered" && r.Operation != "oauth2AccessToken" {
				faulted++
			}
			if r.Operation == "indicator.create.v1" {
				creates++
				if r.Outcome != "answered" {
					faultedCreates++
				}
			}
		}
		// The first four API requests are the four concurrent creates, so
		// at least two of them lose their answer after writing.
		if faulted != 10 || faultedCreates < 4 || res.Requests <= creates {
			t.Errorf("%d faults (%d on the %d creates), %d requests in all", faulted, faultedCreates, creates, res.Requests)
		}
	})
}

// TestIndicatorsEmulator_ReconcileFindsCreatedRows checks the look-up
// path directly: the answer to a create is lost after the write, and the
// batch is not sent again.
func TestIndicatorsEmulator_ReconcileFindsCreatedRows(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := falcontest.NewUnstartedServer()
		c := indMemClient(t, srv, true)
		srv.LoseResponseNext(1)
		items := indTestItems("lost", 50)
		res, err := c.Indicators.Create(t.Context(), items, nil)
		if err != nil {
			t.Fatalf("Create: %v", err)
		}
		var ops []string
		for _, r := range srv.Requests() {
			if r.Operation != "" && r.Operation != "oauth2AccessToken" {
				ops = append(ops, r.Operation)
			}
		}
		if !slices.Equal(ops, []string{"indicator.create.v1", "indicator.combined.v1"}) {
			t.Errorf("requests = %v, want one create and one look-up", ops)
		}
		if res.Succeeded() != 50 || res.Requests != 2 {
			t.Errorf("succeeded %d in %d requests", res.Succeeded(), res.Requests)
		}
	})
}

// TestIndicatorsEmulator_CreateOutcomeUnknown checks that when both the
// answer and the look-up are lost, the items say so instead of claiming
// failure or success.
func TestIndicatorsEmulator_CreateOutcomeUnknown(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := falcontest.NewUnstartedServer()
		c := indMemClient(t, srv, false, falcon.WithRetry(falcon.NoRetry()))
		srv.LoseResponseNext(1)
		srv.FailNext(http.StatusInternalServerError, 3)
		res, err := c.Indicators.Create(t.Context(), indTestItems("unknown", 3), nil)
		if !errors.Is(err, ioc.ErrOutcomeUnknown) {
			t.Fatalf("err = %v, want ErrOutcomeUnknown", err)
		}
		var ae *falcon.APIError
		if !errors.As(err, &ae) || ae.StatusCode != http.StatusInternalServerError {
			t.Errorf("err = %v, want it to carry the look-up's 500", err)
		}
		if len(res.Failed()) != 3 {
			t.Errorf("failed = %d", len(res.Failed()))
		}
	})
}

func TestIndicatorsEmulator_IterateEveryIndicatorOnce(t *testing.T) {
	t.Parallel()
	srv := falcontest.NewUnstartedServer(falcontest.WithIndicators(25000), falcontest.WithRateLimit(0))
	c := indMemClient(t, srv, false)
	want := map[string]bool{}
	for _, in := range srv.Indicators() {
		want[in.ID] = true
	}
	if len(want) != 25000 {
		t.Fatalf("seeded %d", len(want))
	}
	seen := make(map[string]bool, 25000)
	for ind, err := range c.Indicators.All(t.Context(), &ioc.ListOptions{Limit: 2000}) {
		if err != nil {
			t.Fatalf("All: %v", err)
		}
		if seen[ind.ID] || !want[ind.ID] {
			t.Fatalf("%s seen twice or unknown", ind.ID)
		}
		seen[ind.ID] = true
	}
	if len(seen) != len(want) {
		t.Fatalf("saw %d of %d", len(seen), len(want))
	}
	pages := 0
	for _, r := range srv.Requests() {
		if r.Operation == "indicator.combined.v1" {
			pages++
			if r.Query.Get("limit") != "2000" || r.Query.Has("offset") {
				t.Errorf("page query %v", r.Query)
			}
		}
	}
	if pages != 13 {
		t.Errorf("%d pages, want 13", pages)
	}

	// Ids, sorted, with a filter.
	var ids []string
	for id, err := range c.Indicators.AllIDs(t.Context(), &ioc.ListOptions{Filter: ioc.Filter{Expr: fql.Eq("type", "md5")}, Sort: fql.Asc("value"), Limit: 1500}) {
		if err != nil {
			t.Fatalf("AllIDs: %v", err)
		}
		ids = append(ids, id)
	}
	var md5s []string
	for _, in := range srv.Indicators() {
		if in.Type == "md5" {
			md5s = append(md5s, in.ID)
		}
	}
	if len(ids) != len(md5s) || !sameElements(ids, md5s) {
		t.Errorf("AllIDs returned %d ids, want %d md5 ids", len(ids), len(md5s))
	}
}

func sameElements(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// TestIndicatorsEmulator_Resume checks both ways of resuming a listing: a
// cursor saved between explicit pages, and the cursor of a failed page.
func TestIndicatorsEmulator_Resume(t *testing.T) {
	t.Parallel()
	srv := falcontest.NewUnstartedServer(falcontest.WithIndicators(5000), falcontest.WithRateLimit(0))
	c := indMemClient(t, srv, false, falcon.WithRetry(falcon.NoRetry()))
	opts := &ioc.ListOptions{Limit: 700, Sort: fql.Desc("modified_on")}

	seen := map[string]int{}
	p := c.Indicators.Paginator(opts)
	for range 3 {
		page, resp, err := p.NextPage(t.Context())
		if err != nil || len(page) != 700 || resp == nil || resp.Meta.Pagination.Total != 5000 {
			t.Fatalf("NextPage = %d items, %v, %v", len(page), resp, err)
		}
		for _, ind := range page {
			seen[ind.ID]++
		}
	}
	saved := p.Cursor()
	if saved == "" || !p.HasMorePages() {
		t.Fatalf("cursor %q, more %v", saved, p.HasMorePages())
	}
	resumed := *opts
	resumed.After = saved
	for ind, err := range c.Indicators.All(t.Context(), &resumed) {
		if err != nil {
			t.Fatal(err)
		}
		seen[ind.ID]++
	}
	checkOnce(t, seen, 5000)

	// A page fails half way: its PageError's cursor resumes the walk.
	seen = map[string]int{}
	var pe *pagination.PageError
	n := 0
	for ind, err := range c.Indicators.All(t.Context(), opts) {
		if err != nil {
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want a PageError", err)
			}
			var ae *falcon.APIError
			if !errors.As(err, &ae) || ae.StatusCode != http.StatusInternalServerError {
				t.Errorf("err = %v, want the 500 inside", err)
			}
			break
		}
		seen[ind.ID]++
		if n++; n == 1500 {
			srv.FailNext(http.StatusInternalServerError, 1)
		}
	}
	if pe == nil {
		t.Fatal("no error")
	}
	resumed.After = pe.Cursor
	for ind, err := range c.Indicators.All(t.Context(), &resumed) {
		if err != nil {
			t.Fatal(err)
		}
		seen[ind.ID]++
	}
	checkOnce(t, seen, 5000)
}

func checkOnce(t *testing.T, seen map[string]int, want int) {
	t.Helper()
	if len(seen) != want {
		t.Errorf("saw %d distinct indicators, want %d", len(seen), want)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s seen %d times", id, n)
		}
	}
}

func TestIndicatorsEmulator_OffsetPaging(t *testing.T) {
	t.Parallel()
	srv := falcontest.NewUnstartedServer(falcontest.WithIndicators(12000), falcontest.WithRateLimit(0))
	c := indMemClient(t, srv, false)
	seen := map[string]int{}
	var werr error
	for ind, err := range c.Indicators.All(t.Context(), &ioc.ListOptions{Offset: new(0), Limit: 2000, Sort: fql.Asc("created_on")}) {
		if err != nil {
			werr = err
			break
		}
		seen[ind.ID]++
	}
	if !errors.Is(werr, pagination.ErrOffsetWindow) {
		t.Errorf("err = %v, want ErrOffsetWindow past 10,000", werr)
	}
	checkOnce(t, seen, 10000)

	// Resume from an offset, one explicit page.
	p := c.Indicators.Paginator(&ioc.ListOptions{Offset: new(9500), Limit: 2000, Sort: fql.Asc("created_on")})
	page, resp, err := p.NextPage(t.Context())
	if err != nil || len(page) != 500 || resp.Meta.Pagination.Offset != 9500 {
		t.Fatalf("NextPage at 9500 = %d items, %v", len(page), err)
	}
	if p.Offset() != 10000 || p.Cursor() != "" {
		t.Errorf("Offset() = %d, Cursor() = %q", p.Offset(), p.Cursor())
	}
}

func TestIndicatorsEmulator_GetMissingAndOrder(t *testing.T) {
	t.Parallel()
	srv := falcontest.NewUnstartedServer(falcontest.WithIndicators(700), falcontest.WithRateLimit(0))
	c := indMemClient(t, srv, true)
	var ids []string
	for _, in := range srv.Indicators() {
		ids = append(ids, in.ID)
	}
	slices.Reverse(ids)
	missing := []string{strings.Repeat("0", 64), strings.Repeat("f", 64)}
	ask := append(slices.Clone(ids[:300]), missing[0])
	ask = append(ask, ids[300:]...)
	ask = append(ask, strings.ToUpper(ids[5]), missing[1])
	res, _, err := c.Indicators.Get(t.Context(), ask...)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Missing, missing) || len(res.Found) != 700 {
		t.Fatalf("Missing = %v, %d found", res.Missing, len(res.Found))
	}
	for i, ind := range res.Found {
		if ind.ID != ids[i] {
			t.Fatalf("indicator %d is %s, want %s", i, ind.ID, ids[i])
		}
	}
	gets := 0
	for _, r := range srv.Requests() {
		if r.Operation == "indicator.get.v1" {
			gets++
		}
	}
	if gets < 3 {
		t.Errorf("702 ids went in %d requests", gets)
	}
	// Only unknown ids: the API answers 404, Get reports them missing.
	res, _, err = c.Indicators.Get(t.Context(), missing...)
	if err != nil || len(res.Found) != 0 || !slices.Equal(res.Missing, missing) {
		t.Errorf("Get(unknown) = %+v, %v", res, err)
	}
}

func TestIndicatorsEmulator_DeleteAndDeleteWhere(t *testing.T) {
	t.Parallel()
	c, srv := emuClient(t)
	res, err := c.Indicators.Create(t.Context(), indTestItems("del", 20), nil)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, it := range res.Items {
		ids = append(ids, it.ID)
	}
	unknown := strings.Repeat("d", 64)
	dres, err := c.Indicators.Delete(t.Context(), append(ids[:5:5], unknown), &ioc.DeleteOptions{Comment: "bye + thanks"})
	if err != nil {
		t.Fatal(err)
	}
	if !sameElements(dres.Deleted, ids[:5]) || !slices.Equal(dres.NotFound, []string{unknown}) || len(dres.Failed) != 0 {
		t.Errorf("Delete = %+v", dres)
	}
	for _, r := range srv.Requests() {
		if r.Operation == "indicator.delete.v1" && r.Query.Get("comment") != "bye + thanks" {
			t.Errorf("comment = %q", r.Query.Get("comment"))
		}
	}
	// All unknown: 404 from the API, reported as not found.
	dres, err = c.Indicators.Delete(t.Context(), []string{unknown}, nil)
	if err != nil || !slices.Equal(dres.NotFound, []string{unknown}) {
		t.Errorf("Delete(unknown) = %+v, %v", dres, err)
	}

	_, err = c.Indicators.DeleteWhere(t.Context(), ioc.Filter{}, nil)
	var ve *falcon.ValidationError
	if !errors.As(err, &ve) {
		t.Errorf("DeleteWhere(nil) err = %v", err)
	}
	wres, err := c.Indicators.DeleteWhere(t.Context(), ioc.Filter{Expr: fql.Eq("type", "domain")}, nil)
	if err != nil || len(wres.Deleted) != 3 {
		t.Fatalf("DeleteWhere(domain) = %+v, %v", wres, err)
	}
	if n := srv.IndicatorCount(); n != 12 {
		t.Errorf("%d left, want 12", n)
	}
	wres, err = c.Indicators.DeleteWhere(t.Context(), ioc.MatchAll(), &ioc.DeleteOptions{Comment: "all"})
	if err != nil || len(wres.Deleted) != 12 || srv.IndicatorCount() != 0 {
		t.Errorf("DeleteWhere(MatchAll) = %+v, %v; %d left", wres, err, srv.IndicatorCount())
	}
}

func TestIndicatorsEmulator_BulkUpdate(t *testing.T) {
	t.Parallel()
	c, srv := emuClient(t)
	if _, err := c.Indicators.Create(t.Context(), indTestItems("bulk", 10), nil); err != nil {
		t.Fatal(err)
	}
	res, err := c.Indicators.BulkUpdate(t.Context(), ioc.BulkUpdate{
		Filter:   ioc.Filter{Expr: fql.In("type", "sha256", "md5")},
		Severity: ioc.Set(ioc.SeverityCritical),
		Tags:     ioc.Clear[[]string](),
	}, &ioc.WriteOptions{Comment: "bulk"})
	if err != nil {
		t.Fatalf("BulkUpdate: %v", err)
	}
	if len(res.Items) != 4 || res.Succeeded() != 4 {
		t.Fatalf("BulkUpdate items = %+v", res.Items)
	}
	for _, in := range srv.Indicators() {
		hash := in.Type == "sha256" || in.Type == "md5"
		if hash != (in.Severity == "critical") || hash != (len(in.Tags) == 0) {
			t.Errorf("%s: severity %q tags %v", in.Type, in.Severity, in.Tags)
		}
	}
}

func TestIndicatorsEmulator_ListSearchPage(t *testing.T) {
	t.Parallel()
	srv := falcontest.NewUnstartedServer(falcontest.WithIndicators(120))
	c := indMemClient(t, srv, true)
	inds, resp, err := c.Indicators.List(t.Context(), &ioc.ListOptions{Limit: 50, Filter: ioc.Filter{Expr: mustFQL("type:'sha256'")}, Sort: fql.Asc("value")})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, in := range srv.Indicators() {
		if in.Type == "sha256" {
			want = append(want, in.Value)
		}
	}
	slices.Sort(want)
	if int(resp.Meta.Pagination.Total) != len(want) || len(inds) != min(50, len(want)) {
		t.Fatalf("List: %d items, total %d, want %d", len(inds), resp.Meta.Pagination.Total, len(want))
	}
	for i, ind := range inds {
		if ind.Value != want[i] {
			t.Fatalf("item %d = %s, want %s", i, ind.Value, want[i])
		}
	}
	ids, resp2, err := c.Indicators.Search(t.Context(), &ioc.ListOptions{Limit: 10, Filter: ioc.Filter{Expr: mustFQL("type:'sha256'")}, Sort: fql.Asc("value"), After: resp.Meta.Pagination.After})
	if err != nil || resp2.Meta.Pagination.Total != resp.Meta.Pagination.Total {
		t.Fatalf("Search: %v", err)
	}
	if len(want) > 50 && (len(ids) == 0 || ids[0] == inds[0].ID) {
		t.Errorf("Search after the first page returned %v", ids)
	}
	// Nil options.
	c, _ = emuClient(t, falcontest.WithIndicators(10))
	if _, _, err := c.Indicators.List(t.Context(), nil); err != nil {
		t.Errorf("List(nil): %v", err)
	}
	if _, _, err := c.Indicators.Search(t.Context(), nil); err != nil {
		t.Errorf("Search(nil): %v", err)
	}
}

// TestIndicatorsEmulator_PrefetchOverlapsConsumer checks, in fake time,
// that the next page is fetched while the loop body works on the current
// one: ten pages that each take the server 50 ms and the loop 50 ms take
// about 550 ms, not a second.
func TestIndicatorsEmulator_PrefetchOverlapsConsumer(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := falcontest.NewUnstartedServer(falcontest.WithIndicators(2000), falcontest.WithRateLimit(0),
			falcontest.WithLatency(50*time.Millisecond))
		c := indMemClient(t, srv, false)
		if _, _, err := c.Indicators.Search(t.Context(), &ioc.ListOptions{Limit: 1}); err != nil { // token
			t.Fatal(err)
		}
		start := time.Now()
		n := 0
		for _, err := range c.Indicators.All(t.Context(), &ioc.ListOptions{Limit: 200}) {
			if err != nil {
				t.Fatal(err)
			}
			if n%200 == 0 {
				time.Sleep(50 * time.Millisecond) // the loop body's work on a page
			}
			n++
		}
		elapsed := time.Since(start)
		if n != 2000 || elapsed > 600*time.Millisecond {
			t.Errorf("%d indicators in %v of fake time, want about 550ms", n, elapsed)
		}
	})
}
