package ioc

import "testing"

// BenchmarkDecode decodes one combined page of 2,000 indicators, as the
// emulator serves it, with the fast decoder: the decoder's own cost,
// without the transport that BenchmarkIterate includes.
func BenchmarkDecode(b *testing.B) {
	page := emulatorPage(b, 2000)
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		var l indicatorList
		if err := l.DecodeRaw(page); err != nil {
			b.Fatal(err)
		}
		if len(l) != 2000 {
			b.Fatalf("%d indicators", len(l))
		}
	}
}
