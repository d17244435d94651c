package falcon

import (
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/falconioc/falcon/internal/testutil"
)

const (
	testClientID = "test-client-id"
	testSecret   = "Sup3rS3cretValue-do-not-leak"
	testCID      = "0123456789abcdef0123456789abcdef"
)

// fakeFalcon is a minimal Falcon API: the token and revoke endpoints with
// bookkeeping, bearer checks, and a pluggable handler for API paths.
type fakeFalcon struct {
	mu         sync.Mutex
	region     string        // X-Cs-Region on token answers
	expiresIn  int           // seconds; 1799 when zero
	tokenFail  int           // status for token answers; 0 issues tokens
	tokenBody  string        // body for failed token answers
	tokenType  string        // Content-Type of failed token answers (JSON when empty)
	tokenGate  chan struct{} // when set, token answers wait for it
	name       string
	tokenForms []url.Values
	issued     []string
	revoked    []string
	revokeAuth []string
	apiCalls   []*http.Request
	apiTimes   []time.Time
	api        http.HandlerFunc
}

func newFake(name string, api http.HandlerFunc) *fakeFalcon {
	return &fakeFalcon{name: name, api: api}
}

func (f *fakeFalcon) tokenCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.tokenForms)
}

func (f *fakeFalcon) calls() []*http.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*http.Request(nil), f.apiCalls...)
}

func (f *fakeFalcon) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case tokenPath:
		f.serveToken(w, r)
		return
	case revokePath:
		_ = r.ParseForm()
		id, sec, _ := r.BasicAuth()
		f.mu.Lock()
		f.revoked = append(f.revoked, r.PostForm.Get("token"))
		f.revokeAuth = append(f.revokeAuth, id+":"+sec)
		f.mu.Unlock()
		writeJSON(w, http.StatusOK, `{"meta":{"trace_id":"revoke-trace"},"errors":[]}`)
		return
	}
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	f.mu.Lock()
	f.apiCalls = append(f.apiCalls, r)
	f.apiTimes = append(f.apiTimes, time.Now())
	valid := false
	for _, t := range f.issued {
		valid = valid || t == tok
	}
	for _, t := range f.revoked {
		valid = valid && t != tok
	}
	api := f.api
	f.mu.Unlock()
	if !valid {
		writeJSON(w, http.StatusUnauthorized, `{"meta":{"trace_id":"t401"},"errors":[{"code":401,"message":"access denied, invalid bearer token"}]}`)
		return
	}
	if api == nil {
		writeJSON(w, http.StatusOK, `{"meta":{"trace_id":"ok"},"resources":[],"errors":[]}`)
		return
	}
	api(w, r)
}

func (f *fakeFalcon) serveToken(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	f.mu.Lock()
	f.tokenForms = append(f.tokenForms, r.PostForm)
	gate, fail, body, ctype := f.tokenGate, f.tokenFail, f.tokenBody, f.tokenType
	f.mu.Unlock()
	if gate != nil {
		<-gate
	}
	if fail != 0 {
		w.Header().Set("X-Cs-Traceid", "token-trace")
		if ctype != "" {
			w.Header().Set("Content-Type", ctype)
			w.WriteHeader(fail)
			_, _ = w.Write([]byte(body))
			return
		}
		writeJSON(w, fail, body)
		return
	}
	if r.PostForm.Get("client_id") != testClientID || r.PostForm.Get("client_secret") != testSecret {
		writeJSON(w, http.StatusUnauthorized, `{"meta":{"trace_id":"bad-creds"},"errors":[{"code":401,"message":"access denied, invalid client"}]}`)
		return
	}
	f.mu.Lock()
	tok := fmt.Sprintf("bearer-%s-%d-XYZZY", f.name, len(f.issued)+1)
	f.issued = append(f.issued, tok)
	exp := f.expiresIn
	region := f.region
	f.mu.Unlock()
	if exp == 0 {
		exp = 1799
	}
	if region != "" {
		w.Header().Set("X-Cs-Region", region)
	}
	writeJSON(w, http.StatusCreated, fmt.Sprintf(`{"access_token":%q,"token_type":"bearer","expires_in":%d}`, tok, exp))
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// inMemory returns an *http.Client serving h without sockets (for synctest).
func inMemory(h http.Handler) *http.Client {
	return &http.Client{Transport: testutil.Transport(h)}
}

// testClient builds a client for base with test credentials.
func testClient(t *testing.T, base string, opts ...Option) *Client {
	t.Helper()
	all := append([]Option{WithCredentials(testClientID, testSecret), WithBaseURL(base)}, opts...)
	c, err := newClient(func(string) string { return "" }, all...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

// okResources answers 200 with the given resources JSON.
func okResources(resources string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, `{"meta":{"query_time":0.01,"trace_id":"trace-ok"},"resources":`+resources+`,"errors":[]}`)
	}
}

// sequence answers with each handler in turn, repeating the last.
func sequence(hs ...http.HandlerFunc) http.HandlerFunc {
	var mu sync.Mutex
	n := 0
	return func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		h := hs[min(n, len(hs)-1)]
		n++
		mu.Unlock()
		h(w, r)
	}
}

