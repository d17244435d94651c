// Package falcon is the core of a Go SDK for the CrowdStrike Falcon custom
// IOC API: configuration, authentication, regions, typed errors, retries
// and the raw [Client.Do] call. The IOC operations themselves live in the
// sibling package github.com/falconioc/falcon/ioc, which wraps a *Client.
//
//	client, err := falcon.NewClient(
//		falcon.WithCredentials(id, secret),
//		falcon.WithCloud(falcon.CloudEU1),
//	)
//	if err != nil { ... }
//	defer client.Close(context.Background())
//
// # Authentication
//
// The client authenticates with OAuth2 client credentials
// (golang.org/x/oauth2/clientcredentials) against /oauth2/token, which
// answers 201. Credentials come from [WithCredentials] or, when no
// credential option is given, from the environment variables
// FALCON_CLIENT_ID and FALCON_CLIENT_SECRET (with FALCON_CLOUD,
// FALCON_MEMBER_CID and FALCON_BASE_URL); missing credentials give an error
// wrapping [ErrNoCredentials]. [WithMemberCID] adds member_cid to every
// token request, for MSSP parent accounts. [WithTokenSource] takes tokens
// from elsewhere instead.
//
// One token is cached per client and replaced shortly before it expires,
// with a single token request in flight however many goroutines need it.
// When the API answers 401 the token is dropped, a new one is fetched and
// the request is sent once more. [Client.Close] revokes the token. A failed
// token request returns [*AuthError], which carries the endpoint's status,
// code, message and trace id (not oauth2's error type), and whose Hint names
// the likely cause: bad credentials (400/401), refused credentials or an IP
// address outside the API client's allow list (403: the hint names the client
// ID and secret first, then the allow list), a wrong member CID. Refused
// credentials (400, 401 and 403) match [ErrUnauthorized].
//
// Every request (token, autodiscovery, API) goes through the transport of
// the *http.Client given to [WithHTTPClient], or http.DefaultTransport, so
// proxies from the environment apply. Plain http:// is accepted only for
// loopback hosts unless [WithInsecureHTTP] is given, and redirects to
// another host are not followed.
//
// # Regions
//
// [CloudUS1], [CloudUS2], [CloudUS3], [CloudEU1], [CloudUSGov1] and
// [CloudUSGov2] name the Falcon clouds; [ParseCloud] reads names in any
// case, with or without hyphens. [WithBaseURL] (or FALCON_BASE_URL) points
// the client anywhere else, such as the falcontest emulator. With neither a
// cloud nor a base URL, the first request autodiscovers the region: the
// token comes from us-1, and when its X-Cs-Region header names another
// cloud the client moves there, fetches its token there and revokes the
// us-1 one. The gov clouds cannot be discovered from us-1: name them.
//
// [WithCloudBaseURLs] replaces the base URLs of chosen clouds (a proxy, or
// one emulator per cloud), so that a program's tests can run autodiscovery
// end to end. When a client sends to a base URL or cloud of its own and a
// token answer named another region, a 401 from the API says so in its
// [APIError.Hint].
//
// # Errors
//
// Errors are one line and never contain a secret or a token.
//
//   - [*APIError]: a non-2xx answer, with status, method, path, trace id,
//     the API's errors list and up to 1 MiB of the body. It matches
//     [ErrNotFound], [ErrUnauthorized], [ErrForbidden] and [ErrRateLimited]
//     with errors.Is.
//   - [*RateLimitError]: a 429 that was not retried; it wraps the
//     *APIError and says when to retry.
//   - [*AuthError]: a failed token request, with a hint.
//   - [*RequestError]: no complete answer arrived (connection failure,
//     timeout, cancelled context, body cut short): the server may or may
//     not have acted. [ResponseLost] reports this case and 5xx answers, the
//     cases where a create must be reconciled rather than resent.
//   - [*ValidationError]: input refused before anything was sent, listing
//     every problem with its item index and field.
//   - [*DecodeError]: a 2xx body that could not be decoded (malformed,
//     white space only, nested too deep, not an envelope, a value of the
//     wrong type), with the trace id and the byte offset; it wraps the
//     *json.SyntaxError or *json.UnmarshalTypeError where there is one.
//   - [*BodyTooLargeError]: a 2xx body longer than the limit
//     ([DefaultMaxBodySize], 64 MiB, or [WithMaxBodySize]), counted after
//     decompression. The client never reads or reserves more than the
//     limit, whatever the Content-Length says.
//
// # Retries and rate limits
//
// A 429 is retried for every request once the wait the API names has
// passed (X-RateLimit-RetryAfter in Unix seconds or milliseconds, or
// Retry-After). That cooldown is shared: every goroutine of the client
// holds off until it ends. It lasts at most [MaxCooldown] (15 minutes): a
// later time, which only a broken header names, is brought forward and the
// [*RateLimitError] says so (its Capped field). Transport errors and 502, 503 and 504 are
// retried with jittered exponential backoff, but only for requests safe to
// repeat: GET, PUT, PATCH and DELETE by default, POST only when marked
// [Idempotent] (the aggregate query); creates and report jobs never are. A
// 500 is never retried, so the one an offset past 10,000 produces comes back
// at once. [RetryPolicy] bounds attempts and waits; a wait longer than its
// MaxWait is not waited, the call returns [*RateLimitError] at once. Every
// wait ends when the context does. [Response.RateLimit] reports the
// X-RateLimit-Limit and X-RateLimit-Remaining headers of each answer.
//
// 429s are the backstop; the client paces its requests so as not to reach
// them. One pacer per [Client], shared by all its goroutines, mirrors the
// API's count of requests in its sliding one-minute window: the
// X-RateLimit-Limit and X-RateLimit-Remaining headers of every answer set
// it ([DefaultRateLimit], 6,000 a minute, before the first answer), each
// request sent since takes a place, and each of the client's own requests
// gives its place back once it has left the window. While more than a tenth
// of the limit remains, nothing waits: the pacer only counts, for about
// 0.2 µs and no allocation a request. Below that, requests are spread out
// so that what remains lasts the rest of the window, and one goes as soon
// as an earlier request leaves the window or an answer reports more room.
// Concurrent walks and bulk writes thus share the limit instead of bouncing
// off it. Every retry is paced too, a wait for the pacer ends when the
// context does, and the pacer starts no goroutine.
// WithRateLimitPacing(false) turns it off.
//
// # Logging
//
// [WithLogger] sends records to a *slog.Logger (none: silent). Each
// attempt logs at debug level with method, path, status, duration,
// trace_id and attempt; each retry logs at info level with the wait and the
// reason; a request the rate-limit pacer held back logs "falcon paced" at
// debug level with its wait and the places left; token requests log their
// outcome. Client secrets and bearer tokens
// never appear in a record, an error, or the String and GoString of any
// type of this package.
package falcon
