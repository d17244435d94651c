package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/falconioc/falcon/examples/internal/convert"
	"github.com/falconioc/falcon/examples/internal/setup"
	"github.com/falconioc/falcon/fql"
	"github.com/falconioc/falcon/ioc"
)

const usage = "sync -source name [flags] desired-list-file..."

const description = `
Sync makes Falcon's custom IOCs whose source is -source match the desired list in
the given files (CSV, STIX 2.1 bundles or plain lists, as import reads them):

  + indicators in the list and not in Falcon are created (with source -source);
  ~ indicators in both whose action, severity, description, platforms, tags,
    host groups, applied_globally or expiration differ are updated: the list is
    the whole truth, so a field the list leaves empty is cleared;
  - indicators of the source that are not in the list are deleted.

Without -apply, sync only prints the plan. Indicators of other sources are never
touched: a listed value that exists under another source is reported as a
conflict and left alone, as are indicators inherited from a parent CID. After a
successful -apply, running sync again plans nothing.

Values of a kind Falcon has no type for (SHA-1, SHA-512, URLs without -url-hosts,
CIDR ranges, ...) are listed as SKIP and never refuse a sync. An indicator of the
source that such a value still names is left as it is, not deleted: the domain or
address of a URL's host, an address inside a listed CIDR range.

Bad input is listed as INVALID with its file and line or STIX object id. By
default it refuses the whole sync, because a value missing from the list would be
deleted; -skip-invalid syncs the rest. A list that would delete every indicator of the
source and create nothing is refused unless -allow-delete-all is given. The plan
line counts the conflicts; when some were left alone, sync does not say that
Falcon matches the list.

With -json, standard output holds only the report, one JSON object per input
row: {"file","line" (or "object" for STIX),"type","value","outcome","reason",
"note","id"}, outcome being create, update, unchanged, skip (a value Falcon has
no type for, a duplicate, a conflict), reject or fail; then one object with
outcome "delete" per indicator of the source to delete (no file), and a last
{"summary":{"dry_run","rows","outcomes":{...},"types":{type:{outcome:n}}}}
("dry_run" is true without -apply). The text goes to standard error.

Sync reads the indicators of the source with -parallel partitions of the
listing fetched at once (4 by default; 1 fetches page by page).

Flags may come before or after the files.

Exit status: 0 when the plan was printed, or applied in full; 1 when a change
failed, bad input or a delete-everything plan was refused, or the list could not
be read; 2 for a bad command line.`

func main() { setup.Main(run) }

// options are sync's command line.
type options struct {
	Files          []string
	Feed           convert.FeedFlags
	Defaults       *convert.Defaults
	Apply          bool
	SkipInvalid    bool
	AllowDeleteAll bool
	IgnoreWarnings bool
	Comment        string
	JSON           bool
	Parallel       int
}

