package ioc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"net/http"
	"reflect"
	"strconv"
	"sync"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/falconioc/falcon"
	"github.com/falconioc/falcon/internal/core"
	"github.com/falconioc/falcon/internal/jsonscan"
	"github.com/falconioc/falcon/internal/rfc3339"
)

// This file holds a hand-written decoder for arrays of api.IndicatorV1, the
// hot path of every listing: pages of up to 2,000 indicators. It produces
// what encoding/json would produce for []*Indicator (the decoder tests
// compare the two), at a fraction of the cost:
//
//   - no reflection and no field-name folding: keys are matched by a switch;
//   - the strings that repeat across indicators (type, action, severity,
//     platforms, tags, host groups, authors, sources) come from constants
//     or from a per-page table, so they are allocated once per page at most;
//   - the other strings of one indicator (id, value, description, metadata)
//     share a single allocation;
//   - timestamps are read by internal/rfc3339, with time.Parse only for the
//     forms it tolerates beyond RFC 3339 (as encoding/json does).
//
// Each indicator is its own allocation (it never pins the rest of its page),
// so keeping a few indicators of a long listing keeps only those.
//
// It refuses what encoding/json refuses (a value of the wrong type for its
// field, a number with a fraction or out of range for an integer), with a
// *json.UnmarshalTypeError as encoding/json does, with two deliberate
// differences: a null in the list is refused (encoding/json would make it a
// nil *Indicator), and an empty string in a timestamp field means no time
// (encoding/json would refuse it). A field the decoder does not know is
// skipped, as encoding/json skips unknown fields: TestDecoderKnowsEveryField
// fails when a field of Indicator or Metadata is missing here.
//
// The decoder is lenient about syntax only where the input has already been
// validated: it runs inside UnmarshalJSON, which the standard decoder calls
// with one complete, well-formed JSON value, or inside DecodeRaw, which
// falcon.Client.Do calls (through internal/core) with the resources of an
// answer once internal/jsonscan has checked them. The latter is the fast
// path: the body is scanned once, and the resources reach the decoder
// without encoding/json looking at them.

// indicatorList decodes a JSON array of indicators with the fast decoder.
type indicatorList []*Indicator

// UnmarshalJSON implements json.Unmarshaler.
func (l *indicatorList) UnmarshalJSON(b []byte) error {
	return l.decode(b)
}

// DecodeRaw decodes the resources of an answer, which internal/core has
// checked to be valid JSON (core's raw decoder). When the resources appear
// more than once in an answer, the last copy wins, as with encoding/json.
func (l *indicatorList) DecodeRaw(r core.Raw) error {
	return l.decode(r.Bytes)
}

func (l *indicatorList) decode(b []byte) error {
	d := getDecoder(b)
	defer putDecoder(d)
	out, err := d.array(nil, nil)
	if err != nil {
		return err
	}
	*l = out
	return nil
}

// rawPage keeps the encoded resources of a page, so that decoding can wait
// until the page's consumer gets to it while the next page is fetched. It
// is never handed to callers: the indicators it decodes own their memory.
type rawPage struct {
	raw   core.Raw // Bytes nil when there is nothing to decode
	empty bool

	// Where the page came from, for a *falcon.DecodeError.
	path    string
	status  int
	traceID string

	// announce, when set, receives the next page's cursor as soon as the
	// answer's meta has arrived, before its indicators.
	announce func(next string)
}

// WatchMeta reads the next page's cursor from the meta of an answer whose
// indicators are still arriving, and announces it (core's meta watcher).
func (p *rawPage) WatchMeta(r core.Raw) { announceAfter(r, p.announce) }

// announceAfter passes the "after" cursor of the meta object r to
// announce, if there is one.
func announceAfter(r core.Raw, announce func(next string)) {
	if announce == nil {
		return
	}
	var m struct {
		Pagination struct {
			After string `json:"after"`
		} `json:"pagination"`
	}
	if json.Unmarshal(r.Bytes, &m) == nil && m.Pagination.After != "" {
		announce(m.Pagination.After)
	}
}

// announcedList is an indicatorList that announces the next page's
// cursor as soon as the answer's meta has arrived, before its indicators.
type announcedList struct {
	list     indicatorList
	announce func(next string)
}

