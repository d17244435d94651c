package falcontest

import (
	"log/slog"
	"time"
)

// Option configures a [Server]. Options are applied in order by
// [NewServer] and [NewUnstartedServer]; a bad value panics with a
// "falcontest:" prefix.
type Option func(*config)

// FaultRates are the probabilities, each in [0, 1], that an API request
// meets a fault instead of its normal answer. The draws come from a
// generator seeded by [WithSeed], so a given sequence of requests meets the
// same faults on every run. The token endpoint is never affected.
type FaultRates struct {
	// ServerError answers 500, 502 or 503 (in turn) before doing anything.
	ServerError float64
	// RateLimit answers 429 with X-RateLimit-RetryAfter one second ahead.
	RateLimit float64
	// Drop closes the connection without an answer, before doing anything.
	Drop float64
	// Truncate sends the status and headers of the real answer, then half
	// its body, then closes the connection.
	Truncate float64
	// LoseResponse performs the request (writes included) and then closes
	// the connection without an answer.
	LoseResponse float64
}

type config struct {
	clientID       string
	clientSecret   string
	memberCIDs     []string
	scopes         []string
	addr           string
	seed           int64
	indicators     int
	sightingEvery  int
	clock          func() time.Time
	tokenTTL       time.Duration
	rateLimit      int
	rateWindow     time.Duration
	tokenRateLimit int
	retryAfterMS   bool
	region         string
	redirectURL    string
	latency        time.Duration
	faults         FaultRates
	maxLimit       int
	maxBatch       int
	windowStatus   int
	recordLimit    int
	logger         *slog.Logger
	trailingCursor bool
}

func defaultConfig() config {
	return config{
		clientID:       "falcontest-client-id",
		clientSecret:   "falcontest-client-secret",
		seed:           1,
		sightingEvery:  20,
		clock:          time.Now,
		tokenTTL:       30 * time.Minute,
		rateLimit:      6000,
		tokenRateLimit: 300,
		maxLimit:       2000,
		maxBatch:       2000,
		windowStatus:   400,
		recordLimit:    10000,
	}
}

// WithCredentials sets the API client id and secret the token endpoint
// accepts. The defaults are fixed, non-secret strings; read them from
// [Server.ClientID] and [Server.ClientSecret].
func WithCredentials(clientID, clientSecret string) Option {
	if clientID == "" || clientSecret == "" {
		panic("falcontest: WithCredentials needs a non-empty client id and secret")
	}
	return func(c *config) { c.clientID, c.clientSecret = clientID, clientSecret }
}

// WithMemberCIDs lists the member CIDs a token request may name in
// member_cid. Without it any member_cid is accepted; with it, another one
// is refused with 403 as production refuses a CID the API client cannot
// act for.
func WithMemberCIDs(cids ...string) Option {
	return func(c *config) { c.memberCIDs = append([]string(nil), cids...) }
}

// WithScopes restricts the scopes of the API client (by default ioc:read,
// ioc:write and iocs:read). An operation whose scope is missing answers
// 403 "access denied, authorization failed". The aggregate and report
// calls need ioc:write although they only read, as in production.
func WithScopes(scopes ...string) Option {
	return func(c *config) { c.scopes = append([]string{}, scopes...) }
}

// WithAddr makes [Server.Start] listen on addr (host:port) instead of a
// free loopback port. cmd/falcon-emulator uses it for its -addr flag.
func WithAddr(addr string) Option {
	return func(c *config) { c.addr = addr }
}

// WithSeed sets the seed of everything the server generates: seeded
// indicators and sightings, ids of created indicators, trace ids, tokens
// and fault draws. The default seed is 1.
func WithSeed(seed int64) Option {
	return func(c *config) { c.seed = seed }
}

// WithIndicators seeds the store with n realistic indicators of every type
// (valid values, tags, sources, platforms, host groups, metadata and
// nanosecond timestamps), generated deterministically from the seed. One
// seeded indicator in 20, among the first 100,000, has sightings (see
// [Server.Sightings]).
func WithIndicators(n int) Option {
	if n < 0 {
		panic("falcontest: WithIndicators needs n >= 0")
	}
	return func(c *config) { c.indicators = n }
}

// WithClock replaces time.Now as the server's clock: token expiry,
// expiration checks, "expired", timestamps of writes, relative FQL dates,
// the rate limiter's window and the Date header of answers all read it.
func WithClock(now func() time.Time) Option {
	if now == nil {
		panic("falcontest: WithClock needs a non-nil clock")
	}
	return func(c *config) { c.clock = now }
}

