package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/falconioc/falcon/examples/internal/setup"
	"github.com/falconioc/falcon/fql"
	"github.com/falconioc/falcon/ioc"
)

const usage = "quickstart [flags]"

const description = `
Quickstart shows the SDK at work on custom IOCs, step by step: it creates a small
feed of indicators of every type, searches them with an FQL filter page by page,
updates one, aggregates the tenant's indicators by type and severity, looks up
the hosts and processes that observed an IOC, starts a report job and deletes
what it created. Each step prints the trace ids of its API calls.

It only ever changes indicators whose source is -source, and removes leftovers of
an earlier interrupted run first.`

func main() { setup.Main(run) }

// options are the command line of quickstart.
type options struct {
	Source string
	Keep   bool
	Lookup string
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := setup.NewFlagSet("quickstart", usage, description, stderr)
	var o options
	fs.StringVar(&o.Source, "source", "falcon-quickstart", "source tag of the indicators quickstart creates (and deletes)")
	fs.BoolVar(&o.Keep, "keep", false, "keep the indicators instead of deleting them at the end")
	fs.StringVar(&o.Lookup, "lookup", "", "type:value of the IOC whose hosts to look up (default: a seeded IOC on the emulator, the EICAR hash on a tenant)")
	if err := setup.Parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return setup.Usagef("quickstart", "unexpected argument %q", fs.Arg(0))
	}
	if o.Source == "" || len(o.Source) > ioc.MaxSourceLen {
		return setup.Usagef("quickstart", "-source must be 1 to %d characters", ioc.MaxSourceLen)
	}
	var lookupRef ioc.Ref
	if o.Lookup != "" {
		t, v, ok := strings.Cut(o.Lookup, ":")
		if !ok || v == "" {
			return setup.Usagef("quickstart", "-lookup wants type:value, such as domain:evil.example.com")
		}
		lookupRef = ioc.Ref{Type: ioc.Type(strings.ToLower(t)), Value: v}
	}

	env, err := setup.Connect(ctx, setup.Config{Getenv: getenv, Stderr: stderr, Program: "quickstart"})
	if err != nil {
		return err
	}
	defer env.Close()
	if lookupRef.Value == "" {
		lookupRef = defaultLookup(env)
	}
	q := &quickstart{c: env.IOC, w: stdout, source: o.Source, started: time.Now()}
	return q.run(ctx, o.Keep, lookupRef)
}

// quickstart runs the steps and prints them.
type quickstart struct {
	c       *ioc.Client
	w       io.Writer
	source  string
	step    int
	started time.Time
	created []string // ids of the indicators created, for the clean-up
}

func (q *quickstart) run(ctx context.Context, keep bool, lookupRef ioc.Ref) (err error) {
	// Whatever happens after the create, delete what was created: the
	// quickstart leaves nothing behind unless asked to.
	defer func() {
		if len(q.created) > 0 && !keep && err != nil {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			res, derr := q.c.Indicators.Delete(ctx, q.created, &ioc.DeleteOptions{Comment: "falcon quickstart clean-up"})
			if derr != nil {
				err = errors.Join(err, fmt.Errorf("deleting the indicators created: %w", derr))
			} else {
				fmt.Fprintf(q.w, "\nDeleted the %d indicators created before the failure.  [trace %s]\n", len(q.created), traces(res.TraceIDs))
			}
		}
	}()
	steps := []func(context.Context) error{
		q.cleanUp,
		q.create,
		q.search,
		q.update,
		q.aggregate,
		func(ctx context.Context) error { return q.lookup(ctx, lookupRef) },
		q.report,
	}
	if !keep {
		steps = append(steps, q.deleteCreated)
	}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			if id := setup.ErrorTraceID(err); id != "" {
				return fmt.Errorf("%w (trace %s)", err, id)
			}
			return err
		}
	}
	fmt.Fprintf(q.w, "\nDone in %s.", time.Since(q.started).Round(10*time.Millisecond))
	if keep {
		fmt.Fprintf(q.w, " The indicators are kept: find them with the filter source:'%s'.", q.source)
	}
	fmt.Fprintln(q.w, "\nNext: go run ./import -h, ./export -h, ./sync -h and ./lookup -h show the other examples.")
	return nil
}

// heading starts a step.
func (q *quickstart) heading(format string, args ...any) {
	q.step++
	if q.step > 1 {
		fmt.Fprintln(q.w)
	}
	fmt.Fprintf(q.w, "%d. %s\n", q.step, fmt.Sprintf(format, args...))
}

