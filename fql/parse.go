package fql

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxDepth bounds the nesting of parentheses.
const maxDepth = 100

const (
	expField     = `a field name or "("`
	expAfterTop  = `"+", "," or end of filter`
	expAfterNest = `"+", "," or ")"`
	expValue     = `a value`
	expElem      = `a set element`
	expAfterElem = `"," or "]"`
	hintEncoded  = "the filter looks URL-encoded; pass it as written (the client encodes it)"
)

// Parse reads a filter in the lenient profile of the grammar (fql.md section
// 9): single or double quotes, spaces and tabs anywhere outside quotes, bare
// words, mixed-case field names (lowercased), and any operator before a set.
// + binds tighter than , so a,b+c is a,(b+c).
//
// Parse rejects an empty filter, a lone *, and input that is already
// URL-encoded (%2B, %3A, %27 and other %XX outside quotes). Errors are
// [*SyntaxError].
func Parse(s string) (Expr, error) { return parse(s, false) }

// ParseStrict reads a filter in the strict profile: on top of [Parse]'s
// rules it rejects whitespace except after a colon and after a comma in a
// set; bare words other than numbers, true, false and null; a set after an
// operator other than none and !; an ordering operator before anything but
// a number or a quoted string; a text or wildcard operator before anything
// but a quoted string; and uppercase in field names.
func ParseStrict(s string) (Expr, error) { return parse(s, true) }

type parser struct {
	src    string
	pos    int
	strict bool
	depth  int
	end    string // how the end of input is described
}

func parse(s string, strict bool) (Expr, error) {
	p := &parser{src: s, strict: strict, end: "end of filter"}
	if off := findEncoded(s); off >= 0 {
		return nil, &SyntaxError{Offset: off, Found: strconv.Quote(s[off : off+3]), Expected: "unencoded text", Hint: hintEncoded, input: s}
	}
	if err := p.ws(false, expField); err != nil {
		return nil, err
	}
	if p.eof() {
		return nil, p.fail(p.pos, "a filter term", "an empty filter is not a filter; leave the filter out instead")
	}
	if rest := strings.TrimRight(s[p.pos:], " \t"); rest == "*" {
		return nil, p.fail(p.pos, expField, "* is not a filter; leave the filter out to match everything")
	}
	e, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if !p.eof() {
		return nil, p.unexpected(expAfterTop)
	}
	return e, nil
}

// findEncoded returns the offset of the first %XX outside quotes, or -1.
func findEncoded(s string) int {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\'', '"':
			j := i + 1
			for j < len(s) && s[j] != c {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(s) {
				return -1 // unterminated; the parser reports it
			}
			i = j
		case '%':
			if i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
				return i
			}
		}
	}
	return -1
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func (p *parser) eof() bool { return p.pos >= len(p.src) }

func (p *parser) peek() byte {
	if p.pos >= len(p.src) {
		return 0
	}
	return p.src[p.pos]
}

// ws skips spaces and tabs. In the strict profile whitespace is an error
// unless allowed.
func (p *parser) ws(allowed bool, expected string) error {
	start := p.pos
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t') {
		p.pos++
	}
	if p.strict && !allowed && p.pos > start {
		return p.fail(start, expected, "the strict profile allows whitespace only after a colon and after a comma in a set")
	}
	return nil
}

func (p *parser) fail(off int, expected, hint string) *SyntaxError {
	return &SyntaxError{Offset: off, Found: p.describe(off), Expected: expected, Hint: hint, input: p.src}
}

// unexpected reports whatever is at the current position.
func (p *parser) unexpected(expected string) *SyntaxError {
	err := p.fail(p.pos, expected, "")
	if p.eof() {
		return err
	}
	switch c := p.src[p.pos]; {
	case c == '=':
		err.Hint = "FQL has no = operator: write field:value, field:!value, field:>=value"
	case c == '!' && expected == expField:
		err.Hint = "negation goes after the colon: field:!value"
	case c == ')' && p.depth == 0:
		err.Hint = "unbalanced parenthesis"
	case isSegStart(c) && expected != expField && p.pos > 0 && (p.src[p.pos-1] == ' ' || p.src[p.pos-1] == '\t'):
		err.Hint = "terms are joined by + (and) or , (or); a + sent unencoded in a URL arrives as a space"
	}
	return err
}

