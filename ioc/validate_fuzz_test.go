package ioc

import (
	"net/netip"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/falconioc/falcon/internal/iocvalue"
)

var fuzzTypes = []Type{TypeSHA256, TypeMD5, TypeDomain, TypeIPv4, TypeIPv6, "", "url", "SHA256"}

// FuzzValidateNew checks the validation of new indicators: it never
// panics, its problems are well formed, and what it accepts is canonical,
// stable under a second validation, and of the shape of its type.
func FuzzValidateNew(f *testing.F) {
	f.Add(uint8(0), strings.Repeat("AB", 32), "feed", "tag", "", true)
	f.Add(uint8(1), " "+strings.Repeat("0f", 16)+"\t", "", "", strings.Repeat("a", 32), false)
	f.Add(uint8(2), "Example.COM.", strings.Repeat("s", 257), "", "", true)
	f.Add(uint8(2), "a_b.example-1.org", "é", "x", "", true)
	f.Add(uint8(3), "010.1.1.1", "", "", "", true)
	f.Add(uint8(4), "2001:DB8:0:0:0:0:0:1", "", "", "", true)
	f.Add(uint8(4), "::ffff:192.0.2.1", "", "", "", true)
	f.Add(uint8(6), "http://x", "", "", "", true)
	f.Fuzz(func(t *testing.T, ti uint8, value, source, tag, group string, global bool) {
		n := NewIndicator{Type: fuzzTypes[int(ti)%len(fuzzTypes)], Value: value, Action: ActionDetect,
			Platforms: []Platform{PlatformWindows}, Source: source, AppliedGlobally: global}
		if tag != "" {
			n.Tags = []string{tag}
		}
		if group != "" {
			n.HostGroups = []string{group}
		}
		c := &checker{now: time.Now()}
		out := c.checkNew([]NewIndicator{n})[0]
		valueOK := true
		for _, p := range c.ve.Problems {
			if p.Index != 0 || p.Field == "" || p.Message == "" || strings.ContainsAny(p.Message, "\r\n") {
				t.Fatalf("malformed problem %+v", p)
			}
			allValid := utf8.ValidString(value) && utf8.ValidString(source) && utf8.ValidString(tag) && utf8.ValidString(group)
			if len(p.Value) > maxQuoted+3 || !utf8.ValidString(p.Value) && allValid {
				t.Fatalf("problem value not clipped cleanly: %q", p.Value)
			}
			if p.Field == "value" || p.Field == "type" {
				valueOK = false
			}
		}
		_, normErr := iocvalue.Normalize(string(n.Type), value)
		if valueOK != (normErr == nil && strings.TrimSpace(value) != "") {
			t.Fatalf("value %q of type %q: accepted %v, iocvalue says %v", value, n.Type, valueOK, normErr)
		}
		if !valueOK {
			return
		}
		if norm, err := iocvalue.Normalize(string(out.Type), out.Value); err != nil || norm != out.Value {
			t.Fatalf("accepted value %q is not canonical (%q, %v)", out.Value, norm, err)
		}
		switch out.Type {
		case TypeSHA256, TypeMD5:
			want := 64
			if out.Type == TypeMD5 {
				want = 32
			}
			if len(out.Value) != want || strings.Trim(out.Value, "0123456789abcdef") != "" {
				t.Fatalf("hash %q", out.Value)
			}
		case TypeDomain:
			if len(out.Value) == 0 || len(out.Value) > iocvalue.MaxDomainLen || strings.ToLower(out.Value) != out.Value {
				t.Fatalf("domain %q", out.Value)
			}
		case TypeIPv4, TypeIPv6:
			a, err := netip.ParseAddr(out.Value)
			if err != nil || a.Is4() != (out.Type == TypeIPv4) || a.String() != out.Value {
				t.Fatalf("address %q of type %s: %v", out.Value, out.Type, err)
			}
		}
		if len(c.ve.Problems) == 0 {
			again := &checker{now: c.now}
			if out2 := again.checkNew([]NewIndicator{out})[0]; len(again.ve.Problems) != 0 || out2.Value != out.Value {
				t.Fatalf("second validation of %q: %v, %q", out.Value, again.ve.Problems, out2.Value)
			}
			if global == (len(out.HostGroups) > 0) || utf8.RuneCountInString(out.Source) > MaxSourceLen {
				t.Fatalf("accepted %+v", out)
			}
		}
	})
}

// FuzzValidateIDs checks the id checks: 64 hexadecimal characters in any
// case, lower-cased, each id once.
func FuzzValidateIDs(f *testing.F) {
	f.Add(strings.Repeat("aB", 32), strings.Repeat("ab", 32))
	f.Add("short", "")
	f.Add(strings.Repeat("g", 64), strings.Repeat("0", 63)+"é")
	f.Fuzz(func(t *testing.T, a, b string) {
		c := &checker{}
		out := c.checkIDs("ids", []string{a, b})
		valid := func(s string) bool {
			return len(s) == 64 && strings.Trim(strings.ToLower(s), "0123456789abcdef") == ""
		}
		wantProblems := 0
		for _, s := range []string{a, b} {
			if !valid(s) {
				wantProblems++
			}
		}
		if len(c.ve.Problems) != wantProblems {
			t.Fatalf("ids %q %q: problems %v", a, b, c.ve.Problems)
		}
		for _, id := range out {
			if !valid(id) || strings.ToLower(id) != id {
				t.Fatalf("kept id %q", id)
			}
		}
		if valid(a) && valid(b) && strings.EqualFold(a, b) != (len(out) == 1) {
			t.Fatalf("ids %q %q gave %q", a, b, out)
		}
	})
}
