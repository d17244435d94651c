// Package setup holds what every example program needs before and after its
// own work: a connection to Falcon, the command-line plumbing, and a progress
// bar that stays quiet when nobody is watching.
//
// # Connecting
//
// Connect reads the same environment variables as the SDK
// (FALCON_CLIENT_ID, FALCON_CLIENT_SECRET, FALCON_CLOUD, FALCON_MEMBER_CID
// and FALCON_BASE_URL) through an injected getenv function, so tests can point
// a program at an emulator without touching the process environment. When
// FALCON_CLIENT_ID is set, the program talks to that tenant. When it is not,
// Connect starts the falcontest emulator in-process, seeded with realistic
// indicators and sightings, and says so on stderr: the examples run on a fresh
// clone with no tenant and no credentials.
//
// # Running a program
//
// Main wraps a program's run function: it cancels the context on SIGINT,
// prints the error on stderr and chooses the exit status (0 for -h, 2 for
// usage errors, 1 for everything else). NewFlagSet and UsageError give every
// program the same -h output and the same handling of bad flags.
//
// # Trace ids
//
// Every step a program prints carries the trace id CrowdStrike support asks
// for. TraceID reads it from a *falcon.Response and ErrorTraceID from an
// error. Bulk writes send several requests and return no single Response:
// each item carries its own (ioc.WriteItem.TraceID), and Failure formats a
// failed item's reason with it.
//
// # Progress
//
// NewProgress draws a progress bar on stderr when stderr is a terminal and
// draws nothing otherwise (pipes, files, tests).
package setup
