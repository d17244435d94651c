package ioc_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/falconioc/falcon"
	"github.com/falconioc/falcon/fql"
	"github.com/falconioc/falcon/ioc"
)

// TestIndicatorsService_Validation checks that bad input is refused with
// every problem listed (index and field) and nothing sent.
func TestIndicatorsService_Validation(t *testing.T) {
	t.Parallel()
	past := time.Now().Add(-time.Minute)
	good := ioc.NewIndicator{Type: ioc.TypeMD5, Value: strings.Repeat("a", 32), Action: ioc.ActionAllow,
		Platforms: []ioc.Platform{ioc.PlatformMac}, AppliedGlobally: true}
	with := func(f func(n *ioc.NewIndicator)) ioc.NewIndicator { n := good; f(&n); return n }
	tests := []struct {
		name string
		do   func(ctx context.Context, c *ioc.Client) error
		want []string // "index:field"
	}{
		{"create values", func(ctx context.Context, c *ioc.Client) error {
			_, err := c.Indicators.Create(ctx, []ioc.NewIndicator{
				with(func(n *ioc.NewIndicator) { n.Type, n.Value = ioc.TypeSHA256, "abc" }),
				with(func(n *ioc.NewIndicator) { n.Type, n.Value = ioc.TypeDomain, strings.Repeat("a", 201)+".com" }),
				with(func(n *ioc.NewIndicator) { n.Type, n.Value = ioc.TypeIPv4, "10.1" }),
				with(func(n *ioc.NewIndicator) { n.Type, n.Value = ioc.TypeIPv6, "fe80::1%eth0" }),
				with(func(n *ioc.NewIndicator) { n.Type = "url" }),
				with(func(n *ioc.NewIndicator) { n.Value = "" }),
			}, nil)
			return err
		}, []string{"0:value", "1:value", "2:value", "3:value", "4:type", "5:value"}},
		{"create fields", func(ctx context.Context, c *ioc.Client) error {
			_, err := c.Indicators.Create(ctx, []ioc.NewIndicator{
				with(func(n *ioc.NewIndicator) { n.Action = "" }),
				with(func(n *ioc.NewIndicator) { n.Value = strings.Repeat("b", 32); n.Platforms = nil }),
				with(func(n *ioc.NewIndicator) { n.Value = strings.Repeat("c", 32); n.AppliedGlobally = false }),
				with(func(n *ioc.NewIndicator) { n.Value = strings.Repeat("d", 32); n.HostGroups = []string{indHG} }),
				with(func(n *ioc.NewIndicator) {
					n.Value = strings.Repeat("e", 32)
					n.AppliedGlobally, n.HostGroups = false, []string{"nothex"}
				}),
				with(func(n *ioc.NewIndicator) { n.Value = strings.Repeat("f", 32); n.Expiration = past }),
				with(func(n *ioc.NewIndicator) { n.Value = strings.Repeat("1", 32); n.Source = strings.Repeat("s", 257) }),
				with(func(n *ioc.NewIndicator) { n.Value = strings.Repeat("2", 32); n.Tags = []string{""} }),
				with(func(n *ioc.NewIndicator) { n.Value = strings.Repeat("ab", 16) }),
				with(func(n *ioc.NewIndicator) { n.Value = strings.Repeat("AB", 16) }), // item 8 again
			}, nil)
			return err
		}, []string{"0:action", "1:platforms", "2:applied_globally", "3:host_groups", "4:host_groups", "5:expiration", "6:source", "7:tags", "9:value"}},
		{"create options", func(ctx context.Context, c *ioc.Client) error {
			_, err := c.Indicators.Create(ctx, []ioc.NewIndicator{good}, &ioc.WriteOptions{BatchSize: 2001, Concurrency: -1})
			return err
		}, []string{"-1:batch_size", "-1:concurrency"}},
		{"update", func(ctx context.Context, c *ioc.Client) error {
			_, err := c.Indicators.Update(ctx, []ioc.IndicatorUpdate{
				{ID: "short", Source: ioc.Set("x")},
				{ID: indID1},
				{ID: indID2, Action: ioc.Clear[ioc.Action](), Platforms: ioc.Set([]ioc.Platform{}), AppliedGlobally: ioc.Clear[bool]()},
				{ID: strings.ToUpper(indID2), Source: ioc.Set(""), Expiration: ioc.Set(past), HostGroups: ioc.Set([]string{"x"})},
			}, nil)
			return err
		}, []string{"0:id", "1:", "2:action", "2:platforms", "2:applied_globally", "3:id", "3:source", "3:expiration", "3:host_groups"}},
		{"bulk update", func(ctx context.Context, c *ioc.Client) error {
			_, err := c.Indicators.BulkUpdate(ctx, ioc.BulkUpdate{Filter: ioc.Filter{Expr: mustFQL("sevrity:'high'")}, Description: ioc.Clear[string]()}, nil)
			return err
		}, []string{"-1:filter", "-1:description"}},
		{"bulk update without filter", func(ctx context.Context, c *ioc.Client) error {
			_, err := c.Indicators.BulkUpdate(ctx, ioc.BulkUpdate{Source: ioc.Set("x")}, nil)
			return err
		}, []string{"-1:filter"}},
		{"list options", func(ctx context.Context, c *ioc.Client) error {
			_, _, err := c.Indicators.List(ctx, &ioc.ListOptions{Filter: ioc.Filter{Expr: fql.Eq("sevrity", "high")},
				Sort: fql.Asc("description"), Limit: 2001, After: "x", Offset: new(10000)})
			return err
		}, []string{"-1:filter", "-1:sort", "-1:limit", "-1:offset", "-1:offset"}},
		{"list unknown field", func(ctx context.Context, c *ioc.Client) error {
			_, err := collect(c.Indicators.AllIDs(ctx, &ioc.ListOptions{Filter: ioc.Filter{Expr: fql.Eq("colour", "red")}}))
			return err
		}, []string{"-1:filter"}},
		{"get ids", func(ctx context.Context, c *ioc.Client) error {
			_, _, err := c.Indicators.Get(ctx, indID1, "nope", "")
			return err
		}, []string{"1:ids", "2:ids"}},
		{"delete ids", func(ctx context.Context, c *ioc.Client) error {
			_, err := c.Indicators.Delete(ctx, []string{strings.Repeat("g", 64)}, nil)
			return err
		}, []string{"0:ids"}},
		{"delete where", func(ctx context.Context, c *ioc.Client) error {
			_, err := c.Indicators.DeleteWhere(ctx, ioc.Filter{Expr: fql.Eq("colour", "red")}, nil)
			return err
		}, []string{"-1:filter"}},
		{"aggregate", func(ctx context.Context, c *ioc.Client) error {
			four := make([]ioc.AggregateRequest, 4)
			for i := range four {
				four[i] = ioc.AggregateRequest{Type: ioc.AggMax, Field: "created_on"}
			}
			_, _, err := c.Indicators.Aggregate(ctx, ioc.AggregateRequest{Type: "median", Size: -1, SubAggregations: []ioc.AggregateRequest{
				{Type: ioc.AggDateHistogram, Field: "created_on"},
				{Type: ioc.AggSum, Field: "severity_number", SubAggregations: []ioc.AggregateRequest{{Type: ioc.AggMin, Field: "x"}}},
				{Type: ioc.AggTerms, Field: "type", SubAggregations: []ioc.AggregateRequest{{Type: ioc.AggTerms, Field: "action", SubAggregations: four}}},
			}}, &ioc.AggregateOptions{Filter: ioc.Filter{Expr: fql.Eq("colour", "red")}})
			return err
		}, []string{"-1:type", "-1:field", "-1:size", "-1:sub_aggregates[0].interval", "-1:sub_aggregates[1].sub_aggregates",
			"-1:sub_aggregates[2].sub_aggregates[0].sub_aggregates", "-1:filter"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, mock := mockClient(t)
			err := tc.do(t.Context(), c)
			var ve *falcon.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %T %v, want a *falcon.ValidationError", err, err)
			}
			var got []string
			for _, p := range ve.Problems {
				got = append(got, fmt.Sprintf("%d:%s", p.Index, p.Field))
			}
			for _, w := range tc.want {
				if !slices.Contains(got, w) {
					t.Errorf("problems %q lack %q", got, w)
				}
			}
			if len(got) > len(tc.want)+1 {
				t.Errorf("problems %q, want %q", got, tc.want)
			}
			if n := mock.GetTotalCallCount(); n != 0 {
				t.Errorf("%d requests for invalid input", n)
			}
		})
	}
}

