package feed

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

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
	// Note says what was dropped or changed to get Value from the feed's
	// text ("port 53 dropped", "URL reduced to its host evil.example"), or
	// is empty.
	Note string
}

// Problem is a part of a feed that Read could not turn into an Entry: a
// malformed row, a value of a type Falcon does not take, an invalid value or
// an unsupported STIX pattern.
type Problem struct {
	Origin string // "name:line", or the STIX object id
	Value  string // the offending value or row, when there is one (clipped when very long)
	Reason string
	// Kind names what the value is when it is well formed but Falcon has
	// no type for it (KindSHA1, KindURL, KindCIDR, ...): such a problem
	// is a skip, not an error in the feed. Empty for a malformed value or
	// row.
	Kind string
	// HostType and Host are, for a URL (KindURL) whose host is a domain
	// or an address, the indicator Options.URLHosts would have read from
	// it, in canonical form; empty otherwise.
	HostType ioc.Type
	Host     string
	// Range is, for a CIDR range (KindCIDR), the range with its host bits
	// cleared; the zero Prefix otherwise.
	Range netip.Prefix
}

// Skip reports whether the problem is a value of a kind Falcon does not
// take, rather than a malformed one.
func (p Problem) Skip() bool { return p.Kind != "" }

// String returns the problem on one line, a long value clipped.
func (p Problem) String() string {
	if p.Value == "" {
		return p.Origin + ": " + p.Reason
	}
	return fmt.Sprintf("%s: %q: %s", p.Origin, clip(p.Value, MessageValueLen), p.Reason)
}

// MessageValueLen is how many characters of a value messages show; longer
// values are clipped with "…".
const MessageValueLen = 100

// Clip shortens s to at most MessageValueLen characters for a message.
func Clip(s string) string { return clip(s, MessageValueLen) }

// maxValueLen bounds Problem.Value: a binary or minified line is not worth
// carrying whole.
const maxValueLen = 1024

// Duplicate is an entry dropped because an earlier one had the same type
// and canonical value.
type Duplicate struct {
	Origin string // where the duplicate was read
	Type   ioc.Type
	Value  string
	First  string // Origin of the entry kept
}

