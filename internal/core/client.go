package core

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-resty/resty/v2"
)

// MaxErrorBody is the most of an error body that is read (1 MiB).
const MaxErrorBody = 1 << 20

// Policy bounds the retry loop. It mirrors falcon.RetryPolicy.
type Policy struct {
	// MaxAttempts is the most times a request is sent (1: no retry).
	MaxAttempts int
	// MinWait is the first backoff step.
	MinWait time.Duration
	// MaxWait caps every backoff step; a rate-limit wait longer than
	// MaxWait ends the call at once.
	MaxWait time.Duration
}

// Auth is what the retry loop needs from the token manager.
type Auth interface {
	// Prepare makes sure a usable token is cached (fetching it, once at a
	// time, if needed) and returns its generation. Waiting for another
	// goroutine's fetch honours ctx.
	Prepare(ctx context.Context) (gen uint64, err error)
	// Invalidate drops the cached token if it still is generation gen,
	// after the API answered 401 to a request sent with it.
	Invalidate(gen uint64)
}

// Config configures a Client.
type Config struct {
	// HTTPClient sends every API request. Its transport is expected to
	// add the bearer token (an oauth2 transport over the user's one).
	HTTPClient *http.Client
	// BaseURL is the scheme and host (and optional path prefix) of the
	// API, without a trailing slash.
	BaseURL string
	// UserAgent is sent on every request.
	UserAgent string
	// Logger receives one debug record per attempt and one info record
	// per retry. Nil is silent.
	Logger *slog.Logger
	// Retry bounds the retry loop.
	Retry Policy
	// Timeout bounds each attempt (0: only the context bounds it).
	Timeout time.Duration
	// Auth, if set, is prepared before every attempt and invalidated on 401.
	Auth Auth
	// MaxBody is the most bytes a 2xx body may hold, counted after any
	// decompression (0: DefaultMaxBody). Error bodies are read up to
	// MaxErrorBody or MaxBody, whichever is smaller.
	MaxBody int64
	// NoPacing turns the proactive rate limiter off: requests then only
	// wait out the cooldown of a 429.
	NoPacing bool
	// RateWindow is the length of the API's sliding rate-limit window
	// (0: DefaultRateWindow), for servers that count over another one.
	RateWindow time.Duration
}

// Client sends requests through resty and owns the retry decision.
type Client struct {
	rc       *resty.Client
	base     atomic.Pointer[string]
	ua       string
	uaHeader []string
	log      *slog.Logger
	policy   Policy
	timeout  time.Duration
	auth     Auth
	maxBody  int64
	cooldown atomic.Int64 // unix nanoseconds until which nobody sends
	pacer    *pacer       // nil when pacing is off

	// requests holds resty requests of rc for reuse. A resty.Request keeps
	// no state from one Execute to the next that execute does not set
	// again, given how core uses resty: its retries and debug output are
	// off; there are no path or query parameters, form data, cookies or
	// result types; and bodies are io.Readers, which resty passes through
	// without buffering (so its internal body buffer stays nil).
	requests sync.Pool
}

// New returns a Client for cfg.
func New(cfg Config) *Client {
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Transport: http.DefaultTransport}
	} else if hc.Transport == nil {
		// resty would install its own transport into a nil slot.
		cp := *hc
		cp.Transport = http.DefaultTransport
		hc = &cp
	}
	rc := resty.NewWithClient(hc)
	rc.SetLogger(nopLogger{})
	rc.SetDisableWarn(true)
	rc.SetRetryCount(0)
	rc.SetDoNotParseResponse(true)

	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Client{
		rc:       rc,
		ua:       cfg.UserAgent,
		uaHeader: []string{cfg.UserAgent},
		log:      log,
		policy:   cfg.Retry,
		timeout:  cfg.Timeout,
		auth:     cfg.Auth,
		maxBody:  cfg.MaxBody,
	}
	if c.maxBody <= 0 {
		c.maxBody = DefaultMaxBody
	}
	if c.policy.MaxAttempts < 1 {
		c.policy.MaxAttempts = 1
	}
	if !cfg.NoPacing {
		c.pacer = newPacer(DefaultRateLimit, cfg.RateWindow)
	}
	c.SetBaseURL(cfg.BaseURL)
	return c
}

// SetBaseURL changes the API base URL for requests sent from now on.
func (c *Client) SetBaseURL(u string) {
	u = strings.TrimRight(u, "/")
	c.base.Store(&u)
}

// BaseURL returns the API base URL in use.
func (c *Client) BaseURL() string { return *c.base.Load() }

// Request is one API call as core sends it.
type Request struct {
	// Method is the HTTP method, upper case.
	Method string
	// Path is appended to the base URL; it starts with "/".
	Path string
	// RawQuery is the encoded query string, without "?".
	RawQuery string
	// Body is the JSON body, or nil for none.
	Body []byte
	// Header holds extra request headers.
	Header http.Header
	// Repeatable marks a request that may be sent again after a transport
	// error or a 502/503/504. 429 and 401 are retried regardless.
	Repeatable bool
}

