package ioc

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/falconioc/falcon"
	"github.com/falconioc/falcon/internal/core"
)

// WriteResult reports a bulk write item by item.
type WriteResult struct {
	// Items has one entry per input item, in input order (for BulkUpdate,
	// one per indicator the API reports on, in its order).
	Items []WriteItem
	// Requests is how many logical requests the call made, look-ups
	// included: each counts once however many times the client sent it.
	// Attempts counts the sendings.
	Requests int
	// Attempts is how many HTTP requests the call sent, retries of the
	// same request included: Requests plus the retries. It is what a
	// server log or the emulator's Requests list shows for the call, and
	// it is counted whatever transport the client uses.
	Attempts int
	// TraceIDs are the trace ids of the answers the call received, look-ups
	// included, in the order they arrived: what CrowdStrike support asks
	// for. A request whose answer was lost has none, so there may be fewer
	// than Requests. WriteItem.TraceID names the one that matters for an
	// item.
	TraceIDs []string
}

// attemptCounter counts the HTTP requests sent under one context.
type attemptCounter struct {
	ctx   context.Context
	count *atomic.Int64
}

// countAttempts returns a context under which every HTTP request the
// client sends (retries included) is counted.
func countAttempts(ctx context.Context) attemptCounter {
	n := &atomic.Int64{}
	return attemptCounter{ctx: core.CountAttempts(ctx, n), count: n}
}

// n returns the requests sent so far.
func (a attemptCounter) n() int { return int(a.count.Load()) }

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
