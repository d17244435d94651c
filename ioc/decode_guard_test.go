package ioc

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// sampleJSON returns a JSON value, not the zero value, for a field of type
// t, or "" when the test does not know the type (which fails the test: add
// the type here).
func sampleJSON(t reflect.Type) string {
	switch {
	case t == reflect.TypeFor[time.Time]():
		return `"2025-01-02T03:04:05Z"`
	case t == reflect.TypeFor[*Metadata]():
		return `{"filename":"f"}`
	}
	switch t.Kind() {
	case reflect.String:
		return `"x"`
	case reflect.Bool:
		return `true`
	case reflect.Int, reflect.Int64:
		return `7`
	case reflect.Slice:
		if t.Elem().Kind() == reflect.String {
			return `["x"]`
		}
	}
	return ""
}

// checkEveryField sends each JSON field of the struct type of zero, alone
// and set to a non-zero value, through decode (which wraps it as its
// input needs) and fails when the field comes out zero or unlike what
// encoding/json makes of it: the hand-written decoder forgot the field.
func checkEveryField[T any](t *testing.T, decode func(member string) (got, want *T, err error)) {
	t.Helper()
	typ := reflect.TypeFor[T]()
	for f := range typ.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		v := sampleJSON(f.Type)
		if v == "" {
			t.Errorf("%s.%s: no sample value for %v; add one to sampleJSON", typ.Name(), f.Name, f.Type)
			continue
		}
		got, want, err := decode(`"` + name + `":` + v)
		if err != nil {
			t.Errorf("%s.%s: %v", typ.Name(), f.Name, err)
			continue
		}
		g, w := reflect.ValueOf(got).Elem().FieldByIndex(f.Index), reflect.ValueOf(want).Elem().FieldByIndex(f.Index)
		if g.IsZero() || !reflect.DeepEqual(g.Interface(), w.Interface()) {
			t.Errorf("%s.%s (json %q): the fast decoder gives %#v, encoding/json %#v", typ.Name(), f.Name, name, g.Interface(), w.Interface())
		}
	}
}

// TestDecoderKnowsEveryField fails when a field is added to Indicator or
// Metadata without a case in the fast decoder (indicators_decode.go): the
// field switch, the key list used for case folding, and for a null.
func TestDecoderKnowsEveryField(t *testing.T) {
	t.Parallel()
	decodeBoth := func(in string) (*Indicator, *Indicator, error) {
		var fast indicatorList
		if err := fast.decode([]byte(in)); err != nil {
			return nil, nil, err
		}
		var std []*Indicator
		if err := json.Unmarshal([]byte(in), &std); err != nil {
			return nil, nil, err
		}
		return fast[0], std[0], nil
	}
	checkEveryField(t, func(member string) (*Indicator, *Indicator, error) {
		return decodeBoth(`[{` + member + `}]`)
	})
	checkEveryField(t, func(member string) (*Metadata, *Metadata, error) {
		got, want, err := decodeBoth(`[{"metadata":{` + member + `}}]`)
		if err != nil {
			return nil, nil, err
		}
		return got.Metadata, want.Metadata, nil
	})
	// Every key takes a case-folded spelling and null as encoding/json does.
	for _, key := range append(append([]string(nil), indicatorKeys...), metadataKeys...) {
		upper := strings.ToUpper(key)
		for _, in := range []string{`[{"` + upper + `":null}]`, `[{"metadata":{"` + upper + `":null}}]`} {
			if !checkParity(t, []byte(in)) {
				t.Errorf("encoding/json refuses %s", in)
			}
		}
	}
	if n := reflect.TypeFor[Indicator]().NumField(); n != len(indicatorKeys) {
		t.Errorf("Indicator has %d fields, indicatorKeys %d", n, len(indicatorKeys))
	}
	if n := reflect.TypeFor[Metadata]().NumField(); n != len(metadataKeys) {
		t.Errorf("Metadata has %d fields, metadataKeys %d", n, len(metadataKeys))
	}
}
