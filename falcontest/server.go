package falcontest

import (
	"errors"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Server is an in-memory emulator of the Falcon custom IOC API, shaped like
// net/http/httptest.Server. It is safe for concurrent use.
type Server struct {
	// URL is the base URL of the started server ("http://127.0.0.1:port"),
	// empty until Start.
	URL string
	// ClientID and ClientSecret are the credentials the token endpoint
	// accepts.
	ClientID     string
	ClientSecret string

	cfg          config
	handler      http.Handler
	store        *store
	rnd          lockedRand
	auth         authState
	limiter      *window
	tokenLimiter *window
	faults       faultState
	tokenFaults  faultState
	rec          recorder
	sight        sightingStore
	reports      reportLog

	startMu sync.Mutex
	hs      *httptest.Server
	closed  bool
}

// NewServer starts and returns a new Server on a loopback port. The caller
// should call Close when finished, to shut it down.
func NewServer(opts ...Option) *Server {
	s := NewUnstartedServer(opts...)
	s.Start()
	return s
}

// NewUnstartedServer returns a new Server, seeded and configured but not
// listening. Call Start to serve on a port, or use Handler to serve
// requests without a network (for example under testing/synctest).
func NewUnstartedServer(opts ...Option) *Server {
	cfg := defaultConfig()
	for _, o := range opts {
		if o == nil {
			panic("falcontest: nil Option")
		}
		o(&cfg)
	}
	s := &Server{
		ClientID:     cfg.clientID,
		ClientSecret: cfg.clientSecret,
		cfg:          cfg,
		store:        newStore(),
	}
	s.rnd.s = mix(cfg.seed, 1)
	s.faults.rnd.s = mix(cfg.seed, 2)
	s.faults.rates = cfg.faults
	s.auth.tokens = make(map[string]*token)
	s.limiter = newWindow(cfg.rateLimit, cfg.rateWindow)
	s.tokenLimiter = newWindow(cfg.tokenRateLimit, 0)
	s.rec.limit = cfg.recordLimit
	if cfg.indicators > 0 {
		s.seed(cfg.indicators)
	}
	s.handler = http.HandlerFunc(s.serveHTTP)
	return s
}

// Start starts the server on a loopback port (or on the address of
// WithAddr) and sets URL. It panics if the server is already started or
// closed.
func (s *Server) Start() {
	s.startMu.Lock()
	defer s.startMu.Unlock()
	if s.hs != nil || s.closed {
		panic("falcontest: Server already started or closed")
	}
	var l net.Listener
	var err error
	if s.cfg.addr != "" {
		l, err = net.Listen("tcp", s.cfg.addr)
	} else {
		l, err = net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			l, err = net.Listen("tcp6", "[::1]:0")
		}
	}
	if err != nil {
		panic("falcontest: failed to listen: " + err.Error())
	}
	s.hs = &httptest.Server{
		Listener: l,
		Config: &http.Server{
			Handler:           s.handler,
			ReadHeaderTimeout: 30 * time.Second,
			ErrorLog:          discardLogger(),
		},
	}
	s.hs.Start()
	s.URL = s.hs.URL
}

// Close shuts the server down and blocks until all outstanding requests on
// it have completed. Closing an unstarted or closed server does nothing.
func (s *Server) Close() {
	s.startMu.Lock()
	hs := s.hs
	s.closed = true
	s.startMu.Unlock()
	if hs != nil {
		hs.Close()
	}
}

// Handler returns the server's HTTP handler, to serve requests without a
// network: wrap it in an http.RoundTripper, or call ServeHTTP with an
// httptest.ResponseRecorder. A dropped connection or truncated body (see
// DropNext, TruncateNext and LoseResponseNext) panics with
// http.ErrAbortHandler there, as net/http expects of handlers.
func (s *Server) Handler() http.Handler { return s.handler }

// Client returns an HTTP client for the started server (nil before Start).
func (s *Server) Client() *http.Client {
	s.startMu.Lock()
	defer s.startMu.Unlock()
	if s.hs == nil {
		return nil
	}
	return s.hs.Client()
}

// CloseClientConnections closes any open HTTP connections to the server.
func (s *Server) CloseClientConnections() {
	s.startMu.Lock()
	hs := s.hs
	s.startMu.Unlock()
	if hs != nil {
		hs.CloseClientConnections()
	}
}

// Now returns the time by the server's clock.
func (s *Server) Now() time.Time { return s.cfg.clock() }

func discardLogger() *log.Logger { return log.New(io.Discard, "", 0) }

const (
	maxBodyBytes = 16 << 20
	// maxQueryLen is the longest query string the gateway takes: about 268
	// indicator ids as repeated ids= parameters.
	maxQueryLen = 18500
)

var outPool = sync.Pool{New: func() any { return new([]byte) }}

// route describes one operation.
type route struct {
	op      string // the spec's operationId
	scope   string // "" for the oauth2 routes
	powered string
	handle  func(c *call)
}

