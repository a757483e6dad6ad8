// Package leak finds identifiers that the researcher knows (the IMEI, Android
// ID, advertising ID, e-mail address, phone number, MAC address ... of their
// own test device) anywhere in captured bytes, also when an SDK disguised them
// by changing case, dropping separators, hashing or Base64-encoding them.
//
// The package promises:
//
//   - One pass: a Matcher compiles every disguise of every known value into one
//     Aho-Corasick automaton (a DFA over byte classes) and Find reads each
//     input byte once. Find allocates nothing beyond what its callback does.
//   - Under-matching over guessing: a hit is an exact occurrence of a pattern
//     built from a known value, never a heuristic. Values shorter than
//     MinValueLen bytes are refused by Parse, Load and ParseFlag, and a Matcher
//     skips forms that short, because they would match almost anywhere.
//   - Determinism: disguises come in a fixed order and Find reports hits in
//     order of offset, so the same input always gives the same output.
//   - No I/O outside Load, no clock, no logging, no mutable package state. A
//     Matcher is immutable after NewMatcher and safe for concurrent use.
//
// # Disguises
//
// For a known value v the Matcher builds these text forms, in this order, and
// drops a form equal to an earlier one (the first name wins) or shorter than
// MinValueLen:
//
//	plain        v as given
//	lower        v lower-cased
//	upper        v upper-cased
//	nosep        v without the separators : - . space ( ) +
//	nosep_lower  nosep lower-cased
//	nosep_upper  nosep upper-cased
//	national     phone only: the digits after the country code
//
// The nosep forms exist for every kind but free text: an e-mail address,
// account (account, account_id, user_id, login_id, username, name), SSID,
// URL or custom value keeps its dots, dashes and plus signs. The national
// form exists only for a phone number written as "+CC rest" or "+CC-rest"
// (a '+', one to three digits, then a space or a dash): it is the digits of
// rest, e.g. "1701234567" for "+49 170 1234567". Without that separator the
// country code cannot be told from the number, and no national form is made;
// a trunk prefix such as the German leading 0 is not added.
//
// From each text form F the Matcher then derives:
//
//	md5, sha1, sha256   the hex digest of F, named "md5" for plain and
//	                    "md5(F)" otherwise, e.g. "sha1(lower)"
//	base64              Base64 of F, named "base64" or "base64(F)"
//
// Matcher.Disguises lists the text forms first, then the three digests of
// each form, then the Base64 patterns of each form (per alignment 0, 1, 2:
// the standard, then the URL-safe pattern), dropping a pattern equal to an
// earlier one.
//
// Base64 is found at any alignment inside a longer Base64 text, as TrackHAR's
// base64-search does: for F preceded by 0, 1 and 2 unknown bytes the pattern
// keeps only the characters that do not depend on the neighbouring bytes.
// Each alignment has a standard (+/) and a URL-safe (-_) pattern; all of them
// share the one name. Base64 patterns shorter than 8 characters are dropped.
//
// # Matching rules
//
// Text forms and Base64 patterns match case-sensitively: "upper" is reported
// only for the exact upper-case text. Hash digests match case-insensitively
// (hex may be written in either case). Find reports each distinct pair of
// known value and disguise name once, at the offset of its first occurrence
// (for Base64, the offset of the first character that the value alone
// determines), ordered by offset, then by known index, then by disguise order.
// A hit whose first occurrence lies inside the first occurrence of a longer
// hit of the same value is not reported (the nosep "40721555123" inside the
// plain "+40721555123" is one leak). Identical known entries are not merged:
// each is reported.
package leak
