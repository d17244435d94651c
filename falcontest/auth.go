package falcontest

import (
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

type authState struct {
	mu     sync.Mutex
	tokens map[string]*token
}

type token struct {
	expires   time.Time
	clientID  string
	memberCID string
	revoked   bool
}

var defaultScopes = []string{"ioc:read", "ioc:write", "iocs:read"}

// ExpireTokens makes every token issued so far expired, so the next API
// call with one answers 401 and a client must fetch a new token.
func (s *Server) ExpireTokens() {
	s.auth.mu.Lock()
	defer s.auth.mu.Unlock()
	past := s.cfg.clock().Add(-time.Second)
	for _, t := range s.auth.tokens {
		t.expires = past
	}
}

// ActiveTokens returns how many issued tokens are neither expired nor
// revoked.
func (s *Server) ActiveTokens() int {
	s.auth.mu.Lock()
	defer s.auth.mu.Unlock()
	now := s.cfg.clock()
	n := 0
	for _, t := range s.auth.tokens {
		if !t.revoked && now.Before(t.expires) {
			n++
		}
	}
	return n
}

// IssueToken returns a valid bearer token without a token request, for
// tests that exercise API calls only.
func (s *Server) IssueToken() string {
	return s.issue(s.cfg.clientID, "")
}

func (s *Server) issue(clientID, memberCID string) string {
	tok := base64.RawURLEncoding.EncodeToString([]byte(s.rnd.hex(48)))
	s.auth.mu.Lock()
	defer s.auth.mu.Unlock()
	now := s.cfg.clock()
	// Forget long-dead tokens so that a long run does not grow the map.
	if len(s.auth.tokens) > 1024 {
		for k, t := range s.auth.tokens {
			if t.revoked || now.Sub(t.expires) > time.Hour {
				delete(s.auth.tokens, k)
			}
		}
	}
	s.auth.tokens[tok] = &token{expires: now.Add(s.cfg.tokenTTL), clientID: clientID, memberCID: memberCID}
	return tok
}

func (s *Server) credentialsOK(id, secret string) bool {
	okID := subtle.ConstantTimeCompare([]byte(id), []byte(s.cfg.clientID)) == 1
	okSecret := subtle.ConstantTimeCompare([]byte(secret), []byte(s.cfg.clientSecret)) == 1
	return okID && okSecret
}

// authorize checks the bearer token and the route's scope; on failure it
// sets a 401 or 403 answer.
func (s *Server) authorize(c *call) bool {
	h := c.r.Header.Get("Authorization")
	scheme, tok, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "bearer") || tok == "" {
		c.fail(http.StatusUnauthorized, "access denied, invalid bearer token")
		return false
	}
	s.auth.mu.Lock()
	t := s.auth.tokens[strings.TrimSpace(tok)]
	valid := t != nil && !t.revoked && c.now.Before(t.expires)
	if valid {
		c.client = t.clientID
	}
	s.auth.mu.Unlock()
	if !valid {
		c.fail(http.StatusUnauthorized, "access denied, invalid bearer token")
		return false
	}
	scopes := s.cfg.scopes
	if scopes == nil {
		scopes = defaultScopes
	}
	if !slices.Contains(scopes, c.rt.scope) {
		c.fail(http.StatusForbidden, "access denied, authorization failed")
		return false
	}
	return true
}

// handleToken serves POST /oauth2/token.
func (s *Server) handleToken(c *call) {
	form, err := url.ParseQuery(string(c.body))
	if err != nil {
		c.fail(http.StatusBadRequest, "invalid form body")
		return
	}
	id, secret, basic := c.r.BasicAuth()
	if !basic {
		id, secret = form.Get("client_id"), form.Get("client_secret")
	}
	if id == "" || secret == "" {
		c.fail(http.StatusBadRequest, "client_id and client_secret are required")
		return
	}
	if !s.credentialsOK(id, secret) {
		c.fail(http.StatusForbidden, "access denied, authorization failed")
		return
	}
	member := form.Get("member_cid")
	if member != "" && s.cfg.memberCIDs != nil && !slices.Contains(s.cfg.memberCIDs, strings.ToLower(member)) &&
		!slices.Contains(s.cfg.memberCIDs, member) {
		c.fail(http.StatusForbidden, "access denied, authorization failed")
		return
	}
	tok := s.issue(id, member)
	if s.cfg.region != "" {
		c.header.Set("X-Cs-Region", s.cfg.region)
	}
	b := append(c.out[:0], `{"access_token":`...)
	b = appendString(b, tok)
	b = append(b, `,"expires_in":`...)
	b = strconv.AppendInt(b, expiresIn(s.cfg.tokenTTL), 10)
	b = append(b, `,"token_type":"bearer"}`...)
	c.status = http.StatusCreated
	c.out = b
}

// expiresIn reports a TTL the way production does: 30 minutes is 1799.
func expiresIn(ttl time.Duration) int64 {
	secs := int64((ttl + time.Second - 1) / time.Second)
	if secs > 1 {
		secs--
	}
	return secs
}

// handleRevoke serves POST /oauth2/revoke.
func (s *Server) handleRevoke(c *call) {
	id, secret, ok := c.r.BasicAuth()
	if !ok || !s.credentialsOK(id, secret) {
		c.fail(http.StatusForbidden, "access denied, authorization failed")
		return
	}
	form, err := url.ParseQuery(string(c.body))
	if err != nil || form.Get("token") == "" {
		c.fail(http.StatusBadRequest, "token is required")
		return
	}
	s.auth.mu.Lock()
	if t := s.auth.tokens[form.Get("token")]; t != nil {
		t.revoked = true
	}
	s.auth.mu.Unlock()
	c.reply(http.StatusOK, nil, nil, nil)
}
