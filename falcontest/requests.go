package falcontest

import (
	"maps"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// RecordedRequest is one request the server received, for assertions.
// Credentials are redacted: the Authorization header keeps only its
// scheme, and client_secret and token form values read "REDACTED".
type RecordedRequest struct {
	Method string
	Path   string
	// Query is the parsed query string.
	Query url.Values
	// Header holds the request headers.
	Header http.Header
	// Body is the request body as received (redacted for /oauth2 calls),
	// cut after its first MiB.
	Body []byte
	// Operation is the spec's operationId of the route
	// ("indicator.combined.v1"), or "" for an unknown route.
	Operation string
	// Status is the answer's status, or 0 when the connection was dropped
	// or the answer lost.
	Status int
	// Outcome says what happened: "answered", "unauthorized",
	// "rate limited", "redirected", "injected 503", "injected 429",
	// "dropped", "truncated", "lost", "lost then failed".
	Outcome string
	// TraceID is the X-Cs-Traceid of the answer.
	TraceID string
	// Time is the server's clock when the request arrived.
	Time time.Time
}

type recorder struct {
	mu    sync.Mutex
	limit int
	reqs  []RecordedRequest
}

const (
	redacted        = "REDACTED"
	maxRecordedBody = 1 << 20
)

func (r *recorder) add(c *call, outcome string) {
	if r.limit <= 0 {
		return
	}
	h := c.r.Header.Clone()
	if a := h.Get("Authorization"); a != "" {
		scheme, _, _ := strings.Cut(a, " ")
		h.Set("Authorization", scheme+" "+redacted)
	}
	body := append([]byte(nil), c.body[:min(len(c.body), maxRecordedBody)]...)
	if strings.HasPrefix(c.r.URL.Path, "/oauth2/") {
		if form, err := url.ParseQuery(string(body)); err == nil {
			for _, k := range []string{"client_secret", "token"} {
				if form.Has(k) {
					form.Set(k, redacted)
				}
			}
			body = []byte(form.Encode())
		} else {
			body = []byte(redacted)
		}
	}
	status := c.status
	switch outcome {
	case "dropped", "lost":
		status = 0
	}
	op := ""
	if c.rt != nil {
		op = c.rt.op
	}
	rr := RecordedRequest{
		Method:    c.r.Method,
		Path:      c.r.URL.Path,
		Query:     url.Values(maps.Clone(c.q)),
		Header:    h,
		Body:      body,
		Operation: op,
		Status:    status,
		Outcome:   outcome,
		TraceID:   c.traceID,
		Time:      c.now,
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reqs = append(r.reqs, rr)
	if len(r.reqs) >= 2*r.limit {
		n := copy(r.reqs, r.reqs[len(r.reqs)-r.limit:])
		clear(r.reqs[n:])
		r.reqs = r.reqs[:n]
	}
}

// Requests returns the requests received so far, oldest first (at most the
// WithRecordLimit most recent ones).
func (s *Server) Requests() []RecordedRequest {
	s.rec.mu.Lock()
	defer s.rec.mu.Unlock()
	reqs := s.rec.reqs
	if len(reqs) > s.rec.limit {
		reqs = reqs[len(reqs)-s.rec.limit:]
	}
	return append([]RecordedRequest(nil), reqs...)
}

// ResetRequests forgets the recorded requests.
func (s *Server) ResetRequests() {
	s.rec.mu.Lock()
	defer s.rec.mu.Unlock()
	s.rec.reqs = nil
}
