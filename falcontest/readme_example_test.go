package falcontest_test

// The README's emulator snippet is the body of this example;
// TestREADMESnippets in the root package checks them against each other.

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/falconioc/falcon"
	"github.com/falconioc/falcon/falcontest"
	"github.com/falconioc/falcon/ioc"
)

func Example_readme() {
	ctx := context.Background()
	srv := falcontest.NewServer(falcontest.WithIndicators(5000), falcontest.WithSeed(1), falcontest.WithRetryAfterMillis())
	defer srv.Close()
	client, err := falcon.NewClient(falcon.WithBaseURL(srv.URL),
		falcon.WithCredentials(srv.ClientID, srv.ClientSecret),
		falcon.WithRetry(falcon.RetryPolicy{MaxAttempts: 5, MinWait: time.Millisecond, MaxWait: 5 * time.Second}))
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close(ctx)
	iocs := ioc.New(client)

	srv.FailNext(503, 2) // production's faults, on demand
	page, _, err := iocs.Indicators.List(ctx, &ioc.ListOptions{Limit: 10})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(page), "indicators after two 503s")

	srv.LoseResponseNext(1) // apply the write, then drop the answer
	res, err := iocs.Indicators.Create(ctx, []ioc.NewIndicator{{Type: ioc.TypeDomain, Value: "lost.example.com",
		Action: ioc.ActionDetect, Severity: ioc.SeverityHigh, Platforms: []ioc.Platform{ioc.PlatformWindows}, AppliedGlobally: true}}, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Succeeded(), "created once, found by the reconciling look-up; stored:", srv.IndicatorCount())

	srv.RateLimitNext(1, time.Now().Add(100*time.Millisecond)) // a 429 the client waits out
	if _, _, err := iocs.Indicators.Search(ctx, nil); err != nil {
		log.Fatal(err)
	}
	for _, r := range srv.Requests() { // the server's truth, for assertions
		if r.Outcome != "answered" {
			fmt.Println(r.Method, r.Path, r.Outcome)
		}
	}
	// Output:
	// 10 indicators after two 503s
	// 1 created once, found by the reconciling look-up; stored: 5001
	// GET /iocs/combined/indicator/v1 injected Service Unavailable
	// GET /iocs/combined/indicator/v1 injected Service Unavailable
	// POST /iocs/entities/indicators/v1 lost
	// GET /iocs/queries/indicators/v1 injected 429
}