// UnmarshalJSON implements json.Unmarshaler.
func (l *announcedList) UnmarshalJSON(b []byte) error { return l.list.UnmarshalJSON(b) }

// DecodeRaw decodes the resources of an answer (core's raw decoder).
func (l *announcedList) DecodeRaw(r core.Raw) error { return l.list.DecodeRaw(r) }

// WatchMeta announces the cursor of the page after this one (core's meta
// watcher).
func (l *announcedList) WatchMeta(r core.Raw) { announceAfter(r, l.announce) }

// idPage is a page of indicator ids that announces the next page's cursor
// as soon as the answer's meta has arrived.
type idPage struct {
	ids      idList[string]
	announce func(next string)
}

// UnmarshalJSON implements json.Unmarshaler (a null id is refused, as by
// idList).
func (p *idPage) UnmarshalJSON(b []byte) error { return p.ids.UnmarshalJSON(b) }

// WatchMeta announces the cursor of the page after this one (core's meta
// watcher).
func (p *idPage) WatchMeta(r core.Raw) { announceAfter(r, p.announce) }

// UnmarshalJSON implements json.Unmarshaler by keeping a copy of b.
func (p *rawPage) UnmarshalJSON(b []byte) error {
	return p.KeepRaw(core.Raw{Bytes: bytes.Clone(b)})
}

// KeepRaw takes the resources of an answer, which internal/core has
// checked to be valid JSON, in the answer's own buffer: nothing is copied,
// and the buffer goes back for reuse once the page is decoded (core's raw
// keeper).
func (p *rawPage) KeepRaw(r core.Raw) error {
	p.release()
	p.raw = r
	t := bytes.TrimSpace(r.Bytes)
	p.empty = bytes.Equal(t, []byte("null")) || (len(t) >= 2 && t[0] == '[' && len(bytes.TrimSpace(t[1:len(t)-1])) == 0)
	return nil
}

// from records the answer the page came in.
func (p *rawPage) from(path string, resp *falcon.Response) {
	p.path, p.status, p.traceID = path, resp.StatusCode, resp.Meta.TraceID
}

// decode decodes the page's indicators and releases its buffer. A failure
// is a *falcon.DecodeError, as if Client.Do had decoded the page.
func (p *rawPage) decode() ([]*Indicator, error) {
	if p.raw.Bytes == nil {
		return nil, nil
	}
	d := getDecoder(p.raw.Bytes)
	out, err := d.array(nil, nil)
	putDecoder(d)
	base := p.raw.Offset
	p.release()
	if err != nil {
		rel, _ := core.ErrOffset(err)
		return nil, &falcon.DecodeError{Method: http.MethodGet, Path: p.path, StatusCode: p.status,
			TraceID: p.traceID, Offset: base + rel, Err: err}
	}
	return out, nil
}

// rawKeySeed seeds the hashes of rawKey.
var rawKeySeed = maphash.MakeSeed()

// rawKey is the pagination.WithSamePage key of a page of raw indicators:
// the length and a hash of their encoding (their ids are not known before
// the page is decoded). A page that repeats the one before byte for byte
// has the same key.
func rawKey(raws []*rawPage) string {
	var h maphash.Hash
	h.SetSeed(rawKeySeed)
	n := 0
	for _, r := range raws {
		n += len(r.raw.Bytes)
		h.Write(r.raw.Bytes)
	}
	return strconv.Itoa(n) + " " + strconv.FormatUint(h.Sum64(), 36)
}

// release drops the page's bytes, giving their buffer back for reuse.
func (p *rawPage) release() {
	r := p.raw
	p.raw = core.Raw{}
	r.Release()
}

// rowInfo is what a write answer adds to an indicator row: whether the row
// failed or carries a warning, and why.
type rowInfo struct {
	MessageType string
	FieldName   string
	Message     string
	Code        int
}

// writeRows decodes the resources of a write answer: indicator rows, each
// possibly with message_type, field_name and message.
type writeRows struct {
	inds  []*Indicator
	infos []rowInfo
}

// UnmarshalJSON implements json.Unmarshaler.
func (w *writeRows) UnmarshalJSON(b []byte) error {
	return w.decode(b)
}

