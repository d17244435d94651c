package ioc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/falconioc/falcon"
	"github.com/falconioc/falcon/falcontest"
	"github.com/falconioc/falcon/ioc"
)

// Benchmarks of the indicator listing and of one-id Get against the
// falcontest emulator (in this process, over loopback HTTP), each next to
// the floor: a client of plain net/http and encoding/json that decodes the
// same pages into the same struct, and a raw client that reads the pages
// without decoding them (the cost of the server and the transport, which
// both other clients pay too).
//
// Metrics per indicator (or per request for Get): cpu-ns (user + system
// time of the whole process, emulator included: compare with raw), B and
// allocs (the whole process too), and peak-live-B, the largest live heap
// seen by a garbage collection during the walk, above the live heap at its
// start (the emulator's store of 100,000 indicators is there before and
// after): what the walk holds on to at once.
//
// Run with: go test -run '^$' -bench . -benchmem ./ioc/

const (
	benchIndicators = 100000
	benchPage       = 2000
	latencyPages    = 10
	benchLatency    = 50 * time.Millisecond
)

var (
	benchOnce sync.Once
	benchSrv  *falcontest.Server
	benchID   string

	latencyOnce sync.Once
	latencySrv  *falcontest.Server
)

func bigServer(b *testing.B) *falcontest.Server {
	b.Helper()
	benchOnce.Do(func() {
		benchSrv = falcontest.NewServer(falcontest.WithIndicators(benchIndicators), falcontest.WithRateLimit(0),
			falcontest.WithRecordLimit(0), falcontest.WithTokenTTL(24*time.Hour))
		benchID = benchSrv.Indicators()[benchIndicators/2].ID
	})
	return benchSrv
}

func slowServer(b *testing.B) *falcontest.Server {
	b.Helper()
	latencyOnce.Do(func() {
		latencySrv = falcontest.NewServer(falcontest.WithIndicators(latencyPages*benchPage), falcontest.WithRateLimit(0),
			falcontest.WithRecordLimit(0), falcontest.WithTokenTTL(24*time.Hour), falcontest.WithLatency(benchLatency))
	})
	return latencySrv
}

func newTransport() *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 16
	return tr
}

// sdkClient returns an SDK client of srv with its own connection pool.
func sdkClient(b *testing.B, srv *falcontest.Server) *ioc.Client {
	b.Helper()
	c, err := falcon.NewClient(falcon.WithBaseURL(srv.URL), falcon.WithCredentials(srv.ClientID, srv.ClientSecret),
		falcon.WithHTTPClient(&http.Client{Transport: newTransport()}))
	if err != nil {
		b.Fatal(err)
	}
	return ioc.New(c)
}

// floorClient is the floor: net/http and encoding/json, nothing else.
type floorClient struct {
	hc    *http.Client
	base  string
	token string
}

func newFloor(srv *falcontest.Server) *floorClient {
	return &floorClient{hc: &http.Client{Transport: newTransport()}, base: srv.URL, token: srv.IssueToken()}
}

func (f *floorClient) get(ctx context.Context, path string, q url.Values) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.base+path+"?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+f.token)
	req.Header.Set("Accept", "application/json")
	resp, err := f.hc.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return resp, nil
}

type floorEnvelope struct {
	Meta struct {
		Pagination struct {
			After string `json:"after"`
		} `json:"pagination"`
	} `json:"meta"`
	Resources []ioc.Indicator `json:"resources"`
}

// page fetches and decodes one combined page.
func (f *floorClient) page(ctx context.Context, after string) ([]ioc.Indicator, string, error) {
	q := url.Values{"limit": {fmt.Sprint(benchPage)}}
	if after != "" {
		q.Set("after", after)
	}
	resp, err := f.get(ctx, "/iocs/combined/indicator/v1", q)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	var env floorEnvelope
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		return nil, "", err
	}
	return env.Resources, env.Meta.Pagination.After, nil
}

// rawPage fetches one page and only finds its cursor.
func (f *floorClient) rawPage(ctx context.Context, after string, buf *bytes.Buffer) (int, string, error) {
	q := url.Values{"limit": {fmt.Sprint(benchPage)}}
	if after != "" {
		q.Set("after", after)
	}
	resp, err := f.get(ctx, "/iocs/combined/indicator/v1", q)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	buf.Reset()
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return 0, "", err
	}
	body := buf.Bytes()
	n := bytes.Count(body, []byte(`{"id":`))
	next := ""
	if i := bytes.Index(body[:min(len(body), 1024)], []byte(`"after":"`)); i >= 0 {
		rest := body[i+len(`"after":"`):]
		next = string(rest[:bytes.IndexByte(rest, '"')])
	}
	return n, next, nil
}

// measure runs walk b.N times and reports the per-unit metrics.
func measure(b *testing.B, units int, unit string, walk func() int) {
	b.Helper()
	runtime.GC()
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	base := heapInUse()
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { // sample the heap in use
		defer close(done)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if h := heapInUse(); h > peak.Load() {
					peak.Store(h)
				}
			}
		}
	}()
	cpu0 := cpuTime()
	b.ResetTimer()
	for range b.N {
		if got := walk(); got != units {
			b.Fatalf("walk saw %d %ss, want %d", got, unit, units)
		}
	}
	b.StopTimer()
	cpu := cpuTime() - cpu0
	close(stop)
	<-done
	runtime.ReadMemStats(&ms1)
	n := float64(b.N * units)
	b.ReportMetric(float64(cpu.Nanoseconds())/n, "cpu-ns/"+unit)
	b.ReportMetric(float64(ms1.TotalAlloc-ms0.TotalAlloc)/n, "B/"+unit)
	b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/n, "allocs/"+unit)
	if p := peak.Load(); p > base {
		b.ReportMetric(float64(p-base), "peak-live-B")
	} else {
		b.ReportMetric(0, "peak-live-B")
	}
}

