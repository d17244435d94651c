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

Bad input (a malformed CSV row, an unsupported STIX pattern, an invalid hash, an
action the tenant does not offer) is reported with its file and line or STIX
object id. By default any bad item refuses the whole import and nothing is sent;
with -skip-invalid the bad items are reported and skipped and the rest imported.

After the import, every item that was not created is listed with the reason.
Indicators that already exist are left unchanged and reported as such (use the
sync example to update them). The exit status is 1 when any item failed, or when
bad input refused the import.`

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
	fmt.Fprintln(stdout, in.Summary())

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

	if len(in.Invalid) > 0 {
		in.PrintInvalid(stdout)
		if !o.SkipInvalid {
			return refuse(in, stdout)
		}
	}
	if o.DryRun {
		return dryRun(ctx, env.IOC, in, stdout)
	}
	if len(in.Items) == 0 {
		fmt.Fprintln(stdout, "Nothing to import.")
		return nil
	}
	return create(ctx, env.IOC, in, o, stdout, stderr)
}

// refuse says that bad input stops the import.
func refuse(in *convert.Batch, w io.Writer) error {
	fmt.Fprintf(w, "Refusing to import: %d bad item(s), nothing was sent. Fix them, or pass -skip-invalid to import the rest.\n", len(in.Invalid))
	return fmt.Errorf("bad input: %w", setup.ErrReported)
}

// dryRun reports which items exist already and which would be created.
func dryRun(ctx context.Context, c *ioc.Client, in *convert.Batch, w io.Writer) error {
	existing, err := convert.Existing(ctx, c, in.Items)
	if err != nil {
		return fmt.Errorf("looking up existing indicators: %w", err)
	}
	n := 0
	for i, it := range in.Items {
		verb := "CREATE"
		if existing[convert.Key(it.Type, it.Value)] != nil {
			verb = "EXISTS"
		} else {
			n++
		}
		fmt.Fprintf(w, "  %s   %s %s:%s (%s, %s)\n", verb, in.Origin(i), it.Type, it.Value, it.Action, orNone(string(it.Severity)))
	}
	fmt.Fprintf(w, "Dry run: would create %d indicator(s); %d exist already; %d bad item(s) skipped. Nothing was sent.\n",
		n, len(in.Items)-n, len(in.Invalid))
	return nil
}

// create sends the items and reports on each.
func create(ctx context.Context, c *ioc.Client, in *convert.Batch, o *options, stdout, stderr io.Writer) error {
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
		in.PrintInvalid(stdout)
		return refuse(in, stdout)
	}
	if res == nil {
		return fmt.Errorf("create: %w", err)
	}
	r := report(res, in, o.Verbose, stdout)
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
func report(res *ioc.WriteResult, in *convert.Batch, verbose bool, w io.Writer) counts {
	var n counts
	n.skipped = len(in.Invalid)
	for _, it := range res.Items {
		origin := in.Origin(it.Index)
		ref := it.Ref.String()
		switch {
		case it.OK():
			n.created++
			if verbose {
				fmt.Fprintf(w, "  CREATED  %s %s (id %s) [trace %s]\n", origin, ref, it.ID, orDash(it.TraceID))
			}
			for _, wn := range it.Warnings {
				fmt.Fprintf(w, "  WARNING  %s %s: %s: %s (created anyway)\n", origin, ref, wn.Field, wn.Message)
			}
		case errors.Is(it.Err, ioc.ErrDuplicate):
			n.exists++
			fmt.Fprintf(w, "  EXISTS   %s %s: already in Falcon, left unchanged\n", origin, ref)
		case errors.Is(it.Err, ioc.ErrInvalid):
			n.skipped++
			fmt.Fprintf(w, "  INVALID  %s %s: %s (skipped)\n", origin, ref, setup.Failure(it.Err))
		case errors.Is(it.Err, ioc.ErrWarning):
			n.failed++
			fmt.Fprintf(w, "  FAILED   %s %s: %s (-ignore-warnings creates it anyway)\n", origin, ref, setup.Failure(it.Err))
		default:
			n.failed++
			fmt.Fprintf(w, "  FAILED   %s %s: %s\n", origin, ref, setup.Failure(it.Err))
		}
	}
	fmt.Fprintf(w, "Imported %d: %d created, %d already existed, %d failed, %d bad item(s) skipped, %d duplicate(s) dropped.\n",
		len(res.Items), n.created, n.exists, n.failed, n.skipped, in.Duplicates)
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
