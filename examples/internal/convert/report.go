package convert

import (
	"cmp"
	"encoding/json"
	"io"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/falconioc/falcon/ioc"
)

// The outcomes of an input row in a Report.
const (
	OutcomeCreate    = "create"    // created (or, in a dry run or plan, would be)
	OutcomeUpdate    = "update"    // updated (or would be)
	OutcomeUnchanged = "unchanged" // already in Falcon as wanted, left as it is
	OutcomeSkip      = "skip"      // not sent: a kind Falcon does not take, a duplicate, a conflict
	OutcomeReject    = "reject"    // not sent, or refused by the API: the row or value is wrong
	OutcomeFail      = "fail"      // sent, and the API failed it (a warning, an error)
)

// Row is one line of a -json report: what became of one input row (or of
// one value of a row that packs several).
type Row struct {
	File    string `json:"file"`             // the feed's base name
	Line    int    `json:"line,omitempty"`   // for CSV and lists
	Object  string `json:"object,omitempty"` // the STIX object id
	Type    string `json:"type,omitempty"`   // the indicator type, or what the value is (sha1, url, ...)
	Value   string `json:"value,omitempty"`
	Outcome string `json:"outcome"`
	Reason  string `json:"reason,omitempty"`
	Note    string `json:"note,omitempty"` // what was dropped to read the value ("port 53 dropped")
	ID      string `json:"id,omitempty"`   // the indicator's id in Falcon
}

// Summary is the last line of a -json report.
type Summary struct {
	DryRun   bool                      `json:"dry_run,omitempty"`
	Rows     int                       `json:"rows"`
	Outcomes map[string]int            `json:"outcomes"`
	Types    map[string]map[string]int `json:"types"` // type -> outcome -> count
}

// Report writes a -json report: one JSON object per row, then
// {"summary": ...}. A nil *Report writes nothing.
type Report struct {
	enc *json.Encoder
	sum Summary
	err error
}

// NewReport returns a report written to w, or nil when on is false.
func NewReport(w io.Writer, on bool) *Report {
	if !on {
		return nil
	}
	e := json.NewEncoder(w)
	e.SetEscapeHTML(false)
	return &Report{enc: e, sum: Summary{Outcomes: map[string]int{}, Types: map[string]map[string]int{}}}
}

// Add writes one row.
func (r *Report) Add(row Row) {
	if r == nil {
		return
	}
	r.sum.Rows++
	r.sum.Outcomes[row.Outcome]++
	t := cmp.Or(row.Type, "unknown")
	if r.sum.Types[t] == nil {
		r.sum.Types[t] = map[string]int{}
	}
	r.sum.Types[t][row.Outcome]++
	if r.err == nil {
		r.err = r.enc.Encode(row)
	}
}

// Close writes the summary and returns the first write error.
func (r *Report) Close(dryRun bool) error {
	if r == nil {
		return nil
	}
	r.sum.DryRun = dryRun
	if r.err == nil {
		r.err = r.enc.Encode(struct {
			Summary Summary `json:"summary"`
		}{r.sum})
	}
	return r.err
}

// row returns a report row for an origin ("name:line" or a STIX id) in
// feed file.
func (b *Batch) row(origin string, file int) Row {
	r := Row{}
	if file >= 0 && file < len(b.Names) {
		r.File = b.Names[file]
	}
	if name, line, ok := strings.Cut(origin, ":"); ok && name == r.File {
		if n, err := strconv.Atoi(line); err == nil {
			r.Line = n
			return r
		}
	}
	if origin != "-" {
		r.Object = origin
	}
	return r
}

// ItemRow returns the report row of Items[i] with the given outcome.
func (b *Batch) ItemRow(i int, outcome, reason, id string) Row {
	r := b.row(b.Origin(i), b.itemFile[i])
	r.Type, r.Value, r.Note = string(b.Items[i].Type), b.Items[i].Value, b.Notes[i]
	r.Outcome, r.Reason, r.ID = outcome, reason, id
	return r
}

// ReportSetAside writes the rows of the items set aside (Invalid, as
// rejects; Skipped, as skips) and of the duplicates dropped, in feed order.
func (b *Batch) ReportSetAside(r *Report) {
	if r == nil {
		return
	}
	type entry struct {
		file, line int
		row        Row
	}
	var rows []entry
	for _, p := range b.Invalid {
		row := b.row(p.Origin, p.file)
		row.Type, row.Value, row.Reason, row.Outcome = string(p.Type), p.Value, p.Reason, OutcomeReject
		rows = append(rows, entry{p.file, row.Line, row})
	}
	for _, p := range b.Skipped {
		row := b.row(p.Origin, p.file)
		row.Type, row.Value, row.Reason, row.Outcome = p.Kind, p.Value, p.Reason, OutcomeSkip
		rows = append(rows, entry{p.file, row.Line, row})
	}
	for _, d := range b.DuplicateRows {
		row := b.row(d.Origin, d.file)
		row.Type, row.Value, row.Outcome = string(d.Type), d.Value, OutcomeSkip
		row.Reason = "duplicate of " + d.First
		rows = append(rows, entry{d.file, row.Line, row})
	}
	slices.SortStableFunc(rows, func(x, y entry) int { return cmp.Or(cmp.Compare(x.file, y.file), cmp.Compare(x.line, y.line)) })
	for _, e := range rows {
		r.Add(e.row)
	}
}

// WarningOf predicts the warning the API answers a new indicator with,
// which refuses it unless warnings are ignored: Falcon warns about private,
// loopback, link-local, unspecified and multicast addresses. It returns ""
// when it predicts none.
func WarningOf(it ioc.NewIndicator) string {
	if it.Type != ioc.TypeIPv4 && it.Type != ioc.TypeIPv6 {
		return ""
	}
	a, err := netip.ParseAddr(it.Value)
	if err != nil {
		return ""
	}
	if a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() || a.IsUnspecified() || a.IsMulticast() {
		return "private or reserved address: the API refuses it with a warning"
	}
	return ""
}
