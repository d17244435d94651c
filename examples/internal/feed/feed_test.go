package feed_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/falconioc/falcon/examples/internal/feed"
)

const testdata = "../../testdata"

// countTypes counts entries per type.
func countTypes(entries []feed.Entry) map[string]int {
	m := make(map[string]int)
	for _, e := range entries {
		m[string(e.Type)]++
	}
	return m
}

func findEntry(t *testing.T, res *feed.Result, typ, value string) feed.Entry {
	t.Helper()
	for _, e := range res.Entries {
		if string(e.Type) == typ && e.Value == value {
			return e
		}
	}
	t.Fatalf("no %s entry %q", typ, value)
	return feed.Entry{}
}

func hasEntry(res *feed.Result, value string) bool {
	return slices.ContainsFunc(res.Entries, func(e feed.Entry) bool { return e.Value == value })
}

// TestReadFile_RealFeeds reads every published feed in testdata/feeds. The
// expected counts were computed with grep, cut, sort -u and wc over the files
// (see testdata/feeds/SOURCES.md), not with this package.
func TestReadFile_RealFeeds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file       string
		urlHosts   bool
		format     feed.Format
		types      map[string]int
		duplicates int
		problems   int
	}{
		// 28 data rows starting with `"<digit>`, 28 unique dst_ip.
		{"abusech-feodo-ipblocklist.csv", false, feed.CSV, map[string]int{"ipv4": 28}, 0, 0},
		// 63 rows: 36 domains, 26 IPv4, 1 IPv6; no duplicates.
		{"sekoia-scatteredspider-20240220.csv", false, feed.CSV, map[string]int{"domain": 36, "ipv4": 26, "ipv6": 1}, 0, 0},
		// Unique single-term patterns: 25 file:hashes.sha256, 13 domain-name, 13 ipv4-addr.
		{"mvt-eaglemsgspy.stix2", false, feed.STIX, map[string]int{"sha256": 25, "domain": 13, "ipv4": 13}, 0, 0},
		// 25 domain-name terms (one invalid: "domain autuo.xicp.net"), 40
		// ipv4-addr terms of which 18 unique (22 duplicates), 2 file:name terms.
		{"oasis-poisonivy.json", false, feed.STIX, map[string]int{"domain": 24, "ipv4": 18}, 22, 3},
		// 143 data lines: 66 sha256, 27 defanged IPv4 (26 unique), 25
		// defanged domains, 25 URLs.
		{"sekoia-interlock-iocs.txt", false, feed.List, map[string]int{"sha256": 66, "ipv4": 26, "domain": 25}, 1, 25},
		// With URLHosts the 25 URLs add 18 new domain hosts (8 sites, 1
		// .onion, 10 trycloudflare tunnels) and 3 new IPv4 hosts; 4 URL hosts
		// repeat (topsportracing.com, apple-online.shop twice, 64.95.10.95).
		{"sekoia-interlock-iocs.txt", true, feed.List, map[string]int{"sha256": 66, "ipv4": 29, "domain": 43}, 5, 0},
		// 1,844 data lines: 1,709 domain lines (1,655 unique) and 135 IPv4
		// lines (118 unique), 6 with a ";65" score.
		{"sigbase-c2-iocs.txt", false, feed.List, map[string]int{"domain": 1655, "ipv4": 118}, 71, 0},
		// 703 data lines: 544 MD5 (522 unique after lower-casing), 41 SHA-1,
		// 118 SHA-256 (all unique).
		{"sigbase-hash-iocs-excerpt.txt", false, feed.List, map[string]int{"md5": 522, "sha256": 118}, 22, 41},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			res, err := feed.ReadFile(filepath.Join(testdata, "feeds", tt.file), &feed.Options{URLHosts: tt.urlHosts})
			if err != nil {
				t.Fatal(err)
			}
			if res.Format != tt.format {
				t.Errorf("Format = %q; want %q", res.Format, tt.format)
			}
			if got := countTypes(res.Entries); !reflect.DeepEqual(got, tt.types) {
				t.Errorf("entries per type = %v; want %v", got, tt.types)
			}
			if res.Duplicates != tt.duplicates {
				t.Errorf("Duplicates = %d; want %d", res.Duplicates, tt.duplicates)
			}
			if len(res.Problems) != tt.problems {
				t.Errorf("%d problems; want %d: %v", len(res.Problems), tt.problems, res.Problems)
			}
			for _, e := range res.Entries {
				if !strings.HasPrefix(e.Origin, tt.file+":") && !strings.HasPrefix(e.Origin, "indicator--") {
					t.Fatalf("entry %v: origin must name the file or the STIX object", e)
				}
			}
		})
	}
}

