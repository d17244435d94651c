// Command lookup prints, for one IOC, how many hosts observed it, which hosts
// they are and which of their processes did.
//
// # Usage
//
//	go run ./lookup sha256:275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f
//	go run ./lookup evil[.]example[.]com
//
// The value may be defanged, and its type is detected unless a type: prefix
// (sha256:, md5:, domain:, ipv4:, ipv6:) names it; a port after an address
// is dropped. A URL is refused: look up its host. Host details beyond the
// device id come from the Hosts API, which the SDK does not wrap.
//
// # Exit status
//
// 0 when the IOC was looked up (seen or not), 1 when a request failed, 2
// for a bad command line or a value that is not an IOC.
//
// # Emulator
//
// With FALCON_CLIENT_ID unset it asks the falcontest emulator, started
// in-process, and without an argument it looks up the seeded IOC that the
// most hosts have seen there.
package main
