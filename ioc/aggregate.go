package ioc

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/falconioc/falcon"
	"github.com/falconioc/falcon/internal/iocvalue"
)

// AggregationType names the kind of an aggregation.
type AggregationType string

// The aggregation types the indicator aggregate call takes. Terms,
// DateHistogram, DateRange and Range make buckets and may nest
// sub-aggregations; the metric types (Cardinality, Min, Max, Avg, Sum)
// produce one bucket whose Value is the result. Percentiles, a metric too,
// produces one bucket per percentile (1, 5, 25, 50, 75, 95 and 99, the
// request having no field to choose them): its Label is the percent and its
// Value the field's value at that percentile.
const (
	AggTerms         AggregationType = "terms"
	AggDateHistogram AggregationType = "date_histogram"
	AggDateRange     AggregationType = "date_range"
	AggRange         AggregationType = "range"
	AggCardinality   AggregationType = "cardinality"
	AggMin           AggregationType = "min"
	AggMax           AggregationType = "max"
	AggAvg           AggregationType = "avg"
	AggSum           AggregationType = "sum"
	AggPercentiles   AggregationType = "percentiles"
)

var aggTypes = []AggregationType{AggTerms, AggDateHistogram, AggDateRange, AggRange, AggCardinality, AggMin, AggMax, AggAvg, AggSum, AggPercentiles}

// Limits on aggregation requests.
const (
	// MaxSubAggregates is the most sub-aggregations one aggregation may
	// have.
	MaxSubAggregates = 3
	// MaxAggregationDepth is how deep aggregations may nest, the top
	// level included.
	MaxAggregationDepth = 3
)

// AggregateRequest is one aggregation (msa.AggregateQueryRequest). Type and
// Field are required; the other fields apply to some types only, and zero
// values are not sent.
type AggregateRequest struct {
	// Name labels the result; the API uses Type when it is empty.
	Name string
	// Type is the kind of aggregation.
	Type AggregationType
	// Field is the indicator field aggregated, such as "type",
	// "created_on" or "severity_number".
	Field string
	// Filter narrows the indicators of this aggregation (on top of
	// AggregateOptions.Filter); it is sent in the body and checked like
	// every Filter.
	Filter Filter
	// Q is a free-text query narrowing the indicators.
	Q string
	// Size and From page the buckets of a terms aggregation (Size 0: the
	// API's default, 10).
	Size, From int
	// Sort orders terms buckets: "_count|desc" (the default), "_count|asc",
	// "_term|asc" or "_term|desc".
	Sort string
	// Include and Exclude are patterns over terms keys.
	Include, Exclude string
	// Missing is the key that indicators without the field count under in
	// a terms aggregation.
	Missing string
	// Interval is the bucket width of a date histogram: "year", "quarter",
	// "month", "week", "day", "hour", "minute", or a count and unit such as
	// "12h" or "30m".
	Interval string
	// TimeZone is the zone in which date buckets start: an IANA name such
	// as "Europe/Paris", "UTC", or a UTC offset such as "+01:00" or
	// "-05:30". Only its form is checked before sending (no zone database
	// is loaded, so the check works on hosts without one); the API checks
	// that a named zone exists.
	TimeZone string
	// MinDocCount and MaxDocCount drop buckets with fewer or more
	// indicators.
	MinDocCount, MaxDocCount *int64
	// DateRanges are the buckets of a date range aggregation.
	DateRanges []DateRange
	// Ranges are the buckets of a range aggregation.
	Ranges []Range
	// ExtendedBounds widens a date histogram to cover Min..Max.
	ExtendedBounds *ExtendedBounds
	// SubAggregations run inside each bucket (at most MaxSubAggregates,
	// nested at most MaxAggregationDepth deep; not under metric types).
	SubAggregations []AggregateRequest
}

// DateRange is one bucket of a date range aggregation: From inclusive, To
// exclusive, each an RFC 3339 date or date math such as "now-7d"; empty
// means unbounded.
type DateRange struct {
	From, To string
}

// Range is one bucket of a range aggregation: From inclusive, To
// exclusive.
type Range struct {
	From, To float64
}

// ExtendedBounds are the bounds of a date histogram.
type ExtendedBounds struct {
	Min, Max string
}

