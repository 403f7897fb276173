package workload

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/stat/distuv"
)

// chiSquare tests observed counts against expected probabilities, merging
// adjacent cells until each expects at least 5 draws (the usual validity
// rule for Pearson's test). It returns the statistic and the critical value
// at significance 0.001 for the merged degrees of freedom.
func chiSquare(observed []float64, prob func(int) float64, n float64) (stat, critical float64) {
	var cells int
	var o, e float64
	for k := range observed {
		o += observed[k]
		e += prob(k) * n
		if e >= 5 || k == len(observed)-1 {
			if e > 0 {
				stat += (o - e) * (o - e) / e
				cells++
			}
			o, e = 0, 0
		}
	}
	return stat, distuv.ChiSquared{K: float64(cells - 1)}.Quantile(0.999)
}

func TestZipfRankFrequencies(t *testing.T) {
	n := 200000
	if testing.Short() {
		n = 50000
	}
	for _, tt := range []struct {
		s float64
		N int
	}{
		{0.5, 100}, {0.8, 1000}, {1, 100}, {1.2, 50}, {2.5, 100}, {1, 1},
	} {
		z, err := NewZipf(tt.s, tt.N)
		require.NoError(t, err)
		// The exact probabilities, computed independently of the CDF table.
		h := 0.0
		for k := 1; k <= tt.N; k++ {
			h += math.Pow(float64(k), -tt.s)
		}
		for k := range tt.N {
			require.InDelta(t, math.Pow(float64(k+1), -tt.s)/h, z.Prob(k), 1e-12)
		}
		r := rand.New(rand.NewPCG(uint64(tt.N), 7))
		obs := make([]float64, tt.N)
		for range n {
			obs[z.Pick(r)]++ // out of range panics
		}
		if tt.N == 1 {
			assert.Equal(t, float64(n), obs[0])
			continue
		}
		stat, crit := chiSquare(obs, z.Prob, float64(n))
		assert.Less(t, stat, crit, "s=%g N=%d: χ² %.1f ≥ %.1f", tt.s, tt.N, stat, crit)
		// The most popular item's share is within 4 SE of 1/H.
		p0 := 1 / h
		assert.InDelta(t, p0, obs[0]/float64(n), 4*math.Sqrt(p0*(1-p0)/float64(n)))
	}
}

func TestZipfDetectsWrongExponent(t *testing.T) {
	// The test has power: draws from s=1.0 fail against s=0.9.
	z, err := NewZipf(1.0, 100)
	require.NoError(t, err)
	wrong, err := NewZipf(0.9, 100)
	require.NoError(t, err)
	r := rand.New(rand.NewPCG(1, 1))
	obs := make([]float64, 100)
	for range 200000 {
		obs[z.Pick(r)]++
	}
	stat, crit := chiSquare(obs, wrong.Prob, 200000)
	assert.Greater(t, stat, crit)
}

func TestUniformPopularity(t *testing.T) {
	u := UniformPopularity(20)
	r := rand.New(rand.NewPCG(2, 2))
	obs := make([]float64, 20)
	for range 40000 {
		obs[u.Pick(r)]++
	}
	stat, crit := chiSquare(obs, func(int) float64 { return 1.0 / 20 }, 40000)
	assert.Less(t, stat, crit)
}

func TestZipfValidation(t *testing.T) {
	for _, tt := range []struct {
		s float64
		n int
	}{{0, 10}, {-1, 10}, {math.NaN(), 10}, {math.Inf(1), 10}, {1, 0}} {
		_, err := NewZipf(tt.s, tt.n)
		assert.ErrorIs(t, err, ErrInvalidConfig, "s=%g n=%d", tt.s, tt.n)
	}
}

