package rfc3339

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

// strictShape is RFC 3339's date-time grammar (section 5.6) with upper-case
// T and Z. Within it, Parse must agree with time.Parse; outside it, Parse
// must refuse what time.Parse tolerates.
var strictShape = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$`)

// want is the oracle: time.Parse on input of RFC 3339's shape.
func want(s string) (time.Time, bool) {
	if !strictShape.MatchString(s) {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// checkParse compares Parse, on the string and on its bytes, with the
// oracle, location included.
func checkParse(t *testing.T, s string) {
	t.Helper()
	wt, wok := want(s)
	gt, gok := Parse(s)
	bt, bok := Parse([]byte(s))
	if gok != wok || !reflect.DeepEqual(gt, wt) {
		t.Fatalf("Parse(%q) = %v, %t; time.Parse gives %v, %t", s, gt, gok, wt, wok)
	}
	if bok != gok || !reflect.DeepEqual(bt, gt) {
		t.Fatalf("Parse([]byte(%q)) = %v, %t; from the string %v, %t", s, bt, bok, gt, gok)
	}
}

var parseCases = []string{
	"2025-01-29T09:01:39Z",
	"2025-01-29T09:01:39.125982486Z",
	"2025-01-29T09:01:39.1Z",
	"2025-01-29T09:01:39.1234567891234Z", // past nine digits: dropped
	"2025-01-29T09:01:39.000000000Z",
	"2025-01-29T09:01:39+02:00",
	"2025-01-29T09:01:39.125-07:30",
	"2025-01-29T09:01:39+00:00",
	"2025-01-29T09:01:39-00:00",
	"2025-01-29T23:59:59+23:59",
	"0000-01-01T00:00:00Z",
	"9999-12-31T23:59:59.999999999Z",
	"2024-02-29T12:00:00Z",
	"2000-02-29T12:00:00Z",
	// refused by both
	"2025-02-29T12:00:00Z", "1900-02-29T00:00:00Z", "2025-04-31T00:00:00Z", "2025-13-01T00:00:00Z",
	"2025-00-01T00:00:00Z", "2025-01-00T00:00:00Z", "2025-01-29T24:00:00Z", "2025-01-29T09:60:00Z",
	"2025-01-29T09:01:60Z", "2025-01-29T09:01:39", "2025-01-29T09:01:39.Z", "2025-01-29T09:01:39.5",
	"2025-01-29", "2025-01-29T09:01Z", "2025-01-29 09:01:39Z", "+2025-01-29T09:01:39Z",
	"2025-01-29T09:01:39ZZ", "2025-01-29T09:01:39+0200", "2025-01-29T09:01:39+02", "2025-01-29T09:01:39+2:00",
	"2025-1-29T09:01:39Z", "20250129T090139Z", "", "Z", "2025-01-29T09:01:39.1e3Z", "２025-01-29T09:01:39Z",
	"2025-01-29T09:01:39\x00", "2025-01-29T09:01:39Z\n", "-025-01-29T09:01:39Z", "2025-01-29T09:01:3aZ",
	// tolerated by time.Parse, outside RFC 3339: refused
	"2025-01-29t09:01:39Z", "2025-01-29T09:01:39z", "2025-01-29T09:01:39,5Z", "2025-01-29T9:01:39Z",
	"2025-01-29T09:01:39+24:00", "2025-01-29T09:01:39+23:60", "2025-01-29T09:01:39-99:99",
}

func TestParseMatchesTimeParse(t *testing.T) {
	t.Parallel()
	for _, s := range parseCases {
		checkParse(t, s)
	}
}

func TestParseRefusesTimeParseExtensions(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"2025-01-29T09:01:39,5Z", "2025-01-29T9:01:39Z", "2025-01-29T09:01:39+24:00"} {
		if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
			t.Errorf("time.Parse(%q) refuses it now (%v): move it to the cases both refuse", s, err)
		}
		if got, ok := Parse(s); ok {
			t.Errorf("Parse(%q) = %v, want false", s, got)
		}
	}
}

func TestParseValues(t *testing.T) {
	t.Parallel()
	for s, w := range map[string]time.Time{
		"2025-01-29T09:01:39.125982486Z":      time.Date(2025, 1, 29, 9, 1, 39, 125982486, time.UTC),
		"2025-01-29T09:01:39.1Z":              time.Date(2025, 1, 29, 9, 1, 39, 100000000, time.UTC),
		"2025-01-29T09:01:39.1234567899Z":     time.Date(2025, 1, 29, 9, 1, 39, 123456789, time.UTC),
		"2025-01-29T09:01:39.5+02:00":         time.Date(2025, 1, 29, 7, 1, 39, 500000000, time.UTC),
		"2025-01-29T23:30:00-07:30":           time.Date(2025, 1, 30, 7, 0, 0, 0, time.UTC),
		"0000-01-01T00:00:00Z":                time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
		"2024-02-29T00:00:00.000000001+00:00": time.Date(2024, 2, 29, 0, 0, 0, 1, time.UTC),
	} {
		got, ok := Parse(s)
		if !ok || !got.Equal(w) {
			t.Errorf("Parse(%q) = %v, %t; want %v", s, got, ok, w)
		}
	}
	got, _ := Parse("2025-01-29T09:01:39+05:30")
	if name, off := got.Zone(); off != 5*3600+30*60 || got.Location() == time.UTC {
		t.Errorf("zone %q %d, want a fixed +05:30", name, off)
	}
}

// TestParseLocalZone runs alone: it replaces time.Local, as time.Parse
// picks the local zone when the offset is the local one.
func TestParseLocalZone(t *testing.T) {
	saved := time.Local
	defer func() { time.Local = saved }()
	time.Local = time.FixedZone("CET", 3600)
	for _, s := range []string{"2025-01-29T09:01:39+01:00", "2025-01-29T09:01:39+02:00", "2025-01-29T09:01:39Z"} {
		checkParse(t, s)
	}
	if got, _ := Parse("2025-01-29T09:01:39+01:00"); got.Location() != time.Local {
		t.Errorf("location %v, want time.Local", got.Location())
	}
}

func TestParsePartial(t *testing.T) {
	t.Parallel()
	utc := func(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
		return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
	}
	for s, w := range map[string]time.Time{
		"2025-01-29":                     utc(2025, 1, 29, 0, 0, 0, 0),
		"2025-01-29T09":                  utc(2025, 1, 29, 9, 0, 0, 0),
		"2025-01-29T09Z":                 utc(2025, 1, 29, 9, 0, 0, 0),
		"2025-01-29T09+01:00":            utc(2025, 1, 29, 8, 0, 0, 0),
		"2025-01-29T09:01":               utc(2025, 1, 29, 9, 1, 0, 0),
		"2025-01-29T09:01-00:30":         utc(2025, 1, 29, 9, 31, 0, 0),
		"2025-01-29T09:01:39":            utc(2025, 1, 29, 9, 1, 39, 0),
		"2025-01-29T09:01:39Z":           utc(2025, 1, 29, 9, 1, 39, 0),
		"2025-01-29T09:01:39.5":          utc(2025, 1, 29, 9, 1, 39, 500000000),
		"2025-01-29T09:01:39.123456789Z": utc(2025, 1, 29, 9, 1, 39, 123456789),
		"2025-01-29T00:30:00.25+01:00":   utc(2025, 1, 28, 23, 30, 0, 250000000),
		"2024-02-29T23:59:59.999999999Z": utc(2024, 2, 29, 23, 59, 59, 999999999),
		"0000-01-01":                     utc(0, 1, 1, 0, 0, 0, 0),
	} {
		got, ok := ParsePartial(s)
		if !ok || !reflect.DeepEqual(got, w) {
			t.Errorf("ParsePartial(%q) = %v, %t; want %v", s, got, ok, w)
		}
		if bt, bok := ParsePartial([]byte(s)); bok != ok || !reflect.DeepEqual(bt, got) {
			t.Errorf("ParsePartial([]byte(%q)) = %v, %t; from the string %v", s, bt, bok, got)
		}
	}
	for _, s := range []string{
		"", "2025", "2025-01", "2025-01-2", "2025-02-30", "2025-13-01", "2025-01-29T", "2025-01-29T9",
		"2025-01-29T24", "2025-01-29 09:01", "2025-01-29T09:1", "2025-01-29T09:60", "2025-01-29T09:01:6",
		"2025-01-29T09:01:60", "2025-01-29T09:01:39.", "2025-01-29T09:01:39.1234567891", "2025-01-29T09.5",
		"2025-01-29T09:01.5", "2025-01-29T09:01:39z", "2025-01-29T09:01:39+24:00", "2025-01-29T09:01:39+01",
		"2025-01-29T09:01:39+01:00Z", "2025-01-29x", "now-7d", "2025-01-29T09:01:39,5",
	} {
		if got, ok := ParsePartial(s); ok {
			t.Errorf("ParsePartial(%q) = %v, want false", s, got)
		}
	}
}

// Every strict timestamp with at most nine fraction digits is a partial
// one too, for the same instant.
func checkPartialAgrees(t *testing.T, s string) {
	t.Helper()
	st, ok := Parse(s)
	if !ok {
		return
	}
	if s[19] == '.' && len(s[20:])-len(strings.TrimLeft(s[20:], "0123456789")) > 9 {
		return // more than nine fraction digits: FQL refuses them
	}
	pt, pok := ParsePartial(s)
	if !pok || !pt.Equal(st) || pt.Location() != time.UTC {
		t.Fatalf("ParsePartial(%q) = %v, %t; Parse gives %v", s, pt, pok, st)
	}
}

func TestParsePartialAgreesWithParse(t *testing.T) {
	t.Parallel()
	for _, s := range parseCases {
		checkPartialAgrees(t, s)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range parseCases {
		f.Add(s)
	}
	f.Add("2025-01-29T09:01")
	f.Fuzz(func(t *testing.T, s string) {
		checkParse(t, s)
		checkPartialAgrees(t, s)
		pt, pok := ParsePartial(s)
		if bt, bok := ParsePartial([]byte(s)); bok != pok || !reflect.DeepEqual(bt, pt) {
			t.Fatalf("ParsePartial([]byte(%q)) = %v, %t; from the string %v, %t", s, bt, bok, pt, pok)
		}
		if pok && pt.Location() != time.UTC {
			t.Fatalf("ParsePartial(%q) in %v, want UTC", s, pt.Location())
		}
	})
}

func BenchmarkParse(b *testing.B) {
	in := []byte("2025-01-29T09:01:39.125982486Z")
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := Parse(in); !ok {
			b.Fatal("refused")
		}
	}
}
