package ioc

import (
	"context"
	"errors"
	"iter"
	"net/url"
	"strconv"

	"github.com/falconioc/falcon"
	"github.com/falconioc/falcon/internal/iocvalue"
	"github.com/falconioc/falcon/pagination"
)

// The device, process and count look-ups. The v1 calls are under /iocs/;
// the legacy ones under /indicators/ need the iocs:read scope instead of
// ioc:read and page with next_page.
const (
	pathDeviceCount       = "/iocs/aggregates/indicators/device-count/v1"
	pathDeviceCountLegacy = "/indicators/aggregates/devices-count/v1"
	pathDevicesRanOn      = "/iocs/queries/indicators/devices/v1"
	pathDevicesRanOnOld   = "/indicators/queries/devices/v1"
	pathProcessesRanOn    = "/iocs/queries/indicators/processes/v1"
	pathProcessesRanOnOld = "/indicators/queries/processes/v1"
	pathProcessGet        = "/processes/entities/processes/v1"
)

// MaxRanOnLimit is the largest page the "ran on" look-ups return.
const MaxRanOnLimit = 100

// RanOnOptions pages a "ran on" look-up (devices or processes that
// observed an indicator). A nil *RanOnOptions asks for the first page at
// the API's default size.
type RanOnOptions struct {
	// Limit is the page size, 1 to 100; 0 leaves it to the API (100).
	Limit int
	// Offset is where the page starts: "" for the first page. The v1
	// calls take a string holding a number, so the page after n ids starts
	// at strconv.Itoa(n); the legacy calls take the next_page token of
	// the previous answer (Response.Meta.Pagination.NextPage). The All
	// iterators start their walk here.
	Offset string
}

func (o *RanOnOptions) limit() (string, error) {
	if o == nil || o.Limit == 0 {
		return "", nil
	}
	if o.Limit < 1 || o.Limit > MaxRanOnLimit {
		var ve falcon.ValidationError
		ve.Add(-1, "limit", strconv.Itoa(o.Limit), "must be between 1 and 100")
		return "", ve.Err()
	}
	return strconv.Itoa(o.Limit), nil
}

func (o *RanOnOptions) start() string {
	if o == nil {
		return ""
	}
	return o.Offset
}

// refQuery checks ref and returns the type and value parameters, with the
// value in its canonical form.
func refQuery(ref Ref) (url.Values, error) {
	ref.Type = ref.Type.normalize()
	v, err := iocvalue.Normalize(string(ref.Type), ref.Value)
	if err != nil {
		var ve falcon.ValidationError
		if !iocvalue.ValidType(string(ref.Type)) {
			ve.Add(-1, "type", string(ref.Type), "must be one of sha256, md5, domain, ipv4, ipv6")
		} else {
			reason := err.Error()
			if e, ok := errors.AsType[*iocvalue.Error](err); ok {
				reason = e.Reason
			}
			ve.Add(-1, "value", ref.Value, reason)
		}
		return nil, ve.Err()
	}
	return url.Values{"type": {string(ref.Type)}, "value": {v}}, nil
}

// ranOnQuery builds the query of a "ran on" page: ref, extra parameters
// (device_id) and the page size.
func ranOnQuery(ref Ref, opts *RanOnOptions) (url.Values, error) {
	q, err := refQuery(ref)
	if err != nil {
		return nil, err
	}
	limit, err := opts.limit()
	if err != nil {
		return nil, err
	}
	if limit != "" {
		q.Set("limit", limit)
	}
	return q, nil
}

// ranOnPage fetches one page of ids at offset. A 404 (the API's "No
// results found") is an empty page.
func (s *service) ranOnPage(ctx context.Context, path string, q url.Values, offset string) ([]string, *falcon.Response, error) {
	q = cloneQuery(q)
	if offset != "" {
		q.Set("offset", offset)
	}
	var ids idList[string]
	resp, err := s.get(ctx, path, q, &ids)
	if isNoResults(err) {
		return nil, resp, nil
	}
	if err != nil {
		return nil, resp, err
	}
	return ids, resp, nil
}

// ranOnAll walks a v1 "ran on" look-up with string offsets.
func (s *service) ranOnAll(ctx context.Context, path string, q url.Values, err error, opts *RanOnOptions) iter.Seq2[string, error] {
	if err != nil {
		return seqOfErr[string](err)
	}
	return stringOffsetSeq(ctx, opts.start(), func(ctx context.Context, offset string) ([]string, *falcon.Response, error) {
		return s.ranOnPage(ctx, path, q, offset)
	})
}

// ranOnAllLegacy walks a legacy "ran on" look-up, sending each answer's
// next_page token back as the offset of the next request.
func (s *service) ranOnAllLegacy(ctx context.Context, path string, q url.Values, err error, opts *RanOnOptions) iter.Seq2[string, error] {
	if err != nil {
		return seqOfErr[string](err)
	}
	p := pagination.NewCursorPages(func(ctx context.Context, next string) (pagination.Page[string], error) {
		ids, resp, err := s.ranOnPage(ctx, path, q, next)
		if err != nil {
			return pagination.Page[string]{}, err
		}
		pg := resp.Meta.Pagination
		return pagination.Page[string]{Items: ids, Next: pg.NextPage, Total: int(pg.Total), Meta: resp}, nil
	}, pagination.WithStartCursor(opts.start()), samePage(sameString))
	return p.All(ctx)
}