// DecodeRaw decodes the resources of a write answer, which internal/core
// has checked to be valid JSON (core's raw decoder).
func (w *writeRows) DecodeRaw(r core.Raw) error {
	return w.decode(r.Bytes)
}

func (w *writeRows) decode(b []byte) error {
	d := getDecoder(b)
	defer putDecoder(d)
	var infos []rowInfo
	out, err := d.array(nil, &infos)
	if err != nil {
		return err
	}
	w.inds, w.infos = out, infos
	return nil
}

// decoder is the state of one decoding run.
type decoder struct {
	data []byte
	pos  int

	tmp    []byte            // unescaped string bytes
	pack   []byte            // strings of the current indicator, allocated together
	refs   []packRef         // where each packed string goes
	strs   []string          // tags and host groups of the current indicator
	lists  []listRef         // where each list goes
	intern map[string]string // repeated strings of this page
	few    []string          // the same for small inputs, searched in order
	small  bool              // the input is small: use few, not intern
}

type packRef struct {
	dst        *string
	start, end int
}

// listRef places one list; start -1 stands for null.
type listRef struct {
	dst        *[]string
	start, end int
}

// maxIntern bounds the per-page table of repeated strings, and maxInternLen
// the strings that go into it. Inputs of up to smallInput bytes (a few
// indicators, such as the answer of a one-id Get) keep at most maxFew
// repeated strings in a list instead: a map costs more than it saves there.
const (
	maxIntern    = 4096
	maxInternLen = 96
	smallInput   = 16 << 10
	maxFew       = 16
)

var decoderPool = sync.Pool{New: func() any { return new(decoder) }}

func getDecoder(b []byte) *decoder {
	d := decoderPool.Get().(*decoder)
	d.data, d.pos = b, 0
	d.small = len(b) <= smallInput
	if !d.small && d.intern == nil {
		d.intern = make(map[string]string, 64)
	}
	return d
}

func putDecoder(d *decoder) {
	d.data = nil
	clear(d.refs)
	d.refs = d.refs[:0]
	clear(d.strs)
	d.strs = d.strs[:0]
	clear(d.lists)
	d.lists = d.lists[:0]
	d.pack = d.pack[:0]
	d.tmp = d.tmp[:0]
	// Strings of one page are not kept for the next. Clearing a map costs
	// as much as the largest it has been, so a table grown by a big page is
	// dropped rather than cleared.
	switch n := len(d.intern); {
	case n > 256:
		d.intern = make(map[string]string, 64)
	case n > 0:
		clear(d.intern)
	}
	clear(d.few)
	d.few = d.few[:0]
	if cap(d.tmp) > 1<<20 {
		d.tmp = nil
	}
	decoderPool.Put(d)
}

// errSyntax reports input the decoder cannot read. It never reaches users:
// Client.Do and encoding/json check the syntax before the decoder runs.
var errSyntax = errors.New("malformed JSON")

func (d *decoder) fail(what string) error {
	return fmt.Errorf("ioc: decoding indicators at byte %d: %s: %w", d.pos, what, errSyntax)
}

// The Go types the decoder fills, for errors about values of another kind.
var (
	typeIndicators = reflect.TypeFor[[]*Indicator]()
	typeIndicator  = reflect.TypeFor[Indicator]()
	typeMetadata   = reflect.TypeFor[Metadata]()
	typeString     = reflect.TypeFor[string]()
	typeStrings    = reflect.TypeFor[[]string]()
	typePlatforms  = reflect.TypeFor[[]Platform]()
	typeBool       = reflect.TypeFor[bool]()
	typeInt64      = reflect.TypeFor[int64]()
	typeTime       = reflect.TypeFor[time.Time]()
)

// typeErr reports the value at d.pos as one of the wrong kind for t, with
// the error encoding/json gives, and moves past it.
func (d *decoder) typeErr(t reflect.Type) error {
	d.ws()
	start := d.pos
	end, err := jsonscan.Skip(d.data, start)
	if err != nil {
		d.pos = end
		return d.fail("bad value")
	}
	d.pos = end
	var kind string
	switch d.data[start] {
	case '"':
		kind = "string"
	case '{':
		kind = "object"
	case '[':
		kind = "array"
	case 't', 'f':
		kind = "bool"
	case 'n':
		kind = "null"
	default:
		kind = "number " + string(d.data[start:end])
	}
	return &json.UnmarshalTypeError{Value: kind, Type: t, Offset: int64(end)}
}

