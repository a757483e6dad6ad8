package decode

import "math"

// Entropy is the Shannon entropy of b's byte distribution in bits per byte:
// 0 for empty or constant input, 8 when all 256 values occur equally often.
// Encrypted or compressed bytes score near 8, text far lower. Each symbol
// contributes p·log2(1/p) with p = count/len(b), summed in byte order, so
// dyadic distributions come out exact.
func Entropy(b []byte) float64 {
	if len(b) == 0 {
		return 0
	}
	var count [256]int
	for _, c := range b {
		count[c]++
	}
	n := float64(len(b))
	h := 0.0
	for _, c := range count {
		if c > 0 {
			p := float64(c) / n
			h += p * math.Log2(n/float64(c))
		}
	}
	return h
}
