package falcontest

import (
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
	return cf, nil
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
