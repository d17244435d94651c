package falcon

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/falconioc/falcon/internal/core"
)

// Sentinel errors, matched with errors.Is against *APIError,
// *RateLimitError and *AuthError.
var (
	// ErrNotFound matches a 404 answer.
	ErrNotFound = errors.New("falcon: not found")
	// ErrUnauthorized matches a 401 answer and a token request refused for
	// bad credentials (400, 401 or 403 from the token endpoint).
	ErrUnauthorized = errors.New("falcon: unauthorized")
	// ErrForbidden matches a 403 answer, such as a missing API scope or an
	// IP address outside the API client's allow list.
	ErrForbidden = errors.New("falcon: forbidden")
	// ErrRateLimited matches a 429 answer and a call refused because the
	// client's rate-limit cooldown outlasts the retry policy's MaxWait.
	ErrRateLimited = errors.New("falcon: rate limited")
	// ErrNoCredentials is returned by NewClient when neither options nor
	// the environment provide credentials.
	ErrNoCredentials = errors.New("falcon: no credentials: pass WithCredentials or set FALCON_CLIENT_ID and FALCON_CLIENT_SECRET")
)

// maxMessage bounds the length of an API message quoted in Error().
const maxMessage = 200

// APIError is a non-2xx answer from the API.
type APIError struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Method and Path name the request (the path has no query).
	Method string
	Path   string
	// TraceID identifies the request for CrowdStrike support.
	TraceID string
	// Errors is the envelope's errors list.
	Errors []ErrorDetail
	// Header is the response header (nil when the client refused to send
	// during a rate-limit cooldown).
	Header http.Header
	// Body holds at most 1 MiB of the raw response body, for answers that
	// carry more than errors (such as a create's per-row resources).
	Body []byte
	// Attempts is how many times the request was sent.
	Attempts int
	// Hint suggests the likely cause, when the client knows more than the
	// answer says: a 401 from a base URL other than the region the token
	// answer named (X-Cs-Region).
	Hint string
}

// Error returns "falcon: METHOD PATH: STATUS TEXT: first message (trace id
// ...)", followed by "; hint" when there is one.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "falcon: %s %s: %d %s", e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode))
	e.writeDetails(&b)
	if e.Hint != "" {
		b.WriteString("; ")
		b.WriteString(e.Hint)
	}
	return b.String()
}

func (e *APIError) writeDetails(b *strings.Builder) {
	if len(e.Errors) > 0 {
		b.WriteString(": ")
		b.WriteString(clip(e.Errors[0].Message))
		if n := len(e.Errors) - 1; n > 0 {
			fmt.Fprintf(b, " (and %d more)", n)
		}
	}
	if e.TraceID != "" {
		fmt.Fprintf(b, " (trace id %s)", e.TraceID)
	}
}

// Is matches ErrNotFound (404), ErrUnauthorized (401), ErrForbidden (403)
// and ErrRateLimited (429).
func (e *APIError) Is(target error) bool {
	return statusIs(e.StatusCode, target)
}

func statusIs(code int, target error) bool {
	switch target {
	case ErrNotFound:
		return code == http.StatusNotFound
	case ErrUnauthorized:
		return code == http.StatusUnauthorized
	case ErrForbidden:
		return code == http.StatusForbidden
	case ErrRateLimited:
		return code == http.StatusTooManyRequests
	}
	return false
}

// RateLimitError is a 429 that was not retried: the wait it asked for is
// longer than the retry policy's MaxWait, or the attempts ran out. It
// unwraps to its *APIError and matches ErrRateLimited.
type RateLimitError struct {
	*APIError
	// Limit and Remaining are the X-RateLimit-Limit and
	// X-RateLimit-Remaining headers.
	Limit     int
	Remaining int
	// RetryAfter is when the API allows sending again, at most
	// MaxCooldown after the answer arrived.
	RetryAfter time.Time
	// Capped reports that the API named a later time than MaxCooldown
	// allows: RetryAfter has been brought forward to that limit.
	Capped bool
}

// Error returns a one-line summary including when to retry.
func (e *RateLimitError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "falcon: %s %s: 429 rate limited", e.Method, e.Path)
	if !e.RetryAfter.IsZero() {
		fmt.Fprintf(&b, ", retry after %s", e.RetryAfter.UTC().Format(time.RFC3339))
	}
	if e.Capped {
		fmt.Fprintf(&b, " (the API named a later time: wait capped at %v)", MaxCooldown)
	}
	if e.Header == nil {
		b.WriteString(" (not sent: client cooldown)")
	}
	e.writeDetails(&b)
	return b.String()
}

// Unwrap returns the *APIError.
func (e *RateLimitError) Unwrap() error { return e.APIError }

// AuthError is a failed token request.
type AuthError struct {
	// StatusCode is the token endpoint's HTTP status, 0 when no answer
	// arrived.
	StatusCode int
	// Code is the code of the first entry of the answer's errors list.
	Code int
	// Message is the endpoint's own message, if any.
	Message string
	// TraceID identifies the token request for CrowdStrike support.
	TraceID string
	// Hint suggests the likely cause.
	Hint string
	// Err is the underlying error when no usable answer arrived: the
	// transport's error, the token source's error, or why the answer
	// could not be read. It is nil when the endpoint answered with an
	// error status: the fields above describe that answer.
	Err error
}

