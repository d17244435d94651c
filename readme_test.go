package falcon_test

import (
	"bytes"
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var updateREADME = flag.Bool("update-readme", false, "rewrite README.md's Go snippets from the Example_readme* functions")

// readmeSnippet is one ```go block of README.md and the example it shows.
type readmeSnippet struct {
	line       int    // line of the opening fence, from 1
	dir, name  string // where the example is: dir/readme_example_test.go, func name
	start, end int    // byte offsets of the block's code in README.md
}

var snippetMark = regexp.MustCompile(`^<!-- snippet: (\S+) (Example\w*) -->$`)

// readmeSnippets finds the ```go blocks of readme. Each must follow a line
// <!-- snippet: DIR EXAMPLE --> naming the example whose body it is.
func readmeSnippets(t *testing.T, readme []byte) []readmeSnippet {
	t.Helper()
	var (
		out  []readmeSnippet
		cur  *readmeSnippet
		prev string
		off  int
	)
	for i, line := range strings.SplitAfter(string(readme), "\n") {
		text := strings.TrimRight(line, "\n")
		switch {
		case cur == nil && strings.HasPrefix(text, "```go"):
			m := snippetMark.FindStringSubmatch(prev)
			if m == nil {
				t.Errorf("README.md:%d: a ```go block without a <!-- snippet: DIR ExampleName --> line above it", i+1)
				m = []string{"", "", ""}
			}
			cur = &readmeSnippet{line: i + 1, dir: m[1], name: m[2], start: off + len(line)}
		case cur != nil && text == "```":
			cur.end = off
			out = append(out, *cur)
			cur = nil
		}
		prev, off = text, off+len(line)
	}
	if cur != nil {
		t.Errorf("README.md:%d: unterminated ```go block", cur.line)
	}
	return out
}

// readmeExamples returns the bodies of the examples in dir's
// readme_example_test.go, by name, one tab less indented: the code and
// its // Output: comment.
func readmeExamples(t *testing.T, dir string) map[string]string {
	t.Helper()
	path := filepath.Join(dir, "readme_example_test.go")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, src, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]string)
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || !strings.HasPrefix(fn.Name.Name, "Example") || fn.Body == nil {
			continue
		}
		body := string(src[fset.Position(fn.Body.Lbrace).Offset+1 : fset.Position(fn.Body.Rbrace).Offset])
		if !strings.Contains(body, "\t// Output:") {
			t.Errorf("%s: %s has no // Output: comment, so it never runs", path, fn.Name.Name)
			continue
		}
		var lines []string
		for _, l := range strings.Split(strings.Trim(body, "\n"), "\n") {
			lines = append(lines, strings.TrimPrefix(l, "\t"))
		}
		out[fn.Name.Name] = strings.Join(lines, "\n") + "\n"
	}
	return out
}

func normalizeSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

// TestREADMESnippets checks that every Go snippet of README.md is, up to
// white space, the body of the runnable example it names, so that a
// snippet that does not compile or ignores an error fails the tests; and
// that every Example_readme* function is shown. With -update-readme it
// rewrites the snippets from the examples instead.
func TestREADMESnippets(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	snippets := readmeSnippets(t, readme)
	if len(snippets) == 0 {
		t.Fatal("README.md has no ```go blocks: the parser is broken")
	}
	examples := make(map[string]map[string]string) // dir, name: body
	files, err := filepath.Glob(filepath.Join("*", "readme_example_test.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range append(files, "readme_example_test.go") {
		examples[filepath.Dir(f)] = readmeExamples(t, filepath.Dir(f))
	}
	shown := make(map[string]bool)
	var updated bytes.Buffer
	last := 0
	for _, s := range snippets {
		if s.name == "" {
			continue
		}
		body, ok := examples[s.dir][s.name]
		if !ok {
			t.Errorf("README.md:%d: no %s in %s", s.line, s.name, filepath.Join(s.dir, "readme_example_test.go"))
			continue
		}
		shown[s.dir+" "+s.name] = true
		updated.Write(readme[last:s.start])
		updated.WriteString(body)
		last = s.end
		if got := string(readme[s.start:s.end]); normalizeSpace(got) != normalizeSpace(body) && !*updateREADME {
			t.Errorf("README.md:%d: the snippet differs from the body of %s in %s (go test -run TestREADMESnippets -update-readme copies the examples into the README)\nREADME:\n%s\nexample:\n%s",
				s.line, s.name, filepath.Join(s.dir, "readme_example_test.go"), got, body)
		}
	}
	updated.Write(readme[last:])
	for dir, bodies := range examples {
		for name := range bodies {
			if strings.HasPrefix(name, "Example_readme") && !shown[dir+" "+name] {
				t.Errorf("%s: %s is not shown in README.md", filepath.Join(dir, "readme_example_test.go"), name)
			}
		}
	}
	if *updateREADME && !t.Failed() && !bytes.Equal(updated.Bytes(), readme) {
		if err := os.WriteFile("README.md", updated.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Log("README.md updated")
	}
}
