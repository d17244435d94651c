package falcontest

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // time_zone names work on hosts without a zone database

	"github.com/falconioc/falcon/internal/iocvalue"
)

// aggReq is one msa.AggregateQueryRequest. Generated clients send every
// field, so zero values mean "not set".
type aggReq struct {
	Name        string       `json:"name"`
	Type        string       `json:"type"`
	Field       string       `json:"field"`
	Filter      string       `json:"filter"`
	Q           string       `json:"q"`
	Size        int          `json:"size"`
	From        int          `json:"from"`
	Sort        string       `json:"sort"`
	Include     string       `json:"include"`
	Exclude     string       `json:"exclude"`
	Missing     string       `json:"missing"`
	Interval    string       `json:"interval"`
	TimeZone    string       `json:"time_zone"`
	MinDocCount *int64       `json:"min_doc_count"`
	MaxDocCount *int64       `json:"max_doc_count"`
	DateRanges  []dateRange  `json:"date_ranges"`
	Ranges      []numRange   `json:"ranges"`
	SubAggs     []aggReq     `json:"sub_aggregates"`
	Bounds      *extBoundsIn `json:"extended_bounds"`
}

type dateRange struct {
	From string `json:"from"`
	To   string `json:"to"`
}

type numRange struct {
	From float64 `json:"From"`
	To   float64 `json:"To"`
}

type extBoundsIn struct {
	Min string `json:"min"`
	Max string `json:"max"`
}

// aggResult is one msa.AggregationResult.
type aggResult struct {
	Name                    string    `json:"name"`
	Buckets                 []*bucket `json:"buckets"`
	SumOtherDocCount        *int64    `json:"sum_other_doc_count,omitempty"`
	DocCountErrorUpperBound *int64    `json:"doc_count_error_upper_bound,omitempty"`
}

// bucket is one msa.AggregationResultItem.
type bucket struct {
	Count         int64        `json:"count"`
	Label         any          `json:"label,omitempty"`
	KeyAsString   string       `json:"key_as_string,omitempty"`
	Value         *float64     `json:"value,omitempty"`
	ValueAsString string       `json:"value_as_string,omitempty"`
	From          *float64     `json:"from,omitempty"`
	To            *float64     `json:"to,omitempty"`
	StringFrom    string       `json:"string_from,omitempty"`
	StringTo      string       `json:"string_to,omitempty"`
	SubAggregates []*aggResult `json:"sub_aggregates,omitempty"`

	docs []*indicator
	key  any // for sorting: string, int64 or bool
}

const (
	maxSubAggs    = 3
	maxAggDepth   = 3
	maxAggBuckets = 10000
)

var aggTypes = []string{"terms", "date_histogram", "date_range", "range", "cardinality", "min", "max", "avg", "sum", "percentiles"}

// percents are the percentiles a percentiles aggregation reports: the
// request has no field to choose them.
var percents = []float64{1, 5, 25, 50, 75, 95, 99}

var dateFields = []string{"created_on", "modified_on", "expiration"}

// msgError is an error whose text is an API message, meant for the
// errors array of an answer.
type msgError string

func (e msgError) Error() string { return string(e) }

