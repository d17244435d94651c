package fql

import (
	"fmt"
	"reflect"
	"time"
)

// Scalar is what the equality builders take: Go strings, booleans and
// numbers (and types based on them), time.Time, and the [Value] kinds that
// are not sets.
type Scalar interface {
	~string | ~bool |
		~int | ~int8 | ~int16 | ~int32 | ~int64 |
		~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 |
		~float32 | ~float64 |
		time.Time | Number | Timestamp | RelativeDate | Null
}

// Ordered is what the ordering builders take: numbers, time.Time, and
// [Number], [Timestamp] and [RelativeDate].
type Ordered interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 |
		~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 |
		~float32 | ~float64 |
		time.Time | Number | Timestamp | RelativeDate
}

// Eq returns field:v, e.g. Eq("type", "domain") is type:'domain'. A Go
// string is always quoted; a time.Time becomes a [Timestamp] as by [Time].
func Eq[V Scalar](field string, v V) Expr { return Compare(field, OpEq, scalar(v)) }

// Ne returns field:!v.
func Ne[V Scalar](field string, v V) Expr { return Compare(field, OpNe, scalar(v)) }

// Gt returns field:>v.
func Gt[V Ordered](field string, v V) Expr { return Compare(field, OpGt, scalar(v)) }

// Gte returns field:>=v.
func Gte[V Ordered](field string, v V) Expr { return Compare(field, OpGte, scalar(v)) }

// Lt returns field:<v.
func Lt[V Ordered](field string, v V) Expr { return Compare(field, OpLt, scalar(v)) }

// Lte returns field:<=v.
func Lte[V Ordered](field string, v V) Expr { return Compare(field, OpLte, scalar(v)) }

// In returns field:[v1,v2,...], true when the field equals any of the values
// (on a list field, when any element does). With no values the term is
// invalid and [Validate] reports it.
func In[V Scalar](field string, vs ...V) Expr { return Compare(field, OpEq, set(vs)) }

// NotIn returns field:![v1,v2,...], true when the field equals none of the
// values.
func NotIn[V Scalar](field string, vs ...V) Expr { return Compare(field, OpNe, set(vs)) }

// Match returns field:~'text', a case- and punctuation-insensitive text
// match (see the package documentation for how the evaluator reads it).
func Match(field, text string) Expr { return Compare(field, OpMatch, String(text)) }

// NotMatch returns field:!~'text'.
func NotMatch(field, text string) Expr { return Compare(field, OpNotMatch, String(text)) }

// Like returns field:*'pattern', the wildcard operator; * in the pattern
// matches any run of characters. Use [EscapePattern] for literal text.
func Like(field, pattern string) Expr { return Compare(field, OpWildcard, Pattern(pattern)) }

// ILike returns field:~*'pattern', the explicitly case-insensitive wildcard.
func ILike(field, pattern string) Expr { return Compare(field, OpIWildcard, Pattern(pattern)) }

// NotLike returns field:~*!'pattern', true when the field does not match the
// case-insensitive pattern. (FQL has no negated plain * operator.)
func NotLike(field, pattern string) Expr { return Compare(field, OpNotIWildcard, Pattern(pattern)) }

// IsNull returns field:null, true when the field has no value.
func IsNull(field string) Expr { return Compare(field, OpEq, Null{}) }

// NotNull returns field:!null, true when the field has a value.
func NotNull(field string) Expr { return Compare(field, OpNe, Null{}) }

// ValueOf converts a Go value to a [Value]: a Value as is; strings, booleans,
// integers and floats (and types based on them); time.Time; nil as [Null];
// and slices or arrays of these as a [Set].
func ValueOf(v any) (Value, error) {
	if v == nil {
		return Null{}, nil
	}
	if val, ok := convert(v); ok {
		return val, nil
	}
	rv := reflect.ValueOf(v)
	if k := rv.Kind(); k == reflect.Slice || k == reflect.Array {
		out := make(Set, rv.Len())
		for i := range out {
			e := rv.Index(i).Interface()
			if e == nil {
				out[i] = Null{}
				continue
			}
			val, ok := convert(e)
			if _, isSet := val.(Set); !ok || isSet {
				return nil, &ExprError{Msg: fmt.Sprintf("cannot use %T as a set element", e)}
			}
			out[i] = val
		}
		return out, nil
	}
	return nil, &ExprError{Msg: fmt.Sprintf("cannot use %T as a value", v)}
}

func scalar(v any) Value {
	val, _ := convert(v)
	return val
}

func set[V Scalar](vs []V) Value {
	out := make(Set, len(vs))
	for i, v := range vs {
		out[i] = scalar(v)
	}
	return out
}

func convert(v any) (Value, bool) {
	switch x := v.(type) {
	case Value:
		return x, true
	case string:
		return String(x), true
	case bool:
		return Bool(x), true
	case int:
		return Int(int64(x)), true
	case int64:
		return Int(x), true
	case float64:
		return Float(x), true
	case time.Time:
		return Time(x), true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.String:
		return String(rv.String()), true
	case reflect.Bool:
		return Bool(rv.Bool()), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return Int(rv.Int()), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return Number{canonNumber(fmt.Sprint(rv.Uint()))}, true
	case reflect.Float32, reflect.Float64:
		return Float(rv.Float()), true
	}
	return nil, false
}