// aggWire is the JSON form of an AggregateRequest.
type aggWire struct {
	DateRanges     []dateRangeWire `json:"date_ranges,omitempty"`
	Exclude        string          `json:"exclude,omitempty"`
	ExtendedBounds *boundsWire     `json:"extended_bounds,omitempty"`
	Field          string          `json:"field"`
	Filter         string          `json:"filter,omitempty"`
	From           int             `json:"from,omitempty"`
	Include        string          `json:"include,omitempty"`
	Interval       string          `json:"interval,omitempty"`
	MaxDocCount    *int64          `json:"max_doc_count,omitempty"`
	MinDocCount    *int64          `json:"min_doc_count,omitempty"`
	Missing        string          `json:"missing,omitempty"`
	Name           string          `json:"name,omitempty"`
	Q              string          `json:"q,omitempty"`
	Ranges         []rangeWire     `json:"ranges,omitempty"`
	Size           int             `json:"size,omitempty"`
	Sort           string          `json:"sort,omitempty"`
	SubAggregates  []aggWire       `json:"sub_aggregates,omitempty"`
	TimeZone       string          `json:"time_zone,omitempty"`
	Type           string          `json:"type"`
}

type dateRangeWire struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// rangeWire follows the spec's msa.RangeSpec, whose keys are capitalised.
type rangeWire struct {
	From float64 `json:"From"`
	To   float64 `json:"To"`
}

type boundsWire struct {
	Max string `json:"max"`
	Min string `json:"min"`
}

// checkAgg validates r (at nesting depth) and returns its wire form.
func (c *checker) checkAgg(r *AggregateRequest, path string, depth int) aggWire {
	w := aggWire{
		Name: r.Name, Type: string(r.Type), Field: r.Field, Q: r.Q, Size: r.Size, From: r.From, Sort: r.Sort,
		Include: r.Include, Exclude: r.Exclude, Missing: r.Missing, Interval: r.Interval, TimeZone: r.TimeZone,
		MinDocCount: r.MinDocCount, MaxDocCount: r.MaxDocCount,
	}
	field := func(f string) string { return path + f }
	switch {
	case r.Type == "":
		c.add(-1, field("type"), "", "aggregation type is required")
	case !slices.Contains(aggTypes, r.Type):
		c.add(-1, field("type"), string(r.Type), "unknown aggregation type")
	}
	if r.Field == "" {
		c.add(-1, field("field"), "", "field is required")
	}
	if r.Size < 0 {
		c.add(-1, field("size"), strconv.Itoa(r.Size), "size may not be negative")
	}
	if r.From < 0 {
		c.add(-1, field("from"), strconv.Itoa(r.From), "from may not be negative")
	}
	w.Filter, _ = c.checkFilter(field("filter"), r.Filter)
	if r.TimeZone != "" && !iocvalue.ValidTimeZone(r.TimeZone) {
		c.add(-1, field("time_zone"), r.TimeZone, "not a time zone: use an IANA name such as Europe/Paris, UTC, or an offset such as +01:00")
	}
	switch r.Type {
	case AggDateHistogram:
		if r.Interval == "" {
			c.add(-1, field("interval"), "", "a date histogram needs an interval")
		}
	case AggDateRange:
		if len(r.DateRanges) == 0 {
			c.add(-1, field("date_ranges"), "", "a date range aggregation needs date ranges")
		}
	case AggRange:
		if len(r.Ranges) == 0 {
			c.add(-1, field("ranges"), "", "a range aggregation needs ranges")
		}
	case AggCardinality, AggMin, AggMax, AggAvg, AggSum, AggPercentiles:
		if len(r.SubAggregations) > 0 {
			c.add(-1, field("sub_aggregates"), "", string(r.Type)+" takes no sub-aggregations")
		}
	}
	for _, dr := range r.DateRanges {
		w.DateRanges = append(w.DateRanges, dateRangeWire(dr))
	}
	for _, rg := range r.Ranges {
		if rg.From > rg.To {
			c.add(-1, field("ranges"), strconv.FormatFloat(rg.From, 'g', -1, 64), "a range's From exceeds its To")
		}
		w.Ranges = append(w.Ranges, rangeWire(rg))
	}
	if b := r.ExtendedBounds; b != nil {
		w.ExtendedBounds = &boundsWire{Min: b.Min, Max: b.Max}
	}
	if n := len(r.SubAggregations); n > MaxSubAggregates {
		c.add(-1, field("sub_aggregates"), strconv.Itoa(n), "at most "+strconv.Itoa(MaxSubAggregates)+" sub-aggregations are allowed")
	}
	if len(r.SubAggregations) > 0 && depth >= MaxAggregationDepth {
		c.add(-1, field("sub_aggregates"), "", "aggregations nest at most "+strconv.Itoa(MaxAggregationDepth)+" levels deep")
		return w
	}
	for i := range r.SubAggregations {
		w.SubAggregates = append(w.SubAggregates, c.checkAgg(&r.SubAggregations[i], path+"sub_aggregates["+strconv.Itoa(i)+"].", depth+1))
	}
	return w
}