// traces joins the trace ids of a bulk write's answers, or returns "-".
func traces(ids []string) string {
	if len(ids) == 0 {
		return "-"
	}
	return strings.Join(ids, ", ")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// mine is the filter of every indicator quickstart owns.
func (q *quickstart) mine() fql.Expr { return fql.Eq("source", q.source) }

// cleanUp deletes indicators left by an earlier run that did not finish.
func (q *quickstart) cleanUp(ctx context.Context) error {
	q.heading("Look for indicators left by an earlier run (filter %s)", q.mine())
	ids, resp, err := q.c.Indicators.Search(ctx, &ioc.ListOptions{Filter: ioc.Filter{Expr: q.mine()}, Limit: ioc.MaxLimit})
	if err != nil {
		return fmt.Errorf("search: %w", err)
	}
	if len(ids) == 0 {
		fmt.Fprintf(q.w, "   none  [trace %s]\n", setup.TraceID(resp))
		return nil
	}
	fmt.Fprintf(q.w, "   found %d  [trace %s]\n", len(ids), setup.TraceID(resp))
	res, err := q.c.Indicators.DeleteWhere(ctx, ioc.Filter{Expr: q.mine()}, &ioc.DeleteOptions{Comment: "falcon quickstart: leftovers"})
	if err != nil {
		return fmt.Errorf("delete leftovers: %w", err)
	}
	fmt.Fprintf(q.w, "   deleted %d leftovers  [trace %s]\n", len(res.Deleted), traces(res.TraceIDs))
	return nil
}

// feed is the small feed quickstart creates: every type Falcon takes, values
// that are harmless everywhere (the EICAR test file's hashes, RFC 2606
// domains, documentation address ranges).
func (q *quickstart) feed() []ioc.NewIndicator {
	exp := time.Now().UTC().Add(30 * 24 * time.Hour).Truncate(time.Second)
	mk := func(t ioc.Type, v string, sev ioc.Severity, desc string) ioc.NewIndicator {
		return ioc.NewIndicator{
			Type: t, Value: v, Action: ioc.ActionDetect, Severity: sev, Description: desc,
			Source: q.source, Platforms: []ioc.Platform{ioc.PlatformWindows, ioc.PlatformMac, ioc.PlatformLinux},
			Tags: []string{"quickstart"}, AppliedGlobally: true, Expiration: exp,
		}
	}
	return []ioc.NewIndicator{
		mk(ioc.TypeSHA256, eicarSHA256, ioc.SeverityCritical, "EICAR test file"),
		mk(ioc.TypeMD5, "44D88612FEA8A8F36DE82E1278ABB02F", ioc.SeverityHigh, "EICAR test file (md5)"),
		mk(ioc.TypeDomain, "c2.quickstart.example.com", ioc.SeverityHigh, "command and control"),
		mk(ioc.TypeDomain, "login.quickstart.example.net", ioc.SeverityMedium, "phishing page"),
		mk(ioc.TypeIPv4, "192.0.2.10", ioc.SeverityMedium, "scanner"),
		mk(ioc.TypeIPv4, "198.51.100.20", ioc.SeverityLow, "proxy exit"),
		mk(ioc.TypeIPv6, "2001:DB8:0:0::10", ioc.SeverityInformational, "seen in logs"),
	}
}

const eicarSHA256 = "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"

// create creates the feed.
func (q *quickstart) create(ctx context.Context) error {
	items := q.feed()
	q.heading("Create %d indicators of every type (source %q)", len(items), q.source)
	res, err := q.c.Indicators.Create(ctx, items, &ioc.WriteOptions{Comment: "falcon quickstart"})
	if res != nil {
		// Create sends batches and returns no single response: the result
		// lists the trace ids of every answer, and a failed item carries
		// the one of the answer that refused it.
		for _, it := range res.Items {
			if it.ID != "" && it.OK() {
				q.created = append(q.created, it.ID)
			}
			status := "created " + short(it.ID)
			if !it.OK() {
				status = "FAILED: " + setup.Failure(it.Err)
			}
			fmt.Fprintf(q.w, "   %-7s %-66s %s\n", it.Ref.Type, it.Ref.Value, status)
		}
		fmt.Fprintf(q.w, "   %d request(s)  [trace %s]\n", res.Requests, traces(res.TraceIDs))
	}
	if err != nil {
		return fmt.Errorf("create: %w", err)
	}
	fmt.Fprintln(q.w, "   (values were normalised before sending: hashes in lower case, IPv6 in RFC 5952 form)")
	return nil
}

func short(id string) string {
	if len(id) > 12 {
		return id[:12] + "..."
	}
	return id
}

// search walks the network indicators page by page.
func (q *quickstart) search(ctx context.Context) error {
	filter := fql.And(q.mine(), fql.In("type", ioc.TypeDomain, ioc.TypeIPv4, ioc.TypeIPv6))
	q.heading("Search with an FQL filter built with package fql, two per page")
	fmt.Fprintf(q.w, "   filter: %s\n", filter)
	p := q.c.Indicators.Paginator(&ioc.ListOptions{Filter: ioc.Filter{Expr: filter}, Sort: fql.Asc("value"), Limit: 2})
	for page := 1; p.HasMorePages(); page++ {
		inds, resp, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("search page %d: %w", page, err)
		}
		if len(inds) == 0 {
			break
		}
		vals := make([]string, len(inds))
		for i, ind := range inds {
			vals[i] = ind.Value
		}
		fmt.Fprintf(q.w, "   page %d: %-50s [trace %s]\n", page, strings.Join(vals, ", "), setup.TraceID(resp))
	}
	return nil
}

