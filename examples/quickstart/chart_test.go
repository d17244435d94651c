package main

import (
	"strings"
	"testing"
)

func TestPrintChart(t *testing.T) {
	var sb strings.Builder
	printChart(&sb, "  ", []bar{{"sha256", 80}, {"md5", 20}, {"ipv6", 1}, {"domain", 0}})
	lines := strings.Split(strings.TrimRight(sb.String(), "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("got %d lines, want 4:\n%s", len(lines), sb.String())
	}
	wantHashes := []int{chartWidth, chartWidth / 4, 1, 0}
	wantCounts := []string{"80", "20", "1", "0"}
	for i, line := range lines {
		if !strings.HasPrefix(line, "  ") {
			t.Errorf("line %d %q lacks the indent", i, line)
		}
		if got := strings.Count(line, "#"); got != wantHashes[i] {
			t.Errorf("line %d %q has %d '#', want %d", i, line, got, wantHashes[i])
		}
		if f := strings.Fields(line); f[len(f)-1] != wantCounts[i] {
			t.Errorf("line %d %q ends with %q, want %q", i, line, f[len(f)-1], wantCounts[i])
		}
	}
	// Bars start in the same column whatever the label's length.
	col := strings.Index(lines[0], "#")
	if got := strings.Index(lines[1], "#"); got != col {
		t.Errorf("bars start in columns %d and %d", col, got)
	}
}
