package fql_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/falconioc/falcon/fql"
)

type severity string

func TestBuilders(t *testing.T) {
	t.Parallel()
	when := time.Date(2024, 1, 2, 4, 4, 5, 999, time.FixedZone("CET", 3600))
	tests := []struct {
		e    fql.Expr
		want string
	}{
		{fql.Eq("Type", "domain"), `type:'domain'`},
		{fql.Eq("value", "it's a \\ test"), `value:'it\'s a \\ test'`},
		{fql.Ne("action", "prevent"), `action:!'prevent'`},
		{fql.Eq("applied_globally", true), `applied_globally:true`},
		{fql.Eq("severity_number", 3), `severity_number:3`},
		{fql.Eq("score", 2.50), `score:2.5`},
		{fql.Eq("score", float32(0.5)), `score:0.5`},
		{fql.Eq("big", uint64(math.MaxUint64)), `big:18446744073709551615`},
		{fql.Eq("severity", severity("high")), `severity:'high'`},
		{fql.Eq("created_on", when), `created_on:'2024-01-02T03:04:05Z'`},
		{fql.Gt("severity_number", 3), `severity_number:>3`},
		{fql.Gte("created_on", when), `created_on:>='2024-01-02T03:04:05Z'`},
		{fql.Lt("modified_on", fql.Relative("now-7d")), `modified_on:<'now-7d'`},
		{fql.Lte("n", math.Copysign(0, -1)), `n:<=0`},
		{fql.Gt("n", fql.Int(-5)), `n:>-5`},
		{fql.Gte("n", fql.Float(1e21)), `n:>=1000000000000000000000`},
		{fql.In("severity", "high", "critical"), `severity:['high','critical']`},
		{fql.NotIn("platforms", "mac"), `platforms:!['mac']`},
		{fql.In("n", 1, 2), `n:[1,2]`},
		{fql.Match("description", "evil corp"), `description:~'evil corp'`},
		{fql.NotMatch("description", "test"), `description:!~'test'`},
		{fql.Like("value", "*.evil.com"), `value:*'*.evil.com'`},
		{fql.ILike("value", "*EVIL*"), `value:~*'*EVIL*'`},
		{fql.NotLike("value", "*.local"), `value:~*!'*.local'`},
		{fql.Like("value", fql.EscapePattern(`a*b\c`)+"*"), `value:*'a\\*b\\\\c*'`},
		{fql.IsNull("expiration"), `expiration:null`},
		{fql.NotNull("expiration"), `expiration:!null`},
		{fql.Eq("f", fql.Null{}), `f:null`},
		{fql.Eq("f", fql.Pattern("a*")), `f:'a*'`}, // the operator decides the kind
		{fql.Compare("f", fql.OpIWildcard, fql.Bare("x*")), `f:~*'x*'`},
		{fql.Compare("f", fql.OpIWildcard, fql.Int(5)), `f:~*'5'`},
		{fql.Compare("f", fql.OpEq, fql.Bare("true")), `f:true`},
		{fql.Compare("f", fql.OpEq, fql.Bare("*x*")), `f:*x*`},
		{fql.Compare("f", fql.OpMatch, fql.Bare("*x")), `f:~'*x'`}, // ~*x would read as the ~* operator
		{fql.Compare("f", fql.OpNotMatch, fql.Bare("*x")), `f:!~*x`},
		{fql.And(fql.Eq("type", "domain"), fql.Or(fql.Eq("severity", "high"), fql.Eq("severity", "critical"))),
			`type:'domain'+(severity:'high',severity:'critical')`},
		{fql.Or(fql.And(fql.Eq("a", 1), fql.Eq("b", 2)), fql.Eq("c", 3)), `(a:1+b:2),c:3`},
		{fql.And(fql.And(fql.Eq("a", 1), fql.Eq("b", 2)), nil, fql.Eq("c", 3)), `a:1+b:2+c:3`},
	}
	for _, tt := range tests {
		require.NoError(t, fql.Validate(tt.e), tt.want)
		assert.Equal(t, tt.want, tt.e.String())
		back, err := fql.Parse(tt.e.String())
		require.NoError(t, err, tt.want)
		assert.Equal(t, tt.e, back, "round trip of %s", tt.want)
	}
}

