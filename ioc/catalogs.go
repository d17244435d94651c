package ioc

import (
	"context"
	"fmt"
	"iter"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/falconioc/falcon"
	"github.com/falconioc/falcon/pagination"
)

// CatalogOptions pages one of the catalog listings (actions, types,
// platforms, severities). A nil *CatalogOptions asks for the first page at
// the API's default size.
type CatalogOptions struct {
	// Limit is the page size; 0 leaves it to the API (100). It may not be
	// negative.
	Limit int
	// Offset is where the page starts: "" for the first page. The API
	// takes it as a string holding a number: the page after n items
	// starts at strconv.Itoa(n). Anything but "" or a number from 0 up is
	// refused before sending. All starts its walk here.
	Offset string
}

func (o *CatalogOptions) query() (url.Values, error) {
	q := url.Values{}
	if o == nil {
		return q, nil
	}
	var ve falcon.ValidationError
	if o.Limit < 0 {
		ve.Add(-1, "limit", strconv.Itoa(o.Limit), "must not be negative")
	}
	if o.Offset != "" && !isCount(o.Offset) {
		ve.Add(-1, "offset", clip(o.Offset), "must be a whole number from 0 up, such as \"100\"")
	}
	if err := ve.Err(); err != nil {
		return nil, err
	}
	if o.Limit > 0 {
		q.Set("limit", strconv.Itoa(o.Limit))
	}
	if o.Offset != "" {
		q.Set("offset", o.Offset)
	}
	return q, nil
}

func (o *CatalogOptions) start() string {
	if o == nil {
		return ""
	}
	return o.Offset
}

// List returns one page of the indicator types the tenant accepts.
//
// Falcon API: GET /iocs/queries/ioc-types/v1
func (s *TypesService) List(ctx context.Context, opts *CatalogOptions) ([]Type, *falcon.Response, error) {
	return listCatalog[Type](ctx, (*service)(s), pathTypes, opts)
}

// All returns an iterator over every indicator type the tenant accepts,
// from opts.Offset on, fetching pages as the loop needs them. It yields
// one error and stops when a page cannot be fetched.
//
// Falcon API: GET /iocs/queries/ioc-types/v1
func (s *TypesService) All(ctx context.Context, opts *CatalogOptions) iter.Seq2[Type, error] {
	return allCatalog[Type](ctx, (*service)(s), pathTypes, opts)
}

// List returns one page of the platforms the tenant accepts.
//
// Falcon API: GET /iocs/queries/platforms/v1
func (s *PlatformsService) List(ctx context.Context, opts *CatalogOptions) ([]Platform, *falcon.Response, error) {
	return listCatalog[Platform](ctx, (*service)(s), pathPlatforms, opts)
}

// All returns an iterator over every platform the tenant accepts, from
// opts.Offset on. It yields one error and stops when a page cannot be
// fetched.
//
// Falcon API: GET /iocs/queries/platforms/v1
func (s *PlatformsService) All(ctx context.Context, opts *CatalogOptions) iter.Seq2[Platform, error] {
	return allCatalog[Platform](ctx, (*service)(s), pathPlatforms, opts)
}

// List returns one page of the severities the tenant accepts.
//
// Falcon API: GET /iocs/queries/severities/v1
func (s *SeveritiesService) List(ctx context.Context, opts *CatalogOptions) ([]Severity, *falcon.Response, error) {
	return listCatalog[Severity](ctx, (*service)(s), pathSeverities, opts)
}

// All returns an iterator over every severity the tenant accepts, from
// opts.Offset on. It yields one error and stops when a page cannot be
// fetched.
//
// Falcon API: GET /iocs/queries/severities/v1
func (s *SeveritiesService) All(ctx context.Context, opts *CatalogOptions) iter.Seq2[Severity, error] {
	return allCatalog[Severity](ctx, (*service)(s), pathSeverities, opts)
}

const (
	pathActionQuery = "/iocs/queries/actions/v1"
	pathActionGet   = "/iocs/entities/actions/v1"
	pathTypes       = "/iocs/queries/ioc-types/v1"
	pathPlatforms   = "/iocs/queries/platforms/v1"
	pathSeverities  = "/iocs/queries/severities/v1"
)

// listCatalog fetches one page of a catalog's ids.
func listCatalog[T ~string](ctx context.Context, s *service, path string, opts *CatalogOptions) ([]T, *falcon.Response, error) {
	q, err := opts.query()
	if err != nil {
		return nil, nil, err
	}
	var out idList[T]
	resp, err := s.get(ctx, path, q, &out)
	if err != nil {
		return nil, resp, err
	}
	return out, resp, nil
}

