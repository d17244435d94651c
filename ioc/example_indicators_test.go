package ioc_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/falconioc/falcon"
	"github.com/falconioc/falcon/falcontest"
	"github.com/falconioc/falcon/fql"
	"github.com/falconioc/falcon/ioc"
)

// indicatorsExampleClient starts the emulator and returns a client for it.
// The caller closes the server.
func indicatorsExampleClient(opts ...falcontest.Option) (*ioc.Client, *falcontest.Server) {
	srv := falcontest.NewServer(opts...)
	fc, err := falcon.NewClient(falcon.WithBaseURL(srv.URL), falcon.WithCredentials(srv.ClientID, srv.ClientSecret))
	if err != nil {
		log.Fatal(err)
	}
	return ioc.New(fc), srv
}

// exampleDomains returns n domain indicators to create.
func exampleDomains(n int) []ioc.NewIndicator {
	var out []ioc.NewIndicator
	for i := range n {
		out = append(out, ioc.NewIndicator{
			Type: ioc.TypeDomain, Value: fmt.Sprintf("bad-%d.example.com", i), Action: ioc.ActionDetect,
			Severity: ioc.SeverityHigh, Platforms: []ioc.Platform{ioc.PlatformWindows, ioc.PlatformMac},
			Tags: []string{"example"}, AppliedGlobally: true,
		})
	}
	return out
}

func ExampleIndicatorsService_Create() {
	client, srv := indicatorsExampleClient()
	defer srv.Close()
	ctx := context.Background()

	items := []ioc.NewIndicator{
		{Type: ioc.TypeDomain, Value: "Phish.Example.COM", Action: ioc.ActionDetect, Severity: ioc.SeverityHigh,
			Platforms: []ioc.Platform{ioc.PlatformWindows}, AppliedGlobally: true},
		{Type: ioc.TypeSHA256, Value: "not a hash", Action: ioc.ActionPrevent, Severity: ioc.SeverityCritical,
			Platforms: []ioc.Platform{ioc.PlatformWindows}, AppliedGlobally: true},
		{Type: ioc.TypeIPv4, Value: "192.168.1.10", Action: ioc.ActionDetect, Severity: ioc.SeverityLow,
			Platforms: []ioc.Platform{ioc.PlatformLinux}, AppliedGlobally: true},
	}

	// Without SkipInvalid, one bad item refuses the whole call.
	_, err := client.Indicators.Create(ctx, items, nil)
	var ve *falcon.ValidationError
	if errors.As(err, &ve) {
		for _, p := range ve.Problems {
			fmt.Printf("refused: item %d %s\n", p.Index, p.Field)
		}
	}

	// With it, every item gets its own outcome.
	res, err := client.Indicators.Create(ctx, items, &ioc.WriteOptions{SkipInvalid: true, Comment: "example"})
	for _, it := range res.Items {
		switch {
		case it.OK():
			fmt.Printf("item %d created: %s\n", it.Index, it.Ref)
		case errors.Is(it.Err, ioc.ErrInvalid):
			fmt.Printf("item %d not sent: %s\n", it.Index, it.Err.Field)
		case errors.Is(it.Err, ioc.ErrWarning):
			fmt.Printf("item %d refused for a warning on %s\n", it.Index, it.Warnings[0].Field)
		}
	}
	fmt.Println("failed:", len(res.Failed()), errors.As(err, new(*ioc.WriteError)))
	// Output:
	// refused: item 1 value
	// item 0 created: domain:phish.example.com
	// item 1 not sent: value
	// item 2 refused for a warning on value
	// failed: 2 true
}

func ExampleIndicatorsService_All() {
	client, srv := indicatorsExampleClient()
	defer srv.Close()
	ctx := context.Background()
	if _, err := client.Indicators.Create(ctx, exampleDomains(5), nil); err != nil {
		log.Fatal(err)
	}

	opts := &ioc.ListOptions{
		Filter: ioc.Filter{Expr: fql.And(fql.Eq("type", "domain"), fql.Eq("tags", "example"))},
		Sort:   fql.Desc("value"),
		Limit:  2, // three requests for five indicators
	}
	for ind, err := range client.Indicators.All(ctx, opts) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(ind.Value, ind.Severity)
	}
	// Output:
	// bad-4.example.com high
	// bad-3.example.com high
	// bad-2.example.com high
	// bad-1.example.com high
	// bad-0.example.com high
}

func ExampleIndicatorsService_Paginator() {
	client, srv := indicatorsExampleClient()
	defer srv.Close()
	ctx := context.Background()
	if _, err := client.Indicators.Create(ctx, exampleDomains(5), nil); err != nil {
		log.Fatal(err)
	}

	opts := &ioc.ListOptions{Sort: fql.Asc("value"), Limit: 2}
	p := client.Indicators.Paginator(opts)
	page, resp, err := p.NextPage(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("first page:", page[0].Value, page[1].Value, "of", resp.Meta.Pagination.Total)

	// Save the cursor; later, resume exactly where the walk stopped.
	saved := p.Cursor()
	resumed := *opts
	resumed.After = saved
	for ind, err := range client.Indicators.All(ctx, &resumed) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("then:", ind.Value)
	}
	// Output:
	// first page: bad-0.example.com bad-1.example.com of 5
	// then: bad-2.example.com
	// then: bad-3.example.com
	// then: bad-4.example.com
}

