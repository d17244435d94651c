package ioc

import (
	"encoding/json"
	"testing"
)

// The decoder reads timestamps as encoding/json does (time.Time's
// UnmarshalJSON): what it accepts, the decoder accepts with the same value;
// what it refuses, the decoder refuses.
func TestDecoderTimestampsMatchEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, ts := range []string{
		"2025-01-29T09:01:39Z",
		"2025-01-29T09:01:39.125982486Z",
		"2025-01-29T09:01:39.1234567891Z",
		"2025-01-29T09:01:39+02:00",
		"2025-01-29T09:01:39.5-07:30",
		"2025-01-29T09:01:39,5Z",    // a comma: Go's parser takes it
		"2025-01-29T9:01:39Z",       // a one-digit hour: so does this
		"2025-01-29T09:01:39+24:00", // and an offset of a day
		"2025-01-29t09:01:39Z",      // lower case: refused by both
		"2025-01-29T09:01:39z",
		"2025-01-29T09:01:39",
		"2025-02-29T09:01:39Z",
		"2025-01-29",
	} {
		in := []byte(`[{"created_on":"` + ts + `"}]`)
		var std []*Indicator
		stdErr := json.Unmarshal(in, &std)
		var fast indicatorList
		fastErr := fast.UnmarshalJSON(in)
		if (stdErr == nil) != (fastErr == nil) {
			t.Errorf("%s: encoding/json error %v, decoder error %v", ts, stdErr, fastErr)
			continue
		}
		if stdErr == nil {
			checkParity(t, in)
		}
	}
}

// BenchmarkDecode decodes one combined page of 2,000 indicators, as the
// emulator serves it, with the fast decoder: the decoder's own cost,
// without the transport that BenchmarkIterate includes.
func BenchmarkDecode(b *testing.B) {
	page := emulatorPage(b, 2000)
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		var l indicatorList
		if err := l.decode(page); err != nil {
			b.Fatal(err)
		}
		if len(l) != 2000 {
			b.Fatalf("%d indicators", len(l))
		}
	}
}
