package core

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/falconioc/falcon/internal/testutil"
)

// response returns a 200 answer with body; with readErr, reading fails
// with it once body is exhausted.
func response(body string, readErr error) *http.Response {
	var r io.Reader = strings.NewReader(body)
	if readErr != nil {
		r = io.MultiReader(r, iotest.ErrReader(readErr))
	}
	return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(r), ContentLength: -1}
}

// decodeReference is the envelope decoding core had before the one-scan
// path: encoding/json reading the stream into the three destinations, then
// refusing anything but white space after the value, as json.Unmarshal
// does.
func decodeReference(body string, env Envelope) (broken bool, err error) {
	if body == "" {
		return false, nil
	}
	skip := func(p any) any {
		if p == nil {
			return new(json.RawMessage)
		}
		return p
	}
	w := struct {
		Meta      any `json:"meta"`
		Resources any `json:"resources"`
		Errors    any `json:"errors"`
	}{skip(env.Meta), skip(env.Resources), skip(env.Errors)}
	dec := json.NewDecoder(strings.NewReader(body))
	err = dec.Decode(&w)
	if err == nil && strings.TrimLeft(body[dec.InputOffset():], " \t\r\n") != "" {
		err = errors.New("trailing data")
	}
	return errors.Is(err, io.ErrUnexpectedEOF), err
}

// testLimit is the body limit of decodeEnvelope in these tests.
const testLimit = 1 << 20

// checkEnvelopeParity decodes body both ways into fresh *any destinations
// and reports any difference in outcome or values.
func checkEnvelopeParity(t *testing.T, body string) {
	t.Helper()
	var m1, e1, r1, m2, e2, r2 any
	wantBroken, wantErr := decodeReference(body, Envelope{Meta: &m1, Errors: &e1, Resources: &r1})
	_, broken, err := decodeEnvelope(response(body, nil), Envelope{Meta: &m2, Errors: &e2, Resources: &r2}, testLimit)
	if broken != wantBroken || (err == nil) != (wantErr == nil) {
		t.Fatalf("body %q: broken %v, err %v; encoding/json: broken %v, err %v", body, broken, err, wantBroken, wantErr)
	}
	if wantErr == nil && (!reflect.DeepEqual(m1, m2) || !reflect.DeepEqual(e1, e2) || !reflect.DeepEqual(r1, r2)) {
		t.Fatalf("body %q:\n got meta %#v errors %#v resources %#v\nwant meta %#v errors %#v resources %#v", body, m2, e2, r2, m1, e1, r1)
	}
}

var envelopeCases = []string{
	`{"meta":{"trace_id":"t","pagination":{"after":"a","total":3}},"resources":[{"id":"a"},{"id":"b"}],"errors":[]}`,
	`{"errors":[{"code":400,"message":"m"}],"resources":null,"meta":{}}`,
	` {"Resources":[1],"META":{"x":1},"ErrorS":null} trailing`, `{"resources":[1]} `, `{"resources":[1]}}`, `{}{}`, `null x`, `[1] 2`,
	"\t\n ", `{"resources":` + strings.Repeat("[", 9999) + strings.Repeat("]", 9999) + `}`,
	`{"resources":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}`,
	`{"re\u0073ources":["escaped key"],"resources\u0000":[2]}`,
	`{"resources":[1],"resources":[2,3]}`,
	`{"other":{"deep":[1,{"resources":[9]}]},"resources":"s"}`,
	`{}`, `null`, `[]`, `"s"`, `12`, `true`, ` `, `{"a":1,}`, `{"resources":[1,]}`, `{"resources":[01]}`,
	`{"meta":{"a":"\x"}}`, `{"resources":[1,2`, `{"resources":"abc`, `{"meta":`, `{`, `nul`, `[1,2`, `{"resources":[1]`,
}

func TestEnvelopeMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, body := range envelopeCases {
		checkEnvelopeParity(t, body)
	}
}

func FuzzEnvelope(f *testing.F) {
	for _, body := range envelopeCases {
		f.Add(body)
	}
	f.Fuzz(func(t *testing.T, body string) {
		checkEnvelopeParity(t, body)
	})
}

func TestEnvelopeReadErrors(t *testing.T) {
	t.Parallel()
	lost := errors.New("connection reset")
	var out []int
	// A read error before the envelope is complete: the answer was lost.
	_, broken, err := decodeEnvelope(response(`{"resources":[1,2`, lost), Envelope{Resources: &out}, testLimit)
	if !broken || !errors.Is(err, lost) || out != nil {
		t.Errorf("cut short: broken %v, err %v, out %v", broken, err, out)
	}
	// A read error after it is complete changes nothing.
	_, broken, err = decodeEnvelope(response(`{"resources":[1,2]}`, lost), Envelope{Resources: &out}, testLimit)
	if broken || err != nil || !reflect.DeepEqual(out, []int{1, 2}) {
		t.Errorf("complete: broken %v, err %v, out %v", broken, err, out)
	}
	// A body shorter than its Content-Length, as net/http reports it.
	resp := response(`{"resources":[1,2]`, io.ErrUnexpectedEOF)
	resp.ContentLength = 100
	if _, broken, _ = decodeEnvelope(resp, Envelope{Resources: &out}, testLimit); !broken {
		t.Error("short body not reported as lost")
	}
	// Nothing is read for 204 and empty bodies.
	for _, r := range []*http.Response{{StatusCode: 204, Body: http.NoBody}, {StatusCode: 200, ContentLength: 0, Body: http.NoBody}} {
		if touched, broken, err := decodeEnvelope(r, Envelope{Resources: &out}, testLimit); touched || broken || err != nil {
			t.Errorf("empty: %v %v %v", touched, broken, err)
		}
	}
}

