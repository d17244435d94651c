package feed

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/falconioc/falcon/ioc"
)

// stixObject holds the fields of a STIX object that Read uses.
type stixObject struct {
	Type        string   `json:"type"`
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Labels      []string `json:"labels"`
	Pattern     string   `json:"pattern"`
	PatternType string   `json:"pattern_type"`
	ValidUntil  string   `json:"valid_until"`
	Revoked     bool     `json:"revoked"`
}

type stixBundle struct {
	Type    string       `json:"type"`
	Objects []stixObject `json:"objects"`
}

func readSTIX(b *builder, data []byte) error {
	var objs []stixObject
	t := bytes.TrimLeft(data, " \t\r\n")
	if len(t) > 0 && t[0] == '[' {
		if err := json.Unmarshal(data, &objs); err != nil {
			return fmt.Errorf("feed: %s: bad STIX JSON: %w", b.opts.Name, err)
		}
	} else {
		var bundle stixBundle
		if err := json.Unmarshal(data, &bundle); err != nil {
			return fmt.Errorf("feed: %s: bad STIX JSON: %w", b.opts.Name, err)
		}
		switch bundle.Type {
		case "bundle":
			objs = bundle.Objects
		case "indicator":
			var o stixObject
			if err := json.Unmarshal(data, &o); err != nil {
				return fmt.Errorf("feed: %s: bad STIX JSON: %w", b.opts.Name, err)
			}
			objs = []stixObject{o}
		default:
			return fmt.Errorf("feed: %s: not a STIX bundle or indicator (type %q)", b.opts.Name, bundle.Type)
		}
	}
	for i := range objs {
		if objs[i].Type == "indicator" {
			stixIndicator(b, &objs[i])
		}
	}
	return nil
}

func stixIndicator(b *builder, o *stixObject) {
	org := o.ID
	if org == "" {
		org = b.opts.Name + ": indicator without id"
	}
	if o.Revoked {
		b.add1(Problem{Origin: org, Reason: "revoked indicator: withdrawn by its producer", Kind: KindRevoked})
		return
	}
	if o.PatternType != "" && o.PatternType != "stix" {
		b.problem(org, o.Pattern, "pattern type "+o.PatternType+" is not supported")
		return
	}
	terms, err := parsePattern(o.Pattern)
	if err != nil {
		b.problem(org, o.Pattern, "unsupported STIX pattern: "+err.Error())
		return
	}
	e := Entry{Origin: org}
	switch {
	case o.Name != "" && o.Description != "":
		e.Description = o.Name + " - " + o.Description
	case o.Name != "":
		e.Description = o.Name
	default:
		e.Description = o.Description
	}
	if o.ValidUntil != "" {
		t, err := time.Parse(time.RFC3339Nano, o.ValidUntil)
		if err != nil {
			b.problem(org, o.ValidUntil, "bad valid_until: want an RFC 3339 timestamp")
			return
		}
		e.Expiration = t.UTC()
	}
	for _, t := range terms {
		typ, reason, kind := termType(t.path)
		if reason != "" {
			b.add1(Problem{Origin: org, Value: t.value, Reason: reason, Kind: kind})
			continue
		}
		e.Tags = append([]string(nil), o.Labels...)
		b.add(e, typ, t.value)
	}
}

// termType maps an object path to a Falcon type, or typeURL, or explains
// why it has none (kind then says what the term is, when known).
func termType(path []string) (typ ioc.Type, reason, kind string) {
	p := strings.ToLower(strings.Join(path, "."))
	switch p {
	case "domain-name:value":
		return ioc.TypeDomain, "", ""
	case "ipv4-addr:value":
		return ioc.TypeIPv4, "", ""
	case "ipv6-addr:value":
		return ioc.TypeIPv6, "", ""
	case "url:value":
		return typeURL, "", ""
	case "file:name":
		return "", "file name: Falcon has no file name type", KindFileName
	case "email-addr:value":
		return "", "e-mail address: Falcon has no email type", KindEmail
	}
	if len(path) == 2 && strings.EqualFold(path[0], "file:hashes") {
		alg := strings.NewReplacer("-", "", "_", "", " ", "").Replace(strings.ToLower(path[1]))
		switch alg {
		case "sha256":
			return ioc.TypeSHA256, "", ""
		case "md5":
			return ioc.TypeMD5, "", ""
		case "sha1":
			return "", "SHA-1 hash: " + hashReason, KindSHA1
		case "sha512":
			return "", "SHA-512 hash: " + hashReason, KindSHA512
		}
		return "", "file hash " + path[1] + ": " + hashReason, "file hash"
	}
	return "", "object path " + strings.Join(path, ".") + " has no Falcon type", "stix path"
}

