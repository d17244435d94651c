package fql

import (
	"errors"
	"maps"
	"slices"
	"strings"

	"github.com/falconioc/falcon/internal/rfc3339"
)

// Kind is the type of a field in a [Schema].
type Kind uint8

// The field kinds.
const (
	// KindAny takes every operator and value: a field whose type the
	// schema does not constrain.
	KindAny Kind = iota
	// KindString takes equality, sets, ~, !~ and the wildcard operators.
	KindString
	// KindNumber takes equality, sets and the ordering operators, with
	// numbers or quoted numbers.
	KindNumber
	// KindTime takes equality, sets and the ordering operators, with
	// timestamps, relative dates or epoch-second numbers.
	KindTime
	// KindBool takes equality and sets, with true or false.
	KindBool
	// KindStringList is a list of strings; it takes equality and sets, and a
	// term holds when any element matches.
	KindStringList
)

var kindNames = [...]string{"any", "string", "number", "time", "bool", "list of strings"}

// String returns the kind's name as used in messages.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(?)"
}

// Schema maps the field names an endpoint knows to their kinds, for
// checking filters and sorts before they are sent. Some Falcon endpoints
// return zero rows for a misspelled field instead of an error, so the check
// is worth making on the client. A Schema is immutable; the zero Schema
// knows no field.
type Schema struct {
	fields       map[string]Kind
	allowUnknown bool
}

// NewSchema returns a schema of the given fields (names are lowercased).
func NewSchema(fields map[string]Kind) Schema {
	m := make(map[string]Kind, len(fields))
	for f, k := range fields {
		m[strings.ToLower(f)] = k
	}
	return Schema{fields: m}
}

// With returns a copy of s that also knows field, with the given kind. It is
// the escape hatch for a field the API accepts but the schema does not list.
func (s Schema) With(field string, kind Kind) Schema {
	m := maps.Clone(s.fields)
	if m == nil {
		m = map[string]Kind{}
	}
	m[strings.ToLower(field)] = kind
	return Schema{fields: m, allowUnknown: s.allowUnknown}
}

// AllowUnknown returns a copy of s whose checks let unknown fields through
// (known fields are still checked), for callers who know better than the
// schema.
func (s Schema) AllowUnknown() Schema {
	return Schema{fields: s.fields, allowUnknown: true}
}

// Kind returns the kind of field and whether the schema knows it.
func (s Schema) Kind(field string) (Kind, bool) {
	k, ok := s.fields[strings.ToLower(field)]
	return k, ok
}

// Fields returns the known field names, sorted.
func (s Schema) Fields() []string { return slices.Sorted(maps.Keys(s.fields)) }

// IOCIndicatorFields are the filterable fields of IOC indicators
// (/iocs/*/indicators/v1), from the FQL reference's section 8.
var IOCIndicatorFields = NewSchema(map[string]Kind{
	"id":                    KindString,
	"type":                  KindString,
	"value":                 KindString,
	"action":                KindString,
	"mobile_action":         KindString,
	"severity":              KindString,
	"severity_number":       KindNumber,
	"platforms":             KindStringList,
	"tags":                  KindStringList,
	"host_groups":           KindStringList,
	"applied_globally":      KindBool,
	"expiration":            KindTime,
	"expired":               KindBool,
	"created_on":            KindTime,
	"created_by":            KindString,
	"modified_on":           KindTime,
	"modified_by":           KindString,
	"source":                KindString,
	"deleted":               KindBool,
	"from_parent":           KindBool,
	"metadata.filename.raw": KindString,
})

// IOCSortFields are the fields IOC indicator searches sort by: the sort
// enum of the API specification.
var IOCSortFields = NewSchema(map[string]Kind{
	"action":                         KindString,
	"applied_globally":               KindBool,
	"metadata.av_hits":               KindNumber,
	"metadata.company_name.raw":      KindString,
	"created_by":                     KindString,
	"created_on":                     KindTime,
	"expiration":                     KindTime,
	"expired":                        KindBool,
	"metadata.filename.raw":          KindString,
	"modified_by":                    KindString,
	"modified_on":                    KindTime,
	"metadata.original_filename.raw": KindString,
	"metadata.product_name.raw":      KindString,
	"metadata.product_version":       KindString,
	"severity_number":                KindNumber,
	"source":                         KindString,
	"type":                           KindString,
	"value":                          KindString,
})

