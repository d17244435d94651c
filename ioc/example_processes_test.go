package ioc_test

import (
	"context"
	"fmt"
	"log"

	"github.com/falconioc/falcon/ioc"
)

func ExampleProcessesService_RanOn() {
	client, srv := sightedExampleClient()
	defer srv.Close()
	ids, _, err := client.Processes.RanOn(context.Background(), sightedHash, hostA, nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, id := range ids {
		fmt.Println(id)
	}
	// Output:
	// pid:0a1b2c3d4e5f60718293a4b5c6d7e8f9:4242
	// pid:0a1b2c3d4e5f60718293a4b5c6d7e8f9:4711
}

func ExampleProcessesService_AllRanOn() {
	client, srv := sightedExampleClient()
	defer srv.Close()
	for id, err := range client.Processes.AllRanOn(context.Background(), sightedHash, hostB, &ioc.RanOnOptions{Limit: 1}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(id)
	}
	// Output: pid:1b2c3d4e5f60718293a4b5c6d7e8f90a:100
}

func ExampleProcessesService_RanOnLegacy() {
	client, srv := sightedExampleClient()
	defer srv.Close()
	ids, resp, err := client.Processes.RanOnLegacy(context.Background(), sightedHash, hostA, &ioc.RanOnOptions{Limit: 1})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ids, "next page:", resp.Meta.Pagination.NextPage != "")
	// Output: [pid:0a1b2c3d4e5f60718293a4b5c6d7e8f9:4242] next page: true
}

func ExampleProcessesService_AllRanOnLegacy() {
	client, srv := sightedExampleClient()
	defer srv.Close()
	n := 0
	for _, err := range client.Processes.AllRanOnLegacy(context.Background(), sightedHash, hostA, &ioc.RanOnOptions{Limit: 1}) {
		if err != nil {
			log.Fatal(err)
		}
		n++
	}
	fmt.Println(n, "processes")
	// Output: 2 processes
}

func ExampleProcessesService_Get() {
	client, srv := sightedExampleClient()
	defer srv.Close()
	ctx := context.Background()
	var ids []string
	for id, err := range client.Processes.AllRanOn(ctx, sightedHash, hostA, nil) {
		if err != nil {
			log.Fatal(err)
		}
		ids = append(ids, id)
	}
	procs, _, err := client.Processes.Get(ctx, ids...)
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range procs.Found {
		ran := "still running"
		if !p.Stop.IsZero() {
			ran = "ran " + p.Stop.Sub(p.Start).String()
		}
		fmt.Printf("%s %q started %s, %s\n", p.LocalID, p.CommandLine, p.Start.Format("2006-01-02 15:04"), ran)
	}
	// Output:
	// 4242 "invoice.exe /silent" started 2025-03-01 08:30, ran 1m30s
	// 4711 "invoice.exe" started 2025-03-01 09:30, still running
}