// term is one comparison "path = 'value'" of a pattern; path holds the
// object type with its first property ("file:hashes") then the remaining
// properties, unquoted.
type term struct {
	path  []string
	value string
}

// parsePattern parses the subset of STIX patterning that maps to IOCs: one
// or more observation expressions joined by OR, each a bracketed list of
// equality comparisons joined by OR. AND, other operators, qualifiers and
// parentheses are reported as unsupported.
func parsePattern(s string) ([]term, error) {
	p := &patternParser{s: s}
	var terms []term
	for {
		p.space()
		if !p.eat("[") {
			return nil, p.errorf("want '['")
		}
		for {
			t, err := p.comparison()
			if err != nil {
				return nil, err
			}
			terms = append(terms, t)
			p.space()
			if p.eat("]") {
				break
			}
			if !p.keyword("OR") {
				if p.keyword("AND") {
					return nil, p.errorf("AND is not supported")
				}
				return nil, p.errorf("want OR or ']'")
			}
		}
		p.space()
		if p.i == len(p.s) {
			return terms, nil
		}
		if !p.keyword("OR") {
			return nil, p.errorf("only OR may join observation expressions")
		}
	}
}

type patternParser struct {
	s string
	i int
}

func (p *patternParser) errorf(format string, args ...any) error {
	return fmt.Errorf("at offset %d: %s", p.i, fmt.Sprintf(format, args...))
}

func (p *patternParser) space() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *patternParser) eat(tok string) bool {
	if strings.HasPrefix(p.s[p.i:], tok) {
		p.i += len(tok)
		return true
	}
	return false
}

// keyword consumes a case-sensitive keyword followed by a non-word byte.
func (p *patternParser) keyword(kw string) bool {
	rest := p.s[p.i:]
	if !strings.HasPrefix(rest, kw) || len(rest) > len(kw) && isIdentByte(rest[len(kw)]) {
		return false
	}
	p.i += len(kw)
	return true
}

func isIdentByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-'
}

func (p *patternParser) comparison() (term, error) {
	p.space()
	start := p.i
	for p.i < len(p.s) && (isIdentByte(p.s[p.i]) || p.s[p.i] == ':') {
		p.i++
	}
	first := p.s[start:p.i]
	if !strings.Contains(first, ":") || strings.HasPrefix(first, ":") || strings.HasSuffix(first, ":") {
		return term{}, p.errorf("want an object path like domain-name:value")
	}
	path := []string{first}
	for p.eat(".") {
		if p.i < len(p.s) && p.s[p.i] == '\'' {
			v, err := p.str()
			if err != nil {
				return term{}, err
			}
			path = append(path, v)
			continue
		}
		start := p.i
		for p.i < len(p.s) && isIdentByte(p.s[p.i]) {
			p.i++
		}
		if p.i == start {
			return term{}, p.errorf("want a property name after '.'")
		}
		path = append(path, p.s[start:p.i])
	}
	p.space()
	if !p.eat("=") {
		return term{}, p.errorf("only '=' comparisons are supported")
	}
	p.space()
	v, err := p.str()
	if err != nil {
		return term{}, err
	}
	return term{path: path, value: v}, nil
}

// str reads a single-quoted string literal with \' and \\ escapes.
func (p *patternParser) str() (string, error) {
	if !p.eat("'") {
		return "", p.errorf("want a quoted string")
	}
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '\'':
			p.i++
			return b.String(), nil
		case c == '\\':
			if p.i+1 >= len(p.s) || (p.s[p.i+1] != '\'' && p.s[p.i+1] != '\\') {
				return "", p.errorf("bad escape in string")
			}
			b.WriteByte(p.s[p.i+1])
			p.i += 2
		default:
			b.WriteByte(c)
			p.i++
		}
	}
	return "", errors.New("unterminated string")
}
