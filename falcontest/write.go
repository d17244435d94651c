package falcontest

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/falconioc/falcon/internal/iocvalue"
)

// Field bits of a create, update or bulk-update row.
const (
	fID uint32 = 1 << iota
	fType
	fValue
	fAction
	fMobileAction
	fSeverity
	fDescription
	fSource
	fPlatforms
	fTags
	fHostGroups
	fAppliedGlobally
	fExpiration
	fMetadata
	fFilter
	fFromParent
)

// fields is one decoded row with explicit presence: set has a bit for
// every key present, null one for every key sent as null.
type fields struct {
	set, null       uint32
	id, typ, value  string
	action          string
	mobileAction    string
	severity        string
	description     string
	source          string
	platforms       []string
	tags            []string
	hostGroups      []string
	appliedGlobally bool
	expiration      int64
	metaFilename    string
	filter          string
	fromParent      bool
}

// problem is one row-level error or warning.
type problem struct {
	field   string
	message string
	code    int
	warning bool
}

const (
	maxSource      = 256
	maxDescription = 4096
	maxTag         = 256
	maxFilename    = 1024
)

var rowKeys = map[string]uint32{
	"id": fID, "type": fType, "value": fValue, "action": fAction, "mobile_action": fMobileAction,
	"severity": fSeverity, "description": fDescription, "source": fSource, "platforms": fPlatforms,
	"tags": fTags, "host_groups": fHostGroups, "applied_globally": fAppliedGlobally,
	"expiration": fExpiration, "metadata": fMetadata, "filter": fFilter, "from_parent": fFromParent,
}

var jsonNull = []byte("null")

// decodeFields reads one row object. Unknown keys are ignored.
func decodeFields(raw json.RawMessage) (fields, *problem) {
	var f fields
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return f, &problem{field: "", message: "each indicator must be a JSON object", code: 400}
	}
	for key, v := range obj {
		bit, known := rowKeys[key]
		if !known {
			continue
		}
		if bytes.Equal(bytes.TrimSpace(v), jsonNull) {
			// null clears a field, except the lists, which the vendor's
			// generated client sends as null whenever they are unset: there
			// null leaves the list alone and [] clears it.
			if bit&(fPlatforms|fTags|fHostGroups) == 0 {
				f.set |= bit
				f.null |= bit
			}
			continue
		}
		f.set |= bit
		var err error
		switch bit {
		case fID:
			err = json.Unmarshal(v, &f.id)
		case fType:
			err = json.Unmarshal(v, &f.typ)
		case fValue:
			err = json.Unmarshal(v, &f.value)
		case fAction:
			err = json.Unmarshal(v, &f.action)
		case fMobileAction:
			err = json.Unmarshal(v, &f.mobileAction)
		case fSeverity:
			err = json.Unmarshal(v, &f.severity)
			f.severity = strings.ToLower(f.severity)
		case fDescription:
			err = json.Unmarshal(v, &f.description)
		case fSource:
			err = json.Unmarshal(v, &f.source)
		case fPlatforms:
			err = json.Unmarshal(v, &f.platforms)
		case fTags:
			err = json.Unmarshal(v, &f.tags)
		case fHostGroups:
			err = json.Unmarshal(v, &f.hostGroups)
		case fAppliedGlobally:
			err = json.Unmarshal(v, &f.appliedGlobally)
		case fFilter:
			err = json.Unmarshal(v, &f.filter)
		case fFromParent:
			err = json.Unmarshal(v, &f.fromParent)
		case fExpiration:
			var s string
			if err = json.Unmarshal(v, &s); err == nil {
				var t int64
				switch t, err = parseExpiration(s); {
				case err != nil:
				case s == "":
					f.null |= bit // "" clears, like null
				case t == 0:
					// The zero date-time (or the epoch) is what generated
					// clients send for an unset expiration: leave it alone.
					f.set &^= bit
				default:
					f.expiration = t
				}
			}
		case fMetadata:
			var m struct {
				Filename *string `json:"filename"`
			}
			if err = json.Unmarshal(v, &m); err == nil && m.Filename != nil {
				f.metaFilename = *m.Filename
			}
		}
		if err != nil {
			return f, &problem{field: key, message: "Invalid value for field '" + key + "'", code: 400}
		}
	}
	return f, nil
}

