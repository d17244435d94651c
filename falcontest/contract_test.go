package falcontest

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/falconioc/falcon/internal/spectest"
)

// TestContract sends spec-valid requests to every operation, including ones
// the server refuses, and checks every answer against the spec.
func TestContract(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	s := NewServer(WithIndicators(300), WithClock(clock.now), WithRegion("us-1"))
	defer s.Close()
	checker := spectest.Transport(t, s.Client().Transport)
	hc := &http.Client{Transport: checker, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	form := func(path string, v url.Values, basic bool) {
		req, _ := http.NewRequest("POST", s.URL+path, strings.NewReader(v.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if basic {
			req.SetBasicAuth(s.ClientID, s.ClientSecret)
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	form("/oauth2/token", url.Values{"client_id": {s.ClientID}, "client_secret": {s.ClientSecret}, "member_cid": {"abc"}}, false)
	form("/oauth2/token", url.Values{"client_id": {s.ClientID}, "client_secret": {"wrong"}}, false)
	form("/oauth2/token", url.Values{}, true)
	form("/oauth2/revoke", url.Values{"token": {s.IssueToken()}, "client_id": {s.ClientID}}, true)
	form("/oauth2/revoke", url.Values{"token": {"x"}}, false)

	c := newClient(t, s)
	c.http = hc
	all := s.Indicators()
	sg := s.Sightings()[0]
	ioc := qv("type", sg.Type, "value", sg.Value)
	future := clock.now().Add(24 * time.Hour).Format(time.RFC3339Nano)

	// Reads.
	c.get("/iocs/queries/indicators/v1", qv("limit", "5", "sort", "created_on.desc", "filter", "type:'domain'", "from_parent", "false"))
	r := c.get("/iocs/combined/indicator/v1", qv("limit", "5", "sort", "value"))
	c.get("/iocs/combined/indicator/v1", qv("limit", "5", "sort", "value", "after", r.Env.Meta.Pagination["after"].(string)))
	c.get("/iocs/combined/indicator/v1", qv("limit", "5", "offset", "10"))
	c.get("/iocs/queries/indicators/v1", qv("limit", "2000", "offset", "9000"))
	c.get("/iocs/queries/indicators/v1", qv("filter", "nope:1"))
	c.get("/iocs/entities/indicators/v1", url.Values{"ids": {all[0].ID, all[1].ID, strings.Repeat("0", 64)}})
	c.get("/iocs/entities/indicators/v1", qv("ids", strings.Repeat("0", 64)))
	for _, p := range []string{"actions", "ioc-types", "platforms", "severities"} {
		c.get("/iocs/queries/"+p+"/v1", qv("offset", "1", "limit", "2"))
	}
	c.get("/iocs/entities/actions/v1", qv("ids", "detect", "ids", "allow"))
	c.get("/iocs/entities/actions/v1", qv("ids", "block"))
	c.get("/iocs/aggregates/indicators/device-count/v1", ioc)
	c.get("/iocs/aggregates/indicators/device-count/v1", qv("type", "domain", "value", "never.example.com"))
	c.get("/indicators/aggregates/devices-count/v1", ioc)
	c.get("/iocs/queries/indicators/devices/v1", withQ(ioc, "limit", "1", "offset", "0"))
	c.get("/indicators/queries/devices/v1", withQ(ioc, "limit", "1"))
	c.get("/iocs/queries/indicators/processes/v1", withQ(ioc, "device_id", sg.DeviceID, "limit", "1"))
	c.get("/indicators/queries/processes/v1", withQ(ioc, "device_id", sg.DeviceID))
	c.get("/iocs/queries/indicators/processes/v1", withQ(ioc, "device_id", "xyz"))
	c.get("/processes/entities/processes/v1", qv("ids", sg.Processes[0].ID, "ids", "pid:x:1"))

	// Aggregates and reports.
	c.do("POST", "/iocs/aggregates/indicators/v1", qv("filter", "type:'md5'", "from_parent", "false"), aggBody(
		"name", "types", "type", "terms", "field", "type", "sub_aggregates", []any{
			aggBody("name", "h", "type", "date_histogram", "field", "created_on", "interval", "month"),
			aggBody("name", "r", "type", "range", "field", "severity_number", "ranges", []any{map[string]float64{"From": 0, "To": 3}}),
			aggBody("name", "m", "type", "max", "field", "modified_on"),
		}))
	c.do("POST", "/iocs/aggregates/indicators/v1", nil, aggBody("name", "d", "type", "date_range", "field", "expiration",
		"date_ranges", []any{map[string]string{"from": "now", "to": "now+30d"}}))
	c.do("POST", "/iocs/aggregates/indicators/v1", nil, aggBody("name", "x", "type", "bogus", "field", "type"))
	c.do("POST", "/iocs/entities/indicators-reports/v1", nil, map[string]any{
		"report_format": "csv", "from_parent": false, "search": map[string]string{"filter": "type:'ipv4'", "query": "", "sort": "value.asc"},
	})

	// Writes.
	r = c.do("POST", "/iocs/entities/indicators/v1", qv("ignore_warnings", "false", "retrodetects", "true"), createBody(
		with(newInd("domain", "contract.example.com"), "expiration", future, "tags", []string{"t"}, "source", "s",
			"description", "d", "mobile_action", "detect", "metadata", map[string]string{"filename": "f.exe"}),
		newInd("domain", "bad..example"),
	))
	id := r.indicators(t)[0].ID
	c.do("POST", "/iocs/entities/indicators/v1", nil, createBody(newInd("ipv4", "192.168.1.1")))
	c.do("POST", "/iocs/entities/indicators/v1", qv("ignore_warnings", "true"), createBody(newInd("ipv4", "192.168.1.1")))
	c.do("PATCH", "/iocs/entities/indicators/v1", qv("retrodetects", "false"), map[string]any{
		"bulk_update": map[string]any{}, "comment": "x",
		"indicators": []any{map[string]any{"id": id, "severity": "low", "expiration": nil}, map[string]any{"id": strings.Repeat("1", 64)}},
	})
	c.do("PATCH", "/iocs/entities/indicators/v1", nil, map[string]any{
		"bulk_update": map[string]any{"filter": "type:'ipv6'", "source": "bulk", "from_parent": false}, "indicators": []any{},
	})
	c.do("DELETE", "/iocs/entities/indicators/v1", url.Values{"ids": {id, strings.Repeat("2", 64)}, "comment": {"bye"}}, nil)
	c.do("DELETE", "/iocs/entities/indicators/v1", qv("filter", "type:'md5'+action:'allow'", "from_parent", "false"), nil)
	c.do("DELETE", "/iocs/entities/indicators/v1", nil, nil)

	// Gateway answers.
	c.token = "expired"
	c.get("/iocs/queries/indicators/v1", nil)
	c.token = s.IssueToken()
	s.RateLimitNext(1, time.Time{})
	c.get("/iocs/queries/indicators/v1", nil)
	s.FailNext(503, 1)
	c.get("/iocs/combined/indicator/v1", nil)

	if missing := checker.Missing(Operations()...); len(missing) > 0 {
		t.Fatalf("operations never exercised: %v", missing)
	}
}

func withQ(q url.Values, kv ...string) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out.Set(kv[i], kv[i+1])
	}
	return out
}
