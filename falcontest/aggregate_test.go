package falcontest

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"testing"
	"time"
)

type wireAgg struct {
	Name             string       `json:"name"`
	SumOtherDocCount int64        `json:"sum_other_doc_count"`
	Buckets          []wireBucket `json:"buckets"`
}

type wireBucket struct {
	Count         int64     `json:"count"`
	Label         any       `json:"label"`
	KeyAsString   string    `json:"key_as_string"`
	Value         *float64  `json:"value"`
	ValueAsString string    `json:"value_as_string"`
	SubAggregates []wireAgg `json:"sub_aggregates"`
}

func aggregate(t *testing.T, c *client, filter string, body any) []wireAgg {
	t.Helper()
	q := qv()
	if filter != "" {
		q.Set("filter", filter)
	}
	r := c.do("POST", "/iocs/aggregates/indicators/v1", q, body)
	wantStatus(t, r, 200)
	var out []wireAgg
	if err := json.Unmarshal(r.Env.Resources, &out); err != nil {
		t.Fatalf("%v: %s", err, r.Body)
	}
	return out
}

// aggBody is a request as generated clients send it: every field present.
func aggBody(kv ...any) map[string]any {
	b := map[string]any{
		"date_ranges": []any{}, "exclude": "", "field": "", "filter": "", "from": 0, "include": "",
		"interval": "", "missing": "", "name": "", "q": "", "ranges": []any{}, "size": 0, "sort": "",
		"sub_aggregates": []any{}, "time_zone": "", "type": "",
	}
	for i := 0; i+1 < len(kv); i += 2 {
		b[kv[i].(string)] = kv[i+1]
	}
	return b
}