// inField names the field of a type error that has none yet.
func inField(err error, structName, field string) error {
	if te, ok := err.(*json.UnmarshalTypeError); ok && te.Field == "" {
		te.Struct, te.Field = structName, field
	}
	return err
}

func (d *decoder) ws() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// peek returns the next non-space byte, or 0 at the end.
func (d *decoder) peek() byte {
	d.ws()
	if d.pos >= len(d.data) {
		return 0
	}
	return d.data[d.pos]
}

// literal consumes lit if it comes next.
func (d *decoder) literal(lit string) bool {
	if len(d.data)-d.pos >= len(lit) && string(d.data[d.pos:d.pos+len(lit)]) == lit {
		d.pos += len(lit)
		return true
	}
	return false
}

// null consumes a null if it comes next.
func (d *decoder) null() bool {
	return d.peek() == 'n' && d.literal("null")
}

// array decodes an array of indicators (or null), appending to out. With
// infos, it also collects the write-answer fields of each row.
func (d *decoder) array(out []*Indicator, infos *[]rowInfo) ([]*Indicator, error) {
	if d.null() {
		return out, nil
	}
	if d.peek() != '[' {
		return out, d.typeErr(typeIndicators)
	}
	d.pos++
	if d.peek() == ']' {
		d.pos++
		if out == nil {
			out = []*Indicator{}
		}
		return out, nil
	}
	if out == nil {
		out = make([]*Indicator, 0, estimateCount(d.data))
	}
	for {
		var info *rowInfo
		if infos != nil {
			*infos = append(*infos, rowInfo{})
			info = &(*infos)[len(*infos)-1]
		}
		if d.peek() == 'n' {
			// encoding/json would make it a nil *Indicator, which no
			// caller expects in a list.
			return out, d.typeErr(typeIndicator)
		}
		ind, err := d.indicator(info)
		if err != nil {
			return out, err
		}
		out = append(out, ind)
		switch d.peek() {
		case ',':
			d.pos++
		case ']':
			d.pos++
			return out, nil
		default:
			return out, d.fail("expected , or ] after an indicator")
		}
	}
}

// estimateCount guesses how many indicators an array of len(b) bytes holds
// (they take 500 to 900 bytes each), so that the result slice is allocated
// once in the usual case.
func estimateCount(b []byte) int {
	return min(len(b)/400+1, 4096)
}

// indicatorBlock allocates an indicator together with room for its
// platforms, which nearly every indicator has.
type indicatorBlock struct {
	ind  Indicator
	plat [3]Platform
}

// indicator decodes one object.
func (d *decoder) indicator(info *rowInfo) (*Indicator, error) {
	if d.peek() != '{' {
		return nil, d.typeErr(typeIndicator)
	}
	d.pos++
	blk := new(indicatorBlock)
	ind := &blk.ind
	d.pack = d.pack[:0]
	d.refs = d.refs[:0]
	d.strs = d.strs[:0]
	d.lists = d.lists[:0]
	if d.peek() == '}' {
		d.pos++
		return ind, nil
	}
	for {
		if d.peek() != '"' {
			return nil, d.fail("expected a key")
		}
		key, err := d.str()
		if err != nil {
			return nil, err
		}
		if d.peek() != ':' {
			return nil, d.fail("expected :")
		}
		d.pos++
		if err := d.field(blk, key, info); err != nil {
			return nil, err
		}
		switch d.peek() {
		case ',':
			d.pos++
			continue
		case '}':
			d.pos++
		default:
			return nil, d.fail("expected , or } in an indicator")
		}
		break
	}
	if len(d.refs) > 0 {
		s := string(d.pack)
		for _, r := range d.refs {
			*r.dst = s[r.start:r.end]
		}
	}
	if len(d.lists) > 0 {
		backing := []string{}
		if len(d.strs) > 0 {
			backing = make([]string, len(d.strs))
			copy(backing, d.strs)
		}
		for _, l := range d.lists {
			if l.start < 0 {
				*l.dst = nil
			} else {
				*l.dst = backing[l.start:l.end:l.end]
			}
		}
	}
	return ind, nil
}

