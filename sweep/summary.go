package sweep

import (
	"math"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/nimbus-sim/nimbus/sim"
)

// Summary describes one metric over a point's replications.
type Summary struct {
	// Metric is the metric's name.
	Metric string
	// N is the number of replications.
	N int
	// Mean and StdDev are the sample mean and the (n−1) sample standard
	// deviation; StdDev is NaN when N < 2.
	Mean, StdDev float64
	// HalfWidth is the half-width of the Student-t confidence interval for
	// the mean: t(1−α/2, N−1)·StdDev/√N. NaN when N < 2.
	HalfWidth float64
	// Lo and Hi are Mean ∓ HalfWidth.
	Lo, Hi float64
}

// Statistic is a user-defined statistic over one metric of a point's
// replications, such as the fraction of replications that met an SLO.
type Statistic struct {
	// Name labels the statistic in summaries.
	Name string
	// Metric names the metric whose values Func receives.
	Metric string
	// Func gets the metric's values in replica order and must not keep or
	// modify the slice.
	Func func(values []float64) float64
}

// tSrc is the source handed to StudentsT: Quantile never draws from it, but
// a distribution's Src is never left nil in nimbus.
var tSrc = sim.NewStream(0, "sweep/studentst")

// summarize computes the Summary of xs at the given two-sided confidence.
func summarize(metric string, xs []float64, confidence float64) Summary {
	s := Summary{Metric: metric, N: len(xs), StdDev: math.NaN(), HalfWidth: math.NaN(), Lo: math.NaN(), Hi: math.NaN()}
	switch len(xs) {
	case 0:
		s.Mean = math.NaN()
		return s
	case 1:
		s.Mean = xs[0]
		return s
	}
	s.Mean, s.StdDev = stat.MeanStdDev(xs, nil)
	s.HalfWidth = tQuantile(confidence, len(xs)-1) * s.StdDev / math.Sqrt(float64(len(xs)))
	s.Lo, s.Hi = s.Mean-s.HalfWidth, s.Mean+s.HalfWidth
	return s
}

// tQuantile returns the two-sided critical value t(1−(1−confidence)/2, nu).
func tQuantile(confidence float64, nu int) float64 {
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(nu), Src: tSrc}
	return t.Quantile(1 - (1-confidence)/2)
}
