package workload

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/nimbus-sim/nimbus/sim"
)

// Arrivals generates the instants at which an open-loop source sends
// requests.
type Arrivals interface {
	// Next returns the first arrival after prev (the source's previous
	// arrival, or the instant it starts), never earlier than prev; ok is
	// false when the source sends nothing more. All randomness comes from r.
	Next(prev sim.Time, r *rand.Rand) (next sim.Time, ok bool)
}

// Constant sends at a fixed interval of 1/PerSecond: deterministic,
// evenly spaced arrivals (a "constant arrival rate" load generator).
type Constant struct {
	// PerSecond is the rate in requests per second; it must be positive.
	PerSecond float64
}

// Next returns prev plus one interval.
func (c Constant) Next(prev sim.Time, _ *rand.Rand) (sim.Time, bool) {
	if c.PerSecond <= 0 {
		return 0, false
	}
	return addSeconds(prev, 1/c.PerSecond)
}

// maxRate is one arrival per nanosecond, the clock's resolution: at a
// higher rate intervals round to 0 and virtual time would never advance.
const maxRate = 1e9

// Validate reports a rate that is not positive, or above one arrival per
// nanosecond (the clock's resolution).
func (c Constant) Validate() error {
	if !(c.PerSecond > 0 && c.PerSecond <= maxRate) {
		return configErr("Constant: PerSecond %g must be positive and at most %g (one per nanosecond)", c.PerSecond, float64(maxRate))
	}
	return nil
}

// Poisson is a (non-homogeneous) Poisson process whose intensity is Rate:
// independent exponential gaps for a constant rate, and for a time-varying
// rate Lewis–Shedler thinning against the profile's piecewise bound
// (Lewis & Shedler, "Simulation of nonhomogeneous Poisson processes by
// thinning", 1979): candidates arrive at the bound's rate and each is kept
// with probability Rate(t)/bound.
type Poisson struct {
	// Rate is the intensity in requests per second.
	Rate Profile
}

// PoissonRate returns a homogeneous Poisson process of perSecond requests
// per second.
func PoissonRate(perSecond float64) Poisson { return Poisson{Rate: ConstantRate(perSecond)} }

// Next returns the next arrival after prev. Because a Poisson process has
// no memory, starting from prev is exact.
func (p Poisson) Next(prev sim.Time, r *rand.Rand) (sim.Time, bool) {
	t := prev
	for {
		bound, until := p.Rate.Bound(t)
		if bound <= 0 || math.IsNaN(bound) {
			if until == sim.MaxTime {
				return 0, false
			}
			t = until
			continue
		}
		cand, ok := addSeconds(t, r.ExpFloat64()/bound)
		if !ok || cand >= until { // past this bound's span: restart from its end (memoryless)
			if until == sim.MaxTime {
				return 0, false
			}
			t = until
			continue
		}
		if _, constant := p.Rate.(ConstantRate); constant || r.Float64()*bound < p.Rate.Rate(cand) {
			return cand, true
		}
		t = cand
	}
}

// Validate validates Rate.
func (p Poisson) Validate() error {
	if p.Rate == nil {
		return configErr("Poisson: Rate is nil")
	}
	return validate(p.Rate)
}

// Sum merges several sources into one stream: each part keeps its own
// previous arrival, so deterministic and Poisson parts mix exactly. A Sum
// holds state: use a fresh one (NewSum) for each client.
type Sum struct {
	parts []Arrivals
	next  []sim.Time
	live  []bool
	begun bool
}

// NewSum returns the superposition of parts.
func NewSum(parts ...Arrivals) *Sum {
	return &Sum{parts: parts, next: make([]sim.Time, len(parts)), live: make([]bool, len(parts))}
}

// Next returns the earliest pending arrival of any part. The first call
// starts every part at prev; later calls ignore prev. Ties go to the
// earlier part.
func (s *Sum) Next(prev sim.Time, r *rand.Rand) (sim.Time, bool) {
	if !s.begun {
		s.begun = true
		for i, p := range s.parts {
			s.next[i], s.live[i] = p.Next(prev, r)
		}
	}
	best := -1
	for i := range s.parts {
		if s.live[i] && (best < 0 || s.next[i] < s.next[best]) {
			best = i
		}
	}
	if best < 0 {
		return 0, false
	}
	t := s.next[best]
	s.next[best], s.live[best] = s.parts[best].Next(t, r)
	return t, true
}

// Validate validates each part.
func (s *Sum) Validate() error {
	if len(s.parts) == 0 {
		return configErr("Sum: no parts")
	}
	for i, p := range s.parts {
		if p == nil {
			return configErr("Sum: part %d: nil", i)
		}
		if err := validate(p); err != nil {
			return configErrWrap("Sum: part "+itoa(i), err)
		}
	}
	return nil
}

// addSeconds returns t + sec, rounded to the nanosecond; ok is false when
// the result would pass sim.MaxTime.
func addSeconds(t sim.Time, sec float64) (sim.Time, bool) {
	d := math.Round(sec * float64(time.Second))
	if d >= float64(sim.MaxTime-t) {
		return 0, false
	}
	return t + sim.Time(d), true
}
