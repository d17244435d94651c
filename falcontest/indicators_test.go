package falcontest

import (
	"encoding/json"
	"maps"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

const (
	sha1x = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	md5x  = "d41d8cd98f00b204e9800998ecf8427e"
	group = "0123456789abcdef0123456789abcdef"
)

func with(row map[string]any, kv ...any) map[string]any {
	out := maps.Clone(row)
	for i := 0; i+1 < len(kv); i += 2 {
		k := kv[i].(string)
		if kv[i+1] == "<delete>" {
			delete(out, k)
			continue
		}
		out[k] = kv[i+1]
	}
	return out
}

func TestCreateValidation(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	past := clock.now().Add(-time.Hour).Format(time.RFC3339)
	future := clock.now().Add(time.Hour).Format(time.RFC3339Nano)
	base := newInd("domain", "valid.example.net")
	tests := []struct {
		name  string
		row   map[string]any
		field string // "" when the row is valid
		msg   string
	}{
		{"valid domain", base, "", ""},
		{"valid sha256 upper case", with(newInd("sha256", strings.ToUpper(sha1x)), "action", "prevent"), "", ""},
		{"valid md5 allow", with(newInd("md5", md5x), "action", "allow", "severity", "<delete>"), "", ""},
		{"valid ipv6 with host groups", with(newInd("ipv6", "2001:db8::1"), "applied_globally", false, "host_groups", []string{group}), "", ""},
		{"valid expiration", with(base, "expiration", future), "", ""},
		{"severity any case", with(base, "severity", "HIGH"), "", ""},
		{"missing type", with(base, "type", "<delete>"), "type", "type is required"},
		{"unknown type", with(base, "type", "sha1"), "type", "Invalid type"},
		{"missing value", with(base, "value", "<delete>"), "value", "value is required"},
		{"bad domain", with(base, "value", "bad..example"), "value", "Invalid value for type 'domain'"},
		{"bad sha256", with(newInd("sha256", "abc"), "action", "prevent"), "value", "64 hexadecimal"},
		{"bad ipv4", newInd("ipv4", "300.1.2.3"), "value", "Invalid value for type 'ipv4'"},
		{"missing action", with(base, "action", "<delete>"), "action", "action is required"},
		{"unknown action", with(base, "action", "block"), "action", "Invalid action"},
		{"action not for type", with(base, "action", "prevent"), "action", "not supported for type 'domain'"},
		{"missing platforms", with(base, "platforms", "<delete>"), "platforms", "platforms is required"},
		{"unknown platform", with(base, "platforms", []string{"beos"}), "platforms", "Invalid platform"},
		{"platform not for type", with(newInd("md5", md5x), "platforms", []string{"ios"}), "platforms", "not supported"},
		{"detect needs severity", with(base, "severity", "<delete>"), "severity", "severity is required"},
		{"unknown severity", with(base, "severity", "severe"), "severity", "Invalid severity"},
		{"unknown mobile action", with(base, "mobile_action", "explode"), "mobile_action", "Invalid mobile_action"},
		{"missing applied_globally", with(base, "applied_globally", "<delete>"), "applied_globally", "applied_globally is required"},
		{"not global without groups", with(base, "applied_globally", false), "host_groups", "host_groups is required"},
		{"global with groups", with(base, "host_groups", []string{group}), "host_groups", "must be empty"},
		{"bad host group", with(base, "applied_globally", false, "host_groups", []string{"xyz"}), "host_groups", "Invalid host group id"},
		{"expired expiration", with(base, "expiration", past), "expiration", "must be in the future"},
		{"bad expiration", with(base, "expiration", "tomorrow"), "expiration", "Invalid value for field 'expiration'"},
		{"long source", with(base, "source", strings.Repeat("s", 257)), "source", "at most 256"},
		{"empty tag", with(base, "tags", []string{""}), "tags", "tags must be"},
		{"wrong JSON type", with(base, "platforms", "windows"), "platforms", "Invalid value for field 'platforms'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := NewUnstartedServer(WithClock(clock.now))
			c := newClient(t, s)
			r := c.do("POST", "/iocs/entities/indicators/v1", nil, createBody(tt.row))
			if tt.field == "" {
				wantStatus(t, r, 201)
				got := r.indicators(t)
				if len(got) != 1 || got[0].ID == "" || got[0].MessageType != "" {
					t.Fatalf("resources %s", r.Env.Resources)
				}
				if s.IndicatorCount() != 1 {
					t.Fatalf("%d stored", s.IndicatorCount())
				}
				stored, ok := s.Indicator(got[0].ID)
				if !ok || stored.Value != got[0].Value || stored.CreatedOn != clock.now() || stored.CreatedBy != s.ClientID {
					t.Fatalf("stored %+v", stored)
				}
				return
			}
			wantError(t, r, 400, tt.msg)
			got := r.indicators(t)
			if len(got) != 1 || got[0].MessageType != "error" || got[0].FieldName != tt.field || got[0].ID != "" {
				t.Fatalf("resources %s", r.Env.Resources)
			}
			if s.IndicatorCount() != 0 {
				t.Fatal("a failed row was stored")
			}
		})
	}
}

