package geo

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDistanceKm(t *testing.T) {
	tests := []struct {
		name string
		a, b Point
		want float64 // km, published great-circle distances
	}{
		// JFK–LHR is 5,540 km (great circle, e.g. Great Circle Mapper).
		{"JFK-LHR", Point{40.6413, -73.7781}, Point{51.4700, -0.4543}, 5540},
		// SYD-LAX 12,050 km.
		{"SYD-LAX", Point{-33.9399, 151.1753}, Point{33.9416, -118.4085}, 12050},
		// A quarter meridian: pole to equator is πR/2.
		{"pole-equator", Point{90, 0}, Point{0, 0}, math.Pi * EarthRadiusKm / 2},
		// Antipodes: half the circumference.
		{"antipodes", Point{0, 0}, Point{0, 180}, math.Pi * EarthRadiusKm},
		{"same", Point{12, 34}, Point{12, 34}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DistanceKm(tt.a, tt.b)
			assert.InDelta(t, tt.want, got, 0.01*tt.want+1e-9, "within 1%%")
			assert.InDelta(t, got, DistanceKm(tt.b, tt.a), 1e-9, "symmetric")
		})
	}
}

func TestRTTAgainstPublishedInterRegion(t *testing.T) {
	m := DefaultLatency()
	tests := []struct {
		a, b   string
		lo, hi time.Duration // published medians ±20% [3rd-party: cloudping.co]
	}{
		{"us-east-1", "eu-west-1", 65 * time.Millisecond, 80 * time.Millisecond},
		{"us-east-1", "ap-northeast-1", 117 * time.Millisecond, 175 * time.Millisecond},
		{"us-east-1", "ap-southeast-2", 158 * time.Millisecond, 238 * time.Millisecond},
		{"eu-west-1", "eu-central-1", 20 * time.Millisecond, 30 * time.Millisecond},
		{"us-west-2", "ap-northeast-1", 80 * time.Millisecond, 120 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.a+"/"+tt.b, func(t *testing.T) {
			a, ok := LookupRegion(tt.a)
			require.True(t, ok)
			b, ok := LookupRegion(tt.b)
			require.True(t, ok)
			rtt := m.RTT(a.Location, b.Location)
			assert.GreaterOrEqual(t, rtt, tt.lo)
			assert.LessOrEqual(t, rtt, tt.hi)
			assert.Equal(t, rtt, m.RTT(b.Location, a.Location))
		})
	}
}

func TestRTTFormula(t *testing.T) {
	m := LatencyModel{FiberKmPerMs: 200, RouteInflation: 1.5, Base: 2 * time.Millisecond}
	a, b := Point{0, 0}, Point{0, 180}
	// 2 × πR × 1.5 / 200 km/ms + 2 ms.
	want := 2*math.Pi*EarthRadiusKm*1.5/200 + 2
	assert.InDelta(t, want, float64(m.RTT(a, b))/1e6, 1e-6)
	assert.Equal(t, 2*time.Millisecond, m.RTT(a, a), "zero distance leaves Base")
	assert.Equal(t, 3*time.Millisecond, LatencyModel{Base: 3 * time.Millisecond}.RTT(a, b), "no fibre speed ignores distance")
	for _, bad := range []Point{{math.NaN(), 0}, {0, math.Inf(1)}, {math.Inf(-1), math.NaN()}} {
		assert.Equal(t, 2*time.Millisecond, m.RTT(a, bad), "undefined distance leaves Base: %v", bad)
	}
}

func TestSampleRTT(t *testing.T) {
	a, b := Point{40.64, -73.78}, Point{51.47, -0.45}
	m := DefaultLatency()
	r := rand.New(rand.NewPCG(1, 2))
	assert.Equal(t, m.RTT(a, b), m.SampleRTT(a, b, r), "no jitter: the mean")

	m.Jitter = ExponentialJitter{Fraction: 0.2}
	mean := m.RTT(a, b)
	const n = 20000
	var sum float64
	floor := time.Duration(float64(mean) * 0.8)
	for range n {
		s := m.SampleRTT(a, b, r)
		require.GreaterOrEqual(t, s, floor-1)
		sum += float64(s)
	}
	// Tail SD = 0.2·mean; SE of the mean over n is 0.2·mean/√n ≈ 0.0014·mean,
	// so 1% is more than 7 SE.
	assert.InDelta(t, float64(mean), sum/n, 0.01*float64(mean))

	// Same seed, same samples.
	r1, r2 := rand.New(rand.NewPCG(7, 7)), rand.New(rand.NewPCG(7, 7))
	for range 100 {
		require.Equal(t, m.SampleRTT(a, b, r1), m.SampleRTT(a, b, r2))
	}
	m.Jitter = JitterFunc(func(mean time.Duration, _ *rand.Rand) time.Duration { return 2 * mean })
	assert.Equal(t, 2*mean, m.SampleRTT(a, b, r))
}

