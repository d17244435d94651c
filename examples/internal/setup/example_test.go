package setup_test

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/falconioc/falcon/examples/internal/setup"
	"github.com/falconioc/falcon/falcontest"
	"github.com/falconioc/falcon/ioc"
)

func ExampleListFlag() {
	var platforms setup.ListFlag
	fs := flag.NewFlagSet("example", flag.ContinueOnError)
	fs.Var(&platforms, "platforms", "comma-separated platforms")
	_ = fs.Parse([]string{"-platforms", "Windows, mac,,linux"})
	fmt.Println(len(platforms), platforms.String())
	// Output: 3 windows,mac,linux
}

func ExampleFailure() {
	srv := falcontest.NewServer(falcontest.WithIndicators(0))
	defer srv.Close()
	env, err := setup.Connect(context.Background(), setup.Config{Getenv: setup.EmulatorEnv(srv)})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer env.Close()
	// The emulator, like Falcon, refuses a private address unless warnings
	// are ignored.
	res, _ := env.IOC.Indicators.Create(context.Background(), []ioc.NewIndicator{{
		Type: ioc.TypeIPv4, Value: "10.1.2.3", Action: ioc.ActionDetect, Severity: ioc.SeverityLow,
		Platforms: []ioc.Platform{ioc.PlatformLinux}, AppliedGlobally: true,
	}}, nil)
	for _, it := range res.Failed() {
		reason, trace, _ := strings.Cut(setup.Failure(it.Err), " [trace ")
		fmt.Println(it.Ref, reason)
		fmt.Println(trace == it.TraceID+"]")
	}
	// Output:
	// ipv4:10.1.2.3 400 value: IP address '10.1.2.3' is private, loopback, link-local or multicast and may cause false positives
	// true
}
