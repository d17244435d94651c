package main

import (
	"fmt"
	"io"
	"strings"
)

// bar is one row of a bar chart.
type bar struct {
	Label string
	Count int64
}

// chartWidth is the length of the longest bar, in characters.
const chartWidth = 40

// printChart draws bars as rows of '#' scaled to the largest count, with
// the labels aligned and the counts at the end:
//
//	sha256  ######################  52
//	md5     ##########              23
//
// A non-zero count always gets at least one '#'.
func printChart(w io.Writer, indent string, bars []bar) {
	var maxCount int64
	labelWidth := 0
	for _, b := range bars {
		maxCount = max(maxCount, b.Count)
		labelWidth = max(labelWidth, len(b.Label))
	}
	for _, b := range bars {
		n := 0
		if maxCount > 0 {
			n = int(b.Count * chartWidth / maxCount)
		}
		if n == 0 && b.Count > 0 {
			n = 1
		}
		fmt.Fprintf(w, "%s%-*s  %-*s  %d\n", indent, labelWidth, b.Label, chartWidth, strings.Repeat("#", n), b.Count)
	}
}
