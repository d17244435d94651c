package setup

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
)

// RunFunc is the signature of every example's run function: the program
// minus the process. Tests call it directly.
type RunFunc func(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error

// Main runs run with the process's arguments, environment and standard
// streams, and exits. SIGINT cancels the context (a second SIGINT kills the
// program). The exit status is 0 on success and for -h, 2 for a UsageError,
// and 1 for any other error, which is printed on stderr unless it is
// ErrReported.
func Main(run RunFunc) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	go func() {
		// After the first SIGINT, restore the default behaviour so that a
		// second one ends a program that does not stop.
		<-ctx.Done()
		stop()
	}()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(ExitCode(err, os.Stderr))
}

// ExitCode prints err on stderr when it says something the program has not
// already said, and returns the exit status for it.
func ExitCode(err error, stderr io.Writer) int {
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, new(*UsageError)):
		fmt.Fprintln(stderr, err)
		return 2
	case errors.Is(err, ErrReported):
		return 1
	default:
		fmt.Fprintln(stderr, "error:", err)
		return 1
	}
}

// ErrReported is returned (wrapped) by a program that has already printed
// what went wrong, such as a per-item failure report; Main then exits 1
// without printing more.
var ErrReported = errors.New("failures reported above")

// UsageError is a bad command line: an unknown flag, a missing argument,
// a flag value out of range. Main exits 2 for it.
type UsageError struct {
	Program string
	Msg     string
}

// Error returns "program: message (see program -h)".
func (e *UsageError) Error() string {
	return fmt.Sprintf("%s: %s (see %s -h)", e.Program, e.Msg, e.Program)
}

// Usagef returns a *UsageError for program.
func Usagef(program, format string, args ...any) error {
	return &UsageError{Program: program, Msg: fmt.Sprintf(format, args...)}
}

// NewFlagSet returns a flag set for program whose -h output is the usage
// line, the description and the flags, written to stderr.
func NewFlagSet(program, usage, description string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(program, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: %s\n\n%s\n\nFlags:\n", usage, strings.TrimSpace(description))
		fs.PrintDefaults()
		fmt.Fprintf(w, "\n%s\n", EnvHelp)
	}
	return fs
}

// EnvHelp describes the environment variables every example reads.
const EnvHelp = `Environment:
  FALCON_CLIENT_ID, FALCON_CLIENT_SECRET  API client credentials; without them the
                                          program starts the falcontest emulator in-process
  FALCON_CLOUD                            us-1, us-2, us-3, eu-1, us-gov-1 or us-gov-2
                                          (default: autodiscovered from us-1)
  FALCON_MEMBER_CID                       act on behalf of a member CID (MSSP)
  FALCON_BASE_URL                         another API base URL (a proxy, an emulator)`

// Parse parses args with fs and turns a bad flag into a *UsageError.
// flag.ErrHelp is returned as is. Flags may come after positional
// arguments ("import feed.csv -dry-run"); after "--" everything is
// positional. fs.Args() then returns the positional arguments.
func Parse(fs *flag.FlagSet, args []string) error {
	// The flag package prints its own message for a bad flag; keep only
	// ours by silencing it during Parse, then restoring it for -h.
	out := fs.Output()
	fs.SetOutput(io.Discard)
	defer fs.SetOutput(out)
	var pos []string
	for {
		err := fs.Parse(args)
		switch {
		case err == nil:
		case errors.Is(err, flag.ErrHelp):
			fs.SetOutput(out)
			fs.Usage()
			return err
		default:
			if len(pos) > 0 {
				return Usagef(fs.Name(), "%v after %q", err, pos[len(pos)-1])
			}
			return Usagef(fs.Name(), "%v", err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if i := len(args) - len(rest) - 1; i >= 0 && args[i] == "--" {
			pos = append(pos, rest...)
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	// Leave the positional arguments in fs.Args().
	return fs.Parse(append([]string{"--"}, pos...))
}

// ListFlag is a flag.Value holding a comma-separated list, lower-cased and
// trimmed, with empty elements dropped.
type ListFlag []string

// String returns the list joined by commas.
func (l *ListFlag) String() string { return strings.Join(*l, ",") }

// Set replaces the list with the comma-separated elements of s.
func (l *ListFlag) Set(s string) error {
	*l = nil
	for p := range strings.SplitSeq(s, ",") {
		if p = strings.ToLower(strings.TrimSpace(p)); p != "" {
			*l = append(*l, p)
		}
	}
	return nil
}
