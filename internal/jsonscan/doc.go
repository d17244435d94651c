// Package jsonscan finds where JSON values and strings end without decoding
// them. The SDK's response path uses it to cut a Falcon envelope into its
// meta, errors and resources parts in one pass over the body, and the ioc
// package's indicator decoder uses its string scanner. It uses the standard
// library only.
//
// # Scanning
//
// [Skip] checks one JSON value and returns the offset just past it; it
// accepts exactly what encoding/json accepts, nesting up to [MaxDepth]
// included, except that it does not look beyond the value (the caller
// decides what may follow). [StringEnd] does
// the same for one string, and [SkipSpace] passes over white space.
// [Members] walks the members of an object, handing each key and value to a
// function, which is how the SDK finds the parts of an envelope.
//
// # Speed
//
// Strings, which make up most of an API answer, are scanned eight bytes at
// a time for quotes, backslashes and control characters.
// [IndexQuoteOrBackslash] exposes that scan to decoders that unescape
// strings themselves.
//
// # Errors
//
// Input that ends in the middle of a value yields an [*EndError], which
// matches io.ErrUnexpectedEOF with errors.Is, so that a caller can tell a
// body cut short (a lost response) from one that is not JSON (a
// [*SyntaxError]). Both carry the byte offset.
package jsonscan
