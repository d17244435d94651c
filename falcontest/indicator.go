package falcontest

import (
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// Indicator is one custom IOC as the emulator stores it; [Server.Indicators]
// returns snapshots of them and [Server.AddIndicators] takes them. Field
// names follow the API's api.IndicatorV1 model.
type Indicator struct {
	ID              string
	Type            string
	Value           string
	Action          string
	MobileAction    string
	Severity        string
	Description     string
	Source          string
	Platforms       []string
	Tags            []string
	HostGroups      []string
	AppliedGlobally bool
	// Expiration is zero when the indicator does not expire.
	Expiration time.Time
	// Expired reports, in snapshots, whether Expiration has passed by the
	// server's clock. AddIndicators ignores it.
	Expired       bool
	FromParent    bool
	ParentCIDName string
	Metadata      Metadata
	CreatedOn     time.Time
	CreatedBy     string
	ModifiedOn    time.Time
	ModifiedBy    string
}

// Metadata is what Falcon knows of a hash indicator's file
// (api.MetadataV1).
type Metadata struct {
	AVHits           int64
	CompanyName      string
	FileDescription  string
	FileVersion      string
	Filename         string
	OriginalFilename string
	ProductName      string
	ProductVersion   string
	Signed           bool
}

func (m *Metadata) isZero() bool { return *m == Metadata{} }

// indicator is the stored form: timestamps as Unix nanoseconds (0: none),
// slices shared and never mutated in place (a write replaces the slice).
type indicator struct {
	seq uint32
	// typAny and createdAny are typ and createdOn as filter values, boxed
	// once on insert (neither ever changes), so that matching filters on
	// them, as every page of a partitioned walk does, allocates nothing.
	typAny, createdAny any
	id                 string
	typ                string
	value              string
	action             string
	mobileAction       string
	severity           string
	description        string
	source             string
	platforms          []string
	tags               []string
	hostGroups         []string
	appliedGlobally    bool
	fromParent         bool
	expiration         int64
	createdOn          int64
	modifiedOn         int64
	createdBy          string
	modifiedBy         string
	parentCIDName      string
	meta               *Metadata // nil: none
}

func (in *indicator) expired(now int64) bool {
	return in.expiration != 0 && in.expiration <= now
}

func severityNumber(s string) int64 {
	switch s {
	case "informational":
		return 1
	case "low":
		return 2
	case "medium":
		return 3
	case "high":
		return 4
	case "critical":
		return 5
	}
	return 0
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

func (in *indicator) public(now int64) Indicator {
	out := Indicator{
		ID:              in.id,
		Type:            in.typ,
		Value:           in.value,
		Action:          in.action,
		MobileAction:    in.mobileAction,
		Severity:        in.severity,
		Description:     in.description,
		Source:          in.source,
		Platforms:       slices.Clone(in.platforms),
		Tags:            slices.Clone(in.tags),
		HostGroups:      slices.Clone(in.hostGroups),
		AppliedGlobally: in.appliedGlobally,
		Expiration:      fromNano(in.expiration),
		Expired:         in.expired(now),
		FromParent:      in.fromParent,
		ParentCIDName:   in.parentCIDName,
		CreatedOn:       fromNano(in.createdOn),
		CreatedBy:       in.createdBy,
		ModifiedOn:      fromNano(in.modifiedOn),
		ModifiedBy:      in.modifiedBy,
	}
	if in.meta != nil {
		out.Metadata = *in.meta
	}
	return out
}

func fromPublic(p *Indicator) *indicator {
	in := &indicator{
		id:              p.ID,
		typ:             p.Type,
		value:           p.Value,
		action:          p.Action,
		mobileAction:    p.MobileAction,
		severity:        p.Severity,
		description:     p.Description,
		source:          p.Source,
		platforms:       nilIfEmpty(slices.Clone(p.Platforms)),
		tags:            nilIfEmpty(slices.Clone(p.Tags)),
		hostGroups:      nilIfEmpty(slices.Clone(p.HostGroups)),
		appliedGlobally: p.AppliedGlobally,
		fromParent:      p.FromParent,
		parentCIDName:   p.ParentCIDName,
		expiration:      unixNano(p.Expiration),
		createdOn:       unixNano(p.CreatedOn),
		createdBy:       p.CreatedBy,
		modifiedOn:      unixNano(p.ModifiedOn),
		modifiedBy:      p.ModifiedBy,
	}
	if !p.Metadata.isZero() {
		m := p.Metadata
		in.meta = &m
	}
	return in
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

// appendIndicatorJSON appends the api.IndicatorV1 encoding of in. It is
// hand-written because pages of thousands of indicators are the hot path of
// clients' benchmarks.
func appendIndicatorJSON(b []byte, in *indicator, now int64) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, in.id)
	b = append(b, `,"type":`...)
	b = appendString(b, in.typ)
	b = append(b, `,"value":`...)
	b = appendString(b, in.value)
	if in.action != "" {
		b = append(b, `,"action":`...)
		b = appendString(b, in.action)
	}
	if in.mobileAction != "" {
		b = append(b, `,"mobile_action":`...)
		b = appendString(b, in.mobileAction)
	}
	if in.severity != "" {
		b = append(b, `,"severity":`...)
		b = appendString(b, in.severity)
	}
	if in.description != "" {
		b = append(b, `,"description":`...)
		b = appendString(b, in.description)
	}
	if in.source != "" {
		b = append(b, `,"source":`...)
		b = appendString(b, in.source)
	}
	b = append(b, `,"platforms":`...)
	b = appendStrings(b, in.platforms)
	b = append(b, `,"tags":`...)
	b = appendStrings(b, in.tags)
	b = append(b, `,"host_groups":`...)
	b = appendStrings(b, in.hostGroups)
	b = append(b, `,"applied_globally":`...)
	b = strconv.AppendBool(b, in.appliedGlobally)
	if in.expiration != 0 {
		b = append(b, `,"expiration":`...)
		b = appendTime(b, in.expiration)
	}
	b = append(b, `,"expired":`...)
	b = strconv.AppendBool(b, in.expired(now))
	b = append(b, `,"deleted":false,"from_parent":`...)
	b = strconv.AppendBool(b, in.fromParent)
	if in.parentCIDName != "" {
		b = append(b, `,"parent_cid_name":`...)
		b = appendString(b, in.parentCIDName)
	}
	if in.meta != nil {
		b = append(b, `,"metadata":`...)
		b = appendMetadata(b, in.meta)
	}
	b = append(b, `,"created_on":`...)
	b = appendTime(b, in.createdOn)
	b = append(b, `,"created_by":`...)
	b = appendString(b, in.createdBy)
	b = append(b, `,"modified_on":`...)
	b = appendTime(b, in.modifiedOn)
	b = append(b, `,"modified_by":`...)
	b = appendString(b, in.modifiedBy)
	return append(b, '}')
}

func appendMetadata(b []byte, m *Metadata) []byte {
	b = append(b, '{')
	first := true
	field := func(name string) {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, '"')
		b = append(b, name...)
		b = append(b, '"', ':')
	}
	if m.AVHits != 0 {
		field("av_hits")
		b = strconv.AppendInt(b, m.AVHits, 10)
	}
	for _, f := range [...]struct{ name, v string }{
		{"company_name", m.CompanyName},
		{"file_description", m.FileDescription},
		{"file_version", m.FileVersion},
		{"filename", m.Filename},
		{"original_filename", m.OriginalFilename},
		{"product_name", m.ProductName},
		{"product_version", m.ProductVersion},
	} {
		if f.v != "" {
			field(f.name)
			b = appendString(b, f.v)
		}
	}
	if m.Signed {
		field("signed")
		b = append(b, "true"...)
	}
	return append(b, '}')
}

func appendStrings(b []byte, ss []string) []byte {
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s)
	}
	return append(b, ']')
}

// appendTime appends an RFC 3339 UTC timestamp with nanoseconds, as the API
// writes them ("2025-01-29T09:01:39.125982486Z").
func appendTime(b []byte, nanos int64) []byte {
	b = append(b, '"')
	b = time.Unix(0, nanos).UTC().AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// plainJSON marks the bytes a JSON string can carry unescaped (encoding/json
// also escapes <, > and &).
var plainJSON = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// appendString appends s as a JSON string, escaping like encoding/json
// (including <, > and &, and invalid UTF-8 as U+FFFD).
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	i := 0
	for i < len(s) && plainJSON[s[i]] {
		i++
	}
	if i == len(s) { // the common case: nothing to escape
		b = append(b, s...)
		return append(b, '"')
	}
	return appendEscaped(b, s)
}

func appendEscaped(b []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
