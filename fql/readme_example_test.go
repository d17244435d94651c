package fql_test

// The README's FQL snippet is the body of this example; TestREADMESnippets
// in the root package checks them against each other.

import (
	"fmt"

	"github.com/falconioc/falcon/fql"
)

func Example_readme() {
	f := fql.And(
		fql.Eq("type", "domain"),
		fql.In("severity", "high", "critical"),
		fql.Gte("modified_on", fql.Relative("now-7d")),
		fql.Or(fql.Like("value", "*.example.com"), fql.Eq("tags", "c2")),
	)
	fmt.Println(f)

	g, err := fql.Parse(`type: "domain" + severity:!'low'`) // lenient input; errors are *fql.SyntaxError
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(g)

	err = fql.IOCIndicatorFields.Check(fql.Eq("sevrity", "high"))
	fmt.Println(err)
	// Output:
	// type:'domain'+severity:['high','critical']+modified_on:>='now-7d'+(value:*'*.example.com',tags:'c2')
	// type:'domain'+severity:!'low'
	// fql: unknown field 'sevrity' (did you mean 'severity'?)
}
