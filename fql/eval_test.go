package fql_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/falconioc/falcon/fql"
)

// rec is a Record backed by a map.
type rec map[string][]any

func (r rec) Values(field string) []any { return r[field] }

var evalNow = time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)

func fixedClock() time.Time { return evalNow }

var sample = rec{
	"type":             {"domain"},
	"value":            {"Evil.Example.COM"},
	"severity":         {"High"},
	"severity_number":  {int64(4)},
	"score":            {7.5},
	"count":            {3},
	"platforms":        {"windows", "linux"},
	"applied_globally": {true},
	"created_on":       {time.Date(2024, 5, 28, 10, 0, 0, 0, time.UTC)},
	"modified_str":     {"2024-05-30T00:00:00Z"},
	"description":      {"Known bad C2 (evil-corp) infrastructure"},
	"epoch":            {int64(1700000000)},
	"empty":            {},
	"nils":             {nil},
	"quoted_num":       {"3"},
	"star":             {"a*b"},
	"plain":            {"axb"},
	"unicode":          {"Straße KELVIN"},
}

func TestEval_Semantics(t *testing.T) {
	t.Parallel()
	tests := []struct {
		filter string
		want   bool
	}{
		// String equality is case-insensitive and whole-value.
		{`type:'domain'`, true},
		{`type:'DOMAIN'`, true},
		{`type:"Domain"`, true},
		{`type:'dom'`, false},
		{`type:!'domain'`, false},
		{`type:!'ip'`, true},
		{`value:'evil.example.com'`, true},
		{`unicode:'STRASSE kelvin'`, false},
		{`unicode:'straße \u212Aelvin'`, false}, // not an escape: the text is literally \u212A
		// A * in quotes under plain : is a literal character; a bare word's * is a wildcard.
		{`value:'*example*'`, false},
		{`value:*example*`, true},
		{`value:*EXAMPLE*`, true},
		{`value:*example`, false},
		// Wildcard operators: whole-value globs, case-insensitive.
		{`value:*'*example*'`, true},
		{`value:*'evil.*'`, true},
		{`value:*'*.org'`, false},
		{`value:*'evil.example.com'`, true},
		{`value:*'*'`, true},
		{`value:*'evil*example*com'`, true},
		{`value:*'evil*com*example'`, false},
		{`value:~*'EVIL*'`, true},
		{`value:~*!'*.com'`, false},
		{`value:~*!'*.org'`, true},
		{`star:*'a\\*b'`, true},
		{`plain:*'a\\*b'`, false},
		{`plain:*'a*b'`, true},
		{`count:*'3'`, true},
		// Text match: case-, space- and punctuation-insensitive substring.
		{`description:~'evil corp'`, true},
		{`description:~'EVIL-CORP'`, true},
		{`description:~'corp) infra'`, true},
		{`description:~'bad c2'`, true},
		{`description:~'corpo'`, false},
		{`description:!~'benign'`, true},
		{`description:!~'known'`, false},
		{`unicode:~'STRASSE'`, false},
		{`unicode:~'straße'`, true},
		// Numbers.
		{`severity_number:4`, true},
		{`severity_number:'4'`, true},
		{`severity_number:>3`, true},
		{`severity_number:>=4`, true},
		{`severity_number:<4`, false},
		{`severity_number:<='4'`, true},
		{`severity_number:[1,4]`, true},
		{`score:>7.25`, true},
		{`score:7.5`, true},
		{`count:3`, true},
		{`count:<=2`, false},
		{`quoted_num:3`, true},
		{`quoted_num:3.0`, true},
		{`quoted_num:'3.0'`, false},
		{`quoted_num:>2`, true},
		{`severity:>2`, false},
		// Booleans.
		{`applied_globally:true`, true},
		{`applied_globally:false`, false},
		{`applied_globally:!false`, true},
		{`applied_globally:'TRUE'`, true},
		{`applied_globally:True`, true},
		{`applied_globally:1`, false},
		// Timestamps compare as instants, whatever their form.
		{`created_on:>'2024-05-01'`, true},
		{`created_on:<'2024-05-28T10:00:00.001Z'`, true},
		{`created_on:'2024-05-28T10:00:00Z'`, true},
		{`created_on:'2024-05-28T12:00:00+02:00'`, true},
		{`created_on:'2024-05-28'`, false},
		{`created_on:>2024-05-01`, true},
		{`created_on:>1716000000`, true},
		{`created_on:<1716000000`, false},
		{`modified_str:>'2024-05-29'`, true},
		{`modified_str:'2024-05-30T02:00:00+02:00'`, true},
		{`epoch:>'2023-11-01'`, true},
		{`epoch:<'2023-11-01'`, false},
		// Relative dates against the injected clock (2024-06-01T00:00Z).
		{`created_on:>='now-7d'`, true},
		{`created_on:>'now-24h'`, false},
		{`created_on:<'now-72h'`, true},
		{`modified_str:>'now-3d'`, true},
		// Null and absent fields; negations hold on absent fields.
		{`tags:null`, true},
		{`tags:!null`, false},
		{`empty:null`, true},
		{`nils:null`, true},
		{`type:null`, false},
		{`type:!null`, true},
		{`tags:'x'`, false},
		{`tags:!'x'`, true},
		{`tags:!['a']`, true},
		{`tags:['a',null]`, true},
		{`type:['a',null]`, false},
		{`tags:~'x'`, false},
		{`tags:!~'x'`, true},
		{`tags:>1`, false},
		// List fields match when any element matches; negations when none does.
		{`platforms:'linux'`, true},
		{`platforms:!'linux'`, false},
		{`platforms:!'mac'`, true},
		{`platforms:['mac','linux']`, true},
		{`platforms:!['mac','linux']`, false},
		{`platforms:*'win*'`, true},
		{`platforms:~*!'win*'`, false},
		{`platforms:~*!'mac*'`, true},
		// Groups.
		{`type:'domain'+severity:'high'`, true},
		{`type:'ip',severity:'high'`, true},
		{`type:'ip'+(severity:'high',nope:1)`, false},
		{`type:'ip',severity:'high'+nope:1`, false},
		{`(type:'ip',severity:'high')+platforms:'linux'`, true},
		// Large sets take the map path; results are the same.
		{`type:['a','b','c','d','e','f','g','DOMAIN']`, true},
		{`type:!['a','b','c','d','e','f','g','DOMAIN']`, false},
		{`type:['a','b','c','d','e','f','g','h']`, false},
		{`severity_number:['1','2','3','5','6','7','8','4']`, true},
		{`created_on:['a','b','c','d','e','f','g','h','2024-05-28T10:00:00Z']`, true},
	}
	for _, tt := range tests {
		e := mustParse(t, tt.filter)
		m, err := fql.Compile(e, fixedClock)
		require.NoError(t, err, tt.filter)
		got, err := m(sample)
		require.NoError(t, err, tt.filter)
		assert.Equal(t, tt.want, got, tt.filter)
	}
}

