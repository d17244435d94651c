package spectest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// SpecFile is the spec's path relative to the root of the
// github.com/falconioc/falcon module.
const SpecFile = "testdata/falcon-ioc.swagger.json"

const rootModule = "github.com/falconioc/falcon"

// fallbackSchema is the envelope every Falcon error answer carries. It checks
// the bodies of statuses an operation does not declare (see adjust).
const fallbackSchema = "msa.ReplyMetaOnly"

// loaded is what the cached loader produces.
type loaded struct {
	doc    *openapi3.T
	router routers.Router
	ops    map[string]string // "METHOD /path" -> operationId
}

var load = sync.OnceValues(func() (*loaded, error) {
	path, err := FindSpec()
	if err != nil {
		return nil, err
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("spectest: %w", err)
	}
	return build(raw)
})

// FindSpec returns the path of the spec file. It walks up from this source
// file and from the working directory to the root of the
// github.com/falconioc/falcon module, so tests of any package, including
// those of the nested conformance and examples modules, find the same file.
func FindSpec() (string, error) {
	var starts []string
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		starts = append(starts, filepath.Dir(file))
	}
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	for _, dir := range starts {
		if root, ok := moduleRoot(dir); ok {
			return filepath.Join(root, filepath.FromSlash(SpecFile)), nil
		}
	}
	return "", errors.New("spectest: cannot find the root of module " + rootModule + " (looked upwards from this package and the working directory)")
}

// moduleRoot walks up from dir to the directory whose go.mod declares the
// root module and which holds the spec file.
func moduleRoot(dir string) (string, bool) {
	for {
		if data, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && declaresModule(data, rootModule) {
			if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(SpecFile))); err == nil {
				return dir, true
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

func declaresModule(gomod []byte, module string) bool {
	for line := range strings.Lines(string(gomod)) {
		fields := strings.Fields(line)
		if len(fields) >= 2 && fields[0] == "module" && strings.Trim(fields[1], `"`) == module {
			return true
		}
	}
	return false
}

// build converts the Swagger 2.0 document to OpenAPI 3, applies the
// adjustments listed in the package documentation and builds the router.
func build(raw []byte) (*loaded, error) {
	var doc2 openapi2.T
	if err := json.Unmarshal(raw, &doc2); err != nil {
		return nil, fmt.Errorf("spectest: decoding swagger: %w", err)
	}
	doc, err := openapi2conv.ToV3(&doc2)
	if err != nil {
		return nil, fmt.Errorf("spectest: converting to OpenAPI 3: %w", err)
	}
	if err := adjust(doc); err != nil {
		return nil, err
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("spectest: invalid spec: %w", err)
	}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("spectest: building router: %w", err)
	}
	ops := make(map[string]string)
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			ops[method+" "+path] = op.OperationID
		}
	}
	return &loaded{doc: doc, router: router, ops: ops}, nil
}

// sortedOps returns the spec's operations sorted by path, then method.
func (l *loaded) sortedOps() []Operation {
	var out []Operation
	for key, id := range l.ops {
		method, path, _ := strings.Cut(key, " ")
		out = append(out, Operation{ID: id, Method: method, Path: path})
	}
	slices.SortFunc(out, func(a, b Operation) int {
		if c := strings.Compare(a.Path, b.Path); c != 0 {
			return c
		}
		return strings.Compare(a.Method, b.Method)
	})
	return out
}
