package falcontest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
)

const (
	defaultLimit = 100
	// offsetWindow is the deepest offset paging reaches: offset + limit
	// may not exceed it.
	offsetWindow = 10000
)

func (s *Server) handleSearch(c *call)   { s.listIndicators(c, false) }
func (s *Server) handleCombined(c *call) { s.listIndicators(c, true) }

// listing is a parsed indicator search.
type listing struct {
	q      query
	limit  int
	offset *int
	after  string
}

// parseListing reads filter, sort, from_parent, limit, offset and after.
func (s *Server) parseListing(c *call) (*listing, bool) {
	l := &listing{}
	limit, _, ok := c.intParam("limit", defaultLimit)
	if !ok {
		return nil, false
	}
	if limit < 1 || limit > s.cfg.maxLimit {
		c.failEmpty(http.StatusBadRequest, "limit must be between 1 and "+strconv.Itoa(s.cfg.maxLimit))
		return nil, false
	}
	l.limit = limit
	offset, hasOffset, ok := c.intParam("offset", 0)
	if !ok {
		return nil, false
	}
	if hasOffset {
		if offset < 0 {
			c.failEmpty(http.StatusBadRequest, "offset must be greater than or equal to 0")
			return nil, false
		}
		l.offset = &offset
	}
	l.after, _ = c.param("after")
	if hasOffset && l.after != "" {
		c.failEmpty(http.StatusBadRequest, "offset and after are mutually exclusive")
		return nil, false
	}
	if hasOffset && offset+limit > offsetWindow {
		c.failEmpty(s.cfg.windowStatus, "limit + offset must be less than 10000")
		return nil, false
	}
	q, ok := s.parseQuery(c)
	if !ok {
		return nil, false
	}
	l.q = q
	return l, true
}

// parseQuery reads filter, sort and from_parent.
func (s *Server) parseQuery(c *call) (query, bool) {
	var q query
	if raw, ok := c.param("sort"); ok && raw != "" {
		sp, err := parseSort(raw)
		if err != nil {
			c.failEmpty(http.StatusBadRequest, err.Error())
			return q, false
		}
		q.key.sort = sp
	}
	fromParent, present, ok := c.boolParam("from_parent")
	if !ok {
		return q, false
	}
	if present {
		q.key.fromParent = -1
		if fromParent {
			q.key.fromParent = 1
		}
	}
	if f, ok := c.param("filter"); ok && f != "" {
		cf, err := s.compileFilter(f)
		if err != nil {
			c.failEmpty(http.StatusBadRequest, err.Error())
			return q, false
		}
		q.key.filter = f
		q.setFilter(cf)
	}
	return q, true
}

// cursor is the decoded form of an after token: the sort it belongs to and
// the key of the last item served.
type cursor struct {
	Sort string `json:"s"`
	Null bool   `json:"z,omitempty"`
	Str  string `json:"v,omitempty"`
	Num  int64  `json:"n,omitempty"`
	Seq  uint32 `json:"q"`
}

func encodeCursor(sp sortSpec, k sortKey) string {
	b, _ := json.Marshal(cursor{Sort: sp.String(), Null: k.null, Str: k.s, Num: k.n, Seq: k.seq})
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(tok string, sp sortSpec) (sortKey, bool) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return sortKey{}, false
	}
	var cur cursor
	if err := json.Unmarshal(b, &cur); err != nil || cur.Sort != sp.String() {
		return sortKey{}, false
	}
	return sortKey{null: cur.Null, s: cur.Str, n: cur.Num, seq: cur.Seq}, true
}

var pagePool = sync.Pool{New: func() any { return new([]*indicator) }}

func (s *Server) listIndicators(c *call, combined bool) {
	l, ok := s.parseListing(c)
	if !ok {
		return
	}
	now := c.now.UnixNano()
	pp := pagePool.Get().(*[]*indicator)
	page := (*pp)[:0]
	defer func() {
		clear(page)
		*pp = page[:0]
		pagePool.Put(pp)
	}()

	s.store.mu.RLock()
	seqs, err := s.store.matchedLocked(l.q, now)
	if err != nil {
		s.store.mu.RUnlock()
		c.failEmpty(http.StatusBadRequest, "Invalid filter: "+err.Error())
		return
	}
	start := 0
	switch {
	case l.offset != nil:
		start = min(*l.offset, len(seqs))
	case l.after != "":
		k, ok := decodeCursor(l.after, l.q.key.sort)
		if !ok {
			s.store.mu.RUnlock()
			c.failEmpty(http.StatusBadRequest, "Invalid value for parameter 'after'")
			return
		}
		start = searchAfter(s.store.items, seqs, l.q.key.sort, k, now)
	}
	end := min(start+l.limit, len(seqs))
	for _, seq := range seqs[start:end] {
		page = append(page, s.store.items[seq])
	}
	total := len(seqs)
	s.store.mu.RUnlock()

	var paging []byte
	if l.offset != nil {
		paging = indicatorPaging(l.limit, l.offset, total, "")
	} else {
		next := ""
		if len(page) > 0 && (end < total || s.cfg.trailingCursor) {
			next = encodeCursor(l.q.key.sort, keyOf(page[len(page)-1], l.q.key.sort.field, now))
		}
		paging = indicatorPaging(l.limit, nil, total, next)
	}
	c.reply(http.StatusOK, paging, nil, func(b []byte) []byte {
		b = append(b, '[')
		for i, in := range page {
			if i > 0 {
				b = append(b, ',')
			}
			if combined {
				b = appendIndicatorJSON(b, in, now)
			} else {
				b = appendString(b, in.id)
			}
		}
		return append(b, ']')
	})
}

// handleGet serves GET /iocs/entities/indicators/v1.
func (s *Server) handleGet(c *call) {
	ids := c.ids()
	if len(ids) == 0 {
		c.failEmpty(http.StatusBadRequest, "ids is required")
		return
	}
	now := c.now.UnixNano()
	var found []*indicator
	var errs []apiErr
	s.store.mu.RLock()
	for _, id := range ids {
		if in := s.store.getLocked(id); in != nil {
			found = append(found, in)
		} else {
			errs = append(errs, apiErr{code: http.StatusNotFound, id: id, message: "Indicator with id '" + id + "' was not found"})
		}
	}
	s.store.mu.RUnlock()
	status := http.StatusOK
	if len(found) == 0 {
		status = http.StatusNotFound
	}
	c.reply(status, nil, errs, func(b []byte) []byte {
		b = append(b, '[')
		for i, in := range found {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendIndicatorJSON(b, in, now)
		}
		return append(b, ']')
	})
}
