package main

import (
	"bytes"
	"errors"
	"flag"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/falconioc/falcon/examples/internal/setup"
	"github.com/falconioc/falcon/falcontest"
	"github.com/falconioc/falcon/ioc"
)

const (
	hostA = "0123456789abcdef0123456789abcdef"
	hostB = "fedcba9876543210fedcba9876543210"
)

func TestLookup(t *testing.T) {
	t.Parallel()
	srv := falcontest.NewServer(falcontest.WithIndicators(0))
	t.Cleanup(srv.Close)
	start := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	srv.AddSighting(falcontest.Sighting{Type: "domain", Value: "bad.example.com", DeviceID: hostA,
		Processes: []falcontest.Process{{LocalID: "4242", FileName: "curl", CommandLine: "curl https://bad.example.com/x", Start: start}}})
	srv.AddSighting(falcontest.Sighting{Type: "domain", Value: "bad.example.com", DeviceID: hostB,
		Processes: []falcontest.Process{{LocalID: "7", FileName: "firefox"}, {LocalID: "8", FileName: "python3"}}})

	var stdout, stderr bytes.Buffer
	// Defanged and in upper case: lookup refangs and detects the type.
	err := run(t.Context(), []string{"BAD[.]example[.]com"}, setup.EmulatorEnv(srv), &stdout, &stderr)
	if err != nil {
		t.Fatalf("run: %v\nstderr: %s", err, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{
		"domain:bad.example.com", "seen on 2 host(s)", "host " + hostA, "host " + hostB,
		"process 4242  curl  started 2025-03-04T05:06:07Z", "curl https://bad.example.com/x",
		"process 7  firefox", "process 8  python3",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(stderr.String(), "emulator started in-process") {
		t.Errorf("with FALCON_CLIENT_ID set, lookup started its own emulator:\n%s", stderr.String())
	}

	// -hosts 1 lists one host and says there are more; -processes=false
	// lists none.
	stdout.Reset()
	err = run(t.Context(), []string{"-hosts", "1", "-processes=false", "domain:bad.example.com"}, setup.EmulatorEnv(srv), &stdout, &stderr)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	out = stdout.String()
	if got := strings.Count(out, "  host "); got != 1 {
		t.Errorf("listed %d hosts with -hosts 1:\n%s", got, out)
	}
	if !strings.Contains(out, "more hosts not listed") || strings.Contains(out, "process") {
		t.Errorf("unexpected output with -hosts 1 -processes=false:\n%s", out)
	}
}

func TestLookupUnseen(t *testing.T) {
	t.Parallel()
	srv := falcontest.NewServer(falcontest.WithIndicators(0))
	t.Cleanup(srv.Close)
	var stdout, stderr bytes.Buffer
	if err := run(t.Context(), []string{"198.51.100.77"}, setup.EmulatorEnv(srv), &stdout, &stderr); err != nil {
		t.Fatalf("run: %v", err)
	}
	if out := stdout.String(); !strings.Contains(out, "ipv4:198.51.100.77\n  seen on 0 host(s)") || strings.Contains(out, "host ") {
		t.Errorf("unexpected output:\n%s", out)
	}
}

// TestLookupEmbeddedEmulator runs lookup as a new user does: no
// environment, no argument.
func TestLookupEmbeddedEmulator(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	if err := run(t.Context(), nil, func(string) string { return "" }, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\nstderr: %s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "FALCON_CLIENT_ID is not set: using the falcontest emulator") {
		t.Errorf("stderr does not say the emulator is used:\n%s", stderr.String())
	}
	if !strings.Contains(stdout.String(), "  host ") || !strings.Contains(stdout.String(), "    process ") {
		t.Errorf("the seeded IOC shows no host or process:\n%s", stdout.String())
	}
}

func TestLookupUsage(t *testing.T) {
	t.Parallel()
	noEnv := func(string) string { return "" }
	var stdout, stderr bytes.Buffer
	if err := run(t.Context(), []string{"-h"}, noEnv, &stdout, &stderr); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: err = %v, want flag.ErrHelp", err)
	}
	if !strings.Contains(stderr.String(), "Usage: lookup") || !strings.Contains(stderr.String(), "FALCON_CLIENT_ID") {
		t.Errorf("-h output:\n%s", stderr.String())
	}
	for _, args := range [][]string{{"-nope"}, {"a.example.com", "b.example.com"}, {"sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709"}, {"-hosts", "-1", "x.example.com"}} {
		err := run(t.Context(), args, noEnv, &stdout, &stderr)
		if ue, ok := errors.AsType[*setup.UsageError](err); !ok {
			t.Errorf("%q: err = %v, want a usage error", args, err)
		} else if code := setup.ExitCode(ue, &stderr); code != 2 {
			t.Errorf("%q: exit code %d, want 2", args, code)
		}
	}
}

func TestParseRef(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want ioc.Ref
	}{
		{"ipv6:2001:db8::1", ioc.Ref{Type: ioc.TypeIPv6, Value: "2001:db8::1"}},
		{"2001:DB8::1", ioc.Ref{Type: ioc.TypeIPv6, Value: "2001:db8::1"}},
		{"hxxp://x[.]example[.]org", ioc.Ref{}},
		{"44D88612FEA8A8F36DE82E1278ABB02F", ioc.Ref{Type: ioc.TypeMD5, Value: "44d88612fea8a8f36de82e1278abb02f"}},
		{"domain:Example.COM", ioc.Ref{Type: ioc.TypeDomain, Value: "Example.COM"}},
	} {
		got, err := parseRef(tc.in)
		if tc.want == (ioc.Ref{}) {
			if err == nil {
				t.Errorf("parseRef(%q) = %v, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("parseRef(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

// TestLookupHelpForms checks that every example value -h shows is one
// lookup accepts, and that a URL is refused without naming a flag lookup
// does not have.
func TestLookupHelpForms(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	if err := run(t.Context(), []string{"-h"}, func(string) string { return "" }, &stdout, &stderr); !errors.Is(err, flag.ErrHelp) {
		t.Fatal(err)
	}
	help, _, _ := strings.Cut(stderr.String(), "Flags:")
	examples := regexp.MustCompile(`"([^"]+)"`).FindAllStringSubmatch(help, -1)
	if len(examples) < 3 {
		t.Fatalf("-h shows %d example values:\n%s", len(examples), help)
	}
	for _, m := range examples {
		if _, err := parseRef(m[1]); err != nil {
			t.Errorf("-h shows %q, which lookup refuses: %v", m[1], err)
		}
	}
	_, err := parseRef("hxxps://evil[.]example/x")
	if err == nil || strings.Contains(err.Error(), "-url-hosts") || !strings.Contains(err.Error(), "look up its host") {
		t.Errorf("URL: %v", err)
	}
}
