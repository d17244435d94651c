package fql

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/falconioc/falcon/internal/rfc3339"
)

// Record gives the values of a field for evaluation. Elements are string,
// float64, int64, int, bool or time.Time. A nil or empty slice means the
// field is absent/null. A list field returns all elements.
//
// Field names are passed in lowercase. The evaluator reads the returned
// slice before it calls Values again, so an implementation may reuse one
// buffer across calls.
type Record interface {
	Values(field string) []any
}

// Matcher reports whether a record matches a compiled filter. It is safe
// for concurrent use. Its error reports a record element of a type that
// Record does not allow.
type Matcher func(r Record) (bool, error)

// Eval reports whether r matches e, resolving relative dates against
// time.Now. A nil e matches every record. To evaluate many records, use
// [Compile] once.
func Eval(e Expr, r Record) (bool, error) {
	m, err := Compile(e, time.Now)
	if err != nil {
		return false, err
	}
	return m(r)
}

// Compile validates e once and returns a matcher that evaluates it quickly:
// strings are case-folded, patterns split and timestamps parsed here, not
// per record. Relative dates are resolved against now, called once per
// match and only when e has a relative date; a nil now means time.Now. A
// nil e matches every record.
//
// Compile rejects what no record can match meaningfully: null after an
// operator other than none and !, and an ordering operator before a value
// that is neither a number nor a timestamp. Errors are [*ExprError].
func Compile(e Expr, now func() time.Time) (Matcher, error) {
	if err := Validate(e); err != nil {
		return nil, err
	}
	if e == nil {
		return func(Record) (bool, error) { return true, nil }, nil
	}
	var c compiler
	n, err := c.compile(e)
	if err != nil {
		return nil, err
	}
	if !c.relative {
		return func(r Record) (bool, error) {
			if r == nil {
				return false, errNilRecord
			}
			return n.match(r, time.Time{})
		}, nil
	}
	if now == nil {
		now = time.Now
	}
	return func(r Record) (bool, error) {
		if r == nil {
			return false, errNilRecord
		}
		return n.match(r, now())
	}, nil
}

var errNilRecord = &ExprError{Msg: "nil Record"}

type compiler struct{ relative bool }

type node interface {
	match(r Record, now time.Time) (bool, error)
}

type andNode []node

type orNode []node

