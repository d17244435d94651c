package convert

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/falconioc/falcon"
	"github.com/falconioc/falcon/examples/internal/feed"
	"github.com/falconioc/falcon/ioc"
)

// FeedFlags say how to read feeds: the flags -format, -url-hosts,
// -value-column and -type-column.
type FeedFlags struct {
	Format      string
	URLHosts    bool
	ValueColumn string
	TypeColumn  string
}

// Register adds the flags to fs.
func (f *FeedFlags) Register(fs *flag.FlagSet) {
	if f.Format == "" {
		f.Format = "auto"
	}
	fs.StringVar(&f.Format, "format", f.Format, "feed format: auto, csv, stix or list")
	fs.BoolVar(&f.URLHosts, "url-hosts", f.URLHosts, "take the host of each URL as a domain or IP indicator (blocks the whole host)")
	fs.StringVar(&f.ValueColumn, "value-column", f.ValueColumn, "CSV column holding the value (default: detected)")
	fs.StringVar(&f.TypeColumn, "type-column", f.TypeColumn, "CSV column holding the type (default: detected, else from the value)")
}

// Check reports a bad -format.
func (f *FeedFlags) Check() error {
	switch f.Format {
	case "auto", "csv", "stix", "list":
		return nil
	}
	return fmt.Errorf("-format %q: want auto, csv, stix or list", f.Format)
}

// Batch is the indicators read from one or more feeds, ready to send, and
// the items that cannot be sent.
type Batch struct {
	// Files is how many feeds were read.
	Files int
	// Items are the indicators, unique by type and value across feeds.
	Items []ioc.NewIndicator
	// Origins[i] says where Items[i] was read ("iocs.csv:12", a STIX id).
	Origins []string
	// Invalid lists the malformed items, and the items a check refused:
	// they refuse an import or sync unless -skip-invalid.
	Invalid []SetAside
	// Skipped lists the well-formed values of a kind Falcon has no type
	// for (a SHA-1, a URL without -url-hosts, a CIDR range, ...): they are
	// reported and never refuse anything.
	Skipped []SetAside
	// Notes[i] says what was dropped to read Items[i] ("port 53
	// dropped"), or is empty.
	Notes []string
	// Duplicates counts entries dropped because an earlier one, in the
	// same feed or another, had the same type and value; DuplicateRows
	// lists them.
	Duplicates    int
	DuplicateRows []Duplicate
	// Names are the base names of the feeds, in command-line order.
	Names []string

	itemFile []int // itemFile[i] is the feed position of Items[i]
}

// Duplicate is an entry dropped because an earlier one had the same type
// and value.
type Duplicate struct {
	feed.Duplicate
	file int
}

// SetAside is an item that is not sent: a malformed or refused one
// (Batch.Invalid) or one skipped (Batch.Skipped).
type SetAside struct {
	Origin string
	Value  string
	Reason string
	// Key is the Key of an indicator the item names although it is not
	// sent, or empty. For an invalid item it is the item's own key when
	// its type and value are valid and only another field is wrong (an
	// action the tenant does not offer, an expiration that has passed);
	// for a skipped URL, the key of the indicator its host gives with
	// -url-hosts. Sync leaves such indicators alone rather than deleting
	// them.
	Key string
	// Range is, for a skipped CIDR range, the range: sync leaves the
	// addresses inside it alone too.
	Range netip.Prefix
	// Kind names what a skipped value is (feed.Problem.Kind); empty for
	// an invalid item.
	Kind string
	// Type is the item's type when it was read as an indicator and then
	// refused by a check.
	Type ioc.Type
	file int // position of its feed on the command line, for ordering
}

// Load reads every feed at paths, drops duplicates across them, turns the
// entries into indicators with d, and sets aside what cannot be sent: the
// feeds' problems, and the indicators that ioc.ValidateNew refuses (the
// checks the SDK's Create would run, such as an expiration that has
// passed). With forceSource every indicator gets d.Source, whatever its
// feed says.
func Load(paths []string, f FeedFlags, d *Defaults, forceSource bool) (*Batch, error) {
	b := &Batch{Files: len(paths)}
	format := feed.Format(f.Format)
	if f.Format == "auto" {
		format = feed.Auto
	}
	seen := map[string]string{}
	for fi, path := range paths {
		b.Names = append(b.Names, filepath.Base(path))
		res, err := feed.ReadFile(path, &feed.Options{
			Format: format, Source: d.Source, ValueColumn: f.ValueColumn, TypeColumn: f.TypeColumn,
			URLHosts: f.URLHosts,
		})
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", path, err)
		}
		b.Duplicates += res.Duplicates
		for _, d := range res.DuplicateRows {
			b.DuplicateRows = append(b.DuplicateRows, Duplicate{d, fi})
		}
		for _, p := range res.Problems {
			sa := SetAside{Origin: p.Origin, Value: p.Value, Reason: p.Reason, file: fi}
			if !p.Skip() {
				b.Invalid = append(b.Invalid, sa)
				continue
			}
			sa.Kind, sa.Range = p.Kind, p.Range
			if p.Host != "" {
				sa.Key = Key(p.HostType, p.Host)
			}
			b.Skipped = append(b.Skipped, sa)
		}
		for _, e := range res.Entries {
			k := Key(e.Type, e.Value)
			if first, ok := seen[k]; ok {
				b.Duplicates++
				b.DuplicateRows = append(b.DuplicateRows, Duplicate{feed.Duplicate{Origin: e.Origin, Type: e.Type, Value: e.Value, First: first}, fi})
				continue
			}
			seen[k] = e.Origin
			it := d.Indicator(e)
			if forceSource {
				it.Source = d.Source
			}
			b.Items = append(b.Items, it)
			b.Origins = append(b.Origins, e.Origin)
			b.Notes = append(b.Notes, e.Note)
			b.itemFile = append(b.itemFile, fi)
		}
	}
	b.Reject(ioc.ValidateNew(b.Items))
	return b, nil
}

