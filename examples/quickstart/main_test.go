package main

import (
	"bytes"
	"errors"
	"flag"
	"regexp"
	"strings"
	"testing"

	"github.com/falconioc/falcon/examples/internal/setup"
	"github.com/falconioc/falcon/falcontest"
	"github.com/falconioc/falcon/ioc"
)

// TestQuickstartEmbedded runs quickstart as `make demo` does: no
// environment, so it starts its own emulator.
func TestQuickstartEmbedded(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	if err := run(t.Context(), nil, func(string) string { return "" }, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	if !strings.Contains(stderr.String(), "FALCON_CLIENT_ID is not set: using the falcontest emulator") {
		t.Errorf("stderr does not say the emulator is used:\n%s", stderr.String())
	}
	out := stdout.String()
	for i, heading := range []string{"Look for indicators left", "Create 7 indicators", "Search with an FQL filter",
		"Update one indicator", "Aggregate", "Look up the hosts", "Start a CSV report job", "Delete the 7 indicators"} {
		if !strings.Contains(out, string(rune('1'+i))+". "+heading) {
			t.Errorf("output lacks step %d %q", i+1, heading)
		}
	}
	// Every step shows trace ids; the emulator's are UUIDs.
	traces := regexp.MustCompile(`\[trace [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\]`).FindAllString(out, -1)
	if len(traces) < 15 {
		t.Errorf("only %d trace ids in the output:\n%s", len(traces), out)
	}
	for _, want := range []string{"0 indicators left", "  host ", "#"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestQuickstartOnTenant(t *testing.T) {
	t.Parallel()
	srv := falcontest.NewServer(falcontest.WithIndicators(40))
	t.Cleanup(srv.Close)
	// A leftover of an interrupted run, and an indicator of someone else.
	srv.AddIndicators(
		falcontest.Indicator{Type: "domain", Value: "leftover.quickstart.example.com", Action: "detect", Source: "falcon-quickstart", AppliedGlobally: true, Platforms: []string{"linux"}},
		falcontest.Indicator{Type: "domain", Value: "other.example.com", Action: "detect", Source: "someone", AppliedGlobally: true, Platforms: []string{"linux"}},
	)
	before := srv.IndicatorCount()
	var stdout, stderr bytes.Buffer
	if err := run(t.Context(), nil, setup.EmulatorEnv(srv), &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\n%s", err, stdout.String())
	}
	if !strings.Contains(stdout.String(), "deleted 1 leftovers") {
		t.Errorf("the leftover was not cleaned up:\n%s", stdout.String())
	}
	if got := srv.IndicatorCount(); got != before-1 {
		t.Errorf("%d indicators after the run, want %d (all but the leftover)", got, before-1)
	}
	for _, ind := range srv.Indicators() {
		if ind.Source == "falcon-quickstart" {
			t.Errorf("left behind: %s:%s", ind.Type, ind.Value)
		}
	}
	if jobs := srv.Reports(); len(jobs) != 1 || jobs[0].Format != "csv" || !strings.Contains(jobs[0].Filter, "falcon-quickstart") {
		t.Errorf("report jobs: %+v", jobs)
	}
	// The tenant has no seeded sighting to show: the default look-up is the
	// EICAR hash.
	if !strings.Contains(stdout.String(), "observed sha256:"+eicarSHA256) {
		t.Errorf("look-up target:\n%s", stdout.String())
	}

	// -keep leaves the seven indicators, updated.
	stdout.Reset()
	if err := run(t.Context(), []string{"-keep", "-source", "qs-keep"}, setup.EmulatorEnv(srv), &stdout, &stderr); err != nil {
		t.Fatalf("run -keep: %v", err)
	}
	kept := map[string]falcontest.Indicator{}
	for _, ind := range srv.Indicators() {
		if ind.Source == "qs-keep" {
			kept[ind.Type+":"+ind.Value] = ind
		}
	}
	if len(kept) != 7 {
		t.Errorf("-keep kept %d indicators, want 7", len(kept))
	}
	for _, typ := range []ioc.Type{ioc.TypeSHA256, ioc.TypeMD5, ioc.TypeDomain, ioc.TypeIPv4, ioc.TypeIPv6} {
		found := false
		for _, ind := range kept {
			found = found || ind.Type == string(typ)
		}
		if !found {
			t.Errorf("no %s indicator created", typ)
		}
	}
	if c2 := kept["domain:c2.quickstart.example.com"]; c2.Severity != "critical" || len(c2.Tags) != 2 {
		t.Errorf("the update did not land: %+v", c2)
	}
}

// TestQuickstartCleansUpOnFailure makes one create fail (the value exists
// under another source) and checks the run fails and removes what it made.
func TestQuickstartCleansUpOnFailure(t *testing.T) {
	t.Parallel()
	srv := falcontest.NewServer(falcontest.WithIndicators(0))
	t.Cleanup(srv.Close)
	srv.AddIndicators(falcontest.Indicator{Type: "ipv4", Value: "192.0.2.10", Action: "detect", Source: "someone", AppliedGlobally: true, Platforms: []string{"linux"}})
	var stdout, stderr bytes.Buffer
	err := run(t.Context(), nil, setup.EmulatorEnv(srv), &stdout, &stderr)
	if !errors.Is(err, ioc.ErrDuplicate) {
		t.Fatalf("err = %v, want a duplicate failure", err)
	}
	if !strings.Contains(stdout.String(), "FAILED") || !strings.Contains(stdout.String(), "Deleted the 6 indicators created before the failure") {
		t.Errorf("output:\n%s", stdout.String())
	}
	// The failed row names the API's refusal and the trace id of the answer
	// that carried it.
	if !regexp.MustCompile(`192\.0\.2\.10 +FAILED: \d{3} value: .*[Dd]uplicate.* \[trace [0-9a-f-]{36}\]\n`).MatchString(stdout.String()) {
		t.Errorf("the failed row lacks its reason or trace id:\n%s", stdout.String())
	}
	if inds := srv.Indicators(); len(inds) != 1 || inds[0].Source != "someone" {
		t.Errorf("left: %+v", inds)
	}
}

func TestQuickstartUsage(t *testing.T) {
	t.Parallel()
	noEnv := func(string) string { return "" }
	var stdout, stderr bytes.Buffer
	if err := run(t.Context(), []string{"-h"}, noEnv, &stdout, &stderr); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v", err)
	}
	if !strings.Contains(stderr.String(), "Usage: quickstart") {
		t.Errorf("-h output:\n%s", stderr.String())
	}
	for _, args := range [][]string{{"extra"}, {"-source", ""}, {"-lookup", "nocolon"}, {"-what"}} {
		if _, ok := errors.AsType[*setup.UsageError](run(t.Context(), args, noEnv, &stdout, &stderr)); !ok {
			t.Errorf("%q: not a usage error", args)
		}
	}
}
