package conformance_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/crowdstrike/gofalcon/falcon"
	"github.com/crowdstrike/gofalcon/falcon/client"
	"github.com/crowdstrike/gofalcon/falcon/models"
	"github.com/go-openapi/runtime"
	httptransport "github.com/go-openapi/runtime/client"
	"github.com/go-openapi/strfmt"
	"golang.org/x/oauth2"

	"github.com/falconioc/falcon/falcontest"
	"github.com/falconioc/falcon/internal/spectest"
)

// env is one emulator and the gofalcon clients pointed at it.
type env struct {
	srv *falcontest.Server
	// api is gofalcon's authenticated client, built by falcon.NewClient as
	// users build it.
	api *client.CrowdStrikeAPISpecification
	// bare is gofalcon's client without a token, for the oauth2 calls.
	bare *client.CrowdStrikeAPISpecification
	// spec checks every request and response of both clients.
	spec *spectest.Checker
	tb   *specTB
	// ctx is the test's context, for the calls.
	ctx context.Context
	// hctx carries the checked HTTP client, for falcon.ApiConfig.Context.
	hctx context.Context
}

// newEnv starts an emulator with opts and points gofalcon at it.
func newEnv(t *testing.T, opts ...falcontest.Option) *env {
	t.Helper()
	srv := falcontest.NewServer(opts...)
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	base := &http.Transport{}
	t.Cleanup(base.CloseIdleConnections)
	tb := &specTB{t: t}
	spec := spectest.Transport(tb, loopback{host: u.Host, base: base})
	hc := &http.Client{Transport: spec}

	// gofalcon takes the token endpoint's client and the API transport's
	// base from the oauth2.HTTPClient of ApiConfig.Context.
	ctx := context.WithValue(t.Context(), oauth2.HTTPClient, hc)
	api, err := falcon.NewClient(&falcon.ApiConfig{
		ClientId:     srv.ClientID,
		ClientSecret: srv.ClientSecret,
		HostOverride: u.Host,
		Context:      ctx,
	})
	if err != nil {
		t.Fatalf("falcon.NewClient: %v", err)
	}
	bare := client.New(httptransport.NewWithClient(u.Host, client.DefaultBasePath, []string{"http"}, hc), strfmt.Default)
	return &env{srv: srv, api: api, bare: bare, spec: spec, tb: tb, ctx: t.Context(), hctx: ctx}
}

// specTB passes the spec checker's reports on to the test, except those a
// test provokes on purpose (see expectSpecBreak).
type specTB struct {
	t      *testing.T
	mu     sync.Mutex
	expect map[string]int // substring -> reports matched
}

func (s *specTB) Helper() {}

func (s *specTB) Errorf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	s.mu.Lock()
	for sub := range s.expect {
		if strings.Contains(msg, sub) {
			s.expect[sub]++
			s.mu.Unlock()
			return
		}
	}
	s.mu.Unlock()
	s.t.Errorf("%s", msg)
}

// expectSpecBreak runs fn, which sends traffic that breaks the spec on
// purpose, and checks that the spec checker reported it with a message
// containing want.
func (e *env) expectSpecBreak(t *testing.T, want string, fn func()) {
	t.Helper()
	e.tb.mu.Lock()
	if e.tb.expect == nil {
		e.tb.expect = make(map[string]int)
	}
	e.tb.expect[want] = 0
	e.tb.mu.Unlock()
	fn()
	e.tb.mu.Lock()
	n := e.tb.expect[want]
	delete(e.tb.expect, want)
	e.tb.mu.Unlock()
	if n == 0 {
		t.Errorf("the spec checker did not report %q", want)
	}
}

// loopback sends gofalcon's https requests for the emulator's host over
// plain http. gofalcon always picks https (its operations list http and
// https and go-openapi prefers https; the token URL is hard-coded https).
type loopback struct {
	host string
	base http.RoundTripper
}

func (l loopback) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Scheme == "https" && r.URL.Host == l.host {
		r = r.Clone(r.Context())
		r.URL.Scheme = "http"
	}
	return l.base.RoundTrip(r)
}

func ptr[T any](v T) *T { return &v }

// assertErrorCode checks that errs holds one error and that its code is
// code.
func assertErrorCode(t *testing.T, errs []*models.MsaAPIError, code int32) {
	t.Helper()
	if len(errs) != 1 || errs[0] == nil || errs[0].Code == nil || errs[0].Message == nil {
		t.Fatalf("errors = %s, want one with a code and a message", describeErrors(errs))
	}
	if *errs[0].Code != code {
		t.Errorf("error code = %d (%s), want %d", *errs[0].Code, *errs[0].Message, code)
	}
}

func describeErrors(errs []*models.MsaAPIError) string {
	var parts []string
	for _, e := range errs {
		if e == nil {
			parts = append(parts, "<nil>")
			continue
		}
		parts = append(parts, fmt.Sprintf("{code %v, id %q, message %v}", deref(e.Code), e.ID, deref(e.Message)))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// describe formats a gofalcon error with the API's error list, which its
// own Error method prints as a pointer.
func describe(err error) string {
	if err == nil {
		return "<nil>"
	}
	var apiErr *runtime.APIError
	if errors.As(err, &apiErr) {
		if resp, ok := apiErr.Response.(runtime.ClientResponse); ok && resp.Body() != nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body(), 4096))
			return fmt.Sprintf("%s: %s", apiErr.Error(), body)
		}
	}
	v := reflect.ValueOf(err)
	if v.Kind() == reflect.Pointer && !v.IsNil() && v.Elem().Kind() == reflect.Struct {
		if payload := v.Elem().FieldByName("Payload"); payload.IsValid() && payload.Kind() == reflect.Pointer && !payload.IsNil() {
			if errs := payload.Elem().FieldByName("Errors"); errs.IsValid() {
				if list, ok := errs.Interface().([]*models.MsaAPIError); ok {
					return fmt.Sprintf("%T %s", err, describeErrors(list))
				}
			}
		}
	}
	return fmt.Sprintf("%T %v", err, err)
}