// handleAggregate serves POST /iocs/aggregates/indicators/v1. The body is
// one msa.AggregateQueryRequest (or an array of them); the answer has one
// msa.AggregationResult per request.
func (s *Server) handleAggregate(c *call) {
	var reqs []aggReq
	body := bytes.TrimSpace(c.body)
	if len(body) > 0 && body[0] == '[' {
		if err := json.Unmarshal(body, &reqs); err != nil {
			c.fail(http.StatusBadRequest, "request body must be an msa.AggregateQueryRequest")
			return
		}
	} else {
		var one aggReq
		if err := json.Unmarshal(body, &one); err != nil {
			c.fail(http.StatusBadRequest, "request body must be an msa.AggregateQueryRequest")
			return
		}
		reqs = []aggReq{one}
	}
	if len(reqs) == 0 {
		c.fail(http.StatusBadRequest, "at least one aggregation is required")
		return
	}
	for i := range reqs {
		if err := checkAgg(&reqs[i], 1); err != nil {
			c.fail(http.StatusBadRequest, err.Error())
			return
		}
	}
	q, ok := s.parseQuery(c)
	if !ok {
		return
	}
	now := c.now.UnixNano()
	var results []*aggResult
	for i := range reqs {
		r := &reqs[i]
		docs, err := s.aggDocs(q, r, now)
		if err != nil {
			c.fail(http.StatusBadRequest, err.Error())
			return
		}
		res, err := runAgg(r, docs, c.now)
		if err != nil {
			c.fail(http.StatusBadRequest, err.Error())
			return
		}
		results = append(results, res)
	}
	out, err := json.Marshal(results)
	if err != nil {
		c.fail(http.StatusInternalServerError, "Internal Server Error")
		return
	}
	c.reply(http.StatusOK, nil, nil, func(b []byte) []byte { return append(b, out...) })
}

// checkAgg validates a request and its sub-aggregations.
func checkAgg(r *aggReq, depth int) error {
	if r.Type == "" {
		return msgError("aggregation type is required")
	}
	if !slices.Contains(aggTypes, r.Type) {
		return msgError("Invalid aggregation type '" + r.Type + "': must be one of " + strings.Join(aggTypes, ", "))
	}
	if r.Name == "" {
		r.Name = r.Type
	}
	if r.Field == "" {
		return msgError("aggregation '" + r.Name + "': field is required")
	}
	if _, ok := indicatorFields[r.Field]; !ok {
		return msgError("aggregation '" + r.Name + "': '" + r.Field + "' is an unknown property")
	}
	if r.Size < 0 || r.From < 0 {
		return msgError("aggregation '" + r.Name + "': size and from must not be negative")
	}
	switch r.Type {
	case "date_histogram":
		if !slices.Contains(dateFields, r.Field) {
			return msgError("aggregation '" + r.Name + "': date_histogram needs a date field")
		}
		if _, _, err := parseInterval(r.Interval); err != nil {
			return msgError("aggregation '" + r.Name + "': " + err.Error())
		}
	case "date_range":
		if !slices.Contains(dateFields, r.Field) {
			return msgError("aggregation '" + r.Name + "': date_range needs a date field")
		}
		if len(r.DateRanges) == 0 {
			return msgError("aggregation '" + r.Name + "': date_ranges is required")
		}
	case "range":
		if len(r.Ranges) == 0 {
			return msgError("aggregation '" + r.Name + "': ranges is required")
		}
	case "cardinality", "min", "max", "avg", "sum", "percentiles":
		if len(r.SubAggs) > 0 {
			return msgError("aggregation '" + r.Name + "': " + r.Type + " takes no sub_aggregates")
		}
	}
	if _, err := tzOf(r.TimeZone); err != nil {
		return msgError("aggregation '" + r.Name + "': invalid time_zone '" + r.TimeZone + "'")
	}
	if len(r.SubAggs) > maxSubAggs {
		return msgError("aggregation '" + r.Name + "': at most " + strconv.Itoa(maxSubAggs) + " sub_aggregates are allowed")
	}
	if len(r.SubAggs) > 0 && depth >= maxAggDepth {
		return msgError("aggregation '" + r.Name + "': sub_aggregates nest at most " + strconv.Itoa(maxAggDepth) + " levels deep")
	}
	for i := range r.SubAggs {
		if err := checkAgg(&r.SubAggs[i], depth+1); err != nil {
			return err
		}
	}
	if r.Include != "" {
		if _, err := regexp.Compile("^(?:" + r.Include + ")$"); err != nil {
			return msgError("aggregation '" + r.Name + "': invalid include pattern")
		}
	}
	if r.Exclude != "" {
		if _, err := regexp.Compile("^(?:" + r.Exclude + ")$"); err != nil {
			return msgError("aggregation '" + r.Name + "': invalid exclude pattern")
		}
	}
	return nil
}

