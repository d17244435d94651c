package iocvalue

import "strings"

// MaxOffsetSeconds bounds a UTC offset time zone: ±18:00, as the
// aggregation backend accepts.
const MaxOffsetSeconds = 18 * 3600

// ParseOffset reads a UTC offset written ±hh:mm (such as +01:00 or
// -05:30) and returns it in seconds east of UTC. ok is false for anything
// else, and for offsets beyond ±18:00 or minutes beyond 59.
func ParseOffset(s string) (seconds int, ok bool) {
	if len(s) != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':' {
		return 0, false
	}
	for _, i := range []int{1, 2, 4, 5} {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	h := int(s[1]-'0')*10 + int(s[2]-'0')
	m := int(s[4]-'0')*10 + int(s[5]-'0')
	seconds = h*3600 + m*60
	if m > 59 || seconds > MaxOffsetSeconds {
		return 0, false
	}
	if s[0] == '-' {
		seconds = -seconds
	}
	return seconds, true
}

// ValidZoneName reports whether s has the form of an IANA time zone name:
// "UTC", or parts joined by "/" (Europe/Paris, America/Argentina/Salta,
// Etc/GMT+5), each starting with a letter and made of ASCII letters, digits
// and "_", "-" and "+", at most 14 characters each, as the tz database's
// own rules require. It loads no zone, so it works on hosts without a zone
// database; whether the zone exists is not checked.
func ValidZoneName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for part := range strings.SplitSeq(s, "/") {
		if part == "" || len(part) > 14 || !isLetter(part[0]) {
			return false
		}
		for i := 1; i < len(part); i++ {
			c := part[i]
			if !isLetter(c) && (c < '0' || c > '9') && c != '_' && c != '-' && c != '+' {
				return false
			}
		}
	}
	return true
}

// ValidTimeZone reports whether s is a time zone the aggregate call takes:
// an IANA name (by form, see ValidZoneName) or a UTC offset (ParseOffset).
func ValidTimeZone(s string) bool {
	if _, ok := ParseOffset(s); ok {
		return true
	}
	return ValidZoneName(s)
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
