package spectest

import (
	"bytes"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
)

// Handler returns a handler that validates every request it receives and
// every response h writes, reporting problems through t, for contract tests
// of a server such as falcontest. The response is buffered and passed on
// unchanged once h returns, so h cannot stream through it.
func Handler(t TB, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := CheckRequest(r); err != nil {
			t.Errorf("%v", err)
		}
		// Keep the request as h first saw it: h may consume its body.
		body, _ := readBody(r)
		orig := r.Clone(r.Context())
		orig.Body = io.NopCloser(bytes.NewReader(body))

		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)

		if _, err := Find(orig); err == nil {
			if err := CheckResponse(orig, rec.Code, rec.Header(), rec.Body.Bytes()); err != nil {
				t.Errorf("%v", err)
			}
		}
		maps.Copy(w.Header(), rec.Header())
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}
