package spectest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// TB is the part of testing.TB the package reports through.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
}

// Operation names the spec operation a request maps to.
type Operation struct {
	// ID is the spec's operationId, such as "indicator.create.v1".
	ID string
	// Method and Path are the operation's HTTP method and path template.
	Method, Path string
}

// String returns "METHOD /path (operationId)".
func (o Operation) String() string { return o.Method + " " + o.Path + " (" + o.ID + ")" }

// Operations returns every operation the spec declares, sorted by path and
// method.
func Operations() ([]Operation, error) {
	l, err := load()
	if err != nil {
		return nil, err
	}
	return l.sortedOps(), nil
}

// Find returns the operation the spec declares for r's method and path. The
// host and scheme are not matched.
func Find(r *http.Request) (Operation, error) {
	l, err := load()
	if err != nil {
		return Operation{}, err
	}
	route, _, err := l.router.FindRoute(r)
	if err != nil {
		return Operation{}, routeError(r, err)
	}
	return opOf(route), nil
}

// CheckRequest validates r (method, path, query parameters and body)
// against the spec and returns every problem found, or nil. r's body is read
// and put back, so r can still be sent or served. Security requirements are
// not checked.
func CheckRequest(r *http.Request) error {
	_, err := checkRequest(r)
	return err
}

// CheckResponse validates a response to r (status, headers and body) against
// the spec and returns every problem found, or nil. A status the operation
// does not declare is checked against the error envelope msa.ReplyMetaOnly.
func CheckResponse(r *http.Request, status int, header http.Header, body []byte) error {
	l, err := load()
	if err != nil {
		return err
	}
	route, params, err := l.router.FindRoute(r)
	if err != nil {
		return routeError(r, err)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request:    r,
			PathParams: params,
			Route:      route,
			Options:    options(),
		},
		Status:  status,
		Header:  header,
		Body:    io.NopCloser(bytes.NewReader(body)),
		Options: options(),
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		return describe(fmt.Sprintf("response %d to %s %s", status, r.Method, r.URL.Path), err, secretsOf(r, body))
	}
	return nil
}

// ValidateRequest reports through t every way r breaks the spec. See
// CheckRequest.
func ValidateRequest(t TB, r *http.Request) {
	t.Helper()
	if err := CheckRequest(r); err != nil {
		t.Errorf("%v", err)
	}
}

// ValidateResponse reports through t every way a response to r breaks the
// spec. See CheckResponse.
func ValidateResponse(t TB, r *http.Request, status int, header http.Header, body []byte) {
	t.Helper()
	if err := CheckResponse(r, status, header, body); err != nil {
		t.Errorf("%v", err)
	}
}

// checkRequest validates r and returns the operation it maps to.
func checkRequest(r *http.Request) (*routers.Route, error) {
	l, err := load()
	if err != nil {
		return nil, err
	}
	body, err := readBody(r)
	if err != nil {
		return nil, fmt.Errorf("spectest: %s %s: reading the body: %w", r.Method, r.URL.Path, err)
	}
	// The validator reads and may rewrite the request it is given: hand it a
	// copy, so r goes on untouched.
	clone := r.Clone(context.Background())
	clone.Body = io.NopCloser(bytes.NewReader(body))
	clone.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	clone.ContentLength = int64(len(body))

	route, params, err := l.router.FindRoute(clone)
	if err != nil {
		return nil, routeError(r, err)
	}
	in := &openapi3filter.RequestValidationInput{
		Request:    clone,
		PathParams: params,
		Route:      route,
		Options:    options(),
	}
	var errs []error
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, extraRequestChecks(route.Operation.OperationID, clone, body)...)
	if len(errs) > 0 {
		return route, describe(fmt.Sprintf("request %s %s", r.Method, r.URL.Path), errors.Join(errs...), secretsOf(r, body))
	}
	return route, nil
}

// readBody reads r's body and puts an unread copy back.
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	body, err := io.ReadAll(r.Body)
	_ = r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	return body, nil
}

// options returns the validator's options. Defaults are never written into
// the request, every problem is reported rather than the first one, and
// schema errors name the JSON path and the rule broken, never the value
// (which may be a secret).
func options() *openapi3filter.Options {
	o := &openapi3filter.Options{
		AuthenticationFunc:  openapi3filter.NoopAuthenticationFunc,
		SkipSettingDefaults: true,
		MultiError:          true,
	}
	o.WithCustomSchemaErrorFunc(func(err *openapi3.SchemaError) string {
		return "at /" + strings.Join(err.JSONPointer(), "/") + ": " + err.Reason
	})
	return o
}

func routeError(r *http.Request, err error) error {
	return fmt.Errorf("spectest: %s %s: no operation in the spec: %w", r.Method, r.URL.Path, err)
}

func opOf(route *routers.Route) Operation {
	return Operation{ID: route.Operation.OperationID, Method: route.Method, Path: route.Path}
}

// describe turns a validator error into one message per problem, with the
// secrets redacted.
func describe(what string, err error, secrets []string) error {
	var lines []string
	for _, e := range flatten(err) {
		lines = append(lines, e.Error())
	}
	msg := "spectest: " + what + " breaks the spec:\n\t" + strings.Join(lines, "\n\t")
	for _, s := range secrets {
		msg = strings.ReplaceAll(msg, s, "[REDACTED]")
	}
	return errors.New(msg)
}

// flatten unpacks the validator's nested multi-errors.
func flatten(err error) []error {
	if me, ok := err.(openapi3.MultiError); ok {
		var out []error
		for _, e := range me {
			out = append(out, flatten(e)...)
		}
		return out
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}

// secretsOf lists credential values carried by a request and by a body (the
// request's or the response's), so messages can redact them wherever the
// validator quotes them.
func secretsOf(r *http.Request, body []byte) []string {
	var out []string
	add := func(s string) {
		if len(s) >= 4 {
			out = append(out, s)
		}
	}
	if auth := r.Header.Get("Authorization"); auth != "" {
		if _, cred, ok := strings.Cut(auth, " "); ok {
			add(cred)
		}
		add(auth)
	}
	if id, secret, ok := r.BasicAuth(); ok {
		add(id)
		add(secret)
	}
	for _, k := range []string{"client_secret", "token", "access_token", "refresh_token", "id_token"} {
		if r.URL != nil {
			add(r.URL.Query().Get(k))
		}
		if form, err := url.ParseQuery(string(body)); err == nil {
			add(form.Get(k))
		}
	}
	var doc map[string]any
	if json.Unmarshal(body, &doc) == nil {
		for _, k := range []string{"access_token", "refresh_token", "id_token"} {
			if s, ok := doc[k].(string); ok {
				add(s)
			}
		}
	}
	return out
}