// Error returns "falcon: token request failed: ...; hint".
func (e *AuthError) Error() string {
	var b strings.Builder
	b.WriteString("falcon: token request failed")
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, ": %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(clip(e.Err.Error()))
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(clip(e.Message))
	}
	if e.TraceID != "" {
		fmt.Fprintf(&b, " (trace id %s)", e.TraceID)
	}
	if e.Hint != "" {
		b.WriteString("; ")
		b.WriteString(e.Hint)
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *AuthError) Unwrap() error { return e.Err }

// Is matches ErrUnauthorized for 400, 401 and 403 (the token endpoint
// refused the credentials), ErrForbidden for 403 as well, and
// ErrRateLimited for 429.
func (e *AuthError) Is(target error) bool {
	if target == ErrUnauthorized && (e.StatusCode == http.StatusBadRequest || e.StatusCode == http.StatusForbidden) {
		return true
	}
	return statusIs(e.StatusCode, target)
}

// Temporary reports whether trying again later may succeed: no answer
// arrived, or the endpoint answered 429 or 5xx.
func (e *AuthError) Temporary() bool {
	if e.StatusCode == 0 {
		_, ok := errors.AsType[*url.Error](e.Err)
		return ok
	}
	return e.StatusCode == http.StatusTooManyRequests || e.StatusCode >= 500
}

// RequestError reports that no complete response arrived (connection
// failure, timeout, cancelled context, body cut short). The server may or
// may not have acted on the request.
type RequestError struct {
	Method string
	Path   string
	// Attempts is how many times the request was sent.
	Attempts int
	// Err is the transport's error.
	Err error
}

// Error returns a one-line summary.
func (e *RequestError) Error() string {
	s := fmt.Sprintf("falcon: %s %s: ", e.Method, e.Path)
	if e.Attempts > 1 {
		s += "after " + strconv.Itoa(e.Attempts) + " attempts: "
	}
	return s + clip(e.Err.Error())
}

// Unwrap returns the transport's error.
func (e *RequestError) Unwrap() error { return e.Err }

// ResponseLost reports whether err means the request may have been applied
// although its result is unknown: a *RequestError, or an *APIError with a
// 5xx status. A create that failed this way should be reconciled (look up
// what exists) rather than blindly sent again.
func ResponseLost(err error) bool {
	if _, ok := errors.AsType[*RequestError](err); ok {
		return true
	}
	if ae, ok := errors.AsType[*APIError](err); ok {
		return ae.StatusCode >= 500
	}
	return false
}

// ValidationError lists every problem found in the input before anything
// was sent.
type ValidationError struct {
	Problems []Problem
}

// Problem is one invalid input.
type Problem struct {
	// Index is the position of the item in the input, or -1 when the
	// problem is not about one item.
	Index int
	// Field names the offending field ("value", "expiration", ...).
	Field string
	// Value is the offending value (possibly shortened).
	Value string
	// Message says what is wrong.
	Message string
}

// String returns "item 3 value \"x\": message".
func (p Problem) String() string {
	var b strings.Builder
	if p.Index >= 0 {
		fmt.Fprintf(&b, "item %d ", p.Index)
	}
	if p.Field != "" {
		b.WriteString(p.Field)
		b.WriteByte(' ')
	}
	if p.Value != "" {
		fmt.Fprintf(&b, "%q", clipN(p.Value, 40))
	}
	s := strings.TrimSpace(b.String())
	if s == "" {
		return oneLine(p.Message)
	}
	return s + ": " + oneLine(p.Message)
}

// Add records a problem.
func (e *ValidationError) Add(index int, field, value, message string) {
	e.Problems = append(e.Problems, Problem{Index: index, Field: field, Value: value, Message: message})
}

// Err returns e when it holds problems and nil otherwise.
func (e *ValidationError) Err() error {
	if e == nil || len(e.Problems) == 0 {
		return nil
	}
	return e
}

// Error returns one line: the count and the first three problems.
func (e *ValidationError) Error() string {
	n := len(e.Problems)
	var b strings.Builder
	if n == 1 {
		b.WriteString("falcon: invalid input: ")
	} else {
		fmt.Fprintf(&b, "falcon: %d invalid inputs: ", n)
	}
	for i, p := range e.Problems {
		if i == 3 {
			fmt.Fprintf(&b, "; and %d more", n-3)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.String())
	}
	return b.String()
}

