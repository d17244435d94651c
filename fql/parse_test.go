package fql_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/falconioc/falcon/fql"
)

// TestParse_ReferenceExamples parses filters quoted by the FQL reference and
// checks their canonical form.
func TestParse_ReferenceExamples(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		// Equality, quotes, whitespace after the colon and in sets (section 2).
		{`type:'domain'`, `type:'domain'`},
		{`field: 'v'`, `field:'v'`},
		{`created_on: >='2024-01-01T00:00:00Z'`, `created_on:>='2024-01-01T00:00:00Z'`},
		{`field: !null`, `field:!null`},
		{`compliance_finding.severity: '4'`, `compliance_finding.severity:'4'`},
		{`product:['epp', 'xdr']`, `product:['epp','xdr']`},
		// Field names (section 3).
		{`_marker:>='2024-01-01T00:00:00Z'`, `_marker:>='2024-01-01T00:00:00Z'`},
		{`metadata.filename.raw:'a.exe'`, `metadata.filename.raw:'a.exe'`},
		{`Type:'Domain'`, `type:'Domain'`},
		// Operators (section 4).
		{`name:*'*prod*'`, `name:*'*prod*'`},
		{`value:*'*sub*'`, `value:*'*sub*'`},
		{`name:~*'*Prod*'`, `name:~*'*Prod*'`},
		{`name:~*!'*prod*'`, `name:~*!'*prod*'`},
		{`name:~'ADS-*'`, `name:~'ADS-*'`},
		{`value:!~'test'`, `value:!~'test'`},
		{`host_info.tags:!['a','b']`, `host_info.tags:!['a','b']`},
		{`assigned_to_uid:null`, `assigned_to_uid:null`},
		{`service_provider_account_id:!''`, `service_provider_account_id:!''`},
		{`assigned_to_name:!'*'`, `assigned_to_name:!'*'`},
		// Double quotes (section 5.1).
		{`value:"example.com"`, `value:'example.com'`},
		{`cve.severity:!["LOW","MEDIUM"]`, `cve.severity:!['LOW','MEDIUM']`},
		{`modified_timestamp:>"2024-01-01T00:00:00Z"`, `modified_timestamp:>'2024-01-01T00:00:00Z'`},
		{`cve.id:!['']`, `cve.id:!['']`},
		// Numbers and booleans (5.2, 5.3).
		{`severity:>=70`, `severity:>=70`},
		{`cve.base_score:>5.0`, `cve.base_score:>5`},
		{`score:>030.50`, `score:>30.5`},
		{`container_count:>'0'`, `container_count:>'0'`},
		{`applied_globally:true`, `applied_globally:true`},
		{`running_status:'true'`, `running_status:'true'`},
		{`suppression_info.is_suppressed:False`, `suppression_info.is_suppressed:False`},
		// Timestamps and relative dates (5.5).
		{`last_seen:>='now-1h'`, `last_seen:>='now-1h'`},
		{`timestamp:>'now-7d'`, `timestamp:>'now-7d'`},
		{`created_on:'2024-05-01'`, `created_on:'2024-05-01'`},
		{`last_updated:>1700000000`, `last_updated:>1700000000`},
		{`created_on:>2024-01-01`, `created_on:>2024-01-01`},
		// Bare words (5.7).
		{`value:*example*`, `value:*example*`},
		{`assigned_to_name:!*`, `assigned_to_name:!*`},
		// Combining (section 6).
		{`environment:'dev'+environment:'test'`, `environment:'dev'+environment:'test'`},
		{`commands_queued:true+(deleted_at:null,created_at:>'2024-01-01')`, `commands_queued:true+(deleted_at:null,created_at:>'2024-01-01')`},
		{`status:'new'+severity_name:'High',severity_name:'Critical'+product:'epp'`, `(status:'new'+severity_name:'High'),(severity_name:'Critical'+product:'epp')`},
		{` ( a:1 , b:2 )	+ c : 3 `, `(a:1,b:2)+c:3`},
		{`((a:1))`, `a:1`},
		{`(a:1+b:2)+(c:3+d:4)`, `a:1+b:2+c:3+d:4`},
		{`a:1,(b:2,c:3)`, `a:1,b:2,c:3`},
		// Lenient: operators in front of a set.
		{`name:~*['a*', 'b*']`, `name:~*['a*','b*']`},
		{`severity_number:>[1,2]`, `severity_number:>[1,2]`},
	}
	for _, tt := range tests {
		e, err := fql.Parse(tt.in)
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, e.String(), tt.in)
		again, err := fql.Parse(e.String())
		require.NoError(t, err, tt.in)
		assert.Equal(t, e, again, "round trip of %q", tt.in)
	}
}

