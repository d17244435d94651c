package ioc

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/falconioc/falcon"
	"github.com/falconioc/falcon/fql"
)

// createBody is the body of a create request (api.IndicatorCreateReqsV1).
type createBody struct {
	Comment    string          `json:"comment,omitempty"`
	Indicators []*NewIndicator `json:"indicators"`
}

// Create creates indicators, returning one result per item.
//
// Every item is validated first (type, value, action, platforms, host
// groups, expiration, source; see NewIndicator) and values are
// normalised (lower-case hashes and domains, canonical IPv6). Unless
// opts.SkipInvalid is set, any problem refuses the whole call with a
// *falcon.ValidationError naming every bad item and field, and nothing is
// sent. The same type and value twice in items counts as a problem.
//
// Items go in batches of opts.BatchSize (200 by default) with
// opts.Concurrency requests in flight (4 by default). Per-item failures,
// such as duplicates or the API's own refusals, are reported in the
// result's items; warnings are kept apart from errors. A create is never
// blindly re-sent: when a batch's answer is lost (falcon.ResponseLost:
// no answer, or a 5xx) or does not account for some rows, its values are
// looked up, those found count as created, and only the others are sent
// again (at most opts.MaxReconcileRounds times). So no item is lost or
// created twice. A row found that this call did not create fails with
// ErrDuplicate, as it would had the answer arrived: one created before
// the batch was first sent (its created_on against the server's clock,
// read from the Date header of the first answer that has one, a few
// seconds' allowance for the clocks of the API's hosts, or five minutes
// against the local clock when no answer is dated), or one whose fields
// differ from those sent. The look-up pages, and halves a page size the
// server refuses, as All does. Each item carries the trace id of the answer that settled
// it (WriteItem.TraceID, also in its ItemError), and WriteResult.TraceIDs
// lists those of every answer. ValidateNew runs the checks alone.
//
// The error is nil when every item was written, a *WriteError (with the
// result) when some failed, or the validation error (with a nil result).
//
// Falcon API: POST /iocs/entities/indicators/v1
func (s *IndicatorsService) Create(ctx context.Context, items []NewIndicator, opts *WriteOptions) (*WriteResult, error) {
	c := &checker{now: time.Now()}
	cfg := opts.compile(c)
	if err := c.err(); err != nil {
		return nil, err
	}
	norm := c.checkNew(items)
	if err := c.err(); err != nil && !cfg.SkipInvalid {
		return nil, err
	}
	r := &writeRun{s: s, cfg: cfg, res: &WriteResult{Items: make([]WriteItem, len(items))}}
	for i := range items {
		r.res.Items[i] = WriteItem{Index: i, Ref: norm[i].Ref()}
	}
	r.lookups = newPageLimit(MaxLimit)
	r.lookups.sent = func(resp *falcon.Response, err error) { r.sent(traceOf(resp, err)) }
	r.invalid(c)
	counted := countAttempts(ctx)
	r.run(counted.ctx, "IndicatorsService.Create", r.batches(), func(ctx context.Context, idx []int) { r.createBatch(ctx, norm, idx) })
	r.finish()
	r.res.Attempts = counted.n()
	return r.res, r.res.Err()
}