func TestCreateNormalizesAndKeepsGoodRows(t *testing.T) {
	t.Parallel()
	s := NewUnstartedServer()
	c := newClient(t, s)
	r := c.do("POST", "/iocs/entities/indicators/v1", qv("retrodetects", "true"), createBody(
		newInd("domain", "Good.Example.NET."),
		newInd("domain", "bad..example"),
		with(newInd("sha256", strings.ToUpper(sha1x)), "action", "prevent"),
	))
	wantStatus(t, r, 400)
	got := r.indicators(t)
	if len(got) != 3 {
		t.Fatalf("%d resources: %s", len(got), r.Env.Resources)
	}
	if got[0].Value != "good.example.net" || got[0].ID == "" || got[2].Value != sha1x || got[2].ID == "" {
		t.Fatalf("created rows %+v", got)
	}
	if got[1].MessageType != "error" || got[1].Value != "bad..example" {
		t.Fatalf("failed row %+v", got[1])
	}
	if len(r.Env.Errors) != 1 || !strings.Contains(r.Env.Errors[0].Message, "bad..example") {
		t.Fatalf("errors %+v", r.Env.Errors)
	}
	if s.IndicatorCount() != 2 {
		t.Fatalf("%d stored, want 2", s.IndicatorCount())
	}
}

func TestCreateDuplicates(t *testing.T) {
	t.Parallel()
	s := NewUnstartedServer()
	c := newClient(t, s)
	wantStatus(t, c.do("POST", "/iocs/entities/indicators/v1", nil, createBody(newInd("ipv4", "8.8.4.4"))), 201)
	tests := []struct {
		name string
		rows []map[string]any
	}{
		{"existing value", []map[string]any{newInd("ipv4", "8.8.4.4")}},
		{"existing value in another spelling", []map[string]any{newInd("domain", "dup.example.com"), newInd("domain", "DUP.example.com")}},
	}
	for _, tt := range tests {
		r := c.do("POST", "/iocs/entities/indicators/v1", nil, createBody(tt.rows...))
		wantError(t, r, 400, "Duplicate type:")
		got := r.indicators(t)
		last := got[len(got)-1]
		if last.MessageType != "error" || last.FieldName != "value" || !strings.HasPrefix(last.Message, "Duplicate type: '") {
			t.Fatalf("%s: %+v", tt.name, last)
		}
	}
	if s.IndicatorCount() != 2 {
		t.Fatalf("%d stored, want 2 (8.8.4.4 and the first dup.example.com)", s.IndicatorCount())
	}
	// Another type with the same text is not a duplicate.
	wantStatus(t, c.do("POST", "/iocs/entities/indicators/v1", nil, createBody(newInd("domain", "8.8.4.4.example"))), 201)
}

func TestCreateWarnings(t *testing.T) {
	t.Parallel()
	s := NewUnstartedServer()
	c := newClient(t, s)
	body := createBody(newInd("ipv4", "10.1.2.3"), newInd("domain", "fine.example.org"))
	r := c.do("POST", "/iocs/entities/indicators/v1", nil, body)
	wantError(t, r, 400, "private")
	got := r.indicators(t)
	if len(got) != 1 || got[0].MessageType != "warning" || got[0].Value != "10.1.2.3" || got[0].ID != "" {
		t.Fatalf("resources %s", r.Env.Resources)
	}
	if s.IndicatorCount() != 0 {
		t.Fatal("a batch with a warning created indicators")
	}
	r = c.do("POST", "/iocs/entities/indicators/v1", qv("ignore_warnings", "true"), body)
	wantStatus(t, r, 201)
	got = r.indicators(t)
	if len(got) != 2 || got[0].MessageType != "warning" || got[0].ID == "" || got[1].MessageType != "" {
		t.Fatalf("resources %s", r.Env.Resources)
	}
	if s.IndicatorCount() != 2 {
		t.Fatalf("%d stored", s.IndicatorCount())
	}
	wantError(t, c.do("POST", "/iocs/entities/indicators/v1", nil, createBody(newInd("domain", "mail.google.com"))), 400, "widely used")
	wantError(t, c.do("POST", "/iocs/entities/indicators/v1", qv("ignore_warnings", "yes"), body), 400, "true or false")
}