// parseExpiration reads an RFC 3339 date-time; the zero date-time and the
// Unix epoch (what generated clients send for "unset") and "" read as 0.
func parseExpiration(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return 0, err
	}
	if t.Unix() <= 0 {
		return 0, nil
	}
	return t.UnixNano(), nil
}

func (f *fields) has(bit uint32) bool    { return f.set&bit != 0 && f.null&bit == 0 }
func (f *fields) isNull(bit uint32) bool { return f.null&bit != 0 }

// apply copies the present fields onto in (a private copy). Null clears;
// it reports a problem for fields that cannot be cleared.
func (f *fields) apply(in *indicator) *problem {
	for _, nb := range []struct {
		bit  uint32
		name string
	}{{fAction, "action"}, {fPlatforms, "platforms"}, {fAppliedGlobally, "applied_globally"}} {
		if f.isNull(nb.bit) {
			return &problem{field: nb.name, message: nb.name + " cannot be null", code: 400}
		}
	}
	if f.set&fAction != 0 {
		in.action = f.action
	}
	if f.set&fMobileAction != 0 {
		in.mobileAction = f.mobileAction // "" when null
	}
	if f.set&fSeverity != 0 {
		in.severity = f.severity
	}
	if f.set&fDescription != 0 {
		in.description = f.description
	}
	if f.set&fSource != 0 {
		in.source = f.source
	}
	if f.set&fPlatforms != 0 {
		in.platforms = nilIfEmpty(slices.Clone(f.platforms))
	}
	if f.set&fTags != 0 {
		in.tags = nilIfEmpty(slices.Clone(f.tags))
	}
	if f.set&fHostGroups != 0 {
		in.hostGroups = nilIfEmpty(slices.Clone(f.hostGroups))
	}
	if f.set&fAppliedGlobally != 0 {
		in.appliedGlobally = f.appliedGlobally
	}
	if f.set&fExpiration != 0 {
		in.expiration = f.expiration
	}
	if f.set&fMetadata != 0 {
		if f.isNull(fMetadata) || f.metaFilename == "" {
			if in.meta != nil {
				m := *in.meta
				m.Filename = ""
				in.meta = &m
				if m.isZero() {
					in.meta = nil
				}
			}
		} else {
			m := Metadata{}
			if in.meta != nil {
				m = *in.meta
			}
			m.Filename = f.metaFilename
			in.meta = &m
		}
	}
	return nil
}

// validate checks an indicator as it would be stored. checkExpiration
// requires a set expiration to lie after now.
func validate(in *indicator, now int64, checkExpiration bool) *problem {
	bad := func(field, msg string) *problem { return &problem{field: field, message: msg, code: 400} }
	if in.typ == "" {
		return bad("type", "type is required")
	}
	if !iocvalue.ValidType(in.typ) {
		return bad("type", "Invalid type '"+in.typ+"': must be one of sha256, md5, domain, ipv4, ipv6")
	}
	if in.value == "" {
		return bad("value", "value is required")
	}
	if in.action == "" {
		return bad("action", "action is required")
	}
	a := findAction(in.action)
	if a == nil {
		return bad("action", "Invalid action '"+in.action+"'")
	}
	allowed, ok := a.platformsByType[in.typ]
	if !ok {
		return bad("action", "action '"+in.action+"' is not supported for type '"+in.typ+"'")
	}
	if len(in.platforms) == 0 {
		return bad("platforms", "platforms is required")
	}
	for _, p := range in.platforms {
		if !slices.Contains(catalogPlatforms, p) {
			return bad("platforms", "Invalid platform '"+p+"'")
		}
		if !slices.Contains(allowed, p) {
			return bad("platforms", "platform '"+p+"' is not supported for action '"+in.action+"' and type '"+in.typ+"'")
		}
	}
	if in.severity != "" && !validSeverity(in.severity) {
		return bad("severity", "Invalid severity '"+in.severity+"'")
	}
	if in.severity == "" && a.severityRequired {
		return bad("severity", "severity is required for action '"+in.action+"'")
	}
	if in.mobileAction != "" && !slices.Contains(mobileActions, in.mobileAction) {
		return bad("mobile_action", "Invalid mobile_action '"+in.mobileAction+"'")
	}
	if in.appliedGlobally && len(in.hostGroups) > 0 {
		return bad("host_groups", "host_groups must be empty when applied_globally is true")
	}
	if !in.appliedGlobally && len(in.hostGroups) == 0 {
		return bad("host_groups", "host_groups is required when applied_globally is false")
	}
	for _, g := range in.hostGroups {
		if !iocvalue.ValidHostGroupID(g) {
			return bad("host_groups", "Invalid host group id '"+g+"'")
		}
	}
	if utf8.RuneCountInString(in.source) > maxSource {
		return bad("source", "source must be at most "+strconv.Itoa(maxSource)+" characters")
	}
	if utf8.RuneCountInString(in.description) > maxDescription {
		return bad("description", "description must be at most "+strconv.Itoa(maxDescription)+" characters")
	}
	for _, t := range in.tags {
		if t == "" || len(t) > maxTag {
			return bad("tags", "tags must be 1-"+strconv.Itoa(maxTag)+" characters")
		}
	}
	if in.meta != nil && len(in.meta.Filename) > maxFilename {
		return bad("metadata.filename", "metadata.filename is too long")
	}
	if checkExpiration && in.expiration != 0 && in.expiration <= now {
		return bad("expiration", "expiration must be in the future")
	}
	return nil
}

