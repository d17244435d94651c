// Package ioc gives typed access to the custom Indicator of Compromise
// operations of the CrowdStrike Falcon API, on top of a *falcon.Client.
//
//	client, err := falcon.NewClient() // credentials from FALCON_CLIENT_ID, ...
//	if err != nil { ... }
//	iocs := ioc.New(client)
//	res, err := iocs.Indicators.Create(ctx, []ioc.NewIndicator{{
//		Type: ioc.TypeDomain, Value: "evil.example.com",
//		Action: ioc.ActionDetect, Severity: ioc.SeverityHigh,
//		Platforms: []ioc.Platform{ioc.PlatformWindows}, AppliedGlobally: true,
//	}}, nil)
//
// # Services
//
// Client has one service per group of operations: Indicators (search, read,
// create, update, delete, aggregate), Actions, Types, Platforms and
// Severities (the catalogs of what a tenant accepts; Client.Catalog loads
// all four at once and validates new indicators against them), Devices and
// Processes (the hosts and processes that observed an indicator) and Reports
// (report jobs). Every method takes a context first and accepts nil
// options. Each method's doc comment names its HTTP call. Legacy
// operations are marked Deprecated and name their v1 replacement.
//
// # Conventions
//
// The same concept has the same shape everywhere in the package:
//
//   - Return shapes. Calls that send one request return (result,
//     *falcon.Response, error); the Response carries the envelope's meta
//     (trace id, query time, pagination) and the rate-limit headers. The
//     indicator writes (Create, Update, BulkUpdate, Delete, DeleteWhere)
//     return (result, error) instead, even when they send one request: the
//     result (*WriteResult or *DeleteResult) holds the per-item outcomes,
//     the trace id of every answer (TraceIDs), the logical requests made
//     (Requests) and the HTTP requests sent, retries included (Attempts).
//     Errors of a whole write come with a nil result when nothing was
//     sent; per-item failures come with the result.
//   - Filters. Every call that takes a filter takes a Filter: an fql.Expr
//     (built with package fql, or read from text with fql.Parse) checked
//     against fql.IOCIndicatorFields before sending, with
//     Filter.AllowUnknownFields as the one escape for fields that list does
//     not have.
//   - Optional booleans. A parameter that is unset, true or false
//     (FromParent) is a *bool: nil leaves it out; new(true) and new(false)
//     send it. Opt is for the fields of an update, which can also be
//     cleared.
//   - Look-ups by id. IndicatorsService.Get, ActionsService.Get and
//     ProcessesService.Get return a GetResult: what was found in the order
//     asked, and the ids the API does not know in Missing (never an error).
//     No id sends nothing and returns an empty GetResult.
//   - Options are read when the method is called. Iterators and paginators
//     copy what they need then, so changing an option struct afterwards
//     changes nothing, and ranging again starts from the same position.
//   - Panics. Create, Update, Get (of indicators, actions and
//     processes), Delete, Client.Catalog and the parallel walks of All and
//     AllIDs fan their requests out over worker goroutines. A panic there
//     (in the caller's own transport, or in WriteOptions.Progress) cancels
//     the other workers, so that no further request is sent, and once
//     they have all returned it is raised again on the caller's goroutine
//     as a *PanicError that keeps the value (errors.Is and errors.As see
//     through it when it is an error), says where it happened and holds
//     the stack where it did (or, for a page fetch that package pagination
//     ran on a goroutine of its own, where pagination raised it again; see
//     PanicError.Stack). A look-up or Delete small enough for one request
//     runs on the caller's goroutine and raises the same *PanicError, so
//     the value does not depend on the number of ids. Calls that send one request (List,
//     Search, DeleteWhere, ...) let a panic through unchanged, and
//     iterators raise it again on the ranging goroutine, as package
//     pagination does.
//
// # Pagination
//
// IndicatorsService.All, AllIDs and the catalog and "ran on" All methods
// return iter.Seq2 iterators built on package pagination: lazy (nothing is
// sent before the first iteration), restartable (ranging again starts over),
// ending at the first error, which is yielded once, and fetching the next
// page while the caller works through the current one. Indicators page with
// the "after" cursor by default, so there is no 10,000-result cap; in a
// sequential walk, a cursor saved from IndicatorPaginator.Cursor,
// Response.Meta.Pagination.After or a *pagination.PageError resumes exactly
// where paging stopped (ListOptions.After). In a parallel walk such a
// cursor belongs to one partition, and a walk resumed from it would leave
// out the other partitions' indicators without a word: a parallel walk
// resumes only from its token (ListOptions.Resume, with the Token of a
// *ResumeError or IndicatorPaginator.ResumeToken). ListOptions.Offset
// switches to offset paging, which cannot go past 10,000 results. A page size the server refuses with a 400
// about the limit (the API's JSON, or an HTML page from a gateway, as on
// GovCloud) is halved and asked again, down to 1, for the rest of the
// listing; if even 1 is refused, the error says so and wraps the
// server's *falcon.APIError. Offset walks (the catalog and "ran on" All
// methods, and the indicator iterators with ListOptions.Offset) stop with
// ErrOffsetIgnored when a page repeats the one before (a server that
// ignores the offset), and at the 10,000 offset window
// (pagination.ErrOffsetWindow) rather than ask past it: the catalog and
// "ran on" walks once the pages yielded reach it without the API's total
// having ended the walk. Cursor walks (the indicator iterators and
// IndicatorPaginator, sequential or parallel, and the legacy "ran on" All
// methods) stop with ErrCursorIgnored when a page at a new cursor repeats
// the one before (a server that ignores the cursor but makes up a new one
// each time).
// IndicatorsService.All and AllIDs send the next page's request as soon as
// an answer's meta, which comes before its results, names the cursor
// (pagination.AnnounceNext), so a long listing takes about one round trip
// per page rather than a round trip plus the transfer.
//
// A failed cursor walk of IndicatorsService.All or AllIDs yields a
// *ResumeError: its Token, given back as ListOptions.Resume, restarts the
// walk exactly where it stopped, yielding only what was not yielded yet,
// whether the walk was sequential or parallel. Inside it, errors.As finds
// a *pagination.PageError (and the API's error) when a page request
// failed, a *falcon.DecodeError when a page could not be decoded, and
// errors.Is the context's error when the context ended. IndicatorPaginator's
// ResumeToken gives the same token for explicit paging. Tokens are opaque,
// versioned and checked: one that is damaged, or that belongs to a listing
// with another Filter, Sort or FromParent, is a *falcon.ValidationError.
// They hold the API's cursors and the partition bounds, no credential; the
// cursors expire after a while, so resume soon.
//
// # Parallel iteration
//
// One cursor walk waits for each page before asking for the next, so a
// listing of a million indicators takes 500 round trips end to end.
// ListOptions.Parallel (2 to MaxParallel) splits the listing instead into
// partitions over fields that never change, type and created_on, and walks
// them at once, each with its own cursor:
//
//	for ind, err := range iocs.Indicators.All(ctx, &ioc.ListOptions{Parallel: 8, Limit: ioc.MaxLimit}) { ... }
//
// The partitions are planned from the data: one aggregate call (terms on
// type, with the earliest and latest created_on and a weekly histogram of
// created_on beneath) gives the counts; when a week holds more than half a
// partition's share (indicators imported in bursts), a second call asks
// for a histogram fine enough for the time span. The buckets are merged,
// in order, into at most Parallel partitions of about equal size (none over
// twice the mean unless a single bucket is).
// Each partition is the caller's Filter ANDed with its bounds: half-open
// created_on ranges on whole seconds (created_on:>='T1'+created_on:<'T2'),
// the first open below and the last open above, so the ranges of a type
// leave no gap and never overlap; the last partition also takes the types
// the plan did not see. Indicators created after the plan therefore fall in
// an open-ended partition. A listing under two pages, or a client that may
// not aggregate (the call needs the ioc:write scope: it answers 403), walks
// sequentially; the first call's other failures end the walk with the
// API's error, and a new walk plans again. When the second, finer call
// fails, the weekly histogram plans the walk.
//
// Guarantees: an indicator that exists for the whole walk comes exactly
// once; one created or deleted during the walk at most once. The
// indicators come in no particular order, so Parallel refuses Sort (and
// After and Offset: a parallel walk resumes with Resume). Memory stays
// bounded by Parallel + 2 pages whatever the result count: each
// partition's walker decodes its page and hands it over a channel of one
// page, and waits while the caller's loop is busy. Breaking out
// of the loop, or cancelling ctx, stops every walker before the iterator
// returns. Explicit paging (Paginator with Parallel) plans on its first
// NextPage and then pages through the partitions one after another.
//
// Each walker sends its own requests, so Parallel 8 sends up to 8 at a
// time; while several run, none fetches ahead. A walker alone (the last
// one, or the only one, as when the walk fell back to sequential) fetches
// one page ahead and sends its next request as soon as an answer's meta
// names the cursor, as a sequential walk does. Requests go through the
// client's rate-limit pacer like every other request (see package falcon,
// "Retries and rate limits"), so parallel walks and bulk writes of one
// client share the API's limit; 429 answers remain the backstop.
//
// # FQL
//
// Filters are Filter values holding an fql.Expr, built with the fql
// package's typed builders or read from text with fql.Parse. They are
// checked against fql.IOCIndicatorFields before anything is sent, so a
// misspelt field is an error ("unknown field 'sevrity' (did you mean
// 'severity'?)") rather than an empty result; Filter.AllowUnknownFields
// lets other fields through.
//
// # Validation
//
// Values are checked and normalised before they are sent: types in any
// case (sent in lower case), sha256 (64 hex digits) and md5 (32) in lower
// case, domains of valid labels up to 200 characters in lower case, IPv4
// and IPv6 addresses in canonical form. Indicator ids (64 hex digits),
// host group ids (32), the choice between applied_globally and host
// groups, a severity for the detect, prevent and prevent_no_ui actions,
// the four mobile actions, expirations in the future, the source and
// description lengths, catalog offsets, aggregation time zones and limits
// are checked too; the falcontest emulator refuses the same input. Bad input is a *falcon.ValidationError
// that lists every problem with its item index and field; nothing is sent.
// ValidateNew and ValidateUpdates run the checks of Create and Update alone,
// for dry runs.
//
// # Values
//
// NormalizeValue checks one value against its type and returns the
// canonical form that Create sends (a *ValueError says why not), DetectType
// guesses the type of a raw value from a feed, and Refang undoes defanging
// such as "evil[.]example[.]com" or "hxxps://".
//
// # Bulk writes
//
// Create and Update split their input into batches (DefaultBatchSize per
// request), send them with bounded concurrency inside the rate limit, and
// return a WriteResult with one WriteItem per input item: written, or failed
// with the API's code and message, with warnings kept apart from errors.
// WriteOptions.SkipInvalid sends the valid items and reports the invalid ones
// instead of refusing the call; WriteOptions.Progress reports done/total.
// A panic on a worker goroutine (in Progress, or in the caller's own
// transport) stops the workers and is raised again on the caller's
// goroutine as a *PanicError (see Conventions).
// Falcon has no idempotency keys, so when a create's answer is lost
// (falcon.ResponseLost) Create looks the batch's values up, counts those that
// exist as created and re-sends only the rest: no row is lost and none is
// duplicated. A value that existed before the call (created before the
// batch was first sent, by the server's clock as its Date header gives it,
// or holding other fields than those sent) fails with ErrDuplicate, as
// when the answer arrives. Update entries use Opt fields, so each field can be set,
// cleared (sent as null) or left alone (left out through omitzero; encoding
// a left-alone Opt without omitzero is an error, never a null). Delete
// batches ids by URL length; DeleteWhere and BulkUpdate refuse a zero
// Filter (pass MatchAll to touch everything). Writes return no
// *falcon.Response (see Conventions): each WriteItem (and each ItemError)
// carries the trace id of the answer that settled it, and
// WriteResult.TraceIDs and DeleteResult.TraceIDs list those of every answer.
//
// # Errors
//
// Errors come from package falcon: *falcon.APIError (with errors.Is matching
// falcon.ErrNotFound, ErrForbidden, ...), *falcon.RateLimitError,
// *falcon.AuthError, *falcon.RequestError, *falcon.ValidationError, and
// *falcon.DecodeError or *falcon.BodyTooLargeError for a 2xx answer that
// cannot be used. An indicator field of the wrong JSON type, an integer
// with a fraction or out of range, a null in a list of indicators, of ids
// (Search, the catalogs, the "ran on" calls, Delete) or of the entities of
// a look-up by id (actions, processes), a null aggregation result
// (Aggregate) or device count (Devices.Count), or a report job
// id that is not a string is a *falcon.DecodeError wrapping a
// *json.UnmarshalTypeError (from All, when the loop reaches that page); no
// list ever holds a nil *Indicator or an empty id made from a null, and no
// result is a zero value made from one.
// Per-item outcomes of bulk writes are ItemError values in the WriteResult,
// matching ErrDuplicate, ErrInvalid and ErrWarning with errors.Is; their
// messages name the item by index, type and value (or id) and end with the
// trace id.
//
// # Testing
//
// Package falcontest emulates the whole API in memory; the examples of this
// package run against it.
package ioc
