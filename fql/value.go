package fql

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/falconioc/falcon/internal/rfc3339"
)

// Value is the operand of a comparison: one of [String], [Number], [Bool],
// [Null], [Timestamp], [RelativeDate], [Pattern], [Bare] or [Set]. The set of
// implementations is closed.
//
// A quoted value's kind follows from its text and its operator, the same way
// for the parser and the builder: under a wildcard operator it is a
// [Pattern]; otherwise text of the form now-N[dh] is a [RelativeDate], text
// that reads as a timestamp is a [Timestamp], and anything else is a
// [String]. This is what makes Parse(e.String()) equal e.
type Value interface {
	// String returns the value in canonical FQL form.
	String() string
	appendTo(b []byte) []byte
}

// String is a quoted string. It is printed in single quotes, with \ and '
// escaped by a backslash; any Go string survives the round trip.
type String string

// Number is an unquoted decimal number, -?digits(.digits)?. It is kept as its
// canonical decimal text (no leading or trailing zeros), so integers of any
// size survive the round trip. Build one with [Int], [Float] or a builder
// such as [Gt].
type Number struct{ text string }

// Bool is an unquoted true or false.
type Bool bool

// Null is the unquoted null: field:null matches a missing value and
// field:!null a present one.
type Null struct{}

// Timestamp is a quoted absolute date or time. The forms read as timestamps
// are YYYY-MM-DD, optionally followed by Thh, Thh:mm, Thh:mm:ss or
// Thh:mm:ss.fraction (up to 9 digits) and then Z or ±hh:mm; a time without a
// zone is UTC. Build one with [Time] or [ParseTimestamp].
type Timestamp struct{ text string }

// RelativeDate is a quoted date relative to the moment of evaluation,
// now-Nd or now-Nh (lowercase). Build one with [Relative].
type RelativeDate struct{ text string }

// Pattern is the quoted operand of a wildcard operator (*, ~* and ~*!). In
// the pattern, * matches any run of characters, including none, and a
// backslash makes the next character literal (see [EscapePattern]).
type Pattern string

// Bare is an unquoted word over [A-Za-z0-9_.*-] that is not a number, true,
// false or null, such as the *example* of value:*example*. The parser keeps
// bare words as written so that the filter means what it meant; the builders
// never produce them.
type Bare string

// Set is a bracketed list of values: field:['a','b'] is true when the field
// equals any of them and field:!['a','b'] when it equals none. Sets do not
// nest and are never empty.
type Set []Value

// String implements [Value].
func (s String) String() string { return string(s.appendTo(nil)) }

func (s String) appendTo(b []byte) []byte { return appendQuoted(b, string(s)) }

// String implements [Value].
func (n Number) String() string { return n.text }

func (n Number) appendTo(b []byte) []byte { return append(b, n.text...) }

// Float64 returns the number as a float64 (rounded if it has more precision,
// ±Inf if it is out of range).
func (n Number) Float64() float64 {
	f, _ := strconv.ParseFloat(n.text, 64)
	return f
}

// Int64 returns the number as an int64, and whether it is an integer that
// fits.
func (n Number) Int64() (int64, bool) {
	i, err := strconv.ParseInt(n.text, 10, 64)
	return i, err == nil
}

// String implements [Value].
func (v Bool) String() string { return string(v.appendTo(nil)) }

func (v Bool) appendTo(b []byte) []byte {
	if v {
		return append(b, "true"...)
	}
	return append(b, "false"...)
}

// String implements [Value].
func (Null) String() string { return "null" }

func (Null) appendTo(b []byte) []byte { return append(b, "null"...) }

// String implements [Value].
func (t Timestamp) String() string { return string(t.appendTo(nil)) }

func (t Timestamp) appendTo(b []byte) []byte { return appendQuoted(b, t.text) }

// Text returns the timestamp as written, without quotes.
func (t Timestamp) Text() string { return t.text }

// Time returns the instant the timestamp stands for, in UTC. A partial
// timestamp stands for its first instant: '2024-05-01' is midnight UTC.
func (t Timestamp) Time() time.Time {
	tm, _ := rfc3339.ParsePartial(t.text)
	return tm
}

// String implements [Value].
func (r RelativeDate) String() string { return string(r.appendTo(nil)) }

func (r RelativeDate) appendTo(b []byte) []byte { return appendQuoted(b, r.text) }

// Text returns the relative date as written, without quotes, e.g. now-7d.
func (r RelativeDate) Text() string { return r.text }

// Offset returns how far before now the date lies: 7*24h for now-7d.
func (r RelativeDate) Offset() time.Duration {
	d, _ := parseRelative(r.text)
	return d
}

// Resolve returns the instant the date stands for at the given now.
func (r RelativeDate) Resolve(now time.Time) time.Time { return now.Add(-r.Offset()) }

// String implements [Value].
func (p Pattern) String() string { return string(p.appendTo(nil)) }

func (p Pattern) appendTo(b []byte) []byte { return appendQuoted(b, string(p)) }

// String implements [Value].
func (w Bare) String() string { return string(w) }

func (w Bare) appendTo(b []byte) []byte { return append(b, w...) }

// String implements [Value].
func (s Set) String() string { return string(s.appendTo(nil)) }

func (s Set) appendTo(b []byte) []byte {
	b = append(b, '[')
	for i, v := range s {
		if i > 0 {
			b = append(b, ',')
		}
		if v == nil {
			continue
		}
		b = v.appendTo(b)
	}
	return append(b, ']')
}

// Int returns i as a [Number].
func Int(i int64) Number { return Number{strconv.FormatInt(i, 10)} }

// Float returns f as a [Number] in Go's shortest decimal form. NaN and ±Inf
// have no FQL form: the result is invalid and [Validate] reports it.
func Float(f float64) Number {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return Number{}
	}
	return Number{canonNumber(strconv.FormatFloat(f, 'f', -1, 64))}
}

