package workload

import (
	"math"
	"math/rand/v2"
	"strconv"
)

// Popularity chooses which of N items a request asks for: Pick returns an
// index in [0, N), index 0 being the most popular.
type Popularity interface {
	Pick(r *rand.Rand) int
	// Len returns N.
	Len() int
}

// UniformPopularity makes each of N items equally likely.
type UniformPopularity int

// Pick returns a uniform index.
func (u UniformPopularity) Pick(r *rand.Rand) int { return r.IntN(int(u)) }

// Len returns N.
func (u UniformPopularity) Len() int { return int(u) }

// Zipf is the bounded Zipf distribution over N items: item k (1-based) has
// probability k^-s / H(N,s), where H(N,s) = Σ_{j=1..N} j^-s. Any s > 0 is
// allowed, including s < 1 (web caches see s ≈ 0.6–0.9 [Breslau et al., "Web
// Caching and Zipf-like Distributions", INFOCOM 1999]). Sampling inverts a
// precomputed CDF table; a guide table (Chen and Asau's indexed search)
// narrows the binary search to the items of one of N equal slices of
// [0, 1), so a draw costs O(1) expected and the tables take 12N bytes.
type Zipf struct {
	s     float64
	cdf   []float64
	guide []int32 // guide[j] = smallest k with cdf[k] > j/len(cdf)
}

// NewZipf returns the Zipf distribution with exponent s over n items.
func NewZipf(s float64, n int) (*Zipf, error) {
	if !(s > 0) || math.IsInf(s, 0) {
		return nil, configErr("Zipf: exponent s %g must be positive and finite", s)
	}
	if n < 1 || n > math.MaxInt32 {
		return nil, configErr("Zipf: N %d must be in [1, 2^31)", n)
	}
	cdf := make([]float64, n)
	sum := 0.0
	for k := range n {
		sum += math.Pow(float64(k+1), -s)
		cdf[k] = sum
	}
	for k := range cdf {
		cdf[k] /= sum
	}
	cdf[n-1] = 1 // exact, whatever the rounding
	guide := make([]int32, n+1)
	k := 0
	for j := range n {
		for cdf[k] <= float64(j)/float64(n) {
			k++
		}
		guide[j] = int32(k)
	}
	guide[n] = int32(n - 1)
	return &Zipf{s: s, cdf: cdf, guide: guide}, nil
}

// Pick returns a 0-based rank: the smallest k with CDF(k) > U, U ~ U[0,1).
func (z *Zipf) Pick(r *rand.Rand) int {
	u := r.Float64()
	j := min(int(u*float64(len(z.cdf))), len(z.cdf)-1) // min guards rounding up to N
	// The answer lies in [guide[j], guide[j+1]]: cdf[guide[j]-1] ≤ j/N ≤ u
	// and cdf[guide[j+1]] > (j+1)/N > u.
	lo, hi := int(z.guide[j]), int(z.guide[j+1])
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if z.cdf[m] > u {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}

// Len returns N.
func (z *Zipf) Len() int { return len(z.cdf) }

// S returns the exponent.
func (z *Zipf) S() float64 { return z.s }

// Prob returns the probability of 0-based rank k.
func (z *Zipf) Prob(k int) float64 {
	if k < 0 || k >= len(z.cdf) {
		return 0
	}
	if k == 0 {
		return z.cdf[0]
	}
	return z.cdf[k] - z.cdf[k-1]
}

// KeysConfig describes a set of paths or object keys.
type KeysConfig struct {
	// Names lists the paths explicitly (each starting with "/"), most
	// popular first. When empty, N paths are generated as Prefix followed by
	// the zero-padded index, such as "/objects/000042".
	Names []string
	// Prefix is the generated paths' prefix; empty means "/".
	Prefix string
	// N is the number of generated paths (ignored when Names is set).
	N int
	// ZipfS is the Zipf exponent of the popularity; 0 means uniform.
	ZipfS float64
	// Sizes draws each object's size in bytes, once per key when the Keys
	// are built; nil means size 0.
	Sizes Dist
}

// Keys is a fixed set of paths with a popularity distribution and a size
// per object.
type Keys struct {
	names  []string
	prefix string
	width  int
	pop    Popularity
	sizes  []int64
	paths  []string // generated paths, formatted up front (nil for large N)
}

// maxCachedPaths bounds the generated paths Keys formats up front (about
// 32 bytes each), so that Path does not allocate for realistic key sets
// while a huge N costs no memory. They are built in NewKeys rather than on
// first use so that a Keys stays immutable and safe to share between runs
// on different goroutines.
const maxCachedPaths = 1 << 18

// NewKeys builds the key set; r draws the object sizes.
func NewKeys(cfg KeysConfig, r *rand.Rand) (*Keys, error) {
	k := &Keys{names: cfg.Names, prefix: cfg.Prefix}
	n := cfg.N
	if len(cfg.Names) > 0 {
		n = len(cfg.Names)
		for i, p := range cfg.Names {
			if len(p) == 0 || p[0] != '/' {
				return nil, configErr("keys: Names[%d] %q must start with \"/\"", i, p)
			}
		}
	} else {
		if n < 1 {
			return nil, configErr("keys: N %d must be at least 1 (or set Names)", n)
		}
		if k.prefix == "" {
			k.prefix = "/"
		}
		if k.prefix[0] != '/' {
			return nil, configErr("keys: Prefix %q must start with \"/\"", k.prefix)
		}
		k.width = len(strconv.Itoa(n - 1))
		if n <= maxCachedPaths {
			k.paths = make([]string, n)
			for i := range k.paths {
				k.paths[i] = k.path(i)
			}
		}
	}
	switch {
	case cfg.ZipfS == 0:
		k.pop = UniformPopularity(n)
	default:
		z, err := NewZipf(cfg.ZipfS, n)
		if err != nil {
			return nil, configErrWrap("keys: ZipfS", err)
		}
		k.pop = z
	}
	if cfg.Sizes != nil {
		if err := validate(cfg.Sizes); err != nil {
			return nil, configErrWrap("keys: Sizes", err)
		}
		k.sizes = make([]int64, n)
		for i := range k.sizes {
			k.sizes[i] = count(cfg.Sizes.Sample(r))
		}
	}
	return k, nil
}

// Len returns the number of keys.
func (k *Keys) Len() int { return k.pop.Len() }

// Pick draws a key index by popularity.
func (k *Keys) Pick(r *rand.Rand) int { return k.pop.Pick(r) }

// Popularity returns the key popularity distribution.
func (k *Keys) Popularity() Popularity { return k.pop }

// Path returns key i's path.
func (k *Keys) Path(i int) string {
	if k.names != nil {
		return k.names[i]
	}
	if k.paths != nil {
		return k.paths[i]
	}
	return k.path(i)
}

// path formats generated key i's path.
func (k *Keys) path(i int) string {
	var buf [64]byte
	b := append(buf[:0], k.prefix...)
	digits := 1
	for v := i; v >= 10; v /= 10 {
		digits++
	}
	for range k.width - digits {
		b = append(b, '0')
	}
	b = strconv.AppendInt(b, int64(i), 10)
	return string(b)
}

// Size returns key i's object size in bytes.
func (k *Keys) Size(i int) int64 {
	if k.sizes == nil {
		return 0
	}
	return k.sizes[i]
}
