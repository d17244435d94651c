package fql_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/falconioc/falcon/fql"
)

func mustParse(t testing.TB, s string) fql.Expr {
	t.Helper()
	e, err := fql.Parse(s)
	require.NoError(t, err, s)
	return e
}

func TestSchema_Check(t *testing.T) {
	t.Parallel()
	s := fql.IOCIndicatorFields
	for _, ok := range []string{
		`type:'domain'+value:*'*.evil.com'`,
		`severity:['high','critical']+severity_number:>=3+severity_number:<'5'`,
		`created_on:>'now-7d'+expiration:<='2025-01-01'+modified_on:>1700000000+modified_on:>2024-01-01`,
		`applied_globally:true+expired:!false+deleted:'true'+from_parent:False`,
		`platforms:['windows','mac']+tags:!['old']+host_groups:null`,
		`expiration:null,expiration:!null`,
		`metadata.filename.raw:~'setup'+source:!~'feed'+value:~*!'*.local'`,
		`Type:'domain'`,
	} {
		assert.NoError(t, s.Check(mustParse(t, ok)), ok)
	}
	assert.NoError(t, s.Check(nil))

	tests := []struct {
		in   string
		msg  string
		want error
	}{
		{`sevrity:'high'`, `fql: unknown field 'sevrity' (did you mean 'severity'?)`, fql.ErrUnknownField},
		{`modifed_on:>'now-1d'`, `fql: unknown field 'modifed_on' (did you mean 'modified_on'?)`, fql.ErrUnknownField},
		{`filename:'a.exe'`, `fql: unknown field 'filename' (did you mean 'metadata.filename.raw'?)`, fql.ErrUnknownField},
		{`hostname:'x'`, `fql: unknown field 'hostname'`, fql.ErrUnknownField},
		{`type:>'domain'`, `fql: field 'type' (string) does not take operator ':>'`, fql.ErrOperator},
		{`severity_number:~'3'`, `fql: field 'severity_number' (number) does not take operator ':~'`, fql.ErrOperator},
		{`tags:*'a*'`, `fql: field 'tags' (list of strings) does not take operator ':*'`, fql.ErrOperator},
		{`expired:>true`, `fql: field 'expired' (bool) does not take operator ':>'`, fql.ErrOperator},
		{`created_on:*'2024*'`, `fql: field 'created_on' (time) does not take operator ':*'`, fql.ErrOperator},
		{`severity_number:'high'`, `fql: field 'severity_number' (number) does not take the value 'high'`, fql.ErrValue},
		{`created_on:>'yesterday'`, `fql: field 'created_on' (time) does not take the value 'yesterday'`, fql.ErrValue},
		{`expired:'yes'`, `fql: field 'expired' (bool) does not take the value 'yes'`, fql.ErrValue},
		{`expired:1`, `fql: field 'expired' (bool) does not take the value 1`, fql.ErrValue},
		{`type:true`, `fql: field 'type' (string) does not take the value true`, fql.ErrValue},
		{`severity_number:[1,'x']`, `fql: field 'severity_number' (number) does not take the value 'x'`, fql.ErrValue},
	}
	for _, tt := range tests {
		err := s.Check(mustParse(t, tt.in))
		require.Error(t, err, tt.in)
		assert.Equal(t, tt.msg, err.Error(), tt.in)
		assert.ErrorIs(t, err, tt.want, tt.in)
		var fe *fql.FieldError
		require.ErrorAs(t, err, &fe)
	}

	// Every problem is reported; an unknown field once.
	err := s.Check(mustParse(t, `sevrity:'a'+sevrity:'b'+type:>1+value:'x'`))
	require.Error(t, err)
	var joined interface{ Unwrap() []error }
	require.ErrorAs(t, err, &joined)
	assert.Len(t, joined.Unwrap(), 2)
	assert.ErrorIs(t, err, fql.ErrUnknownField)
	assert.ErrorIs(t, err, fql.ErrOperator)
}