func TestParse_ValueKinds(t *testing.T) {
	t.Parallel()
	num := func(s string) fql.Value { e, _ := fql.Parse("f:" + s); return e.(fql.Comparison).Value() }
	tests := []struct {
		in   string
		op   fql.Op
		want fql.Value
	}{
		{`f:'x'`, fql.OpEq, fql.String("x")},
		{`f:"x"`, fql.OpEq, fql.String("x")},
		{`f:''`, fql.OpEq, fql.String("")},
		{`f:'null'`, fql.OpEq, fql.String("null")},
		{`f:42`, fql.OpEq, fql.Int(42)},
		{`f:-1.50`, fql.OpEq, fql.Float(-1.5)},
		{`f:true`, fql.OpEq, fql.Bool(true)},
		{`f:false`, fql.OpEq, fql.Bool(false)},
		{`f:null`, fql.OpEq, fql.Null{}},
		{`f:!null`, fql.OpNe, fql.Null{}},
		{`f:'2024-01-02T03:04:05Z'`, fql.OpEq, fql.Time(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC))},
		{`f:'now-7d'`, fql.OpEq, fql.Relative("now-7d")},
		{`f:'now-24h'`, fql.OpEq, fql.Relative("now-24h")},
		{`f:'NOW-7d'`, fql.OpEq, fql.String("NOW-7d")},
		{`f:*'a*'`, fql.OpWildcard, fql.Pattern("a*")},
		{`f:~*b*`, fql.OpIWildcard, fql.Pattern("b*")},
		{`f:~*!null`, fql.OpNotIWildcard, fql.Pattern("null")},
		{`f:*x*`, fql.OpEq, fql.Bare("*x*")},
		{`f:True`, fql.OpEq, fql.Bare("True")},
		{`f:1.`, fql.OpEq, fql.Bare("1.")},
		{`f:['a',1,null,true]`, fql.OpEq, fql.Set{fql.String("a"), fql.Int(1), fql.Null{}, fql.Bool(true)}},
		{`f:~'x'`, fql.OpMatch, fql.String("x")},
		{`f:!~'x'`, fql.OpNotMatch, fql.String("x")},
		{`f:>1`, fql.OpGt, fql.Int(1)},
		{`f:>=1`, fql.OpGte, fql.Int(1)},
		{`f:<1`, fql.OpLt, fql.Int(1)},
		{`f:<=1`, fql.OpLte, fql.Int(1)},
	}
	for _, tt := range tests {
		e, err := fql.Parse(tt.in)
		require.NoError(t, err, tt.in)
		c, ok := e.(fql.Comparison)
		require.True(t, ok, tt.in)
		assert.Equal(t, "f", c.Field(), tt.in)
		assert.Equal(t, tt.op, c.Op(), tt.in)
		assert.Equal(t, tt.want, c.Value(), tt.in)
	}
	assert.Equal(t, num("12345678901234567890123"), num("0012345678901234567890123"), "big integers keep every digit")
	assert.Equal(t, "12345678901234567890123", num("12345678901234567890123").String())
}

