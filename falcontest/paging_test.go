package falcontest

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"testing"
	"time"
)

// walk pages a listing by after cursor and returns the ids in order.
func walk(t *testing.T, c *client, path string, q url.Values, between func(page int)) []string {
	t.Helper()
	var ids []string
	after := ""
	for page := 0; ; page++ {
		if page > 1000 {
			t.Fatal("cursor never ends")
		}
		qq := url.Values{}
		for k, v := range q {
			qq[k] = v
		}
		if after != "" {
			qq.Set("after", after)
		}
		r := c.get(path, qq)
		wantStatus(t, r, 200)
		if path == "/iocs/combined/indicator/v1" {
			var page []struct {
				ID string `json:"id"`
			}
			if err := json.Unmarshal(r.Env.Resources, &page); err != nil {
				t.Fatal(err)
			}
			for _, in := range page {
				ids = append(ids, in.ID)
			}
		} else {
			ids = append(ids, r.ids(t)...)
		}
		next, _ := r.Env.Meta.Pagination["after"].(string)
		if next == "" {
			return ids
		}
		after = next
		if between != nil {
			between(page)
		}
	}
}

func TestCursorPagingEveryIndicatorOnce(t *testing.T) {
	t.Parallel()
	big := NewUnstartedServer(WithIndicators(25000))
	small := NewUnstartedServer(WithIndicators(4000), WithSeed(7))
	for _, tc := range []struct {
		name string
		s    *Server
		path string
		q    url.Values
	}{
		{"search default order", big, "/iocs/queries/indicators/v1", qv("limit", "2000")},
		{"search by value", big, "/iocs/queries/indicators/v1", qv("limit", "2000", "sort", "value.asc")},
		{"combined by value", small, "/iocs/combined/indicator/v1", qv("limit", "2000", "sort", "value.asc")},
		{"search by created_on desc", small, "/iocs/queries/indicators/v1", qv("limit", "999", "sort", "created_on.desc")},
		{"search by expiration with nulls", small, "/iocs/queries/indicators/v1", qv("limit", "777", "sort", "expiration|desc")},
		{"filtered by action", small, "/iocs/queries/indicators/v1", qv("limit", "500", "sort", "severity_number.asc", "filter", "action:'detect'")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newClient(t, tc.s)
			ids := walk(t, c, tc.path, tc.q, nil)
			seen := make(map[string]bool, len(ids))
			for _, id := range ids {
				if seen[id] {
					t.Fatalf("%s served twice", id)
				}
				seen[id] = true
			}
			want := 0
			for _, in := range tc.s.Indicators() {
				if tc.q.Get("filter") == "" || in.Action == "detect" {
					want++
					if !seen[in.ID] {
						t.Fatalf("%s never served", in.ID)
					}
				}
			}
			if len(ids) != want {
				t.Fatalf("%d served, want %d", len(ids), want)
			}
		})
	}
}

func TestCursorPagingSurvivesWrites(t *testing.T) {
	t.Parallel()
	s := NewUnstartedServer(WithIndicators(3000))
	c := newClient(t, s)
	stable := map[string]bool{}
	var victims []string
	for i, in := range s.Indicators() {
		if i%10 == 3 && !in.FromParent {
			victims = append(victims, in.ID)
		} else {
			stable[in.ID] = true
		}
	}
	n := 0
	ids := walk(t, c, "/iocs/queries/indicators/v1", qv("limit", "250", "sort", "value.desc"), func(page int) {
		// Between pages: delete some indicators and create new ones.
		if len(victims) > 0 {
			k := min(len(victims), 40)
			wantStatus(t, c.do("DELETE", "/iocs/entities/indicators/v1", url.Values{"ids": victims[:k]}, nil), 200)
			victims = victims[k:]
		}
		var rows []map[string]any
		for range 20 {
			n++
			rows = append(rows, newInd("domain", fmt.Sprintf("new-%d-%d.example.org", page, n)))
		}
		wantStatus(t, c.do("POST", "/iocs/entities/indicators/v1", nil, createBody(rows...)), 201)
	})
	seen := map[string]int{}
	for _, id := range ids {
		seen[id]++
		if seen[id] > 1 {
			t.Fatalf("%s served twice", id)
		}
	}
	for id := range stable {
		if seen[id] != 1 {
			t.Fatalf("stable indicator %s served %d times", id, seen[id])
		}
	}
}

func TestOffsetPaging(t *testing.T) {
	t.Parallel()
	s := NewUnstartedServer(WithIndicators(120))
	c := newClient(t, s)
	all := s.Indicators()
	var got []string
	for off := 0; off < len(all); off += 50 {
		r := c.get("/iocs/queries/indicators/v1", qv("limit", "50", "offset", strconv.Itoa(off)))
		wantStatus(t, r, 200)
		p := r.Env.Meta.Pagination
		if p["offset"] != float64(off) || p["limit"] != 50.0 || p["total"] != 120.0 || p["after"] != nil {
			t.Fatalf("pagination %v", p)
		}
		got = append(got, r.ids(t)...)
	}
	if len(got) != len(all) {
		t.Fatalf("%d ids", len(got))
	}
	for i := range all {
		if got[i] != all[i].ID {
			t.Fatalf("offset order differs at %d", i)
		}
	}
	r := c.get("/iocs/queries/indicators/v1", qv("offset", "500"))
	wantStatus(t, r, 200)
	if len(r.ids(t)) != 0 {
		t.Fatal("page past the end is not empty")
	}
}

