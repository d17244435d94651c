package setup

import (
	"io"
	"os"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// IsTerminal reports whether w is a terminal.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// Progress counts work done towards a total on a bar drawn on stderr. It
// draws nothing when stderr is not a terminal. A nil *Progress is valid and
// does nothing.
type Progress struct {
	bar *progressbar.ProgressBar
}

// NewProgress returns a bar for total items (-1 when the total is unknown)
// described by desc, drawn on stderr if stderr is a terminal.
func NewProgress(stderr io.Writer, total int64, desc string) *Progress {
	if !IsTerminal(stderr) {
		return nil
	}
	return &Progress{bar: progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(stderr),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("IOCs"),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100_000_000), // 100ms
		progressbar.OptionClearOnFinish(),
	)}
}

// Set moves the bar to n items done.
func (p *Progress) Set(n int64) {
	if p != nil {
		_ = p.bar.Set64(n)
	}
}

// Add moves the bar n items further.
func (p *Progress) Add(n int) {
	if p != nil {
		_ = p.bar.Add(n)
	}
}

// SetTotal changes the total, once it is known.
func (p *Progress) SetTotal(total int64) {
	if p != nil {
		p.bar.ChangeMax64(total)
	}
}

// Done finishes the bar and clears it from the terminal.
func (p *Progress) Done() {
	if p != nil {
		_ = p.bar.Finish()
		_ = p.bar.Clear()
	}
}
