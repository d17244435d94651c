package convert

import (
	"flag"
	"fmt"
	"slices"
	"strings"

	"github.com/falconioc/falcon/examples/internal/feed"
	"github.com/falconioc/falcon/examples/internal/setup"
	"github.com/falconioc/falcon/ioc"
)

// Actions, Severities and Platforms are the values Falcon documents, which
// the flags accept.
var (
	Actions = []ioc.Action{
		ioc.ActionNoAction, ioc.ActionAllow, ioc.ActionPreventNoUI, ioc.ActionPrevent, ioc.ActionDetect,
	}
	Severities = []ioc.Severity{
		ioc.SeverityInformational, ioc.SeverityLow, ioc.SeverityMedium, ioc.SeverityHigh, ioc.SeverityCritical,
	}
	Platforms = []ioc.Platform{
		ioc.PlatformWindows, ioc.PlatformMac, ioc.PlatformLinux, ioc.PlatformIOS, ioc.PlatformAndroid,
	}
)

// Defaults are the indicator fields set on the command line.
type Defaults struct {
	// Action, Severity and Platforms fill in entries that have none (or
	// every entry, with Override).
	Action    string
	Severity  string
	Platforms setup.ListFlag
	// Source fills in entries without a source.
	Source string
	// HostGroups limits the indicators to these host groups; empty means
	// applied globally.
	HostGroups setup.ListFlag
	// Override makes Action, Severity and Platforms replace the feed's own.
	Override bool
}

// NewDefaults returns the flags' default values: detect, medium severity,
// the three desktop platforms, applied globally.
func NewDefaults() *Defaults {
	return &Defaults{
		Action:    string(ioc.ActionDetect),
		Severity:  string(ioc.SeverityMedium),
		Platforms: setup.ListFlag{"windows", "mac", "linux"},
	}
}

// Register adds the flags to fs. sourceHelp describes -source, which means
// something different to each program.
func (d *Defaults) Register(fs *flag.FlagSet, sourceHelp string) {
	fs.StringVar(&d.Action, "action", d.Action, "action for entries without one: "+joinAny(Actions))
	fs.StringVar(&d.Severity, "severity", d.Severity, "severity for entries without one: "+joinAny(Severities))
	fs.Var(&d.Platforms, "platforms", "comma-separated platforms for entries without any: "+joinAny(Platforms))
	fs.StringVar(&d.Source, "source", d.Source, sourceHelp)
	fs.Var(&d.HostGroups, "host-groups", "comma-separated host group ids to limit the indicators to (default: applied globally)")
	fs.BoolVar(&d.Override, "override", d.Override, "use -action, -severity and -platforms even where the feed gives its own")
}

// Check reports the first flag value Falcon does not document.
func (d *Defaults) Check() error {
	d.Action = strings.ToLower(strings.TrimSpace(d.Action))
	d.Severity = strings.ToLower(strings.TrimSpace(d.Severity))
	if !slices.Contains(Actions, ioc.Action(d.Action)) {
		return fmt.Errorf("-action %q: want one of %s", d.Action, joinAny(Actions))
	}
	if d.Severity != "" && !slices.Contains(Severities, ioc.Severity(d.Severity)) {
		return fmt.Errorf("-severity %q: want one of %s", d.Severity, joinAny(Severities))
	}
	if len(d.Platforms) == 0 {
		return fmt.Errorf("-platforms: name at least one of %s", joinAny(Platforms))
	}
	for _, p := range d.Platforms {
		if !slices.Contains(Platforms, ioc.Platform(p)) {
			return fmt.Errorf("-platforms: %q: want some of %s", p, joinAny(Platforms))
		}
	}
	for _, g := range d.HostGroups {
		if !isHex(g, 32) {
			return fmt.Errorf("-host-groups: %q is not a host group id (32 hexadecimal digits)", g)
		}
	}
	if len(d.Source) > 256 {
		return fmt.Errorf("-source: %d characters, at most 256", len(d.Source))
	}
	return nil
}

// Indicator returns the indicator to create for e.
func (d *Defaults) Indicator(e feed.Entry) ioc.NewIndicator {
	n := ioc.NewIndicator{
		Type:        e.Type,
		Value:       e.Value,
		Action:      ioc.Action(pick(e.Action, d.Action, d.Override)),
		Severity:    ioc.Severity(pick(e.Severity, d.Severity, d.Override)),
		Description: e.Description,
		Source:      e.Source,
		Expiration:  e.Expiration,
	}
	if n.Source == "" {
		n.Source = d.Source
	}
	plats := e.Platforms
	if len(plats) == 0 || d.Override {
		plats = d.Platforms
	}
	for _, p := range plats {
		n.Platforms = append(n.Platforms, ioc.Platform(p))
	}
	if len(e.Tags) > 0 {
		n.Tags = slices.Clone(e.Tags)
	}
	if len(d.HostGroups) > 0 {
		n.HostGroups = slices.Clone([]string(d.HostGroups))
	} else {
		n.AppliedGlobally = true
	}
	return n
}

func pick(fromFeed, fromFlag string, override bool) string {
	if fromFeed == "" || override {
		return fromFlag
	}
	return fromFeed
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}

func joinAny[T ~string](vs []T) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}
