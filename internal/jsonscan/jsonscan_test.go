package jsonscan

import (
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSkip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		end  int // -1: syntax error, -2: ends early
		rest string
	}{
		{`{}`, 2, ""},
		{`  [] ,`, 4, " ,"},
		{`{"a":1,"b":[true,false,null,"x\"y",-0.5e+3,{}],"c":{"d":[]}}x`, 60, "x"},
		{`"a\u00e9\n"`, 11, ""},
		{`123`, 3, ""},
		{`-0`, 2, ""},
		{`1.5e-2]`, 6, "]"},
		{`[1,2]`, 5, ""},
		{`{"a":}`, -1, ""},
		{`{"a" 1}`, -1, ""},
		{`{a:1}`, -1, ""},
		{`[1,]`, -1, ""},
		{`[,1]`, -1, ""},
		{`{"a":1,}`, -1, ""},
		{`[1}`, -1, ""},
		{`{"a":1]`, -1, ""},
		{`[01]`, -1, ""},
		{`[1.]`, -1, ""},
		{`[1e]`, -1, ""},
		{`[.5]`, -1, ""},
		{`[tru]`, -1, ""},
		{`["a\x"]`, -1, ""},
		{`["a\u12G4"]`, -1, ""},
		{"[\"a\tb\"]", -1, ""},
		{`x`, -1, ""},
		{``, -2, ""},
		{`  `, -2, ""},
		{`{"a":[1,2`, -2, ""},
		{`{"a":"bc`, -2, ""},
		{`{"a":"bc\`, -2, ""},
		{`{"a":"\u00`, -2, ""},
		{`[tr`, -2, ""},
		{`[1`, -2, ""},
		{`[-`, -2, ""},
		{`[1.`, -2, ""},
		{`[1e+`, -2, ""},
		{`{"a"`, -2, ""},
		{`{"a":`, -2, ""},
	}
	for _, tt := range tests {
		end, err := Skip([]byte(tt.in), 0)
		switch tt.end {
		case -1:
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Errorf("Skip(%q) = %d, %v; want a syntax error", tt.in, end, err)
			}
		case -2:
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("Skip(%q) = %d, %v; want an early end", tt.in, end, err)
			}
		default:
			if err != nil || end != tt.end || tt.in[end:] != tt.rest {
				t.Errorf("Skip(%q) = %d, %v; want %d", tt.in, end, err, tt.end)
			}
		}
	}
}

func TestSkipDeepNesting(t *testing.T) {
	t.Parallel()
	in := strings.Repeat(`[{"a":`, 300) + "1" + strings.Repeat("}]", 300)
	end, err := Skip([]byte(in), 0)
	if err != nil || end != len(in) {
		t.Fatalf("Skip = %d, %v; want %d", end, err, len(in))
	}
	bad := strings.Repeat(`[{"a":`, 300) + "1" + strings.Repeat("}]", 150) + strings.Repeat("]}", 150)
	if _, err := Skip([]byte(bad), 0); err == nil {
		t.Fatal("mismatched brackets deep down accepted")
	}
}

func TestIndexQuoteOrBackslash(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "abc", `abcdefghijk"x`, `0123456789abcdef\n`, "héllo wörld, plain \"", "ascii then é", "12345678é", `"`} {
		i, ascii := IndexQuoteOrBackslash([]byte(s))
		want := strings.IndexAny(s, "\"\\")
		if want < 0 {
			want = len(s)
		}
		wantASCII := utf8.RuneCountInString(s[:want]) == want
		if i != want || ascii != wantASCII {
			t.Errorf("IndexQuoteOrBackslash(%q) = %d, %v; want %d, %v", s, i, ascii, want, wantASCII)
		}
	}
}

func TestStringEnd(t *testing.T) {
	t.Parallel()
	if _, err := StringEnd([]byte(`abc"`), 0); err == nil {
		t.Error("no opening quote accepted")
	}
	s := `"0123456789abcdef\"0123456789\\"tail`
	if end, err := StringEnd([]byte(s), 0); err != nil || s[end:] != "tail" {
		t.Errorf("StringEnd = %d, %v", end, err)
	}
	if _, err := StringEnd([]byte("\"0123456789\x01abc\""), 0); err == nil {
		t.Error("control character accepted")
	}
}

// checkAgainstStd compares Skip with encoding/json on data and on its
// prefixes.
func checkAgainstStd(t *testing.T, data []byte) {
	end, err := Skip(data, 0)
	valid := err == nil && SkipSpace(data, end) == len(data)
	if valid != json.Valid(data) {
		t.Fatalf("Skip(%q) = %d, %v; json.Valid = %v", data, end, err, json.Valid(data))
	}
	if err == nil {
		if !json.Valid(data[:end]) {
			t.Fatalf("Skip(%q) ends at %d, where the value is not valid", data, end)
		}
		// Every prefix that cuts the value short is an early end, unless the
		// prefix is a whole value itself (a shorter number).
		for k := range end {
			p := data[:k]
			_, perr := Skip(p, 0)
			if !errors.Is(perr, io.ErrUnexpectedEOF) && !json.Valid(p) {
				t.Fatalf("prefix %q of %q: %v", p, data, perr)
			}
		}
	}
}

