package ioc

import (
	"bytes"
	"encoding/json"
)

// Opt is a field of an update with explicit presence: the zero Opt leaves
// the field alone, Set(v) sends v (even a zero value such as false or ""),
// and Clear sends null, which clears the field on the server.
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

// MarshalJSON encodes the value, or null for a cleared field.
func (o Opt[T]) MarshalJSON() ([]byte, error) {
	if !o.set || o.null {
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
