package ioc

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/falconioc/falcon"
)

// GetResult is the answer of every look-up by id: IndicatorsService.Get,
// ActionsService.Get and ProcessesService.Get. They share one rule: ids
// the API does not know are listed in Missing, never an error (not even
// when none is found), and asking for no id sends nothing and returns an
// empty GetResult. Malformed ids are a *falcon.ValidationError, with
// nothing sent.
type GetResult[T any] struct {
	// Found holds what was found, in the order its ids were asked for
	// (each id once).
	Found []T
	// Missing lists the ids the API did not return, in the order asked.
	Missing []string
}

// getByIDs looks up ids (valid and without duplicates) in chunks that keep
// each query short enough, fetched with bounded concurrency. fetch reads
// one chunk; key gives the id of what it found. A chunk answered 404 found
// nothing. The Response is that of the last chunk; any other error ends
// the look-up and is returned with a nil result. A panic in fetch is
// raised again as a *PanicError naming where, the method looking up.
func getByIDs[T any](ctx context.Context, where string, ids []string, fetch func(ctx context.Context, chunk []string) ([]T, *falcon.Response, error), key func(T) string) (*GetResult[T], *falcon.Response, error) {
	if len(ids) == 0 {
		return &GetResult[T]{}, nil, nil
	}
	chunks := chunkIDs(ids, maxIDsQuery)
	found := make([][]T, len(chunks))
	resps := make([]*falcon.Response, len(chunks))
	err := forEach(ctx, where, len(chunks), DefaultConcurrency, func(ctx context.Context, i int) error {
		page, resp, err := fetch(ctx, chunks[i])
		resps[i] = resp
		if isNoResults(err) {
			return nil // none of these ids exists
		}
		found[i] = page
		return err
	})
	last := resps[len(resps)-1]
	if err != nil {
		return nil, last, err
	}
	return orderFound(ids, slices.Concat(found...), key), last, nil
}

// orderFound puts what was found in the order of ids, matching ids without
// regard to case, and lists the ids not found.
func orderFound[T any](ids []string, found []T, key func(T) string) *GetResult[T] {
	res := &GetResult[T]{Found: make([]T, 0, len(found))}
	if len(ids) <= 8 {
		for _, id := range ids {
			i := slices.IndexFunc(found, func(v T) bool { return strings.EqualFold(key(v), id) })
			if i >= 0 {
				res.Found = append(res.Found, found[i])
			} else {
				res.Missing = append(res.Missing, id)
			}
		}
		return res
	}
	byID := make(map[string]T, len(found))
	for _, v := range found {
		k := strings.ToLower(key(v))
		if _, dup := byID[k]; !dup {
			byID[k] = v
		}
	}
	for _, id := range ids {
		if v, ok := byID[strings.ToLower(id)]; ok {
			res.Found = append(res.Found, v)
		} else {
			res.Missing = append(res.Missing, id)
		}
	}
	return res
}

// checkNames validates the ids of a catalog or process look-up (not empty)
// and returns them without duplicates, in their first order.
func checkNames(ids []string) ([]string, error) {
	var ve falcon.ValidationError
	out := make([]string, 0, len(ids))
	seen := make(map[string]bool, len(ids))
	for i, id := range ids {
		if strings.TrimSpace(id) == "" {
			ve.Add(i, "ids", id, "must not be empty")
			continue
		}
		if !seen[strings.ToLower(id)] {
			seen[strings.ToLower(id)] = true
			out = append(out, id)
		}
	}
	return out, ve.Err()
}

// getEntities fetches one chunk of ids from path into a slice of T.
func getEntities[T any](s *service, path string) func(ctx context.Context, chunk []string) ([]*T, *falcon.Response, error) {
	return func(ctx context.Context, chunk []string) ([]*T, *falcon.Response, error) {
		var out entityList[T]
		resp, err := s.get(ctx, path, url.Values{"ids": chunk}, &out)
		return out, resp, err
	}
}

// isNoResults reports whether err is a 404: the look-ups' answer for ids
// none of which exists, and the "ran on" calls' for an indicator no host
// has observed.
func isNoResults(err error) bool {
	e, ok := errors.AsType[*falcon.APIError](err)
	return ok && e.StatusCode == http.StatusNotFound
}