// WithTokenTTL sets how long issued tokens last (default 30 minutes, which
// the token endpoint reports as expires_in 1799 like production). API calls
// with an expired token answer 401.
func WithTokenTTL(ttl time.Duration) Option {
	if ttl < time.Second {
		panic("falcontest: WithTokenTTL needs at least one second")
	}
	return func(c *config) { c.tokenTTL = ttl }
}

// WithRateLimit sets the number of API requests allowed in any sliding
// minute (default 6,000, production's limit per customer account). Every
// answer carries X-RateLimit-Limit and X-RateLimit-Remaining; past the
// limit the server answers 429 with X-RateLimit-RetryAfter. n <= 0 turns
// the limiter and its headers off.
func WithRateLimit(n int) Option {
	return func(c *config) { c.rateLimit = n }
}

// WithRateLimitWindow sets the length of the sliding window that
// WithRateLimit counts requests over (one minute by default, as in
// production), so that tests and benchmarks reach the limit and see it
// recover in seconds. The X-RateLimit headers then count over that window.
// Give the client the same window (falcon.WithRateLimitWindow), or its
// pacer, which assumes one minute, spreads requests far below the limit.
// It panics if d is not positive.
func WithRateLimitWindow(d time.Duration) Option {
	if d <= 0 {
		panic("falcontest: WithRateLimitWindow needs d > 0")
	}
	return func(c *config) { c.rateWindow = d }
}

// WithTokenRateLimit sets the number of token requests allowed in any
// sliding minute (default 300, production's limit per IP). n <= 0 turns it
// off.
func WithTokenRateLimit(n int) Option {
	return func(c *config) { c.tokenRateLimit = n }
}

// WithRetryAfterMillis makes X-RateLimit-RetryAfter milliseconds since the
// epoch, as the spec describes it, instead of the seconds production sends.
func WithRetryAfterMillis() Option {
	return func(c *config) { c.retryAfterMS = true }
}

// WithRegion makes the token endpoint answer with an X-Cs-Region header
// naming region (for example "us-2"), which clients use to discover their
// cloud.
func WithRegion(region string) Option {
	return func(c *config) { c.region = region }
}

// WithRegionRedirect makes every API route (not /oauth2) answer 308
// Permanent Redirect to the same path and query under baseURL, as a cloud
// that does not hold the customer's account does.
func WithRegionRedirect(baseURL string) Option {
	return func(c *config) { c.redirectURL = baseURL }
}

// WithLatency delays every API answer by d. The delay uses time.Sleep, so
// it is instant under testing/synctest.
func WithLatency(d time.Duration) Option {
	if d < 0 {
		panic("falcontest: WithLatency needs d >= 0")
	}
	return func(c *config) { c.latency = d }
}

// WithFaultRates injects faults into API requests at the given rates,
// deterministically from the seed.
func WithFaultRates(r FaultRates) Option {
	for _, p := range []float64{r.ServerError, r.RateLimit, r.Drop, r.Truncate, r.LoseResponse} {
		if p < 0 || p > 1 {
			panic("falcontest: fault rates must be in [0, 1]")
		}
	}
	return func(c *config) { c.faults = r }
}

// WithMaxLimit sets the largest limit the indicator search and combined
// calls accept (default 2000). GovCloud accepts less; a smaller value lets
// clients test how they shrink their page size.
func WithMaxLimit(n int) Option {
	if n < 1 {
		panic("falcontest: WithMaxLimit needs n >= 1")
	}
	return func(c *config) { c.maxLimit = n }
}

// WithMaxBatch sets the most indicators one create or update request may
// carry (default 2000); more answers 400.
func WithMaxBatch(n int) Option {
	if n < 1 {
		panic("falcontest: WithMaxBatch needs n >= 1")
	}
	return func(c *config) { c.maxBatch = n }
}

// WithOffsetWindowStatus sets the status of the answer to an offset page
// past the 10,000 window: 400 (the default, production today) or 500 (what
// production answered historically).
func WithOffsetWindowStatus(status int) Option {
	if status != 400 && status != 500 {
		panic("falcontest: WithOffsetWindowStatus takes 400 or 500")
	}
	return func(c *config) { c.windowStatus = status }
}

// WithTrailingCursor makes the last page of an after-cursor listing carry
// an after token too (whose page is then empty), as some Falcon endpoints
// do; by default the last page has none.
func WithTrailingCursor() Option {
	return func(c *config) { c.trailingCursor = true }
}

// WithRecordLimit sets how many of the most recent requests
// [Server.Requests] keeps (default 10,000). n <= 0 keeps none.
func WithRecordLimit(n int) Option {
	return func(c *config) { c.recordLimit = n }
}

// WithLogger logs one line per request (method, path, status, duration,
// trace id) to l. Credentials and tokens are never logged.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) { c.logger = l }
}