// aggDocs returns the indicators the query parameters, the request's
// filter and its q select.
func (s *Server) aggDocs(q query, r *aggReq, now int64) ([]*indicator, error) {
	var body compiledFilter
	if r.Filter != "" {
		cf, err := s.compileFilter(r.Filter)
		if err != nil {
			return nil, err
		}
		body = cf
	}
	text := strings.ToLower(r.Q)
	qq := q
	if body.match != nil || text != "" {
		outer := q.match
		qq.key.filter = q.key.filter + "\x00" + r.Filter + "\x00" + text
		qq.relative = q.relative || body.relative
		qq.expired = q.expired || body.expired
		qq.match = func(rec *indRecord) (bool, error) {
			if outer != nil {
				if ok, err := outer(rec); !ok || err != nil {
					return ok, err
				}
			}
			if body.match != nil {
				if ok, err := body.match(rec); !ok || err != nil {
					return ok, err
				}
			}
			return text == "" || matchesText(rec.in, text), nil
		}
	}
	qq.key.sort = sortSpec{}
	s.store.mu.RLock()
	defer s.store.mu.RUnlock()
	seqs, err := s.store.matchedLocked(qq, now)
	if err != nil {
		return nil, msgError("Invalid filter: " + err.Error())
	}
	docs := make([]*indicator, len(seqs))
	for i, seq := range seqs {
		docs[i] = s.store.items[seq]
	}
	return docs, nil
}

// matchesText is the free-text q: a case-insensitive substring of the
// value, source, description or a tag.
func matchesText(in *indicator, text string) bool {
	if strings.Contains(strings.ToLower(in.value), text) ||
		strings.Contains(strings.ToLower(in.source), text) ||
		strings.Contains(strings.ToLower(in.description), text) {
		return true
	}
	for _, t := range in.tags {
		if strings.Contains(strings.ToLower(t), text) {
			return true
		}
	}
	return false
}

// tzOf reads a time_zone: an IANA name or a UTC offset ±hh:mm. Zones come
// from the embedded time/tzdata when the host has no zone database.
func tzOf(name string) (*time.Location, error) {
	switch name {
	case "", "UTC", "Z", "Etc/UTC", "GMT":
		return time.UTC, nil
	}
	if off, ok := iocvalue.ParseOffset(name); ok {
		return time.FixedZone(name, off), nil
	}
	if !iocvalue.ValidZoneName(name) {
		return nil, msgError("invalid time zone")
	}
	return time.LoadLocation(name)
}

func runAgg(r *aggReq, docs []*indicator, now time.Time) (*aggResult, error) {
	switch r.Type {
	case "terms":
		return termsAgg(r, docs, now)
	case "date_histogram":
		return histogramAgg(r, docs, now)
	case "date_range":
		return dateRangeAgg(r, docs, now)
	case "range":
		return rangeAgg(r, docs, now)
	default:
		return metricAgg(r, docs, now)
	}
}

// values returns the values of field on in.
func values(rec *indRecord, in *indicator, field string) []any {
	rec.in = in
	return rec.Values(field)
}

func keyString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	}
	return fmt.Sprint(v)
}

