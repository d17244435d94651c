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
// where it was read: the feeds' problems and what ioc.ValidateNew refuses
// (the checks the SDK's Create runs, such as an expiration that has passed). Batch.CheckCatalog sets aside what the tenant's catalogs
// refuse, Batch.PrintInvalid lists everything set aside in feed order, and
// Existing finds which indicators exist already, whatever their source.
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
// per input row (Batch.ReportSetAside writes those of the items set aside
// and of the duplicates, Batch.ItemRow builds the others) and a Summary
// with counts per outcome and per type.
package convert