// TestValidateNew checks that ValidateNew reports exactly the problems
// Create refuses, sends nothing and leaves its input alone.
func TestValidateNew(t *testing.T) {
	t.Parallel()
	good := ioc.NewIndicator{Type: ioc.TypeDomain, Value: "Good.Example.COM", Action: ioc.ActionDetect, Severity: ioc.SeverityLow,
		Platforms: []ioc.Platform{ioc.PlatformLinux}, AppliedGlobally: true}
	if err := ioc.ValidateNew([]ioc.NewIndicator{good}); err != nil {
		t.Fatalf("ValidateNew(good) = %v", err)
	}
	if err := ioc.ValidateNew(nil); err != nil {
		t.Fatalf("ValidateNew(nil) = %v", err)
	}
	bad := []ioc.NewIndicator{
		good,
		{Type: ioc.TypeSHA256, Value: "abc", Action: ioc.ActionDetect, Severity: ioc.SeverityLow, Platforms: []ioc.Platform{ioc.PlatformLinux}, AppliedGlobally: true},
		{Type: ioc.TypeIPv4, Value: "192.0.2.1", Platforms: []ioc.Platform{ioc.PlatformLinux}, HostGroups: []string{"nothex"},
			Expiration: time.Now().Add(-time.Hour)},
		{Type: "DOMAIN", Value: "good.example.com.", Action: ioc.ActionDetect, Severity: ioc.SeverityLow, Platforms: []ioc.Platform{ioc.PlatformLinux}, AppliedGlobally: true},
		// A type in another case is that type; prevent needs a severity;
		// mobile actions are the four documented; descriptions are bounded.
		{Type: "SHA256", Value: strings.Repeat("AB", 32), Action: ioc.ActionPrevent, MobileAction: "block",
			Description: strings.Repeat("é", ioc.MaxDescriptionLen+1), Platforms: []ioc.Platform{ioc.PlatformLinux}, AppliedGlobally: true},
		{Type: ioc.TypeMD5, Value: strings.Repeat("ab", 16), Action: ioc.ActionPreventNoUI, MobileAction: ioc.MobileActionPrevent,
			Severity: ioc.SeverityHigh, Description: strings.Repeat("é", ioc.MaxDescriptionLen), Platforms: []ioc.Platform{ioc.PlatformLinux}, AppliedGlobally: true},
	}
	before := slices.Clone(bad)
	err := ioc.ValidateNew(bad)
	ve, ok := errors.AsType[*falcon.ValidationError](err)
	if !ok {
		t.Fatalf("err = %T %v, want a *falcon.ValidationError", err, err)
	}
	var got []string
	for _, p := range ve.Problems {
		got = append(got, fmt.Sprintf("%d:%s", p.Index, p.Field))
	}
	want := []string{"1:value", "2:action", "2:host_groups", "2:expiration", "3:value", "4:severity", "4:mobile_action", "4:description"}
	if !slices.Equal(got, want) {
		t.Errorf("problems %q, want %q", got, want)
	}
	if !strings.Contains(ve.Problems[4].Message, "duplicate of item 0") {
		t.Errorf("duplicate problem = %+v", ve.Problems[4])
	}
	for i := range bad {
		if bad[i].Value != before[i].Value || bad[i].Type != before[i].Type {
			t.Errorf("item %d value changed to %q", i, bad[i].Value)
		}
	}

	c, mock := mockClient(t)
	_, cerr := c.Indicators.Create(t.Context(), bad, nil)
	if cve, ok := errors.AsType[*falcon.ValidationError](cerr); !ok || !slices.Equal(cve.Problems, ve.Problems) {
		t.Errorf("Create refused with %v, ValidateNew with %v", cerr, err)
	}
	if n := mock.GetTotalCallCount(); n != 0 {
		t.Errorf("%d requests", n)
	}
}

