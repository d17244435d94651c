package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/falconioc/falcon/examples/internal/convert"
	"github.com/falconioc/falcon/examples/internal/setup"
	"github.com/falconioc/falcon/falcontest"
)

const desiredV1 = `type,value,action,severity,description,tags
sha256,275A021BBFB6489E54D471899F7DB9D1663FC695EC2FE2A2C4538AABF651FD0F,prevent,high,EICAR,test;eicar
domain,c2.sync.example.com,detect,high,c2,
domain,phish.sync.example.net,detect,medium,,
ipv4,198.51.100.7,detect,low,scanner,
`

// desiredV2 drops the ipv4, changes the domain's severity and description,
// and adds an ipv6.
const desiredV2 = `type,value,action,severity,description,tags
sha256,275A021BBFB6489E54D471899F7DB9D1663FC695EC2FE2A2C4538AABF651FD0F,prevent,high,EICAR,test;eicar
domain,c2.sync.example.com,detect,critical,,
domain,phish.sync.example.net,detect,medium,,
ipv6,2001:db8::7,detect,low,,
`

func writeList(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "desired.csv")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func runSync(t *testing.T, srv *falcontest.Server, args ...string) (string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(t.Context(), args, setup.EmulatorEnv(srv), &stdout, &stderr)
	return stdout.String(), err
}

func mustContain(t *testing.T, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
}

// writes counts the write requests srv received.
func writes(srv *falcontest.Server) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Path == "/iocs/entities/indicators/v1" && r.Method != http.MethodGet {
			n++
		}
	}
	return n
}

// owned returns the indicators of source src, by type:value.
func ownedBy(srv *falcontest.Server, src string) map[string]falcontest.Indicator {
	out := map[string]falcontest.Indicator{}
	for _, ind := range srv.Indicators() {
		if ind.Source == src {
			out[ind.Type+":"+ind.Value] = ind
		}
	}
	return out
}

func TestSyncTwicePlansNothing(t *testing.T) {
	t.Parallel()
	srv := falcontest.NewServer(falcontest.WithIndicators(30))
	t.Cleanup(srv.Close)
	// An indicator of another source with a listed value: a conflict.
	srv.AddIndicators(falcontest.Indicator{Type: "domain", Value: "phish.sync.example.net", Action: "detect",
		Source: "someone-else", AppliedGlobally: true, Platforms: []string{"linux"}})
	before := srv.IndicatorCount()
	v1 := writeList(t, desiredV1)

	// Without -apply: the plan, and no write.
	out, err := runSync(t, srv, "-source", "feed-x", v1)
	if err != nil {
		t.Fatalf("plan: %v\n%s", err, out)
	}
	mustContain(t, out, `Plan for source "feed-x": 3 to create, 0 to update, 0 to delete, 0 unchanged, 1 conflict(s).`,
		"+ sha256:275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f (prevent, high)",
		`! domain:phish.sync.example.net exists with source "someone-else"`, "pass -apply")
	if writes(srv) != 0 || srv.IndicatorCount() != before {
		t.Fatal("a plan without -apply wrote")
	}

	out, err = runSync(t, srv, "-source", "feed-x", "-apply", v1)
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	mustContain(t, out, "Applied: 3 created, 0 updated, 0 deleted, 0 failed.")
	got := ownedBy(srv, "feed-x")
	if len(got) != 3 {
		t.Fatalf("feed-x owns %d indicators, want 3", len(got))
	}
	if eicar := got["sha256:275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"]; eicar.Action != "prevent" || len(eicar.Tags) != 2 {
		t.Errorf("created %+v", eicar)
	}
	if other := ownedBy(srv, "someone-else"); len(other) != 1 {
		t.Errorf("the other source's indicator was touched: %+v", other)
	}

	// The second run plans nothing and writes nothing.
	srv.ResetRequests()
	out, err = runSync(t, srv, "-source", "feed-x", "-apply", v1)
	if err != nil {
		t.Fatalf("second apply: %v\n%s", err, out)
	}
	// The conflict is still there: sync must not claim that Falcon
	// matches the list.
	mustContain(t, out, "0 to create, 0 to update, 0 to delete, 3 unchanged, 1 conflict(s).",
		"Nothing to change, but Falcon does not match the list: 1 indicator(s) left alone")
	if strings.Contains(out, "matches the list") {
		t.Errorf("claims a match despite a conflict:\n%s", out)
	}
	if n := writes(srv); n != 0 {
		t.Errorf("the second run sent %d writes", n)
	}

	// A new list: one update, one delete, one create; then nothing again.
	v2 := writeList(t, desiredV2)
	out, err = runSync(t, srv, "-source", "feed-x", "-apply", v2)
	if err != nil {
		t.Fatalf("apply v2: %v\n%s", err, out)
	}
	mustContain(t, out, "1 to create, 1 to update, 1 to delete, 1 unchanged, 1 conflict(s).",
		"~ domain:c2.sync.example.com", "severity: high -> critical", `description: "c2" -> (none)`,
		"- ipv4:198.51.100.7", "+ ipv6:2001:db8::7", "Applied: 1 created, 1 updated, 1 deleted, 0 failed.")
	// Each kind of write names the trace ids of its answers.
	if !regexp.MustCompile(`Trace ids: create [0-9a-f-]{36}; update [0-9a-f-]{36}; delete [0-9a-f-]{36}\.\n`).MatchString(out) {
		t.Errorf("no trace ids for the writes:\n%s", out)
	}
	got = ownedBy(srv, "feed-x")
	if c2 := got["domain:c2.sync.example.com"]; c2.Severity != "critical" || c2.Description != "" {
		t.Errorf("update did not land: %+v", c2)
	}
	if _, ok := got["ipv4:198.51.100.7"]; ok || len(got) != 3 {
		t.Errorf("after v2: %v", got)
	}
	out, err = runSync(t, srv, "-source", "feed-x", v2)
	if err != nil {
		t.Fatalf("plan v2 again: %v", err)
	}
	mustContain(t, out, "Nothing to change, but Falcon does not match the list")
	if srv.IndicatorCount() != before+3 {
		t.Errorf("%d indicators, want %d", srv.IndicatorCount(), before+3)
	}
}