// describe says what is at off, for messages.
func (p *parser) describe(off int) string {
	if off >= len(p.src) {
		return p.end
	}
	c := p.src[off]
	if c == ' ' || c == '\t' {
		return "whitespace"
	}
	r, _ := utf8.DecodeRuneInString(p.src[off:])
	if r == utf8.RuneError {
		return "byte 0x" + strconv.FormatUint(uint64(c), 16)
	}
	return strconv.Quote(string(r))
}

func (p *parser) afterTerm() string {
	if p.depth > 0 {
		return expAfterNest
	}
	return expAfterTop
}

// parseOr reads and_expr { "," and_expr }, leaving trailing whitespace
// consumed.
func (p *parser) parseOr() (Expr, error) {
	first, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	var exprs []Expr
	for p.peek() == ',' {
		p.pos++
		if err := p.ws(false, expField); err != nil {
			return nil, err
		}
		next, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		if exprs == nil {
			exprs = []Expr{first}
		}
		exprs = append(exprs, next)
	}
	if exprs == nil {
		return first, nil
	}
	return Or(exprs...), nil
}

// parseAnd reads primary { "+" primary }, leaving trailing whitespace
// consumed.
func (p *parser) parseAnd() (Expr, error) {
	first, err := p.parsePrimary()
	if err != nil {
		return nil, err
	}
	var exprs []Expr
	for {
		if err := p.ws(false, p.afterTerm()); err != nil {
			return nil, err
		}
		if p.peek() != '+' {
			break
		}
		p.pos++
		if err := p.ws(false, expField); err != nil {
			return nil, err
		}
		next, err := p.parsePrimary()
		if err != nil {
			return nil, err
		}
		if exprs == nil {
			exprs = []Expr{first}
		}
		exprs = append(exprs, next)
	}
	if exprs == nil {
		return first, nil
	}
	return And(exprs...), nil
}

func (p *parser) parsePrimary() (Expr, error) {
	if p.peek() != '(' {
		return p.parseTerm()
	}
	if p.depth >= maxDepth {
		return nil, p.fail(p.pos, "a field name", "parentheses nest more than "+strconv.Itoa(maxDepth)+" deep")
	}
	p.pos++
	p.depth++
	if err := p.ws(false, expField); err != nil {
		return nil, err
	}
	e, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if p.peek() != ')' {
		return nil, p.unexpected(expAfterNest)
	}
	p.pos++
	p.depth--
	return e, nil
}