// createBatch sends one batch, reconciling lost or unaccounted rows.
func (r *writeRun) createBatch(ctx context.Context, norm []NewIndicator, idx []int) {
	items := r.res.Items
	pending := idx
	reconciled := false // a look-up has happened: duplicates may be ours
	var clock batchClock
	for round := 0; len(pending) > 0; round++ {
		if round > r.cfg.rounds {
			for _, i := range pending {
				items[i].Err = &ItemError{Message: "the API did not report on this item after " + strconv.Itoa(r.cfg.rounds) + " attempts", Err: ErrOutcomeUnknown}
			}
			return
		}
		body := createBody{Comment: r.cfg.Comment, Indicators: make([]*NewIndicator, len(pending))}
		for k, i := range pending {
			body.Indicators[k] = &norm[i]
		}
		var rows writeRows
		if round == 0 {
			clock.sent = time.Now()
		}
		resp, err := r.s.client.Do(ctx, &falcon.Request{
			Method: http.MethodPost, Path: pathEntities, Query: r.cfg.query(), Body: body,
			Idempotency: falcon.NotIdempotent,
		}, &rows)
		clock.observe(resp, err)
		trace := traceOf(resp, err)
		r.sent(trace)
		for _, i := range pending {
			items[i].TraceID = trace
		}
		var unaccounted, dups []int
		switch {
		case err == nil:
			unaccounted, dups = assignCreateRows(items, pending, &rows, http.StatusBadRequest, reconciled)
			unaccounted = assignErrorDetails(items, unaccounted, resp.Errors, http.StatusBadRequest)
		case falcon.ResponseLost(err):
			unaccounted = pending
		default:
			details, status, ok := rowsFromError(err, &rows)
			if !ok {
				// No rows: a refusal of the whole request, unless its
				// errors name some of the values.
				var ae *falcon.APIError
				if !errors.As(err, &ae) || ae.StatusCode >= 500 {
					requestFailed(items, pending, err)
					return
				}
				rest := assignErrorDetails(items, pending, ae.Errors, ae.StatusCode)
				if len(rest) == len(pending) {
					requestFailed(items, pending, err)
					return
				}
				unaccounted = rest
				break
			}
			unaccounted, dups = assignCreateRows(items, pending, &rows, status, reconciled)
			unaccounted = assignErrorDetails(items, unaccounted, details, status)
		}
		check := slices.Concat(unaccounted, dups)
		if len(check) == 0 {
			return
		}
		found, lerr := r.lookup(ctx, norm, check, &clock)
		reconciled = true
		if lerr != nil {
			for _, i := range unaccounted {
				items[i].Err = &ItemError{Message: "response lost and the look-up failed: " + firstLine(lerr.Error()),
					Err: errors.Join(ErrOutcomeUnknown, lerr)}
			}
			return
		}
		pending = pending[:0:0]
		for _, i := range check {
			if hit, ok := found[norm[i].Ref()]; ok {
				if why := clock.existed(&norm[i], hit.ind); why != "" {
					// Not this call's row: a duplicate, as the answer says
					// when it arrives.
					if items[i].Err == nil || !items[i].Err.Is(ErrDuplicate) {
						items[i].Err = &ItemError{ID: hit.ind.ID, Code: http.StatusBadRequest, Field: "value",
							Message: "indicator already exists: " + why, Err: ErrDuplicate}
						items[i].TraceID = hit.trace
					}
					items[i].Indicator, items[i].ID = nil, hit.ind.ID
					continue
				}
				items[i].Err, items[i].Indicator, items[i].ID, items[i].TraceID = nil, hit.ind, hit.ind.ID, hit.trace
				continue
			}
			if items[i].Err == nil { // unaccounted and absent: send again
				pending = append(pending, i)
			}
		}
	}
}

// assignCreateRows records the rows of a create answer on the items of
// pending, matched by type and value. It returns the items no row accounts
// for, and, once a look-up has happened, those refused as duplicates (which
// may be the rows of a lost earlier attempt).
func assignCreateRows(items []WriteItem, pending []int, rows *writeRows, status int, reconciled bool) (unaccounted, dups []int) {
	queue := make(map[Ref][]int, len(pending))
	for _, i := range pending {
		queue[items[i].Ref] = append(queue[items[i].Ref], i)
	}
	done := make(map[int]bool, len(pending))
	for k, ind := range rows.inds {
		if ind == nil {
			continue
		}
		info := rows.infos[k]
		ref := Ref{Type: ind.Type, Value: ind.Value}
		q := queue[ref]
		if len(q) == 0 {
			continue
		}
		i := q[0]
		queue[ref] = q[1:]
		it := &items[i]
		switch strings.ToLower(info.MessageType) {
		case "error":
			code := info.Code
			if code == 0 {
				code = status
			}
			it.Err = &ItemError{ID: ind.ID, Code: code, Field: info.FieldName, Message: info.Message}
			if reconciled && it.Err.Is(ErrDuplicate) {
				dups = append(dups, i)
			}
		case "warning":
			it.Warnings = append(it.Warnings, Warning{Field: info.FieldName, Message: info.Message})
			if ind.ID == "" {
				code := info.Code
				if code == 0 {
					code = status
				}
				it.Err = &ItemError{Code: code, Field: info.FieldName, Message: info.Message, Err: ErrWarning}
			} else {
				it.ID, it.Indicator = ind.ID, ind
			}
		default:
			if ind.ID == "" {
				continue // not a report on this row after all
			}
			it.ID, it.Indicator = ind.ID, ind
		}
		done[i] = true
	}
	for _, i := range pending {
		if !done[i] {
			unaccounted = append(unaccounted, i)
		}
	}
	return unaccounted, dups
}