func TestSyncRefusals(t *testing.T) {
	t.Parallel()
	srv := falcontest.NewServer(falcontest.WithIndicators(0))
	t.Cleanup(srv.Close)
	if _, err := runSync(t, srv, "-source", "s", "-apply", writeList(t, desiredV1)); err != nil {
		t.Fatal(err)
	}
	srv.ResetRequests()

	// Bad rows refuse the whole sync: had it gone ahead, a value missing
	// from the list would have been deleted.
	bad := writeList(t, desiredV1+"md5,nothex,detect,low,,\nipv4,192.0.2.9,block,low,,\n")
	out, err := runSync(t, srv, "-source", "s", "-apply", bad)
	if !errors.Is(err, setup.ErrReported) {
		t.Fatalf("err = %v", err)
	}
	mustContain(t, out, `INVALID  desired.csv:6 "nothex": invalid md5`, `INVALID  desired.csv:7 "192.0.2.9": action`, "Refusing to sync: 2 bad item(s)")
	// With -skip-invalid the rest syncs (already in place).
	out, err = runSync(t, srv, "-source", "s", "-apply", "-skip-invalid", bad)
	if err != nil {
		t.Fatalf("-skip-invalid: %v\n%s", err, out)
	}
	mustContain(t, out, "Nothing to do")
	// A listed indicator whose row turns bad (an unknown action) is left
	// alone, not deleted, even with -skip-invalid.
	badAction := writeList(t, strings.Replace(desiredV1, "198.51.100.7,detect", "198.51.100.7,block", 1))
	out, err = runSync(t, srv, "-source", "s", "-apply", "-skip-invalid", badAction)
	if err != nil {
		t.Fatalf("-skip-invalid, bad action: %v\n%s", err, out)
	}
	mustContain(t, out, "! ipv4:198.51.100.7 has a bad row in the list: left as it is", "0 to delete", "Nothing to change, but Falcon does not match the list: 1 indicator(s) left alone")
	if len(ownedBy(srv, "s")) != 4 {
		t.Errorf("owned: %v", ownedBy(srv, "s"))
	}

	// A list that keeps nothing would delete all: refused without
	// -allow-delete-all.
	empty := writeList(t, "type,value\n")
	out, err = runSync(t, srv, "-source", "s", "-apply", empty)
	if !errors.Is(err, setup.ErrReported) {
		t.Fatalf("delete-all: err = %v\n%s", err, out)
	}
	mustContain(t, out, "Refusing to delete all 4 indicators")
	if writes(srv) != 0 {
		t.Error("a refused sync wrote")
	}
	out, err = runSync(t, srv, "-source", "s", "-apply", "-allow-delete-all", empty)
	if err != nil {
		t.Fatalf("-allow-delete-all: %v\n%s", err, out)
	}
	mustContain(t, out, "Applied: 0 created, 0 updated, 4 deleted, 0 failed.")
	if len(ownedBy(srv, "s")) != 0 {
		t.Error("indicators left")
	}
}

