package workload

import (
	"math"
	"sort"
	"time"

	"github.com/nimbus-sim/nimbus/sim"
)

// Profile is an arrival rate that varies over virtual time, in requests per
// second. Poisson turns a Profile into arrivals.
type Profile interface {
	// Rate returns the rate at t, in requests per second (never negative).
	Rate(t sim.Time) float64
	// Bound returns an upper bound on the rate over [t, until), with
	// until > t (sim.MaxTime for "from t on"). Tighter bounds make
	// sampling faster; any bound is correct.
	Bound(t sim.Time) (max float64, until sim.Time)
}

// ConstantRate is a rate that never changes, in requests per second.
type ConstantRate float64

// Rate returns r.
func (r ConstantRate) Rate(sim.Time) float64 { return float64(r) }

// Bound returns r for all time.
func (r ConstantRate) Bound(sim.Time) (float64, sim.Time) { return float64(r), sim.MaxTime }

// Validate reports a negative or non-finite rate.
func (r ConstantRate) Validate() error { return checkRate("ConstantRate", float64(r)) }

// Diurnal is a daily cycle: a raised cosine between Trough and Peak requests
// per second, with the peak at PeakHour local time and the trough twelve
// hours away. Local time follows Location, including daylight-saving
// changes.
type Diurnal struct {
	// Peak and Trough are the highest and lowest rates, in requests per
	// second; 0 ≤ Trough ≤ Peak.
	Peak, Trough float64
	// PeakHour is the local time of the peak in hours, in [0, 24); 20.5
	// means 20:30.
	PeakHour float64
	// Location is the time zone of PeakHour; nil means UTC.
	Location *time.Location
	// Epoch is the wall-clock instant of sim.Time 0: the run's
	// sim.Config.Epoch. Zero means sim.DefaultEpoch, as in sim.Config.
	Epoch time.Time
}

// Rate returns the rate at t.
func (d Diurnal) Rate(t sim.Time) float64 {
	epoch := d.Epoch
	if epoch.IsZero() {
		epoch = sim.DefaultEpoch
	}
	loc := d.Location
	if loc == nil {
		loc = time.UTC
	}
	w := epoch.Add(time.Duration(t)).In(loc)
	_, off := w.Zone()
	const day = 86400
	sod := ((w.Unix()+int64(off))%day + day) % day // local second of the day
	h := (float64(sod) + float64(w.Nanosecond())/1e9) / 3600
	return d.Trough + (d.Peak-d.Trough)*(1+math.Cos(2*math.Pi*(h-d.PeakHour)/24))/2
}

// Bound returns Peak for all time.
func (d Diurnal) Bound(sim.Time) (float64, sim.Time) { return d.Peak, sim.MaxTime }

// Validate checks the rates and the peak hour.
func (d Diurnal) Validate() error {
	if err := checkRate("Diurnal: Trough", d.Trough); err != nil {
		return err
	}
	if err := checkRate("Diurnal: Peak", d.Peak); err != nil {
		return err
	}
	if d.Trough > d.Peak {
		return configErr("Diurnal: Trough %g > Peak %g", d.Trough, d.Peak)
	}
	if !(d.PeakHour >= 0 && d.PeakHour < 24) {
		return configErr("Diurnal: PeakHour %g outside [0, 24)", d.PeakHour)
	}
	return nil
}

// Step is a rate that changes once, from Before to After at instant At.
type Step struct {
	// Before and After are the rates in requests per second.
	Before, After float64
	// At is the instant of the change.
	At sim.Time
}

// Rate returns Before before At and After from At on.
func (s Step) Rate(t sim.Time) float64 {
	if t < s.At {
		return s.Before
	}
	return s.After
}

// Bound returns the rate of the current side of the step.
func (s Step) Bound(t sim.Time) (float64, sim.Time) {
	if t < s.At {
		return s.Before, s.At
	}
	return s.After, sim.MaxTime
}

// Validate reports negative rates.
func (s Step) Validate() error {
	if err := checkRate("Step: Before", s.Before); err != nil {
		return err
	}
	return checkRate("Step: After", s.After)
}

// Spike is a base rate with a rectangular burst: Peak requests per second
// during [At, At+Duration), Base otherwise. Use Piecewise for ramps.
type Spike struct {
	// Base and Peak are rates in requests per second.
	Base, Peak float64
	// At is when the burst starts.
	At sim.Time
	// Duration is how long it lasts.
	Duration time.Duration
}

