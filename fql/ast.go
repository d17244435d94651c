package fql

import (
	"slices"
	"strconv"
	"strings"
)

// Expr is a filter expression: a [Comparison], an [AndExpr] or an [OrExpr].
// The set of implementations is closed. Expressions are immutable and safe
// for concurrent use. A nil Expr stands for no filter.
type Expr interface {
	// String returns the expression in canonical form: no whitespace outside
	// quotes, single-quoted strings, lowercase field names, and parentheses
	// around every group nested in another, so that the server's precedence
	// between + and , never matters. For every valid e, Parse(e.String())
	// equals e.
	String() string
	appendTo(b []byte) []byte
}

// Op is a comparison operator, written after the colon.
type Op uint8

// The operators. The comments show how each is written.
const (
	OpEq           Op = iota // field:value (equals; with a set, equals any)
	OpNe                     // field:!value (not equal; with a set, equals none)
	OpGt                     // field:>value
	OpGte                    // field:>=value
	OpLt                     // field:<value
	OpLte                    // field:<=value
	OpMatch                  // field:~'text' (text match)
	OpNotMatch               // field:!~'text'
	OpWildcard               // field:*'pat*' (wildcard)
	OpIWildcard              // field:~*'pat*' (case-insensitive wildcard)
	OpNotIWildcard           // field:~*!'pat*' (negated case-insensitive wildcard)
	numOps
)

var opSymbols = [numOps]string{"", "!", ">", ">=", "<", "<=", "~", "!~", "*", "~*", "~*!"}

// Symbol returns the operator as written after the colon: "" for [OpEq],
// "!" for [OpNe], ">=" for [OpGte] and so on.
func (o Op) Symbol() string {
	if o >= numOps {
		return ""
	}
	return opSymbols[o]
}

// String returns the operator with its colon, e.g. ":>=", for messages.
func (o Op) String() string {
	if o >= numOps {
		return "Op(" + strconv.Itoa(int(o)) + ")"
	}
	return ":" + opSymbols[o]
}

// Negated reports whether the operator is the negation of another: !, !~ and
// ~*!.
func (o Op) Negated() bool { return o == OpNe || o == OpNotMatch || o == OpNotIWildcard }

func (o Op) isWildcard() bool { return o == OpWildcard || o == OpIWildcard || o == OpNotIWildcard }

func (o Op) isOrdering() bool { return o >= OpGt && o <= OpLte }

// Comparison is one term, field:operator value. Build one with [Compare] or
// the builders ([Eq], [In], [Gt], ...).
type Comparison struct {
	field string
	op    Op
	value Value
}

// Field returns the field name, in lowercase.
func (c Comparison) Field() string { return c.field }

// Op returns the operator.
func (c Comparison) Op() Op { return c.op }

// Value returns the operand.
func (c Comparison) Value() Value { return c.value }

// String implements [Expr].
func (c Comparison) String() string { return string(c.appendTo(nil)) }

func (c Comparison) appendTo(b []byte) []byte {
	b = append(b, c.field...)
	b = append(b, ':')
	b = append(b, c.op.Symbol()...)
	if c.value != nil {
		b = c.value.appendTo(b)
	}
	return b
}

// AndExpr is a conjunction (terms joined by +) of at least two expressions,
// none of which is itself an AndExpr. Build one with [And].
type AndExpr struct{ exprs []Expr }

// OrExpr is a disjunction (terms joined by ,) of at least two expressions,
// none of which is itself an OrExpr. Build one with [Or].
type OrExpr struct{ exprs []Expr }

// Exprs returns a copy of the operands.
func (a AndExpr) Exprs() []Expr { return slices.Clone(a.exprs) }

// Exprs returns a copy of the operands.
func (o OrExpr) Exprs() []Expr { return slices.Clone(o.exprs) }

// String implements [Expr].
func (a AndExpr) String() string { return string(a.appendTo(nil)) }

// String implements [Expr].
func (o OrExpr) String() string { return string(o.appendTo(nil)) }

func (a AndExpr) appendTo(b []byte) []byte { return appendGroup(b, a.exprs, '+') }

func (o OrExpr) appendTo(b []byte) []byte { return appendGroup(b, o.exprs, ',') }

func appendGroup(b []byte, exprs []Expr, sep byte) []byte {
	for i, e := range exprs {
		if i > 0 {
			b = append(b, sep)
		}
		switch e.(type) {
		case AndExpr, OrExpr:
			b = append(b, '(')
			b = e.appendTo(b)
			b = append(b, ')')
		case nil:
		default:
			b = e.appendTo(b)
		}
	}
	return b
}

// And joins expressions with + (all must hold). Nil operands are skipped and
// nested conjunctions are flattened. With no operand left it returns nil (no
// filter); with one, that operand.
func And(exprs ...Expr) Expr { return group(exprs, true) }

// Or joins expressions with , (any must hold). Nil operands are skipped and
// nested disjunctions are flattened. With no operand left it returns nil (no
// filter); with one, that operand.
func Or(exprs ...Expr) Expr { return group(exprs, false) }

func group(exprs []Expr, and bool) Expr {
	var out []Expr
	for _, e := range exprs {
		switch g := e.(type) {
		case nil:
		case AndExpr:
			if and {
				out = append(out, g.exprs...)
			} else {
				out = append(out, g)
			}
		case OrExpr:
			if !and {
				out = append(out, g.exprs...)
			} else {
				out = append(out, g)
			}
		default:
			out = append(out, e)
		}
	}
	switch {
	case len(out) == 0:
		return nil
	case len(out) == 1:
		return out[0]
	case and:
		return AndExpr{out}
	default:
		return OrExpr{out}
	}
}

// Compare returns the term field:op v. It is the general form of the
// builders; the field name is lowercased and v takes the kind the parser
// would give its text under op (see [Value]). Invalid input (a field outside
// the grammar, a nil value...) is reported by [Validate], not here.
func Compare(field string, op Op, v Value) Expr {
	return Comparison{field: strings.ToLower(field), op: op, value: normalizeValue(op, v)}
}
