// Command export writes every indicator matching an FQL filter to JSON Lines
// or CSV, on stdout or in a file, page by page: memory stays bounded by one
// page however many indicators there are.
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
// # Interrupting and resuming
//
// Each page is written and flushed before the next is fetched. Interrupted
// (Ctrl-C) or stopped by an error, export prints on stderr the cursor of the
// next page and the command that resumes there with -resume, which appends
// to the -o file (without a second CSV header). Falcon's cursors expire after
// a while: resume soon. A cursor Falcon refuses is reported as such and not
// suggested again; a failed authentication names the variables to check
// instead. Each error is printed once.
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