func FuzzSkip(f *testing.F) {
	for _, s := range []string{`{"meta":{"a":1},"resources":[{"id":"x\u0041","n":-1.5e3,"t":true}],"errors":null}`,
		`[1,2,[3,{}]]`, `"\\\"\/\b\f\n\r\t"`, `-0.0e-0`, `{"a":"é\u00e9"}`, "[\"\xff\"]", `[01]`, `{"a":1,}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkAgainstStd(t, data)
		// Members accepts exactly the objects Skip accepts.
		mend, merr := Members(data, 0, func(k, v []byte) error { return nil })
		send, serr := Skip(data, 0)
		if p := SkipSpace(data, 0); p < len(data) && data[p] == '{' && (merr == nil) != (serr == nil) || merr == nil && mend != send {
			t.Fatalf("Members(%q) = %d, %v; Skip = %d, %v", data, mend, merr, send, serr)
		}
		i, ascii := IndexQuoteOrBackslash(data)
		want := len(data)
		for k, c := range data {
			if c == '"' || c == '\\' {
				want = k
				break
			}
		}
		wantASCII := true
		for _, c := range data[:want] {
			if c >= utf8.RuneSelf {
				wantASCII = false
			}
		}
		if i != want || ascii != wantASCII {
			t.Fatalf("IndexQuoteOrBackslash(%q) = %d, %v; want %d, %v", data, i, ascii, want, wantASCII)
		}
	})
}

func TestMembers(t *testing.T) {
	t.Parallel()
	type kv struct{ k, v string }
	var got []kv
	collect := func(k, v []byte) error {
		got = append(got, kv{string(k), string(v)})
		return nil
	}
	in := ` { "a" : 1 , "b\"c":{"x":[1,"]"]},"d":null} tail`
	end, err := Members([]byte(in), 0, collect)
	want := []kv{{`"a"`, `1`}, {`"b\"c"`, `{"x":[1,"]"]}`}, {`"d"`, `null`}}
	if err != nil || in[end:] != " tail" || len(got) != len(want) {
		t.Fatalf("Members = %d, %v, %q", end, err, got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("member %d = %q, want %q", i, got[i], want[i])
		}
	}
	got = nil
	if end, err := Members([]byte(`{}`), 0, collect); err != nil || end != 2 || len(got) != 0 {
		t.Errorf("empty object: %d, %v, %q", end, err, got)
	}
	stop := errors.New("stop")
	n := 0
	if _, err := Members([]byte(`{"a":1,"b":2}`), 0, func(k, v []byte) error { n++; return stop }); err != stop || n != 1 {
		t.Errorf("stop: %v after %d calls", err, n)
	}
	for _, bad := range []string{`[1]`, `{"a" 1}`, `{"a":1,}`, `{"a":1 "b":2}`, `{a:1}`, `{"a":tru}`} {
		var se *SyntaxError
		if _, err := Members([]byte(bad), 0, collect); !errors.As(err, &se) {
			t.Errorf("Members(%q) = %v; want a syntax error", bad, err)
		}
	}
	for _, short := range []string{``, `{`, `{"a"`, `{"a":`, `{"a":1`, `{"a":1,`, `{"a":[1,2`} {
		if _, err := Members([]byte(short), 0, collect); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("Members(%q) = %v; want an early end", short, err)
		}
	}
}

// Like encoding/json, Skip refuses arrays and objects nested deeper than
// MaxDepth, and Members counts the object it walks.
func TestSkipMaxDepth(t *testing.T) {
	t.Parallel()
	nest := func(n int) []byte {
		return []byte(strings.Repeat("[", n) + strings.Repeat("]", n))
	}
	for _, n := range []int{MaxDepth - 1, MaxDepth, MaxDepth + 1, 3 * MaxDepth} {
		in := nest(n)
		_, err := Skip(in, 0)
		wantErr := json.Unmarshal(in, new(any)) != nil
		if (err != nil) != wantErr {
			t.Errorf("Skip of %d nested arrays: %v; encoding/json refuses: %v", n, err, wantErr)
		}
		obj := append(append([]byte(`{"a":`), in...), '}')
		_, err = Members(obj, 0, func(_, _ []byte) error { return nil })
		wantErr = json.Unmarshal(obj, new(any)) != nil
		if (err != nil) != wantErr {
			t.Errorf("Members over %d nested arrays: %v; encoding/json refuses: %v", n, err, wantErr)
		}
	}
}