// newStatusError turns core's non-2xx report into *APIError or
// *RateLimitError, filling resp's meta from the error body.
func newStatusError(se *core.StatusError, resp *Response) error {
	ae := &APIError{
		StatusCode: se.StatusCode,
		Method:     se.Method,
		Path:       se.Path,
		Header:     se.Header,
		Body:       se.Body,
		Attempts:   se.Attempts,
	}
	if len(se.Body) > 0 {
		var env struct {
			Meta   Meta          `json:"meta"`
			Errors []ErrorDetail `json:"errors"`
		}
		if json.Unmarshal(se.Body, &env) == nil {
			ae.Errors = env.Errors
			ae.TraceID = env.Meta.TraceID
			if resp != nil {
				resp.Meta = env.Meta
			}
		}
	}
	if ae.TraceID == "" && se.Header != nil {
		ae.TraceID = se.Header.Get("X-Cs-Traceid")
	}
	if ae.StatusCode != http.StatusTooManyRequests {
		return ae
	}
	rl := parseRateLimit(se.Header)
	return &RateLimitError{APIError: ae, Limit: rl.Limit, Remaining: rl.Remaining, RetryAfter: se.RetryAfter, Capped: se.Capped}
}

// mapError turns core's errors into the public types.
func mapError(err error, resp *Response) error {
	if be := mapBodyError(err); be != nil {
		return be
	}
	if se, ok := errors.AsType[*core.StatusError](err); ok {
		return newStatusError(se, resp)
	}
	if te, ok := errors.AsType[*core.TransportError](err); ok {
		// A token fetched inside the oauth2 transport failed.
		if ae, ok := errors.AsType[*AuthError](te.Err); ok {
			return ae
		}
		return &RequestError{Method: te.Method, Path: te.Path, Attempts: te.Attempts, Err: te.Err}
	}
	return err
}

func clip(s string) string { return clipN(s, maxMessage) }

func clipN(s string, n int) string {
	s = oneLine(s)
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && cut < len(s) && s[cut]&0xC0 == 0x80 {
		cut-- // keep UTF-8 sequences whole
	}
	return s[:cut] + "…"
}

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if strings.ContainsAny(s, "\r\n\t") {
		s = strings.Join(strings.Fields(s), " ")
	}
	return s
}

// DecodeError reports a 2xx answer whose body could not be decoded: not
// JSON, white space only, nested deeper than encoding/json allows (10,000
// levels), not a Falcon envelope (a JSON value other than an object), or
// holding a value of the wrong type for its field (such as a number where
// an indicator's id should be a string). An answer cut short is a
// *RequestError instead, and one too long a *BodyTooLargeError. The server
// did act on the request.
type DecodeError struct {
	// Method and Path name the request (the path has no query).
	Method string
	Path   string
	// StatusCode is the answer's HTTP status.
	StatusCode int
	// TraceID identifies the request for CrowdStrike support.
	TraceID string
	// Offset is the byte offset in the body at which decoding failed,
	// counted as encoding/json counts it: the bytes read when the problem
	// showed.
	Offset int64
	// Err is what went wrong: a *json.SyntaxError for malformed JSON
	// (nesting too deep included), a *json.UnmarshalTypeError for a value
	// of the wrong type, or another error, such as a *time.ParseError.
	// Offsets inside it count from the start of the envelope member
	// (meta, errors or resources) being decoded.
	Err error
}

// Error returns "falcon: METHOD PATH: decoding response at byte N: cause
// (trace id ...)".
func (e *DecodeError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "falcon: %s %s: decoding response at byte %d", e.Method, e.Path, e.Offset)
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(clip(e.Err.Error()))
	}
	if e.TraceID != "" {
		fmt.Fprintf(&b, " (trace id %s)", e.TraceID)
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *DecodeError) Unwrap() error { return e.Err }

// BodyTooLargeError reports a 2xx answer whose body holds more than the
// client's limit (DefaultMaxBodySize unless WithMaxBodySize says
// otherwise), counted after decompression. Reading stopped at the limit,
// or before the first byte when the Content-Length announced more; nothing
// was decoded. The server did act on the request.
type BodyTooLargeError struct {
	// Method and Path name the request (the path has no query).
	Method string
	Path   string
	// StatusCode is the answer's HTTP status.
	StatusCode int
	// TraceID identifies the request for CrowdStrike support.
	TraceID string
	// Limit is the client's limit in bytes.
	Limit int64
	// ContentLength is the length the answer announced, -1 if none.
	ContentLength int64
}

// Error returns a one-line summary naming the limit.
func (e *BodyTooLargeError) Error() string {
	s := fmt.Sprintf("falcon: %s %s: response body larger than the limit of %d bytes (WithMaxBodySize)", e.Method, e.Path, e.Limit)
	if e.TraceID != "" {
		s += " (trace id " + e.TraceID + ")"
	}
	return s
}

// mapBodyError turns core's reports of a 2xx body that could not be used
// into the public types, or returns nil.
func mapBodyError(err error) error {
	switch e := err.(type) {
	case *core.DecodeError:
		return &DecodeError{Method: e.Method, Path: e.Path, Offset: e.Offset, Err: e.Err}
	case *core.BodyTooLargeError:
		return &BodyTooLargeError{Method: e.Method, Path: e.Path, Limit: e.Limit, ContentLength: e.ContentLength}
	}
	return nil
}

// fillBodyError adds what the answer says to an error from mapBodyError.
func fillBodyError(err error, status int, traceID string) {
	switch e := err.(type) {
	case *DecodeError:
		e.StatusCode, e.TraceID = status, traceID
	case *BodyTooLargeError:
		e.StatusCode, e.TraceID = status, traceID
	}
}
