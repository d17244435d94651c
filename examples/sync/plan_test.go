package main

import (
	"strings"
	"testing"
	"time"

	"github.com/falconioc/falcon/ioc"
)

func TestMakePlan(t *testing.T) {
	t.Parallel()
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	base := func(typ ioc.Type, v string) ioc.NewIndicator {
		return ioc.NewIndicator{Type: typ, Value: v, Action: ioc.ActionDetect, Severity: ioc.SeverityMedium,
			Source: "s", Platforms: []ioc.Platform{"windows", "linux"}, Tags: []string{"a", "b"},
			AppliedGlobally: true, Expiration: exp}
	}
	cur := func(id string, n ioc.NewIndicator) *ioc.Indicator {
		return &ioc.Indicator{ID: id, Type: n.Type, Value: n.Value, Action: n.Action, Severity: n.Severity,
			Source: n.Source, Platforms: n.Platforms, Tags: n.Tags, AppliedGlobally: n.AppliedGlobally,
			Expiration: n.Expiration, Description: n.Description, HostGroups: n.HostGroups}
	}
	same := base(ioc.TypeDomain, "same.example.com")
	// The server answers with other case, another order and nanoseconds:
	// still the same.
	sameCur := cur("1", same)
	sameCur.Value = "SAME.example.com"
	sameCur.Severity = "MEDIUM"
	sameCur.Platforms = []ioc.Platform{"linux", "windows"}
	sameCur.Tags = []string{"b", "a"}
	sameCur.Expiration = exp.Add(123 * time.Nanosecond)

	changed := base(ioc.TypeIPv4, "192.0.2.1")
	changed.Severity = ioc.SeverityHigh
	changed.Expiration = time.Time{}
	changedCur := cur("2", base(ioc.TypeIPv4, "192.0.2.1"))
	changedCur.Description = "old"

	created := base(ioc.TypeMD5, "44d88612fea8a8f36de82e1278abb02f")
	gone := cur("3", base(ioc.TypeDomain, "gone.example.com"))
	inherited := cur("4", base(ioc.TypeDomain, "parent.example.com"))
	inherited.FromParent = true
	deleted := cur("5", base(ioc.TypeDomain, "deleted.example.com"))
	deleted.Deleted = true

	held := cur("6", base(ioc.TypeDomain, "held.example.com"))
	p := makePlan([]ioc.NewIndicator{same, changed, created},
		[]*ioc.Indicator{sameCur, changedCur, gone, inherited, deleted, held},
		holds{keys: map[string]string{"domain:held.example.com": "has a bad row in the list"}})

	if p.Unchanged != 1 {
		t.Errorf("Unchanged = %d, want 1", p.Unchanged)
	}
	if len(p.Create) != 1 || p.Create[0].Value != created.Value {
		t.Errorf("Create = %+v", p.Create)
	}
	if len(p.Delete) != 1 || p.Delete[0].ID != "3" {
		t.Errorf("Delete = %+v", p.Delete)
	}
	if len(p.Inherited) != 1 || p.Inherited[0].ID != "4" {
		t.Errorf("Inherited = %+v", p.Inherited)
	}
	if len(p.Held) != 1 || p.Held[0].Current.ID != "6" {
		t.Errorf("Held = %+v", p.Held)
	}
	if len(p.Update) != 1 {
		t.Fatalf("Update = %+v", p.Update)
	}
	u := p.Update[0]
	if u.Update.ID != "2" {
		t.Errorf("update id %q", u.Update.ID)
	}
	if v, ok := u.Update.Severity.Get(); !ok || v != ioc.SeverityHigh {
		t.Errorf("severity update %v %v", v, ok)
	}
	if !u.Update.Description.IsNull() || !u.Update.Expiration.IsNull() {
		t.Errorf("description and expiration are not cleared: %+v", u.Update)
	}
	if u.Update.Action.IsSet() || u.Update.Platforms.IsSet() || u.Update.Tags.IsSet() || u.Update.AppliedGlobally.IsSet() {
		t.Errorf("unchanged fields are sent: %+v", u.Update)
	}
	if len(u.Diffs) != 3 {
		t.Errorf("diffs = %q, want severity, description and expiration", u.Diffs)
	}
	if p.empty() {
		t.Error("plan is empty")
	}

	// Planning the desired state against itself plans nothing.
	again := makePlan([]ioc.NewIndicator{same}, []*ioc.Indicator{sameCur}, holds{})
	if !again.empty() || again.Unchanged != 1 {
		t.Errorf("re-plan: %+v", again)
	}

	var sb strings.Builder
	p.print(&sb, "s")
	out := sb.String()
	for _, want := range []string{
		`1 to create, 1 to update, 1 to delete, 1 unchanged`,
		"+ md5:44d88612fea8a8f36de82e1278abb02f", "~ ipv4:192.0.2.1", "severity: medium -> high",
		`description: "old" -> (none)`, "expiration: 2030-01-02T03:04:05Z -> (none)",
		"- domain:gone.example.com (id 3)", "! domain:parent.example.com is inherited",
		"! domain:held.example.com has a bad row",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plan output lacks %q:\n%s", want, out)
		}
	}
}

func TestDiffHostGroups(t *testing.T) {
	t.Parallel()
	want := ioc.NewIndicator{Type: ioc.TypeDomain, Value: "x.example.com", Action: ioc.ActionDetect,
		HostGroups: []string{"g1"}}
	cur := &ioc.Indicator{ID: "1", Type: ioc.TypeDomain, Value: "x.example.com", Action: ioc.ActionDetect,
		AppliedGlobally: true, Severity: ioc.SeverityLow}
	u, diffs := diff(want, cur)
	if v, ok := u.AppliedGlobally.Get(); !ok || v {
		t.Errorf("applied_globally: %v %v", v, ok)
	}
	if v, ok := u.HostGroups.Get(); !ok || len(v) != 1 {
		t.Errorf("host_groups: %v %v", v, ok)
	}
	if !u.Severity.IsNull() {
		t.Errorf("severity not cleared")
	}
	if len(diffs) != 3 {
		t.Errorf("diffs %q", diffs)
	}
}
