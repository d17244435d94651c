// Package falcontest is an in-memory emulator of the CrowdStrike Falcon
// custom IOC API, shaped like net/http/httptest. Tests, examples and demos
// run against it without a Falcon tenant; cmd/falcon-emulator serves the
// same on a port for any HTTP client.
//
//	srv := falcontest.NewServer(falcontest.WithIndicators(1000))
//	defer srv.Close()
//	// point a client at srv.URL with srv.ClientID and srv.ClientSecret
//
// It imports neither the SDK (github.com/falconioc/falcon) nor its ioc
// package, nor testing, so any package's tests can use it. Problems with
// its own use (a bad option, an invalid seeded value) panic with a
// "falcontest:" prefix; problems with requests are answered the way
// production answers them.
//
// # Serving
//
// [NewServer] listens on a free loopback port; [NewUnstartedServer] plus
// [Server.Start] lets options be set first; [Server.Close] blocks until
// outstanding requests finish. [Server.Handler] serves without a network,
// for example through an http.RoundTripper under testing/synctest: the
// server starts no goroutine of its own, sleeps (latency) with time.Sleep
// and reads time from its clock ([WithClock], time.Now by default), which
// also dates its answers (the Date header), as a real server's clock does.
//
// The server serves the 22 operations of testdata/falcon-ioc.swagger.json
// ([Operations] lists their operationIds): POST /oauth2/token and
// /oauth2/revoke, every /iocs/... operation, the legacy /indicators/...
// device and process calls and GET /processes/entities/processes/v1.
// Unknown paths answer 404, known paths with another method 405.
//
// # Authentication
//
// POST /oauth2/token takes client_id and client_secret as form values or
// HTTP basic auth, and an optional member_cid (restricted by
// [WithMemberCIDs]). It answers 201 with access_token, expires_in (1799 for
// the default 30-minute TTL, see [WithTokenTTL]) and token_type "bearer",
// plus an X-Cs-Region header with [WithRegion]. Missing credentials answer
// 400, wrong ones 403 "access denied, authorization failed". POST
// /oauth2/revoke takes basic auth and a token form value and answers 200.
//
// Every API call needs "Authorization: Bearer <token>"; a missing, unknown,
// revoked or expired token answers 401 "access denied, invalid bearer
// token", and a token whose API client lacks the operation's scope
// ([WithScopes]) 403. [Server.ExpireTokens] expires every token at once, to
// exercise a client's refresh path; [Server.IssueToken] mints one without a
// request.
//
// # Envelope and errors
//
// Answers are JSON in the API's envelope:
//
//	{"meta":{"query_time":0.000412,"pagination":{...},"powered_by":"ioc-manager",
//	 "trace_id":"..."},"errors":[],"resources":[...]}
//
// errors is always an array of {"code","message"} (with "id" when an error
// concerns one id); the X-Cs-Traceid header repeats trace_id. Gateway
// answers (401, 403, 404, 405, 429, injected 5xx) and request-level 400s
// carry meta and errors only; query endpoints' 400s add "resources":[].
// Create answers 201, the token endpoint 201, everything else 200 on
// success. Parameters have the spec's types: integer offset and limit on
// indicator search and combined, string offset (and string limit on the
// "ran on" calls) elsewhere; booleans are the lowercase words true and
// false. A query string longer than 18,500 characters (about 268 ids)
// answers 414; a body over 16 MiB 413.
//
// # Indicators
//
// Create (POST /iocs/entities/indicators/v1, body {"comment","indicators"})
// validates every row: type (sha256, md5, domain, ipv4, ipv6), value (by
// internal/iocvalue, stored in canonical form), action and, for the
// action and type, the platforms it allows (GET /iocs/entities/actions/v1
// lists platforms_by_type), severity (required by detect, prevent and
// prevent_no_ui; case-insensitive), mobile_action, applied_globally
// (required) against host_groups (required when not global, 32-hex ids,
// empty when global), source (at most 256 characters), tags and an
// expiration that must lie in the future (a zero or epoch date-time means
// none). A type and value that already exist, or repeat within the batch,
// fail with "Duplicate type: '<type>' and value: '<value>' combination.".
// At most 2000 rows per request ([WithMaxBatch]).
//
// Row problems do not fail the other rows: valid rows are created, and the
// answer is 400 when any row failed (201 otherwise), with one errors entry
// per failed row (code 400, message naming field, type and value) and one
// resources entry per row: the created indicator, or
//
//	{"type":"domain","value":"bad..name","message_type":"error",
//	 "field_name":"value","message":"..."}
//
// Warnings are the exception: a private, loopback, link-local or
// multicast IP, or a domain of a widely used service (google.com,
// microsoft.com, ...), draws a warning that rejects the whole batch (400,
// nothing created; resources list the rows with problems, message_type
// "warning" or "error") unless ignore_warnings=true, in which case the row
// is created and its resource carries message_type "warning" with
// field_name and message. retrodetects is accepted and has no effect.
//
// Update (PATCH, body {"bulk_update","comment","indicators"}) changes
// indicators by id (indicators, each with "id") or every indicator a
// bulk_update.filter matches (with bulk_update.from_parent), never both.
// Field presence is explicit: an absent field is left alone, and a field
// sent as null or "" is cleared (description, source, severity,
// mobile_action, expiration, metadata). The lists are different, because
// the vendor's generated client (gofalcon) sends them as null whenever
// they are unset: null leaves platforms, tags and host_groups alone and []
// clears them. Likewise the zero date-time "0001-01-01T00:00:00Z" (or the
// epoch) leaves expiration alone. action and applied_globally cannot be
// null; type and value cannot change. The merged indicator is validated
// like a create (an expiration is checked only when it changes). Unknown ids fail with code 404; inherited
// (from_parent) indicators cannot change. The answer (200, or 400 when a
// row failed, 404 when every row was an unknown id) lists updated
// indicators and failed rows as create does.
//
// Delete (DELETE, ids=... or filter=..., not both: both or neither answer
// 400) answers 200 with the deleted ids as resources; unknown ids become
// 404 errors entries (the answer is 404 when nothing was deleted).
// comment is accepted. Inherited indicators cannot be deleted. Deleted
// indicators are gone: the emulator keeps no soft-deleted ones, so
// deleted:true matches nothing.
//
// Get (GET /iocs/entities/indicators/v1?ids=...) answers the indicators
// found, in request order, and a 404 errors entry per unknown id; the
// status is 404 only when none was found.
//
// # Pagination
//
// Search (GET /iocs/queries/indicators/v1, ids) and combined (GET
// /iocs/combined/indicator/v1, full indicators) take filter, sort, limit
// (default 100, 1-2000, see [WithMaxLimit]), offset or after (not both),
// and from_parent (true: only inherited indicators, false: only own).
// With offset, pagination is {"limit","offset","total"} and offset + limit
// above 10,000 answers 400 "limit + offset must be less than 10000" (500
// with [WithOffsetWindowStatus]). Without offset the listing scrolls:
// pagination is {"limit","total","after"}, where after is an opaque token
// for the next page, absent on the last page (present, leading to an
// empty page, with [WithTrailingCursor]). The token encodes the sort key
// and position of the last item served, so a listing paged by after
// sees every indicator that exists throughout exactly once, however many
// indicators there are and whatever is written meanwhile. A token from
// another sort answers 400.
//
// The default order is creation order. sort takes the spec's enum (action,
// applied_globally, created_by, created_on, expiration, expired,
// metadata.av_hits, metadata.company_name.raw, metadata.filename.raw,
// metadata.original_filename.raw, metadata.product_name.raw,
// metadata.product_version, modified_by, modified_on, severity_number,
// source, type, value) as field.asc, field.desc, field|asc, field|desc or
// a bare field (ascending); another field answers 400 "Unknown sort
// value". Missing values sort last in both directions; ties keep creation
// order.
//
// # FQL
//
// Filters are parsed and evaluated by package fql. Fields are those of
// api.IndicatorV1 (id, type, value, action, mobile_action, severity,
// severity_number 1-5 for informational-critical, description, source,
// platforms, tags, host_groups, applied_globally, expiration, expired,
// deleted, from_parent, parent_cid_name, created_on, created_by,
// modified_on, modified_by, metadata.*) and the ".raw" variants of the text
// fields. Unlike some Falcon endpoints, the emulator answers 400 for an
// unknown field or an operator the field's kind does not take, so a typo
// never looks like "no results". Results follow writes at once and the
// clock exactly for expired; a filter with relative dates ("now-7d") may
// lag the clock by up to a second, as a search index refreshing every
// second does.
//
// # Aggregates and reports
//
// POST /iocs/aggregates/indicators/v1 takes one msa.AggregateQueryRequest
// (or an array) and answers one msa.AggregationResult each. Types: terms
// (size default 10, from, sort _count|desc (default), _count|asc,
// _term|asc, _term|desc; include/exclude regular expressions, missing,
// min_doc_count; array fields count each element), date_histogram
// (interval year, quarter, month, week, day, hour, minute or Nd/Nh/Nm/Ns;
// time_zone; empty buckets between the first and last are filled),
// date_range (date_ranges of RFC 3339 dates or now-7d style offsets, from
// inclusive, to exclusive), range (ranges of From/To numbers), and
// cardinality, min, max, avg and sum (one bucket with value; dates as
// epoch milliseconds with value_as_string). Up to 3 sub_aggregates per
// aggregation, nested up to 3 levels. The query's filter and from_parent
// and the body's filter and q (free text over value, source, description
// and tags) select the indicators. It needs the ioc:write scope, like
// production.
//
// POST /iocs/entities/indicators-reports/v1 accepts a job (report_format
// and search are required) and answers its id as the only resource;
// [Server.Reports] lists accepted jobs. No report file is ever produced.
//
// # Catalogs, devices and processes
//
// GET /iocs/queries/{actions,ioc-types,platforms,severities}/v1 page the
// catalogs by offset; GET /iocs/entities/actions/v1 returns actions with
// platforms_by_type and severities.
//
// Sightings say which hosts and processes observed an IOC: with
// [WithIndicators], one seeded indicator in 20 (among the first 100,000)
// has 1-6 hosts with 1-3 processes each; [Server.AddSighting] adds more and [Server.Sightings]
// returns them all. The device-count calls answer {device_count,
// limit_exceeded, type, value} (404 "No results found for type: X and
// value: Y" when no host saw the IOC); the devices and processes "ran on"
// calls page ids by string limit (1-100) and offset, v1 with pagination
// {"limit","offset" (string),"total"} and legacy with {"limit","offset",
// "total","next_page"} where next_page is the next offset; GET
// /processes/entities/processes/v1 returns process details.
//
// # Rate limits
//
// Every answer to an authenticated API request carries X-RateLimit-Limit
// and X-RateLimit-Remaining for a sliding minute (6,000 requests by default, [WithRateLimit]); past the
// limit the answer is 429 with X-RateLimit-RetryAfter, in Unix seconds
// (milliseconds with [WithRetryAfterMillis]). The token endpoint has its
// own window (300 a minute, [WithTokenRateLimit]). [WithRateLimitWindow]
// shortens the API's window, so that a test or benchmark reaches the limit
// and sees it recover in seconds.
//
// # Faults
//
// One-shot faults queue in call order and hit the next authenticated API
// requests: [Server.FailNext] (a 4xx/5xx before doing anything),
// [Server.RateLimitNext], [Server.DropNext] (connection broken, nothing
// done), [Server.TruncateNext] (work done, half the body sent),
// [Server.LoseResponseNext] (work done, connection broken) and
// [Server.FailAfterWriteNext] (work done, a 5xx answered). Under Handler,
// dropped and truncated answers panic with http.ErrAbortHandler.
// [WithFaultRates] injects the same at random rates, [WithLatency] delays
// answers, [WithRegionRedirect] answers 308 to another base URL, and
// [Server.FailTokenNext] fails token requests. [Server.Requests] records
// every request (credentials redacted) with its status and outcome.
//
// # Seeding and determinism
//
// [WithIndicators] generates realistic indicators of every type (values,
// actions, severities, platforms, tags, sources, descriptions, host groups,
// metadata for hashes, expirations some of which have passed, a few
// inherited from a parent CID, nanosecond timestamps over the year before
// the clock's time). Everything the server generates, including ids of
// created indicators, tokens, trace ids and fault draws, follows from
// [WithSeed], so the same requests in the same order get the same answers.
// [Server.Indicators], [Server.Indicator] and [Server.Sightings] give tests
// the truth to compare with; [Server.AddIndicators] stores indicators
// directly.
//
// # Concurrency and performance
//
// A Server is safe for concurrent use. A million seeded indicators load
// in a few seconds (generation is spread over the cores). A listing
// computes the sorted list of the positions it matches once and caches it,
// so each further page costs a binary search and the encoding of its
// items, which a hand-written JSON encoder does without reflection.
package falcontest
