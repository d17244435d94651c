package falcontest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/falconioc/falcon/falcontest"
)

// The emulator serves the API on a loopback port: fetch a token, then call
// any IOC operation with it.
func ExampleNewServer() {
	srv := falcontest.NewServer()
	defer srv.Close()

	resp, err := http.PostForm(srv.URL+"/oauth2/token", url.Values{
		"client_id": {srv.ClientID}, "client_secret": {srv.ClientSecret},
	})
	if err != nil {
		panic(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	fmt.Println("token:", resp.StatusCode, tok.ExpiresIn)

	body := `{"comment":"example","indicators":[{"type":"domain","value":"Evil.Example.com",
		"action":"detect","severity":"high","platforms":["windows","mac"],"applied_globally":true}]}`
	req, _ := http.NewRequest("POST", srv.URL+"/iocs/entities/indicators/v1", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	var created struct {
		Resources []struct {
			Type  string `json:"type"`
			Value string `json:"value"`
		} `json:"resources"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&created)
	resp.Body.Close()
	fmt.Println("create:", resp.StatusCode, created.Resources[0].Type, created.Resources[0].Value)

	// The test can check the server's own truth.
	fmt.Println("stored:", srv.IndicatorCount(), srv.Indicators()[0].Value)
	// Output:
	// token: 201 1799
	// create: 201 domain evil.example.com
	// stored: 1 evil.example.com
}

// Handler serves requests without a network, and one-shot faults make the
// next requests fail the way production sometimes does.
func ExampleServer_FailNext() {
	srv := falcontest.NewUnstartedServer(falcontest.WithIndicators(25))
	token := srv.IssueToken()
	srv.FailNext(503, 1)

	for range 2 {
		req := httptest.NewRequest("GET", "/iocs/queries/indicators/v1?limit=10", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, req)
		var env struct {
			Meta struct {
				Pagination struct {
					Total int `json:"total"`
				} `json:"pagination"`
			} `json:"meta"`
			Resources []string `json:"resources"`
		}
		_ = json.Unmarshal(rec.Body.Bytes(), &env)
		fmt.Println(rec.Code, len(env.Resources), env.Meta.Pagination.Total)
	}
	// Output:
	// 503 0 0
	// 200 10 25
}
