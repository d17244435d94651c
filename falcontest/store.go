package falcontest

import (
	"cmp"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

// store holds the indicators. Reads take mu.RLock, writes mu.Lock and bump
// version, which invalidates cached query results.
//
// Design for large stores: indicators live in a slice indexed by an
// insertion sequence number (seq) that never changes, with deleted slots
// left nil. A query computes the sorted list of the seqs it matches once
// and caches it by (filter, sort, from_parent); later pages of the same
// listing binary-search that list, so a page costs O(log n + page size)
// whatever the offset or cursor. Cursors encode the sort key and seq of
// the last item, so they stay valid across writes.
type store struct {
	mu    sync.RWMutex
	items []*indicator
	live  int
	byID  map[string]uint32
	byKey map[iocKey]uint32
	// byType lists the seqs of each type (lower case), in order; deleted
	// ones stay (their slot in items is nil).
	byType  map[string][]uint32
	version uint64

	cacheMu sync.Mutex
	cache   map[queryKey]*queryResult
	tick    uint64
}

const maxCachedQueries = 16

// queryStaleness bounds how long a cached result of a filter with relative
// dates is reused while the clock moves. Writes always invalidate at once.
const queryStaleness = time.Second

type queryKey struct {
	filter     string
	sort       sortSpec
	fromParent int8 // 0: any, 1: only from parent, -1: only own
}

type queryResult struct {
	version  uint64
	at       int64 // clock when computed
	until    int64 // clock at which the result goes stale
	seqs     []uint32
	lastUsed uint64
}

func newStore() *store {
	return &store{
		byID:   make(map[string]uint32),
		byKey:  make(map[iocKey]uint32),
		byType: make(map[string][]uint32),
		cache:  make(map[queryKey]*queryResult),
	}
}

// iocKey is an indicator's identity: its type and value. The strings are
// shared with the indicator, so the index costs no extra allocation.
type iocKey struct{ typ, value string }

func indKey(typ, value string) iocKey { return iocKey{typ, value} }

// insertLocked adds in (with a fresh seq). The caller holds mu.Lock and has
// checked that neither its id nor its type and value exist.
func (s *store) insertLocked(in *indicator) {
	in.seq = uint32(len(s.items))
	in.typAny = in.typ
	if in.createdOn != 0 {
		in.createdAny = time.Unix(0, in.createdOn).UTC()
	}
	s.items = append(s.items, in)
	s.byID[in.id] = in.seq
	s.byKey[indKey(in.typ, in.value)] = in.seq
	t := strings.ToLower(in.typ)
	s.byType[t] = append(s.byType[t], in.seq)
	s.live++
	s.version++
}

// replaceLocked swaps the stored version of an indicator for an updated
// copy (same seq, id, type and value).
func (s *store) replaceLocked(in *indicator) {
	s.items[in.seq] = in
	s.version++
}

func (s *store) deleteLocked(seq uint32) {
	in := s.items[seq]
	if in == nil {
		return
	}
	delete(s.byID, in.id)
	delete(s.byKey, indKey(in.typ, in.value))
	s.items[seq] = nil
	s.live--
	s.version++
}

func (s *store) getLocked(id string) *indicator {
	seq, ok := s.byID[id]
	if !ok {
		return nil
	}
	return s.items[seq]
}

// matchFunc reports whether the record's indicator matches a filter.
type matchFunc func(r *indRecord) (bool, error)

type query struct {
	key      queryKey
	match    matchFunc // nil: everything
	relative bool      // the filter holds relative dates
	expired  bool      // the filter names expired
	types    []string  // nil: any type; else only these can match
}

func (q *query) setFilter(cf compiledFilter) {
	q.match, q.relative, q.expired, q.types = cf.match, cf.relative, cf.expired, cf.types
}

// matchedLocked returns the sorted seqs of the live indicators that q
// matches. The caller holds at least mu.RLock; the returned slice is
// shared and must not be modified.
func (s *store) matchedLocked(q query, now int64) ([]uint32, error) {
	s.cacheMu.Lock()
	s.tick++
	if r, ok := s.cache[q.key]; ok && r.version == s.version && now >= r.at && now < r.until {
		r.lastUsed = s.tick
		s.cacheMu.Unlock()
		return r.seqs, nil
	}
	s.cacheMu.Unlock()

	seqs, nextExpiry, err := s.scanLocked(q, now)
	if err != nil {
		return nil, err
	}
	// A result stays valid until a write, or until the clock can change it:
	// a second for relative dates, the next expiration for "expired".
	until := int64(math.MaxInt64)
	if q.expired || q.key.sort.field == "expired" {
		until = nextExpiry
	}
	if q.relative {
		until = min(until, now+int64(queryStaleness))
	}
	if q.key.sort.field != "" {
		sortSeqs(s.items, seqs, q.key.sort, now)
	}

	s.cacheMu.Lock()
	if len(s.cache) >= maxCachedQueries {
		var oldest queryKey
		var min uint64 = ^uint64(0)
		for k, r := range s.cache {
			if r.lastUsed < min {
				oldest, min = k, r.lastUsed
			}
		}
		delete(s.cache, oldest)
	}
	s.cache[q.key] = &queryResult{version: s.version, at: now, until: until, seqs: seqs, lastUsed: s.tick}
	s.cacheMu.Unlock()
	return seqs, nil
}

// scanLocked collects the matching seqs in seq order, in parallel chunks
// for large stores. It also returns the first expiration after now among
// all indicators (math.MaxInt64 when none), after which "expired" changes.
func (s *store) scanLocked(q query, now int64) ([]uint32, int64, error) {
	items := s.items
	type part struct {
		seqs []uint32
		next int64
		err  error
	}
	// visit adds seq to p when its indicator matches; false on an error.
	visit := func(p *part, rec *indRecord, seq uint32) bool {
		in := items[seq]
		if in == nil {
			return true
		}
		if in.expiration > now && in.expiration < p.next {
			p.next = in.expiration
		}
		if q.key.fromParent == 1 && !in.fromParent || q.key.fromParent == -1 && in.fromParent {
			return true
		}
		if q.match != nil {
			rec.in = in
			ok, err := q.match(rec)
			if err != nil {
				p.err = err
				return false
			}
			if !ok {
				return true
			}
		}
		p.seqs = append(p.seqs, seq)
		return true
	}
	scan := func(lo, hi int) part {
		rec := &indRecord{now: now}
		p := part{next: math.MaxInt64}
		for i := lo; i < hi; i++ {
			if !visit(&p, rec, uint32(i)) {
				break
			}
		}
		return p
	}
	if q.types != nil {
		// Only the indicators of the filter's types can match: a
		// partitioned walk's pages scan their type, not the store.
		var cand []uint32
		if len(q.types) == 1 {
			cand = s.byType[q.types[0]] // read only
		} else {
			for _, t := range q.types {
				cand = append(cand, s.byType[t]...)
			}
			slices.Sort(cand)
			cand = slices.Compact(cand) // type:['md5','md5'] names one type
		}
		rec := &indRecord{now: now}
		p := part{seqs: []uint32{}, next: math.MaxInt64}
		for _, seq := range cand {
			if !visit(&p, rec, seq) {
				break
			}
		}
		return p.seqs, p.next, p.err
	}
	const chunk = 1 << 16
	workers := runtime.GOMAXPROCS(0)
	if len(items) <= chunk || workers == 1 {
		p := scan(0, len(items))
		if p.seqs == nil {
			p.seqs = []uint32{}
		}
		return p.seqs, p.next, p.err
	}
	parts := make([]part, (len(items)+chunk-1)/chunk)
	var wg sync.WaitGroup
	next := make(chan int, len(parts))
	for i := range parts {
		next <- i
	}
	close(next)
	for range min(workers, len(parts)) {
		wg.Go(func() {
			for i := range next {
				parts[i] = scan(i*chunk, min((i+1)*chunk, len(items)))
			}
		})
	}
	wg.Wait()
	total := 0
	nextExpiry := int64(math.MaxInt64)
	for _, p := range parts {
		if p.err != nil {
			return nil, 0, p.err
		}
		total += len(p.seqs)
		nextExpiry = min(nextExpiry, p.next)
	}
	out := make([]uint32, 0, total)
	for _, p := range parts {
		out = append(out, p.seqs...)
	}
	return out, nextExpiry, nil
}

// sortSpec is a validated sort: field "" is the default order (creation
// order).
type sortSpec struct {
	field string
	desc  bool
}

func (s sortSpec) String() string {
	if s.field == "" {
		return ""
	}
	if s.desc {
		return s.field + ".desc"
	}
	return s.field + ".asc"
}

// sortable lists the sort values the spec's enum allows, with how to read
// their key.
var sortable = map[string]keyKind{
	"action":                         kindString,
	"applied_globally":               kindBool,
	"metadata.av_hits":               kindInt,
	"metadata.company_name.raw":      kindString,
	"created_by":                     kindString,
	"created_on":                     kindTime,
	"expiration":                     kindTime,
	"expired":                        kindBool,
	"metadata.filename.raw":          kindString,
	"modified_by":                    kindString,
	"modified_on":                    kindTime,
	"metadata.original_filename.raw": kindString,
	"metadata.product_name.raw":      kindString,
	"metadata.product_version":       kindString,
	"severity_number":                kindInt,
	"source":                         kindString,
	"type":                           kindString,
	"value":                          kindString,
}

type keyKind int

const (
	kindString keyKind = iota
	kindInt
	kindBool
	kindTime
)

// sortKey is one indicator's key under a sort: null sorts last in both
// directions; ties break on seq ascending.
type sortKey struct {
	null bool
	s    string
	n    int64
	seq  uint32
}

func keyOf(in *indicator, field string, now int64) sortKey {
	k := sortKey{seq: in.seq}
	switch field {
	case "action":
		k.s = in.action
	case "applied_globally":
		k.n = b2i(in.appliedGlobally)
		return k
	case "metadata.av_hits":
		if in.meta == nil || in.meta.AVHits == 0 {
			k.null = true
		} else {
			k.n = in.meta.AVHits
		}
		return k
	case "metadata.company_name.raw":
		if in.meta != nil {
			k.s = in.meta.CompanyName
		}
	case "created_by":
		k.s = in.createdBy
	case "created_on":
		k.n = in.createdOn
		k.null = k.n == 0
		return k
	case "expiration":
		k.n = in.expiration
		k.null = k.n == 0
		return k
	case "expired":
		k.n = b2i(in.expired(now))
		return k
	case "metadata.filename.raw":
		if in.meta != nil {
			k.s = in.meta.Filename
		}
	case "modified_by":
		k.s = in.modifiedBy
	case "modified_on":
		k.n = in.modifiedOn
		k.null = k.n == 0
		return k
	case "metadata.original_filename.raw":
		if in.meta != nil {
			k.s = in.meta.OriginalFilename
		}
	case "metadata.product_name.raw":
		if in.meta != nil {
			k.s = in.meta.ProductName
		}
	case "metadata.product_version":
		if in.meta != nil {
			k.s = in.meta.ProductVersion
		}
	case "severity_number":
		k.n = severityNumber(in.severity)
		k.null = k.n == 0
		return k
	case "source":
		k.s = in.source
	case "type":
		k.s = in.typ
	case "value":
		k.s = in.value
	}
	k.null = k.s == ""
	return k
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// compareKeys orders two keys of the same field under sp.
func compareKeys(a, b sortKey, kind keyKind, desc bool) int {
	if a.null != b.null {
		if a.null {
			return 1
		}
		return -1
	}
	c := 0
	if !a.null {
		if kind == kindString {
			c = cmp.Compare(a.s, b.s)
		} else {
			c = cmp.Compare(a.n, b.n)
		}
		if desc {
			c = -c
		}
	}
	if c != 0 {
		return c
	}
	return cmp.Compare(a.seq, b.seq)
}

func sortSeqs(items []*indicator, seqs []uint32, sp sortSpec, now int64) {
	kind := sortable[sp.field]
	keys := make([]sortKey, len(seqs))
	for i, seq := range seqs {
		keys[i] = keyOf(items[seq], sp.field, now)
	}
	slices.SortFunc(keys, func(a, b sortKey) int { return compareKeys(a, b, kind, sp.desc) })
	for i := range keys {
		seqs[i] = keys[i].seq
	}
}

// searchAfter returns the index in seqs (sorted under sp) of the first item
// after the cursor key.
func searchAfter(items []*indicator, seqs []uint32, sp sortSpec, cur sortKey, now int64) int {
	if sp.field == "" {
		i, _ := slices.BinarySearch(seqs, cur.seq+1)
		return i
	}
	kind := sortable[sp.field]
	i, _ := slices.BinarySearchFunc(seqs, cur, func(seq uint32, target sortKey) int {
		c := compareKeys(keyOf(items[seq], sp.field, now), target, kind, sp.desc)
		if c == 0 {
			return -1 // the cursor's own item is before the answer
		}
		return c
	})
	return i
}
