package falcon_test

// The README's snippets for this package are the bodies of the examples in
// this file; TestREADMESnippets checks them against each other.

import (
	"context"
	"fmt"
	"log"
	"log/slog"

	"github.com/falconioc/falcon"
)

func Example_readmeAuth() {
	id, secret := "my-client-id", "my-client-secret" // an API client with the IOC scopes
	cid := "0123456789abcdef0123456789abcdef"        // MSSP: a member CID

	client, err := falcon.NewClient(
		falcon.WithCredentials(id, secret),
		falcon.WithCloud(falcon.CloudEU1), // or leave it out to autodiscover
		falcon.WithMemberCID(cid),         // act on behalf of the member CID
		falcon.WithLogger(slog.Default()),
	)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close(context.Background())
	fmt.Println(client.Cloud(), client.BaseURL()) // NewClient sends nothing
	// Output:
	// eu-1 https://api.eu-1.crowdstrike.com
}
