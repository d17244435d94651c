package feed

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/falconioc/falcon/ioc"
)

// Format names a feed format.
type Format string

// The formats Read understands. The zero Format asks Read to detect it.
const (
	Auto Format = ""
	CSV  Format = "csv"
	STIX Format = "stix"
	List Format = "list"
)

// DefaultMaxBytes is the largest feed Read accepts when Options.MaxBytes is
// zero.
const DefaultMaxBytes = 64 << 20

// Entry is one IOC read from a feed, with its value already normalised by
// ioc.NormalizeValue. Fields the feed does not carry are left empty.
type Entry struct {
	Type        ioc.Type // one of the five types Falcon takes (ioc.TypeSHA256, ...)
	Value       string   // canonical value
	Action      string   // lower-cased as read; not checked against the API's catalog
	Severity    string   // lower-cased as read; not checked against the API's catalog
	Description string
	Source      string
	Expiration  time.Time // zero when the feed gives none
	Platforms   []string
	Tags        []string
	Origin      string // "name:line" for CSV and lists, the object id for STIX
}

// Problem is a part of a feed that Read could not turn into an Entry: a
// malformed row, a value of a type Falcon does not take, an invalid value or
// an unsupported STIX pattern.
type Problem struct {
	Origin string // "name:line", or the STIX object id
	Value  string // the offending value or row, when there is one
	Reason string
}

// String returns the problem on one line.
func (p Problem) String() string {
	if p.Value == "" {
		return p.Origin + ": " + p.Reason
	}
	return fmt.Sprintf("%s: %q: %s", p.Origin, p.Value, p.Reason)
}

// Result is what Read found in one feed.
type Result struct {
	Format   Format    // the format read, detected or given
	Entries  []Entry   // unique by (Type, Value), in feed order
	Problems []Problem // in feed order
	// Duplicates counts entries dropped because an earlier entry had the
	// same type and canonical value.
	Duplicates int
}

// Options tune Read. The zero value (or nil) detects the format and the
// CSV columns.
type Options struct {
	// Format forces a format; Auto detects it from Name and the content.
	Format Format
	// Name names the feed in Origin ("name:12"); ReadFile sets it to the
	// file's base name when empty. It also guides format detection by its
	// extension.
	Name string
	// Source is put in Entry.Source when the feed gives none.
	Source string
	// ValueColumn and TypeColumn name the CSV columns holding the value and
	// the type (case-insensitive, surrounding spaces ignored). Empty means
	// detect: see the package documentation.
	ValueColumn string
	TypeColumn  string
	// URLHosts reduces a URL to its host (a domain or an IP address) instead
	// of reporting it as a Problem. This widens the indicator from one page
	// to the whole host: use it only when every host in the feed is hostile,
	// never for feeds listing compromised or shared sites.
	URLHosts bool
	// MaxBytes bounds the size of the feed; 0 means DefaultMaxBytes.
	MaxBytes int64
}

// ErrTooLarge is returned, wrapped, when a feed exceeds Options.MaxBytes.
var ErrTooLarge = errors.New("feed: input too large")

// ReadFile reads the feed in the named file. Unless opts.Name is set,
// origins use the file's base name, never its directory.
func ReadFile(path string, opts *Options) (*Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	o := Options{}
	if opts != nil {
		o = *opts
	}
	if o.Name == "" {
		o.Name = filepath.Base(path)
	}
	return Read(f, &o)
}

// Read reads one feed from r. Rows and objects that cannot be used become
// Problems and reading goes on; the error is non-nil only when the feed as a
// whole cannot be read (an I/O error, a feed over MaxBytes, a STIX document
// that is not JSON, a CSV without a value column).
func Read(r io.Reader, opts *Options) (*Result, error) {
	o := Options{}
	if opts != nil {
		o = *opts
	}
	if o.Name == "" {
		o.Name = "<input>"
	}
	limit := o.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxBytes
	}
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("feed: reading %s: %w", o.Name, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: %s exceeds %d bytes", ErrTooLarge, o.Name, limit)
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	format := o.Format
	if format == Auto {
		format = DetectFormat(o.Name, data)
	}
	b := &builder{opts: &o, seen: make(map[key]bool), res: &Result{Format: format}}
	switch format {
	case CSV:
		err = readCSV(b, data)
	case STIX:
		err = readSTIX(b, data)
	case List:
		readList(b, data)
	default:
		return nil, fmt.Errorf("feed: unknown format %q", format)
	}
	if err != nil {
		return nil, err
	}
	return b.res, nil
}

// DetectFormat guesses the format of a feed from its name and its first
// bytes. Content decides first: a document starting with "{" or "[" is
// STIX (JSON), whatever its extension (MVT publishes ".stix2"). Then a
// ".csv" name, or a first data line (after "#" comments and blank lines)
// whose comma-separated fields name a known value column, means CSV.
// Everything else is a plain list.
func DetectFormat(name string, head []byte) Format {
	head = bytes.TrimPrefix(head, []byte("\ufeff"))
	t := bytes.TrimLeft(head, " \t\r\n")
	if len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		return STIX
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".json", ".stix", ".stix2":
		return STIX
	case ".csv":
		return CSV
	}
	for line := range bytes.Lines(head) {
		s := strings.TrimSpace(string(line))
		if s == "" || s[0] == '#' {
			continue
		}
		if !strings.Contains(s, ",") {
			return List
		}
		for f := range strings.SplitSeq(s, ",") {
			if _, ok := valueAliases[normHeader(f)]; ok {
				return CSV
			}
		}
		return List
	}
	return List
}

type key struct {
	typ   ioc.Type
	value string
}

// urlReason is the problem of a URL read without Options.URLHosts.
const urlReason = "URL: Falcon has no url type (enable URL hosts to import its host instead)"

// builder collects entries and problems, deduplicating as it goes.
type builder struct {
	opts *Options
	seen map[key]bool
	res  *Result
}

func (b *builder) problem(origin, value, reason string) {
	b.res.Problems = append(b.res.Problems, Problem{Origin: origin, Value: value, Reason: reason})
}

// add normalises raw (refanged first) and records the entry, or a problem.
// typ may be empty to detect the type. e carries the other fields.
func (b *builder) add(e Entry, typ ioc.Type, raw string) {
	v := strings.TrimSpace(ioc.Refang(raw))
	if typ == "" {
		t, reduced, reason := b.classify(v)
		if reason != "" {
			b.problem(e.Origin, raw, reason)
			return
		}
		typ, v = t, reduced
	}
	n, err := ioc.NormalizeValue(typ, v)
	if err != nil {
		reason := err.Error()
		if ve, ok := errors.AsType[*ioc.ValueError](err); ok {
			reason = "invalid " + string(typ) + ": " + ve.Reason
		}
		b.problem(e.Origin, raw, reason)
		return
	}
	e.Type, e.Value = typ, n
	if e.Source == "" {
		e.Source = b.opts.Source
	}
	k := key{typ, n}
	if b.seen[k] {
		b.res.Duplicates++
		return
	}
	b.seen[k] = true
	b.res.Entries = append(b.res.Entries, e)
}
