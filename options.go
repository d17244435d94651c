package falcon

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"
	"unicode"

	"golang.org/x/oauth2"
)

// Environment variables read by NewClient when no credential option
// (WithCredentials or WithTokenSource) is given.
const (
	EnvClientID     = "FALCON_CLIENT_ID"
	EnvClientSecret = "FALCON_CLIENT_SECRET"
	EnvCloud        = "FALCON_CLOUD"
	EnvMemberCID    = "FALCON_MEMBER_CID"
	EnvBaseURL      = "FALCON_BASE_URL"
)

// Option configures a Client. Options check their input: NewClient
// returns the first option error.
type Option func(*config) error

// secret holds the client secret inside a closure: fmt prints a func as
// an address whatever the verb and however deep, so no struct that holds a
// secret can print it through reflection. Its own methods redact as well.
type secret func() string

func newSecret(s string) secret { return func() string { return s } }

func (secret) String() string               { return "[redacted]" }
func (secret) GoString() string             { return `"[redacted]"` }
func (secret) Format(f fmt.State, _ rune)   { _, _ = io.WriteString(f, "[redacted]") }
func (secret) MarshalText() ([]byte, error) { return []byte("[redacted]"), nil }

type config struct {
	clientID    string
	secret      secret
	credsSet    bool
	tokenSource oauth2.TokenSource

	cloud    Cloud
	cloudSet bool
	baseURL  string
	baseSet  bool

	memberCID string
	cidSet    bool

	httpClient *http.Client
	retry      RetryPolicy
	logger     *slog.Logger
	uaPrefix   string
	timeout    time.Duration
	allowHTTP  bool

	// cloudURLs replaces the base URLs of some clouds (WithCloudBaseURLs).
	cloudURLs map[Cloud]string

	maxBody int64 // 0: DefaultMaxBodySize

	noPacing   bool          // WithRateLimitPacing(false)
	rateWindow time.Duration // 0: one minute (WithRateLimitWindow)
}

// String describes the configuration without the secret.
func (c *config) String() string {
	return fmt.Sprintf("falcon.config{client_id: %q, client_secret: [redacted], cloud: %q, base_url: %q, member_cid: %q}",
		c.clientID, c.cloud, c.baseURL, c.memberCID)
}

// GoString is String: the secret never prints.
func (c *config) GoString() string { return c.String() }

// WithCredentials sets the API client ID and secret. Neither may be empty
// or contain spaces or control characters.
func WithCredentials(clientID, clientSecret string) Option {
	return func(c *config) error {
		if err := checkCredential("client ID", clientID); err != nil {
			return err
		}
		if err := checkCredential("client secret", clientSecret); err != nil {
			return err
		}
		if c.tokenSource != nil {
			return errors.New("falcon: WithCredentials and WithTokenSource exclude each other")
		}
		c.clientID, c.secret, c.credsSet = clientID, newSecret(clientSecret), true
		return nil
	}
}

// checkCredential never quotes the value: it may be a secret.
func checkCredential(what, v string) error {
	if v == "" {
		return fmt.Errorf("falcon: WithCredentials: empty %s", what)
	}
	if len(v) > 256 {
		return fmt.Errorf("falcon: WithCredentials: %s longer than 256 characters", what)
	}
	for _, r := range v {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return fmt.Errorf("falcon: WithCredentials: %s contains a space or control character", what)
		}
	}
	return nil
}

// WithTokenSource authenticates with tokens from ts instead of client
// credentials (for tokens obtained elsewhere). The client caches each token
// until shortly before its expiry and asks ts again after a 401. Without
// credentials there is nothing to revoke, and no autodiscovery: the cloud
// defaults to us-1. A panic in ts.Token is recovered and returned to the
// callers waiting for that token as an *AuthError whose Err names the panic.
func WithTokenSource(ts oauth2.TokenSource) Option {
	return func(c *config) error {
		if ts == nil {
			return errors.New("falcon: WithTokenSource: nil token source")
		}
		if c.credsSet {
			return errors.New("falcon: WithCredentials and WithTokenSource exclude each other")
		}
		c.tokenSource = ts
		return nil
	}
}

// WithCloud selects the Falcon cloud (region). CloudAutoDiscover, the
// default, finds it from the token response.
func WithCloud(cloud Cloud) Option {
	return func(c *config) error {
		parsed, err := ParseCloud(string(cloud))
		if err != nil {
			return fmt.Errorf("falcon: WithCloud: unknown cloud %q", string(cloud))
		}
		if c.baseSet {
			return errors.New("falcon: WithCloud and WithBaseURL exclude each other")
		}
		c.cloud, c.cloudSet = parsed, true
		return nil
	}
}

