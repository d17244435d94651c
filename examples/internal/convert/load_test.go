package convert_test

import (
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
	expired := batch.Invalid[slices.IndexFunc(batch.Invalid, func(p convert.Invalid) bool { return p.Origin == "b.csv:3" })]
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
	batch.PrintInvalid(&sb)
	lines := strings.Split(strings.TrimSpace(sb.String()), "\n")
	want := []string{"Bad input (4):", "b.csv:3", "b.csv:4", "a.txt:2", "  INVALID  -: about no item"}
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
