// Package rfc3339 reads RFC 3339 timestamps without allocating, for the
// indicator decoder of package ioc and the FQL parser of package fql.
//
// [Parse] is strict: it reads the full date-time form that Falcon writes
// and RFC 3339 defines, and gives what time.Parse(time.RFC3339Nano, s)
// gives for it. [ParsePartial] reads the shorter forms FQL filters accept
// as well (a date alone, a time without seconds), always in UTC.
package rfc3339

import "time"

// text is what the readers take: decoders hold bytes, parsers strings.
type text interface{ ~string | ~[]byte }

// Parse reads a complete RFC 3339 date-time: YYYY-MM-DDThh:mm:ss, an
// optional fraction of one or more digits (digits past the ninth are
// dropped), then Z or an offset ±hh:mm. The result is what
// time.Parse(time.RFC3339Nano, s) returns, location included: UTC for Z,
// time.Local when the offset is the local one at that instant, otherwise a
// fixed zone. It reports false for anything else, including the forms
// time.Parse tolerates beyond RFC 3339 (a one-digit hour, a comma before
// the fraction, an offset of 24 hours or more) and a lower-case t or z.
func Parse[S text](s S) (time.Time, bool) {
	if len(s) < len("2006-01-02T15:04:05Z") || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	year, month, day, ok := date(s)
	hour, ok1 := num2(s, 11)
	minute, ok2 := num2(s, 14)
	sec, ok3 := num2(s, 17)
	if !ok || !ok1 || !ok2 || !ok3 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	i, nsec := 19, 0
	if s[i] == '.' {
		var n int
		if nsec, n = fraction(s, i+1); n == 0 {
			return time.Time{}, false
		}
		i += 1 + n
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	if i == len(s)-1 && s[i] == 'Z' {
		return t, true
	}
	off, ok := offset(s, i)
	if !ok {
		return time.Time{}, false
	}
	t = t.Add(-time.Duration(off) * time.Second)
	// As time.Parse does: the local zone when it has this offset then.
	if _, local := t.In(time.Local).Zone(); local == off {
		return t.In(time.Local), true
	}
	return t.In(time.FixedZone("", off)), true
}

// ParsePartial reads the timestamps FQL accepts: YYYY-MM-DD alone, or
// followed by Thh, then optionally :mm, then optionally :ss, then
// optionally a fraction of one to nine digits, and in any of these cases
// by an optional Z or ±hh:mm. What is missing is zero, and no zone means
// UTC. The result is in UTC.
func ParsePartial[S text](s S) (time.Time, bool) {
	if len(s) < len("2006-01-02") {
		return time.Time{}, false
	}
	year, month, day, ok := date(s)
	if !ok {
		return time.Time{}, false
	}
	if len(s) == len("2006-01-02") {
		return time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC), true
	}
	if s[10] != 'T' {
		return time.Time{}, false
	}
	hour, ok := num2(s, 11)
	if !ok || hour > 23 {
		return time.Time{}, false
	}
	var minute, sec, nsec int
	i := 13
	if i < len(s) && s[i] == ':' {
		if minute, ok = num2(s, i+1); !ok || minute > 59 {
			return time.Time{}, false
		}
		i += 3
		if i < len(s) && s[i] == ':' {
			if sec, ok = num2(s, i+1); !ok || sec > 59 {
				return time.Time{}, false
			}
			i += 3
			if i < len(s) && s[i] == '.' {
				var n int
				if nsec, n = fraction(s, i+1); n < 1 || n > 9 {
					return time.Time{}, false
				}
				i += 1 + n
			}
		}
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	switch {
	case i == len(s):
		return t, true
	case i == len(s)-1 && s[i] == 'Z':
		return t, true
	}
	off, ok := offset(s, i)
	if !ok {
		return time.Time{}, false
	}
	return t.Add(-time.Duration(off) * time.Second), true
}

// date reads YYYY-MM-DD from the first ten bytes of s (len(s) >= 10).
func date[S text](s S) (year, month, day int, ok bool) {
	if s[4] != '-' || s[7] != '-' {
		return 0, 0, 0, false
	}
	hi, ok1 := num2(s, 0)
	lo, ok2 := num2(s, 2)
	month, ok3 := num2(s, 5)
	day, ok4 := num2(s, 8)
	year = hi*100 + lo
	if !ok1 || !ok2 || !ok3 || !ok4 || month < 1 || month > 12 || day < 1 || day > daysIn(month, year) {
		return 0, 0, 0, false
	}
	return year, month, day, true
}

// num2 reads the two decimal digits at s[i:i+2].
func num2[S text](s S, i int) (int, bool) {
	if i+2 > len(s) {
		return 0, false
	}
	a, b := s[i]-'0', s[i+1]-'0'
	if a > 9 || b > 9 {
		return 0, false
	}
	return int(a)*10 + int(b), true
}

// fraction reads the run of digits at s[i:] as a fraction of a second,
// keeping the first nine, and returns the nanoseconds and the run's length.
func fraction[S text](s S, i int) (nsec, n int) {
	for ; i+n < len(s); n++ {
		c := s[i+n] - '0'
		if c > 9 {
			break
		}
		if n < 9 {
			nsec = nsec*10 + int(c)
		}
	}
	for k := n; k < 9; k++ {
		nsec *= 10
	}
	return nsec, n
}

// offset reads ±hh:mm, which must be all of s[i:], as seconds east of UTC.
func offset[S text](s S, i int) (int, bool) {
	if len(s)-i != len("-07:00") || (s[i] != '+' && s[i] != '-') || s[i+3] != ':' {
		return 0, false
	}
	h, ok1 := num2(s, i+1)
	m, ok2 := num2(s, i+4)
	if !ok1 || !ok2 || h > 23 || m > 59 {
		return 0, false
	}
	off := (h*60 + m) * 60
	if s[i] == '-' {
		off = -off
	}
	return off, true
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