// Envelope names where the parts of a 2xx JSON envelope go. Each field is a
// non-nil pointer or nil to skip that part.
type Envelope struct {
	Meta      any
	Errors    any
	Resources any
}

// StatusError is a non-2xx answer that was not, or no longer, retried.
type StatusError struct {
	Method     string
	Path       string
	StatusCode int
	// Header is the response header (nil when Cooldown is set).
	Header http.Header
	// Body holds at most MaxErrorBody bytes of the response body.
	Body []byte
	// Attempts is how many times the request was sent.
	Attempts int
	// RetryAfter is when a 429 said sending may resume, at most
	// MaxCooldown after the answer arrived.
	RetryAfter time.Time
	// Capped is set when the 429 named a later time than MaxCooldown
	// allows, and RetryAfter was brought forward to that limit.
	Capped bool
	// Cooldown is set when the request was not sent at all because the
	// client's shared rate-limit cooldown outlasts the policy's MaxWait.
	Cooldown bool
	// Response is the final response; its body has been consumed.
	Response *http.Response
}

// Error returns a one-line summary.
func (e *StatusError) Error() string {
	return fmt.Sprintf("falcon: %s %s: HTTP %d", e.Method, e.Path, e.StatusCode)
}

// TransportError reports that no complete response arrived: the request
// may or may not have reached the server.
type TransportError struct {
	Method   string
	Path     string
	Attempts int
	Err      error
}

// Error returns a one-line summary.
func (e *TransportError) Error() string {
	return fmt.Sprintf("falcon: %s %s: %s", e.Method, e.Path, oneLine(e.Err.Error()))
}

// Unwrap returns the underlying error.
func (e *TransportError) Unwrap() error { return e.Err }

// outcome is what one attempt produced.
type outcome struct {
	resp    *http.Response
	body    []byte // error body, for non-2xx
	err     error
	lost    bool // err means no complete response
	touched bool // decoding wrote into the envelope
}

// Do sends req, retrying as the policy allows, and decodes a 2xx envelope
// into env. It returns the final *http.Response (body consumed) whenever one
// arrived, together with a *StatusError for non-2xx answers.
func (c *Client) Do(ctx context.Context, req *Request, env Envelope) (*http.Response, error) {
	maxAttempts := c.policy.MaxAttempts
	reauthed := false
	touched := false
	for attempt := 1; ; attempt++ {
		if err := c.awaitCooldown(ctx, req, attempt); err != nil {
			return nil, err
		}
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("falcon: %s %s: %w", req.Method, req.Path, err)
		}
		var gen uint64
		if c.auth != nil {
			g, err := c.auth.Prepare(ctx)
			if err != nil {
				if ctx.Err() == nil && isTemporary(err) && attempt < maxAttempts {
					if werr := c.pause(ctx, req, attempt, c.backoff(attempt), "token request failed"); werr != nil {
						return nil, werr
					}
					continue
				}
				return nil, err
			}
			gen = g
		}
		if touched {
			env.reset()
		}
		var tk ticket
		if c.pacer != nil {
			var err error
			if tk, err = c.pacer.acquire(ctx); err != nil {
				return nil, paceError(req, err)
			}
			if tk.waited > 0 {
				c.logPaced(ctx, req, tk)
				// A 429 may have started a cooldown while it waited.
				if err := c.awaitCooldown(ctx, req, attempt); err != nil {
					return nil, err
				}
			}
		}
		out := c.send(ctx, req, env, attempt)
		touched = touched || out.touched
		if c.pacer != nil && out.resp != nil {
			c.pacer.observe(tk, out.resp.Header)
		}

		if out.lost {
			if ctx.Err() == nil && req.Repeatable && attempt < maxAttempts {
				if werr := c.pause(ctx, req, attempt, c.backoff(attempt), "transport error"); werr != nil {
					return nil, werr
				}
				continue
			}
			return nil, &TransportError{Method: req.Method, Path: req.Path, Attempts: attempt, Err: out.err}
		}
		if out.err != nil {
			return out.resp, out.err
		}
		resp := out.resp
		code := resp.StatusCode
		if code >= 200 && code < 300 {
			return resp, nil
		}
		serr := &StatusError{
			Method: req.Method, Path: req.Path, StatusCode: code, Header: resp.Header,
			Body: out.body, Attempts: attempt, Response: resp,
		}
		switch {
		case code == http.StatusUnauthorized && c.auth != nil && !reauthed:
			// The token was refused: drop it, fetch a new one, try once more.
			reauthed = true
			maxAttempts++
			c.auth.Invalidate(gen)
			c.logRetry(ctx, req, attempt, 0, "401 unauthorized")
			continue
		case code == http.StatusTooManyRequests:
			now := time.Now()
			at, ok := RetryAt(resp.Header, now)
			if !ok {
				at = now.Add(c.backoff(attempt))
			}
			at, serr.Capped = capCooldown(at, now)
			c.extendCooldown(at)
			if c.pacer != nil {
				c.pacer.blocked(at, resp.Header)
			}
			serr.RetryAfter = at
			wait := at.Sub(now)
			if wait > c.policy.MaxWait || attempt >= maxAttempts {
				return resp, serr
			}
			if werr := c.pause(ctx, req, attempt, wait+c.spread(), "429 rate limited"); werr != nil {
				return nil, werr
			}
			continue
		case code == http.StatusBadGateway || code == http.StatusServiceUnavailable || code == http.StatusGatewayTimeout:
			if req.Repeatable && attempt < maxAttempts {
				if werr := c.pause(ctx, req, attempt, c.backoff(attempt), fmt.Sprintf("HTTP %d", code)); werr != nil {
					return nil, werr
				}
				continue
			}
		}
		// Everything else, including every 500 (such as the one an offset
		// past 10,000 produces), is final.
		return resp, serr
	}
}