func TestReadFile_RealFeedDetails(t *testing.T) {
	t.Parallel()
	read := func(t *testing.T, name string) *feed.Result {
		t.Helper()
		res, err := feed.ReadFile(filepath.Join(testdata, "feeds", name), nil)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	t.Run("feodo", func(t *testing.T) {
		t.Parallel()
		res := read(t, "abusech-feodo-ipblocklist.csv")
		// Header on line 9 after an 8-line banner; the first row is line 10.
		first := res.Entries[0]
		want := feed.Entry{Type: "ipv4", Value: "192.9.135.73", Tags: []string{"Pikabot"}, Origin: "abusech-feodo-ipblocklist.csv:10"}
		if !reflect.DeepEqual(first, want) {
			t.Errorf("first entry = %+v; want %+v", first, want)
		}
		if last := res.Entries[len(res.Entries)-1]; last.Origin != "abusech-feodo-ipblocklist.csv:37" {
			t.Errorf("last entry origin %q; want line 37", last.Origin)
		}
	})
	t.Run("sekoia csv", func(t *testing.T) {
		t.Parallel()
		res := read(t, "sekoia-scatteredspider-20240220.csv")
		e := findEntry(t, res, "ipv6", "2a02:4780:b:1342:0:238d:fa59:3")
		if e.Expiration.IsZero() || !strings.HasPrefix(e.Description, "https://app.sekoia.io/") {
			t.Errorf("ipv6 entry lost Valid Until or Link: %+v", e)
		}
		g := findEntry(t, res, "domain", "gitlabhr.com")
		if want := time.Date(2024, 7, 25, 0, 0, 0, 0, time.UTC); !g.Expiration.Equal(want) || g.Origin != "sekoia-scatteredspider-20240220.csv:2" {
			t.Errorf("gitlabhr.com = %+v; want expiration %v at line 2", g, want)
		}
	})
	t.Run("poisonivy", func(t *testing.T) {
		t.Parallel()
		res := read(t, "oasis-poisonivy.json")
		want := []feed.Problem{
			{Origin: "indicator--4e4c4ad7-4909-456a-b6fa-e24a6f682a40", Value: "domain autuo.xicp.net"},
			{Origin: "indicator--137acf67-cedc-4a07-8719-72759174de3a", Value: "CBricksDoc"},
			{Origin: "indicator--0b71628d-31dd-4eb8-baee-39f19c0a14b0", Value: "CPiShellPutDoc"},
		}
		for i, p := range res.Problems {
			if p.Origin != want[i].Origin || p.Value != want[i].Value || p.Reason == "" {
				t.Errorf("problem %d = %+v; want origin %s value %q", i, p, want[i].Origin, want[i].Value)
			}
		}
		// A sample md5 in a description is not an indicator.
		if hasEntry(res, "808e21d6efa2884811fbd0adf67fda78") {
			t.Error("imported an md5 from free-text description")
		}
		e := findEntry(t, res, "ipv4", "219.76.208.163")
		if e.Origin != "indicator--e8094b09-7df4-4b13-b207-1e27af3c4bde" || !strings.HasPrefix(e.Description, "IP address: 219.76.208.163 - IP address for key@123") {
			t.Errorf("entry = %+v", e)
		}
		if !hasEntry(res, "60.1.1.114") || !hasEntry(res, "60.10.1.114") {
			t.Error("lost one of the 60.1.1.114 / 60.10.1.114 pair")
		}
	})
	t.Run("loki lists", func(t *testing.T) {
		t.Parallel()
		c2 := read(t, "sigbase-c2-iocs.txt")
		e := findEntry(t, c2, "ipv4", "176.123.5.126")
		if e.Description != "" {
			t.Errorf("LOKI score became a description: %q", e.Description)
		}
		hashes := read(t, "sigbase-hash-iocs-excerpt.txt")
		for _, v := range []string{"0c2674c3a97c53082187d930efb645c2", "563d1512178cec1f6a73c98d565c98fa"} {
			if hasEntry(hashes, v) {
				t.Errorf("imported commented-out example hash %s", v)
			}
		}
		m := findEntry(t, hashes, "md5", "e42a8cef2e70d4f3c96c2b8073e7d396")
		if m.Description == "" {
			t.Error("hash comment not carried into the description")
		}
		for _, p := range hashes.Problems {
			if !strings.Contains(p.Reason, "SHA-1") {
				t.Errorf("unexpected problem %v", p)
			}
		}
	})
	t.Run("interlock", func(t *testing.T) {
		t.Parallel()
		res := read(t, "sekoia-interlock-iocs.txt")
		last := res.Entries[len(res.Entries)-1]
		if last.Value != "www.sublime-forecasts-pale-scored.trycloudflare.com" || last.Type != "domain" {
			t.Errorf("last line (no final newline) = %+v", last)
		}
		if hasEntry(res, "trycloudflare.com") {
			t.Error("imported the shared parent domain")
		}
	})
}

func TestRead_CSV(t *testing.T) {
	t.Parallel()
	res, err := feed.ReadFile(filepath.Join(testdata, "iocs.csv"), &feed.Options{Source: "default-src"})
	if err != nil {
		t.Fatal(err)
	}
	want := []feed.Entry{
		{
			Type: "sha256", Value: "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f",
			Action: "prevent", Severity: "high", Description: "EICAR test file", Source: "unit-test",
			Expiration: time.Date(2099, 1, 2, 3, 4, 5, 0, time.UTC),
			Platforms:  []string{"windows", "mac", "linux"}, Tags: []string{"test", "eicar"}, Origin: "iocs.csv:3",
		},
		{
			Type: "md5", Value: "44d88612fea8a8f36de82e1278abb02f", Action: "detect", Severity: "medium",
			Description: "EICAR, as md5", Source: "default-src", Expiration: time.Date(2099, 1, 2, 0, 0, 0, 0, time.UTC),
			Platforms: []string{"windows"}, Origin: "iocs.csv:4",
		},
		{Type: "domain", Value: "evil.example.com", Action: "detect", Severity: "low", Source: "default-src", Platforms: []string{"linux"}, Origin: "iocs.csv:5"},
		{Type: "domain", Value: "evil2.example.net", Action: "detect", Severity: "low", Description: "type detected and refanged", Source: "default-src", Origin: "iocs.csv:6"},
		{Type: "ipv6", Value: "2001:db8::1", Action: "no_action", Severity: "informational", Source: "default-src", Origin: "iocs.csv:7"},
	}
	if !reflect.DeepEqual(res.Entries, want) {
		t.Errorf("entries:\n got %+v\nwant %+v", res.Entries, want)
	}
	if res.Duplicates != 1 {
		t.Errorf("Duplicates = %d; want 1 (line 10)", res.Duplicates)
	}
	wantProblems := []struct{ origin, value, reason string }{
		{"iocs.csv:8", "not-a-hash", "invalid sha256"},
		{"iocs.csv:9", "da39a3ee5e6b4b0d3255bfef95601890afd80709", "SHA-1 hash: Falcon custom IOCs take md5 and sha256"},
		{"iocs.csv:11", "ipv4,192.0.2.1,detect,low,too few fields", "5 fields, header has 9"},
		{"iocs.csv:12", "", "malformed CSV row"},
	}
	if len(res.Problems) != len(wantProblems) {
		t.Fatalf("problems = %v; want %d", res.Problems, len(wantProblems))
	}
	for i, w := range wantProblems {
		p := res.Problems[i]
		if p.Origin != w.origin || p.Value != w.value || !strings.Contains(p.Reason, w.reason) {
			t.Errorf("problem %d = %+v; want %+v", i, p, w)
		}
	}
}

func TestRead_CSVColumns(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		opts    feed.Options
		want    []string // type:value of the entries
		wantErr string
	}{
		{
			name: "value column detected by content",
			in:   "first_seen,address,port\n2024-01-01,192.0.2.1,443\n2024-01-02,192.0.2.2,80\n",
			want: []string{"ipv4:192.0.2.1", "ipv4:192.0.2.2"},
		},
		{
			name: "value and type columns by option",
			in:   "kind,thing,other\nipv4,192.0.2.1,example.com\n",
			opts: feed.Options{ValueColumn: "Thing", TypeColumn: " KIND "},
			want: []string{"ipv4:192.0.2.1"},
		},
		{
			name: "alias ranking prefers ioc over domain",
			in:   "domain,ioc\nexample.com,192.0.2.1\n",
			want: []string{"ipv4:192.0.2.1"},
		},
		{
			name: "STIX type names in the type column",
			in:   "type,value\ndomain-name,a.example\nipv4-addr,192.0.2.3\n",
			want: []string{"domain:a.example", "ipv4:192.0.2.3"},
		},
		{
			name:    "missing value column",
			in:      "a,b\nfoo,bar\n",
			wantErr: "no value column",
		},
		{
			name:    "unknown value column option",
			in:      "a,b\nfoo,bar\n",
			opts:    feed.Options{ValueColumn: "c"},
			wantErr: `-value-column "c" is not in header`,
		},
		{
			name:    "no header",
			in:      "# only comments\n",
			wantErr: "no CSV header",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts := tt.opts
			opts.Format = feed.CSV
			res, err := feed.Read(strings.NewReader(tt.in), &opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v; want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range res.Entries {
				got = append(got, string(e.Type)+":"+e.Value)
			}
			if !slices.Equal(got, tt.want) || len(res.Problems) != 0 {
				t.Errorf("entries %v, problems %v; want %v", got, res.Problems, tt.want)
			}
		})
	}
}

