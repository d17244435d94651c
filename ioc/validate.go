package ioc

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/falconioc/falcon"
	"github.com/falconioc/falcon/fql"
	"github.com/falconioc/falcon/internal/iocvalue"
)

// Limits the package checks before sending anything.
const (
	// DefaultLimit is the page size of listings when ListOptions.Limit is 0.
	DefaultLimit = 500
	// MaxLimit is the largest page size the indicator listings take.
	MaxLimit = 2000
	// MaxOffset is the end of the offset window: offset + limit may not
	// exceed it. Cursor paging (the default) has no such window.
	MaxOffset = 10000
	// DefaultBatchSize is how many indicators one create or update request
	// carries when WriteOptions.BatchSize is 0.
	DefaultBatchSize = 200
	// MaxBatchSize is the largest WriteOptions.BatchSize.
	MaxBatchSize = 2000
	// DefaultConcurrency is how many requests a bulk call keeps in flight
	// when its Concurrency option is 0: at Falcon's 6,000 requests per
	// minute, four parallel requests stay well inside the limit.
	DefaultConcurrency = 4
	// MaxConcurrency is the largest Concurrency option.
	MaxConcurrency = 32
	// MaxSourceLen is the longest source an indicator may carry, in
	// characters.
	MaxSourceLen = 256
	// MaxDescriptionLen is the longest description an indicator may
	// carry, in characters.
	MaxDescriptionLen = 4096
)

// mobileActions are the mobile actions the API takes.
var mobileActions = []MobileAction{MobileActionNoAction, MobileActionAllow, MobileActionDetect, MobileActionPrevent}

// needsSeverity reports whether action a needs a severity.
func needsSeverity(a Action) bool {
	return a == ActionDetect || a == ActionPrevent || a == ActionPreventNoUI
}

// ValidateNew runs on items the checks IndicatorsService.Create runs on
// its input, without sending anything, and returns nil or a
// *falcon.ValidationError listing every problem with its item index and
// field: type (any case, sent in lower case) and value (see
// NormalizeValue), action, a severity for the actions that need one
// (detect, prevent, prevent_no_ui), mobile_action (one of the four
// documented), platforms, applied_globally or host groups (32 hexadecimal
// characters each), tags, source and description lengths, an expiration
// in the future, and the same type and value twice in items (reported on
// the later item). Use it for dry runs, or to
// report every bad row of a feed before a long import.
//
// Expirations are compared with the current time, so an item that passes
// now can fail later. What only the tenant knows is not checked here:
// Catalog.Validate checks actions, platforms and severities against the
// tenant's catalogs, and the API still refuses values that exist already
// (ErrDuplicate) or that it warns about (ErrWarning).
func ValidateNew(items []NewIndicator) error {
	c := &checker{now: time.Now()}
	c.checkNew(items)
	return c.err()
}

// ValidateUpdates runs on items the checks IndicatorsService.Update runs
// on its input, without sending anything, and returns nil or a
// *falcon.ValidationError listing every problem with its item index and
// field: ids (64 hexadecimal characters, each at most once), an update
// that changes nothing, fields that cannot be cleared, and the values set
// (platforms, tags, host groups, source, an expiration in the future), as
// ValidateNew checks them.
func ValidateUpdates(items []IndicatorUpdate) error {
	c := &checker{now: time.Now()}
	c.checkUpdates(items)
	return c.err()
}

// maxQuoted bounds how much of an offending value a Problem repeats.
const maxQuoted = 80

