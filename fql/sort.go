package fql

import (
	"strconv"
	"strings"
)

// Sort is one sort key. It prints as field.asc or field.desc, the form every
// Falcon sort endpoint takes. The IOC API sorts by one key.
type Sort struct {
	Field string
	Desc  bool
}

// Asc returns an ascending sort on field.
func Asc(field string) Sort { return Sort{Field: field} }

// Desc returns a descending sort on field.
func Desc(field string) Sort { return Sort{Field: field, Desc: true} }

// String returns field.asc or field.desc with the field in lowercase.
func (s Sort) String() string {
	if s.Desc {
		return strings.ToLower(s.Field) + ".desc"
	}
	return strings.ToLower(s.Field) + ".asc"
}

// ParseSort reads field.asc, field.desc, field|asc, field|desc or a bare
// field (ascending). The direction is matched without regard to case, and
// the field must follow the filter grammar's field syntax; it is returned in
// lowercase. Errors are [*SyntaxError].
func ParseSort(s string) (Sort, error) {
	field, dir := s, ""
	if i := strings.LastIndexByte(s, '|'); i >= 0 {
		field, dir = s[:i], s[i+1:]
		if !isDirection(dir) {
			p := &parser{src: s, pos: i + 1, end: "end of sort"}
			err := p.fail(i+1, `"asc" or "desc"`, "")
			if dir != "" {
				err.Found = strconv.Quote(dir)
			}
			return Sort{}, err
		}
	} else if i := strings.LastIndexByte(s, '.'); i >= 0 && isDirection(s[i+1:]) {
		field, dir = s[:i], s[i+1:]
	}
	// Parse the field on its own so that it stops where the direction
	// starts; report problems against the whole input.
	p := &parser{src: field, end: "end of sort"}
	f, err := p.parseField("a field name")
	if err == nil && !p.eof() {
		if dir != "" && field != s && s[len(field)] == '|' {
			err = p.unexpected(`"|"`)
		} else {
			err = p.unexpected(`".asc", ".desc" or end of sort`)
		}
	}
	if err != nil {
		se := err.(*SyntaxError)
		full := &parser{src: s, end: "end of sort"}
		se.input, se.Found = s, full.describe(se.Offset)
		if strings.ContainsRune(s, ',') {
			se.Hint = "a sort has one key"
		}
		return Sort{}, se
	}
	return Sort{Field: f, Desc: strings.EqualFold(dir, "desc")}, nil
}

func isDirection(s string) bool { return strings.EqualFold(s, "asc") || strings.EqualFold(s, "desc") }
