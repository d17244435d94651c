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
// inherited from a parent CID. Bad rows refuse the sync unless -skip-invalid
// is given, and even then an existing indicator whose row is bad is left as
// it is, not deleted. A list that would delete every indicator of the source
// and create nothing is refused without -allow-delete-all.
//
// # Exit status
//
// 0 when the plan was printed or applied in full, 1 when a change failed or
// the input was refused, 2 for a bad command line.
package main
