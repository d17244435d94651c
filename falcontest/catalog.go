package falcontest

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/falconioc/falcon/internal/iocvalue"
)

// The catalogs the API serves. Actions list, per IOC type, the platforms
// they apply to, and the severities they take.
var (
	catalogTypes      = []string{iocvalue.Domain, iocvalue.IPv4, iocvalue.IPv6, iocvalue.MD5, iocvalue.SHA256}
	catalogPlatforms  = []string{"android", "ios", "linux", "mac", "windows"}
	catalogSeverities = []string{"informational", "low", "medium", "high", "critical"}
	mobileActions     = []string{"no_action", "allow", "detect", "prevent"}

	desktop      = []string{"windows", "mac", "linux"}
	allPlatforms = []string{"windows", "mac", "linux", "ios", "android"}

	catalogActions = []actionDef{
		{
			id: "allow",
			platformsByType: map[string][]string{
				iocvalue.SHA256: desktop, iocvalue.MD5: desktop,
			},
		},
		{
			id: "detect",
			platformsByType: map[string][]string{
				iocvalue.SHA256: desktop, iocvalue.MD5: desktop,
				iocvalue.Domain: allPlatforms, iocvalue.IPv4: allPlatforms, iocvalue.IPv6: allPlatforms,
			},
			severities:       catalogSeverities,
			severityRequired: true,
		},
		{
			id: "no_action",
			platformsByType: map[string][]string{
				iocvalue.SHA256: desktop, iocvalue.MD5: desktop,
				iocvalue.Domain: allPlatforms, iocvalue.IPv4: allPlatforms, iocvalue.IPv6: allPlatforms,
			},
			severities: catalogSeverities,
		},
		{
			id: "prevent",
			platformsByType: map[string][]string{
				iocvalue.SHA256: desktop, iocvalue.MD5: desktop,
			},
			severities:       catalogSeverities,
			severityRequired: true,
		},
		{
			id: "prevent_no_ui",
			platformsByType: map[string][]string{
				iocvalue.SHA256: desktop, iocvalue.MD5: desktop,
			},
			severities:       catalogSeverities,
			severityRequired: true,
		},
	}
)

type actionDef struct {
	id               string
	platformsByType  map[string][]string
	severities       []string
	severityRequired bool
}

func findAction(id string) *actionDef {
	for i := range catalogActions {
		if catalogActions[i].id == id {
			return &catalogActions[i]
		}
	}
	return nil
}

func appendAction(b []byte, a *actionDef) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, a.id)
	b = append(b, `,"platforms_by_type":{`...)
	first := true
	for _, t := range catalogTypes {
		ps, ok := a.platformsByType[t]
		if !ok {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendString(b, t)
		b = append(b, ':')
		b = appendStrings(b, ps)
	}
	b = append(b, `},"severities":`...)
	b = appendStrings(b, append([]string{}, a.severities...))
	return append(b, '}')
}

// catalogPage serves an offset page of a catalog's ids. offset is a string
// parameter holding an integer; limit an integer.
func (c *call) catalogPage(ids []string) {
	offset := 0
	if raw, ok := c.param("offset"); ok && raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 0 || strings.TrimLeft(raw, "0123456789") != "" {
			c.failEmpty(http.StatusBadRequest, "Invalid value for parameter 'offset': must be a non-negative integer")
			return
		}
		offset = n
	}
	limit, _, ok := c.intParam("limit", defaultLimit)
	if !ok {
		return
	}
	if limit < 1 || limit > 500 {
		c.failEmpty(http.StatusBadRequest, "limit must be between 1 and 500")
		return
	}
	start := min(offset, len(ids))
	end := min(start+limit, len(ids))
	page := ids[start:end]
	c.reply(http.StatusOK, indicatorPaging(limit, &offset, len(ids), ""), nil, appendStringArray(page))
}

func (s *Server) handleActionQuery(c *call) {
	ids := make([]string, len(catalogActions))
	for i, a := range catalogActions {
		ids[i] = a.id
	}
	c.catalogPage(ids)
}

func (s *Server) handleTypeQuery(c *call)     { c.catalogPage(catalogTypes) }
func (s *Server) handlePlatformQuery(c *call) { c.catalogPage(catalogPlatforms) }
func (s *Server) handleSeverityQuery(c *call) { c.catalogPage(catalogSeverities) }

func (s *Server) handleActionGet(c *call) {
	ids := c.ids()
	var found []*actionDef
	var errs []apiErr
	for _, id := range ids {
		if a := findAction(id); a != nil {
			found = append(found, a)
		} else {
			errs = append(errs, apiErr{code: http.StatusNotFound, id: id, message: "Action with id '" + id + "' was not found"})
		}
	}
	if len(ids) == 0 {
		for i := range catalogActions {
			found = append(found, &catalogActions[i])
		}
	}
	status := http.StatusOK
	if len(found) == 0 {
		status = http.StatusNotFound
	}
	c.reply(status, nil, errs, func(b []byte) []byte {
		b = append(b, '[')
		for i, a := range found {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendAction(b, a)
		}
		return append(b, ']')
	})
}

func validSeverity(s string) bool { return slices.Contains(catalogSeverities, s) }