// allCatalog walks a catalog's ids with string offsets.
func allCatalog[T ~string](ctx context.Context, s *service, path string, opts *CatalogOptions) iter.Seq2[T, error] {
	q, err := opts.query()
	if err != nil {
		return seqOfErr[T](err)
	}
	q.Del("offset")
	return stringOffsetSeq(ctx, opts.start(), func(ctx context.Context, offset string) ([]T, *falcon.Response, error) {
		pq := cloneQuery(q)
		if offset != "" {
			pq.Set("offset", offset)
		}
		var out idList[T]
		resp, err := s.get(ctx, path, pq, &out)
		return out, resp, err
	})
}

// stringOffsetSeq walks an endpoint whose offset is a string holding a
// number, as the catalog and "ran on" calls have. fetch returns the page
// at offset. A server that ignores the offset would serve the same page
// forever when it gives no total: a page that repeats the one before (its
// length, first and last ids) ends the walk with ErrOffsetIgnored. A walk
// that reaches the API's offset window (its total, when it gives one,
// ends it before) ends there with pagination.ErrOffsetWindow, without
// asking: the API refuses an offset past it. Both arrive in a
// *pagination.PageError naming the offset.
func stringOffsetSeq[T ~string](ctx context.Context, start string, fetch func(ctx context.Context, offset string) ([]T, *falcon.Response, error)) iter.Seq2[T, error] {
	return pagination.NewStringOffset(func(ctx context.Context, offset string) (pagination.Page[T], error) {
		if atOrPast(offset, pagination.DefaultMaxOffset) {
			return pagination.Page[T]{}, pagination.ErrOffsetWindow
		}
		items, resp, err := fetch(ctx, offset)
		if err != nil {
			return pagination.Page[T]{}, err
		}
		pg := resp.Meta.Pagination
		return pagination.Page[T]{Items: items, Next: nextStringOffset(offset, pg, len(items)), Total: int(pg.Total), Meta: resp}, nil
	}, pagination.WithStartCursor(start), repeatedPage(func(v T) string { return string(v) }, ErrOffsetIgnored)).All(ctx)
}

// atOrPast reports whether the string offset s is a number at or above n.
func atOrPast(s string, n int) bool {
	v, err := strconv.Atoi(s)
	return err == nil && v >= n
}

// nextStringOffset returns the offset of the page that follows one of n
// items fetched at sent, or "" when there is none. The string offsets of
// Falcon hold numbers: the next page starts n items further. Should the
// server answer with an offset that is not a number, it is an opaque token
// naming the next page and is passed back as it is.
func nextStringOffset(sent string, pg falcon.Pagination, n int) string {
	if n == 0 {
		return ""
	}
	if tok := pg.OffsetToken; tok != "" && !isDecimal(tok) {
		if tok == sent {
			return ""
		}
		return tok
	}
	base := 0
	if sent != "" {
		v, err := strconv.Atoi(strings.TrimSpace(sent))
		if err != nil {
			// An opaque offset was sent and a number came back: count
			// from the server's figure.
			if pg.OffsetToken == "" {
				return ""
			}
			v = pg.Offset
		}
		base = v
	}
	next := base + n
	if pg.Total > 0 && int64(next) >= pg.Total {
		return ""
	}
	return strconv.Itoa(next)
}

// isCount reports whether s is a number from 0 up written in decimal
// digits only.
func isCount(s string) bool {
	if s == "" || len(s) > 9 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isDecimal(s string) bool {
	_, err := strconv.Atoi(strings.TrimSpace(s))
	return err == nil
}

// cloneQuery copies query values, so that concurrent page fetches never
// share one url.Values.
func cloneQuery(q url.Values) url.Values {
	out := make(url.Values, len(q)+1)
	for k, v := range q {
		out[k] = slices.Clone(v)
	}
	return out
}

// seqOfErr returns an iterator that yields err once.
func seqOfErr[T any](err error) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		yield(zero, err)
	}
}

// Catalog is what a tenant accepts in new indicators, as the API's own
// catalogs list it: actions (with the platforms each allows per type and
// the severities it takes), types, platforms and severities. Client.Catalog
// loads it; Validate checks indicators against it.
type Catalog struct {
	Actions    []*ActionInfo
	Types      []Type
	Platforms  []Platform
	Severities []Severity
}

