package core

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"

	"github.com/falconioc/falcon/internal/jsonscan"
)

// RawDecoder is implemented by destinations that decode their part of the
// envelope themselves (falcon's meta and errors, the ioc package's
// indicator lists): they receive the part's bytes as they are in the body,
// without encoding/json scanning them again. The bytes have been checked to
// be one complete, valid JSON value other than null; they are only valid
// during the call, so a destination that keeps them copies them. Every
// other destination is given to encoding/json.
type RawDecoder interface {
	DecodeRaw(b []byte) error
}

// RawKeeper is implemented by resources destinations that keep the bytes
// past the call (the ioc package's lazily decoded pages). Rather than
// copying them, they take over the buffer the body was read into: b stays
// valid until they call release, once, which returns the buffer for reuse.
// A destination that never calls release leaves the buffer to the garbage
// collector. When the resources appear more than once in an envelope, only
// the last copy is kept.
type RawKeeper interface {
	KeepRaw(b []byte, release func()) error
}

// The parts of the envelope.
const (
	partMeta = iota
	partErrors
	partResources
)

// span is one envelope member that has a destination.
type span struct {
	part  int
	value []byte
}

// decodeEnvelope reads a 2xx body once into a pooled buffer, finds the
// envelope's meta, errors and resources in one scan (internal/jsonscan),
// and decodes each into its destination: a RawDecoder or RawKeeper gets the
// bytes as they are, any other destination goes through encoding/json.
// Nothing is decoded unless the whole envelope arrived. broken reports that
// the body could not be read to the end of the JSON value (connection lost
// or body truncated), as opposed to a body that is not the expected JSON.
func decodeEnvelope(resp *http.Response, env Envelope) (touched, broken bool, err error) {
	if resp.StatusCode == http.StatusNoContent || resp.ContentLength == 0 || resp.Body == nil {
		return false, false, nil
	}
	bp, rerr := readBody(resp.Body, resp.ContentLength)
	kept := false
	defer func() {
		if !kept {
			putBody(bp)
		}
	}()
	body := *bp

	var found [6]span
	spans, perr := scanEnvelope(body, env, found[:0])
	switch {
	case perr == nil:
		// A read error after the whole envelope arrived changes nothing.
	case rerr != nil:
		return false, true, rerr
	case errors.Is(perr, io.ErrUnexpectedEOF):
		return false, true, io.ErrUnexpectedEOF
	case perr == errEmpty:
		if len(body) == 0 {
			return false, false, nil // empty body of unknown length
		}
		return false, false, io.EOF
	default:
		return false, false, perr
	}
	keeper, _ := env.Resources.(RawKeeper)
	last := -1 // the last resources member, for a keeper
	for i, sp := range spans {
		if sp.part == partResources {
			last = i
		}
	}
	for i, sp := range spans {
		dst := env.dest(sp.part)
		v := sp.value
		touched = true
		var derr error
		switch raw, ok := dst.(RawDecoder); {
		case sp.part == partResources && keeper != nil:
			if i == last {
				kept = true
				derr = keeper.KeepRaw(v, func() { putBody(bp) })
			}
		case ok:
			derr = raw.DecodeRaw(v)
		default:
			derr = json.Unmarshal(v, dst)
		}
		if derr != nil && err == nil {
			err = derr
		}
	}
	return touched, false, err
}

// dest returns the destination of a part.
func (e Envelope) dest(part int) any {
	switch part {
	case partMeta:
		return e.Meta
	case partErrors:
		return e.Errors
	}
	return e.Resources
}

// errEmpty reports a body with nothing but white space.
var errEmpty = errors.New("empty body")

// scanEnvelope finds the members of the top-level object of body that have
// a destination (meta, errors, resources; matched as encoding/json matches
// field names) and are not null, appending them to spans in body order.
func scanEnvelope(body []byte, env Envelope, spans []span) ([]span, error) {
	pos := jsonscan.SkipSpace(body, 0)
	if pos == len(body) {
		return nil, errEmpty
	}
	if body[pos] != '{' {
		end, err := jsonscan.Skip(body, pos)
		if err != nil {
			return nil, err
		}
		if string(body[pos:end]) == "null" {
			return nil, nil // like encoding/json: nothing to decode
		}
		return nil, fmt.Errorf("json: cannot unmarshal %s into the response envelope", kindOf(body[pos]))
	}
	_, err := jsonscan.Members(body, pos, func(key, v []byte) error {
		part := envelopePart(key)
		if part >= 0 && env.dest(part) != nil && string(v) != "null" {
			spans = append(spans, span{part: part, value: v})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return spans, nil
}

// envelopePart names the envelope member of a quoted key, or -1.
func envelopePart(quoted []byte) int {
	key := quoted[1 : len(quoted)-1]
	if bytes.IndexByte(key, '\\') >= 0 {
		var s string
		if json.Unmarshal(quoted, &s) != nil {
			return -1
		}
		key = []byte(s)
	}
	switch string(key) {
	case "meta":
		return partMeta
	case "errors":
		return partErrors
	case "resources":
		return partResources
	}
	// encoding/json also matches names that differ only in case.
	for i, name := range [...]string{"meta", "errors", "resources"} {
		if bytes.EqualFold(key, []byte(name)) {
			return i
		}
	}
	return -1
}

func kindOf(c byte) string {
	switch c {
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "bool"
	}
	return "number"
}

// reset zeroes the destinations before a retry decodes into them again.
func (e Envelope) reset() {
	for _, p := range [...]any{e.Meta, e.Errors, e.Resources} {
		if p == nil {
			continue
		}
		if v := reflect.ValueOf(p); v.Kind() == reflect.Pointer && !v.IsNil() {
			v.Elem().SetZero()
		}
	}
}
