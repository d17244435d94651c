package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/falconioc/falcon/ioc"
)

// encoder writes indicators one at a time, holding none of them.
type encoder interface {
	// header writes what precedes the first indicator (nothing for JSON
	// Lines).
	header() error
	encode(ind *ioc.Indicator) error
	// flush writes out what is buffered.
	flush() error
}

// newEncoder returns the encoder for format. With escape, CSV cells that a
// spreadsheet would run as a formula get a leading "'".
func newEncoder(format string, w io.Writer, escape bool) (encoder, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	switch format {
	case "jsonl":
		e := json.NewEncoder(bw)
		e.SetEscapeHTML(false)
		return &jsonlEncoder{w: bw, enc: e}, nil
	case "csv":
		return &csvEncoder{w: bw, cw: csv.NewWriter(bw), escape: escape}, nil
	}
	return nil, fmt.Errorf("unknown format %q", format)
}

// jsonlEncoder writes one JSON object per line, as the API returns it.
type jsonlEncoder struct {
	w   *bufio.Writer
	enc *json.Encoder
}

func (e *jsonlEncoder) header() error                   { return nil }
func (e *jsonlEncoder) encode(ind *ioc.Indicator) error { return e.enc.Encode(ind) }
func (e *jsonlEncoder) flush() error                    { return e.w.Flush() }

// csvColumns are the CSV export's columns. The first nine are those the
// import example reads (examples/internal/feed), so an export can be
// imported or synced elsewhere.
var csvColumns = []string{
	"type", "value", "action", "severity", "description", "platforms", "tags", "expiration", "source",
	"id", "mobile_action", "applied_globally", "host_groups", "expired", "from_parent",
	"created_on", "created_by", "modified_on", "modified_by",
}

// csvEncoder writes a header and one row per indicator. Lists are joined
// with ";" and times are RFC 3339 in UTC.
type csvEncoder struct {
	w      *bufio.Writer
	cw     *csv.Writer
	row    []string
	escape bool
}

func (e *csvEncoder) header() error { return e.cw.Write(csvColumns) }

func (e *csvEncoder) encode(ind *ioc.Indicator) error {
	e.row = append(e.row[:0],
		string(ind.Type), ind.Value, string(ind.Action), string(ind.Severity), ind.Description,
		joinList(ind.Platforms), joinList(ind.Tags), csvTime(ind.Expiration), ind.Source,
		ind.ID, string(ind.MobileAction), strconv.FormatBool(ind.AppliedGlobally), joinList(ind.HostGroups),
		strconv.FormatBool(ind.Expired), strconv.FormatBool(ind.FromParent),
		csvTime(ind.CreatedOn), ind.CreatedBy, csvTime(ind.ModifiedOn), ind.ModifiedBy,
	)
	if e.escape {
		for i, c := range e.row {
			e.row[i] = escapeFormula(c)
		}
	}
	return e.cw.Write(e.row)
}

func (e *csvEncoder) flush() error {
	e.cw.Flush()
	if err := e.cw.Error(); err != nil {
		return err
	}
	return e.w.Flush()
}

func joinList[T ~string](xs []T) string {
	var b strings.Builder
	for i, x := range xs {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(string(x))
	}
	return b.String()
}

func csvTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// escapeFormula puts a "'" before a cell that starts with "=", "+", "-",
// "@", a tab or a carriage return, which spreadsheets take as the start of
// a formula, so that they show it as text instead of running it.
func escapeFormula(c string) string {
	if c != "" && strings.IndexByte("=+-@\t\r", c[0]) >= 0 {
		return "'" + c
	}
	return c
}
