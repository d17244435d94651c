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
// a while: resume soon. The exit status is then 1.
package main
