package ioc

import (
	"context"
	"net/http"
	"net/url"

	"github.com/falconioc/falcon"
)

// Client gives typed access to the IOC operations of the Falcon API. Each
// field is a service for one group of operations; all share one
// *falcon.Client, its token, retries and rate-limit cooldown.
type Client struct {
	client *falcon.Client

	// Indicators creates, reads, searches, updates, deletes and aggregates
	// custom IOCs.
	Indicators *IndicatorsService
	// Actions lists the actions an indicator can take.
	Actions *ActionsService
	// Types lists the indicator types.
	Types *TypesService
	// Platforms lists the platforms an indicator can apply to.
	Platforms *PlatformsService
	// Severities lists the severities an indicator can carry.
	Severities *SeveritiesService
	// Devices counts and lists the hosts that observed an indicator.
	Devices *DevicesService
	// Processes lists and reads the processes that observed an indicator.
	Processes *ProcessesService
	// Reports starts indicator report jobs.
	Reports *ReportsService
}

type service struct {
	client *falcon.Client
}

// IndicatorsService handles the indicator operations under
// /iocs/*/indicators/v1.
type IndicatorsService service

// ActionsService handles /iocs/queries/actions/v1 and
// /iocs/entities/actions/v1.
type ActionsService service

// TypesService handles /iocs/queries/ioc-types/v1.
type TypesService service

// PlatformsService handles /iocs/queries/platforms/v1.
type PlatformsService service

// SeveritiesService handles /iocs/queries/severities/v1.
type SeveritiesService service

// DevicesService handles the device count and "devices ran on" look-ups,
// v1 and legacy.
type DevicesService service

// ProcessesService handles the "processes ran on" look-ups, v1 and legacy,
// and /processes/entities/processes/v1.
type ProcessesService service

// ReportsService handles /iocs/entities/indicators-reports/v1.
type ReportsService service

// New returns a Client whose services send their requests through c.
func New(c *falcon.Client) *Client {
	s := service{client: c}
	return &Client{
		client:     c,
		Indicators: (*IndicatorsService)(&s),
		Actions:    (*ActionsService)(&s),
		Types:      (*TypesService)(&s),
		Platforms:  (*PlatformsService)(&s),
		Severities: (*SeveritiesService)(&s),
		Devices:    (*DevicesService)(&s),
		Processes:  (*ProcessesService)(&s),
		Reports:    (*ReportsService)(&s),
	}
}

// Falcon returns the *falcon.Client the services use.
func (c *Client) Falcon() *falcon.Client { return c.client }

// maxIDsQuery bounds the encoded length of the ids part of one GET or
// DELETE query. Falcon accepts about 18,500 characters of query, which is
// 268 indicator ids of 64 hex digits; the margin leaves room for the rest of
// the query.
const maxIDsQuery = 16000

// chunkIDs splits ids into groups whose "ids=...&ids=..." encoding stays
// within maxLen characters, keeping their order. Every group holds at least
// one id.
func chunkIDs(ids []string, maxLen int) [][]string {
	var out [][]string
	start, size := 0, 0
	for i, id := range ids {
		n := len("ids=") + len(url.QueryEscape(id)) + 1
		if i > start && size+n > maxLen {
			out = append(out, ids[start:i])
			start, size = i, 0
		}
		size += n
	}
	if start < len(ids) {
		out = append(out, ids[start:])
	}
	return out
}

// get sends a GET of path with query and decodes the resources into out.
func (s *service) get(ctx context.Context, path string, q url.Values, out any) (*falcon.Response, error) {
	return s.client.Do(ctx, &falcon.Request{Method: http.MethodGet, Path: path, Query: q}, out)
}
