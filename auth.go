package falcon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/falconioc/falcon/internal/core"
)

const (
	tokenPath  = "/oauth2/token"
	revokePath = "/oauth2/revoke"

	// defaultTokenTimeout bounds a token request when neither WithTimeout
	// nor the caller's http.Client sets a timeout.
	defaultTokenTimeout = 30 * time.Second
	// maxEarlyRefresh is how long before expiry a token is replaced (at
	// most a fifth of its lifetime).
	maxEarlyRefresh = time.Minute
)

// tokenManager caches one bearer token and refreshes it ahead of expiry,
// with at most one token request in flight however many goroutines ask.
// It implements oauth2.TokenSource for the oauth2 transport and core.Auth
// for the retry loop, which prepares the token (honouring the caller's
// context) before each attempt and invalidates it after a 401.
type tokenManager struct {
	clientID  string
	secret    secret
	memberCID string
	static    oauth2.TokenSource
	hc        *http.Client // token and revoke requests: the user's transport, no bearer
	log       *slog.Logger
	timeout   time.Duration
	site      *site
	cloudURLs map[Cloud]string

	mu        sync.Mutex
	tok       *oauth2.Token
	refreshAt time.Time // zero: no known expiry
	gen       uint64
	call      *tokenCall
	discover  bool   // autodiscovery still to do
	region    string // X-Cs-Region of the last token answer outside autodiscovery
}

// String describes the manager without the secret or the token.
func (m *tokenManager) String() string {
	return fmt.Sprintf("falcon.tokenManager{client_id: %q, static: %t}", m.clientID, m.static != nil)
}

// GoString is String.
func (m *tokenManager) GoString() string { return m.String() }

// Format prints String whatever the verb, so %s cannot reach the token.
func (m *tokenManager) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, m.String()) }

// tokenCall is one token request that several goroutines may wait for.
type tokenCall struct {
	done chan struct{}
	tok  *oauth2.Token
	gen  uint64
	err  error
}

// Prepare implements core.Auth.
func (m *tokenManager) Prepare(ctx context.Context) (uint64, error) {
	_, gen, err := m.token(ctx)
	return gen, err
}

// Invalidate implements core.Auth: it drops the cached token if it is still
// the one of generation gen, so that concurrent 401s cause one refresh.
func (m *tokenManager) Invalidate(gen uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.gen == gen && m.tok != nil {
		m.tok = nil
		m.log.Debug("falcon token dropped after 401")
	}
}

// Token implements oauth2.TokenSource for the oauth2 transport. The retry
// loop has normally prepared the token already, so this returns at once.
func (m *tokenManager) Token() (*oauth2.Token, error) {
	tok, _, err := m.token(context.Background())
	return tok, err
}

func (m *tokenManager) token(ctx context.Context) (*oauth2.Token, uint64, error) {
	m.mu.Lock()
	if m.tok != nil && (m.refreshAt.IsZero() || time.Now().Before(m.refreshAt)) {
		tok, gen := m.tok, m.gen
		m.mu.Unlock()
		return tok, gen, nil
	}
	call := m.call
	if call == nil {
		call = &tokenCall{done: make(chan struct{})}
		m.call = call
		go m.fetch(call)
	}
	m.mu.Unlock()
	select {
	case <-call.done:
		return call.tok, call.gen, call.err
	case <-ctx.Done():
		return nil, 0, fmt.Errorf("falcon: waiting for a token: %w", ctx.Err())
	}
}

// fetch runs one token request on a context of its own, so that the
// caller that started it giving up does not fail the others waiting. A
// panic of the token source (or of the transport) is recovered here, on
// a goroutine the caller cannot guard, and becomes every waiter's error.
func (m *tokenManager) fetch(call *tokenCall) {
	ctx, cancel := context.WithTimeout(context.Background(), m.timeout)
	defer cancel()
	what := "the token request"
	if m.static != nil {
		what = "the token source"
	}
	var tok *oauth2.Token
	// err stays so if obtain never returns (runtime.Goexit).
	var err error = &AuthError{Hint: what + " did not return"}
	defer func() {
		if r := recover(); r != nil {
			tok, err = nil, m.panicked(what, r)
		}
		m.mu.Lock()
		if err == nil {
			m.gen++
			m.tok = tok
			m.refreshAt = refreshTime(tok, time.Now())
			call.tok, call.gen = tok, m.gen
		}
		call.err = err
		m.call = nil
		m.mu.Unlock()
		close(call.done)
	}()
	tok, err = m.obtain(ctx)
}

// panicked reports a recovered panic of what as an *AuthError, and logs
// its stack (which holds no argument values) at error level.
func (m *tokenManager) panicked(what string, r any) *AuthError {
	m.log.LogAttrs(context.Background(), slog.LevelError, "falcon: "+what+" panicked",
		slog.String("stack", string(debug.Stack())))
	cause := fmt.Errorf("panic: %v", r)
	if e, ok := r.(error); ok {
		cause = fmt.Errorf("panic: %w", e)
	}
	return &AuthError{Hint: what + " panicked", Err: cause}
}

