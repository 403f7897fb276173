package geo

import (
	"testing"
	"time"

	"github.com/nimbus-sim/nimbus/sim"
	"github.com/stretchr/testify/assert"
)

// Jittered RTTs come only from the caller's stream: one seed gives the same
// samples, another seed different ones, and the mean stays the model's RTT.
func TestSampleRTTDeterminism(t *testing.T) {
	m := DefaultLatency()
	m.Jitter = ExponentialJitter{Fraction: 0.2}
	iad, _ := LookupEdge("IAD")
	fra, _ := LookupEdge("FRA")
	draw := func(seed uint64) []time.Duration {
		r := sim.NewStream(seed, "geo/test")
		out := make([]time.Duration, 2000)
		for i := range out {
			out[i] = m.SampleRTT(iad.Location, fra.Location, r)
		}
		return out
	}
	a := draw(1)
	assert.Equal(t, a, draw(1))
	assert.NotEqual(t, a, draw(2))
	var sum time.Duration
	for _, d := range a {
		sum += d
	}
	mean := m.RTT(iad.Location, fra.Location)
	// 2,000 samples with a jitter sd of 0.2 × mean: the sample mean is
	// within 4 standard errors (4 × 0.2/√2000 ≈ 1.8%) of the RTT.
	assert.InEpsilon(t, float64(mean), float64(sum)/float64(len(a)), 0.018)
}
