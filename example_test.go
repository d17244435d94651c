package falcon_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"

	"github.com/falconioc/falcon"
)

// exampleServer stands in for the Falcon API (package falcontest offers a
// complete emulator).
func exampleServer() *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth2/token", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, `{"access_token":"example-token","token_type":"bearer","expires_in":1799}`)
	})
	mux.HandleFunc("GET /iocs/queries/indicators/v1", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-RateLimit-Limit", "6000")
		w.Header().Set("X-RateLimit-Remaining", "5999")
		fmt.Fprintf(w, `{"meta":{"query_time":0.01,"trace_id":"trace-1","pagination":{"offset":0,"limit":%s,"total":3}},
			"resources":["id-1","id-2"],"errors":[]}`, r.URL.Query().Get("limit"))
	})
	mux.HandleFunc("GET /iocs/entities/indicators/v1", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"meta":{"trace_id":"trace-2"},"errors":[{"code":404,"message":"indicator not found"}]}`)
	})
	mux.HandleFunc("POST /oauth2/revoke", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"meta":{},"errors":[]}`)
	})
	return httptest.NewServer(mux)
}

// ExampleClient_Do searches indicator ids through the raw Do call, then shows a
// typed error.
func ExampleClient_Do() {
	srv := exampleServer()
	defer srv.Close()

	client, err := falcon.NewClient(
		falcon.WithCredentials("my-client-id", "my-client-secret"),
		falcon.WithBaseURL(srv.URL), // a loopback emulator may use plain http
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	defer client.Close(ctx)

	var ids []string
	resp, err := client.Do(ctx, &falcon.Request{
		Method: http.MethodGet,
		Path:   "/iocs/queries/indicators/v1",
		Query:  url.Values{"limit": {"2"}, "filter": {"type:'domain'"}},
	}, &ids)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(ids, "of", resp.Meta.Pagination.Total, "limit", resp.Meta.Pagination.Limit)
	fmt.Println("trace", resp.Meta.TraceID, "remaining", resp.RateLimit.Remaining)

	_, err = client.Do(ctx, &falcon.Request{
		Path:  "/iocs/entities/indicators/v1",
		Query: url.Values{"ids": {"nope"}},
	}, nil)
	fmt.Println(errors.Is(err, falcon.ErrNotFound))
	fmt.Println(err)
	// Output:
	// [id-1 id-2] of 3 limit 2
	// trace trace-1 remaining 5999
	// true
	// falcon: GET /iocs/entities/indicators/v1: 404 Not Found: indicator not found (trace id trace-2)
}

func ExampleParseCloud() {
	for _, s := range []string{"US1", "eu-1", "usgov2"} {
		c, err := falcon.ParseCloud(s)
		fmt.Println(c, c.Host(), err)
	}
	// Output:
	// us-1 api.crowdstrike.com <nil>
	// eu-1 api.eu-1.crowdstrike.com <nil>
	// us-gov-2 api.us-gov-2.crowdstrike.mil <nil>
}

func ExampleValidationError() {
	var v falcon.ValidationError
	v.Add(0, "value", "not-a-hash", "not a sha256 (64 hex digits)")
	v.Add(3, "expiration", "2001-01-01T00:00:00Z", "in the past")
	fmt.Println(v.Err())
	// Output:
	// falcon: 2 invalid inputs: item 0 value "not-a-hash": not a sha256 (64 hex digits); item 3 expiration "2001-01-01T00:00:00Z": in the past
}
