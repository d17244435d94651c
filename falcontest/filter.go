package falcontest

import (
	"slices"
	"strings"

	"github.com/falconioc/falcon/fql"
)

// filterSchema lists every field an indicator filter may name, with its
// kind; a filter naming another field, or comparing a field in a way its
// kind does not allow, is refused with 400 as some Falcon endpoints refuse
// it, so that a typo never passes as "no results" in a test.
var filterSchema = func() fql.Schema {
	kinds := map[string]fql.Kind{}
	for name := range indicatorFields {
		base := strings.TrimSuffix(name, ".raw")
		switch base {
		case "platforms", "tags", "host_groups":
			kinds[name] = fql.KindStringList
		case "applied_globally", "expired", "deleted", "from_parent", "metadata.signed":
			kinds[name] = fql.KindBool
		case "expiration", "created_on", "modified_on":
			kinds[name] = fql.KindTime
		case "severity_number", "metadata.av_hits":
			kinds[name] = fql.KindNumber
		default:
			kinds[name] = fql.KindString
		}
	}
	return fql.NewSchema(kinds)
}()

// compiledFilter is a checked, compiled filter and how its results depend
// on the clock.
type compiledFilter struct {
	match    matchFunc
	relative bool // holds a relative date ("now-7d")
	expired  bool // names the expired field
	// types, when not nil, are the only types (lower case) the filter can
	// match: a scan need only look at their indicators.
	types []string
}

// compileFilter parses an FQL filter, checks it against the indicator
// fields and compiles it against the server's clock.
func (s *Server) compileFilter(filter string) (compiledFilter, error) {
	e, err := fql.Parse(filter)
	if err != nil {
		return compiledFilter{}, msgError("Invalid filter: " + oneLine(err))
	}
	if err := filterSchema.Check(e); err != nil {
		return compiledFilter{}, msgError("Invalid filter: " + oneLine(err))
	}
	m, err := fql.Compile(e, s.cfg.clock)
	if err != nil {
		return compiledFilter{}, msgError("Invalid filter: " + oneLine(err))
	}
	cf := compiledFilter{match: func(r *indRecord) (bool, error) { return m(r) }}
	clockUse(e, &cf)
	if types, ok := typeRestriction(e); ok {
		cf.types = types
	}
	return cf, nil
}

// typeRestriction returns the types (lower case) outside which e cannot
// match, when e says so: a type equality (type:'x', type:['x','y']), an
// AND with one, or an OR of such. Comparisons of strings ignore case, so
// only ASCII values are taken (their lower case is the only spelling
// EqualFold matches).
func typeRestriction(e fql.Expr) ([]string, bool) {
	switch x := e.(type) {
	case fql.Comparison:
		if !strings.EqualFold(x.Field(), "type") || x.Op() != fql.OpEq {
			return nil, false
		}
		vals := []fql.Value{x.Value()}
		if set, ok := x.Value().(fql.Set); ok {
			vals = set
		}
		var out []string
		for _, v := range vals {
			str, ok := v.(fql.String)
			if !ok || !isASCII(string(str)) {
				return nil, false
			}
			out = append(out, strings.ToLower(string(str)))
		}
		return out, len(out) > 0
	case fql.AndExpr:
		for _, sub := range x.Exprs() {
			if types, ok := typeRestriction(sub); ok {
				return types, true
			}
		}
	case fql.OrExpr:
		var out []string
		for _, sub := range x.Exprs() {
			types, ok := typeRestriction(sub)
			if !ok {
				return nil, false
			}
			out = append(out, types...)
		}
		slices.Sort(out)
		return slices.Compact(out), len(out) > 0
	}
	return nil, false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// clockUse records whether e's results can change as the clock moves.
func clockUse(e fql.Expr, cf *compiledFilter) {
	switch x := e.(type) {
	case fql.Comparison:
		if strings.ToLower(x.Field()) == "expired" {
			cf.expired = true
		}
		vals := []fql.Value{x.Value()}
		if set, ok := x.Value().(fql.Set); ok {
			vals = set
		}
		for _, v := range vals {
			if _, ok := v.(fql.RelativeDate); ok {
				cf.relative = true
			}
		}
	case fql.AndExpr:
		for _, sub := range x.Exprs() {
			clockUse(sub, cf)
		}
	case fql.OrExpr:
		for _, sub := range x.Exprs() {
			clockUse(sub, cf)
		}
	}
}

func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

// parseSort reads a sort parameter (field.asc, field.desc, field|asc,
// field|desc or a bare field, ascending) and checks the field against the
// spec's enum.
func parseSort(raw string) (sortSpec, error) {
	srt, err := fql.ParseSort(raw)
	if err != nil {
		return sortSpec{}, msgError("Invalid sort value '" + raw + "': " + oneLine(err))
	}
	field := strings.ToLower(srt.Field)
	if _, ok := sortable[field]; !ok {
		return sortSpec{}, msgError("Unknown sort value '" + raw + "'")
	}
	return sortSpec{field: field, desc: srt.Desc}, nil
}
