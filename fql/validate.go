package fql

import (
	"fmt"
	"strconv"

	"github.com/falconioc/falcon/internal/rfc3339"
)

// Validate reports whether e can be sent: every field name follows the
// grammar, every group and set is non-empty, and every value has an FQL
// form (a timestamp or relative date that reads as one, a finite number, a
// bare word over its character set, a set without nested sets, a wildcard
// operator before a pattern). The builders never fail; Validate is where
// their mistakes surface, and [Compile] and [Schema.Check] call it. A nil e
// is valid (no filter). Errors are [*ExprError].
func Validate(e Expr) error {
	switch e := e.(type) {
	case nil:
		return nil
	case Comparison:
		return validateComparison(e)
	case AndExpr:
		return validateGroup(e.exprs, "+")
	case OrExpr:
		return validateGroup(e.exprs, ",")
	}
	return &ExprError{Msg: fmt.Sprintf("unknown expression type %T", e)}
}

func validateGroup(exprs []Expr, sep string) error {
	if len(exprs) < 2 {
		return &ExprError{Msg: "a group joined by " + sep + " needs at least two operands"}
	}
	for _, e := range exprs {
		if e == nil {
			return &ExprError{Msg: "nil operand in a group"}
		}
		if err := Validate(e); err != nil {
			return err
		}
	}
	return nil
}

func validateComparison(c Comparison) error {
	if !validField(c.field) {
		return &ExprError{Field: c.field, Msg: "a field name is dot-separated segments of [a-z0-9_], each starting with a letter or _"}
	}
	if c.op >= numOps {
		return &ExprError{Field: c.field, Msg: "unknown operator " + c.op.String()}
	}
	if set, ok := c.value.(Set); ok {
		if len(set) == 0 {
			return &ExprError{Field: c.field, Msg: "empty set"}
		}
		if c.op == OpWildcard {
			return &ExprError{Field: c.field, Msg: "a set cannot follow the * operator (use ~* for a set of patterns)"}
		}
		for _, v := range set {
			if _, nested := v.(Set); nested {
				return &ExprError{Field: c.field, Msg: "sets do not nest"}
			}
			if err := validateValue(c.field, c.op, v); err != nil {
				return err
			}
		}
		return nil
	}
	return validateValue(c.field, c.op, c.value)
}

func validateValue(field string, op Op, v Value) error {
	bad := func(msg string) error { return &ExprError{Field: field, Msg: msg} }
	switch v := v.(type) {
	case nil:
		return bad("missing value")
	case Number:
		if !isNumberLit(v.text) || canonNumber(v.text) != v.text {
			return bad("number " + strconv.Quote(v.text) + " has no FQL form (NaN, ±Inf or a zero Number)")
		}
	case Timestamp:
		if _, ok := rfc3339.ParsePartial(v.text); !ok {
			return bad("not a timestamp: " + strconv.Quote(v.text))
		}
	case RelativeDate:
		if _, ok := parseRelative(v.text); !ok {
			return bad("not a relative date: " + strconv.Quote(v.text) + " (want now-Nd or now-Nh)")
		}
	case Bare:
		if !isBareWord(string(v)) {
			return bad("bare word " + strconv.Quote(string(v)) + " has characters outside [A-Za-z0-9_.*-]; use a String")
		}
	case Null:
		if op.isWildcard() {
			return bad("operator " + op.String() + " takes a pattern, not null")
		}
	}
	return nil
}

// validField reports whether f is segment { "." segment } with segment =
// [a-z_][a-z0-9_]*.
func validField(f string) bool {
	start := true
	for i := 0; i < len(f); i++ {
		c := f[i]
		switch {
		case c == '.':
			if start {
				return false
			}
			start = true
		case 'a' <= c && c <= 'z' || c == '_':
			start = false
		case '0' <= c && c <= '9':
			if start {
				return false
			}
		default:
			return false
		}
	}
	return !start
}