func termsAgg(r *aggReq, docs []*indicator, now time.Time) (*aggResult, error) {
	rec := &indRecord{now: now.UnixNano()}
	byKey := map[string]*bucket{}
	var incl, excl *regexp.Regexp
	if r.Include != "" {
		incl = regexp.MustCompile("^(?:" + r.Include + ")$")
	}
	if r.Exclude != "" {
		excl = regexp.MustCompile("^(?:" + r.Exclude + ")$")
	}
	add := func(key string, label any, in *indicator) {
		if incl != nil && !incl.MatchString(key) || excl != nil && excl.MatchString(key) {
			return
		}
		b := byKey[key]
		if b == nil {
			b = &bucket{Label: label, key: label}
			switch l := label.(type) {
			case time.Time:
				b.Label = l.UnixMilli()
				b.key = l.UnixNano()
				b.KeyAsString = l.UTC().Format(time.RFC3339Nano)
			case bool:
				b.KeyAsString = strconv.FormatBool(l)
			}
			byKey[key] = b
		}
		b.Count++
		if len(r.SubAggs) > 0 {
			b.docs = append(b.docs, in)
		}
	}
	for _, in := range docs {
		vals := values(rec, in, r.Field)
		if len(vals) == 0 {
			if r.Missing != "" {
				add(r.Missing, r.Missing, in)
			}
			continue
		}
		seen := map[string]bool{}
		for _, v := range vals {
			k := keyString(v)
			if !seen[k] {
				seen[k] = true
				add(k, v, in)
			}
		}
	}
	min := int64(1)
	if r.MinDocCount != nil {
		min = *r.MinDocCount
	}
	var buckets []*bucket
	for _, b := range byKey {
		if b.Count < min || (r.MaxDocCount != nil && *r.MaxDocCount > 0 && b.Count > *r.MaxDocCount) {
			continue
		}
		buckets = append(buckets, b)
	}
	byCount, desc, err := termsOrder(r.Sort)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(buckets, func(a, b *bucket) int {
		c := 0
		if byCount {
			c = cmp.Compare(a.Count, b.Count)
		} else {
			c = compareAny(a.key, b.key)
		}
		if desc {
			c = -c
		}
		if c == 0 {
			c = compareAny(a.key, b.key)
		}
		return c
	})
	size := r.Size
	if size == 0 {
		size = 10
	}
	start := min64(r.From, len(buckets))
	end := min64(start+size, len(buckets))
	var other int64
	for _, b := range buckets[end:] {
		other += b.Count
	}
	res := &aggResult{Name: r.Name, Buckets: buckets[start:end], SumOtherDocCount: &other, DocCountErrorUpperBound: new(int64)}
	return res, subAggs(r, res.Buckets, now)
}

func min64(a, b int) int {
	if a < b {
		return a
	}
	return b
}

func termsOrder(sort string) (byCount, desc bool, err error) {
	if sort == "" {
		return true, true, nil
	}
	field, dir, ok := strings.Cut(sort, "|")
	if !ok || (dir != "asc" && dir != "desc") {
		return false, false, msgError("Invalid sort '" + sort + "' for terms: use _count|desc, _count|asc, _term|asc or _term|desc")
	}
	switch field {
	case "_count":
		return true, dir == "desc", nil
	case "_term", "_key":
		return false, dir == "desc", nil
	}
	return false, false, msgError("Invalid sort '" + sort + "' for terms: use _count|desc, _count|asc, _term|asc or _term|desc")
}

func compareAny(a, b any) int {
	switch x := a.(type) {
	case string:
		if y, ok := b.(string); ok {
			return strings.Compare(x, y)
		}
	case int64:
		if y, ok := b.(int64); ok {
			return cmp.Compare(x, y)
		}
	case bool:
		if y, ok := b.(bool); ok {
			return cmp.Compare(b2i(x), b2i(y))
		}
	}
	return strings.Compare(keyString(a), keyString(b))
}

func subAggs(r *aggReq, buckets []*bucket, now time.Time) error {
	if len(r.SubAggs) == 0 {
		return nil
	}
	for _, b := range buckets {
		for i := range r.SubAggs {
			res, err := runAgg(&r.SubAggs[i], b.docs, now)
			if err != nil {
				return err
			}
			b.SubAggregates = append(b.SubAggregates, res)
		}
	}
	return nil
}

