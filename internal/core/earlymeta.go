package core

import (
	"errors"
	"io"

	"github.com/falconioc/falcon/internal/jsonscan"
)

// metaWatcher is implemented by resources destinations that want the
// envelope's meta as soon as it has arrived, while the rest of the body is
// still on its way (the ioc package's pages, which learn the next page's
// cursor from it, so that the next request can leave at once). WatchMeta
// gets the meta object when it comes before the resources, as the Falcon
// API and the emulator send it; otherwise it is not called. It may be
// called once per attempt. r.Bytes is valid during the call only, and the
// meta has not been checked against the rest of the envelope: the answer
// may still turn out broken or invalid.
type metaWatcher interface {
	WatchMeta(r Raw)
}

// maxMetaScan is how far into a body the early meta scan looks: members
// before the meta are small, and rescanning a large one on every read
// would cost more than the scan saves.
const maxMetaScan = 64 << 10

// metaScan finds the meta member at the top of a body as it arrives.
type metaScan struct {
	w    metaWatcher
	pos  int // where the next member starts; 0 before the object's '{'
	done bool
}

// scan looks at the body read so far, b, and calls the watcher once the
// meta object is complete. It gives up for good at the resources member,
// at anything unexpected, or once the body is longer than maxMetaScan.
func (m *metaScan) scan(b []byte) {
	if len(b) > maxMetaScan {
		// One last look at the first maxMetaScan bytes, then no more: a
		// long member would otherwise be scanned again from its start on
		// every read.
		defer func() { m.done = true }()
		b = b[:maxMetaScan]
	}
	pos := m.pos
	if pos == 0 {
		pos = jsonscan.SkipSpace(b, 0)
		switch {
		case pos == len(b):
			return
		case b[pos] != '{':
			m.done = true
			return
		}
		pos++
		m.pos = pos
	}
	for {
		pos = jsonscan.SkipSpace(b, pos)
		if pos == len(b) {
			return
		}
		if b[pos] != '"' {
			m.done = true // the end of the object, or not JSON
			return
		}
		end, err := jsonscan.StringEnd(b, pos)
		if err != nil {
			m.done = !errors.Is(err, io.ErrUnexpectedEOF)
			return
		}
		part := envelopePart(b[pos:end])
		if part == partResources {
			m.done = true
			return
		}
		p := jsonscan.SkipSpace(b, end)
		if p == len(b) {
			return
		}
		if b[p] != ':' {
			m.done = true
			return
		}
		p = jsonscan.SkipSpace(b, p+1)
		if p == len(b) {
			return
		}
		if part == partMeta && b[p] != '{' {
			m.done = true
			return
		}
		vend, err := jsonscan.Skip(b, p)
		if err != nil {
			m.done = !errors.Is(err, io.ErrUnexpectedEOF)
			return
		}
		if part == partMeta {
			m.done = true
			m.w.WatchMeta(Raw{Bytes: b[p:vend:vend], Offset: int64(p)})
			return
		}
		p = jsonscan.SkipSpace(b, vend)
		if p == len(b) {
			return
		}
		if b[p] != ',' {
			m.done = true
			return
		}
		pos = p + 1
		m.pos = pos
	}
}