func TestBuilders_ValueKinds(t *testing.T) {
	t.Parallel()
	kind := func(e fql.Expr) fql.Value { return e.(fql.Comparison).Value() }
	assert.IsType(t, fql.Timestamp{}, kind(fql.Eq("f", "2024-01-01")), "a date-like string is a timestamp, as when parsed")
	assert.IsType(t, fql.RelativeDate{}, kind(fql.Eq("f", "now-1h")))
	assert.IsType(t, fql.String(""), kind(fql.Eq("f", "now-1m")))
	assert.IsType(t, fql.Pattern(""), kind(fql.Like("f", "2024-01-01")))
	assert.Equal(t, fql.Set{fql.String("a"), fql.Timestamp{}}[0], kind(fql.In("f", "a", "2024-01-01")).(fql.Set)[0])

	ts := fql.Time(time.Date(2024, 5, 1, 12, 30, 15, 500, time.UTC))
	assert.Equal(t, "2024-05-01T12:30:15Z", ts.Text())
	assert.Equal(t, time.Date(2024, 5, 1, 12, 30, 15, 0, time.UTC), ts.Time())

	rel := fql.Relative("now-7d")
	assert.Equal(t, 7*24*time.Hour, rel.Offset())
	now := time.Date(2024, 5, 8, 0, 0, 0, 0, time.UTC)
	assert.Equal(t, time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), rel.Resolve(now))

	n := fql.Float(2.5)
	assert.Equal(t, 2.5, n.Float64())
	_, isInt := n.Int64()
	assert.False(t, isInt)
	i, isInt := fql.Int(-42).Int64()
	assert.True(t, isInt)
	assert.Equal(t, int64(-42), i)
}

func TestAndOr_Degenerate(t *testing.T) {
	t.Parallel()
	a := fql.Eq("a", 1)
	assert.Nil(t, fql.And())
	assert.Nil(t, fql.Or(nil, nil))
	assert.Equal(t, a, fql.And(a))
	assert.Equal(t, a, fql.Or(nil, a))
	and := fql.And(a, fql.Eq("b", 2)).(fql.AndExpr)
	ops := and.Exprs()
	require.Len(t, ops, 2)
	ops[0] = nil
	assert.Equal(t, a, and.Exprs()[0], "Exprs returns a copy")
}

func TestValueOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   any
		want fql.Value
	}{
		{"x", fql.String("x")},
		{nil, fql.Null{}},
		{true, fql.Bool(true)},
		{int8(-3), fql.Int(-3)},
		{uint16(7), fql.Int(7)},
		{0.25, fql.Float(0.25)},
		{fql.Pattern("p*"), fql.Pattern("p*")},
		{[]string{"a", "b"}, fql.Set{fql.String("a"), fql.String("b")}},
		{[]any{"a", nil, 1}, fql.Set{fql.String("a"), fql.Null{}, fql.Int(1)}},
	}
	for _, tt := range tests {
		v, err := fql.ValueOf(tt.in)
		require.NoError(t, err, "%#v", tt.in)
		assert.Equal(t, tt.want, v, "%#v", tt.in)
	}
	for _, bad := range []any{struct{}{}, []any{[]string{"nested"}}, []any{struct{}{}}, map[string]int{}} {
		_, err := fql.ValueOf(bad)
		var ee *fql.ExprError
		assert.True(t, errors.As(err, &ee), "%#v: %v", bad, err)
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	assert.NoError(t, fql.Validate(nil))
	tests := []struct {
		e   fql.Expr
		msg string
	}{
		{fql.Eq("bad field", "x"), "field name"},
		{fql.Eq("1abc", "x"), "field name"},
		{fql.Eq("a..b", "x"), "field name"},
		{fql.Eq("a.", "x"), "field name"},
		{fql.Eq("", "x"), "field name"},
		{fql.Eq("tags.'key'", "x"), "field name"},
		{fql.Lt("modified_on", fql.Relative("now-7x")), "relative date"},
		{fql.Lt("modified_on", fql.Relative("now-99999999999999999999d")), "relative date"},
		{fql.Gt("n", math.NaN()), "no FQL form"},
		{fql.Gt("n", math.Inf(-1)), "no FQL form"},
		{fql.Gt("n", fql.Number{}), "no FQL form"},
		{fql.Gt("t", time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)), "not a timestamp"},
		{fql.Eq("t", fql.Timestamp{}), "not a timestamp"},
		{fql.In[string]("f"), "empty set"},
		{fql.Compare("f", fql.OpWildcard, fql.Set{fql.Pattern("a")}), "cannot follow the * operator"},
		{fql.Compare("f", fql.OpIWildcard, fql.Null{}), "takes a pattern"},
		{fql.Compare("f", fql.OpEq, fql.Bare("a b")), "outside [A-Za-z0-9_.*-]"},
		{fql.Compare("f", fql.OpEq, fql.Bare("")), "outside"},
		{fql.Compare("f", fql.OpEq, fql.Set{fql.Set{fql.String("x")}}), "do not nest"},
		{fql.Compare("f", fql.OpEq, fql.Set{nil}), "missing value"},
		{fql.Compare("f", fql.OpEq, nil), "missing value"},
		{fql.Compare("f", fql.Op(99), fql.Int(1)), "unknown operator"},
		{fql.AndExpr{}, "at least two"},
		{fql.OrExpr{}, "at least two"},
		{fql.Comparison{}, "field name"},
		{fql.And(fql.Eq("ok", 1), fql.Eq("not ok", 1)), "field name"},
	}
	for _, tt := range tests {
		err := fql.Validate(tt.e)
		var ee *fql.ExprError
		require.True(t, errors.As(err, &ee), "%v: %v", tt.e, err)
		assert.Contains(t, err.Error(), tt.msg)
		_, err = fql.Compile(tt.e, nil)
		assert.Error(t, err, "Compile validates")
		assert.Error(t, fql.IOCIndicatorFields.AllowUnknown().Check(tt.e), "Check validates")
	}
	_, err := fql.ParseTimestamp("yesterday")
	assert.ErrorContains(t, err, "not a timestamp")
}

