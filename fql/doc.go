// Package fql reads, builds, prints, checks and evaluates Falcon Query
// Language (FQL) filters and sorts.
//
// FQL is the filter language of the Falcon APIs: terms field:operator value
// joined by + (and) and , (or), with parentheses for grouping, such as
//
//	type:'domain'+(severity:'high',severity:'critical')+modified_on:>'now-7d'
//
// The package has no dependencies beyond the standard library. It is used
// by the IOC client to send filters and by the emulator to apply them.
//
// # Building filters
//
// The builders return an [Expr] and never fail; [Validate] reports misuse
// such as a field name outside the grammar or an empty set:
//
//	f := fql.And(
//		fql.Eq("type", "domain"),
//		fql.In("severity", "high", "critical"),
//		fql.Gte("modified_on", fql.Relative("now-7d")),
//		fql.Like("value", "*.example.com"),
//	)
//
// Eq, Ne and In take Go strings, booleans, numbers and time.Time; Gt, Gte,
// Lt and Lte take numbers, time.Time, [Timestamp] and [RelativeDate].
// [Match] and [NotMatch] are the text operators ~ and !~; [Like], [ILike] and
// [NotLike] the wildcard operators *, ~* and ~*!. [IsNull] and [NotNull] test
// presence. [And] and [Or] skip nil operands and flatten nested groups of
// their own kind; with nothing left they return nil, which means no filter.
// [Compare] is the general form for any operator and [Value].
//
// # Parsing
//
// [Parse] reads the lenient profile of the grammar: single or double quotes,
// spaces and tabs anywhere outside quotes, bare words such as *example*,
// mixed-case field names (lowercased), and any operator before a set.
// [ParseStrict] reads the strict profile, which admits only the forms seen in
// CrowdStrike's own filters. Both give + the higher precedence, so a,b+c is
// a,(b+c). Both reject an empty filter, a lone *, and input that is already
// URL-encoded (%2B, %3A, %27 outside quotes): the filter travels as one
// query value and is encoded once, by the client.
//
// Errors are [*SyntaxError] values with the byte offset, what was found and
// what was expected; the message quotes the neighbourhood of the problem.
//
// # Canonical form
//
// Expr.String returns the canonical form: single-quoted strings with \ and '
// escaped by a backslash, lowercase field names, no whitespace outside
// quotes, numbers in their shortest decimal form, and parentheses around
// every group nested in another, so that the server's precedence between +
// and , never matters. For every valid e, Parse(e.String()) equals e, and
// any Go string survives the trip. Bare words read by Parse are printed as
// written, since quoting them could change what an endpoint does with a *.
//
// # Values
//
// A quoted value's kind follows from its text and operator, identically for
// the parser and the builders. Under a wildcard operator it is a [Pattern].
// Otherwise now-Nd and now-Nh are a [RelativeDate], text of the form
// YYYY-MM-DD[Thh[:mm[:ss[.fff]]]][Z|±hh:mm] is a [Timestamp], and anything
// else is a [String]. Unquoted values are a [Number], [Bool], [Null] or
// [Bare] word. A [Set] holds the alternatives of field:[...].
//
// # Sorting
//
// A [Sort] prints as field.asc or field.desc; [ParseSort] also reads
// field|asc, field|desc and a bare field (ascending).
//
// # Schemas
//
// A [Schema] maps field names to kinds ([KindString], [KindNumber],
// [KindTime], [KindBool], [KindStringList]). [Schema.Check] reports unknown
// fields with a suggestion, operators a kind does not take and values it
// cannot hold, as [*FieldError] values wrapping [ErrUnknownField],
// [ErrOperator] or [ErrValue]:
//
//	fql: unknown field 'sevrity' (did you mean 'severity'?)
//
// [IOCIndicatorFields] lists the filterable IOC fields and [IOCSortFields]
// the sortable ones. Checking is opt-in; to send a field a schema does not
// know, extend it with [Schema.With] or relax it with [Schema.AllowUnknown].
//
// # Evaluation
//
// [Compile] turns an expression into a [Matcher] over a [Record], which
// gives each field's values as a slice of string, float64, int64, int, bool
// or time.Time; [Eval] compiles and matches once. Falcon endpoints differ in
// how they match; the evaluator follows the IOC API as documented here.
//
//   - Fields are looked up by their lowercase name. A field with no values
//     (nil or empty slice, or only nil elements) is absent.
//   - A term holds when any element of the field satisfies it: a list field
//     matches when any element matches. A negated operator (!, !~, ~*!) is
//     the exact negation of its positive form, so it holds when no element
//     matches, including when the field is absent. field:null holds when the
//     field is absent and field:!null when it is present.
//   - A set holds when any of its members does: field:[a,b] is field:a or
//     field:b, and field:![a,b] is neither.
//   - String equality is case-insensitive (strings.EqualFold) and
//     whole-value; the IOC API lowercases type and value anyway. A * inside
//     quotes under plain : is a literal character; a bare word with * (as in
//     value:*example*) is a wildcard pattern.
//   - The wildcard operators *, ~* and ~*! match the whole value against the
//     pattern without regard to case; * stands for any run of characters,
//     including none, and a backslash makes the next character literal.
//   - The text operators ~ and !~ reduce the operand and the value to their
//     words (letters and digits, lowercased, one space between words) and
//     test whether the operand's words occur in the value's: 'evil corp'
//     matches "Evil-Corp Ltd".
//   - Numbers compare numerically, also with quoted numbers ('3') and with
//     string elements that read as numbers.
//   - Booleans equal true or false; text that folds to "true" or "false"
//     (True, 'TRUE') counts.
//   - Timestamps compare as instants. A record element that is a string is
//     read as a timestamp when it has one of the timestamp forms; a number
//     compared with a time is read as Unix seconds. A partial timestamp
//     stands for its first instant, in UTC.
//   - Relative dates are resolved against Compile's clock, read once per
//     match: now-7d is 7*24h before the clock's time.
//   - The ordering operators need a number or a timestamp; Compile rejects
//     the others, and null after any operator but none and !.
//
// # Concurrency and performance
//
// Expressions, schemas and matchers are immutable and safe for concurrent
// use. Compile does the work once (case folding, pattern splitting,
// timestamp parsing, a hash set for large sets of strings), so matching a
// record against a typical ten-term filter takes a few hundred nanoseconds
// and does not allocate (text is only formatted, and so allocated, when a
// text or wildcard operator meets a number, boolean or time element).
package fql
