package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/falconioc/falcon"
	"github.com/falconioc/falcon/examples/internal/setup"
	"github.com/falconioc/falcon/fql"
	"github.com/falconioc/falcon/ioc"
)

const usage = "export [flags]"

const description = `
Export streams the indicators matching -filter (all of them by default) to JSON
Lines (one API object per line) or CSV (the import example's columns first, so an
export can be imported elsewhere), on stdout or in the file -o names. Indicators
are fetched with the "after" cursor. Unsorted exports walk -parallel partitions
of the listing at once (4 by default), each with its own cursor: every indicator
is written once, in no particular order, and memory stays bounded by about
-parallel + 2 pages. With -sort, or -parallel 1, pages are fetched one at a time,
in order, and each is written out before the next is fetched.

When interrupted (Ctrl-C) or when a page cannot be fetched, export stops after the
last complete page and prints on stderr a resume token, with the command that
resumes there: -resume appends to the -o file (and, for CSV, writes no second
header). Resume with the same -filter and -sort. Falcon's cursors, which the token
holds, expire after a while: resume soon. A token Falcon refuses is reported as
such, and not suggested again.

In CSV, cells that begin with =, +, -, @, a tab or a carriage return get a
leading ' so that spreadsheets show them instead of running them as formulas;
-escape-formulas=false writes them as they are.

Exit status: 0 when every page was written; 1 when the export stopped
(interrupted, a page failed, authentication failed, the output could not be
written); 2 for a bad command line.`

func main() { setup.Main(run) }

// options are export's command line.
type options struct {
	Filter   string
	Sort     string
	Format   string
	Output   string
	Resume   string
	Limit    int
	Parallel int
	Escape   bool
}

// defaultParallel is -parallel for an unsorted export.
const defaultParallel = 4

func parseArgs(args []string, stderr io.Writer) (*options, fql.Expr, fql.Sort, error) {
	o := &options{}
	fs := setup.NewFlagSet("export", usage, description, stderr)
	fs.StringVar(&o.Filter, "filter", "", "FQL filter, such as \"type:'domain'+severity:'high'\" (default: every indicator)")
	fs.StringVar(&o.Sort, "sort", "", "sort, such as modified_on.desc (default: the API's order)")
	fs.StringVar(&o.Format, "format", "jsonl", "output format: jsonl or csv")
	fs.StringVar(&o.Output, "o", "", "output file (default: stdout)")
	fs.StringVar(&o.Resume, "resume", "", "resume with this token (or cursor), printed by an interrupted export")
	fs.IntVar(&o.Limit, "limit", 1000, fmt.Sprintf("indicators per page (1 to %d)", ioc.MaxLimit))
	fs.IntVar(&o.Parallel, "parallel", 0, fmt.Sprintf("partitions of the listing fetched at once, 1 to %d (default %d, or 1 with -sort); 1 fetches in order, page by page", ioc.MaxParallel, defaultParallel))
	fs.BoolVar(&o.Escape, "escape-formulas", true, "in CSV, put a ' before cells starting with =, +, -, @, tab or CR, which spreadsheets would run")
	if err := setup.Parse(fs, args); err != nil {
		return nil, nil, fql.Sort{}, err
	}
	if fs.NArg() > 0 {
		return nil, nil, fql.Sort{}, setup.Usagef("export", "unexpected argument %q (quote the -filter)", fs.Arg(0))
	}
	if o.Format != "jsonl" && o.Format != "csv" {
		return nil, nil, fql.Sort{}, setup.Usagef("export", "-format %q: want jsonl or csv", o.Format)
	}
	if o.Parallel < 0 || o.Parallel > ioc.MaxParallel {
		return nil, nil, fql.Sort{}, setup.Usagef("export", "-parallel %d: want 1 to %d", o.Parallel, ioc.MaxParallel)
	}
	if o.Limit < 1 || o.Limit > ioc.MaxLimit {
		return nil, nil, fql.Sort{}, setup.Usagef("export", "-limit %d: want 1 to %d", o.Limit, ioc.MaxLimit)
	}
	var filter fql.Expr
	if o.Filter != "" {
		var err error
		if filter, err = fql.Parse(o.Filter); err != nil {
			return nil, nil, fql.Sort{}, setup.Usagef("export", "-filter: %v", err)
		}
		if err := fql.IOCIndicatorFields.Check(filter); err != nil {
			return nil, nil, fql.Sort{}, setup.Usagef("export", "-filter: %v", err)
		}
	}
	var sort fql.Sort
	if o.Sort != "" {
		var err error
		if sort, err = fql.ParseSort(o.Sort); err != nil {
			return nil, nil, fql.Sort{}, setup.Usagef("export", "-sort: %v", err)
		}
		if err := fql.IOCSortFields.CheckSort(sort); err != nil {
			return nil, nil, fql.Sort{}, setup.Usagef("export", "-sort: %v", err)
		}
		if o.Parallel > 1 {
			return nil, nil, fql.Sort{}, setup.Usagef("export", "-parallel %d: a parallel export comes in no particular order; drop -sort or -parallel", o.Parallel)
		}
	}
	if o.Parallel == 0 {
		o.Parallel = defaultParallel
		if o.Sort != "" {
			o.Parallel = 1
		}
	}
	return o, filter, sort, nil
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	o, filter, sort, err := parseArgs(args, stderr)
	if err != nil {
		return err
	}
	out := stdout
	if o.Output != "" {
		flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
		if o.Resume != "" {
			flags = os.O_WRONLY | os.O_CREATE | os.O_APPEND
		}
		f, err := os.OpenFile(o.Output, flags, 0o644)
		if err != nil {
			return err
		}
		defer f.Close()
		out = f
	}

	env, err := setup.Connect(ctx, setup.Config{Getenv: getenv, Stderr: stderr, Program: "export"})
	if err != nil {
		return err
	}
	defer env.Close()

	started := time.Now()
	x := &exporter{c: env.IOC, opts: o, args: args, stderr: stderr}
	opts := &ioc.ListOptions{Filter: ioc.Filter{Expr: filter}, Sort: sort, Limit: o.Limit, Parallel: o.Parallel}
	switch {
	case isToken(o.Resume):
		opts.Resume = o.Resume
	case o.Resume != "":
		opts.After = o.Resume // a cursor printed by an older export
		opts.Parallel = 0
	}
	n, err := x.export(ctx, opts, out)
	if err == nil && o.Output != "" {
		if cerr := out.(*os.File).Close(); cerr != nil {
			return cerr
		}
	}
	if err != nil {
		return err
	}
	dest := "stdout"
	if o.Output != "" {
		dest = o.Output
	}
	fmt.Fprintf(stderr, "Exported %d indicator(s) to %s (%s) in %s.\n", n, dest, o.Format, time.Since(started).Round(time.Millisecond))
	return nil
}

