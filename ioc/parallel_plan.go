package ioc

import (
	"context"
	"math"
	"strconv"
	"time"

	"github.com/falconioc/falcon/fql"
)

// Unbounded ends of a created_on range.
const (
	noLow  = math.MinInt64
	noHigh = math.MaxInt64
)

// segment is the indicators of one type created in [From, To), in Unix
// seconds; noLow and noHigh leave an end open.
type segment struct {
	Type string `json:"t"`
	From int64  `json:"f"`
	To   int64  `json:"u"`
}

// partition is one walk of a parallel listing: the indicators of its
// segments, plus (Rest) those of every type the plan did not see.
type partition struct {
	Segs []segment `json:"s,omitempty"`
	Rest bool      `json:"r,omitempty"`
}

// typeHistogram is how many indicators of one type were created in each
// bucket of a date histogram: bucket i starts at Starts[i] (Unix seconds,
// increasing) and ends where the next starts.
type typeHistogram struct {
	Type   string
	Starts []int64
	Counts []int64
}

// planPartitions splits the buckets of hist (taken in order: type by type,
// each by time) into at most n runs of adjacent buckets of about equal
// counts, and returns each run as a partition. A bucket joins the run its
// midpoint falls in, so no run holds more than twice the mean unless one
// bucket does. The first bucket of a type starts at noLow and its last
// ends at noHigh, so the partitions cover every instant; the last
// partition also takes the types hist does not name. It returns nil when
// hist counts nothing.
func planPartitions(hist []typeHistogram, n int) []partition {
	var total int64
	for _, h := range hist {
		for _, c := range h.Counts {
			total += max(c, 0)
		}
	}
	if total == 0 || n < 1 {
		return nil
	}
	mean := float64(total) / float64(n)
	var parts []partition
	var cur partition
	curIdx := -1
	var cum int64
	for _, h := range hist {
		open := -1 // index in cur.Segs of this type's segment
		for i, c := range h.Counts {
			c = max(c, 0)
			idx := min(int((float64(cum)+float64(c)/2)/mean), n-1)
			cum += c
			if idx != curIdx && len(cur.Segs) > 0 {
				if open >= 0 {
					cur.Segs[open].To = h.Starts[i]
				}
				parts = append(parts, cur)
				cur, open = partition{}, -1
			}
			curIdx = idx
			if open < 0 {
				from := int64(noLow)
				if i > 0 {
					from = h.Starts[i]
				}
				cur.Segs = append(cur.Segs, segment{Type: h.Type, From: from, To: noHigh})
				open = len(cur.Segs) - 1
			}
		}
	}
	cur.Rest = true
	return append(parts, cur)
}

// expr returns the filter of p: its segments, and the types other than
// known when p is the rest.
func (p *partition) expr(known []string) fql.Expr {
	var or []fql.Expr
	for _, s := range p.Segs {
		and := []fql.Expr{fql.Eq("type", s.Type)}
		if s.From != noLow {
			and = append(and, fql.Gte("created_on", fql.Time(time.Unix(s.From, 0))))
		}
		if s.To != noHigh {
			and = append(and, fql.Lt("created_on", fql.Time(time.Unix(s.To, 0))))
		}
		or = append(or, fql.And(and...))
	}
	if p.Rest {
		if len(known) == 0 {
			return nil // everything
		}
		or = append(or, fql.NotIn("type", known...))
	}
	if len(or) == 1 {
		return or[0]
	}
	return fql.Or(or...)
}

// Planning limits.
const (
	// planBuckets is how many date buckets per partition the plan asks
	// for, across the whole span, so that merging them evens the sizes.
	planBuckets = 32
	// planMaxTypes is how many types the plan's terms ask for; with more,
	// the listing stays sequential.
	planMaxTypes = 100
)

