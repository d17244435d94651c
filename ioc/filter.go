package ioc

import "github.com/falconioc/falcon/fql"

// Filter selects indicators. It is the one way every call of this package
// that takes a filter takes it: ListOptions.Filter, AggregateOptions.Filter,
// AggregateRequest.Filter, BulkUpdate.Filter, ReportRequest.Filter and
// DeleteWhere. The zero Filter selects every indicator (DeleteWhere and
// BulkUpdate refuse it: see MatchAll).
//
// Expr is checked against fql.IOCIndicatorFields before anything is sent,
// so a misspelt field is a *falcon.ValidationError ("unknown field
// 'sevrity' (did you mean 'severity'?)") rather than an empty result.
// Filters kept as text are read with fql.Parse:
//
//	expr, err := fql.Parse("type:'domain'+severity:'high'")
//	if err != nil { ... }
//	opts := &ioc.ListOptions{Filter: ioc.Filter{Expr: expr}}
type Filter struct {
	// Expr is the FQL expression, built with the fql package
	// (fql.Eq("type", "domain")) or read with fql.Parse. Nil selects every
	// indicator.
	Expr fql.Expr
	// AllowUnknownFields lets fields that fql.IOCIndicatorFields does not
	// list through (fields the API added after this package); the fields
	// it lists are still checked.
	AllowUnknownFields bool
}

// IsZero reports whether f selects every indicator (Expr is nil).
func (f Filter) IsZero() bool { return f.Expr == nil }

// MatchAll returns a filter that matches every indicator, for DeleteWhere
// and BulkUpdate calls meant to change them all: a zero Filter is refused
// there so that touching everything is always spelled out.
func MatchAll() Filter { return Filter{Expr: fql.NotNull("id")} }

// checkFilter validates f against the IOC indicator fields and returns its
// canonical text ("" for the zero Filter). ok is false when there is a
// problem or no filter.
func (c *checker) checkFilter(field string, f Filter) (string, bool) {
	if f.Expr == nil {
		return "", false
	}
	schema := fql.IOCIndicatorFields
	if f.AllowUnknownFields {
		schema = schema.AllowUnknown()
	}
	if err := schema.Check(f.Expr); err != nil {
		c.add(-1, field, clip(f.Expr.String()), oneLine(err))
		return "", false
	}
	return f.Expr.String(), true
}