func TestSchema_EscapeHatches(t *testing.T) {
	t.Parallel()
	e := fql.And(fql.Eq("description", "x"), fql.Eq("type", "domain"))
	require.ErrorIs(t, fql.IOCIndicatorFields.Check(e), fql.ErrUnknownField)

	// AllowUnknown lets unknown fields through but still checks known ones.
	lax := fql.IOCIndicatorFields.AllowUnknown()
	assert.NoError(t, lax.Check(e))
	assert.ErrorIs(t, lax.Check(fql.Gt("type", 1)), fql.ErrOperator)

	// With adds a field; the original schema is untouched.
	more := fql.IOCIndicatorFields.With("Description", fql.KindString)
	assert.NoError(t, more.Check(e))
	assert.Error(t, fql.IOCIndicatorFields.Check(e))
	k, ok := more.Kind("description")
	assert.True(t, ok)
	assert.Equal(t, fql.KindString, k)

	// KindAny takes everything.
	anyf := fql.NewSchema(map[string]fql.Kind{"X": fql.KindAny})
	assert.NoError(t, anyf.Check(mustParse(t, `x:>1+x:*'a'+x:~true+x:['a',2]`)))
	assert.Equal(t, []string{"x"}, anyf.Fields())
	var zero fql.Schema
	assert.ErrorIs(t, zero.With("a", fql.KindBool).Check(fql.Eq("b", 1)), fql.ErrUnknownField)
	assert.Equal(t, "list of strings", fql.KindStringList.String())
	assert.Equal(t, "Kind(?)", fql.Kind(99).String())
}

func TestSchema_CheckSort(t *testing.T) {
	t.Parallel()
	for _, f := range []string{"action", "applied_globally", "metadata.av_hits", "metadata.company_name.raw", "created_by",
		"created_on", "expiration", "expired", "metadata.filename.raw", "modified_by", "modified_on",
		"metadata.original_filename.raw", "metadata.product_name.raw", "metadata.product_version", "severity_number",
		"source", "type", "value"} {
		assert.NoError(t, fql.IOCSortFields.CheckSort(fql.Desc(f)), f)
	}
	assert.Len(t, fql.IOCSortFields.Fields(), 18)
	err := fql.IOCSortFields.CheckSort(fql.Desc("severity"))
	assert.EqualError(t, err, `fql: unknown sort field 'severity' (did you mean 'severity_number'?)`)
	var fe *fql.FieldError
	require.ErrorAs(t, err, &fe)
	assert.True(t, fe.Sort)
	assert.NoError(t, fql.IOCSortFields.AllowUnknown().CheckSort(fql.Asc("severity")))
	var ee *fql.ExprError
	assert.ErrorAs(t, fql.IOCSortFields.CheckSort(fql.Asc("bad field")), &ee)
}

func TestIOCIndicatorFields(t *testing.T) {
	t.Parallel()
	want := map[string]fql.Kind{
		"id": fql.KindString, "type": fql.KindString, "value": fql.KindString, "action": fql.KindString,
		"mobile_action": fql.KindString, "severity": fql.KindString, "severity_number": fql.KindNumber,
		"platforms": fql.KindStringList, "tags": fql.KindStringList, "host_groups": fql.KindStringList,
		"applied_globally": fql.KindBool, "expiration": fql.KindTime, "expired": fql.KindBool,
		"created_on": fql.KindTime, "created_by": fql.KindString, "modified_on": fql.KindTime,
		"modified_by": fql.KindString, "source": fql.KindString, "deleted": fql.KindBool,
		"from_parent": fql.KindBool, "metadata.filename.raw": fql.KindString,
	}
	assert.Len(t, fql.IOCIndicatorFields.Fields(), len(want))
	for f, k := range want {
		got, ok := fql.IOCIndicatorFields.Kind(f)
		assert.True(t, ok, f)
		assert.Equal(t, k, got, f)
	}
	// Builders and schema agree on typical filters.
	e := fql.And(fql.Eq("type", "domain"), fql.Gte("modified_on", time.Now()), fql.In("platforms", "windows"))
	assert.NoError(t, fql.IOCIndicatorFields.Check(e))
	assert.False(t, errors.Is(fql.IOCIndicatorFields.Check(e), fql.ErrValue))
}
