package ioc_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/falconioc/falcon"
	"github.com/falconioc/falcon/falcontest"
	"github.com/falconioc/falcon/ioc"
	"github.com/falconioc/falcon/pagination"
	"github.com/jarcoal/httpmock"
)

func TestDevicesService_Count(t *testing.T) {
	t.Parallel()
	c, mock := mockClient(t)
	r, queries := svcQuery(t, func(q url.Values) httpmock.Responder {
		return jsonResponder(http.StatusOK, envelope(
			fmt.Sprintf(`[{"device_count":1000,"limit_exceeded":true,"type":%q,"value":%q}]`, q.Get("type"), q.Get("value")), ""))
	})
	mock.RegisterResponder(http.MethodGet, mockBase+"/iocs/aggregates/indicators/device-count/v1", r)

	// The value goes out normalised (hashes in lower case, no spaces).
	got, resp, err := c.Devices.Count(t.Context(), ioc.Ref{Type: ioc.TypeSHA256, Value: " " + strings.ToUpper(testSHA) + " "})
	if err != nil {
		t.Fatal(err)
	}
	if q := queries()[0]; q.Get("type") != "sha256" || q.Get("value") != testSHA || len(q) != 2 {
		t.Errorf("query = %v", q)
	}
	want := ioc.DeviceCount{Ref: testRef, Count: 1000, LimitExceeded: true}
	if *got != want {
		t.Errorf("Count = %+v, want %+v", *got, want)
	}
	if resp.Meta.TraceID != "trace-ok" {
		t.Errorf("Meta = %+v", resp.Meta)
	}
}

func TestDevicesService_CountLegacy(t *testing.T) {
	t.Parallel()
	c, mock := mockClient(t)
	mock.RegisterResponder(http.MethodGet, mockBase+"/indicators/aggregates/devices-count/v1",
		jsonResponder(http.StatusOK, envelope(`[{"device_count":3,"id":"domain:example.com","type":"domain","value":"example.com"}]`, "")))
	got, _, err := c.Devices.CountLegacy(t.Context(), ioc.Ref{Type: ioc.TypeDomain, Value: "Example.COM."})
	if err != nil {
		t.Fatal(err)
	}
	want := ioc.DeviceCount{Ref: ioc.Ref{Type: ioc.TypeDomain, Value: "example.com"}, ID: "domain:example.com", Count: 3}
	if *got != want {
		t.Errorf("CountLegacy = %+v, want %+v", *got, want)
	}
}

// TestDevicesService_CountNoResults checks that the 404 the API answers
// for an indicator no host saw is a zero count.
func TestDevicesService_CountNoResults(t *testing.T) {
	t.Parallel()
	c, mock := mockClient(t)
	mock.RegisterResponder(http.MethodGet, mockBase+"/iocs/aggregates/indicators/device-count/v1",
		svcError(http.StatusNotFound, "No results found for type: sha256 and value: "+testSHA))
	got, resp, err := c.Devices.Count(t.Context(), testRef)
	if err != nil {
		t.Fatal(err)
	}
	if got.Count != 0 || got.LimitExceeded || got.Ref != testRef {
		t.Errorf("Count = %+v", got)
	}
	if resp == nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("Response = %v, want the 404", resp)
	}
}

