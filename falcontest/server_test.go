package falcontest

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/falconioc/falcon/internal/iocvalue"
)

func TestOperationsCoverTheSpec(t *testing.T) {
	t.Parallel()
	ops := Operations()
	if len(ops) != 22 {
		t.Fatalf("%d operations: %v", len(ops), ops)
	}
	for _, op := range []string{"indicator.combined.v1", "indicator.aggregate.v1", "GetIndicatorsReport", "entities.processes", "oauth2AccessToken", "DevicesRanOn"} {
		if !slices.Contains(ops, op) {
			t.Fatalf("missing %s", op)
		}
	}
}

func TestSeedIsDeterministicAndValid(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	a := NewUnstartedServer(WithSeed(9), WithIndicators(3000), WithClock(clock.now)).Indicators()
	b := NewUnstartedServer(WithSeed(9), WithIndicators(3000), WithClock(clock.now)).Indicators()
	c := NewUnstartedServer(WithSeed(10), WithIndicators(3000), WithClock(clock.now)).Indicators()
	if len(a) != 3000 {
		t.Fatalf("%d indicators", len(a))
	}
	types := map[string]int{}
	ids := map[string]bool{}
	expired, parent, global := 0, 0, 0
	for i := range a {
		if a[i].ID != b[i].ID || a[i].Value != b[i].Value || !a[i].CreatedOn.Equal(b[i].CreatedOn) || !slices.Equal(a[i].Tags, b[i].Tags) {
			t.Fatalf("indicator %d differs between runs with the same seed", i)
		}
		in := a[i]
		if norm, err := iocvalue.Normalize(in.Type, in.Value); err != nil || norm != in.Value {
			t.Fatalf("seeded %s %q is not canonical: %v", in.Type, in.Value, err)
		}
		if !iocvalue.ValidID(in.ID) || ids[in.ID] {
			t.Fatalf("bad or repeated id %q", in.ID)
		}
		ids[in.ID] = true
		st := fromPublic(&in)
		if p := validate(st, clock.now().UnixNano(), false); p != nil {
			t.Fatalf("seeded indicator %+v is invalid: %s: %s", in, p.field, p.message)
		}
		if in.CreatedOn.After(clock.now()) || in.ModifiedOn.Before(in.CreatedOn) || in.CreatedOn.Nanosecond() == 0 && in.ModifiedOn.Nanosecond() == 0 {
			t.Fatalf("timestamps %v %v", in.CreatedOn, in.ModifiedOn)
		}
		types[in.Type]++
		if in.Expired {
			expired++
		}
		if in.FromParent {
			parent++
		}
		if in.AppliedGlobally {
			global++
		}
	}
	if len(types) != 5 || expired == 0 || parent == 0 || global == 0 || global == len(a) {
		t.Fatalf("types %v, %d expired, %d inherited, %d global", types, expired, parent, global)
	}
	same := 0
	for i := range a {
		if a[i].Value == c[i].Value {
			same++
		}
	}
	if same > 10 {
		t.Fatalf("%d values equal under another seed", same)
	}
}