// Rate returns Peak inside the burst and Base outside it.
func (s Spike) Rate(t sim.Time) float64 {
	if t >= s.At && t < s.At.Add(s.Duration) {
		return s.Peak
	}
	return s.Base
}

// Bound returns the rate of the current phase until the phase ends.
func (s Spike) Bound(t sim.Time) (float64, sim.Time) {
	switch end := s.At.Add(s.Duration); {
	case t < s.At:
		return s.Base, s.At
	case t < end:
		return s.Peak, end
	default:
		return s.Base, sim.MaxTime
	}
}

// Validate reports negative rates or duration.
func (s Spike) Validate() error {
	if err := checkRate("Spike: Base", s.Base); err != nil {
		return err
	}
	if err := checkRate("Spike: Peak", s.Peak); err != nil {
		return err
	}
	if s.Duration < 0 {
		return configErr("Spike: Duration %v < 0", s.Duration)
	}
	return nil
}

// RatePoint is one corner of a Piecewise profile.
type RatePoint struct {
	// At is the instant.
	At sim.Time
	// PerSecond is the rate at At, in requests per second.
	PerSecond float64
}

// Piecewise is a piecewise-linear rate through Points (sorted by At): linear
// between neighbours, the first point's rate before it and the last point's
// rate after it. Two points at the same instant make a jump.
type Piecewise []RatePoint

// Rate interpolates the profile at t.
func (p Piecewise) Rate(t sim.Time) float64 {
	if len(p) == 0 {
		return 0
	}
	i := sort.Search(len(p), func(i int) bool { return p[i].At > t }) // first point after t
	switch {
	case i == 0:
		return p[0].PerSecond
	case i == len(p):
		return p[len(p)-1].PerSecond
	}
	a, b := p[i-1], p[i]
	f := float64(t-a.At) / float64(b.At-a.At)
	return a.PerSecond + f*(b.PerSecond-a.PerSecond)
}

// Bound returns the larger end of the current segment, until its end.
func (p Piecewise) Bound(t sim.Time) (float64, sim.Time) {
	if len(p) == 0 {
		return 0, sim.MaxTime
	}
	i := sort.Search(len(p), func(i int) bool { return p[i].At > t })
	if i == len(p) {
		return p[len(p)-1].PerSecond, sim.MaxTime
	}
	return max(p.Rate(t), p[i].PerSecond), p[i].At
}

// Validate checks that there is a point, points are in time order and rates
// are not negative.
func (p Piecewise) Validate() error {
	if len(p) == 0 {
		return configErr("Piecewise: no points")
	}
	for i, pt := range p {
		if err := checkRate("Piecewise: point "+itoa(i)+": PerSecond", pt.PerSecond); err != nil {
			return err
		}
		if i > 0 && pt.At < p[i-1].At {
			return configErr("Piecewise: point %d: At %v before point %d's %v", i, pt.At, i-1, p[i-1].At)
		}
	}
	return nil
}

// SumRate is the sum of several profiles: the rate of independent Poisson
// sources merged into one.
type SumRate []Profile

// Rate returns the sum of the parts' rates.
func (s SumRate) Rate(t sim.Time) float64 {
	sum := 0.0
	for _, p := range s {
		sum += p.Rate(t)
	}
	return sum
}

// Bound returns the sum of the parts' bounds, until the earliest part's
// bound ends.
func (s SumRate) Bound(t sim.Time) (float64, sim.Time) {
	sum, until := 0.0, sim.MaxTime
	for _, p := range s {
		m, u := p.Bound(t)
		sum += m
		until = min(until, u)
	}
	return sum, until
}

// Validate validates each part.
func (s SumRate) Validate() error {
	for i, p := range s {
		if p == nil {
			return configErr("SumRate: part %d: nil", i)
		}
		if err := validate(p); err != nil {
			return configErrWrap("SumRate: part "+itoa(i), err)
		}
	}
	return nil
}

func checkRate(what string, r float64) error {
	if !(r >= 0 && r <= maxRate) {
		return configErr("%s %g: rate must be between 0 and %g per second (one per nanosecond)", what, r, float64(maxRate))
	}
	return nil
}
