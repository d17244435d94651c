// Command import creates Falcon custom IOCs from feeds: CSV files, STIX 2.1
// bundles and plain lists, mixed freely.
//
//	go run ./import -source my-intel -severity high testdata/iocs.csv testdata/indicators.stix.json
//
// Values are refanged, checked and normalised, and duplicates dropped (within
// a feed and across feeds). Rows that cannot be used are reported with their
// file and line (or STIX object id); unless -skip-invalid is given, any such
// row refuses the whole import and nothing is sent. -dry-run reads, checks
// against the tenant's catalogs and reports what exists already, without
// writing. Every item that fails is reported with why, and the exit status is
// 1 when any did.
package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/falconioc/falcon"
	"github.com/falconioc/falcon/examples/internal/convert"
	"github.com/falconioc/falcon/examples/internal/feed"
	"github.com/falconioc/falcon/examples/internal/setup"
	"github.com/falconioc/falcon/fql"
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
	Format         string
	DryRun         bool
	SkipInvalid    bool
	URLHosts       bool
	ValueColumn    string
	TypeColumn     string
	Comment        string
	IgnoreWarnings bool
	BatchSize      int
	Verbose        bool
	Defaults       *convert.Defaults
}

func parseArgs(args []string, stderr io.Writer) (*options, error) {
	o := &options{Defaults: convert.NewDefaults()}
	fs := setup.NewFlagSet("import", usage, description, stderr)
	fs.StringVar(&o.Format, "format", "auto", "feed format: auto, csv, stix or list")
	fs.BoolVar(&o.DryRun, "dry-run", false, "read, check and report what would be created, without writing")
	fs.BoolVar(&o.SkipInvalid, "skip-invalid", false, "skip bad items (reported) instead of refusing the whole import")
	fs.BoolVar(&o.URLHosts, "url-hosts", false, "import the host of each URL as a domain or IP indicator (blocks the whole host)")
	fs.StringVar(&o.ValueColumn, "value-column", "", "CSV column holding the value (default: detected)")
	fs.StringVar(&o.TypeColumn, "type-column", "", "CSV column holding the type (default: detected, else from the value)")
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
	switch o.Format {
	case "auto", "csv", "stix", "list":
	default:
		return nil, setup.Usagef("import", "-format %q: want auto, csv, stix or list", o.Format)
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
	in, err := readFeeds(o)
	if err != nil {
		return err
	}
	in.printRead(stdout)

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
	in.checkCatalog(cat)

	if len(in.invalid) > 0 {
		in.printInvalid(stdout)
		if !o.SkipInvalid {
			fmt.Fprintf(stdout, "Refusing to import: %d bad item(s), nothing was sent. Fix them, or pass -skip-invalid to import the rest.\n", len(in.invalid))
			return fmt.Errorf("bad input: %w", setup.ErrReported)
		}
	}
	if o.DryRun {
		return dryRun(ctx, env.IOC, in, stdout)
	}
	if len(in.items) == 0 {
		fmt.Fprintln(stdout, "Nothing to import.")
		return nil
	}
	return create(ctx, env.IOC, in, o, stdout, stderr)
}

// input is what the feeds hold, ready to send.
type input struct {
	files      int
	items      []ioc.NewIndicator
	origins    []string // origins[i] is where items[i] was read
	invalid    []invalid
	duplicates int
	// nameFile maps a feed's base name, and originFile a STIX object id,
	// to the feed's position on the command line, to report in feed order.
	nameFile   map[string]int
	originFile map[string]int
}

// invalid is an item that is not sent.
type invalid struct {
	Origin string
	Value  string
	Reason string
}

// readFeeds reads every feed, drops duplicates across them and turns the
// entries into indicators.
func readFeeds(o *options) (*input, error) {
	in := &input{files: len(o.Files), nameFile: map[string]int{}, originFile: map[string]int{}}
	now := time.Now()
	seen := map[string]bool{}
	format := feed.Format(o.Format)
	if o.Format == "auto" {
		format = feed.Auto
	}
	for fi, path := range o.Files {
		if _, ok := in.nameFile[filepath.Base(path)]; !ok {
			in.nameFile[filepath.Base(path)] = fi
		}
		res, err := feed.ReadFile(path, &feed.Options{
			Format: format, Source: o.Defaults.Source, ValueColumn: o.ValueColumn, TypeColumn: o.TypeColumn,
			URLHosts: o.URLHosts,
		})
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", path, err)
		}
		in.duplicates += res.Duplicates
		for _, p := range res.Problems {
			if strings.Contains(p.Origin, "--") {
				in.originFile[p.Origin] = fi
			}
			reason := strings.Replace(p.Reason, "set URLHosts", "pass -url-hosts", 1)
			in.invalid = append(in.invalid, invalid{Origin: p.Origin, Value: p.Value, Reason: reason})
		}
		for _, e := range res.Entries {
			k := e.Type + ":" + e.Value
			if seen[k] {
				in.duplicates++
				continue
			}
			seen[k] = true
			if strings.Contains(e.Origin, "--") {
				in.originFile[e.Origin] = fi
			}
			it := o.Defaults.Indicator(e)
			if why := convert.Problem(it, now); why != "" {
				in.invalid = append(in.invalid, invalid{Origin: e.Origin, Value: e.Value, Reason: why})
				continue
			}
			in.items = append(in.items, it)
			in.origins = append(in.origins, e.Origin)
		}
	}
	return in, nil
}

