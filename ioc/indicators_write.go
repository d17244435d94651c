package ioc

import (
	"errors"
	"net/url"
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
	// the look-up meant to find out what happened failed too, or (Delete,
	// Update) the API's answer did not report on the item. The item may or
	// may not exist, or have changed.
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
	// Calls never overlap and done only grows. It runs on a worker
	// goroutine: if it panics, no further batch is sent and the call
	// panics on the caller's goroutine with a *PanicError holding the
	// value.
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