// send performs one attempt.
func (c *Client) send(ctx context.Context, req *Request, env Envelope, attempt int) outcome {
	actx := ctx
	if c.timeout > 0 {
		var cancel context.CancelFunc
		actx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	logging := c.log.Enabled(ctx, slog.LevelDebug)
	var start time.Time
	if logging {
		start = time.Now()
	}
	countAttempt(ctx)
	resp, err := c.execute(actx, req)
	if err != nil || resp == nil {
		if resp != nil && resp.Body != nil {
			resp.Body.Close()
		}
		if err == nil {
			err = errors.New("no response")
		}
		if logging {
			c.logAttempt(ctx, req, attempt, 0, time.Since(start), "", err)
		}
		return outcome{err: err, lost: true}
	}
	code := resp.StatusCode
	if code >= 200 && code < 300 {
		touched, broken, derr := decodeEnvelope(resp, env, c.maxBody)
		if resp.Body != nil {
			// decodeEnvelope read the body to its end, or it has none, or
			// it is too long to drain: closing it drops the connection.
			_ = resp.Body.Close()
		}
		if logging {
			c.logAttempt(ctx, req, attempt, code, time.Since(start), resp.Header.Get("X-Cs-Traceid"), derr)
		}
		switch {
		case broken:
			// The body broke off: the response was lost.
			return outcome{err: derr, lost: true, touched: touched}
		case derr != nil:
			switch e := derr.(type) {
			case *DecodeError:
				e.Method, e.Path = req.Method, req.Path
			case *BodyTooLargeError:
				e.Method, e.Path = req.Method, req.Path
			}
			return outcome{resp: resp, touched: touched, err: derr}
		}
		return outcome{resp: resp, touched: touched}
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, min(MaxErrorBody, c.maxBody)))
	closeBody(resp.Body)
	if logging {
		c.logAttempt(ctx, req, attempt, code, time.Since(start), resp.Header.Get("X-Cs-Traceid"), nil)
	}
	return outcome{resp: resp, body: body}
}

// Header values shared by every request; resty copies the request's
// header into the *http.Request it builds, so they are never modified.
var jsonHeader = []string{"application/json"}

// execute sends one request through resty and returns the raw response,
// body unread.
func (c *Client) execute(ctx context.Context, req *Request) (*http.Response, error) {
	r, _ := c.requests.Get().(*resty.Request)
	if r == nil {
		r = c.rc.R()
	}
	r.SetContext(ctx)
	for k, vs := range req.Header {
		r.Header[k] = vs
	}
	r.Header["User-Agent"] = c.uaHeader
	r.Header["Accept"] = jsonHeader
	if req.Body != nil {
		r.Header["Content-Type"] = jsonHeader
		r.Body = bytes.NewReader(req.Body)
	}
	base := c.BaseURL()
	u := base + req.Path
	if req.RawQuery != "" {
		u = base + req.Path + "?" + req.RawQuery
	}
	rr, err := r.Execute(req.Method, u)
	var resp *http.Response
	if rr != nil {
		resp = rr.RawResponse
	}
	// Forget this request before another one reuses r.
	clear(r.Header)
	r.SetContext(context.Background())
	r.Body, r.RawRequest, r.URL, r.Method = nil, nil, "", ""
	c.requests.Put(r)
	return resp, err
}

func isTemporary(err error) bool {
	var t interface{ Temporary() bool }
	return errors.As(err, &t) && t.Temporary()
}

func oneLine(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		return s[:i]
	}
	return s
}

// nopLogger keeps resty silent: everything worth logging goes to slog.
type nopLogger struct{}

func (nopLogger) Errorf(string, ...any) {}
func (nopLogger) Warnf(string, ...any)  {}
func (nopLogger) Debugf(string, ...any) {}
