package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/falconioc/falcon/examples/internal/convert"
	"github.com/falconioc/falcon/examples/internal/setup"
	"github.com/falconioc/falcon/falcontest"
)

const badRows = "testdata/bad-rows.csv"

// runImport runs import against srv and returns its output and error.
func runImport(t *testing.T, srv *falcontest.Server, args ...string) (string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(t.Context(), args, setup.EmulatorEnv(srv), &stdout, &stderr)
	if strings.Contains(stderr.String(), "\r") {
		t.Errorf("a progress bar was drawn on a non-terminal:\n%q", stderr.String())
	}
	return stdout.String(), err
}

func newServer(t *testing.T) *falcontest.Server {
	t.Helper()
	srv := falcontest.NewServer(falcontest.WithIndicators(0))
	t.Cleanup(srv.Close)
	return srv
}

// creates counts the create requests srv received.
func creates(srv *falcontest.Server) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Method == http.MethodPost && r.Path == "/iocs/entities/indicators/v1" {
			n++
		}
	}
	return n
}

// invalidLines are the bad rows of testdata/bad-rows.csv, by line.
var invalidLines = []string{
	`bad-rows.csv:4 "zzzz": invalid md5`,
	`bad-rows.csv:6 "192.0.2.55": action`,
	`bad-rows.csv:7 "expired.import.example.com": expiration "2001-01-01T00:00:00Z": must be in the future`,
	`bad-rows.csv:10: malformed CSV row`,
}

