package convert

import (
	"context"
	"slices"
	"strings"

	"github.com/falconioc/falcon/fql"
	"github.com/falconioc/falcon/ioc"
)

// Key identifies an indicator by type and value, without regard to case.
func Key(t ioc.Type, value string) string {
	return strings.ToLower(string(t)) + ":" + strings.ToLower(value)
}

// existingChunk is how many values one look-up filters on: a filter of 100
// IPv6 addresses or hashes stays far below the API's URL limit.
const existingChunk = 100

// Existing returns the indicators in Falcon that have the type and value of
// one of items, whatever their source, by Key. It filters on the values in
// chunks, so it costs one request per hundred items.
func Existing(ctx context.Context, c *ioc.Client, items []ioc.NewIndicator) (map[string]*ioc.Indicator, error) {
	want := make(map[string]bool, len(items))
	for _, it := range items {
		want[Key(it.Type, it.Value)] = true
	}
	found := map[string]*ioc.Indicator{}
	for batch := range slices.Chunk(items, existingChunk) {
		vals := make([]string, len(batch))
		for i, it := range batch {
			vals[i] = strings.ToLower(it.Value)
		}
		opts := &ioc.ListOptions{Filter: ioc.Filter{Expr: fql.In("value", vals...)}, Limit: ioc.MaxLimit}
		for ind, err := range c.Indicators.All(ctx, opts) {
			if err != nil {
				return nil, err
			}
			if k := Key(ind.Type, ind.Value); want[k] {
				found[k] = ind
			}
		}
	}
	return found, nil
}
