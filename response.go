package falcon

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/falconioc/falcon/internal/core"
	"github.com/falconioc/falcon/internal/jsonscan"
)

// Response is an API answer: the HTTP response plus what the Falcon
// envelope and headers say about it. The body has been read: Body is
// http.NoBody. Request is a copy of the request sent, without its
// Authorization header, body and context, so that no returned value holds
// the bearer token.
type Response struct {
	*http.Response

	// Meta is the envelope's meta object.
	Meta Meta
	// RateLimit holds the X-RateLimit-* headers.
	RateLimit RateLimit
	// Errors holds the envelope's errors of a 2xx answer (such as the
	// per-row failures of a partly successful write). Errors of a non-2xx
	// answer are in the returned *APIError instead.
	Errors []ErrorDetail
}

// Meta is the meta object of a Falcon envelope.
type Meta struct {
	// QueryTime is the server-side processing time in seconds.
	QueryTime float64 `json:"query_time"`
	// TraceID identifies the request for CrowdStrike support. When the
	// body has none, the X-Cs-Traceid header fills it.
	TraceID string `json:"trace_id"`
	// PoweredBy names the backend service.
	PoweredBy string `json:"powered_by,omitempty"`
	// Entity is set by some legacy endpoints.
	Entity string `json:"entity,omitempty"`
	// Pagination is the paging state of a list answer.
	Pagination Pagination `json:"pagination"`
	// Writes reports how many resources a write changed.
	Writes Writes `json:"writes"`
}

// metaDest is where Client.Do decodes an envelope's meta: a Meta with a
// fast decoder for the usual shape (core's raw decoder), which hands anything
// unusual to encoding/json so that the result is always what
// encoding/json makes of the bytes.
type metaDest Meta

// errUnusual stops the fast meta decoder.
var errUnusual = errors.New("unusual meta")

// DecodeRaw decodes the meta object r, which internal/core has checked to
// be valid JSON.
func (m *metaDest) DecodeRaw(r core.Raw) error {
	return m.decode(r.Bytes)
}

func (m *metaDest) decode(b []byte) error {
	saved := *m
	if m.decodeUsual(b) {
		return nil
	}
	*m = saved
	return json.Unmarshal(b, (*Meta)(m))
}

// decodeUsual decodes a meta object whose members have exactly the names
// of Meta's fields, with values of the expected kinds and strings without
// escapes. It reports false for anything else.
func (m *metaDest) decodeUsual(b []byte) bool {
	_, err := jsonscan.Members(b, 0, func(key, v []byte) error {
		key = key[1 : len(key)-1]
		if string(v) == "null" {
			// null leaves a field alone.
			if knownMetaKey(key) {
				return nil
			}
			return unknownKey(key, metaKeys[:])
		}
		switch string(key) {
		case "query_time":
			if v[0] != '-' && (v[0] < '0' || v[0] > '9') {
				return errUnusual
			}
			f, err := strconv.ParseFloat(string(v), 64)
			if err != nil {
				return errUnusual
			}
			m.QueryTime = f
		case "trace_id":
			return plainString(v, &m.TraceID)
		case "powered_by":
			return plainString(v, &m.PoweredBy)
		case "entity":
			return plainString(v, &m.Entity)
		case "pagination":
			if !m.Pagination.decodeUsual(v) && m.Pagination.UnmarshalJSON(v) != nil {
				return errUnusual
			}
		case "writes":
			if json.Unmarshal(v, &m.Writes) != nil {
				return errUnusual
			}
		default:
			return unknownKey(key, metaKeys[:])
		}
		return nil
	})
	return err == nil
}

var metaKeys = [...]string{"query_time", "trace_id", "powered_by", "entity", "pagination", "writes"}

func knownMetaKey(key []byte) bool {
	for _, k := range metaKeys {
		if string(key) == k {
			return true
		}
	}
	return false
}

// unknownKey accepts (by ignoring it) a key that is none of known, even
// under the case folding and escapes that encoding/json applies.
func unknownKey(key []byte, known []string) error {
	if bytes.IndexByte(key, '\\') >= 0 {
		return errUnusual
	}
	for _, k := range known {
		if bytes.EqualFold(key, []byte(k)) {
			return errUnusual
		}
	}
	return nil
}

// plainString stores the JSON string v when it has no escapes and is valid
// UTF-8, as encoding/json would.
func plainString(v []byte, dst *string) error {
	if v[0] != '"' {
		return errUnusual
	}
	v = v[1 : len(v)-1]
	if bytes.IndexByte(v, '\\') >= 0 || !utf8.Valid(v) {
		return errUnusual
	}
	*dst = string(v)
	return nil
}

