package pipeline

import (
	"telltale/pipeline/decode"
	"telltale/pipeline/extract"
	"telltale/reassembly"
)

// Limits are the caps that keep a run's memory and time bounded whatever the
// input. Each is configurable, each effective value is recorded in the
// manifest, and each hit is counted there and marked on the row it affects
// (http flags, payloads.limit, flows.end_reason and missed bytes). Zero
// values mean the defaults.
type Limits struct {
	MaxDecodedBytes  int64 // Content-Encoding output counted per HTTP message (bombs stop here; flag decode_limit); 64 MiB
	MaxHeaderBytes   int   // start line plus header block of an HTTP/1 message, any single line, and an HTTP/2 header list; 64 KiB
	MaxHeaders       int   // header lines per HTTP/1 message; 1000
	DecodeDepth      int   // decoding steps of a telemetry payload (payloads.limit "depth"); 6
	DecodeBytes      int64 // bytes of each decoding step's output ("bytes"); 16 MiB
	DecodeRatio      int64 // expansion ratio of a decompression step ("ratio"); 1000
	MaxJSONDepth     int   // nesting of the JSON a payload decodes to ("json_depth"); 512
	MaxFlows         int   // connections tracked at once; the longest idle is ended (end_reason evicted); DefaultMaxFlows
	MaxOutOfOrder    int   // out-of-order bytes held per direction before the hole is declared a gap; 4 MiB
	MaxOutOfOrderAll int64 // out-of-order bytes held over all connections; 256 MiB
}

// DefaultMaxFlows bounds the connections tracked at once. Each costs about
// 1.2 KiB of reassembly and pipeline state (measured: 235 MB for 200k
// SYN-only flows), so 64 Ki keep that part of the heap near 80 MB, within
// the run's memory budget; a phone's or a household's capture has a few
// thousand open at a time. Beyond it the longest idle is ended (evicted).
const DefaultMaxFlows = 1 << 16

func (l Limits) withDefaults() Limits {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def64 := func(v *int64, d int64) {
		if *v <= 0 {
			*v = d
		}
	}
	def64(&l.MaxDecodedBytes, 64<<20)
	def(&l.MaxHeaderBytes, 64<<10)
	def(&l.MaxHeaders, 1000)
	def(&l.DecodeDepth, decode.DefaultMaxDepth)
	def64(&l.DecodeBytes, decode.DefaultMaxBytes)
	def64(&l.DecodeRatio, decode.DefaultMaxRatio)
	def(&l.MaxJSONDepth, decode.DefaultMaxJSONDepth)
	def(&l.MaxFlows, DefaultMaxFlows)
	def(&l.MaxOutOfOrder, reassembly.DefaultMaxBufferedPerDir)
	def64(&l.MaxOutOfOrderAll, reassembly.DefaultMaxBufferedTotal)
	return l
}

func (l Limits) extract() extract.Limits {
	return extract.Limits{Decode: decode.Limits{MaxDepth: l.DecodeDepth, MaxBytes: l.DecodeBytes, MaxRatio: l.DecodeRatio, MaxJSONDepth: l.MaxJSONDepth}}
}

func (l Limits) reassembly(cfg Config) reassembly.Config {
	return reassembly.Config{IdleTimeout: cfg.IdleTimeout, MaxConns: l.MaxFlows, MaxBufferedPerDir: l.MaxOutOfOrder, MaxBufferedTotal: l.MaxOutOfOrderAll}
}

// manifest lists the effective limits under stable names.
func (l Limits) manifest() map[string]any {
	return map[string]any{
		"max_decoded_bytes":    l.MaxDecodedBytes,
		"max_header_bytes":     l.MaxHeaderBytes,
		"max_headers":          l.MaxHeaders,
		"decode_depth":         l.DecodeDepth,
		"decode_bytes":         l.DecodeBytes,
		"decode_ratio":         l.DecodeRatio,
		"max_json_depth":       l.MaxJSONDepth,
		"max_flows":            l.MaxFlows,
		"max_out_of_order":     l.MaxOutOfOrder,
		"max_out_of_order_all": l.MaxOutOfOrderAll,
	}
}