// TestSyncReportsFailures makes the creates fail on the server and checks
// the run reports each one and exits 1.
func TestSyncReportsFailures(t *testing.T) {
	t.Parallel()
	srv := falcontest.NewServer(falcontest.WithIndicators(0))
	t.Cleanup(srv.Close)
	list := writeList(t, "value\n10.9.8.7\n198.51.100.99\n")
	out, err := runSync(t, srv, "-source", "s", "-apply", list)
	if !errors.Is(err, setup.ErrReported) || setup.ExitCode(err, new(bytes.Buffer)) != 1 {
		t.Fatalf("err = %v\n%s", err, out)
	}
	mustContain(t, out, "FAILED   create ipv4:10.9.8.7: 400 value: ", "private", "Applied: 1 created, 0 updated, 0 deleted, 1 failed.")
	if !regexp.MustCompile(`FAILED   create ipv4:10\.9\.8\.7: [^\n]* \[trace [0-9a-f-]{36}\]\n`).MatchString(out) {
		t.Errorf("the failure lacks its trace id:\n%s", out)
	}
	// -ignore-warnings lets it in; the next run converges.
	if out, err := runSync(t, srv, "-source", "s", "-apply", "-ignore-warnings", list); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(ownedBy(srv, "s")) != 2 {
		t.Errorf("owned: %v", ownedBy(srv, "s"))
	}
}

func TestSyncUsage(t *testing.T) {
	t.Parallel()
	noEnv := func(string) string { return "" }
	var stdout, stderr bytes.Buffer
	if err := run(t.Context(), []string{"-h"}, noEnv, &stdout, &stderr); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v", err)
	}
	mustContain(t, stderr.String(), "Usage: sync", "-apply", "-allow-delete-all", "-parallel")
	for _, args := range [][]string{{"f.csv"}, {"-source", "s"}, {"-source", "s", "-format", "x", "f"}, {"-source", "s", "-severity", "huge", "f"},
		{"-source", "s", "-parallel", "0", "f"}, {"-source", "s", "-parallel", "17", "f"}} {
		if _, ok := errors.AsType[*setup.UsageError](run(t.Context(), args, noEnv, &stdout, &stderr)); !ok {
			t.Errorf("%q: not a usage error", args)
		}
	}
}

// syncJSON runs sync with -json and returns the rows by outcome (as
// "type:value") and the summary.
func syncJSON(t *testing.T, srv *falcontest.Server, args ...string) (map[string][]string, convert.Summary) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if err := run(t.Context(), append([]string{"-json"}, args...), setup.EmulatorEnv(srv), &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	rows := map[string][]string{}
	var sum convert.Summary
	for line := range strings.Lines(stdout.String()) {
		var r struct {
			convert.Row
			Summary *convert.Summary `json:"summary"`
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("not a JSON line: %q", line)
		}
		if r.Summary != nil {
			sum = *r.Summary
			continue
		}
		rows[r.Outcome] = append(rows[r.Outcome], r.Type+":"+r.Value)
	}
	return rows, sum
}

