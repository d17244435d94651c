package fql_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/falconioc/falcon/fql"
)

// gen builds random valid expressions through the public API.
type gen struct{ rng *rand.Rand }

var genFields = []string{"type", "Value", "metadata.filename.raw", "_marker", "a1.b_2.C", "tags"}

var genRunes = []string{"a", "Z", "0", " ", "'", `"`, `\`, `\'`, `\\`, "*", "+", ",", ":", "(", ")", "[", "]", "!", "%2B",
	"é", "ß", "\u212a", "\t", "\n", "\x00", "\xff", "now-7d", "2024-01-01", "true", "null"}

func (g gen) text() string {
	var b strings.Builder
	for range g.rng.IntN(6) {
		b.WriteString(genRunes[g.rng.IntN(len(genRunes))])
	}
	return b.String()
}

func (g gen) bare() string {
	const chars = "abcXYZ019_.*-"
	var b strings.Builder
	for range 1 + g.rng.IntN(5) {
		b.WriteByte(chars[g.rng.IntN(len(chars))])
	}
	return b.String()
}

func (g gen) scalar(op fql.Op) fql.Value {
	switch g.rng.IntN(10) {
	case 0:
		return fql.Int(g.rng.Int64() - math.MaxInt64/2)
	case 1:
		return fql.Float(g.rng.NormFloat64() * math.Pow(10, float64(g.rng.IntN(30)-15)))
	case 2:
		return fql.Bool(g.rng.IntN(2) == 0)
	case 3:
		if op.Symbol() == "*" || op.Symbol() == "~*" || op.Symbol() == "~*!" {
			return fql.Pattern(g.text())
		}
		return fql.Null{}
	case 4:
		return fql.Time(time.Unix(g.rng.Int64N(1e10), 0))
	case 5:
		return fql.Relative("now-" + []string{"1", "7", "24", "3650"}[g.rng.IntN(4)] + []string{"d", "h"}[g.rng.IntN(2)])
	case 6:
		w := fql.Bare(g.bare())
		if err := fql.Validate(fql.Compare("f", fql.OpEq, w)); err != nil {
			return fql.String(w)
		}
		return w
	case 7:
		return fql.Pattern(g.text())
	}
	return fql.String(g.text())
}

func (g gen) term() fql.Expr {
	op := fql.Op(g.rng.IntN(11))
	field := genFields[g.rng.IntN(len(genFields))]
	if op != fql.OpWildcard && g.rng.IntN(5) == 0 {
		set := make(fql.Set, 1+g.rng.IntN(4))
		for i := range set {
			set[i] = g.scalar(op)
		}
		return fql.Compare(field, op, set)
	}
	return fql.Compare(field, op, g.scalar(op))
}

func (g gen) expr(depth int) fql.Expr {
	if depth == 0 || g.rng.IntN(3) == 0 {
		return g.term()
	}
	ops := make([]fql.Expr, 2+g.rng.IntN(3))
	for i := range ops {
		ops[i] = g.expr(depth - 1)
	}
	if g.rng.IntN(2) == 0 {
		return fql.And(ops...)
	}
	return fql.Or(ops...)
}

// TestProperty_RoundTrip checks, over random valid expressions built through
// the public API, that Parse(e.String()) equals e.
func TestProperty_RoundTrip(t *testing.T) {
	t.Parallel()
	g := gen{rand.New(rand.NewPCG(20261129, 3))}
	for i := range 3000 {
		e := g.expr(4)
		require.NoError(t, fql.Validate(e), "case %d: %s", i, e)
		s := e.String()
		back, err := fql.Parse(s)
		require.NoError(t, err, "case %d: %q", i, s)
		require.Equal(t, e, back, "case %d: %q", i, s)
		require.Equal(t, s, back.String(), "case %d", i)
	}
}
