package ioc

import (
	"bytes"
	"encoding/json"
	"errors"
)

// Opt is a field of an update with explicit presence: the zero Opt leaves
// the field alone, Set(v) sends v (even a zero value such as false or ""),
// and Clear sends null, which clears the field on the server.
//
// A left-alone Opt must be left out of the JSON: encoding/json does so for
// fields tagged omitzero, as every Opt field of this package is. An encoder
// that ignores omitzero gets an error from MarshalJSON instead of a null,
// which would clear the field.
type Opt[T any] struct {
	value T
	set   bool
	null  bool
}

// Set returns an Opt that sends v.
func Set[T any](v T) Opt[T] { return Opt[T]{value: v, set: true} }

// Clear returns an Opt that sends null, clearing the field.
func Clear[T any]() Opt[T] { return Opt[T]{set: true, null: true} }

// IsZero reports whether the field is left alone. encoding/json's omitzero
// uses it to leave the field out of the request.
func (o Opt[T]) IsZero() bool { return !o.set }

// IsSet reports whether the field is sent (set or cleared).
func (o Opt[T]) IsSet() bool { return o.set }

// IsNull reports whether the field is sent as null.
func (o Opt[T]) IsNull() bool { return o.set && o.null }

// Get returns the value and whether one is set (false for a left-alone or
// cleared field).
func (o Opt[T]) Get() (T, bool) { return o.value, o.set && !o.null }

// errLeftAlone is MarshalJSON's error for a left-alone Opt.
var errLeftAlone = errors.New("ioc: a left-alone Opt cannot be encoded (it would clear the field): tag the field omitzero")

// MarshalJSON encodes the value, or null for a cleared field. It fails for
// a left-alone field, which must be omitted (omitzero) rather than sent.
func (o Opt[T]) MarshalJSON() ([]byte, error) {
	switch {
	case !o.set:
		return nil, errLeftAlone
	case o.null:
		return []byte("null"), nil
	}
	return json.Marshal(o.value)
}

// UnmarshalJSON decodes null as Clear and anything else as Set.
func (o *Opt[T]) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		*o = Clear[T]()
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*o = Set(v)
	return nil
}

// copyBool returns a copy of *b, so that options read at call time do not
// change when the caller's variable does; nil stays nil.
func copyBool(b *bool) *bool {
	if b == nil {
		return nil
	}
	v := *b
	return &v
}
