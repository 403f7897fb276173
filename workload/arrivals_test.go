package workload

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"time"
	_ "time/tzdata" // America/New_York without relying on the host's zoneinfo

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/stat"

	"github.com/nimbus-sim/nimbus/sim"
)

// counts draws arrivals from a over [0, horizon) and counts them per window.
func counts(t *testing.T, a Arrivals, seed uint64, window time.Duration, horizon sim.Time) []float64 {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 99))
	out := make([]float64, int(horizon)/int(window))
	prev := sim.Time(0)
	for {
		at, ok := a.Next(prev, r)
		if !ok || at >= horizon {
			return out
		}
		require.GreaterOrEqual(t, at, prev, "arrivals never go back")
		out[int(at)/int(window)]++
		prev = at
	}
}

func TestPoissonCountsMeanAndVariance(t *testing.T) {
	// Counts of a Poisson process of rate λ in windows of w are Poisson(λw):
	// mean = variance = λw. With n windows the sample mean has SE √(λw/n)
	// and the sample variance SE √((λw + 2(λw)²)/n) (fourth cumulant of the
	// Poisson is λw). Tolerances are 4 SE.
	const lambda, n = 50.0, 2000
	mu := lambda * 1 // w = 1 s
	tests := []struct {
		name string
		a    Arrivals
	}{
		{"homogeneous", PoissonRate(lambda)},
		// The same process by thinning: a profile whose bound is 4× loose.
		{"thinned", Poisson{Rate: looseBound{ConstantRate(lambda), 4}}},
		{"sum of two", Poisson{Rate: SumRate{ConstantRate(20), ConstantRate(30)}}},
		{"superposed", NewSum(PoissonRate(20), PoissonRate(30))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := counts(t, tt.a, 1, time.Second, sim.Time(n*time.Second))
			mean, variance := stat.MeanVariance(c, nil)
			assert.InDelta(t, mu, mean, 4*math.Sqrt(mu/n))
			assert.InDelta(t, mu, variance, 4*math.Sqrt((mu+2*mu*mu)/n))
		})
	}
}

type looseBound struct {
	Profile
	factor float64
}

func (l looseBound) Bound(t sim.Time) (float64, sim.Time) {
	m, u := l.Profile.Bound(t)
	return m * l.factor, u
}

func TestConstantArrivals(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	c := Constant{PerSecond: 4}
	prev := sim.Time(0)
	for i := 1; i <= 10; i++ {
		at, ok := c.Next(prev, r)
		require.True(t, ok)
		assert.Equal(t, sim.Time(i)*sim.Time(250*time.Millisecond), at)
		prev = at
	}
	_, ok := Constant{}.Next(0, r)
	assert.False(t, ok)
}

func TestSumKeepsEachPartsSchedule(t *testing.T) {
	// 2/s and 3/s evenly spaced: in 10 s exactly 20 + 30 arrivals, sorted,
	// with the 2/s part's instants at multiples of 500 ms.
	s := NewSum(Constant{PerSecond: 2}, Constant{PerSecond: 3})
	r := rand.New(rand.NewPCG(1, 1))
	var got []sim.Time
	prev := sim.Time(0)
	for {
		at, ok := s.Next(prev, r)
		require.True(t, ok)
		if at > sim.Time(10*time.Second) {
			break
		}
		require.GreaterOrEqual(t, at, prev)
		got = append(got, at)
		prev = at
	}
	assert.Len(t, got, 50)
	for k := 1; k <= 20; k++ {
		assert.Contains(t, got, sim.Time(k)*sim.Time(500*time.Millisecond), "2/s part's arrival %d", k)
	}
}

