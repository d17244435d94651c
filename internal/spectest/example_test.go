package spectest_test

import (
	"fmt"
	"net/http/httptest"

	"github.com/falconioc/falcon/internal/spectest"
)

func ExampleCheckRequest() {
	r := httptest.NewRequest("GET", "/iocs/queries/indicators/v1?limit=ten", nil)
	op, _ := spectest.Find(r)
	fmt.Println(op)
	fmt.Println(spectest.CheckRequest(r))
	// Output:
	// GET /iocs/queries/indicators/v1 (indicator.search.v1)
	// spectest: request GET /iocs/queries/indicators/v1 breaks the spec:
	// 	parameter "limit" in query has an error: value ten: an invalid integer: invalid syntax
}