func TestAggregates(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	s := NewUnstartedServer(WithIndicators(1500), WithClock(clock.now))
	c := newClient(t, s)
	all := s.Indicators()

	t.Run("terms with sub-aggregate", func(t *testing.T) {
		res := aggregate(t, c, "", aggBody("name", "types", "type", "terms", "field", "type",
			"sub_aggregates", []any{aggBody("name", "actions", "type", "terms", "field", "action")}))
		truth := map[string]map[string]int64{}
		for _, in := range all {
			if truth[in.Type] == nil {
				truth[in.Type] = map[string]int64{}
			}
			truth[in.Type][in.Action]++
		}
		if len(res) != 1 || res[0].Name != "types" || len(res[0].Buckets) != 5 {
			t.Fatalf("%+v", res)
		}
		prev := int64(math.MaxInt64)
		for _, b := range res[0].Buckets {
			var sum int64
			for _, n := range truth[b.Label.(string)] {
				sum += n
			}
			if b.Count != sum || b.Count > prev {
				t.Fatalf("bucket %v: count %d, truth %d (previous %d)", b.Label, b.Count, sum, prev)
			}
			prev = b.Count
			for _, sb := range b.SubAggregates[0].Buckets {
				if sb.Count != truth[b.Label.(string)][sb.Label.(string)] {
					t.Fatalf("%v/%v: %d", b.Label, sb.Label, sb.Count)
				}
			}
		}
	})

	t.Run("terms on an array with size and term order", func(t *testing.T) {
		res := aggregate(t, c, "type:'domain'", aggBody("name", "tags", "type", "terms", "field", "tags", "size", 3, "sort", "_term|asc"))
		truth := map[string]int64{}
		for _, in := range all {
			if in.Type == "domain" {
				for _, tag := range in.Tags {
					truth[tag]++
				}
			}
		}
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range truth {
				if !yield(k) {
					return
				}
			}
		})
		var other int64
		for i, k := range keys {
			if i < 3 {
				if b := res[0].Buckets[i]; b.Label != k || b.Count != truth[k] {
					t.Fatalf("bucket %d = %v/%d, want %s/%d", i, b.Label, b.Count, k, truth[k])
				}
			} else {
				other += truth[k]
			}
		}
		if len(res[0].Buckets) != 3 || res[0].SumOtherDocCount != other {
			t.Fatalf("%d buckets, other %d, want 3 and %d", len(res[0].Buckets), res[0].SumOtherDocCount, other)
		}
	})

	t.Run("date histogram by month", func(t *testing.T) {
		res := aggregate(t, c, "", aggBody("name", "m", "type", "date_histogram", "field", "created_on", "interval", "month"))
		var total int64
		var prev time.Time
		for _, b := range res[0].Buckets {
			start, err := time.Parse(time.RFC3339, b.KeyAsString)
			if err != nil || start.Day() != 1 || start.Hour() != 0 {
				t.Fatalf("bucket key %q", b.KeyAsString)
			}
			if !prev.IsZero() && !start.Equal(prev.AddDate(0, 1, 0)) {
				t.Fatalf("gap between %v and %v", prev, start)
			}
			prev = start
			total += b.Count
		}
		if total != int64(len(all)) || len(res[0].Buckets) < 12 {
			t.Fatalf("%d buckets hold %d of %d", len(res[0].Buckets), total, len(all))
		}
	})

	t.Run("date range and range", func(t *testing.T) {
		res := aggregate(t, c, "", []any{
			aggBody("name", "recent", "type", "date_range", "field", "created_on",
				"date_ranges", []any{map[string]string{"from": "now-30d", "to": "now"}, map[string]string{"from": "", "to": "now-30d"}}),
			aggBody("name", "sev", "type", "range", "field", "severity_number",
				"ranges", []any{map[string]float64{"From": 1, "To": 3}, map[string]float64{"From": 3, "To": 6}}),
		})
		if len(res) != 2 {
			t.Fatalf("%d results", len(res))
		}
		cut := clock.now().AddDate(0, 0, -30)
		var recent, older, low, high int64
		for _, in := range all {
			if in.CreatedOn.Before(cut) {
				older++
			} else if in.CreatedOn.Before(clock.now()) {
				recent++
			}
			switch n := severityNumber(in.Severity); {
			case n >= 1 && n < 3:
				low++
			case n >= 3:
				high++
			}
		}
		if res[0].Buckets[0].Count != recent || res[0].Buckets[1].Count != older {
			t.Fatalf("date ranges %+v, want %d and %d", res[0].Buckets, recent, older)
		}
		if res[1].Buckets[0].Count != low || res[1].Buckets[1].Count != high {
			t.Fatalf("ranges %+v, want %d and %d", res[1].Buckets, low, high)
		}
	})

	t.Run("metrics", func(t *testing.T) {
		res := aggregate(t, c, "", []any{
			aggBody("name", "sources", "type", "cardinality", "field", "source"),
			aggBody("name", "first", "type", "min", "field", "created_on"),
			aggBody("name", "hits", "type", "avg", "field", "metadata.av_hits"),
		})
		sources := map[string]bool{}
		first := all[0].CreatedOn
		var hits, n float64
		for _, in := range all {
			if in.Source != "" {
				sources[in.Source] = true
			}
			if in.CreatedOn.Before(first) {
				first = in.CreatedOn
			}
			if in.Metadata.AVHits != 0 {
				hits += float64(in.Metadata.AVHits)
				n++
			}
		}
		if v := res[0].Buckets[0].Value; v == nil || *v != float64(len(sources)) {
			t.Fatalf("cardinality %v, want %d", v, len(sources))
		}
		if got := res[1].Buckets[0].ValueAsString; got != first.Truncate(time.Second).Format(time.RFC3339) {
			t.Fatalf("min %s, want %s", got, first)
		}
		if v := res[2].Buckets[0].Value; v == nil || math.Abs(*v-hits/n) > 1e-9 {
			t.Fatalf("avg %v, want %v", v, hits/n)
		}
	})

	t.Run("percentiles", func(t *testing.T) {
		res := aggregate(t, c, "", aggBody("name", "p", "type", "percentiles", "field", "severity_number"))
		var vals []float64
		sevNum := map[string]float64{"informational": 1, "low": 2, "medium": 3, "high": 4, "critical": 5}
		for _, in := range all {
			if v := sevNum[in.Severity]; v > 0 {
				vals = append(vals, v)
			}
		}
		slices.Sort(vals)
		if len(res) != 1 || len(res[0].Buckets) != 7 {
			t.Fatalf("%+v", res)
		}
		for i, p := range []float64{1, 5, 25, 50, 75, 95, 99} {
			b := res[0].Buckets[i]
			rank := p / 100 * float64(len(vals)-1)
			lo := vals[int(math.Floor(rank))]
			hi := vals[int(math.Ceil(rank))]
			if b.KeyAsString != strconv.FormatFloat(p, 'f', -1, 64) || b.Value == nil || *b.Value < lo || *b.Value > hi {
				t.Errorf("percentile %v = %+v, want a value in [%v, %v]", p, b, lo, hi)
			}
		}
	})

	t.Run("time zones", func(t *testing.T) {
		for _, tz := range []string{"+01:00", "-05:30", "Europe/Paris", "America/New_York", "UTC"} {
			res := aggregate(t, c, "", aggBody("name", "h", "type", "date_histogram", "field", "created_on", "interval", "day", "time_zone", tz))
			if len(res) != 1 || len(res[0].Buckets) == 0 {
				t.Fatalf("%s: %+v", tz, res)
			}
		}
	})

	t.Run("errors", func(t *testing.T) {
		sub := aggBody("name", "s", "type", "terms", "field", "type")
		deep := aggBody("name", "d1", "type", "terms", "field", "type", "sub_aggregates", []any{
			aggBody("name", "d2", "type", "terms", "field", "type", "sub_aggregates", []any{
				aggBody("name", "d3", "type", "terms", "field", "type", "sub_aggregates", []any{sub})})})
		for _, tt := range []struct {
			body any
			msg  string
		}{
			{aggBody("name", "x", "type", "median", "field", "type"), "Invalid aggregation type"},
			{aggBody("name", "x", "type", "percentiles", "field", "type"), "numeric"},
			{aggBody("name", "x", "type", "percentiles", "field", "severity_number", "sub_aggregates", []any{sub}), "takes no sub_aggregates"},
			{aggBody("name", "x", "type", "date_histogram", "field", "created_on", "interval", "day", "time_zone", "+25:00"), "invalid time_zone"},
			{aggBody("name", "x", "type", "date_histogram", "field", "created_on", "interval", "day", "time_zone", "Mars/Olympus"), "invalid time_zone"},
			{aggBody("name", "x", "type", "terms", "field", "colour"), "unknown property"},
			{aggBody("name", "x", "type", "terms"), "field is required"},
			{aggBody("name", "x", "type", "terms", "field", "type", "sub_aggregates", []any{sub, sub, sub, sub}), "at most 3"},
			{deep, "nest at most 3"},
			{aggBody("name", "x", "type", "date_histogram", "field", "type", "interval", "day"), "date field"},
			{aggBody("name", "x", "type", "date_histogram", "field", "created_on"), "interval is required"},
			{aggBody("name", "x", "type", "terms", "field", "type", "sort", "_count.desc"), "Invalid sort"},
			{aggBody("name", "x", "type", "sum", "field", "created_on"), "numeric"},
			{aggBody("name", "x", "type", "terms", "field", "type", "filter", "type:"), "Invalid filter"},
			{"[]", "at least one"},
		} {
			wantError(t, c.do("POST", "/iocs/aggregates/indicators/v1", nil, tt.body), 400, tt.msg)
		}
	})
}