func TestCreateRequestErrors(t *testing.T) {
	t.Parallel()
	s := NewUnstartedServer(WithMaxBatch(2))
	c := newClient(t, s)
	row := newInd("domain", "a.example.com")
	tests := []struct {
		name string
		body any
		msg  string
	}{
		{"not JSON", "{", "JSON object"},
		{"no indicators", map[string]any{"comment": "x"}, "at least one indicator"},
		{"empty indicators", createBody(), "at least one indicator"},
		{"indicators not an array", map[string]any{"indicators": "x"}, "must be an array"},
		{"too many", createBody(row, row, row), "at most 2"},
		{"comment not a string", map[string]any{"indicators": []any{row}, "comment": 5}, "comment must be a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, c.do("POST", "/iocs/entities/indicators/v1", nil, tt.body), 400, tt.msg)
		})
	}
}

func TestGetIndicators(t *testing.T) {
	t.Parallel()
	s := NewUnstartedServer(WithIndicators(5))
	c := newClient(t, s)
	all := s.Indicators()
	missing := strings.Repeat("f", 64)
	r := c.get("/iocs/entities/indicators/v1", url.Values{"ids": {all[3].ID, missing, all[1].ID}})
	wantStatus(t, r, 200)
	got := r.indicators(t)
	if len(got) != 2 || got[0].ID != all[3].ID || got[1].ID != all[1].ID {
		t.Fatalf("got %+v", got)
	}
	if got[0].Value != all[3].Value || got[0].Type != all[3].Type || !got[0].CreatedOn.Equal(all[3].CreatedOn) {
		t.Fatalf("wire %+v, truth %+v", got[0], all[3])
	}
	if len(r.Env.Errors) != 1 || r.Env.Errors[0].Code != 404 || r.Env.Errors[0].ID != missing {
		t.Fatalf("errors %+v", r.Env.Errors)
	}
	wantStatus(t, c.get("/iocs/entities/indicators/v1", qv("ids", missing)), 404)
	wantError(t, c.get("/iocs/entities/indicators/v1", nil), 400, "ids is required")
	// Nanosecond timestamps survive the wire.
	if all[0].CreatedOn.Nanosecond()%1000 == 0 && all[1].CreatedOn.Nanosecond()%1000 == 0 {
		t.Fatal("seeded timestamps lack nanoseconds")
	}
}

