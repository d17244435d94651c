package setup_test

import (
	"context"
	"flag"
	"fmt"

	"github.com/falconioc/falcon"
	"github.com/falconioc/falcon/examples/internal/setup"
	"github.com/falconioc/falcon/falcontest"
)

func ExampleListFlag() {
	var platforms setup.ListFlag
	fs := flag.NewFlagSet("example", flag.ContinueOnError)
	fs.Var(&platforms, "platforms", "comma-separated platforms")
	_ = fs.Parse([]string{"-platforms", "Windows, mac,,linux"})
	fmt.Println(len(platforms), platforms.String())
	// Output: 3 windows,mac,linux
}

func ExampleCalls() {
	srv := falcontest.NewServer(falcontest.WithIndicators(0))
	defer srv.Close()
	calls := &setup.Calls{}
	env, err := setup.Connect(context.Background(), setup.Config{
		Getenv:        setup.EmulatorEnv(srv),
		ClientOptions: []falcon.Option{falcon.WithLogger(calls.Logger())},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer env.Close()
	if _, _, err := env.IOC.Types.List(context.Background(), nil); err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range calls.Take() {
		fmt.Println(c.Method, c.Path, c.Status, c.TraceID != "")
	}
	// Output: GET /iocs/queries/ioc-types/v1 200 true
}