func parseArgs(args []string, stderr io.Writer) (*options, error) {
	o := &options{Defaults: convert.NewDefaults()}
	fs := setup.NewFlagSet("sync", usage, description, stderr)
	o.Feed.Register(fs)
	o.Defaults.Register(fs, "the source tag sync owns: only indicators with this source are changed or deleted (required)")
	fs.BoolVar(&o.Apply, "apply", false, "apply the plan (default: only print it)")
	fs.BoolVar(&o.SkipInvalid, "skip-invalid", false, "skip bad items (reported) instead of refusing the whole sync")
	fs.BoolVar(&o.AllowDeleteAll, "allow-delete-all", false, "allow a plan that deletes every indicator of the source and creates nothing")
	fs.BoolVar(&o.IgnoreWarnings, "ignore-warnings", false, "create and update items the API warns about (such as private IP addresses)")
	fs.StringVar(&o.Comment, "comment", "synced by the falcon sync example", "comment recorded in Falcon's audit trail")
	fs.BoolVar(&o.JSON, "json", false, "print one JSON object per input row and a summary on stdout (the text goes to stderr)")
	fs.IntVar(&o.Parallel, "parallel", 4, fmt.Sprintf("partitions of the source's indicators read at once, 1 to %d (1: page by page)", ioc.MaxParallel))
	if err := setup.Parse(fs, args); err != nil {
		return nil, err
	}
	o.Files = fs.Args()
	if o.Defaults.Source == "" {
		return nil, setup.Usagef("sync", "-source is required: it names the indicators sync owns")
	}
	if len(o.Files) == 0 {
		return nil, setup.Usagef("sync", "name at least one file with the desired list")
	}
	if o.Parallel < 1 || o.Parallel > ioc.MaxParallel {
		return nil, setup.Usagef("sync", "-parallel %d: want 1 to %d", o.Parallel, ioc.MaxParallel)
	}
	if err := o.Feed.Check(); err != nil {
		return nil, setup.Usagef("sync", "%v", err)
	}
	if err := o.Defaults.Check(); err != nil {
		return nil, setup.Usagef("sync", "%v", err)
	}
	return o, nil
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	o, err := parseArgs(args, stderr)
	if err != nil {
		return err
	}
	source := o.Defaults.Source
	want, err := convert.Load(o.Files, o.Feed, o.Defaults, true)
	if err != nil {
		return err
	}
	// With -json, stdout holds only the report.
	rep := convert.NewReport(stdout, o.JSON)
	w := stdout
	if o.JSON {
		w = stderr
	}
	fmt.Fprintln(w, want.Summary())
	want.PrintNotes(w)

	env, err := setup.Connect(ctx, setup.Config{Getenv: getenv, Stderr: stderr, Program: "sync"})
	if err != nil {
		return err
	}
	defer env.Close()
	c := env.IOC

	cat, err := c.Catalog(ctx)
	if err != nil {
		return fmt.Errorf("loading the tenant's catalogs: %w", err)
	}
	want.CheckCatalog(cat)
	if len(want.Invalid)+len(want.Skipped) > 0 {
		want.PrintSetAside(w)
	}
	// Values of a kind Falcon does not take are skipped, never refused:
	// the indicators they cover are held below.
	if len(want.Invalid) > 0 {
		if !o.SkipInvalid {
			fmt.Fprintf(w, "Refusing to sync: %d bad item(s), nothing was changed. "+
				"Fix them, or pass -skip-invalid to sync the rest (indicators whose row is bad are then left as they are).\n", len(want.Invalid))
			want.ReportSetAside(rep)
			for i := range want.Items {
				rep.Add(want.ItemRow(i, convert.OutcomeSkip, "not synced: bad input refused the sync (-skip-invalid syncs the rest)", ""))
			}
			if err := rep.Close(!o.Apply); err != nil {
				return err
			}
			return fmt.Errorf("bad input: %w", setup.ErrReported)
		}
	}

	current, err := owned(ctx, c, source, o.Parallel)
	if err != nil {
		return fmt.Errorf("listing the indicators of source %q: %w", source, err)
	}
	p := makePlan(want.Items, current, holdsOf(want))
	if err := p.findConflicts(ctx, c); err != nil {
		return fmt.Errorf("looking for conflicts: %w", err)
	}
	p.print(w, source)

	if p.empty() {
		if n := p.leftAlone(); n > 0 {
			fmt.Fprintf(w, "Nothing to change, but Falcon does not match the list: %d indicator(s) left alone (see \"!\" above).\n", n)
		} else {
			fmt.Fprintln(w, "Nothing to do: Falcon matches the list.")
		}
		return reportPlan(rep, want, p, nil, !o.Apply)
	}
	if len(p.Create) == 0 && len(p.Update) == 0 && p.Unchanged == 0 && len(p.Held) == 0 && len(p.Delete) > 0 && !o.AllowDeleteAll {
		fmt.Fprintf(w, "Refusing to delete all %d indicators of source %q: the list holds none of them. "+
			"Pass -allow-delete-all if that is what you mean.\n", len(p.Delete), source)
		if err := reportPlan(rep, want, p, nil, true); err != nil {
			return err
		}
		return fmt.Errorf("would delete everything: %w", setup.ErrReported)
	}
	if !o.Apply {
		fmt.Fprintln(w, "This was a plan only: pass -apply to make these changes.")
		return reportPlan(rep, want, p, nil, true)
	}
	res := apply(ctx, c, p, o, w, stderr)
	if err := reportPlan(rep, want, p, res, false); err != nil {
		return err
	}
	if n := len(res.failures); n > 0 {
		return fmt.Errorf("%d change(s) failed: %w", n, setup.ErrReported)
	}
	return nil
}

