package setup_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/falconioc/falcon"
	"github.com/falconioc/falcon/examples/internal/setup"
	"github.com/falconioc/falcon/falcontest"
	"github.com/falconioc/falcon/ioc"
)

func TestConnectEmulator(t *testing.T) {
	t.Parallel()
	var stderr bytes.Buffer
	env, err := setup.Connect(t.Context(), setup.Config{Stderr: &stderr, Program: "test"})
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	if env.Emulator == nil {
		t.Fatal("no emulator started without FALCON_CLIENT_ID")
	}
	if !strings.Contains(stderr.String(), env.Emulator.URL) {
		t.Errorf("stderr does not name the emulator's URL:\n%s", stderr.String())
	}
	if _, _, err := env.IOC.Types.List(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	if n := env.Emulator.IndicatorCount(); n != setup.EmulatorIndicators {
		t.Errorf("emulator holds %d indicators, want %d", n, setup.EmulatorIndicators)
	}
	if ua := env.Emulator.Requests()[len(env.Emulator.Requests())-1].Header.Get("User-Agent"); !strings.HasPrefix(ua, "falcon-examples-test") {
		t.Errorf("User-Agent %q lacks the program", ua)
	}
}

func TestConnectTenant(t *testing.T) {
	t.Parallel()
	srv := falcontest.NewServer(falcontest.WithIndicators(3))
	t.Cleanup(srv.Close)
	var stderr bytes.Buffer
	env, err := setup.Connect(t.Context(), setup.Config{Getenv: setup.EmulatorEnv(srv), Stderr: &stderr})
	if err != nil {
		t.Fatal(err)
	}
	if env.Emulator != nil {
		t.Error("an emulator was started although FALCON_CLIENT_ID is set")
	}
	_, resp, err := env.IOC.Types.List(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if setup.TraceID(resp) == "-" || setup.TraceID(nil) != "-" {
		t.Errorf("TraceID(resp) = %q, TraceID(nil) = %q", setup.TraceID(resp), setup.TraceID(nil))
	}
	env.Close()
	if srv.ActiveTokens() != 0 {
		t.Errorf("Close left %d tokens active", srv.ActiveTokens())
	}
	if strings.Contains(stderr.String(), srv.ClientSecret) {
		t.Error("stderr shows the client secret")
	}
}

func TestConnectBadEnvironment(t *testing.T) {
	t.Parallel()
	for _, vars := range []map[string]string{
		{falcon.EnvClientID: "id"},
		{falcon.EnvClientID: "id", falcon.EnvClientSecret: "s", falcon.EnvCloud: "mars-1"},
		{falcon.EnvClientID: "id", falcon.EnvClientSecret: "s", falcon.EnvBaseURL: "http://api.example.com"},
	} {
		env, err := setup.Connect(t.Context(), setup.Config{Getenv: func(k string) string { return vars[k] }})
		if err == nil {
			env.Close()
			t.Errorf("%v: no error", vars)
			continue
		}
		// Messages name the environment and the tools' flags, never the
		// SDK's Go options.
		if strings.Contains(err.Error(), "With") || strings.Contains(err.Error(), "Options.") {
			t.Errorf("%v: %v names a Go option", vars, err)
		}
	}
}

func TestExitCode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err     error
		code    int
		printed bool
	}{
		{nil, 0, false},
		{flag.ErrHelp, 0, false},
		{setup.Usagef("prog", "bad %s", "x"), 2, true},
		{fmt.Errorf("3 items failed: %w", setup.ErrReported), 1, false},
		{errors.New("boom"), 1, true},
	} {
		var stderr bytes.Buffer
		if got := setup.ExitCode(tc.err, &stderr); got != tc.code {
			t.Errorf("ExitCode(%v) = %d, want %d", tc.err, got, tc.code)
		}
		if printed := stderr.Len() > 0; printed != tc.printed {
			t.Errorf("ExitCode(%v) printed %q", tc.err, stderr.String())
		}
	}
}

func TestParse(t *testing.T) {
	t.Parallel()
	var stderr bytes.Buffer
	fs := setup.NewFlagSet("prog", "prog [flags]", "Prog does things.", &stderr)
	var list setup.ListFlag
	fs.Var(&list, "list", "a list")
	if err := setup.Parse(fs, []string{"-list", " A, b,,C "}); err != nil {
		t.Fatal(err)
	}
	if got := list.String(); got != "a,b,c" {
		t.Errorf("list = %q", got)
	}
	if stderr.Len() != 0 {
		t.Errorf("a good parse printed %q", stderr.String())
	}
	err := setup.Parse(fs, []string{"-h"})
	if !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v", err)
	}
	if help := stderr.String(); strings.Count(help, "Usage: prog [flags]") != 1 || !strings.Contains(help, "-list") || !strings.Contains(help, "FALCON_CLOUD") {
		t.Errorf("-h printed:\n%s", help)
	}
	stderr.Reset()
	err = setup.Parse(fs, []string{"-nope"})
	if _, ok := errors.AsType[*setup.UsageError](err); !ok || stderr.Len() != 0 {
		t.Errorf("bad flag: err %v, printed %q", err, stderr.String())
	}
}

func TestProgressQuietOffTerminal(t *testing.T) {
	t.Parallel()
	var stderr bytes.Buffer
	p := setup.NewProgress(&stderr, 10, "test")
	p.Add(3)
	p.Set(5)
	p.SetTotal(20)
	p.Done()
	if stderr.Len() != 0 || p != nil {
		t.Errorf("progress drew %q on a buffer", stderr.String())
	}
}

func TestFailure(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  ioc.ItemError
		want string
	}{
		{ioc.ItemError{Index: 3, Ref: ioc.Ref{Type: ioc.TypeDomain, Value: "x.example"}, Code: 400, Field: "value",
			Message: "Duplicate type", TraceID: "t-1"}, "400 value: Duplicate type [trace t-1]"},
		{ioc.ItemError{Index: 0, ID: "abc", Code: 404, Message: "not found"}, "404 not found"},
		{ioc.ItemError{Field: "expiration", Message: "expiration must be in the future", Err: ioc.ErrInvalid},
			"expiration: expiration must be in the future"},
		{ioc.ItemError{Err: errors.New("not sent: context canceled")}, "not sent: context canceled"},
	}
	for _, tt := range tests {
		if got := setup.Failure(&tt.err); got != tt.want {
			t.Errorf("Failure(%+v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

// TestParseFlagsAfterArguments checks that flags may follow positional
// arguments, that "--" ends the flags, and that a bad flag after an
// argument is a usage error saying where it was.
func TestParseFlagsAfterArguments(t *testing.T) {
	t.Parallel()
	fs := setup.NewFlagSet("prog", "prog [flags] file...", "Prog.", new(bytes.Buffer))
	v := fs.Bool("v", false, "verbose")
	n := fs.Int("n", 0, "count")
	if err := setup.Parse(fs, []string{"a.csv", "-v", "b.csv", "-n", "3", "--", "-c.csv", "-v"}); err != nil {
		t.Fatal(err)
	}
	if !*v || *n != 3 || !slices.Equal(fs.Args(), []string{"a.csv", "b.csv", "-c.csv", "-v"}) {
		t.Errorf("v=%v n=%d args=%q", *v, *n, fs.Args())
	}
	err := setup.Parse(fs, []string{"a.csv", "-nope"})
	if ue, ok := errors.AsType[*setup.UsageError](err); !ok || !strings.Contains(ue.Error(), `after "a.csv"`) {
		t.Errorf("bad flag after a file: %v", err)
	}
}
