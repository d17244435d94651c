package falcon

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestValidationErrorSummary(t *testing.T) {
	t.Parallel()
	var v ValidationError
	if v.Err() != nil {
		t.Fatal("empty ValidationError is an error")
	}
	v.Add(0, "value", "zz", "not a sha256 (64 hex digits)")
	if got := v.Err().Error(); got != `falcon: invalid input: item 0 value "zz": not a sha256 (64 hex digits)` {
		t.Errorf("one problem: %q", got)
	}
	v.Add(2, "expiration", "2001-01-01", "in the past")
	v.Add(-1, "limit", "", "must be 1..2000")
	v.Add(7, "source", strings.Repeat("s", 300), "longer than\n256 characters")
	v.Add(9, "type", "foo", "unknown type")
	got := v.Error()
	want := `falcon: 5 invalid inputs: item 0 value "zz": not a sha256 (64 hex digits); ` +
		`item 2 expiration "2001-01-01": in the past; limit: must be 1..2000; and 2 more`
	if got != want {
		t.Errorf("Error() =\n%q\nwant\n%q", got, want)
	}
	if len(v.Problems) != 5 || v.Problems[3].Index != 7 || v.Problems[3].Field != "source" {
		t.Errorf("problems = %+v", v.Problems)
	}
	var err error = v.Err()
	if ve, ok := errors.AsType[*ValidationError](fmt.Errorf("wrapped: %w", err)); !ok || len(ve.Problems) != 5 {
		t.Error("errors.AsType through wrapping")
	}
	long := Problem{Index: 7, Field: "source", Value: strings.Repeat("s", 300), Message: "too long"}.String()
	if len(long) > 80 {
		t.Errorf("long value not shortened: %q", long)
	}
}

func TestErrorMessagesAreOneLine(t *testing.T) {
	t.Parallel()
	at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	api := &APIError{StatusCode: 429, Method: "GET", Path: "/p", TraceID: "tr", Header: http.Header{},
		Errors: []ErrorDetail{{Code: 429, Message: "API rate limit\nexceeded."}}}
	tests := []struct {
		err  error
		want string
	}{
		{&RateLimitError{APIError: api, RetryAfter: at},
			"falcon: GET /p: 429 rate limited, retry after 2030-01-02T03:04:05Z: API rate limit exceeded. (trace id tr)"},
		{&RateLimitError{APIError: &APIError{StatusCode: 429, Method: "GET", Path: "/p"}, RetryAfter: at},
			"falcon: GET /p: 429 rate limited, retry after 2030-01-02T03:04:05Z (not sent: client cooldown)"},
		{&AuthError{StatusCode: 403, Message: "access denied, authorization failed", TraceID: "x", Hint: "h"},
			"falcon: token request failed: 403 Forbidden: access denied, authorization failed (trace id x); h"},
		{&AuthError{Err: errors.New("dial tcp: refused\nmore"), Hint: "could not reach the token endpoint"},
			"falcon: token request failed: dial tcp: refused more; could not reach the token endpoint"},
		{&RequestError{Method: "POST", Path: "/p", Attempts: 3, Err: errors.New("EOF")},
			"falcon: POST /p: after 3 attempts: EOF"},
		{&APIError{StatusCode: 400, Method: "PATCH", Path: "/p", Errors: []ErrorDetail{{Code: 400, Message: strings.Repeat("m", 500)}}},
			"falcon: PATCH /p: 400 Bad Request: " + strings.Repeat("m", 200) + "…"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("got  %q\nwant %q", got, tt.want)
		}
	}
}

func TestSentinelsAndResponseLost(t *testing.T) {
	t.Parallel()
	rl := &RateLimitError{APIError: &APIError{StatusCode: 429}}
	cases := []struct {
		err  error
		is   []error
		not  []error
		lost bool
	}{
		{&APIError{StatusCode: 404}, []error{ErrNotFound}, []error{ErrForbidden, ErrUnauthorized, ErrRateLimited}, false},
		{&APIError{StatusCode: 401}, []error{ErrUnauthorized}, []error{ErrNotFound}, false},
		{&APIError{StatusCode: 403}, []error{ErrForbidden}, nil, false},
		{&APIError{StatusCode: 503}, nil, []error{ErrNotFound}, true},
		{rl, []error{ErrRateLimited}, []error{ErrNotFound}, false},
		{&AuthError{StatusCode: 400}, []error{ErrUnauthorized}, []error{ErrForbidden}, false},
		{&AuthError{StatusCode: 403}, []error{ErrForbidden, ErrUnauthorized}, []error{ErrRateLimited}, false},
		{&AuthError{StatusCode: 429}, []error{ErrRateLimited}, []error{ErrUnauthorized, ErrForbidden}, false},
		{fmt.Errorf("ctx: %w", &RequestError{Err: errors.New("reset")}), nil, []error{ErrNotFound}, true},
		{errors.New("other"), nil, []error{ErrNotFound}, false},
	}
	for i, c := range cases {
		for _, target := range c.is {
			if !errors.Is(c.err, target) {
				t.Errorf("case %d: not Is %v", i, target)
			}
		}
		for _, target := range c.not {
			if errors.Is(c.err, target) {
				t.Errorf("case %d: Is %v", i, target)
			}
		}
		if ResponseLost(c.err) != c.lost {
			t.Errorf("case %d: ResponseLost = %v", i, !c.lost)
		}
	}
	cause := errors.New("cause")
	if !errors.Is(&AuthError{Err: cause}, cause) {
		t.Error("AuthError does not unwrap")
	}
	if (&AuthError{StatusCode: 503}).Temporary() != true || (&AuthError{StatusCode: 401}).Temporary() {
		t.Error("Temporary")
	}
}