func TestParse_Timestamps(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text string
		want time.Time
	}{
		{"2024-01-01", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"2021-10-20T22", time.Date(2021, 10, 20, 22, 0, 0, 0, time.UTC)},
		{"2021-10-20T22:36", time.Date(2021, 10, 20, 22, 36, 0, 0, time.UTC)},
		{"2024-01-01T00:00:00Z", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"2024-01-01T00:00:00.123Z", time.Date(2024, 1, 1, 0, 0, 0, 123e6, time.UTC)},
		{"2024-02-29T12:00:00+02:00", time.Date(2024, 2, 29, 10, 0, 0, 0, time.UTC)},
		{"2024-02-29T12:00:00-01:30", time.Date(2024, 2, 29, 13, 30, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		ts, err := fql.ParseTimestamp(tt.text)
		require.NoError(t, err, tt.text)
		assert.True(t, tt.want.Equal(ts.Time()), "%s: got %v", tt.text, ts.Time())
		assert.Equal(t, tt.text, ts.Text())
	}
	for _, bad := range []string{"2024", "2024-01", "2023-02-29", "2024-13-01", "2024-01-01T24:00", "2024-01-01T10:60",
		"2024-01-01 10:00", "2024-01-01T10:00:00.Z", "2024-01-01T10:00:00.1234567890Z", "2024-01-01T10:00:00+2:00", "2024-01-01Z"} {
		_, err := fql.ParseTimestamp(bad)
		assert.Error(t, err, bad)
		e, err := fql.Parse("f:'" + bad + "'")
		require.NoError(t, err)
		assert.IsType(t, fql.String(""), e.(fql.Comparison).Value(), "%s is a plain string", bad)
	}
}

func TestParse_Escaping(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want string // decoded value
		out  string // canonical form
	}{
		{`f:'it\'s'`, `it's`, `f:'it\'s'`},
		{`f:"it's"`, `it's`, `f:'it\'s'`},
		{`f:"say \"hi\""`, `say "hi"`, `f:'say "hi"'`},
		{`f:'say \"hi\"'`, `say "hi"`, `f:'say "hi"'`},
		{`f:'a\\b'`, `a\b`, `f:'a\\b'`},
		{`f:'a\:b'`, `a\:b`, `f:'a\\:b'`},     // other \x pairs stay as written
		{`f:'\(x\)'`, `\(x\)`, `f:'\\(x\\)'`}, // ditto
		{`f:'a+b,c:(d)[e]!*'`, `a+b,c:(d)[e]!*`, `f:'a+b,c:(d)[e]!*'`},
		{`f:'%2B'`, `%2B`, `f:'%2B'`}, // encoded-looking text inside quotes is just text
		{"f:'tab\there'", "tab\there", "f:'tab\there'"},
		{`f:'héllo wörld'`, `héllo wörld`, `f:'héllo wörld'`},
	}
	for _, tt := range tests {
		e, err := fql.Parse(tt.in)
		require.NoError(t, err, tt.in)
		assert.Equal(t, fql.String(tt.want), e.(fql.Comparison).Value(), tt.in)
		assert.Equal(t, tt.out, e.String(), tt.in)
	}
	// Any Go string survives the builder -> String -> Parse round trip.
	for _, s := range []string{``, `'`, `\`, `\'`, `'\`, `\\'`, `''`, `"`, `a\`, "\x00\xff", "ünï\ncode", `%27`, `now-7d`, `*`} {
		e := fql.Eq("f", s)
		back, err := fql.Parse(e.String())
		require.NoError(t, err, "%q printed as %s", s, e)
		assert.Equal(t, e, back, "%q", s)
	}
}

func TestParse_Precedence(t *testing.T) {
	t.Parallel()
	a, b, c := fql.Eq("a", 1), fql.Eq("b", 2), fql.Eq("c", 3)
	tests := []struct {
		in   string
		want fql.Expr
	}{
		{`a:1,b:2+c:3`, fql.Or(a, fql.And(b, c))},
		{`a:1+b:2,c:3`, fql.Or(fql.And(a, b), c)},
		{`(a:1,b:2)+c:3`, fql.And(fql.Or(a, b), c)},
		{`a:1+(b:2,c:3)`, fql.And(a, fql.Or(b, c))},
		{`a:1+b:2+c:3`, fql.And(a, b, c)},
		{`a:1,b:2,c:3`, fql.Or(a, b, c)},
	}
	for _, tt := range tests {
		e, err := fql.Parse(tt.in)
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, e, tt.in)
	}
	// Mixed groups always print with parentheses.
	assert.Equal(t, `a:1,(b:2+c:3)`, fql.Or(a, fql.And(b, c)).String())
	assert.Equal(t, `(a:1,b:2)+c:3`, fql.And(fql.Or(a, b), c).String())
	assert.Equal(t, `(a:1+b:2),((a:1,b:2)+c:3)`, fql.Or(fql.And(a, b), fql.And(fql.Or(a, b), c)).String())
}

