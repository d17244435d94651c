// Command sync makes the custom IOCs of one source in Falcon match a desired
// list: it plans the creates, updates and deletes, prints the plan, and
// applies it with -apply. Run again, it plans nothing.
//
// # Usage
//
//	go run ./sync -source threat-feed-x feed.csv            # print the plan
//	go run ./sync -source threat-feed-x -apply feed.csv     # and apply it
//
// The list is one or more files in the import formats (CSV, STIX 2.1, plain
// lists), read and checked as import reads them (ioc.ValidateNew and the
// tenant's catalogs), with the same flags for defaults. The plan is the dry
// run: nothing is written without -apply. After -apply, each failed change
// is listed with the API's reason and the trace id of its answer, and a last
// line gives the trace ids of the create, update and delete requests.
//
// # Safety
//
// Only indicators whose source is exactly -source are ever changed or
// deleted: the source is the ownership tag. A listed value that exists under
// another source is a conflict, reported and left alone, as are indicators
// inherited from a parent CID. Bad rows (INVALID) refuse the sync unless
// -skip-invalid is given, and even then an existing indicator whose row is
// bad is left as it is, not deleted. Values of a kind Falcon has no type
// for (SKIP: a SHA-1, a URL without -url-hosts, a CIDR range, ...) never
// refuse the sync, and never delete an indicator they still name: the
// domain or address of a URL's host (as "https://evil.example/x" names
// domain evil.example, which an earlier run with -url-hosts may have
// created) and the addresses inside a CIDR range are left as they are,
// each listed with a "!" line saying why. A list that would delete every indicator of the source
// and create nothing is refused without -allow-delete-all.
//
// The plan line counts what is to create, update and delete, what is
// unchanged and the conflicts. When nothing is to change but conflicts,
// indicators held as above or inherited ones were left alone, sync says
// that Falcon does not match the list rather than that it does.
//
// # Reading the source
//
// Sync reads the indicators of the source with ioc.ListOptions.Parallel:
// -parallel partitions of the listing (4 by default, at most
// ioc.MaxParallel) are fetched at once, which on a large source takes a
// fraction of the time of reading page by page (-parallel 1). They come in
// no particular order; sync sorts them by creation, so the plan reads the
// same either way.
//
// # JSON report
//
// With -json, standard output holds only a report for pipelines (the text
// goes to standard error): one JSON object per input row, or per hash of a
// cell that packs several,
//
//	{"file":"feed.csv","line":12,"type":"domain","value":"evil.example","outcome":"create","reason":"","note":"","id":""}
//
// where a STIX row has "object" (the indicator's id) instead of "line";
// "type" is the indicator type, or what a value Falcon cannot take is
// (sha1, sha512, url, cidr, email, file name, type); "note" says what was
// dropped to read the value ("port 53 dropped"); and "outcome" is create,
// update (the reason lists the fields that differ), unchanged, skip (a
// kind Falcon has no type for, a duplicate, a conflict with another
// source), reject (a malformed row or value, or one a check refused) or
// fail (the change failed). Each indicator of the source to delete gets an
// object with outcome "delete" and no file. A last object sums it up:
//
//	{"summary":{"dry_run":true,"rows":42,"outcomes":{"create":30,"skip":12},"types":{"domain":{"create":10}}}}
//
// "dry_run" is true for a plan without -apply. Flags may come before or
// after the files.
//
// # Exit status
//
// 0 when the plan was printed or applied in full, 1 when a change failed,
// the input or a delete-everything plan was refused, or a list could not be
// read, 2 for a bad command line.
package main