// update escalates one indicator.
func (q *quickstart) update(ctx context.Context) error {
	q.heading("Update one indicator: escalate c2.quickstart.example.com to critical, confirmed")
	ids, resp, err := q.c.Indicators.Search(ctx, &ioc.ListOptions{
		Filter: ioc.Filter{Expr: fql.And(q.mine(), fql.Eq("value", "c2.quickstart.example.com"))},
	})
	if err != nil {
		return fmt.Errorf("find the indicator: %w", err)
	}
	if len(ids) != 1 {
		return fmt.Errorf("found %d indicators for c2.quickstart.example.com, want 1", len(ids))
	}
	fmt.Fprintf(q.w, "   id %s  [trace %s]\n", short(ids[0]), setup.TraceID(resp))
	res, err := q.c.Indicators.Update(ctx, []ioc.IndicatorUpdate{{
		ID:          ids[0],
		Severity:    ioc.Set(ioc.SeverityCritical),
		Description: ioc.Set("command and control: confirmed by IR"),
		Tags:        ioc.Set([]string{"quickstart", "escalated"}),
	}}, &ioc.WriteOptions{Comment: "falcon quickstart: escalate"})
	if err != nil {
		return fmt.Errorf("update: %w", err)
	}
	if it := res.Items[0]; it.Indicator != nil {
		ind := it.Indicator
		fmt.Fprintf(q.w, "   now: action %s, severity %s, tags %s, modified %s  [trace %s]\n",
			ind.Action, ind.Severity, strings.Join(ind.Tags, ","), ind.ModifiedOn.UTC().Format(time.RFC3339), orDash(it.TraceID))
	}
	return nil
}

// aggregate charts every indicator of the tenant by type and by severity.
func (q *quickstart) aggregate(ctx context.Context) error {
	q.heading("Aggregate all the tenant's indicators by type and by severity")
	for _, field := range []string{"type", "severity"} {
		res, resp, err := q.c.Indicators.Aggregate(ctx, ioc.AggregateRequest{
			Name: "by_" + field, Type: ioc.AggTerms, Field: field, Size: 10,
		}, nil)
		if err != nil {
			return fmt.Errorf("aggregate by %s: %w", field, err)
		}
		fmt.Fprintf(q.w, "   by %s  [trace %s]\n", field, setup.TraceID(resp))
		bars := make([]bar, 0, len(res.Buckets))
		for _, b := range res.Buckets {
			bars = append(bars, bar{Label: b.Key(), Count: b.Count})
		}
		if field == "severity" {
			slices.SortStableFunc(bars, func(a, b bar) int { return severityRank(a.Label) - severityRank(b.Label) })
		}
		printChart(q.w, "     ", bars)
	}
	return nil
}

// severityRank orders severities from the most severe down, unknown ones
// last.
func severityRank(s string) int {
	order := []ioc.Severity{ioc.SeverityCritical, ioc.SeverityHigh, ioc.SeverityMedium, ioc.SeverityLow, ioc.SeverityInformational}
	if i := slices.Index(order, ioc.Severity(strings.ToLower(s))); i >= 0 {
		return i
	}
	return len(order)
}