func TestParse_Errors(t *testing.T) {
	t.Parallel()
	const afterTop = `"+", "," or end of filter`
	tests := []struct {
		in       string
		strict   bool
		offset   int
		found    string
		expected string
		hint     string // substring of the hint, if any
	}{
		{in: ``, offset: 0, found: "end of filter", expected: "a filter term", hint: "leave the filter out"},
		{in: `   `, offset: 3, found: "end of filter", expected: "a filter term"},
		{in: `*`, offset: 0, found: `"*"`, expected: `a field name or "("`, hint: "match everything"},
		{in: `type:'a'%2Bvalue:'b'`, offset: 8, found: `"%2B"`, expected: "unencoded text", hint: "URL-encoded"},
		{in: `created_on%3A>'x'`, offset: 10, found: `"%3A"`, expected: "unencoded text"},
		{in: `value:%27x%27`, offset: 6, found: `"%27"`, expected: "unencoded text"},
		{in: `a:'%2B' b:1%2b`, offset: 11, found: `"%2b"`, expected: "unencoded text"},
		{in: `a:1 b:2`, offset: 4, found: `"b"`, expected: afterTop, hint: "arrives as a space"},
		{in: `a:1+`, offset: 4, found: "end of filter", expected: `a field name or "("`},
		{in: `+a:1`, offset: 0, found: `"+"`, expected: `a field name or "("`},
		{in: `a:1++b:2`, offset: 4, found: `"+"`, expected: `a field name or "("`},
		{in: `a:1,,b:2`, offset: 4, found: `","`, expected: `a field name or "("`},
		{in: `()`, offset: 1, found: `")"`, expected: `a field name or "("`},
		{in: `(a:1`, offset: 4, found: "end of filter", expected: `"+", "," or ")"`},
		{in: `a:1)`, offset: 3, found: `")"`, expected: afterTop, hint: "unbalanced"},
		{in: `(a:1)(b:2)`, offset: 5, found: `"("`, expected: afterTop},
		{in: `a:'x`, offset: 2, found: "unterminated string", expected: "a closing '"},
		{in: `a:"x\"`, offset: 2, found: "unterminated string", expected: `a closing "`},
		{in: `a:!!'x'`, offset: 3, found: `"!"`, expected: "a value"},
		{in: `a:>>1`, offset: 3, found: `">"`, expected: "a value"},
		{in: `a:=1`, offset: 2, found: `"="`, expected: "a value", hint: "no = operator"},
		{in: `a:=<'x'`, offset: 2, found: `"="`, expected: "a value"},
		{in: `a:!*'x'`, offset: 4, found: `"'"`, expected: afterTop},
		{in: `!env:'prod'`, offset: 0, found: `"!"`, expected: `a field name or "("`, hint: "after the colon"},
		{in: `1a:x`, offset: 0, found: `"1"`, expected: `a field name or "("`},
		{in: `a..b:1`, offset: 2, found: `"."`, expected: `a letter or "_"`},
		{in: `a.:1`, offset: 2, found: `":"`, expected: `a letter or "_"`},
		{in: `a-b:1`, offset: 1, found: `"-"`, expected: `":"`},
		{in: `tags.'key':'value'`, offset: 5, found: `"'"`, expected: `a letter or "_"`},
		{in: `a b:1`, offset: 2, found: `"b"`, expected: `":"`},
		{in: `a:`, offset: 2, found: "end of filter", expected: "a value"},
		{in: `a:[]`, offset: 3, found: `"]"`, expected: "a set element", hint: "at least one"},
		{in: `a:['x',]`, offset: 7, found: `"]"`, expected: "a set element"},
		{in: `a:[['x']]`, offset: 3, found: `"["`, expected: "a set element", hint: "do not nest"},
		{in: `a:['x' 'y']`, offset: 7, found: `"'"`, expected: `"," or "]"`},
		{in: `a:['x'`, offset: 6, found: "end of filter", expected: `"," or "]"`},
		{in: `a:'x''y'`, offset: 5, found: `"'"`, expected: afterTop},
		{in: `a:*'x`, offset: 3, found: "unterminated string", expected: "a closing '"},
		{in: "a:1\n", offset: 3, found: `"\n"`, expected: afterTop},
		{in: "a:\xff", offset: 2, found: "byte 0xff", expected: "a value"},
		{in: `a:1 AND b:2`, offset: 4, found: `"A"`, expected: afterTop},
		{in: strings.Repeat("(", 101) + "a:1" + strings.Repeat(")", 101), offset: 100, found: `"("`, expected: "a field name", hint: "nest more than 100"},
		// Strict profile.
		{in: ` a:1`, strict: true, offset: 0, found: "whitespace", expected: `a field name or "("`},
		{in: `a :'x'`, strict: true, offset: 1, found: "whitespace", expected: `":"`},
		{in: `a:'x' +b:'y'`, strict: true, offset: 5, found: "whitespace", expected: afterTop},
		{in: `a:'x'+ b:'y'`, strict: true, offset: 6, found: "whitespace", expected: `a field name or "("`},
		{in: `a:'x' `, strict: true, offset: 5, found: "whitespace", expected: afterTop},
		{in: `(a:'x' )`, strict: true, offset: 6, found: "whitespace", expected: `"+", "," or ")"`},
		{in: `a:> 'x'`, strict: true, offset: 3, found: "whitespace", expected: "a value"},
		{in: `a:[ 'x']`, strict: true, offset: 3, found: "whitespace", expected: "a set element"},
		{in: `a:['x' ]`, strict: true, offset: 6, found: "whitespace", expected: `"," or "]"`},
		{in: `a:abc`, strict: true, offset: 2, found: `bare word "abc"`, expected: "a quoted string"},
		{in: `a:False`, strict: true, offset: 2, found: `bare word "False"`, expected: "a quoted string"},
		{in: `a:['x',y]`, strict: true, offset: 7, found: `bare word "y"`, expected: "a quoted string"},
		{in: `a:~['x']`, strict: true, offset: 3, found: `"["`, expected: "a single value"},
		{in: `a:>true`, strict: true, offset: 3, found: `"t"`, expected: "a number or a quoted string"},
		{in: `a:<=null`, strict: true, offset: 4, found: `"n"`, expected: "a number or a quoted string"},
		{in: `a:~5`, strict: true, offset: 3, found: `"5"`, expected: "a quoted string"},
		{in: `a:~*x*`, strict: true, offset: 4, found: `bare word "x*"`, expected: "a quoted string"},
		{in: `Type:'x'`, strict: true, offset: 0, found: `"T"`, expected: "a lowercase letter"},
		{in: `a.bC:'x'`, strict: true, offset: 3, found: `"C"`, expected: "a lowercase letter"},
	}
	for _, tt := range tests {
		parse := fql.Parse
		if tt.strict {
			parse = fql.ParseStrict
		}
		e, err := parse(tt.in)
		require.Error(t, err, "%q parsed as %v", tt.in, e)
		var se *fql.SyntaxError
		require.True(t, errors.As(err, &se), "%q: %T", tt.in, err)
		assert.Equal(t, tt.offset, se.Offset, "offset for %q: %v", tt.in, err)
		assert.Equal(t, tt.found, se.Found, "found for %q", tt.in)
		assert.Equal(t, tt.expected, se.Expected, "expected for %q", tt.in)
		if tt.hint != "" {
			assert.Contains(t, se.Hint, tt.hint, tt.in)
		}
		assert.Contains(t, err.Error(), "at offset ", tt.in)
	}
}