func TestImportRefusesBadInput(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	out, err := runImport(t, srv, "-source", "t", badRows)
	if !errors.Is(err, setup.ErrReported) || setup.ExitCode(err, new(bytes.Buffer)) != 1 {
		t.Fatalf("err = %v, want exit status 1", err)
	}
	for _, want := range invalidLines {
		if !strings.Contains(out, "INVALID  "+want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(out, "Refusing to import: 4 bad item(s), nothing was sent") {
		t.Errorf("no refusal:\n%s", out)
	}
	if n := creates(srv); n != 0 || srv.IndicatorCount() != 0 {
		t.Errorf("%d create requests, %d indicators: something was sent", n, srv.IndicatorCount())
	}
}

func TestImportSkipInvalid(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	out, err := runImport(t, srv, "-skip-invalid", "-source", "t", badRows)
	// The private address draws a warning: that item fails, so the exit
	// status is 1, but the rest is imported.
	if !errors.Is(err, setup.ErrReported) {
		t.Fatalf("err = %v, want a reported failure", err)
	}
	for _, want := range invalidLines {
		if !strings.Contains(out, "INVALID  "+want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	// The failure gives the API's code, field and message, and the trace id
	// of the answer that refused the row.
	if !regexp.MustCompile(`FAILED   bad-rows.csv:8 ipv4:10.1.2.3: 400 value: [^\n]*private[^\n]* \[trace [0-9a-f-]{36}\] \(-ignore-warnings`).MatchString(out) {
		t.Errorf("no failure for the private address, with its reason and trace id:\n%s", out)
	}
	if !strings.Contains(out, "Imported 3: 2 created, 0 already existed, 1 failed, 4 bad item(s) skipped, 0 skipped (no Falcon type), 1 duplicate(s) dropped.") {
		t.Errorf("summary:\n%s", out)
	}
	got := map[string]string{}
	for _, ind := range srv.Indicators() {
		got[ind.Type+":"+ind.Value] = ind.Source + "/" + ind.Severity
	}
	want := map[string]string{
		"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855": "t/high",
		"domain:good.import.example.com":                                          "t/medium",
	}
	if len(got) != len(want) || got["domain:good.import.example.com"] != "t/medium" ||
		got["sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"] != "t/high" {
		t.Errorf("indicators = %v, want %v", got, want)
	}

	// Again with -ignore-warnings: the private address goes in, the two
	// others exist already. Nothing failed: exit status 0.
	out, err = runImport(t, srv, "-skip-invalid", "-ignore-warnings", "-v", "-source", "t", badRows)
	if err != nil {
		t.Fatalf("second run: %v\n%s", err, out)
	}
	for _, want := range []string{
		"EXISTS   bad-rows.csv:3 sha256:e3b0c442", "EXISTS   bad-rows.csv:5 domain:good.import.example.com",
		"CREATED  bad-rows.csv:8 ipv4:10.1.2.3", "1 created, 2 already existed, 0 failed",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("second run lacks %q:\n%s", want, out)
		}
	}
	if srv.IndicatorCount() != 3 {
		t.Errorf("%d indicators, want 3", srv.IndicatorCount())
	}
}

func TestImportDryRun(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.AddIndicators(falcontest.Indicator{Type: "domain", Value: "good.import.example.com", Action: "detect",
		Source: "other", AppliedGlobally: true, Platforms: []string{"linux"}})
	out, err := runImport(t, srv, "-dry-run", "-skip-invalid", badRows)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	for _, want := range []string{
		"CREATE   bad-rows.csv:3 sha256:e3b0c442", "EXISTS   bad-rows.csv:5 domain:good.import.example.com",
		"WARNING  bad-rows.csv:8 ipv4:10.1.2.3: private or reserved address: the API refuses it with a warning (-ignore-warnings creates it anyway)",
		"would create 1 indicator(s); 1 exist already; 1 refused with a warning; 0 skipped (no Falcon type); 4 bad item(s) skipped. Nothing was sent.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run lacks %q:\n%s", want, out)
		}
	}
	// With -ignore-warnings, the private address is a CREATE like any
	// other, and the real import agrees with the dry run.
	out, err = runImport(t, srv, "-dry-run", "-skip-invalid", "-ignore-warnings", badRows)
	if err != nil || !strings.Contains(out, "CREATE   bad-rows.csv:8 ipv4:10.1.2.3 (detect, low)") ||
		!strings.Contains(out, "would create 2 indicator(s); 1 exist already; 0 refused with a warning") {
		t.Errorf("dry run with -ignore-warnings: %v\n%s", err, out)
	}
	if creates(srv) != 0 || srv.IndicatorCount() != 1 {
		t.Errorf("the dry run wrote")
	}
	// Without -skip-invalid the dry run refuses too.
	if _, err := runImport(t, srv, "-dry-run", badRows); !errors.Is(err, setup.ErrReported) {
		t.Errorf("dry run over bad rows: err = %v", err)
	}
}

// TestImportFormats imports the hand-made feeds of every format together:
// the bad STIX objects and list lines are named by object id and line.
func TestImportFormats(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	out, err := runImport(t, srv, "-skip-invalid", "-override", "-severity", "low", "-platforms", "windows",
		"../testdata/iocs.csv", "../testdata/indicators.stix.json", "../testdata/mixed.txt")
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	for _, want := range []string{
		`INVALID  indicator--00000000-0000-4000-8000-000000000004 "abc123": invalid sha256`,
		`INVALID  indicator--00000000-0000-4000-8000-000000000005`,
		`SKIP     mixed.txt:10 "10.0.0.0/8": CIDR range`,
		`INVALID  iocs.csv:8 "not-a-hash"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	inds := srv.Indicators()
	if len(inds) == 0 {
		t.Fatal("nothing imported")
	}
	for _, ind := range inds {
		if ind.Severity != "low" || len(ind.Platforms) != 1 || ind.Platforms[0] != "windows" || !ind.AppliedGlobally {
			t.Errorf("-override not applied: %+v", ind)
		}
	}
	// Across the three feeds, each value is imported once.
	if m := regexp.MustCompile(`Imported (\d+): (\d+) created`).FindStringSubmatch(out); m == nil || m[1] != m[2] {
		t.Errorf("summary: %q", m)
	}
}

func TestImportUsage(t *testing.T) {
	t.Parallel()
	noEnv := func(string) string { return "" }
	var stdout, stderr bytes.Buffer
	if err := run(t.Context(), []string{"-h"}, noEnv, &stdout, &stderr); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v", err)
	}
	if !strings.Contains(stderr.String(), "-skip-invalid") || !strings.Contains(stderr.String(), "-host-groups") {
		t.Errorf("-h output:\n%s", stderr.String())
	}
	for _, args := range [][]string{
		nil, {"-format", "xml", "f"}, {"-batch", "0", "f"}, {"-action", "block", "f"}, {"-platforms", "beos", "f"},
		{"-host-groups", "nothex", "f"},
	} {
		if _, ok := errors.AsType[*setup.UsageError](run(t.Context(), args, noEnv, &stdout, &stderr)); !ok {
			t.Errorf("%q: not a usage error", args)
		}
	}
	if err := run(t.Context(), []string{"testdata/no-such-file.csv"}, noEnv, &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "no-such-file") {
		t.Errorf("missing file: %v", err)
	}
}

// TestImportFlagAfterFile checks that flags may follow the files, and that
// an unknown one after a file is a usage error naming where it was.
func TestImportFlagAfterFile(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	out, err := runImport(t, srv, badRows, "-dry-run", "-skip-invalid")
	if err != nil || !strings.Contains(out, "Dry run: would create") {
		t.Fatalf("flags after the file: %v\n%s", err, out)
	}
	_, err = runImport(t, srv, badRows, "-dryrun")
	if ue, ok := errors.AsType[*setup.UsageError](err); !ok || !strings.Contains(ue.Error(), `after "testdata/bad-rows.csv"`) {
		t.Errorf("unknown flag after a file: %v", err)
	}
}

// jsonRows runs import with -json and decodes its report.
func jsonRows(t *testing.T, srv *falcontest.Server, args ...string) ([]convert.Row, convert.Summary, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(t.Context(), append([]string{"-json"}, args...), setup.EmulatorEnv(srv), &stdout, &stderr)
	var rows []convert.Row
	var sum convert.Summary
	dec := json.NewDecoder(&stdout)
	for dec.More() {
		var raw map[string]json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			t.Fatalf("stdout is not JSON lines: %v\n%s", err, stdout.String())
		}
		b, _ := json.Marshal(raw)
		if s, ok := raw["summary"]; ok {
			if err := json.Unmarshal(s, &sum); err != nil {
				t.Fatal(err)
			}
			continue
		}
		var r convert.Row
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, r)
	}
	if !strings.Contains(stderr.String(), "Read ") {
		t.Errorf("the text report is not on stderr:\n%s", stderr.String())
	}
	return rows, sum, err
}

// TestImportJSON imports the packed-cell sample with -json: one object per
// row (and per packed hash), then a summary whose counts match.
func TestImportJSON(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.AddIndicators(falcontest.Indicator{Type: "domain", Value: "cdn.example.org", Action: "detect",
		Source: "other", AppliedGlobally: true, Platforms: []string{"linux"}})
	const sample = "../testdata/feeds/synthetic-typed-packed.csv"
	rows, sum, err := jsonRows(t, srv, "-skip-invalid", "-url-hosts", sample)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	type key struct {
		line    int
		typ     string
		outcome string
	}
	got := map[key]convert.Row{}
	for _, r := range rows {
		if r.File != "synthetic-typed-packed.csv" {
			t.Errorf("row %+v: file", r)
		}
		got[key{r.Line, r.Type, r.Outcome}] = r
	}
	for _, k := range []key{
		{2, "md5", "create"}, {2, "sha256", "create"}, {2, "sha1", "skip"},
		{3, "md5", "create"}, {3, "sha256", "create"}, {3, "sha1", "skip"},
		{4, "sha512", "skip"}, {5, "domain", "create"}, {6, "domain", "unchanged"},
		{7, "ipv4", "create"}, {8, "ipv6", "create"}, {9, "ipv4", "create"}, {10, "domain", "create"},
		{11, "file name", "skip"}, {12, "cidr", "skip"}, {13, "type", "skip"},
	} {
		r, ok := got[k]
		if !ok {
			t.Errorf("no row %+v in %+v", k, rows)
			continue
		}
		if k.outcome == "create" && r.ID == "" {
			t.Errorf("row %+v has no id", r)
		}
	}
	if len(rows) != 16 {
		t.Errorf("%d rows; want 16", len(rows))
	}
	if r := got[key{9, "ipv4", "create"}]; r.Value != "203.0.113.9" || !strings.Contains(r.Note, "IPv4-mapped") {
		t.Errorf("mapped address row: %+v", r)
	}
	if r := got[key{2, "sha1", "skip"}]; r.Reason != "SHA-1 hash: Falcon custom IOCs take md5 and sha256" {
		t.Errorf("sha1 reason: %q", r.Reason)
	}
	if sum.Rows != 16 || sum.Outcomes["create"] != 9 || sum.Outcomes["skip"] != 6 || sum.Outcomes["unchanged"] != 1 ||
		sum.Types["md5"]["create"] != 2 || sum.Types["sha1"]["skip"] != 2 || sum.DryRun {
		t.Errorf("summary %+v", sum)
	}
	if n := srv.IndicatorCount(); n != 1+9 {
		t.Errorf("%d indicators; want 10", n)
	}

	// A dry run reports the same rows as would-be outcomes, and
	// duplicates as skips naming the row kept.
	rows, sum, err = jsonRows(t, newServer(t), "-dry-run", "-skip-invalid", "-ignore-warnings", badRows)
	if err != nil || !sum.DryRun {
		t.Fatalf("dry run: %v %+v", err, sum)
	}
	dup := false
	for _, r := range rows {
		if r.Line == 9 && r.Outcome == "skip" && r.Reason == "duplicate of bad-rows.csv:5" {
			dup = true
		}
	}
	if !dup {
		t.Errorf("no duplicate row in %+v", rows)
	}
}

// TestImportNotAFeed checks that binary input and text that is no feed get
// one error line, not a line per row.
func TestImportNotAFeed(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"synthetic-binary.gz", "SOURCES.md"} {
		var stdout, stderr bytes.Buffer
		err := run(t.Context(), []string{"-format", "list", "../testdata/feeds/" + name}, setup.EmulatorEnv(newServer(t)), &stdout, &stderr)
		code := setup.ExitCode(err, &stderr)
		if code != 1 || !strings.Contains(stderr.String(), "not an IOC feed") || strings.Count(stderr.String(), "\n") != 1 ||
			strings.Contains(stdout.String(), "INVALID") {
			t.Errorf("%s: exit %d\nstdout:\n%s\nstderr:\n%s", name, code, stdout.String(), stderr.String())
		}
	}
}

// packedRow is a CSV row packing the md5, sha1 and sha256 of the empty
// file in one cell: Falcon takes two of them, the sha1 is a skip.
const packedRow = `file,"d41d8cd98f00b204e9800998ecf8427e,da39a3ee5e6b4b0d3255bfef95601890afd80709,e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"` + "\n"

// TestImportSkipsDoNotBlock checks that values of a kind Falcon does not
// take are reported skips that never refuse an import, while malformed
// values still do.
func TestImportSkipsDoNotBlock(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	packed := filepath.Join(dir, "f.csv")
	if err := os.WriteFile(packed, []byte("type,value\n"+packedRow+"url,https://drop.example.com/a.php\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := newServer(t)
	out, err := runImport(t, srv, "-dry-run", packed)
	if err != nil {
		t.Fatalf("dry run refused: %v\n%s", err, out)
	}
	for _, want := range []string{
		"Read 1 feed(s): 2 indicator(s), 2 skipped (no Falcon type), 0 bad item(s), 0 duplicate(s) dropped.",
		`  SKIP     f.csv:2 "da39a3ee5e6b4b0d3255bfef95601890afd80709": SHA-1 hash: Falcon custom IOCs take md5 and sha256`,
		`  SKIP     f.csv:3 "https://drop.example.com/a.php": URL: Falcon has no url type`,
		"CREATE   f.csv:2 md5:d41d8cd98f00b204e9800998ecf8427e", "CREATE   f.csv:2 sha256:e3b0c442",
		"would create 2 indicator(s); 0 exist already; 0 refused with a warning; 2 skipped (no Falcon type); 0 bad item(s) skipped.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "INVALID") || strings.Contains(out, "Refusing") {
		t.Errorf("a skip is reported as bad input:\n%s", out)
	}

	out, err = runImport(t, srv, packed)
	if err != nil {
		t.Fatalf("import refused: %v\n%s", err, out)
	}
	if !strings.Contains(out, "Imported 2: 2 created, 0 already existed, 0 failed, 0 bad item(s) skipped, 2 skipped (no Falcon type), 0 duplicate(s) dropped.") {
		t.Errorf("summary:\n%s", out)
	}
	if srv.IndicatorCount() != 2 {
		t.Errorf("%d indicators, want 2", srv.IndicatorCount())
	}

	// The real feeds with packed cells, URLs and URL paths import
	// without -skip-invalid.
	for _, tc := range []struct{ name, summary string }{
		{"volexity-stormbamboo-iocs.csv", "23 indicator(s), 9 skipped (no Falcon type), 0 bad item(s)"},
		{"maltrail-ammyyrat.txt", "7 indicator(s), 6 skipped (no Falcon type), 0 bad item(s)"},
		{"volexity-uta0388-iocs.csv", "26 indicator(s), 27 skipped (no Falcon type), 0 bad item(s), 3 duplicate(s) dropped"},
	} {
		out, err := runImport(t, newServer(t), "-dry-run", "../testdata/feeds/"+tc.name)
		if err != nil || !strings.Contains(out, tc.summary) || !strings.Contains(out, "  SKIP     "+tc.name+":") {
			t.Errorf("%s: %v\n%s", tc.name, err, out)
		}
	}

	// A malformed value next to the skips still refuses the import, and
	// the refusal counts only it.
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("type,value\n"+packedRow+"md5,nothex\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv = newServer(t)
	out, err = runImport(t, srv, bad)
	if !errors.Is(err, setup.ErrReported) {
		t.Fatalf("err = %v, want a refusal\n%s", err, out)
	}
	for _, want := range []string{`  SKIP     bad.csv:2 "da39a3ee`, `  INVALID  bad.csv:3 "nothex": invalid md5`, "Refusing to import: 1 bad item(s), nothing was sent"} {
		if !strings.Contains(out, want) {
			t.Errorf("refusal lacks %q:\n%s", want, out)
		}
	}
	if creates(srv) != 0 {
		t.Error("a refused import sent something")
	}

	// In the -json report the sha1 is a skip and the malformed md5 a
	// reject.
	rows, sum, _ := jsonRows(t, srv, "-dry-run", "-skip-invalid", bad)
	outcomes := map[string]string{}
	for _, r := range rows {
		outcomes[r.Value] = r.Outcome
	}
	if outcomes["da39a3ee5e6b4b0d3255bfef95601890afd80709"] != "skip" || outcomes["nothex"] != "reject" ||
		sum.Outcomes["create"] != 2 || sum.Outcomes["skip"] != 1 || sum.Outcomes["reject"] != 1 {
		t.Errorf("report: %v %+v", outcomes, sum)
	}
}
