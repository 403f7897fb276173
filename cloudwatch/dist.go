package cloudwatch

import (
	"math"
	"slices"
)

// rawLimit is how many samples a bucket always keeps verbatim: percentiles
// and trimmed means over at most this many samples are exact. 64 keeps a
// one-value-per-minute metric exact even after it is rolled up into 1-hour
// buckets (60 samples). Beyond it, samples stay raw while they take no more
// room than a sketch of their range would (see rawFits).
const rawLimit = 64

// sketchGamma is the ratio between the bounds of adjacent sketch buckets. A
// value v in (γ^(i-1), γ^i] is represented by 2γ^i/(γ+1), which is within
// (γ-1)/(γ+1) = 0.99% of v: the issue asks for percentiles within 1%.
const sketchGamma = 1.02

var (
	sketchLogGamma = math.Log(sketchGamma)
	sketchRepScale = 2 / (sketchGamma + 1)
)

// sketch is a mergeable log-bucketed quantile sketch (the DDSketch idea):
// positive and negative magnitudes in geometric buckets, zeros counted apart.
type sketch struct {
	pos, neg logStore
	zero     float64
}

// logStore holds counts for consecutive bucket indices starting at off.
type logStore struct {
	off    int32
	counts []float64
}

func sketchIndex(v float64) int32 { return int32(math.Ceil(math.Log(v) / sketchLogGamma)) }

// sketchSpan returns how many sketch buckets values in [lo, hi] of one sign
// occupy (a dense sketch holds a float64 for each), or 0 when the range
// touches zero and the span is unbounded.
func sketchSpan(lo, hi float64) int {
	switch {
	case lo > 0:
		return int(sketchIndex(hi)-sketchIndex(lo)) + 1
	case hi < 0:
		return int(sketchIndex(-lo)-sketchIndex(-hi)) + 1
	}
	return 0
}

func sketchValue(i int32) float64 { return math.Exp(float64(i)*sketchLogGamma) * sketchRepScale }

func (s *logStore) add(i int32, c float64) {
	switch {
	case len(s.counts) == 0:
		s.off = i
		s.counts = append(s.counts, c)
		return
	case i < s.off:
		n := int(s.off - i)
		grown := make([]float64, n+len(s.counts), n+cap(s.counts))
		copy(grown[n:], s.counts)
		s.counts, s.off = grown, i
	case int(i-s.off) >= len(s.counts):
		s.counts = append(s.counts, make([]float64, int(i-s.off)+1-len(s.counts))...)
	}
	s.counts[i-s.off] += c
}

func (s *logStore) merge(o *logStore) {
	for j, c := range o.counts {
		if c != 0 {
			s.add(o.off+int32(j), c)
		}
	}
}

func (k *sketch) add(v, c float64) {
	switch {
	case v > 0:
		k.pos.add(sketchIndex(v), c)
	case v < 0:
		k.neg.add(sketchIndex(-v), c)
	default:
		k.zero += c
	}
}

func (k *sketch) merge(o *sketch) {
	k.pos.merge(&o.pos)
	k.neg.merge(&o.neg)
	k.zero += o.zero
}

func (k *sketch) reset() {
	k.pos.counts = k.pos.counts[:0]
	k.neg.counts = k.neg.counts[:0]
	k.zero = 0
}

// agg aggregates the samples of one bucket or period: the statistic set is
// exact; the distribution is exact (raw) up to rawLimit samples, then a
// sketch. dist is false when a statistic set that cannot be expanded into
// samples was added: as in CloudWatch, percentiles are then unavailable.
type agg struct {
	n, sum, min, max float64
	raw              []float64
	sk               *sketch
	noDist           bool
	sorted           bool
	// inline holds a bucket's first sample, so a metric published once per
	// period costs no allocation beyond its bucket.
	inline [1]float64
}

func (a *agg) reset() {
	a.n, a.sum, a.min, a.max = 0, 0, 0, 0
	a.raw = a.raw[:0]
	if a.sk != nil {
		a.sk.reset()
	}
	a.noDist, a.sorted = false, false
}

// rawFits reports whether k more samples can be kept raw (a.min and a.max
// already cover them): always up to rawLimit or the capacity already
// allocated, beyond that while the raw samples cost no more memory than a
// dense sketch of their range. A metric with a few hundred samples a minute
// then costs one float64 per sample instead of a sketch spanning the whole
// range (about 5 KB for response times over three orders of magnitude), and
// its percentiles stay exact. The capacity check keeps the span computation
// (two logarithms) off the per-sample path: it runs as the slice grows.
func (a *agg) rawFits(k int) bool {
	n := len(a.raw) + k
	return n <= rawLimit || n <= cap(a.raw) || n <= sketchSpan(a.min, a.max)
}

// sketchMode reports whether the distribution lives in the sketch. A reset
// scratch agg keeps its sketch allocated but empty, so the raw slice decides.
func (a *agg) sketchMode() bool {
	return a.sk != nil && (len(a.sk.pos.counts) > 0 || len(a.sk.neg.counts) > 0 || a.sk.zero > 0)
}

func (a *agg) addStats(n, sum, lo, hi float64) {
	if a.n == 0 {
		a.min, a.max = lo, hi
	} else {
		a.min = min(a.min, lo)
		a.max = max(a.max, hi)
	}
	a.n += n
	a.sum += sum
}

// add records one sample.
func (a *agg) add(v float64) {
	a.addStats(1, v, v, v)
	if a.noDist {
		return
	}
	if !a.sketchMode() && a.rawFits(1) {
		a.raw = append(a.raw, v)
		a.sorted = false
		return
	}
	a.toSketch()
	a.sk.add(v, 1)
}

