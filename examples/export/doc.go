// Command export writes every indicator matching an FQL filter to JSON Lines
// or CSV, on stdout or in a file, page by page: memory stays bounded by a
// few pages however many indicators there are.
//
// # Usage
//
//	go run ./export -filter "type:'domain'+severity:'high'" -format csv -o high-domains.csv
//	go run ./export -sort modified_on.desc > all.jsonl
//
// JSON Lines holds one API object per line. CSV starts with the columns the
// import example reads, so an export can be imported or synced elsewhere.
// A progress bar is drawn on stderr when it is a terminal.
//
// # Parallel export
//
// An unsorted export walks -parallel partitions of the listing at once (4 by
// default, at most ioc.MaxParallel), split over type and creation time with
// ioc.ListOptions.Parallel: every indicator is written once, in no particular
// order, and memory stays bounded by -parallel + 2 pages. With -sort,
// or -parallel 1, pages come one at a time, in order; -sort with -parallel
// above 1 is refused.
//
// # Interrupting and resuming
//
// A page's worth of rows is flushed at a time. Interrupted (Ctrl-C) or
// stopped by an error, export prints on stderr a resume token (an
// ioc.ResumeError's) and the command that resumes there with -resume, which
// appends to the -o file (without a second CSV header): the resumed export
// writes exactly what the first did not. Resume with the same -filter and
// -sort; a token of another export is refused. The token holds Falcon's
// cursors, which expire after a while: resume soon. A token Falcon refuses
// is reported as such and not suggested again; a failed authentication names
// the variables to check instead. Each error is printed once. A bare cursor
// printed by an older export still resumes (sequentially).
//
// # Spreadsheets
//
// CSV cells that begin with "=", "+", "-", "@", a tab or a carriage return
// are written with a leading "'", so that a spreadsheet shows them instead
// of running them as formulas; -escape-formulas=false writes them as they
// are (a later import would otherwise keep the "'" in descriptions).
//
// # Exit status
//
// 0 when every page was written; 1 when the export stopped (interrupted, a
// page failed, authentication failed, the output could not be written); 2
// for a bad command line.
package main