func status(code int, headers ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		writeJSON(w, code, fmt.Sprintf(`{"meta":{"trace_id":"trace-%d"},"errors":[{"code":%d,"message":"status %d"}]}`, code, code, code))
	}
}

type staticSource string

func (s staticSource) Token() (*oauth2.Token, error) {
	return &oauth2.Token{AccessToken: string(s)}, nil
}

// walkErrors calls visit on every node of err's tree, following both
// Unwrap() error and Unwrap() []error.
func walkErrors(err error, visit func(error)) {
	if err == nil {
		return
	}
	visit(err)
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		walkErrors(u.Unwrap(), visit)
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			walkErrors(e, visit)
		}
	}
}

// checkErrorTree calls Error() on every node of err's tree and fails the
// test if one panics or is one of oauth2's types.
func checkErrorTree(t *testing.T, err error) {
	t.Helper()
	walkErrors(err, func(e error) {
		t.Helper()
		if p := reflect.TypeOf(e); strings.Contains(deref(p).PkgPath(), "golang.org/x/oauth2") {
			t.Errorf("error tree exposes %v", p)
		}
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("Error() of %T panicked: %v", e, r)
				}
			}()
			_ = e.Error()
		}()
	})
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// reachableSecrets walks v by reflection, through pointers, interfaces,
// structs (unexported fields included), slices, arrays and maps, and
// returns the path of every string or byte slice that contains one of
// secrets. Functions and channels are opaque.
func reachableSecrets(v any, secrets []string) []string {
	w := secretWalker{secrets: secrets, seen: map[visit]bool{}}
	w.walk(reflect.ValueOf(v), "v", 0)
	return w.found
}

type visit struct {
	ptr uintptr
	typ reflect.Type
}

type secretWalker struct {
	secrets []string
	seen    map[visit]bool
	found   []string
}

func (w *secretWalker) check(s, path string) {
	for _, sec := range w.secrets {
		if sec != "" && strings.Contains(s, sec) {
			w.found = append(w.found, path)
		}
	}
}

func (w *secretWalker) walk(v reflect.Value, path string, depth int) {
	if !v.IsValid() || depth > 200 {
		return
	}
	switch v.Kind() {
	case reflect.String:
		w.check(v.String(), path)
	case reflect.Pointer, reflect.Map, reflect.Slice:
		if v.IsNil() {
			return
		}
		if v.Kind() != reflect.Slice || v.Cap() > 0 {
			key := visit{v.Pointer(), v.Type()}
			if w.seen[key] {
				return
			}
			w.seen[key] = true
		}
		switch v.Kind() {
		case reflect.Pointer:
			w.walk(v.Elem(), path, depth+1)
		case reflect.Map:
			it := v.MapRange()
			for it.Next() {
				w.walk(it.Key(), path+"[key]", depth+1)
				w.walk(it.Value(), fmt.Sprintf("%s[%v]", path, it.Key()), depth+1)
			}
		case reflect.Slice:
			if v.Type().Elem().Kind() == reflect.Uint8 {
				// The whole backing array: a reslice may hide bytes.
				w.check(string(v.Slice(0, v.Cap()).Bytes()), path)
				return
			}
			for i := range v.Len() {
				w.walk(v.Index(i), fmt.Sprintf("%s[%d]", path, i), depth+1)
			}
		}
	case reflect.Interface:
		w.walk(v.Elem(), path, depth+1)
	case reflect.Array:
		for i := range v.Len() {
			w.walk(v.Index(i), fmt.Sprintf("%s[%d]", path, i), depth+1)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			w.walk(v.Field(i), path+"."+v.Type().Field(i).Name, depth+1)
		}
	}
}
