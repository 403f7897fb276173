package cloudwatch

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// The basic statistics, as GetMetricStatistics and alarms name them.
const (
	SampleCount = "SampleCount"
	Sum         = "Sum"
	Average     = "Average"
	Minimum     = "Minimum"
	Maximum     = "Maximum"
)

type statKind uint8

const (
	kSampleCount statKind = iota
	kSum
	kAverage
	kMinimum
	kMaximum
	kPercentile     // pNN.NN
	kTrimmedMean    // tmNN, TM(a:b), IQM
	kWinsorizedMean // wmNN, WM(a:b)
	kTrimmedCount   // tcNN, TC(a:b)
	kTrimmedSum     // tsNN, TS(a:b)
	kPercentileRank // PR(a:b)
)

// statistic is a parsed statistic name. Bounds are fractions (0..1) when pct
// is set, absolute values otherwise; a missing lower bound is -Inf, a missing
// upper bound +Inf.
type statistic struct {
	kind   statKind
	p      float64 // percentile, as a fraction
	lo, hi float64
	pct    bool
	name   string
}

// extended reports whether the statistic needs the sample distribution.
func (s statistic) extended() bool { return s.kind >= kPercentile }

// parseStatistic parses a CloudWatch statistic: SampleCount, Sum, Average,
// Minimum, Maximum, pNN(.NN), tmNN, wmNN, tcNN, tsNN, IQM, and the range
// forms TM/WM/TC/TS(lo:hi) with percentages or absolute values and PR(lo:hi)
// with absolute values.
func parseStatistic(name string) (statistic, error) {
	st := statistic{name: name, lo: math.Inf(-1), hi: math.Inf(1)}
	switch name {
	case SampleCount:
		st.kind = kSampleCount
		return st, nil
	case Sum:
		st.kind = kSum
		return st, nil
	case Average:
		st.kind = kAverage
		return st, nil
	case Minimum:
		st.kind = kMinimum
		return st, nil
	case Maximum:
		st.kind = kMaximum
		return st, nil
	case "IQM":
		st.kind, st.pct, st.lo, st.hi = kTrimmedMean, true, 0.25, 0.75
		return st, nil
	}
	bad := fmt.Errorf("cloudwatch: statistic %q is not a CloudWatch statistic: %w", name, ErrInvalidParameter)
	switch {
	case len(name) > 1 && name[0] == 'p':
		v, ok := parsePercent(name[1:])
		if !ok {
			return st, bad
		}
		st.kind, st.p = kPercentile, v
		return st, nil
	case len(name) > 2 && shorthandStats[name[:2]] != 0:
		v, ok := parsePercent(name[2:])
		if !ok {
			return st, bad
		}
		st.kind, st.pct, st.lo, st.hi = shorthandStats[name[:2]], true, 0, v
		return st, nil
	case len(name) > 4 && name[2] == '(' && name[len(name)-1] == ')':
		kind, ok := rangedStats[name[:2]]
		if !ok {
			return st, bad
		}
		lo, hi, pct, ok := parseBounds(name[3 : len(name)-1])
		if !ok || (kind == kPercentileRank && pct) {
			return st, bad
		}
		st.kind, st.lo, st.hi, st.pct = kind, lo, hi, pct
		return st, nil
	}
	return st, bad
}

var (
	shorthandStats = map[string]statKind{"tm": kTrimmedMean, "wm": kWinsorizedMean, "tc": kTrimmedCount, "ts": kTrimmedSum}
	rangedStats    = map[string]statKind{"TM": kTrimmedMean, "WM": kWinsorizedMean, "TC": kTrimmedCount, "TS": kTrimmedSum, "PR": kPercentileRank}
)

// parsePercent parses "99" or "99.9" (at most two decimals) into a fraction
// in [0, 1].
func parsePercent(s string) (float64, bool) {
	if s == "" || strings.ContainsAny(s, "+-eEx_") {
		return 0, false
	}
	if i := strings.IndexByte(s, '.'); i >= 0 && (len(s)-i-1 > 2 || i == 0 || i == len(s)-1) {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 0 || v > 100 {
		return 0, false
	}
	return v / 100, true
}

// parseBounds parses "lo:hi" where either side may be empty and both are
// percentages ("10%") or both absolute numbers.
func parseBounds(s string) (lo, hi float64, pct, ok bool) {
	a, b, found := strings.Cut(s, ":")
	if !found || (a == "" && b == "") {
		return 0, 0, false, false
	}
	pa, pb := strings.HasSuffix(a, "%"), strings.HasSuffix(b, "%")
	pct = pa || pb
	if (a != "" && pa != pct) || (b != "" && pb != pct) {
		return 0, 0, false, false
	}
	lo, hi = math.Inf(-1), math.Inf(1)
	if pct {
		lo, hi = 0, 1
	}
	parse := func(x string, def float64) (float64, bool) {
		if x == "" {
			return def, true
		}
		if pct {
			return parsePercent(strings.TrimSuffix(x, "%"))
		}
		v, err := strconv.ParseFloat(x, 64)
		return v, err == nil && !math.IsNaN(v) && !math.IsInf(v, 0)
	}
	var okA, okB bool
	lo, okA = parse(a, lo)
	hi, okB = parse(b, hi)
	return lo, hi, pct, okA && okB && lo < hi
}

// value computes st over a; ok is false when there are no samples or the
// distribution a statistic needs is unavailable.
func (a *agg) value(st *statistic) (float64, bool) {
	if a.n == 0 {
		return 0, false
	}
	switch st.kind {
	case kSampleCount:
		return a.n, true
	case kSum:
		return a.sum, true
	case kAverage:
		return a.sum / a.n, true
	case kMinimum:
		return a.min, true
	case kMaximum:
		return a.max, true
	}
	if a.noDist {
		return 0, false
	}
	if st.kind == kPercentile {
		return a.percentile(st.p), true
	}
	lo, hi := st.lo, st.hi
	var count, sum, clamped float64
	switch {
	case st.pct && a.sketchMode():
		count, sum, clamped = a.rankStats(st.lo, st.hi)
	case st.pct:
		lo, hi = math.Inf(-1), math.Inf(1)
		if st.lo > 0 {
			lo = a.percentile(st.lo)
		}
		if st.hi < 1 {
			hi = a.percentile(st.hi)
		}
		fallthrough
	default:
		count, sum, clamped = a.rangeStats(lo, hi)
	}
	switch st.kind {
	case kTrimmedMean:
		if count == 0 {
			return 0, false
		}
		return sum / count, true
	case kWinsorizedMean:
		return clamped / a.n, true
	case kTrimmedCount:
		return count, true
	case kTrimmedSum:
		return sum, true
	default: // kPercentileRank
		return 100 * count / a.n, true
	}
}
