package ioc_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/falconioc/falcon"
	"github.com/falconioc/falcon/falcontest"
	"github.com/falconioc/falcon/ioc"
)

func TestProcessesService_RanOn(t *testing.T) {
	t.Parallel()
	c, mock := mockClient(t)
	procs := []string{"pid:a:1", "pid:a:2", "pid:a:3"}
	r, queries := svcQuery(t, ranOnPages(procs))
	mock.RegisterResponder(http.MethodGet, mockBase+"/iocs/queries/indicators/processes/v1", r)

	dev := strings.ToUpper(testDevice)
	got, resp, err := c.Processes.RanOn(t.Context(), testRef, dev, &ioc.RanOnOptions{Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, procs[:2]) || resp.Meta.Pagination.Total != 3 {
		t.Errorf("RanOn = %v, total %d", got, resp.Meta.Pagination.Total)
	}
	q := queries()[0]
	if q.Get("device_id") != dev || q.Get("type") != "sha256" || q.Get("value") != testSHA || q.Get("limit") != "2" || q.Has("offset") {
		t.Errorf("query = %v", q)
	}

	got, _, err = c.Processes.RanOn(t.Context(), testRef, testDevice, nil)
	if err != nil || !slices.Equal(got, procs) {
		t.Errorf("RanOn(nil options) = %v, %v", got, err)
	}
	if q := queries()[1]; q.Has("limit") || q.Has("offset") {
		t.Errorf("query with nil options = %v", q)
	}
}

func TestProcessesService_AllRanOn(t *testing.T) {
	t.Parallel()
	c, mock := mockClient(t)
	procs := make([]string, 7)
	for i := range procs {
		procs[i] = fmt.Sprintf("pid:%s:%d", testDevice, 100+i)
	}
	r, queries := svcQuery(t, ranOnPages(procs))
	mock.RegisterResponder(http.MethodGet, mockBase+"/iocs/queries/indicators/processes/v1", r)
	rl, lq := svcQuery(t, legacyPages(procs))
	mock.RegisterResponder(http.MethodGet, mockBase+"/indicators/queries/processes/v1", rl)

	got, err := firstErr(c.Processes.AllRanOn(t.Context(), testRef, testDevice, &ioc.RanOnOptions{Limit: 3}))
	if err != nil || !slices.Equal(got, procs) {
		t.Fatalf("AllRanOn = %v, %v", got, err)
	}
	for _, q := range queries() {
		if q.Get("device_id") != testDevice {
			t.Errorf("query = %v, lacks the device id", q)
		}
	}
	if n := len(queries()); n != 3 {
		t.Errorf("%d requests for 7 ids by 3, want 3", n)
	}

	got, err = firstErr(c.Processes.AllRanOnLegacy(t.Context(), testRef, testDevice, &ioc.RanOnOptions{Limit: 3}))
	if err != nil || !slices.Equal(got, procs) {
		t.Fatalf("AllRanOnLegacy = %v, %v", got, err)
	}
	var offsets []string
	for _, q := range lq() {
		offsets = append(offsets, q.Get("offset"))
	}
	if want := []string{"", "page-3", "page-6"}; !slices.Equal(offsets, want) {
		t.Errorf("legacy offsets = %q, want %q", offsets, want)
	}

	page, resp, err := c.Processes.RanOnLegacy(t.Context(), testRef, testDevice, &ioc.RanOnOptions{Limit: 3, Offset: "page-6"})
	if err != nil || !slices.Equal(page, procs[6:]) || resp.Meta.Pagination.NextPage != "" {
		t.Errorf("RanOnLegacy(last page) = %v, %v, next %q", page, err, resp.Meta.Pagination.NextPage)
	}

	// Early break.
	mock.ZeroCallCounters()
	for _, err := range c.Processes.AllRanOn(t.Context(), testRef, testDevice, &ioc.RanOnOptions{Limit: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		break
	}
	if n := mock.GetTotalCallCount(); n < 1 || n > 2 {
		t.Errorf("%d requests after taking the first id", n)
	}
}

func TestProcessesService_Validation(t *testing.T) {
	t.Parallel()
	c, mock := mockClient(t)
	cases := []struct {
		ref    ioc.Ref
		device string
		opts   *ioc.RanOnOptions
		fields []string
	}{
		{testRef, "", nil, []string{"device_id"}},
		{testRef, "host-1", nil, []string{"device_id"}},
		{ioc.Ref{Type: ioc.TypeMD5, Value: "xyz"}, "", nil, []string{"device_id", "value"}},
		{testRef, testDevice, &ioc.RanOnOptions{Limit: 500}, []string{"limit"}},
	}
	for _, tc := range cases {
		errs := []error{
			drop(c.Processes.RanOn(t.Context(), tc.ref, tc.device, tc.opts)),
			drop(c.Processes.RanOnLegacy(t.Context(), tc.ref, tc.device, tc.opts)),
		}
		_, err := firstErr(c.Processes.AllRanOn(t.Context(), tc.ref, tc.device, tc.opts))
		errs = append(errs, err)
		_, err = firstErr(c.Processes.AllRanOnLegacy(t.Context(), tc.ref, tc.device, tc.opts))
		errs = append(errs, err)
		for i, err := range errs {
			ve, ok := errors.AsType[*falcon.ValidationError](err)
			if !ok {
				t.Errorf("%q call %d: err = %v, want a ValidationError", tc.device, i, err)
				continue
			}
			var fields []string
			for _, p := range ve.Problems {
				fields = append(fields, p.Field)
			}
			if !slices.Equal(fields, tc.fields) {
				t.Errorf("%q call %d: problems on %v, want %v", tc.device, i, fields, tc.fields)
			}
		}
	}
	for _, ids := range [][]string{{""}, {"pid:x:1", " "}} {
		_, _, err := c.Processes.Get(t.Context(), ids...)
		if _, ok := errors.AsType[*falcon.ValidationError](err); !ok {
			t.Errorf("Get(%q) err = %v, want a ValidationError", ids, err)
		}
	}
	if n := mock.GetTotalCallCount(); n != 0 {
		t.Errorf("%d requests for invalid input", n)
	}
}

func TestProcessesService_Get(t *testing.T) {
	t.Parallel()
	c, mock := mockClient(t)
	var sent []string
	mock.RegisterResponder(http.MethodGet, mockBase+"/processes/entities/processes/v1", func(req *http.Request) (*http.Response, error) {
		sent = req.URL.Query()["ids"]
		return jsonResponder(http.StatusOK, `{"meta":{"query_time":0.01,"trace_id":"trace-p"},"errors":[{"code":404,"message":"Process with id 'pid:x:9' was not found","id":"pid:x:9"}],"resources":[
			{"command_line":"evil.exe --run","device_id":"`+testDevice+`","file_name":"evil.exe","process_id":"pid:x:1","process_id_local":"1",
			 "start_timestamp":"2025-01-29T09:01:39Z","start_timestamp_raw":"133826148991259824",
			 "stop_timestamp":"2025-01-29T10:00:00Z","stop_timestamp_raw":""},
			{"command_line":"","device_id":"`+testDevice+`","file_name":"b","process_id":"pid:x:2","process_id_local":"2",
			 "start_timestamp":"","start_timestamp_raw":"133826148991259824",
			 "stop_timestamp":"not a time","stop_timestamp_raw":"1738141299"}]}`)(req)
	})
	got, resp, err := c.Processes.Get(t.Context(), "pid:x:1", "pid:x:2", "pid:x:9")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sent, []string{"pid:x:1", "pid:x:2", "pid:x:9"}) {
		t.Errorf("ids sent = %q", sent)
	}
	if resp.Meta.TraceID != "trace-p" {
		t.Errorf("Meta = %+v", resp.Meta)
	}
	if len(got.Found) != 2 || !slices.Equal(got.Missing, []string{"pid:x:9"}) {
		t.Fatalf("Get = %+v", got)
	}
	// 133826148991259824 file-time ticks is 2025-01-29T09:01:39.1259824Z:
	// the raw value agrees with the text and is finer, so it wins.
	fine := time.Date(2025, 1, 29, 9, 1, 39, 125982400, time.UTC)
	p := got.Found[0]
	want := ioc.Process{
		ID: "pid:x:1", LocalID: "1", DeviceID: testDevice, FileName: "evil.exe", CommandLine: "evil.exe --run",
		Start: fine, Stop: time.Date(2025, 1, 29, 10, 0, 0, 0, time.UTC),
		StartText: "2025-01-29T09:01:39Z", StartRaw: "133826148991259824", StopText: "2025-01-29T10:00:00Z",
	}
	if !processEqual(*p, want) {
		t.Errorf("process = %+v\nwant %+v", *p, want)
	}
	// No text: the raw value alone. Unreadable text and a raw value that
	// is no file time (Unix seconds): zero, the texts kept.
	q := got.Found[1]
	if !q.Start.Equal(fine) || !q.Stop.IsZero() || q.StopText != "not a time" || q.StopRaw != "1738141299" {
		t.Errorf("process = %+v", *q)
	}

	// The API's form survives a round trip.
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var back ioc.Process
	if err := json.Unmarshal(b, &back); err != nil || !processEqual(back, *p) {
		t.Errorf("round trip = %+v, %v", back, err)
	}
	if !strings.Contains(string(b), `"start_timestamp_raw":"133826148991259824"`) {
		t.Errorf("MarshalJSON = %s", b)
	}
}

func processEqual(a, b ioc.Process) bool {
	return a.ID == b.ID && a.LocalID == b.LocalID && a.DeviceID == b.DeviceID && a.FileName == b.FileName &&
		a.CommandLine == b.CommandLine && a.Start.Equal(b.Start) && a.Stop.Equal(b.Stop) &&
		a.StartText == b.StartText && a.StartRaw == b.StartRaw && a.StopText == b.StopText && a.StopRaw == b.StopRaw
}

func TestProcessesService_GetNotFound(t *testing.T) {
	t.Parallel()
	c, mock := mockClient(t)
	mock.RegisterResponder(http.MethodGet, mockBase+"/processes/entities/processes/v1", svcError(http.StatusNotFound, "Process with id 'pid:x:9' was not found"))
	got, resp, err := c.Processes.Get(t.Context(), "pid:x:9")
	if err != nil || len(got.Found) != 0 || !slices.Equal(got.Missing, []string{"pid:x:9"}) || resp == nil {
		t.Errorf("Get = %+v, %v, %v; want the id Missing with the response", got, resp, err)
	}
	// No id: an empty result and no request, as for every look-up by id.
	got, resp, err = c.Processes.Get(t.Context())
	if err != nil || resp != nil || len(got.Found)+len(got.Missing) != 0 {
		t.Errorf("Get() = %+v, %v, %v", got, resp, err)
	}
	if n := mock.GetTotalCallCount(); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

// TestProcessesService_EmulatorSightings checks the process look-ups,
// v1 and legacy, and the process details against the emulator's seeded
// sightings.
func TestProcessesService_EmulatorSightings(t *testing.T) {
	t.Parallel()
	c, srv := emuClient(t, falcontest.WithIndicators(200), falcontest.WithSeed(11))
	sightings := srv.Sightings()
	if len(sightings) < 3 {
		t.Fatalf("the emulator seeded %d sightings, want several", len(sightings))
	}
	var allIDs []string
	wantByID := make(map[string]falcontest.Process)
	deviceOf := make(map[string]string)
	for _, sg := range sightings {
		ref := ioc.Ref{Type: ioc.Type(sg.Type), Value: sg.Value}
		var want []string
		for _, p := range sg.Processes {
			want = append(want, p.ID)
			wantByID[p.ID] = p
			deviceOf[p.ID] = sg.DeviceID
		}
		got, err := firstErr(c.Processes.AllRanOn(t.Context(), ref, sg.DeviceID, &ioc.RanOnOptions{Limit: 1}))
		if err != nil {
			t.Fatal(err)
		}
		if !sameSet(got, want) {
			t.Errorf("AllRanOn(%s, %s) = %v, want %v", ref, sg.DeviceID, got, want)
		}
		got, err = firstErr(c.Processes.AllRanOnLegacy(t.Context(), ref, sg.DeviceID, &ioc.RanOnOptions{Limit: 2}))
		if err != nil {
			t.Fatal(err)
		}
		if !sameSet(got, want) {
			t.Errorf("AllRanOnLegacy(%s, %s) = %v, want %v", ref, sg.DeviceID, got, want)
		}
		allIDs = append(allIDs, got...)
	}

	// Another host saw nothing.
	other := strings.Repeat("0f", 16)
	got, _, err := c.Processes.RanOn(t.Context(), ioc.Ref{Type: ioc.Type(sightings[0].Type), Value: sightings[0].Value}, other, nil)
	if err != nil || len(got) != 0 {
		t.Errorf("RanOn(other host) = %v, %v", got, err)
	}

	procs, _, err := c.Processes.Get(t.Context(), allIDs...)
	if err != nil {
		t.Fatal(err)
	}
	if len(procs.Found) != len(wantByID) || len(procs.Missing) != 0 {
		t.Fatalf("Get(%d ids) returned %d processes", len(allIDs), len(procs.Found))
	}
	for _, p := range procs.Found {
		w, ok := wantByID[p.ID]
		if !ok {
			t.Errorf("unexpected process %s", p.ID)
			continue
		}
		// The raw value carries the time to 100 ns.
		if p.LocalID != w.LocalID || p.DeviceID != deviceOf[p.ID] || p.FileName != w.FileName || p.CommandLine != w.CommandLine ||
			!p.Start.Equal(w.Start.Truncate(100)) || !p.Stop.Equal(w.Stop.Truncate(100)) {
			t.Errorf("process %s = %+v\nwant %+v on %s", p.ID, *p, w, deviceOf[p.ID])
		}
	}
}

// TestProcessesService_GetChunks checks that many ids go out in several
// requests against the emulator, and that ids it does not know are listed
// in Missing.
func TestProcessesService_GetChunks(t *testing.T) {
	t.Parallel()
	c, srv := emuClient(t)
	ref := ioc.Ref{Type: ioc.TypeDomain, Value: "sighted.example.com"}
	var procs []falcontest.Process
	for i := range 400 {
		procs = append(procs, falcontest.Process{LocalID: fmt.Sprint(1_000_000 + i), FileName: "x.exe", Start: time.Unix(1_700_000_000+int64(i), 0)})
	}
	srv.AddSighting(falcontest.Sighting{Type: string(ref.Type), Value: ref.Value, DeviceID: testDevice, Processes: procs})
	ids, err := firstErr(c.Processes.AllRanOn(t.Context(), ref, testDevice, nil))
	if err != nil || len(ids) != len(procs) {
		t.Fatalf("AllRanOn = %d ids, %v", len(ids), err)
	}
	srv.ResetRequests()
	ids = append(ids, "pid:"+testDevice+":1")
	got, _, err := c.Processes.Get(t.Context(), ids...)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Found) != len(procs) || got.Found[0].ID != ids[0] {
		t.Errorf("Get returned %d of %d", len(got.Found), len(procs))
	}
	if !slices.Equal(got.Missing, []string{"pid:" + testDevice + ":1"}) {
		t.Errorf("Missing = %v", got.Missing)
	}
	if n := len(srv.Requests()); n < 2 {
		t.Errorf("%d requests for %d long ids, want them split", n, len(ids))
	}
}