// AggregateOptions narrow the indicators an aggregation runs over. Nil
// means every indicator.
type AggregateOptions struct {
	// Filter selects the indicators (sent in the query); the zero Filter
	// selects them all.
	Filter Filter
	// FromParent, when set, keeps only the indicators inherited from an
	// MSSP parent (true) or only the account's own (false).
	FromParent *bool
}

// AggregationResult is the result of one aggregation
// (msa.AggregationResult).
type AggregationResult struct {
	Name    string   `json:"name"`
	Buckets []Bucket `json:"buckets"`
	// SumOtherDocCount counts the indicators of terms buckets beyond Size.
	SumOtherDocCount int64 `json:"sum_other_doc_count,omitempty"`
	// DocCountErrorUpperBound bounds the error of terms counts.
	DocCountErrorUpperBound int64 `json:"doc_count_error_upper_bound,omitempty"`
}

// Bucket is one bucket of an aggregation (msa.AggregationResultItem).
// For metric aggregations the single bucket's Value holds the result.
type Bucket struct {
	// Count is how many indicators fall in the bucket.
	Count int64 `json:"count"`
	// Label is the bucket's key as the API sends it: a string for terms of
	// string fields, a number (epoch milliseconds) for date buckets, a
	// boolean for boolean terms. Key gives it as text.
	Label any `json:"label,omitempty"`
	// KeyAsString is the key as text, when the API provides it (dates,
	// booleans, ranges).
	KeyAsString string `json:"key_as_string,omitempty"`
	// Value is the result of a metric aggregation (nil when there was
	// nothing to compute, such as the average of no indicator).
	Value *float64 `json:"value,omitempty"`
	// ValueAsString is Value as text, for dates.
	ValueAsString string `json:"value_as_string,omitempty"`
	// From and To bound range and date range buckets (dates in epoch
	// milliseconds); StringFrom and StringTo are the same as text.
	From       *float64 `json:"from,omitempty"`
	To         *float64 `json:"to,omitempty"`
	StringFrom string   `json:"string_from,omitempty"`
	StringTo   string   `json:"string_to,omitempty"`
	// SubAggregations are the results of the sub-aggregations in this
	// bucket, in request order.
	SubAggregations []AggregationResult `json:"sub_aggregates,omitempty"`
}

// Key returns the bucket's key as text: KeyAsString when set, otherwise
// the label.
func (b *Bucket) Key() string {
	if b.KeyAsString != "" {
		return b.KeyAsString
	}
	switch l := b.Label.(type) {
	case string:
		return l
	case float64:
		return strconv.FormatFloat(l, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(l)
	case nil:
		return ""
	}
	out, _ := json.Marshal(b.Label)
	return string(out)
}

// Sub returns the sub-aggregation result named name, or nil.
func (b *Bucket) Sub(name string) *AggregationResult {
	for i := range b.SubAggregations {
		if b.SubAggregations[i].Name == name {
			return &b.SubAggregations[i]
		}
	}
	return nil
}

// Aggregate runs one aggregation over the indicators opts selects and
// returns its typed buckets. The request is checked first (known type,
// field, the parameters its type needs, at most MaxSubAggregates
// sub-aggregations per level and MaxAggregationDepth levels). The call only
// reads, so it is retried like a GET, although the API wants the ioc:write
// scope for it.
//
// Falcon API: POST /iocs/aggregates/indicators/v1
func (s *IndicatorsService) Aggregate(ctx context.Context, req AggregateRequest, opts *AggregateOptions) (*AggregationResult, *falcon.Response, error) {
	c := &checker{}
	body := c.checkAgg(&req, "", 1)
	var o AggregateOptions
	if opts != nil {
		o = *opts
	}
	filter, _ := c.checkFilter("filter", o.Filter)
	if err := c.err(); err != nil {
		return nil, nil, err
	}
	q := url.Values{}
	if filter != "" {
		q.Set("filter", filter)
	}
	if o.FromParent != nil {
		q.Set("from_parent", strconv.FormatBool(*o.FromParent))
	}
	var out entityList[AggregationResult] // a null result is refused
	resp, err := s.client.Do(ctx, &falcon.Request{
		Method: http.MethodPost, Path: pathAggregate, Query: q, Body: body, Idempotency: falcon.Idempotent,
	}, &out)
	if err != nil {
		return nil, resp, err
	}
	res := &AggregationResult{Name: req.Name}
	if len(out) > 0 {
		res = out[0]
	}
	if res.Name == "" {
		res.Name = string(req.Type)
	}
	return res, resp, nil
}
