package jsonscan

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// benchData is an array of indicator-like objects, about 1.4 MB: the size
// of a 2,000-indicator page.
func benchData() []byte {
	var sb strings.Builder
	sb.WriteString("[")
	for i := range 2000 {
		if i > 0 {
			sb.WriteString(",")
		}
		fmt.Fprintf(&sb, `{"id":"%064x","type":"sha256","value":"%064x","action":"detect","severity":"high",`+
			`"description":"seeded indicator number %d from the bench feed, with a sentence of text","source":"feed-%d",`+
			`"platforms":["windows","mac","linux"],"tags":["t%d","bench"],"host_groups":[],"applied_globally":true,`+
			`"expiration":"2030-01-02T03:04:05Z","expired":false,"deleted":false,"from_parent":false,`+
			`"metadata":{"filename":"file-%d.exe","av_hits":%d,"signed":false},"created_by":"api-client","created_on":"2025-01-02T03:04:05.123456Z",`+
			`"modified_by":"api-client","modified_on":"2025-01-02T03:04:05.123456Z"}`, i, i*7, i, i%10, i%50, i, i%70)
	}
	sb.WriteString("]")
	return []byte(sb.String())
}

func BenchmarkSkip(b *testing.B) {
	data := benchData()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Skip(data, 0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStdValid(b *testing.B) {
	data := benchData()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if !json.Valid(data) {
			b.Fatal("invalid")
		}
	}
}
