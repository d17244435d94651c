package falcon_test

import (
	"flag"
	"fmt"
	"go/types"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/tools/go/packages"
)

var updateAPI = flag.Bool("update-api", false, "rewrite api/falcon.txt from the exported API")

// apiFile is the golden file of the exported API of every public package.
const apiFile = "api/falcon.txt"

// TestExportedAPI compares the exported API of every public package of the
// module with api/falcon.txt, one line per exported identifier with its
// signature. Any change to the API shows up there in review; a deliberate one
// is recorded with `make api` (go test -run TestExportedAPI -update-api) and a
// line in CHANGELOG.md.
func TestExportedAPI(t *testing.T) {
	if testing.Short() {
		t.Skip("loads every package of the module")
	}
	got := strings.Join(exportedAPI(t), "\n") + "\n"
	if *updateAPI {
		if err := os.WriteFile(apiFile, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(apiFile)
	if err != nil {
		t.Fatalf("%v (make api writes it)", err)
	}
	if got == string(want) {
		return
	}
	gotLines, wantLines := strings.Split(got, "\n"), strings.Split(string(want), "\n")
	for _, l := range wantLines {
		if l != "" && !slices.Contains(gotLines, l) {
			t.Errorf("removed or changed: %s", l)
		}
	}
	for _, l := range gotLines {
		if l != "" && !slices.Contains(wantLines, l) {
			t.Errorf("added or changed:   %s", l)
		}
	}
	t.Error("the exported API differs from " + apiFile + ": if the change is deliberate, run `make api` and record it in CHANGELOG.md")
}

// exportedAPI lists the exported API of the module's public packages (not
// internal ones, not commands), sorted.
func exportedAPI(t *testing.T) []string {
	t.Helper()
	cfg := &packages.Config{Mode: packages.NeedName | packages.NeedTypes}
	pkgs, err := packages.Load(cfg, "./...")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, p := range pkgs {
		if len(p.Errors) > 0 {
			t.Fatalf("%s: %v", p.PkgPath, p.Errors)
		}
		if p.Name == "main" || strings.Contains(p.PkgPath, "/internal/") || strings.HasSuffix(p.PkgPath, "/internal") {
			continue
		}
		lines = append(lines, packageAPI(p.Types)...)
	}
	slices.Sort(lines)
	return slices.Compact(lines)
}

// packageAPI gives one line per exported identifier of pkg, in the manner of
// the Go project's api/ files: constants, variables, functions, types, their
// exported fields, methods and interface methods.
func packageAPI(pkg *types.Package) []string {
	qual := func(p *types.Package) string {
		if p == pkg {
			return ""
		}
		return p.Name()
	}
	prefix := "pkg " + pkg.Path() + ", "
	var out []string
	scope := pkg.Scope()
	for _, name := range scope.Names() {
		obj := scope.Lookup(name)
		if !obj.Exported() {
			continue
		}
		switch o := obj.(type) {
		case *types.Const:
			out = append(out, fmt.Sprintf("%sconst %s %s = %s", prefix, name, types.TypeString(o.Type(), qual), o.Val().ExactString()))
		case *types.Var:
			out = append(out, fmt.Sprintf("%svar %s %s", prefix, name, types.TypeString(o.Type(), qual)))
		case *types.Func:
			sig := o.Type().(*types.Signature)
			out = append(out, fmt.Sprintf("%sfunc %s%s%s", prefix, name, typeParams(sig.TypeParams(), qual), strings.TrimPrefix(types.TypeString(sig, qual), "func")))
		case *types.TypeName:
			out = append(out, typeAPI(prefix, o, qual)...)
		}
	}
	return out
}

func typeAPI(prefix string, o *types.TypeName, qual types.Qualifier) []string {
	name := o.Name()
	if o.IsAlias() {
		return []string{fmt.Sprintf("%stype %s = %s", prefix, name, types.TypeString(o.Type(), qual))}
	}
	named := o.Type().(*types.Named)
	head := fmt.Sprintf("%stype %s%s", prefix, name, typeParams(named.TypeParams(), qual))
	var out []string
	switch u := named.Underlying().(type) {
	case *types.Struct:
		out = append(out, head+" struct")
		for i := range u.NumFields() {
			f := u.Field(i)
			if !f.Exported() {
				continue
			}
			if f.Embedded() {
				out = append(out, fmt.Sprintf("%s struct, embedded %s", head, types.TypeString(f.Type(), qual)))
				continue
			}
			out = append(out, fmt.Sprintf("%s struct, %s %s", head, f.Name(), types.TypeString(f.Type(), qual)))
		}
	case *types.Interface:
		out = append(out, head+" interface { "+interfaceMethods(u, qual)+" }")
		for i := range u.NumExplicitMethods() {
			m := u.ExplicitMethod(i)
			if m.Exported() {
				out = append(out, fmt.Sprintf("%s interface, %s%s", head, m.Name(), strings.TrimPrefix(types.TypeString(m.Type(), qual), "func")))
			}
		}
	default:
		out = append(out, head+" "+types.TypeString(u, qual))
	}
	for i := range named.NumMethods() {
		m := named.Method(i)
		if !m.Exported() {
			continue
		}
		sig := m.Type().(*types.Signature)
		recv := types.TypeString(sig.Recv().Type(), qual)
		out = append(out, fmt.Sprintf("%smethod (%s) %s%s", prefix, recv, m.Name(), strings.TrimPrefix(types.TypeString(sig, qual), "func")))
	}
	return out
}

// interfaceMethods names an interface's methods, unexported ones included:
// they decide who can implement it.
func interfaceMethods(u *types.Interface, qual types.Qualifier) string {
	var names []string
	for i := range u.NumMethods() {
		names = append(names, u.Method(i).Name())
	}
	for i := range u.NumEmbeddeds() {
		names = append(names, types.TypeString(u.EmbeddedType(i), qual))
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

func typeParams(tp *types.TypeParamList, qual types.Qualifier) string {
	if tp.Len() == 0 {
		return ""
	}
	var ps []string
	for i := range tp.Len() {
		p := tp.At(i)
		ps = append(ps, p.Obj().Name()+" "+types.TypeString(p.Constraint(), qual))
	}
	return "[" + strings.Join(ps, ", ") + "]"
}

// baseAPIFile is the exported API of the last release, kept so that the
// changelog can be checked against it.
const baseAPIFile = "api/v0.1.0.txt"

// TestChangelogCoversAPI fails when an identifier added, removed or changed
// since the last release (api/v0.1.0.txt against api/falcon.txt) is not named
// in CHANGELOG.md: an entry of the identifier's package ("- ioc: ...") must
// name it in backquotes, as a whole word. A field or method of a type that
// is itself new or gone is covered by the type's name.
func TestChangelogCoversAPI(t *testing.T) {
	base, err := os.ReadFile(baseAPIFile)
	if err != nil {
		t.Fatal(err)
	}
	cur, err := os.ReadFile(apiFile)
	if err != nil {
		t.Fatal(err)
	}
	changelog, err := os.ReadFile("CHANGELOG.md")
	if err != nil {
		t.Fatal(err)
	}
	entries := changelogEntries(string(changelog))
	baseLines, curLines := strings.Split(string(base), "\n"), strings.Split(string(cur), "\n")
	var changed []string
	for _, l := range baseLines {
		if l != "" && !slices.Contains(curLines, l) {
			changed = append(changed, l)
		}
	}
	for _, l := range curLines {
		if l != "" && !slices.Contains(baseLines, l) {
			changed = append(changed, l)
		}
	}
	// A type declared in only one of the two files (or declared anew):
	// its members need no line of their own.
	wholeType := map[string]bool{}
	for _, l := range changed {
		if owner, member := apiName(l); member == "" && strings.Contains(l, ", type ") {
			wholeType[owner] = true
		}
	}
	for _, l := range changed {
		owner, member := apiName(l)
		if member != "" && wholeType[owner] {
			continue
		}
		name := owner
		if member != "" {
			name = member
		}
		pkg := apiPackage(l)
		if !slices.ContainsFunc(entries, func(e changelogEntry) bool { return e.names(pkg, name) }) {
			t.Errorf("no CHANGELOG.md entry for package %s names `%s` (in backquotes), changed since %s: %s", pkg, name, baseAPIFile, l)
		}
	}
}

// changelogEntry is one bullet of CHANGELOG.md: "- pkg, pkg: text".
type changelogEntry struct {
	pkgs []string
	code []string // the backquoted spans of the text
}

// changelogEntries splits a changelog into its bullets.
func changelogEntries(md string) []changelogEntry {
	var out []changelogEntry
	for _, b := range strings.Split("\n"+md, "\n- ")[1:] {
		b, _, _ = strings.Cut(b, "\n\n")
		head, text, ok := strings.Cut(b, ": ")
		if !ok {
			continue
		}
		e := changelogEntry{pkgs: strings.Split(head, ", ")}
		for i, span := range strings.Split(text, "`") {
			if i%2 == 1 {
				e.code = append(e.code, span)
			}
		}
		out = append(out, e)
	}
	return out
}

// names reports whether the entry is about pkg and names the identifier
// name in one of its backquoted spans, as a whole word.
func (e changelogEntry) names(pkg, name string) bool {
	if !slices.Contains(e.pkgs, pkg) {
		return false
	}
	word := regexp.MustCompile(`\b` + regexp.QuoteMeta(name) + `\b`)
	return slices.ContainsFunc(e.code, word.MatchString)
}

// apiPackage returns the last element of an API line's package path.
func apiPackage(line string) string {
	path, _, _ := strings.Cut(strings.TrimPrefix(line, "pkg "), ", ")
	return path[strings.LastIndex(path, "/")+1:]
}

// apiName returns the identifier an API line declares: the type or
// function's name and, for a field or method, the member's name.
func apiName(line string) (owner, member string) {
	_, decl, ok := strings.Cut(line, ", ")
	if !ok {
		return "", ""
	}
	kind, rest, _ := strings.Cut(decl, " ")
	switch kind {
	case "method":
		// method (*T) Name(...) or method (T) Name(...)
		recv, sig, _ := strings.Cut(rest, ") ")
		owner = strings.TrimLeft(strings.TrimPrefix(recv, "("), "*")
		owner, _, _ = strings.Cut(owner, "[")
		member, _, _ = strings.Cut(sig, "(")
		return owner, member
	case "type":
		name, after, _ := strings.Cut(rest, " ")
		name, _, _ = strings.Cut(name, "[")
		if _, field, ok := strings.Cut(after, ", "); ok {
			member, _, _ = strings.Cut(field, " ")
		}
		return name, member
	default: // const, var, func
		name, _, _ := strings.Cut(rest, " ")
		name, _, _ = strings.Cut(name, "(")
		name, _, _ = strings.Cut(name, "[")
		return name, ""
	}
}