// exporter writes the pages of one listing.
type exporter struct {
	c      *ioc.Client
	opts   *options
	args   []string
	stderr io.Writer
}

// isToken reports whether a -resume value is a resume token rather than a
// bare cursor.
func isToken(s string) bool { return strings.HasPrefix(s, "v1.") }

// export writes every indicator opts selects to w and returns how many it
// wrote. It stops after the last complete page when ctx ends or a page
// fails, and then prints the token that resumes the export.
func (x *exporter) export(ctx context.Context, opts *ioc.ListOptions, w io.Writer) (int, error) {
	enc, err := newEncoder(x.opts.Format, w, x.opts.Escape)
	if err != nil {
		return 0, err
	}
	if x.opts.Resume == "" {
		if err := enc.header(); err != nil {
			return 0, err
		}
	}
	if opts.Parallel > 1 {
		return x.exportParallel(ctx, opts, enc)
	}
	p := x.c.Indicators.Paginator(opts)
	// The bar starts before the first request, so that its rate counts
	// the time the first page took.
	bar := setup.NewProgress(x.stderr, -1, "exporting")
	defer bar.Done()
	first := true
	written := 0
	for p.HasMorePages() {
		cursor := p.ResumeToken()
		if !isToken(x.opts.Resume) && cursor != "" && p.Cursor() == x.opts.Resume {
			cursor = x.opts.Resume // still where an old cursor said
		}
		if ctx.Err() != nil {
			return written, x.interrupted(written, cursor, ctx.Err())
		}
		page, resp, err := p.NextPage(ctx)
		if err != nil {
			if ctx.Err() != nil {
				err = ctx.Err()
			}
			return written, x.interrupted(written, cursor, err)
		}
		if first && x.opts.Resume == "" && resp != nil && resp.Meta.Pagination.Total > 0 {
			bar.SetTotal(resp.Meta.Pagination.Total)
		}
		first = false
		for _, ind := range page {
			if err := enc.encode(ind); err != nil {
				return written, err
			}
		}
		// Flush each page, so that what the resume cursor skips is on disk.
		if err := enc.flush(); err != nil {
			return written, err
		}
		written += len(page)
		bar.Set(int64(written))
	}
	return written, nil
}

