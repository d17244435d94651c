package falcontest

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

const (
	scopeIOCRead   = "ioc:read"
	scopeIOCWrite  = "ioc:write"
	scopeIOCsRead  = "iocs:read"
	poweredIOC     = "ioc-manager"
	poweredIOCs    = "iocs"
	poweredProcess = "processes"
	poweredOAuth   = "csapi"
)

// routes maps path, then method, to the operation the spec defines there.
var routes map[string]map[string]*route

func init() {
	add := func(method, path, op, scope, powered string, h func(*call)) {
		if routes[path] == nil {
			routes[path] = make(map[string]*route)
		}
		routes[path][method] = &route{op: op, scope: scope, powered: powered, handle: h}
	}
	routes = make(map[string]map[string]*route)
	on := func(f func(*Server, *call)) func(*call) { return func(c *call) { f(c.s, c) } }

	add("POST", "/oauth2/token", "oauth2AccessToken", "", poweredOAuth, on((*Server).handleToken))
	add("POST", "/oauth2/revoke", "oauth2RevokeToken", "", poweredOAuth, on((*Server).handleRevoke))

	add("GET", "/iocs/queries/indicators/v1", "indicator.search.v1", scopeIOCRead, poweredIOC, on((*Server).handleSearch))
	add("GET", "/iocs/combined/indicator/v1", "indicator.combined.v1", scopeIOCRead, poweredIOC, on((*Server).handleCombined))
	add("GET", "/iocs/entities/indicators/v1", "indicator.get.v1", scopeIOCRead, poweredIOC, on((*Server).handleGet))
	add("POST", "/iocs/entities/indicators/v1", "indicator.create.v1", scopeIOCWrite, poweredIOC, on((*Server).handleCreate))
	add("PATCH", "/iocs/entities/indicators/v1", "indicator.update.v1", scopeIOCWrite, poweredIOC, on((*Server).handleUpdate))
	add("DELETE", "/iocs/entities/indicators/v1", "indicator.delete.v1", scopeIOCWrite, poweredIOC, on((*Server).handleDelete))
	add("POST", "/iocs/aggregates/indicators/v1", "indicator.aggregate.v1", scopeIOCWrite, poweredIOC, on((*Server).handleAggregate))
	add("POST", "/iocs/entities/indicators-reports/v1", "GetIndicatorsReport", scopeIOCWrite, poweredIOC, on((*Server).handleReport))

	add("GET", "/iocs/queries/actions/v1", "action.query.v1", scopeIOCRead, poweredIOC, on((*Server).handleActionQuery))
	add("GET", "/iocs/entities/actions/v1", "action.get.v1", scopeIOCRead, poweredIOC, on((*Server).handleActionGet))
	add("GET", "/iocs/queries/ioc-types/v1", "ioc_type.query.v1", scopeIOCRead, poweredIOC, on((*Server).handleTypeQuery))
	add("GET", "/iocs/queries/platforms/v1", "platform.query.v1", scopeIOCRead, poweredIOC, on((*Server).handlePlatformQuery))
	add("GET", "/iocs/queries/severities/v1", "severity.query.v1", scopeIOCRead, poweredIOC, on((*Server).handleSeverityQuery))

	add("GET", "/iocs/aggregates/indicators/device-count/v1", "indicator.get.device_count.v1", scopeIOCRead, poweredIOC, on((*Server).handleDeviceCount))
	add("GET", "/iocs/queries/indicators/devices/v1", "indicator.get.devices_ran_on.v1", scopeIOCRead, poweredIOC, on((*Server).handleDevicesRanOn))
	add("GET", "/iocs/queries/indicators/processes/v1", "indicator.get.processes_ran_on.v1", scopeIOCRead, poweredIOC, on((*Server).handleProcessesRanOn))
	add("GET", "/indicators/aggregates/devices-count/v1", "DevicesCount", scopeIOCsRead, poweredIOCs, on((*Server).handleLegacyDeviceCount))
	add("GET", "/indicators/queries/devices/v1", "DevicesRanOn", scopeIOCsRead, poweredIOCs, on((*Server).handleLegacyDevicesRanOn))
	add("GET", "/indicators/queries/processes/v1", "ProcessesRanOn", scopeIOCsRead, poweredIOCs, on((*Server).handleLegacyProcessesRanOn))
	add("GET", "/processes/entities/processes/v1", "entities.processes", scopeIOCsRead, poweredProcess, on((*Server).handleProcessGet))
}

// lookupRoute finds the route for method and path; when only the method
// is wrong it returns nil and the allowed methods.
func lookupRoute(method, path string) (*route, string) {
	byMethod := routes[path]
	if byMethod == nil {
		return nil, ""
	}
	if rt := byMethod[method]; rt != nil {
		return rt, ""
	}
	var allowed []string
	for m := range byMethod {
		allowed = append(allowed, m)
	}
	slices.Sort(allowed)
	return nil, strings.Join(allowed, ", ")
}

// Operations returns the operationIds of every route the server serves,
// sorted: the 22 operations of the spec.
func Operations() []string {
	var ops []string
	for _, byMethod := range routes {
		for _, rt := range byMethod {
			ops = append(ops, rt.op)
		}
	}
	slices.Sort(ops)
	return ops
}

// Query parameter helpers. Each sets a 400 answer and returns ok=false on
// a bad value.

func (c *call) param(name string) (string, bool) {
	v, ok := c.q[name]
	if !ok || len(v) == 0 {
		return "", false
	}
	return v[0], true
}

// intParam reads an integer parameter; absent yields def.
func (c *call) intParam(name string, def int) (v int, present, ok bool) {
	s, present := c.param(name)
	if !present || s == "" {
		return def, false, true
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		c.failEmpty(http.StatusBadRequest, "Invalid value for parameter '"+name+"': must be an integer")
		return 0, true, false
	}
	return n, true, true
}

// boolParam reads a lowercase true/false parameter.
func (c *call) boolParam(name string) (v, present, ok bool) {
	s, present := c.param(name)
	if !present || s == "" {
		return false, false, true
	}
	switch s {
	case "true":
		return true, true, true
	case "false":
		return false, true, true
	}
	c.failEmpty(http.StatusBadRequest, "Invalid value for parameter '"+name+"': must be true or false")
	return false, true, false
}

// ids returns the ids query values (repeated ids=a&ids=b, or
// comma-separated), deduplicated in order.
func (c *call) ids() []string {
	var out []string
	seen := make(map[string]bool)
	for _, v := range c.q["ids"] {
		for id := range strings.SplitSeq(v, ",") {
			id = strings.TrimSpace(id)
			if id != "" && !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	return out
}
