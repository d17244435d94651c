package feed

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/falconioc/falcon/ioc"
)

// field names the Entry field a CSV column feeds.
type field int

const (
	fNone field = iota
	fType
	fValue
	fAction
	fSeverity
	fDescription
	fPlatforms
	fTags
	fExpiration
	fSource
)

// valueAliases are header names taken as the value column, best first.
var valueAliases = map[string]int{
	"value": 0, "ioc": 1, "indicator": 2, "ioc_value": 3, "observable": 4,
	"dst_ip": 5, "ip": 6, "ip_address": 7, "domain": 8, "hostname": 9,
	"sha256": 10, "md5": 11, "hash": 12,
}

// columnAliases map other header names to Entry fields.
var columnAliases = map[string]field{
	"type": fType, "ioc_type": fType, "indicator_type": fType,
	"action":      fAction,
	"severity":    fSeverity,
	"description": fDescription, "comment": fDescription, "link": fDescription, "reference": fDescription,
	"platforms": fPlatforms, "platform": fPlatforms,
	"tags": fTags, "tag": fTags, "labels": fTags, "malware": fTags,
	"expiration": fExpiration, "expires": fExpiration, "valid_until": fExpiration,
	"source": fSource,
}

// typeAliases map the type names feeds use to Falcon's types, or to anyHash,
// anyIP or typeURL when the value decides. Names absent here are types
// Falcon does not take.
var typeAliases = map[string]ioc.Type{
	"sha256": ioc.TypeSHA256, "sha-256": ioc.TypeSHA256, "md5": ioc.TypeMD5,
	"sha1": anyHash, "sha-1": anyHash, "sha512": anyHash, "sha-512": anyHash,
	"file": anyHash, "hash": anyHash, "filehash": anyHash, "file_hash": anyHash, "file-hash": anyHash,
	"domain": ioc.TypeDomain, "domain-name": ioc.TypeDomain, "hostname": ioc.TypeDomain, "fqdn": ioc.TypeDomain,
	"ipv4": ioc.TypeIPv4, "ipv4-addr": ioc.TypeIPv4, "ipv6": ioc.TypeIPv6, "ipv6-addr": ioc.TypeIPv6,
	"ip": anyIP, "ip-dst": anyIP, "ip-src": anyIP, "ip_dst": anyIP, "ip_src": anyIP, "ip_address": anyIP, "ip-address": anyIP,
	"url": typeURL, "uri": typeURL,
}

// normHeader folds a header cell: trimmed, lower case, spaces and hyphens
// as underscores ("Valid Until" -> "valid_until").
func normHeader(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.NewReplacer(" ", "_", "-", "_").Replace(s)
}

type columns struct {
	value, typ int // -1 when absent
	other      []column
}

type column struct {
	index int
	field field
}

func readCSV(b *builder, data []byte) error {
	r := csv.NewReader(bytes.NewReader(data))
	r.Comment = '#'
	r.TrimLeadingSpace = true
	r.ReuseRecord = false
	// Rows are kept until the header and the rows are known, so that the
	// value column can be detected by content; problems found while parsing
	// wait in the same list to keep feed order.
	type item struct {
		line    int
		rec     []string
		problem *Problem
	}
	var (
		header []string
		items  []item
	)
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return fmt.Errorf("feed: reading %s: %w", b.opts.Name, err)
			}
			if header == nil {
				return fmt.Errorf("feed: %s: bad CSV header: %w", b.opts.Name, err)
			}
			p := &Problem{Origin: origin(b, pe.StartLine), Reason: "malformed CSV row: " + pe.Err.Error()}
			if errors.Is(pe.Err, csv.ErrFieldCount) {
				p = &Problem{Origin: origin(b, pe.StartLine), Value: strings.Join(rec, ","),
					Reason: fmt.Sprintf("row has %d fields, header has %d", len(rec), len(header))}
			}
			if b.unknown++; b.firstUnknown == nil {
				b.firstUnknown = p
			}
			items = append(items, item{problem: p})
			continue
		}
		if header == nil {
			header = rec
			continue
		}
		// FieldPos is valid only after a successful Read.
		line, _ := r.FieldPos(0)
		items = append(items, item{line: line, rec: rec})
	}
	if header == nil {
		return fmt.Errorf("feed: %s: no CSV header", b.opts.Name)
	}
	var rows [][]string
	for _, it := range items {
		if it.rec != nil {
			rows = append(rows, it.rec)
		}
	}
	cols, err := mapColumns(b.opts, header, rows)
	if err != nil {
		return fmt.Errorf("feed: %s: %w", b.opts.Name, err)
	}
	for _, it := range items {
		if it.problem != nil {
			b.res.Problems = append(b.res.Problems, *it.problem)
			continue
		}
		csvRow(b, cols, it.rec, origin(b, it.line))
	}
	return nil
}

