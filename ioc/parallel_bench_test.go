package ioc_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/falconioc/falcon"
	"github.com/falconioc/falcon/falcontest"
	"github.com/falconioc/falcon/ioc"
)

// Benchmarks of the parallel walk (ListOptions.Parallel) against the
// emulator's handler, served in memory behind a RoundTripper that adds a
// fixed latency to every request:
//
//   - BenchmarkParallelWalk: Parallel 8 against the sequential walk of the
//     same 200,000 indicators at 50 ms per request, in the same run;
//     wall-ratio is parallel over sequential (target at most 0.2). Every
//     indicator must come exactly once.
//   - BenchmarkParallelHeap: the peak live heap of a Parallel 8 walk over
//     1,000,000 indicators against over 100,000, at 2 ms per request;
//     heap-ratio is the first over the second (target at most 1.2). The
//     emulator runs in a process of its own (cmd/falcon-emulator, built
//     with the go command), so that its store and answers stay out of the
//     heap measured. The 100,000 are walked ten times, so that both peaks
//     are the highest of as many samples.
//
// The emulator answers with a high X-RateLimit-Limit so that a client-side
// rate limiter, if any, does not pace these walks.
//
// Run with: make bench-parallel (or go test -run '^$' -bench Parallel ./ioc/).

const (
	parallelBenchN    = 200000
	parallelBenchPar  = 8
	parallelLatency   = 50 * time.Millisecond
	heapLatency       = 2 * time.Millisecond
	benchRateLimit    = 1000000
	parallelBenchPage = ioc.MaxLimit
)

// latencyTransport serves requests with srv's handler in memory after
// waiting d (or until the request's context ends).
func latencyTransport(srv *falcontest.Server, d time.Duration) http.RoundTripper {
	h := srv.Handler()
	return roundTripper(func(req *http.Request) (*http.Response, error) {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-req.Context().Done():
			t.Stop()
			return nil, req.Context().Err()
		}
		if req.Body == nil {
			req.Body = http.NoBody
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		resp := rec.Result()
		resp.Request = req
		return resp, nil
	})
}

// latencyClient returns a client of srv through latencyTransport, with its
// token fetched already.
func latencyClient(b *testing.B, srv *falcontest.Server, d time.Duration) *ioc.Client {
	b.Helper()
	c, err := falcon.NewClient(falcon.WithBaseURL(indMemBase), falcon.WithCredentials(srv.ClientID, srv.ClientSecret),
		falcon.WithHTTPClient(&http.Client{Transport: latencyTransport(srv, d)}))
	if err != nil {
		b.Fatal(err)
	}
	iocs := ioc.New(c)
	if _, _, err := iocs.Indicators.Search(context.Background(), &ioc.ListOptions{Limit: 1}); err != nil {
		b.Fatal(err)
	}
	return iocs
}

func benchServer(n int) *falcontest.Server {
	return falcontest.NewUnstartedServer(falcontest.WithIndicators(n), falcontest.WithRateLimit(benchRateLimit),
		falcontest.WithRecordLimit(0), falcontest.WithTokenTTL(24*time.Hour))
}

// walkOnce walks every indicator with opts and returns how many came; with
// ids it also fails on an indicator seen twice.
func walkOnce(b *testing.B, iocs *ioc.Client, opts *ioc.ListOptions, ids map[string]struct{}) int {
	b.Helper()
	n := 0
	for in, err := range iocs.Indicators.All(context.Background(), opts) {
		if err != nil {
			b.Fatal(err)
		}
		if ids != nil {
			if _, dup := ids[in.ID]; dup {
				b.Fatalf("%s came twice", in.ID)
			}
			ids[in.ID] = struct{}{}
		}
		n++
	}
	return n
}