func TestUpdateExplicitPresence(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	s := NewUnstartedServer(WithClock(clock.now))
	c := newClient(t, s)
	row := with(newInd("domain", "upd.example.com"), "description", "d", "source", "src", "tags", []string{"a"},
		"expiration", clock.now().Add(48*time.Hour).Format(time.RFC3339))
	r := c.do("POST", "/iocs/entities/indicators/v1", nil, createBody(row))
	wantStatus(t, r, 201)
	id := r.indicators(t)[0].ID
	clock.advance(time.Hour)
	c.token = s.IssueToken() // the first one expired with the hour

	patch := func(fields map[string]any) *result {
		fields["id"] = id
		return c.do("PATCH", "/iocs/entities/indicators/v1", nil, map[string]any{
			"bulk_update": map[string]any{}, "comment": "c", "indicators": []any{fields},
		})
	}
	// Absent fields stay, null clears, set changes.
	r = patch(map[string]any{"description": nil, "source": "new", "expiration": nil, "applied_globally": false, "host_groups": []string{group}})
	wantStatus(t, r, 200)
	got, _ := s.Indicator(id)
	if got.Description != "" || got.Source != "new" || !got.Expiration.IsZero() || got.AppliedGlobally ||
		!slices.Equal(got.HostGroups, []string{group}) || !slices.Equal(got.Tags, []string{"a"}) || got.Severity != "high" {
		t.Fatalf("after update %+v", got)
	}
	if !got.ModifiedOn.Equal(clock.now()) || got.CreatedOn.Equal(got.ModifiedOn) {
		t.Fatalf("modified_on %v created_on %v", got.ModifiedOn, got.CreatedOn)
	}
	wire := r.indicators(t)
	if len(wire) != 1 || wire[0].Source != "new" || wire[0].Description != "" {
		t.Fatalf("answer %s", r.Env.Resources)
	}

	tests := []struct {
		name   string
		fields map[string]any
		status int
		msg    string
	}{
		{"type immutable", map[string]any{"type": "ipv4"}, 400, "type cannot be changed"},
		{"value immutable", map[string]any{"value": "other.example.com"}, 400, "value cannot be changed"},
		{"same value is fine", map[string]any{"value": "UPD.example.com"}, 200, ""},
		{"action not null", map[string]any{"action": nil}, 400, "action cannot be null"},
		{"severity cleared under detect", map[string]any{"severity": nil}, 400, "severity is required"},
		{"severity cleared with no_action", map[string]any{"severity": nil, "action": "no_action"}, 200, ""},
		{"expiration in the past", map[string]any{"expiration": clock.now().Add(-time.Minute).Format(time.RFC3339)}, 400, "must be in the future"},
		{"groups cleared while not global", map[string]any{"host_groups": []string{}}, 400, "host_groups is required"},
		{"platforms emptied", map[string]any{"platforms": []string{}}, 400, "platforms is required"},
	}
	for _, tt := range tests {
		r := patch(tt.fields)
		if tt.msg == "" {
			wantStatus(t, r, tt.status)
			continue
		}
		wantError(t, r, tt.status, tt.msg)
		if got := r.indicators(t); len(got) != 1 || got[0].MessageType != "error" || got[0].ID != id {
			t.Fatalf("%s: resources %s", tt.name, r.Env.Resources)
		}
	}
	if got, _ := s.Indicator(id); got.Action != "no_action" || got.Severity != "" {
		t.Fatalf("failed updates changed the indicator: %+v", got)
	}

	// What the vendor's generated client sends for a one-field update: null
	// lists and a zero expiration mean "leave alone"; [] and "" clear.
	wantStatus(t, patch(map[string]any{"expiration": clock.now().Add(time.Hour).Format(time.RFC3339)}), 200)
	r = patch(map[string]any{"severity": "low", "platforms": nil, "tags": nil, "host_groups": nil, "expiration": "0001-01-01T00:00:00.000Z"})
	wantStatus(t, r, 200)
	got, _ = s.Indicator(id)
	if got.Severity != "low" || !slices.Equal(got.Platforms, []string{"windows", "linux"}) || !slices.Equal(got.Tags, []string{"a"}) ||
		!slices.Equal(got.HostGroups, []string{group}) || got.Expiration.IsZero() {
		t.Fatalf("a generated-client update changed fields it left alone: %+v", got)
	}
	wantStatus(t, patch(map[string]any{"tags": []string{}, "expiration": ""}), 200)
	if got, _ = s.Indicator(id); len(got.Tags) != 0 || !got.Expiration.IsZero() {
		t.Fatalf("[] and \"\" did not clear: %+v", got)
	}

	missing := strings.Repeat("0", 64)
	r = c.do("PATCH", "/iocs/entities/indicators/v1", nil, map[string]any{"bulk_update": map[string]any{}, "indicators": []any{map[string]any{"id": missing, "source": "x"}}})
	wantError(t, r, 404, "was not found")
	r = c.do("PATCH", "/iocs/entities/indicators/v1", nil, map[string]any{"bulk_update": map[string]any{}, "indicators": []any{map[string]any{"source": "x"}}})
	wantError(t, r, 400, "id is required")
	r = c.do("PATCH", "/iocs/entities/indicators/v1", nil, map[string]any{"bulk_update": map[string]any{}, "indicators": []any{}})
	wantError(t, r, 400, "at least one indicator")
}

