package iocvalue_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/falconioc/falcon/internal/iocvalue"
)

const (
	sha = "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"
	md5 = "44d88612fea8a8f36de82e1278abb02f"
)

func TestNormalize(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 63)
	// 3 labels of 63 + "abcdefgh" (8) + 3 dots = 200 characters.
	d200 := long + "." + long + "." + long + ".abcdefgh"
	tests := []struct {
		typ, in, want string
		reason        string // substring of the reason when an error is expected
	}{
		{iocvalue.SHA256, sha, sha, ""},
		{iocvalue.SHA256, strings.ToUpper(sha), sha, ""},
		{iocvalue.SHA256, "  " + sha + "\t\r\n", sha, ""},
		{iocvalue.SHA256, sha[:63], "", "64 hexadecimal"},
		{iocvalue.SHA256, sha + "0", "", "64 hexadecimal"},
		{iocvalue.SHA256, sha[:63] + "g", "", "64 hexadecimal"},
		{iocvalue.SHA256, md5, "", "64 hexadecimal"},
		{iocvalue.MD5, md5, md5, ""},
		{iocvalue.MD5, "E42a8cef2e70d4f3c96c2b8073e7d396", "e42a8cef2e70d4f3c96c2b8073e7d396", ""},
		{iocvalue.MD5, sha, "", "32 hexadecimal"},
		{iocvalue.MD5, "", "", "32 hexadecimal"},
		{iocvalue.MD5, "0x" + md5[2:], "", "32 hexadecimal"},

		{iocvalue.Domain, "example.com", "example.com", ""},
		{iocvalue.Domain, "Eagle.TZSafe.TK.", "eagle.tzsafe.tk", ""},
		{iocvalue.Domain, " a-b.c_d.example.org ", "a-b.c_d.example.org", ""},
		{iocvalue.Domain, "_dmarc.example.com", "_dmarc.example.com", ""},
		{iocvalue.Domain, "xn--bcher-kva.example", "xn--bcher-kva.example", ""},
		{iocvalue.Domain, "localhost", "localhost", ""},
		{iocvalue.Domain, "3322.org", "3322.org", ""},
		{iocvalue.Domain, d200, d200, ""},
		{iocvalue.Domain, d200 + ".", d200, ""},
		{iocvalue.Domain, "a" + d200, "", "at most 200"},
		{iocvalue.Domain, long + "a.com", "", "63 characters"},
		{iocvalue.Domain, "example.com..", "", "empty label"},
		{iocvalue.Domain, ".example.com", "", "empty label"},
		{iocvalue.Domain, "a..b", "", "empty label"},
		{iocvalue.Domain, ".", "", "empty"},
		{iocvalue.Domain, "", "", "empty"},
		{iocvalue.Domain, "-a.com", "", "hyphen"},
		{iocvalue.Domain, "a-.com", "", "hyphen"},
		{iocvalue.Domain, "a.com-", "", "hyphen"},
		{iocvalue.Domain, "domain autuo.xicp.net", "", "letters, digits"},
		{iocvalue.Domain, "*.example.com", "", "letters, digits"},
		{iocvalue.Domain, "bücher.example", "", "punycode"},
		{iocvalue.Domain, "\u212a.com", "", "punycode"}, // Kelvin sign must not become "k"
		{iocvalue.Domain, "http://example.com", "", "scheme"},
		{iocvalue.Domain, "example.com/path", "", "path"},
		{iocvalue.Domain, "example.com:8080", "", "port"},
		{iocvalue.Domain, "user@example.com", "", "user"},
		{iocvalue.Domain, "1.2.3.4", "", "all digits"},
		{iocvalue.Domain, "010.1.1.1", "", "all digits"},
		{iocvalue.Domain, "example.c_m", "", "underscore"},

		{iocvalue.IPv4, "65.108.80.58", "65.108.80.58", ""},
		{iocvalue.IPv4, " 0.0.0.0 ", "0.0.0.0", ""},
		{iocvalue.IPv4, "255.255.255.255", "255.255.255.255", ""},
		{iocvalue.IPv4, "256.1.1.1", "", "dotted-quad"},
		{iocvalue.IPv4, "010.1.1.1", "", "leading zeros"},
		{iocvalue.IPv4, "10.1", "", "dotted-quad"},
		{iocvalue.IPv4, "10.0.0.0/8", "", "dotted-quad"},
		{iocvalue.IPv4, "1.2.3.4:80", "", "dotted-quad"},
		{iocvalue.IPv4, "176.123.5.126;65", "", "dotted-quad"},
		{iocvalue.IPv4, "::ffff:1.2.3.4", "", "dotted-quad"},
		{iocvalue.IPv4, "example.com", "", "dotted-quad"},

		{iocvalue.IPv6, "2a02:4780:b:1342:0:238d:fa59:3", "2a02:4780:b:1342:0:238d:fa59:3", ""},
		{iocvalue.IPv6, "2001:DB8:0:0:0:0:0:1", "2001:db8::1", ""},
		{iocvalue.IPv6, "2001:0db8::0001", "2001:db8::1", ""},
		{iocvalue.IPv6, "::", "::", ""},
		{iocvalue.IPv6, "::FFFF:192.0.2.1", "::ffff:192.0.2.1", ""},
		{iocvalue.IPv6, "fe80::1%eth0", "", "zone"},
		{iocvalue.IPv6, "[2001:db8::1]", "", "brackets"},
		{iocvalue.IPv6, "1.2.3.4", "", "IPv6"},
		{iocvalue.IPv6, "2001:db8::/32", "", "IPv6"},
		{iocvalue.IPv6, "2001:db8::g", "", "IPv6"},

		{"SHA256", sha, "", "unknown type"},
		{"url", "http://x", "", "unknown type"},
		{"", sha, "", "unknown type"},
	}
	for _, tt := range tests {
		got, err := iocvalue.Normalize(tt.typ, tt.in)
		if tt.reason == "" {
			if err != nil || got != tt.want {
				t.Errorf("Normalize(%q, %q) = %q, %v; want %q, nil", tt.typ, tt.in, got, err, tt.want)
			}
			continue
		}
		var e *iocvalue.Error
		if !errors.As(err, &e) {
			t.Errorf("Normalize(%q, %q) = %q, %v; want *Error containing %q", tt.typ, tt.in, got, err, tt.reason)
			continue
		}
		if got != "" || e.Type != tt.typ || e.Value != tt.in || !strings.Contains(e.Reason, tt.reason) {
			t.Errorf("Normalize(%q, %q) = %q, %+v; want reason containing %q", tt.typ, tt.in, got, *e, tt.reason)
		}
	}
}

