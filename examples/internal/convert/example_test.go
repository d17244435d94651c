package convert_test

import (
	"fmt"
	"os"

	"github.com/falconioc/falcon/examples/internal/convert"
	"github.com/falconioc/falcon/examples/internal/feed"
)

func ExampleDefaults_Indicator() {
	d := convert.NewDefaults() // detect, medium, windows+mac+linux, applied globally
	d.Source = "my-intel"
	n := d.Indicator(feed.Entry{Type: "domain", Value: "evil.example.com", Severity: "high"})
	fmt.Println(n.Type, n.Value, n.Action, n.Severity, n.Platforms, n.Source, n.AppliedGlobally)
	// Output: domain evil.example.com detect high [windows mac linux] my-intel true
}

func ExampleLoad() {
	d := convert.NewDefaults()
	b, err := convert.Load([]string{"../../testdata/iocs.csv"}, convert.FeedFlags{Format: "auto"}, d, false)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(b.Summary())
	for i, it := range b.Items {
		fmt.Println(b.Origin(i), it.Type, it.Value)
	}
	b.PrintSetAside(os.Stdout)
	// Output:
	// Read 1 feed(s): 5 indicator(s), 1 skipped (no Falcon type), 3 bad item(s), 1 duplicate(s) dropped.
	// iocs.csv:3 sha256 275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f
	// iocs.csv:4 md5 44d88612fea8a8f36de82e1278abb02f
	// iocs.csv:5 domain evil.example.com
	// iocs.csv:6 domain evil2.example.net
	// iocs.csv:7 ipv6 2001:db8::1
	// Not sent (4): 1 skipped (no Falcon type), 3 bad item(s):
	//   INVALID  iocs.csv:8 "not-a-hash": invalid sha256: must be 64 hexadecimal characters
	//   SKIP     iocs.csv:9 "da39a3ee5e6b4b0d3255bfef95601890afd80709": SHA-1 hash: Falcon custom IOCs take md5 and sha256
	//   INVALID  iocs.csv:11 "ipv4,192.0.2.1,detect,low,too few fields": row has 5 fields, header has 9
	//   INVALID  iocs.csv:12: malformed CSV row: extraneous or missing " in quoted-field
}
