package ioc

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
)

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