// field decodes the value of one key of an indicator. key may alias the
// decoder's scratch space, so it is read before any value is. The switch on
// string(key) does not allocate.
func (d *decoder) field(blk *indicatorBlock, key []byte, info *rowInfo) error {
	ind := &blk.ind
	if d.null() {
		// As with encoding/json, null empties a list or pointer and leaves
		// any other field as it was.
		k := string(key)
		if f, ok := foldKey(key, indicatorKeys); ok {
			k = f
		}
		switch k {
		case "platforms":
			ind.Platforms = nil
		case "tags":
			d.lists = append(d.lists, listRef{dst: &ind.Tags, start: -1})
		case "host_groups":
			d.lists = append(d.lists, listRef{dst: &ind.HostGroups, start: -1})
		case "metadata":
			ind.Metadata = nil
		}
		return nil
	}
	var err error
	switch string(key) {
	case "id":
		err = d.packed(&ind.ID)
	case "type":
		var s string
		s, err = d.enum()
		ind.Type = Type(s)
	case "value":
		err = d.packed(&ind.Value)
	case "action":
		var s string
		s, err = d.enum()
		ind.Action = Action(s)
	case "mobile_action":
		var s string
		s, err = d.enum()
		ind.MobileAction = MobileAction(s)
	case "severity":
		var s string
		s, err = d.enum()
		ind.Severity = Severity(s)
	case "description":
		err = d.packed(&ind.Description)
	case "source":
		ind.Source, err = d.interned()
	case "platforms":
		ind.Platforms, err = d.platforms(blk)
	case "tags":
		err = d.strings(&ind.Tags)
	case "host_groups":
		err = d.strings(&ind.HostGroups)
	case "applied_globally":
		ind.AppliedGlobally, err = d.bool()
	case "expiration":
		ind.Expiration, err = d.time()
	case "expired":
		ind.Expired, err = d.bool()
	case "deleted":
		ind.Deleted, err = d.bool()
	case "from_parent":
		ind.FromParent, err = d.bool()
	case "parent_cid_name":
		ind.ParentCIDName, err = d.interned()
	case "metadata":
		ind.Metadata, err = d.metadata()
	case "created_by":
		ind.CreatedBy, err = d.interned()
	case "created_on":
		ind.CreatedOn, err = d.time()
	case "modified_by":
		ind.ModifiedBy, err = d.interned()
	case "modified_on":
		ind.ModifiedOn, err = d.time()
	case "message_type":
		if info == nil {
			return d.skip()
		}
		info.MessageType, err = d.interned()
	case "field_name":
		if info == nil {
			return d.skip()
		}
		info.FieldName, err = d.interned()
	case "message":
		if info == nil {
			return d.skip()
		}
		info.Message, err = d.interned()
	case "code":
		if info == nil {
			return d.skip()
		}
		var n int64
		n, err = d.int()
		info.Code = int(n)
	default:
		// A key that folds to a known one is decoded as that one (and
		// one that is known already, but has no case above, is skipped
		// rather than looped on: TestDecoderKnowsEveryField reports it).
		if k, ok := foldKey(key, indicatorKeys); ok && k != string(key) {
			return d.field(blk, []byte(k), info)
		}
		return d.skip()
	}
	if err != nil {
		return inField(err, "Indicator", string(key))
	}
	return nil
}

// The keys of api.IndicatorV1 and api.MetadataV1. Like encoding/json, the
// decoder matches a key that differs only in case (Unicode simple folding)
// when no key matches exactly; the API never sends such keys, so this costs
// nothing on the hot path.
var (
	indicatorKeys = []string{"id", "type", "value", "action", "mobile_action", "severity", "description", "source",
		"platforms", "tags", "host_groups", "applied_globally", "expiration", "expired", "deleted", "from_parent",
		"parent_cid_name", "metadata", "created_by", "created_on", "modified_by", "modified_on"}
	metadataKeys = []string{"av_hits", "company_name", "file_description", "file_version", "filename",
		"original_filename", "product_name", "product_version", "signed"}
)

// foldKey returns the known key that key equals under case folding.
func foldKey(key []byte, known []string) (string, bool) {
	for _, k := range known {
		if bytes.EqualFold(key, []byte(k)) {
			return k, true
		}
	}
	return "", false
}