func TestRead_STIXFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(testdata, "indicators.stix.json")
	id := func(n string) string { return "indicator--00000000-0000-4000-8000-0000000000" + n }
	res, err := feed.ReadFile(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []feed.Entry{
		{
			Type: "sha256", Value: "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f",
			Description: "EICAR - test file", Tags: []string{"test", "eicar"},
			Expiration: time.Date(2099, 1, 2, 3, 4, 5, 5e8, time.UTC), Origin: id("01"),
		},
		{
			Type: "md5", Value: "44d88612fea8a8f36de82e1278abb02f",
			Description: "EICAR - test file", Tags: []string{"test", "eicar"},
			Expiration: time.Date(2099, 1, 2, 3, 4, 5, 5e8, time.UTC), Origin: id("01"),
		},
		{Type: "ipv6", Value: "2001:db8::1", Origin: id("02")},
		{Type: "ipv4", Value: "198.51.100.7", Origin: id("02")},
	}
	if !reflect.DeepEqual(res.Entries, want) {
		t.Errorf("entries:\n got %+v\nwant %+v", res.Entries, want)
	}
	if res.Duplicates != 1 {
		t.Errorf("Duplicates = %d; want 1", res.Duplicates)
	}
	wantProblems := []struct{ origin, value, reason string }{
		{id("02"), "it's.example.com", "invalid domain"},
		{id("03"), "da39a3ee5e6b4b0d3255bfef95601890afd80709", "SHA-1"},
		{id("04"), "abc123", "invalid sha256"},
		{id("05"), "", "AND is not supported"},
		{id("06"), "", "only '=' comparisons"},
		{id("07"), "title: x", "pattern type sigma"},
		{id("08"), "", "revoked"},
		{id("09"), "hxxps://drop.example.org/x", "URL"},
		{id("10"), "", "only OR may join"},
	}
	if len(res.Problems) != len(wantProblems) {
		t.Fatalf("problems = %v; want %d", res.Problems, len(wantProblems))
	}
	for i, w := range wantProblems {
		p := res.Problems[i]
		if p.Origin != w.origin || (w.value != "" && p.Value != w.value) || !strings.Contains(p.Reason, w.reason) {
			t.Errorf("problem %d = %+v; want %+v", i, p, w)
		}
	}
	// A revoked indicator was withdrawn by its producer: a skip, which never
	// refuses an import, not a malformed value.
	if p := res.Problems[6]; !p.Skip() || p.Kind != feed.KindRevoked {
		t.Errorf("revoked indicator: %+v; want a skip of kind %q", p, feed.KindRevoked)
	}

	res, err = feed.ReadFile(path, &feed.Options{URLHosts: true})
	if err != nil {
		t.Fatal(err)
	}
	e := findEntry(t, res, "domain", "drop.example.org")
	if e.Origin != id("09") || len(res.Problems) != len(wantProblems)-1 {
		t.Errorf("with URLHosts: entry %+v, %d problems", e, len(res.Problems))
	}
}