// call is the state of one request.
type call struct {
	s       *Server
	r       *http.Request
	q       map[string][]string
	body    []byte
	start   time.Time
	now     time.Time
	traceID string
	rt      *route
	client  string // client id of the bearer token

	status int
	header http.Header
	out    []byte
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	buf := outPool.Get().(*[]byte)
	c := &call{
		s:       s,
		r:       r,
		start:   time.Now(),
		now:     s.cfg.clock().UTC(),
		traceID: s.rnd.uuid(),
		header:  make(http.Header),
		out:     (*buf)[:0],
	}
	defer func() {
		// Pages of thousands of indicators are large: reuse their buffers,
		// but do not hoard the rare huge one.
		if cap(c.out) <= 8<<20 {
			*buf = c.out[:0]
			outPool.Put(buf)
		}
	}()
	outcome := "answered"
	defer func() {
		if s.cfg.logger != nil {
			s.cfg.logger.LogAttrs(r.Context(), slog.LevelInfo, "falcontest request",
				slog.String("method", r.Method), slog.String("path", r.URL.Path),
				slog.Int("status", c.status), slog.String("outcome", outcome),
				slog.Duration("duration", time.Since(c.start)), slog.String("trace_id", c.traceID))
		}
	}()
	var body []byte
	var err error
	if r.Body != nil { // nil in client requests handed straight to the handler
		body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	}
	c.body = body
	c.q = r.URL.Query()
	rt, allowed := lookupRoute(r.Method, r.URL.Path)
	if rt != nil {
		c.rt = rt
	}
	switch {
	case err != nil:
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			c.fail(http.StatusRequestEntityTooLarge, "request body too large")
		} else {
			c.fail(http.StatusBadRequest, "could not read the request body")
		}
	case rt == nil && allowed != "":
		c.header.Set("Allow", allowed)
		c.fail(http.StatusMethodNotAllowed, "Method Not Allowed")
	case rt == nil:
		c.fail(http.StatusNotFound, "Not Found")
	case len(r.URL.RawQuery) > maxQueryLen:
		c.fail(http.StatusRequestURITooLong, "Request-URI Too Long")
	case rt.scope == "":
		outcome = s.serveOAuth(c)
	default:
		outcome = s.serveAPI(c)
	}
	s.rec.add(c, outcome)
	switch outcome {
	case "dropped", "lost":
		breakConnection(w)
		return
	case "truncated":
		c.write(w, true)
		panic(http.ErrAbortHandler)
	}
	c.write(w, false)
}

func (s *Server) serveOAuth(c *call) string {
	s.tokenLimiter.headers(c)
	if c.status != 0 {
		return "rate limited"
	}
	if f, ok := s.tokenFaults.take(); ok {
		if out := c.preFault(f); out != "" {
			return out
		}
	}
	c.rt.handle(c)
	return "answered"
}

func (s *Server) serveAPI(c *call) string {
	if s.cfg.redirectURL != "" {
		loc := strings.TrimSuffix(s.cfg.redirectURL, "/") + c.r.URL.Path
		if c.r.URL.RawQuery != "" {
			loc += "?" + c.r.URL.RawQuery
		}
		c.header.Set("Location", loc)
		c.fail(http.StatusPermanentRedirect, "Permanent Redirect")
		return "redirected"
	}
	if !s.authorize(c) {
		return "unauthorized"
	}
	s.limiter.headers(c)
	if c.status != 0 {
		return "rate limited"
	}
	f, faulty := s.faults.take()
	if faulty {
		if out := c.preFault(f); out != "" {
			return out
		}
	}
	if d := s.cfg.latency; d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-c.r.Context().Done():
			t.Stop()
		}
	}
	c.rt.handle(c)
	if faulty {
		switch f.kind {
		case faultTruncate:
			return "truncated"
		case faultLose:
			return "lost"
		case faultLoseStatus:
			c.header.Del("X-Cs-Region")
			c.out = c.out[:0]
			c.fail(f.status, http.StatusText(f.status))
			return "lost then failed"
		}
	}
	return "answered"
}

// breakConnection closes the connection in the middle of the status line.
// Closing it before any byte would let net/http's client resend an
// idempotent request on a reused connection by itself, hiding the fault
// from the caller; a broken status line reaches the caller as an error.
// Without a connection to hijack (Handler used directly) it panics with
// http.ErrAbortHandler.
func breakConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_, _ = conn.Write([]byte("HTTP/1.1 "))
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// write sends the reply; with truncate, only half the body, flushed.
func (c *call) write(w http.ResponseWriter, truncate bool) {
	h := w.Header()
	for k, v := range c.header {
		h[k] = v
	}
	h.Set("Content-Type", "application/json")
	h.Set("X-Cs-Traceid", c.traceID)
	h.Set("Date", c.now.Format(http.TimeFormat))
	h.Set("Content-Length", strconv.Itoa(len(c.out)))
	w.WriteHeader(c.status)
	if truncate {
		_, _ = w.Write(c.out[:len(c.out)/2])
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		return
	}
	_, _ = w.Write(c.out)
}
