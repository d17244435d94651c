package ioc

import (
	"errors"
	"strconv"
	"strings"

	"github.com/falconioc/falcon/internal/iocvalue"
)

// ValueError reports a value that does not fit its IOC type, or a type
// Falcon does not take. NormalizeValue returns it.
type ValueError struct {
	// Type and Value are what the caller passed.
	Type  Type
	Value string
	// Reason says what is wrong, such as "must be 64 hexadecimal
	// characters".
	Reason string
}

// Error returns one line naming the value (quoted, shortened when long),
// its type and the reason.
func (e *ValueError) Error() string {
	if !iocvalue.ValidType(string(e.Type.normalize())) {
		return "ioc: unknown type " + strconv.Quote(clip(string(e.Type))) + ": " + e.Reason
	}
	return "ioc: " + strconv.Quote(clip(e.Value)) + " is not a valid " + string(e.Type) + ": " + e.Reason
}

// NormalizeValue checks v against the rules of type t and returns its
// canonical form: the value Create and Update send, and the form in which
// the API compares values for duplicates. Surrounding white space is
// removed first; normalising a canonical value returns it unchanged.
//
//   - sha256: 64 hexadecimal characters; md5: 32. Returned in lower case.
//   - domain: a bare name of at most 200 characters after one trailing dot
//     is dropped, made of dot-separated labels of letters, digits, hyphens
//     and underscores (no scheme, path, port, wildcard or non-ASCII letter:
//     pass internationalised names in punycode). Returned in lower case.
//   - ipv4: a dotted quad, without leading zeros or a prefix length.
//   - ipv6: an address without brackets or zone, returned in the canonical
//     form of RFC 5952 (lower case, longest zero run compressed).
//
// t may be in any case (SHA256 is sha256, see Type). The error, when not
// nil, is a *ValueError. Create runs the same check on
// every item, so a value NormalizeValue accepts is one Create sends.
func NormalizeValue(t Type, v string) (string, error) {
	if !iocvalue.ValidType(string(t.normalize())) {
		return "", &ValueError{Type: t, Value: v, Reason: "must be one of " + typeNames}
	}
	out, err := iocvalue.Normalize(string(t.normalize()), v)
	if err != nil {
		reason := err.Error()
		if e, ok := errors.AsType[*iocvalue.Error](err); ok {
			reason = e.Reason
		}
		return "", &ValueError{Type: t, Value: v, Reason: reason}
	}
	return out, nil
}

// DetectType guesses the IOC type of a raw value, such as a line of a
// feed, after trimming white space: 64 hexadecimal characters are a sha256
// and 32 an md5; an IPv4 or IPv6 address is ipv4 or ipv6; a name of at
// least two labels that NormalizeValue accepts is a domain. ok is false for
// anything else: SHA-1 hashes, URLs, CIDR ranges, e-mail addresses,
// single-label names. Whenever ok is true, NormalizeValue(t, v) succeeds.
// Refang defanged values first.
func DetectType(v string) (t Type, ok bool) {
	s, ok := iocvalue.Detect(v)
	return Type(s), ok
}

// Refang undoes the usual defanging of indicators in threat reports and
// feeds, which keeps readers from clicking them: "[.]", "(.)", "{.}",
// "[dot]", "(dot)" and "{dot}" become "."; "[:]" becomes ":"; "[://]" and
// "[:]//" become "://"; "[/]" becomes "/"; "[at]", "(at)" and "[@]" become
// "@"; and the schemes hxxp, hxxps, hxtp, hxtps, fxp and fxps before "://"
// become http, https, ftp or ftps. Matching ignores case, and text without
// any of these comes back unchanged. Refang does not validate: pass its
// result to DetectType or NormalizeValue.
func Refang(s string) string { return iocvalue.Refang(s) }

// normalize returns t without surrounding space and in lower case, the
// form Falcon's type names take.
func (t Type) normalize() Type {
	return Type(strings.ToLower(strings.TrimSpace(string(t))))
}
