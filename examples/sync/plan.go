package main

import (
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/falconioc/falcon/examples/internal/convert"
	"github.com/falconioc/falcon/ioc"
)

// plan is what sync would change to make Falcon match the desired list.
type plan struct {
	Create []ioc.NewIndicator
	Update []change
	Delete []*ioc.Indicator
	// Unchanged counts desired indicators that already match.
	Unchanged int
	// Inherited lists indicators of the source that come from a parent CID:
	// they cannot be changed here and are left alone.
	Inherited []*ioc.Indicator
	// Held lists indicators of the source that the list names in a form
	// not sent (a bad row skipped with -skip-invalid, a URL's host, an
	// address inside a CIDR range): they are neither updated nor deleted.
	Held []held
	// Conflicts lists desired indicators whose type and value already
	// exist under another source: sync leaves indicators it does not own
	// alone.
	Conflicts []conflict
}

// change is one indicator to update and what differs.
type change struct {
	Current *ioc.Indicator
	Update  ioc.IndicatorUpdate
	Diffs   []string // "severity: low -> high"
}

// conflict is a desired indicator that exists under another source.
type conflict struct {
	Want  ioc.NewIndicator
	Owner *ioc.Indicator
}

// held is an indicator of the source left as it is, and why.
type held struct {
	Current *ioc.Indicator
	Why     string // "has a bad row in the list"
}

// holds says which current indicators the list names in a form that is
// not sent, so that the plan neither updates nor deletes them.
type holds struct {
	keys   map[string]string // by convert.Key: why
	ranges []heldRange
}

type heldRange struct {
	prefix netip.Prefix
	why    string
}

// holdsOf collects the holds of a list: the items set aside with a key
// (a bad row whose type and value are valid, a skipped URL's host) and
// the skipped CIDR ranges. Without them, a value Falcon cannot hold would
// delete the indicator it stands for: "https://evil.example/x" read
// without -url-hosts would delete the domain evil.example.
func holdsOf(b *convert.Batch) holds {
	h := holds{keys: map[string]string{}}
	for _, bad := range b.Invalid {
		if bad.Key != "" {
			h.keys[bad.Key] = "has a bad row in the list"
		}
	}
	for _, s := range b.Skipped {
		switch {
		case s.Key != "":
			if _, ok := h.keys[s.Key]; !ok {
				h.keys[s.Key] = "is listed only as the host of a URL (" + s.Origin + "; -url-hosts imports it)"
			}
		case s.Range.IsValid():
			h.ranges = append(h.ranges, heldRange{s.Range, "is inside a CIDR range listed (" + s.Origin + "; Falcon takes single addresses)"})
		}
	}
	return h
}

// why returns why c is held, or "".
func (h holds) why(c *ioc.Indicator) string {
	if why := h.keys[convert.Key(c.Type, c.Value)]; why != "" {
		return why
	}
	if c.Type != ioc.TypeIPv4 && c.Type != ioc.TypeIPv6 || len(h.ranges) == 0 {
		return ""
	}
	a, err := netip.ParseAddr(c.Value)
	if err != nil {
		return ""
	}
	for _, r := range h.ranges {
		if r.prefix.Contains(a) {
			return r.why
		}
	}
	return ""
}

// leftAlone counts the listed or owned indicators the plan does not bring
// in line: conflicts, indicators with a bad row, inherited ones.
func (p *plan) leftAlone() int { return len(p.Conflicts) + len(p.Held) + len(p.Inherited) }

// empty reports whether the plan changes nothing.
func (p *plan) empty() bool {
	return len(p.Create) == 0 && len(p.Update) == 0 && len(p.Delete) == 0
}

// makePlan compares the desired indicators (all of one source) with the
// current indicators of that source. Current indicators not desired that
// h holds (listed on a bad row, or in a form Falcon cannot hold) are left
// alone.
func makePlan(desired []ioc.NewIndicator, current []*ioc.Indicator, h holds) *plan {
	p := &plan{}
	byKey := make(map[string]*ioc.Indicator, len(current))
	for _, c := range current {
		if c.Deleted {
			continue
		}
		if c.FromParent {
			p.Inherited = append(p.Inherited, c)
			continue
		}
		byKey[convert.Key(c.Type, c.Value)] = c
	}
	wanted := make(map[string]bool, len(desired))
	for _, d := range desired {
		k := convert.Key(d.Type, d.Value)
		wanted[k] = true
		cur, ok := byKey[k]
		if !ok {
			p.Create = append(p.Create, d)
			continue
		}
		if u, diffs := diff(d, cur); len(diffs) > 0 {
			p.Update = append(p.Update, change{Current: cur, Update: u, Diffs: diffs})
		} else {
			p.Unchanged++
		}
	}
	for _, c := range current {
		if c.Deleted || c.FromParent || wanted[convert.Key(c.Type, c.Value)] {
			continue
		}
		if why := h.why(c); why != "" {
			p.Held = append(p.Held, held{c, why})
		} else {
			p.Delete = append(p.Delete, c)
		}
	}
	return p
}