func TestAddIndicators(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	s := NewUnstartedServer(WithClock(clock.now))
	past := clock.now().Add(-time.Hour)
	ids := s.AddIndicators(
		Indicator{Type: "md5", Value: strings.ToUpper(md5x), Action: "allow", Platforms: []string{"mac"}, AppliedGlobally: true, Expiration: past},
		Indicator{ID: strings.Repeat("ab", 32), Type: "ipv4", Value: "192.0.2.7", Action: "detect", Severity: "low", FromParent: true},
	)
	if len(ids) != 2 || ids[1] != strings.Repeat("ab", 32) {
		t.Fatalf("ids %v", ids)
	}
	got, ok := s.Indicator(ids[0])
	if !ok || got.Value != md5x || !got.Expired || !got.CreatedOn.Equal(clock.now()) || got.CreatedBy != "falcontest" {
		t.Fatalf("stored %+v", got)
	}
	c := newClient(t, s)
	r := c.get("/iocs/queries/indicators/v1", qv("filter", "expired:true"))
	if ids := r.ids(t); !slices.Equal(ids, ids[:1]) || len(ids) != 1 {
		t.Fatalf("expired: %v", ids)
	}
	for _, bad := range []Indicator{
		{Type: "md5", Value: md5x},                             // duplicate
		{Type: "md5", Value: "xyz"},                            // invalid
		{ID: "short", Type: "domain", Value: "a.example.com"},  // bad id
		{ID: ids[1], Type: "domain", Value: "b.example.com"},   // repeated id
		{Type: "url", Value: "https://a.example.com/download"}, // unknown type
	} {
		func() {
			defer func() {
				if v, _ := recover().(string); !strings.HasPrefix(v, "falcontest: AddIndicators") {
					t.Fatalf("AddIndicators(%+v) panicked with %q", bad, v)
				}
			}()
			s.AddIndicators(bad)
		}()
	}
	if s.IndicatorCount() != 2 {
		t.Fatalf("%d stored", s.IndicatorCount())
	}
}

func TestOptionPanics(t *testing.T) {
	t.Parallel()
	for name, f := range map[string]func(){
		"empty credentials":  func() { WithCredentials("", "x") },
		"negative count":     func() { WithIndicators(-1) },
		"nil clock":          func() { WithClock(nil) },
		"short ttl":          func() { WithTokenTTL(time.Millisecond) },
		"bad fault rate":     func() { WithFaultRates(FaultRates{Drop: 2}) },
		"bad window status":  func() { WithOffsetWindowStatus(404) },
		"nil option":         func() { NewUnstartedServer(nil) },
		"fail with 200":      func() { NewUnstartedServer().FailNext(200, 1) },
		"start twice":        func() { s := NewServer(); defer s.Close(); s.Start() },
		"bad listen address": func() { NewServer(WithAddr("256.0.0.1:1")) },
	} {
		func() {
			defer func() {
				if v, _ := recover().(string); !strings.HasPrefix(v, "falcontest: ") {
					t.Fatalf("%s: panicked with %q", name, v)
				}
			}()
			f()
		}()
	}
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	s := NewServer(WithIndicators(2000))
	defer s.Close()
	base := s.IndicatorCount()
	var wg sync.WaitGroup
	created := make([][]string, 4)
	for w := range 4 {
		wg.Go(func() {
			c := newClient(t, s)
			c.http = s.Client()
			for i := range 15 {
				r := c.do("POST", "/iocs/entities/indicators/v1", nil, createBody(
					newInd("domain", fmt.Sprintf("w%d-%d.example.net", w, i)),
					newInd("domain", fmt.Sprintf("w%d-%d-b.example.net", w, i)),
				))
				if r.Status != 201 {
					t.Errorf("create: %d %s", r.Status, r.Body)
					return
				}
				for _, in := range r.indicators(t) {
					created[w] = append(created[w], in.ID)
				}
				id := created[w][len(created[w])-1]
				c.do("PATCH", "/iocs/entities/indicators/v1", nil, map[string]any{
					"bulk_update": map[string]any{}, "indicators": []any{map[string]any{"id": id, "source": "w"}},
				})
				c.get("/iocs/combined/indicator/v1", qv("limit", "50", "sort", "modified_on.desc", "filter", "type:'domain'"))
				c.do("DELETE", "/iocs/entities/indicators/v1", qv("ids", created[w][len(created[w])-2]), nil)
				c.do("POST", "/iocs/aggregates/indicators/v1", nil, aggBody("name", "t", "type", "terms", "field", "source"))
				_ = s.Indicators()
				_ = s.Requests()
			}
		})
	}
	wg.Wait()
	if got, want := s.IndicatorCount(), base+4*15; got != want {
		t.Fatalf("%d indicators, want %d", got, want)
	}
}