func TestCatalogs(t *testing.T) {
	t.Parallel()
	s := NewUnstartedServer()
	c := newClient(t, s)
	for _, tt := range []struct {
		path string
		want []string
	}{
		{"/iocs/queries/actions/v1", []string{"allow", "detect", "no_action", "prevent", "prevent_no_ui"}},
		{"/iocs/queries/ioc-types/v1", []string{"domain", "ipv4", "ipv6", "md5", "sha256"}},
		{"/iocs/queries/platforms/v1", []string{"android", "ios", "linux", "mac", "windows"}},
		{"/iocs/queries/severities/v1", []string{"informational", "low", "medium", "high", "critical"}},
	} {
		r := c.get(tt.path, nil)
		wantStatus(t, r, 200)
		if got := r.ids(t); !slices.Equal(got, tt.want) {
			t.Fatalf("%s: %v", tt.path, got)
		}
		var paged []string
		for off := 0; off < len(tt.want); off += 2 {
			r := c.get(tt.path, qv("offset", strconv.Itoa(off), "limit", "2"))
			if r.Env.Meta.Pagination["total"] != float64(len(tt.want)) || r.Env.Meta.Pagination["offset"] != float64(off) {
				t.Fatalf("%s pagination %v", tt.path, r.Env.Meta.Pagination)
			}
			paged = append(paged, r.ids(t)...)
		}
		if !slices.Equal(paged, tt.want) {
			t.Fatalf("%s paged: %v", tt.path, paged)
		}
		wantError(t, c.get(tt.path, qv("offset", "x")), 400, "offset")
	}
	r := c.get("/iocs/entities/actions/v1", qv("ids", "prevent", "ids", "block"))
	wantStatus(t, r, 200)
	var actions []struct {
		ID              string              `json:"id"`
		PlatformsByType map[string][]string `json:"platforms_by_type"`
		Severities      []string            `json:"severities"`
	}
	if err := json.Unmarshal(r.Env.Resources, &actions); err != nil {
		t.Fatal(err)
	}
	if len(actions) != 1 || actions[0].ID != "prevent" || actions[0].PlatformsByType["domain"] != nil ||
		len(actions[0].PlatformsByType["sha256"]) != 3 || len(actions[0].Severities) != 5 {
		t.Fatalf("%+v", actions)
	}
	if len(r.Env.Errors) != 1 || r.Env.Errors[0].ID != "block" || r.Env.Errors[0].Code != 404 {
		t.Fatalf("errors %+v", r.Env.Errors)
	}
	wantStatus(t, c.get("/iocs/entities/actions/v1", qv("ids", "block")), 404)
}