// assignErrorDetails gives the items of idx that an entry of the answer's
// errors names (its message quotes the item's value) that entry as their
// error, and returns the others. It covers answers that report failed rows
// in errors only.
func assignErrorDetails(items []WriteItem, idx []int, details []falcon.ErrorDetail, status int) []int {
	if len(details) == 0 {
		return idx
	}
	var rest []int
	for _, i := range idx {
		quoted := "'" + items[i].Ref.Value + "'"
		matched := false
		for _, d := range details {
			if strings.Contains(d.Message, quoted) {
				code := d.Code
				if code == 0 {
					code = status
				}
				items[i].Err = &ItemError{ID: d.ID, Code: code, Message: d.Message}
				matched = true
				break
			}
		}
		if !matched {
			rest = append(rest, i)
		}
	}
	return rest
}

// lookupQuery bounds the encoded length of one look-up filter, and
// lookupAttempts how often a look-up whose answer is lost is sent.
const (
	lookupQuery    = 12000
	lookupAttempts = 3
)

// lookupHit is an indicator a look-up found, with the trace id of the
// answer that listed it.
type lookupHit struct {
	ind   *Indicator
	trace string
}

// lookup finds which of the items' type and value pairs exist. It asks
// with filters such as (type:'md5'+value:['a','b']),(type:'domain'+...),
// packing as many values into one request as the URL allows.
func (r *writeRun) lookup(ctx context.Context, norm []NewIndicator, idx []int, clock *batchClock) (map[Ref]lookupHit, error) {
	byType := map[Type][]string{}
	var types []Type
	for _, i := range idx {
		t := norm[i].Type
		if _, ok := byType[t]; !ok {
			types = append(types, t)
		}
		byType[t] = append(byType[t], norm[i].Value)
	}
	var filters []fql.Expr
	var counts []int // values per filter
	var terms []fql.Expr
	size, count := 0, 0
	flush := func() {
		if len(terms) > 0 {
			filters = append(filters, fql.Or(terms...))
			counts = append(counts, count)
		}
		terms, size, count = nil, 0, 0
	}
	for _, t := range types {
		var vals []string
		for _, v := range byType[t] {
			n := len(url.QueryEscape(v)) + 9 // quotes, comma and their escapes
			if size+n > lookupQuery || count == MaxLimit {
				if len(vals) > 0 {
					terms = append(terms, fql.And(fql.Eq("type", string(t)), fql.In("value", vals...)))
					vals = nil
				}
				flush()
			}
			vals = append(vals, v)
			size += n
			count++
		}
		terms = append(terms, fql.And(fql.Eq("type", string(t)), fql.In("value", vals...)))
		size += 40
	}
	flush()
	found := make(map[Ref]lookupHit, len(idx))
	for k, f := range filters {
		if err := r.lookupFilter(ctx, f.String(), counts[k], found, clock); err != nil {
			return nil, err
		}
	}
	return found, nil
}

// lookupFilter adds the indicators filter (naming n values) selects to
// found, page by page: one page, unless the server refused the largest
// page size. As no two indicators share a type and value, n bounds the
// rows, and so the pages, whatever cursors the server sends.
func (r *writeRun) lookupFilter(ctx context.Context, filter string, n int, found map[Ref]lookupHit, clock *batchClock) error {
	after, got := "", 0
	for {
		var out indicatorList
		var resp *falcon.Response
		var err error
		// The client retries reads after transport errors and 502-504; a
		// look-up is a read, so a 500 is worth a second try here too.
		for range lookupAttempts {
			out = nil
			resp, err = r.lookups.fetch(ctx, r.s.client, pathCombined, &out, func(limit int) url.Values {
				q := url.Values{"filter": {filter}, "limit": {strconv.Itoa(limit)}}
				if after != "" {
					q.Set("after", after)
				}
				return q
			})
			if err == nil || !falcon.ResponseLost(err) || ctx.Err() != nil {
				break
			}
		}
		if err != nil {
			return err
		}
		clock.observe(resp, nil)
		trace := traceOf(resp, nil)
		for _, ind := range out {
			if ind != nil {
				found[ind.Ref()] = lookupHit{ind: ind, trace: trace}
			}
		}
		got += len(out)
		next := resp.Meta.Pagination.After
		if len(out) == 0 || next == "" || next == after || got >= n {
			return nil
		}
		after = next
	}
}

