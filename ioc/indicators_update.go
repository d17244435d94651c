package ioc

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/falconioc/falcon"
)

// the spec requires both keys; the one not used is null.
type updateBody struct {
	BulkUpdate *bulkWire          `json:"bulk_update"`
	Comment    string             `json:"comment,omitempty"`
	Indicators []*IndicatorUpdate `json:"indicators"`
}

// Update changes indicators by id, returning one result per item. Each
// field of an IndicatorUpdate is sent only when set (Set) or cleared
// (Clear), so false and empty values are sendable. A cleared list (tags,
// host groups) goes out as [], since the API reads null as "leave alone"
// for lists; platforms cannot be cleared. Items are validated
// first as Create's are, then sent in batches with bounded concurrency.
// An update is safe to repeat, so lost answers are retried by the client.
// Ids the API does not know fail with an *ItemError matching
// falcon.ErrNotFound; items its answer does not report on fail matching
// ErrOutcomeUnknown. Items carry trace ids as Create's do, and
// ValidateUpdates runs the checks alone.
//
// The error is nil when every item was written, a *WriteError (with the
// result) when some failed, or the validation error (with a nil result).
//
// Falcon API: PATCH /iocs/entities/indicators/v1
func (s *IndicatorsService) Update(ctx context.Context, items []IndicatorUpdate, opts *WriteOptions) (*WriteResult, error) {
	c := &checker{now: time.Now()}
	cfg := opts.compile(c)
	if err := c.err(); err != nil {
		return nil, err
	}
	norm := c.checkUpdates(items)
	if err := c.err(); err != nil && !cfg.SkipInvalid {
		return nil, err
	}
	r := &writeRun{s: s, cfg: cfg, res: &WriteResult{Items: make([]WriteItem, len(items))}}
	for i := range items {
		r.res.Items[i] = WriteItem{Index: i, ID: norm[i].ID}
	}
	r.invalid(c)
	counted := countAttempts(ctx)
	r.run(counted.ctx, "IndicatorsService.Update", r.batches(), func(ctx context.Context, idx []int) {
		body := updateBody{Comment: cfg.Comment, Indicators: make([]*IndicatorUpdate, len(idx))}
		for k, i := range idx {
			body.Indicators[k] = &norm[i]
		}
		var rows writeRows
		resp, err := s.client.Do(ctx, &falcon.Request{Method: http.MethodPatch, Path: pathEntities, Query: cfg.query(), Body: body}, &rows)
		trace := traceOf(resp, err)
		r.sent(trace)
		for _, i := range idx {
			r.res.Items[i].TraceID = trace
		}
		var details []falcon.ErrorDetail
		status := http.StatusBadRequest
		if err != nil {
			var ok bool
			if details, status, ok = rowsFromError(err, &rows); !ok {
				requestFailed(r.res.Items, idx, err)
				return
			}
		} else if resp != nil {
			details = resp.Errors
		}
		assignUpdateRows(r.res.Items, idx, &rows, details, status)
	})
	r.finish()
	r.res.Attempts = counted.n()
	return r.res, r.res.Err()
}

// assignUpdateRows records the rows of an update answer on the items of
// idx, matched by id.
func assignUpdateRows(items []WriteItem, idx []int, rows *writeRows, details []falcon.ErrorDetail, status int) {
	byID := make(map[string]int, len(idx))
	for _, i := range idx {
		byID[items[i].ID] = i
	}
	codes := make(map[string]int, len(details))
	for _, d := range details {
		if d.ID != "" {
			codes[strings.ToLower(d.ID)] = d.Code
		}
	}
	done := make(map[int]bool, len(idx))
	for k, ind := range rows.inds {
		if ind == nil {
			continue
		}
		i, ok := byID[strings.ToLower(ind.ID)]
		if !ok || done[i] {
			continue
		}
		done[i] = true
		applyRow(&items[i], ind, rows.infos[k], codes, status)
	}
	for _, i := range idx {
		if done[i] {
			continue
		}
		// An error naming the id is the item's; with none, the outcome
		// is unknown.
		items[i].Err = &ItemError{ID: items[i].ID, Message: "the API did not report on this indicator", Err: ErrOutcomeUnknown}
		for _, d := range details {
			if strings.EqualFold(d.ID, items[i].ID) {
				items[i].Err = &ItemError{ID: items[i].ID, Code: codes[items[i].ID], Message: d.Message}
				break
			}
		}
	}
}

// applyRow records one row of an update answer.
func applyRow(it *WriteItem, ind *Indicator, info rowInfo, codes map[string]int, status int) {
	if ind.Type != "" || ind.Value != "" {
		it.Ref = ind.Ref()
	}
	if it.ID == "" {
		it.ID = ind.ID
	}
	code := info.Code
	if code == 0 {
		code = codes[strings.ToLower(ind.ID)]
	}
	if code == 0 {
		code = status
	}
	switch strings.ToLower(info.MessageType) {
	case "error":
		it.Err = &ItemError{ID: it.ID, Code: code, Field: info.FieldName, Message: info.Message}
	case "warning":
		it.Warnings = append(it.Warnings, Warning{Field: info.FieldName, Message: info.Message})
		it.Indicator = ind
	default:
		it.Indicator = ind
	}
}

// BulkUpdate changes every indicator that b.Filter matches. Fields follow
// IndicatorUpdate's rules, except that only the list fields (tags, host
// groups) can be cleared (they go out as []), as the API's bulk model has
// no null for the others. A zero b.Filter is refused (MatchAll selects
// every indicator); the filter is checked like every Filter. Of opts,
// Comment, Retrodetects and IgnoreWarnings apply.
//
// The result has one item per indicator the API reports on, in its order,
// and the trace id of the answer (WriteResult.TraceIDs). The error is nil
// when all were updated, a *WriteError (with the result) when some failed,
// or the validation or request error (with a nil result).
//
// Falcon API: PATCH /iocs/entities/indicators/v1
func (s *IndicatorsService) BulkUpdate(ctx context.Context, b BulkUpdate, opts *WriteOptions) (*WriteResult, error) {
	c := &checker{now: time.Now()}
	cfg := opts.compile(c)
	nb := c.checkBulk(b)
	if err := c.err(); err != nil {
		return nil, err
	}
	var rows writeRows
	body := updateBody{BulkUpdate: &nb, Comment: cfg.Comment}
	counted := countAttempts(ctx)
	resp, err := s.client.Do(counted.ctx, &falcon.Request{Method: http.MethodPatch, Path: pathEntities, Query: cfg.query(), Body: body}, &rows)
	var details []falcon.ErrorDetail
	status := http.StatusBadRequest
	if err != nil {
		var ok bool
		if details, status, ok = rowsFromError(err, &rows); !ok {
			return nil, err
		}
	} else {
		details = resp.Errors
	}
	codes := make(map[string]int, len(details))
	for _, d := range details {
		if d.ID != "" {
			codes[strings.ToLower(d.ID)] = d.Code
		}
	}
	trace := traceOf(resp, err)
	res := &WriteResult{Items: make([]WriteItem, 0, len(rows.inds)), Requests: 1, Attempts: counted.n()}
	if trace != "" {
		res.TraceIDs = []string{trace}
	}
	for k, ind := range rows.inds {
		if ind == nil {
			continue
		}
		it := WriteItem{Index: k, TraceID: trace}
		applyRow(&it, ind, rows.infos[k], codes, status)
		if it.Err != nil {
			it.Err.Index, it.Err.Ref, it.Err.TraceID = -1, it.Ref, trace
		}
		res.Items = append(res.Items, it)
	}
	return res, res.Err()
}
