package ioc_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/falconioc/falcon"
	"github.com/falconioc/falcon/falcontest"
	"github.com/falconioc/falcon/ioc"
)

// catalogExampleClient starts the emulator and returns a client for it.
// The caller closes the server.
func catalogExampleClient(opts ...falcontest.Option) (*ioc.Client, *falcontest.Server) {
	srv := falcontest.NewServer(opts...)
	fc, err := falcon.NewClient(
		falcon.WithBaseURL(srv.URL),
		falcon.WithCredentials(srv.ClientID, srv.ClientSecret),
	)
	if err != nil {
		log.Fatal(err)
	}
	return ioc.New(fc), srv
}

func ExampleClient_Catalog() {
	srv := falcontest.NewServer()
	defer srv.Close()
	fc, err := falcon.NewClient(
		falcon.WithBaseURL(srv.URL),
		falcon.WithCredentials(srv.ClientID, srv.ClientSecret),
	)
	if err != nil {
		log.Fatal(err)
	}
	client := ioc.New(fc)

	cat, err := client.Catalog(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("types:", cat.Types)
	fmt.Println("platforms:", cat.Platforms)
	fmt.Println("severities:", cat.Severities)
	prevent := cat.Action(ioc.ActionPrevent)
	fmt.Println("prevent on sha256:", prevent.PlatformsByType[ioc.TypeSHA256])
	_, onDomains := prevent.PlatformsByType[ioc.TypeDomain]
	fmt.Println("prevent applies to domains:", onDomains)
	// Output:
	// types: [domain ipv4 ipv6 md5 sha256]
	// platforms: [android ios linux mac windows]
	// severities: [informational low medium high critical]
	// prevent on sha256: [windows mac linux]
	// prevent applies to domains: false
}

func ExampleCatalog_Validate() {
	client, srv := catalogExampleClient()
	defer srv.Close()
	cat, err := client.Catalog(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	inds := []ioc.NewIndicator{
		{Type: ioc.TypeDomain, Value: "bad.example.com", Action: ioc.ActionDetect,
			Platforms: []ioc.Platform{ioc.PlatformWindows, ioc.PlatformIOS}, Severity: ioc.SeverityHigh, AppliedGlobally: true},
		{Type: ioc.TypeDomain, Value: "worse.example.com", Action: ioc.ActionPrevent,
			Platforms: []ioc.Platform{ioc.PlatformWindows}, Severity: "severe", AppliedGlobally: true},
	}
	err = cat.Validate(inds)
	if ve, ok := errors.AsType[*falcon.ValidationError](err); ok {
		for _, p := range ve.Problems {
			fmt.Println(p.Index, p.Field, p.Value)
		}
	}
	// Output:
	// 1 severity severe
	// 1 action prevent
}

func ExampleTypesService_List() {
	client, srv := catalogExampleClient()
	defer srv.Close()
	types, resp, err := client.Types.List(context.Background(), &ioc.CatalogOptions{Limit: 2})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(types, "of", resp.Meta.Pagination.Total)
	// Output: [domain ipv4] of 5
}

func ExampleTypesService_All() {
	client, srv := catalogExampleClient()
	defer srv.Close()
	for typ, err := range client.Types.All(context.Background(), &ioc.CatalogOptions{Limit: 2}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(typ)
	}
	// Output:
	// domain
	// ipv4
	// ipv6
	// md5
	// sha256
}

func ExamplePlatformsService_List() {
	client, srv := catalogExampleClient()
	defer srv.Close()
	platforms, _, err := client.Platforms.List(context.Background(), nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(platforms)
	// Output: [android ios linux mac windows]
}

func ExamplePlatformsService_All() {
	client, srv := catalogExampleClient()
	defer srv.Close()
	n := 0
	for _, err := range client.Platforms.All(context.Background(), &ioc.CatalogOptions{Limit: 1}) {
		if err != nil {
			log.Fatal(err)
		}
		n++
	}
	fmt.Println(n, "platforms")
	// Output: 5 platforms
}

func ExampleSeveritiesService_List() {
	client, srv := catalogExampleClient()
	defer srv.Close()
	severities, _, err := client.Severities.List(context.Background(), nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(severities)
	// Output: [informational low medium high critical]
}

func ExampleSeveritiesService_All() {
	client, srv := catalogExampleClient()
	defer srv.Close()
	// Resume after the first two severities.
	for sev, err := range client.Severities.All(context.Background(), &ioc.CatalogOptions{Offset: "2"}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(sev)
	}
	// Output:
	// medium
	// high
	// critical
}
