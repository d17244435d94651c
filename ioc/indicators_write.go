package ioc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/falconioc/falcon"
	"github.com/falconioc/falcon/fql"
)

// Sentinel errors matched with errors.Is against an *ItemError (and a
// *WriteError, which unwraps to its first item error).
var (
	// ErrDuplicate: an indicator with the same type and value exists.
	ErrDuplicate = errors.New("ioc: indicator already exists")
	// ErrInvalid: the item failed validation and was not sent
	// (WriteOptions.SkipInvalid).
	ErrInvalid = errors.New("ioc: invalid item not sent")
	// ErrWarning: the API refused the item because of a warning about it;
	// WriteOptions.IgnoreWarnings creates such items anyway.
	ErrWarning = errors.New("ioc: refused because of a warning")
	// ErrOutcomeUnknown: the response to the item's request was lost and
	// the look-up meant to find out what happened failed too. The item may
	// or may not exist.
	ErrOutcomeUnknown = errors.New("ioc: outcome unknown")
	// ErrNotSent: the call ended (its context or an earlier failure) before
	// the item's request was sent.
	ErrNotSent = errors.New("ioc: not sent")
)

// WriteOptions tune Create, Update and BulkUpdate. Nil means the defaults.
type WriteOptions struct {
	// Comment is recorded with the change in Falcon's audit trail.
	Comment string
	// Retrodetects asks Falcon to raise detections for past sightings of
	// the indicators.
	Retrodetects bool
	// IgnoreWarnings creates or updates items the API warns about (such as
	// private IP addresses). Without it, such items fail with ErrWarning;
	// the other items of their batch are still written.
	IgnoreWarnings bool
	// SkipInvalid sends the valid items and reports the invalid ones as
	// failed (ErrInvalid) instead of refusing the whole call with a
	// *falcon.ValidationError.
	SkipInvalid bool
	// BatchSize is the most items per request: 1 to MaxBatchSize,
	// DefaultBatchSize when 0.
	BatchSize int
	// Concurrency is the most requests in flight: 1 to MaxConcurrency,
	// DefaultConcurrency when 0.
	Concurrency int
	// Progress, if set, is called after each batch with the number of
	// items done (written or failed) and the number of items to send.
	// Calls never overlap and done only grows.
	Progress func(done, total int)
	// MaxReconcileRounds bounds how many times Create looks up and re-sends
	// the rows of a batch whose answer was lost or did not account for
	// them: 1 to 10, 3 when 0.
	MaxReconcileRounds int
}

type writeConfig struct {
	WriteOptions
	rounds int
}

func (o *WriteOptions) compile(c *checker) writeConfig {
	var w writeConfig
	if o != nil {
		w.WriteOptions = *o
	}
	if w.BatchSize == 0 {
		w.BatchSize = DefaultBatchSize
	}
	if w.Concurrency == 0 {
		w.Concurrency = DefaultConcurrency
	}
	w.rounds = w.MaxReconcileRounds
	if w.rounds == 0 {
		w.rounds = 3
	}
	c.checkRange("batch_size", w.BatchSize, 1, MaxBatchSize)
	c.checkRange("concurrency", w.Concurrency, 1, MaxConcurrency)
	c.checkRange("max_reconcile_rounds", w.rounds, 1, 10)
	return w
}

func (w *writeConfig) query() url.Values {
	q := url.Values{}
	if w.IgnoreWarnings {
		q.Set("ignore_warnings", "true")
	}
	if w.Retrodetects {
		q.Set("retrodetects", "true")
	}
	return q
}

// WriteResult reports a bulk write item by item.
type WriteResult struct {
	// Items has one entry per input item, in input order (for BulkUpdate,
	// one per indicator the API reports on, in its order).
	Items []WriteItem
	// Requests is how many requests the call sent, look-ups included.
	Requests int
	// TraceIDs are the trace ids of the answers the call received, look-ups
	// included, in the order they arrived: what CrowdStrike support asks
	// for. A request whose answer was lost has none, so there may be fewer
	// than Requests. WriteItem.TraceID names the one that matters for an
	// item.
	TraceIDs []string
}