// exportParallel is export for a parallel walk: the indicators of the
// partitions come in no particular order. Everything written comes before
// the positions of the resume token of a failed walk, so the token resumes
// exactly after what is on disk once the encoder is flushed.
func (x *exporter) exportParallel(ctx context.Context, opts *ioc.ListOptions, enc encoder) (int, error) {
	bar := setup.NewProgress(x.stderr, -1, "exporting")
	defer bar.Done()
	written := 0
	for ind, err := range x.c.Indicators.All(ctx, opts) {
		if err != nil {
			if ferr := enc.flush(); ferr != nil {
				return written, ferr
			}
			token := ""
			if re, ok := errors.AsType[*ioc.ResumeError](err); ok {
				token = re.Token
			}
			return written, x.interrupted(written, token, err)
		}
		if err := enc.encode(ind); err != nil {
			return written, err
		}
		// Flush a page's worth at a time, so that what is written is on
		// disk when the walk stops.
		if written++; written%opts.Limit == 0 {
			if err := enc.flush(); err != nil {
				return written, err
			}
			bar.Set(int64(written))
		}
	}
	bar.Set(int64(written))
	return written, enc.flush()
}

// interrupted prints why the export stopped and what to do (where to
// resume, or what to fix), and returns the error to exit with: the cause
// is printed here only once.
func (x *exporter) interrupted(written int, cursor string, cause error) error {
	fmt.Fprintf(x.stderr, "\nStopped after %d indicator(s): %v\n", written, cause)
	resume := cursor
	if resume == "" {
		resume = x.opts.Resume
	}
	ae, _ := errors.AsType[*falcon.APIError](cause)
	_, authErr := errors.AsType[*falcon.AuthError](cause)
	_, badToken := errors.AsType[*falcon.ValidationError](cause)
	switch {
	case badToken && x.opts.Resume != "":
		fmt.Fprintln(x.stderr, "The -resume token is damaged or was printed by an export of another -filter or -sort: "+
			"resume with the same -filter and -sort, or start again without -resume (and without the partial -o file).")
	case authErr || ae != nil && (ae.StatusCode == 401 || ae.StatusCode == 403):
		fmt.Fprintln(x.stderr, "Authentication or authorisation failed: check FALCON_CLIENT_ID, FALCON_CLIENT_SECRET and "+
			"FALCON_CLOUD (or FALCON_BASE_URL), and that the API client has the IOC Manager read scope.")
		if written > 0 || x.opts.Resume != "" {
			fmt.Fprintf(x.stderr, "Once fixed, resume with: export %s\n", resumeArgs(x.args, resume))
		}
	case ae != nil && ae.StatusCode == 400 && x.opts.Resume != "" && cursor == x.opts.Resume:
		// The first request of a resumed export carries only the cursor
		// the user gave: Falcon refused it.
		fmt.Fprintln(x.stderr, "Falcon refused the -resume token: its cursor has expired or it was mistyped. "+
			"Start the export again without -resume (and without the partial -o file).")
	case resume == "":
		fmt.Fprintln(x.stderr, "Nothing was exported: run the same command again.")
	default:
		fmt.Fprintf(x.stderr, "Resume token: %s\nResume with:  export %s\n", resume, resumeArgs(x.args, resume))
	}
	if errors.Is(cause, context.Canceled) {
		return fmt.Errorf("interrupted: %w", setup.ErrReported)
	}
	return fmt.Errorf("export stopped: %w: %w", setup.ErrReported, cause)
}

// resumeArgs returns args with -resume set to cursor, quoted for a POSIX
// shell.
func resumeArgs(args []string, cursor string) string {
	var out []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		name := strings.TrimLeft(a, "-")
		if strings.HasPrefix(a, "-") && (name == "resume" || strings.HasPrefix(name, "resume=")) {
			if name == "resume" {
				i++ // skip its value
			}
			continue
		}
		out = append(out, a)
	}
	out = append(out, "-resume", cursor)
	for i, a := range out {
		out[i] = shellQuote(a)
	}
	return strings.Join(out, " ")
}

func shellQuote(s string) string {
	if s != "" && !strings.ContainsFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || slices.Contains([]rune("-_./=:,+@%"), r))
	}) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
