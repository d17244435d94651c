// Command falcon-emulator serves the falcontest emulator of the Falcon
// custom IOC API on a port, for any HTTP client.
//
// Usage:
//
//	falcon-emulator [flags]
//
// On start it prints lines a POSIX shell can load with eval or ".":
//
//	export FALCON_BASE_URL=http://127.0.0.1:41235
//	export FALCON_CLIENT_ID=falcontest-client-id
//	export FALCON_CLIENT_SECRET=falcontest-client-secret
//	# lookup: domain:lookup.falcontest.example
//
// and serves until SIGINT or SIGTERM, then stops cleanly. The last line
// names an indicator that seeded hosts have observed, for examples/lookup:
// one of the -indicators seeded when any has sightings, otherwise one added
// for the purpose (so the store holds one indicator even with -indicators
// 0). Values that a shell would read otherwise are single-quoted. For
// example:
//
//	falcon-emulator -indicators 100000 > emulator.env &
//	sleep 1; . ./emulator.env
//	# any program that reads FALCON_BASE_URL, FALCON_CLIENT_ID and FALCON_CLIENT_SECRET
//
// The credentials are the emulator's own; they open nothing else. The
// default ones are well known, so the emulator listens on loopback only
// (127.0.0.0/8, ::1, localhost) unless -allow-remote is given; an address
// with an empty host, such as ":8080", means every interface and needs
// -allow-remote too. Set the secret through the FALCON_CLIENT_SECRET
// environment variable rather than -client-secret, since command lines are
// visible to other users of the machine; a secret taken from the
// environment is not printed (the shell that set it has it), a comment
// line stands in its place. -client-secret, when given, wins.
//
// Flags:
//
//	-addr host:port      listen address (default 127.0.0.1:0, a free loopback port)
//	-allow-remote        allow an -addr that is not a loopback address
//	-client-id id        API client id the token endpoint accepts
//	-client-secret s     API client secret the token endpoint accepts (prefer FALCON_CLIENT_SECRET)
//	-indicators N        seed N realistic indicators (default 0)
//	-seed S              seed of everything generated (default 1)
//	-rate-limit N        requests per sliding minute; 0 turns the limiter off (default 6000)
//	-token-ttl d         token lifetime (default 30m)
//	-latency d           delay added to every API answer (default 0)
//	-fail-rate p         probability in [0, 1] that an API request answers 500/502/503
//	-region r            X-Cs-Region header of token answers (default none)
//	-log                 log one line per request to stderr
//
// Exit status: 0 after a clean stop (or -h), 1 when the server cannot start
// (an address in use, say), 2 for a bad command line.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/falconioc/falcon/falcontest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
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

// secretEnv is the environment variable the secret is best given in.
const secretEnv = "FALCON_CLIENT_SECRET"

// run parses args, starts the emulator, prints its environment to stdout
// and serves until ctx is done. getenv reads the environment.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) (err error) {
	fs := flag.NewFlagSet("falcon-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		addr        = fs.String("addr", "127.0.0.1:0", "listen `address` (host:port); loopback only unless -allow-remote")
		allowRemote = fs.Bool("allow-remote", false, "allow an -addr that is not a loopback address (the default credentials are well known)")
		clientID    = fs.String("client-id", "falcontest-client-id", "API client `id` the token endpoint accepts")
		secret      = fs.String("client-secret", "falcontest-client-secret", "API client `secret` the token endpoint accepts; prefer the "+secretEnv+" environment variable, since command lines are visible to other users")
		indicators  = fs.Int("indicators", 0, "seed `N` realistic indicators")
		seed        = fs.Int64("seed", 1, "`seed` of everything generated")
		rateLimit   = fs.Int("rate-limit", 6000, "requests per sliding minute (0: no limit)")
		tokenTTL    = fs.Duration("token-ttl", 30*time.Minute, "token `lifetime`")
		latency     = fs.Duration("latency", 0, "`delay` added to every API answer")
		failRate    = fs.Float64("fail-rate", 0, "`probability` that an API request answers 500, 502 or 503")
		region      = fs.String("region", "", "`region` named by the X-Cs-Region header of token answers")
		logging     = fs.Bool("log", false, "log one line per request to stderr")
	)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	secretFlag := false
	fs.Visit(func(f *flag.Flag) { secretFlag = secretFlag || f.Name == "client-secret" })
	secretFromEnv := !secretFlag && getenv(secretEnv) != ""
	if secretFromEnv {
		*secret = getenv(secretEnv)
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
	if msg := checkAddr(*addr); msg != "" && !*allowRemote {
		fmt.Fprintf(stderr, "falcon-emulator: -addr %s: %s; pass -allow-remote to listen there anyway\n", *addr, msg)
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
	ref := sighted(srv)
	// Start panics when it cannot listen (address in use, say).
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	srv.Start()
	defer srv.Close()
	if checkAddr(*addr) != "" && !secretFlag && !secretFromEnv {
		fmt.Fprintf(stderr, "falcon-emulator: warning: listening on %s with the default, well-known client secret; set %s\n", srv.URL, secretEnv)
	}
	fmt.Fprintf(stdout, "export FALCON_BASE_URL=%s\nexport FALCON_CLIENT_ID=%s\n", shellQuote(srv.URL), shellQuote(srv.ClientID))
	if secretFromEnv {
		fmt.Fprintf(stdout, "# %s: taken from the environment, not printed\n", secretEnv)
	} else {
		fmt.Fprintf(stdout, "export %s=%s\n", secretEnv, shellQuote(srv.ClientSecret))
	}
	fmt.Fprintf(stdout, "# lookup: %s:%s\n", ref.Type, ref.Value)
	<-ctx.Done()
	return nil
}

// checkAddr returns why addr is not a loopback address, or "".
func checkAddr(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return "not host:port"
	}
	if host == "" {
		return "an empty host means every interface, not loopback"
	}
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return ""
	}
	if ip, err := netip.ParseAddr(host); err == nil && ip.Unmap().IsLoopback() {
		return ""
	}
	return "not a loopback address (127.0.0.0/8, ::1 or localhost)"
}

// The indicator sighted is added when no seeded one has sightings.
const (
	lookupType   = "domain"
	lookupValue  = "lookup.falcontest.example"
	lookupDevice = "00000000000000000000000000000a01"
)

// sighted returns an indicator of srv that hosts have observed: the first
// seeded one with sightings, or one it adds with two sightings.
func sighted(srv *falcontest.Server) falcontest.Sighting {
	if sgs := srv.Sightings(); len(sgs) > 0 {
		return sgs[0]
	}
	srv.AddIndicators(falcontest.Indicator{Type: lookupType, Value: lookupValue, Action: "detect", Severity: "high",
		Platforms: []string{"windows", "mac", "linux"}, AppliedGlobally: true,
		Description: "added by falcon-emulator for examples/lookup"})
	start := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	for d, name := range []string{"chrome.exe", "curl"} {
		dev := lookupDevice[:len(lookupDevice)-1] + strconv.Itoa(d+1)
		srv.AddSighting(falcontest.Sighting{Type: lookupType, Value: lookupValue, DeviceID: dev, Processes: []falcontest.Process{{
			LocalID: strconv.Itoa(4100 + d), FileName: name, CommandLine: name + " https://" + lookupValue + "/",
			Start: start, Stop: start.Add(time.Minute),
		}}})
	}
	return falcontest.Sighting{Type: lookupType, Value: lookupValue}
}

// shellQuote returns s as a POSIX shell word: as it is when it holds only
// characters no shell reads specially, otherwise in single quotes.
func shellQuote(s string) string {
	safe := s != ""
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.:/@%+,=", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
