package falcon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"strings"

	"golang.org/x/oauth2"

	"github.com/falconioc/falcon/internal/core"
)

// Version is the SDK version sent in the User-Agent header.
const Version = "1.0.0"

// userAgent is the SDK's own User-Agent product token.
const userAgent = "falconioc-go/" + Version

// Client talks to the Falcon API. It is safe for concurrent use; create one
// per API client and share it. API groups live in sibling packages (such as
// package ioc) that wrap a *Client.
type Client struct {
	core     *core.Client
	tokens   *tokenManager
	site     *site
	clientID string
	log      *slog.Logger
}

// NewClient returns a client configured by opts. Without WithCredentials or
// WithTokenSource it reads FALCON_CLIENT_ID, FALCON_CLIENT_SECRET,
// FALCON_CLOUD, FALCON_MEMBER_CID and FALCON_BASE_URL from the environment,
// and fails with an error wrapping ErrNoCredentials if the first two are
// missing. Without a cloud or base URL the region is autodiscovered on the
// first request. NewClient sends nothing.
func NewClient(opts ...Option) (*Client, error) {
	return newClient(osGetenv, opts...)
}

func newClient(getenv func(string) string, opts ...Option) (*Client, error) {
	cfg := config{retry: DefaultRetryPolicy()}
	for i, o := range opts {
		if o == nil {
			return nil, fmt.Errorf("falcon: option %d is nil", i)
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if !cfg.credsSet && cfg.tokenSource == nil {
		if err := cfg.fromEnv(getenv); err != nil {
			return nil, err
		}
	}

	cloudURL := func(c Cloud) string {
		if u, ok := cfg.cloudURLs[c]; ok {
			return u
		}
		return c.BaseURL()
	}
	var (
		base     string
		cloud    Cloud
		discover bool
	)
	switch {
	case cfg.baseSet:
		base = cfg.baseURL
	case cfg.cloudSet && cfg.cloud != CloudAutoDiscover:
		cloud, base = cfg.cloud, cloudURL(cfg.cloud)
	case cfg.tokenSource != nil:
		// A bare token cannot discover its region.
		cloud, base = CloudUS1, cloudURL(CloudUS1)
	default:
		cloud, base, discover = CloudAutoDiscover, cloudURL(CloudUS1), true
	}
	if err := checkScheme(base, cfg.allowHTTP); err != nil {
		return nil, err
	}
	if discover {
		for c := range cloudHosts {
			if err := checkScheme(cloudURL(c), cfg.allowHTTP); err != nil {
				return nil, err
			}
		}
	}

	user := cfg.httpClient
	if user == nil {
		user = &http.Client{}
	}
	baseRT := user.Transport
	if baseRT == nil {
		baseRT = http.DefaultTransport
	}
	ua := userAgent
	if cfg.uaPrefix != "" {
		ua = cfg.uaPrefix + " " + userAgent
	}
	log := cfg.logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	tokenTimeout := defaultTokenTimeout
	switch {
	case cfg.timeout > 0:
		tokenTimeout = cfg.timeout
	case user.Timeout > 0:
		tokenTimeout = user.Timeout
	}

	tm := &tokenManager{
		clientID:  cfg.clientID,
		secret:    cfg.secret,
		memberCID: cfg.memberCID,
		static:    cfg.tokenSource,
		log:       log,
		timeout:   tokenTimeout,
		cloudURLs: cfg.cloudURLs,
		discover:  discover,
		hc: &http.Client{
			Transport:     &tokenTransport{base: baseRT, ua: ua},
			CheckRedirect: sameHostRedirects(user.CheckRedirect),
			Timeout:       user.Timeout,
		},
	}
	api := &http.Client{
		Transport:     &oauth2.Transport{Source: tm, Base: baseRT},
		CheckRedirect: sameHostRedirects(user.CheckRedirect),
		Jar:           user.Jar,
		Timeout:       user.Timeout,
	}
	cc := core.New(core.Config{
		HTTPClient: api,
		BaseURL:    base,
		UserAgent:  ua,
		Logger:     cfg.logger,
		Retry:      core.Policy(cfg.retry),
		Timeout:    cfg.timeout,
		Auth:       tm,
		MaxBody:    cfg.maxBody,
		NoPacing:   cfg.noPacing,
		RateWindow: cfg.rateWindow,
	})
	st := &site{cloud: cloud, core: cc}
	tm.site = st
	return &Client{core: cc, tokens: tm, site: st, clientID: cfg.clientID, log: log}, nil
}

// sameHostRedirects follows redirects only within one scheme and host: the
// oauth2 transport adds the bearer token to every hop, so another host must
// never see one.
func sameHostRedirects(next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		first := via[0].URL
		if req.URL.Host != first.Host || req.URL.Scheme != first.Scheme {
			return fmt.Errorf("falcon: refusing redirect from %s to %s://%s", first.Host, req.URL.Scheme, req.URL.Host)
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("falcon: stopped after 10 redirects")
		}
		return nil
	}
}

// Idempotency says whether a request may be sent again when its response
// was lost (transport error) or the server answered 502, 503 or 504.
type Idempotency int

const (
	// IdempotencyDefault decides by method: GET, HEAD, OPTIONS, PUT,
	// PATCH and DELETE repeat; POST does not.
	IdempotencyDefault Idempotency = iota
	// Idempotent marks a request as safe to repeat, such as the POST of an
	// aggregate query, which only reads.
	Idempotent
	// NotIdempotent forbids repeating the request, such as a create whose
	// second copy would be a duplicate.
	NotIdempotent
)

// Request is a raw API call for [Client.Do].
type Request struct {
	// Method is the HTTP method ("GET" when empty).
	Method string
	// Path is the API path, starting with "/" (no scheme, host or query).
	Path string
	// Query is encoded with url.Values.Encode: keys sorted, repeated keys
	// repeated (ids=a&ids=b), "+" sent as %2B, spaces as "+". Booleans go
	// in as strconv.FormatBool writes them ("true", "false").
	Query url.Values
	// Body is sent as JSON: []byte and json.RawMessage verbatim, anything
	// else through encoding/json. Nil sends no body.
	Body any
	// Header holds extra request headers.
	Header http.Header
	// Idempotency says whether the request may be repeated after a lost
	// response or a 502/503/504.
	Idempotency Idempotency
}

func (r *Request) repeatable(method string) bool {
	switch r.Idempotency {
	case Idempotent:
		return true
	case NotIdempotent:
		return false
	}
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

func (r *Request) build() (*core.Request, error) {
	if r == nil {
		return nil, errors.New("falcon: Do: nil *Request")
	}
	method := strings.ToUpper(strings.TrimSpace(r.Method))
	if method == "" {
		method = http.MethodGet
	}
	for _, ch := range method {
		if ch < 'A' || ch > 'Z' {
			return nil, fmt.Errorf("falcon: Do: invalid method %q", clipN(r.Method, 20))
		}
	}
	if !strings.HasPrefix(r.Path, "/") || strings.HasPrefix(r.Path, "//") || strings.ContainsAny(r.Path, "?# \t\r\n") {
		return nil, fmt.Errorf("falcon: Do: path %q must start with a single \"/\" and hold no query, fragment or spaces", clipN(r.Path, 80))
	}
	cr := &core.Request{
		Method:     method,
		Path:       r.Path,
		RawQuery:   r.Query.Encode(),
		Header:     r.Header,
		Repeatable: r.repeatable(method),
	}
	switch b := r.Body.(type) {
	case nil:
	case []byte:
		cr.Body = b
	case json.RawMessage:
		cr.Body = b
	default:
		data, err := json.Marshal(b)
		if err != nil {
			return nil, fmt.Errorf("falcon: %s %s: encoding body: %w", method, r.Path, err)
		}
		cr.Body = data
	}
	return cr, nil
}

// Do sends req and decodes the envelope of a 2xx answer: its resources into
// out (a non-nil pointer, or nil to discard them), its meta and errors into
// the returned Response. It is the escape hatch for calls the typed
// services do not wrap yet, and what those services are built on.
//
// out is decoded by encoding/json, whatever methods its type has; it never
// shares memory with the client's buffers (a json.Unmarshaler gets bytes
// that are valid during its call only, as encoding/json documents).
//
// The returned *Response is non-nil whenever an HTTP answer arrived, errors
// included. Its Body is http.NoBody (the body has been read) and its
// Request is a copy without the Authorization header, body and context:
// no returned value holds the bearer token. Errors are *APIError (non-2xx), *RateLimitError (429 not
// retried), *AuthError (token request failed), *RequestError (no complete
// answer: the server may have acted), *DecodeError (a 2xx body that could
// not be decoded), *BodyTooLargeError (a 2xx body over the limit of
// WithMaxBodySize), or wrap the context's error when it ended a wait.
func (c *Client) Do(ctx context.Context, req *Request, out any) (*Response, error) {
	if ctx == nil {
		return nil, errors.New("falcon: Do: nil context")
	}
	cr, err := req.build()
	if err != nil {
		return nil, err
	}
	if out != nil {
		if v := reflect.ValueOf(out); v.Kind() != reflect.Pointer || v.IsNil() {
			return nil, fmt.Errorf("falcon: Do: out must be a non-nil pointer, not %T", out)
		}
	}
	resp := new(Response)
	hr, err := c.core.Do(ctx, cr, core.Envelope{Meta: (*metaDest)(&resp.Meta), Errors: (*errorsDest)(&resp.Errors), Resources: out})
	if err != nil {
		if se, ok := errors.AsType[*core.StatusError](err); ok && se.Response != nil {
			hr = se.Response
		}
		err = mapError(err, resp)
		if ae, ok := errors.AsType[*APIError](err); ok && ae.StatusCode == http.StatusUnauthorized {
			ae.Hint = c.tokens.regionHint(c.core.BaseURL())
		}
	}
	if hr == nil {
		return nil, err
	}
	resp.Response = exposed(hr)
	resp.RateLimit = parseRateLimit(hr.Header)
	if resp.Meta.TraceID == "" {
		resp.Meta.TraceID = hr.Header.Get("X-Cs-Traceid")
	}
	fillBodyError(err, hr.StatusCode, resp.Meta.TraceID)
	return resp, err
}

// exposed returns the copy of hr that Do returns. Its body, already
// consumed, is http.NoBody: the original leads into the transport's
// connection buffers, which hold the bearer token. Its request is a copy
// without the Authorization header and without a body.
func exposed(hr *http.Response) *http.Response {
	cp := *hr
	cp.Body = http.NoBody
	cp.Request = redactRequest(hr.Request)
	return &cp
}

// redactRequest returns a copy of r without the Authorization header, body
// and context (the call is over), whose redirect response (if any) is
// redacted the same way.
func redactRequest(r *http.Request) *http.Request {
	if r == nil {
		return nil
	}
	cp := r.WithContext(context.Background())
	cp.Header = r.Header.Clone()
	delete(cp.Header, "Authorization")
	cp.Body, cp.GetBody = nil, nil
	if r.Response != nil {
		cp.Response = exposed(r.Response)
	}
	return cp
}

// Close revokes the cached token (POST /oauth2/revoke). The client remains
// usable: a later call fetches a new token. With WithTokenSource there is
// nothing to revoke.
func (c *Client) Close(ctx context.Context) error {
	tok := c.tokens.take()
	if tok == "" || c.tokens.static != nil {
		return nil
	}
	return c.tokens.revoke(ctx, c.core.BaseURL(), tok)
}

// BaseURL returns the API base URL in use (it changes once if
// autodiscovery finds another region).
func (c *Client) BaseURL() string { return c.core.BaseURL() }

// Cloud returns the cloud in use: CloudAutoDiscover until autodiscovery
// has run, and "" with a custom base URL.
func (c *Client) Cloud() Cloud { return c.site.getCloud() }

// Logger returns the client's logger (a silent one when none was set), for
// services built on the client.
func (c *Client) Logger() *slog.Logger { return c.log }

// String describes the client without credentials or tokens.
func (c *Client) String() string {
	return fmt.Sprintf("falcon.Client{cloud: %q, base_url: %q, client_id: %q}", c.Cloud(), c.BaseURL(), c.clientID)
}

// GoString is String: the client never prints a secret.
func (c *Client) GoString() string { return "&" + c.String() }