// rawDest records what DecodeRaw received.
type rawDest struct{ got []string }

func (d *rawDest) DecodeRaw(r Raw) error {
	d.got = append(d.got, string(r.Bytes))
	return nil
}

// keeper keeps the resources and their release function.
type keeper struct {
	b       []byte
	release func()
}

func (k *keeper) KeepRaw(r Raw) error {
	k.b, k.release = r.Bytes, r.Release
	return nil
}

func TestRawDestinations(t *testing.T) {
	t.Parallel()
	var meta, errs, res rawDest
	body := `{"meta":{"trace_id":"t"},"errors":[],"resources":[ {"id":"a"} ],"unknown":[1]}`
	if _, _, err := decodeEnvelope(response(body, nil), Envelope{Meta: &meta, Errors: &errs, Resources: &res}, testLimit); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(meta.got, []string{`{"trace_id":"t"}`}) || !reflect.DeepEqual(errs.got, []string{`[]`}) ||
		!reflect.DeepEqual(res.got, []string{`[ {"id":"a"} ]`}) {
		t.Errorf("meta %q errors %q resources %q", meta.got, errs.got, res.got)
	}
	// A malformed value never reaches a raw destination.
	res.got = nil
	if _, _, err := decodeEnvelope(response(`{"resources":[{"id":"a",}]}`, nil), Envelope{Resources: &res}, testLimit); err == nil || res.got != nil {
		t.Errorf("malformed: err %v, got %q", err, res.got)
	}

	// A keeper holds the body's buffer until it releases it; only then can
	// another answer reuse it.
	var k keeper
	if _, _, err := decodeEnvelope(response(`{"resources":["kept"],"resources":["last"]}`, nil), Envelope{Resources: &k}, testLimit); err != nil {
		t.Fatal(err)
	}
	kept := string(k.b)
	for range 20 {
		var other []string
		if _, _, err := decodeEnvelope(response(`{"resources":["`+strings.Repeat("x", 40)+`"]}`, nil), Envelope{Resources: &other}, testLimit); err != nil {
			t.Fatal(err)
		}
	}
	if kept != `["last"]` || string(k.b) != kept {
		t.Errorf("kept %q, now %q", kept, k.b)
	}
	k.release()
}

func TestReadBodyPresizes(t *testing.T) {
	t.Parallel()
	body := bytes.Repeat([]byte("a"), 10000)
	bp, err := readBody(iotest.OneByteReader(bytes.NewReader(body)), int64(len(body)), testLimit, nil)
	if err != nil || !bytes.Equal(*bp, body) || cap(*bp) < len(body) {
		t.Fatalf("readBody: %v, %d bytes", err, len(*bp))
	}
	putBody(bp)
	// A Content-Length that lies does not matter.
	bp, err = readBody(bytes.NewReader(body), 10, testLimit, nil)
	if err != nil || !bytes.Equal(*bp, body) {
		t.Fatalf("readBody with a short length: %v, %d bytes", err, len(*bp))
	}
	putBody(bp)
}

