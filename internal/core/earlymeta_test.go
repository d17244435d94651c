package core

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/falconioc/falcon/internal/testutil"
)

// watcher records what WatchMeta saw.
type watcher struct {
	metas []string
	at    []int // how many body bytes had been read at each call
	read  *int
}

func (w *watcher) WatchMeta(r Raw) {
	w.metas = append(w.metas, string(r.Bytes))
	if w.read != nil {
		w.at = append(w.at, *w.read)
	}
}

func (w *watcher) UnmarshalJSON(b []byte) error { return nil }

// countReader counts the bytes read through it.
type countReader struct {
	r io.Reader
	n *int
}

func (c countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	*c.n += n
	return n, err
}

func TestEarlyMeta(t *testing.T) {
	t.Parallel()
	const meta = `{"pagination":{"after":"c2","total":9}}`
	tests := []struct {
		name string
		body string
		want string // "" when WatchMeta must not be called
	}{
		{"meta first", `{"meta":` + meta + `,"resources":[1,2,3],"errors":[]}`, meta},
		{"white space", " \n{ \"meta\" :\t" + meta + " , \"resources\":[1]}", meta},
		{"errors and unknown members first", `{"errors":[{"code":1}],"x":12,"y":"s\"}","meta":` + meta + `,"resources":[]}`, meta},
		{"escaped and other-case key", `{"M\u0045TA":` + meta + `,"resources":[]}`, meta},
		{"resources first", `{"resources":[1,2,3],"meta":` + meta + `}`, ""},
		{"no meta", `{"resources":[1]}`, ""},
		{"null meta", `{"meta":null,"resources":[1]}`, ""},
		{"meta not an object", `{"meta":[1],"resources":[1]}`, ""},
		{"not an object", `[{"meta":` + meta + `}]`, ""},
		{"broken before meta", `{"errors":[}],"meta":` + meta + `}`, ""},
		{"truncated meta", `{"meta":{"pagination":{"after":"c2"`, ""},
	}
	for _, tt := range tests {
		for _, oneByte := range []bool{false, true} {
			var w watcher
			read := 0
			w.read = &read
			var r io.Reader = strings.NewReader(tt.body)
			if oneByte {
				r = iotest.OneByteReader(r)
			}
			bp, _ := readBody(countReader{r, &read}, -1, testLimit, &metaScan{w: &w})
			putBody(bp)
			switch {
			case tt.want == "" && len(w.metas) != 0:
				t.Errorf("%s (one byte %v): WatchMeta(%q), want no call", tt.name, oneByte, w.metas)
			case tt.want != "" && (len(w.metas) != 1 || w.metas[0] != tt.want):
				t.Errorf("%s (one byte %v): WatchMeta got %q, want one call with %q", tt.name, oneByte, w.metas, tt.want)
			case tt.want != "" && oneByte:
				// Called as soon as the meta's closing brace arrived.
				if end := strings.Index(tt.body, meta) + len(meta); w.at[0] != end {
					t.Errorf("%s: WatchMeta after %d bytes, want right after the meta (%d)", tt.name, w.at[0], end)
				}
			}
		}
	}
}

func TestEarlyMetaThroughDo(t *testing.T) {
	t.Parallel()
	body := `{"meta":{"pagination":{"after":"c2"}},"resources":[{"id":"a"}]}`
	hc := &http.Client{Transport: testutil.RoundTripFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader(body)), Header: http.Header{}, ContentLength: -1, Request: r}, nil
	})}
	c := New(Config{HTTPClient: hc, BaseURL: "https://api.test", NoPacing: true})
	var w watcher
	var m struct{}
	if _, err := c.Do(t.Context(), &Request{Method: "GET", Path: "/p"}, Envelope{Meta: &m, Resources: &w}); err != nil {
		t.Fatal(err)
	}
	if len(w.metas) != 1 || w.metas[0] != `{"pagination":{"after":"c2"}}` {
		t.Errorf("WatchMeta got %q", w.metas)
	}
}

// TestEarlyMetaScanIsBounded checks that the scan gives up once the body
// read so far passes maxMetaScan, even inside a member that began before
// it: otherwise each read of a long member before the meta would scan it
// again from its start, quadratic in the body's size.
func TestEarlyMetaScanIsBounded(t *testing.T) {
	t.Parallel()
	for _, prefix := range []string{`{"errors":["`, `{"`, `{"meta":{"x":"`} {
		body := []byte(prefix + strings.Repeat("x", 2*maxMetaScan))
		m := metaScan{w: &watcher{}}
		m.scan(body[:maxMetaScan/2])
		if m.done {
			t.Fatalf("%s: gave up within the first %d bytes", prefix, maxMetaScan/2)
		}
		m.scan(body)
		if !m.done {
			t.Errorf("%s: still scanning after %d bytes, more than maxMetaScan (%d)", prefix, len(body), maxMetaScan)
		}
	}
}
