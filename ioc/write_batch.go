package ioc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/falconioc/falcon"
)

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
	lookups  *pageLimit // page size of Create's look-ups
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
// ctx ends fail with ErrNotSent. A panic on a worker (in send, or in the
// Progress callback) cancels the others' context, so that no batch starts
// after it, and is raised again here, as a *PanicError naming the method
// (method, such as "IndicatorsService.Create") or the callback, once every
// worker has returned.
func (r *writeRun) run(ctx context.Context, method string, batches [][]int, send func(ctx context.Context, idx []int)) {
	total := 0
	for _, b := range batches {
		total += len(b)
	}
	r.progress = &progress{fn: r.cfg.Progress, total: total}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var panics workerPanics
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
			where := method
			defer func() { panics.keep(recover(), where, cancel) }()
			send(ctx, b)
			where = "WriteOptions.Progress"
			r.progress.add(len(b))
		})
	}
	wg.Wait()
	panics.raise()
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
