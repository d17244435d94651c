package falcontest

import (
	"slices"
	"testing"
	"time"
)

// TestTypeIndex checks that scanning only the indicators of a filter's
// types finds exactly what scanning the whole store finds.
func TestTypeIndex(t *testing.T) {
	s := NewUnstartedServer(WithIndicators(3000))
	defer s.Close()
	s.AddIndicators(Indicator{Type: "domain", Value: "index.example.com", Action: "detect", Severity: "high"})
	now := time.Now().UnixNano()
	for _, tc := range []struct {
		filter string
		types  []string // nil: no restriction
	}{
		{"type:'domain'", []string{"domain"}},
		{"type:'DOMAIN'", []string{"domain"}},
		{"TYPE:'md5'+severity:'high'", []string{"md5"}},
		{"type:['ipv4','sha256']", []string{"ipv4", "sha256"}},
		{"type:['md5','MD5']", []string{"md5", "md5"}}, // one type named twice
		{"(type:'domain'+created_on:>='2025-01-01T00:00:00Z'),(type:'md5'+created_on:<'2025-06-01T00:00:00Z')", []string{"domain", "md5"}},
		{"type:!['domain','md5']", nil},
		{"(type:'domain'),severity:'high'", nil},
		{"type:*'dom*'", nil},
		{"severity:'high'", nil},
	} {
		cf, err := s.compileFilter(tc.filter)
		if err != nil {
			t.Fatalf("%s: %v", tc.filter, err)
		}
		if !slices.Equal(cf.types, tc.types) {
			t.Errorf("%s: types %q, want %q", tc.filter, cf.types, tc.types)
		}
		var q query
		q.setFilter(cf)
		full := q
		full.types = nil
		s.store.mu.RLock()
		got, _, err1 := s.store.scanLocked(q, now)
		want, _, err2 := s.store.scanLocked(full, now)
		s.store.mu.RUnlock()
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: %v, %v", tc.filter, err1, err2)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: the type index finds %d indicators, the full scan %d", tc.filter, len(got), len(want))
		}
		if len(want) == 0 && tc.filter != "type:*'dom*'" {
			t.Errorf("%s: matches nothing: a weak case", tc.filter)
		}
	}
}
