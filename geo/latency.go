package geo

import (
	"math"
	"math/rand/v2"
	"time"
)

// LatencyModel turns great-circle distance into network round-trip time:
//
//	RTT = Base + 2 × DistanceKm × RouteInflation / FiberKmPerMs
//
// The defaults (DefaultLatency) are fitted to published median RTTs between
// AWS Regions; a zero field is not replaced by its default.
type LatencyModel struct {
	// FiberKmPerMs is the one-way signal speed in optical fibre, in km per
	// millisecond: c / n with group index n ≈ 1.47 for standard single-mode
	// fibre (ITU-T G.652) gives 204 km/ms; 200 is the customary round value.
	FiberKmPerMs float64
	// RouteInflation is the ratio of the fibre path length to the
	// great-circle distance (cables follow coasts, roads and rights of way,
	// and routing is not shortest-path). Default 1.25, the slope of a
	// least-squares fit (1.26) of Base + 2·d·k/200 to median RTTs between 12
	// pairs of AWS Regions [3rd-party: cloudping.co p50 figures, approximate;
	// Singla et al., "The Internet at the Speed of Light", HotNets 2014, find
	// similar inflation on well-provisioned paths].
	RouteInflation float64
	// Base is the distance-independent part of a round trip: router hops,
	// serialization, and the access networks at both ends. Default 8 ms; the
	// fit's intercept is 9.7 ms, lowered a little so short paths are not
	// overstated. It is an assumption for client paths, whose last mile
	// varies from about 1 ms (fibre) to 40 ms (mobile).
	Base time.Duration
	// Jitter, when set, makes SampleRTT draw around the mean RTT; nil means
	// SampleRTT returns RTT.
	Jitter Jitter
}

// DefaultLatency returns the documented defaults: FiberKmPerMs 200,
// RouteInflation 1.25, Base 8 ms, no jitter. With them us-east-1 to
// eu-west-1 (5,470 km) is about 76 ms and us-east-1 to ap-northeast-1
// (10,900 km) about 144 ms, against published medians near 68 ms and 146 ms.
func DefaultLatency() LatencyModel {
	return LatencyModel{FiberKmPerMs: 200, RouteInflation: 1.25, Base: 8 * time.Millisecond}
}

// RTT returns the mean round-trip time between a and b. A model with a
// non-positive FiberKmPerMs ignores distance, and so does a point with a
// NaN or infinite coordinate (whose distance is undefined; converting it
// would give an arbitrary, possibly negative, duration).
func (m LatencyModel) RTT(a, b Point) time.Duration {
	rtt := float64(m.Base)
	if d := DistanceKm(a, b); m.FiberKmPerMs > 0 && !math.IsNaN(d) {
		rtt += 2 * d * m.RouteInflation / m.FiberKmPerMs * float64(time.Millisecond)
	}
	return time.Duration(math.Round(rtt))
}

// SampleRTT returns one round-trip time between a and b: RTT through the
// model's Jitter with randomness from r, or RTT when Jitter is nil.
func (m LatencyModel) SampleRTT(a, b Point, r *rand.Rand) time.Duration {
	mean := m.RTT(a, b)
	if m.Jitter == nil {
		return mean
	}
	return m.Jitter.Sample(mean, r)
}

// Jitter draws one round-trip time given the mean, using only r for
// randomness. Implementations should keep the sample's expectation at mean so
// that LatencyModel.RTT stays the mean of SampleRTT.
type Jitter interface {
	Sample(mean time.Duration, r *rand.Rand) time.Duration
}

// JitterFunc adapts a function (for example one wrapping a gonum distuv
// distribution whose Src is r) to Jitter.
type JitterFunc func(mean time.Duration, r *rand.Rand) time.Duration

// Sample calls f.
func (f JitterFunc) Sample(mean time.Duration, r *rand.Rand) time.Duration { return f(mean, r) }

// ExponentialJitter is the usual shape of queueing delay on a path: a floor
// of (1-Fraction)×mean (propagation) plus an exponential tail with mean
// Fraction×mean, so the expectation is the mean. Fraction is in [0, 1];
// values outside are clamped.
type ExponentialJitter struct {
	Fraction float64
}

// Sample draws one round-trip time.
func (j ExponentialJitter) Sample(mean time.Duration, r *rand.Rand) time.Duration {
	f := min(max(j.Fraction, 0), 1)
	m := float64(mean)
	return time.Duration(math.Round(m*(1-f) + r.ExpFloat64()*m*f))
}
