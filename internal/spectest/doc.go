// Package spectest checks HTTP traffic against the vendor's contract for the
// Falcon IOC API, testdata/falcon-ioc.swagger.json, so that tests of the SDK
// and of the falcontest emulator fail when either side drifts from it.
//
// # Loading
//
// The spec is found by walking up from this package's source directory (or,
// failing that, the working directory) to the root of the
// github.com/falconioc/falcon module, so tests of any package and of the
// nested conformance and examples modules read the same file. It is decoded
// as Swagger 2.0, converted to OpenAPI 3 with kin-openapi's openapi2conv,
// adjusted (see below), validated and turned into a router once per process.
//
// # Checking traffic
//
// CheckRequest and CheckResponse return an error describing every problem;
// ValidateRequest and ValidateResponse report the same through a TB such as
// *testing.T. Transport wraps an http.RoundTripper (the emulator's client,
// an httpmock transport) and checks everything that passes through it;
// Checker.Seen and Checker.Missing tell which operations a test exercised.
// Handler wraps a server's http.Handler the same way.
//
// A request whose method and path match no operation is an error. Query
// parameters and bodies are checked against their schemas; unknown query
// parameters are not. Responses are checked for their headers, content type
// and body. Security requirements (oauth2 and basicAuth) are not checked.
// Messages name the JSON path and the rule broken, not the value, and
// credential values found in the traffic are redacted from them.
//
// # Adjustments
//
// The document is changed where Swagger 2.0 or the vendor's code generator
// makes it say less, or other, than the API does. No check is switched off.
//
//  1. Servers are dropped, so any host and scheme match (the spec names
//     https://api.crowdstrike.com; tests serve loopback over http).
//  2. A definition with properties but no type is an object (the spec
//     leaves "type": "object" out everywhere).
//  3. iocapi.paginationMeta.offset, left untyped by the spec, is a string or
//     an integer (oneOf).
//  4. In request bodies, a required property or an array property may be
//     null: the vendor's go-swagger client (gofalcon) sends unset required
//     pointers and unset slices as null. The adjustment fails if a schema
//     used in request bodies is also used in responses.
//  5. msa.AggregateQueryRequest requires only field and type, not all
//     sixteen properties the spec lists.
//  6. POST /oauth2/token takes client_id and client_secret from HTTP Basic
//     authentication or from the form; one of the two must carry both.
//  7. A sort query parameter takes each field of its enum bare or with a
//     direction (value.asc, created_on|desc), as the API does; the enum
//     lists bare names only.
//  8. Every operation gets msa.ReplyMetaOnly as its default response, so the
//     body of a status it does not declare (401, 404, ...) is still checked
//     against the error envelope.
//
// # Testing the package
//
// The package's own tests check that known-good traffic passes and that
// wrong parameter types, missing required fields, values outside an enum,
// unknown routes and malformed response bodies fail.
package spectest
