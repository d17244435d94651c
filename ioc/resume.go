package ioc

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"encoding/json"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
)

// Limits on resume tokens.
const (
	// MaxResumeTokenLen is the longest resume token ListOptions.Resume
	// takes.
	MaxResumeTokenLen = 128 << 10

	maxTokenParts   = 4 * MaxParallel
	maxTokenSegs    = 1024
	maxTokenTypes   = planMaxTypes
	maxTokenTypeLen = 64
	maxCursorLen    = 8 << 10
	tokenPrefix     = "v1."
)

// ResumeError is the error an indicator iterator (IndicatorsService.All,
// AllIDs, IndicatorPaginator.All) yields when a walk fails part way: Token
// resumes it exactly where it stopped (ListOptions.Resume), sequential or
// parallel, yielding only what was not yielded yet. Err is the failure;
// errors.As finds in it a *pagination.PageError (wrapping the API's error)
// when a page request failed, a *falcon.DecodeError when a page could not
// be decoded, and errors.Is the context's error when the context ended.
type ResumeError struct {
	// Token is an opaque, versioned resume token: the partitions of the
	// walk and where each stopped. It holds no secret (no credential and no
	// indicator), only the API's cursors and the partition bounds.
	Token string
	// Err is the failure that stopped the walk.
	Err error
}

// Error returns the failure's message; the token is left out (it can be
// long), read it from Token.
func (e *ResumeError) Error() string {
	return "ioc: listing stopped (resume with ListOptions.Resume): " + errString(e.Err)
}

// Unwrap returns Err.
func (e *ResumeError) Unwrap() error { return e.Err }

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// walkState is where a walk stands: what the resume token holds.
type walkState struct {
	// Query is the fingerprint of the listing (filter, sort, from_parent):
	// a token resumes only the listing it came from.
	Query string `json:"q"`
	// Known are the types the plan saw (the rest partition takes the
	// others); empty for a sequential walk.
	Known []string    `json:"k,omitempty"`
	Parts []partState `json:"p"`
}

// partState is one partition and where its walk stands.
type partState struct {
	partition
	Cursor string `json:"c,omitempty"`
	Done   bool   `json:"d,omitempty"`
}

// fingerprint identifies the listing a token belongs to. The page size is
// left out: a walk may resume with another.
func (q *listQuery) fingerprint() string {
	h := fnv.New64a()
	h.Write([]byte(q.filter))
	h.Write([]byte{0})
	h.Write([]byte(q.sort))
	h.Write([]byte{0})
	if q.fromParent != nil {
		h.Write([]byte(strconv.FormatBool(*q.fromParent)))
	}
	return strconv.FormatUint(h.Sum64(), 36)
}

// token encodes st, or returns "" when every partition is done.
func (st *walkState) token() string {
	if st.done() {
		return ""
	}
	b, err := json.Marshal(st)
	if err != nil {
		return ""
	}
	return tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// done reports whether every partition of st is done.
func (st *walkState) done() bool {
	for _, p := range st.Parts {
		if !p.Done {
			return false
		}
	}
	return true
}

// decodeToken reads a resume token for the listing whose fingerprint is
// fp. Problems go to c, naming the field "resume"; the token itself is not
// quoted.
func decodeToken(c *checker, tok, fp string) *walkState {
	bad := func(msg string) *walkState {
		c.add(-1, "resume", "", msg)
		return nil
	}
	if len(tok) > MaxResumeTokenLen {
		return bad("resume token longer than " + strconv.Itoa(MaxResumeTokenLen) + " bytes")
	}
	body, ok := strings.CutPrefix(tok, tokenPrefix)
	if !ok {
		return bad("not a resume token of this version (want one from a *ioc.ResumeError or ResumeToken)")
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		return bad("resume token is damaged (bad encoding)")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var st walkState
	if err := dec.Decode(&st); err != nil || dec.More() {
		return bad("resume token is damaged (bad contents)")
	}
	if st.Query != fp {
		return bad("resume token belongs to another listing: Filter, Sort and FromParent must be those of the walk that stopped")
	}
	if msg := st.check(); msg != "" {
		return bad("resume token is damaged (" + msg + ")")
	}
	return &st
}

// check returns what is wrong with a decoded state, or "".
func (st *walkState) check() string {
	switch {
	case len(st.Parts) == 0 || len(st.Parts) > maxTokenParts:
		return "partition count"
	case len(st.Known) > maxTokenTypes:
		return "type count"
	}
	for _, t := range st.Known {
		if !goodType(t) {
			return "type name"
		}
	}
	segs, rest := 0, 0
	for _, p := range st.Parts {
		if len(p.Cursor) > maxCursorLen || !printable(p.Cursor) {
			return "cursor"
		}
		if p.Done && p.Cursor != "" {
			return "finished partition with a cursor"
		}
		if p.Rest {
			rest++
		}
		if len(p.Segs) == 0 && !p.Rest && len(st.Parts) > 1 {
			return "empty partition"
		}
		for _, s := range p.Segs {
			segs++
			if !goodType(s.Type) || s.From >= s.To {
				return "partition bounds"
			}
		}
	}
	switch {
	case segs > maxTokenSegs:
		return "segment count"
	case len(st.Parts) == 1 && len(st.Known) == 0 && len(st.Parts[0].Segs) == 0 && !st.Parts[0].Rest:
		return "" // a sequential walk
	case rest != 1:
		return "partitions do not cover the listing"
	}
	return st.checkCover()
}

// checkCover checks that, for every known type, the segments chain from
// noLow to noHigh with neither gap nor overlap, and that no segment names
// another type: then every indicator falls in exactly one partition.
func (st *walkState) checkCover() string {
	byType := make(map[string][]segment, len(st.Known))
	for _, t := range st.Known {
		if _, dup := byType[t]; dup {
			return "type listed twice"
		}
		byType[t] = nil
	}
	for _, p := range st.Parts {
		for _, s := range p.Segs {
			segs, ok := byType[s.Type]
			if !ok {
				return "partition of an unplanned type"
			}
			byType[s.Type] = append(segs, s)
		}
	}
	for _, segs := range byType {
		slices.SortFunc(segs, func(a, b segment) int { return cmp.Compare(a.From, b.From) })
		if len(segs) == 0 || segs[0].From != noLow || segs[len(segs)-1].To != noHigh {
			return "partitions do not cover the listing"
		}
		for i := 1; i < len(segs); i++ {
			if segs[i].From != segs[i-1].To {
				return "partitions overlap or leave a gap"
			}
		}
	}
	return ""
}

// goodType reports whether t can be a type name from the API.
func goodType(t string) bool {
	if t == "" || len(t) > maxTokenTypeLen {
		return false
	}
	for _, r := range t {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}

// printable reports whether s is printable ASCII, as API cursors are.
func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