func TestOffsetWindowAndLimits(t *testing.T) {
	t.Parallel()
	s := NewUnstartedServer(WithIndicators(10))
	s500 := NewUnstartedServer(WithOffsetWindowStatus(500), WithMaxLimit(500))
	tests := []struct {
		name   string
		s      *Server
		q      url.Values
		status int
		msg    string
	}{
		{"window edge", s, qv("offset", "8000", "limit", "2000"), 200, ""},
		{"past the window", s, qv("offset", "8001", "limit", "2000"), 400, "limit + offset must be less than 10000"},
		{"past the window, small limit", s, qv("offset", "10000", "limit", "1"), 400, "limit + offset must be less than 10000"},
		{"historic 500", s500, qv("offset", "9999", "limit", "2"), 500, "limit + offset must be less than 10000"},
		{"offset and after", s, qv("offset", "0", "after", "x"), 400, "mutually exclusive"},
		{"limit zero", s, qv("limit", "0"), 400, "limit must be between 1 and 2000"},
		{"limit too big", s, qv("limit", "2001"), 400, "limit must be between 1 and 2000"},
		{"smaller maximum", s500, qv("limit", "501"), 400, "between 1 and 500"},
		{"limit not a number", s, qv("limit", "ten"), 400, "must be an integer"},
		{"negative offset", s, qv("offset", "-1"), 400, "greater than or equal to 0"},
		{"garbage cursor", s, qv("after", "!!!"), 400, "after"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, tt.s)
			for _, path := range []string{"/iocs/queries/indicators/v1", "/iocs/combined/indicator/v1"} {
				r := c.get(path, tt.q)
				if tt.msg == "" {
					wantStatus(t, r, tt.status)
					continue
				}
				wantError(t, r, tt.status, tt.msg)
			}
		})
	}
	// A cursor from one sort is refused by another.
	c := newClient(t, s)
	r := c.get("/iocs/queries/indicators/v1", qv("limit", "2", "sort", "value.asc"))
	after := r.Env.Meta.Pagination["after"].(string)
	wantError(t, c.get("/iocs/queries/indicators/v1", qv("limit", "2", "sort", "value.desc", "after", after)), 400, "after")
	wantStatus(t, c.get("/iocs/queries/indicators/v1", qv("limit", "2", "sort", "value|asc", "after", after)), 200)
}

func TestTrailingCursor(t *testing.T) {
	t.Parallel()
	for _, trailing := range []bool{false, true} {
		var opts []Option
		if trailing {
			opts = append(opts, WithTrailingCursor())
		}
		s := NewUnstartedServer(append(opts, WithIndicators(4))...)
		c := newClient(t, s)
		r := c.get("/iocs/queries/indicators/v1", qv("limit", "4"))
		after, _ := r.Env.Meta.Pagination["after"].(string)
		if (after != "") != trailing {
			t.Fatalf("trailing=%v: last page after %q", trailing, after)
		}
		if trailing {
			r = c.get("/iocs/queries/indicators/v1", qv("limit", "4", "after", after))
			if len(r.ids(t)) != 0 || r.Env.Meta.Pagination["after"] != nil {
				t.Fatalf("page after the trailing cursor: %s", r.Body)
			}
		}
	}
}

func TestFromParentParameter(t *testing.T) {
	t.Parallel()
	s := NewUnstartedServer(WithIndicators(500))
	c := newClient(t, s)
	parent, own := 0, 0
	for _, in := range s.Indicators() {
		if in.FromParent {
			parent++
		} else {
			own++
		}
	}
	if parent == 0 {
		t.Fatal("no seeded indicator is inherited")
	}
	for _, tt := range []struct {
		v    string
		want int
	}{{"true", parent}, {"false", own}, {"", parent + own}} {
		q := qv("limit", "1")
		if tt.v != "" {
			q.Set("from_parent", tt.v)
		}
		r := c.get("/iocs/queries/indicators/v1", q)
		if r.Env.Meta.Pagination["total"] != float64(tt.want) {
			t.Fatalf("from_parent=%q: total %v, want %d", tt.v, r.Env.Meta.Pagination["total"], tt.want)
		}
	}
}

func TestCachedResultsFollowTheClock(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	s := NewUnstartedServer(WithClock(clock.now), WithTokenTTL(24*time.Hour))
	now := clock.now()
	s.AddIndicators(
		Indicator{Type: "domain", Value: "soon.example.com", Expiration: now.Add(time.Hour), CreatedOn: now.Add(-30 * time.Minute)},
		Indicator{Type: "domain", Value: "later.example.com", Expiration: now.Add(48 * time.Hour), CreatedOn: now.Add(-3 * time.Hour)},
	)
	c := newClient(t, s)
	count := func(filter, sort string) int {
		t.Helper()
		q := qv("filter", filter)
		if sort != "" {
			q.Set("sort", sort)
		}
		r := c.get("/iocs/queries/indicators/v1", q)
		wantStatus(t, r, 200)
		return len(r.ids(t))
	}
	if n := count("expired:true", ""); n != 0 {
		t.Fatalf("%d expired before the hour", n)
	}
	if n := count("created_on:>'now-1h'", ""); n != 1 {
		t.Fatalf("%d created in the last hour", n)
	}
	clock.advance(time.Hour) // no write: only the clock moves
	if n := count("expired:true", ""); n != 1 {
		t.Fatalf("%d expired after the hour, want 1", n)
	}
	if n := count("created_on:>'now-1h'", ""); n != 0 {
		t.Fatalf("%d created in the last hour, want 0", n)
	}
	r := c.get("/iocs/queries/indicators/v1", qv("sort", "expired.desc"))
	if ids := r.ids(t); len(ids) != 2 {
		t.Fatalf("ids %v", ids)
	} else if in, _ := s.Indicator(ids[0]); in.Value != "soon.example.com" {
		t.Fatalf("expired.desc starts with %s", in.Value)
	}
}
