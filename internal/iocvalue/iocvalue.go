package iocvalue

import (
	"net/netip"
	"strconv"
	"strings"
)

// The IOC types Falcon custom indicators accept.
const (
	SHA256 = "sha256"
	MD5    = "md5"
	Domain = "domain"
	IPv4   = "ipv4"
	IPv6   = "ipv6"
)

// MaxDomainLen is the longest domain value Falcon accepts, in bytes,
// after normalisation.
const MaxDomainLen = 200

// maxLabelLen is the DNS limit on one label of a domain name.
const maxLabelLen = 63

// Types lists the five types Falcon takes, in a fixed order. The slice is a
// fresh copy on every call.
func Types() []string {
	return []string{SHA256, MD5, Domain, IPv4, IPv6}
}

// ValidType reports whether typ is one of the five types of [Types]. The
// comparison is exact: type names are lower case.
func ValidType(typ string) bool {
	switch typ {
	case SHA256, MD5, Domain, IPv4, IPv6:
		return true
	}
	return false
}

// maxQuoted bounds how much of a bad value an [Error] message repeats.
const maxQuoted = 80

// Error reports a value that does not fit its IOC type, or an unknown type.
// Type and Value are what the caller passed; Reason says what is wrong.
type Error struct {
	Type   string
	Value  string
	Reason string
}

// Error returns a one-line message naming the type, the value (quoted, and
// shortened when long) and the reason.
func (e *Error) Error() string {
	v := e.Value
	if len(v) > maxQuoted {
		v = v[:maxQuoted] + "..."
	}
	return "iocvalue: invalid " + strconv.Quote(e.Type) + " value " + strconv.Quote(v) + ": " + e.Reason
}

// Normalize checks value against the rules of typ and returns its canonical
// form. Surrounding white space is removed first. The error, when not nil,
// is an [*Error]. Normalize is idempotent: normalising a canonical value
// returns it unchanged.
func Normalize(typ, value string) (string, error) {
	v := strings.TrimSpace(value)
	var (
		out    string
		reason string
	)
	switch typ {
	case SHA256:
		out, reason = normHex(v, 64)
	case MD5:
		out, reason = normHex(v, 32)
	case Domain:
		out, reason = normDomain(v)
	case IPv4:
		out, reason = normIPv4(v)
	case IPv6:
		out, reason = normIPv6(v)
	default:
		reason = "unknown type; want one of sha256, md5, domain, ipv4, ipv6"
	}
	if reason != "" {
		return "", &Error{Type: typ, Value: value, Reason: reason}
	}
	return out, nil
}

// Detect guesses the IOC type of a raw value after trimming white space: 64
// hexadecimal characters are a sha256, 32 an md5; an address net/netip parses
// is ipv4 or ipv6; anything else with at least two labels that [Normalize]
// accepts as a domain is a domain. ok is false for everything else, such as
// SHA-1 hashes, URLs, CIDR ranges, e-mail addresses and single-label names.
// Whenever ok is true, Normalize(typ, value) succeeds.
func Detect(value string) (typ string, ok bool) {
	v := strings.TrimSpace(value)
	if v == "" {
		return "", false
	}
	if isHex(v) {
		switch len(v) {
		case 64:
			return SHA256, true
		case 32:
			return MD5, true
		}
	}
	if _, r := normIPv4(v); r == "" {
		return IPv4, true
	}
	if _, r := normIPv6(v); r == "" {
		return IPv6, true
	}
	if strings.Contains(strings.TrimSuffix(v, "."), ".") {
		if _, r := normDomain(v); r == "" {
			return Domain, true
		}
	}
	return "", false
}

// ValidID reports whether s has the shape of a Falcon indicator id: 64
// hexadecimal characters. Upper-case digits are accepted; the API itself
// issues lower case.
func ValidID(s string) bool { return len(s) == 64 && isHex(s) }

// ValidHostGroupID reports whether s has the shape of a Falcon host group
// id: 32 hexadecimal characters, in either case.
func ValidHostGroupID(s string) bool { return len(s) == 32 && isHex(s) }

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

func normHex(v string, n int) (string, string) {
	if len(v) != n || !isHex(v) {
		return "", "must be " + strconv.Itoa(n) + " hexadecimal characters"
	}
	return strings.ToLower(v), ""
}

func normIPv4(v string) (string, string) {
	a, err := netip.ParseAddr(v)
	if err != nil || !a.Is4() {
		return "", "must be a dotted-quad IPv4 address without leading zeros"
	}
	return a.String(), ""
}

func normIPv6(v string) (string, string) {
	if strings.HasPrefix(v, "[") {
		return "", "must be a bare IPv6 address without brackets"
	}
	a, err := netip.ParseAddr(v)
	if err != nil || !a.Is6() {
		return "", "must be an IPv6 address"
	}
	if a.Zone() != "" {
		return "", "must not carry a zone"
	}
	return a.String(), ""
}

func normDomain(v string) (string, string) {
	if v == "" {
		return "", "must not be empty"
	}
	if strings.Contains(v, "://") || strings.ContainsAny(v, "/:?#@") {
		return "", "must be a bare domain name without scheme, path, port or user"
	}
	d := asciiLower(strings.TrimSuffix(v, "."))
	if d == "" {
		return "", "must not be empty"
	}
	if len(d) > MaxDomainLen {
		return "", "must be at most " + strconv.Itoa(MaxDomainLen) + " characters"
	}
	labels := strings.Split(d, ".")
	for _, l := range labels {
		if r := checkLabel(l); r != "" {
			return "", r
		}
	}
	tld := labels[len(labels)-1]
	if allDigits(tld) {
		return "", "last label must not be all digits"
	}
	if strings.Contains(tld, "_") {
		return "", "last label must not contain an underscore"
	}
	return d, ""
}

func checkLabel(l string) string {
	if l == "" {
		return "must not contain an empty label"
	}
	if len(l) > maxLabelLen {
		return "labels must be at most 63 characters"
	}
	if l[0] == '-' || l[len(l)-1] == '-' {
		return "labels must not start or end with a hyphen"
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return "labels may hold only letters, digits, hyphens and underscores (use punycode for IDNs)"
		}
	}
	return ""
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// asciiLower lower-cases ASCII letters only, so that no non-ASCII rune can
// turn into an ASCII one (as the Kelvin sign does under strings.ToLower).
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