func TestLookups(t *testing.T) {
	r, ok := LookupRegion("us-east-1")
	require.True(t, ok)
	assert.Equal(t, "US East (N. Virginia)", r.Name)
	assert.Equal(t, []string{"us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f"}, r.AZs)

	r, ok = LookupRegion("us-west-1")
	require.True(t, ok)
	assert.Equal(t, []string{"us-west-1b", "us-west-1c"}, r.AZs)

	_, ok = LookupRegion("us-east-9")
	assert.False(t, ok)

	r, ok = RegionOfAZ("eu-west-1b")
	require.True(t, ok)
	assert.Equal(t, "eu-west-1", r.Code)
	for _, az := range []string{"us-west-1a", "eu-west-1z", "", "x", "nowhere-1a"} {
		_, ok = RegionOfAZ(az)
		assert.False(t, ok, az)
	}

	e, ok := LookupEdge("fra")
	require.True(t, ok)
	assert.Equal(t, "DE", e.Country)
	assert.Equal(t, "eu-central-1", e.RegionalEdgeCache)
	e, ok = LookupEdge("IAD")
	require.True(t, ok)
	assert.Equal(t, "us-east-1", e.RegionalEdgeCache)
	_, ok = LookupEdge("XXX")
	assert.False(t, ok)

	c, ok := LookupCountry("jp")
	require.True(t, ok)
	assert.Equal(t, "AS", c.Continent)
	c, ok = LookupCountry("BR")
	require.True(t, ok)
	assert.Equal(t, "SA", c.Continent)
	_, ok = LookupCountry("XK")
	assert.False(t, ok)
}

func TestCopiesAreIndependent(t *testing.T) {
	rs := Regions()
	rs[0].AZs[0] = "changed"
	rs[0].Code = "changed"
	assert.NotEqual(t, "changed", Regions()[0].Code)
	assert.NotEqual(t, "changed", Regions()[0].AZs[0])
	r, _ := LookupRegion("us-east-1")
	r.AZs[0] = "changed"
	r, _ = LookupRegion("us-east-1")
	assert.Equal(t, "us-east-1a", r.AZs[0])
	es := EdgeLocations()
	es[0].Code = "changed"
	assert.NotEqual(t, "changed", EdgeLocations()[0].Code)
}

func TestDataIntegrity(t *testing.T) {
	rs := Regions()
	require.GreaterOrEqual(t, len(rs), 17)
	require.True(t, slices.IsSortedFunc(rs, func(a, b Region) int { return strings.Compare(a.Code, b.Code) }))
	for i, r := range rs {
		if i > 0 {
			assert.NotEqual(t, rs[i-1].Code, r.Code, "duplicate region")
		}
		assert.NotEmpty(t, r.Name, r.Code)
		assert.GreaterOrEqual(t, len(r.AZs), 2, r.Code)
		for j, az := range r.AZs {
			assert.Len(t, az, len(r.Code)+1, az)
			assert.True(t, strings.HasPrefix(az, r.Code), "AZ %s of %s", az, r.Code)
			if j > 0 {
				assert.Less(t, r.AZs[j-1], az, "AZs sorted and unique in %s", r.Code)
			}
			back, ok := RegionOfAZ(az)
			assert.True(t, ok && back.Code == r.Code, az)
		}
		assertPoint(t, r.Code, r.Location)
	}

	cs := Countries()
	assert.Len(t, cs, 249, "ISO 3166-1 has 249 assigned alpha-2 codes")
	conts := Continents()
	for i, c := range cs {
		if i > 0 {
			assert.Less(t, cs[i-1].Code, c.Code, "sorted, no duplicates")
		}
		assert.Len(t, c.Code, 2)
		assert.Equal(t, strings.ToUpper(c.Code), c.Code)
		assert.Contains(t, conts, c.Continent, c.Code)
		assert.NotEmpty(t, c.Name)
		assertPoint(t, c.Code, c.Location)
	}

	es := EdgeLocations()
	require.GreaterOrEqual(t, len(es), 40)
	recs := RegionalEdgeCaches()
	for i, e := range es {
		if i > 0 {
			assert.Less(t, es[i-1].Code, e.Code, "sorted, no duplicates")
		}
		assert.Len(t, e.Code, 3, e.Code)
		c, ok := LookupCountry(e.Country)
		assert.True(t, ok, "edge %s country %q", e.Code, e.Country)
		// An edge's airport lies within 3,000 km of its country's centre
		// (catches swapped coordinates and wrong country codes; the US, with
		// Hawaii and Alaska, is the exception).
		if ok && e.Country != "US" && e.Country != "RU" {
			assert.Less(t, DistanceKm(e.Location, c.Location), 3000.0, e.Code)
		}
		assert.Contains(t, recs, e.RegionalEdgeCache, e.Code)
		assertPoint(t, e.Code, e.Location)
	}
	for _, code := range recs {
		_, ok := LookupRegion(code)
		assert.True(t, ok, code)
	}
}

func TestRegionCountriesExist(t *testing.T) {
	// The country of each Region's metro, checked by nearest country centre
	// being within 2,500 km (all Region metros are inside large or nearby
	// countries) — guards against swapped latitude and longitude.
	for _, r := range Regions() {
		best := math.Inf(1)
		for _, c := range Countries() {
			best = min(best, DistanceKm(r.Location, c.Location))
		}
		assert.Less(t, best, 2500.0, r.Code)
	}
}

func assertPoint(t *testing.T, what string, p Point) {
	t.Helper()
	assert.True(t, p.Lat >= -90 && p.Lat <= 90 && p.Lon >= -180 && p.Lon <= 180, "%s: %v", what, p)
}

func BenchmarkRTT(b *testing.B) {
	m := DefaultLatency()
	a, c := Point{40.64, -73.78}, Point{51.47, -0.45}
	for b.Loop() {
		_ = m.RTT(a, c)
	}
}