func TestBulkUpdateByFilter(t *testing.T) {
	t.Parallel()
	s := NewUnstartedServer(WithIndicators(300))
	c := newClient(t, s)
	var want []string
	for _, in := range s.Indicators() {
		if in.Type == "md5" && !in.FromParent {
			want = append(want, in.ID)
		}
	}
	r := c.do("PATCH", "/iocs/entities/indicators/v1", nil, map[string]any{
		"bulk_update": map[string]any{"filter": "type:'md5'", "source": "bulk", "tags": []string{}, "platforms": nil},
		"indicators":  []any{},
	})
	wantStatus(t, r, 200)
	var gotIDs []string
	for _, in := range r.indicators(t) {
		gotIDs = append(gotIDs, in.ID)
	}
	slices.Sort(gotIDs)
	slices.Sort(want)
	if len(want) == 0 || !slices.Equal(gotIDs, want) {
		t.Fatalf("updated %d, want %d", len(gotIDs), len(want))
	}
	for _, in := range s.Indicators() {
		changed := in.Source == "bulk" && len(in.Tags) == 0
		if changed != (in.Type == "md5" && !in.FromParent) {
			t.Fatalf("indicator %s %s: source %q tags %v", in.Type, in.ID, in.Source, in.Tags)
		}
	}
	r = c.do("PATCH", "/iocs/entities/indicators/v1", nil, map[string]any{
		"bulk_update": map[string]any{"filter": "type:'md5'"},
		"indicators":  []any{map[string]any{"id": want[0]}},
	})
	wantError(t, r, 400, "cannot be combined")
	r = c.do("PATCH", "/iocs/entities/indicators/v1", nil, map[string]any{
		"bulk_update": map[string]any{"filter": "nope:'x'"}, "indicators": []any{},
	})
	wantError(t, r, 400, "Invalid filter")
}

func TestDelete(t *testing.T) {
	t.Parallel()
	s := NewUnstartedServer(WithIndicators(200))
	c := newClient(t, s)
	all := s.Indicators()
	var own []Indicator
	var parent *Indicator
	for i, in := range all {
		if in.FromParent {
			parent = &all[i]
		} else {
			own = append(own, in)
		}
	}
	missing := strings.Repeat("e", 64)
	r := c.do("DELETE", "/iocs/entities/indicators/v1", url.Values{"ids": {own[0].ID, missing, own[1].ID}, "comment": {"cleanup"}}, nil)
	wantStatus(t, r, 200)
	if ids := r.ids(t); !slices.Equal(ids, []string{own[0].ID, own[1].ID}) {
		t.Fatalf("deleted %v", ids)
	}
	if len(r.Env.Errors) != 1 || r.Env.Errors[0].Code != 404 {
		t.Fatalf("errors %+v", r.Env.Errors)
	}
	if _, ok := s.Indicator(own[0].ID); ok {
		t.Fatal("deleted indicator still there")
	}
	wantStatus(t, c.do("DELETE", "/iocs/entities/indicators/v1", qv("ids", own[0].ID), nil), 404)
	if parent != nil {
		wantError(t, c.do("DELETE", "/iocs/entities/indicators/v1", qv("ids", parent.ID), nil), 400, "parent")
	}

	before := s.IndicatorCount()
	var ipv6 int
	for _, in := range s.Indicators() {
		if in.Type == "ipv6" && !in.FromParent {
			ipv6++
		}
	}
	r = c.do("DELETE", "/iocs/entities/indicators/v1", qv("filter", "type:'ipv6'"), nil)
	wantStatus(t, r, 200)
	if n := len(r.ids(t)); n != ipv6 || ipv6 == 0 || s.IndicatorCount() != before-ipv6 {
		t.Fatalf("deleted %d of %d ipv6; %d left of %d", n, ipv6, s.IndicatorCount(), before)
	}
	wantError(t, c.do("DELETE", "/iocs/entities/indicators/v1", qv("filter", "type:'md5'", "ids", own[5].ID), nil), 400, "cannot both")
	wantError(t, c.do("DELETE", "/iocs/entities/indicators/v1", nil, nil), 400, "one of ids or filter")
}