// str reads a JSON string and returns its unescaped bytes, which stay valid
// until the next call. Plain runs are scanned eight bytes at a time
// (jsonscan.IndexQuoteOrBackslash).
func (d *decoder) str() ([]byte, error) {
	d.pos++ // opening quote
	start := d.pos
	n, ascii := jsonscan.IndexQuoteOrBackslash(d.data[start:])
	i := start + n
	switch {
	case i >= len(d.data):
		d.pos = i
		return nil, d.fail("unterminated string")
	case d.data[i] == '\\':
		return d.strSlow(start)
	}
	d.pos = i + 1
	seg := d.data[start:i]
	if !ascii && !utf8.Valid(seg) {
		d.tmp = appendValidUTF8(d.tmp[:0], seg)
		return d.tmp, nil
	}
	return seg, nil
}

// appendValidUTF8 appends b with every invalid UTF-8 sequence replaced by
// U+FFFD, as encoding/json does.
func appendValidUTF8(dst, b []byte) []byte {
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size == 1 {
			dst = utf8.AppendRune(dst, utf8.RuneError)
		} else {
			dst = append(dst, b[:size]...)
		}
		b = b[size:]
	}
	return dst
}

// strSlow unescapes a string with backslashes into d.tmp.
func (d *decoder) strSlow(start int) ([]byte, error) {
	out := d.tmp[:0]
	i := start
	for {
		if i >= len(d.data) {
			d.pos = i
			return nil, d.fail("unterminated string")
		}
		c := d.data[i]
		switch {
		case c == '"':
			d.pos = i + 1
			d.tmp = out
			return out, nil
		case c == '\\':
			if i+1 >= len(d.data) {
				d.pos = i
				return nil, d.fail("unterminated escape")
			}
			e := d.data[i+1]
			i += 2
			switch e {
			case '"', '\\', '/':
				out = append(out, e)
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r, ok := hex4(d.data, i)
				if !ok {
					d.pos = i
					return nil, d.fail("bad \\u escape")
				}
				i += 4
				if utf16.IsSurrogate(r) {
					r2, ok2 := rune(-1), false
					if i+6 <= len(d.data) && d.data[i] == '\\' && d.data[i+1] == 'u' {
						r2, ok2 = hex4(d.data, i+2)
					}
					if dec := utf16.DecodeRune(r, r2); ok2 && dec != utf8.RuneError {
						i += 6
						r = dec
					} else {
						r = utf8.RuneError
					}
				}
				out = utf8.AppendRune(out, r)
			default:
				d.pos = i
				return nil, d.fail("bad escape")
			}
		case c < utf8.RuneSelf:
			out = append(out, c)
			i++
		default:
			r, size := utf8.DecodeRune(d.data[i:])
			if r == utf8.RuneError && size == 1 {
				out = utf8.AppendRune(out, utf8.RuneError)
			} else {
				out = append(out, d.data[i:i+size]...)
			}
			i += size
		}
	}
}

func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// packed reads a string (or null) that goes into the indicator's shared
// allocation.
func (d *decoder) packed(dst *string) error {
	switch d.peek() {
	case '"':
		b, err := d.str()
		if err != nil {
			return err
		}
		start := len(d.pack)
		d.pack = append(d.pack, b...)
		d.refs = append(d.refs, packRef{dst: dst, start: start, end: len(d.pack)})
		return nil
	case 'n':
		if d.literal("null") {
			return nil // leaves the field as it was
		}
	}
	return d.typeErr(typeString)
}

// interned reads a string (or null) likely to repeat within a page.
func (d *decoder) interned() (string, error) {
	switch d.peek() {
	case '"':
		b, err := d.str()
		if err != nil {
			return "", err
		}
		return d.internBytes(b), nil
	case 'n':
		if d.literal("null") {
			return "", nil
		}
	}
	return "", d.typeErr(typeString)
}