func TestErrorMessage(t *testing.T) {
	t.Parallel()
	_, err := iocvalue.Normalize(iocvalue.Domain, "bad\nvalue")
	if msg := err.Error(); strings.ContainsAny(msg, "\n\r") || !strings.Contains(msg, `"domain"`) || !strings.Contains(msg, `"bad\nvalue"`) {
		t.Errorf("message %q: want one line naming type and quoted value", msg)
	}
	long := strings.Repeat("x", 500)
	_, err = iocvalue.Normalize(iocvalue.SHA256, long)
	var e *iocvalue.Error
	if !errors.As(err, &e) || e.Value != long {
		t.Fatalf("Error.Value lost the full value: %v", err)
	}
	if msg := err.Error(); len(msg) > 200 || !strings.Contains(msg, "...") {
		t.Errorf("message for a long value not shortened (%d bytes): %q", len(msg), msg)
	}
}

func TestDetect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string // want "" means not detected
	}{
		{sha, iocvalue.SHA256},
		{strings.ToUpper(sha), iocvalue.SHA256},
		{md5, iocvalue.MD5},
		{" " + md5 + "\r", iocvalue.MD5},
		{"da39a3ee5e6b4b0d3255bfef95601890afd80709", ""}, // sha1
		{"65.108.80.58", iocvalue.IPv4},
		{"2a02:4780:b:1342:0:238d:fa59:3", iocvalue.IPv6},
		{"::ffff:1.2.3.4", iocvalue.IPv6},
		{"eagle.tzsafe.tk", iocvalue.Domain},
		{"Example.COM.", iocvalue.Domain},
		{"localhost", ""},
		{"localhost.", ""},
		{"deadbeef", ""},
		{"010.1.1.1", ""},
		{"1.2.3", ""},
		{"176.123.5.126;65", ""},
		{"10.0.0.0/8", ""},
		{"fe80::1%eth0", ""},
		{"https://example.com/", ""},
		{"user@example.com", ""},
		{"example[.]com", ""},
		{"", ""},
		{"   ", ""},
	}
	for _, tt := range tests {
		got, ok := iocvalue.Detect(tt.in)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("Detect(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
		if ok {
			if _, err := iocvalue.Normalize(got, tt.in); err != nil {
				t.Errorf("Detect(%q) = %q but Normalize fails: %v", tt.in, got, err)
			}
		}
	}
}