// popularDomains draw a warning: blocking them disrupts hosts.
var popularDomains = []string{
	"amazon.com", "apple.com", "cloudflare.com", "crowdstrike.com", "github.com", "google.com",
	"microsoft.com", "office.com", "windowsupdate.com", "youtube.com",
}

// warning returns the warning a new indicator draws, if any.
func warning(in *indicator) *problem {
	switch in.typ {
	case iocvalue.IPv4, iocvalue.IPv6:
		a, err := netip.ParseAddr(in.value)
		if err == nil && (a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() || a.IsUnspecified() || a.IsMulticast()) {
			return &problem{field: "value", code: 400, warning: true,
				message: "IP address '" + in.value + "' is private, loopback, link-local or multicast and may cause false positives"}
		}
	case iocvalue.Domain:
		for _, d := range popularDomains {
			if in.value == d || strings.HasSuffix(in.value, "."+d) {
				return &problem{field: "value", code: 400, warning: true,
					message: "Domain '" + in.value + "' belongs to a widely used service and may disrupt hosts"}
			}
		}
	}
	return nil
}

func duplicateMessage(typ, value string) string {
	return "Duplicate type: '" + typ + "' and value: '" + value + "' combination."
}

// rowOutcome is what happened to one row of a write.
type rowOutcome struct {
	in   *indicator // the stored indicator (nil when the row failed)
	id   string
	typ  string
	val  string
	prob *problem
}

func (p *problem) messageFor(typ, value string) string {
	if p.field == "" || typ == "" && value == "" {
		return p.message
	}
	return p.message + " (type '" + typ + "', value '" + value + "')"
}

// appendOutcome appends one resources entry: the stored indicator, or the
// row with message_type, field_name and message.
func appendOutcome(b []byte, o *rowOutcome, now int64) []byte {
	if o.in != nil && (o.prob == nil || o.prob.warning) {
		b = appendIndicatorJSON(b, o.in, now)
		if o.prob != nil {
			b = b[:len(b)-1]
			b = append(b, `,"message_type":"warning","field_name":`...)
			b = appendString(b, o.prob.field)
			b = append(b, `,"message":`...)
			b = appendString(b, o.prob.message)
			b = append(b, '}')
		}
		return b
	}
	b = append(b, '{')
	if o.id != "" {
		b = append(b, `"id":`...)
		b = appendString(b, o.id)
		b = append(b, ',')
	}
	b = append(b, `"type":`...)
	b = appendString(b, o.typ)
	b = append(b, `,"value":`...)
	b = appendString(b, o.val)
	kind := "error"
	if o.prob.warning {
		kind = "warning"
	}
	b = append(b, `,"message_type":`...)
	b = appendString(b, kind)
	b = append(b, `,"field_name":`...)
	b = appendString(b, o.prob.field)
	b = append(b, `,"message":`...)
	b = appendString(b, o.prob.message)
	return append(b, '}')
}

// decodeBody reads the top-level write body.
func decodeBody(body []byte) (map[string]json.RawMessage, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil || obj == nil {
		return nil, errors.New("request body must be a JSON object")
	}
	return obj, nil
}

