package falcontest

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestSightings(t *testing.T) {
	t.Parallel()
	s := NewUnstartedServer(WithIndicators(400))
	c := newClient(t, s)
	all := s.Sightings()
	if len(all) == 0 {
		t.Fatal("no seeded sightings")
	}
	// Group the truth by IOC.
	type ioc struct{ typ, value string }
	byIOC := map[ioc][]Sighting{}
	for _, sg := range all {
		k := ioc{sg.Type, sg.Value}
		byIOC[k] = append(byIOC[k], sg)
	}
	for k, sgs := range byIOC {
		q := qv("type", k.typ, "value", k.value)
		for _, path := range []string{"/iocs/aggregates/indicators/device-count/v1", "/indicators/aggregates/devices-count/v1"} {
			r := c.get(path, q)
			wantStatus(t, r, 200)
			var counts []struct {
				DeviceCount int    `json:"device_count"`
				ID          string `json:"id"`
				Type        string `json:"type"`
				Value       string `json:"value"`
			}
			if err := json.Unmarshal(r.Env.Resources, &counts); err != nil {
				t.Fatal(err)
			}
			if len(counts) != 1 || counts[0].DeviceCount != len(sgs) || counts[0].Value != k.value {
				t.Fatalf("%s %v: %+v, want %d devices", path, k, counts, len(sgs))
			}
			if legacy := strings.HasPrefix(path, "/indicators/"); legacy != (counts[0].ID != "") {
				t.Fatalf("%s: id %q", path, counts[0].ID)
			}
		}
		var want []string
		for _, sg := range sgs {
			want = append(want, sg.DeviceID)
		}
		// v1 pages by offset; legacy by next_page.
		var got []string
		for off := 0; ; off += 2 {
			r := c.get("/iocs/queries/indicators/devices/v1", qv("type", k.typ, "value", k.value, "limit", "2", "offset", strconv.Itoa(off)))
			wantStatus(t, r, 200)
			if r.Env.Meta.Pagination["offset"] != strconv.Itoa(off) {
				t.Fatalf("v1 offset %v", r.Env.Meta.Pagination["offset"])
			}
			page := r.ids(t)
			got = append(got, page...)
			if len(page) < 2 {
				break
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("devices %v, want %v", got, want)
		}
		got = nil
		offset := ""
		for {
			q := qv("type", k.typ, "value", k.value, "limit", "1")
			if offset != "" {
				q.Set("offset", offset)
			}
			r := c.get("/indicators/queries/devices/v1", q)
			wantStatus(t, r, 200)
			got = append(got, r.ids(t)...)
			next, _ := r.Env.Meta.Pagination["next_page"].(string)
			if next == "" {
				break
			}
			offset = next
		}
		if !slices.Equal(got, want) {
			t.Fatalf("legacy devices %v, want %v", got, want)
		}
		sg := sgs[0]
		for _, path := range []string{"/iocs/queries/indicators/processes/v1", "/indicators/queries/processes/v1"} {
			r := c.get(path, qv("type", k.typ, "value", k.value, "device_id", sg.DeviceID))
			wantStatus(t, r, 200)
			var wantP []string
			for _, p := range sg.Processes {
				wantP = append(wantP, p.ID)
			}
			if got := r.ids(t); !slices.Equal(got, wantP) {
				t.Fatalf("%s: %v, want %v", path, got, wantP)
			}
		}
	}

	sg := all[0]
	p := sg.Processes[0]
	r := c.get("/processes/entities/processes/v1", qv("ids", p.ID, "ids", "pid:nope:1"))
	wantStatus(t, r, 200)
	var details []map[string]string
	if err := json.Unmarshal(r.Env.Resources, &details); err != nil {
		t.Fatal(err)
	}
	if len(details) != 1 || details[0]["process_id"] != p.ID || details[0]["device_id"] != sg.DeviceID ||
		details[0]["file_name"] != p.FileName || details[0]["start_timestamp"] != p.Start.Format(time.RFC3339) ||
		details[0]["start_timestamp_raw"] == "" {
		t.Fatalf("details %+v, process %+v", details, p)
	}
	if len(r.Env.Errors) != 1 || r.Env.Errors[0].Code != 404 {
		t.Fatalf("errors %+v", r.Env.Errors)
	}
}

func TestAddSightingAndErrors(t *testing.T) {
	t.Parallel()
	s := NewUnstartedServer()
	c := newClient(t, s)
	dev := "00112233445566778899aabbccddeeff"
	start := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	s.AddSighting(Sighting{Type: "domain", Value: "Seen.Example.com", DeviceID: dev, Processes: []Process{
		{LocalID: "42", FileName: "curl", CommandLine: "curl seen.example.com", Start: start, Stop: start.Add(time.Second)},
	}})
	s.AddSighting(Sighting{Type: "domain", Value: "seen.example.com", DeviceID: dev, Processes: []Process{{LocalID: "43"}}})
	got := s.Sightings()
	if len(got) != 1 || got[0].Value != "seen.example.com" || len(got[0].Processes) != 2 || got[0].Processes[0].ID != "pid:"+dev+":42" {
		t.Fatalf("sightings %+v", got)
	}
	r := c.get("/iocs/queries/indicators/processes/v1", qv("type", "domain", "value", "seen.example.com", "device_id", dev))
	if ids := r.ids(t); len(ids) != 2 {
		t.Fatalf("processes %v", ids)
	}
	for _, tt := range []struct {
		path, query string
		status      int
		msg         string
	}{
		{"/iocs/aggregates/indicators/device-count/v1", "type=domain&value=unseen.example.com", 404, "No results found for type: domain and value: unseen.example.com"},
		{"/iocs/aggregates/indicators/device-count/v1", "type=sha1&value=abc", 400, "Invalid type"},
		{"/iocs/aggregates/indicators/device-count/v1", "type=ipv4&value=1.2.3", 400, "Invalid value"},
		{"/iocs/aggregates/indicators/device-count/v1", "type=ipv4", 400, "type and value are required"},
		{"/iocs/queries/indicators/devices/v1", "type=domain&value=seen.example.com&limit=101", 400, "between 1 and 100"},
		{"/iocs/queries/indicators/devices/v1", "type=domain&value=seen.example.com&offset=-2", 400, "non-negative"},
		{"/iocs/queries/indicators/processes/v1", "type=domain&value=seen.example.com", 400, "device_id is required"},
		{"/iocs/queries/indicators/processes/v1", "type=domain&value=seen.example.com&device_id=xyz", 400, "Invalid device_id"},
		{"/processes/entities/processes/v1", "", 400, "ids is required"},
		{"/processes/entities/processes/v1", "ids=pid:x:1", 404, "was not found"},
	} {
		path := tt.path
		q := qv()
		for kv := range strings.SplitSeq(tt.query, "&") {
			if k, v, ok := strings.Cut(kv, "="); ok {
				q.Add(k, v)
			}
		}
		wantError(t, c.get(path, q), tt.status, tt.msg)
	}
	r = c.get("/iocs/queries/indicators/devices/v1", qv("type", "domain", "value", "unseen.example.com"))
	wantStatus(t, r, 200)
	if len(r.ids(t)) != 0 {
		t.Fatal("devices for an unseen IOC")
	}
	for _, bad := range []Sighting{
		{Type: "domain", Value: "x..y", DeviceID: dev},
		{Type: "domain", Value: "ok.example", DeviceID: "short"},
		{Type: "domain", Value: "ok.example", DeviceID: dev, Processes: []Process{{}}},
	} {
		func() {
			defer func() {
				if v, _ := recover().(string); !strings.HasPrefix(v, "falcontest: AddSighting") {
					t.Fatalf("AddSighting(%+v) panicked with %q", bad, v)
				}
			}()
			s.AddSighting(bad)
		}()
	}
}