func TestDevicesService_Validation(t *testing.T) {
	t.Parallel()
	c, mock := mockClient(t)
	cases := []struct {
		ref   ioc.Ref
		opts  *ioc.RanOnOptions
		field string
	}{
		{ioc.Ref{Type: "sha1", Value: strings.Repeat("a", 40)}, nil, "type"},
		{ioc.Ref{Type: ioc.TypeSHA256, Value: "abc"}, nil, "value"},
		{ioc.Ref{Type: ioc.TypeIPv4, Value: "10.1"}, nil, "value"},
		{ioc.Ref{}, nil, "type"},
		{testRef, &ioc.RanOnOptions{Limit: 101}, "limit"},
		{testRef, &ioc.RanOnOptions{Limit: -1}, "limit"},
	}
	for _, tc := range cases {
		errs := []error{
			drop(c.Devices.RanOn(t.Context(), tc.ref, tc.opts)),
			drop(c.Devices.RanOnLegacy(t.Context(), tc.ref, tc.opts)),
		}
		_, err := firstErr(c.Devices.AllRanOn(t.Context(), tc.ref, tc.opts))
		errs = append(errs, err)
		_, err = firstErr(c.Devices.AllRanOnLegacy(t.Context(), tc.ref, tc.opts))
		errs = append(errs, err)
		if tc.opts == nil {
			errs = append(errs, drop(c.Devices.Count(t.Context(), tc.ref)), drop(c.Devices.CountLegacy(t.Context(), tc.ref)))
		}
		for i, err := range errs {
			ve, ok := errors.AsType[*falcon.ValidationError](err)
			if !ok || len(ve.Problems) != 1 || ve.Problems[0].Field != tc.field {
				t.Errorf("%+v %+v call %d: err = %v, want one problem on %s", tc.ref, tc.opts, i, err, tc.field)
			}
		}
	}
	if n := mock.GetTotalCallCount(); n != 0 {
		t.Errorf("%d requests for invalid input", n)
	}
}

// ranOnPages answers a v1 "ran on" listing from items: string limit and
// offset in, the offset echoed as a string.
func ranOnPages(items []string) func(q url.Values) httpmock.Responder {
	return func(q url.Values) httpmock.Responder {
		limit := 100
		if l := q.Get("limit"); l != "" {
			limit, _ = strconv.Atoi(l)
		}
		off, _ := strconv.Atoi(q.Get("offset"))
		start := min(off, len(items))
		end := min(start+limit, len(items))
		return jsonResponder(http.StatusOK, envelope(jsonStrings(items[start:end]),
			fmt.Sprintf(`{"limit":%d,"offset":"%d","total":%d}`, limit, off, len(items))))
	}
}

// legacyPages answers a legacy listing from items with opaque next_page
// tokens ("page-<n>").
func legacyPages(items []string) func(q url.Values) httpmock.Responder {
	return func(q url.Values) httpmock.Responder {
		limit := 100
		if l := q.Get("limit"); l != "" {
			limit, _ = strconv.Atoi(l)
		}
		off := 0
		if tok := q.Get("offset"); tok != "" {
			off, _ = strconv.Atoi(strings.TrimPrefix(tok, "page-"))
		}
		start := min(off, len(items))
		end := min(start+limit, len(items))
		next := ""
		if end < len(items) {
			next = fmt.Sprintf(`,"next_page":"page-%d"`, end)
		}
		return jsonResponder(http.StatusOK, envelope(jsonStrings(items[start:end]),
			fmt.Sprintf(`{"limit":%d,"offset":%d,"total":%d%s}`, limit, off, len(items), next)))
	}
}

func jsonStrings(vs []string) string {
	if len(vs) == 0 {
		return "[]"
	}
	return `["` + strings.Join(vs, `","`) + `"]`
}

func deviceIDs(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%032x", i+1)
	}
	return out
}

