// Package decode peels untrusted strings and bytes: it undoes percent-encoding,
// Base64, gzip, zlib and zstd layer by layer until it reaches JSON or cannot
// go on, and records every layer it removed.
//
// The package promises:
//
//   - Pure functions: no I/O, no clock, no logging, no mutable package state.
//   - Bounded work: at most Limits.MaxDepth decoding steps and at most
//     Limits.MaxBytes of output per step. A decompression bomb stops the peel
//     with LimitHit set; it never allocates more than about twice the cap.
//   - No false decodes: a string is taken for Base64 only when it is long
//     enough and its decoded bytes validate (a compression magic, JSON that
//     parses, or Base64 that validates in turn). Hex ids, UUIDs, JWTs and
//     short words therefore come back untouched.
//   - Damage is reported, not hidden: a truncated stream yields its prefix with
//     Truncated set; a '+' that form decoding had turned into a space is put
//     back inside Base64 and reported as PlusRepaired.
package decode