// WithBaseURL sends every call, the token requests included, to base (an
// emulator, a proxy, or a cloud not listed here). It must be an http or
// https URL without credentials, query or fragment; plain http is refused
// for hosts other than loopback unless WithInsecureHTTP is given.
func WithBaseURL(base string) Option {
	return func(c *config) error {
		u, err := parseBaseURL(base)
		if err != nil {
			return fmt.Errorf("falcon: WithBaseURL: %w", err)
		}
		if c.cloudSet {
			return errors.New("falcon: WithCloud and WithBaseURL exclude each other")
		}
		if c.cloudURLs != nil {
			return errors.New("falcon: WithCloudBaseURLs and WithBaseURL exclude each other")
		}
		c.baseURL, c.baseSet = u, true
		return nil
	}
}

// WithMemberCID makes every token act on behalf of a member CID (for MSSP
// parent accounts). The CID is 32 hexadecimal digits, optionally followed
// by "-" and a two-digit checksum.
func WithMemberCID(cid string) Option {
	return func(c *config) error {
		if err := checkCID(cid); err != nil {
			return fmt.Errorf("falcon: WithMemberCID: %w", err)
		}
		c.memberCID, c.cidSet = cid, true
		return nil
	}
}

var cidPattern = regexp.MustCompile(`^[0-9a-fA-F]{32}(-[0-9a-fA-F]{2})?$`)

func checkCID(cid string) error {
	if !cidPattern.MatchString(cid) {
		return fmt.Errorf("member CID %q is not 32 hexadecimal digits (optionally with a -XX checksum)", clipN(cid, 40))
	}
	return nil
}

// WithHTTPClient sends every request (token, autodiscovery, API calls)
// through hc's transport, and keeps its Timeout, Jar and CheckRedirect.
// hc itself is not modified. By default the client uses
// http.DefaultTransport, which honours proxies from the environment.
// Redirects to another host are never followed, so the bearer token cannot
// leak.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error {
		if hc == nil {
			return errors.New("falcon: WithHTTPClient: nil *http.Client")
		}
		c.httpClient = hc
		return nil
	}
}

// WithRetry sets the retry policy (DefaultRetryPolicy() otherwise).
// MaxAttempts must be in 1..100, MinWait not negative and MaxWait not below
// MinWait.
func WithRetry(p RetryPolicy) Option {
	return func(c *config) error {
		if err := p.validate(); err != nil {
			return err
		}
		c.retry = p
		return nil
	}
}

// WithLogger logs requests, retries and token refreshes to l (nil:
// silent). Requests log at debug level with method, path, status,
// duration, trace id and attempt, and a request the rate-limit pacer held
// back with its wait; retries at info level. Secrets and
// tokens are never logged.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		c.logger = l
		return nil
	}
}

// WithUserAgent puts prefix before the SDK's own "falconioc-go/<version>"
// in the User-Agent header. It must be printable ASCII.
func WithUserAgent(prefix string) Option {
	return func(c *config) error {
		prefix = strings.TrimSpace(prefix)
		if prefix == "" {
			return errors.New("falcon: WithUserAgent: empty prefix")
		}
		if len(prefix) > 256 {
			return errors.New("falcon: WithUserAgent: prefix longer than 256 characters")
		}
		for _, r := range prefix {
			if r < 0x20 || r > 0x7e {
				return fmt.Errorf("falcon: WithUserAgent: prefix %q has a character outside printable ASCII", clipN(prefix, 40))
			}
		}
		c.uaPrefix = prefix
		return nil
	}
}

// WithTimeout bounds each attempt of each request (and each token request)
// to d. The context of a call bounds the whole call, retries included.
func WithTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("falcon: WithTimeout: %v is not positive", d)
		}
		c.timeout = d
		return nil
	}
}

// WithInsecureHTTP allows a plain http:// base URL for hosts other than
// loopback addresses. Without it such URLs are refused, since the
// credentials and bearer tokens would cross the network in clear text.
func WithInsecureHTTP() Option {
	return func(c *config) error {
		c.allowHTTP = true
		return nil
	}
}

// WithCloudBaseURLs sends the requests meant for each cloud in urls to its
// base URL instead: a proxy in front of the Falcon clouds, or, in tests, one
// falcontest emulator per cloud, so that autodiscovery runs end to end (the
// us-1 entry answers the discovery token request, and the cloud its
// X-Cs-Region header names answers the rest). Clouds not in urls keep their
// own base URL. Each URL is checked as by WithBaseURL; the map is copied.
// It cannot be combined with WithBaseURL, which sends everything to one
// place.
func WithCloudBaseURLs(urls map[Cloud]string) Option {
	return func(c *config) error {
		if c.baseSet {
			return errors.New("falcon: WithCloudBaseURLs and WithBaseURL exclude each other")
		}
		m := make(map[Cloud]string, len(urls))
		for cl, raw := range urls {
			if cl.Host() == "" {
				return fmt.Errorf("falcon: WithCloudBaseURLs: unknown cloud %q", clipN(string(cl), 40))
			}
			u, err := parseBaseURL(raw)
			if err != nil {
				return fmt.Errorf("falcon: WithCloudBaseURLs: %s: %w", cl, err)
			}
			m[cl] = u
		}
		c.cloudURLs = m
		return nil
	}
}

