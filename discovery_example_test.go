package falcon_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/falconioc/falcon"
	"github.com/falconioc/falcon/falcontest"
)

// ExampleWithCloudBaseURLs runs autodiscovery against two emulators, one
// standing in for us-1 and one for us-3, as a program's own tests can: the
// us-1 token answer names us-3 in X-Cs-Region, and the client moves there.
func ExampleWithCloudBaseURLs() {
	us1 := falcontest.NewServer(falcontest.WithRegion("us-3"))
	defer us1.Close()
	us3 := falcontest.NewServer(falcontest.WithIndicators(3))
	defer us3.Close()

	client, err := falcon.NewClient(
		falcon.WithCredentials(us1.ClientID, us1.ClientSecret),
		falcon.WithCloudBaseURLs(map[falcon.Cloud]string{
			falcon.CloudUS1: us1.URL,
			falcon.CloudUS3: us3.URL,
		}),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	defer client.Close(ctx)
	fmt.Println("before the first call:", client.Cloud())

	var ids []string
	if _, err := client.Do(ctx, &falcon.Request{Path: "/iocs/queries/indicators/v1"}, &ids); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("after:", client.Cloud(), "with", len(ids), "indicators")
	// Output:
	// before the first call: autodiscover
	// after: us-3 with 3 indicators
}

// TestAutodiscoveryToUS3WithEmulators checks, from outside the package,
// what a program's test would: every API call reaches the discovered
// cloud, and the discovery token is revoked where it was issued.
func TestAutodiscoveryToUS3WithEmulators(t *testing.T) {
	t.Parallel()
	us1 := falcontest.NewServer(falcontest.WithRegion("us-3"))
	defer us1.Close()
	us3 := falcontest.NewServer(falcontest.WithIndicators(5), falcontest.WithRegion("us-3"))
	defer us3.Close()

	client, err := falcon.NewClient(
		falcon.WithCredentials(us1.ClientID, us1.ClientSecret),
		falcon.WithCloudBaseURLs(map[falcon.Cloud]string{falcon.CloudUS1: us1.URL, falcon.CloudUS3: us3.URL}),
	)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		var ids []string
		if _, err := client.Do(t.Context(), &falcon.Request{Path: "/iocs/queries/indicators/v1"}, &ids); err != nil || len(ids) != 5 {
			t.Fatalf("search: %d ids, %v", len(ids), err)
		}
	}
	if client.Cloud() != falcon.CloudUS3 || client.BaseURL() != us3.URL {
		t.Errorf("cloud %q base %q, want us-3 at %s", client.Cloud(), client.BaseURL(), us3.URL)
	}
	if err := client.Close(t.Context()); err != nil {
		t.Fatal(err)
	}

	paths := func(s *falcontest.Server) []string {
		var out []string
		for _, r := range s.Requests() {
			out = append(out, r.Method+" "+r.Path)
		}
		return out
	}
	want1 := []string{"POST /oauth2/token", "POST /oauth2/revoke"}
	want3 := []string{"POST /oauth2/token", "GET /iocs/queries/indicators/v1", "GET /iocs/queries/indicators/v1", "POST /oauth2/revoke"}
	if got := paths(us1); fmt.Sprint(got) != fmt.Sprint(want1) {
		t.Errorf("us-1 saw %q, want %q", got, want1)
	}
	if got := paths(us3); fmt.Sprint(got) != fmt.Sprint(want3) {
		t.Errorf("us-3 saw %q, want %q", got, want3)
	}
	if us1.ActiveTokens() != 0 || us3.ActiveTokens() != 0 {
		t.Errorf("active tokens: us-1 %d, us-3 %d; want both revoked", us1.ActiveTokens(), us3.ActiveTokens())
	}
}
