package conformance_test

import (
	"slices"
	"strconv"
	"testing"

	"github.com/crowdstrike/gofalcon/falcon/client/ioc"
	"github.com/crowdstrike/gofalcon/falcon/models"
)

// catalogPage is one page of a catalog query, whatever the operation.
type catalogPage struct {
	ids   []string
	total int64
	limit int32
}

func fromQueryResp(p *models.APIIndicatorQueryRespV1) catalogPage {
	page := catalogPage{ids: p.Resources}
	if p.Meta != nil && p.Meta.Pagination != nil {
		if p.Meta.Pagination.Total != nil {
			page.total = *p.Meta.Pagination.Total
		}
		if p.Meta.Pagination.Limit != nil {
			page.limit = *p.Meta.Pagination.Limit
		}
	}
	return page
}

func TestCatalogs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	queries := map[string]func(limit *int64, offset *string) (catalogPage, error){
		"actions": func(limit *int64, offset *string) (catalogPage, error) {
			r, err := e.api.Ioc.ActionQueryV1(&ioc.ActionQueryV1Params{Limit: limit, Offset: offset, Context: e.ctx})
			if err != nil {
				return catalogPage{}, err
			}
			return fromQueryResp(r.Payload), nil
		},
		"types": func(limit *int64, offset *string) (catalogPage, error) {
			r, err := e.api.Ioc.IocTypeQueryV1(&ioc.IocTypeQueryV1Params{Limit: limit, Offset: offset, Context: e.ctx})
			if err != nil {
				return catalogPage{}, err
			}
			return fromQueryResp(r.Payload), nil
		},
		"platforms": func(limit *int64, offset *string) (catalogPage, error) {
			r, err := e.api.Ioc.PlatformQueryV1(&ioc.PlatformQueryV1Params{Limit: limit, Offset: offset, Context: e.ctx})
			if err != nil {
				return catalogPage{}, err
			}
			return fromQueryResp(r.Payload), nil
		},
		"severities": func(limit *int64, offset *string) (catalogPage, error) {
			r, err := e.api.Ioc.SeverityQueryV1(&ioc.SeverityQueryV1Params{Limit: limit, Offset: offset, Context: e.ctx})
			if err != nil {
				return catalogPage{}, err
			}
			return fromQueryResp(r.Payload), nil
		},
	}
	// What the spec and api-notes document; the emulator may list more.
	documented := map[string][]string{
		"actions":    {"allow", "detect", "no_action", "prevent", "prevent_no_ui"},
		"types":      {"domain", "ipv4", "ipv6", "md5", "sha256"},
		"platforms":  {"linux", "mac", "windows"},
		"severities": {"critical", "high", "informational", "low", "medium"},
	}
	all := make(map[string][]string)
	for name, query := range queries {
		t.Run(name, func(t *testing.T) {
			full, err := query(nil, nil)
			if err != nil {
				t.Fatalf("query: %v", err)
			}
			if int64(len(full.ids)) != full.total {
				t.Errorf("%d ids but meta.pagination.total %d", len(full.ids), full.total)
			}
			for _, want := range documented[name] {
				if !slices.Contains(full.ids, want) {
					t.Errorf("catalog %v lacks %q", full.ids, want)
				}
			}
			// Paging two at a time with the string offset yields the same list.
			var paged []string
			for offset := 0; offset < len(full.ids)+2; offset += 2 {
				page, err := query(ptr(int64(2)), ptr(strconv.Itoa(offset)))
				if err != nil {
					t.Fatalf("offset %d: %v", offset, err)
				}
				if page.limit != 2 || page.total != full.total || len(page.ids) > 2 {
					t.Fatalf("offset %d: %d ids, limit %d, total %d", offset, len(page.ids), page.limit, page.total)
				}
				paged = append(paged, page.ids...)
			}
			if !slices.Equal(paged, full.ids) {
				t.Errorf("paged %v, full %v", paged, full.ids)
			}
			all[name] = full.ids
		})
	}
	if t.Failed() {
		return
	}

	t.Run("action details", func(t *testing.T) {
		got, err := e.api.Ioc.ActionGetV1(&ioc.ActionGetV1Params{Ids: all["actions"], Context: e.ctx})
		if err != nil {
			t.Fatalf("ActionGetV1: %v", err)
		}
		var ids []string
		for _, a := range got.Payload.Resources {
			if a.ID == nil {
				t.Fatal("action without id")
			}
			ids = append(ids, *a.ID)
			for typ, platforms := range a.PlatformsByType {
				if !slices.Contains(all["types"], typ) {
					t.Errorf("action %s: type %q is not in the types catalog", *a.ID, typ)
				}
				for _, p := range platforms {
					if !slices.Contains(all["platforms"], p) {
						t.Errorf("action %s: platform %q is not in the platforms catalog", *a.ID, p)
					}
				}
			}
			for _, s := range a.Severities {
				if !slices.Contains(all["severities"], s) {
					t.Errorf("action %s: severity %q is not in the severities catalog", *a.ID, s)
				}
			}
		}
		slices.Sort(ids)
		want := slices.Sorted(slices.Values(all["actions"]))
		if !slices.Equal(ids, want) {
			t.Errorf("ActionGetV1 ids %v, want %v", ids, want)
		}
	})

	t.Run("unknown action", func(t *testing.T) {
		// 404 is not among ActionGetV1's declared answers.
		_, err := e.api.Ioc.ActionGetV1(&ioc.ActionGetV1Params{Ids: []string{"no_such_action"}, Context: e.ctx})
		assertAPIError(t, err, 404)
	})
}
