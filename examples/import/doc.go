// Command import creates Falcon custom IOCs from feeds: CSV files, STIX 2.1
// bundles and plain lists, mixed freely.
//
// # Usage
//
//	go run ./import -source my-intel -severity high testdata/iocs.csv testdata/indicators.stix.json
//	go run ./import -dry-run -skip-invalid testdata/mixed.txt
//
// Flags come before the files. Values are refanged, checked and normalised,
// and duplicates dropped (within a feed and across feeds). The feed's own
// action, severity and platforms are used where it has them; -action,
// -severity and -platforms fill in the rest (-override makes them win);
// -host-groups limits the indicators to host groups instead of applying them
// globally.
//
// # Bad input
//
// Rows that cannot be used (a malformed CSV row, an unsupported STIX
// pattern, an invalid hash, an action the tenant's catalog lacks, an
// expiration that has passed) are reported with their file and line or STIX
// object id. Every item goes through the SDK's own checks (ioc.ValidateNew,
// the checks Create runs) and the tenant's catalogs (Catalog.Validate)
// before anything is sent, so all bad rows are listed at once. Unless
// -skip-invalid is given, any such row refuses the whole import and nothing
// is sent. -dry-run reads, runs the same checks and reports what exists
// already, without writing.
//
// # Report and exit status
//
// After the import every item that was not created is listed with the
// API's code and message and the trace id of the answer that refused it (-v
// lists the created ones too, with their ids and trace ids); indicators that already exist are
// left unchanged and reported as EXISTS. A progress bar is drawn on stderr
// when it is a terminal. The exit status is 1 when any item failed or bad
// input refused the import, 2 for a bad command line, 0 otherwise.
package main
