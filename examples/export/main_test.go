package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/falconioc/falcon/examples/internal/setup"
	"github.com/falconioc/falcon/falcontest"
)

const seeded = 35

func newServer(t *testing.T) *falcontest.Server {
	t.Helper()
	srv := falcontest.NewServer(falcontest.WithIndicators(seeded), falcontest.WithSeed(7))
	t.Cleanup(srv.Close)
	return srv
}

// cancelWriter cancels a context once it has received more than n lines.
type cancelWriter struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	n      int
	cancel context.CancelFunc
}

func (w *cancelWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(p)
	if bytes.Count(w.buf.Bytes(), []byte("\n")) > w.n {
		w.cancel()
	}
	return n, err
}

// jsonIDs returns the ids of the JSON Lines in out, checking every line.
func jsonIDs(t *testing.T, out string) []string {
	t.Helper()
	var ids []string
	for line := range strings.Lines(out) {
		var ind struct {
			ID, Type, Value string
		}
		if err := json.Unmarshal([]byte(line), &ind); err != nil || ind.ID == "" || ind.Value == "" {
			t.Fatalf("bad line %q: %v", line, err)
		}
		ids = append(ids, ind.ID)
	}
	return ids
}

func serverIDs(srv *falcontest.Server, keep func(falcontest.Indicator) bool) []string {
	var ids []string
	for _, ind := range srv.Indicators() {
		if keep == nil || keep(ind) {
			ids = append(ids, ind.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

func TestExportFilter(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	var stdout, stderr bytes.Buffer
	err := run(t.Context(), []string{"-filter", "type:'domain',type:'ipv4'", "-sort", "value.asc", "-limit", "4"},
		setup.EmulatorEnv(srv), &stdout, &stderr)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	got := jsonIDs(t, stdout.String())
	want := serverIDs(srv, func(i falcontest.Indicator) bool { return i.Type == "domain" || i.Type == "ipv4" })
	if len(want) < 5 {
		t.Fatalf("the seed gives only %d domains and addresses: choose another", len(want))
	}
	sorted := slices.Clone(got)
	slices.Sort(sorted)
	if !slices.Equal(sorted, want) {
		t.Errorf("exported %d ids, want the %d domains and ipv4 addresses", len(got), len(want))
	}
	if !strings.Contains(stderr.String(), "Exported "+strconv.Itoa(len(want))+" indicator(s) to stdout (jsonl)") {
		t.Errorf("stderr:\n%s", stderr.String())
	}
}

// TestExportResume interrupts an export after its first page, resumes it
// from the printed token into the same CSV file, and checks the file holds
// every indicator once, under one header; sequentially and in parallel.
func TestExportResume(t *testing.T) {
	t.Parallel()
	for _, par := range []string{"1", "4"} {
		t.Run("parallel "+par, func(t *testing.T) { testExportResume(t, par) })
	}
}

func testExportResume(t *testing.T, parallel string) {
	t.Parallel()
	srv := newServer(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	w := &cancelWriter{n: 5, cancel: cancel}
	var stderr bytes.Buffer
	args := []string{"-format", "csv", "-limit", "10", "-parallel", parallel}
	err := run(ctx, args, setup.EmulatorEnv(srv), w, &stderr)
	if !errors.Is(err, setup.ErrReported) {
		t.Fatalf("interrupted run: err = %v\n%s", err, stderr.String())
	}
	m := regexp.MustCompile(`(?m)^Resume with:  export (.*) -resume (\S+)$`).FindStringSubmatch(stderr.String())
	if m == nil || m[1] != strings.Join(args, " ") {
		t.Fatalf("no resume command in:\n%s", stderr.String())
	}
	stopped := regexp.MustCompile(`Stopped after (\d+) indicator\(s\)`).FindStringSubmatch(stderr.String())
	if stopped == nil || (parallel == "1" && stopped[1] != "10") {
		t.Errorf("stderr:\n%s", stderr.String())
	}
	if rows := bytes.Count(w.buf.Bytes(), []byte("\n")) - 1; stopped != nil && strconv.Itoa(rows) != stopped[1] {
		t.Errorf("%d rows written, stderr says %s", rows, stopped[1])
	}
	path := filepath.Join(t.TempDir(), "out.csv")
	if err := os.WriteFile(path, w.buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	stderr.Reset()
	resume := append(slices.Clone(args), "-o", path, "-resume", m[2])
	if err := run(t.Context(), resume, setup.EmulatorEnv(srv), new(bytes.Buffer), &stderr); err != nil {
		t.Fatalf("resumed run: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "indicator(s) to "+path) {
		t.Errorf("stderr:\n%s", stderr.String())
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rows[0], csvColumns) {
		t.Errorf("header %q", rows[0])
	}
	var ids []string
	for _, r := range rows[1:] {
		if r[0] == "type" {
			t.Error("a second header was written")
		}
		ids = append(ids, r[9])
	}
	slices.Sort(ids)
	if want := serverIDs(srv, nil); !slices.Equal(ids, want) {
		t.Errorf("the file holds %d rows (%d unique), want the %d indicators once each",
			len(ids), len(slices.Compact(slices.Clone(ids))), len(want))
	}
}

func TestExportUsage(t *testing.T) {
	t.Parallel()
	noEnv := func(string) string { return "" }
	var stdout, stderr bytes.Buffer
	if err := run(t.Context(), []string{"-h"}, noEnv, &stdout, &stderr); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v", err)
	}
	for _, want := range []string{"-parallel", "no particular order", "resume token"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("-h lacks %q", want)
		}
	}
	for _, args := range [][]string{
		{"-format", "xml"}, {"-limit", "0"}, {"-limit", "2001"}, {"-filter", "type:"},
		{"-filter", "sevrity:'high'"}, {"-sort", "nope.asc"}, {"stray"},
		{"-parallel", "17"}, {"-parallel", "-1"}, {"-parallel", "4", "-sort", "value.asc"},
	} {
		if _, ok := errors.AsType[*setup.UsageError](run(t.Context(), args, noEnv, &stdout, &stderr)); !ok {
			t.Errorf("%q: not a usage error", args)
		}
	}
}

func TestResumeArgs(t *testing.T) {
	t.Parallel()
	got := resumeArgs([]string{"-filter", "type:'domain'", "-resume", "old", "--resume=older", "-o", "a b.csv"}, "c1")
	if want := `-filter 'type:'\''domain'\''' -o 'a b.csv' -resume c1`; got != want {
		t.Errorf("resumeArgs = %s\nwant          %s", got, want)
	}
}

// TestExportEscapesFormulas checks that CSV cells a spreadsheet would run
// get a leading "'", unless -escape-formulas=false.
func TestExportEscapesFormulas(t *testing.T) {
	t.Parallel()
	srv := falcontest.NewServer(falcontest.WithIndicators(0))
	t.Cleanup(srv.Close)
	descs := []string{"=HYPERLINK(\"http://x.example\")", "+1", "-2", "@SUM(A1)", "\tx", "\rx", "plain"}
	for i, d := range descs {
		srv.AddIndicators(falcontest.Indicator{Type: "domain", Value: "f" + strconv.Itoa(i) + ".example.com", Action: "detect",
			Source: "s", AppliedGlobally: true, Platforms: []string{"linux"}, Description: d})
	}
	export := func(args ...string) map[string]string {
		var stdout, stderr bytes.Buffer
		if err := run(t.Context(), append([]string{"-format", "csv"}, args...), setup.EmulatorEnv(srv), &stdout, &stderr); err != nil {
			t.Fatalf("run: %v\n%s", err, stderr.String())
		}
		rows, err := csv.NewReader(&stdout).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, r := range rows[1:] {
			got[r[1]] = r[4]
		}
		return got
	}
	got := export()
	for i, d := range descs {
		want := "'" + d
		if d == "plain" {
			want = d
		}
		if g := got["f"+strconv.Itoa(i)+".example.com"]; g != want {
			t.Errorf("description %q exported as %q; want %q", d, g, want)
		}
	}
	got = export("-escape-formulas=false")
	if g := got["f0.example.com"]; g != descs[0] {
		t.Errorf("-escape-formulas=false: %q", g)
	}
}

// TestExportStops checks what export says when Falcon refuses the resume
// cursor or the credentials: the cause once, and what to do about it.
func TestExportStops(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	var stdout, stderr bytes.Buffer
	err := run(t.Context(), []string{"-resume", "not-a-cursor"}, setup.EmulatorEnv(srv), &stdout, &stderr)
	if !errors.Is(err, setup.ErrReported) {
		t.Fatalf("bad cursor: err = %v", err)
	}
	if out := stderr.String(); !strings.Contains(out, "Falcon refused the -resume token") || strings.Contains(out, "Resume with") ||
		strings.Contains(out, "not-a-cursor\n") {
		t.Errorf("bad cursor:\n%s", out)
	}
	if code := setup.ExitCode(err, &stdout); code != 1 || stdout.Len() != 0 {
		t.Errorf("exit %d; printed again: %q", code, stdout.String())
	}

	stderr.Reset()
	env := setup.EmulatorEnv(srv)
	wrong := func(k string) string {
		if k == "FALCON_CLIENT_SECRET" {
			return "wrong"
		}
		return env(k)
	}
	err = run(t.Context(), nil, wrong, &stdout, &stderr)
	if out := stderr.String(); !errors.Is(err, setup.ErrReported) || !strings.Contains(out, "check FALCON_CLIENT_ID, FALCON_CLIENT_SECRET") ||
		strings.Contains(out, "run the same command again") || strings.Contains(out, "wrong") {
		t.Errorf("auth failure: %v\n%s", err, out)
	}
}
