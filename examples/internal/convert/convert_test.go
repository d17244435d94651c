package convert_test

import (
	"flag"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/falconioc/falcon/examples/internal/convert"
	"github.com/falconioc/falcon/examples/internal/feed"
	"github.com/falconioc/falcon/ioc"
)

func parse(t *testing.T, args ...string) (*convert.Defaults, error) {
	t.Helper()
	d := convert.NewDefaults()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	d.Register(fs, "source")
	if err := fs.Parse(args); err != nil {
		t.Fatalf("parse %q: %v", args, err)
	}
	return d, d.Check()
}

func TestCheck(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		bad  string // part of the error, "" for none
	}{
		{nil, ""},
		{[]string{"-action", "PREVENT", "-severity", "High", "-platforms", "windows,ios"}, ""},
		{[]string{"-severity", ""}, ""},
		{[]string{"-host-groups", "0123456789abcdef0123456789ABCDEF"}, ""},
		{[]string{"-action", "block"}, "-action"},
		{[]string{"-severity", "severe"}, "-severity"},
		{[]string{"-platforms", "windows,beos"}, "beos"},
		{[]string{"-platforms", ""}, "-platforms"},
		{[]string{"-host-groups", "g1"}, "g1"},
		{[]string{"-source", strings.Repeat("s", 257)}, "-source"},
	} {
		_, err := parse(t, tc.args...)
		switch {
		case tc.bad == "" && err != nil:
			t.Errorf("%q: %v", tc.args, err)
		case tc.bad != "" && (err == nil || !strings.Contains(err.Error(), tc.bad)):
			t.Errorf("%q: err = %v, want one naming %q", tc.args, err, tc.bad)
		}
	}
}

func TestIndicator(t *testing.T) {
	t.Parallel()
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	full := feed.Entry{Type: "domain", Value: "a.example.com", Action: "prevent", Severity: "high",
		Description: "d", Source: "feed-src", Expiration: exp, Platforms: []string{"linux"}, Tags: []string{"t1"}}
	bare := feed.Entry{Type: "ipv4", Value: "192.0.2.1"}

	d, err := parse(t, "-source", "flag-src")
	if err != nil {
		t.Fatal(err)
	}
	got := d.Indicator(full)
	want := ioc.NewIndicator{Type: ioc.TypeDomain, Value: "a.example.com", Action: ioc.ActionPrevent,
		Severity: ioc.SeverityHigh, Description: "d", Source: "feed-src", Expiration: exp,
		Platforms: []ioc.Platform{ioc.PlatformLinux}, Tags: []string{"t1"}, AppliedGlobally: true}
	if !equal(got, want) {
		t.Errorf("feed values:\n got %+v\nwant %+v", got, want)
	}
	got = d.Indicator(bare)
	want = ioc.NewIndicator{Type: ioc.TypeIPv4, Value: "192.0.2.1", Action: ioc.ActionDetect,
		Severity: ioc.SeverityMedium, Source: "flag-src",
		Platforms: []ioc.Platform{ioc.PlatformWindows, ioc.PlatformMac, ioc.PlatformLinux}, AppliedGlobally: true}
	if !equal(got, want) {
		t.Errorf("defaults:\n got %+v\nwant %+v", got, want)
	}

	d, err = parse(t, "-override", "-action", "allow", "-severity", "low", "-platforms", "mac",
		"-host-groups", "0123456789abcdef0123456789abcdef")
	if err != nil {
		t.Fatal(err)
	}
	got = d.Indicator(full)
	if got.Action != ioc.ActionAllow || got.Severity != ioc.SeverityLow ||
		!slices.Equal(got.Platforms, []ioc.Platform{ioc.PlatformMac}) || got.AppliedGlobally ||
		!slices.Equal(got.HostGroups, []string{"0123456789abcdef0123456789abcdef"}) || got.Source != "feed-src" {
		t.Errorf("-override and -host-groups: %+v", got)
	}
}

func equal(a, b ioc.NewIndicator) bool {
	return a.Type == b.Type && a.Value == b.Value && a.Action == b.Action && a.Severity == b.Severity &&
		a.Description == b.Description && a.Source == b.Source && a.Expiration.Equal(b.Expiration) &&
		slices.Equal(a.Platforms, b.Platforms) && slices.Equal(a.Tags, b.Tags) &&
		slices.Equal(a.HostGroups, b.HostGroups) && a.AppliedGlobally == b.AppliedGlobally
}
