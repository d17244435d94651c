// Package convert turns feed entries into indicators to create, filling in
// what the feed does not say from command-line flags shared by the import and
// sync examples.
//
// # Flags
//
// Defaults.Register adds -action, -severity, -platforms, -source,
// -host-groups and -override to a flag set. The feed's own action, severity
// and platforms win over the flags unless -override is given. An indicator
// applies to every host (applied_globally) unless -host-groups names the host
// groups it is limited to.
//
// # Loading feeds
//
// Load reads feeds with package feed, drops duplicates across them, turns
// the entries into indicators and sets aside what cannot be sent, each with
// where it was read. Batch.Skipped holds the values of a kind Falcon has no
// type for (feed.Problem.Skip: a SHA-1, a URL, a CIDR range, ...), which
// the programs report and never refuse; a skipped URL keeps the key of its
// host and a CIDR range its range, so that sync does not delete what they
// still name. Batch.Invalid holds the malformed rows and values and what
// ioc.ValidateNew refuses (the checks the SDK's Create runs, such as an
// expiration that has passed); Batch.CheckCatalog adds what the tenant's
// catalogs refuse. Batch.PrintSetAside lists both in feed order (SKIP and
// INVALID), and Existing finds which indicators exist already, whatever
// their source.
//
// # Checks
//
// Defaults.Check refuses values the API documents no meaning for (an action,
// severity or platform outside Falcon's lists, a host group id that is not 32
// hexadecimal digits) before anything is read or sent. Values that come from a
// feed are checked by Load (ioc.ValidateNew) and Batch.CheckCatalog; what only
// the API knows (an indicator that exists already, a warning) it refuses per
// item, and the programs report each refusal. WarningOf predicts the one
// warning a dry run can foresee: private and reserved addresses.
//
// # Reports
//
// Batch.PrintNotes lists the items read with something dropped (a port, a
// URL's path). NewReport writes the -json report of import and sync: a Row
// per input row (Batch.ReportSetAside writes those of the items set aside,
// skips as skip and invalid ones as reject, and of the duplicates,
// Batch.ItemRow builds the others) and a Summary
// with counts per outcome and per type.
package convert
