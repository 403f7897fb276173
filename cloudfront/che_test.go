package cloudfront

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nimbus-sim/nimbus/sim"
)

func TestCheHitRatioProperties(t *testing.T) {
	p := ZipfPopularity(1000, 0.8)
	prev := 0.0
	for _, c := range []int{0, 1, 10, 100, 500, 999} {
		h, T, err := CheHitRatio(p, c)
		require.NoError(t, err)
		assert.GreaterOrEqual(t, h, prev, "hit ratio grows with capacity")
		prev = h
		if c > 0 {
			occ := 0.0
			for _, pi := range p {
				occ += 1 - math.Exp(-pi*T)
			}
			assert.InDelta(t, float64(c), occ, 1e-6, "T solves the occupancy equation")
		}
	}
	// Uniform popularity: every object has probability 1/N, so the LRU hit
	// ratio is exactly C/N in the limit, and Che agrees.
	u := make([]float64, 100)
	for i := range u {
		u[i] = 0.01
	}
	h, _, err := CheHitRatio(u, 25)
	require.NoError(t, err)
	assert.InDelta(t, 0.25, h, 1e-9)
	h, _, _ = CheHitRatio(p, 2000)
	assert.Equal(t, 1.0, h)
}

// zipfSampler draws 0-based ranks by inverting the CDF.
type zipfSampler struct{ cdf []float64 }

func newZipfSampler(p []float64) zipfSampler {
	cdf := make([]float64, len(p))
	sum := 0.0
	for i, x := range p {
		sum += x
		cdf[i] = sum
	}
	cdf[len(cdf)-1] = 1
	return zipfSampler{cdf}
}

func (z zipfSampler) pick(r *rand.Rand) int {
	u := r.Float64()
	return sort.Search(len(z.cdf), func(i int) bool { return z.cdf[i] > u })
}

// TestHitRatioMatchesChe: one edge with an LRU cache of C equal objects,
// independent requests over N objects with Zipf(s) popularity. The
// measured hit ratio (after a warm-up of 2N requests, which fills the cache
// with its steady-state contents) must be within 2 percentage points of
// Che's approximation. Requests are 100 ms apart so no two overlap and
// request collapsing plays no part, as the approximation assumes.
func TestHitRatioMatchesChe(t *testing.T) {
	type tc struct {
		n, c     int
		s        float64
		requests int
	}
	cases := []tc{{n: 2000, c: 200, s: 0.8, requests: 30000}}
	if !testing.Short() {
		// 60,000+ measured requests put the sampling error near 0.2
		// points, a tenth of the tolerance.
		cases = append(cases, tc{n: 10000, c: 1000, s: 0.8, requests: 100000},
			tc{n: 10000, c: 100, s: 1.0, requests: 80000}, tc{n: 5000, c: 1000, s: 0.6, requests: 80000})
	}
	for _, tt := range cases {
		t.Run(fmt.Sprintf("N=%d/C=%d/s=%g", tt.n, tt.c, tt.s), func(t *testing.T) {
			const size = 1000
			p := ZipfPopularity(tt.n, tt.s)
			want, _, err := CheHitRatio(p, tt.c)
			require.NoError(t, err)
			s := sim.New(sim.Config{Seed: 7})
			o := fixedOrigin(s, sim.Response{Status: 200, Bytes: size, Headers: []sim.Header{{Name: "Cache-Control", Value: "max-age=31536000"}}})
			r := newRigOn(t, s, Config{Edges: []string{"IAD"}, EdgeCacheBytes: int64(tt.c * size), DisableRegionalEdgeCaches: true}, simpleDist(o))
			z := newZipfSampler(p)
			rng := s.Stream("test/zipf")
			paths := make([]string, tt.n)
			for i := range paths {
				paths[i] = "/obj/" + strconv.Itoa(i)
			}
			warmup := 2 * tt.n
			hits, measured := 0, 0
			c := viewer(1, ashburn)
			var next func(i int)
			next = func(i int) {
				if i == tt.requests {
					return
				}
				req := &sim.Request{Client: c, Method: "GET", Host: r.d.DomainName(), Path: paths[z.pick(rng)]}
				s.Send(r.d, req, func(_ *sim.Request, resp sim.Response) {
					if i >= warmup {
						measured++
						if v, _ := resp.Header("X-Cache"); v == "Hit from cloudfront" {
							hits++
						}
					}
				})
				s.After(100*time.Millisecond, func() { next(i + 1) })
			}
			s.Schedule(0, func() { next(0) })
			s.Run()
			require.Equal(t, tt.requests-warmup, measured)
			got := float64(hits) / float64(measured)
			t.Logf("measured %.4f, Che %.4f", got, want)
			assert.InDelta(t, want, got, 0.02)
			assert.Zero(t, r.d.Stats().CollapsedRequests)
		})
	}
}