// reportPlan writes the -json report of a plan, or of its application when
// res is not nil.
func reportPlan(rep *convert.Report, want *convert.Batch, p *plan, res *applied, dryRun bool) error {
	if rep == nil {
		return nil
	}
	want.ReportSetAside(rep)
	type fate struct{ outcome, reason, id string }
	fates := map[string]fate{}
	for _, n := range p.Create {
		fates[convert.Key(n.Type, n.Value)] = fate{outcome: convert.OutcomeCreate}
	}
	for _, u := range p.Update {
		fates[convert.Key(u.Current.Type, u.Current.Value)] = fate{convert.OutcomeUpdate, strings.Join(u.Diffs, "; "), u.Current.ID}
	}
	for _, cf := range p.Conflicts {
		fates[convert.Key(cf.Want.Type, cf.Want.Value)] = fate{convert.OutcomeSkip,
			fmt.Sprintf("conflict: exists with source %q, left alone", cf.Owner.Source), cf.Owner.ID}
	}
	for i, it := range want.Items {
		k := convert.Key(it.Type, it.Value)
		f, ok := fates[k]
		if !ok {
			f = fate{outcome: convert.OutcomeUnchanged}
		}
		if res != nil {
			if reason, failed := res.failed[k]; failed {
				f = fate{convert.OutcomeFail, reason, f.id}
			} else if id := res.created[k]; id != "" {
				f.id = id
			}
		}
		rep.Add(want.ItemRow(i, f.outcome, f.reason, f.id))
	}
	for _, d := range p.Delete {
		row := convert.Row{Type: string(d.Type), Value: d.Value, Outcome: "delete", ID: d.ID, Reason: "not in the list"}
		if res != nil {
			if reason, failed := res.failed[convert.Key(d.Type, d.Value)]; failed {
				row.Outcome, row.Reason = convert.OutcomeFail, "delete: "+reason
			}
		}
		rep.Add(row)
	}
	return rep.Close(dryRun)
}