func TestEval_RelativeDatesFollowTheClock(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Date(2024, 5, 29, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	m, err := fql.Compile(fql.Gt("created_on", fql.Relative("now-2d")), clock)
	require.NoError(t, err)
	ok, err := m(sample)
	require.NoError(t, err)
	assert.True(t, ok, "2024-05-28T10:00 is after 2024-05-27")

	mu.Lock()
	now = now.AddDate(0, 0, 2)
	mu.Unlock()
	ok, err = m(sample)
	require.NoError(t, err)
	assert.False(t, ok, "2024-05-28T10:00 is before 2024-05-29")

	// Without relative dates the clock is never called.
	m, err = fql.Compile(fql.Eq("type", "domain"), func() time.Time { panic("clock called") })
	require.NoError(t, err)
	ok, err = m(sample)
	require.NoError(t, err)
	assert.True(t, ok)
}

func TestEval_Errors(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{`f:>null`, `f:~null`, `f:!~[null]`, `f:>'abc'`, `f:>true`, `f:<=abc`, `f:>['1','x']`} {
		_, err := fql.Compile(mustParse(t, bad), nil)
		var ee *fql.ExprError
		assert.True(t, errors.As(err, &ee), "%s: %v", bad, err)
	}
	m, err := fql.Compile(mustParse(t, `bad:'x'`), nil)
	require.NoError(t, err)
	_, err = m(rec{"bad": {struct{}{}}})
	assert.ErrorContains(t, err, "struct {}")
	_, err = m(nil)
	assert.ErrorContains(t, err, "nil Record")

	ok, err := fql.Eval(nil, sample)
	require.NoError(t, err)
	assert.True(t, ok, "no filter matches everything")
	ok, err = fql.Eval(fql.Gt("created_on", fql.Relative("now-36500d")), sample)
	require.NoError(t, err)
	assert.True(t, ok, "Eval resolves against time.Now")
	_, err = fql.Eval(fql.Eq("bad field", 1), sample)
	assert.Error(t, err)
}

// TestEval_SetEqualsDisjunction checks, over random sets and records, that a
// set matches exactly when the disjunction of its members does, so the
// map-based path for large sets agrees with term-by-term comparison.
func TestEval_SetEqualsDisjunction(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "A", "b", "k", "K", "\u212a", "s", "S", "\u017f", "σ", "Σ", "ς", "ß", "1", "é", "É", "\xff"}
	word := func() string {
		var b strings.Builder
		for range 1 + rng.IntN(3) {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		return b.String()
	}
	for i := range 300 {
		members := make([]string, 1+rng.IntN(12))
		terms := make([]fql.Expr, len(members))
		for j := range members {
			members[j] = word()
			terms[j] = fql.Eq("f", members[j])
		}
		set, err := fql.Compile(fql.In("f", members...), nil)
		require.NoError(t, err)
		or, err := fql.Compile(fql.Or(terms...), nil)
		require.NoError(t, err)
		for range 20 {
			r := rec{"f": {word()}}
			if rng.IntN(4) == 0 {
				r = rec{"f": {members[rng.IntN(len(members))]}}
			}
			a, err := set(r)
			require.NoError(t, err)
			b, err := or(r)
			require.NoError(t, err)
			require.Equal(t, b, a, "case %d: %q in %q", i, r["f"], members)
		}
	}
}

func TestEval_ConcurrentUse(t *testing.T) {
	t.Parallel()
	m, err := fql.Compile(mustParse(t, `type:'domain'+created_on:>'now-7d'+value:*'*example*'`), fixedClock)
	require.NoError(t, err)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for g := range 4 {
		wg.Go(func() {
			for range 200 {
				ok, err := m(sample)
				if err != nil || !ok {
					errs <- fmt.Errorf("goroutine %d: %v %v", g, ok, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
