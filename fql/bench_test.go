package fql_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/falconioc/falcon/fql"
)

// benchFilter is a realistic 10-term IOC filter.
const benchFilter = `type:['domain','ipv4','sha256']+severity:['high','critical']+action:!'allow'+` +
	`value:*'*.example.com'+created_on:>='now-30d'+expiration:>'2024-06-01T00:00:00Z'+platforms:'windows'+` +
	`applied_globally:true+(source:~'threat feed',tags:['apt29'])`

// benchRecords are indicator-like records, a quarter of which match.
func benchRecords() []fql.Record {
	now := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	out := make([]fql.Record, 1000)
	for i := range out {
		r := rec{
			"type":             {[]string{"domain", "ipv4", "md5", "sha256"}[i%4]},
			"severity":         {[]string{"high", "low"}[i%2]},
			"action":           {"detect"},
			"value":            {fmt.Sprintf("host%d.example.com", i)},
			"created_on":       {now.Add(-time.Duration(i) * time.Hour)},
			"expiration":       {now.Add(time.Duration(i) * time.Hour)},
			"platforms":        {"linux", "windows"},
			"applied_globally": {true},
			"source":           {"Threat-Feed 42"},
		}
		out[i] = r
	}
	return out
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := fql.Parse(benchFilter); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkString(b *testing.B) {
	e, err := fql.Parse(benchFilter)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = e.String()
	}
}

func BenchmarkCompile(b *testing.B) {
	e, err := fql.Parse(benchFilter)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := fql.Compile(e, time.Now); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMatch reports the cost of matching one record with a compiled
// filter (ns/op is per record).
func BenchmarkMatch(b *testing.B) {
	e, err := fql.Parse(benchFilter)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	m, err := fql.Compile(e, func() time.Time { return now })
	if err != nil {
		b.Fatal(err)
	}
	records := benchRecords()
	b.ReportAllocs()
	i, hits := 0, 0
	for b.Loop() {
		ok, err := m(records[i%len(records)])
		if err != nil {
			b.Fatal(err)
		}
		if ok {
			hits++
		}
		i++
	}
	if hits == 0 {
		b.Fatal("no record matched")
	}
}