func TestRefang(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"example.com", "example.com"},
		{"65.108.80[.]58", "65.108.80.58"},
		{"a(.)b{.}c[DOT]d(dot)e{Dot}f", "a.b.c.d.e.f"},
		{"hxxp://evil[.]com", "http://evil.com"},
		{"HXXPS[://]evil[.]com/x", "https://evil.com/x"},
		{"hxxps[:]//evil[.]com", "https://evil.com"},
		{"fxp://files[.]example", "ftp://files.example"},
		{"hxtp://a.b", "http://a.b"},
		{"user[at]example[.]com", "user@example.com"},
		{"user[@]example.com", "user@example.com"},
		{"1.2.3.4[:]8080", "1.2.3.4:8080"},
		{"a[/]b", "a/b"},
		{"myhxxp://x", "myhxxp://x"},             // not a scheme at a word start
		{"hxxp.example.com", "hxxp.example.com"}, // no "://" after it
		{"[x]", "[x]"},
		{"[", "["},
		{"", ""},
	}
	for _, tt := range tests {
		if got := iocvalue.Refang(tt.in); got != tt.want {
			t.Errorf("Refang(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestIDs(t *testing.T) {
	t.Parallel()
	if !iocvalue.ValidID(sha) || !iocvalue.ValidID(strings.ToUpper(sha)) {
		t.Error("ValidID rejects a 64-hex id")
	}
	for _, s := range []string{"", md5, sha[:63], sha + "a", sha[:63] + "z", " " + sha[1:]} {
		if iocvalue.ValidID(s) {
			t.Errorf("ValidID(%q) = true", s)
		}
	}
	if !iocvalue.ValidHostGroupID(md5) {
		t.Error("ValidHostGroupID rejects a 32-hex id")
	}
	for _, s := range []string{"", sha, md5[:31], md5 + "0", md5[:31] + "-"} {
		if iocvalue.ValidHostGroupID(s) {
			t.Errorf("ValidHostGroupID(%q) = true", s)
		}
	}
}

func TestTypes(t *testing.T) {
	t.Parallel()
	got := iocvalue.Types()
	want := []string{"sha256", "md5", "domain", "ipv4", "ipv6"}
	if !slices.Equal(got, want) {
		t.Fatalf("Types() = %v; want %v", got, want)
	}
	got[0] = "changed"
	if iocvalue.Types()[0] != "sha256" {
		t.Error("Types() shares its backing array with callers")
	}
	for _, typ := range want {
		if !iocvalue.ValidType(typ) {
			t.Errorf("ValidType(%q) = false", typ)
		}
	}
	for _, typ := range []string{"", "SHA256", "url", "sha1", " md5"} {
		if iocvalue.ValidType(typ) {
			t.Errorf("ValidType(%q) = true", typ)
		}
	}
}
