// Package decode peels untrusted strings and bytes: it undoes
// percent-encoding, JSON string quoting, Base64, hex, gzip, zlib, raw
// deflate, brotli and zstd layer by layer until it reaches JSON or cannot go
// on, and records every layer it removed.
//
// The package promises:
//
//   - Pure functions: no I/O, no clock, no logging, no mutable package state.
//   - Named steps: Result.Chain lists the steps outermost first, with the
//     names the payloads table uses: percent, base64 (standard alphabet, or
//     neither alphabet-specific character), base64url (the text used '-' or
//     '_'), hex, gzip, zlib, deflate (raw), brotli, zstd, jsonstr, and a
//     final json or ndjson. Result.Layers holds each step's output.
//   - Bounded work: at most Limits.MaxDepth decoding steps; input of at most
//     Limits.MaxBytes; and each decompression step's output capped at
//     Limits.MaxBytes and at max(RatioFloor, Limits.MaxRatio × its input
//     length). A limit stops the peel with LimitHit set and Limit naming it
//     ("depth", "bytes" or "ratio"); the capped output is kept as Data.
//   - Bounded memory: a decompression step's output buffer starts small and
//     doubles up to the cap, so its allocations stay under twice the cap;
//     the decoder's history is held to the cap too, whatever window the
//     stream declares: zstd window descriptors are rewritten down to the cap
//     plus one block (a single-segment frame declaring more content than
//     that is refused as a limit), and brotli's window field down to the
//     smallest power of two above the cap (256 KiB at least). Neither
//     changes a byte below the cap. A decompression bomb thus costs a small
//     multiple of its cap, never its size: about 2x for gzip, zlib and
//     deflate, 3x plus 0.5 MiB for zstd, under 6x (plus 0.5 MiB) for
//     brotli, whose power-of-two ring buffer grows by reallocation; plus
//     each decoder's fixed state (bomb_test.go measures all of it).
//   - No false decodes: Base64 (at least MinBase64Len characters) and hex (an
//     even run of at least MinHexLen digits, never then read as Base64) are
//     taken only when the decoded bytes validate: a compression magic, a
//     JSON object or array (or NDJSON) that parses, further Base64 or hex
//     that validates in turn, or binary bytes that decode by trial as raw
//     deflate or brotli. Hex digests, Android ids, UUIDs, JWTs (as a whole;
//     a JWT's header or payload alone is Base64url JSON and decodes as
//     such), random tokens and short words therefore come back untouched.
//   - Trials are narrow: raw deflate and brotli have no magic number, so they
//     are tried only on the binary output of a Base64 or hex step that no
//     magic claimed, and accepted only when the stream decodes without
//     corruption to a JSON object or array (or NDJSON) that parses, to
//     something that starts with a compression magic, or, when the stream
//     was cut short by truncation or a cap, to at least 16 bytes of valid
//     JSON prefix. An allocation-free check that inflates the first 16
//     bytes (deflate) or reads the whole meta-block header (brotli) rejects
//     all but about one in 5,000 random inputs before a decoder is built,
//     so values that are not encoded stay cheap.
//   - Damage is reported, not hidden: a truncated stream yields its prefix with
//     Truncated set; a '+' that form decoding had turned into a space is put
//     back inside Base64 and reported as PlusRepaired.
//
// Decompress applies the same caps to an HTTP content coding (gzip, x-gzip,
// deflate, br, zstd); Entropy measures how random the bytes that could not be
// decoded are.
package decode
