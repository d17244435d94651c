package ioc_test

import (
	"context"
	"fmt"
	"log"

	"github.com/falconioc/falcon/falcontest"
	"github.com/falconioc/falcon/fql"
	"github.com/falconioc/falcon/ioc"
)

func ExampleReportsService_Create() {
	client, srv := catalogExampleClient()
	defer srv.Close()
	srv.AddIndicators(
		falcontest.Indicator{Type: "domain", Value: "phish.example.com", Action: "detect", Severity: "high", AppliedGlobally: true},
		falcontest.Indicator{Type: "domain", Value: "ads.example.com", Action: "no_action", AppliedGlobally: true},
		falcontest.Indicator{Type: "ipv4", Value: "198.51.100.7", Action: "detect", Severity: "low", AppliedGlobally: true},
	)
	job, _, err := client.Reports.Create(context.Background(), ioc.ReportRequest{
		Format: "csv",
		Filter: ioc.Filter{Expr: fql.Eq("type", "domain")},
		Sort:   fql.Asc("value"),
	})
	if err != nil {
		log.Fatal(err)
	}
	// The call only starts a job.
	accepted := srv.Reports()[0]
	fmt.Println("job started:", job.ID == accepted.ID)
	fmt.Println("format:", accepted.Format, "filter:", accepted.Filter, "sort:", accepted.Sort)
	fmt.Println("indicators:", accepted.Indicators)
	// Output:
	// job started: true
	// format: csv filter: type:'domain' sort: value.asc
	// indicators: 2
}