func TestNonHomogeneousCounts(t *testing.T) {
	// Expected counts are the integral of the rate; the count is Poisson,
	// so the tolerance is 4√mean.
	tests := []struct {
		name     string
		p        Profile
		from, to sim.Time
		want     float64
	}{
		{"step before", Step{Before: 10, After: 100, At: sec(100)}, 0, sec(100), 1000},
		{"step after", Step{Before: 10, After: 100, At: sec(100)}, sec(100), sec(200), 10000},
		{"spike inside", Spike{Base: 5, Peak: 200, At: sec(50), Duration: 10 * time.Second}, sec(50), sec(60), 2000},
		{"spike outside", Spike{Base: 5, Peak: 200, At: sec(50), Duration: 10 * time.Second}, sec(60), sec(200), 700},
		// Ramp 0 → 100/s over 100 s: integral 5000; then flat 100/s.
		{"ramp", Piecewise{{0, 0}, {sec(100), 100}}, 0, sec(100), 5000},
		{"after ramp", Piecewise{{0, 0}, {sec(100), 100}}, sec(100), sec(150), 5000},
		// Jump at 10 s from 0 to 50/s, then down to 0 at 20 s.
		{"jump", Piecewise{{sec(10), 0}, {sec(10), 50}, {sec(20), 50}, {sec(20), 0}}, 0, sec(30), 500},
		{"zero rate", ConstantRate(0), 0, sec(100), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := counts(t, Poisson{Rate: tt.p}, 3, time.Second, sec(200))
			got := 0.0
			for i := int(tt.from / sec(1)); i < int(tt.to/sec(1)); i++ {
				got += c[i]
			}
			assert.InDelta(t, tt.want, got, 4*math.Sqrt(tt.want)+1e-9)
		})
	}
}

func sec(n int) sim.Time { return sim.Time(n) * sim.Time(time.Second) }

func TestDiurnalPeakAndTrough(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	epoch := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	d := Diurnal{Peak: 10, Trough: 1, PeakHour: 20, Location: ny, Epoch: epoch}
	require.NoError(t, d.Validate())
	at := func(w time.Time) sim.Time { return sim.Time(w.Sub(epoch)) }

	// January (EST, UTC−5): peak 20:00 local = 01:00 UTC next day.
	assert.InDelta(t, 10, d.Rate(at(time.Date(2026, 1, 15, 1, 0, 0, 0, time.UTC))), 1e-9)
	assert.InDelta(t, 1, d.Rate(at(time.Date(2026, 1, 15, 13, 0, 0, 0, time.UTC))), 1e-9)
	// July (EDT, UTC−4): peak at 00:00 UTC.
	assert.InDelta(t, 10, d.Rate(at(time.Date(2026, 7, 15, 0, 0, 0, 0, time.UTC))), 1e-9)
	assert.InDelta(t, 1, d.Rate(at(time.Date(2026, 7, 15, 12, 0, 0, 0, time.UTC))), 1e-9)
	// Six hours off the peak the raised cosine is at the midpoint.
	assert.InDelta(t, 5.5, d.Rate(at(time.Date(2026, 1, 15, 7, 0, 0, 0, time.UTC))), 1e-9)
	// Every instant lies in [Trough, Peak].
	for h := range 48 {
		v := d.Rate(sim.Time(h) * sim.Time(30*time.Minute))
		assert.True(t, v >= 1-1e-9 && v <= 10+1e-9, v)
	}

	// Generated arrivals: over a few days the busiest hour of the local day is
	// 19:00–21:00 and the quietest 07:00–09:00, and the counts per hour of
	// day match the integral of the curve within 4√mean.
	days := 3
	if testing.Short() {
		days = 1
	}
	r := rand.New(rand.NewPCG(5, 5))
	var byHour [24]float64
	prev := sim.Time(0)
	end := sim.Time(time.Duration(days) * 24 * time.Hour)
	p := Poisson{Rate: d}
	for {
		a, ok := p.Next(prev, r)
		require.True(t, ok)
		if a >= end {
			break
		}
		byHour[epoch.Add(time.Duration(a)).In(ny).Hour()]++
		prev = a
	}
	peak, trough := 0, 0
	for h := range 24 {
		if byHour[h] > byHour[peak] {
			peak = h
		}
		if byHour[h] < byHour[trough] {
			trough = h
		}
		// ∫ over [h, h+1) of T + (P−T)(1+cos(2π(x−20)/24))/2 dx, per day.
		amp := (d.Peak - d.Trough) / 2
		k := 2 * math.Pi / 24
		integral := (d.Trough+amp)*1 + amp/k*(math.Sin(k*(float64(h+1)-20))-math.Sin(k*(float64(h)-20)))
		want := integral * 3600 * float64(days)
		assert.InDelta(t, want, byHour[h], 4*math.Sqrt(want), "hour %d", h)
	}
	assert.Contains(t, []int{19, 20}, peak)
	assert.Contains(t, []int{7, 8}, trough)
}

