package core

import (
	"io"
	"slices"
	"sync"
)

// bodyPool holds the buffers 2xx bodies are read into.
var bodyPool = sync.Pool{New: func() any { return new([]byte) }}

// maxPooledBody is the largest buffer kept for reuse.
const maxPooledBody = 8 << 20

// DefaultMaxBody is the most bytes a 2xx body may hold unless the Config
// says otherwise (64 MiB).
const DefaultMaxBody = 64 << 20

// minGrow is the smallest room a buffer grows by.
const minGrow = 4 << 10

// readBody reads r to its end into a pooled buffer, but no more than limit
// bytes: past them it stops and returns errTooLarge. The Content-Length
// (size, -1 when unknown) is only a hint for the first allocation, bounded
// by the limit. It returns the buffer with what was read, and the first
// read error other than io.EOF. The buffer never grows beyond limit+1
// bytes, so a body that never ends costs no more than that. With ms, each
// read is followed by a look for the envelope's meta (see metaScan).
func readBody(r io.Reader, size, limit int64, ms *metaScan) (*[]byte, error) {
	bp := bodyPool.Get().(*[]byte)
	b := (*bp)[:0]
	if size > 0 {
		// One byte more, so that the read that reports the end finds room.
		b = slices.Grow(b, int(min(size, limit))+1)
	}
	for {
		if len(b) == cap(b) {
			// Double, but never past limit+1: one byte beyond the limit
			// tells a body of exactly limit bytes from a longer one.
			nb := make([]byte, len(b), min(max(2*int64(cap(b)), minGrow), limit+1))
			copy(nb, b)
			b = nb
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if ms != nil && !ms.done && n > 0 {
			ms.scan(b)
		}
		if int64(len(b)) > limit {
			*bp = b
			return bp, errTooLarge
		}
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

// maxDrain is how much of an unread body is discarded so that the
// connection can be reused; larger remainders close the connection.
const maxDrain = 64 << 10

func closeBody(b io.ReadCloser) {
	if b == nil {
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(b, maxDrain))
	_ = b.Close()
}