// refreshTime is when tok should be replaced: a fifth of its lifetime, at
// most a minute, before it expires.
func refreshTime(tok *oauth2.Token, now time.Time) time.Time {
	if tok.Expiry.IsZero() {
		return time.Time{}
	}
	life := tok.Expiry.Sub(now)
	if life <= 0 {
		return now
	}
	return tok.Expiry.Add(-min(maxEarlyRefresh, life/5))
}

func (m *tokenManager) obtain(ctx context.Context) (*oauth2.Token, error) {
	if m.static != nil {
		tok, err := m.static.Token()
		if err != nil {
			return nil, &AuthError{Err: err, Hint: "the token source failed"}
		}
		if tok == nil || tok.AccessToken == "" {
			return nil, &AuthError{Hint: "the token source returned an empty token"}
		}
		return tok, nil
	}
	m.mu.Lock()
	discover := m.discover
	m.mu.Unlock()
	if !discover {
		tok, region, err := m.request(ctx, m.site.baseURL())
		if err == nil {
			m.mu.Lock()
			m.region = region
			m.mu.Unlock()
		}
		return tok, err
	}

	// Autodiscovery: ask us-1, whose token response names the account's
	// region in X-Cs-Region.
	from := m.cloudURL(CloudUS1)
	tok, region, err := m.request(ctx, from)
	if err != nil {
		return nil, err
	}
	cloud := CloudUS1
	if c, perr := ParseCloud(region); region != "" && perr == nil && c != CloudAutoDiscover {
		cloud = c
	} else if region != "" {
		m.log.Warn("falcon autodiscovery: unknown region, staying on us-1", slog.String("region", clipN(region, 40)))
	}
	target := m.cloudURL(cloud)
	if cloud != CloudUS1 && target != "" && target != from {
		m.log.Info("falcon autodiscovery: switching region", slog.String("cloud", string(cloud)))
		regional, _, err := m.request(ctx, target)
		// The us-1 token is of no further use either way.
		if rerr := m.revoke(ctx, from, tok.AccessToken); rerr != nil {
			m.log.Warn("falcon autodiscovery: revoking the discovery token failed", slog.String("error", rerr.Error()))
		}
		if err != nil {
			return nil, err
		}
		tok = regional
	} else {
		target = from
	}
	m.site.set(cloud, target)
	m.mu.Lock()
	m.discover = false
	m.mu.Unlock()
	return tok, nil
}

// regionHint explains a 401 from base when the last token answer named a
// region (X-Cs-Region) that base does not serve: the token is valid only
// in that region. It returns "" when there is nothing to say.
func (m *tokenManager) regionHint(base string) string {
	m.mu.Lock()
	region := m.region
	m.mu.Unlock()
	if region == "" {
		return ""
	}
	c, err := ParseCloud(region)
	if err != nil || c == CloudAutoDiscover {
		return fmt.Sprintf("the token answer named region %q (X-Cs-Region), a cloud this SDK does not know", clipN(region, 40))
	}
	if m.cloudURL(c) == base {
		return ""
	}
	return fmt.Sprintf("the token answer named region %s (X-Cs-Region) but requests go to %s: use WithCloud(%q), FALCON_CLOUD=%s or that cloud's base URL", c, base, c, c)
}

func (m *tokenManager) cloudURL(c Cloud) string {
	if u, ok := m.cloudURLs[c]; ok {
		return u
	}
	return c.BaseURL()
}

// tokenCapture records what the token response said beyond the token.
type tokenCapture struct {
	status  int
	region  string
	traceID string
}

type captureKey struct{}

// request asks base's token endpoint for a token.
func (m *tokenManager) request(ctx context.Context, base string) (*oauth2.Token, string, error) {
	cc := clientcredentials.Config{
		ClientID:     m.clientID,
		ClientSecret: m.secret(),
		TokenURL:     base + tokenPath,
		AuthStyle:    oauth2.AuthStyleInParams,
	}
	if m.memberCID != "" {
		cc.EndpointParams = url.Values{"member_cid": {m.memberCID}}
	}
	capture := new(tokenCapture)
	ctx = context.WithValue(ctx, oauth2.HTTPClient, m.hc)
	ctx = context.WithValue(ctx, captureKey{}, capture)
	start := time.Now()
	tok, err := cc.Token(ctx)
	if err != nil {
		aerr := m.authError(err, capture)
		m.log.LogAttrs(ctx, slog.LevelWarn, "falcon token request failed",
			slog.String("path", tokenPath),
			slog.Int("status", aerr.StatusCode),
			slog.Duration("duration", time.Since(start)),
			slog.String("trace_id", aerr.TraceID),
			slog.String("error", aerr.Error()))
		return nil, "", aerr
	}
	m.log.LogAttrs(ctx, slog.LevelDebug, "falcon token",
		slog.String("path", tokenPath),
		slog.Duration("duration", time.Since(start)),
		slog.String("trace_id", capture.traceID),
		slog.Time("expiry", tok.Expiry))
	return tok, capture.region, nil
}