// errorsDest is where Client.Do decodes an envelope's errors (core's raw
// decoder): an empty list costs nothing, any other goes to encoding/json.
type errorsDest []ErrorDetail

// DecodeRaw decodes the errors list r, which internal/core has checked to
// be valid JSON.
func (e *errorsDest) DecodeRaw(r core.Raw) error {
	return e.decode(r.Bytes)
}

func (e *errorsDest) decode(b []byte) error {
	if t := bytes.TrimSpace(b); len(t) >= 2 && t[0] == '[' && len(bytes.TrimSpace(t[1:len(t)-1])) == 0 {
		*e = errorsDest{}
		return nil
	}
	return json.Unmarshal(b, (*[]ErrorDetail)(e))
}

// Writes is the meta.writes object of a write answer.
type Writes struct {
	ResourcesAffected int `json:"resources_affected"`
}

// Pagination is the meta.pagination object. Endpoints disagree on types:
// offset is a number on search and combined calls but a string on the
// catalog and "ran on" calls, and legacy calls page with next_page. Both
// forms stay readable.
type Pagination struct {
	// Offset is the numeric offset: the number itself, or a string offset
	// that holds a decimal integer. Zero otherwise.
	Offset int
	// OffsetToken is the offset exactly as sent, as a string ("" when
	// absent). Pass it back verbatim to endpoints with string offsets.
	OffsetToken string
	// Limit is the page size the server applied.
	Limit int
	// Total is the number of matching resources.
	Total int64
	// After is the cursor for the next page of after-paged calls.
	After string
	// NextPage is the legacy next-page token.
	NextPage string
	// ExpiresAt is when the After cursor expires, in Unix milliseconds,
	// when the server says so.
	ExpiresAt int64
}

type paginationWire struct {
	Offset    json.RawMessage `json:"offset"`
	Limit     json.RawMessage `json:"limit"`
	Total     json.RawMessage `json:"total"`
	After     string          `json:"after"`
	NextPage  string          `json:"next_page"`
	ExpiresAt json.RawMessage `json:"expires_at"`
}

// UnmarshalJSON accepts numbers or strings for offset, limit and total.
func (p *Pagination) UnmarshalJSON(b []byte) error {
	var w paginationWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*p = Pagination{After: w.After, NextPage: w.NextPage}
	p.OffsetToken, p.Offset = flexNumber(w.Offset)
	_, p.Limit = flexNumber(w.Limit)
	totalText, _ := flexNumber(w.Total)
	p.Total, _ = strconv.ParseInt(totalText, 10, 64)
	expText, _ := flexNumber(w.ExpiresAt)
	p.ExpiresAt, _ = strconv.ParseInt(expText, 10, 64)
	return nil
}

// MarshalJSON writes the offset in its original form (a number when
// OffsetToken is empty or numeric, else a string).
func (p Pagination) MarshalJSON() ([]byte, error) {
	type out struct {
		Offset    any    `json:"offset,omitempty"`
		Limit     int    `json:"limit"`
		Total     int64  `json:"total"`
		After     string `json:"after,omitempty"`
		NextPage  string `json:"next_page,omitempty"`
		ExpiresAt int64  `json:"expires_at,omitempty"`
	}
	o := out{Limit: p.Limit, Total: p.Total, After: p.After, NextPage: p.NextPage, ExpiresAt: p.ExpiresAt}
	switch {
	case p.OffsetToken == "":
		o.Offset = p.Offset
	case p.OffsetToken == strconv.Itoa(p.Offset):
		o.Offset = p.Offset
	default:
		o.Offset = p.OffsetToken
	}
	return json.Marshal(o)
}

// flexNumber reads a JSON number or string: its text and, when the text is
// a decimal integer, its value.
func flexNumber(raw json.RawMessage) (text string, n int) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", 0
	}
	if raw[0] == '"' {
		if err := json.Unmarshal(raw, &text); err != nil {
			return "", 0
		}
	} else {
		text = string(raw)
	}
	return text, flexInt(text)
}

// flexInt is the value of the text of a flexible number: a decimal
// integer, or a number without a fraction; 0 otherwise.
func flexInt(text string) int {
	if v, err := strconv.Atoi(strings.TrimSpace(text)); err == nil {
		return v
	} else if f, err := strconv.ParseFloat(text, 64); err == nil && f == float64(int(f)) {
		return int(f)
	}
	return 0
}