// WriteItem is the outcome of one item of a write.
type WriteItem struct {
	// Index is the item's position in the input.
	Index int
	// Ref is the item's type and value (the value as sent, normalised).
	// For updates it is filled from the API's answer.
	Ref Ref
	// ID is the indicator's id, when known.
	ID string
	// Indicator is the indicator as the API returned it after the write;
	// nil when the item failed (or the API did not return it).
	Indicator *Indicator
	// Err is why the item failed; nil when it was written.
	Err *ItemError
	// Warnings are the API's warnings about the item, which do not stop it
	// being written with IgnoreWarnings.
	Warnings []Warning
	// TraceID is the trace id of the last answer about the item: the answer
	// to the request that carried it or, when that answer was lost, to the
	// look-up that found it. Quote it to CrowdStrike support about this
	// item. Empty when the item was never sent or no answer arrived.
	TraceID string
}

// OK reports whether the item was written.
func (it *WriteItem) OK() bool { return it.Err == nil }

// Succeeded returns how many items were written.
func (r *WriteResult) Succeeded() int {
	n := 0
	for i := range r.Items {
		if r.Items[i].Err == nil {
			n++
		}
	}
	return n
}

// Failed returns the items that were not written.
func (r *WriteResult) Failed() []WriteItem {
	var out []WriteItem
	for _, it := range r.Items {
		if it.Err != nil {
			out = append(out, it)
		}
	}
	return out
}

// Err returns a *WriteError when some items failed, and nil otherwise.
func (r *WriteResult) Err() error {
	var we *WriteError
	for i := range r.Items {
		e := r.Items[i].Err
		if e == nil {
			continue
		}
		if we == nil {
			we = &WriteError{Total: len(r.Items), First: e}
		}
		we.Failed++
		if e.Err != nil && we.cause == nil && !errors.Is(e.Err, ErrInvalid) {
			we.cause = e.Err
		}
	}
	if we == nil {
		return nil
	}
	return we
}

// ItemError says why one item of a write failed.
type ItemError struct {
	// Index is the item's position in the input (for Delete, the id's
	// position in ids), or -1 when the error is about no input item
	// (BulkUpdate, DeleteWhere).
	Index int
	// Ref is the item's type and value, when known.
	Ref Ref
	// ID is the indicator id the error is about, when known.
	ID string
	// Code is the API's code for the item (an HTTP status), or 0 when the
	// item never reached the API.
	Code int
	// Field names the offending field, when the API or the validation
	// says.
	Field string
	// Message is the API's (or the validation's) message.
	Message string
	// TraceID is the trace id of the answer that reported the failure, for
	// CrowdStrike support; empty when the item never reached the API or no
	// answer arrived.
	TraceID string
	// Err is the cause, when there is one beyond the message: the
	// request's error (*falcon.APIError, *falcon.RateLimitError, a context
	// error...) or one of this package's sentinels.
	Err error
}

// Error returns one line: which item, the API's code, the field and the
// message, and the trace id, as in
//
//	ioc: item 3 (domain "x.example"): 400 value: Duplicate type: 'domain' and value: 'x.example' combination. (trace id 5c2b...)
//	ioc: item 0 (id 0a1b...): 404 indicator not found (trace id 9f3e...)
//	ioc: item 7 (sha256 "abc"): value: not a valid sha256: must be 64 hexadecimal characters
func (e *ItemError) Error() string {
	var b strings.Builder
	b.WriteString("ioc: ")
	if s := e.subject(); s != "" {
		b.WriteString(s)
		b.WriteString(": ")
	}
	if e.Code != 0 {
		b.WriteString(strconv.Itoa(e.Code))
		b.WriteString(" ")
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	msg := e.Message
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	if msg == "" && e.Code != 0 {
		msg = strings.ToLower(http.StatusText(e.Code))
	}
	b.WriteString(firstLine(msg))
	if e.TraceID != "" {
		b.WriteString(" (trace id ")
		b.WriteString(e.TraceID)
		b.WriteString(")")
	}
	return strings.TrimRight(b.String(), ": ")
}

// subject names the item: `item 3 (domain "x.example")`, `item 3 (id
// 0a1b...)`, `id 0a1b...` or "".
func (e *ItemError) subject() string {
	name := ""
	switch {
	case e.Ref.Value != "":
		name = string(e.Ref.Type) + " " + strconv.Quote(clip(e.Ref.Value))
	case e.ID != "":
		name = "id " + e.ID
	}
	switch {
	case e.Index < 0:
		return name
	case name == "":
		return "item " + strconv.Itoa(e.Index)
	}
	return "item " + strconv.Itoa(e.Index) + " (" + name + ")"
}

// Unwrap returns the cause.
func (e *ItemError) Unwrap() error { return e.Err }

// Is matches ErrDuplicate for the API's duplicate errors and
// falcon.ErrNotFound for a 404.
func (e *ItemError) Is(target error) bool {
	switch target {
	case ErrDuplicate:
		m := strings.ToLower(e.Message)
		return strings.Contains(m, "duplicate") || strings.Contains(m, "already exists")
	case falcon.ErrNotFound:
		return e.Code == http.StatusNotFound
	}
	return false
}

// Warning is a warning the API attached to an item.
type Warning struct {
	Field   string
	Message string
}

// WriteError is returned with the *WriteResult of a write in which some
// items failed. It unwraps to the first failed item's *ItemError and to the
// first request-level error, so errors.Is and errors.As see
// ErrDuplicate, *falcon.RateLimitError, context.Canceled and the like.
type WriteError struct {
	// Failed of Total items were not written.
	Failed, Total int
	// First is the first failed item's error.
	First *ItemError
	cause error
}

// Error returns a one-line summary.
func (e *WriteError) Error() string {
	return fmt.Sprintf("ioc: %d of %d items failed; first: %s", e.Failed, e.Total, strings.TrimPrefix(e.First.Error(), "ioc: "))
}

// Unwrap returns the first item error and the first request-level error.
func (e *WriteError) Unwrap() []error {
	out := []error{e.First}
	if e.cause != nil {
		out = append(out, e.cause)
	}
	return out
}

func firstLine(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		return s[:i]
	}
	return s
}