// defaultLookup chooses the IOC to look up: on the emulator the seeded IOC
// seen on the most hosts, on a tenant the EICAR hash (hosts that downloaded
// the test file).
func defaultLookup(env *setup.Env) ioc.Ref {
	if env.Emulator != nil {
		hosts := map[ioc.Ref]int{}
		var best ioc.Ref
		for _, sg := range env.Emulator.Sightings() { // ordered by type, value, device
			r := ioc.Ref{Type: ioc.Type(sg.Type), Value: sg.Value}
			hosts[r]++
			if hosts[r] > hosts[best] {
				best = r
			}
		}
		if best.Value != "" {
			return best
		}
	}
	return ioc.Ref{Type: ioc.TypeSHA256, Value: eicarSHA256}
}

// lookup prints the hosts and processes that observed ref.
func (q *quickstart) lookup(ctx context.Context, ref ioc.Ref) error {
	q.heading("Look up the hosts and processes that observed %s", ref)
	count, resp, err := q.c.Devices.Count(ctx, ref)
	if err != nil {
		return fmt.Errorf("device count: %w", err)
	}
	fmt.Fprintf(q.w, "   seen on %d host(s)  [trace %s]\n", count.Count, setup.TraceID(resp))
	if count.Count == 0 {
		return nil
	}
	// The first page of hosts is enough here; the lookup example pages
	// through them all (Devices.AllRanOn).
	const maxHosts = 3
	devs, resp, err := q.c.Devices.RanOn(ctx, ref, &ioc.RanOnOptions{Limit: maxHosts})
	if err != nil {
		return fmt.Errorf("hosts: %w", err)
	}
	fmt.Fprintf(q.w, "   first %d host(s)  [trace %s]\n", len(devs), setup.TraceID(resp))
	for _, dev := range devs {
		pids, resp, err := q.c.Processes.RanOn(ctx, ref, dev, nil)
		if err != nil {
			return fmt.Errorf("processes: %w", err)
		}
		var names []string
		if len(pids) > 0 {
			var procs *ioc.GetResult[*ioc.Process]
			procs, resp, err = q.c.Processes.Get(ctx, pids...)
			if err != nil {
				return fmt.Errorf("process details: %w", err)
			}
			for _, p := range procs.Found {
				names = append(names, p.FileName+" (pid "+p.LocalID+")")
			}
		}
		fmt.Fprintf(q.w, "   host %s: %s  [trace %s]\n", dev, orNone(strings.Join(names, ", ")), setup.TraceID(resp))
	}
	if more := count.Count - len(devs); more > 0 {
		fmt.Fprintf(q.w, "   ... and %d more (go run ./lookup %s lists them all)\n", more, ref)
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "no process recorded"
	}
	return s
}

// report starts a report job over the quickstart's indicators.
func (q *quickstart) report(ctx context.Context) error {
	q.heading("Start a CSV report job for the filter %s", q.mine())
	job, resp, err := q.c.Reports.Create(ctx, ioc.ReportRequest{Format: "csv", Filter: ioc.Filter{Expr: q.mine()}, Sort: fql.Asc("type")})
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	fmt.Fprintf(q.w, "   job %s started  [trace %s]\n", orDash(job.ID), setup.TraceID(resp))
	fmt.Fprintln(q.w, "   (the API only starts the job; the report is delivered in the Falcon console)")
	return nil
}

// deleteCreated deletes what create created and checks nothing is left.
func (q *quickstart) deleteCreated(ctx context.Context) error {
	q.heading("Delete the %d indicators created", len(q.created))
	res, err := q.c.Indicators.Delete(ctx, q.created, &ioc.DeleteOptions{Comment: "falcon quickstart: done"})
	if err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	fmt.Fprintf(q.w, "   deleted %d, not found %d, failed %d  [trace %s]\n", len(res.Deleted), len(res.NotFound), len(res.Failed), traces(res.TraceIDs))
	for _, f := range res.Failed {
		fmt.Fprintf(q.w, "   FAILED: %s %s\n", f.ID, setup.Failure(f))
	}
	ids, resp, err := q.c.Indicators.Search(ctx, &ioc.ListOptions{Filter: ioc.Filter{Expr: q.mine()}})
	if err != nil {
		return fmt.Errorf("check: %w", err)
	}
	fmt.Fprintf(q.w, "   %d indicators left with source %q  [trace %s]\n", len(ids), q.source, setup.TraceID(resp))
	if len(ids) > 0 || len(res.Failed) > 0 {
		return fmt.Errorf("%d indicators could not be deleted", len(ids))
	}
	q.created = nil
	return nil
}