func TestValidateUpdates(t *testing.T) {
	t.Parallel()
	ok := []ioc.IndicatorUpdate{{ID: indID1, Tags: ioc.Clear[[]string]()}, {ID: indID2, Severity: ioc.Set(ioc.SeverityLow)}}
	if err := ioc.ValidateUpdates(ok); err != nil {
		t.Fatalf("ValidateUpdates(ok) = %v", err)
	}
	if !ok[0].Tags.IsNull() {
		t.Error("ValidateUpdates changed its input")
	}
	bad := []ioc.IndicatorUpdate{
		{ID: "short", Source: ioc.Set("x")},
		{ID: indID1},
		{ID: strings.ToUpper(indID1), Platforms: ioc.Clear[[]ioc.Platform](), Expiration: ioc.Set(time.Now().Add(-time.Hour))},
	}
	err := ioc.ValidateUpdates(bad)
	ve, isVE := errors.AsType[*falcon.ValidationError](err)
	if !isVE {
		t.Fatalf("err = %T %v", err, err)
	}
	var got []string
	for _, p := range ve.Problems {
		got = append(got, fmt.Sprintf("%d:%s", p.Index, p.Field))
	}
	if want := []string{"0:id", "1:", "2:id", "2:platforms", "2:expiration"}; !slices.Equal(got, want) {
		t.Errorf("problems %q, want %q", got, want)
	}
	c, _ := mockClient(t)
	_, uerr := c.Indicators.Update(t.Context(), bad, nil)
	if uve, ok := errors.AsType[*falcon.ValidationError](uerr); !ok || !slices.Equal(uve.Problems, ve.Problems) {
		t.Errorf("Update refused with %v, ValidateUpdates with %v", uerr, err)
	}
}