// writeBody reads what create and update share: the ignore_warnings and
// retrodetects query parameters and a JSON object body with its
// "indicators" rows. It answers 400 and reports false when any is bad.
func (c *call) writeBody() (obj map[string]json.RawMessage, rows []json.RawMessage, ignoreWarnings, ok bool) {
	if ignoreWarnings, _, ok = c.boolParam("ignore_warnings"); !ok {
		return nil, nil, false, false
	}
	if _, _, ok = c.boolParam("retrodetects"); !ok {
		return nil, nil, false, false
	}
	obj, err := decodeBody(c.body)
	if err == nil {
		rows, err = decodeRows(obj)
	}
	if err != nil {
		c.fail(http.StatusBadRequest, err.Error())
		return nil, nil, false, false
	}
	return obj, rows, ignoreWarnings, true
}

func decodeRows(obj map[string]json.RawMessage) ([]json.RawMessage, error) {
	raw, ok := obj["indicators"]
	if !ok || bytes.Equal(bytes.TrimSpace(raw), jsonNull) {
		return nil, nil
	}
	var rows []json.RawMessage
	if err := json.Unmarshal(raw, &rows); err != nil {
		return nil, errors.New("indicators must be an array")
	}
	return rows, nil
}

func (s *Server) newID() string { return s.rnd.hex(32) }

// handleCreate serves POST /iocs/entities/indicators/v1.
func (s *Server) handleCreate(c *call) {
	obj, rows, ignoreWarnings, ok := c.writeBody()
	if !ok {
		return
	}
	if len(rows) == 0 {
		c.fail(http.StatusBadRequest, "at least one indicator is required")
		return
	}
	if len(rows) > s.cfg.maxBatch {
		c.fail(http.StatusBadRequest, "too many indicators: at most "+strconv.Itoa(s.cfg.maxBatch)+" per request")
		return
	}
	if raw, ok := obj["comment"]; ok && !bytes.Equal(bytes.TrimSpace(raw), jsonNull) {
		var comment string
		if json.Unmarshal(raw, &comment) != nil {
			c.fail(http.StatusBadRequest, "comment must be a string")
			return
		}
	}
	now := c.now.UnixNano()
	outs := make([]rowOutcome, len(rows))
	for i, raw := range rows {
		o := &outs[i]
		f, p := decodeFields(raw)
		o.typ, o.val = f.typ, f.value
		if p != nil {
			o.prob = p
			continue
		}
		in := &indicator{typ: f.typ, value: strings.TrimSpace(f.value)}
		if f.set&fAppliedGlobally == 0 {
			o.prob = &problem{field: "applied_globally", message: "applied_globally is required", code: 400}
			continue
		}
		if p := f.apply(in); p != nil {
			o.prob = p
			continue
		}
		if p := validate(in, now, true); p != nil {
			o.prob = p
			continue
		}
		norm, err := iocvalue.Normalize(in.typ, in.value)
		if err != nil {
			reason := err.Error()
			var ve *iocvalue.Error
			if errors.As(err, &ve) {
				reason = ve.Reason
			}
			o.prob = &problem{field: "value", message: "Invalid value for type '" + in.typ + "': " + reason, code: 400}
			continue
		}
		in.value = norm
		o.val = norm
		in.createdOn, in.modifiedOn = now, now
		in.createdBy, in.modifiedBy = c.client, c.client
		o.in = in
		o.prob = warning(in)
	}

	s.store.mu.Lock()
	seen := make(map[iocKey]bool)
	blocked := false // a warning blocks the whole batch
	for i := range outs {
		o := &outs[i]
		if o.in == nil {
			continue
		}
		k := indKey(o.in.typ, o.in.value)
		if _, dup := s.store.byKey[k]; dup || seen[k] {
			o.prob = &problem{field: "value", message: duplicateMessage(o.in.typ, o.in.value), code: 400}
			o.in = nil
			continue
		}
		seen[k] = true
		if o.prob != nil && o.prob.warning && !ignoreWarnings {
			blocked = true
		}
	}
	created := 0
	if !blocked {
		for i := range outs {
			o := &outs[i]
			if o.in == nil {
				continue
			}
			o.in.id = s.newID()
			for _, taken := s.store.byID[o.in.id]; taken; _, taken = s.store.byID[o.in.id] {
				o.in.id = s.newID()
			}
			o.id = o.in.id
			s.store.insertLocked(o.in)
			created++
		}
	}
	s.store.mu.Unlock()

	var errs []apiErr
	for i := range outs {
		o := &outs[i]
		if o.prob == nil || (o.prob.warning && ignoreWarnings) {
			continue
		}
		errs = append(errs, apiErr{code: o.prob.code, message: o.prob.messageFor(o.typ, o.val)})
	}
	status := http.StatusCreated
	if len(errs) > 0 {
		status = http.StatusBadRequest
	}
	c.reply(status, nil, errs, func(b []byte) []byte {
		b = append(b, '[')
		first := true
		for i := range outs {
			o := &outs[i]
			if blocked && o.prob == nil {
				continue // not created, nothing wrong with it
			}
			if !first {
				b = append(b, ',')
			}
			first = false
			if blocked && o.prob.warning {
				o.in = nil // not created
			}
			b = appendOutcome(b, o, now)
		}
		return append(b, ']')
	})
}

