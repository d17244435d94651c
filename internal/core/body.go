package core

import (
	"io"
	"slices"
	"sync"
)

// bodyPool holds the buffers 2xx bodies are read into.
var bodyPool = sync.Pool{New: func() any { return new([]byte) }}

// maxPooledBody is the largest buffer kept for reuse; maxPresize bounds how
// much room a Content-Length header makes us reserve before reading.
const (
	maxPooledBody = 8 << 20
	maxPresize    = 64 << 20
)

// readBody reads r to its end into a pooled buffer, sized from the
// Content-Length when known. It returns the buffer with what was read, and
// the first read error other than io.EOF.
func readBody(r io.Reader, size int64) (*[]byte, error) {
	bp := bodyPool.Get().(*[]byte)
	b := (*bp)[:0]
	if size > 0 {
		// One byte more, so that the read that reports the end finds room.
		b = slices.Grow(b, int(min(size, maxPresize))+1)
	}
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err != nil {
			*bp = b
			if err == io.EOF {
				err = nil
			}
			return bp, err
		}
	}
}

func putBody(bp *[]byte) {
	if cap(*bp) > maxPooledBody {
		return
	}
	*bp = (*bp)[:0]
	bodyPool.Put(bp)
}

func closeBody(b io.ReadCloser) {
	if b == nil {
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(b, maxDrain))
	_ = b.Close()
}
