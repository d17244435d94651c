package fql_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/falconioc/falcon/fql"
)

func Example() {
	f := fql.And(
		fql.Eq("type", "domain"),
		fql.Or(fql.Eq("severity", "high"), fql.Eq("severity", "critical")),
		fql.Like("value", "*.example.com"),
		fql.Gte("modified_on", fql.Relative("now-7d")),
	)
	fmt.Println(f)
	// Output:
	// type:'domain'+(severity:'high',severity:'critical')+value:*'*.example.com'+modified_on:>='now-7d'
}

func ExampleParse() {
	e, err := fql.Parse(`Type: "domain" + severity:['high', 'critical'], value:*example*`)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(e)
	// Output:
	// (type:'domain'+severity:['high','critical']),value:*example*
}

func ExampleParse_syntaxError() {
	_, err := fql.Parse(`type:'domain' value:'x'`)
	var se *fql.SyntaxError
	if errors.As(err, &se) {
		fmt.Println(se.Offset, se.Found, "/", se.Expected)
	}
	fmt.Println(err)

	_, err = fql.Parse(`type:'domain'%2Bvalue:'x'`)
	fmt.Println(err)
	// Output:
	// 14 "v" / "+", "," or end of filter
	// fql: syntax error at offset 14: found "v", expected "+", "," or end of filter (near "type:'domain' ^value:'x'"): terms are joined by + (and) or , (or); a + sent unencoded in a URL arrives as a space
	// fql: syntax error at offset 13: found "%2B", expected unencoded text (near "type:'domain'^%2Bvalue:'x'"): the filter looks URL-encoded; pass it as written (the client encodes it)
}

func ExampleParseStrict() {
	_, err := fql.ParseStrict(`platforms:windows`)
	fmt.Println(err)
	e, err := fql.ParseStrict(`platforms: ['windows', 'mac']`)
	fmt.Println(e, err)
	// Output:
	// fql: syntax error at offset 10: found bare word "windows", expected a quoted string (near "platforms:^windows"): the strict profile wants strings quoted
	// platforms:['windows','mac'] <nil>
}

func ExampleEq() {
	fmt.Println(fql.Eq("value", `it's a \ test`))
	fmt.Println(fql.Eq("applied_globally", true))
	fmt.Println(fql.Ne("severity_number", 3))
	// Output:
	// value:'it\'s a \\ test'
	// applied_globally:true
	// severity_number:!3
}

func ExampleTime() {
	t := time.Date(2024, 5, 1, 14, 30, 0, 123456789, time.FixedZone("CEST", 2*3600))
	fmt.Println(fql.Gt("created_on", t))
	fmt.Println(fql.Lt("expiration", fql.Relative("now-24h")))
	// Output:
	// created_on:>'2024-05-01T12:30:00Z'
	// expiration:<'now-24h'
}

// indicator is a Record for the examples.
type indicator struct {
	Type, Value string
	Platforms   []string
	ModifiedOn  time.Time
}

func (in indicator) Values(field string) []any {
	switch field {
	case "type":
		return []any{in.Type}
	case "value":
		return []any{in.Value}
	case "platforms":
		out := make([]any, len(in.Platforms))
		for i, p := range in.Platforms {
			out[i] = p
		}
		return out
	case "modified_on":
		return []any{in.ModifiedOn}
	}
	return nil
}

func ExampleCompile() {
	now := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	e, _ := fql.Parse(`type:'DOMAIN'+platforms:'linux'+value:*'*.example.com'+modified_on:>'now-7d'`)
	m, err := fql.Compile(e, func() time.Time { return now })
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, in := range []indicator{
		{"domain", "a.example.com", []string{"windows", "linux"}, now.AddDate(0, 0, -1)},
		{"domain", "b.example.com", []string{"windows"}, now.AddDate(0, 0, -1)},
		{"domain", "c.example.com", []string{"linux"}, now.AddDate(0, 0, -30)},
	} {
		ok, _ := m(in)
		fmt.Println(in.Value, ok)
	}
	// Output:
	// a.example.com true
	// b.example.com false
	// c.example.com false
}

func ExampleSchema_Check() {
	e, _ := fql.Parse(`sevrity:'high'+type:>'domain'`)
	err := fql.IOCIndicatorFields.Check(e)
	fmt.Println(err)
	fmt.Println(errors.Is(err, fql.ErrUnknownField), errors.Is(err, fql.ErrOperator))

	// Fields the schema does not list can still be checked and sent.
	custom := fql.IOCIndicatorFields.With("description", fql.KindString)
	fmt.Println(custom.Check(fql.Match("description", "botnet")))
	// Output:
	// fql: unknown field 'sevrity' (did you mean 'severity'?)
	// fql: field 'type' (string) does not take operator ':>'
	// true true
	// <nil>
}

func ExampleParseSort() {
	for _, s := range []string{"modified_on|desc", "metadata.filename.raw.asc", "value"} {
		srt, err := fql.ParseSort(s)
		fmt.Println(srt, err, fql.IOCSortFields.CheckSort(srt))
	}
	// Output:
	// modified_on.desc <nil> <nil>
	// metadata.filename.raw.asc <nil> <nil>
	// value.asc <nil> <nil>
}
