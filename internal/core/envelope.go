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

// Raw is one part of a 2xx body (its meta, errors or resources) as it is in
// the body, handed to the SDK's own fast decoders. Its type lives in this
// internal package, so only the SDK's packages can write the methods that
// take it: a type of a user of falcon.Client.Do can never receive one,
// whatever methods it has.
type Raw struct {
	// Bytes holds the part: one complete, valid JSON value other than
	// null. It is part of a pooled buffer: a decoder may read it during
	// the call only; a keeper until it calls Release.
	Bytes []byte
	// Offset is where Bytes starts in the body, for error reports.
	Offset int64

	release func()
}

// Release gives the buffer holding Bytes back for reuse. A keeper calls it
// once, when it no longer reads Bytes; it does nothing for a decoder.
func (r Raw) Release() {
	if r.release != nil {
		r.release()
	}
}

// rawDecoder is implemented by destinations that decode their part of the
// envelope themselves (falcon's meta and errors, the ioc package's
// indicator lists), without encoding/json scanning it again. Every other
// destination is given to encoding/json.
type rawDecoder interface {
	DecodeRaw(r Raw) error
}

// rawKeeper is implemented by resources destinations that keep the bytes
// past the call (the ioc package's lazily decoded pages). Rather than
// copying them, they take over the buffer the body was read into, until
// they call r.Release. A keeper that never does leaves the buffer to the
// garbage collector. When the resources appear more than once in an
// envelope, only the last copy is kept, as encoding/json keeps the last.
type rawKeeper interface {
	KeepRaw(r Raw) error
}

// FastPath reports whether Do hands dst its part as a Raw, and how (for
// the tests of the packages that implement the methods).
func FastPath(dst any) (decoder, keeper bool) {
	_, decoder = dst.(rawDecoder)
	_, keeper = dst.(rawKeeper)
	return decoder, keeper
}

// DecodeError reports a 2xx body that is not the JSON envelope expected:
// malformed or nested too deep (wrapping a *json.SyntaxError), not an
// object, or holding a value its destination cannot take (wrapping a
// *json.UnmarshalTypeError, where encoding/json or a fast decoder says so).
type DecodeError struct {
	Method string
	Path   string
	// Offset is the byte offset in the body at which decoding failed.
	Offset int64
	// Err is what went wrong. Offsets inside it count from the start of
	// the envelope part that was being decoded.
	Err error
}

// Error returns a one-line summary.
func (e *DecodeError) Error() string {
	return fmt.Sprintf("falcon: %s %s: decoding response at byte %d: %s", e.Method, e.Path, e.Offset, oneLine(e.Err.Error()))
}

// Unwrap returns the underlying error.
func (e *DecodeError) Unwrap() error { return e.Err }

// BodyTooLargeError reports a 2xx body longer than the client's limit.
// Reading stopped there: nothing was decoded.
type BodyTooLargeError struct {
	Method string
	Path   string
	// Limit is the most bytes a body may hold (after decompression).
	Limit int64
	// ContentLength is the length the answer announced, -1 if none.
	ContentLength int64
}

// Error returns a one-line summary naming the limit.
func (e *BodyTooLargeError) Error() string {
	return fmt.Sprintf("falcon: %s %s: response body larger than the limit of %d bytes", e.Method, e.Path, e.Limit)
}

// errTooLarge is what readBody returns past the limit; decodeEnvelope
// turns it into a *BodyTooLargeError.
var errTooLarge = errors.New("body too large")

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
	off   int
}