func (d *decoder) internBytes(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > maxInternLen {
		return string(b)
	}
	if d.small {
		for _, s := range d.few {
			if s == string(b) {
				return s
			}
		}
		s := string(b)
		if len(d.few) < maxFew {
			d.few = append(d.few, s)
		}
		return s
	}
	if s, ok := d.intern[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(d.intern) < maxIntern {
		d.intern[s] = s
	}
	return s
}

// enum reads one of the API's enumerated strings, returning the package's
// constant for known values.
func (d *decoder) enum() (string, error) {
	switch d.peek() {
	case '"':
		b, err := d.str()
		if err != nil {
			return "", err
		}
		if s, ok := knownEnum(b); ok {
			return s, nil
		}
		return d.internBytes(b), nil
	case 'n':
		if d.literal("null") {
			return "", nil
		}
	}
	return "", d.typeErr(typeString)
}

// knownEnum maps the values of type, action, severity, mobile_action and
// platforms to constants, without allocating.
func knownEnum(b []byte) (string, bool) {
	switch string(b) {
	case "sha256":
		return string(TypeSHA256), true
	case "md5":
		return string(TypeMD5), true
	case "domain":
		return string(TypeDomain), true
	case "ipv4":
		return string(TypeIPv4), true
	case "ipv6":
		return string(TypeIPv6), true
	case "no_action":
		return string(ActionNoAction), true
	case "allow":
		return string(ActionAllow), true
	case "prevent_no_ui":
		return string(ActionPreventNoUI), true
	case "prevent":
		return string(ActionPrevent), true
	case "detect":
		return string(ActionDetect), true
	case "informational":
		return string(SeverityInformational), true
	case "low":
		return string(SeverityLow), true
	case "medium":
		return string(SeverityMedium), true
	case "high":
		return string(SeverityHigh), true
	case "critical":
		return string(SeverityCritical), true
	case "windows":
		return string(PlatformWindows), true
	case "mac":
		return string(PlatformMac), true
	case "linux":
		return string(PlatformLinux), true
	case "ios":
		return string(PlatformIOS), true
	case "android":
		return string(PlatformAndroid), true
	}
	return "", false
}

// platforms reads the platforms array, into the block's own room when it
// fits.
func (d *decoder) platforms(blk *indicatorBlock) ([]Platform, error) {
	if d.null() {
		return nil, nil
	}
	if d.peek() != '[' {
		return nil, d.typeErr(typePlatforms)
	}
	d.pos++
	n := 0
	var out []Platform
	if d.peek() == ']' {
		d.pos++
		return []Platform{}, nil
	}
	for {
		var s string
		if d.null() {
			s = ""
		} else if d.peek() == '"' {
			var err error
			if s, err = d.enum(); err != nil {
				return nil, err
			}
		} else {
			return nil, d.typeErr(typeString)
		}
		if n < len(blk.plat) && out == nil {
			blk.plat[n] = Platform(s)
		} else {
			if out == nil {
				out = append(make([]Platform, 0, 2*len(blk.plat)), blk.plat[:n]...)
			}
			out = append(out, Platform(s))
		}
		n++
		switch d.peek() {
		case ',':
			d.pos++
			continue
		case ']':
			d.pos++
		default:
			return nil, d.fail("expected , or ]")
		}
		break
	}
	if out != nil {
		return out, nil
	}
	return blk.plat[:n:n], nil
}

// strings reads an array of strings (each interned) into dst. The lists of
// one indicator (tags, host groups) share one allocation, made when the
// indicator ends (see listRef).
func (d *decoder) strings(dst *[]string) error {
	if d.null() {
		d.lists = append(d.lists, listRef{dst: dst, start: -1})
		return nil
	}
	if d.peek() != '[' {
		return d.typeErr(typeStrings)
	}
	d.pos++
	start := len(d.strs)
	if d.peek() == ']' {
		d.pos++
	} else {
		for {
			s, err := d.interned()
			if err != nil {
				return err
			}
			d.strs = append(d.strs, s)
			switch d.peek() {
			case ',':
				d.pos++
				continue
			case ']':
				d.pos++
			default:
				return d.fail("expected , or ]")
			}
			break
		}
	}
	d.lists = append(d.lists, listRef{dst: dst, start: start, end: len(d.strs)})
	return nil
}

func (d *decoder) bool() (bool, error) {
	switch d.peek() {
	case 't':
		if d.literal("true") {
			return true, nil
		}
	case 'f':
		if d.literal("false") {
			return false, nil
		}
	case 'n':
		if d.literal("null") {
			return false, nil
		}
	}
	return false, d.typeErr(typeBool)
}

// int reads an integer (or null), refusing a number with a fraction or an
// exponent, or out of range, as encoding/json does for an int64.
func (d *decoder) int() (int64, error) {
	if d.null() {
		return 0, nil
	}
	if c := d.peek(); c != '-' && (c < '0' || c > '9') {
		return 0, d.typeErr(typeInt64)
	}
	start, end := d.pos, d.pos
	for end < len(d.data) {
		c := d.data[end]
		if c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' || ('0' <= c && c <= '9') {
			end++
			continue
		}
		break
	}
	d.pos = end
	num := d.data[start:end]
	var n int64
	neg := num[0] == '-'
	digits := num
	if neg {
		digits = num[1:]
	}
	if len(digits) > 0 && len(digits) <= 18 {
		simple := true
		for _, c := range digits {
			if c < '0' || c > '9' {
				simple = false
				break
			}
			n = n*10 + int64(c-'0')
		}
		if simple {
			if neg {
				n = -n
			}
			return n, nil
		}
	}
	if v, err := strconv.ParseInt(string(num), 10, 64); err == nil {
		return v, nil
	}
	return 0, &json.UnmarshalTypeError{Value: "number " + string(num), Type: typeInt64, Offset: int64(end)}
}