// decodeUsual decodes a pagination object whose members have exactly the
// names of the wire fields, with numbers, strings without escapes or null
// as values, as UnmarshalJSON would. It reports false for anything else,
// leaving p alone.
func (p *Pagination) decodeUsual(b []byte) bool {
	var (
		q                                     Pagination
		offset, limit, total, expiresAt       []byte
		offsetStr, limitStr, totalStr, expStr bool
	)
	_, err := jsonscan.Members(b, 0, func(key, v []byte) error {
		key = key[1 : len(key)-1]
		var num *[]byte
		var isStr *bool
		switch string(key) {
		case "after", "next_page":
			dst := &q.After
			if string(key) == "next_page" {
				dst = &q.NextPage
			}
			if string(v) == "null" {
				return nil // leaves it alone, as encoding/json does
			}
			return plainString(v, dst)
		case "offset":
			num, isStr = &offset, &offsetStr
		case "limit":
			num, isStr = &limit, &limitStr
		case "total":
			num, isStr = &total, &totalStr
		case "expires_at":
			num, isStr = &expiresAt, &expStr
		default:
			return unknownKey(key, paginationKeys[:])
		}
		switch c := v[0]; {
		case c == 'n':
			*num, *isStr = nil, false
		case c == '"':
			inner := v[1 : len(v)-1]
			if bytes.IndexByte(inner, '\\') >= 0 || !utf8.Valid(inner) {
				return errUnusual
			}
			*num, *isStr = inner, true
		case c == '-' || '0' <= c && c <= '9':
			*num, *isStr = v, false
		default:
			return errUnusual
		}
		return nil
	})
	if err != nil {
		return false
	}
	if offset != nil {
		q.OffsetToken = string(offset)
		q.Offset = flexInt(q.OffsetToken)
	}
	if limit != nil {
		q.Limit = flexInt(string(limit))
	}
	if total != nil {
		q.Total, _ = strconv.ParseInt(string(total), 10, 64)
	}
	if expiresAt != nil {
		q.ExpiresAt, _ = strconv.ParseInt(string(expiresAt), 10, 64)
	}
	*p = q
	return true
}

var paginationKeys = [...]string{"offset", "limit", "total", "after", "next_page", "expires_at"}

// RateLimit holds the rate-limit headers of an answer. Zero values mean the
// header was absent.
type RateLimit struct {
	// Limit is X-RateLimit-Limit: requests allowed per minute.
	Limit int
	// Remaining is X-RateLimit-Remaining: requests left in the sliding
	// minute.
	Remaining int
}

func parseRateLimit(h http.Header) RateLimit {
	// The keys are written in canonical form so that the lookups need no
	// conversion.
	return RateLimit{Limit: headerInt(h, "X-Ratelimit-Limit"), Remaining: headerInt(h, "X-Ratelimit-Remaining")}
}

// headerInt reads a header holding a decimal integer; 0 when absent or not
// an integer.
func headerInt(h http.Header, key string) int {
	vs := h[key]
	if len(vs) == 0 {
		return 0
	}
	v := strings.TrimSpace(vs[0])
	n := 0
	for i := range len(v) {
		c := v[i]
		if c < '0' || c > '9' || i >= 18 {
			n, _ = strconv.Atoi(v) // signs, and numbers too long for the loop
			return n
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// ErrorDetail is one entry of an envelope's errors list.
type ErrorDetail struct {
	// Code is the API's code, usually an HTTP status.
	Code int `json:"code"`
	// Message is the API's message.
	Message string `json:"message"`
	// ID names the resource the error is about, when the API says.
	ID string `json:"id,omitempty"`
}

// UnmarshalJSON accepts the code as a number or a string.
func (d *ErrorDetail) UnmarshalJSON(b []byte) error {
	var w struct {
		Code    json.RawMessage `json:"code"`
		Message string          `json:"message"`
		ID      json.RawMessage `json:"id"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	_, code := flexNumber(w.Code)
	id, _ := flexNumber(w.ID)
	*d = ErrorDetail{Code: code, Message: w.Message, ID: id}
	return nil
}

// String returns "code: message" (with the id when set).
func (d ErrorDetail) String() string {
	s := strconv.Itoa(d.Code) + ": " + oneLine(d.Message)
	if d.ID != "" {
		s += " (id " + d.ID + ")"
	}
	return s
}