func TestDevicesService_RanOn(t *testing.T) {
	t.Parallel()
	c, mock := mockClient(t)
	devs := deviceIDs(5)
	r, queries := svcQuery(t, ranOnPages(devs))
	mock.RegisterResponder(http.MethodGet, mockBase+"/iocs/queries/indicators/devices/v1", r)

	got, resp, err := c.Devices.RanOn(t.Context(), testRef, &ioc.RanOnOptions{Limit: 2, Offset: "2"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, devs[2:4]) {
		t.Errorf("RanOn = %v, want %v", got, devs[2:4])
	}
	if q := queries()[0]; q.Get("limit") != "2" || q.Get("offset") != "2" || q.Get("type") != "sha256" || q.Get("value") != testSHA {
		t.Errorf("query = %v", q)
	}
	if p := resp.Meta.Pagination; p.Total != 5 || p.OffsetToken != "2" {
		t.Errorf("Pagination = %+v", p)
	}

	// nil options: no paging parameters.
	got, _, err = c.Devices.RanOn(t.Context(), testRef, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, devs) {
		t.Errorf("RanOn(nil) = %v", got)
	}
	if q := queries()[1]; q.Has("limit") || q.Has("offset") {
		t.Errorf("query with nil options = %v", q)
	}
}

func TestDevicesService_RanOnNoResults(t *testing.T) {
	t.Parallel()
	c, mock := mockClient(t)
	mock.RegisterResponder(http.MethodGet, mockBase+"/iocs/queries/indicators/devices/v1",
		svcError(http.StatusNotFound, "No results found"))
	got, resp, err := c.Devices.RanOn(t.Context(), testRef, nil)
	if err != nil || len(got) != 0 || resp == nil {
		t.Errorf("RanOn = %v, %v, %v; want no ids, the response and no error", got, resp, err)
	}
	ids, err := firstErr(c.Devices.AllRanOn(t.Context(), testRef, nil))
	if err != nil || len(ids) != 0 {
		t.Errorf("AllRanOn = %v, %v", ids, err)
	}
}

func TestDevicesService_AllRanOn(t *testing.T) {
	t.Parallel()
	c, mock := mockClient(t)
	devs := deviceIDs(7)
	r, queries := svcQuery(t, ranOnPages(devs))
	mock.RegisterResponder(http.MethodGet, mockBase+"/iocs/queries/indicators/devices/v1", r)

	seq := c.Devices.AllRanOn(t.Context(), testRef, &ioc.RanOnOptions{Limit: 3})
	got, err := firstErr(seq)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, devs) {
		t.Errorf("AllRanOn = %v, want %v", got, devs)
	}
	var offsets []string
	for _, q := range queries() {
		offsets = append(offsets, q.Get("offset"))
	}
	if want := []string{"", "3", "6"}; !slices.Equal(offsets, want) {
		t.Errorf("offsets = %q, want %q", offsets, want)
	}

	// Ranging again starts over.
	again, err := firstErr(seq)
	if err != nil || !slices.Equal(again, devs) {
		t.Errorf("second range = %v, %v", again, err)
	}

	// A start offset resumes there.
	got, err = firstErr(c.Devices.AllRanOn(t.Context(), testRef, &ioc.RanOnOptions{Limit: 3, Offset: "5"}))
	if err != nil || !slices.Equal(got, devs[5:]) {
		t.Errorf("AllRanOn from 5 = %v, %v", got, err)
	}
}