// progress serialises a Progress callback.
type progress struct {
	mu    sync.Mutex
	fn    func(done, total int)
	done  int
	total int
}

func (p *progress) add(n int) {
	if p.fn == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += n
	p.fn(p.done, p.total)
}

// writeRun is the shared state of one bulk write.
type writeRun struct {
	s        *IndicatorsService
	cfg      writeConfig
	res      *WriteResult
	mu       sync.Mutex // guards res.Requests
	progress *progress
}

// sent counts a request and records the trace id of its answer, if any.
func (r *writeRun) sent(traceID string) {
	r.mu.Lock()
	r.res.Requests++
	if traceID != "" {
		r.res.TraceIDs = append(r.res.TraceIDs, traceID)
	}
	r.mu.Unlock()
}

// traceOf returns the trace id of a request's answer: from the response,
// or from the error when the client kept no response. It is "" when no
// answer arrived.
func traceOf(resp *falcon.Response, err error) string {
	if resp != nil && resp.Meta.TraceID != "" {
		return resp.Meta.TraceID
	}
	if ae, ok := errors.AsType[*falcon.APIError](err); ok {
		return ae.TraceID
	}
	return ""
}

// finish completes the item errors of a write with what the items know:
// index, type and value, id and trace id.
func (r *writeRun) finish() {
	for i := range r.res.Items {
		it := &r.res.Items[i]
		if it.Err == nil {
			continue
		}
		it.Err.Index, it.Err.Ref = it.Index, it.Ref
		if it.Err.ID == "" {
			it.Err.ID = it.ID
		}
		if it.Err.TraceID == "" {
			it.Err.TraceID = it.TraceID
		}
	}
}

// invalid marks the items with validation problems.
func (r *writeRun) invalid(c *checker) {
	for i, probs := range c.byIndex() {
		if i < 0 {
			continue
		}
		p := probs[0]
		msg := p.Message
		if len(probs) > 1 {
			msg += fmt.Sprintf(" (and %d more problems)", len(probs)-1)
		}
		r.res.Items[i].Err = &ItemError{Field: p.Field, Message: msg, Err: ErrInvalid}
	}
}