// parseInterval reads a calendar ("day", "month", ...) or fixed ("12h",
// "30m", "1d") interval.
func parseInterval(s string) (calendar string, fixed time.Duration, err error) {
	switch s {
	case "year", "1y":
		return "year", 0, nil
	case "quarter", "1q":
		return "quarter", 0, nil
	case "month", "1M":
		return "month", 0, nil
	case "week", "1w":
		return "week", 0, nil
	case "day":
		return "", 24 * time.Hour, nil
	case "hour":
		return "", time.Hour, nil
	case "minute":
		return "", time.Minute, nil
	case "second":
		return "", time.Second, nil
	case "":
		return "", 0, msgError("interval is required for date_histogram")
	}
	n, err := strconv.Atoi(s[:len(s)-1])
	if err != nil || n < 1 {
		return "", 0, msgError("invalid interval '" + s + "'")
	}
	unit := map[byte]time.Duration{'d': 24 * time.Hour, 'h': time.Hour, 'm': time.Minute, 's': time.Second}[s[len(s)-1]]
	if unit == 0 {
		return "", 0, msgError("invalid interval '" + s + "'")
	}
	return "", time.Duration(n) * unit, nil
}

// bucketStart truncates t to its interval in loc.
func bucketStart(t time.Time, calendar string, fixed time.Duration, loc *time.Location) time.Time {
	t = t.In(loc)
	y, m, d := t.Date()
	switch calendar {
	case "year":
		return time.Date(y, 1, 1, 0, 0, 0, 0, loc)
	case "quarter":
		return time.Date(y, m-(m-1)%3, 1, 0, 0, 0, 0, loc)
	case "month":
		return time.Date(y, m, 1, 0, 0, 0, 0, loc)
	case "week": // weeks start on Monday
		day := time.Date(y, m, d, 0, 0, 0, 0, loc)
		return day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
	}
	_, off := t.Zone()
	shift := time.Duration(off) * time.Second
	return t.Add(shift).Truncate(fixed).Add(-shift).In(loc)
}

func nextBucket(t time.Time, calendar string, fixed time.Duration) time.Time {
	switch calendar {
	case "year":
		return t.AddDate(1, 0, 0)
	case "quarter":
		return t.AddDate(0, 3, 0)
	case "month":
		return t.AddDate(0, 1, 0)
	case "week":
		return t.AddDate(0, 0, 7)
	}
	return t.Add(fixed)
}

func histogramAgg(r *aggReq, docs []*indicator, now time.Time) (*aggResult, error) {
	calendar, fixed, err := parseInterval(r.Interval)
	if err != nil {
		return nil, err
	}
	loc, _ := tzOf(r.TimeZone)
	rec := &indRecord{now: now.UnixNano()}
	byStart := map[int64]*bucket{}
	var lo, hi time.Time
	for _, in := range docs {
		for _, v := range values(rec, in, r.Field) {
			t := v.(time.Time)
			st := bucketStart(t, calendar, fixed, loc)
			b := byStart[st.UnixNano()]
			if b == nil {
				b = &bucket{Label: st.UnixMilli(), KeyAsString: st.Format(time.RFC3339), key: st.UnixNano()}
				byStart[st.UnixNano()] = b
				if lo.IsZero() || st.Before(lo) {
					lo = st
				}
				if hi.IsZero() || st.After(hi) {
					hi = st
				}
			}
			b.Count++
			if len(r.SubAggs) > 0 {
				b.docs = append(b.docs, in)
			}
		}
	}
	if r.Bounds != nil {
		if t, err := parseDateMath(r.Bounds.Min, now); err == nil && !t.IsZero() {
			if st := bucketStart(t, calendar, fixed, loc); lo.IsZero() || st.Before(lo) {
				lo = st
			}
		}
		if t, err := parseDateMath(r.Bounds.Max, now); err == nil && !t.IsZero() {
			if st := bucketStart(t, calendar, fixed, loc); hi.IsZero() || st.After(hi) {
				hi = st
			}
		}
	}
	min := int64(0)
	if r.MinDocCount != nil {
		min = *r.MinDocCount
	}
	var buckets []*bucket
	if !lo.IsZero() {
		for t := lo; !t.After(hi); t = nextBucket(t, calendar, fixed) {
			b := byStart[t.UnixNano()]
			if b == nil {
				b = &bucket{Label: t.UnixMilli(), KeyAsString: t.Format(time.RFC3339), key: t.UnixNano()}
			}
			if b.Count >= min {
				buckets = append(buckets, b)
			}
			if len(buckets) > maxAggBuckets {
				return nil, msgError("aggregation '" + r.Name + "' would return more than " + strconv.Itoa(maxAggBuckets) + " buckets")
			}
		}
	}
	res := &aggResult{Name: r.Name, Buckets: buckets}
	if res.Buckets == nil {
		res.Buckets = []*bucket{}
	}
	return res, subAggs(r, res.Buckets, now)
}

