package cloudwatch

import (
	"math"
	"slices"
)

// rawLimit is how many samples a bucket keeps verbatim: percentiles and
// trimmed means over at most this many samples are exact. 64 keeps a
// one-value-per-minute metric exact even after it is rolled up into 1-hour
// buckets (60 samples). Beyond it the sketch is smaller: once packed it
// costs a few bits per 2% step of the range, raw samples 8 bytes each.
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

func sketchValue(i int32) float64 { return math.Exp(float64(i)*sketchLogGamma) * sketchRepScale }

func (s *logStore) add(i int32, c float64) {
	switch {
	case len(s.counts) == 0:
		s.off = i
		s.counts = append(s.counts, c)
		return
	case i < s.off:
		// A new lowest bucket: shift in place when the capacity allows (a
		// reset store keeps its array), else grow with room to spare.
		n, l := int(s.off-i), len(s.counts)
		if l+n <= cap(s.counts) {
			s.counts = s.counts[:l+n]
			copy(s.counts[n:], s.counts[:l])
			clear(s.counts[:n])
		} else {
			grown := make([]float64, l+n, 2*(l+n))
			copy(grown[n:], s.counts)
			s.counts = grown
		}
		s.off = i
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

func (k *sketch) empty() bool { return len(k.pos.counts) == 0 && len(k.neg.counts) == 0 && k.zero == 0 }

func (k *sketch) reset() {
	k.pos.counts = k.pos.counts[:0]
	k.neg.counts = k.neg.counts[:0]
	k.zero = 0
}

// agg aggregates the samples of one bucket or period: the statistic set is
// exact; the distribution is exact (raw) up to rawLimit samples, then a
// sketch. noDist is set when a statistic set that cannot be expanded into
// samples was added: as in CloudWatch, percentiles are then unavailable.
type agg struct {
	n, sum, min, max float64
	raw              []float64
	sk               *aggSketch
	// inline holds a bucket's first sample, so a metric published once per
	// period costs no allocation beyond its bucket.
	inline [1]float64
	noDist bool
	sorted bool
	// sealed belongs to the store: the bucket was sealed and is not on its
	// tier's dirty list (see tier.bucketAt). It sits in agg's padding, where
	// it costs nothing; in bucket it would cost 8 bytes.
	sealed bool
}

// aggSketch is an agg's distribution beyond rawLimit samples: a dense
// sketch while it is written, packed once its bucket is sealed (see
// appendPacked). Behind a pointer, the packed form costs nothing to the
// buckets of metrics without percentiles. packed is set only while dense is
// nil or empty; it is immutable, so merging it into an empty agg shares it.
type aggSketch struct {
	dense  *sketch
	packed string
}

func (a *agg) reset() {
	a.n, a.sum, a.min, a.max = 0, 0, 0, 0
	a.raw = a.raw[:0]
	if k := a.sk; k != nil {
		k.packed = ""
		if k.dense != nil {
			k.dense.reset()
		}
	}
	a.noDist, a.sorted = false, false
}

// sketchMode reports whether the distribution lives in a sketch. A reset
// scratch agg keeps its sketch allocated but empty, so the raw slice decides.
func (a *agg) sketchMode() bool {
	k := a.sk
	return k != nil && (k.packed != "" || (k.dense != nil && !k.dense.empty()))
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
	if !a.sketchMode() && len(a.raw) < rawLimit {
		a.raw = append(a.raw, v)
		a.sorted = false
		return
	}
	a.toSketch().add(v, 1)
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
	if !a.sketchMode() && c == math.Trunc(c) && c <= rawLimit && len(a.raw)+int(c) <= rawLimit {
		for range int(c) {
			a.raw = append(a.raw, v)
		}
		a.sorted = false
		return
	}
	a.toSketch().add(v, c)
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

// toSketch makes the distribution a dense sketch that can be written, and
// returns it: it unpacks a packed sketch, or moves the raw samples in.
func (a *agg) toSketch() *sketch {
	if a.sk == nil {
		a.sk = &aggSketch{}
	}
	k := a.sk
	if k.dense == nil {
		k.dense = &sketch{}
	}
	if k.packed != "" {
		k.dense.addPacked(k.packed)
		k.packed = ""
	}
	for _, v := range a.raw {
		k.dense.add(v, 1)
	}
	a.raw = nil
	return k.dense
}

// merge adds b's samples to a.
func (a *agg) merge(b *agg) {
	if b.n == 0 {
		return
	}
	empty := a.n == 0
	a.addStats(b.n, b.sum, b.min, b.max)
	if a.noDist {
		return
	}
	if b.noDist {
		a.dropDist()
		return
	}
	switch {
	case empty && b.sk != nil && b.sk.packed != "":
		if a.sk == nil {
			a.sk = &aggSketch{}
		}
		a.sk.packed = b.sk.packed
	case !a.sketchMode() && !b.sketchMode() && len(a.raw)+len(b.raw) <= rawLimit:
		a.raw = append(a.raw, b.raw...)
		a.sorted = false
	default:
		k := a.toSketch()
		switch {
		case !b.sketchMode():
			for _, v := range b.raw {
				k.add(v, 1)
			}
		case b.sk.packed != "":
			k.addPacked(b.sk.packed)
		default:
			k.merge(b.sk.dense)
		}
	}
}

// seal makes a stored bucket's distribution compact once it is no longer
// being written: a dense sketch is packed (buf is scratch space for the
// encoding), raw samples lose the spare capacity append left them.
func (a *agg) seal(buf *[]byte) {
	if k := a.sk; k != nil {
		if k.dense != nil && !k.dense.empty() {
			*buf = k.dense.appendPacked((*buf)[:0])
			k.packed = string(*buf)
		}
		k.dense = nil
		if k.packed == "" {
			a.sk = nil
		}
	}
	switch {
	case len(a.raw) == 1:
		a.inline[0] = a.raw[0]
		a.raw = a.inline[:1:1]
	case cap(a.raw) > len(a.raw):
		a.raw = slices.Clone(a.raw)
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
	if p := a.sk.packed; p != "" {
		eachPacked(p, func(v, c float64) bool { return fn(clamp(v), c) })
		return
	}
	k := a.sk.dense
	for j := len(k.neg.counts) - 1; j >= 0; j-- {
		if c := k.neg.counts[j]; c != 0 && !fn(clamp(-sketchValue(k.neg.off+int32(j))), c) {
			return
		}
	}
	if k.zero != 0 && !fn(clamp(0), k.zero) {
		return
	}
	for j, c := range k.pos.counts {
		if c != 0 && !fn(clamp(sketchValue(k.pos.off+int32(j))), c) {
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
