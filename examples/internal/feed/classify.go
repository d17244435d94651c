package feed

import (
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/falconioc/falcon/ioc"
	"golang.org/x/net/publicsuffix"
)

// Pseudo-types a feed can declare (in a type column or a STIX path) that
// are not Falcon types: the value then decides among several Falcon types,
// or is a URL.
const (
	anyHash ioc.Type = "hash" // md5 or sha256, detected per value
	anyIP   ioc.Type = "ip"   // ipv4 or ipv6, detected per value
	typeURL ioc.Type = "url"  // a URL: a problem unless Options.URLHosts
)

// Kinds of values Falcon has no type for, in Problem.Kind.
const (
	KindSHA1     = "sha1"
	KindSHA512   = "sha512"
	KindURL      = "url"
	KindCIDR     = "cidr"
	KindEmail    = "email"
	KindFileName = "file name"
	KindType     = "type" // a type column naming a type Falcon does not take
	// KindRevoked is a STIX indicator its producer revoked: there is
	// nothing to import, and nothing wrong with the feed.
	KindRevoked = "revoked"
)

// hashReason is the reason for every hash Falcon does not take, wherever it
// was read.
const hashReason = "Falcon custom IOCs take md5 and sha256"

// verdict is what classify made of one value.
type verdict struct {
	typ    ioc.Type
	value  string
	note   string // what was dropped to get value ("port 53 dropped")
	reason string // why there is no indicator; empty when typ is set
	kind   string // what the value is when Falcon has no type for it
	// hostType and host are, for a URL skipped, the indicator its host
	// gives; rng is the range of a CIDR (see Problem).
	hostType ioc.Type
	host     string
	rng      netip.Prefix
}

// classify detects the type of a cleaned value. A host with a port becomes
// the host, an IPv4-mapped IPv6 address its IPv4 form, and, with URLHosts,
// a URL (with or without a scheme) its host; the note says what was
// dropped. asURL says the feed declared the value a URL.
func (b *builder) classify(v string, asURL bool) verdict {
	if v == "" {
		return verdict{reason: "empty value"}
	}
	if !asURL {
		if t, ok := ioc.DetectType(v); ok {
			return host(t, v, "")
		}
		if ap, err := netip.ParseAddrPort(v); err == nil {
			return addr(ap.Addr(), "port "+strconv.Itoa(int(ap.Port()))+" dropped")
		}
		if h, port, err := net.SplitHostPort(v); err == nil && isDigits(port) {
			if t, ok := ioc.DetectType(h); ok && t == ioc.TypeDomain {
				return host(t, h, "port "+port+" dropped")
			}
		}
		if vd := unsupported(v); vd.kind != "" || !strings.Contains(v, "://") && !looksLikeBareURL(v) {
			return vd
		}
	}
	return b.urlHost(v)
}

// host finishes the classification of a value DetectType recognised.
func host(t ioc.Type, v, note string) verdict {
	switch t {
	case ioc.TypeDomain:
		if tld := lastLabel(v); !knownTLD(tld) {
			return verdict{kind: KindFileName,
				reason: "not a domain: ." + strings.ToLower(tld) + " is not a top-level domain (a file name?); Falcon has no file name type"}
		}
	case ioc.TypeIPv6:
		if a, err := netip.ParseAddr(v); err == nil && a.Is4In6() {
			return addr(a, note)
		}
	}
	return verdict{typ: t, value: v, note: note}
}

// addr classifies a parsed address; an IPv4-mapped IPv6 address becomes
// its IPv4 form, which is what hosts report.
func addr(a netip.Addr, note string) verdict {
	if a.Is4In6() {
		a = a.Unmap()
		note = joinNote(note, "IPv4-mapped IPv6 address imported as its IPv4 form "+a.String())
	}
	a = a.WithZone("")
	t := ioc.TypeIPv4
	if a.Is6() {
		t = ioc.TypeIPv6
	}
	return verdict{typ: t, value: a.String(), note: note}
}

// urlHost reduces a URL, with or without a scheme, to its host when
// URLHosts is set, and explains why not otherwise, keeping the host in the
// verdict.
func (b *builder) urlHost(v string) verdict {
	scheme := strings.Contains(v, "://")
	p := v
	if !scheme {
		p = "http://" + v
	}
	hv := verdict{kind: KindURL, reason: "URL without a usable host"}
	if u, err := url.Parse(p); err == nil && u.Hostname() != "" {
		h := u.Hostname()
		if t, ok := ioc.DetectType(h); ok {
			hv = host(t, h, "URL reduced to its host "+h)
		} else {
			hv = verdict{kind: KindURL, reason: "URL host " + clip(h, 100) + " is not a domain or IP address"}
		}
	}
	if b.opts.URLHosts {
		return hv
	}
	vd := verdict{kind: KindURL, reason: "URL: " + urlReason}
	if !scheme {
		vd.reason = "URL without a scheme: " + urlReason
	}
	if hv.typ != "" {
		if n, err := ioc.NormalizeValue(hv.typ, hv.value); err == nil {
			vd.hostType, vd.host = hv.typ, n
		}
	}
	return vd
}

