package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/falconioc/falcon/examples/internal/convert"
	"github.com/falconioc/falcon/examples/internal/setup"
	"github.com/falconioc/falcon/ioc"
)

const usage = "import [flags] feed-file..."

const description = `
Import reads IOC feeds (CSV, STIX 2.1 bundles, plain lists; see -format) and
creates the indicators in Falcon, in batches, with a progress bar on a terminal.

Values are refanged ("evil[.]com", "hxxps://"), checked and normalised; the same
type and value twice, in one feed or across feeds, is imported once. The feed's
own action, severity and platforms are used where it has them, the flags fill in
the rest (-override makes the flags win).

Values of a kind Falcon has no type for (SHA-1 and SHA-512 hashes, URLs without
-url-hosts, CIDR ranges, e-mail addresses, file names, types such as mutex) are
listed as SKIP with their file and line or STIX object id and the reason, and
never stop the import (so are STIX indicators their producer revoked): a cell packing "<md5>,<sha1>,<sha256>" imports the md5
and the sha256 and skips the sha1.

Bad input (a malformed CSV row, an unsupported STIX pattern, an invalid hash, an
action the tenant does not offer) is listed as INVALID with its file and line or
STIX object id. By default any bad item refuses the whole import and nothing is
sent; with -skip-invalid the bad items are reported and skipped and the rest
imported.

After the import, every item that was not created is listed with the reason.
Indicators that already exist are left unchanged and reported as such (use the
sync example to update them). -dry-run also lists as WARNING the values the API
refuses with a warning (private and reserved addresses), which -ignore-warnings
creates anyway.

With -json, standard output holds only the report, one JSON object per input
row: {"file","line" (or "object" for STIX),"type","value","outcome","reason",
"note","id"}, outcome being create, unchanged, skip (a kind Falcon has no type
for, a duplicate), reject (bad input) or fail, then a last
{"summary":{"dry_run","rows","outcomes":{...},"types":{type:{outcome:n}}}}.
The text report goes to standard error.

Flags may come before or after the files.

Exit status: 0 when every item was imported or already existed (or, with
-skip-invalid, was skipped), or for a dry run; 1 when an item failed, bad input
refused the import, or the feed could not be read; 2 for a bad command line.`

func main() { setup.Main(run) }

// options are import's command line.
type options struct {
	Files          []string
	Feed           convert.FeedFlags
	DryRun         bool
	SkipInvalid    bool
	Comment        string
	IgnoreWarnings bool
	BatchSize      int
	Verbose        bool
	JSON           bool
	Defaults       *convert.Defaults
}

