package ioc

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/falconioc/falcon"
)

// pageLimit is the page size of one listing, shared by its walks (and by
// the pages a prefetching iterator fetches at once). It only shrinks.
type pageLimit struct {
	n atomic.Int64
	// sent, if set, is told of every request fetch sends.
	sent func(*falcon.Response, error)
}

func newPageLimit(n int) *pageLimit {
	l := &pageLimit{}
	l.n.Store(int64(n))
	return l
}

// fetch sends one GET of path with the query built for the current page
// size. While the server refuses the size (limitRefused), it halves the
// size and asks again, down to 1, the API's minimum, so a server that
// takes only small pages (as GovCloud) is still read to the end. When even
// 1 is refused, the error says so and wraps the server's *falcon.APIError.
// The size the query sends (its "limit", which may be below the current
// size, as at the end of the offset window) is the one halved.
func (l *pageLimit) fetch(ctx context.Context, c *falcon.Client, path string, out any, query func(limit int) url.Values) (*falcon.Response, error) {
	first, prev := 0, 0
	for {
		q := query(int(l.n.Load()))
		sent, _ := strconv.Atoi(q.Get("limit"))
		resp, err := c.Do(ctx, &falcon.Request{Method: http.MethodGet, Path: path, Query: q}, out)
		if l.sent != nil {
			l.sent(resp, err)
		}
		if err == nil || !limitRefused(err) {
			return resp, err
		}
		if first == 0 {
			first = sent
		}
		// Stop at 1, or if the query did not take the smaller size.
		if sent <= 1 || (prev != 0 && sent >= prev) {
			if sent < first {
				err = fmt.Errorf("ioc: the server refused every page size from %d down to %d: %w", first, sent, err)
			}
			return resp, err
		}
		prev = sent
		l.shrink(sent / 2)
	}
}

// shrink lowers the size to n unless another walk has gone lower.
func (l *pageLimit) shrink(n int) {
	for {
		cur := l.n.Load()
		if cur <= int64(n) || l.n.CompareAndSwap(cur, int64(n)) {
			return
		}
	}
}

// refusalScan bounds how much of a 400 body without the API's error list
// limitRefused reads.
const refusalScan = 4096

// limitRefused reports whether err is a 400 answer refusing the page size.
// JSON and HTML refusals count alike: the messages of the API's error
// list, or else the body's text (the HTML page a gateway answers with, as
// on GovCloud), must not be about the offset (the 10,000 window is not
// cured by smaller pages) and must name the limit, unless they come with
// no error list at all: a page that names nothing is taken as a refusal
// of the one parameter the server may take smaller.
func limitRefused(err error) bool {
	ae, ok := errors.AsType[*falcon.APIError](err)
	if !ok || ae.StatusCode != http.StatusBadRequest {
		return false
	}
	var text string
	if len(ae.Errors) > 0 {
		var b strings.Builder
		for _, d := range ae.Errors {
			b.WriteString(d.Message)
			b.WriteByte(' ')
		}
		text = b.String()
	} else {
		text = string(ae.Body[:min(len(ae.Body), refusalScan)])
	}
	text = strings.ToLower(text)
	if strings.Contains(text, "offset") {
		return false
	}
	return len(ae.Errors) == 0 || strings.Contains(text, "limit")
}