// heapInUse returns the live heap as of the last garbage collection: what
// the program holds on to, not the garbage awaiting collection.
func heapInUse() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// sink keeps decoded values alive as a consumer would.
var sink atomic.Value

// BenchmarkIterate walks 100,000 indicators in pages of 2,000.
func BenchmarkIterate(b *testing.B) {
	srv := bigServer(b)
	b.Run("sdk", func(b *testing.B) {
		c := sdkClient(b, srv)
		opts := &ioc.ListOptions{Limit: benchPage}
		measure(b, benchIndicators, "ind", func() int {
			n := 0
			for ind, err := range c.Indicators.All(b.Context(), opts) {
				if err != nil {
					b.Fatal(err)
				}
				if ind.ID != "" {
					n++
				}
			}
			return n
		})
	})
	b.Run("floor", func(b *testing.B) {
		f := newFloor(srv)
		measure(b, benchIndicators, "ind", func() int {
			n, after := 0, ""
			for {
				items, next, err := f.page(b.Context(), after)
				if err != nil {
					b.Fatal(err)
				}
				for i := range items {
					if items[i].ID != "" {
						n++
					}
				}
				if next == "" || len(items) == 0 {
					return n
				}
				after = next
			}
		})
	})
	b.Run("raw", func(b *testing.B) {
		f := newFloor(srv)
		var buf bytes.Buffer
		measure(b, benchIndicators, "ind", func() int {
			n, after := 0, ""
			for {
				k, next, err := f.rawPage(b.Context(), after, &buf)
				if err != nil {
					b.Fatal(err)
				}
				n += k
				if next == "" || k == 0 {
					return n
				}
				after = next
			}
		})
	})
}

// BenchmarkIterateLatency walks 10 pages of 2,000 indicators from a server
// that takes 50 ms to answer each; ms/page near 50 means the client's work
// hides behind the server's, and raw shows what the server and the
// transport take without any decoding.
func BenchmarkIterateLatency(b *testing.B) {
	srv := slowServer(b)
	report := func(b *testing.B, start time.Time) {
		b.ReportMetric(float64(time.Since(start).Milliseconds())/float64(b.N*latencyPages), "ms/page")
	}
	b.Run("sdk", func(b *testing.B) {
		c := sdkClient(b, srv)
		start := time.Now()
		for range b.N {
			n := 0
			for _, err := range c.Indicators.All(b.Context(), &ioc.ListOptions{Limit: benchPage}) {
				if err != nil {
					b.Fatal(err)
				}
				n++
			}
			if n != latencyPages*benchPage {
				b.Fatalf("saw %d", n)
			}
		}
		report(b, start)
	})
	b.Run("floor", func(b *testing.B) {
		f := newFloor(srv)
		start := time.Now()
		for range b.N {
			after := ""
			for {
				items, next, err := f.page(b.Context(), after)
				if err != nil {
					b.Fatal(err)
				}
				sink.Store(len(items))
				if next == "" || len(items) == 0 {
					break
				}
				after = next
			}
		}
		report(b, start)
	})
	b.Run("raw", func(b *testing.B) {
		// The pace of the server and the transport alone: pages read but
		// not decoded.
		f := newFloor(srv)
		var buf bytes.Buffer
		start := time.Now()
		for range b.N {
			after := ""
			for {
				k, next, err := f.rawPage(b.Context(), after, &buf)
				if err != nil {
					b.Fatal(err)
				}
				if next == "" || k == 0 {
					break
				}
				after = next
			}
		}
		report(b, start)
	})
}

// BenchmarkGetOne measures one-id Get: the per-request cost of each client.
func BenchmarkGetOne(b *testing.B) {
	srv := bigServer(b)
	b.Run("sdk", func(b *testing.B) {
		c := sdkClient(b, srv)
		measure(b, 1, "req", func() int {
			res, _, err := c.Indicators.Get(b.Context(), benchID)
			if err != nil {
				b.Fatal(err)
			}
			return len(res.Found)
		})
	})
	b.Run("floor", func(b *testing.B) {
		f := newFloor(srv)
		measure(b, 1, "req", func() int {
			resp, err := f.get(b.Context(), "/iocs/entities/indicators/v1", url.Values{"ids": {benchID}})
			if err != nil {
				b.Fatal(err)
			}
			var env floorEnvelope
			err = json.NewDecoder(resp.Body).Decode(&env)
			resp.Body.Close()
			if err != nil {
				b.Fatal(err)
			}
			return len(env.Resources)
		})
	})
	b.Run("raw", func(b *testing.B) {
		f := newFloor(srv)
		measure(b, 1, "req", func() int {
			resp, err := f.get(b.Context(), "/iocs/entities/indicators/v1", url.Values{"ids": {benchID}})
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return 1
		})
	})
}
