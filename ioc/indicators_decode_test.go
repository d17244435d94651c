package ioc

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/falconioc/falcon/falcontest"
	"github.com/falconioc/falcon/internal/core"
)

// falcon.Client.Do hands these destinations the resources as they are in
// the body, without encoding/json scanning them again.
func TestFastPaths(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		dst             any
		decoder, keeper bool
	}{{new(indicatorList), true, false}, {new(rawPage), false, true}, {new(writeRows), true, false}} {
		if d, k := core.FastPath(tc.dst); d != tc.decoder || k != tc.keeper {
			t.Errorf("%T: decoder %v keeper %v; want %v %v", tc.dst, d, k, tc.decoder, tc.keeper)
		}
	}
}

// The fast decoder must produce exactly what encoding/json produces for
// []*Indicator, whenever encoding/json succeeds.

// emulatorPage returns the resources of one combined page served by the
// emulator, seeded with n indicators.
func emulatorPage(tb testing.TB, n int) []byte {
	tb.Helper()
	srv := falcontest.NewUnstartedServer(falcontest.WithIndicators(n), falcontest.WithRateLimit(0), falcontest.WithSeed(3))
	req := httptest.NewRequest(http.MethodGet, "/iocs/combined/indicator/v1?limit=2000", http.NoBody)
	req.Header.Set("Authorization", "Bearer "+srv.IssueToken())
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		tb.Fatalf("emulator answered %d: %s", rec.Code, rec.Body)
	}
	var env struct {
		Resources json.RawMessage `json:"resources"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil {
		tb.Fatal(err)
	}
	return env.Resources
}

// checkParity decodes b both ways and reports any difference. It returns
// false when encoding/json itself refuses b.
func checkParity(t *testing.T, b []byte) bool {
	t.Helper()
	var std []*Indicator
	if err := json.Unmarshal(b, &std); err != nil {
		return false
	}
	var fast indicatorList
	if err := fast.UnmarshalJSON(b); err != nil {
		t.Fatalf("fast decoder failed where encoding/json did not: %v\ninput: %q", err, b)
	}
	if !reflect.DeepEqual([]*Indicator(fast), std) {
		for i := range min(len(fast), len(std)) {
			if !reflect.DeepEqual(fast[i], std[i]) {
				t.Fatalf("item %d differs:\nfast %#v\nstd  %#v\ninput: %q", i, fast[i], std[i], b)
			}
		}
		t.Fatalf("results differ: fast %d items, std %d; input %q", len(fast), len(std), b)
	}
	return true
}

func TestDecoderParityEmulatorPage(t *testing.T) {
	t.Parallel()
	page := emulatorPage(t, 1500)
	if !checkParity(t, page) {
		t.Fatal("encoding/json refused the emulator's page")
	}
	var fast indicatorList
	if err := json.Unmarshal(page, &fast); err != nil || len(fast) != 1500 {
		t.Fatalf("through encoding/json: %d items, %v", len(fast), err)
	}
}

func TestDecoderParityEdgeCases(t *testing.T) {
	t.Parallel()
	cases := []string{
		`[]`, `null`, `[{}]`, ` [ { } , {} ] `,
		`[{"id":null,"type":null,"platforms":null,"tags":null,"metadata":null,"expiration":null,"applied_globally":null}]`,
		`[{"platforms":[],"tags":[],"host_groups":[],"metadata":{}}]`,
		`[{"platforms":["windows","mac","linux","ios","android","beos"]}]`,
		`[{"platforms":["windows",null,"plan9"],"tags":[null,"x",""]}]`,
		`[{"type":"SHA256","action":"quarantine","severity":"HIGH","mobile_action":"x"}]`,
		`[{"unknown":{"a":[1,2,{"b":"]}"}],"c":null},"other":[[],{}],"n":-1.5e3,"t":true,"s":"x\"y"}]`,
		`[{"description":"\u0000\t\n\\\/\"\u00e9\ud83d\ude00 \ud800 \udc00x \ud800\u0041 é"}]`,
		"[{\"value\":\"\xff\xfe bad utf8 \xc3\"}]",
		`[{"expiration":"2025-01-29T09:01:39.125982486Z","created_on":"2025-01-29T09:01:39Z","modified_on":"2025-01-29T09:01:39.1Z"}]`,
		`[{"expiration":"2025-01-29T09:01:39.125+02:00","created_on":"2024-02-29T23:59:59.999999999Z"}]`,
		`[{"created_on":"2025-01-29T09:01:39,5Z"}]`,
		`[{"metadata":{"av_hits":-0,"signed":false,"filename":"a\u0062c","unknown":[1]}}]`,
		`[{"metadata":{"av_hits":9223372036854775807}}]`,
		`[{"ID":"upper","Type":"md5","HOST_GROUPS":["x"],"Metadata":{"AV_Hits":2,"FileName":"f"}}]`,
		`[{"id":"a","id":"b","tags":["1"],"tags":["2"]}]`,
		`[{"id":"a","id":null,"value":"v","value":"","tags":["1"],"tags":null,"host_groups":null,"host_groups":[]}]`,
		`[{"metadata":{"filename":"a"},"metadata":null},{"metadata":{"filename":"a","filename":null,"av_hits":3,"av_hits":null}}]`,
		`[{"created_on":"2025-01-29T09:01:39Z","created_on":null,"expired":true,"expired":null,"type":"md5","type":null,"source":"s","SOURCE":null}]`,
		`[{"description":"0123456789abcdefé","value":"0123456789abcdefgh` + "ÿ" + `","source":"` + "þ" + `0123456789abcdef"}]`,
		`[{"\u0069d":"escaped key","ſource":"long s"}]`,
		`[{"id":"` + strings.Repeat("x", 5000) + `","tags":["` + strings.Repeat("t", 200) + `"]}]`,
	}
	for _, c := range cases {
		if !checkParity(t, []byte(c)) {
			t.Errorf("encoding/json refused %q; pick a case it takes", c)
		}
	}
}

func TestDecoderMalformed(t *testing.T) {
	t.Parallel()
	for _, c := range []string{
		``, `[`, `[{`, `[{"id"`, `[{"id":`, `[{"id":"x`, `[{"id":"x"`, `[{"id":"x",}]`, `{}`, `[1]`, `["x"]`,
		`[{"id":5}]`, `[{"tags":"x"}]`, `[{"platforms":{}}]`, `[{"expired":"yes"}]`, `[{"created_on":"yesterday"}]`,
		`[{"metadata":[]}]`, `[{"metadata":{"av_hits":"many"}}]`, `[{"description":"\q"}]`, `[{"description":"\u12"}]`,
		`[{"x":[1,2}]`, `[{"id":"x"} {"id":"y"}]`, `[{"unknown":`,
	} {
		var l indicatorList
		if err := l.UnmarshalJSON([]byte(c)); err == nil {
			t.Errorf("%q: no error", c)
		}
	}
}

func TestRawPageEmpty(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in    string
		empty bool
		n     int
	}{{`[]`, true, 0}, {` [ ] `, true, 0}, {`null`, true, 0}, {`[{}]`, false, 1}, {`[{}, {"id":"x"}]`, false, 2}} {
		var p rawPage
		if err := p.UnmarshalJSON([]byte(tc.in)); err != nil {
			t.Fatal(err)
		}
		if p.empty != tc.empty {
			t.Errorf("%q: empty = %v", tc.in, p.empty)
		}
		items, err := p.decode()
		if err != nil || len(items) != tc.n {
			t.Errorf("%q: decode = %v, %v", tc.in, items, err)
		}
		if p.raw.Bytes != nil {
			t.Errorf("%q: buffer not released", tc.in)
		}
	}
}

func TestWriteRowsInfo(t *testing.T) {
	t.Parallel()
	var w writeRows
	in := `[{"id":"a","type":"md5","value":"v","message_type":"warning","field_name":"value","message":"m","code":400},` +
		`{"type":"domain","value":"d","message_type":"error","field_name":"action","message":"bad"},{"id":"c"}]`
	if err := json.Unmarshal([]byte(in), &w); err != nil {
		t.Fatal(err)
	}
	want := []rowInfo{{"warning", "value", "m", 400}, {"error", "action", "bad", 0}, {}}
	if !reflect.DeepEqual(w.infos, want) || len(w.inds) != 3 || w.inds[0].ID != "a" || w.inds[1].Value != "d" {
		t.Errorf("rows = %+v %+v", w.inds, w.infos)
	}
}

// FuzzDecodeIndicators checks the fast decoder against encoding/json both
// ways on valid JSON: each takes what the other takes, with equal results,
// except for the two differences the decoder documents (a null in the list
// is refused; an empty timestamp string is taken).
func FuzzDecodeIndicators(f *testing.F) {
	f.Add([]byte(`[` + indFixture + `]`))
	f.Add([]byte(`[{"id":"x","platforms":["windows","mac","linux","ios"],"tags":["a"],"metadata":{"av_hits":1}}]`))
	f.Add([]byte(`[{"description":"\ud83d\ude00\u00e9","created_on":"2025-01-29T09:01:39.125Z"},null]`))
	f.Add([]byte(`[{"Type":"md5","unknown":{"a":[1,{"b":null}]}}]`))
	f.Add([]byte(`[{"id":"a","id":null,"tags":["x"],"TAGS":null,"expired":true,"expired":null}]`))
	f.Add([]byte(`[{"metadata":{"av_hits":1.5}},{"metadata":{"av_hits":9223372036854775808}},{"id":5}]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var fast indicatorList
		fastErr := fast.decode(b) // must not panic, whatever b is
		if !json.Valid(b) {
			return
		}
		var std []*Indicator
		stdErr := json.Unmarshal(b, &std)
		switch {
		case stdErr == nil && slices.Contains(std, nil):
			if fastErr == nil {
				t.Fatalf("fast decoder took a null indicator\ninput: %q", b)
			}
		case stdErr == nil:
			if fastErr != nil {
				t.Fatalf("fast decoder failed where encoding/json did not: %v\ninput: %q", fastErr, b)
			}
			if !reflect.DeepEqual([]*Indicator(fast), std) {
				t.Fatalf("results differ\nfast %#v\nstd  %#v\ninput: %q", fast, std, b)
			}
		case fastErr == nil && !strings.Contains(stdErr.Error(), `parsing time ""`):
			t.Fatalf("fast decoder took what encoding/json refuses (%v)\ninput: %q", stdErr, b)
		}
	})
}

const indFixture = `{"id":"1a1a","type":"sha256","value":"c3c3","action":"prevent","mobile_action":"detect","severity":"high",
"description":"d","source":"feed","platforms":["windows","mac"],"tags":["a","b"],"host_groups":["4d4d"],"applied_globally":false,
"expiration":"2030-01-02T03:04:05.123456789Z","expired":false,"deleted":false,"from_parent":true,"parent_cid_name":"p",
"metadata":{"av_hits":3,"company_name":"c","filename":"f.exe","signed":true},"created_on":"2025-01-29T09:01:39.125982486Z",
"created_by":"u1","modified_on":"2025-01-29T09:01:40Z","modified_by":"u2"}`

// The decoder refuses what encoding/json refuses for []*Indicator, with the
// same kind of error, and a null in the list, which encoding/json would
// turn into a nil *Indicator.
func TestDecoderRefusesWhatEncodingJSONRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, field string }{
		{`[{"metadata":{"av_hits":1.5}}]`, "metadata.av_hits"},
		{`[{"metadata":{"av_hits":1e3}}]`, "metadata.av_hits"},
		{`[{"metadata":{"av_hits":9223372036854775808}}]`, "metadata.av_hits"},
		{`[{"metadata":{"av_hits":-9223372036854775809}}]`, "metadata.av_hits"},
		{`[{"metadata":{"av_hits":"3"}}]`, "metadata.av_hits"},
		{`[{"metadata":{"signed":1}}]`, "metadata.signed"},
		{`[{"id":5}]`, "id"}, {`[{"type":["md5"]}]`, "type"}, {`[{"value":{}}]`, "value"},
		{`[{"tags":"x"}]`, "tags"}, {`[{"tags":[1]}]`, "tags"}, {`[{"platforms":{}}]`, "platforms"},
		{`[{"platforms":[true]}]`, "platforms"}, {`[{"expired":"yes"}]`, "expired"},
		{`[{"expiration":7}]`, "expiration"}, {`[{"metadata":[]}]`, "metadata"},
		{`[{"id":"x"},null]`, ""}, {`[null]`, ""}, {`[1]`, ""}, {`{"id":"x"}`, ""}, {`"s"`, ""},
	} {
		var std []*Indicator
		stdErr := json.Unmarshal([]byte(tc.in), &std)
		if stdErr == nil && !slices.Contains(std, nil) {
			t.Errorf("%s: encoding/json takes it; pick a case it refuses", tc.in)
		}
		var l indicatorList
		err := l.decode([]byte(tc.in))
		te, ok := errors.AsType[*json.UnmarshalTypeError](err)
		if !ok || te.Field != tc.field {
			t.Errorf("%s: err %v; want a *json.UnmarshalTypeError about %q (encoding/json: %v)", tc.in, err, tc.field, stdErr)
		}
		if ok && te.Offset <= 0 {
			t.Errorf("%s: offset %d", tc.in, te.Offset)
		}
	}
	// Every integer in range is taken.
	for _, in := range []string{`-9223372036854775808`, `9223372036854775807`, `-0`, `0`, `123456789012345678`} {
		if !checkParity(t, []byte(`[{"metadata":{"av_hits":`+in+`}}]`)) {
			t.Errorf("encoding/json refuses %s", in)
		}
	}
}
