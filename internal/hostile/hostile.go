// Package hostile serves the answers of a broken or hostile Falcon API, for
// the tests of the packages that read API answers (falcon, ioc): malformed
// and truncated JSON, HTML with 200, values of the wrong JSON type,
// resources null, an object or absent, arrays nested 10,000 deep, a 10 MB
// string, odd pagination totals, an after cursor that repeats forever, a
// body that never ends, invalid UTF-8, duplicate keys, a 1 GiB body and a
// gzip bomb. Large bodies are generated as they are sent, never held in
// memory, and the server stops as soon as the client stops reading.
//
// [Transport] wraps a client transport to sample the heap as response
// bodies are read, so that tests can bound the memory an answer costs.
package hostile

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Outcome is what a client must make of an answer.
type Outcome int

const (
	// Decode: the body is not the envelope expected (a decode error).
	Decode Outcome = iota
	// OK: the answer is usable (possibly with odd values).
	OK
	// Lost: the body broke off (a request error; the server may have acted).
	Lost
	// TooLarge: the body is over the client's limit.
	TooLarge
	// Deadline: the body never ends; the call ends with its context.
	Deadline
	// Loop: every page names the same next cursor; a walk must stop.
	Loop
)

// Answer is one hostile answer.
type Answer struct {
	Name string
	// Status is the HTTP status (200 when 0).
	Status int
	// Header holds extra response headers.
	Header http.Header
	// Body returns a fresh body for each request.
	Body func() io.Reader
	// Stall makes the handler wait, after the body, until the request ends.
	Stall bool
	// Want is what the client must make of it.
	Want Outcome
	// Items is how many resources a usable answer holds (OK only).
	Items int
}

// GiB is the size of the big bodies.
const GiB = 1 << 30

// Envelope returns an envelope with resources (JSON text) and meta.
func Envelope(resources string) string {
	return `{"meta":{"query_time":0.01,"trace_id":"hostile-trace"},"errors":[],"resources":` + resources + `}`
}

// Indicator is a well-formed indicator object.
const Indicator = `{"id":"` + ID + `","type":"domain","value":"example.com","action":"detect","severity":"low",` +
	`"platforms":["windows"],"tags":["t"],"applied_globally":true,"created_on":"2025-01-29T09:01:39Z","metadata":{"av_hits":1}}`

// ID is the id of Indicator.
const ID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// WrongTypes maps each JSON field of an indicator to a value of a type it
// cannot take.
var WrongTypes = map[string]string{
	"id": `5`, "type": `["md5"]`, "value": `{}`, "action": `true`, "mobile_action": `1`, "severity": `[]`,
	"description": `{}`, "source": `2`, "platforms": `"windows"`, "tags": `{"a":1}`, "host_groups": `"g"`,
	"applied_globally": `"yes"`, "expiration": `7`, "expired": `1`, "deleted": `"no"`, "from_parent": `[]`,
	"parent_cid_name": `false`, "metadata": `[1]`, "created_by": `{}`, "created_on": `true`,
	"modified_by": `9`, "modified_on": `[]`,
}

func text(s string) func() io.Reader {
	return func() io.Reader { return strings.NewReader(s) }
}

