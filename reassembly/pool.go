package reassembly

import "math/bits"

// Buffers for out-of-order bytes and for the overlap window come from a
// per-Assembler pool of power-of-two chunks, so that a busy capture reuses the
// same few megabytes instead of allocating per buffered segment.
const (
	minChunkShift = 9  // 512 B
	maxChunkShift = 16 // 64 KiB: larger requests are allocated exactly and not pooled
	poolMaxBytes  = 32 << 20
)

type bufPool struct {
	free   [maxChunkShift - minChunkShift + 1][][]byte
	pooled int64
}

// chunkShift returns the size class (log2 of the chunk size) for n bytes, or
// -1 when n is too big to pool.
func chunkShift(n int) int {
	if n <= 1<<minChunkShift {
		return minChunkShift
	}
	s := bits.Len(uint(n - 1))
	if s > maxChunkShift {
		return -1
	}
	return s
}

// get returns a slice of length n. Its capacity is the chunk size, which put
// uses to file it back.
func (p *bufPool) get(n int) []byte {
	s := chunkShift(n)
	if s < 0 {
		return make([]byte, n)
	}
	l := &p.free[s-minChunkShift]
	if k := len(*l); k > 0 {
		b := (*l)[k-1]
		(*l)[k-1] = nil
		*l = (*l)[:k-1]
		p.pooled -= int64(cap(b))
		return b[:n]
	}
	return make([]byte, n, 1<<s)
}

// put returns a chunk obtained from get. Chunks beyond the pool's cap are
// left to the garbage collector.
func (p *bufPool) put(b []byte) {
	c := cap(b)
	if c == 0 || c&(c-1) != 0 || c < 1<<minChunkShift || c > 1<<maxChunkShift {
		return
	}
	if p.pooled+int64(c) > poolMaxBytes {
		return
	}
	s := bits.Len(uint(c)) - 1
	p.free[s-minChunkShift] = append(p.free[s-minChunkShift], b[:c])
	p.pooled += int64(c)
}