func (a andNode) match(r Record, now time.Time) (bool, error) {
	for _, n := range a {
		if ok, err := n.match(r, now); err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

func (o orNode) match(r Record, now time.Time) (bool, error) {
	for _, n := range o {
		if ok, err := n.match(r, now); err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

func (c *compiler) compile(e Expr) (node, error) {
	switch e := e.(type) {
	case AndExpr:
		out := make(andNode, len(e.exprs))
		for i, x := range e.exprs {
			n, err := c.compile(x)
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	case OrExpr:
		out := make(orNode, len(e.exprs))
		for i, x := range e.exprs {
			n, err := c.compile(x)
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	case Comparison:
		return c.compileComparison(e)
	}
	return nil, &ExprError{Msg: fmt.Sprintf("unknown expression type %T", e)}
}

// base is an operator without its negation.
type base uint8

const (
	baseEq base = iota
	baseGt
	baseGte
	baseLt
	baseLte
	baseMatch
	baseGlob
)

func splitOp(op Op) (base, bool) {
	switch op {
	case OpNe:
		return baseEq, true
	case OpGt:
		return baseGt, false
	case OpGte:
		return baseGte, false
	case OpLt:
		return baseLt, false
	case OpLte:
		return baseLte, false
	case OpMatch:
		return baseMatch, false
	case OpNotMatch:
		return baseMatch, true
	case OpWildcard, OpIWildcard:
		return baseGlob, false
	case OpNotIWildcard:
		return baseGlob, true
	}
	return baseEq, false
}

// setMapMin is the set size from which string members are looked up in a
// map of case-folded keys instead of compared one by one.
const setMapMin = 8

// cmpNode evaluates one comparison. The positive form holds when the field
// is absent and null is among the operands, or when any element satisfies
// any predicate (or its folded string is in set); a negated operator
// inverts the positive form.
type cmpNode struct {
	field string
	neg   bool
	null  bool
	preds []pred
	set   map[string]struct{}
	// setLits are the operands folded into set; they still apply to
	// elements that are not strings (a quoted '3' equals the number 3).
	setLits []pred
}

func (c *compiler) compileComparison(t Comparison) (node, error) {
	b, neg := splitOp(t.op)
	n := &cmpNode{field: t.field, neg: neg}
	operands := []Value{t.value}
	if set, ok := t.value.(Set); ok {
		operands = set
	}
	var folded []pred
	for _, v := range operands {
		if _, ok := v.(Null); ok {
			if b != baseEq {
				return nil, &ExprError{Field: t.field, Msg: "operator " + t.op.String() + " does not take null"}
			}
			n.null = true
			continue
		}
		p, err := c.compilePred(t, b, v)
		if err != nil {
			return nil, err
		}
		if _, isString := v.(String); isString && b == baseEq {
			folded = append(folded, p)
		} else {
			n.preds = append(n.preds, p)
		}
	}
	if len(folded) >= setMapMin {
		n.set = make(map[string]struct{}, len(folded))
		for _, p := range folded {
			n.set[string(foldKey(nil, p.l.text))] = struct{}{}
		}
		n.setLits = folded
	} else {
		n.preds = append(folded, n.preds...)
	}
	return n, nil
}

func (n *cmpNode) match(r Record, now time.Time) (bool, error) {
	present, hit := false, false
	for _, v := range r.Values(n.field) {
		if v == nil {
			continue
		}
		present = true
		e, err := n.element(v)
		if err != nil {
			return false, err
		}
		if n.test(&e, now) {
			hit = true
			break
		}
	}
	if !present {
		hit = n.null
	}
	return hit != n.neg, nil
}

func (n *cmpNode) test(e *elem, now time.Time) bool {
	if n.set != nil {
		if e.kind == elemString {
			var buf [64]byte
			if _, ok := n.set[string(foldKey(buf[:0], e.s))]; ok {
				return true
			}
		} else {
			for i := range n.setLits {
				if n.setLits[i].test(e, now) {
					return true
				}
			}
		}
	}
	for i := range n.preds {
		if n.preds[i].test(e, now) {
			return true
		}
	}
	return false
}

type elemKind uint8

const (
	elemString elemKind = iota
	elemNumber
	elemBool
	elemTime
)

// elem is one record element, sorted by kind.
type elem struct {
	kind elemKind
	s    string
	f    float64
	b    bool
	t    time.Time
}

func (n *cmpNode) element(v any) (elem, error) {
	switch x := v.(type) {
	case string:
		return elem{kind: elemString, s: x}, nil
	case float64:
		return elem{kind: elemNumber, f: x}, nil
	case int64:
		return elem{kind: elemNumber, f: float64(x)}, nil
	case int:
		return elem{kind: elemNumber, f: float64(x)}, nil
	case bool:
		return elem{kind: elemBool, b: x}, nil
	case time.Time:
		return elem{kind: elemTime, t: x}, nil
	}
	return elem{}, &ExprError{Field: n.field, Msg: fmt.Sprintf("record value of type %T (want string, float64, int64, int, bool or time.Time)", v)}
}

// text is the element as text, for text and wildcard matching.
func (e *elem) text() string {
	switch e.kind {
	case elemNumber:
		return strconv.FormatFloat(e.f, 'f', -1, 64)
	case elemBool:
		return strconv.FormatBool(e.b)
	case elemTime:
		return e.t.UTC().Format(time.RFC3339Nano)
	}
	return e.s
}

// lit is an operand prepared for comparison with elements of every kind.
type lit struct {
	text    string
	number  bool // the operand is a Number: compare strings numerically
	isNum   bool // the text is a number (a Number, or a quoted '3')
	f       float64
	isBool  bool // true, false, or text that folds to either
	b       bool
	isTime  bool // a timestamp, or a relative date (rel)
	t       time.Time
	isRel   bool
	rel     time.Duration
	isGlob  bool // a bare word with *, under equality
	pattern glob
}

func (l *lit) time(now time.Time) time.Time {
	if l.isRel {
		return now.Add(-l.rel)
	}
	return l.t
}

// pred is one operand under one base operator.
type pred struct {
	op   base
	l    lit
	norm []byte // the operand's tokens, for ~
}

func (c *compiler) compilePred(t Comparison, b base, v Value) (pred, error) {
	p := pred{op: b}
	l := &p.l
	switch v := v.(type) {
	case String:
		l.text = string(v)
	case Pattern:
		l.text = string(v)
	case Bare:
		l.text = string(v)
		l.isGlob = b == baseEq && strings.Contains(l.text, "*")
	case Number:
		l.text, l.number = v.text, true
	case Bool:
		l.text = v.String()
	case Timestamp:
		l.text = v.text
	case RelativeDate:
		l.text = v.text
		l.rel, _ = parseRelative(v.text)
		l.isTime, l.isRel = true, true
		c.relative = true
	}
	if isNumberLit(l.text) {
		l.isNum = true
		l.f, _ = strconv.ParseFloat(l.text, 64)
	}
	if strings.EqualFold(l.text, "true") || strings.EqualFold(l.text, "false") {
		l.isBool, l.b = true, strings.EqualFold(l.text, "true")
	}
	if !l.isRel {
		l.t, l.isTime = rfc3339.ParsePartial(l.text)
	}
	switch b {
	case baseGt, baseGte, baseLt, baseLte:
		if !l.isNum && !l.isTime {
			return p, &ExprError{Field: t.field, Msg: "operator " + t.op.String() + " needs a number or a timestamp, not " + v.String()}
		}
	case baseMatch:
		p.norm = appendTokens(nil, l.text)
	case baseGlob:
		l.pattern = compileGlob(l.text)
	}
	if l.isGlob {
		l.pattern = compileGlob(l.text)
	}
	return p, nil
}

func (p *pred) test(e *elem, now time.Time) bool {
	l := &p.l
	switch p.op {
	case baseEq:
		return l.equal(e, now)
	case baseMatch:
		var buf [256]byte
		return bytes.Contains(appendTokens(buf[:0], e.text()), p.norm)
	case baseGlob:
		return l.pattern.match(e.text())
	}
	c, ok := l.compare(e, now)
	if !ok {
		return false
	}
	switch p.op {
	case baseGt:
		return c > 0
	case baseGte:
		return c >= 0
	case baseLt:
		return c < 0
	}
	return c <= 0
}

// equal reports whether e equals the operand.
func (l *lit) equal(e *elem, now time.Time) bool {
	switch e.kind {
	case elemString:
		if l.isGlob {
			return l.pattern.match(e.s)
		}
		if l.isTime {
			if t, ok := rfc3339.ParsePartial(e.s); ok {
				return t.Equal(l.time(now))
			}
		}
		if l.number {
			if f, err := strconv.ParseFloat(e.s, 64); err == nil {
				return f == l.f
			}
		}
		return strings.EqualFold(e.s, l.text)
	case elemNumber:
		if l.isNum {
			return e.f == l.f
		}
		if l.isTime {
			return e.f == epoch(l.time(now))
		}
	case elemBool:
		return l.isBool && e.b == l.b
	case elemTime:
		if l.isTime {
			return e.t.Equal(l.time(now))
		}
		if l.isNum {
			return epoch(e.t) == l.f
		}
	}
	return false
}

// compare orders e against the operand: numbers numerically, times in time
// (numbers against times as Unix seconds). ok is false when the two do not
// compare.
func (l *lit) compare(e *elem, now time.Time) (int, bool) {
	switch e.kind {
	case elemString:
		if l.isTime {
			if t, ok := rfc3339.ParsePartial(e.s); ok {
				return t.Compare(l.time(now)), true
			}
		}
		if l.isNum {
			if f, err := strconv.ParseFloat(e.s, 64); err == nil {
				return cmpFloat(f, l.f)
			}
		}
	case elemNumber:
		if l.isNum {
			return cmpFloat(e.f, l.f)
		}
		if l.isTime {
			return cmpFloat(e.f, epoch(l.time(now)))
		}
	case elemTime:
		if l.isTime {
			return e.t.Compare(l.time(now)), true
		}
		if l.isNum {
			return cmpFloat(epoch(e.t), l.f)
		}
	}
	return 0, false
}

func cmpFloat(a, b float64) (int, bool) {
	switch {
	case math.IsNaN(a) || math.IsNaN(b):
		return 0, false
	case a < b:
		return -1, true
	case a > b:
		return 1, true
	}
	return 0, true
}

// epoch is t in Unix seconds.
func epoch(t time.Time) float64 {
	return float64(t.Unix()) + float64(t.Nanosecond())/1e9
}

// glob is a compiled wildcard pattern: literal parts, lowercased, between
// the stars.
type glob struct {
	parts []string // len(parts) == stars+1
}

// compileGlob splits a pattern at its unescaped stars; a backslash makes the
// next character literal.
func compileGlob(p string) glob {
	var parts []string
	var cur []byte
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c == '\\' && i+1 < len(p):
			i++
			cur = append(cur, p[i])
		case c == '*':
			parts = append(parts, strings.ToLower(string(cur)))
			cur = cur[:0]
		default:
			cur = append(cur, c)
		}
	}
	parts = append(parts, strings.ToLower(string(cur)))
	// Runs of stars are one star.
	out := parts[:1]
	for _, s := range parts[1:] {
		if s == "" && len(out) > 1 && out[len(out)-1] == "" {
			continue
		}
		out = append(out, s)
	}
	return glob{parts: out}
}

// match reports whether the whole of s matches, without regard to case.
func (g *glob) match(s string) bool {
	s = strings.ToLower(s)
	if len(g.parts) == 1 {
		return s == g.parts[0]
	}
	first, last := g.parts[0], g.parts[len(g.parts)-1]
	if !strings.HasPrefix(s, first) {
		return false
	}
	s = s[len(first):]
	if !strings.HasSuffix(s, last) {
		return false
	}
	s = s[:len(s)-len(last)]
	for _, part := range g.parts[1 : len(g.parts)-1] {
		i := strings.Index(s, part)
		if i < 0 {
			return false
		}
		s = s[i+len(part):]
	}
	return true
}

// appendTokens appends s reduced to its words: letters and digits in lower
// case, every run of other characters made one space, none at either end.
func appendTokens(dst []byte, s string) []byte {
	start, gap := len(dst), false
	emit := func(r rune) {
		if gap && len(dst) > start {
			dst = append(dst, ' ')
		}
		gap = false
		dst = utf8.AppendRune(dst, r)
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
				emit(rune(c))
			case 'A' <= c && c <= 'Z':
				emit(rune(c + 'a' - 'A'))
			default:
				gap = true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			emit(unicode.ToLower(r))
		} else {
			gap = true
		}
		i += size
	}
	return dst
}

// foldKey appends a key for s such that two strings have the same key
// exactly when strings.EqualFold reports them equal: each rune becomes the
// smallest rune of its case-folding orbit.
func foldKey(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		m := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			m = min(m, f)
		}
		dst = utf8.AppendRune(dst, m)
		i += size
	}
	return dst
}