// time reads an RFC 3339 timestamp (or null, or "" for none).
func (d *decoder) time() (time.Time, error) {
	switch d.peek() {
	case '"':
		b, err := d.str()
		if err != nil {
			return time.Time{}, err
		}
		if len(b) == 0 {
			return time.Time{}, nil
		}
		if t, ok := rfc3339.Parse(b); ok {
			return t, nil
		}
		t, err := time.Parse(time.RFC3339Nano, string(b))
		if err != nil {
			return time.Time{}, fmt.Errorf("ioc: decoding indicators: %w", err)
		}
		return t, nil
	case 'n':
		if d.literal("null") {
			return time.Time{}, nil
		}
	}
	return time.Time{}, d.typeErr(typeTime)
}

// metadata reads an api.MetadataV1 object (or null).
func (d *decoder) metadata() (*Metadata, error) {
	if d.null() {
		return nil, nil
	}
	if d.peek() != '{' {
		return nil, d.typeErr(typeMetadata)
	}
	d.pos++
	m := new(Metadata)
	if d.peek() == '}' {
		d.pos++
		return m, nil
	}
	for {
		if d.peek() != '"' {
			return nil, d.fail("expected a key")
		}
		key, err := d.str()
		if err != nil {
			return nil, err
		}
		if d.peek() != ':' {
			return nil, d.fail("expected :")
		}
		d.pos++
		if err := d.metadataField(m, key); err != nil {
			return nil, err
		}
		switch d.peek() {
		case ',':
			d.pos++
			continue
		case '}':
			d.pos++
		default:
			return nil, d.fail("expected , or } in metadata")
		}
		return m, nil
	}
}

// metadataField decodes the value of one key of a metadata object.
func (d *decoder) metadataField(m *Metadata, key []byte) error {
	if d.null() {
		return nil // every metadata field is a scalar: null leaves it
	}
	var err error
	switch string(key) {
	case "av_hits":
		m.AVHits, err = d.int()
	case "company_name":
		m.CompanyName, err = d.interned()
	case "file_description":
		m.FileDescription, err = d.interned()
	case "file_version":
		m.FileVersion, err = d.interned()
	case "filename":
		err = d.packed(&m.Filename)
	case "original_filename":
		err = d.packed(&m.OriginalFilename)
	case "product_name":
		m.ProductName, err = d.interned()
	case "product_version":
		m.ProductVersion, err = d.interned()
	case "signed":
		m.Signed, err = d.bool()
	default:
		if k, ok := foldKey(key, metadataKeys); ok && k != string(key) {
			return d.metadataField(m, []byte(k))
		}
		err = d.skip()
	}
	if err != nil {
		return inField(err, "Metadata", "metadata."+string(key))
	}
	return nil
}

// skip passes over one JSON value of any kind, checking it as
// encoding/json would.
func (d *decoder) skip() error {
	end, err := jsonscan.Skip(d.data, d.pos)
	d.pos = end
	if err != nil {
		return d.fail("bad value")
	}
	return nil
}