// authError turns what clientcredentials returned into *AuthError with a
// hint. An answer of the token endpoint is described by the fields alone:
// oauth2's error type is not kept, since its Error method fails without the
// *http.Response, and that response's request carries the credentials.
func (m *tokenManager) authError(err error, capture *tokenCapture) *AuthError {
	ae := &AuthError{}
	if re, ok := errors.AsType[*oauth2.RetrieveError](err); ok {
		if re.Response != nil {
			ae.StatusCode = re.Response.StatusCode
			ae.TraceID = re.Response.Header.Get("X-Cs-Traceid")
		}
		var env struct {
			Meta   Meta          `json:"meta"`
			Errors []ErrorDetail `json:"errors"`
		}
		if json.Unmarshal(re.Body, &env) == nil {
			if len(env.Errors) > 0 {
				ae.Code, ae.Message = env.Errors[0].Code, env.Errors[0].Message
			}
			if env.Meta.TraceID != "" {
				ae.TraceID = env.Meta.TraceID
			}
		}
		if ae.Message == "" {
			ae.Message = strings.TrimSpace(re.ErrorCode + " " + re.ErrorDescription)
		}
	} else {
		ae.Err = err
		if capture.status != 0 {
			// An answer arrived, but oauth2 could not use it.
			ae.StatusCode, ae.TraceID = capture.status, capture.traceID
		}
	}
	ae.Hint = m.hint(ae.StatusCode, ae.Message)
	if ae.Hint == "" || ae.StatusCode == 0 && !ae.Temporary() {
		ae.Hint = "the token endpoint's answer was not usable"
	}
	return ae
}

func (m *tokenManager) hint(status int, msg string) string {
	const creds = "check the API client ID and secret (" + EnvClientID + ", " + EnvClientSecret + ")"
	lower := strings.ToLower(msg)
	aboutCID := m.memberCID != "" && (strings.Contains(lower, "cid") || strings.Contains(lower, "member"))
	switch {
	case status == 0:
		return "could not reach the token endpoint"
	case aboutCID:
		return "check the member CID (" + EnvMemberCID + "): the API client may not have access to it"
	case status == http.StatusBadRequest || status == http.StatusUnauthorized:
		return creds + " and the cloud"
	case status == http.StatusForbidden:
		// The token endpoint answers refused credentials with 403, and so
		// it does for a host outside the API client's IP allow list.
		h := creds + ", then that this host's IP address is on the API client's IP allow list"
		if m.memberCID != "" {
			h += ", then the member CID (" + EnvMemberCID + ")"
		}
		return h
	case status == http.StatusTooManyRequests:
		return "the token endpoint is rate limited (300 requests per minute per IP)"
	case status >= 500:
		return "the token service failed; try again later"
	}
	return ""
}

// revoke invalidates token at base's revoke endpoint (basic auth with the
// client credentials, form field token).
func (m *tokenManager) revoke(ctx context.Context, base, token string) error {
	form := url.Values{"token": {token}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+revokePath, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.SetBasicAuth(m.clientID, m.secret())
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	start := time.Now()
	resp, err := m.hc.Do(req)
	if err != nil {
		return &RequestError{Method: http.MethodPost, Path: revokePath, Attempts: 1, Err: err}
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, core.MaxErrorBody))
	_ = resp.Body.Close()
	m.log.LogAttrs(ctx, slog.LevelDebug, "falcon request",
		slog.String("method", http.MethodPost),
		slog.String("path", revokePath),
		slog.Int("status", resp.StatusCode),
		slog.Duration("duration", time.Since(start)),
		slog.String("trace_id", resp.Header.Get("X-Cs-Traceid")),
		slog.Int("attempt", 1))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	return newStatusError(&core.StatusError{
		Method: http.MethodPost, Path: revokePath, StatusCode: resp.StatusCode,
		Header: resp.Header, Body: body, Attempts: 1, Response: resp,
	}, nil)
}

// take removes the cached token and returns its access token.
func (m *tokenManager) take() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.tok == nil {
		return ""
	}
	t := m.tok.AccessToken
	m.tok = nil
	m.gen++
	return t
}

// tokenTransport serves token and revoke requests: it sets the User-Agent
// and records the X-Cs-Region and trace id headers of token responses.
type tokenTransport struct {
	base http.RoundTripper
	ua   string
}

func (t *tokenTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Header.Get("User-Agent") == "" {
		req = req.Clone(req.Context())
		req.Header.Set("User-Agent", t.ua)
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if c, ok := req.Context().Value(captureKey{}).(*tokenCapture); ok {
		c.status = resp.StatusCode
		c.region = resp.Header.Get("X-Cs-Region")
		c.traceID = resp.Header.Get("X-Cs-Traceid")
	}
	return resp, nil
}

// site is the cloud and base URL in use; autodiscovery changes them once.
type site struct {
	mu    sync.Mutex
	cloud Cloud
	core  *core.Client
}

func (s *site) set(c Cloud, base string) {
	s.mu.Lock()
	s.cloud = c
	s.core.SetBaseURL(base)
	s.mu.Unlock()
}

func (s *site) baseURL() string { return s.core.BaseURL() }

func (s *site) getCloud() Cloud {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cloud
}
