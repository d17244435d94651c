// Command quickstart walks through the SDK's IOC work in a few seconds:
// create indicators of every type, search them with an FQL filter page by
// page, update one, aggregate the tenant's indicators by type and severity,
// look up the hosts and processes that observed an IOC, start a report job,
// and delete what it created. Each step prints what it did and the trace ids
// of its API calls: from each *falcon.Response, and for the bulk writes
// (which return none) from their results' TraceIDs.
//
// # Usage
//
//	make demo               # from the repository root
//	cd examples && go run ./quickstart [-keep] [-source name] [-lookup type:value]
//
// # Tenant or emulator
//
// With FALCON_CLIENT_ID unset it starts the falcontest emulator in-process
// and says so on stderr. With FALCON_CLIENT_ID and FALCON_CLIENT_SECRET set
// (and FALCON_CLOUD, or autodiscovery) it works on that tenant, touching only
// indicators whose source is its own (-source): it removes leftovers of an
// earlier interrupted run first, and deletes what it created at the end, or
// on failure, unless -keep is given. Its values are harmless everywhere: the
// EICAR test file's hashes, RFC 2606 domains and documentation addresses.
//
// # Exit status
//
// 0 when every step succeeded, 1 otherwise (the error names the step and
// its trace id), 2 for a bad command line.
package main
