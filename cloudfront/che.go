package cloudfront

import (
	"fmt"
	"math"
)

// CheHitRatio is Che's approximation of an LRU cache's hit ratio under
// independent requests (Che, Tung and Wang, IEEE JSAC 2002): with object
// popularities p (summing to 1) and room for capacity equal-sized objects,
// the characteristic time T solves Σ (1 − exp(−p_i T)) = capacity, and the
// hit ratio is Σ p_i (1 − exp(−p_i T)). It returns the hit ratio and T (in
// requests). A capacity of at least len(p) gives hit ratio 1 (after the
// cold misses, which the approximation leaves out).
func CheHitRatio(p []float64, capacity int) (hitRatio, T float64, err error) {
	if capacity < 0 {
		return 0, 0, fmt.Errorf("cloudfront: CheHitRatio: capacity %d < 0: %w", capacity, ErrInvalidArgument)
	}
	if capacity >= len(p) {
		return 1, math.Inf(1), nil
	}
	if capacity == 0 {
		return 0, 0, nil
	}
	occupied := func(t float64) float64 {
		sum := 0.0
		for _, pi := range p {
			sum += -math.Expm1(-pi * t)
		}
		return sum
	}
	// occupied grows from 0 towards len(p) > capacity: bracket the root,
	// then bisect (monotone, so bisection cannot miss it).
	lo, hi := 0.0, float64(capacity)
	for occupied(hi) < float64(capacity) {
		lo, hi = hi, hi*2
		if math.IsInf(hi, 0) {
			return 0, 0, fmt.Errorf("cloudfront: CheHitRatio: no characteristic time (popularities sum to %g?): %w", sumOf(p), ErrInvalidArgument)
		}
	}
	for range 200 {
		mid := (lo + hi) / 2
		if occupied(mid) < float64(capacity) {
			lo = mid
		} else {
			hi = mid
		}
		if hi-lo <= 1e-12*hi {
			break
		}
	}
	T = (lo + hi) / 2
	for _, pi := range p {
		hitRatio += pi * -math.Expm1(-pi*T)
	}
	return hitRatio, T, nil
}

func sumOf(p []float64) float64 {
	s := 0.0
	for _, x := range p {
		s += x
	}
	return s
}

// ZipfPopularity returns the bounded Zipf popularities of n objects with
// exponent s: p_k = k^−s / Σ_j j^−s for k = 1..n, most popular first.
func ZipfPopularity(n int, s float64) []float64 {
	p := make([]float64, n)
	sum := 0.0
	for k := range n {
		p[k] = math.Pow(float64(k+1), -s)
		sum += p[k]
	}
	for k := range p {
		p[k] /= sum
	}
	return p
}
