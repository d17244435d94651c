// Package feed reads IOC feeds (CSV files, STIX 2.1 bundles and plain
// lists) into entries ready to become Falcon custom indicators. The import
// and sync example programs use it.
//
// # Reading
//
// [Read] and [ReadFile] return a [Result]: the [Entry] values found, in feed
// order, with every value checked and put in canonical form by
// ioc.NormalizeValue, as the SDK's Create would send it; a [Problem] for each row, line or pattern term
// that could not be used, naming its origin ("file.csv:12" or a STIX object
// id), the offending value and the reason; and the number of duplicates
// dropped. Entries are unique by type and canonical value: the first wins,
// later ones are counted in [Result.Duplicates]. Problems never stop
// reading; Read fails only when the feed as a whole is unreadable.
//
// Values Falcon has no type for (SHA-1 and SHA-512 hashes, e-mail
// addresses, CIDR ranges, file names, URL paths without a host such as
// Maltrail's "/date1.dat", single-label names such as "localhost") are reported as problems with a reason saying what the value
// looks like; the reason is the same whichever format the value came from.
// A problem whose [Problem.Kind] is set is such a well-formed value (a
// skip); the others are malformed values or rows. A skipped URL keeps the
// indicator its host would give ([Problem.HostType], [Problem.Host]) and a
// CIDR range its range ([Problem.Range]), so that a sync can tell which
// existing indicators they still name. A name is a domain only
// when its last label is a top-level domain of the public suffix list's
// ICANN section (so "evil.exe" and "config.php" are not, while new gTLDs
// such as .zip and punycode IDNs are), or example or test (RFC 2606).
//
// Some values carry an indicator with something more; the entry then keeps
// the indicator and [Entry.Note] says what was dropped:
//
//   - a host with a port ("203.0.113.7:53", "[2001:db8::1]:53",
//     "evil.example:443") becomes the host;
//   - an IPv4-mapped IPv6 address ("::ffff:198.51.100.7") becomes its IPv4
//     form, which is what hosts report;
//   - a URL, with a scheme or without one ("host.example/path"), is a
//     skip unless [Options.URLHosts] is set (the -url-hosts flag): then
//     it becomes an indicator for its host. That turns one malicious page
//     into a block of the whole host, which is wrong for compromised sites
//     and shared services, so it is off by default.
//
// Every value is cleaned first: surrounding quotes ("\"<sha256>\"") and an
// inline comment after white space ("evil.example # C2", which becomes the
// description when there is none) are removed, and the value is refanged
// ("evil[.]com", "hxxps://", see ioc.Refang), so defanged feeds read as
// they are. A cell or line holding several hashes of one file, separated by
// commas, semicolons, bars or spaces ("<md5>,<sha1>,<sha256>"), gives one
// entry or problem per hash. Types are detected with ioc.DetectType. The
// package uses only the SDK's public packages and golang.org/x/net, so it
// can be copied into another module as it is.
//
// # Garbage
//
// Read refuses, with one error wrapping [ErrNotFeed], binary input (a NUL
// byte, or many control or invalid UTF-8 bytes), UTF-16 text without a
// byte-order mark, and text in which almost nothing is an indicator of any
// kind (at least 20 unrecognised values or malformed rows, ten times as
// many as the rest). UTF-16 with a byte-order mark is decoded, and a UTF-8
// byte-order mark is dropped. Problem values are clipped to 1024
// characters, and to [MessageValueLen] in [Problem.String].
//
// # Formats
//
// [DetectFormat] chooses the format when [Options.Format] is [Auto]: a
// document whose first non-space byte is "{" or "[" is STIX, whatever its
// extension; then ".json", ".stix" and ".stix2" mean STIX and ".csv" means
// CSV; then a first data line whose comma-separated fields name a known
// value column means CSV; anything else is a plain list.
//
// # CSV
//
// Lines starting with "#" are comments, before, inside and after the data
// (abuse.ch puts a banner above the header and a footer below). The first
// other line is the header. Header names are compared after trimming,
// lower-casing and turning spaces and hyphens into underscores, so
// " Valid Until" is valid_until. The columns:
//
//   - value: [Options.ValueColumn], else the first of value, ioc,
//     indicator, ioc_value, observable, dst_ip, ip, ip_address, domain,
//     hostname, sha256, md5, hash; else the first column whose first
//     non-empty cell is a value of a Falcon type.
//   - type: [Options.TypeColumn], else type, ioc_type or indicator_type.
//     Falcon's names plus sha-256, domain-name, hostname, fqdn, ipv4-addr
//     and ipv6-addr are understood; file, hash, filehash (and sha1, sha512)
//     mean a hash detected per value, ip, ip-dst, ip-src and ip_address an
//     address detected per value, url and uri a URL; other types are
//     problems. An empty or absent type is detected from the value. A value
//     that is not of the type given is a problem.
//   - action, severity: lower-cased, not checked (the API's catalogs are the
//     authority).
//   - description (also comment, link, reference; several are joined with
//     spaces), source.
//   - platforms (lower-cased) and tags (also tag, labels, malware):
//     separated by ";", "|" or ",".
//   - expiration (also expires, valid_until): RFC 3339, or
//     "YYYY-MM-DD[ HH:MM:SS]" taken as UTC. A bad time makes the row a
//     problem.
//
// Other columns are ignored. A row with the wrong number of fields or broken
// quoting is a problem.
//
// # STIX
//
// A bundle (or a bare array of objects, or a single indicator) is read for
// its indicator objects; other objects are ignored. A pattern is supported
// when it is one or more observation expressions joined by OR, each a
// bracketed list of "path = 'value'" comparisons joined by OR. Every term
// becomes one entry: domain-name:value, ipv4-addr:value, ipv6-addr:value,
// and file:hashes with SHA-256 or MD5 (the algorithm name matched without
// regard to case, quotes or hyphens, so 'SHA-256', sha256 and MD5 all
// work). url:value follows the URL rule above. Any other path is a problem
// for that term; AND, other operators, qualifiers (WITHIN, REPEATS) and
// non-STIX pattern types make the whole indicator a problem. A revoked
// indicator is a skip of kind [KindRevoked]: its producer withdrew it. The name and description become the
// description ("name - description"), labels become tags and valid_until
// the expiration.
//
// # Plain lists
//
// One value per line; blank lines and lines starting with "#" (after
// leading spaces) are skipped. LOKI's "value;comment" form is understood:
// the comment becomes the description unless it is only digits (LOKI's
// score, as in "176.123.5.126;65"). A ";" after a "/" belongs to a URL or
// a path and does not start a comment.
//
// # Duplicates
//
// Entries are unique by type and canonical value; [Result.DuplicateRows]
// lists the ones dropped with the origin of the entry kept.
package feed