func BenchmarkParallelWalk(b *testing.B) {
	srv := benchServer(parallelBenchN)
	defer srv.Close()
	iocs := latencyClient(b, srv, parallelLatency)
	var seq, par time.Duration
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		if n := walkOnce(b, iocs, &ioc.ListOptions{Limit: parallelBenchPage}, nil); n != parallelBenchN {
			b.Fatalf("sequential walk: %d indicators, want %d", n, parallelBenchN)
		}
		seq += time.Since(start)
		ids := make(map[string]struct{}, parallelBenchN)
		start = time.Now()
		if n := walkOnce(b, iocs, &ioc.ListOptions{Limit: parallelBenchPage, Parallel: parallelBenchPar}, ids); n != parallelBenchN {
			b.Fatalf("parallel walk: %d indicators, want %d", n, parallelBenchN)
		}
		par += time.Since(start)
	}
	b.StopTimer()
	b.ReportMetric(seq.Seconds()/float64(b.N), "seq-s")
	b.ReportMetric(par.Seconds()/float64(b.N), "par-s")
	b.ReportMetric(par.Seconds()/seq.Seconds(), "wall-ratio")
}

// emulatorProcess starts cmd/falcon-emulator (built into dir) with n
// indicators and answers delayed by latency, in a process of its own so
// that the heap measured is the client's alone. It returns the server's
// base URL, id and secret, and a function that stops it.
func emulatorProcess(b *testing.B, dir string, n int, latency time.Duration) (base, id, secret string, stop func()) {
	b.Helper()
	bin := filepath.Join(dir, "falcon-emulator")
	if _, err := os.Stat(bin); err != nil {
		out, err := exec.Command("go", "build", "-o", bin, "../cmd/falcon-emulator").CombinedOutput()
		if err != nil {
			b.Fatalf("go build: %v\n%s", err, out)
		}
	}
	id, secret = "bench-client", "bench-secret"
	cmd := exec.Command(bin, "-indicators", strconv.Itoa(n), "-latency", latency.String(),
		"-rate-limit", strconv.Itoa(benchRateLimit), "-token-ttl", "24h", "-client-id", id, "-client-secret", secret)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	// The emulator prints its environment as shell lines, such as
	// export FALCON_BASE_URL='http://127.0.0.1:41235'.
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimPrefix(sc.Text(), "export "), "=")
		if ok && k == "FALCON_BASE_URL" {
			base = strings.Trim(v, "'")
			break
		}
	}
	if base == "" {
		cmd.Process.Kill()
		cmd.Wait()
		b.Fatal("the emulator printed no address")
	}
	go io.Copy(io.Discard, stdout)
	return base, id, secret, func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	}
}

// peakWalk walks every indicator (n) of the emulator at base with
// Parallel 8, walks times, and returns the peak live heap above the live
// heap before the first walk.
func peakWalk(b *testing.B, base, id, secret string, n, walks int) uint64 {
	b.Helper()
	c, err := falcon.NewClient(falcon.WithBaseURL(base), falcon.WithCredentials(id, secret),
		falcon.WithHTTPClient(&http.Client{Transport: newTransport()}))
	if err != nil {
		b.Fatal(err)
	}
	iocs := ioc.New(c)
	if _, _, err := iocs.Indicators.Search(context.Background(), &ioc.ListOptions{Limit: 1}); err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	start := heapInUse()
	var peak atomic.Uint64
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
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
	for range walks {
		got := 0
		for in, err := range iocs.Indicators.All(context.Background(), &ioc.ListOptions{Limit: parallelBenchPage, Parallel: parallelBenchPar}) {
			if err != nil {
				b.Fatal(err)
			}
			sink.Store(in)
			got++
		}
		if got != n {
			b.Fatalf("walk: %d indicators, want %d", got, n)
		}
	}
	close(stop)
	<-done
	if p := peak.Load(); p > start {
		return p - start
	}
	return 0
}

func BenchmarkParallelHeap(b *testing.B) {
	dir := b.TempDir()
	var small, large uint64
	for range b.N {
		for _, n := range []int{100000, 1000000} {
			base, id, secret, stop := emulatorProcess(b, dir, n, heapLatency)
			// The 100,000 are walked ten times: a peak is the highest of
			// samples taken at garbage collections, so both peaks come from
			// as many pages.
			walks := 1
			if n == 100000 {
				walks = 10
			}
			p := peakWalk(b, base, id, secret, n, walks)
			stop()
			if n == 100000 {
				small += p
			} else {
				large += p
			}
		}
	}
	b.ReportMetric(float64(small)/float64(b.N), "peak-live-B-100k")
	b.ReportMetric(float64(large)/float64(b.N), "peak-live-B-1M")
	b.ReportMetric(float64(large)/float64(small), "heap-ratio")
}