// Origin returns where item i was read, or "-".
func (b *Batch) Origin(i int) string {
	if i < 0 || i >= len(b.Origins) {
		return "-"
	}
	return b.Origins[i]
}

// Summary returns one line saying what was read.
func (b *Batch) Summary() string {
	return fmt.Sprintf("Read %d feed(s): %d indicator(s), %d skipped (no Falcon type), %d bad item(s), %d duplicate(s) dropped.",
		b.Files, len(b.Items), len(b.Skipped), len(b.Invalid), b.Duplicates)
}

// CheckCatalog sets aside the items that the tenant's catalogs refuse (an
// action it does not offer, a platform the action does not allow for the
// type, ...).
func (b *Batch) CheckCatalog(cat *ioc.Catalog) {
	b.Reject(cat.Validate(b.Items))
}

// Reject sets aside the items named by err, a *falcon.ValidationError about
// Items (as ioc.ValidateNew, Catalog.Validate and the SDK's writes return),
// and reports whether err was one. Problems about no item are listed under
// origin "-".
func (b *Batch) Reject(err error) bool {
	ve, ok := errors.AsType[*falcon.ValidationError](err)
	if !ok {
		return false
	}
	bad := map[int]bool{}
	for _, p := range ve.Problems {
		if p.Index < 0 || p.Index >= len(b.Items) {
			b.Invalid = append(b.Invalid, SetAside{Origin: "-", Reason: p.String(), file: b.Files})
			continue
		}
		bad[p.Index] = true
		item := b.Items[p.Index]
		reason := p.Field + ": " + p.Message
		if p.Value != "" && p.Value != item.Value {
			// "expiration "2001-01-01T00:00:00Z": must be in the future"
			reason = fmt.Sprintf("%s %q: %s", p.Field, p.Value, strings.TrimPrefix(p.Message, p.Field+" "))
		}
		b.Invalid = append(b.Invalid, SetAside{
			Origin: b.Origins[p.Index], Value: item.Value, Reason: reason, Type: item.Type,
			file: b.itemFile[p.Index],
		})
		if p.Field != "value" && p.Field != "type" {
			b.Invalid[len(b.Invalid)-1].Key = Key(b.Items[p.Index].Type, b.Items[p.Index].Value)
		}
	}
	if len(bad) > 0 {
		keep := 0
		for i := range b.Items {
			if !bad[i] {
				b.Items[keep], b.Origins[keep], b.Notes[keep], b.itemFile[keep] = b.Items[i], b.Origins[i], b.Notes[i], b.itemFile[i]
				keep++
			}
		}
		b.Items, b.Origins, b.Notes, b.itemFile = b.Items[:keep], b.Origins[:keep], b.Notes[:keep], b.itemFile[:keep]
	}
	return true
}

// PrintSetAside lists the items not sent, in feed order (by the feed's
// position on the command line, then by line; STIX objects keep the order
// they were found in): each skipped one as SKIP, each invalid one as
// INVALID.
func (b *Batch) PrintSetAside(w io.Writer) {
	all := slices.Concat(b.Skipped, b.Invalid)
	slices.SortStableFunc(all, func(x, y SetAside) int {
		return cmp.Or(cmp.Compare(x.file, y.file), cmp.Compare(lineOf(x.Origin), lineOf(y.Origin)))
	})
	fmt.Fprintf(w, "Not sent (%d): %d skipped (no Falcon type), %d bad item(s):\n", len(all), len(b.Skipped), len(b.Invalid))
	for _, p := range all {
		val := ""
		if p.Value != "" {
			val = fmt.Sprintf(" %q", feed.Clip(p.Value))
		}
		label := "INVALID"
		if p.Kind != "" {
			label = "SKIP"
		}
		fmt.Fprintf(w, "  %-7s  %s%s: %s\n", label, p.Origin, val, p.Reason)
	}
}

// PrintNotes lists the items read with something dropped ("port 53
// dropped"), so that nobody believes the feed's exact value was imported.
func (b *Batch) PrintNotes(w io.Writer) {
	for i, n := range b.Notes {
		if n != "" {
			fmt.Fprintf(w, "  NOTE     %s %s:%s: %s\n", b.Origins[i], b.Items[i].Type, b.Items[i].Value, n)
		}
	}
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