func origin(b *builder, line int) string { return b.opts.Name + ":" + strconv.Itoa(line) }

// mapColumns finds the value, type and other columns of a header. The value
// column is Options.ValueColumn, else the best alias present, else the first
// column whose first non-empty cell ioc.DetectType recognises.
func mapColumns(o *Options, header []string, rows [][]string) (*columns, error) {
	c := &columns{value: -1, typ: -1}
	names := make([]string, len(header))
	for i, h := range header {
		names[i] = normHeader(h)
	}
	find := func(want string) int {
		for i, n := range names {
			if n == normHeader(want) {
				return i
			}
		}
		return -1
	}
	if o.ValueColumn != "" {
		if c.value = find(o.ValueColumn); c.value < 0 {
			return nil, fmt.Errorf("-value-column %q is not in header %q", o.ValueColumn, clip(strings.Join(header, ","), MessageValueLen))
		}
	}
	if o.TypeColumn != "" {
		if c.typ = find(o.TypeColumn); c.typ < 0 {
			return nil, fmt.Errorf("-type-column %q is not in header %q", o.TypeColumn, clip(strings.Join(header, ","), MessageValueLen))
		}
	}
	if c.value < 0 {
		best := len(valueAliases)
		for i, n := range names {
			if rank, ok := valueAliases[n]; ok && rank < best {
				best, c.value = rank, i
			}
		}
	}
	if c.value < 0 {
		c.value = detectValueColumn(len(header), rows)
	}
	if c.value < 0 {
		return nil, fmt.Errorf("no value column in header %q (name it with -value-column)", clip(strings.Join(header, ","), MessageValueLen))
	}
	for i, n := range names {
		if i == c.value || i == c.typ {
			continue
		}
		f, ok := columnAliases[n]
		if !ok {
			continue
		}
		if f == fType {
			if c.typ < 0 {
				c.typ = i
			}
			continue
		}
		c.other = append(c.other, column{i, f})
	}
	return c, nil
}

// detectValueColumn returns the first column whose first non-empty cell is
// a value of some Falcon type, or -1.
func detectValueColumn(n int, rows [][]string) int {
	for col := range n {
		for _, rec := range rows {
			if col >= len(rec) || strings.TrimSpace(rec[col]) == "" {
				continue
			}
			if _, ok := ioc.DetectType(ioc.Refang(rec[col])); ok {
				return col
			}
			break
		}
	}
	return -1
}

func csvRow(b *builder, c *columns, rec []string, org string) {
	e := Entry{Origin: org}
	raw := strings.TrimSpace(rec[c.value])
	var typ ioc.Type
	if c.typ >= 0 {
		t := strings.ToLower(strings.TrimSpace(rec[c.typ]))
		if t != "" {
			mapped, known := typeAliases[t]
			if !known {
				b.add1(Problem{Origin: org, Value: raw, Kind: KindType,
					Reason: "type " + strconv.Quote(clip(t, 40)) + " is not one Falcon takes"})
				return
			}
			typ = mapped
		}
	}
	for _, col := range c.other {
		v := strings.TrimSpace(rec[col.index])
		if v == "" {
			continue
		}
		switch col.field {
		case fAction:
			e.Action = strings.ToLower(v)
		case fSeverity:
			e.Severity = strings.ToLower(v)
		case fDescription:
			if e.Description == "" {
				e.Description = v
			} else {
				e.Description += " " + v
			}
		case fPlatforms:
			e.Platforms = splitList(strings.ToLower(v))
		case fTags:
			e.Tags = append(e.Tags, splitList(v)...)
		case fSource:
			e.Source = v
		case fExpiration:
			t, err := parseTime(v)
			if err != nil {
				b.problem(org, v, "bad expiration: want RFC 3339 or YYYY-MM-DD[ HH:MM:SS]")
				return
			}
			e.Expiration = t
		}
	}
	for _, v := range splitPacked(raw) {
		b.add(e, typ, v)
	}
}

// splitList splits a cell on ';', '|' or ',' and drops empty items.
func splitList(s string) []string {
	var out []string
	for p := range strings.FieldsFuncSeq(s, func(r rune) bool { return r == ';' || r == '|' || r == ',' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseTime reads an RFC 3339 timestamp, or a date or date-time without a
// zone, taken as UTC.
func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errors.New("bad time")
}