func (in *input) printRead(w io.Writer) {
	fmt.Fprintf(w, "Read %d feed(s): %d indicator(s), %d bad item(s), %d duplicate(s) dropped.\n",
		in.files, len(in.items), len(in.invalid), in.duplicates)
}

// checkCatalog moves the items the tenant's catalogs refuse to invalid.
func (in *input) checkCatalog(cat *ioc.Catalog) {
	err := cat.Validate(in.items)
	ve, ok := errors.AsType[*falcon.ValidationError](err)
	if !ok {
		return
	}
	bad := in.byIndex(ve)
	in.drop(bad)
}

// byIndex records the problems of ve as invalid items and returns the
// indexes of the items concerned.
func (in *input) byIndex(ve *falcon.ValidationError) map[int]bool {
	bad := map[int]bool{}
	for _, p := range ve.Problems {
		if p.Index < 0 || p.Index >= len(in.items) {
			in.invalid = append(in.invalid, invalid{Origin: "-", Reason: p.String()})
			continue
		}
		bad[p.Index] = true
		it := in.items[p.Index]
		in.invalid = append(in.invalid, invalid{
			Origin: in.origins[p.Index], Value: it.Value, Reason: p.Field + ": " + p.Message,
		})
	}
	return bad
}

// drop removes the items whose indexes are in bad.
func (in *input) drop(bad map[int]bool) {
	if len(bad) == 0 {
		return
	}
	items, origins := in.items[:0], in.origins[:0]
	for i := range in.items {
		if !bad[i] {
			items = append(items, in.items[i])
			origins = append(origins, in.origins[i])
		}
	}
	in.items, in.origins = items, origins
}

// printInvalid lists the bad items in feed order.
func (in *input) printInvalid(w io.Writer) {
	slices.SortStableFunc(in.invalid, func(a, b invalid) int {
		return cmp.Or(cmp.Compare(in.fileOf(a.Origin), in.fileOf(b.Origin)), cmp.Compare(lineOf(a.Origin), lineOf(b.Origin)))
	})
	fmt.Fprintf(w, "Bad input (%d):\n", len(in.invalid))
	for _, p := range in.invalid {
		val := ""
		if p.Value != "" {
			val = fmt.Sprintf(" %q", p.Value)
		}
		fmt.Fprintf(w, "  INVALID  %s%s: %s\n", p.Origin, val, p.Reason)
	}
}

// fileOf returns the position on the command line of the feed an origin
// belongs to: the position of the file whose base name prefixes the origin
// ("iocs.csv:12"), or of the first file read that yields that STIX object id.
func (in *input) fileOf(origin string) int {
	if i, ok := in.originFile[origin]; ok {
		return i
	}
	name, _, _ := strings.Cut(origin, ":")
	if i, ok := in.nameFile[name]; ok {
		return i
	}
	return len(in.nameFile)
}

// lineOf returns the line number of a "name:line" origin, or 0.
func lineOf(origin string) int {
	i := strings.LastIndexByte(origin, ':')
	if i < 0 {
		return 0
	}
	n, err := strconv.Atoi(origin[i+1:])
	if err != nil {
		return 0
	}
	return n
}

// dryRun reports which items exist already and which would be created.
func dryRun(ctx context.Context, c *ioc.Client, in *input, w io.Writer) error {
	existing, err := existingKeys(ctx, c, in.items)
	if err != nil {
		return fmt.Errorf("looking up existing indicators: %w", err)
	}
	n := 0
	for i, it := range in.items {
		verb := "CREATE"
		if existing[key(it.Type, it.Value)] {
			verb = "EXISTS"
		} else {
			n++
		}
		fmt.Fprintf(w, "  %s   %s %s:%s (%s, %s)\n", verb, in.origins[i], it.Type, it.Value, it.Action, orNone(string(it.Severity)))
	}
	fmt.Fprintf(w, "Dry run: would create %d indicator(s); %d exist already; %d bad item(s) skipped. Nothing was sent.\n",
		n, len(in.items)-n, len(in.invalid))
	return nil
}

