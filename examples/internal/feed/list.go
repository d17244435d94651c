package feed

import (
	"bytes"
	"strconv"
	"strings"
)

// readList reads a plain list: one value per line; blank lines and lines
// starting with "#" are skipped; a value may be followed by ";" and a
// comment (LOKI's "value;comment" format), which becomes the description
// unless it is only digits (a LOKI score). A ";" after a "/" is part of a
// URL or path, not a separator.
func readList(b *builder, data []byte) {
	n := 0
	for line := range bytes.Lines(data) {
		n++
		s := strings.TrimSpace(string(line))
		if s == "" || s[0] == '#' {
			continue
		}
		e := Entry{Origin: b.opts.Name + ":" + strconv.Itoa(n)}
		// A ";" after a URL or a path is part of it, not a comment.
		if v, comment, ok := strings.Cut(s, ";"); ok && !strings.Contains(v, "/") {
			s = strings.TrimSpace(v)
			if c := strings.TrimSpace(comment); c != "" && strings.Trim(c, "0123456789") != "" {
				e.Description = c
			}
		}
		for _, v := range splitPacked(s) {
			b.add(e, "", v)
		}
	}
}