// parseDateMath reads an absolute date (RFC 3339 or YYYY-MM-DD) or "now"
// with an optional offset ("now-7d", "now+1h"; units y M w d h m s).
func parseDateMath(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if rest, ok := strings.CutPrefix(s, "now"); ok {
		if rest == "" {
			return now, nil
		}
		sign := 1
		switch rest[0] {
		case '-':
			sign = -1
		case '+':
		default:
			return time.Time{}, msgError("invalid date '" + s + "'")
		}
		if len(rest) < 3 {
			return time.Time{}, msgError("invalid date '" + s + "'")
		}
		n, err := strconv.Atoi(rest[1 : len(rest)-1])
		if err != nil {
			return time.Time{}, msgError("invalid date '" + s + "'")
		}
		n *= sign
		switch rest[len(rest)-1] {
		case 'y':
			return now.AddDate(n, 0, 0), nil
		case 'M':
			return now.AddDate(0, n, 0), nil
		case 'w':
			return now.AddDate(0, 0, 7*n), nil
		case 'd':
			return now.AddDate(0, 0, n), nil
		case 'h':
			return now.Add(time.Duration(n) * time.Hour), nil
		case 'm':
			return now.Add(time.Duration(n) * time.Minute), nil
		case 's':
			return now.Add(time.Duration(n) * time.Second), nil
		}
		return time.Time{}, msgError("invalid date '" + s + "'")
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, msgError("invalid date '" + s + "'")
}

func fptr(f float64) *float64 { return &f }

func dateRangeAgg(r *aggReq, docs []*indicator, now time.Time) (*aggResult, error) {
	rec := &indRecord{now: now.UnixNano()}
	res := &aggResult{Name: r.Name}
	for _, dr := range r.DateRanges {
		from, err := parseDateMath(dr.From, now)
		if err != nil {
			return nil, err
		}
		to, err := parseDateMath(dr.To, now)
		if err != nil {
			return nil, err
		}
		b := &bucket{}
		if !from.IsZero() {
			b.From = fptr(float64(from.UnixMilli()))
			b.StringFrom = from.UTC().Format(time.RFC3339)
		}
		if !to.IsZero() {
			b.To = fptr(float64(to.UnixMilli()))
			b.StringTo = to.UTC().Format(time.RFC3339)
		}
		fromS, toS := b.StringFrom, b.StringTo
		if fromS == "" {
			fromS = "*"
		}
		if toS == "" {
			toS = "*"
		}
		b.KeyAsString = fromS + "-" + toS
		b.Label = b.KeyAsString
		for _, in := range docs {
			for _, v := range values(rec, in, r.Field) {
				t := v.(time.Time)
				if (from.IsZero() || !t.Before(from)) && (to.IsZero() || t.Before(to)) {
					b.Count++
					if len(r.SubAggs) > 0 {
						b.docs = append(b.docs, in)
					}
					break
				}
			}
		}
		res.Buckets = append(res.Buckets, b)
	}
	return res, subAggs(r, res.Buckets, now)
}

// number converts a field value to a float for range and metric
// aggregations; times become epoch milliseconds.
func number(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	case float64:
		return x, true
	case bool:
		return float64(b2i(x)), true
	case time.Time:
		return float64(x.UnixMilli()), true
	}
	return 0, false
}

