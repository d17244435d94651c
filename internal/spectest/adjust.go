package spectest

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// adjust applies the adjustments the package documentation lists, in that
// order. Each one makes the document say what the API does where Swagger
// 2.0 or the vendor's code generator cannot; none switches a check off.
func adjust(doc *openapi3.T) error {
	// 1. Any host and scheme: the spec names https://api.crowdstrike.com,
	// the emulator and httpmock serve loopback over http.
	doc.Servers = nil

	schemas := doc.Components.Schemas

	// 2. A definition with properties is an object. The spec leaves out
	// "type": "object", which would let a string or a number stand where
	// a model belongs.
	for _, ref := range schemas {
		if s := ref.Value; s != nil && s.Type == nil && len(s.Properties) > 0 {
			s.Type = &openapi3.Types{openapi3.TypeObject}
		}
	}

	// 3. The untyped offset of the legacy calls' pagination is a string or
	// an integer (Swagger 2.0 has no oneOf, so the spec leaves it blank,
	// which would accept anything).
	offset, ok := schemas["iocapi.paginationMeta.offset"]
	if !ok || offset.Value == nil {
		return fmt.Errorf("spectest: adjust: schema iocapi.paginationMeta.offset is missing")
	}
	offset.Value.OneOf = openapi3.SchemaRefs{
		openapi3.NewSchemaRef("", openapi3.NewStringSchema()),
		openapi3.NewSchemaRef("", openapi3.NewIntegerSchema()),
	}

	// 4. Request bodies may carry null for a required property or an array:
	// the vendor's go-swagger client (gofalcon) sends unset required
	// pointers and unset slices as null, and the API reads null as absent.
	// The schemas request bodies use are not used by any response.
	req, resp := bodySchemas(doc)
	if shared := intersect(req, resp); len(shared) > 0 {
		return fmt.Errorf("spectest: adjust: schemas used by requests and responses alike: %s", strings.Join(shared, ", "))
	}
	for _, name := range req {
		s := schemas[name].Value
		for prop, ref := range s.Properties {
			if ref.Value == nil {
				continue
			}
			if slices.Contains(s.Required, prop) || ref.Value.Type.Is(openapi3.TypeArray) {
				if ref.Ref != "" {
					// A $ref cannot be marked nullable beside it; wrap it.
					s.Properties[prop] = &openapi3.SchemaRef{Value: &openapi3.Schema{
						Nullable: true,
						AllOf:    openapi3.SchemaRefs{ref},
					}}
					continue
				}
				ref.Value.Nullable = true
			}
		}
	}

	// 5. An aggregation names its type and field; the other fifteen
	// properties the spec marks required are optional in practice (the
	// vendor's Python and PowerShell SDKs send only what is set).
	agg, ok := schemas["msa.AggregateQueryRequest"]
	if !ok || agg.Value == nil {
		return fmt.Errorf("spectest: adjust: schema msa.AggregateQueryRequest is missing")
	}
	agg.Value.Required = []string{"field", "type"}

	// 6. The token call's client_id and client_secret may come in the
	// Authorization header instead (HTTP Basic, RFC 6749 section 2.3.1; the
	// operation's own security is basicAuth), so the form does not require
	// them; extraRequestChecks insists they come one way or the other.
	token := doc.Paths.Value("/oauth2/token")
	if token == nil || token.Post == nil || token.Post.RequestBody == nil || token.Post.RequestBody.Value == nil {
		return fmt.Errorf("spectest: adjust: operation POST /oauth2/token has no form body")
	}
	for _, media := range token.Post.RequestBody.Value.Content {
		if media.Schema != nil && media.Schema.Value != nil {
			media.Schema.Value.Required = slices.DeleteFunc(media.Schema.Value.Required, func(name string) bool {
				return name == "client_id" || name == "client_secret"
			})
		}
	}

	// 7. The sort parameters list the sortable fields, but the API takes
	// a field with a direction (value.asc, created_on|desc) as well as a
	// bare field: the enum becomes a pattern over the same fields.
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			for _, ref := range op.Parameters {
				p := ref.Value
				if p == nil || p.In != openapi3.ParameterInQuery || p.Name != "sort" || p.Schema == nil || p.Schema.Value == nil {
					continue
				}
				if pattern := sortPattern(p.Schema.Value.Enum); pattern != "" {
					p.Schema.Value.Enum = nil
					p.Schema.Value.Pattern = pattern
				}
			}
		}
	}

	// 8. A status an operation does not declare (401, 404, a 400 where only
	// some operations list it) is still answered with the error envelope:
	// every operation gets msa.ReplyMetaOnly as its default response.
	envelope, ok := schemas[fallbackSchema]
	if !ok {
		return fmt.Errorf("spectest: adjust: schema %s is missing", fallbackSchema)
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.Responses.Default() != nil {
				continue
			}
			def := openapi3.NewResponse().
				WithDescription("Any undeclared status (spectest)").
				WithJSONSchemaRef(&openapi3.SchemaRef{Ref: "#/components/schemas/" + fallbackSchema, Value: envelope.Value})
			op.Responses.Set("default", &openapi3.ResponseRef{Value: def})
		}
	}
	return nil
}

