// Command falcon-emulator serves the falcontest emulator of the Falcon
// custom IOC API on a port, for any HTTP client.
//
// Usage:
//
//	falcon-emulator [flags]
//
// On start it prints three lines a shell can load:
//
//	FALCON_BASE_URL=http://127.0.0.1:41235
//	FALCON_CLIENT_ID=falcontest-client-id
//	FALCON_CLIENT_SECRET=falcontest-client-secret
//
// and serves until SIGINT or SIGTERM, then stops cleanly. The credentials
// are the emulator's own; they open nothing else. For example:
//
//	falcon-emulator -indicators 100000 > emulator.env &
//	sleep 1; set -a; . ./emulator.env; set +a
//	# any program that reads FALCON_BASE_URL, FALCON_CLIENT_ID and FALCON_CLIENT_SECRET
//
// Flags:
//
//	-addr host:port      listen address (default 127.0.0.1:0, a free loopback port)
//	-client-id id        API client id the token endpoint accepts
//	-client-secret s     API client secret the token endpoint accepts
//	-indicators N        seed N realistic indicators (default 0)
//	-seed S              seed of everything generated (default 1)
//	-rate-limit N        requests per sliding minute; 0 turns the limiter off (default 6000)
//	-token-ttl d         token lifetime (default 30m)
//	-latency d           delay added to every API answer (default 0)
//	-fail-rate p         probability in [0, 1] that an API request answers 500/502/503
//	-region r            X-Cs-Region header of token answers (default none)
//	-log                 log one line per request to stderr
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/falconioc/falcon/falcontest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	case errors.Is(err, errUsage):
		os.Exit(2)
	case err != nil:
		fmt.Fprintln(os.Stderr, "falcon-emulator:", err)
		os.Exit(1)
	}
}

var errUsage = errors.New("usage")

// run parses args, starts the emulator, prints its environment to stdout
// and serves until ctx is done.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	fs := flag.NewFlagSet("falcon-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		addr       = fs.String("addr", "127.0.0.1:0", "listen `address` (host:port)")
		clientID   = fs.String("client-id", "falcontest-client-id", "API client `id` the token endpoint accepts")
		secret     = fs.String("client-secret", "falcontest-client-secret", "API client `secret` the token endpoint accepts")
		indicators = fs.Int("indicators", 0, "seed `N` realistic indicators")
		seed       = fs.Int64("seed", 1, "`seed` of everything generated")
		rateLimit  = fs.Int("rate-limit", 6000, "requests per sliding minute (0: no limit)")
		tokenTTL   = fs.Duration("token-ttl", 30*time.Minute, "token `lifetime`")
		latency    = fs.Duration("latency", 0, "`delay` added to every API answer")
		failRate   = fs.Float64("fail-rate", 0, "`probability` that an API request answers 500, 502 or 503")
		region     = fs.String("region", "", "`region` named by the X-Cs-Region header of token answers")
		logging    = fs.Bool("log", false, "log one line per request to stderr")
	)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	switch {
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "falcon-emulator: unexpected argument %q\n", fs.Arg(0))
		return errUsage
	case *clientID == "" || *secret == "":
		fmt.Fprintln(stderr, "falcon-emulator: -client-id and -client-secret must not be empty")
		return errUsage
	case *indicators < 0:
		fmt.Fprintln(stderr, "falcon-emulator: -indicators must not be negative")
		return errUsage
	case *tokenTTL < time.Second:
		fmt.Fprintln(stderr, "falcon-emulator: -token-ttl must be at least 1s")
		return errUsage
	case *latency < 0:
		fmt.Fprintln(stderr, "falcon-emulator: -latency must not be negative")
		return errUsage
	case *failRate < 0 || *failRate > 1:
		fmt.Fprintln(stderr, "falcon-emulator: -fail-rate must be in [0, 1]")
		return errUsage
	}
	opts := []falcontest.Option{
		falcontest.WithAddr(*addr),
		falcontest.WithCredentials(*clientID, *secret),
		falcontest.WithIndicators(*indicators),
		falcontest.WithSeed(*seed),
		falcontest.WithRateLimit(*rateLimit),
		falcontest.WithTokenTTL(*tokenTTL),
		falcontest.WithLatency(*latency),
		falcontest.WithFaultRates(falcontest.FaultRates{ServerError: *failRate}),
		// A long-running server keeps only recent requests.
		falcontest.WithRecordLimit(1000),
	}
	if *region != "" {
		opts = append(opts, falcontest.WithRegion(*region))
	}
	if *logging {
		opts = append(opts, falcontest.WithLogger(slog.New(slog.NewTextHandler(stderr, nil))))
	}
	srv := falcontest.NewUnstartedServer(opts...)
	// Start panics when it cannot listen (address in use, say).
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	srv.Start()
	defer srv.Close()
	fmt.Fprintf(stdout, "FALCON_BASE_URL=%s\nFALCON_CLIENT_ID=%s\nFALCON_CLIENT_SECRET=%s\n", srv.URL, srv.ClientID, srv.ClientSecret)
	<-ctx.Done()
	return nil
}