func TestParseStrict_AcceptsCanonicalAndAttested(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		`type:'domain'`,
		`field: 'v'`,
		`created_on: >='2024-01-01T00:00:00Z'`,
		`product:['epp', 'xdr']`,
		`a:1+(b:true,c:null)+d:!['x']+e:>=-1.5`,
		`name:*'*x*'+name:~*'y*'+name:~*!'z'+v:~'t'+v:!~'u'`,
	} {
		e, err := fql.ParseStrict(in)
		require.NoError(t, err, in)
		lenient, err := fql.Parse(in)
		require.NoError(t, err)
		assert.Equal(t, lenient, e, in)
		_, err = fql.ParseStrict(e.String())
		assert.NoError(t, err, "canonical form of %q", in)
	}
}

func TestSyntaxError_Message(t *testing.T) {
	t.Parallel()
	_, err := fql.Parse(`type:>+value:'x'`)
	require.Error(t, err)
	assert.Equal(t, `fql: syntax error at offset 6: found "+", expected a value (near "type:>^+value:'x'")`, err.Error())

	_, err = fql.Parse(`type:'domain'+value:'evil.example.com'+source:x y`)
	require.Error(t, err)
	assert.Equal(t, `fql: syntax error at offset 48: found "y", expected "+", "," or end of filter (near "...ample.com'+source:x ^y"): terms are joined by + (and) or , (or); a + sent unencoded in a URL arrives as a space`, err.Error())

	_, err = fql.Parse(`aaaaaaaaaaaaaaaaaaaaaaaaa bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb`)
	require.Error(t, err)
	var se *fql.SyntaxError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, `...aaaaaaaaaaaaaaaaaaa ^bbbbbbbbbbbbbbbbbbbb...`, se.Near())

	// The neighbourhood never splits a UTF-8 sequence.
	_, err = fql.Parse("x:1 éa" + strings.Repeat("é", 15))
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "x:1 ^éa"+strings.Repeat("é", 8)+"...", se.Near())
	_, err = fql.Parse(strings.Repeat("é", 15) + "a:1 (")
	require.ErrorAs(t, err, &se)
	assert.Equal(t, 0, se.Offset)
	_, err = fql.Parse("a:'" + strings.Repeat("é", 15) + "'a")
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "..."+strings.Repeat("é", 9)+"'^a", se.Near())
}