func TestRead_STIXPatterns(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern string
		want    []string // type:value
		reason  string   // substring of the one problem expected, if any
	}{
		{`[file:hashes.'SHA-256' = '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f']`, []string{"sha256:275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"}, ""},
		{`[file:hashes.sha256='275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f']`, []string{"sha256:275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"}, ""},
		{`[file:hashes.MD5 = '44d88612fea8a8f36de82e1278abb02f']`, []string{"md5:44d88612fea8a8f36de82e1278abb02f"}, ""},
		{`[file:hashes.'md5'='44D88612FEA8A8F36DE82E1278ABB02F']`, []string{"md5:44d88612fea8a8f36de82e1278abb02f"}, ""},
		{"[ domain-name:value = 'A.example'\n OR ipv4-addr:value = '192.0.2.1' ]", []string{"domain:a.example", "ipv4:192.0.2.1"}, ""},
		{`[ipv4-addr:value = '192.0.2.1'] OR [ipv6-addr:value = '::1']`, []string{"ipv4:192.0.2.1", "ipv6:::1"}, ""},
		{`[domain-name:value = 'a\\b.example']`, nil, "invalid domain"},
		{`[ipv4-addr:value = '10.0.0.0/8']`, nil, "CIDR range: Falcon takes single addresses only"},
		{`[file:name = 'x.exe']`, nil, "file name: Falcon has no file name type"},
		{`[file:hashes.'SHA-512' = 'ab']`, nil, "SHA-512"},
		{`[ipv4-addr:value != '192.0.2.1']`, nil, "only '='"},
		{`[ipv4-addr:value = '192.0.2.1'] AND [ipv4-addr:value = '192.0.2.2']`, nil, "only OR"},
		{`([ipv4-addr:value = '192.0.2.1'])`, nil, "want '['"},
		{`[ipv4-addr:value = '192.0.2.1'`, nil, "want OR or ']'"},
		{`[ipv4-addr:value = '192.0.2.1]`, nil, "unterminated string"},
		{`[ipv4-addr:value = '\x']`, nil, "bad escape"},
		{`[ipv4-addr:value = 192]`, nil, "want a quoted string"},
		{`[value = '192.0.2.1']`, nil, "object path"},
		{`[file:hashes. = 'x']`, nil, "property name"},
		{`[ipv4-addr:value = '192.0.2.1' ORX ipv4-addr:value = '192.0.2.2']`, nil, "want OR"},
		{``, nil, "want '['"},
	}
	for _, tt := range tests {
		doc := `{"type":"indicator","id":"indicator--t","pattern_type":"stix","pattern":` + jsonString(tt.pattern) + `}`
		res, err := feed.Read(strings.NewReader(doc), nil)
		if err != nil {
			t.Fatalf("%s: %v", tt.pattern, err)
		}
		var got []string
		for _, e := range res.Entries {
			got = append(got, string(e.Type)+":"+e.Value)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: entries %v; want %v", tt.pattern, got, tt.want)
		}
		if tt.reason == "" {
			if len(res.Problems) != 0 {
				t.Errorf("%s: problems %v", tt.pattern, res.Problems)
			}
			continue
		}
		if len(res.Problems) != 1 || !strings.Contains(res.Problems[0].Reason, tt.reason) || res.Problems[0].Origin != "indicator--t" {
			t.Errorf("%s: problems %v; want one containing %q", tt.pattern, res.Problems, tt.reason)
		}
	}
}

