package workload

import (
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// Dist is a distribution of non-negative values: CPU work in vCPU-seconds,
// think time in seconds, sizes in bytes (the field that holds a Dist names
// the unit). Sample draws using only r, so runs stay deterministic.
//
// The implementations draw with the same transforms as gonum's distuv
// (Exponential, LogNormal, Uniform) but directly on r, which avoids wrapping
// r in a new rand.Rand on every draw.
type Dist interface {
	Sample(r *rand.Rand) float64
}

// Const always returns its value.
type Const float64

// Sample returns c.
func (c Const) Sample(*rand.Rand) float64 { return float64(c) }

// Validate reports a negative or non-finite value.
func (c Const) Validate() error { return checkNonNeg("Const", float64(c)) }

// Exponential has the given Mean (rate 1/Mean).
type Exponential struct {
	Mean float64
}

// Sample draws Mean × Exp(1).
func (e Exponential) Sample(r *rand.Rand) float64 { return e.Mean * r.ExpFloat64() }

// Validate reports a negative or non-finite mean.
func (e Exponential) Validate() error { return checkNonNeg("Exponential: Mean", e.Mean) }

// LogNormal is exp(N(Mu, Sigma²)): Mu and Sigma are the mean and standard
// deviation of the value's natural logarithm. LogNormalMeanCV builds one
// from the mean and coefficient of variation of the value itself.
type LogNormal struct {
	Mu, Sigma float64
}

// LogNormalMeanCV returns the log-normal distribution with the given mean
// and coefficient of variation (standard deviation / mean):
// σ² = ln(1+cv²), μ = ln(mean) − σ²/2.
func LogNormalMeanCV(mean, cv float64) LogNormal {
	s2 := math.Log1p(cv * cv)
	return LogNormal{Mu: math.Log(mean) - s2/2, Sigma: math.Sqrt(s2)}
}

// Sample draws exp(Mu + Sigma × N(0,1)).
func (l LogNormal) Sample(r *rand.Rand) float64 { return math.Exp(l.Mu + l.Sigma*r.NormFloat64()) }

// Mean returns exp(Mu + Sigma²/2).
func (l LogNormal) Mean() float64 { return math.Exp(l.Mu + l.Sigma*l.Sigma/2) }

// Validate reports a non-finite Mu or a negative Sigma.
func (l LogNormal) Validate() error {
	if math.IsNaN(l.Mu) || math.IsInf(l.Mu, 0) {
		return configErr("LogNormal: Mu %g must be finite", l.Mu)
	}
	return checkNonNeg("LogNormal: Sigma", l.Sigma)
}

// Uniform is uniform on [Min, Max).
type Uniform struct {
	Min, Max float64
}

// Sample draws Min + (Max−Min) × U[0,1).
func (u Uniform) Sample(r *rand.Rand) float64 { return u.Min + (u.Max-u.Min)*r.Float64() }

// Validate checks 0 ≤ Min ≤ Max.
func (u Uniform) Validate() error {
	if err := checkNonNeg("Uniform: Min", u.Min); err != nil {
		return err
	}
	if err := checkNonNeg("Uniform: Max", u.Max); err != nil {
		return err
	}
	if u.Min > u.Max {
		return configErr("Uniform: Min %g > Max %g", u.Min, u.Max)
	}
	return nil
}

// Empirical resamples observed values: each draw is one of them, chosen
// uniformly (the bootstrap). Build it with NewEmpirical.
type Empirical struct {
	values []float64
}

// NewEmpirical returns the empirical distribution of values (copied). It
// needs at least one value, none negative or non-finite.
func NewEmpirical(values []float64) (*Empirical, error) {
	if len(values) == 0 {
		return nil, configErr("Empirical: no values")
	}
	for i, v := range values {
		if err := checkNonNeg("Empirical: value "+itoa(i), v); err != nil {
			return nil, err
		}
	}
	return &Empirical{values: slices.Clone(values)}, nil
}

// Sample returns one of the values, uniformly.
func (e *Empirical) Sample(r *rand.Rand) float64 { return e.values[r.IntN(len(e.values))] }

// seconds converts a sample in seconds to a Duration, clamping negatives
// (from a user's own Dist) to zero.
func seconds(v float64) time.Duration {
	if !(v > 0) {
		return 0
	}
	if v >= float64(math.MaxInt64)/1e9 {
		return math.MaxInt64
	}
	return time.Duration(math.Round(v * 1e9))
}

// count converts a sample to a non-negative integer (bytes).
func count(v float64) int64 {
	if !(v > 0) {
		return 0
	}
	if v >= math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(math.Round(v))
}

func checkNonNeg(what string, v float64) error {
	if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return configErr("%s %g must be finite and not negative", what, v)
	}
	return nil
}