func parseArgs(args []string, stderr io.Writer) (*options, error) {
	o := &options{Defaults: convert.NewDefaults()}
	fs := setup.NewFlagSet("import", usage, description, stderr)
	o.Feed.Register(fs)
	fs.BoolVar(&o.DryRun, "dry-run", false, "read, check and report what would be created, without writing")
	fs.BoolVar(&o.SkipInvalid, "skip-invalid", false, "skip bad items (reported) instead of refusing the whole import")
	fs.StringVar(&o.Comment, "comment", "imported by the falcon import example", "comment recorded in Falcon's audit trail")
	fs.BoolVar(&o.IgnoreWarnings, "ignore-warnings", false, "create items the API warns about (such as private IP addresses)")
	fs.IntVar(&o.BatchSize, "batch", ioc.DefaultBatchSize, fmt.Sprintf("indicators per create request (1 to %d)", ioc.MaxBatchSize))
	fs.BoolVar(&o.Verbose, "v", false, "list every item in the report, created ones included")
	fs.BoolVar(&o.JSON, "json", false, "print one JSON object per input row and a summary on stdout (the text report goes to stderr)")
	o.Defaults.Register(fs, "source for entries without one (such as the feed's name)")
	if err := setup.Parse(fs, args); err != nil {
		return nil, err
	}
	o.Files = fs.Args()
	if len(o.Files) == 0 {
		return nil, setup.Usagef("import", "name at least one feed file")
	}
	if err := o.Feed.Check(); err != nil {
		return nil, setup.Usagef("import", "%v", err)
	}
	if o.BatchSize < 1 || o.BatchSize > ioc.MaxBatchSize {
		return nil, setup.Usagef("import", "-batch %d: want 1 to %d", o.BatchSize, ioc.MaxBatchSize)
	}
	if err := o.Defaults.Check(); err != nil {
		return nil, setup.Usagef("import", "%v", err)
	}
	return o, nil
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	o, err := parseArgs(args, stderr)
	if err != nil {
		return err
	}
	in, err := convert.Load(o.Files, o.Feed, o.Defaults, false)
	if err != nil {
		return err
	}
	// With -json, stdout holds only the report.
	rep := convert.NewReport(stdout, o.JSON)
	w := stdout
	if o.JSON {
		w = stderr
	}
	fmt.Fprintln(w, in.Summary())
	in.PrintNotes(w)

	env, err := setup.Connect(ctx, setup.Config{Getenv: getenv, Stderr: stderr, Program: "import"})
	if err != nil {
		return err
	}
	defer env.Close()

	// The tenant's catalogs say which actions, platforms and severities it
	// takes, for which types: check before sending anything.
	cat, err := env.IOC.Catalog(ctx)
	if err != nil {
		return fmt.Errorf("loading the tenant's catalogs: %w", err)
	}
	in.CheckCatalog(cat)

	if len(in.Invalid)+len(in.Skipped) > 0 {
		in.PrintSetAside(w)
	}
	// Values of a kind Falcon does not take are skipped, never refused:
	// only bad input stops the import.
	if len(in.Invalid) > 0 && !o.SkipInvalid {
		return refuse(in, w, rep, o.DryRun)
	}
	if o.DryRun {
		return dryRun(ctx, env.IOC, in, o, w, rep)
	}
	if len(in.Items) == 0 {
		fmt.Fprintln(w, "Nothing to import.")
		in.ReportSetAside(rep)
		return rep.Close(false)
	}
	return create(ctx, env.IOC, in, o, w, stderr, rep)
}

// refuse says that bad input stops the import.
func refuse(in *convert.Batch, w io.Writer, rep *convert.Report, dryRun bool) error {
	fmt.Fprintf(w, "Refusing to import: %d bad item(s), nothing was sent. Fix them, or pass -skip-invalid to import the rest.\n", len(in.Invalid))
	in.ReportSetAside(rep)
	for i := range in.Items {
		rep.Add(in.ItemRow(i, convert.OutcomeSkip, "not sent: bad input refused the import (-skip-invalid imports the rest)", ""))
	}
	if err := rep.Close(dryRun); err != nil {
		return err
	}
	return fmt.Errorf("bad input: %w", setup.ErrReported)
}

// dryRun reports which items exist already, which would be created and
// which the API would refuse with a warning.
func dryRun(ctx context.Context, c *ioc.Client, in *convert.Batch, o *options, w io.Writer, rep *convert.Report) error {
	existing, err := convert.Existing(ctx, c, in.Items)
	if err != nil {
		return fmt.Errorf("looking up existing indicators: %w", err)
	}
	in.ReportSetAside(rep)
	var n, exist, warned int
	for i, it := range in.Items {
		verb, outcome, reason, id := "CREATE", convert.OutcomeCreate, "", ""
		if cur := existing[convert.Key(it.Type, it.Value)]; cur != nil {
			verb, outcome, reason, id = "EXISTS", convert.OutcomeUnchanged, "already in Falcon, left unchanged", cur.ID
			exist++
		} else if wn := convert.WarningOf(it); wn != "" && !o.IgnoreWarnings {
			verb, outcome, reason = "WARNING", convert.OutcomeFail, wn+" (-ignore-warnings creates it anyway)"
			warned++
		} else {
			n++
		}
		if verb == "WARNING" {
			fmt.Fprintf(w, "  %s  %s %s:%s: %s\n", verb, in.Origin(i), it.Type, it.Value, reason)
		} else {
			fmt.Fprintf(w, "  %s   %s %s:%s (%s, %s)\n", verb, in.Origin(i), it.Type, it.Value, it.Action, orNone(string(it.Severity)))
		}
		rep.Add(in.ItemRow(i, outcome, reason, id))
	}
	fmt.Fprintf(w, "Dry run: would create %d indicator(s); %d exist already; %d refused with a warning; %d skipped (no Falcon type); %d bad item(s) skipped. Nothing was sent.\n",
		n, exist, warned, len(in.Skipped), len(in.Invalid))
	return rep.Close(true)
}