// handleUpdate serves PATCH /iocs/entities/indicators/v1: by ids
// (indicators) or by filter (bulk_update), not both.
func (s *Server) handleUpdate(c *call) {
	obj, rows, _, ok := c.writeBody()
	if !ok {
		return
	}
	var bulk fields
	hasBulk := false
	if raw, ok := obj["bulk_update"]; ok && !bytes.Equal(bytes.TrimSpace(raw), jsonNull) {
		f, p := decodeFields(raw)
		if p != nil {
			c.fail(http.StatusBadRequest, "bulk_update: "+p.message)
			return
		}
		bulk = f
		hasBulk = f.filter != ""
	}
	switch {
	case hasBulk && len(rows) > 0:
		c.fail(http.StatusBadRequest, "bulk_update.filter and indicators cannot be combined")
		return
	case !hasBulk && len(rows) == 0:
		c.fail(http.StatusBadRequest, "at least one indicator or a bulk_update filter is required")
		return
	case len(rows) > s.cfg.maxBatch:
		c.fail(http.StatusBadRequest, "too many indicators: at most "+strconv.Itoa(s.cfg.maxBatch)+" per request")
		return
	}
	now := c.now.UnixNano()
	var outs []rowOutcome
	if hasBulk {
		q := query{key: queryKey{filter: bulk.filter, fromParent: -1}}
		if bulk.set&fFromParent != 0 && bulk.fromParent {
			q.key.fromParent = 1
		}
		cf, err := s.compileFilter(bulk.filter)
		if err != nil {
			c.fail(http.StatusBadRequest, "bulk_update: "+err.Error())
			return
		}
		q.setFilter(cf)
		s.store.mu.Lock()
		seqs, err := s.store.matchedLocked(q, now)
		if err != nil {
			s.store.mu.Unlock()
			c.fail(http.StatusBadRequest, "bulk_update: Invalid filter: "+err.Error())
			return
		}
		seqs = slices.Clone(seqs)
		outs = make([]rowOutcome, len(seqs))
		for i, seq := range seqs {
			f := bulk
			f.set &^= fID | fType | fValue
			outs[i] = s.updateLocked(c, s.store.items[seq], &f, now)
		}
		s.store.mu.Unlock()
	} else {
		outs = make([]rowOutcome, len(rows))
		s.store.mu.Lock()
		for i, raw := range rows {
			f, p := decodeFields(raw)
			if p != nil {
				outs[i] = rowOutcome{id: f.id, prob: p}
				continue
			}
			if f.id == "" {
				outs[i] = rowOutcome{prob: &problem{field: "id", message: "id is required", code: 400}}
				continue
			}
			in := s.store.getLocked(f.id)
			if in == nil {
				outs[i] = rowOutcome{id: f.id, prob: &problem{field: "id", code: 404,
					message: "Indicator with id '" + f.id + "' was not found"}}
				continue
			}
			outs[i] = s.updateLocked(c, in, &f, now)
		}
		s.store.mu.Unlock()
	}
	var errs []apiErr
	for i := range outs {
		if p := outs[i].prob; p != nil {
			errs = append(errs, apiErr{code: p.code, id: outs[i].id, message: p.message})
		}
	}
	status := http.StatusOK
	if len(errs) > 0 {
		status = http.StatusBadRequest
		if len(errs) == len(outs) && !slices.ContainsFunc(outs, func(o rowOutcome) bool { return o.prob.code != 404 }) {
			status = http.StatusNotFound
		}
	}
	c.reply(status, nil, errs, func(b []byte) []byte {
		b = append(b, '[')
		for i := range outs {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendOutcome(b, &outs[i], now)
		}
		return append(b, ']')
	})
}