// owned returns every indicator whose source is exactly source, reading
// parallel partitions of the listing at once (in no particular order: the
// plan does not depend on it). The filter selects them on the server; the
// exact comparison guards against a server that matches without regard to
// case.
func owned(ctx context.Context, c *ioc.Client, source string, parallel int) ([]*ioc.Indicator, error) {
	var out []*ioc.Indicator
	opts := &ioc.ListOptions{Filter: ioc.Filter{Expr: fql.Eq("source", source)}, Limit: ioc.MaxLimit, Parallel: parallel}
	for ind, err := range c.Indicators.All(ctx, opts) {
		if err != nil {
			return nil, err
		}
		if ind.Source == source {
			out = append(out, ind)
		}
	}
	// The API's order (creation), so that the plan reads the same each run.
	slices.SortFunc(out, func(a, b *ioc.Indicator) int {
		if c := a.CreatedOn.Compare(b.CreatedOn); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// findConflicts moves the creates whose type and value exist under another
// source to Conflicts: sync does not take over indicators it does not own.
func (p *plan) findConflicts(ctx context.Context, c *ioc.Client) error {
	if len(p.Create) == 0 {
		return nil
	}
	existing, err := convert.Existing(ctx, c, p.Create)
	if err != nil {
		return err
	}
	creates := p.Create[:0]
	for _, n := range p.Create {
		if owner := existing[convert.Key(n.Type, n.Value)]; owner != nil {
			p.Conflicts = append(p.Conflicts, conflict{Want: n, Owner: owner})
			continue
		}
		creates = append(creates, n)
	}
	p.Create = creates
	return nil
}

// applied is what apply did: the failures as printed, the reason of each
// failed indicator by key, and the ids of the indicators created.
type applied struct {
	failures []string
	failed   map[string]string
	created  map[string]string
}

// apply carries out the plan: creates, then updates, then deletes. Each
// item that fails is reported; the rest go ahead, and a later run retries
// what is still different.
func apply(ctx context.Context, c *ioc.Client, p *plan, o *options, stdout, stderr io.Writer) *applied {
	out := &applied{failed: map[string]string{}, created: map[string]string{}}
	total := len(p.Create) + len(p.Update) + len(p.Delete)
	bar := setup.NewProgress(stderr, int64(total), "syncing")
	done := 0
	progress := func(n, _ int) { bar.Set(int64(done + n)) }
	wopts := &ioc.WriteOptions{Comment: o.Comment, IgnoreWarnings: o.IgnoreWarnings, Progress: progress}
	var failures []string
	var created, updated, deleted int
	// The writes send batches and return no single response: keep the
	// trace ids of their answers for the summary.
	var traces []string
	addTraces := func(verb string, ids []string) {
		if len(ids) > 0 {
			traces = append(traces, verb+" "+strings.Join(ids, ", "))
		}
	}

	if len(p.Create) > 0 {
		res, err := c.Indicators.Create(ctx, p.Create, wopts)
		if res != nil {
			addTraces("create", res.TraceIDs)
		}
		created, failures = collect(res, err, "create", failures, out.failed)
		if res != nil {
			for _, it := range res.Items {
				if it.OK() {
					out.created[convert.Key(it.Ref.Type, it.Ref.Value)] = it.ID
				}
			}
		} else if err != nil {
			for _, n := range p.Create {
				out.failed[convert.Key(n.Type, n.Value)] = err.Error()
			}
		}
		done += len(p.Create)
	}
	if len(p.Update) > 0 {
		ups := make([]ioc.IndicatorUpdate, len(p.Update))
		for i, u := range p.Update {
			ups[i] = u.Update
		}
		res, err := c.Indicators.Update(ctx, ups, wopts)
		if res != nil {
			// Updates are reported by the API's answer; name them by the
			// plan's indicator when the answer does not.
			for i := range res.Items {
				if it := &res.Items[i]; it.Ref.Value == "" && it.Index >= 0 && it.Index < len(p.Update) {
					it.Ref = p.Update[it.Index].Current.Ref()
				}
			}
			addTraces("update", res.TraceIDs)
		}
		updated, failures = collect(res, err, "update", failures, out.failed)
		done += len(p.Update)
		bar.Set(int64(done))
	}
	if len(p.Delete) > 0 {
		ids := make([]string, len(p.Delete))
		byID := make(map[string]*ioc.Indicator, len(p.Delete))
		for i, d := range p.Delete {
			ids[i] = d.ID
			byID[d.ID] = d
		}
		res, err := c.Indicators.Delete(ctx, ids, &ioc.DeleteOptions{Comment: o.Comment})
		if res != nil {
			addTraces("delete", res.TraceIDs)
			// Already gone counts as deleted: the goal is reached.
			deleted = len(res.Deleted) + len(res.NotFound)
			for _, f := range res.Failed {
				name := f.ID
				if d := byID[f.ID]; d != nil {
					name = d.Ref().String()
					out.failed[convert.Key(d.Type, d.Value)] = setup.Failure(f)
				}
				failures = append(failures, fmt.Sprintf("delete %s: %s", name, setup.Failure(f)))
			}
		}
		if err != nil {
			failures = append(failures, fmt.Sprintf("delete: %v", err))
		} else if res != nil && deleted+len(res.Failed) < len(ids) {
			failures = append(failures, fmt.Sprintf("delete: %d indicator(s) unaccounted for", len(ids)-deleted-len(res.Failed)))
		}
		done += len(p.Delete)
		bar.Set(int64(done))
	}
	bar.Done()
	for _, f := range failures {
		fmt.Fprintf(stdout, "  FAILED   %s\n", f)
	}
	fmt.Fprintf(stdout, "Applied: %d created, %d updated, %d deleted, %d failed.\n", created, updated, deleted, len(failures))
	if len(traces) > 0 {
		fmt.Fprintf(stdout, "Trace ids: %s.\n", strings.Join(traces, "; "))
	}
	out.failures = failures
	return out
}

// collect counts the items written, appends a line per failure and records
// the reason of each failed item by key in failed.
func collect(res *ioc.WriteResult, err error, verb string, failures []string, failed map[string]string) (int, []string) {
	if res == nil {
		if err != nil {
			failures = append(failures, fmt.Sprintf("%s: %v", verb, err))
		}
		return 0, failures
	}
	for _, it := range res.Failed() {
		failures = append(failures, fmt.Sprintf("%s %s: %s", verb, it.Ref, setup.Failure(it.Err)))
		failed[convert.Key(it.Ref.Type, it.Ref.Value)] = setup.Failure(it.Err)
	}
	if err != nil && !errors.As(err, new(*ioc.WriteError)) {
		failures = append(failures, fmt.Sprintf("%s: %v", verb, err))
	}
	return res.Succeeded(), failures
}