func TestDevicesService_AllRanOnEarlyBreak(t *testing.T) {
	t.Parallel()
	c, mock := mockClient(t)
	r, _ := svcQuery(t, ranOnPages(deviceIDs(40)))
	mock.RegisterResponder(http.MethodGet, mockBase+"/iocs/queries/indicators/devices/v1", r)
	n := 0
	for _, err := range c.Devices.AllRanOn(t.Context(), testRef, &ioc.RanOnOptions{Limit: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if n == 2 {
			break
		}
	}
	// Two pages were needed; prefetch may have asked for a third.
	if calls := mock.GetTotalCallCount(); n != 2 || calls < 2 || calls > 3 {
		t.Errorf("%d ids and %d requests, want 2 ids and 2 or 3 requests", n, calls)
	}
}

// TestDevicesService_AllRanOnOffsetWindow walks a server that gives no
// total and has more ids than the offset window holds: every id inside the
// window comes, then pagination.ErrOffsetWindow, in a *pagination.PageError
// naming the offset past the last id yielded, and no request is sent at or
// past the window.
func TestDevicesService_AllRanOnOffsetWindow(t *testing.T) {
	t.Parallel()
	c, mock := mockClient(t)
	devs := deviceIDs(ioc.MaxOffset + 500)
	r, queries := svcQuery(t, func(q url.Values) httpmock.Responder {
		off, _ := strconv.Atoi(q.Get("offset"))
		limit, _ := strconv.Atoi(q.Get("limit"))
		end := min(off+limit, len(devs))
		return jsonResponder(http.StatusOK, envelope(jsonStrings(devs[off:end]), fmt.Sprintf(`{"limit":%d,"offset":"%d"}`, limit, off)))
	})
	mock.RegisterResponder(http.MethodGet, mockBase+"/iocs/queries/indicators/devices/v1", r)
	got, err := firstErr(c.Devices.AllRanOn(t.Context(), testRef, &ioc.RanOnOptions{Limit: 100}))
	if !errors.Is(err, pagination.ErrOffsetWindow) {
		t.Errorf("err = %v, want pagination.ErrOffsetWindow", err)
	}
	if pe, ok := errors.AsType[*pagination.PageError](err); !ok || pe.Cursor != strconv.Itoa(len(got)) {
		t.Errorf("err = %#v, want a *pagination.PageError at offset %d, where the walk stopped", err, len(got))
	}
	if !slices.Equal(got, devs[:ioc.MaxOffset]) {
		t.Errorf("AllRanOn yielded %d ids, want the first %d", len(got), ioc.MaxOffset)
	}
	for _, q := range queries() {
		if off, _ := strconv.Atoi(q.Get("offset")); off >= ioc.MaxOffset {
			t.Errorf("a request at offset %d", off)
		}
	}
}

// TestDevicesService_AllRanOnOpaqueOffset checks that an offset the server
// answers with that is not a number is passed back as the next offset.
func TestDevicesService_AllRanOnOpaqueOffset(t *testing.T) {
	t.Parallel()
	c, mock := mockClient(t)
	devs := deviceIDs(5)
	pages := map[string]struct {
		ids  []string
		next string
	}{"": {devs[:2], "tok-a"}, "tok-a": {devs[2:4], "tok-b"}, "tok-b": {devs[4:], "tok-b"}}
	r, queries := svcQuery(t, func(q url.Values) httpmock.Responder {
		p := pages[q.Get("offset")]
		return jsonResponder(http.StatusOK, envelope(jsonStrings(p.ids), fmt.Sprintf(`{"limit":2,"offset":%q}`, p.next)))
	})
	mock.RegisterResponder(http.MethodGet, mockBase+"/iocs/queries/indicators/devices/v1", r)
	got, err := firstErr(c.Devices.AllRanOn(t.Context(), testRef, &ioc.RanOnOptions{Limit: 2}))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, devs) {
		t.Errorf("AllRanOn = %v, want %v", got, devs)
	}
	if n := len(queries()); n != 3 {
		t.Errorf("%d requests, want 3 (the repeated token ends the walk)", n)
	}
}

