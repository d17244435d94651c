package convert_test

import (
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/falconioc/falcon"
	"github.com/falconioc/falcon/examples/internal/convert"
)

func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a := writeFile(t, dir, "a.txt", "evil.example.com\nnot a value\n192.0.2.1;c2\n")
	b := writeFile(t, dir, "b.csv", "type,value,source,expiration\n"+
		"domain,EVIL.example.com,feed-b,\n"+ // duplicate of a.txt:1
		"ipv4,198.51.100.1,feed-b,2001-01-01\n"+ // expired
		"md5,44d88612fea8a8f36de82e1278abb02f,feed-b,\n")
	d := convert.NewDefaults()
	d.Source = "flag"

	batch, err := convert.Load([]string{b, a}, convert.FeedFlags{Format: "auto"}, d, false)
	if err != nil {
		t.Fatal(err)
	}
	if batch.Files != 2 || batch.Duplicates != 1 || len(batch.Items) != 3 || len(batch.Invalid) != 2 {
		t.Fatalf("batch: %s %+v", batch.Summary(), batch.Invalid)
	}
	// b.csv comes first on the command line: its entries win.
	if got := batch.Items[0]; got.Value != "evil.example.com" || got.Source != "feed-b" || batch.Origin(0) != "b.csv:2" {
		t.Errorf("first item %+v from %s", got, batch.Origin(0))
	}
	if got := batch.Items[2]; got.Value != "192.0.2.1" || got.Source != "flag" || got.Description != "c2" {
		t.Errorf("list item %+v", got)
	}
	// The expired row is set aside by the SDK's own checks, and keeps its
	// key: sync leaves such an indicator alone rather than deleting it.
	expired := batch.Invalid[slices.IndexFunc(batch.Invalid, func(p convert.SetAside) bool { return p.Origin == "b.csv:3" })]
	if expired.Key != "ipv4:198.51.100.1" || !strings.Contains(expired.Reason, `expiration "2001-01-01T00:00:00Z": must be in the future`) {
		t.Errorf("expired row: %+v", expired)
	}
	if batch.Origin(-1) != "-" || batch.Origin(99) != "-" {
		t.Error("Origin out of range")
	}

	// Reject sets items aside, keeping origins aligned.
	ve := &falcon.ValidationError{}
	ve.Add(1, "action", "x", "not offered")
	ve.Add(-1, "", "", "about no item")
	if !batch.Reject(ve) || batch.Reject(nil) {
		t.Fatal("Reject did not recognise the errors")
	}
	if len(batch.Items) != 2 || batch.Origin(1) != "a.txt:3" {
		t.Errorf("after Reject: %v", batch.Origins)
	}
	var sb strings.Builder
	batch.PrintSetAside(&sb)
	lines := strings.Split(strings.TrimSpace(sb.String()), "\n")
	want := []string{"Not sent (4): 0 skipped (no Falcon type), 4 bad item(s):", "b.csv:3", "b.csv:4", "a.txt:2", "  INVALID  -: about no item"}
	if len(lines) != 5 {
		t.Fatalf("PrintInvalid:\n%s", sb.String())
	}
	for i, w := range want {
		if !strings.Contains(lines[i], w) {
			t.Errorf("line %d %q lacks %q", i, lines[i], w)
		}
	}

	// forceSource gives every item the flag's source.
	batch, err = convert.Load([]string{b}, convert.FeedFlags{Format: "csv"}, d, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range batch.Items {
		if it.Source != "flag" {
			t.Errorf("forceSource: %+v", it)
		}
	}
	if _, err := convert.Load([]string{filepath.Join(dir, "missing")}, convert.FeedFlags{}, d, false); err == nil {
		t.Error("no error for a missing file")
	}
}

// TestLoadSkips checks that values of a kind Falcon does not take are set
// aside as skips, apart from malformed ones, and that a skipped URL or
// CIDR range keeps what it stands for, for sync to hold.
func TestLoadSkips(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	f := writeFile(t, dir, "f.csv", "type,value\n"+
		`file,"d41d8cd98f00b204e9800998ecf8427e,da39a3ee5e6b4b0d3255bfef95601890afd80709,e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"`+"\n"+
		"md5,nothex\n"+
		"url,hxxps://Evil.Example.com/a.php\n"+
		"ip,203.0.113.0/24\n")
	batch, err := convert.Load([]string{f}, convert.FeedFlags{Format: "auto"}, convert.NewDefaults(), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(batch.Items) != 2 || len(batch.Invalid) != 1 || len(batch.Skipped) != 3 {
		t.Fatalf("items %v, invalid %+v, skipped %+v", batch.Items, batch.Invalid, batch.Skipped)
	}
	if got := batch.Summary(); got != "Read 1 feed(s): 2 indicator(s), 3 skipped (no Falcon type), 1 bad item(s), 0 duplicate(s) dropped." {
		t.Errorf("Summary() = %q", got)
	}
	if bad := batch.Invalid[0]; bad.Origin != "f.csv:3" || bad.Kind != "" {
		t.Errorf("invalid: %+v", bad)
	}
	want := []convert.SetAside{
		{Origin: "f.csv:2", Value: "da39a3ee5e6b4b0d3255bfef95601890afd80709", Kind: "sha1"},
		{Origin: "f.csv:4", Value: "hxxps://Evil.Example.com/a.php", Kind: "url", Key: "domain:evil.example.com"},
		{Origin: "f.csv:5", Value: "203.0.113.0/24", Kind: "cidr", Range: netip.MustParsePrefix("203.0.113.0/24")},
	}
	for i, w := range want {
		got := batch.Skipped[i]
		if got.Origin != w.Origin || got.Value != w.Value || got.Kind != w.Kind || got.Key != w.Key || got.Range != w.Range {
			t.Errorf("skipped[%d] = %+v, want %+v", i, got, w)
		}
	}
	var sb strings.Builder
	batch.PrintSetAside(&sb)
	lines := strings.Split(strings.TrimSpace(sb.String()), "\n")
	wantLines := []string{
		"Not sent (4): 3 skipped (no Falcon type), 1 bad item(s):",
		`  SKIP     f.csv:2 "da39a3ee5e6b4b0d3255bfef95601890afd80709": SHA-1 hash: Falcon custom IOCs take md5 and sha256`,
		`  INVALID  f.csv:3 "nothex": invalid md5`,
		`  SKIP     f.csv:4 "hxxps://Evil.Example.com/a.php": URL: Falcon has no url type`,
		`  SKIP     f.csv:5 "203.0.113.0/24": CIDR range`,
	}
	if len(lines) != len(wantLines) {
		t.Fatalf("PrintSetAside:\n%s", sb.String())
	}
	for i, w := range wantLines {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d = %q, want it to start with %q", i, lines[i], w)
		}
	}

	// The report calls skips skips and malformed values rejects.
	var js strings.Builder
	rep := convert.NewReport(&js, true)
	batch.ReportSetAside(rep)
	if err := rep.Close(true); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{
		`"line":2,"type":"sha1","value":"da39a3ee5e6b4b0d3255bfef95601890afd80709","outcome":"skip"`,
		`"line":3,"value":"nothex","outcome":"reject"`,
		`"line":4,"type":"url","value":"hxxps://Evil.Example.com/a.php","outcome":"skip"`,
		`"outcomes":{"reject":1,"skip":3}`,
	} {
		if !strings.Contains(js.String(), w) {
			t.Errorf("report lacks %s:\n%s", w, js.String())
		}
	}
}
