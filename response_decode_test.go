package falcon

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// metaCases are meta objects of the usual shape and of every unusual one
// the fast decoder hands to encoding/json.
var metaCases = []string{
	`{"query_time":0.0123,"powered_by":"ioc-manager","trace_id":"3f1c-ab"}`,
	`{"query_time":1e-3,"trace_id":"t","pagination":{"offset":10,"limit":100,"total":12345,"after":"a1"},"writes":{"resources_affected":2}}`,
	`{"query_time":null,"trace_id":null,"pagination":null,"writes":null,"entity":"e"}`,
	`{"pagination":{"offset":"20","limit":"5","total":"7","next_page":"np","expires_at":1730000000000}}`,
	`{"extra":{"deep":[1,2,{"x":null}]},"trace_id":"t","unknown":null}`,
	`{"trace_id":"t\u00e9\n"}`,
	"{\"trace_id\":\"bad \xff utf8\"}",
	`{"Trace_ID":"folded","QUERY_TIME":2}`,
	`{"trace_id":"a","trace_id":"b"}`,
	`{"trace\u005fid":"escaped key"}`,
	`{"query_time":"0.1"}`,
	`{"query_time":1e999}`,
	`{"trace_id":5}`,
	`{"pagination":"x"}`,
	`{"writes":{"resources_affected":"x"}}`,
	`{"writes":[1]}`,
	`{}`,
	`{"pagination":{"after":"a","after":null,"next_page":"n","offset":3,"offset":null,"limit":1.0,"total":"5","expires_at":"1e3"}}`,
	`{"pagination":{"offset":"x1","limit":"2.5","total":12.0,"expires_at":-4,"extra":{"a":[]}}}`,
	`{"pagination":{"offset":" 7 ","limit":"1e2","total":"99999999999999999999"}}`,
	`{"pagination":{"Offset":1}}`,
	`{"pagination":{"offset":[1],"limit":true}}`,
	`{"pagination":{"after":5}}`,
	`{"pagination":{"after":"\u0041"}}`,
	`{"pagination":{"offset":"\u0031"}}`,
	`{"pagination":[]}`,
}

// decodeMetaStd is what Client.Do made of a meta object before the fast
// path: encoding/json into a zero Meta.
func decodeMetaStd(b []byte) (Meta, error) {
	var m Meta
	err := json.Unmarshal(b, &m)
	return m, err
}

func checkMetaParity(t *testing.T, b []byte) {
	t.Helper()
	want, wantErr := decodeMetaStd(b)
	var got Meta
	gotErr := (*metaDest)(&got).decode(b)
	if (gotErr == nil) != (wantErr == nil) {
		t.Fatalf("%q: error %v, encoding/json %v", b, gotErr, wantErr)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q:\n got %+v\nwant %+v", b, got, want)
	}
}

func TestMetaDecodeMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, c := range metaCases {
		checkMetaParity(t, []byte(c))
	}
}

func FuzzMetaDecode(f *testing.F) {
	for _, c := range metaCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if !json.Valid(b) || len(b) == 0 || b[0] != '{' {
			return // Client.Do hands DecodeRaw checked objects only
		}
		checkMetaParity(t, b)
	})
}

func TestErrorsDecode(t *testing.T) {
	t.Parallel()
	for _, c := range []string{`[]`, ` [ ] `, `[{"code":400,"message":"bad","id":"x"}]`, `[{"code":"404","message":"gone"}]`} {
		var want []ErrorDetail
		wantErr := json.Unmarshal([]byte(c), &want)
		var got []ErrorDetail
		gotErr := (*errorsDest)(&got).decode([]byte(c))
		if (gotErr == nil) != (wantErr == nil) || !reflect.DeepEqual(got, want) || got == nil {
			t.Errorf("%q: got %#v, %v; want %#v, %v", c, got, gotErr, want, wantErr)
		}
	}
}

func TestParseRateLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		h    http.Header
		want RateLimit
	}{
		{nil, RateLimit{}},
		{http.Header{}, RateLimit{}},
		{http.Header{"X-Ratelimit-Limit": {"6000"}, "X-Ratelimit-Remaining": {" 5998 "}}, RateLimit{6000, 5998}},
		{http.Header{"X-Ratelimit-Limit": {"lots"}, "X-Ratelimit-Remaining": {""}}, RateLimit{}},
		{http.Header{"X-Ratelimit-Limit": {"+7"}, "X-Ratelimit-Remaining": {"-1"}}, RateLimit{7, -1}},
		{http.Header{"X-Ratelimit-Limit": {"12345678901234567890"}}, RateLimit{Limit: 1<<63 - 1}},
	}
	for _, tt := range tests {
		// Set canonicalises the names as a real response's header has them.
		h := http.Header{}
		for k, vs := range tt.h {
			h.Set(k, vs[0])
		}
		if got := parseRateLimit(h); got != tt.want {
			t.Errorf("parseRateLimit(%v) = %+v, want %+v", tt.h, got, tt.want)
		}
	}
}

// TestMetaDecoderKnowsEveryField fails when a field is added to Meta, or
// to the wire form of Pagination, without a case in the fast meta decoder
// (metaDest.decodeUsual, Pagination.decodeUsual), which would skip it.
func TestMetaDecoderKnowsEveryField(t *testing.T) {
	t.Parallel()
	sample := map[reflect.Type]string{
		reflect.TypeFor[float64]():         `0.5`,
		reflect.TypeFor[string]():          `"x"`,
		reflect.TypeFor[Pagination]():      `{"total":3}`,
		reflect.TypeFor[Writes]():          `{"resources_affected":2}`,
		reflect.TypeFor[json.RawMessage](): `7`,
	}
	check := func(typ reflect.Type, wrap func(member string) string, field func(*Meta) any) {
		for f := range typ.Fields() {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			v, ok := sample[f.Type]
			if !ok {
				t.Errorf("%s.%s: no sample value for %v; add one", typ.Name(), f.Name, f.Type)
				continue
			}
			in := []byte(wrap(`"` + name + `":` + v))
			var got Meta
			if !(*metaDest)(&got).decodeUsual(in) {
				t.Errorf("%s: the fast decoder handed it to encoding/json", in)
				continue
			}
			want, err := decodeMetaStd(in)
			if err != nil {
				t.Fatal(err)
			}
			if reflect.ValueOf(field(&got)).IsZero() || !reflect.DeepEqual(got, want) {
				t.Errorf("%s: fast decoder gives %+v, encoding/json %+v", in, got, want)
			}
		}
	}
	check(reflect.TypeFor[Meta](), func(m string) string { return "{" + m + "}" }, func(m *Meta) any { return *m })
	check(reflect.TypeFor[paginationWire](), func(m string) string { return `{"pagination":{` + m + "}}" },
		func(m *Meta) any { return m.Pagination })
}
