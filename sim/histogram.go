package sim

import (
	"math"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Histogram summarises a stream of durations in memory that does not grow
// with the count: the mean, minimum and maximum are exact; quantiles come
// from an HDR histogram (github.com/HdrHistogram/hdrhistogram-go) with two
// significant digits, so any quantile is within 1% of the exact one. Values
// from 1 ns to about 3 days are tracked; larger ones are clamped.
type Histogram struct {
	h        *hdrhistogram.Histogram
	n        uint64
	sum      float64
	min, max time.Duration
}

// histMax is the largest tracked value: 2^48 ns, about 3.3 days.
const histMax = 1 << 48

// NewHistogram returns an empty histogram.
func NewHistogram() *Histogram {
	return &Histogram{h: hdrhistogram.New(1, histMax, 2)}
}

// Record adds one value; negative values count as 0.
func (h *Histogram) Record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	if h.n == 0 || d < h.min {
		h.min = d
	}
	if d > h.max {
		h.max = d
	}
	h.n++
	h.sum += float64(d)
	v := int64(d)
	if v > histMax {
		v = histMax
	}
	_ = h.h.RecordValue(v) // cannot fail: v is within [0, histMax]
}

// Count returns how many values were recorded.
func (h *Histogram) Count() uint64 { return h.n }

// Mean returns the exact mean, or 0 when empty.
func (h *Histogram) Mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return time.Duration(math.Round(h.sum / float64(h.n)))
}

// Min returns the smallest value recorded.
func (h *Histogram) Min() time.Duration { return h.min }

// Max returns the largest value recorded.
func (h *Histogram) Max() time.Duration { return h.max }

// Quantile returns the q-quantile (q in [0, 1], such as 0.99), within 1% of
// the exact value and clamped to [Min, Max]; 0 when empty.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	if q <= 0 {
		return h.min
	}
	if q >= 1 {
		return h.max
	}
	v := time.Duration(h.h.ValueAtQuantile(q * 100))
	if v < h.min {
		v = h.min
	}
	if v > h.max {
		v = h.max
	}
	return v
}

// Merge adds every value of o to h.
func (h *Histogram) Merge(o *Histogram) {
	if o.n == 0 {
		return
	}
	if h.n == 0 || o.min < h.min {
		h.min = o.min
	}
	if o.max > h.max {
		h.max = o.max
	}
	h.n += o.n
	h.sum += o.sum
	h.h.Merge(o.h)
}

// Reset empties the histogram, keeping its memory.
func (h *Histogram) Reset() {
	h.h.Reset()
	h.n, h.sum, h.min, h.max = 0, 0, 0, 0
}