// Answers returns every hostile answer, for a call that reads a list of
// indicators.
func Answers() []Answer {
	deep := 10000
	as := []Answer{
		{Name: "malformed JSON", Body: text(`{"meta":{},"resources":[{"id":"a",}]}`), Want: Decode},
		{Name: "truncated JSON", Body: text(`{"meta":{},"resources":[` + Indicator), Want: Lost},
		{Name: "HTML with 200", Header: http.Header{"Content-Type": {"text/html"}},
			Body: text(`<html><body><h1>Service temporarily unavailable</h1></body></html>`), Want: Decode},
		{Name: "white space only", Body: text(" \r\n\t "), Want: Decode},
		{Name: "not an object", Body: text(`[` + Indicator + `]`), Want: Decode},
		{Name: "trailing bytes", Body: text(Envelope(`[`+Indicator+`]`) + ` {"resources":[]}`), Want: Decode},
		{Name: "resources null", Body: text(Envelope(`null`)), Want: OK},
		{Name: "resources an object", Body: text(Envelope(Indicator)), Want: Decode},
		{Name: "resources absent", Body: text(`{"meta":{"trace_id":"t"},"errors":[]}`), Want: OK},
		{Name: "null in resources", Body: text(Envelope(`[` + Indicator + `,null]`)), Want: Decode},
		{Name: "nested 10,000 deep", Body: text(`{"resources":[{"id":"a","x":` + strings.Repeat("[", deep) + strings.Repeat("]", deep) + `}]}`), Want: Decode},
		{Name: "10 MB string", Body: func() io.Reader {
			return io.MultiReader(strings.NewReader(`{"resources":[{"id":"`+ID+`","description":"`),
				Repeat('d', 10<<20), strings.NewReader(`"}]}`))
		}, Want: OK, Items: 1},
		{Name: "negative total", Body: text(`{"meta":{"pagination":{"total":-5,"limit":-1,"offset":-3}},"resources":[` + Indicator + `]}`), Want: OK, Items: 1},
		{Name: "huge total", Body: text(`{"meta":{"pagination":{"total":99999999999999999999999,"limit":1e300}},"resources":[` + Indicator + `]}`), Want: OK, Items: 1},
		{Name: "after cursor forever", Body: text(`{"meta":{"pagination":{"total":5,"after":"again"}},"resources":[` + Indicator + `]}`), Want: Loop, Items: 1},
		{Name: "body never ends", Body: text(`{"meta":{},"resources":[` + Indicator + `,`), Stall: true, Want: Deadline},
		{Name: "invalid UTF-8", Body: text("{\"resources\":[{\"id\":\"\xff\xfe\",\"value\":\"a\xc3\",\"tags\":[\"\xed\xa0\x80\"]}]}"), Want: OK, Items: 1},
		{Name: "duplicate keys", Body: text(`{"resources":[{"id":"a"},{"id":"b"}],"meta":{"trace_id":"1"},"resources":[{"id":"c","id":"` + ID + `"}],"meta":{"trace_id":"2"}}`), Want: OK, Items: 1},
		{Name: "1 GiB body", Body: func() io.Reader {
			return io.MultiReader(strings.NewReader(`{"resources":[{"id":"`+ID+`","description":"`), Repeat('a', GiB), strings.NewReader(`"}]}`))
		}, Want: TooLarge},
		{Name: "gzip bomb", Header: http.Header{"Content-Encoding": {"gzip"}}, Body: GzipBomb, Want: TooLarge},
	}
	for _, field := range sortedKeys(WrongTypes) {
		as = append(as, Answer{Name: "wrong type for " + field,
			Body: text(Envelope(`[{"id":"` + ID + `","` + field + `":` + WrongTypes[field] + `}]`)), Want: Decode})
	}
	return as
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := range keys { // insertion sort: a few keys
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

// Repeat returns a reader of n bytes c, generated as they are read.
func Repeat(c byte, n int64) io.Reader {
	return io.LimitReader(repeater(c), n)
}

type repeater byte

func (r repeater) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	p[0] = byte(r)
	for i := 1; i < len(p); i *= 2 {
		copy(p[i:], p[:i])
	}
	return len(p), nil
}

var (
	bombOnce   sync.Once
	bombHead   []byte
	bombMember []byte
)

// GzipBomb returns a gzip stream of about 1 MiB that expands to 1 GiB of
// JSON: a string of 'a's in a resources list. It is made of gzip members,
// one for the start and 1,024 copies of one for 1 MiB of 'a's, which
// gzip readers decode as one stream.
func GzipBomb() io.Reader { return GzipBombOf(GiB) }

// GzipBombOf is GzipBomb expanding to n bytes (rounded down to whole MiB,
// at least one).
func GzipBombOf(n int64) io.Reader {
	bombOnce.Do(func() {
		bombHead = gzipped([]byte(`{"resources":[{"id":"` + ID + `","description":"`))
		bombMember = gzipped(bytes.Repeat([]byte("a"), 1<<20))
	})
	rs := []io.Reader{bytes.NewReader(bombHead)}
	for range max(n>>20, 1) {
		rs = append(rs, bytes.NewReader(bombMember))
	}
	return io.MultiReader(rs...)
}

func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return buf.Bytes()
}

// Server is an API that gives one answer to every request.
type Server struct {
	*httptest.Server
	requests atomic.Int64
}

// Requests returns how many requests the server received.
func (s *Server) Requests() int { return int(s.requests.Load()) }

// NewServer starts a server giving a to every request. Close it when done.
func NewServer(a Answer) *Server {
	s := &Server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("X-Cs-Traceid", "hostile-header-trace")
		for k, vs := range a.Header {
			h[k] = vs
		}
		status := a.Status
		if status == 0 {
			status = http.StatusOK
		}
		w.WriteHeader(status)
		// A write fails once the client has gone: the copy stops there.
		_, _ = io.Copy(w, a.Body())
		if a.Stall {
			if f, ok := w.(http.Flusher); ok {
				f.Flush()
			}
			<-r.Context().Done()
		}
	}))
	return s
}

// Transport wraps an http.RoundTripper and samples the heap (the bytes of
// allocated objects, garbage not yet collected included) every 256 KiB of
// response body read, keeping the highest figure.
type Transport struct {
	Base http.RoundTripper
	peak atomic.Uint64
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.Base.RoundTrip(req)
	if resp != nil && resp.Body != nil {
		resp.Body = &sampled{ReadCloser: resp.Body, t: t}
	}
	return resp, err
}

// Peak returns the highest heap size sampled.
func (t *Transport) Peak() uint64 { return t.peak.Load() }

// Sample records the heap size now.
func (t *Transport) Sample() {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	for {
		p := t.peak.Load()
		if ms.HeapAlloc <= p || t.peak.CompareAndSwap(p, ms.HeapAlloc) {
			return
		}
	}
}

type sampled struct {
	io.ReadCloser
	t    *Transport
	read int64
}

func (s *sampled) Read(p []byte) (int, error) {
	n, err := s.ReadCloser.Read(p)
	before := s.read
	s.read += int64(n)
	if s.read>>18 != before>>18 {
		s.t.Sample()
	}
	return n, err
}

// MiB formats a byte count in MiB.
func MiB(n uint64) string {
	return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MiB"
}
