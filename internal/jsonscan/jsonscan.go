package jsonscan

import (
	"encoding/binary"
	"fmt"
	"io"
	"math/bits"
	"unicode/utf8"
)

// SyntaxError reports input that is not valid JSON.
type SyntaxError struct {
	// Offset is the byte offset in the data where the problem was found.
	Offset int
	msg    string
}

// Error returns a one-line description with the offset.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at byte %d: %s", e.Offset, e.msg)
}

// EndError reports input that ends in the middle of a JSON value. It
// matches io.ErrUnexpectedEOF with errors.Is.
type EndError struct {
	// Offset is the length of the data.
	Offset int
}

// Error returns a one-line description.
func (e *EndError) Error() string {
	return fmt.Sprintf("JSON input ends at byte %d in the middle of a value", e.Offset)
}

// Is reports whether target is io.ErrUnexpectedEOF.
func (e *EndError) Is(target error) bool { return target == io.ErrUnexpectedEOF }

func syntaxErr(off int, msg string) error { return &SyntaxError{Offset: off, msg: msg} }

func endErr(data []byte) error { return &EndError{Offset: len(data)} }

const (
	lo8 = 0x0101010101010101
	hi8 = 0x8080808080808080
)

// hasByte is non-zero when a byte of x equals b; its lowest set bit marks
// the first such byte exactly (bits above it may be false alarms).
func hasByte(x uint64, b byte) uint64 {
	y := x ^ (lo8 * uint64(b))
	return (y - lo8) &^ y & hi8
}

// hasLess is non-zero when a byte of x is below n (n <= 128), with the
// same exactness as hasByte.
func hasLess(x uint64, n byte) uint64 {
	return (x - lo8*uint64(n)) &^ x & hi8
}

// IndexQuoteOrBackslash returns the index of the first '"' or '\\' in b
// (len(b) when there is none) and whether every byte before it is ASCII.
// It reads eight bytes at a time, which is what makes it fast on the long
// plain strings of API answers.
func IndexQuoteOrBackslash(b []byte) (i int, ascii bool) {
	var high uint64
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		if m := hasByte(x, '"') | hasByte(x, '\\'); m != 0 {
			// The lowest marked byte is exact; the bytes before it are
			// neither quotes nor backslashes.
			n := bits.TrailingZeros64(m) / 8
			high |= x & (1<<(8*n) - 1)
			return i + n, high&hi8 == 0
		}
		high |= x
	}
	ascii = high&hi8 == 0
	for ; i < len(b); i++ {
		c := b[i]
		if c == '"' || c == '\\' {
			return i, ascii
		}
		if c >= utf8.RuneSelf {
			ascii = false
		}
	}
	return i, ascii
}