func isSegStart(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' }

func isSegChar(c byte) bool { return isSegStart(c) || '0' <= c && c <= '9' }

// parseField reads segment { "." segment } and returns it lowercased.
func (p *parser) parseField(expected string) (string, error) {
	start := p.pos
	for {
		if !isSegStart(p.peek()) {
			if p.pos == start {
				return "", p.unexpected(expected)
			}
			return "", p.fail(p.pos, `a letter or "_"`, "")
		}
		for p.pos < len(p.src) && isSegChar(p.src[p.pos]) {
			if c := p.src[p.pos]; p.strict && 'A' <= c && c <= 'Z' {
				return "", p.fail(p.pos, "a lowercase letter", "the strict profile wants lowercase field names")
			}
			p.pos++
		}
		if p.peek() != '.' {
			break
		}
		p.pos++
	}
	return strings.ToLower(p.src[start:p.pos]), nil
}

func (p *parser) parseTerm() (Expr, error) {
	field, err := p.parseField(expField)
	if err != nil {
		return nil, err
	}
	if err := p.ws(false, `":"`); err != nil {
		return nil, err
	}
	if p.peek() != ':' {
		return nil, p.unexpected(`":"`)
	}
	p.pos++
	if err := p.ws(true, "an operator or a value"); err != nil {
		return nil, err
	}
	op := p.parseOp()
	if op != OpEq {
		if err := p.ws(false, expValue); err != nil {
			return nil, err
		}
	}
	start := p.pos
	var v Value
	quoted := false
	switch c := p.peek(); {
	case c == '\'' || c == '"':
		s, err := p.parseString()
		if err != nil {
			return nil, err
		}
		v, quoted = classifyQuoted(op, s), true
	case c == '[':
		if v, err = p.parseSet(op); err != nil {
			return nil, err
		}
		if p.strict && op != OpEq && op != OpNe {
			return nil, p.fail(start, "a single value", `the strict profile allows a set only after ":" and ":!"`)
		}
	case isBareChar(c):
		v = classifyBare(op, p.bareWord())
		if p.strict {
			if err := p.strictBare(start, v); err != nil {
				return nil, err
			}
		}
	default:
		return nil, p.unexpected(expValue)
	}
	if p.strict && !quoted {
		switch _, isSet := v.(Set); {
		case op.isOrdering() && !isSet:
			if _, ok := v.(Number); !ok {
				return nil, p.fail(start, "a number or a quoted string", "")
			}
		case op == OpMatch || op == OpNotMatch || op.isWildcard():
			if !isSet {
				return nil, p.fail(start, "a quoted string", "")
			}
		}
	}
	return Comparison{field: field, op: op, value: v}, nil
}

// strictBare rejects bare words other than numbers, true, false and null.
func (p *parser) strictBare(start int, v Value) error {
	switch v.(type) {
	case Number, Bool, Null:
		return nil
	}
	err := p.fail(start, "a quoted string", "the strict profile wants strings quoted")
	err.Found = "bare word " + strconv.Quote(p.src[start:p.pos])
	return err
}

func (p *parser) parseOp() Op {
	rest := p.src[p.pos:]
	for _, c := range [...]struct {
		sym string
		op  Op
	}{
		{"~*!", OpNotIWildcard}, {"~*", OpIWildcard}, {"!~", OpNotMatch}, {">=", OpGte}, {"<=", OpLte},
		{"!", OpNe}, {">", OpGt}, {"<", OpLt}, {"~", OpMatch},
	} {
		if strings.HasPrefix(rest, c.sym) {
			p.pos += len(c.sym)
			return c.op
		}
	}
	// * is the wildcard operator only right before a quote; otherwise it
	// starts a bare word such as *example*.
	if len(rest) >= 2 && rest[0] == '*' && (rest[1] == '\'' || rest[1] == '"') {
		p.pos++
		return OpWildcard
	}
	return OpEq
}

func (p *parser) bareWord() string {
	start := p.pos
	for p.pos < len(p.src) && isBareChar(p.src[p.pos]) {
		p.pos++
	}
	return p.src[start:p.pos]
}

// parseString reads a quoted string. \', \" and \\ stand for the second
// character; any other backslash pair is kept as written.
func (p *parser) parseString() (string, error) {
	q := p.src[p.pos]
	start := p.pos
	p.pos++
	seg := p.pos
	var b []byte
	for p.pos < len(p.src) {
		switch c := p.src[p.pos]; c {
		case q:
			var s string
			if b == nil {
				s = p.src[seg:p.pos]
			} else {
				s = string(append(b, p.src[seg:p.pos]...))
			}
			p.pos++
			return s, nil
		case '\\':
			if p.pos+1 >= len(p.src) {
				p.pos++
				continue
			}
			if n := p.src[p.pos+1]; n == '\'' || n == '"' || n == '\\' {
				b = append(b, p.src[seg:p.pos]...)
				b = append(b, n)
				p.pos += 2
				seg = p.pos
				continue
			}
			p.pos += 2
		default:
			p.pos++
		}
	}
	err := p.fail(start, "a closing "+string(q), "")
	err.Found = "unterminated string"
	return "", err
}

func (p *parser) parseSet(op Op) (Value, error) {
	p.pos++ // [
	if err := p.ws(false, expElem); err != nil {
		return nil, err
	}
	var set Set
	for {
		start := p.pos
		switch c := p.peek(); {
		case c == '\'' || c == '"':
			s, err := p.parseString()
			if err != nil {
				return nil, err
			}
			set = append(set, classifyQuoted(op, s))
		case isBareChar(c):
			v := classifyBare(op, p.bareWord())
			if p.strict {
				if err := p.strictBare(start, v); err != nil {
					return nil, err
				}
			}
			set = append(set, v)
		case c == '[':
			err := p.unexpected(expElem)
			err.Hint = "sets do not nest"
			return nil, err
		default:
			err := p.unexpected(expElem)
			if c == ']' && len(set) == 0 {
				err.Hint = "a set needs at least one element"
			}
			return nil, err
		}
		if err := p.ws(false, expAfterElem); err != nil {
			return nil, err
		}
		switch p.peek() {
		case ',':
			p.pos++
			if err := p.ws(true, expElem); err != nil {
				return nil, err
			}
		case ']':
			p.pos++
			return set, nil
		default:
			return nil, p.unexpected(expAfterElem)
		}
	}
}
