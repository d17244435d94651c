package iocvalue

import "strings"

// refangTokens are the bracketed stand-ins defanged feeds use, matched
// case-insensitively, longest first where one is a prefix of another.
var refangTokens = []struct{ from, to string }{
	{"[://]", "://"},
	{"[:]//", "://"},
	{"[dot]", "."}, {"(dot)", "."}, {"{dot}", "."},
	{"[.]", "."}, {"(.)", "."}, {"{.}", "."},
	{"[:]", ":"},
	{"[/]", "/"},
	{"[at]", "@"}, {"(at)", "@"}, {"[@]", "@"},
}

// refangSchemes are defanged URL schemes, matched case-insensitively when
// directly followed by "://".
var refangSchemes = []struct{ from, to string }{
	{"hxxps", "https"}, {"hxxp", "http"},
	{"hxtps", "https"}, {"hxtp", "http"},
	{"fxps", "ftps"}, {"fxp", "ftp"},
}

// Refang undoes the usual defanging of indicators in threat reports and
// feeds: "[.]", "(.)", "{.}", "[dot]", "(dot)" and "{dot}" become ".";
// "[:]" becomes ":", "[://]" and "[:]//" become "://", "[/]" becomes "/",
// "[at]", "(at)" and "[@]" become "@"; and the schemes "hxxp", "hxxps",
// "hxtp", "hxtps", "fxp" and "fxps" before "://" become "http", "https" or
// "ftp"/"ftps". Matching ignores case. Text without any of these comes back
// unchanged. Refang does not validate: pass the result to [Detect] or
// [Normalize].
func Refang(s string) string {
	if !strings.ContainsAny(s, "[({") && !strings.Contains(s, "://") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		if c := s[i]; c == '[' || c == '(' || c == '{' {
			if t, ok := matchToken(s[i:]); ok {
				b.WriteString(t.to)
				i += len(t.from)
				continue
			}
		}
		if t, ok := matchScheme(s, i); ok {
			b.WriteString(t.to)
			i += len(t.from)
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

func matchToken(s string) (struct{ from, to string }, bool) {
	for _, t := range refangTokens {
		if len(s) >= len(t.from) && strings.EqualFold(s[:len(t.from)], t.from) {
			return t, true
		}
	}
	return struct{ from, to string }{}, false
}

// matchScheme matches a defanged scheme starting at s[i], at the start of a
// word and followed by "://" (possibly itself defanged as "[://]" or "[:]//").
func matchScheme(s string, i int) (struct{ from, to string }, bool) {
	if i > 0 && isWordByte(s[i-1]) {
		return struct{ from, to string }{}, false
	}
	c := s[i] | 0x20
	if c != 'h' && c != 'f' {
		return struct{ from, to string }{}, false
	}
	for _, t := range refangSchemes {
		n := len(t.from)
		if len(s)-i < n || !strings.EqualFold(s[i:i+n], t.from) {
			continue
		}
		rest := s[i+n:]
		if strings.HasPrefix(rest, "://") || strings.HasPrefix(rest, "[://]") || strings.HasPrefix(rest, "[:]//") {
			return t, true
		}
	}
	return struct{ from, to string }{}, false
}

func isWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.'
}