// create sends the items and reports on each.
func create(ctx context.Context, c *ioc.Client, in *convert.Batch, o *options, w, stderr io.Writer, rep *convert.Report) error {
	bar := setup.NewProgress(stderr, int64(len(in.Items)), "importing")
	res, err := c.Indicators.Create(ctx, in.Items, &ioc.WriteOptions{
		Comment:        o.Comment,
		IgnoreWarnings: o.IgnoreWarnings,
		SkipInvalid:    o.SkipInvalid,
		BatchSize:      o.BatchSize,
		Progress:       func(done, _ int) { bar.Set(int64(done)) },
	})
	bar.Done()
	if res == nil && in.Reject(err) {
		// The SDK's own checks refused items the checks above let
		// through; it sent nothing.
		in.PrintSetAside(w)
		return refuse(in, w, rep, false)
	}
	if res == nil {
		return fmt.Errorf("create: %w", err)
	}
	in.ReportSetAside(rep)
	r := report(res, in, o.Verbose, w, rep)
	if err := rep.Close(false); err != nil {
		return err
	}
	if r.failed > 0 {
		return fmt.Errorf("%d of %d item(s) failed: %w", r.failed, len(in.Items), setup.ErrReported)
	}
	return nil
}

// counts sums up an import.
type counts struct {
	created, exists, skipped, failed int
}

// report prints every item that was not created (every item, with verbose)
// and the totals.
func report(res *ioc.WriteResult, in *convert.Batch, verbose bool, w io.Writer, rep *convert.Report) counts {
	var n counts
	n.skipped = len(in.Invalid)
	for _, it := range res.Items {
		origin := in.Origin(it.Index)
		ref := it.Ref.String()
		switch {
		case it.OK():
			n.created++
			rep.Add(in.ItemRow(it.Index, convert.OutcomeCreate, "", it.ID))
			if verbose {
				fmt.Fprintf(w, "  CREATED  %s %s (id %s) [trace %s]\n", origin, ref, it.ID, orDash(it.TraceID))
			}
			for _, wn := range it.Warnings {
				fmt.Fprintf(w, "  WARNING  %s %s: %s: %s (created anyway)\n", origin, ref, wn.Field, wn.Message)
			}
		case errors.Is(it.Err, ioc.ErrDuplicate):
			n.exists++
			rep.Add(in.ItemRow(it.Index, convert.OutcomeUnchanged, "already in Falcon, left unchanged", ""))
			fmt.Fprintf(w, "  EXISTS   %s %s: already in Falcon, left unchanged\n", origin, ref)
		case errors.Is(it.Err, ioc.ErrInvalid):
			n.skipped++
			rep.Add(in.ItemRow(it.Index, convert.OutcomeReject, setup.Failure(it.Err), ""))
			fmt.Fprintf(w, "  INVALID  %s %s: %s (skipped)\n", origin, ref, setup.Failure(it.Err))
		case errors.Is(it.Err, ioc.ErrWarning):
			n.failed++
			rep.Add(in.ItemRow(it.Index, convert.OutcomeFail, setup.Failure(it.Err)+" (-ignore-warnings creates it anyway)", ""))
			fmt.Fprintf(w, "  FAILED   %s %s: %s (-ignore-warnings creates it anyway)\n", origin, ref, setup.Failure(it.Err))
		default:
			n.failed++
			rep.Add(in.ItemRow(it.Index, convert.OutcomeFail, setup.Failure(it.Err), ""))
			fmt.Fprintf(w, "  FAILED   %s %s: %s\n", origin, ref, setup.Failure(it.Err))
		}
	}
	fmt.Fprintf(w, "Imported %d: %d created, %d already existed, %d failed, %d bad item(s) skipped, %d skipped (no Falcon type), %d duplicate(s) dropped.\n",
		len(res.Items), n.created, n.exists, n.failed, n.skipped, len(in.Skipped), in.Duplicates)
	return n
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func orNone(s string) string {
	if s == "" {
		return "no severity"
	}
	return s
}
