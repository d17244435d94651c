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
// created twice. Each item carries the trace id of the answer that settled
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
	r.invalid(c)
	counted := countAttempts(ctx)
	r.run(counted.ctx, r.batches(), func(ctx context.Context, idx []int) { r.createBatch(ctx, norm, idx) })
	r.finish()
	r.res.Attempts = counted.n()
	return r.res, r.res.Err()
}

// createBatch sends one batch, reconciling lost or unaccounted rows.
func (r *writeRun) createBatch(ctx context.Context, norm []NewIndicator, idx []int) {
	items := r.res.Items
	pending := idx
	reconciled := false // a look-up has happened: duplicates may be ours
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
		resp, err := r.s.client.Do(ctx, &falcon.Request{
			Method: http.MethodPost, Path: pathEntities, Query: r.cfg.query(), Body: body,
			Idempotency: falcon.NotIdempotent,
		}, &rows)
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
		found, lerr := r.lookup(ctx, norm, check)
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
func (r *writeRun) lookup(ctx context.Context, norm []NewIndicator, idx []int) (map[Ref]lookupHit, error) {
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
	var terms []fql.Expr
	size, count := 0, 0
	flush := func() {
		if len(terms) > 0 {
			filters = append(filters, fql.Or(terms...))
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
	for _, f := range filters {
		var out indicatorList
		q := url.Values{"filter": {f.String()}, "limit": {strconv.Itoa(MaxLimit)}}
		var err error
		trace := ""
		// The client retries reads after transport errors and 502-504; a
		// look-up is a read, so a 500 is worth a second try here too.
		for range lookupAttempts {
			out = nil
			var resp *falcon.Response
			resp, err = r.s.client.Do(ctx, &falcon.Request{Method: http.MethodGet, Path: pathCombined, Query: q}, &out)
			trace = traceOf(resp, err)
			r.sent(trace)
			if err == nil || !falcon.ResponseLost(err) || ctx.Err() != nil {
				break
			}
		}
		if err != nil {
			return nil, err
		}
		for _, ind := range out {
			if ind != nil {
				found[ind.Ref()] = lookupHit{ind: ind, trace: trace}
			}
		}
	}
	return found, nil
}

// updateBody is the body of an update request (api.IndicatorUpdateReqsV1):
