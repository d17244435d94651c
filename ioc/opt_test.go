package ioc_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/falconioc/falcon/ioc"
)

// TestOptLeftAloneNeverEncodesAsClear checks that a left-alone Opt is
// either left out (omitzero) or refused: an encoder that ignores omitzero
// must fail rather than send null, which would clear the field.
func TestOptLeftAloneNeverEncodesAsClear(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(ioc.IndicatorUpdate{ID: "x", Severity: ioc.Set(ioc.SeverityHigh),
		Description: ioc.Clear[string](), AppliedGlobally: ioc.Set(false)})
	if err != nil || string(b) != `{"id":"x","severity":"high","description":null,"applied_globally":false}` {
		t.Errorf("Marshal = %s, %v", b, err)
	}

	// As an encoder ignoring omitzero sees the fields.
	for name, v := range map[string]any{
		"field without omitzero": struct {
			D ioc.Opt[string] `json:"description"`
		}{},
		"field with omitempty": struct {
			D ioc.Opt[[]string] `json:"tags,omitempty"`
		}{},
		"bare value": ioc.Opt[bool]{},
		"in a map":   map[string]ioc.Opt[int]{"k": {}},
	} {
		b, err := json.Marshal(v)
		if err == nil || !strings.Contains(err.Error(), "omitzero") {
			t.Errorf("%s: Marshal = %s, %v; want an error naming omitzero", name, b, err)
		}
	}
	var o ioc.Opt[int]
	if _, err := o.MarshalJSON(); err == nil {
		t.Error("MarshalJSON of a left-alone Opt succeeded")
	}
}