// TestSyncJSON checks the -json report of a plan and of its application.
func TestSyncJSON(t *testing.T) {
	t.Parallel()
	srv := falcontest.NewServer(falcontest.WithIndicators(0))
	t.Cleanup(srv.Close)
	srv.AddIndicators(falcontest.Indicator{Type: "domain", Value: "phish.sync.example.net", Action: "detect",
		Source: "someone-else", AppliedGlobally: true, Platforms: []string{"linux"}})
	v1, v2 := writeList(t, desiredV1), writeList(t, desiredV2+"sha1,da39a3ee5e6b4b0d3255bfef95601890afd80709,detect,low,,\n")

	rows, sum := syncJSON(t, srv, "-source", "x", v1)
	if len(rows["create"]) != 3 || len(rows["skip"]) != 1 || rows["skip"][0] != "domain:phish.sync.example.net" || !sum.DryRun {
		t.Errorf("plan: %v %+v", rows, sum)
	}
	if writes(srv) != 0 {
		t.Fatal("a plan wrote")
	}
	rows, sum = syncJSON(t, srv, "-source", "x", "-apply", v1)
	if len(rows["create"]) != 3 || sum.DryRun || sum.Outcomes["create"] != 3 {
		t.Errorf("apply: %v %+v", rows, sum)
	}
	rows, sum = syncJSON(t, srv, "-source", "x", "-apply", "-skip-invalid", v2)
	want := map[string][]string{
		"unchanged": {"sha256:275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"},
		"update":    {"domain:c2.sync.example.com"},
		"skip":      {"sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709", "domain:phish.sync.example.net"},
		"create":    {"ipv6:2001:db8::7"},
		"delete":    {"ipv4:198.51.100.7"},
	}
	if !reflect.DeepEqual(rows, want) || sum.Rows != 6 || sum.Types["sha1"]["skip"] != 1 {
		t.Errorf("apply v2:\n got %v\nwant %v\n%+v", rows, want, sum)
	}
}

// TestSyncSkips checks that values of a kind Falcon does not take never
// refuse a sync, and that a skip never deletes an indicator the list still
// names in a form Falcon cannot hold: the domain of a URL read without
// -url-hosts, an address inside a listed CIDR range.
func TestSyncSkips(t *testing.T) {
	t.Parallel()
	srv := falcontest.NewServer(falcontest.WithIndicators(0))
	t.Cleanup(srv.Close)
	// The first list names the URL's host and the address directly.
	v1 := writeList(t, "type,value\n"+
		"domain,drop.sync.example.com\n"+
		"ipv4,203.0.113.7\n"+
		"domain,gone.sync.example.com\n")
	if out, err := runSync(t, srv, "-source", "s", "-apply", v1); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	// Then as a URL (skipped without -url-hosts), a range and packed
	// hashes whose sha1 is skipped. No -skip-invalid: skips do not refuse.
	v2 := writeList(t, "type,value\n"+
		`file,"d41d8cd98f00b204e9800998ecf8427e,da39a3ee5e6b4b0d3255bfef95601890afd80709,e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"`+"\n"+
		"url,hxxps://drop.sync.example.com/a.php\n"+
		"ip,203.0.113.0/24\n")
	out, err := runSync(t, srv, "-source", "s", "-apply", v2)
	if err != nil {
		t.Fatalf("skips refused the sync: %v\n%s", err, out)
	}
	mustContain(t, out,
		"3 skipped (no Falcon type), 0 bad item(s)",
		`SKIP     desired.csv:2 "da39a3ee5e6b4b0d3255bfef95601890afd80709": SHA-1 hash`,
		`SKIP     desired.csv:3 "hxxps://drop.sync.example.com/a.php": URL`,
		"2 to create, 0 to update, 1 to delete, 0 unchanged",
		"- domain:gone.sync.example.com",
		"! domain:drop.sync.example.com is listed only as the host of a URL (desired.csv:3; -url-hosts imports it): left as it is",
		"! ipv4:203.0.113.7 is inside a CIDR range listed (desired.csv:4; Falcon takes single addresses): left as it is",
		"Applied: 2 created, 0 updated, 1 deleted, 0 failed.")
	if strings.Contains(out, "INVALID") || strings.Contains(out, "Refusing") {
		t.Errorf("a skip is reported as bad input:\n%s", out)
	}
	got := ownedBy(srv, "s")
	for _, k := range []string{"domain:drop.sync.example.com", "ipv4:203.0.113.7",
		"md5:d41d8cd98f00b204e9800998ecf8427e", "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"} {
		if _, ok := got[k]; !ok {
			t.Errorf("%s is gone: %v", k, got)
		}
	}
	if _, ok := got["domain:gone.sync.example.com"]; ok || len(got) != 4 {
		t.Errorf("owned after v2: %v", got)
	}

	// With -url-hosts the URL names its host: the domain is listed.
	out, err = runSync(t, srv, "-source", "s", "-url-hosts", v2)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, out, "0 to create, 0 to update, 0 to delete, 3 unchanged")

	// A malformed row still refuses the sync; with -skip-invalid an
	// indicator whose row is bad is still held.
	bad := writeList(t, "type,value,action\n"+
		"md5,d41d8cd98f00b204e9800998ecf8427e,block\n"+
		"sha256,e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855,detect\n"+
		"md5,nothex,detect\n"+
		"url,hxxps://drop.sync.example.com/a.php,detect\n"+
		"ip,203.0.113.0/24,detect\n")
	out, err = runSync(t, srv, "-source", "s", "-apply", bad)
	if !errors.Is(err, setup.ErrReported) {
		t.Fatalf("err = %v\n%s", err, out)
	}
	mustContain(t, out, `INVALID  desired.csv:2 "d41d8cd98f00b204e9800998ecf8427e": action`, `INVALID  desired.csv:4 "nothex"`,
		`SKIP     desired.csv:5`, "Refusing to sync: 2 bad item(s)")
	out, err = runSync(t, srv, "-source", "s", "-apply", "-skip-invalid", bad)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	mustContain(t, out, "! md5:d41d8cd98f00b204e9800998ecf8427e has a bad row in the list: left as it is", "0 to delete")
	if len(ownedBy(srv, "s")) != 4 {
		t.Errorf("owned: %v", ownedBy(srv, "s"))
	}
}

