package ioc_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/falconioc/falcon/falcontest"
	"github.com/falconioc/falcon/ioc"
)

// The indicator and hosts of the device and process examples.
var (
	sightedHash = ioc.Ref{Type: ioc.TypeSHA256, Value: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}
	hostA       = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
	hostB       = "1b2c3d4e5f60718293a4b5c6d7e8f90a"
	hostC       = "2c3d4e5f60718293a4b5c6d7e8f90a1b"
)

// sightedExampleClient starts the emulator with three hosts that saw
// sightedHash, hostA through two processes.
func sightedExampleClient() (*ioc.Client, *falcontest.Server) {
	client, srv := catalogExampleClient()
	start := time.Date(2025, 3, 1, 8, 30, 0, 0, time.UTC)
	srv.AddSighting(falcontest.Sighting{Type: string(sightedHash.Type), Value: sightedHash.Value, DeviceID: hostA, Processes: []falcontest.Process{
		{LocalID: "4242", FileName: "invoice.exe", CommandLine: `invoice.exe /silent`, Start: start, Stop: start.Add(90 * time.Second)},
		{LocalID: "4711", FileName: "invoice.exe", CommandLine: `invoice.exe`, Start: start.Add(time.Hour)},
	}})
	for _, h := range []string{hostB, hostC} {
		srv.AddSighting(falcontest.Sighting{Type: string(sightedHash.Type), Value: sightedHash.Value, DeviceID: h,
			Processes: []falcontest.Process{{LocalID: "100", FileName: "invoice.exe", Start: start}}})
	}
	return client, srv
}

func ExampleDevicesService_Count() {
	client, srv := sightedExampleClient()
	defer srv.Close()
	n, _, err := client.Devices.Count(context.Background(), sightedHash)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(n.Count, "hosts; limit exceeded:", n.LimitExceeded)

	// No host saw this one: a zero count, not an error.
	n, _, err = client.Devices.Count(context.Background(), ioc.Ref{Type: ioc.TypeDomain, Value: "unseen.example.com"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(n.Count, "hosts")
	// Output:
	// 3 hosts; limit exceeded: false
	// 0 hosts
}

func ExampleDevicesService_CountLegacy() {
	client, srv := sightedExampleClient()
	defer srv.Close()
	n, _, err := client.Devices.CountLegacy(context.Background(), sightedHash)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(n.Count, "hosts")
	// Output: 3 hosts
}

func ExampleDevicesService_RanOn() {
	client, srv := sightedExampleClient()
	defer srv.Close()
	ids, resp, err := client.Devices.RanOn(context.Background(), sightedHash, &ioc.RanOnOptions{Limit: 2})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ids, "of", resp.Meta.Pagination.Total)
	// The next page starts after the ids received so far.
	ids, _, err = client.Devices.RanOn(context.Background(), sightedHash, &ioc.RanOnOptions{Limit: 2, Offset: "2"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ids)
	// Output:
	// [0a1b2c3d4e5f60718293a4b5c6d7e8f9 1b2c3d4e5f60718293a4b5c6d7e8f90a] of 3
	// [2c3d4e5f60718293a4b5c6d7e8f90a1b]
}

func ExampleDevicesService_AllRanOn() {
	client, srv := sightedExampleClient()
	defer srv.Close()
	// Host details (name, platform, ...) come from the Hosts API,
	// GET /devices/entities/devices/v2, with these ids.
	for id, err := range client.Devices.AllRanOn(context.Background(), sightedHash, &ioc.RanOnOptions{Limit: 1}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(id)
	}
	// Output:
	// 0a1b2c3d4e5f60718293a4b5c6d7e8f9
	// 1b2c3d4e5f60718293a4b5c6d7e8f90a
	// 2c3d4e5f60718293a4b5c6d7e8f90a1b
}

func ExampleDevicesService_RanOnLegacy() {
	client, srv := sightedExampleClient()
	defer srv.Close()
	opts := &ioc.RanOnOptions{Limit: 2}
	for {
		ids, resp, err := client.Devices.RanOnLegacy(context.Background(), sightedHash, opts)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(ids)
		if resp.Meta.Pagination.NextPage == "" {
			break
		}
		opts.Offset = resp.Meta.Pagination.NextPage
	}
	// Output:
	// [0a1b2c3d4e5f60718293a4b5c6d7e8f9 1b2c3d4e5f60718293a4b5c6d7e8f90a]
	// [2c3d4e5f60718293a4b5c6d7e8f90a1b]
}

func ExampleDevicesService_AllRanOnLegacy() {
	client, srv := sightedExampleClient()
	defer srv.Close()
	n := 0
	for _, err := range client.Devices.AllRanOnLegacy(context.Background(), sightedHash, &ioc.RanOnOptions{Limit: 2}) {
		if err != nil {
			log.Fatal(err)
		}
		n++
	}
	fmt.Println(n, "hosts")
	// Output: 3 hosts
}
