package falcontest

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"testing"
)

// benchServer is one server with a million seeded indicators, shared by the
// benchmarks (seeding it is measured by BenchmarkSeed).
var benchServer = sync.OnceValue(func() *Server {
	return NewUnstartedServer(WithIndicators(1_000_000), WithRateLimit(0), WithRecordLimit(0))
})

// discard is a ResponseWriter that keeps only the status and the last
// after token, so a benchmark measures the server, not a recorder.
type discard struct {
	h      http.Header
	status int
	n      int
	after  []byte
}

func (d *discard) Header() http.Header { return d.h }
func (d *discard) WriteHeader(s int)   { d.status = s }
func (d *discard) Write(p []byte) (int, error) {
	d.n += len(p)
	d.after = d.after[:0]
	if i := bytes.Index(p, []byte(`"after":"`)); i >= 0 {
		rest := p[i+len(`"after":"`):]
		if j := bytes.IndexByte(rest, '"'); j >= 0 {
			d.after = append(d.after, rest[:j]...)
		}
	}
	return len(p), nil
}

// benchPages walks a listing page after page (restarting at the end), one
// page per iteration, through Handler without a network.
func benchPages(b *testing.B, path string, q url.Values) {
	s := benchServer()
	token := s.IssueToken()
	h := s.Handler()
	w := &discard{h: http.Header{}}
	after := ""
	b.ReportAllocs()
	b.ResetTimer()
	bytesOut := 0
	for b.Loop() {
		qq := url.Values{}
		for k, v := range q {
			qq[k] = v
		}
		if after != "" {
			qq.Set("after", after)
		}
		req, _ := http.NewRequest("GET", path+"?"+qq.Encode(), nil)
		req.Header.Set("Authorization", "Bearer "+token)
		clear(w.h)
		w.n = 0
		h.ServeHTTP(w, req)
		if w.status != 200 {
			b.Fatalf("status %d", w.status)
		}
		bytesOut += w.n
		after = string(w.after)
	}
	b.ReportMetric(float64(bytesOut)/float64(b.N), "bytes/page")
}

// BenchmarkCombinedPage measures the server's own cost of one page of 2,000
// full indicators of a million, by after cursor in creation order.
func BenchmarkCombinedPage(b *testing.B) {
	benchPages(b, "/iocs/combined/indicator/v1", url.Values{"limit": {"2000"}})
}

// BenchmarkCombinedPageSortedFiltered pages a filtered, sorted listing: the
// first page computes and caches the order, later pages reuse it.
func BenchmarkCombinedPageSortedFiltered(b *testing.B) {
	benchPages(b, "/iocs/combined/indicator/v1", url.Values{
		"limit": {"2000"}, "sort": {"modified_on.desc"}, "filter": {"type:['domain','ipv4']+expired:false"},
	})
}

// BenchmarkSearchPage measures a page of 2,000 ids.
func BenchmarkSearchPage(b *testing.B) {
	benchPages(b, "/iocs/queries/indicators/v1", url.Values{"limit": {"2000"}})
}

// BenchmarkSeed measures seeding the store.
func BenchmarkSeed(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				s := NewUnstartedServer(WithIndicators(n))
				if s.IndicatorCount() != n {
					b.Fatal(s.IndicatorCount())
				}
			}
		})
	}
}