// Check validates e (see [Validate]) and then reports every term whose field
// the schema does not know, whose operator the field's kind does not take,
// or whose value the field's kind does not take. Each problem is a
// [*FieldError]; several are joined with errors.Join. A nil e passes.
func (s Schema) Check(e Expr) error {
	if err := Validate(e); err != nil {
		return err
	}
	var errs []error
	seen := map[string]bool{}
	walk(e, func(c Comparison) {
		kind, ok := s.fields[c.field]
		if !ok {
			if !s.allowUnknown && !seen[c.field] {
				seen[c.field] = true
				errs = append(errs, &FieldError{Field: c.field, Suggestion: s.suggest(c.field), Op: c.op, Err: ErrUnknownField})
			}
			return
		}
		if !kindTakesOp(kind, c.op) {
			errs = append(errs, &FieldError{Field: c.field, Kind: kind, Op: c.op, Err: ErrOperator})
			return
		}
		vals := []Value{c.value}
		if set, ok := c.value.(Set); ok {
			vals = set
		}
		for _, v := range vals {
			if !kindTakesValue(kind, c.op, v) {
				errs = append(errs, &FieldError{Field: c.field, Kind: kind, Op: c.op, Value: v, Err: ErrValue})
				return
			}
		}
	})
	if len(errs) == 1 {
		return errs[0]
	}
	return errors.Join(errs...)
}

// CheckSort reports a sort whose field the schema does not know, as a
// [*FieldError] with Sort set, or whose field is not a field name, as an
// [*ExprError].
func (s Schema) CheckSort(srt Sort) error {
	f := strings.ToLower(srt.Field)
	if !validField(f) {
		return &ExprError{Field: srt.Field, Msg: "not a sort field name"}
	}
	if _, ok := s.fields[f]; ok || s.allowUnknown {
		return nil
	}
	return &FieldError{Field: f, Suggestion: s.suggest(f), Sort: true, Err: ErrUnknownField}
}

// walk calls fn for every comparison in e.
func walk(e Expr, fn func(Comparison)) {
	switch e := e.(type) {
	case Comparison:
		fn(e)
	case AndExpr:
		for _, x := range e.exprs {
			walk(x, fn)
		}
	case OrExpr:
		for _, x := range e.exprs {
			walk(x, fn)
		}
	}
}

func kindTakesOp(k Kind, op Op) bool {
	switch k {
	case KindString:
		return !op.isOrdering()
	case KindNumber, KindTime:
		return op == OpEq || op == OpNe || op.isOrdering()
	case KindBool, KindStringList:
		return op == OpEq || op == OpNe
	}
	return true
}

func kindTakesValue(k Kind, op Op, v Value) bool {
	if _, ok := v.(Null); ok {
		return true // field:null and field:!null apply to every kind
	}
	switch k {
	case KindString, KindStringList:
		_, isBool := v.(Bool)
		return !isBool
	case KindNumber:
		switch v := v.(type) {
		case Number:
			return true
		case String:
			return isNumberLit(string(v))
		}
		return false
	case KindTime:
		switch v := v.(type) {
		case Timestamp, RelativeDate, Number:
			return true
		case Bare:
			_, ok := rfc3339.ParsePartial(string(v))
			return ok
		}
		return false
	case KindBool:
		switch v := v.(type) {
		case Bool:
			return true
		case String:
			return strings.EqualFold(string(v), "true") || strings.EqualFold(string(v), "false")
		case Bare:
			return strings.EqualFold(string(v), "true") || strings.EqualFold(string(v), "false")
		}
		return false
	}
	return true
}

// suggest returns the known field closest to f, if one is close enough to
// be a likely misspelling, or else the only known field that has f as one of
// its words (filename -> metadata.filename.raw, severity -> severity_number).
func (s Schema) suggest(f string) string {
	best, bestD := "", -1
	limit := max(1, min(3, len(f)/3))
	for _, name := range s.Fields() {
		d := editDistance(f, name)
		if d <= limit && (bestD < 0 || d < bestD) {
			best, bestD = name, d
		}
	}
	if best != "" {
		return best
	}
	var found []string
	for _, name := range s.Fields() {
		words := strings.FieldsFunc(name, func(r rune) bool { return r == '.' || r == '_' })
		if slices.Contains(words, f) {
			found = append(found, name)
		}
	}
	if len(found) == 1 {
		return found[0]
	}
	return ""
}

// editDistance is the optimal string alignment distance between a and b:
// insertions, deletions, substitutions and transpositions of adjacent bytes.
func editDistance(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