func jsonString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}

func TestRead_List(t *testing.T) {
	t.Parallel()
	path := filepath.Join(testdata, "mixed.txt")
	res, err := feed.ReadFile(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []feed.Entry{
		{Type: "domain", Value: "evil.example.com", Origin: "mixed.txt:3"},
		{Type: "ipv4", Value: "198.51.100.10", Origin: "mixed.txt:4"},
		{Type: "ipv6", Value: "2001:db8::a", Origin: "mixed.txt:6"},
		{Type: "md5", Value: "44d88612fea8a8f36de82e1278abb02f", Description: "eicar md5", Origin: "mixed.txt:8"},
		{Type: "ipv4", Value: "198.51.100.11", Origin: "mixed.txt:11", Note: "port 8080 dropped"},
	}
	if !reflect.DeepEqual(res.Entries, want) {
		t.Errorf("entries:\n got %+v\nwant %+v", res.Entries, want)
	}
	if res.Format != feed.List || res.Duplicates != 2 {
		t.Errorf("Format %q, Duplicates %d; want list, 2", res.Format, res.Duplicates)
	}
	wantProblems := []struct{ origin, reason string }{
		{"mixed.txt:2", "URL"},
		{"mixed.txt:7", "SHA-1"},
		{"mixed.txt:9", "e-mail"},
		{"mixed.txt:10", "CIDR"},
		{"mixed.txt:12", "not a sha256, md5, domain, ipv4 or ipv6"},
	}
	if len(res.Problems) != len(wantProblems) {
		t.Fatalf("problems = %v; want %d", res.Problems, len(wantProblems))
	}
	for i, w := range wantProblems {
		if p := res.Problems[i]; p.Origin != w.origin || p.Value == "" || !strings.Contains(p.Reason, w.reason) {
			t.Errorf("problem %d = %+v; want %+v", i, p, w)
		}
	}

	res, err = feed.ReadFile(path, &feed.Options{URLHosts: true})
	if err != nil {
		t.Fatal(err)
	}
	if e := res.Entries[0]; e.Value != "drop.example.org" || e.Type != "domain" || e.Origin != "mixed.txt:2" || len(res.Problems) != 4 {
		t.Errorf("with URLHosts: first entry %+v, problems %v", e, res.Problems)
	}
}

func TestRead_URLHosts(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want, reason string }{
		{"http://192.0.2.1:8080/x", "ipv4:192.0.2.1", ""},
		{"https://[2001:db8::1]/x", "ipv6:2001:db8::1", ""},
		{"https://User@Example.COM:443/x?q#f", "domain:example.com", ""},
		{"https://localhost/x", "", "URL host localhost"},
		{"file:///etc/passwd", "", "usable host"},
		{"http://%zz/", "", "usable host"},
	}
	for _, tt := range tests {
		res, err := feed.Read(strings.NewReader(tt.in+"\n"), &feed.Options{Format: feed.List, URLHosts: true})
		if err != nil {
			t.Fatal(err)
		}
		if tt.reason != "" {
			if len(res.Entries) != 0 || len(res.Problems) != 1 || !strings.Contains(res.Problems[0].Reason, tt.reason) {
				t.Errorf("%s: entries %v problems %v; want problem %q", tt.in, res.Entries, res.Problems, tt.reason)
			}
			continue
		}
		if len(res.Entries) != 1 || string(res.Entries[0].Type)+":"+res.Entries[0].Value != tt.want {
			t.Errorf("%s: entries %v problems %v; want %s", tt.in, res.Entries, res.Problems, tt.want)
		}
	}
}

