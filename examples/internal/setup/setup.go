package setup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/falconioc/falcon"
	"github.com/falconioc/falcon/falcontest"
	"github.com/falconioc/falcon/ioc"
)

// EmulatorIndicators is how many indicators the in-process emulator starts
// with: enough for a few pages of results and a handful of sightings (one
// seeded indicator in 20 has been seen on hosts).
const EmulatorIndicators = 200

// Env is a connection to Falcon: a real tenant, or the in-process emulator.
type Env struct {
	// Falcon is the SDK's core client.
	Falcon *falcon.Client
	// IOC gives typed access to the IOC operations.
	IOC *ioc.Client
	// Emulator is the in-process emulator, or nil when Env talks to a
	// tenant.
	Emulator *falcontest.Server
}

// Config says how Connect connects.
type Config struct {
	// Getenv reads the environment; nil means no variable is set.
	Getenv func(string) string
	// Stderr receives one line saying where the program is connected.
	// Nil discards it.
	Stderr io.Writer
	// Program names the example in the User-Agent header.
	Program string
	// EmulatorOptions are added to the emulator's defaults (a fixed seed
	// and EmulatorIndicators seeded indicators) when Connect starts it.
	EmulatorOptions []falcontest.Option
	// ClientOptions are added to the options Connect builds for the
	// client, for tests (a custom retry policy, say).
	ClientOptions []falcon.Option
}

// Connect returns an Env for the tenant named by the environment, or for a
// freshly started emulator when FALCON_CLIENT_ID is unset. It sends nothing:
// the first API call fetches the token. Call Close when done.
func Connect(ctx context.Context, cfg Config) (*Env, error) {
	getenv := cfg.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	stderr := cfg.Stderr
	if stderr == nil {
		stderr = io.Discard
	}
	opts := []falcon.Option{}
	if cfg.Program != "" {
		opts = append(opts, falcon.WithUserAgent("falcon-examples-"+cfg.Program))
	}
	env := &Env{}
	if id := getenv(falcon.EnvClientID); id != "" {
		secret := getenv(falcon.EnvClientSecret)
		if secret == "" {
			return nil, fmt.Errorf("%s is set but %s is not", falcon.EnvClientID, falcon.EnvClientSecret)
		}
		opts = append(opts, falcon.WithCredentials(id, secret))
		where := ""
		if base := getenv(falcon.EnvBaseURL); base != "" {
			if err := checkBaseURL(base); err != nil {
				return nil, err
			}
			opts = append(opts, falcon.WithBaseURL(base))
			where = base
		} else if name := getenv(falcon.EnvCloud); name != "" {
			cloud, err := falcon.ParseCloud(name)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", falcon.EnvCloud, err)
			}
			opts = append(opts, falcon.WithCloud(cloud))
			where = "cloud " + cloud.String()
		} else {
			where = "cloud autodiscovered from us-1"
		}
		if cid := getenv(falcon.EnvMemberCID); cid != "" {
			opts = append(opts, falcon.WithMemberCID(cid))
		}
		fmt.Fprintf(stderr, "Using the Falcon API at %s with the API client in %s.\n", where, falcon.EnvClientID)
	} else {
		emuOpts := append([]falcontest.Option{
			falcontest.WithSeed(1),
			falcontest.WithIndicators(EmulatorIndicators),
		}, cfg.EmulatorOptions...)
		env.Emulator = falcontest.NewServer(emuOpts...)
		opts = append(opts,
			falcon.WithBaseURL(env.Emulator.URL),
			falcon.WithCredentials(env.Emulator.ClientID, env.Emulator.ClientSecret),
		)
		fmt.Fprintf(stderr, "%s is not set: using the falcontest emulator started in-process at %s (%d seeded indicators).\n"+
			"Set %s, %s and %s to use your tenant.\n",
			falcon.EnvClientID, env.Emulator.URL, EmulatorIndicators,
			falcon.EnvClientID, falcon.EnvClientSecret, falcon.EnvCloud)
	}
	opts = append(opts, cfg.ClientOptions...)
	c, err := falcon.NewClient(opts...)
	if err != nil {
		env.Close()
		return nil, err
	}
	env.Falcon = c
	env.IOC = ioc.New(c)
	return env, nil
}

// checkBaseURL refuses a plain http FALCON_BASE_URL to a host other than
// loopback with a message naming the variable, before the SDK refuses it
// naming its own option, which the examples do not offer.
func checkBaseURL(base string) error {
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "http" {
		return nil // the SDK reports other problems with the URL
	}
	h := u.Hostname()
	if a, err := netip.ParseAddr(h); h == "localhost" || err == nil && a.IsLoopback() {
		return nil
	}
	return fmt.Errorf("%s %s: plain http is refused for hosts other than loopback (the token would travel in clear): use https",
		falcon.EnvBaseURL, u.Redacted())
}

// Close revokes the token (waiting at most five seconds, whatever happened
// to the program's context) and stops the emulator, if one was started.
func (e *Env) Close() {
	if e == nil {
		return
	}
	if e.Falcon != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = e.Falcon.Close(ctx) // best effort: the token expires on its own
		cancel()
	}
	if e.Emulator != nil {
		e.Emulator.Close()
	}
}

// TraceID returns the trace id of r, or "-" when there is no answer. Print
// it with every step: it is what CrowdStrike support asks for.
func TraceID(r *falcon.Response) string {
	if r == nil || r.Meta.TraceID == "" {
		return "-"
	}
	return r.Meta.TraceID
}

// Failure says why an item of a bulk write failed, for a line that already
// names the item: the API's code, the field and the message, then the trace
// id of the answer that reported it in brackets, as in
// "400 value: IP address '10.1.2.3' is private [trace 5c2b...]". Its
// Error method says the same with the item's index, type and value.
func Failure(e *ioc.ItemError) string {
	var b strings.Builder
	if e.Code != 0 {
		fmt.Fprintf(&b, "%d ", e.Code)
	}
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	msg := e.Message
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	b.WriteString(msg)
	if e.TraceID != "" {
		fmt.Fprintf(&b, " [trace %s]", e.TraceID)
	}
	return strings.TrimSpace(b.String())
}

// ErrorTraceID returns the trace id carried by err, or "".
func ErrorTraceID(err error) string {
	if ae, ok := errors.AsType[*falcon.APIError](err); ok {
		return ae.TraceID
	}
	if ae, ok := errors.AsType[*falcon.AuthError](err); ok {
		return ae.TraceID
	}
	return ""
}

// EmulatorEnv returns a getenv function that points a program at srv
// through the same variables a tenant's credentials use, as a test (or a
// shared, long-running emulator) would.
func EmulatorEnv(srv *falcontest.Server) func(string) string {
	vars := map[string]string{
		falcon.EnvClientID:     srv.ClientID,
		falcon.EnvClientSecret: srv.ClientSecret,
		falcon.EnvBaseURL:      srv.URL,
	}
	return func(k string) string { return vars[k] }
}
