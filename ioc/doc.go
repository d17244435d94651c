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
// (report jobs). Every method takes a context first and accepts nil options;
// single-request methods return (result, *falcon.Response, error), and the
// Response carries the envelope's meta (trace id, query time, pagination)
// and the rate-limit headers. Each method's doc comment names its HTTP call.
// Legacy operations are marked Deprecated and name their v1 replacement.
//
// # Pagination
//
// IndicatorsService.All, AllIDs and the catalog and "ran on" All methods
// return iter.Seq2 iterators built on package pagination: lazy (nothing is
// sent before the first iteration), restartable (ranging again starts over),
// ending at the first error, which is yielded once, and fetching the next
// page while the caller works through the current one. Indicators page with
// the "after" cursor by default, so there is no 10,000-result cap; a cursor
// saved from IndicatorPaginator.Cursor, Response.Meta.Pagination.After or a
// *pagination.PageError resumes exactly where paging stopped
// (ListOptions.After). ListOptions.Offset switches to offset paging, which
// cannot go past 10,000 results.
//
// # FQL
//
// Filters are fql.Expr values, built with the fql package's typed builders
// or parsed from text (ListOptions.FilterText). Filters are checked against
// fql.IOCIndicatorFields before anything is sent, so a misspelt field is an
// error ("unknown field 'sevrity' (did you mean 'severity'?)") rather than an
// empty result; ListOptions.AllowUnknownFields lets other fields through.
//
// # Validation
//
// Values are checked and normalised before they are sent: sha256 (64 hex
// digits) and md5 (32) in lower case, domains of valid labels up to 200
// characters in lower case, IPv4 and IPv6 addresses in canonical form.
// Indicator ids (64 hex digits), host group ids (32), the choice between
// applied_globally and host groups, expirations in the future, the source
// length and limits are checked too. Bad input is a *falcon.ValidationError
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
// Falcon has no idempotency keys, so when a create's answer is lost
// (falcon.ResponseLost) Create looks the batch's values up, counts those that
// exist as created and re-sends only the rest: no row is lost and none is
// duplicated. Update entries use Opt fields, so each field can be set,
// cleared (sent as null) or left alone (left out through omitzero; encoding
// a left-alone Opt without omitzero is an error, never a null). Delete batches ids by URL length;
// DeleteWhere refuses an empty filter (pass MatchAll to delete everything).
// Bulk writes return no single *falcon.Response: each WriteItem (and each
// ItemError) carries the trace id of the answer that settled it, and
// WriteResult.TraceIDs and DeleteResult.TraceIDs list those of every answer.
//
// # Errors
//
// Errors come from package falcon: *falcon.APIError (with errors.Is matching
// falcon.ErrNotFound, ErrForbidden, ...), *falcon.RateLimitError,
// *falcon.AuthError, *falcon.RequestError and *falcon.ValidationError.
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
