package ioc

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/falconioc/falcon"
)

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
	// error, matching falcon.ResponseLost when the outcome is unknown), not
	// reported on by the API's answer (ErrOutcomeUnknown), or never sent
	// because the call ended first (ErrNotSent). Sending these ids to
	// Delete again is safe.
	Failed []*ItemError
	// Requests and Attempts count the logical requests and the HTTP
	// requests written, as WriteResult's fields of the same names do.
	Requests, Attempts int
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
	d.FromParent = copyBool(d.FromParent)
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
		Resources idList[string] `json:"resources"`
	}
	if json.Unmarshal(ae.Body, &env) != nil {
		env.Resources = nil // what was deleted is unknown: settle fails those ids
	}
	return env.Resources, ae.Errors, true
}

// settle makes every id of chunk (lower case, each once) land in exactly
// one of res's lists, whatever the answer said: an id it reports twice
// counts once (a failure first, then not found, then deleted, since
// deleting again is harmless), ids it did not ask about are dropped, and
// an id it does not report on fails with ErrOutcomeUnknown, naming the
// answer's own message when it has one without an id.
func (res *DeleteResult) settle(chunk []string, trace string) {
	left := make(map[string]bool, len(chunk))
	for _, id := range chunk {
		left[id] = true
	}
	var reason string
	failed := res.Failed[:0]
	for _, f := range res.Failed {
		if f.ID == "" && reason == "" {
			reason = f.Message
		}
		if left[f.ID] {
			left[f.ID] = false
			failed = append(failed, f)
		}
	}
	keep := func(ids []string) []string {
		out := ids[:0]
		for _, id := range ids {
			if id = strings.ToLower(id); left[id] {
				left[id] = false
				out = append(out, id)
			}
		}
		return out
	}
	res.Failed, res.NotFound, res.Deleted = failed, keep(res.NotFound), keep(res.Deleted)
	msg := "the API's answer did not report on this id"
	if reason != "" {
		msg += ": " + firstLine(reason)
	}
	for _, id := range chunk {
		if left[id] {
			res.Failed = append(res.Failed, &ItemError{Index: -1, ID: id, Message: msg, TraceID: trace, Err: ErrOutcomeUnknown})
		}
	}
}

// Delete deletes the indicators with the given ids (64 hexadecimal
// characters; repeated ids count once), in requests split by URL length
// and sent with bounded concurrency. Ids the API does not know are listed
// in DeleteResult.NotFound, not treated as failures. Every distinct id
// ends up in exactly one of Deleted, NotFound and Failed, whatever the
// answers say: an id an answer does not report on is Failed (matching
// ErrOutcomeUnknown), and ids it did not ask about are left out. The error is a
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
	counted := countAttempts(ctx)
	ctx = counted.ctx
	base := o.query()
	chunks := chunkIDs(uniq, maxIDsQuery-len(base.Encode()))
	parts := make([]DeleteResult, len(chunks))
	sent := make([]bool, len(chunks))
	err := forEach(ctx, "IndicatorsService.Delete", len(chunks), o.Concurrency, func(ctx context.Context, i int) error {
		sent[i] = true
		q := o.query()
		q["ids"] = chunks[i]
		var deleted idList[string]
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
			parts[i].settle(chunks[i], trace)
			return nil
		}
		parts[i].add(deleted, resp.Errors, trace)
		parts[i].settle(chunks[i], trace)
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
	for i := range sent {
		if sent[i] {
			res.Requests++
		}
	}
	res.Attempts = counted.n()
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

// DeleteWhere deletes every indicator filter matches, in one request. A
// zero filter is refused with a *falcon.ValidationError: pass MatchAll() to
// delete every indicator. The filter is checked like every Filter. The
// result lists the ids deleted, each once, and the answer's trace id; the
// error is the validation or request error, with a nil result. Of opts, Comment and
// FromParent apply.
//
// Falcon API: DELETE /iocs/entities/indicators/v1
func (s *IndicatorsService) DeleteWhere(ctx context.Context, filter Filter, opts *DeleteOptions) (*DeleteResult, error) {
	c := &checker{}
	o := opts.compile(c)
	if filter.IsZero() {
		c.add(-1, "filter", "", "DeleteWhere needs a filter: pass ioc.MatchAll() to delete every indicator")
	}
	f, _ := c.checkFilter("filter", filter)
	if err := c.err(); err != nil {
		return nil, err
	}
	q := o.query()
	q.Set("filter", f)
	var deleted idList[string]
	counted := countAttempts(ctx)
	resp, err := s.client.Do(counted.ctx, &falcon.Request{Method: http.MethodDelete, Path: pathEntities, Query: q}, &deleted)
	if err != nil {
		return nil, err
	}
	res := &DeleteResult{Requests: 1, Attempts: counted.n()}
	res.add(deleted, resp.Errors, traceOf(resp, nil))
	// The API lists each id once; a repeat is not a second deletion.
	seen := make(map[string]bool, len(res.Deleted))
	res.Deleted = slices.DeleteFunc(res.Deleted, func(id string) bool {
		dup := seen[id]
		seen[id] = true
		return dup
	})
	return res, nil
}