func rangeAgg(r *aggReq, docs []*indicator, now time.Time) (*aggResult, error) {
	rec := &indRecord{now: now.UnixNano()}
	res := &aggResult{Name: r.Name}
	for _, nr := range r.Ranges {
		b := &bucket{From: fptr(nr.From), To: fptr(nr.To)}
		b.KeyAsString = strconv.FormatFloat(nr.From, 'f', -1, 64) + "-" + strconv.FormatFloat(nr.To, 'f', -1, 64)
		b.Label = b.KeyAsString
		for _, in := range docs {
			for _, v := range values(rec, in, r.Field) {
				f, ok := number(v)
				if !ok {
					return nil, msgError("aggregation '" + r.Name + "': range needs a numeric field")
				}
				if f >= nr.From && f < nr.To {
					b.Count++
					if len(r.SubAggs) > 0 {
						b.docs = append(b.docs, in)
					}
					break
				}
			}
		}
		res.Buckets = append(res.Buckets, b)
	}
	return res, subAggs(r, res.Buckets, now)
}

// percentilesResult reports the values at percents of vals, one bucket per
// percent, interpolating linearly between the closest ranks. Count is the
// number of indicators with the field. With no value, Value stays nil.
func percentilesResult(name string, count int64, vals []float64, isTime bool) *aggResult {
	slices.Sort(vals)
	res := &aggResult{Name: name}
	for _, p := range percents {
		b := &bucket{Label: p, KeyAsString: strconv.FormatFloat(p, 'f', -1, 64), Count: count}
		if len(vals) > 0 {
			rank := p / 100 * float64(len(vals)-1)
			i := int(rank)
			v := vals[i]
			if i+1 < len(vals) {
				v += (rank - float64(i)) * (vals[i+1] - vals[i])
			}
			b.Value = fptr(v)
			if isTime {
				b.ValueAsString = time.UnixMilli(int64(v)).UTC().Format(time.RFC3339)
			}
		}
		res.Buckets = append(res.Buckets, b)
	}
	return res
}

func metricAgg(r *aggReq, docs []*indicator, now time.Time) (*aggResult, error) {
	rec := &indRecord{now: now.UnixNano()}
	b := &bucket{Label: r.Name}
	distinct := map[string]bool{}
	isTime := false
	var sum float64
	var all []float64
	lo, hi := math.Inf(1), math.Inf(-1)
	var n int64
	for _, in := range docs {
		vals := values(rec, in, r.Field)
		if len(vals) > 0 {
			b.Count++
		}
		for _, v := range vals {
			if r.Type == "cardinality" {
				distinct[keyString(v)] = true
				continue
			}
			f, ok := number(v)
			if !ok {
				return nil, msgError("aggregation '" + r.Name + "': " + r.Type + " needs a numeric or date field")
			}
			if _, t := v.(time.Time); t {
				isTime = true
				if r.Type == "sum" || r.Type == "avg" {
					return nil, msgError("aggregation '" + r.Name + "': " + r.Type + " needs a numeric field")
				}
			}
			n++
			sum += f
			lo = math.Min(lo, f)
			hi = math.Max(hi, f)
			if r.Type == "percentiles" {
				all = append(all, f)
			}
		}
	}
	if r.Type == "percentiles" {
		return percentilesResult(r.Name, b.Count, all, isTime), nil
	}
	var val *float64
	switch r.Type {
	case "cardinality":
		val = fptr(float64(len(distinct)))
	case "sum":
		val = fptr(sum)
	case "avg":
		if n > 0 {
			val = fptr(sum / float64(n))
		}
	case "min":
		if n > 0 {
			val = fptr(lo)
		}
	case "max":
		if n > 0 {
			val = fptr(hi)
		}
	}
	b.Value = val
	if val != nil && isTime {
		b.ValueAsString = time.UnixMilli(int64(*val)).UTC().Format(time.RFC3339)
	}
	return &aggResult{Name: r.Name, Buckets: []*bucket{b}}, nil
}
