// Command import creates Falcon custom IOCs from feeds: CSV files, STIX 2.1
// bundles and plain lists, mixed freely.
//
// # Usage
//
//	go run ./import -source my-intel -severity high testdata/iocs.csv testdata/indicators.stix.json
//	go run ./import -dry-run -skip-invalid testdata/mixed.txt
//
// Flags may come before or after the files. Values are refanged, checked and normalised,
// and duplicates dropped (within a feed and across feeds). The feed's own
// action, severity and platforms are used where it has them; -action,
// -severity and -platforms fill in the rest (-override makes them win);
// -host-groups limits the indicators to host groups instead of applying them
// globally.
//
// # Skips
//
// Values of a kind Falcon has no type for (SHA-1 and SHA-512 hashes, URLs
// without -url-hosts, CIDR ranges, e-mail addresses, file names, a type
// column naming a type such as mutex) are listed as SKIP, with their file
// and line or STIX object id and the reason, and counted apart in the
// summary lines; they never refuse an import. So are STIX indicators their
// producer revoked. A CSV cell packing several
// hashes of one file ("<md5>,<sha1>,<sha256>") gives an indicator per hash
// Falcon takes and a skip for each other one:
//
//	SKIP     feed.csv:2 "da39a3ee5e6b4b0d3255bfef95601890afd80709": SHA-1 hash: Falcon custom IOCs take md5 and sha256
//
// # Bad input
//
// Rows that cannot be used (a malformed CSV row, an unsupported STIX
// pattern, an invalid hash, an action the tenant's catalog lacks, an
// expiration that has passed) are reported with their file and line or STIX
// object id, as INVALID. Every item goes through the SDK's own checks (ioc.ValidateNew,
// the checks Create runs) and the tenant's catalogs (Catalog.Validate)
// before anything is sent, so all bad rows are listed at once. Unless
// -skip-invalid is given, any such row refuses the whole import and nothing
// is sent. -dry-run reads, runs the same checks and reports what exists
// already, without writing; values the API refuses with a warning (private
// and reserved addresses) are listed as WARNING, naming -ignore-warnings,
// and with -ignore-warnings as CREATE like any other value. A value read
// with something dropped (the port of "203.0.113.7:53", the path of a URL
// with -url-hosts) is listed as a NOTE.
//
// # Report and exit status
//
// After the import every item that was not created is listed with the
// API's code and message and the trace id of the answer that refused it (-v
// lists the created ones too, with their ids and trace ids); indicators that already exist are
// left unchanged and reported as EXISTS. A progress bar is drawn on stderr
// when it is a terminal.
//
// # JSON report
//
// With -json, standard output holds only a report for pipelines (the text
// report goes to standard error): one JSON object per input row, or per
// hash of a cell that packs several,
//
//	{"file":"feed.csv","line":12,"type":"ipv4","value":"203.0.113.7","outcome":"create","reason":"","note":"port 53 dropped","id":"..."}
//
// where a STIX row has "object" (the indicator's id) instead of "line";
// "type" is the indicator type, or what a value Falcon cannot take is
// (sha1, sha512, url, cidr, email, file name, type); "note" says what was
// dropped to read the value; and "outcome" is create, unchanged (already in
// Falcon), skip (a kind Falcon has no type for, a duplicate, or a row not
// sent because bad input refused the import), reject (a malformed row or
// value, or one a check or the API refused) or fail (the API failed it).
// A dry run reports what it predicts. A last object sums it up:
//
//	{"summary":{"dry_run":false,"rows":42,"outcomes":{"create":30,"skip":12},"types":{"md5":{"create":10}}}}
//
// # Exit status
//
// 0 when every item was imported or already existed (or was skipped with
// -skip-invalid), and for a dry run; 1 when any item failed, bad input
// refused the import or a feed could not be read; 2 for a bad command line.
package main