// updateLocked applies f to a copy of old and stores it when valid. The
// caller holds the store's write lock.
func (s *Server) updateLocked(c *call, old *indicator, f *fields, now int64) rowOutcome {
	o := rowOutcome{id: old.id, typ: old.typ, val: old.value}
	if old.fromParent {
		o.prob = &problem{field: "id", code: 400, message: "Indicator '" + old.id + "' is inherited from the parent CID and cannot be changed"}
		return o
	}
	if f.set&fType != 0 && f.typ != old.typ {
		o.prob = &problem{field: "type", code: 400, message: "type cannot be changed"}
		return o
	}
	if f.set&fValue != 0 {
		if norm, err := iocvalue.Normalize(old.typ, f.value); err != nil || norm != old.value {
			o.prob = &problem{field: "value", code: 400, message: "value cannot be changed"}
			return o
		}
	}
	in := *old
	if p := f.apply(&in); p != nil {
		o.prob = p
		return o
	}
	checkExp := f.has(fExpiration) && in.expiration != old.expiration
	if p := validate(&in, now, checkExp); p != nil {
		o.prob = p
		return o
	}
	in.modifiedOn = now
	in.modifiedBy = c.client
	s.store.replaceLocked(&in)
	o.in = &in
	return o
}

// handleDelete serves DELETE /iocs/entities/indicators/v1: by ids or by
// filter, not both.
func (s *Server) handleDelete(c *call) {
	ids := c.ids()
	filter, _ := c.param("filter")
	fromParent, hasFromParent, ok := c.boolParam("from_parent")
	if !ok {
		return
	}
	switch {
	case filter != "" && len(ids) > 0:
		c.failEmpty(http.StatusBadRequest, "ids and filter cannot both be provided")
		return
	case filter == "" && len(ids) == 0:
		c.failEmpty(http.StatusBadRequest, "one of ids or filter is required")
		return
	}
	now := c.now.UnixNano()
	var deleted []string
	var errs []apiErr
	if filter != "" {
		if hasFromParent && fromParent {
			c.failEmpty(http.StatusBadRequest, "indicators inherited from the parent CID cannot be deleted")
			return
		}
		cf, err := s.compileFilter(filter)
		if err != nil {
			c.failEmpty(http.StatusBadRequest, err.Error())
			return
		}
		q := query{key: queryKey{filter: filter, fromParent: -1}}
		q.setFilter(cf)
		s.store.mu.Lock()
		seqs, err := s.store.matchedLocked(q, now)
		if err != nil {
			s.store.mu.Unlock()
			c.failEmpty(http.StatusBadRequest, "Invalid filter: "+err.Error())
			return
		}
		seqs = slices.Clone(seqs)
		for _, seq := range seqs {
			deleted = append(deleted, s.store.items[seq].id)
			s.store.deleteLocked(seq)
		}
		s.store.mu.Unlock()
	} else {
		s.store.mu.Lock()
		for _, id := range ids {
			seq, ok := s.store.byID[id]
			switch {
			case !ok:
				errs = append(errs, apiErr{code: http.StatusNotFound, id: id, message: "Indicator with id '" + id + "' was not found"})
			case s.store.items[seq].fromParent:
				errs = append(errs, apiErr{code: http.StatusBadRequest, id: id, message: "Indicator '" + id + "' is inherited from the parent CID and cannot be deleted"})
			default:
				s.store.deleteLocked(seq)
				deleted = append(deleted, id)
			}
		}
		s.store.mu.Unlock()
	}
	status := http.StatusOK
	if len(deleted) == 0 && len(errs) > 0 {
		status = http.StatusNotFound
		if slices.ContainsFunc(errs, func(e apiErr) bool { return e.code != http.StatusNotFound }) {
			status = http.StatusBadRequest
		}
	}
	if deleted == nil {
		deleted = []string{}
	}
	c.reply(status, nil, errs, appendStringArray(deleted))
}
