package ioc

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync/atomic"
)

// PanicError is the value a call that fans out over worker goroutines
// (IndicatorsService.Create, Update, Get and Delete, All and AllIDs with
// ListOptions.Parallel above 1 or a parallel walk's resume token,
// ActionsService.Get, ProcessesService.Get and Client.Catalog) panics
// with when a function it ran panicked: the caller's
// WriteOptions.Progress callback or, through the client, the caller's own
// http.RoundTripper. A panic on a worker
// would end the program out of reach of the caller's recover; instead the
// other workers are cancelled (no further request is sent), and once they
// have all returned the panic is raised again on the caller's goroutine
// with this value. A look-up or Delete small enough for one request runs
// on the caller's goroutine and panics with a *PanicError too, so the
// value does not depend on the number of ids. (A panicking token source
// is not a panic but a *falcon.AuthError: package falcon recovers it.)
type PanicError struct {
	// Where names what panicked: "WriteOptions.Progress", or the method
	// whose worker panicked, such as "IndicatorsService.Create" or
	// "Client.Catalog". When the method's work called another that fans
	// out (Catalog looks its actions up with ActionsService.Get), the
	// inner call's *PanicError is raised as it is.
	Where string
	// Value is the value the function panicked with.
	Value any
	// Stack is the stack of the goroutine that recovered the panic, as it
	// stood then: where the function panicked, unless package pagination
	// ran it on a goroutine of its own (a page fetch of a walk that
	// fetches ahead, as Catalog's walks of the catalogs do, and a parallel
	// walk's partition when it walks alone) and raised it again, without
	// that goroutine's stack, on the goroutine ranging over the walk.
	// Stack then shows where the walk raised it again, not the function
	// that panicked.
	Stack []byte
}

// Error returns "ioc: panic in WHERE: VALUE", then Stack on the lines that
// follow, so that a program that dies of the panic shows where it
// happened (for a walk's, where it was raised again).
func (e *PanicError) Error() string {
	return fmt.Sprintf("ioc: panic in %s: %v\n\n%s", e.Where, e.Value, e.Stack)
}

// Unwrap returns Value when it is an error, and nil otherwise.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// errWorkerPanicked is the cause of the cancellation of a call's other
// workers when one of them panics.
var errWorkerPanicked = errors.New("ioc: another worker of the call panicked")

// panicError returns v, a value just recovered, as a *PanicError naming
// where, with the stack of the goroutine that panicked. A *PanicError
// (raised by a fan-out the panicking code called) is kept as it is.
func panicError(v any, where string) *PanicError {
	if pe, ok := v.(*PanicError); ok {
		return pe
	}
	return &PanicError{Where: where, Value: v, Stack: debug.Stack()}
}

// repanic, deferred on the caller's goroutine by a call that runs its only
// piece of work there, raises a panic again as a *PanicError naming
// where, as the same call's workers would.
func repanic(where string) {
	if v := recover(); v != nil {
		panic(panicError(v, where))
	}
}

// workerPanics keeps the first panic of a call's worker goroutines, to be
// raised again on the caller's goroutine once they have all returned.
type workerPanics struct {
	first atomic.Pointer[PanicError]
}

// keep records v, the value a worker recovered (nil when it did not
// panic), as a *PanicError naming where, and cancels the workers' context
// so that no further work starts. Defer it in the worker before the
// release of its concurrency slot, so that it runs first:
//
//	defer func() { panics.keep(recover(), where, cancel) }()
func (p *workerPanics) keep(v any, where string, cancel context.CancelCauseFunc) {
	if v == nil {
		return
	}
	p.first.CompareAndSwap(nil, panicError(v, where))
	cancel(errWorkerPanicked)
}

// raise panics with the first panic kept, if any. Call it on the caller's
// goroutine once every worker has returned.
func (p *workerPanics) raise() {
	if pe := p.first.Load(); pe != nil {
		panic(pe)
	}
}