// urlReason says what to do about a URL.
const urlReason = "Falcon has no url type (-url-hosts imports its host instead)"

// looksLikeBareURL reports whether v is "host/path" or "host:port/path"
// without a scheme, the host being a domain or an address.
func looksLikeBareURL(v string) bool {
	h, _, ok := strings.Cut(v, "/")
	if !ok || h == "" {
		return false
	}
	if hh, port, err := net.SplitHostPort(h); err == nil && isDigits(port) {
		h = hh
	}
	_, ok = ioc.DetectType(h)
	return ok
}

// unsupported explains why a value with no detected type was rejected.
func unsupported(v string) verdict {
	switch {
	case isHex(v) && len(v) == 40:
		return verdict{kind: KindSHA1, reason: "SHA-1 hash: " + hashReason}
	case isHex(v) && len(v) == 128:
		return verdict{kind: KindSHA512, reason: "SHA-512 hash: " + hashReason}
	case strings.Count(v, "@") == 1 && !strings.ContainsAny(v, " /"):
		return verdict{kind: KindEmail, reason: "e-mail address: Falcon has no email type"}
	case len(v) > 1 && v[0] == '/' && v[1] != '/' && !strings.ContainsAny(v, " \t"):
		// Maltrail's generic trails ("/date1.dat") match a path on any host.
		return verdict{kind: KindURL, reason: "URL path without a host: Falcon has no url type"}
	}
	if p, err := netip.ParsePrefix(v); err == nil {
		return verdict{kind: KindCIDR, reason: cidrReason, rng: p.Masked()}
	}
	return verdict{reason: genericReason}
}

const (
	cidrReason    = "CIDR range: Falcon takes single addresses only"
	genericReason = "not a sha256, md5, domain, ipv4 or ipv6 value"
)

// knownTLD reports whether tld is a top-level domain of the public suffix
// list's ICANN section (new gTLDs such as zip and punycode IDN TLDs
// included), or one of the names RFC 2606 reserves for examples and tests.
func knownTLD(tld string) bool {
	tld = strings.ToLower(tld)
	switch tld {
	case "example", "test":
		return true
	}
	_, icann := publicsuffix.PublicSuffix(tld)
	return icann
}

func lastLabel(name string) string {
	name = strings.TrimSuffix(name, ".")
	return name[strings.LastIndexByte(name, '.')+1:]
}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if !('0' <= s[i] && s[i] <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return s != ""
}

// clip shortens s to at most n runes for a message, marking the cut.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// cleanValue strips what surrounds a value in the feeds seen in practice:
// white space, an inline comment ("evil.example # C2", returned apart) and
// matching quotes ("\"<sha256>\""). It then refangs the value.
func cleanValue(raw string) (value, comment string) {
	s := strings.TrimSpace(raw)
	if i := strings.Index(s, "#"); i > 0 && (s[i-1] == ' ' || s[i-1] == '\t') {
		s, comment = strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+1:])
	}
	for len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	return strings.TrimSpace(ioc.Refang(s)), comment
}

// splitPacked splits a cell holding several hashes of one file
// ("<md5>,<sha1>,<sha256>", also separated by ";", "|" or spaces) into its
// hashes. Any other cell comes back whole.
func splitPacked(s string) []string {
	parts := strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ';' || r == '|' || r == ' ' || r == '\t'
	})
	if len(parts) < 2 {
		return []string{s}
	}
	for _, p := range parts {
		p = strings.Trim(p, `"'`)
		if !isHex(p) || (len(p) != 32 && len(p) != 40 && len(p) != 64 && len(p) != 128) {
			return []string{s}
		}
	}
	for i, p := range parts {
		parts[i] = strings.Trim(p, `"'`)
	}
	return parts
}

// fits reports whether a value detected as t satisfies the declared type.
func fits(declared, t ioc.Type) bool {
	switch declared {
	case "", typeURL:
		return true
	case anyHash:
		return t == ioc.TypeMD5 || t == ioc.TypeSHA256
	case anyIP, ioc.TypeIPv4, ioc.TypeIPv6:
		// An IPv4-mapped address declared ipv6 is taken as its IPv4 form.
		return t == ioc.TypeIPv4 || t == ioc.TypeIPv6 && declared != ioc.TypeIPv4
	}
	return declared == t
}
