// Command lookup prints, for one IOC, how many hosts observed it, which hosts
// they are and which of their processes did.
//
// # Usage
//
//	go run ./lookup sha256:275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f
//	go run ./lookup evil[.]example[.]com
//
// The value may be defanged, and its type is detected unless a type: prefix
// names it. Host details beyond the device id come from the Hosts API, which
// the SDK does not wrap.
//
// # Emulator
//
// With FALCON_CLIENT_ID unset it asks the falcontest emulator, started
// in-process, and without an argument it looks up the seeded IOC that the
// most hosts have seen there.
package main