// diff returns the update that makes cur look like want, and a description
// of each field it changes. Type and value are equal by construction; the
// source is the one sync manages, so it is equal too. Fields the desired list
// leaves empty are cleared, so that the list is the whole truth.
func diff(want ioc.NewIndicator, cur *ioc.Indicator) (ioc.IndicatorUpdate, []string) {
	u := ioc.IndicatorUpdate{ID: cur.ID}
	var diffs []string
	note := func(field string, from, to any) {
		diffs = append(diffs, fmt.Sprintf("%s: %s -> %s", field, show(from), show(to)))
	}
	if !strings.EqualFold(string(want.Action), string(cur.Action)) {
		u.Action = ioc.Set(want.Action)
		note("action", cur.Action, want.Action)
	}
	if !strings.EqualFold(string(want.Severity), string(cur.Severity)) {
		if want.Severity == "" {
			u.Severity = ioc.Clear[ioc.Severity]()
		} else {
			u.Severity = ioc.Set(want.Severity)
		}
		note("severity", cur.Severity, want.Severity)
	}
	if want.Description != cur.Description {
		if want.Description == "" {
			u.Description = ioc.Clear[string]()
		} else {
			u.Description = ioc.Set(want.Description)
		}
		note("description", cur.Description, want.Description)
	}
	if !sameSet(want.Platforms, cur.Platforms) {
		u.Platforms = ioc.Set(orEmpty(want.Platforms))
		note("platforms", cur.Platforms, want.Platforms)
	}
	if !sameSet(want.Tags, cur.Tags) {
		u.Tags = ioc.Set(orEmpty(want.Tags))
		note("tags", cur.Tags, want.Tags)
	}
	if want.AppliedGlobally != cur.AppliedGlobally {
		u.AppliedGlobally = ioc.Set(want.AppliedGlobally)
		note("applied_globally", cur.AppliedGlobally, want.AppliedGlobally)
	}
	if !sameSet(want.HostGroups, cur.HostGroups) {
		u.HostGroups = ioc.Set(orEmpty(want.HostGroups))
		note("host_groups", cur.HostGroups, want.HostGroups)
	}
	if !sameTime(want.Expiration, cur.Expiration) {
		if want.Expiration.IsZero() {
			u.Expiration = ioc.Clear[time.Time]()
		} else {
			u.Expiration = ioc.Set(want.Expiration)
		}
		note("expiration", cur.Expiration, want.Expiration)
	}
	return u, diffs
}

// sameSet compares two lists as sets of case-insensitive strings.
func sameSet[T ~string](a, b []T) bool {
	norm := func(xs []T) []string {
		out := make([]string, 0, len(xs))
		for _, x := range xs {
			out = append(out, strings.ToLower(string(x)))
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	return slices.Equal(norm(a), norm(b))
}

// sameTime compares expirations to the second: feeds give seconds at most,
// and the API answers with nanoseconds.
func sameTime(a, b time.Time) bool {
	if a.IsZero() || b.IsZero() {
		return a.IsZero() == b.IsZero()
	}
	return a.Truncate(time.Second).Equal(b.Truncate(time.Second))
}

func orEmpty[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

// show formats a field value for the plan.
func show(v any) string {
	switch v := v.(type) {
	case time.Time:
		if v.IsZero() {
			return "(none)"
		}
		return v.UTC().Format(time.RFC3339)
	case string:
		if v == "" {
			return "(none)"
		}
		return fmt.Sprintf("%q", v)
	case fmt.Stringer:
		return show(v.String())
	}
	s := fmt.Sprint(v)
	if s == "[]" || s == "" {
		return "(none)"
	}
	return s
}

// print writes the plan for people to read.
func (p *plan) print(w io.Writer, source string) {
	fmt.Fprintf(w, "Plan for source %q: %d to create, %d to update, %d to delete, %d unchanged, %d conflict(s).\n",
		source, len(p.Create), len(p.Update), len(p.Delete), p.Unchanged, len(p.Conflicts))
	for _, c := range p.Create {
		fmt.Fprintf(w, "  + %s:%s (%s, %s)\n", c.Type, c.Value, c.Action, orNone(string(c.Severity)))
	}
	for _, c := range p.Update {
		fmt.Fprintf(w, "  ~ %s:%s\n", c.Current.Type, c.Current.Value)
		for _, d := range c.Diffs {
			fmt.Fprintf(w, "      %s\n", d)
		}
	}
	for _, c := range p.Delete {
		fmt.Fprintf(w, "  - %s:%s (id %s)\n", c.Type, c.Value, c.ID)
	}
	for _, c := range p.Conflicts {
		fmt.Fprintf(w, "  ! %s:%s exists with source %q (id %s): left alone\n",
			c.Want.Type, c.Want.Value, c.Owner.Source, c.Owner.ID)
	}
	for _, c := range p.Held {
		fmt.Fprintf(w, "  ! %s:%s %s: left as it is\n", c.Current.Type, c.Current.Value, c.Why)
	}
	for _, c := range p.Inherited {
		fmt.Fprintf(w, "  ! %s:%s is inherited from %s: left alone\n", c.Type, c.Value, orNone(c.ParentCIDName))
	}
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
