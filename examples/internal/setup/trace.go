package setup

import (
	"context"
	"log/slog"
	"sync"
)

// Call is one HTTP request the SDK made, as its debug log reports it.
type Call struct {
	Method  string
	Path    string
	Status  int
	TraceID string
}

// Calls collects the requests a falcon.Client makes, through the client's
// slog logger: pass Logger() to falcon.WithLogger (Config.ClientOptions) and
// Take the calls after each step. Calls that return a *falcon.Response
// carry their trace id there; bulk writes (Create, Update, Delete) send
// several requests and return none, so the log is where their trace ids are.
type Calls struct {
	mu    sync.Mutex
	calls []Call
}

// Logger returns a logger that records every "falcon request" record.
func (c *Calls) Logger() *slog.Logger { return slog.New(callsHandler{c}) }

// Take returns the calls recorded since the last Take.
func (c *Calls) Take() []Call {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.calls
	c.calls = nil
	return out
}

type callsHandler struct{ c *Calls }

func (h callsHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h callsHandler) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "falcon request" {
		return nil
	}
	var call Call
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "method":
			call.Method = a.Value.String()
		case "path":
			call.Path = a.Value.String()
		case "status":
			call.Status = int(a.Value.Int64())
		case "trace_id":
			call.TraceID = a.Value.String()
		}
		return true
	})
	h.c.mu.Lock()
	h.c.calls = append(h.c.calls, call)
	h.c.mu.Unlock()
	return nil
}

func (h callsHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h callsHandler) WithGroup(string) slog.Handler      { return h }