// Catalog loads the four catalogs at once, each on its own goroutine, and
// returns them together. The first failure cancels the other look-ups and
// is returned, naming the catalog. A panic on one of the goroutines (in
// the caller's transport, say) cancels the others and, once they have
// returned, is raised again on the caller's goroutine as a *PanicError. The
// catalogs change rarely: load them once and keep the result.
//
// Falcon API: GET /iocs/queries/actions/v1, GET /iocs/entities/actions/v1,
// GET /iocs/queries/ioc-types/v1, GET /iocs/queries/platforms/v1 and
// GET /iocs/queries/severities/v1
func (c *Client) Catalog(ctx context.Context) (*Catalog, error) {
	var cat Catalog
	loads := []struct {
		name string
		load func(ctx context.Context) error
	}{
		{"actions", func(ctx context.Context) error {
			ids, err := collect(c.Actions.All(ctx, nil))
			if err != nil || len(ids) == 0 {
				return err
			}
			acts, _, err := c.Actions.Get(ctx, ids...)
			if err != nil {
				return err
			}
			cat.Actions = acts.Found
			return nil
		}},
		{"types", func(ctx context.Context) (err error) {
			cat.Types, err = collect(c.Types.All(ctx, nil))
			return err
		}},
		{"platforms", func(ctx context.Context) (err error) {
			cat.Platforms, err = collect(c.Platforms.All(ctx, nil))
			return err
		}},
		{"severities", func(ctx context.Context) (err error) {
			cat.Severities, err = collect(c.Severities.All(ctx, nil))
			return err
		}},
	}
	err := forEach(ctx, "Client.Catalog", len(loads), len(loads), func(ctx context.Context, i int) error {
		if err := loads[i].load(ctx); err != nil {
			return fmt.Errorf("ioc: loading the %s catalog: %w", loads[i].name, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &cat, nil
}

func collect[T any](seq iter.Seq2[T, error]) ([]T, error) {
	var out []T
	for v, err := range seq {
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Action returns the catalog entry of action a, or nil when the tenant
// does not offer it.
func (c *Catalog) Action(a Action) *ActionInfo {
	for _, info := range c.Actions {
		if info != nil && info.ID == a {
			return info
		}
	}
	return nil
}

// Validate checks indicators against the catalog: that each type, action,
// platform and severity is one the tenant offers, that the action applies
// to the indicator's type, that each platform is one the action allows for
// that type, and that the severity is one the action takes. Types compare
// without regard to case (see Type), and severities too, as the API does.
// It returns a
// *falcon.ValidationError listing every problem, with the index of its
// item, or nil.
//
// Validate does not check values, host groups or expirations: the
// indicator service's own validation does.
func (c *Catalog) Validate(inds []NewIndicator) error {
	var ve falcon.ValidationError
	for i := range inds {
		c.check(&ve, i, &inds[i])
	}
	return ve.Err()
}

func (c *Catalog) check(ve *falcon.ValidationError, i int, orig *NewIndicator) {
	n := *orig
	in := &n
	in.Type = in.Type.normalize()
	typeOK := slices.Contains(c.Types, in.Type)
	if !typeOK {
		ve.Add(i, "type", string(in.Type), "not a type the tenant accepts ("+joinStrings(c.Types)+")")
	}
	for _, p := range in.Platforms {
		if !slices.Contains(c.Platforms, p) {
			ve.Add(i, "platforms", string(p), "not a platform the tenant accepts ("+joinStrings(c.Platforms)+")")
		}
	}
	sevOK := in.Severity == "" || slices.ContainsFunc(c.Severities, func(s Severity) bool { return strings.EqualFold(string(s), string(in.Severity)) })
	if !sevOK {
		ve.Add(i, "severity", string(in.Severity), "not a severity the tenant accepts ("+joinStrings(c.Severities)+")")
	}

	if in.Action == "" {
		ve.Add(i, "action", "", "is required")
		return
	}
	act := c.Action(in.Action)
	if act == nil {
		ids := make([]Action, 0, len(c.Actions))
		for _, a := range c.Actions {
			if a != nil {
				ids = append(ids, a.ID)
			}
		}
		ve.Add(i, "action", string(in.Action), "not an action the tenant accepts ("+joinStrings(ids)+")")
		return
	}
	if !typeOK {
		return
	}
	allowed, ok := act.PlatformsByType[in.Type]
	if !ok {
		ve.Add(i, "action", string(in.Action), "does not apply to type "+string(in.Type))
		return
	}
	for _, p := range in.Platforms {
		if slices.Contains(c.Platforms, p) && !slices.Contains(allowed, p) {
			ve.Add(i, "platforms", string(p), "action "+string(in.Action)+" on type "+string(in.Type)+" allows only "+joinStrings(allowed))
		}
	}
	if in.Severity != "" && sevOK && len(act.Severities) > 0 &&
		!slices.ContainsFunc(act.Severities, func(s Severity) bool { return strings.EqualFold(string(s), string(in.Severity)) }) {
		ve.Add(i, "severity", string(in.Severity), "action "+string(in.Action)+" takes only "+joinStrings(act.Severities))
	}
}

func joinStrings[T ~string](vs []T) string {
	if len(vs) == 0 {
		return "none"
	}
	var b strings.Builder
	for i, v := range vs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(string(v))
	}
	return b.String()
}
