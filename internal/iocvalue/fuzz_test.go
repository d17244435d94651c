package iocvalue_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/falconioc/falcon/internal/iocvalue"
)

// FuzzNormalize checks, for every type, that Normalize never panics, that
// its result is canonical (normalising it again returns it unchanged), that
// failures are *Error values naming the input, and that Detect agrees.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		sha, md5, "Example.COM.", "a_b.example.org", "1.2.3.4", "010.1.1.1",
		"2001:DB8::1", "::ffff:1.2.3.4", "fe80::1%eth0", "\u212a.com", "",
		"  x  ", "a..b", "-a.com", "http://x.y/z",
	} {
		f.Add(s)
	}
	types := append(iocvalue.Types(), "bogus")
	f.Fuzz(func(t *testing.T, v string) {
		for _, typ := range types {
			got, err := iocvalue.Normalize(typ, v)
			if err != nil {
				var e *iocvalue.Error
				if !errors.As(err, &e) || e.Type != typ || e.Value != v || e.Reason == "" {
					t.Fatalf("Normalize(%q, %q) error %v is not a complete *Error", typ, v, err)
				}
				if got != "" {
					t.Fatalf("Normalize(%q, %q) returned %q with an error", typ, v, got)
				}
				continue
			}
			again, err := iocvalue.Normalize(typ, got)
			if err != nil || again != got {
				t.Fatalf("Normalize(%q, %q) = %q, but normalising that gives %q, %v", typ, v, got, again, err)
			}
		}
		if typ, ok := iocvalue.Detect(v); ok {
			n, err := iocvalue.Normalize(typ, v)
			if err != nil {
				t.Fatalf("Detect(%q) = %q but Normalize fails: %v", v, typ, err)
			}
			if typ2, ok2 := iocvalue.Detect(n); !ok2 || typ2 != typ {
				t.Fatalf("Detect(%q) = %q but Detect of its canonical %q = %q, %v", v, typ, n, typ2, ok2)
			}
		}
	})
}

// FuzzRefang checks that Refang never panics, never makes its input longer
// and leaves text without brackets or "://" untouched.
func FuzzRefang(f *testing.F) {
	for _, s := range []string{"hxxps[://]a[.]b", "a(.)b{dot}c", "[", "hxxp", "x[at]y", "fxp[:]//z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := iocvalue.Refang(s)
		if len(got) > len(s) {
			t.Fatalf("Refang(%q) = %q grew", s, got)
		}
		if !strings.ContainsAny(s, "[({") && !strings.Contains(s, "://") && got != s {
			t.Fatalf("Refang(%q) = %q changed text without markers", s, got)
		}
	})
}
