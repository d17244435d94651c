package falcon

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
)

// lookalike has methods named like the SDK's internal fast paths. Client.Do
// must treat it as any other type: encoding/json decodes it, through its
// UnmarshalJSON, and it never sees the client's own buffers.
type lookalike struct {
	raw     []byte
	decoded []string
}

func (l *lookalike) DecodeRaw(b []byte) error { l.raw = b; return nil }

func (l *lookalike) KeepRaw(b []byte, release func()) error { l.raw = b; return nil }

func (l *lookalike) UnmarshalJSON(b []byte) error { return json.Unmarshal(b, &l.decoded) }

func TestDoIgnoresLookalikeFastPaths(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	fake := newFake("us1", func(w http.ResponseWriter, r *http.Request) {
		c := rune('a' + n.Add(1))
		okResources(`["`+strings.Repeat(string(c), 64)+`"]`)(w, r)
	})
	srv := httptest.NewServer(fake)
	defer srv.Close()
	c := testClient(t, srv.URL)
	var first lookalike
	if _, err := c.Do(context.Background(), &Request{Path: "/p"}, &first); err != nil {
		t.Fatal(err)
	}
	want := []string{strings.Repeat("b", 64)}
	for range 5 {
		var other lookalike
		if _, err := c.Do(context.Background(), &Request{Path: "/p"}, &other); err != nil {
			t.Fatal(err)
		}
	}
	if first.raw != nil || !reflect.DeepEqual(first.decoded, want) {
		t.Errorf("lookalike got raw %q, decoded %q; want no raw bytes and %q", first.raw, first.decoded, want)
	}
}