func TestSearchFilterAndSort(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	s := NewUnstartedServer(WithIndicators(2000), WithClock(clock.now))
	c := newClient(t, s)
	all := s.Indicators()
	tests := []struct {
		filter string
		keep   func(in Indicator) bool
	}{
		{"type:'domain'", func(in Indicator) bool { return in.Type == "domain" }},
		{"type:['md5','sha256']+action:'prevent'", func(in Indicator) bool {
			return (in.Type == "md5" || in.Type == "sha256") && in.Action == "prevent"
		}},
		{"expired:true", func(in Indicator) bool { return in.Expired }},
		{"tags:'ransomware'", func(in Indicator) bool { return slices.Contains(in.Tags, "ransomware") }},
		{"platforms:'ios',severity:'critical'", func(in Indicator) bool {
			return slices.Contains(in.Platforms, "ios") || in.Severity == "critical"
		}},
		{"created_on:>='" + clock.now().Add(-30*24*time.Hour).Format(time.RFC3339) + "'", func(in Indicator) bool {
			return !in.CreatedOn.Before(clock.now().Add(-30 * 24 * time.Hour))
		}},
		{"source:null", func(in Indicator) bool { return in.Source == "" }},
		{"from_parent:true", func(in Indicator) bool { return in.FromParent }},
	}
	for _, tt := range tests {
		var want []string
		for _, in := range all {
			if tt.keep(in) {
				want = append(want, in.ID)
			}
		}
		r := c.get("/iocs/queries/indicators/v1", qv("filter", tt.filter, "limit", "2000"))
		wantStatus(t, r, 200)
		got := r.ids(t)
		if len(want) == 0 || !slices.Equal(got, want) {
			t.Fatalf("%s: got %d ids, want %d", tt.filter, len(got), len(want))
		}
		if r.Env.Meta.Pagination["total"] != float64(len(want)) {
			t.Fatalf("%s: total %v, want %d", tt.filter, r.Env.Meta.Pagination["total"], len(want))
		}
	}

	byID := map[string]Indicator{}
	for _, in := range all {
		byID[in.ID] = in
	}
	sorts := []struct {
		sort string
		less func(a, b Indicator) int // nil values last in both directions
	}{
		{"created_on.desc", func(a, b Indicator) int { return b.CreatedOn.Compare(a.CreatedOn) }},
		{"value|asc", func(a, b Indicator) int { return strings.Compare(a.Value, b.Value) }},
		{"severity_number.desc", func(a, b Indicator) int {
			na, nb := severityNumber(a.Severity), severityNumber(b.Severity)
			if (na == 0) != (nb == 0) {
				if na == 0 {
					return 1
				}
				return -1
			}
			return int(nb - na)
		}},
		{"expiration", func(a, b Indicator) int {
			if a.Expiration.IsZero() != b.Expiration.IsZero() {
				if a.Expiration.IsZero() {
					return 1
				}
				return -1
			}
			return a.Expiration.Compare(b.Expiration)
		}},
	}
	for _, tt := range sorts {
		r := c.get("/iocs/queries/indicators/v1", qv("sort", tt.sort, "limit", "2000"))
		wantStatus(t, r, 200)
		got := r.ids(t)
		if len(got) != len(all) {
			t.Fatalf("%s: %d ids", tt.sort, len(got))
		}
		for i := 1; i < len(got); i++ {
			if tt.less(byID[got[i-1]], byID[got[i]]) > 0 {
				t.Fatalf("%s: out of order at %d", tt.sort, i)
			}
		}
	}
	wantError(t, c.get("/iocs/queries/indicators/v1", qv("sort", "description.asc")), 400, "Unknown sort value")
	wantError(t, c.get("/iocs/queries/indicators/v1", qv("sort", "value.sideways|")), 400, "Invalid sort")
	wantError(t, c.get("/iocs/queries/indicators/v1", qv("filter", "type:")), 400, "Invalid filter")
	wantError(t, c.get("/iocs/queries/indicators/v1", qv("filter", "colour:'red'")), 400, "colour")
	wantError(t, c.get("/iocs/queries/indicators/v1", qv("from_parent", "1")), 400, "true or false")
}

func TestCombinedMatchesGet(t *testing.T) {
	t.Parallel()
	s := NewUnstartedServer(WithIndicators(50))
	c := newClient(t, s)
	r := c.get("/iocs/combined/indicator/v1", qv("limit", "50", "filter", "type:'sha256'"))
	wantStatus(t, r, 200)
	combined := r.indicators(t)
	var ids []string
	for _, in := range combined {
		ids = append(ids, in.ID)
	}
	g := c.get("/iocs/entities/indicators/v1", url.Values{"ids": ids})
	var a, b []json.RawMessage
	if err := json.Unmarshal(r.Env.Resources, &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(g.Env.Resources, &b); err != nil {
		t.Fatal(err)
	}
	if len(a) == 0 || len(a) != len(b) {
		t.Fatalf("%d combined, %d got", len(a), len(b))
	}
	for i := range a {
		if string(a[i]) != string(b[i]) {
			t.Fatalf("combined and get differ:\n%s\n%s", a[i], b[i])
		}
	}
}
