package feed

import (
	"net/netip"
	"net/url"
	"strings"

	"github.com/falconioc/falcon/ioc"
)

// classify detects the type of a refanged, trimmed value. With URLHosts
// set, a URL is replaced by its host. It returns a reason when the value has
// no Falcon type, naming what it looks like where it can.
func (b *builder) classify(v string) (typ ioc.Type, value, reason string) {
	if v == "" {
		return "", "", "empty value"
	}
	if t, ok := ioc.DetectType(v); ok {
		return t, v, ""
	}
	if strings.Contains(v, "://") {
		if !b.opts.URLHosts {
			return "", "", urlReason
		}
		u, err := url.Parse(v)
		if err != nil || u.Hostname() == "" {
			return "", "", "URL without a usable host"
		}
		h := u.Hostname()
		if t, ok := ioc.DetectType(h); ok {
			return t, h, ""
		}
		return "", "", "URL host " + h + " is not a domain or IP address"
	}
	return "", "", unsupported(v)
}

// unsupported explains why a value with no detected type was rejected.
func unsupported(v string) string {
	switch {
	case isHex(v) && len(v) == 40:
		return "SHA-1 hash: Falcon takes only sha256 and md5"
	case isHex(v) && len(v) == 128:
		return "SHA-512 hash: Falcon takes only sha256 and md5"
	case strings.Count(v, "@") == 1 && !strings.ContainsAny(v, " /"):
		return "e-mail address: Falcon has no email type"
	}
	if _, err := netip.ParsePrefix(v); err == nil {
		return "CIDR range: Falcon takes single addresses only"
	}
	if ap, err := netip.ParseAddrPort(v); err == nil {
		return "address with port: Falcon takes the bare address " + ap.Addr().String()
	}
	return "not a sha256, md5, domain, ipv4 or ipv6 value"
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
