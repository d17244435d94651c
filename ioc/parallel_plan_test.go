package ioc

import (
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// randomHist returns histograms of the given types with m buckets each of
// random counts (some zero, a few large), starting at t0 every width
// seconds.
func randomHist(r *rand.Rand, types []string, m int, t0, width int64) []typeHistogram {
	var out []typeHistogram
	for _, typ := range types {
		h := typeHistogram{Type: typ}
		for i := range m {
			h.Starts = append(h.Starts, t0+int64(i)*width)
			c := int64(r.IntN(100))
			switch r.IntN(20) {
			case 0:
				c = 0
			case 1:
				c *= 20
			}
			h.Counts = append(h.Counts, c)
		}
		out = append(out, h)
	}
	return out
}

// owner returns the indices of the partitions holding an indicator of
// type typ created at second t.
func owner(parts []partition, known []string, typ string, t int64) []int {
	var out []int
	planned := false
	for _, k := range known {
		planned = planned || k == typ
	}
	for i, p := range parts {
		hit := p.Rest && !planned
		for _, s := range p.Segs {
			if s.Type == typ && t >= s.From && t < s.To {
				hit = true
			}
		}
		if hit {
			out = append(out, i)
		}
	}
	return out
}

func TestPlanPartitions(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := range 200 {
		types := []string{"domain", "ipv4", "ipv6", "md5", "sha256"}[:1+r.IntN(5)]
		m := 1 + r.IntN(300)
		hist := randomHist(r, types, m, 1_700_000_000, 1+int64(r.IntN(100000)))
		n := 1 + r.IntN(MaxParallel)
		parts := planPartitions(hist, n)
		var total, biggest int64
		for _, h := range hist {
			for _, c := range h.Counts {
				total += c
				biggest = max(biggest, c)
			}
		}
		if total == 0 {
			if parts != nil {
				t.Fatalf("trial %d: %d partitions of nothing", trial, len(parts))
			}
			continue
		}
		if len(parts) == 0 || len(parts) > n {
			t.Fatalf("trial %d: %d partitions, want 1..%d", trial, len(parts), n)
		}
		// The state of the plan passes the token's own coverage check.
		st := &walkState{Known: types}
		for _, p := range parts {
			st.Parts = append(st.Parts, partState{partition: p})
		}
		if msg := st.check(); msg != "" && len(parts) > 1 {
			t.Fatalf("trial %d: plan fails the token check: %s", trial, msg)
		}
		// Every instant of every type, planned or not, has one owner.
		sizes := make([]int64, len(parts))
		maxBucket := make([]int64, len(parts))
		for _, h := range hist {
			for i, start := range h.Starts {
				for _, at := range []int64{start - 1, start, start + 1} {
					if o := owner(parts, types, h.Type, at); len(o) != 1 {
						t.Fatalf("trial %d: %s at %d owned by %v", trial, h.Type, at, o)
					}
				}
				o := owner(parts, types, h.Type, start)[0]
				sizes[o] += h.Counts[i]
				maxBucket[o] = max(maxBucket[o], h.Counts[i])
			}
			for _, at := range []int64{math.MinInt64, math.MaxInt64 - 1} {
				if o := owner(parts, types, h.Type, at); len(o) != 1 {
					t.Fatalf("trial %d: %s at %d owned by %v", trial, h.Type, at, o)
				}
			}
		}
		if o := owner(parts, types, "unplanned", 0); len(o) != 1 || o[0] != len(parts)-1 {
			t.Fatalf("trial %d: an unplanned type is owned by %v, want the last partition", trial, o)
		}
		// No partition holds more than twice the mean unless one of its
		// buckets is larger than the mean.
		mean := float64(total) / float64(n)
		for i, sz := range sizes {
			if float64(sz) > 2*mean && float64(maxBucket[i]) <= mean {
				t.Fatalf("trial %d: partition %d holds %d, mean %.1f, largest bucket %d", trial, i, sz, mean, maxBucket[i])
			}
		}
	}
}

func TestPlanPartitionsEven(t *testing.T) {
	// 4 types × 100 buckets of 10: 8 partitions of 500 each.
	var hist []typeHistogram
	for _, typ := range []string{"a", "b", "c", "d"} {
		h := typeHistogram{Type: typ}
		for i := range 100 {
			h.Starts = append(h.Starts, int64(i*60))
			h.Counts = append(h.Counts, 10)
		}
		hist = append(hist, h)
	}
	parts := planPartitions(hist, 8)
	if len(parts) != 8 {
		t.Fatalf("%d partitions, want 8", len(parts))
	}
	for i, p := range parts {
		if len(p.Segs) != 1 {
			t.Fatalf("partition %d: %d segments, want 1", i, len(p.Segs))
		}
		s := p.Segs[0]
		from, to := s.From, s.To
		if from == noLow {
			from = 0
		}
		if to == noHigh {
			to = 6000
		}
		if to-from != 3000 {
			t.Errorf("partition %d spans [%d, %d), want 50 buckets", i, s.From, s.To)
		}
	}
}

func TestPlanPartitionsOneBigBucket(t *testing.T) {
	hist := []typeHistogram{
		{Type: "a", Starts: []int64{0, 10, 20}, Counts: []int64{1, 1000, 1}},
		{Type: "b", Starts: []int64{0}, Counts: []int64{2}},
	}
	parts := planPartitions(hist, 4)
	if len(parts) > 4 || len(parts) < 2 {
		t.Fatalf("%d partitions", len(parts))
	}
	if !parts[len(parts)-1].Rest {
		t.Error("the last partition does not take unplanned types")
	}
}

func TestPartitionExpr(t *testing.T) {
	p := partition{Segs: []segment{
		{Type: "domain", From: 1_700_000_000, To: 1_700_003_600},
		{Type: "md5", From: noLow, To: noHigh},
	}, Rest: true}
	got := p.expr([]string{"domain", "md5"}).String()
	for _, want := range []string{
		"type:'domain'+created_on:>='2023-11-14T22:13:20Z'+created_on:<'2023-11-14T23:13:20Z'",
		"type:'md5'",
		"type:!['domain','md5']",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("filter %s lacks %s", got, want)
		}
	}
	if e := (&partition{Rest: true}).expr(nil); e != nil {
		t.Errorf("rest of no plan: %v, want no filter", e)
	}
}