// plan asks the API how the indicators q selects spread over type and
// created_on, and splits them into at most n partitions. It returns nil
// partitions (and no error) when the listing is too small to split, which
// means: walk sequentially. known is the list of types the plan saw.
//
// One aggregate call gives, per type, the count, the earliest and latest
// created_on and a weekly histogram. When some week holds more than half
// a partition's share (indicators imported in bursts, or a young tenant), a
// second call asks for a histogram fine enough for the span instead; if it
// fails, the weekly histogram plans the walk.
func (s *IndicatorsService) plan(ctx context.Context, q *listQuery, n int) (parts []partition, known []string, err error) {
	opts := &AggregateOptions{Filter: q.rawFilter, FromParent: q.fromParent}
	first, _, err := s.Aggregate(ctx, AggregateRequest{
		Name: "types", Type: AggTerms, Field: "type", Size: planMaxTypes, Sort: "_term|asc",
		SubAggregations: []AggregateRequest{
			{Name: "min", Type: AggMin, Field: "created_on"},
			{Name: "max", Type: AggMax, Field: "created_on"},
			{Name: "created", Type: AggDateHistogram, Field: "created_on", Interval: "week"},
		},
	}, opts)
	if err != nil {
		return nil, nil, err
	}
	var total int64
	lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
	for i := range first.Buckets {
		b := &first.Buckets[i]
		total += b.Count
		if v := metricValue(b.Sub("min")); v != nil {
			lo = min(lo, int64(math.Floor(*v/1000)))
		}
		if v := metricValue(b.Sub("max")); v != nil {
			hi = max(hi, int64(math.Floor(*v/1000)))
		}
	}
	if first.SumOtherDocCount > 0 || total < 2*int64(q.limit) || lo > hi {
		return nil, nil, nil
	}
	hist := histograms(first)
	if coarse(hist, total, n) {
		width := max(int64(1), int64(math.Ceil(float64(hi-lo+1)/float64(planBuckets*n))))
		second, _, err := s.Aggregate(ctx, AggregateRequest{
			Name: "types", Type: AggTerms, Field: "type", Size: planMaxTypes, Sort: "_term|asc",
			SubAggregations: []AggregateRequest{
				{Name: "created", Type: AggDateHistogram, Field: "created_on", Interval: strconv.FormatInt(width, 10) + "s"},
			},
		}, opts)
		// Without the finer histogram, the weekly one still plans a walk
		// (with partitions less even); a context that ended fails the walk's
		// first request anyway.
		if err == nil {
			hist = histograms(second)
		}
	}
	for _, h := range hist {
		known = append(known, h.Type)
	}
	return planPartitions(hist, n), known, nil
}

// coarse reports whether some bucket of hist holds more than half the
// share of one of n partitions of total.
func coarse(hist []typeHistogram, total int64, n int) bool {
	for _, h := range hist {
		for _, c := range h.Counts {
			if 2*n*int(c) > int(total) {
				return true
			}
		}
	}
	return false
}

// maxPlanMillis bounds the dates the plan reads (year 9999, in epoch
// milliseconds); a hostile answer's larger values are ignored.
const maxPlanMillis = 253402300800000

// metricValue is the value of a min or max result, nil when absent.
func metricValue(r *AggregationResult) *float64 {
	if r == nil || len(r.Buckets) == 0 {
		return nil
	}
	v := r.Buckets[0].Value
	if v == nil || math.IsNaN(*v) || math.Abs(*v) > maxPlanMillis {
		return nil // absent, or not a date the API could hold
	}
	return v
}

// histograms reads a terms-on-type result with a date histogram beneath.
// A type whose buckets cannot be read becomes one bucket of its count
// (open on both ends), which is still exact, only coarser.
//
// A type named twice, or whose name could not be a type's (a hostile or
// broken answer), is left out: the last partition takes the types the
// plan does not name, so its indicators are still walked, once.
func histograms(res *AggregationResult) []typeHistogram {
	var out []typeHistogram
	seen := map[string]bool{}
	for i := range res.Buckets {
		b := &res.Buckets[i]
		h := typeHistogram{Type: b.Key()}
		if !goodType(h.Type) || seen[h.Type] {
			continue
		}
		seen[h.Type] = true
		ok := true
		if sub := b.Sub("created"); sub != nil {
			for j := range sub.Buckets {
				start, good := bucketStart(&sub.Buckets[j])
				if !good || (len(h.Starts) > 0 && start <= h.Starts[len(h.Starts)-1]) {
					ok = false
					break
				}
				h.Starts = append(h.Starts, start)
				h.Counts = append(h.Counts, sub.Buckets[j].Count)
			}
		}
		if !ok || len(h.Starts) == 0 {
			h.Starts, h.Counts = []int64{0}, []int64{b.Count}
		}
		out = append(out, h)
	}
	return out
}

// bucketStart reads a date bucket's start (epoch milliseconds in Label, or
// RFC 3339 in KeyAsString) in whole seconds.
func bucketStart(b *Bucket) (int64, bool) {
	if f, ok := b.Label.(float64); ok && !math.IsNaN(f) && math.Abs(f) <= maxPlanMillis {
		return int64(math.Floor(f / 1000)), true
	}
	if t, err := time.Parse(time.RFC3339Nano, b.KeyAsString); err == nil {
		return t.Unix(), true
	}
	return 0, false
}
