package ioc_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/falconioc/falcon"
	"github.com/falconioc/falcon/ioc"
)

func TestActionsService_Get(t *testing.T) {
	t.Parallel()
	c, mock := mockClient(t)
	var gotIDs []string
	mock.RegisterResponder(http.MethodGet, mockBase+"/iocs/entities/actions/v1", func(req *http.Request) (*http.Response, error) {
		gotIDs = req.URL.Query()["ids"]
		return jsonResponder(http.StatusOK, envelope(`[
			{"id":"detect","platforms_by_type":{"domain":["windows","ios"],"sha256":["mac"]},"severities":["low","high"]},
			{"id":"allow","platforms_by_type":{"md5":["linux"]},"severities":[]}]`, ""))(req)
	})
	got, resp, err := c.Actions.Get(t.Context(), ioc.ActionDetect, ioc.ActionAllow)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(gotIDs, []string{"detect", "allow"}) {
		t.Errorf("ids sent = %q", gotIDs)
	}
	if resp.Meta.TraceID != "trace-ok" {
		t.Errorf("Meta = %+v", resp.Meta)
	}
	if len(got.Found) != 2 || len(got.Missing) != 0 {
		t.Fatalf("Get = %+v", got)
	}
	d := got.Found[0]
	if d.ID != ioc.ActionDetect || !slices.Equal(d.PlatformsByType[ioc.TypeDomain], []ioc.Platform{ioc.PlatformWindows, ioc.PlatformIOS}) ||
		!slices.Equal(d.PlatformsByType[ioc.TypeSHA256], []ioc.Platform{ioc.PlatformMac}) ||
		!slices.Equal(d.Severities, []ioc.Severity{ioc.SeverityLow, ioc.SeverityHigh}) {
		t.Errorf("detect = %+v", d)
	}
	if a := got.Found[1]; a.ID != ioc.ActionAllow || len(a.PlatformsByType) != 1 || len(a.Severities) != 0 {
		t.Errorf("allow = %+v", a)
	}
}

func TestActionsService_GetValidation(t *testing.T) {
	t.Parallel()
	c, mock := mockClient(t)
	for _, ids := range [][]ioc.Action{{"detect", ""}, {" "}} {
		_, _, err := c.Actions.Get(t.Context(), ids...)
		ve, ok := errors.AsType[*falcon.ValidationError](err)
		if !ok || len(ve.Problems) != 1 || ve.Problems[0].Field != "ids" {
			t.Errorf("Get(%q) err = %v, want one problem on ids", ids, err)
		}
	}
	// No id: an empty result, as for every look-up by id.
	res, resp, err := c.Actions.Get(t.Context())
	if err != nil || resp != nil || len(res.Found) != 0 || len(res.Missing) != 0 {
		t.Errorf("Get() = %+v, %v, %v; want an empty result", res, resp, err)
	}
	if n := mock.GetTotalCallCount(); n != 0 {
		t.Errorf("%d requests for invalid ids", n)
	}
}