// decodeEnvelope reads a 2xx body once, at most limit bytes, into a pooled
// buffer, finds the envelope's meta, errors and resources in one scan
// (internal/jsonscan), and decodes each into its destination: a rawDecoder
// or rawKeeper gets the bytes as they are, any other destination goes
// through encoding/json. Nothing is decoded unless the whole envelope
// arrived. broken reports that the body could not be read to the end of
// the JSON value (connection lost or body truncated), as opposed to a body
// that is not the expected JSON (a *DecodeError) or is too long (a
// *BodyTooLargeError).
func decodeEnvelope(resp *http.Response, env Envelope, limit int64) (touched, broken bool, err error) {
	if resp.StatusCode == http.StatusNoContent || resp.ContentLength == 0 || resp.Body == nil {
		return false, false, nil
	}
	if resp.ContentLength > limit {
		return false, false, &BodyTooLargeError{Limit: limit, ContentLength: resp.ContentLength}
	}
	var ms *metaScan
	if w, ok := env.Resources.(metaWatcher); ok {
		ms = &metaScan{w: w}
	}
	bp, rerr := readBody(resp.Body, resp.ContentLength, limit, ms)
	kept := false
	defer func() {
		if !kept {
			putBody(bp)
		}
	}()
	if rerr == errTooLarge {
		return false, false, &BodyTooLargeError{Limit: limit, ContentLength: resp.ContentLength}
	}
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
	case perr == errEmpty && len(body) == 0:
		return false, false, nil // empty body of unknown length
	default:
		return false, false, perr
	}
	keeper, _ := env.Resources.(rawKeeper)
	last := -1 // the last resources member, for a keeper
	for i, sp := range spans {
		if sp.part == partResources {
			last = i
		}
	}
	for i, sp := range spans {
		dst := env.dest(sp.part)
		raw := Raw{Bytes: sp.value, Offset: int64(sp.off)}
		touched = true
		var derr error
		switch dec, ok := dst.(rawDecoder); {
		case sp.part == partResources && keeper != nil:
			if i == last {
				kept = true
				raw.release = func() { putBody(bp) }
				derr = keeper.KeepRaw(raw)
			}
		case ok:
			derr = dec.DecodeRaw(raw)
		default:
			derr = json.Unmarshal(sp.value, dst)
		}
		if derr != nil && err == nil {
			rel, _ := ErrOffset(derr)
			err = &DecodeError{Offset: int64(sp.off) + rel, Err: derr}
		}
	}
	return touched, false, err
}

// ErrOffset returns the byte offset that a *json.SyntaxError or
// *json.UnmarshalTypeError in err's tree names.
func ErrOffset(err error) (int64, bool) {
	if e, ok := errors.AsType[*json.SyntaxError](err); ok {
		return e.Offset, true
	}
	if e, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		return e.Offset, true
	}
	return 0, false
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

// envelopeType is what an envelope decodes as, for errors about a body
// that is not an object.
var envelopeType = reflect.TypeFor[map[string]any]()

// scanEnvelope finds the members of the top-level object of body that have
// a destination (meta, errors, resources; matched as encoding/json matches
// field names) and are not null, appending them to spans in body order. As
// with json.Unmarshal, only white space may follow the top-level value.
// Input that ends early yields an error matching io.ErrUnexpectedEOF, and
// any other failure a *DecodeError.
func scanEnvelope(body []byte, env Envelope, spans []span) ([]span, error) {
	pos := jsonscan.SkipSpace(body, 0)
	if pos == len(body) {
		if len(body) == 0 {
			return nil, errEmpty
		}
		return nil, syntaxError(body, pos)
	}
	var end int
	var err error
	if body[pos] != '{' {
		end, err = jsonscan.Skip(body, pos)
	} else {
		end, err = jsonscan.Members(body, pos, func(key, v []byte) error {
			part := envelopePart(key)
			if part >= 0 && env.dest(part) != nil && string(v) != "null" {
				// v is part of body: where it starts follows from its capacity.
				spans = append(spans, span{part: part, value: v, off: cap(body) - cap(v)})
			}
			return nil
		})
	}
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, err
		}
		return nil, syntaxError(body, end)
	}
	if rest := jsonscan.SkipSpace(body, end); rest < len(body) {
		return nil, syntaxError(body, rest)
	}
	switch {
	case body[pos] == '{':
		return spans, nil
	case string(body[pos:end]) == "null":
		return nil, nil // like encoding/json: nothing to decode
	}
	return nil, &DecodeError{Offset: int64(pos), Err: &json.UnmarshalTypeError{Value: kindOf(body[pos]), Type: envelopeType, Offset: int64(end)}}
}

// syntaxError reports malformed JSON with the error encoding/json gives
// for it (a *json.SyntaxError), found at byte off by the scan.
func syntaxError(body []byte, off int) error {
	var v struct{}
	err := json.Unmarshal(body, &v)
	if _, ok := errors.AsType[*json.SyntaxError](err); !ok {
		// Not expected: the scan refuses what encoding/json refuses.
		err = fmt.Errorf("invalid JSON at byte %d", off)
	}
	o, ok := ErrOffset(err)
	if !ok {
		o = int64(off)
	}
	return &DecodeError{Offset: o, Err: err}
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