func clip(s string) string {
	if len(s) <= maxQuoted {
		return s
	}
	cut := maxQuoted
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// checker collects the problems of one call's input.
type checker struct {
	ve  falcon.ValidationError
	now time.Time
}

func (c *checker) add(index int, field, value, msg string) {
	c.ve.Add(index, field, clip(value), msg)
}

func (c *checker) err() error { return c.ve.Err() }

// byIndex groups the problems by item index.
func (c *checker) byIndex() map[int][]falcon.Problem {
	m := make(map[int][]falcon.Problem)
	for _, p := range c.ve.Problems {
		m[p.Index] = append(m[p.Index], p)
	}
	return m
}

// typeNames lists the types for messages.
var typeNames = strings.Join(iocvalue.Types(), ", ")

// checkValue validates and normalises one value of type typ (already
// normalised).
func (c *checker) checkValue(i int, typ Type, value string) string {
	switch {
	case typ == "":
		c.add(i, "type", "", "type is required")
		return value
	case !iocvalue.ValidType(string(typ)):
		c.add(i, "type", string(typ), "unknown type: must be one of "+typeNames)
		return value
	case strings.TrimSpace(value) == "":
		c.add(i, "value", value, "value is required")
		return value
	}
	norm, err := NormalizeValue(typ, value)
	if err != nil {
		reason := err.Error()
		if ve, ok := errors.AsType[*ValueError](err); ok {
			reason = ve.Reason
		}
		c.add(i, "value", value, "not a valid "+string(typ)+": "+reason)
		return value
	}
	return norm
}

func (c *checker) checkHostGroups(i int, groups []string) {
	for _, g := range groups {
		if !iocvalue.ValidHostGroupID(g) {
			c.add(i, "host_groups", g, "host group ids are 32 hexadecimal characters")
		}
	}
}

func (c *checker) checkPlatforms(i int, ps []Platform) {
	if len(ps) == 0 {
		c.add(i, "platforms", "", "at least one platform is required")
	}
	for _, p := range ps {
		if strings.TrimSpace(string(p)) == "" {
			c.add(i, "platforms", string(p), "platforms may not be empty strings")
		}
	}
}

func (c *checker) checkTags(i int, tags []string) {
	for _, t := range tags {
		if strings.TrimSpace(t) == "" {
			c.add(i, "tags", t, "tags may not be empty")
		}
	}
}

func (c *checker) checkSource(i int, s string) {
	if n := utf8.RuneCountInString(s); n > MaxSourceLen {
		c.add(i, "source", s, "source is "+strconv.Itoa(n)+" characters; at most "+strconv.Itoa(MaxSourceLen)+" are allowed")
	}
}

func (c *checker) checkDescription(i int, s string) {
	if n := utf8.RuneCountInString(s); n > MaxDescriptionLen {
		c.add(i, "description", s, "description is "+strconv.Itoa(n)+" characters; at most "+strconv.Itoa(MaxDescriptionLen)+" are allowed")
	}
}

func (c *checker) checkMobileAction(i int, m MobileAction) {
	if !slices.Contains(mobileActions, m) {
		c.add(i, "mobile_action", string(m), "must be one of "+joinStrings(mobileActions))
	}
}

func (c *checker) checkExpiration(i int, t time.Time) {
	if !t.After(c.now) {
		c.add(i, "expiration", t.Format(time.RFC3339), "expiration must be in the future")
	}
}

// checkNew validates the indicators of a create and returns copies with
// normalised values. Duplicates (same type and normalised value) are
// reported on the later item.
func (c *checker) checkNew(items []NewIndicator) []NewIndicator {
	out := make([]NewIndicator, len(items))
	seen := make(map[Ref]int, len(items))
	for i := range items {
		n := items[i]
		before := len(c.ve.Problems)
		n.Type = n.Type.normalize()
		n.Value = c.checkValue(i, n.Type, n.Value)
		if strings.TrimSpace(string(n.Action)) == "" {
			c.add(i, "action", string(n.Action), "action is required")
		}
		if needsSeverity(n.Action) && strings.TrimSpace(string(n.Severity)) == "" {
			c.add(i, "severity", "", "severity is required for action "+string(n.Action))
		}
		if n.MobileAction != "" {
			c.checkMobileAction(i, n.MobileAction)
		}
		c.checkDescription(i, n.Description)
		c.checkPlatforms(i, n.Platforms)
		switch {
		case n.AppliedGlobally && len(n.HostGroups) > 0:
			c.add(i, "host_groups", strings.Join(n.HostGroups, ","), "host_groups must be empty when applied_globally is true")
		case !n.AppliedGlobally && len(n.HostGroups) == 0:
			c.add(i, "applied_globally", "false", "set applied_globally or name host_groups")
		}
		c.checkHostGroups(i, n.HostGroups)
		if n.Source != "" {
			c.checkSource(i, n.Source)
		}
		c.checkTags(i, n.Tags)
		if !n.Expiration.IsZero() {
			c.checkExpiration(i, n.Expiration)
		}
		if len(c.ve.Problems) == before {
			ref := n.Ref()
			if j, dup := seen[ref]; dup {
				c.add(i, "value", n.Value, "duplicate of item "+strconv.Itoa(j))
			} else {
				seen[ref] = i
			}
		}
		out[i] = n
	}
	return out
}

// checkUpdates validates the items of an update and returns copies with
// lower-case ids.
func (c *checker) checkUpdates(items []IndicatorUpdate) []IndicatorUpdate {
	out := make([]IndicatorUpdate, len(items))
	seen := make(map[string]int, len(items))
	for i := range items {
		u := items[i]
		if !iocvalue.ValidID(u.ID) {
			c.add(i, "id", u.ID, "indicator ids are 64 hexadecimal characters")
		} else {
			u.ID = strings.ToLower(u.ID)
			if j, dup := seen[u.ID]; dup {
				c.add(i, "id", u.ID, "duplicate of item "+strconv.Itoa(j))
			} else {
				seen[u.ID] = i
			}
		}
		c.checkFields(i, updateFields(&u), false)
		clearListsAsEmpty(updateFields(&u))
		out[i] = u
	}
	return out
}

// fieldSet is the part of IndicatorUpdate and BulkUpdate that both check.
type fieldSet struct {
	Action          *Opt[Action]
	MobileAction    *Opt[MobileAction]
	Severity        *Opt[Severity]
	Description     *Opt[string]
	Source          *Opt[string]
	Platforms       *Opt[[]Platform]
	Tags            *Opt[[]string]
	HostGroups      *Opt[[]string]
	AppliedGlobally *Opt[bool]
	Expiration      *Opt[time.Time]
	Metadata        *Opt[MetadataRequest]
}

func updateFields(u *IndicatorUpdate) fieldSet {
	return fieldSet{&u.Action, &u.MobileAction, &u.Severity, &u.Description, &u.Source, &u.Platforms,
		&u.Tags, &u.HostGroups, &u.AppliedGlobally, &u.Expiration, &u.Metadata}
}

func bulkFields(b *BulkUpdate) fieldSet {
	return fieldSet{&b.Action, &b.MobileAction, &b.Severity, &b.Description, &b.Source, &b.Platforms,
		&b.Tags, &b.HostGroups, &b.AppliedGlobally, &b.Expiration, &b.Metadata}
}

// checkFields checks the Opt fields of an update. In a bulk update the
// API's model has no null for scalar fields, so only the lists can be
// cleared there.
func (c *checker) checkFields(i int, f fieldSet, bulk bool) {
	changed := false
	cannotClear := func(name string, o interface{ IsNull() bool }, why string) {
		if o.IsNull() {
			c.add(i, name, "null", why)
		}
	}
	noNull := "cannot be cleared"
	if bulk {
		noNull = "cannot be cleared by a bulk update"
	}
	for _, o := range []interface{ IsSet() bool }{f.Action, f.MobileAction, f.Severity, f.Description, f.Source,
		f.Platforms, f.Tags, f.HostGroups, f.AppliedGlobally, f.Expiration, f.Metadata} {
		changed = changed || o.IsSet()
	}
	if !changed {
		c.add(i, "", "", "the update changes no field")
		return
	}
	cannotClear("action", f.Action, "action cannot be cleared")
	cannotClear("platforms", f.Platforms, "platforms cannot be cleared")
	cannotClear("applied_globally", f.AppliedGlobally, "applied_globally cannot be cleared: set it to true or false")
	cannotClear("mobile_action", f.MobileAction, "mobile_action "+noNull)
	cannotClear("metadata", f.Metadata, "metadata cannot be null: Set(MetadataRequest{}) clears the filename")
	if bulk {
		cannotClear("severity", f.Severity, "severity "+noNull)
		cannotClear("description", f.Description, "description "+noNull)
		cannotClear("source", f.Source, "source "+noNull)
		cannotClear("expiration", f.Expiration, "expiration "+noNull)
	}
	if v, ok := f.Action.Get(); ok && strings.TrimSpace(string(v)) == "" {
		c.add(i, "action", "", "action may not be empty")
	}
	if v, ok := f.Action.Get(); ok && needsSeverity(v) && f.Severity.IsNull() {
		c.add(i, "severity", "null", "severity cannot be cleared: action "+string(v)+" needs one")
	}
	if v, ok := f.Severity.Get(); ok && strings.TrimSpace(string(v)) == "" {
		c.add(i, "severity", "", "severity may not be empty: use Clear to remove it")
	}
	if v, ok := f.MobileAction.Get(); ok {
		c.checkMobileAction(i, v)
	}
	if v, ok := f.Description.Get(); ok {
		c.checkDescription(i, v)
	}
	if v, ok := f.Platforms.Get(); ok {
		c.checkPlatforms(i, v)
	}
	if v, ok := f.Tags.Get(); ok {
		c.checkTags(i, v)
	}
	groups, hasGroups := f.HostGroups.Get()
	if hasGroups {
		c.checkHostGroups(i, groups)
	}
	if g, ok := f.AppliedGlobally.Get(); ok && g && hasGroups && len(groups) > 0 {
		c.add(i, "host_groups", strings.Join(groups, ","), "host_groups must be empty when applied_globally is true")
	}
	if v, ok := f.Source.Get(); ok {
		if v == "" {
			c.add(i, "source", "", "source may not be empty: use Clear to remove it")
		}
		c.checkSource(i, v)
	}
	if v, ok := f.Expiration.Get(); ok {
		if v.IsZero() {
			c.add(i, "expiration", "", "a zero expiration is not sent: use Clear to remove it")
		} else {
			c.checkExpiration(i, v)
		}
	}
}

// checkBulk validates a bulk update and returns its wire form, with the
// filter in canonical form.
func (c *checker) checkBulk(b BulkUpdate) bulkWire {
	w := bulkWire{BulkUpdate: &b}
	if b.Filter.IsZero() {
		c.add(-1, "filter", "", "a bulk update needs a filter: pass ioc.MatchAll() to update every indicator")
	} else {
		w.Filter, _ = c.checkFilter("filter", b.Filter)
	}
	c.checkFields(-1, bulkFields(&b), true)
	clearListsAsEmpty(bulkFields(&b))
	return w
}

// clearListsAsEmpty turns a cleared list field into an empty list. The API
// reads null as "leave alone" for lists (the vendor's generated client
// sends null for every unset list) and [] as "clear".
func clearListsAsEmpty(f fieldSet) {
	if f.Tags.IsNull() {
		*f.Tags = Set([]string{})
	}
	if f.HostGroups.IsNull() {
		*f.HostGroups = Set([]string{})
	}
}

// checkSort validates a sort against the IOC sort fields.
func (c *checker) checkSort(s fql.Sort) string {
	if s.Field == "" {
		return ""
	}
	if err := fql.IOCSortFields.CheckSort(s); err != nil {
		c.add(-1, "sort", s.String(), oneLine(err))
		return ""
	}
	return s.String()
}

// checkIDs validates indicator ids and returns them in lower case without
// duplicates, in their first order.
func (c *checker) checkIDs(field string, ids []string) []string {
	out := make([]string, 0, len(ids))
	var seen map[string]bool
	if len(ids) > 8 {
		seen = make(map[string]bool, len(ids))
	}
	for i, id := range ids {
		if !iocvalue.ValidID(id) {
			c.add(i, field, id, "indicator ids are 64 hexadecimal characters")
			continue
		}
		id = strings.ToLower(id) // no allocation when already lower case
		switch {
		case seen != nil:
			if seen[id] {
				continue
			}
			seen[id] = true
		case slices.Contains(out, id):
			continue
		}
		out = append(out, id)
	}
	return out
}

// checkRange reports a numeric option outside [lo, hi].
func (c *checker) checkRange(field string, v, lo, hi int) {
	if v < lo || v > hi {
		c.add(-1, field, strconv.Itoa(v), fmt.Sprintf("must be between %d and %d", lo, hi))
	}
}

// oneLine keeps the first line of an error's message.
func oneLine(err error) string {
	s := err.Error()
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	return s
}