// Result is what Read found in one feed.
type Result struct {
	Format   Format    // the format read, detected or given
	Entries  []Entry   // unique by (Type, Value), in feed order
	Problems []Problem // in feed order
	// Duplicates counts entries dropped because an earlier entry had the
	// same type and canonical value; DuplicateRows lists them.
	Duplicates    int
	DuplicateRows []Duplicate
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

// ErrNotFeed is returned, wrapped, for input that is not an IOC feed: binary
// data, UTF-16 without a byte-order mark, or text in which almost nothing
// is an indicator of any kind.
var ErrNotFeed = errors.New("not an IOC feed")

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
	if data, err = decodeText(o.Name, data); err != nil {
		return nil, err
	}
	format := o.Format
	if format == Auto {
		format = DetectFormat(o.Name, data)
	}
	b := &builder{opts: &o, seen: make(map[key]string), res: &Result{Format: format}}
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
	if err := b.garbage(); err != nil {
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

// builder collects entries and problems, deduplicating as it goes.
type builder struct {
	opts *Options
	seen map[key]string // origin of the entry kept
	res  *Result
	// unknown counts the problems that are no kind of indicator at all
	// (malformed rows, unrecognised values), for garbage detection.
	unknown      int
	firstUnknown *Problem
}

func (b *builder) problem(origin, value, reason string) {
	b.add1(Problem{Origin: origin, Value: value, Reason: reason})
}

func (b *builder) add1(p Problem) {
	if len(p.Value) > maxValueLen {
		p.Value = clip(p.Value, maxValueLen)
	}
	if p.Kind == "" && p.Reason == genericReason {
		b.unknown++
		if b.firstUnknown == nil {
			b.firstUnknown = &p
		}
	}
	b.res.Problems = append(b.res.Problems, p)
}

// add cleans raw (inline comment, quotes, defanging), classifies it and
// records the entry, or a problem. declared is the type the feed gives
// (a Falcon type, anyHash, anyIP or typeURL), or empty to detect it. e
// carries the other fields.
func (b *builder) add(e Entry, declared ioc.Type, raw string) {
	v, comment := cleanValue(raw)
	if comment != "" && e.Description == "" {
		e.Description = comment
	}
	vd := b.classify(v, declared == typeURL)
	switch {
	case vd.reason == genericReason && declared != "" && declared != anyHash && declared != anyIP && declared != typeURL:
		// The feed names a Falcon type: say what that type requires.
		if _, err := ioc.NormalizeValue(declared, v); err != nil {
			reason := err.Error()
			if ve, ok := errors.AsType[*ioc.ValueError](err); ok {
				reason = "invalid " + string(declared) + ": " + ve.Reason
			}
			b.problem(e.Origin, raw, reason)
			return
		}
		vd = verdict{typ: declared, value: v}
	case vd.reason != "":
		b.add1(Problem{Origin: e.Origin, Value: raw, Reason: vd.reason, Kind: vd.kind,
			HostType: vd.hostType, Host: vd.host, Range: vd.rng})
		return
	case !fits(declared, vd.typ):
		b.problem(e.Origin, raw, "given as "+string(declared)+" but the value is a "+string(vd.typ))
		return
	}
	n, err := ioc.NormalizeValue(vd.typ, vd.value)
	if err != nil {
		reason := err.Error()
		if ve, ok := errors.AsType[*ioc.ValueError](err); ok {
			reason = "invalid " + string(vd.typ) + ": " + ve.Reason
		}
		b.problem(e.Origin, raw, reason)
		return
	}
	e.Type, e.Value, e.Note = vd.typ, n, vd.note
	if e.Source == "" {
		e.Source = b.opts.Source
	}
	k := key{vd.typ, n}
	if first, ok := b.seen[k]; ok {
		b.res.Duplicates++
		b.res.DuplicateRows = append(b.res.DuplicateRows, Duplicate{Origin: e.Origin, Type: e.Type, Value: n, First: first})
		return
	}
	b.seen[k] = e.Origin
	b.res.Entries = append(b.res.Entries, e)
}

// garbage refuses a feed in which almost nothing is an indicator of any
// kind: at least 20 unrecognised values or malformed rows, and ten times
// as many of them as values that were recognised.
func (b *builder) garbage() error {
	known := len(b.res.Entries) + b.res.Duplicates + len(b.res.Problems) - b.unknown
	if b.unknown < 20 || b.unknown < 10*known {
		return nil
	}
	return fmt.Errorf("feed: %s: %w: %d of %d rows are not indicators of any kind (first: %s)",
		b.opts.Name, ErrNotFeed, b.unknown, b.unknown+known, b.firstUnknown)
}

// evenOrOdd reports whether the NUL bytes of b all sit at even offsets or
// all at odd ones, as in UTF-16 text of mostly ASCII characters.
func evenOrOdd(b []byte) bool {
	var at [2]int
	for i, c := range b {
		if c == 0 {
			at[i%2]++
		}
	}
	return at[0] == 0 || at[1] == 0
}

// decodeText returns data as UTF-8 text without a byte-order mark: UTF-16
// with a BOM is decoded, and binary data is refused.
func decodeText(name string, data []byte) ([]byte, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xef, 0xbb, 0xbf}):
		data = data[3:]
	case bytes.HasPrefix(data, []byte{0xff, 0xfe}), bytes.HasPrefix(data, []byte{0xfe, 0xff}):
		if len(data)%2 != 0 {
			return nil, fmt.Errorf("feed: %s: %w: UTF-16 with an odd number of bytes", name, ErrNotFeed)
		}
		big := data[0] == 0xfe
		u := make([]uint16, 0, len(data)/2-1)
		for i := 2; i+1 < len(data); i += 2 {
			if big {
				u = append(u, uint16(data[i])<<8|uint16(data[i+1]))
			} else {
				u = append(u, uint16(data[i+1])<<8|uint16(data[i]))
			}
		}
		data = []byte(string(utf16.Decode(u)))
	}
	head := data[:min(len(data), 8192)]
	if i := bytes.IndexByte(data, 0); i >= 0 {
		if nul := bytes.Count(head, []byte{0}); nul*3 > len(head) && evenOrOdd(head) {
			return nil, fmt.Errorf("feed: %s: %w: UTF-16 text without a byte-order mark (save it as UTF-8)", name, ErrNotFeed)
		}
		return nil, fmt.Errorf("feed: %s: %w: binary data (a NUL byte at offset %d)", name, ErrNotFeed, i)
	}
	bad := 0
	for len(head) > 0 {
		r, size := utf8.DecodeRune(head)
		if r == utf8.RuneError && size == 1 && len(head) >= utf8.UTFMax || r < 0x20 && r != '\t' && r != '\n' && r != '\r' && r != '\f' {
			bad++
		}
		head = head[size:]
	}
	if bad > 0 && bad*10 > min(len(data), 8192) {
		return nil, fmt.Errorf("feed: %s: %w: binary data (%d control or invalid bytes in the first %d)", name, ErrNotFeed, bad, min(len(data), 8192))
	}
	return data, nil
}
