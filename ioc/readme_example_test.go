package ioc_test

// The README's Go snippets are the bodies of the examples in this file (and
// of readme_example_test.go in the other packages): TestREADMESnippets, in
// the root package, fails when they differ, and rewrites the README from
// them when run with -update-readme.

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/falconioc/falcon"
	"github.com/falconioc/falcon/falcontest"
	"github.com/falconioc/falcon/fql"
	"github.com/falconioc/falcon/ioc"
)

func Example_readmeIntro() {
	ctx := context.Background()
	// The emulator stands in for a tenant here. For yours, set FALCON_CLIENT_ID,
	// FALCON_CLIENT_SECRET (and FALCON_CLOUD) and call falcon.NewClient().
	srv := falcontest.NewServer(falcontest.WithIndicators(1000))
	defer srv.Close()
	client, err := falcon.NewClient(falcon.WithBaseURL(srv.URL), falcon.WithCredentials(srv.ClientID, srv.ClientSecret))
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close(ctx)
	iocs := ioc.New(client)

	filter := fql.And(fql.Eq("type", "domain"), fql.In("severity", "high", "critical"))
	n := 0
	for ind, err := range iocs.Indicators.All(ctx, &ioc.ListOptions{Filter: ioc.Filter{Expr: filter}}) {
		if err != nil {
			log.Fatal(err)
		}
		if n < 2 {
			fmt.Println(ind.Value, ind.Action, ind.Severity)
		}
		n++
	}
	fmt.Println(n, "high or critical domains")
	// Output:
	// invoice-1n915gt.static.online detect high
	// sync-i49jpu.support.xyz detect high
	// 83 high or critical domains
}

func Example_readmePaginator() {
	ctx := context.Background()
	srv := falcontest.NewServer(falcontest.WithIndicators(5000))
	defer srv.Close()
	client, err := falcon.NewClient(falcon.WithBaseURL(srv.URL), falcon.WithCredentials(srv.ClientID, srv.ClientSecret))
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close(ctx)
	iocs := ioc.New(client)

	p := iocs.Indicators.Paginator(&ioc.ListOptions{Filter: ioc.Filter{Expr: fql.Eq("type", "domain")}, Limit: 200})
	pages, domains := 0, 0
	for p.HasMorePages() {
		page, _, err := p.NextPage(ctx)
		if err != nil {
			log.Printf("stopped; resume with ListOptions.After = %q", p.Cursor())
			break
		}
		pages++
		domains += len(page)
	}
	fmt.Println(domains, "domains in", pages, "pages")
	// Output:
	// 1248 domains in 7 pages
}

func Example_readmeBulkWrite() {
	ctx := context.Background()
	srv := falcontest.NewServer()
	defer srv.Close()
	client, err := falcon.NewClient(falcon.WithBaseURL(srv.URL), falcon.WithCredentials(srv.ClientID, srv.ClientSecret))
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close(ctx)
	iocs := ioc.New(client)

	items := []ioc.NewIndicator{
		{Type: ioc.TypeDomain, Value: "Phish.Example.COM", Action: ioc.ActionDetect, Severity: ioc.SeverityHigh,
			Platforms: []ioc.Platform{ioc.PlatformWindows}, AppliedGlobally: true},
		{Type: ioc.TypeSHA256, Value: "not a hash", Action: ioc.ActionPrevent, Severity: ioc.SeverityCritical,
			Platforms: []ioc.Platform{ioc.PlatformWindows}, AppliedGlobally: true},
		{Type: ioc.TypeIPv4, Value: "192.168.1.10", Action: ioc.ActionDetect, Severity: ioc.SeverityLow,
			Platforms: []ioc.Platform{ioc.PlatformLinux}, AppliedGlobally: true},
	}
	res, err := iocs.Indicators.Create(ctx, items, &ioc.WriteOptions{
		Comment:     "feed 2026-11-29",
		SkipInvalid: true, // send the valid items, report the rest
		Progress:    func(done, total int) { fmt.Printf("sent %d of %d\n", done, total) },
	})
	if _, partial := errors.AsType[*ioc.WriteError](err); err != nil && !partial {
		log.Fatal(err) // refused as a whole: no result
	}
	fmt.Println(res.Succeeded(), "created")
	for _, it := range res.Failed() {
		fmt.Println(it.Err)
	}
	// Output:
	// sent 2 of 2
	// 1 created
	// ioc: item 1 (sha256 "not a hash"): value: not a valid sha256: must be 64 hexadecimal characters
	// ioc: item 2 (ipv4 "192.168.1.10"): 400 value: IP address '192.168.1.10' is private, loopback, link-local or multicast and may cause false positives (trace id c222bf51-a382-4cff-9d08-182e44b1bc1f)
}