// TestSyncRealURLFeed syncs Volexity's UTA0388 list, which names phishing
// hosts only in URLs: without -url-hosts the host indicators created by an
// earlier run with -url-hosts are held, not deleted.
func TestSyncRealURLFeed(t *testing.T) {
	t.Parallel()
	srv := falcontest.NewServer(falcontest.WithIndicators(0))
	t.Cleanup(srv.Close)
	const list = "../testdata/feeds/volexity-uta0388-iocs.csv"
	if out, err := runSync(t, srv, "-source", "v", "-apply", "-url-hosts", list); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	before := len(ownedBy(srv, "v"))
	out, err := runSync(t, srv, "-source", "v", list)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	mustContain(t, out, "0 to create, 0 to update, 0 to delete",
		"! domain:aquamarine-choux-46cb43.netlify.app is listed only as the host of a URL (volexity-uta0388-iocs.csv:42;")
	if before < 30 {
		t.Errorf("only %d indicators from -url-hosts", before)
	}
}

// TestSyncParallel checks that reading the source's indicators in parallel
// partitions plans exactly what reading them page by page does, on a source
// large enough to be split.
func TestSyncParallel(t *testing.T) {
	t.Parallel()
	srv := falcontest.NewServer()
	t.Cleanup(srv.Close)
	const n = 4500 // over two pages of 2,000
	inds := make([]falcontest.Indicator, n)
	for i := range inds {
		typ, val := "domain", fmt.Sprintf("d%d.big.sync.example.com", i)
		if i%3 == 0 {
			typ, val = "ipv4", fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
		}
		inds[i] = falcontest.Indicator{Type: typ, Value: val, Action: "detect", Severity: "low", Source: "big",
			Platforms: []string{"windows"}, AppliedGlobally: true,
			CreatedOn: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute)}
	}
	srv.AddIndicators(inds...)
	// Keep the first 100 domains, change nothing else: the rest is deleted.
	var list strings.Builder
	list.WriteString("type,value,action,severity\n")
	for i := 1; i < 150; i++ {
		if i%3 != 0 {
			fmt.Fprintf(&list, "domain,d%d.big.sync.example.com,detect,low\n", i)
		}
	}
	file := writeList(t, list.String())
	var outs []string
	for _, par := range []string{"1", "4", "8"} {
		var stdout, stderr bytes.Buffer
		if err := run(t.Context(), []string{"-source", "big", "-parallel", par, file}, setup.EmulatorEnv(srv), &stdout, &stderr); err != nil {
			t.Fatalf("-parallel %s: %v\n%s", par, err, stderr.String())
		}
		outs = append(outs, stdout.String())
	}
	mustContain(t, outs[0], "to delete")
	if outs[1] != outs[0] || outs[2] != outs[0] {
		t.Errorf("plans differ:\n-parallel 1:\n%.500s\n-parallel 4:\n%.500s", outs[0], outs[1])
	}
	// Each parallel run planned a split with two aggregate calls.
	aggs := 0
	for _, r := range srv.Requests() {
		if r.Path == "/iocs/aggregates/indicators/v1" {
			aggs++
		}
	}
	if aggs != 4 {
		t.Errorf("%d aggregate calls: the parallel runs did not plan a split", aggs)
	}
}