func TestOp(t *testing.T) {
	t.Parallel()
	syms := map[fql.Op]string{fql.OpEq: "", fql.OpNe: "!", fql.OpGt: ">", fql.OpGte: ">=", fql.OpLt: "<", fql.OpLte: "<=",
		fql.OpMatch: "~", fql.OpNotMatch: "!~", fql.OpWildcard: "*", fql.OpIWildcard: "~*", fql.OpNotIWildcard: "~*!"}
	for op, sym := range syms {
		assert.Equal(t, sym, op.Symbol())
		assert.Equal(t, ":"+sym, op.String())
		assert.Equal(t, op == fql.OpNe || op == fql.OpNotMatch || op == fql.OpNotIWildcard, op.Negated(), op.String())
	}
	assert.Equal(t, "Op(42)", fql.Op(42).String())
	assert.Equal(t, "", fql.Op(42).Symbol())
}

func TestSort(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want fql.Sort
	}{
		{"modified_on.desc", fql.Desc("modified_on")},
		{"modified_on.asc", fql.Asc("modified_on")},
		{"modified_on|desc", fql.Desc("modified_on")},
		{"Modified_On.DESC", fql.Desc("modified_on")},
		{"value", fql.Asc("value")},
		{"metadata.filename.raw.desc", fql.Desc("metadata.filename.raw")},
		{"metadata.filename.raw", fql.Asc("metadata.filename.raw")},
		{"_count|desc", fql.Desc("_count")},
		{"desc", fql.Asc("desc")},
	}
	for _, tt := range tests {
		s, err := fql.ParseSort(tt.in)
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, s, tt.in)
		back, err := fql.ParseSort(s.String())
		require.NoError(t, err)
		assert.Equal(t, s, back)
	}
	assert.Equal(t, "modified_on.desc", fql.Desc("Modified_On").String())
	assert.Equal(t, "type.asc", fql.Sort{Field: "type"}.String())

	errs := []struct {
		in       string
		offset   int
		found    string
		expected string
	}{
		{"", 0, "end of sort", "a field name"},
		{"|desc", 0, `"|"`, "a field name"},
		{"a|", 2, "end of sort", `"asc" or "desc"`},
		{"a|up", 2, `"up"`, `"asc" or "desc"`},
		{"a.b|x", 4, `"x"`, `"asc" or "desc"`},
		{"a b.asc", 1, "whitespace", `".asc", ".desc" or end of sort`},
		{"a b|asc", 1, "whitespace", `"|"`},
		{"a.asc,b.desc", 5, `","`, `".asc", ".desc" or end of sort`},
		{"a..desc", 2, `"."`, `a letter or "_"`},
		{"a.|desc", 2, `"|"`, `a letter or "_"`},
		{"1a.asc", 0, `"1"`, "a field name"},
	}
	for _, tt := range errs {
		_, err := fql.ParseSort(tt.in)
		var se *fql.SyntaxError
		require.True(t, errors.As(err, &se), "%q: %v", tt.in, err)
		assert.Equal(t, tt.offset, se.Offset, "%q: %v", tt.in, err)
		assert.Equal(t, tt.found, se.Found, tt.in)
		assert.Equal(t, tt.expected, se.Expected, tt.in)
	}
	_, err := fql.ParseSort("a.asc,b.desc")
	assert.ErrorContains(t, err, "a sort has one key")
}