// Skew allowances of batchClock: how much earlier than the estimated
// first sending a row must have been created to count as existing before
// it. With a Date header the estimate is on the server's clock and only
// the clocks of the API's own hosts may differ; without one it is on the
// local clock, which may be off by minutes.
const (
	skewWithDate    = 5 * time.Second
	skewWithoutDate = 5 * time.Minute
)

// batchClock places the first sending of a batch on the server's clock,
// so that the look-up after a lost answer can tell the rows the batch
// created from rows that existed before it.
type batchClock struct {
	sent     time.Time     // local time of the first sending
	offset   time.Duration // server clock minus local clock
	measured bool          // offset comes from a Date header
}

// observe measures the offset from the Date header of the first answer
// that has one (the create's, or a look-up's), received now. A Date has
// whole seconds and is stamped before the answer travels, so the offset
// measured is at most the true one: rows the batch created are never
// dated before sent+offset.
func (b *batchClock) observe(resp *falcon.Response, err error) {
	if b.measured {
		return
	}
	now := time.Now()
	var h http.Header
	if resp != nil && resp.Response != nil {
		h = resp.Header
	} else if ae, ok := errors.AsType[*falcon.APIError](err); ok {
		h = ae.Header
	}
	if d, perr := http.ParseTime(h.Get("Date")); perr == nil {
		b.offset, b.measured = d.Sub(now), true
	}
}

// existed says why ind, found by the look-up for n, is not a row this call
// created ("" when it may be): it was created before the batch was first
// sent, or its fields differ from those sent.
func (b *batchClock) existed(n *NewIndicator, ind *Indicator) string {
	skew := skewWithoutDate
	if b.measured {
		skew = skewWithDate
	}
	if !ind.CreatedOn.IsZero() && ind.CreatedOn.Before(b.sent.Add(b.offset-skew)) {
		return "created " + ind.CreatedOn.UTC().Format(time.RFC3339) + ", before this call sent it"
	}
	if f := differingField(n, ind); f != "" {
		return "its " + f + " differs from the one sent"
	}
	return ""
}

// differingField names a field of ind that differs from what n sent, or
// returns "". Cases, order and repeats in lists, surrounding space and
// sub-second expirations do not count, nor do fields n left empty that
// the API may fill in (severity, mobile action, metadata).
func differingField(n *NewIndicator, ind *Indicator) string {
	switch {
	case !strings.EqualFold(string(n.Action), string(ind.Action)):
		return "action"
	case n.Severity != "" && !strings.EqualFold(string(n.Severity), string(ind.Severity)):
		return "severity"
	case n.MobileAction != "" && !strings.EqualFold(string(n.MobileAction), string(ind.MobileAction)):
		return "mobile_action"
	case n.AppliedGlobally != ind.AppliedGlobally:
		return "applied_globally"
	case strings.TrimSpace(n.Description) != strings.TrimSpace(ind.Description):
		return "description"
	case strings.TrimSpace(n.Source) != strings.TrimSpace(ind.Source):
		return "source"
	case !sameFold(n.Platforms, ind.Platforms):
		return "platforms"
	case !sameFold(n.Tags, ind.Tags):
		return "tags"
	case !sameFold(n.HostGroups, ind.HostGroups):
		return "host_groups"
	case n.Expiration.IsZero() != ind.Expiration.IsZero() || n.Expiration.Sub(ind.Expiration).Abs() >= time.Second:
		return "expiration"
	case n.Metadata != nil && n.Metadata.Filename != "" && (ind.Metadata == nil || ind.Metadata.Filename != n.Metadata.Filename):
		return "metadata.filename"
	}
	return ""
}

// sameFold reports whether a and b hold the same strings, ignoring case,
// order and repeats.
func sameFold[S ~string](a, b []S) bool {
	set := func(l []S) map[string]bool {
		m := make(map[string]bool, len(l))
		for _, v := range l {
			m[strings.ToLower(strings.TrimSpace(string(v)))] = true
		}
		return m
	}
	sa, sb := set(a), set(b)
	if len(sa) != len(sb) {
		return false
	}
	for v := range sa {
		if !sb[v] {
			return false
		}
	}
	return true
}

// updateBody is the body of an update request (api.IndicatorUpdateReqsV1):
