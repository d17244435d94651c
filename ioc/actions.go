package ioc

import (
	"context"
	"iter"

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

// Get returns the actions with the given ids, in the order asked (each
// once), following the rule of every look-up by id (see GetResult): ids
// the API does not know are listed in Missing. Long id lists are split
// across requests. The Response is that of the last request.
//
// Falcon API: GET /iocs/entities/actions/v1
func (s *ActionsService) Get(ctx context.Context, ids ...Action) (*GetResult[*ActionInfo], *falcon.Response, error) {
	strs := make([]string, len(ids))
	for i, id := range ids {
		strs[i] = string(id)
	}
	uniq, err := checkNames(strs)
	if err != nil {
		return nil, nil, err
	}
	return getByIDs(ctx, "ActionsService.Get", uniq, getEntities[ActionInfo]((*service)(s), pathActionGet), func(a *ActionInfo) string { return string(a.ID) })
}