// DeviceCount is how many hosts observed an indicator.
type DeviceCount struct {
	// Ref is the indicator, as the API names it.
	Ref Ref
	// ID is the legacy call's id for the indicator ("type:value"); the
	// v1 call leaves it empty.
	ID string
	// Count is the number of hosts.
	Count int
	// LimitExceeded reports that the API stopped counting: there are at
	// least Count hosts.
	LimitExceeded bool
}

type deviceCountWire struct {
	DeviceCount   int    `json:"device_count"`
	ID            string `json:"id"`
	LimitExceeded bool   `json:"limit_exceeded"`
	Type          Type   `json:"type"`
	Value         string `json:"value"`
}

// Count returns how many hosts observed the indicator ref, and whether
// that count reached the API's limit. An indicator no host has observed
// has a count of zero: the API answers 404 "No results found", which Count
// reports as a zero count (with the Response) rather than an error. ref is
// checked and its value normalised before anything is sent. For the hosts
// themselves, see RanOn; their details (host name, platform, ...) come
// from the Hosts API (GET /devices/entities/devices/v2), which this SDK
// does not wrap.
//
// Falcon API: GET /iocs/aggregates/indicators/device-count/v1
func (s *DevicesService) Count(ctx context.Context, ref Ref) (*DeviceCount, *falcon.Response, error) {
	return (*service)(s).deviceCount(ctx, pathDeviceCount, ref)
}

// CountLegacy is Count through the legacy call, which needs the iocs:read
// scope and also returns an id for the indicator (DeviceCount.ID).
//
// Deprecated: use Count (GET /iocs/aggregates/indicators/device-count/v1).
//
// Falcon API: GET /indicators/aggregates/devices-count/v1
func (s *DevicesService) CountLegacy(ctx context.Context, ref Ref) (*DeviceCount, *falcon.Response, error) {
	return (*service)(s).deviceCount(ctx, pathDeviceCountLegacy, ref)
}

func (s *service) deviceCount(ctx context.Context, path string, ref Ref) (*DeviceCount, *falcon.Response, error) {
	q, err := refQuery(ref)
	if err != nil {
		return nil, nil, err
	}
	var rows entityList[deviceCountWire] // a null row is refused
	resp, err := s.get(ctx, path, q, &rows)
	norm := Ref{Type: Type(q.Get("type")), Value: q.Get("value")}
	if isNoResults(err) {
		return &DeviceCount{Ref: norm}, resp, nil
	}
	if err != nil {
		return nil, resp, err
	}
	dc := &DeviceCount{Ref: norm}
	if len(rows) > 0 {
		r := rows[0]
		dc.ID, dc.Count, dc.LimitExceeded = r.ID, r.DeviceCount, r.LimitExceeded
		if r.Type != "" && r.Value != "" {
			dc.Ref = Ref{Type: r.Type, Value: r.Value}
		}
	}
	return dc, resp, nil
}

// RanOn returns one page of the ids of the hosts that observed the
// indicator ref (none, with a nil error, when no host has). ref is checked
// and its value normalised before anything is sent; opts.Limit must be
// 1 to 100. The page after n ids starts at offset strconv.Itoa(n); AllRanOn
// does that paging. Host details come from the Hosts API
// (GET /devices/entities/devices/v2), which this SDK does not wrap.
//
// Falcon API: GET /iocs/queries/indicators/devices/v1
func (s *DevicesService) RanOn(ctx context.Context, ref Ref, opts *RanOnOptions) ([]string, *falcon.Response, error) {
	q, err := ranOnQuery(ref, opts)
	if err != nil {
		return nil, nil, err
	}
	return (*service)(s).ranOnPage(ctx, pathDevicesRanOn, q, opts.start())
}

// AllRanOn returns an iterator over the ids of every host that observed
// the indicator ref, from opts.Offset on, opts.Limit ids per request. It
// fetches pages as the loop needs them, and yields one error and stops
// when a page cannot be fetched (a *falcon.ValidationError for bad input,
// before any request).
//
// Falcon API: GET /iocs/queries/indicators/devices/v1
func (s *DevicesService) AllRanOn(ctx context.Context, ref Ref, opts *RanOnOptions) iter.Seq2[string, error] {
	q, err := ranOnQuery(ref, opts)
	return (*service)(s).ranOnAll(ctx, pathDevicesRanOn, q, err, opts)
}

// RanOnLegacy is RanOn through the legacy call, which needs the iocs:read
// scope. The token of the next page is the answer's
// Response.Meta.Pagination.NextPage ("" on the last page); pass it as
// opts.Offset.
//
// Deprecated: use RanOn (GET /iocs/queries/indicators/devices/v1).
//
// Falcon API: GET /indicators/queries/devices/v1
func (s *DevicesService) RanOnLegacy(ctx context.Context, ref Ref, opts *RanOnOptions) ([]string, *falcon.Response, error) {
	q, err := ranOnQuery(ref, opts)
	if err != nil {
		return nil, nil, err
	}
	return (*service)(s).ranOnPage(ctx, pathDevicesRanOnOld, q, opts.start())
}

// AllRanOnLegacy is AllRanOn through the legacy call, following its
// next_page tokens.
//
// Deprecated: use AllRanOn (GET /iocs/queries/indicators/devices/v1).
//
// Falcon API: GET /indicators/queries/devices/v1
func (s *DevicesService) AllRanOnLegacy(ctx context.Context, ref Ref, opts *RanOnOptions) iter.Seq2[string, error] {
	q, err := ranOnQuery(ref, opts)
	return (*service)(s).ranOnAllLegacy(ctx, pathDevicesRanOnOld, q, err, opts)
}