func TestResumeTokenRoundTrip(t *testing.T) {
	q := &listQuery{filter: "severity:'high'"}
	st := &walkState{Query: q.fingerprint(), Known: []string{"a", "b"}}
	for _, p := range planPartitions([]typeHistogram{
		{Type: "a", Starts: []int64{0, 10, 20}, Counts: []int64{5, 5, 5}},
		{Type: "b", Starts: []int64{0, 10}, Counts: []int64{5, 5}},
	}, 3) {
		st.Parts = append(st.Parts, partState{partition: p, Cursor: "eyJzIjoiIn0"})
	}
	st.Parts[0].Cursor, st.Parts[0].Done = "", true
	tok := st.token()
	c := &checker{}
	got := decodeToken(c, tok, q.fingerprint())
	if err := c.err(); err != nil {
		t.Fatalf("decode: %v", err)
	}
	if !reflect.DeepEqual(got, st) {
		t.Fatalf("round trip: %+v, want %+v", got, st)
	}
	// Another listing's token is refused.
	c = &checker{}
	if decodeToken(c, tok, (&listQuery{filter: "severity:'low'"}).fingerprint()) != nil || c.err() == nil {
		t.Fatal("a token of another filter was taken")
	}
	// Every partition done: no token.
	for i := range st.Parts {
		st.Parts[i].Cursor, st.Parts[i].Done = "", true
	}
	if tok := st.token(); tok != "" {
		t.Fatalf("token of a finished walk: %q", tok)
	}
}

// FuzzDecodeToken feeds hostile tokens to the decoder: it never panics,
// and what it accepts encodes back to an equal state.
func FuzzDecodeToken(f *testing.F) {
	q := &listQuery{}
	fp := q.fingerprint()
	f.Add(sequentialState(q, "abc").token())
	st := &walkState{Query: fp, Known: []string{"a"}}
	for _, p := range planPartitions([]typeHistogram{{Type: "a", Starts: []int64{0, 10, 20}, Counts: []int64{5, 5, 5}}}, 3) {
		st.Parts = append(st.Parts, partState{partition: p, Cursor: "x"})
	}
	f.Add(st.token())
	f.Add("v1.")
	f.Add("v1.e30")
	f.Add("v1.eyJxIjoiIiwicCI6W3sicyI6W3sidCI6ImEiLCJmIjoxLCJ1IjowfV19XX0")
	f.Add(strings.Repeat("v1.", 1000))
	f.Fuzz(func(t *testing.T, tok string) {
		c := &checker{}
		st := decodeToken(c, tok, fp)
		if (st == nil) != (c.err() != nil) {
			t.Fatalf("state %v with error %v", st, c.err())
		}
		if st == nil {
			if strings.Contains(c.err().Error(), tok) && len(tok) > 8 {
				t.Fatal("the error quotes the token")
			}
			return
		}
		again := st.token()
		if again == "" {
			return // every partition done
		}
		c2 := &checker{}
		st2 := decodeToken(c2, again, fp)
		if st2 == nil || !reflect.DeepEqual(st, st2) {
			t.Fatalf("re-encoded token decodes to %+v (%v), want %+v", st2, c2.err(), st)
		}
		// the partitions' filters build without panicking
		q := &listQuery{}
		for i := range st.Parts {
			q.partFilter(st, i)
		}
	})
}

// TestHistogramsHostile feeds histograms a terms answer naming a type
// twice, a type no API would name, and buckets out of order: each type
// named keeps one histogram (so no partition overlaps another), and
// buckets out of order fall back to one bucket.
func TestHistogramsHostile(t *testing.T) {
	ms := func(sec int64) any { return float64(sec * 1000) }
	res := &AggregationResult{Buckets: []Bucket{
		{Label: "domain", Count: 3, SubAggregations: []AggregationResult{{Name: "created", Buckets: []Bucket{
			{Label: ms(100), Count: 1}, {Label: ms(50), Count: 2},
		}}}},
		{Label: "domain", Count: 5},
		{Label: "bad type'", Count: 7},
		{Label: "md5", Count: 4, SubAggregations: []AggregationResult{{Name: "created", Buckets: []Bucket{
			{Label: ms(10), Count: 1}, {Label: ms(20), Count: 3},
		}}}},
	}}
	hist := histograms(res)
	var types []string
	for _, h := range hist {
		types = append(types, h.Type)
		if len(h.Starts) != len(h.Counts) {
			t.Fatalf("%s: %d starts, %d counts", h.Type, len(h.Starts), len(h.Counts))
		}
	}
	if !reflect.DeepEqual(types, []string{"domain", "md5"}) {
		t.Fatalf("types %q", types)
	}
	if !reflect.DeepEqual(hist[0].Counts, []int64{3}) || !reflect.DeepEqual(hist[1].Starts, []int64{10, 20}) {
		t.Fatalf("histograms %+v", hist)
	}
	parts := planPartitions(hist, 3)
	st := &walkState{Known: types}
	for _, p := range parts {
		st.Parts = append(st.Parts, partState{partition: p})
	}
	if msg := st.check(); msg != "" && len(parts) > 1 {
		t.Fatalf("plan fails the token check: %s", msg)
	}
}
