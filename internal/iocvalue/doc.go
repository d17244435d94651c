// Package iocvalue validates and normalises the values of Falcon custom
// IOCs. The emulator (falcontest) and the SDK's ioc package share it, so a
// value the SDK accepts is one the emulator accepts, and the same canonical
// form is compared for duplicates on both sides. It uses the standard
// library only.
//
// # Types
//
// Falcon takes five IOC types: [SHA256], [MD5], [Domain], [IPv4] and [IPv6].
// Type names are lower case and compared exactly; [ValidType] checks one.
//
// # Normalisation
//
// [Normalize] trims surrounding white space, checks the value and returns
// its canonical form, or an [*Error] naming the type, the value and the
// reason. Normalising a canonical value returns it unchanged.
//
//   - sha256: exactly 64 hexadecimal characters; md5: exactly 32. Either
//     case is accepted and the result is lower case.
//   - domain: a bare name (no scheme, path, port or user part) of at most
//     200 characters after one trailing dot is stripped, lower-cased
//     (ASCII only). Each dot-separated label is 1-63 characters of letters,
//     digits, hyphens and underscores and neither starts nor ends with a
//     hyphen. Underscores are allowed because real DNS names and real feeds
//     carry them (for example "_dmarc" or "a_b.example.com"), but not in the
//     last label, which also must not be all digits: this keeps IPv4-like
//     strings such as "1.2.3.4" or "01.2.3.4" out of the domain type.
//     Non-ASCII names are rejected: pass internationalised names in
//     punycode ("xn--..."). Wildcards ("*.example.com") are rejected. A
//     single label ("localhost") is a valid domain for Normalize, though
//     [Detect] does not guess it.
//   - ipv4: a dotted quad as net/netip parses it. Octets with leading zeros
//     ("010.1.1.1") are rejected, because tools disagree on whether they
//     are octal or decimal; so are shorthand forms ("10.1") and CIDR ranges.
//   - ipv6: an address as net/netip parses it, without brackets or a zone
//     ("fe80::1%eth0" is rejected), written in canonical form: lower case
//     with the longest run of zero groups compressed, as RFC 5952 says.
//     An IPv4-mapped address ("::ffff:192.0.2.1") stays an ipv6 value.
//
// # Detection
//
// [Detect] guesses the type of a raw value from a feed: hashes by length
// and hexadecimal digits, addresses with net/netip, and domains by the label
// rules above plus at least one dot. A 40-character SHA-1, a URL, an e-mail
// address or a CIDR range is not detected. Whenever Detect reports a type,
// Normalize accepts the value as that type.
//
// # Refanging
//
// Threat reports publish indicators "defanged" so that nobody clicks them:
// "example[.]com", "hxxps://", "1.2.3[.]4". [Refang] turns these back into
// their plain form; it does not validate.
//
// # Identifiers
//
// [ValidID] checks the shape of an indicator id (64 hexadecimal characters)
// and [ValidHostGroupID] that of a host group id (32 hexadecimal characters).
package iocvalue