func TestKeys(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	k, err := NewKeys(KeysConfig{Prefix: "/objects/", N: 1000, ZipfS: 1, Sizes: Const(1024)}, r)
	require.NoError(t, err)
	assert.Equal(t, 1000, k.Len())
	assert.Equal(t, "/objects/000", k.Path(0))
	assert.Equal(t, "/objects/042", k.Path(42))
	assert.Equal(t, "/objects/999", k.Path(999))
	assert.Equal(t, int64(1024), k.Size(7))

	k, err = NewKeys(KeysConfig{N: 10}, r)
	require.NoError(t, err)
	assert.Equal(t, "/0", k.Path(0))
	assert.Equal(t, "/9", k.Path(9))
	assert.Equal(t, int64(0), k.Size(3))
	_, uniform := k.Popularity().(UniformPopularity)
	assert.True(t, uniform)

	// Past maxCachedPaths the paths are formatted on each call, the same way.
	k, err = NewKeys(KeysConfig{N: maxCachedPaths + 1}, r)
	require.NoError(t, err)
	assert.Nil(t, k.paths)
	assert.Equal(t, "/000007", k.Path(7))
	assert.Equal(t, fmt.Sprintf("/%d", maxCachedPaths), k.Path(maxCachedPaths))
	k, err = NewKeys(KeysConfig{N: maxCachedPaths}, r)
	require.NoError(t, err)
	assert.Equal(t, "/000007", k.Path(7))
	assert.Equal(t, fmt.Sprintf("/%d", maxCachedPaths-1), k.Path(maxCachedPaths-1))

	k, err = NewKeys(KeysConfig{Names: []string{"/index.html", "/app.js"}, ZipfS: 0.7}, r)
	require.NoError(t, err)
	assert.Equal(t, "/app.js", k.Path(1))
	assert.Equal(t, 2, k.Len())

	// Sizes are drawn once per key from the stream: same stream, same sizes.
	a, err := NewKeys(KeysConfig{N: 50, Sizes: LogNormalMeanCV(10000, 1)}, rand.New(rand.NewPCG(3, 3)))
	require.NoError(t, err)
	b, err := NewKeys(KeysConfig{N: 50, Sizes: LogNormalMeanCV(10000, 1)}, rand.New(rand.NewPCG(3, 3)))
	require.NoError(t, err)
	for i := range 50 {
		require.Equal(t, a.Size(i), b.Size(i))
		require.Positive(t, a.Size(i))
	}

	for _, bad := range []KeysConfig{
		{N: 0}, {Prefix: "x", N: 3}, {Names: []string{"/ok", "bad"}}, {N: 5, ZipfS: -1}, {N: 5, Sizes: Exponential{Mean: -1}},
	} {
		_, err := NewKeys(bad, r)
		assert.ErrorIs(t, err, ErrInvalidConfig, "%+v", bad)
	}
}

func TestDists(t *testing.T) {
	const n = 200000
	emp, err := NewEmpirical([]float64{1, 2, 2, 7})
	require.NoError(t, err)
	tests := []struct {
		name     string
		d        Dist
		mean, sd float64
	}{
		{"const", Const(0.25), 0.25, 0},
		{"exponential", Exponential{Mean: 0.1}, 0.1, 0.1},
		// LogNormalMeanCV(mean, cv) has that mean and sd = cv·mean.
		{"lognormal", LogNormalMeanCV(0.05, 0.5), 0.05, 0.025},
		{"uniform", Uniform{Min: 1, Max: 3}, 2, 2 / math.Sqrt(12)},
		{"empirical", emp, 3, math.Sqrt((4 + 1 + 1 + 16) / 4.0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(4, 4))
			var sum, sum2 float64
			neg := 0
			for range n {
				v := tt.d.Sample(r)
				if v < 0 {
					neg++
				}
				sum += v
				sum2 += v * v
			}
			require.Zero(t, neg, "negative samples")
			mean := sum / n
			sd := math.Sqrt(sum2/n - mean*mean)
			// 5 SE of the mean; the SD within 3% (SE of a sample SD is at
			// most a few tenths of a percent here, even for the log-normal).
			assert.InDelta(t, tt.mean, mean, 5*tt.sd/math.Sqrt(n)+1e-12)
			assert.InDelta(t, tt.sd, sd, 0.03*tt.sd+1e-9)
			assert.NoError(t, validate(tt.d))
		})
	}
	assert.InDelta(t, 0.05, LogNormalMeanCV(0.05, 0.5).Mean(), 1e-12)
	// Matches gonum's parameterisation.
	ln := LogNormalMeanCV(0.05, 0.5)
	assert.InDelta(t, distuv.LogNormal{Mu: ln.Mu, Sigma: ln.Sigma}.Mean(), 0.05, 1e-12)

	for _, bad := range []any{Const(-1), Exponential{Mean: math.NaN()}, LogNormal{Mu: math.Inf(1)}, LogNormal{Sigma: -1}, Uniform{Min: 2, Max: 1}, Uniform{Min: -1}} {
		assert.ErrorIs(t, validate(bad), ErrInvalidConfig, "%#v", bad)
	}
	_, err = NewEmpirical(nil)
	assert.ErrorIs(t, err, ErrInvalidConfig)
	_, err = NewEmpirical([]float64{1, -2})
	assert.ErrorContains(t, err, "value 1 -2")
}

func BenchmarkZipfPick(b *testing.B) {
	z, err := NewZipf(0.9, 1_000_000)
	require.NoError(b, err)
	r := rand.New(rand.NewPCG(1, 1))
	for b.Loop() {
		_ = z.Pick(r)
	}
}