// StringEnd checks the JSON string whose opening quote is data[pos] and
// returns the offset just past its closing quote. Escapes must be valid
// and raw control characters are refused, as encoding/json does; the
// content is not otherwise decoded (invalid UTF-8 passes, as decoders
// replace it).
func StringEnd(data []byte, pos int) (int, error) {
	if pos >= len(data) || data[pos] != '"' {
		return pos, syntaxErr(pos, "expected a string")
	}
	i := pos + 1
	for {
		for ; i+8 <= len(data); i += 8 {
			x := binary.LittleEndian.Uint64(data[i:])
			if m := hasByte(x, '"') | hasByte(x, '\\') | hasLess(x, 0x20); m != 0 {
				i += bits.TrailingZeros64(m) / 8
				goto found
			}
		}
		for ; i < len(data); i++ {
			c := data[i]
			if c == '"' || c == '\\' || c < 0x20 {
				break
			}
		}
		if i >= len(data) {
			return i, endErr(data)
		}
	found:
		switch c := data[i]; {
		case c == '"':
			return i + 1, nil
		case c < 0x20:
			return i, syntaxErr(i, "control character in string")
		}
		// A backslash.
		if i+1 >= len(data) {
			return i, endErr(data)
		}
		switch data[i+1] {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			i += 2
		case 'u':
			for k := i + 2; k < i+6; k++ {
				if k >= len(data) {
					return k, endErr(data)
				}
				if !isHex(data[k]) {
					return k, syntaxErr(k, "bad \\u escape")
				}
			}
			i += 6
		default:
			return i, syntaxErr(i, "bad escape")
		}
	}
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// SkipSpace returns the offset of the first byte at or after pos that is
// not JSON white space (len(data) when there is none).
func SkipSpace(data []byte, pos int) int {
	for pos < len(data) {
		switch data[pos] {
		case ' ', '\t', '\n', '\r':
			pos++
		default:
			return pos
		}
	}
	return pos
}

// What the scanner expects next inside a container.
const (
	wantValue      = iota // a value (after '[' or ':' or ',' in an array)
	wantFirstValue        // a value or ']' (just after '[')
	wantKey               // a key (after ',' in an object)
	wantFirstKey          // a key or '}' (just after '{')
	wantColon             // ':' after a key
	wantMore              // ',' or the container's closing bracket
)

// Skip checks the JSON value that starts at data[pos] (after optional
// white space) and returns the offset just past it. Input that ends before
// the value does yields an *EndError (errors.Is io.ErrUnexpectedEOF);
// other invalid input a *SyntaxError. Strings are checked as StringEnd
// does, numbers and literals as the JSON grammar says, so a value Skip
// accepts is one encoding/json accepts.
func Skip(data []byte, pos int) (int, error) {
	return skip(data, pos, 0)
}

// MaxDepth is how deeply arrays and objects may nest, as in encoding/json:
// a value nested deeper is a *SyntaxError.
const MaxDepth = 10000

// skip is Skip for a value inside outer open containers.
func skip(data []byte, pos, outer int) (int, error) {
	// stack holds one bit per open container: 1 for an object.
	var stackWords [4]uint64
	stack := stackWords[:0]
	depth := 0
	push := func(obj bool) bool {
		if outer+depth >= MaxDepth {
			return false
		}
		w := depth / 64
		if w == len(stack) {
			stack = append(stack, 0)
		}
		if obj {
			stack[w] |= 1 << (depth % 64)
		} else {
			stack[w] &^= 1 << (depth % 64)
		}
		depth++
		return true
	}
	inObject := func() bool {
		d := depth - 1
		return stack[d/64]&(1<<(d%64)) != 0
	}

	state := wantValue
	for {
		if pos < len(data) && data[pos] <= ' ' {
			pos = SkipSpace(data, pos)
		}
		if pos >= len(data) {
			return pos, endErr(data)
		}
		c := data[pos]
		switch state {
		case wantFirstKey, wantKey:
			if c == '}' && state == wantFirstKey {
				pos++
				depth--
				goto closed
			}
			if c != '"' {
				return pos, syntaxErr(pos, "expected a key")
			}
			end, err := StringEnd(data, pos)
			if err != nil {
				return end, err
			}
			pos = end
			state = wantColon
			continue
		case wantColon:
			if c != ':' {
				return pos, syntaxErr(pos, "expected ':' after a key")
			}
			pos++
			state = wantValue
			continue
		case wantMore:
			switch {
			case c == ',':
				pos++
				if inObject() {
					state = wantKey
				} else {
					state = wantValue
				}
				continue
			case c == '}' && inObject(), c == ']' && !inObject():
				pos++
				depth--
				goto closed
			}
			return pos, syntaxErr(pos, "expected ',' or the end of the container")
		case wantFirstValue:
			if c == ']' {
				pos++
				depth--
				goto closed
			}
		}
		// A value.
		switch {
		case c == '{':
			if !push(true) {
				return pos, syntaxErr(pos, "exceeded max depth")
			}
			pos++
			state = wantFirstKey
			continue
		case c == '[':
			if !push(false) {
				return pos, syntaxErr(pos, "exceeded max depth")
			}
			pos++
			state = wantFirstValue
			continue
		case c == '"':
			end, err := StringEnd(data, pos)
			if err != nil {
				return end, err
			}
			pos = end
		case c == 't':
			end, err := literal(data, pos, "true")
			if err != nil {
				return end, err
			}
			pos = end
		case c == 'f':
			end, err := literal(data, pos, "false")
			if err != nil {
				return end, err
			}
			pos = end
		case c == 'n':
			end, err := literal(data, pos, "null")
			if err != nil {
				return end, err
			}
			pos = end
		case c == '-' || '0' <= c && c <= '9':
			end, err := number(data, pos, depth == 0)
			if err != nil {
				return end, err
			}
			pos = end
		default:
			return pos, syntaxErr(pos, "expected a value")
		}
	closed:
		if depth == 0 {
			return pos, nil
		}
		state = wantMore
	}
}

// literal checks that lit starts at data[pos].
func literal(data []byte, pos int, lit string) (int, error) {
	for k := 0; k < len(lit); k++ {
		if pos+k >= len(data) {
			return pos + k, endErr(data)
		}
		if data[pos+k] != lit[k] {
			return pos + k, syntaxErr(pos+k, "bad literal")
		}
	}
	return pos + len(lit), nil
}

// number checks the number that starts at data[pos]. A number that runs to
// the end of the data is complete only when it is the whole value (atTop):
// inside a container the data ended early.
func number(data []byte, pos int, atTop bool) (int, error) {
	i := pos
	end := func() (int, error) {
		if atTop {
			return i, nil
		}
		return i, endErr(data)
	}
	digitsFrom := func(i int) int {
		for i < len(data) && '0' <= data[i] && data[i] <= '9' {
			i++
		}
		return i
	}
	if data[i] == '-' {
		i++
		if i >= len(data) {
			return i, endErr(data)
		}
	}
	switch c := data[i]; {
	case c == '0':
		i++
	case '1' <= c && c <= '9':
		i = digitsFrom(i + 1)
	default:
		return i, syntaxErr(i, "bad number")
	}
	if i >= len(data) {
		return end()
	}
	if data[i] == '.' {
		i++
		if i >= len(data) {
			return i, endErr(data)
		}
		j := digitsFrom(i)
		if j == i {
			return i, syntaxErr(i, "bad number")
		}
		i = j
		if i >= len(data) {
			return end()
		}
	}
	if data[i] == 'e' || data[i] == 'E' {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if i >= len(data) {
			return i, endErr(data)
		}
		j := digitsFrom(i)
		if j == i {
			return i, syntaxErr(i, "bad number")
		}
		i = j
		if i >= len(data) {
			return end()
		}
	}
	return i, nil
}

// Members walks the JSON object that starts at data[pos] (after optional
// white space), calling fn with each member's key, still quoted and
// escaped, and its value, both checked as Skip checks them (the object
// counts towards MaxDepth). It stops at the
// first error fn returns and returns it; otherwise it returns the offset
// just past the object. A value that is not an object is a *SyntaxError.
func Members(data []byte, pos int, fn func(key, value []byte) error) (int, error) {
	pos = SkipSpace(data, pos)
	if pos >= len(data) {
		return pos, endErr(data)
	}
	if data[pos] != '{' {
		return pos, syntaxErr(pos, "expected an object")
	}
	pos = SkipSpace(data, pos+1)
	if pos < len(data) && data[pos] == '}' {
		return pos + 1, nil
	}
	for {
		if pos >= len(data) {
			return pos, endErr(data)
		}
		kend, err := StringEnd(data, pos)
		if err != nil {
			return kend, err
		}
		key := data[pos:kend]
		pos = SkipSpace(data, kend)
		if pos >= len(data) {
			return pos, endErr(data)
		}
		if data[pos] != ':' {
			return pos, syntaxErr(pos, "expected ':' after a key")
		}
		vstart := SkipSpace(data, pos+1)
		vend, err := skip(data, vstart, 1)
		if err != nil {
			return vend, err
		}
		if err := fn(key, data[vstart:vend]); err != nil {
			return vend, err
		}
		pos = SkipSpace(data, vend)
		if pos >= len(data) {
			return pos, endErr(data)
		}
		switch data[pos] {
		case ',':
			pos = SkipSpace(data, pos+1)
		case '}':
			return pos + 1, nil
		default:
			return pos, syntaxErr(pos, "expected ',' or '}'")
		}
	}
}
