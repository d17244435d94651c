package ioc_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/falconioc/falcon/ioc"
)

func TestNormalizeValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		typ    ioc.Type
		in     string
		want   string
		reason string // "" when valid; else a part of ValueError.Reason
	}{
		{ioc.TypeSHA256, " " + strings.Repeat("AB", 32) + "\n", strings.Repeat("ab", 32), ""},
		{ioc.TypeSHA256, "abc", "", "64 hexadecimal"},
		{ioc.TypeMD5, strings.Repeat("F", 32), strings.Repeat("f", 32), ""},
		{ioc.TypeMD5, strings.Repeat("g", 32), "", "hexadecimal"},
		{ioc.TypeDomain, "Evil.Example.COM.", "evil.example.com", ""},
		{ioc.TypeDomain, "https://evil.example.com/", "", ""},
		{ioc.TypeDomain, "*.example.com", "", ""},
		{ioc.TypeIPv4, "192.0.2.1", "192.0.2.1", ""},
		{ioc.TypeIPv4, "010.1.1.1", "", ""},
		{ioc.TypeIPv4, "10.0.0.0/8", "", ""},
		{ioc.TypeIPv6, "2001:DB8:0:0::1", "2001:db8::1", ""},
		{ioc.TypeIPv6, "fe80::1%eth0", "", ""},
		{"sha1", strings.Repeat("a", 40), "", "must be one of sha256, md5, domain, ipv4, ipv6"},
		{"", "x", "", "must be one of"},
	}
	for _, tt := range tests {
		got, err := ioc.NormalizeValue(tt.typ, tt.in)
		if tt.want != "" {
			if err != nil || got != tt.want {
				t.Errorf("NormalizeValue(%q, %q) = %q, %v; want %q", tt.typ, tt.in, got, err, tt.want)
			}
			if again, err := ioc.NormalizeValue(tt.typ, got); err != nil || again != got {
				t.Errorf("NormalizeValue(%q, %q) = %q, %v; want it unchanged", tt.typ, got, again, err)
			}
			continue
		}
		ve, ok := errors.AsType[*ioc.ValueError](err)
		if !ok || got != "" {
			t.Errorf("NormalizeValue(%q, %q) = %q, %v; want a *ValueError", tt.typ, tt.in, got, err)
			continue
		}
		if ve.Type != tt.typ || ve.Value != tt.in || ve.Reason == "" || !strings.Contains(ve.Reason, tt.reason) {
			t.Errorf("NormalizeValue(%q, %q): error %+v, want reason with %q", tt.typ, tt.in, ve, tt.reason)
		}
	}
}

func TestValueError_Error(t *testing.T) {
	t.Parallel()
	_, err := ioc.NormalizeValue(ioc.TypeSHA256, "abc")
	if got, want := err.Error(), `ioc: "abc" is not a valid sha256: must be 64 hexadecimal characters`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	_, err = ioc.NormalizeValue("url", "https://x.example")
	if got, want := err.Error(), `ioc: unknown type "url": must be one of sha256, md5, domain, ipv4, ipv6`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	_, err = ioc.NormalizeValue(ioc.TypeDomain, strings.Repeat("a", 300)+"\n.com")
	if msg := err.Error(); strings.Contains(msg, "\n") || len(msg) > 200 {
		t.Errorf("Error() = %q, want one short line", msg)
	}
}

func TestDetectType(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want ioc.Type // "" when not detected
	}{
		{strings.Repeat("a", 64), ioc.TypeSHA256},
		{" " + strings.Repeat("A", 32) + " ", ioc.TypeMD5},
		{"evil.example.net", ioc.TypeDomain},
		{"198.51.100.7", ioc.TypeIPv4},
		{"2001:db8::7", ioc.TypeIPv6},
		{strings.Repeat("a", 40), ""}, // SHA-1
		{"https://evil.example.net/x", ""},
		{"10.0.0.0/8", ""},
		{"someone@example.com", ""},
		{"localhost", ""},
		{"", ""},
	}
	for _, tt := range tests {
		got, ok := ioc.DetectType(tt.in)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("DetectType(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
		if ok {
			if _, err := ioc.NormalizeValue(got, tt.in); err != nil {
				t.Errorf("DetectType(%q) = %q, but NormalizeValue refuses it: %v", tt.in, got, err)
			}
		}
	}
}

func TestRefang(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"evil[.]example[.]com", "evil.example.com"},
		{"hxxps://evil(.)example{dot}com/a", "https://evil.example.com/a"},
		{"HXXP[://]192.0.2[.]1", "http://192.0.2.1"},
		{"user[at]example[.]com", "user@example.com"},
		{"plain.example.com", "plain.example.com"},
		{"[not a token]", "[not a token]"},
	}
	for _, tt := range tests {
		if got := ioc.Refang(tt.in); got != tt.want {
			t.Errorf("Refang(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
