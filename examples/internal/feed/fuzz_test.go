package feed_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/falconioc/falcon/examples/internal/feed"
	"github.com/falconioc/falcon/ioc"
)

// FuzzRead checks that Read never panics on any input in any format, and
// that every entry it returns is canonical and unique.
func FuzzRead(f *testing.F) {
	for _, name := range []string{"iocs.csv", "indicators.stix.json", "mixed.txt"} {
		b, err := os.ReadFile(filepath.Join(testdata, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("[ipv4-addr:value = '1.2.3.4' OR file:hashes.'SHA-256' = 'x']"))
	formats := []feed.Format{feed.Auto, feed.CSV, feed.STIX, feed.List}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, format := range formats {
			res, err := feed.Read(strings.NewReader(string(data)), &feed.Options{Format: format, URLHosts: true})
			if err != nil {
				continue
			}
			seen := make(map[ioc.Ref]bool)
			for _, e := range res.Entries {
				n, err := ioc.NormalizeValue(e.Type, e.Value)
				if err != nil || n != e.Value {
					t.Fatalf("format %q: entry %+v is not canonical (%q, %v)", format, e, n, err)
				}
				k := ioc.Ref{Type: e.Type, Value: e.Value}
				if seen[k] {
					t.Fatalf("format %q: duplicate entry %+v", format, e)
				}
				seen[k] = true
			}
		}
	})
}
