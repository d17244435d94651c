package fql

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// SyntaxError reports input that [Parse], [ParseStrict] or [ParseSort]
// cannot read. Its message quotes the neighbourhood of the problem with a ^
// at the offset:
//
//	fql: syntax error at offset 6: found "+", expected a value (near "type:>^+value:'x'")
type SyntaxError struct {
	// Offset is the byte offset in the input where the problem starts.
	Offset int
	// Found describes what is at Offset: a quoted character or word such
	// as "+", "whitespace", "end of filter" or "unterminated string".
	Found string
	// Expected describes what the grammar allows at Offset, such as
	// `a value` or `"+", "," or end of filter`.
	Expected string
	// Hint is advice for a common mistake, or empty.
	Hint string

	input string
}

// Error implements error.
func (e *SyntaxError) Error() string {
	var b strings.Builder
	b.WriteString("fql: syntax error at offset ")
	b.WriteString(strconv.Itoa(e.Offset))
	b.WriteString(": found ")
	b.WriteString(e.Found)
	if e.Expected != "" {
		b.WriteString(", expected ")
		b.WriteString(e.Expected)
	}
	b.WriteString(" (near ")
	b.WriteString(strconv.Quote(e.Near()))
	b.WriteString(")")
	if e.Hint != "" {
		b.WriteString(": ")
		b.WriteString(e.Hint)
	}
	return b.String()
}

// Near returns up to 20 bytes of input on each side of Offset with a ^
// between them, and ... where the input goes on.
func (e *SyntaxError) Near() string {
	const width = 20
	s, off := e.input, min(max(e.Offset, 0), len(e.input))
	lo, hi := max(0, off-width), min(len(s), off+width)
	for lo > 0 && lo < off && !utf8.RuneStart(s[lo]) {
		lo++
	}
	for hi < len(s) && hi > off && !utf8.RuneStart(s[hi]) {
		hi--
	}
	var b strings.Builder
	if lo > 0 {
		b.WriteString("...")
	}
	b.WriteString(s[lo:off])
	b.WriteByte('^')
	b.WriteString(s[off:hi])
	if hi < len(s) {
		b.WriteString("...")
	}
	return b.String()
}

// ExprError reports an expression that cannot be printed as valid FQL or
// evaluated: a field name outside the grammar, an empty group or set, a
// malformed timestamp or relative date, or an operator that cannot apply to
// its operand. [Validate], [Compile] and [Schema.Check] return it.
type ExprError struct {
	// Field is the field of the offending term, or empty.
	Field string
	// Msg says what is wrong.
	Msg string
}

// Error implements error.
func (e *ExprError) Error() string {
	if e.Field == "" {
		return "fql: invalid expression: " + e.Msg
	}
	return "fql: invalid term on field " + quoteField(e.Field) + ": " + e.Msg
}

// Sentinel errors wrapped by [FieldError]; test for them with errors.Is.
var (
	// ErrUnknownField: the schema does not know the field.
	ErrUnknownField = errors.New("unknown field")
	// ErrOperator: the field's kind does not take the operator.
	ErrOperator = errors.New("operator not allowed for the field's kind")
	// ErrValue: the field's kind does not take the value.
	ErrValue = errors.New("value not allowed for the field's kind")
)

// FieldError reports a term that a [Schema] rejects. Unwrap gives
// [ErrUnknownField], [ErrOperator] or [ErrValue].
type FieldError struct {
	// Field is the field as written in the expression or sort.
	Field string
	// Suggestion is the closest known field, for an unknown one, or empty.
	Suggestion string
	// Kind is the field's kind, for a known field.
	Kind Kind
	// Op is the term's operator.
	Op Op
	// Value is the offending value, for ErrValue.
	Value Value
	// Sort is true when the field comes from a sort rather than a filter.
	Sort bool
	// Err is ErrUnknownField, ErrOperator or ErrValue.
	Err error
}

// Error implements error, e.g.
//
//	fql: unknown field 'sevrity' (did you mean 'severity'?)
//	fql: field 'type' (string) does not take operator ':>'
func (e *FieldError) Error() string {
	var b strings.Builder
	b.WriteString("fql: ")
	switch e.Err {
	case ErrUnknownField:
		if e.Sort {
			b.WriteString("unknown sort field ")
		} else {
			b.WriteString("unknown field ")
		}
		b.WriteString(quoteField(e.Field))
		if e.Suggestion != "" {
			b.WriteString(" (did you mean " + quoteField(e.Suggestion) + "?)")
		}
	case ErrOperator:
		b.WriteString("field " + quoteField(e.Field) + " (" + e.Kind.String() + ") does not take operator '" + e.Op.String() + "'")
	case ErrValue:
		v := "<nil>"
		if e.Value != nil {
			v = e.Value.String()
		}
		b.WriteString("field " + quoteField(e.Field) + " (" + e.Kind.String() + ") does not take the value " + v)
	default:
		b.WriteString("field " + quoteField(e.Field))
		if e.Err != nil {
			b.WriteString(": " + e.Err.Error())
		}
	}
	return b.String()
}

// Unwrap returns Err.
func (e *FieldError) Unwrap() error { return e.Err }

// quoteField puts a field name in single quotes, or Go-quotes it when it
// holds anything unusual.
func quoteField(f string) string {
	for i := 0; i < len(f); i++ {
		if c := f[i]; c < 0x20 || c >= utf8.RuneSelf || c == '\'' || c == '\\' {
			return strconv.Quote(f)
		}
	}
	return "'" + f + "'"
}
