package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/falconioc/falcon/examples/internal/feed"
	"github.com/falconioc/falcon/examples/internal/setup"
	"github.com/falconioc/falcon/falcontest"
	"github.com/falconioc/falcon/ioc"
)

const usage = "lookup [flags] [type:]value"

const description = `
Lookup prints how many hosts observed one IOC, lists those hosts (by device id)
and, for each, the processes that observed it, with the trace id of every call.

The IOC is one of:
  sha256:<hash>  md5:<hash>  domain:<name>  ipv4:<address>  ipv6:<address>
  a bare hash, domain or address, whose type is detected; it may be defanged,
  as in "evil[.]example[.]com" or "198.51.100[.]7", and a port, as in
  "203.0.113.7:53", is dropped.
A URL is not something Falcon counts hosts for: look up its host instead.
Host names and other host details come from the Hosts API, which this SDK does
not wrap: look the device ids up there.

Against the in-process emulator, the value may be left out: lookup then picks a
seeded IOC that hosts have seen.

Exit status: 0 when the IOC was looked up (seen or not); 1 when a request
failed; 2 for a bad command line or a value that is not an IOC.`

func main() { setup.Main(run) }

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := setup.NewFlagSet("lookup", usage, description, stderr)
	maxHosts := fs.Int("hosts", 10, "list at most this many hosts (0: all)")
	procs := fs.Bool("processes", true, "list the processes that observed the IOC on each listed host")
	if err := setup.Parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return setup.Usagef("lookup", "one IOC at a time, got %d arguments", fs.NArg())
	}
	if *maxHosts < 0 {
		return setup.Usagef("lookup", "-hosts must not be negative")
	}
	var ref ioc.Ref
	if fs.NArg() == 1 {
		var err error
		if ref, err = parseRef(fs.Arg(0)); err != nil {
			return setup.Usagef("lookup", "%v", err)
		}
	}

	env, err := setup.Connect(ctx, setup.Config{Getenv: getenv, Stderr: stderr, Program: "lookup"})
	if err != nil {
		return err
	}
	defer env.Close()
	if ref.Value == "" {
		if env.Emulator == nil {
			return setup.Usagef("lookup", "name the IOC to look up")
		}
		ref = mostSeen(env.Emulator)
		fmt.Fprintf(stderr, "No IOC given: looking up %s, which the emulator's seeded hosts have seen.\n", ref)
	}
	return lookup(ctx, env.IOC, ref, lookupOptions{MaxHosts: *maxHosts, Processes: *procs}, stdout)
}

// lookupOptions bound what lookup prints.
type lookupOptions struct {
	MaxHosts  int // 0: all
	Processes bool
}

// lookup prints the device count, hosts and processes of ref.
func lookup(ctx context.Context, c *ioc.Client, ref ioc.Ref, opts lookupOptions, w io.Writer) error {
	count, resp, err := c.Devices.Count(ctx, ref)
	if err != nil {
		return fmt.Errorf("device count of %s: %w", ref, err)
	}
	more := ""
	if count.LimitExceeded {
		more = " or more"
	}
	fmt.Fprintf(w, "%s\n  seen on %d%s host(s)  [trace %s]\n", ref, count.Count, more, setup.TraceID(resp))
	if count.Count == 0 {
		return nil
	}
	listed := 0
	for dev, err := range c.Devices.AllRanOn(ctx, ref, nil) {
		if err != nil {
			return fmt.Errorf("hosts that saw %s: %w", ref, err)
		}
		if opts.MaxHosts > 0 && listed == opts.MaxHosts {
			fmt.Fprintf(w, "  ... more hosts not listed (-hosts %d)\n", opts.MaxHosts)
			break
		}
		listed++
		fmt.Fprintf(w, "  host %s\n", dev)
		if opts.Processes {
			if err := printProcesses(ctx, c, ref, dev, w); err != nil {
				return err
			}
		}
	}
	return nil
}

// printProcesses lists the processes on host dev that observed ref.
func printProcesses(ctx context.Context, c *ioc.Client, ref ioc.Ref, dev string, w io.Writer) error {
	var ids []string
	for id, err := range c.Processes.AllRanOn(ctx, ref, dev, nil) {
		if err != nil {
			return fmt.Errorf("processes on %s that saw %s: %w", dev, ref, err)
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		fmt.Fprintln(w, "    no process recorded")
		return nil
	}
	details, resp, err := c.Processes.Get(ctx, ids...)
	if err != nil {
		return fmt.Errorf("process details: %w", err)
	}
	found := make(map[string]bool, len(details.Found))
	for _, p := range details.Found {
		found[p.ID] = true
		fmt.Fprintf(w, "    process %s  %s  started %s\n", p.LocalID, p.FileName, showTime(p.Start))
		if p.CommandLine != "" {
			fmt.Fprintf(w, "      %s\n", p.CommandLine)
		}
	}
	for _, id := range ids {
		if !found[id] {
			fmt.Fprintf(w, "    process %s  (no details)\n", id)
		}
	}
	fmt.Fprintf(w, "    [trace %s]\n", setup.TraceID(resp))
	return nil
}

func showTime(t time.Time) string {
	if t.IsZero() {
		return "(unknown)"
	}
	return t.UTC().Format(time.RFC3339)
}

// typePrefixes are the prefixes naming an IOC's type on the command line.
var typePrefixes = []ioc.Type{ioc.TypeSHA256, ioc.TypeMD5, ioc.TypeDomain, ioc.TypeIPv4, ioc.TypeIPv6}

// parseRef reads "type:value" or a bare value, which may be defanged, and
// whose type is then detected. Values are checked and normalised by the SDK
// when sent; a bare value goes through the feed reader, which refangs it
// and detects its type.
func parseRef(arg string) (ioc.Ref, error) {
	arg = strings.TrimSpace(arg)
	for _, t := range typePrefixes {
		if v, ok := strings.CutPrefix(arg, string(t)+":"); ok {
			return ioc.Ref{Type: t, Value: v}, nil
		}
	}
	res, err := feed.Read(strings.NewReader(arg), &feed.Options{Format: feed.List, Name: "argument"})
	if err != nil {
		return ioc.Ref{}, err
	}
	if len(res.Entries) != 1 {
		reason := "not an IOC value"
		if len(res.Problems) > 0 {
			reason = res.Problems[0].Reason
			if res.Problems[0].Kind == feed.KindURL {
				reason = "a URL: Falcon has no url type; look up its host instead"
			}
		}
		return ioc.Ref{}, fmt.Errorf("%q: %s", feed.Clip(arg), reason)
	}
	e := res.Entries[0]
	return ioc.Ref{Type: ioc.Type(e.Type), Value: e.Value}, nil
}

// mostSeen returns the emulator's IOC seen on the most hosts (the first in
// type and value order among equals).
func mostSeen(srv *falcontest.Server) ioc.Ref {
	hosts := map[ioc.Ref]int{}
	for _, sg := range srv.Sightings() {
		hosts[ioc.Ref{Type: ioc.Type(sg.Type), Value: sg.Value}]++
	}
	refs := make([]ioc.Ref, 0, len(hosts))
	for r := range hosts {
		refs = append(refs, r)
	}
	slices.SortFunc(refs, func(a, b ioc.Ref) int {
		return cmp.Or(hosts[b]-hosts[a], cmp.Compare(a.Type, b.Type), cmp.Compare(a.Value, b.Value))
	})
	if len(refs) == 0 {
		return ioc.Ref{}
	}
	return refs[0]
}