func key(t ioc.Type, v string) string { return string(t) + ":" + strings.ToLower(v) }

// existingKeys returns the type:value keys of the items that exist in
// Falcon, looking their values up in chunks.
func existingKeys(ctx context.Context, c *ioc.Client, items []ioc.NewIndicator) (map[string]bool, error) {
	const chunk = 100
	found := map[string]bool{}
	for batch := range slices.Chunk(items, chunk) {
		vals := make([]string, len(batch))
		for i, it := range batch {
			vals[i] = strings.ToLower(it.Value)
		}
		for ind, err := range c.Indicators.All(ctx, &ioc.ListOptions{Filter: fql.In("value", vals...), Limit: ioc.MaxLimit}) {
			if err != nil {
				return nil, err
			}
			found[key(ind.Type, ind.Value)] = true
		}
	}
	return found, nil
}

// create sends the items and reports on each.
func create(ctx context.Context, c *ioc.Client, in *input, o *options, stdout, stderr io.Writer) error {
	bar := setup.NewProgress(stderr, int64(len(in.items)), "importing")
	res, err := c.Indicators.Create(ctx, in.items, &ioc.WriteOptions{
		Comment:        o.Comment,
		IgnoreWarnings: o.IgnoreWarnings,
		SkipInvalid:    o.SkipInvalid,
		BatchSize:      o.BatchSize,
		Progress:       func(done, _ int) { bar.Set(int64(done)) },
	})
	bar.Done()
	if ve, ok := errors.AsType[*falcon.ValidationError](err); ok && res == nil {
		in.invalid = nil
		in.byIndex(ve)
		in.printInvalid(stdout)
		fmt.Fprintf(stdout, "Refusing to import: %d bad item(s), nothing was sent. Fix them, or pass -skip-invalid to import the rest.\n", len(in.invalid))
		return fmt.Errorf("bad input: %w", setup.ErrReported)
	}
	if res == nil {
		return fmt.Errorf("create: %w", err)
	}
	r := report(res, in, o.Verbose, stdout)
	if r.failed > 0 {
		return fmt.Errorf("%d of %d item(s) failed: %w", r.failed, len(in.items), setup.ErrReported)
	}
	return nil
}

// counts sums up an import.
type counts struct {
	created, exists, skipped, failed int
}

// report prints every item that was not created (every item, with verbose)
// and the totals.
func report(res *ioc.WriteResult, in *input, verbose bool, w io.Writer) counts {
	var n counts
	n.skipped = len(in.invalid)
	for _, it := range res.Items {
		origin := "-"
		if it.Index >= 0 && it.Index < len(in.origins) {
			origin = in.origins[it.Index]
		}
		ref := it.Ref.String()
		switch {
		case it.OK():
			n.created++
			if verbose {
				fmt.Fprintf(w, "  CREATED  %s %s (id %s)\n", origin, ref, it.ID)
			}
			for _, wn := range it.Warnings {
				fmt.Fprintf(w, "  WARNING  %s %s: %s: %s (created anyway)\n", origin, ref, wn.Field, wn.Message)
			}
		case errors.Is(it.Err, ioc.ErrDuplicate):
			n.exists++
			fmt.Fprintf(w, "  EXISTS   %s %s: already in Falcon, left unchanged\n", origin, ref)
		case errors.Is(it.Err, ioc.ErrInvalid):
			n.skipped++
			fmt.Fprintf(w, "  INVALID  %s %s: %s (skipped)\n", origin, ref, it.Err.Message)
		case errors.Is(it.Err, ioc.ErrWarning):
			n.failed++
			fmt.Fprintf(w, "  FAILED   %s %s: %s (-ignore-warnings creates it anyway)\n", origin, ref, it.Err.Error())
		default:
			n.failed++
			fmt.Fprintf(w, "  FAILED   %s %s: %s\n", origin, ref, it.Err.Error())
		}
	}
	fmt.Fprintf(w, "Imported %d: %d created, %d already existed, %d failed, %d bad item(s) skipped, %d duplicate(s) dropped.\n",
		len(res.Items), n.created, n.exists, n.failed, n.skipped, in.duplicates)
	return n
}

func orNone(s string) string {
	if s == "" {
		return "no severity"
	}
	return s
}