// TestActionsService_GetChunks checks that a long id list is split across
// requests and the answers joined in order, the ids not found (a chunk
// answered 404 included) listed in Missing.
func TestActionsService_GetChunks(t *testing.T) {
	t.Parallel()
	c, mock := mockClient(t)
	ids := make([]ioc.Action, 3000)
	for i := range ids {
		ids[i] = ioc.Action(fmt.Sprintf("action_%05d", i))
	}
	var (
		mu     sync.Mutex
		chunks [][]string
	)
	mock.RegisterResponder(http.MethodGet, mockBase+"/iocs/entities/actions/v1", func(req *http.Request) (*http.Response, error) {
		q := req.URL.Query()["ids"]
		mu.Lock()
		chunks = append(chunks, q)
		mu.Unlock()
		if q[0] == "action_00000" {
			// None of this chunk's ids exists.
			return jsonResponder(http.StatusNotFound, `{"meta":{"query_time":0.001,"trace_id":"t"},"errors":[{"code":404,"message":"none found","id":"x"}],"resources":[]}`)(req)
		}
		var rows []string
		for _, id := range q {
			if strings.HasSuffix(id, "7") {
				continue // unknown to the API
			}
			b, _ := json.Marshal(map[string]any{"id": id, "platforms_by_type": map[string][]string{}, "severities": []string{}})
			rows = append(rows, string(b))
		}
		return jsonResponder(http.StatusOK, `{"meta":{"query_time":0.001,"trace_id":"t"},"errors":[{"code":404,"message":"some not found"}],"resources":[`+strings.Join(rows, ",")+`]}`)(req)
	})
	got, _, err := c.Actions.Get(t.Context(), ids...)
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(chunks, func(a, b []string) int { return strings.Compare(a[0], b[0]) })
	if len(chunks) < 3 {
		t.Fatalf("%d requests for 3000 ids, want them split in at least 3", len(chunks))
	}
	var sent []string
	for _, ch := range chunks {
		if len(strings.Join(ch, "&ids=")) > 16000 {
			t.Errorf("a chunk of %d ids is too long for one query", len(ch))
		}
		sent = append(sent, ch...)
	}
	if !slices.Equal(sent, toStrings(ids)) {
		t.Error("the chunks do not hold every id once, in order")
	}
	var want []ioc.Action
	var missing []string
	skipped := map[string]bool{}
	for _, id := range chunks[0] {
		skipped[id] = true
	}
	for _, id := range ids {
		if !strings.HasSuffix(string(id), "7") && !skipped[string(id)] {
			want = append(want, id)
		} else {
			missing = append(missing, string(id))
		}
	}
	var gotIDs []ioc.Action
	for _, a := range got.Found {
		gotIDs = append(gotIDs, a.ID)
	}
	if !slices.Equal(gotIDs, want) {
		t.Errorf("Get returned %d actions, want %d in order", len(gotIDs), len(want))
	}
	if !slices.Equal(got.Missing, missing) {
		t.Errorf("Missing has %d ids, want %d in order", len(got.Missing), len(missing))
	}
}

func TestActionsService_Emulator(t *testing.T) {
	t.Parallel()
	c, _ := emuClient(t)
	ids, err := firstErr(c.Actions.All(t.Context(), &ioc.CatalogOptions{Limit: 2}))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []ioc.Action{ioc.ActionNoAction, ioc.ActionAllow, ioc.ActionPreventNoUI, ioc.ActionPrevent, ioc.ActionDetect} {
		if !slices.Contains(ids, w) {
			t.Errorf("actions %v lack %s", ids, w)
		}
	}
	got, _, err := c.Actions.Get(t.Context(), ids...)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Found) != len(ids) {
		t.Fatalf("Get(%d ids) returned %d", len(ids), len(got.Found))
	}
	for _, a := range got.Found {
		if len(a.PlatformsByType) == 0 {
			t.Errorf("%s has no platforms", a.ID)
		}
		for typ, ps := range a.PlatformsByType {
			if len(ps) == 0 {
				t.Errorf("%s lists no platform for %s", a.ID, typ)
			}
		}
	}

	// An unknown id next to a known one: found one, the other Missing.
	got, _, err = c.Actions.Get(t.Context(), ioc.ActionDetect, "quarantine")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Found) != 1 || got.Found[0].ID != ioc.ActionDetect || !slices.Equal(got.Missing, []string{"quarantine"}) {
		t.Errorf("Get = %+v", got)
	}

	// Only unknown ids: the API answers 404, which is no error either.
	got, _, err = c.Actions.Get(t.Context(), "quarantine")
	if err != nil || len(got.Found) != 0 || !slices.Equal(got.Missing, []string{"quarantine"}) {
		t.Errorf("Get(unknown) = %+v, %v; want it Missing", got, err)
	}
}

func TestActionsService_ListNilOptions(t *testing.T) {
	t.Parallel()
	c, mock := mockClient(t)
	r, queries := svcQuery(t, catalogPages([]string{"allow", "detect"}))
	mock.RegisterResponder(http.MethodGet, mockBase+"/iocs/queries/actions/v1", r)
	got, _, err := c.Actions.List(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []ioc.Action{ioc.ActionAllow, ioc.ActionDetect}) {
		t.Errorf("List = %v", got)
	}
	if q := queries(); len(q) != 1 || len(q[0]) != 0 {
		t.Errorf("queries = %v, want one without parameters", q)
	}
}