// batches splits the indices of the items still without an outcome.
func (r *writeRun) batches() [][]int {
	var out [][]int
	var cur []int
	for i := range r.res.Items {
		if r.res.Items[i].Err != nil {
			continue
		}
		cur = append(cur, i)
		if len(cur) == r.cfg.BatchSize {
			out = append(out, cur)
			cur = nil
		}
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// run sends the batches with bounded concurrency. Batches not started when
// ctx ends fail with ErrNotSent.
func (r *writeRun) run(ctx context.Context, batches [][]int, send func(ctx context.Context, idx []int)) {
	total := 0
	for _, b := range batches {
		total += len(b)
	}
	r.progress = &progress{fn: r.cfg.Progress, total: total}
	sem := make(chan struct{}, r.cfg.Concurrency)
	var wg sync.WaitGroup
	for _, b := range batches {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if err := ctx.Err(); err != nil {
			for _, i := range b {
				r.res.Items[i].Err = &ItemError{Message: "not sent: " + err.Error(), Err: errors.Join(ErrNotSent, context.Cause(ctx))}
			}
			continue
		}
		wg.Go(func() {
			defer func() { <-sem }()
			send(ctx, b)
			r.progress.add(len(b))
		})
	}
	wg.Wait()
}

// requestFailed marks items with a request-level error. An API error
// lends its status, first message and trace id; other errors (transport,
// context) their text.
func requestFailed(items []WriteItem, idx []int, err error) {
	code, msg, trace := 0, firstLine(err.Error()), ""
	if ae, ok := errors.AsType[*falcon.APIError](err); ok {
		code, trace = ae.StatusCode, ae.TraceID
		msg = strings.ToLower(http.StatusText(code))
		if len(ae.Errors) > 0 && ae.Errors[0].Message != "" {
			msg = firstLine(ae.Errors[0].Message)
		}
	}
	for _, i := range idx {
		items[i].Err = &ItemError{ID: items[i].ID, Code: code, Message: msg, TraceID: trace, Err: err}
	}
}

// rowsFromError decodes the resources and errors of a non-2xx write
// answer; ok is false when it has no resources (a request-level refusal).
func rowsFromError(err error, rows *writeRows) (details []falcon.ErrorDetail, status int, ok bool) {
	var ae *falcon.APIError
	if !errors.As(err, &ae) || ae.StatusCode >= 500 || len(ae.Body) == 0 {
		return nil, 0, false
	}
	var env struct {
		Resources json.RawMessage `json:"resources"`
	}
	if json.Unmarshal(ae.Body, &env) != nil {
		return nil, 0, false
	}
	t := bytes.TrimSpace(env.Resources)
	if len(t) == 0 || bytes.Equal(t, []byte("null")) || bytes.Equal(t, []byte("[]")) {
		return nil, 0, false
	}
	if rows.UnmarshalJSON(env.Resources) != nil || len(rows.inds) == 0 {
		return nil, 0, false
	}
	return ae.Errors, ae.StatusCode, true
}

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
	r.run(ctx, r.batches(), func(ctx context.Context, idx []int) { r.createBatch(ctx, norm, idx) })
	r.finish()
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
// the spec requires both keys; the one not used is null.
type updateBody struct {
	BulkUpdate *BulkUpdate        `json:"bulk_update"`
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
// falcon.ErrNotFound. Items carry trace ids as Create's do, and
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
	r.run(ctx, r.batches(), func(ctx context.Context, idx []int) {
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
		code := codes[items[i].ID]
		msg := "the API did not report on this indicator"
		for _, d := range details {
			if strings.EqualFold(d.ID, items[i].ID) {
				msg = d.Message
				break
			}
		}
		items[i].Err = &ItemError{ID: items[i].ID, Code: code, Message: msg}
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
// no null for the others. The filter is checked against fql.IOCIndicatorFields. Of opts,
// Comment, Retrodetects and IgnoreWarnings apply.
//
// The result has one item per indicator the API reports on, in its order.
// The error is nil when all were updated, a *WriteError (with the result)
// when some failed, or the request's error.
//
// Falcon API: PATCH /iocs/entities/indicators/v1
func (s *IndicatorsService) BulkUpdate(ctx context.Context, b BulkUpdate, opts *WriteOptions) (*WriteResult, *falcon.Response, error) {
	c := &checker{now: time.Now()}
	cfg := opts.compile(c)
	nb := c.checkBulk(b)
	if err := c.err(); err != nil {
		return nil, nil, err
	}
	var rows writeRows
	body := updateBody{BulkUpdate: &nb, Comment: cfg.Comment}
	resp, err := s.client.Do(ctx, &falcon.Request{Method: http.MethodPatch, Path: pathEntities, Query: cfg.query(), Body: body}, &rows)
	var details []falcon.ErrorDetail
	status := http.StatusBadRequest
	if err != nil {
		var ok bool
		if details, status, ok = rowsFromError(err, &rows); !ok {
			return nil, resp, err
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
	res := &WriteResult{Items: make([]WriteItem, 0, len(rows.inds)), Requests: 1}
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
	return res, resp, res.Err()
}

// DeleteOptions tune Delete and DeleteWhere. Nil means the defaults.
type DeleteOptions struct {
	// Comment is recorded with the deletion in Falcon's audit trail.
	Comment string
	// FromParent restricts the deletion to indicators inherited from an
	// MSSP parent (true) or to the account's own (false).
	FromParent *bool
	// Concurrency is the most requests Delete keeps in flight: 1 to
	// MaxConcurrency, DefaultConcurrency when 0.
	Concurrency int
}

// DeleteResult reports a deletion.
type DeleteResult struct {
	// Deleted lists the ids the API reports deleted.
	Deleted []string
	// NotFound lists the ids the API did not know. An id whose deletion
	// was retried after a lost answer shows here although the first
	// attempt deleted it.
	NotFound []string
	// Failed lists the ids that were not deleted, with why: refused by the
	// API, in a request that failed as a whole (its status or transport
	// error, matching falcon.ResponseLost when the outcome is unknown), or
	// never sent because the call ended first (ErrNotSent). Sending these
	// ids to Delete again is safe.
	Failed []*ItemError
	// TraceIDs are the trace ids of the answers received, one per request
	// (Delete splits long id lists), in request order; a request whose
	// answer was lost has none.
	TraceIDs []string
}

func (o *DeleteOptions) compile(c *checker) DeleteOptions {
	var d DeleteOptions
	if o != nil {
		d = *o
	}
	if d.Concurrency == 0 {
		d.Concurrency = DefaultConcurrency
	}
	c.checkRange("concurrency", d.Concurrency, 1, MaxConcurrency)
	return d
}

func (o *DeleteOptions) query() url.Values {
	q := url.Values{}
	if o.Comment != "" {
		q.Set("comment", o.Comment)
	}
	if o.FromParent != nil {
		q.Set("from_parent", strconv.FormatBool(*o.FromParent))
	}
	return q
}

// add sorts the resources and errors of a delete answer into res. The
// failures' Index is -1 until Delete sets it.
func (res *DeleteResult) add(deleted []string, details []falcon.ErrorDetail, trace string) {
	res.Deleted = append(res.Deleted, deleted...)
	if trace != "" {
		res.TraceIDs = append(res.TraceIDs, trace)
	}
	for _, d := range details {
		switch {
		case d.Code == http.StatusNotFound && d.ID != "":
			res.NotFound = append(res.NotFound, strings.ToLower(d.ID))
		default:
			res.Failed = append(res.Failed, &ItemError{Index: -1, ID: strings.ToLower(d.ID), Code: d.Code,
				Message: d.Message, TraceID: trace})
		}
	}
}

// deleteRequestFailed returns a failure for each id of a delete request
// that failed as a whole: the API's status, first message and trace id, or
// the transport's error. The ids may or may not have been deleted when the
// answer was lost (falcon.ResponseLost); deleting them again is harmless.
func deleteRequestFailed(ids []string, err error) []*ItemError {
	items := make([]WriteItem, len(ids))
	idx := make([]int, len(ids))
	for i, id := range ids {
		items[i].ID, idx[i] = id, i
	}
	requestFailed(items, idx, err)
	out := make([]*ItemError, len(ids))
	for i := range items {
		out[i] = items[i].Err
	}
	return out
}

// deleteErrorAnswer reads the ids and errors of a non-2xx delete answer
// that reports on ids; ok is false for a request-level refusal.
func deleteErrorAnswer(err error) (deleted []string, details []falcon.ErrorDetail, ok bool) {
	var ae *falcon.APIError
	if !errors.As(err, &ae) || (ae.StatusCode != http.StatusNotFound && ae.StatusCode != http.StatusBadRequest) {
		return nil, nil, false
	}
	hasIDs := false
	for _, d := range ae.Errors {
		hasIDs = hasIDs || d.ID != ""
	}
	if !hasIDs {
		return nil, nil, false
	}
	var env struct {
		Resources []string `json:"resources"`
	}
	_ = json.Unmarshal(ae.Body, &env)
	return env.Resources, ae.Errors, true
}

// Delete deletes the indicators with the given ids (64 hexadecimal
// characters; repeated ids count once), in requests split by URL length
// and sent with bounded concurrency. Ids the API does not know are listed
// in DeleteResult.NotFound, not treated as failures. Every distinct id
// ends up in exactly one of Deleted, NotFound and Failed. The error is a
// *falcon.ValidationError for bad ids (nothing is sent, the result is nil),
// the first request-level error (the result then says what happened to
// every id), or nil.
//
// Falcon API: DELETE /iocs/entities/indicators/v1
func (s *IndicatorsService) Delete(ctx context.Context, ids []string, opts *DeleteOptions) (*DeleteResult, error) {
	c := &checker{}
	o := opts.compile(c)
	uniq := c.checkIDs("ids", ids)
	if err := c.err(); err != nil {
		return nil, err
	}
	res := &DeleteResult{}
	if len(uniq) == 0 {
		return res, nil
	}
	base := o.query()
	chunks := chunkIDs(uniq, maxIDsQuery-len(base.Encode()))
	parts := make([]DeleteResult, len(chunks))
	sent := make([]bool, len(chunks))
	err := forEach(ctx, len(chunks), o.Concurrency, func(ctx context.Context, i int) error {
		sent[i] = true
		q := o.query()
		q["ids"] = chunks[i]
		var deleted []string
		resp, err := s.client.Do(ctx, &falcon.Request{Method: http.MethodDelete, Path: pathEntities, Query: q}, &deleted)
		trace := traceOf(resp, err)
		if err != nil {
			d, details, ok := deleteErrorAnswer(err)
			if !ok {
				parts[i].add(nil, nil, trace)
				parts[i].Failed = append(parts[i].Failed, deleteRequestFailed(chunks[i], err)...)
				return err
			}
			parts[i].add(d, details, trace)
			return nil
		}
		parts[i].add(deleted, resp.Errors, trace)
		return nil
	})
	for i, p := range parts {
		if !sent[i] {
			cause := err
			if cause == nil {
				cause = ctx.Err()
			}
			for _, id := range chunks[i] {
				p.Failed = append(p.Failed, &ItemError{ID: id, Message: "not sent: " + firstLine(cause.Error()),
					Err: errors.Join(ErrNotSent, cause)})
			}
		}
		res.Deleted = append(res.Deleted, p.Deleted...)
		res.NotFound = append(res.NotFound, p.NotFound...)
		res.Failed = append(res.Failed, p.Failed...)
		res.TraceIDs = append(res.TraceIDs, p.TraceIDs...)
	}
	if len(res.Failed) > 0 {
		pos := make(map[string]int, len(ids))
		for i, id := range ids {
			if _, dup := pos[strings.ToLower(id)]; !dup {
				pos[strings.ToLower(id)] = i
			}
		}
		for _, f := range res.Failed {
			if i, ok := pos[f.ID]; ok {
				f.Index = i
			}
		}
	}
	return res, err
}

// MatchAll returns a filter that matches every indicator, for DeleteWhere
// calls meant to delete them all: a nil filter is refused so that deleting
// everything is always spelled out.
func MatchAll() fql.Expr { return fql.NotNull("id") }

// DeleteWhere deletes every indicator filter matches, in one request. A nil
// filter is refused with a *falcon.ValidationError: pass MatchAll() to
// delete every indicator. The filter is checked against
// fql.IOCIndicatorFields. The result lists the ids deleted.
//
// Falcon API: DELETE /iocs/entities/indicators/v1
func (s *IndicatorsService) DeleteWhere(ctx context.Context, filter fql.Expr, opts *DeleteOptions) (*DeleteResult, *falcon.Response, error) {
	c := &checker{}
	o := opts.compile(c)
	if filter == nil {
		c.add(-1, "filter", "", "DeleteWhere needs a filter: pass ioc.MatchAll() to delete every indicator")
	}
	f, _ := c.checkFilter("filter", filter, "", false)
	if err := c.err(); err != nil {
		return nil, nil, err
	}
	q := o.query()
	q.Set("filter", f)
	var deleted []string
	resp, err := s.client.Do(ctx, &falcon.Request{Method: http.MethodDelete, Path: pathEntities, Query: q}, &deleted)
	if err != nil {
		return nil, resp, err
	}
	res := &DeleteResult{}
	res.add(deleted, resp.Errors, traceOf(resp, nil))
	return res, resp, nil
}