// parseBaseURL checks a base URL and returns it without a trailing slash.
// Errors never quote the URL's user info.
func parseBaseURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", errors.New("empty URL")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", errors.New("not a valid URL")
	}
	switch {
	case u.User != nil:
		return "", errors.New("URL must not carry user info")
	case u.Scheme != "http" && u.Scheme != "https":
		return "", fmt.Errorf("URL %q must use http or https", u.Redacted())
	case u.Host == "" || u.Hostname() == "":
		return "", fmt.Errorf("URL %q has no host", u.Redacted())
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return "", fmt.Errorf("URL %q must not have a query or fragment", u.Redacted())
	}
	return u.Scheme + "://" + u.Host + strings.TrimRight(u.EscapedPath(), "/"), nil
}

// checkScheme refuses plain http to hosts other than loopback unless
// allowed.
func checkScheme(base string, allowHTTP bool) error {
	u, err := url.Parse(base)
	if err != nil {
		return err
	}
	if u.Scheme == "https" || allowHTTP || isLoopback(u.Hostname()) {
		return nil
	}
	return fmt.Errorf("falcon: refusing plain http to %s: use https, a loopback address, or WithInsecureHTTP", u.Host)
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// fromEnv fills what the options left unset from the environment. It only
// runs when no credential option was given.
func (c *config) fromEnv(getenv func(string) string) error {
	id, sec := strings.TrimSpace(getenv(EnvClientID)), strings.TrimSpace(getenv(EnvClientSecret))
	if id == "" || sec == "" {
		return ErrNoCredentials
	}
	if err := checkCredential("client ID", id); err != nil {
		return fmt.Errorf("falcon: %s: invalid", EnvClientID)
	}
	if err := checkCredential("client secret", sec); err != nil {
		return fmt.Errorf("falcon: %s: invalid", EnvClientSecret)
	}
	c.clientID, c.secret, c.credsSet = id, newSecret(sec), true

	if v := strings.TrimSpace(getenv(EnvBaseURL)); v != "" && !c.baseSet && !c.cloudSet && c.cloudURLs == nil {
		u, err := parseBaseURL(v)
		if err != nil {
			return fmt.Errorf("falcon: %s: %w", EnvBaseURL, err)
		}
		c.baseURL, c.baseSet = u, true
	}
	if v := strings.TrimSpace(getenv(EnvCloud)); v != "" && !c.cloudSet {
		cl, err := ParseCloud(v)
		if err != nil {
			return fmt.Errorf("falcon: %s: unknown cloud %q", EnvCloud, clipN(v, 40))
		}
		if !c.baseSet {
			c.cloud, c.cloudSet = cl, true
		}
	}
	if v := strings.TrimSpace(getenv(EnvMemberCID)); v != "" && !c.cidSet {
		if err := checkCID(v); err != nil {
			return fmt.Errorf("falcon: %s: %w", EnvMemberCID, err)
		}
		c.memberCID, c.cidSet = v, true
	}
	return nil
}

var osGetenv = os.Getenv

// DefaultMaxBodySize is the most bytes the body of a successful answer may
// hold unless WithMaxBodySize says otherwise (64 MiB; a page of 5,000
// indicators takes about 4 MiB).
const DefaultMaxBodySize = 64 << 20

// WithMaxBodySize sets the most bytes the client reads from the body of a
// successful answer, counted after decompression (DefaultMaxBodySize
// otherwise). A longer body fails the call with a *BodyTooLargeError as
// soon as the limit is reached, or at once when its Content-Length
// announces more; a Content-Length never makes the client reserve more
// than the limit. Error bodies are read up to 1 MiB or n, whichever is
// smaller. n must be positive.
func WithMaxBodySize(n int64) Option {
	return func(c *config) error {
		if n <= 0 {
			return fmt.Errorf("falcon: WithMaxBodySize: %d is not positive", n)
		}
		c.maxBody = n
		return nil
	}
}

// WithRateLimitPacing turns the client's proactive rate limiting on (the
// default) or off. With pacing, the client mirrors the API's count of
// requests from the X-RateLimit-Limit and X-RateLimit-Remaining headers of
// every answer (DefaultRateLimit before the first), and when fewer than a
// tenth of the limit remain, it spreads the requests left over the window,
// so that concurrent walks and bulk writes stay under the limit rather than
// bouncing off 429 answers. Far from the limit it delays nothing. Without
// pacing, requests only wait out the cooldown of a 429 (see RetryPolicy).
func WithRateLimitPacing(on bool) Option {
	return func(c *config) error {
		c.noPacing = !on
		return nil
	}
}

// WithRateLimitWindow sets the length of the sliding window the pacer
// (WithRateLimitPacing) assumes the API counts requests over: one minute,
// as in production, unless set. It is for servers that count over another
// window, such as the emulator with falcontest.WithRateLimitWindow, which
// a client left at one minute would pace far below their real limit. d
// must be positive.
func WithRateLimitWindow(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("falcon: WithRateLimitWindow: window %v must be positive", d)
		}
		c.rateWindow = d
		return nil
	}
}