// Time returns t as a [Timestamp] in the canonical form: RFC 3339 in UTC with
// a Z, truncated to whole seconds, e.g. '2024-01-02T03:04:05Z'. Years outside
// 0000-9999 have no FQL form: [Validate] reports them.
func Time(t time.Time) Timestamp {
	return Timestamp{t.UTC().Truncate(time.Second).Format("2006-01-02T15:04:05Z")}
}

// ParseTimestamp reads one of the timestamp forms listed at [Timestamp],
// keeping its text as written.
func ParseTimestamp(s string) (Timestamp, error) {
	if _, ok := rfc3339.ParsePartial(s); !ok {
		return Timestamp{}, &ExprError{Msg: "not a timestamp: " + strconv.Quote(s) + " (want YYYY-MM-DD[Thh[:mm[:ss[.fff]]]][Z|±hh:mm])"}
	}
	return Timestamp{s}, nil
}

// Relative returns the relative date s, which must be now-Nd or now-Nh, e.g.
// Relative("now-7d"). Anything else yields an invalid value that [Validate]
// reports, so that builder expressions can be written inline.
func Relative(s string) RelativeDate { return RelativeDate{s} }

// EscapePattern escapes s for use in a [Pattern] so that it matches itself
// literally: it puts a backslash before every * and \.
func EscapePattern(s string) string {
	if !strings.ContainsAny(s, `*\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '*' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// appendQuoted appends s in single quotes, escaping \ and '.
func appendQuoted(b []byte, s string) []byte {
	b = append(b, '\'')
	for {
		i := strings.IndexAny(s, `'\`)
		if i < 0 {
			break
		}
		b = append(b, s[:i]...)
		b = append(b, '\\', s[i])
		s = s[i+1:]
	}
	b = append(b, s...)
	return append(b, '\'')
}

// classifyQuoted gives the kind of a quoted text under op.
func classifyQuoted(op Op, s string) Value {
	if op.isWildcard() {
		return Pattern(s)
	}
	if _, ok := parseRelative(s); ok {
		return RelativeDate{s}
	}
	if _, ok := rfc3339.ParsePartial(s); ok {
		return Timestamp{s}
	}
	return String(s)
}

// classifyBare gives the kind of an unquoted word under op. Under a wildcard
// operator every operand is a pattern.
func classifyBare(op Op, s string) Value {
	if op.isWildcard() {
		return Pattern(s)
	}
	switch s {
	case "true":
		return Bool(true)
	case "false":
		return Bool(false)
	case "null":
		return Null{}
	}
	if isNumberLit(s) {
		return Number{canonNumber(s)}
	}
	return Bare(s)
}

// normalizeValue brings a value built outside the parser into the form the
// parser gives the same text under op. Invalid values are left alone for
// Validate to report.
func normalizeValue(op Op, v Value) Value {
	wild := op.isWildcard()
	switch v := v.(type) {
	case String:
		return classifyQuoted(op, string(v))
	case Pattern:
		return classifyQuoted(op, string(v))
	case Timestamp:
		if _, ok := rfc3339.ParsePartial(v.text); ok {
			return classifyQuoted(op, v.text)
		}
	case RelativeDate:
		if _, ok := parseRelative(v.text); ok {
			return classifyQuoted(op, v.text)
		}
	case Bare:
		if op == OpMatch && strings.HasPrefix(string(v), "*") {
			// ~ then *word would read back as the ~* operator.
			return classifyQuoted(op, string(v))
		}
		if isBareWord(string(v)) {
			return classifyBare(op, string(v))
		}
	case Number:
		if wild && v.text != "" {
			return Pattern(v.text)
		}
	case Bool:
		if wild {
			return Pattern(v.String())
		}
	case Set:
		out := make(Set, len(v))
		for i, e := range v {
			if _, nested := e.(Set); nested || e == nil {
				out[i] = e
				continue
			}
			out[i] = normalizeValue(op, e)
		}
		return out
	}
	return v
}

func isBareChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '_' || c == '.' || c == '*' || c == '-'
}

func isBareWord(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isBareChar(s[i]) {
			return false
		}
	}
	return true
}

// isNumberLit reports whether s is -?[0-9]+(\.[0-9]+)?.
func isNumberLit(s string) bool {
	if s != "" && s[0] == '-' {
		s = s[1:]
	}
	i := 0
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	if i == 0 {
		return false
	}
	if i == len(s) {
		return true
	}
	if s[i] != '.' || i+1 == len(s) {
		return false
	}
	for _, c := range []byte(s[i+1:]) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// canonNumber rewrites a number literal without leading zeros, trailing
// fraction zeros or a negative zero. The rewrite is exact: it never goes
// through a float.
func canonNumber(s string) string {
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	ip, fp, _ := strings.Cut(s, ".")
	ip = strings.TrimLeft(ip, "0")
	fp = strings.TrimRight(fp, "0")
	if ip == "" {
		ip = "0"
	}
	out := ip
	if fp != "" {
		out += "." + fp
	}
	if neg && out != "0" {
		out = "-" + out
	}
	return out
}

// parseRelative reads now-N[dh].
func parseRelative(s string) (time.Duration, bool) {
	if len(s) < 6 || s[:4] != "now-" {
		return 0, false
	}
	var unit time.Duration
	switch s[len(s)-1] {
	case 'd':
		unit = 24 * time.Hour
	case 'h':
		unit = time.Hour
	default:
		return 0, false
	}
	var n int64
	for _, c := range []byte(s[4 : len(s)-1]) {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
		if n > math.MaxInt64/int64(unit) {
			return 0, false
		}
	}
	return time.Duration(n) * unit, true
}
