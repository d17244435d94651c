package feed_test

import (
	"fmt"
	"strings"

	"github.com/falconioc/falcon/examples/internal/feed"
)

func ExampleRead() {
	list := `# defanged C2 list
evil[.]example[.]com
198.51.100[.]7
EVIL.example.com
hxxps://drop[.]example[.]org/payload.exe
`
	res, err := feed.Read(strings.NewReader(list), &feed.Options{Name: "c2.txt"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Format, "duplicates:", res.Duplicates)
	for _, e := range res.Entries {
		fmt.Println(e.Origin, e.Type, e.Value)
	}
	for _, p := range res.Problems {
		fmt.Println(p)
	}
	// Output:
	// list duplicates: 1
	// c2.txt:2 domain evil.example.com
	// c2.txt:3 ipv4 198.51.100.7
	// c2.txt:5: "hxxps://drop[.]example[.]org/payload.exe": URL: Falcon has no url type (-url-hosts imports its host instead)
}
