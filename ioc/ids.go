package ioc

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strconv"

	"github.com/falconioc/falcon/pagination"
)

// ErrOffsetIgnored reports that an offset walk (the catalog and "ran on"
// All iterators, and the indicator iterators with ListOptions.Offset)
// received the same page at a new offset, as from a server that ignores
// the offset: the walk stops rather than loop. It arrives wrapped in a
// *pagination.PageError naming the offset.
var ErrOffsetIgnored = errors.New("ioc: the API answered the same page at the next offset (it ignores the offset)")

// ErrCursorIgnored reports that a cursor walk (the indicator iterators and
// IndicatorPaginator, sequential or parallel, and the legacy "ran on" All
// iterators) received, at a cursor the API had just handed out, the same
// page as at the cursor before, as from a server that ignores the cursor
// but makes up a new one each time: the walk stops rather than loop. It
// arrives wrapped in a *pagination.PageError naming the cursor of the
// repeated page (and, from the indicator iterators, in a *ResumeError).
var ErrCursorIgnored = errors.New("ioc: the API answered the same page at a new cursor (it ignores the cursor)")

// samePage is the option that stops a cursor walk of items with ids (id
// gives one) on a page that repeats the one before (ErrCursorIgnored).
func samePage[T any](id func(T) string) pagination.Option {
	return repeatedPage(id, ErrCursorIgnored)
}

// repeatedPage is the option that stops a cursor or string-offset walk of
// items with ids (id gives one) with err on a page that repeats the one
// before. A page is known by its length and its first and last ids: the
// pages of one walk never share an id.
func repeatedPage[T any](id func(T) string, err error) pagination.Option {
	return pagination.WithSamePage(func(items []T) string {
		return strconv.Itoa(len(items)) + " " + id(items[0]) + " " + id(items[len(items)-1])
	}, err)
}

func sameString(s string) string { return s }

// repeatGuard remembers the ids of the last page of one offset walk.
type repeatGuard struct{ prev []string }

// repeats reports whether a page of n items, whose ids id gives, is not
// empty and holds the ids of the page before, in order; it then remembers
// this page.
func (g *repeatGuard) repeats(n int, id func(i int) string) bool {
	same := n > 0 && n == len(g.prev)
	for i := 0; same && i < n; i++ {
		same = id(i) == g.prev[i]
	}
	if !same {
		g.prev = g.prev[:0]
		for i := range n {
			g.prev = append(g.prev, id(i))
		}
	}
	return same
}

// idList is the resources of an answer that lists ids or catalog names.
// Like a []string for encoding/json, it refuses any element that is not a
// string, and a null too (encoding/json would leave it ""), with a
// *json.UnmarshalTypeError, which the client reports as a
// *falcon.DecodeError.
type idList[T ~string] []T

// UnmarshalJSON implements json.Unmarshaler.
func (l *idList[T]) UnmarshalJSON(b []byte) error {
	if err := json.Unmarshal(b, (*[]T)(l)); err != nil {
		return err
	}
	if !slices.Contains(*l, "") {
		return nil
	}
	// An empty element may have been a null: look again, element by
	// element (rare, so the common path stays encoding/json's).
	dec := json.NewDecoder(bytes.NewReader(b))
	if _, err := dec.Token(); err != nil {
		return err
	}
	for i := 0; dec.More(); i++ {
		off := dec.InputOffset()
		var v *string
		if err := dec.Decode(&v); err != nil {
			return err
		}
		if v == nil {
			return &json.UnmarshalTypeError{Value: "null", Type: reflect.TypeFor[T](), Offset: off, Field: "[" + strconv.Itoa(i) + "]"}
		}
	}
	return nil
}

// entityList is the resources of a look-up by id (actions, processes),
// of an aggregation or of a device count: a null among them is refused
// with a *json.UnmarshalTypeError, as in a list of indicators, rather than
// left as a nil entry that would only show as a missing id, or (decoded
// into values) as a zero-value result.
type entityList[T any] []*T

// UnmarshalJSON implements json.Unmarshaler.
func (l *entityList[T]) UnmarshalJSON(b []byte) error {
	if err := json.Unmarshal(b, (*[]*T)(l)); err != nil {
		return err
	}
	i := slices.Index(*l, nil)
	if i < 0 {
		return nil
	}
	return &json.UnmarshalTypeError{Value: "null", Type: reflect.TypeFor[T](), Offset: elementOffset(b, i), Field: "[" + strconv.Itoa(i) + "]"}
}

// elementOffset returns the offset of the end of element i of the JSON
// array b (as encoding/json counts offsets in errors), or 0.
func elementOffset(b []byte, i int) int64 {
	dec := json.NewDecoder(bytes.NewReader(b))
	if _, err := dec.Token(); err != nil {
		return 0
	}
	for k := 0; k <= i && dec.More(); k++ {
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return 0
		}
	}
	return dec.InputOffset()
}