func TestProfileValidation(t *testing.T) {
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"negative constant", ConstantRate(-1), "ConstantRate -1"},
		{"NaN constant", ConstantRate(math.NaN()), "ConstantRate NaN"},
		{"diurnal trough above peak", Diurnal{Peak: 1, Trough: 2}, "Trough 2 > Peak 1"},
		{"diurnal negative", Diurnal{Peak: -1}, "Diurnal: Peak -1"},
		{"diurnal hour", Diurnal{Peak: 2, PeakHour: 24}, "PeakHour 24"},
		{"step", Step{Before: 1, After: -3}, "Step: After -3"},
		{"spike", Spike{Base: 1, Peak: 2, Duration: -1}, "Duration -1ns"},
		{"piecewise empty", Piecewise{}, "no points"},
		{"piecewise negative", Piecewise{{0, 1}, {sec(1), -2}}, "point 1: PerSecond -2"},
		{"piecewise order", Piecewise{{sec(2), 1}, {sec(1), 2}}, "point 1: At"},
		{"sum part", SumRate{ConstantRate(1), Step{Before: -1}}, "SumRate: part 1: Step: Before -1"},
		{"constant arrivals", Constant{PerSecond: 0}, "Constant: PerSecond 0"},
		{"constant arrivals past the clock's resolution", Constant{PerSecond: 3e9}, "Constant: PerSecond 3e+09"},
		{"infinite constant arrivals", Constant{PerSecond: math.Inf(1)}, "Constant: PerSecond +Inf"},
		{"poisson nil", Poisson{}, "Rate is nil"},
		{"poisson negative", PoissonRate(-5), "ConstantRate -5"},
		{"poisson past the clock's resolution", PoissonRate(2e9), "ConstantRate 2e+09"},
		{"sum arrivals", NewSum(PoissonRate(1), Constant{PerSecond: -1}), "Sum: part 1: Constant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := validate(tt.v)
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrInvalidConfig))
			assert.Contains(t, err.Error(), tt.want)
			assert.Contains(t, err.Error(), "workload: ")
		})
	}
	for _, ok := range []any{ConstantRate(0), Diurnal{Peak: 1}, Step{}, Spike{}, Piecewise{{0, 1}}, PoissonRate(1), Constant{PerSecond: 1}} {
		assert.NoError(t, validate(ok))
	}
}

func TestPoissonEndsWhenRateStaysZero(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	_, ok := Poisson{Rate: Step{Before: 10, After: 0, At: sec(1)}}.Next(sec(2), r)
	assert.False(t, ok)
	// Before a step up from zero, the first arrival comes after the step.
	at, ok := Poisson{Rate: Step{Before: 0, After: 10, At: sec(5)}}.Next(0, r)
	require.True(t, ok)
	assert.GreaterOrEqual(t, at, sec(5))
}

func BenchmarkPoissonNext(b *testing.B) {
	for _, bc := range []struct {
		name string
		a    Arrivals
	}{
		{"constant", PoissonRate(100)},
		{"diurnal", Poisson{Rate: Diurnal{Peak: 100, Trough: 10, PeakHour: 20, Location: time.UTC}}},
		{"piecewise", Poisson{Rate: Piecewise{{0, 10}, {sec(3600), 100}, {sec(7200), 10}}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 1))
			prev := sim.Time(0)
			for b.Loop() {
				at, ok := bc.a.Next(prev, r)
				if !ok || at > sec(7000) {
					at = 0
				}
				prev = at
			}
		})
	}
}
