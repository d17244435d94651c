package fql_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/falconioc/falcon/fql"
)

var fuzzSeeds = []string{
	`type:'domain'`,
	`field: 'v'`,
	`created_on: >='2024-01-01T00:00:00Z'`,
	`product:['epp', 'xdr']`,
	`_marker:>='2024-01-01T00:00:00.123Z'`,
	`name:*'*prod*'`,
	`name:~*'*Prod*'+name:~*!'x'`,
	`value:!~'test'`,
	`host_info.tags:!['a',"b"]`,
	`assigned_to_uid:null,x:!null`,
	`cve.severity:!["LOW","MEDIUM"]`,
	`severity:>=70+score:>5.0+n:-0.50`,
	`suppression_info.is_suppressed:False`,
	`last_seen:>='now-1h'`,
	`value:*example*`,
	`assigned_to_name:!*`,
	`status:'new'+severity_name:'High',severity_name:'Critical'+product:'epp'`,
	` ( a:1 , b:2 )	+ c : 3 `,
	`f:'it\'s \\ \:'`,
	`f:"say \"hi\""`,
	`f:~*['a*', 'b*']`,
	`type:'a'%2Bvalue:'b'`,
	`a:[]`,
	`(a:1`,
	`*`,
	``,
}

// FuzzParse checks that Parse never panics, that every error is a
// *SyntaxError with an offset inside the input, and that everything that
// parses is valid, prints to a form that parses back to the same expression,
// agrees with the strict profile where that accepts it, and compiles and
// evaluates without panicking.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	now := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	record := rec{
		"a": {"x", 1, 2.5, true, now}, "b": {int64(2)}, "type": {"domain"}, "value": {"evil.example.com"},
		"created_on": {now.Add(-time.Hour)}, "f": {"it's"},
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := fql.Parse(s)
		strict, strictErr := fql.ParseStrict(s)
		if err != nil {
			var se *fql.SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q): error %T %v", s, err, err)
			}
			if se.Offset < 0 || se.Offset > len(s) {
				t.Fatalf("Parse(%q): offset %d outside the input", s, se.Offset)
			}
			_ = se.Error()
			if strictErr == nil {
				t.Fatalf("ParseStrict accepts %q, which Parse rejects: %v", s, err)
			}
			return
		}
		if strictErr == nil && !reflect.DeepEqual(e, strict) {
			t.Fatalf("Parse and ParseStrict disagree on %q: %s vs %s", s, e, strict)
		}
		if err := fql.Validate(e); err != nil {
			t.Fatalf("Parse(%q) gave an invalid expression: %v", s, err)
		}
		out := e.String()
		again, err := fql.Parse(out)
		if err != nil {
			t.Fatalf("Parse(%q) ok, but its canonical form %q does not parse: %v", s, out, err)
		}
		if !reflect.DeepEqual(e, again) {
			t.Fatalf("round trip changed the expression:\n in:  %q\n out: %q\n e:   %#v\n e2:  %#v", s, out, e, again)
		}
		if again.String() != out {
			t.Fatalf("canonical form not stable: %q then %q", out, again.String())
		}
		if m, err := fql.Compile(e, func() time.Time { return now }); err == nil {
			if _, err := m(record); err != nil {
				t.Fatalf("matching %q: %v", s, err)
			}
		}
	})
}

// FuzzParseSort checks that ParseSort never panics and that what it accepts
// prints to a form it reads back the same.
func FuzzParseSort(f *testing.F) {
	for _, s := range []string{"modified_on.desc", "a|asc", "Value", "metadata.filename.raw.DESC", "a.asc,b.desc", "|", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		srt, err := fql.ParseSort(s)
		if err != nil {
			var se *fql.SyntaxError
			if !errors.As(err, &se) || se.Offset < 0 || se.Offset > len(s) {
				t.Fatalf("ParseSort(%q): %v", s, err)
			}
			_ = se.Error()
			return
		}
		back, err := fql.ParseSort(srt.String())
		if err != nil || back != srt {
			t.Fatalf("ParseSort(%q) = %+v prints %q, which reads back as %+v, %v", s, srt, srt.String(), back, err)
		}
	})
}
