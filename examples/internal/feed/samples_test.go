package feed_test

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/falconioc/falcon/examples/internal/feed"
)

// outcome is one entry or problem of a sample, by origin: "type:value
// (note)" for an entry, "!reason" for a problem.
func outcomes(res *feed.Result) map[string][]string {
	out := map[string][]string{}
	for _, e := range res.Entries {
		s := string(e.Type) + ":" + e.Value
		if e.Note != "" {
			s += " (" + e.Note + ")"
		}
		out[e.Origin] = append(out[e.Origin], s)
	}
	for _, p := range res.Problems {
		out[p.Origin] = append(out[p.Origin], "!"+p.Reason)
	}
	return out
}

func readSample(t *testing.T, name string, opts *feed.Options) *feed.Result {
	t.Helper()
	res, err := feed.ReadFile(filepath.Join(testdata, "feeds", name), opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func checkOutcomes(t *testing.T, res *feed.Result, want map[string][]string) {
	t.Helper()
	got := outcomes(res)
	for origin, w := range want {
		g := got[origin]
		if len(g) != len(w) {
			t.Errorf("%s: got %q; want %q", origin, g, w)
			continue
		}
		for i := range w {
			if !strings.HasPrefix(g[i], w[i]) {
				t.Errorf("%s[%d]: got %q; want it to start with %q", origin, i, g[i], w[i])
			}
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d origins; want %d: %q", len(got), len(want), got)
	}
}

const hashSkip = "!SHA-1 hash: Falcon custom IOCs take md5 and sha256"

// TestRead_TypedPackedCells reads a CSV whose type column says file or hash
// and whose cells pack the md5, sha1 and sha256 of one file.
func TestRead_TypedPackedCells(t *testing.T) {
	t.Parallel()
	res := readSample(t, "synthetic-typed-packed.csv", nil)
	const f = "synthetic-typed-packed.csv:"
	checkOutcomes(t, res, map[string][]string{
		f + "2":  {"md5:44d88612fea8a8f36de82e1278abb02f", "sha256:275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f", hashSkip},
		f + "3":  {"md5:d41d8cd98f00b204e9800998ecf8427e", "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", hashSkip},
		f + "4":  {"!SHA-512 hash: Falcon custom IOCs take md5 and sha256"},
		f + "5":  {"domain:c2.example.net"},
		f + "6":  {"domain:cdn.example.org"},
		f + "7":  {"ipv4:198.51.100.23"},
		f + "8":  {"ipv6:2001:db8::23"},
		f + "9":  {"ipv4:203.0.113.9 (IPv4-mapped IPv6 address imported as its IPv4 form 203.0.113.9)"},
		f + "10": {"!URL: Falcon has no url type (-url-hosts imports its host instead)"},
		f + "11": {"!not a domain: .exe is not a top-level domain"},
		f + "12": {"!CIDR range: Falcon takes single addresses only"},
		f + "13": {`!type "mutex" is not one Falcon takes`},
	})
	for _, p := range res.Problems {
		// Each is a well-formed value of a kind Falcon does not take.
		if !p.Skip() {
			t.Errorf("%v: Skip() = false; want true", p)
		}
	}
	res = readSample(t, "synthetic-typed-packed.csv", &feed.Options{URLHosts: true})
	if got := outcomes(res)[f+"10"]; len(got) != 1 || got[0] != "domain:drop.example.com (URL reduced to its host drop.example.com)" {
		t.Errorf("with URLHosts, url row: %q", got)
	}
}

// TestRead_MessyList reads the shapes of hand-kept lists: file names, new
// gTLDs and IDNs, hosts with ports, URLs without a scheme, quotes, inline
// comments, mapped addresses and ";" inside URLs.
func TestRead_MessyList(t *testing.T) {
	t.Parallel()
	const f = "synthetic-messy-list.txt:"
	want := map[string][]string{
		f + "11": {"domain:payload.zip"}, f + "12": {"domain:clip.mov"}, f + "13": {"domain:login-portal.app"},
		f + "14": {"domain:tools.dev"}, f + "15": {"domain:xn--80ak6aa92e.xn--p1ai"},
		f + "16": {"ipv4:203.0.113.7 (port 53 dropped)"},
		f + "17": {"ipv6:2001:db8::1 (port 53 dropped)"},
		f + "18": {"domain:c2.example.com (port 8443 dropped)"},
		f + "19": {"!URL without a scheme: Falcon has no url type (-url-hosts imports its host instead)"},
		f + "20": {"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		f + "21": {"domain:c2-quoted.example.org"},
		f + "22": {"domain:evil.example"},
		f + "23": {"ipv4:198.51.100.7 (IPv4-mapped IPv6 address imported as its IPv4 form 198.51.100.7)"},
		f + "24": {"!CIDR range: Falcon takes single addresses only"},
		f + "25": {"!URL: Falcon has no url type"},
		f + "26": {"!URL without a scheme"},
	}
	for i, name := range []string{"evil.exe", "invoice.pdf", "helper.dll", "setup.msi", "report.docx", "script.ps1", "update.js", "config.php"} {
		ext := name[strings.IndexByte(name, '.'):]
		want[f+strconv.Itoa(3+i)] = []string{"!not a domain: " + ext + " is not a top-level domain"}
	}
	res := readSample(t, "synthetic-messy-list.txt", nil)
	checkOutcomes(t, res, want)
	for _, e := range res.Entries {
		if e.Value == "evil.example" && e.Description != "C2 since March" {
			t.Errorf("inline comment: description %q", e.Description)
		}
	}
	for _, p := range res.Problems {
		if strings.HasSuffix(p.Origin, ":25") && p.Value != "http://drop.example.net/a;b=c" ||
			strings.HasSuffix(p.Origin, ":26") && p.Value != "drop.example.net/x;y" {
			t.Errorf("value cut at ';': %v", p)
		}
	}

	res = readSample(t, "synthetic-messy-list.txt", &feed.Options{URLHosts: true})
	got := outcomes(res)
	if g := got[f+"19"]; len(g) != 1 || g[0] != "domain:host.example (URL reduced to its host host.example)" {
		t.Errorf("with URLHosts, URL without a scheme: %q", g)
	}
}

// TestRead_STIXSameReasons checks that STIX terms get the reasons list
// values get.
func TestRead_STIXSameReasons(t *testing.T) {
	t.Parallel()
	res := readSample(t, "synthetic-cidr.stix.json", nil)
	checkOutcomes(t, res, map[string][]string{
		"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f": {"!CIDR range: Falcon takes single addresses only"},
		"indicator--c1a5b7f0-2b8e-4d1e-9f43-1d1f7f3c2a10": {"ipv4:203.0.113.9 (IPv4-mapped"},
		"indicator--0b8f2f7e-6d0e-4b59-8f0a-7f6f0a4c9d21": {"!not a domain: .exe is not a top-level domain"},
	})
}

// TestRead_NotAFeed checks that garbage gets one error, and that UTF-16
// with a byte-order mark is read.
func TestRead_NotAFeed(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"synthetic-binary.gz", "SOURCES.md"} {
		_, err := feed.ReadFile(filepath.Join(testdata, "feeds", name), &feed.Options{Format: feed.List})
		if !errors.Is(err, feed.ErrNotFeed) {
			t.Errorf("%s: err = %v; want ErrNotFeed", name, err)
		}
	}
	res := readSample(t, "synthetic-utf16.txt", nil)
	checkOutcomes(t, res, map[string][]string{
		"synthetic-utf16.txt:2": {"domain:c2.example.com"},
		"synthetic-utf16.txt:3": {"ipv4:198.51.100.44"},
	})
	b, err := os.ReadFile(filepath.Join(testdata, "feeds", "synthetic-utf16.txt"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = feed.Read(strings.NewReader(string(b[2:])), nil)
	if err == nil || !strings.Contains(err.Error(), "UTF-16 text without a byte-order mark") {
		t.Errorf("UTF-16 without BOM: err = %v", err)
	}
}

// TestProblemClipsLongValues checks that messages never carry a whole long
// line.
func TestProblemClipsLongValues(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 5000)
	res, err := feed.Read(strings.NewReader(long+"\n"), &feed.Options{Format: feed.List})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Problems) != 1 {
		t.Fatalf("problems %v", res.Problems)
	}
	if s := res.Problems[0].String(); len(s) > 250 || !strings.Contains(s, "…") {
		t.Errorf("String() = %d bytes: %.300s", len(s), s)
	}
}

// TestRead_RealPackedCells reads Volexity's StormBamboo CSV, whose file
// rows pack the md5, sha1 and sha256 of one sample in one quoted cell, in
// either order ("<md5>,<sha1>,<sha256>" and "<sha256>,<sha1>,<md5>").
func TestRead_RealPackedCells(t *testing.T) {
	t.Parallel()
	res := readSample(t, "volexity-stormbamboo-iocs.csv", nil)
	const f = "volexity-stormbamboo-iocs.csv:"
	checkOutcomes(t, res, map[string][]string{
		f + "2": {"ipv4:103.96.130.107"}, f + "3": {"ipv4:152.32.159.8"}, f + "4": {"ipv4:122.10.90.20"},
		f + "5": {"ipv4:122.10.89.110"}, f + "6": {"ipv4:59.188.69.231"},
		f + "7":  {"md5:049e8677406de5f0061f3960f9655b5f", "sha256:4f3d35f4f8b810362cbd4c59bfe5a961e559fe5713c9478294ccb3af2d306515", hashSkip},
		f + "8":  {"md5:ce5fdde7db4ee41808f9c7d121311f78", "sha256:3f76933e053b2e8e3458f2e69d72e10b6b6a97fb8ba0f0300aa415b99c032aea", hashSkip},
		f + "9":  {"md5:2a6c10a34fa1e2a38673f4ca20c303a1", "sha256:17aebd011dcd3e7c11484c2f98fa0901c2ea1325fdd6c03904d30ebfc8747a99", hashSkip},
		f + "10": {"sha256:07e3b067dc5e5de377ce4a5eff3ccd4e6a2f1d7a47c23fe06b1ededa7aed1ab3", "md5:ee28b3137d65d74c0234eea35fa536af", hashSkip},
		f + "11": {"sha256:77406e090ad9214942d7ca91ddd09b0435bafe42ffa2512819a7bc6cdec112b8", "md5:4958ede3b968ad464c983054479bf4d2", hashSkip},
		f + "12": {"sha256:7e2e1fba2fabf677d08611a59b03d646a92bb6110182b61adae207c8a88b6d13", "md5:6abf9a7926415dc00bcb482456cc9467", hashSkip},
		f + "13": {"sha256:806eabfa6ee245eaaf817c0336e07982fffc42efb1f39a2bfb44a5db2c89b126", "md5:25e4eef79ad4126d5dc5567949848070", hashSkip},
		f + "14": {"sha256:b76a9034e9abc7a62171e80f9d1f7fdf565cda286bd10fd3984eae769113c8c5", "md5:acfc69c743b733dd80c1d551ae01172b", hashSkip},
		f + "15": {"sha256:b77bcfb036f5a6a3973fdd68f40c0bd0b19af1246688ca4b1f9db02f2055ef9d", "md5:4c8a326899272d2fe30e818181f6f67f", hashSkip},
	})
	for _, p := range res.Problems {
		if !p.Skip() {
			t.Errorf("%v: Skip() = false; want true", p)
		}
	}
	// The description column follows the packed cell: each hash keeps it.
	if e := findEntry(t, res, "md5", "4958ede3b968ad464c983054479bf4d2"); e.Description != "MACMA keylogger" {
		t.Errorf("description %q", e.Description)
	}
}

// TestRead_RealHostPortsAndURLs reads Volexity's UTA0388 CSV: "ip:port"
// values typed url, URLs with ws schemes, a trailing space, a fragment
// ("#...", not a comment), "[PDF]" in a path, and a bare host typed url.
func TestRead_RealHostPortsAndURLs(t *testing.T) {
	t.Parallel()
	res := readSample(t, "volexity-uta0388-iocs.csv", nil)
	const f = "volexity-uta0388-iocs.csv:"
	got := outcomes(res)
	for origin, want := range map[string]string{
		f + "2":  "ipv4:80.85.154.48 (port 443 dropped)",
		f + "4":  "ipv4:82.118.16.173 (port 443 dropped)",
		f + "5":  "!URL: Falcon has no url type",
		f + "7":  "!URL: Falcon has no url type",
		f + "8":  "domain:www.twmoc.info",
		f + "10": "ipv4:104.194.152.137",
		f + "20": "domain:azure-app.store",
		f + "24": "sha256:2ffe1e4f4df34e1aca3b8a8e93eee34bfc4b7876cedd1a0b6ca5d63d89a26301",
		f + "44": "!URL: Falcon has no url type",
		f + "50": "!URL: Falcon has no url type",
	} {
		if g := got[origin]; len(g) != 1 || !strings.HasPrefix(g[0], want) {
			t.Errorf("%s: got %q; want %q", origin, g, want)
		}
	}
	// Rows 17-19 repeat the addresses of rows 2-4 without the port.
	if res.Duplicates != 3 || len(res.Entries) != 26 || len(res.Problems) != 27 {
		t.Errorf("%d entries, %d problems, %d duplicates; want 26, 27, 3", len(res.Entries), len(res.Problems), res.Duplicates)
	}
	for _, p := range res.Problems {
		if p.Kind != feed.KindURL || p.HostType == "" {
			t.Errorf("%v: kind %q host %s:%s; want a URL with its host", p, p.Kind, p.HostType, p.Host)
		}
	}
	if p := res.Problems[2]; p.Value != "wss://outlook.windows-app.store/ws" || p.Host != "outlook.windows-app.store" {
		t.Errorf("trailing space row: %+v", p)
	}
	// With -url-hosts every URL gives its host.
	res = readSample(t, "volexity-uta0388-iocs.csv", &feed.Options{URLHosts: true})
	if len(res.Problems) != 0 {
		t.Errorf("with URLHosts: %v", res.Problems)
	}
	if e := findEntry(t, res, "domain", "aquamarine-choux-46cb43.netlify.app"); e.Origin != f+"42" {
		t.Errorf("URL host entry from %s", e.Origin)
	}
}

// TestRead_RealTrails reads a Maltrail trail list: "#" comments and
// reference lines, URLs without a scheme, "ip:port" values, and URL paths
// without a host ("/date1.dat", Maltrail's generic trails), which are URLs
// Falcon cannot take, not malformed values.
func TestRead_RealTrails(t *testing.T) {
	t.Parallel()
	res := readSample(t, "maltrail-ammyyrat.txt", nil)
	const f = "maltrail-ammyyrat.txt:"
	pathSkip := "!URL path without a host: Falcon has no url type"
	checkOutcomes(t, res, map[string][]string{
		f + "6":  {"!URL without a scheme: Falcon has no url type"},
		f + "7":  {"!URL without a scheme: Falcon has no url type"},
		f + "14": {"ipv4:209.239.123.75 (port 443 dropped)"},
		f + "15": {"domain:rl.ammyy.com"},
		f + "20": {"domain:office365id.com"},
		f + "24": {"domain:office365homedep.com"},
		f + "28": {"domain:thespecsupportservice.com"},
		f + "32": {"ipv4:169.239.129.38 (port 443 dropped)"},
		f + "37": {"domain:update365office.com"},
		f + "41": {pathSkip}, f + "42": {pathSkip}, f + "43": {pathSkip}, f + "44": {pathSkip},
	})
	for _, p := range res.Problems {
		if !p.Skip() {
			t.Errorf("%v: Skip() = false; want true", p)
		}
	}
	if p := res.Problems[0]; p.Host != "msboxoffice.com" {
		t.Errorf("scheme-less URL host: %+v", p)
	}
}