// sortPattern returns a pattern that takes each of fields, bare or with a
// direction, or "" if fields holds a non-string.
func sortPattern(fields []any) string {
	if len(fields) == 0 {
		return ""
	}
	quoted := make([]string, 0, len(fields))
	for _, f := range fields {
		s, ok := f.(string)
		if !ok {
			return ""
		}
		quoted = append(quoted, regexp.QuoteMeta(s))
	}
	return `^(?:` + strings.Join(quoted, "|") + `)(?:[.|](?:asc|desc))?$`
}

// extraRequestChecks holds the checks adjustments moved out of the schema.
func extraRequestChecks(operationID string, r *http.Request, body []byte) []error {
	if operationID != "oauth2AccessToken" {
		return nil
	}
	if id, secret, ok := r.BasicAuth(); ok && id != "" && secret != "" {
		return nil
	}
	form, err := url.ParseQuery(string(body))
	if err == nil && form.Get("client_id") != "" && form.Get("client_secret") != "" {
		return nil
	}
	return []error{fmt.Errorf("client credentials are in neither the Authorization header (Basic) nor the form (client_id and client_secret)")}
}

// bodySchemas returns the names of the component schemas reachable from
// request bodies and from responses, each sorted.
func bodySchemas(doc *openapi3.T) (req, resp []string) {
	reqSet, respSet := map[string]bool{}, map[string]bool{}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				for _, media := range op.RequestBody.Value.Content {
					walkSchema(media.Schema, reqSet, map[*openapi3.Schema]bool{})
				}
			}
			for _, r := range op.Responses.Map() {
				if r.Value == nil {
					continue
				}
				for _, media := range r.Value.Content {
					walkSchema(media.Schema, respSet, map[*openapi3.Schema]bool{})
				}
			}
		}
	}
	return sortedKeys(reqSet), sortedKeys(respSet)
}

// walkSchema records the component names of ref and of every schema under it.
func walkSchema(ref *openapi3.SchemaRef, names map[string]bool, seen map[*openapi3.Schema]bool) {
	if ref == nil || ref.Value == nil || seen[ref.Value] {
		return
	}
	seen[ref.Value] = true
	if name, ok := strings.CutPrefix(ref.Ref, "#/components/schemas/"); ok {
		names[name] = true
	}
	s := ref.Value
	for _, p := range s.Properties {
		walkSchema(p, names, seen)
	}
	walkSchema(s.Items, names, seen)
	walkSchema(s.AdditionalProperties.Schema, names, seen)
	for _, group := range []openapi3.SchemaRefs{s.AllOf, s.AnyOf, s.OneOf} {
		for _, sub := range group {
			walkSchema(sub, names, seen)
		}
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func intersect(a, b []string) []string {
	var out []string
	for _, x := range a {
		if slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}
