package ioc_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"testing"

	"github.com/falconioc/falcon"
	"github.com/falconioc/falcon/falcontest"
	"github.com/falconioc/falcon/ioc"
	"github.com/falconioc/falcon/pagination"
)

// TestIndicatorsService_WalkErrorShapes checks the error a failed walk of
// All or AllIDs yields, sequential and parallel: always a *ioc.ResumeError
// with a token; inside it a *pagination.PageError when a page request
// failed, a *falcon.DecodeError when a page could not be decoded, and the
// context's error when the context ended.
func TestIndicatorsService_WalkErrorShapes(t *testing.T) {
	t.Parallel()
	srv := falcontest.NewServer(falcontest.WithIndicators(1200))
	t.Cleanup(srv.Close)
	clean, _ := parallelClient(t, srv, "")
	want := collectIDs(t, clean.Indicators.AllIDs(t.Context(), nil), strID)
	type walk func(ctx context.Context, c *ioc.Client, opts *ioc.ListOptions) iter.Seq2[string, error]
	walks := map[string]struct {
		path string
		walk walk
	}{
		"All": {"/iocs/combined/indicator/v1", func(ctx context.Context, c *ioc.Client, opts *ioc.ListOptions) iter.Seq2[string, error] {
			return func(yield func(string, error) bool) {
				for ind, err := range c.Indicators.All(ctx, opts) {
					id := ""
					if ind != nil {
						id = ind.ID
					}
					if !yield(id, err) {
						return
					}
				}
			}
		}},
		"AllIDs": {"/iocs/queries/indicators/v1", func(ctx context.Context, c *ioc.Client, opts *ioc.ListOptions) iter.Seq2[string, error] {
			return c.Indicators.AllIDs(ctx, opts)
		}},
	}
	for name, w := range walks {
		for _, par := range []int{0, 4} {
			for _, failure := range []string{"request", "decode", "context"} {
				t.Run(fmt.Sprintf("%s/parallel %d/%s", name, par, failure), func(t *testing.T) {
					ctx, cancel := context.WithCancel(t.Context())
					defer cancel()
					var c *ioc.Client
					switch failure {
					case "request":
						var ft *failingTransport
						c, ft = parallelClient(t, srv, w.path)
						ft.n.Store(3)
					case "decode":
						c = corruptingClient(t, srv, w.path, 3)
					default:
						c, _ = parallelClient(t, srv, "")
					}
					var got error
					var ids []string
					n := 0
					for id, err := range w.walk(ctx, c, &ioc.ListOptions{Limit: 100, Parallel: par}) {
						if err != nil {
							got = err
							break
						}
						ids = append(ids, id)
						if n++; n == 150 && failure == "context" {
							cancel()
						}
					}
					var re *ioc.ResumeError
					if !errors.As(got, &re) || re.Token == "" {
						t.Fatalf("after %d items: %v (%T), want a *ioc.ResumeError with a token", n, got, got)
					}
					var pe *pagination.PageError
					var de *falcon.DecodeError
					switch failure {
					case "request":
						if !errors.As(got, &pe) {
							t.Errorf("%v: no *pagination.PageError inside", got)
						}
					case "decode":
						if !errors.As(got, &de) {
							t.Errorf("%v: no *falcon.DecodeError inside", got)
						}
					default:
						if !errors.Is(got, context.Canceled) {
							t.Errorf("%v: not the context's error", got)
						}
					}
					// The token resumes exactly there.
					for id, err := range w.walk(t.Context(), clean, &ioc.ListOptions{Limit: 100, Parallel: par, Resume: re.Token}) {
						if err != nil {
							t.Fatalf("resumed walk: %v", err)
						}
						ids = append(ids, id)
					}
					checkSame(t, ids, want)
				})
			}
		}
	}
}
