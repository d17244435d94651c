// Package conformance drives the falcontest emulator with the vendor's own
// Go SDK, github.com/crowdstrike/gofalcon v0.20.0, so that the emulator is
// held to what a real client of the Falcon IOC API sends and expects. It
// is a separate module, so that gofalcon and its dependencies stay out of
// the SDK's go.mod; it holds tests only.
//
// # Pointing gofalcon at the emulator
//
// falcon.NewClient is configured as users configure it, with the
// emulator's host in ApiConfig.HostOverride. gofalcon always speaks https
// (its token URL is hard-coded and go-openapi prefers https), so the HTTP
// client it finds in ApiConfig.Context (oauth2.HTTPClient) rewrites https
// to http for the emulator's loopback address. The oauth2 calls go through
// a second gofalcon client without a token, since the revoke call
// authenticates with HTTP Basic.
//
// # Contract checks
//
// Every request and response of both clients passes through
// internal/spectest, which checks them against
// testdata/falcon-ioc.swagger.json. A test that sends a request the spec
// forbids, on purpose, says so and checks that the checker noticed.
//
// # Coverage
//
// The tests cover every operation of gofalcon's ioc, iocs and oauth2
// service groups: creating, reading, searching, paging (after cursor and
// offset), updating (by id and by filter), aggregating, reporting and
// deleting indicators; the action, type, platform and severity catalogs;
// device counts, devices and processes for seeded and added sightings
// through the v1 and the legacy calls; process details; tokens and
// revocation. Errors are checked as gofalcon types them: its generated
// error types for the statuses an operation declares, *runtime.APIError
// for the others.
package conformance