// addN records c samples of value v (from Values/Counts or a statistic set
// with Minimum = Maximum).
func (a *agg) addN(v, c float64) {
	if c <= 0 {
		return
	}
	a.addStats(c, v*c, v, v)
	if a.noDist {
		return
	}
	if !a.sketchMode() && c == math.Trunc(c) && c <= 1<<20 && a.rawFits(int(c)) {
		for range int(c) {
			a.raw = append(a.raw, v)
		}
		a.sorted = false
		return
	}
	a.toSketch()
	a.sk.add(v, c)
}

// addSet records a statistic set. CloudWatch can compute percentiles from a
// set only when SampleCount is 1, or Minimum = Maximum and Sum = Minimum ×
// SampleCount; any other set makes the distribution unavailable.
func (a *agg) addSet(s StatisticSet) {
	if s.SampleCount <= 0 {
		return
	}
	if s.SampleCount == 1 || (s.Minimum == s.Maximum && closeTo(s.Sum, s.Minimum*s.SampleCount)) {
		if s.SampleCount == 1 {
			a.add(s.Sum)
			return
		}
		a.addN(s.Minimum, s.SampleCount)
		return
	}
	a.addStats(s.SampleCount, s.Sum, s.Minimum, s.Maximum)
	a.dropDist()
}

func closeTo(a, b float64) bool { return math.Abs(a-b) <= 1e-9*max(math.Abs(a), math.Abs(b)) }

func (a *agg) dropDist() {
	a.noDist = true
	a.raw = nil
	a.sk = nil
}

func (a *agg) toSketch() {
	if a.sk == nil {
		a.sk = &sketch{}
	}
	for _, v := range a.raw {
		a.sk.add(v, 1)
	}
	a.raw = nil
}

// merge adds b's samples to a.
func (a *agg) merge(b *agg) {
	if b.n == 0 {
		return
	}
	a.addStats(b.n, b.sum, b.min, b.max)
	if a.noDist {
		return
	}
	if b.noDist {
		a.dropDist()
		return
	}
	if !a.sketchMode() && !b.sketchMode() && a.rawFits(len(b.raw)) {
		a.raw = append(a.raw, b.raw...)
		a.sorted = false
		return
	}
	a.toSketch()
	if b.sketchMode() {
		a.sk.merge(b.sk)
		return
	}
	for _, v := range b.raw {
		a.sk.add(v, 1)
	}
}

// each calls fn with the distribution's values in ascending order and their
// counts; sketch values are clamped to the exact [min, max].
func (a *agg) each(fn func(v, c float64) bool) {
	if !a.sketchMode() {
		if !a.sorted {
			slices.Sort(a.raw)
			a.sorted = true
		}
		for _, v := range a.raw {
			if !fn(v, 1) {
				return
			}
		}
		return
	}
	clamp := func(v float64) float64 { return min(max(v, a.min), a.max) }
	neg := &a.sk.neg
	for j := len(neg.counts) - 1; j >= 0; j-- {
		if c := neg.counts[j]; c != 0 && !fn(clamp(-sketchValue(neg.off+int32(j))), c) {
			return
		}
	}
	if a.sk.zero != 0 && !fn(clamp(0), a.sk.zero) {
		return
	}
	pos := &a.sk.pos
	for j, c := range pos.counts {
		if c != 0 && !fn(clamp(sketchValue(pos.off+int32(j))), c) {
			return
		}
	}
}

// percentile returns the nearest-rank p-quantile (0 ≤ p ≤ 1): the smallest
// value v such that at least p·n samples are ≤ v, the definition gonum's
// stat.Quantile uses with stat.Empirical.
func (a *agg) percentile(p float64) float64 {
	if p <= 0 {
		return a.min
	}
	if p >= 1 {
		return a.max
	}
	target := p * a.n
	var cum float64
	out := a.max
	a.each(func(v, c float64) bool {
		cum += c
		if cum >= target {
			out = v
			return false
		}
		return true
	})
	return out
}

// rangeStats returns count, sum and the clamped sum of the samples in the
// value range (lo, hi], the boundary rule CloudWatch documents for trimmed
// statistics. Clamped sum is the winsorized sum: every sample clamped into
// [lo, hi].
func (a *agg) rangeStats(lo, hi float64) (count, sum, clamped float64) {
	a.each(func(v, c float64) bool {
		switch {
		case v <= lo:
			clamped += lo * c
		case v > hi:
			clamped += hi * c
		default:
			count += c
			sum += v * c
			clamped += v * c
		}
		return true
	})
	return count, sum, clamped
}

// rankStats is rangeStats for percentage bounds on a sketch: it keeps the
// samples ranked in (ceil(lo·n), ceil(hi·n)], splitting the buckets at the
// bounds, which equals the value rule when samples are distinct. Trimming
// whole buckets instead would move a mean by up to a bucket's share of the
// samples.
func (a *agg) rankStats(lo, hi float64) (count, sum, clamped float64) {
	loRank, hiRank := math.Ceil(lo*a.n), math.Ceil(hi*a.n)
	var cum float64
	a.each(func(v, c float64) bool {
		in := min(cum+c, hiRank) - max(cum, loRank)
		if in > 0 {
			count += in
			sum += v * in
		}
		cum += c
		return cum < hiRank
	})
	clamped = sum + loRank*a.percentile(lo) + (a.n-hiRank)*a.percentile(hi)
	return count, sum, clamped
}