func TestRequestReuseLeavesNothingBehind(t *testing.T) {
	t.Parallel()
	type seen struct {
		method, ctype, custom string
		body                  []byte
	}
	var got []seen
	hc := &http.Client{Transport: testutil.RoundTripFunc(func(r *http.Request) (*http.Response, error) {
		s := seen{method: r.Method, ctype: r.Header.Get("Content-Type"), custom: r.Header.Get("X-Custom")}
		if r.Body != nil {
			s.body, _ = io.ReadAll(r.Body)
		}
		got = append(got, s)
		return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader(`{}`)), Header: http.Header{}, Request: r}, nil
	})}
	c := New(Config{HTTPClient: hc, BaseURL: "https://api.test", UserAgent: "ua"})
	ctx := context.Background()
	reqs := []*Request{
		{Method: "POST", Path: "/a", Body: []byte(`{"x":1}`), Header: http.Header{"X-Custom": {"1"}}},
		{Method: "GET", Path: "/b"},
		{Method: "POST", Path: "/c"},
		{Method: "PATCH", Path: "/d", Body: []byte(`[2]`)},
	}
	for _, r := range reqs {
		if _, err := c.Do(ctx, r, Envelope{}); err != nil {
			t.Fatal(err)
		}
	}
	want := []seen{
		{"POST", "application/json", "1", []byte(`{"x":1}`)},
		{"GET", "", "", nil},
		{"POST", "", "", nil},
		{"PATCH", "application/json", "", []byte(`[2]`)},
	}
	for i := range want {
		if got[i].method != want[i].method || got[i].ctype != want[i].ctype || got[i].custom != want[i].custom || !bytes.Equal(got[i].body, want[i].body) {
			t.Errorf("request %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

// countingReader serves n bytes of c, counting what was read.
type countingReader struct {
	n, read int64
	c       byte
}

func (r *countingReader) Read(p []byte) (int, error) {
	if r.read >= r.n {
		return 0, io.EOF
	}
	k := min(int64(len(p)), r.n-r.read)
	for i := range p[:k] {
		p[i] = r.c
	}
	r.read += k
	return int(k), nil
}

// maxRoom is the most room a buffer for limit bytes may take: limit+1,
// rounded up by the allocator to whole pages.
const maxRoom = testLimit + 1 + 8<<10

func TestReadBodyLimit(t *testing.T) {
	t.Parallel()
	// A body longer than the limit stops one byte past it, in a buffer
	// that never grew beyond that.
	long := &countingReader{n: 1 << 30, c: ' '}
	bp, err := readBody(long, -1, testLimit, nil)
	if err != errTooLarge || len(*bp) != testLimit+1 || cap(*bp) > maxRoom || long.read > maxRoom {
		t.Errorf("long body: err %v, %d bytes read into %d, %d read from the body", err, len(*bp), cap(*bp), long.read)
	}
	// Exactly the limit is fine.
	bp, err = readBody(&countingReader{n: testLimit, c: ' '}, -1, testLimit, nil)
	if err != nil || len(*bp) != testLimit || cap(*bp) > maxRoom {
		t.Errorf("body at the limit: err %v, %d bytes in %d", err, len(*bp), cap(*bp))
	}
	// A Content-Length is a hint bounded by the limit.
	bp, err = readBody(strings.NewReader(`{}`), 1<<40, testLimit, nil)
	if err != nil || string(*bp) != `{}` || cap(*bp) > maxRoom {
		t.Errorf("huge Content-Length: err %v, %q in %d", err, *bp, cap(*bp))
	}
}

func TestBodyTooLarge(t *testing.T) {
	t.Parallel()
	var out []string
	// Announced too long: refused before a byte is read.
	body := &countingReader{n: testLimit + 1, c: ' '}
	resp := &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(body), ContentLength: testLimit + 1}
	_, broken, err := decodeEnvelope(resp, Envelope{Resources: &out}, testLimit)
	if e, ok := errors.AsType[*BodyTooLargeError](err); !ok || broken || e.Limit != testLimit || body.read != 0 {
		t.Errorf("long Content-Length: broken %v, err %v, %d bytes read", broken, err, body.read)
	}
	// Of unknown length and too long: refused at the limit.
	body = &countingReader{n: 1 << 40, c: ' '}
	resp = &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(body), ContentLength: -1}
	_, broken, err = decodeEnvelope(resp, Envelope{Resources: &out}, testLimit)
	if e, ok := errors.AsType[*BodyTooLargeError](err); !ok || broken || e.Limit != testLimit || body.read > maxRoom {
		t.Errorf("endless body: broken %v, err %v, %d bytes read", broken, err, body.read)
	}
	if err != nil && !strings.Contains(err.Error(), "1048576 bytes") {
		t.Errorf("error %q does not name the limit", err)
	}
}

// Every body that is not the envelope expected is a *DecodeError, with the
// offset where decoding failed as encoding/json counts it (the bytes read
// when the problem showed), wrapping what encoding/json reports.
func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	type item struct{ N int }
	for _, tc := range []struct {
		body   string
		offset int64
		syntax bool // wraps a *json.SyntaxError, else a *json.UnmarshalTypeError
	}{
		{`{"resources":[1,}`, 17, true},
		{"  \n ", 4, true},
		{`<html>oops</html>`, 1, true},
		{`{"resources":[]} x`, 18, true},
		{`{"resources":` + strings.Repeat("[", 10001), 13 + 10000, true},
		{`[{"N":1}]`, 0, false},
		{`{"meta":{},"resources":[{"N":"one"}]}`, 34, false},
	} {
		var out []item
		_, broken, err := decodeEnvelope(response(tc.body, nil), Envelope{Resources: &out}, testLimit)
		de, ok := errors.AsType[*DecodeError](err)
		if !ok || broken {
			t.Errorf("%.40q: broken %v, err %v", tc.body, broken, err)
			continue
		}
		_, syn := errors.AsType[*json.SyntaxError](err)
		_, typ := errors.AsType[*json.UnmarshalTypeError](err)
		if de.Offset != tc.offset || syn != tc.syntax || typ == tc.syntax {
			t.Errorf("%.40q: offset %d (want %d), syntax error %v, type error %v: %v", tc.body, de.Offset, tc.offset, syn, typ, err)
		}
	}
}