func TestDevicesService_RanOnLegacy(t *testing.T) {
	t.Parallel()
	c, mock := mockClient(t)
	devs := deviceIDs(5)
	r, queries := svcQuery(t, legacyPages(devs))
	mock.RegisterResponder(http.MethodGet, mockBase+"/indicators/queries/devices/v1", r)

	got, resp, err := c.Devices.RanOnLegacy(t.Context(), testRef, &ioc.RanOnOptions{Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, devs[:2]) || resp.Meta.Pagination.NextPage != "page-2" {
		t.Fatalf("RanOnLegacy = %v next %q", got, resp.Meta.Pagination.NextPage)
	}
	got, _, err = c.Devices.RanOnLegacy(t.Context(), testRef, &ioc.RanOnOptions{Limit: 2, Offset: resp.Meta.Pagination.NextPage})
	if err != nil || !slices.Equal(got, devs[2:4]) {
		t.Errorf("second page = %v, %v", got, err)
	}
	if q := queries()[1]; q.Get("offset") != "page-2" || q.Get("limit") != "2" {
		t.Errorf("query = %v", q)
	}
}

func TestDevicesService_AllRanOnLegacy(t *testing.T) {
	t.Parallel()
	c, mock := mockClient(t)
	devs := deviceIDs(7)
	r, queries := svcQuery(t, legacyPages(devs))
	mock.RegisterResponder(http.MethodGet, mockBase+"/indicators/queries/devices/v1", r)
	got, err := firstErr(c.Devices.AllRanOnLegacy(t.Context(), testRef, &ioc.RanOnOptions{Limit: 3}))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, devs) {
		t.Errorf("AllRanOnLegacy = %v, want %v", got, devs)
	}
	var offsets []string
	for _, q := range queries() {
		offsets = append(offsets, q.Get("offset"))
	}
	if want := []string{"", "page-3", "page-6"}; !slices.Equal(offsets, want) {
		t.Errorf("offsets = %q, want %q", offsets, want)
	}

	// Early break.
	mock.ZeroCallCounters()
	n := 0
	for _, err := range c.Devices.AllRanOnLegacy(t.Context(), testRef, &ioc.RanOnOptions{Limit: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 2 {
			break
		}
	}
	if calls := mock.GetTotalCallCount(); calls < 2 || calls > 3 {
		t.Errorf("%d requests after taking 2 of 7 ids one per page", calls)
	}
}

// sightingsByIOC groups the emulator's sightings by indicator.
func sightingsByIOC(srv *falcontest.Server) map[ioc.Ref][]falcontest.Sighting {
	out := make(map[ioc.Ref][]falcontest.Sighting)
	for _, sg := range srv.Sightings() {
		ref := ioc.Ref{Type: ioc.Type(sg.Type), Value: sg.Value}
		out[ref] = append(out[ref], sg)
	}
	return out
}

// TestDevicesService_EmulatorSightings checks counts and host lists, v1
// and legacy, against the emulator's seeded sightings.
func TestDevicesService_EmulatorSightings(t *testing.T) {
	t.Parallel()
	c, srv := emuClient(t, falcontest.WithIndicators(200), falcontest.WithSeed(7))
	byIOC := sightingsByIOC(srv)
	if len(byIOC) < 3 {
		t.Fatalf("the emulator seeded %d sighted indicators, want several", len(byIOC))
	}
	multi := 0
	for ref, sgs := range byIOC {
		want := make([]string, len(sgs))
		for i, sg := range sgs {
			want[i] = sg.DeviceID
		}
		if len(want) > 2 {
			multi++
		}
		cnt, _, err := c.Devices.Count(t.Context(), ref)
		if err != nil {
			t.Fatal(err)
		}
		if cnt.Count != len(want) || cnt.Ref != ref {
			t.Errorf("Count(%s) = %+v, want %d", ref, cnt, len(want))
		}
		legacy, _, err := c.Devices.CountLegacy(t.Context(), ref)
		if err != nil {
			t.Fatal(err)
		}
		if legacy.Count != len(want) {
			t.Errorf("CountLegacy(%s) = %+v, want %d", ref, legacy, len(want))
		}
		got, err := firstErr(c.Devices.AllRanOn(t.Context(), ref, &ioc.RanOnOptions{Limit: 2}))
		if err != nil {
			t.Fatal(err)
		}
		if !sameSet(got, want) {
			t.Errorf("AllRanOn(%s) = %v, want %v", ref, got, want)
		}
		got, err = firstErr(c.Devices.AllRanOnLegacy(t.Context(), ref, &ioc.RanOnOptions{Limit: 2}))
		if err != nil {
			t.Fatal(err)
		}
		if !sameSet(got, want) {
			t.Errorf("AllRanOnLegacy(%s) = %v, want %v", ref, got, want)
		}
	}
	if multi == 0 {
		t.Error("no sighted indicator spans more than one page of 2 hosts")
	}

	// An indicator nobody saw.
	unseen := ioc.Ref{Type: ioc.TypeDomain, Value: "never-seen.example.org"}
	cnt, _, err := c.Devices.Count(t.Context(), unseen)
	if err != nil || cnt.Count != 0 {
		t.Errorf("Count(unseen) = %+v, %v", cnt, err)
	}
	ids, _, err := c.Devices.RanOn(t.Context(), unseen, nil)
	if err != nil || len(ids) != 0 {
		t.Errorf("RanOn(unseen) = %v, %v", ids, err)
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
