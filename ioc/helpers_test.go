package ioc_test

import (
	"net/http"
	"testing"

	"github.com/falconioc/falcon"
	"github.com/falconioc/falcon/falcontest"
	"github.com/falconioc/falcon/fql"
	"github.com/falconioc/falcon/internal/spectest"
	"github.com/falconioc/falcon/ioc"
	"github.com/jarcoal/httpmock"
	"golang.org/x/oauth2"
)

// mockBase is the base URL of clients built by mockClient.
const mockBase = "https://api.mock.test"

// mockClient returns an ioc.Client whose requests go to an httpmock
// transport (register responders on mockBase + path). Every request and
// response is validated against the spec in testdata. A static token
// means no token request is made. Extra options (such as WithRetry) follow
// the defaults.
func mockClient(t *testing.T, opts ...falcon.Option) (*ioc.Client, *httpmock.MockTransport) {
	t.Helper()
	mock := httpmock.NewMockTransport()
	base := []falcon.Option{
		falcon.WithBaseURL(mockBase),
		falcon.WithTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "test-token", TokenType: "Bearer"})),
		falcon.WithHTTPClient(&http.Client{Transport: spectest.Transport(t, mock)}),
		falcon.WithRetry(falcon.RetryPolicy{MaxAttempts: 1}),
	}
	c, err := falcon.NewClient(append(base, opts...)...)
	if err != nil {
		t.Fatalf("falcon.NewClient: %v", err)
	}
	return ioc.New(c), mock
}

// emuClient starts the falcontest emulator with opts and returns an
// ioc.Client authenticated against it. Traffic is validated against the
// spec. The server closes when the test ends.
func emuClient(t *testing.T, opts ...falcontest.Option) (*ioc.Client, *falcontest.Server) {
	t.Helper()
	srv := falcontest.NewServer(opts...)
	t.Cleanup(srv.Close)
	c, err := falcon.NewClient(
		falcon.WithBaseURL(srv.URL),
		falcon.WithCredentials(srv.ClientID, srv.ClientSecret),
		falcon.WithHTTPClient(&http.Client{Transport: spectest.Transport(t, nil)}),
	)
	if err != nil {
		t.Fatalf("falcon.NewClient: %v", err)
	}
	return ioc.New(c), srv
}

// envelope returns a Falcon envelope (trace id "trace-ok") holding
// resources (JSON text) and, when not empty, a pagination object (JSON
// text).
func envelope(resources, pagination string) string {
	meta := `"query_time":0.001,"trace_id":"trace-ok","powered_by":"mock"`
	if pagination != "" {
		meta += `,"pagination":` + pagination
	}
	return `{"meta":{` + meta + `},"errors":[],"resources":` + resources + `}`
}

// jsonResponder answers status with body as application/json, plus the
// header pairs given (name, value, ...).
func jsonResponder(status int, body string, header ...string) httpmock.Responder {
	return func(req *http.Request) (*http.Response, error) {
		resp := httpmock.NewStringResponse(status, body)
		resp.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(header); i += 2 {
			resp.Header.Set(header[i], header[i+1])
		}
		resp.Request = req
		return resp, nil
	}
}

// mustFQL parses an FQL filter known to be valid.
func mustFQL(s string) fql.Expr {
	e, err := fql.Parse(s)
	if err != nil {
		panic(err)
	}
	return e
}
