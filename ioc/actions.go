package ioc

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"net/url"

	"github.com/falconioc/falcon"
)

// ActionInfo is one action of the tenant's catalog (api.ActionV1): which
// platforms it allows for each indicator type, and which severities it
// takes. A type missing from PlatformsByType is one the action does not
// apply to.
type ActionInfo struct {
	ID              Action              `json:"id"`
	PlatformsByType map[Type][]Platform `json:"platforms_by_type"`
	Severities      []Severity          `json:"severities"`
}

// List returns one page of the ids of the actions the tenant offers. The
// ids are the action names (such as "detect"), which NewIndicator.Action
// takes.
//
// Falcon API: GET /iocs/queries/actions/v1
func (s *ActionsService) List(ctx context.Context, opts *CatalogOptions) ([]Action, *falcon.Response, error) {
	return listCatalog[Action](ctx, (*service)(s), pathActionQuery, opts)
}

// All returns an iterator over the ids of every action the tenant offers,
// from opts.Offset on. It yields one error and stops when a page cannot be
// fetched.
//
// Falcon API: GET /iocs/queries/actions/v1
func (s *ActionsService) All(ctx context.Context, opts *CatalogOptions) iter.Seq2[Action, error] {
	return allCatalog[Action](ctx, (*service)(s), pathActionQuery, opts)
}

// Get returns the actions with the given ids, in the order the API gives
// them. Long id lists are split across several requests. Ids the API does
// not know are listed in the returned Response's Errors; only when none of
// the ids is found does Get return the API's error (matching
// falcon.ErrNotFound).
//
// Falcon API: GET /iocs/entities/actions/v1
func (s *ActionsService) Get(ctx context.Context, ids ...Action) ([]*ActionInfo, *falcon.Response, error) {
	strs := make([]string, len(ids))
	for i, id := range ids {
		strs[i] = string(id)
	}
	return getByIDs[*ActionInfo](ctx, (*service)(s), pathActionGet, strs)
}

// getByIDs reads the entities with the given ids from path, chunking the
// ids so that no query grows too long. The Response returned is the last
// one, carrying the Errors of every chunk. A chunk answered 404 (none of
// its ids exists) is not an error unless no chunk found anything; on any
// other error, the entities of the chunks already read come back with it.
func getByIDs[T any](ctx context.Context, s *service, path string, ids []string) ([]T, *falcon.Response, error) {
	var ve falcon.ValidationError
	if len(ids) == 0 {
		ve.Add(-1, "ids", "", "at least one id is required")
	}
	for i, id := range ids {
		if id == "" {
			ve.Add(i, "ids", "", "must not be empty")
		}
	}
	if err := ve.Err(); err != nil {
		return nil, nil, err
	}
	var (
		out      []T
		last     *falcon.Response
		details  []falcon.ErrorDetail
		notFound error
	)
	for _, chunk := range chunkIDs(ids, maxIDsQuery) {
		var page []T
		resp, err := s.get(ctx, path, url.Values{"ids": chunk}, &page)
		if resp != nil {
			last = resp
		}
		if apiErr, ok := errors.AsType[*falcon.APIError](err); ok && apiErr.StatusCode == http.StatusNotFound {
			details = append(details, apiErr.Errors...)
			notFound = err
			continue
		}
		if err != nil {
			return out, resp, err
		}
		details = append(details, resp.Errors...)
		out = append(out, page...)
	}
	if len(out) == 0 && notFound != nil {
		return nil, last, notFound
	}
	if last != nil {
		last.Errors = details
	}
	return out, last, nil
}