// TestRead_SkipHosts checks that a URL read without URLHosts, and a CIDR
// range, keep what they stand for in the problem: the host the URL would
// give, the range in canonical form.
func TestRead_SkipHosts(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, host, rng string }{
		{"http://192.0.2.1:8080/x", "ipv4:192.0.2.1", ""},
		{"https://[2001:DB8::1]/x", "ipv6:2001:db8::1", ""},
		{"hxxps://User@Example[.]COM:443/x?q#f", "domain:example.com", ""},
		{"drop.example.org/payload.exe", "domain:drop.example.org", ""},
		{"https://localhost/x", "", ""},
		{"https://config.php/x", "", ""},
		{"file:///etc/passwd", "", ""},
		{"203.0.113.9/24", "", "203.0.113.0/24"},
		{"2001:DB8::/32", "", "2001:db8::/32"},
		{"da39a3ee5e6b4b0d3255bfef95601890afd80709", "", ""},
	}
	for _, tt := range tests {
		res, err := feed.Read(strings.NewReader(tt.in+"\n"), &feed.Options{Format: feed.List})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Entries) != 0 || len(res.Problems) != 1 || !res.Problems[0].Skip() {
			t.Errorf("%s: entries %v problems %v; want one skip", tt.in, res.Entries, res.Problems)
			continue
		}
		p := res.Problems[0]
		host := ""
		if p.Host != "" {
			host = string(p.HostType) + ":" + p.Host
		}
		rng := ""
		if p.Range.IsValid() {
			rng = p.Range.String()
		}
		if host != tt.host || rng != tt.rng {
			t.Errorf("%s: host %q range %q; want %q %q", tt.in, host, rng, tt.host, tt.rng)
		}
	}
}

func TestDetectFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, head string
		want       feed.Format
	}{
		{"x.stix2", `{"type":"bundle"}`, feed.STIX},
		{"x.txt", "\ufeff  \n[ {}]", feed.STIX},
		{"x.json", "", feed.STIX},
		{"x.CSV", "a;b\n", feed.CSV},
		{"", "# banner\n\n Type, Value\nmd5,x\n", feed.CSV},
		{"", "IOC, Valid From\nexample.com,2024\n", feed.CSV},
		{"", "# c\n0c2674c3a97c53082187d930efb645c2;PDF document, version 1.6\n", feed.List},
		{"x.txt", "example.com\n", feed.List},
		{"", "", feed.List},
		{"", "# only comments\n", feed.List},
	}
	for _, tt := range tests {
		if got := feed.DetectFormat(tt.name, []byte(tt.head)); got != tt.want {
			t.Errorf("DetectFormat(%q, %q) = %q; want %q", tt.name, tt.head, got, tt.want)
		}
	}
}

func TestRead_Errors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		opts *feed.Options
		want string
	}{
		{"bad json", `{"type": "bundle", `, nil, "bad STIX JSON"},
		{"bad json array", `[1, 2]`, nil, "bad STIX JSON"},
		{"not stix", `{"type": "report"}`, nil, "not a STIX bundle"},
		{"unknown format", "x", &feed.Options{Format: "xml"}, "unknown format"},
		{"too large", "example.com\n", &feed.Options{MaxBytes: 5}, "too large"},
	}
	for _, tt := range tests {
		_, err := feed.Read(strings.NewReader(tt.in), tt.opts)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v; want %q", tt.name, err, tt.want)
		}
	}
	_, err := feed.Read(strings.NewReader("example.com\n"), &feed.Options{MaxBytes: 5})
	if !errors.Is(err, feed.ErrTooLarge) {
		t.Errorf("err = %v; want ErrTooLarge", err)
	}
	if _, err := feed.ReadFile(filepath.Join(t.TempDir(), "missing.csv"), nil); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: err = %v", err)
	}
}

func TestRead_STIXArrayAndBOM(t *testing.T) {
	t.Parallel()
	in := "\ufeff" + `[{"type":"indicator","id":"indicator--a","pattern":"[ipv4-addr:value = '192.0.2.1']"},{"type":"identity","id":"identity--b"}]`
	res, err := feed.Read(strings.NewReader(in), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Format != feed.STIX || len(res.Entries) != 1 || res.Entries[0].Value != "192.0.2.1" || len(res.Problems) != 0 {
		t.Errorf("got %+v", res)
	}
}

func TestProblemString(t *testing.T) {
	t.Parallel()
	if got := (feed.Problem{Origin: "f:1", Value: "a\nb", Reason: "bad"}).String(); got != `f:1: "a\nb": bad` {
		t.Errorf("String() = %q", got)
	}
	if got := (feed.Problem{Origin: "f:2", Reason: "bad"}).String(); got != "f:2: bad" {
		t.Errorf("String() = %q", got)
	}
}

func TestRead_BadTimes(t *testing.T) {
	t.Parallel()
	csvIn := "type,value,expiration\nipv4,192.0.2.1,next week\nipv4,192.0.2.2,2030-01-02 03:04:05\n"
	res, err := feed.Read(strings.NewReader(csvIn), &feed.Options{Name: "t.csv"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Entries) != 1 || !res.Entries[0].Expiration.Equal(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Errorf("entries %+v", res.Entries)
	}
	if len(res.Problems) != 1 || res.Problems[0].Origin != "t.csv:2" || res.Problems[0].Value != "next week" {
		t.Errorf("problems %v; want the bad expiration on line 2", res.Problems)
	}

	stixIn := `{"type":"bundle","objects":[{"type":"indicator","id":"indicator--x","valid_until":"2030-13-01","pattern":"[ipv4-addr:value = '192.0.2.1']"}]}`
	res, err = feed.Read(strings.NewReader(stixIn), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Entries) != 0 || len(res.Problems) != 1 || !strings.Contains(res.Problems[0].Reason, "valid_until") {
		t.Errorf("entries %v, problems %v; want one valid_until problem", res.Entries, res.Problems)
	}
}
