// Package core is the HTTP engine under package falcon: resty wiring, the
// retry loop, the shared rate-limit cooldown, envelope decoding and the
// classification of failures.
//
// # Wiring
//
// The resty client is built with resty.NewWithClient over an *http.Client
// that the caller (package falcon) prepares: its transport is an oauth2
// transport over the user's own transport. core never calls SetTransport,
// never installs a cookie jar and turns resty's own retries off: the retry
// decision lives in [Client.Do].
//
// # Retries
//
// [Client.Do] loops over attempts. A 429 waits until the time named by
// X-RateLimit-RetryAfter (epoch seconds, or milliseconds above 1e11) or
// Retry-After, and that cooldown is shared by every goroutine of the client.
// A time more than [MaxCooldown] away is taken as MaxCooldown away (the
// [StatusError] is marked Capped), so that a bogus header cannot freeze the
// client.
// Transport errors and 502/503/504 are retried with jittered exponential
// backoff, only for requests marked repeatable. A 401 drops the token and the
// request is sent once more. Every wait honours the context; a wait longer
// than the policy's maximum ends the call at once with a [StatusError].
//
// # Pacing
//
// Each Client has one pacer (ratelimit.go), unless Config.NoPacing. Before
// every attempt, retries included, a request takes a place from it; the
// X-RateLimit-Limit and X-RateLimit-Remaining headers of its answer reset
// the pacer's estimate of the places left in the sliding window, less the
// requests sent after it (an answer older than one already taken in is
// ignored). The pacer logs the send times of its requests and gives a
// place back when one has left the window (window plus a hundredth, for
// the time a request takes to be counted). Above a tenth of the limit it
// only counts (a lock, a clock read, no allocation). Below it, a request
// waits for the earliest of: its turn in a spread of what remains over a
// window, an earlier request leaving the window, or an answer reporting
// more room. A 429 carrying the headers empties the estimate and lets one
// request probe when the cooldown ends. Without any answer for a whole
// window the estimate is restored, so a server that sends no headers never
// stalls the client. Waits honour the context and start no goroutine.
//
// # Decoding
//
// A 2xx body is read once, to its end, into a pooled buffer (presized from
// the Content-Length, a hint bounded by the limit). At most Config.MaxBody
// bytes are read (DefaultMaxBody, 64 MiB), counted as they come out of the
// transport, so after gzip decompression; a longer body, or one whose
// Content-Length says so, is a [*BodyTooLargeError], and the buffer never
// grows beyond the limit. One scan with internal/jsonscan checks the
// envelope and finds its meta, errors and resources; as with json.Unmarshal,
// only white space may follow it. Nothing is decoded unless the whole
// envelope arrived, and a body cut short counts as a lost response.
// Each part then goes to its destination in an [Envelope]: a destination
// whose DecodeRaw method takes a [Raw] receives the part's bytes as they
// are, one whose KeepRaw method takes a Raw takes over the buffer holding
// the resources (released when it is done with them), and anything else
// goes through encoding/json. Raw is this package's type, so only the SDK's
// own packages can write those methods: a user's type given to
// falcon.Client.Do always goes through encoding/json and never shares the
// pooled buffer. The outcome matches what json.Unmarshal would give, which
// a fuzz test checks; a body that is not the envelope expected is a
// [*DecodeError] with the byte offset. Error bodies are read up to 1 MiB
// (or the limit, if smaller) into [StatusError].
//
// A resources destination with a WatchMeta method taking a Raw (the ioc
// package's pages) is handed the envelope's meta as soon as it has
// arrived, while the rest of the body is still being read, when the meta
// comes before the resources, as the API sends it; the ioc walk reads the
// next cursor there and sends the next request at once.
//
// # Per-request cost
//
// Each [Client] reuses its resty requests, sets header values from shared
// slices, and builds log attributes only when the logger is enabled for
// their level.
//
// # Errors
//
// core returns [*StatusError] for a non-2xx answer, [*TransportError] when no
// complete response arrived, [*DecodeError] and [*BodyTooLargeError] for a
// 2xx body it cannot use, and errors wrapping the context's error when a
// wait was cut short. Package falcon turns them into its public types.
package core