func ExampleIndicatorsService_Get() {
	client, srv := indicatorsExampleClient()
	defer srv.Close()
	ctx := context.Background()
	res, err := client.Indicators.Create(ctx, exampleDomains(2), nil)
	if err != nil {
		log.Fatal(err)
	}

	unknown := strings.Repeat("0", 64)
	got, _, err := client.Indicators.Get(ctx, res.Items[1].ID, unknown, res.Items[0].ID)
	if err != nil {
		log.Fatal(err)
	}
	for _, ind := range got.Found {
		fmt.Println("found:", ind.Value)
	}
	fmt.Println("missing:", len(got.Missing), got.Missing[0] == unknown)
	// Output:
	// found: bad-1.example.com
	// found: bad-0.example.com
	// missing: 1 true
}

func ExampleIndicatorsService_Update() {
	client, srv := indicatorsExampleClient()
	defer srv.Close()
	ctx := context.Background()
	created, err := client.Indicators.Create(ctx, []ioc.NewIndicator{{
		Type: ioc.TypeMD5, Value: strings.Repeat("ab", 16), Action: ioc.ActionDetect, Severity: ioc.SeverityMedium,
		Description: "from the old feed", Platforms: []ioc.Platform{ioc.PlatformWindows}, AppliedGlobally: true,
		Expiration: time.Now().Add(24 * time.Hour),
	}}, nil)
	if err != nil {
		log.Fatal(err)
	}

	// Set what changes, Clear what goes, and leave the rest alone.
	res, err := client.Indicators.Update(ctx, []ioc.IndicatorUpdate{{
		ID:          created.Items[0].ID,
		Severity:    ioc.Set(ioc.SeverityCritical),
		Description: ioc.Clear[string](),
		Expiration:  ioc.Clear[time.Time](),
	}}, &ioc.WriteOptions{Comment: "escalated"})
	if err != nil {
		log.Fatal(err)
	}
	ind := res.Items[0].Indicator
	fmt.Printf("severity %s, description %q, expires %v, action %s\n", ind.Severity, ind.Description, !ind.Expiration.IsZero(), ind.Action)
	// Output:
	// severity critical, description "", expires false, action detect
}

func ExampleIndicatorsService_DeleteWhere() {
	client, srv := indicatorsExampleClient()
	defer srv.Close()
	ctx := context.Background()
	if _, err := client.Indicators.Create(ctx, exampleDomains(3), nil); err != nil {
		log.Fatal(err)
	}

	// A nil filter is refused: deleting everything is spelled ioc.MatchAll().
	_, err := client.Indicators.DeleteWhere(ctx, ioc.Filter{}, nil)
	fmt.Println("nil filter refused:", errors.As(err, new(*falcon.ValidationError)))

	res, err := client.Indicators.DeleteWhere(ctx, ioc.Filter{Expr: fql.Eq("value", "bad-1.example.com")}, &ioc.DeleteOptions{Comment: "false positive"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("deleted:", len(res.Deleted))
	res, err = client.Indicators.DeleteWhere(ctx, ioc.MatchAll(), &ioc.DeleteOptions{Comment: "clean slate"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("then deleted:", len(res.Deleted), "left:", srv.IndicatorCount())
	// Output:
	// nil filter refused: true
	// deleted: 1
	// then deleted: 2 left: 0
}

func ExampleIndicatorsService_Aggregate() {
	client, srv := indicatorsExampleClient()
	defer srv.Close()
	ctx := context.Background()
	items := exampleDomains(3)
	items = append(items, ioc.NewIndicator{Type: ioc.TypeSHA256, Value: strings.Repeat("cd", 32), Action: ioc.ActionPrevent,
		Severity: ioc.SeverityCritical, Platforms: []ioc.Platform{ioc.PlatformWindows}, AppliedGlobally: true})
	if _, err := client.Indicators.Create(ctx, items, nil); err != nil {
		log.Fatal(err)
	}

	res, _, err := client.Indicators.Aggregate(ctx, ioc.AggregateRequest{
		Name: "by type", Type: ioc.AggTerms, Field: "type",
		SubAggregations: []ioc.AggregateRequest{{Name: "actions", Type: ioc.AggTerms, Field: "action"}},
	}, nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, b := range res.Buckets {
		fmt.Printf("%s: %d", b.Key(), b.Count)
		for _, sb := range b.Sub("actions").Buckets {
			fmt.Printf(" (%s %d)", sb.Key(), sb.Count)
		}
		fmt.Println()
	}
	// Output:
	// domain: 3 (detect 3)
	// sha256: 1 (prevent 1)
}
