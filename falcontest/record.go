package falcontest

import (
	"strings"
	"time"
)

// indicatorFields maps every field an FQL filter, sort or aggregate may
// name on indicators to its extractor. Unknown fields match nothing, as
// on the Falcon endpoints that silently return zero rows.
var indicatorFields = withRaw(map[string]func(r *indRecord) []any{
	"id":              func(r *indRecord) []any { return r.str(r.in.id) },
	"type":            func(r *indRecord) []any { return r.boxed(r.in.typAny, r.in.typ) },
	"value":           func(r *indRecord) []any { return r.str(r.in.value) },
	"action":          func(r *indRecord) []any { return r.str(r.in.action) },
	"mobile_action":   func(r *indRecord) []any { return r.str(r.in.mobileAction) },
	"severity":        func(r *indRecord) []any { return r.str(r.in.severity) },
	"severity_number": func(r *indRecord) []any { return r.num(severityNumber(r.in.severity)) },
	"description":     func(r *indRecord) []any { return r.str(r.in.description) },
	"source":          func(r *indRecord) []any { return r.str(r.in.source) },
	"platforms":       func(r *indRecord) []any { return r.strs(r.in.platforms) },
	"tags":            func(r *indRecord) []any { return r.strs(r.in.tags) },
	"host_groups":     func(r *indRecord) []any { return r.strs(r.in.hostGroups) },
	"applied_globally": func(r *indRecord) []any {
		return r.boolean(r.in.appliedGlobally)
	},
	"expired":         func(r *indRecord) []any { return r.boolean(r.in.expired(r.now)) },
	"deleted":         func(r *indRecord) []any { return r.boolean(false) },
	"from_parent":     func(r *indRecord) []any { return r.boolean(r.in.fromParent) },
	"parent_cid_name": func(r *indRecord) []any { return r.str(r.in.parentCIDName) },
	"expiration":      func(r *indRecord) []any { return r.time(r.in.expiration) },
	"created_on":      func(r *indRecord) []any { return r.boxedTime(r.in.createdAny, r.in.createdOn) },
	"created_by":      func(r *indRecord) []any { return r.str(r.in.createdBy) },
	"modified_on":     func(r *indRecord) []any { return r.time(r.in.modifiedOn) },
	"modified_by":     func(r *indRecord) []any { return r.str(r.in.modifiedBy) },
	"metadata.av_hits": func(r *indRecord) []any {
		if r.in.meta == nil {
			return nil
		}
		return r.num(r.in.meta.AVHits)
	},
	"metadata.signed": func(r *indRecord) []any {
		if r.in.meta == nil {
			return nil
		}
		return r.boolean(r.in.meta.Signed)
	},
	"metadata.company_name":      metaString(func(m *Metadata) string { return m.CompanyName }),
	"metadata.file_description":  metaString(func(m *Metadata) string { return m.FileDescription }),
	"metadata.file_version":      metaString(func(m *Metadata) string { return m.FileVersion }),
	"metadata.filename":          metaString(func(m *Metadata) string { return m.Filename }),
	"metadata.original_filename": metaString(func(m *Metadata) string { return m.OriginalFilename }),
	"metadata.product_name":      metaString(func(m *Metadata) string { return m.ProductName }),
	"metadata.product_version":   metaString(func(m *Metadata) string { return m.ProductVersion }),
})

// withRaw adds the keyword (".raw") variants of the text fields, which
// hold the same values.
func withRaw(fields map[string]func(r *indRecord) []any) map[string]func(r *indRecord) []any {
	raw := map[string]func(r *indRecord) []any{}
	for name, f := range fields {
		switch {
		case name == "value", name == "source", name == "description", name == "created_by",
			name == "modified_by", name == "parent_cid_name":
		case strings.HasPrefix(name, "metadata.") && name != "metadata.av_hits" && name != "metadata.signed":
		default:
			continue
		}
		raw[name+".raw"] = f
	}
	for name, f := range raw {
		fields[name] = f
	}
	return fields
}

func metaString(get func(*Metadata) string) func(r *indRecord) []any {
	return func(r *indRecord) []any {
		if r.in.meta == nil {
			return nil
		}
		return r.str(get(r.in.meta))
	}
}

// indRecord adapts an indicator to fql.Record. One record is reused for a
// whole scan; the slice Values returns is only valid until the next call.
type indRecord struct {
	in      *indicator
	now     int64
	scratch []any
}

// Values implements fql.Record.
func (r *indRecord) Values(field string) []any {
	f := indicatorFields[field]
	if f == nil {
		f = indicatorFields[strings.ToLower(field)]
		if f == nil {
			return nil
		}
	}
	return f(r)
}

func (r *indRecord) str(s string) []any {
	if s == "" {
		return nil
	}
	r.scratch = append(r.scratch[:0], s)
	return r.scratch
}

func (r *indRecord) strs(ss []string) []any {
	if len(ss) == 0 {
		return nil
	}
	r.scratch = r.scratch[:0]
	for _, s := range ss {
		r.scratch = append(r.scratch, s)
	}
	return r.scratch
}

func (r *indRecord) num(n int64) []any {
	if n == 0 {
		return nil
	}
	r.scratch = append(r.scratch[:0], n)
	return r.scratch
}

func (r *indRecord) boolean(v bool) []any {
	r.scratch = append(r.scratch[:0], v)
	return r.scratch
}

// boxed returns v, the string s boxed on insert (s itself when v is nil:
// an indicator not stored yet).
func (r *indRecord) boxed(v any, s string) []any {
	if v == nil {
		return r.str(s)
	}
	r.scratch = append(r.scratch[:0], v)
	return r.scratch
}

// boxedTime is boxed for the time n.
func (r *indRecord) boxedTime(v any, n int64) []any {
	if v == nil {
		return r.time(n)
	}
	r.scratch = append(r.scratch[:0], v)
	return r.scratch
}

func (r *indRecord) time(n int64) []any {
	if n == 0 {
		return nil
	}
	r.scratch = append(r.scratch[:0], time.Unix(0, n).UTC())
	return r.scratch
}