func TestReports(t *testing.T) {
	t.Parallel()
	s := NewUnstartedServer(WithIndicators(100))
	c := newClient(t, s)
	r := c.do("POST", "/iocs/entities/indicators-reports/v1", nil, map[string]any{
		"report_format": "csv", "search": map[string]any{"filter": "type:'domain'", "query": "", "sort": "created_on.desc"},
	})
	wantStatus(t, r, 200)
	ids := r.ids(t)
	jobs := s.Reports()
	domains := 0
	for _, in := range s.Indicators() {
		if in.Type == "domain" {
			domains++
		}
	}
	if len(ids) != 1 || len(jobs) != 1 || jobs[0].ID != ids[0] || jobs[0].Format != "csv" || jobs[0].Indicators != domains {
		t.Fatalf("ids %v jobs %+v (domains %d)", ids, jobs, domains)
	}
	wantError(t, c.do("POST", "/iocs/entities/indicators-reports/v1", nil, map[string]any{"search": map[string]any{}}), 400, "report_format is required")
	wantError(t, c.do("POST", "/iocs/entities/indicators-reports/v1", nil, map[string]any{"report_format": "csv"}), 400, "search is required")
	wantError(t, c.do("POST", "/iocs/entities/indicators-reports/v1", nil, map[string]any{
		"report_format": "csv", "search": map[string]any{"filter": "x:"}}), 400, "Invalid filter")
}
