package cloudwatch

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/stat"

	"github.com/nimbus-sim/nimbus/sim"
)

func newTestCW(t testing.TB, cfg Config) (*sim.Sim, *CloudWatch) {
	t.Helper()
	s := sim.New(sim.Config{Seed: 1})
	cw, err := New(s, cfg)
	require.NoError(t, err)
	return s, cw
}

// noDelay makes published data visible at once.
var noDelay = Config{PublicationDelay: -1}

var webDims = []Dimension{{"LoadBalancer", "app/web/1"}, {"AvailabilityZone", "us-east-1a"}}

// TestStatisticsMatchGonum publishes samples in one period and checks every
// basic statistic against gonum's exact computations.
func TestStatisticsMatchGonum(t *testing.T) {
	for _, n := range []int{1, 7, 64, 65, 5000} {
		s, cw := newTestCW(t, noDelay)
		r := sim.NewStream(uint64(n), "test")
		xs := make([]float64, n)
		h := cw.Series("MyApp", "Latency", webDims, UnitMilliseconds)
		for i := range xs {
			xs[i] = 1 + r.ExpFloat64()*50
			h.Put(sim.Time(i)*sim.Time(time.Millisecond), xs[i])
		}
		s.RunFor(time.Minute)
		dps, err := cw.GetMetricStatistics(GetMetricStatisticsInput{Namespace: "MyApp", MetricName: "Latency",
			Dimensions: []Dimension{webDims[1], webDims[0]}, StartTime: 0, EndTime: sim.Time(time.Minute), Period: 60,
			Statistics: []string{SampleCount, Sum, Average, Minimum, Maximum}})
		require.NoError(t, err)
		require.Len(t, dps, 1)
		dp := dps[0]
		assert.Equal(t, float64(n), dp.SampleCount)
		assert.InDelta(t, floats.Sum(xs), dp.Sum, 1e-9*floats.Sum(xs))
		assert.InDelta(t, stat.Mean(xs, nil), dp.Average, 1e-9*dp.Average)
		assert.Equal(t, floats.Min(xs), dp.Minimum)
		assert.Equal(t, floats.Max(xs), dp.Maximum)
		assert.Equal(t, UnitMilliseconds, dp.Unit)
	}
}

// exactStat computes an extended statistic by brute force on sorted samples,
// for comparison with the store: percentiles as gonum's Empirical quantile,
// trimmed ranges as (lo, hi] in values.
func exactStat(sorted []float64, st statistic) float64 {
	if st.kind == kPercentile {
		return stat.Quantile(st.p, stat.Empirical, sorted, nil)
	}
	lo, hi := st.lo, st.hi
	if st.pct {
		lo, hi = math.Inf(-1), math.Inf(1)
		if st.lo > 0 {
			lo = stat.Quantile(st.lo, stat.Empirical, sorted, nil)
		}
		if st.hi < 1 {
			hi = stat.Quantile(st.hi, stat.Empirical, sorted, nil)
		}
	}
	var in []float64
	var wins float64
	for _, v := range sorted {
		switch {
		case v <= lo:
			wins += lo
		case v > hi:
			wins += hi
		default:
			in = append(in, v)
			wins += v
		}
	}
	switch st.kind {
	case kTrimmedMean:
		return stat.Mean(in, nil)
	case kWinsorizedMean:
		return wins / float64(len(sorted))
	case kTrimmedCount:
		return float64(len(in))
	case kTrimmedSum:
		return floats.Sum(in)
	}
	return 100 * float64(len(in)) / float64(len(sorted))
}

// TestExtendedStatistics checks percentiles and trimmed statistics: exact
// (equal) up to rawLimit samples, within 1% (the sketch's bound) beyond,
// and the same, bit for bit, once the bucket is sealed (packed).
func TestExtendedStatistics(t *testing.T) {
	names := []string{"p0", "p1", "p50", "p90", "p99", "p99.9", "p100", "tm90", "tm99", "IQM", "TM(10%:90%)",
		"TM(:95%)", "wm90", "WM(5%:95%)", "tc90", "ts90", "TC(20:40)", "TS(20:40)", "PR(:30)", "TM(15:)"}
	for _, n := range []int{1, 2, 10, rawLimit, rawLimit + 1, 20000} {
		r := rand.New(rand.NewPCG(uint64(n), 7))
		xs := make([]float64, n)
		var a agg
		for i := range xs {
			// Log-normal latencies around 30 ms with a few negatives to
			// exercise the sketch's negative store.
			xs[i] = math.Exp(3.4 + 0.6*r.NormFloat64())
			if i%97 == 5 {
				xs[i] = -xs[i]
			}
			a.add(xs[i])
		}
		var sealed agg
		sealed.merge(&a)
		var buf []byte
		sealed.seal(&buf)
		require.Equal(t, n > rawLimit, sealed.sk != nil && sealed.sk.packed != "", "n=%d", n)
		sorted := slices.Sorted(slices.Values(xs))
		for _, name := range names {
			st, err := parseStatistic(name)
			require.NoError(t, err, name)
			want := exactStat(sorted, st)
			got, ok := a.value(&st)
			fromSealed, okSealed := sealed.value(&st)
			assert.Equal(t, ok, okSealed, "%s n=%d", name, n)
			assert.Equal(t, got, fromSealed, "%s n=%d: sealed", name, n)
			if math.IsNaN(want) { // empty trimmed range
				assert.False(t, ok, "%s n=%d", name, n)
				continue
			}
			require.True(t, ok, "%s n=%d", name, n)
			if n <= rawLimit {
				assert.InDelta(t, want, got, 1e-9*math.Abs(want), "%s n=%d", name, n)
				continue
			}
			// With absolute bounds, a sample within 1% of a bound may fall
			// on either side of it: allow those samples (counted exactly)
			// plus the 1% value error on the rest.
			near := 0.0
			for _, v := range sorted {
				if math.Abs(v-st.lo) <= 0.01*math.Abs(v) || math.Abs(v-st.hi) <= 0.01*math.Abs(v) {
					near++
				}
			}
			switch st.kind {
			case kTrimmedCount:
				assert.InDelta(t, want, got, near, "%s n=%d", name, n)
			case kPercentileRank:
				assert.InDelta(t, want, got, 100*near/float64(n), "%s n=%d", name, n)
			case kTrimmedSum:
				assert.InDelta(t, want, got, 0.01*math.Abs(want)+near*1.01*max(math.Abs(st.lo), math.Abs(st.hi)), "%s n=%d", name, n)
			default:
				assert.InDelta(t, want, got, 0.01*math.Abs(want), "%s n=%d", name, n)
			}
		}
	}
}

// TestStatisticSets checks which statistic sets keep percentiles: AWS can
// compute them only from sets with SampleCount 1 or Minimum = Maximum.
func TestStatisticSets(t *testing.T) {
	p50, _ := parseStatistic("p50")
	var a agg
	a.addSet(StatisticSet{SampleCount: 1, Sum: 4, Minimum: 4, Maximum: 4})
	a.addSet(StatisticSet{SampleCount: 3, Sum: 30, Minimum: 10, Maximum: 10})
	v, ok := a.value(&p50)
	require.True(t, ok)
	assert.Equal(t, 10.0, v)
	a.addSet(StatisticSet{SampleCount: 2, Sum: 3, Minimum: 1, Maximum: 2})
	_, ok = a.value(&p50)
	assert.False(t, ok, "a set with distinct values makes percentiles unavailable")
	avg, _ := parseStatistic(Average)
	v, ok = a.value(&avg)
	require.True(t, ok)
	assert.Equal(t, 37.0/6, v)
}

func TestParseStatisticErrors(t *testing.T) {
	for _, bad := range []string{"", "average", "p", "p101", "p99.999", "p-1", "tm", "TM(:)", "TM(90%:10%)", "TM(10%:90)",
		"PR(10%:20%)", "XX(1:2)", "p1e1", "TM(a:b)"} {
		_, err := parseStatistic(bad)
		assert.ErrorIs(t, err, ErrInvalidParameter, bad)
	}
}

// TestRollupAcrossRetention publishes one value per minute for 90 days and
// checks that old data is still readable at the coarser periods AWS keeps,
// that the totals are conserved through roll-ups and that memory stays
// bounded by the retention table.
func TestRollupAcrossRetention(t *testing.T) {
	days := 90
	if testing.Short() {
		days = 70
	}
	s, cw := newTestCW(t, noDelay)
	h := cw.Series("MyApp", "Requests", nil, UnitCount)
	minutes := days * 24 * 60
	s.Every(0, time.Minute, func(now sim.Time) {
		if now < sim.Time(minutes)*sim.Time(time.Minute) {
			h.Put(now, float64(now/sim.Time(time.Minute)%60)) // 0..59 each hour
		}
	})
	s.RunUntil(sim.Time(minutes) * sim.Time(time.Minute))
	cw.compact()
	ser := h.s
	// Bounded: the finest tier holds 15 days (+ a compaction interval), the
	// 5-minute tier up to 63 days, the rest in hours.
	assert.LessOrEqual(t, ser.tiers[0].n, 15*24*60+60)
	assert.LessOrEqual(t, ser.tiers[1].n, (63-15)*24*12+12)
	assert.LessOrEqual(t, ser.tiers[2].n, days*24)
	assert.Greater(t, ser.tiers[2].n, 0, "data older than 63 days is in hours")

	now := s.Now()
	query := func(age time.Duration, span time.Duration, period int) ([]Datapoint, error) {
		return cw.GetMetricStatistics(GetMetricStatisticsInput{Namespace: "MyApp", MetricName: "Requests",
			StartTime: now - sim.Time(age), EndTime: now - sim.Time(age) + sim.Time(span), Period: period,
			Statistics: []string{SampleCount, Sum, Maximum}, ExtendedStatistics: []string{"p50"}})
	}
	// A day from 1-minute data, a day from 5-minute data, a day from hourly
	// data: each hour holds 60 samples 0..59 whose sum is 1770.
	for _, age := range []time.Duration{5 * day, 40 * day, 68 * day} {
		dps, err := query(age, day, 3600)
		require.NoError(t, err, age)
		require.Len(t, dps, 24, age)
		for _, dp := range dps {
			assert.Equal(t, 60.0, dp.SampleCount, age)
			assert.Equal(t, 1770.0, dp.Sum, age)
			assert.Equal(t, 59.0, dp.Maximum, age)
			assert.Equal(t, 29.0, dp.ExtendedStatistics["p50"], "exact: 60 samples per hour stay raw")
		}
	}
	// Periods finer than what is kept are refused.
	_, err := query(40*day, time.Hour, 60)
	assert.ErrorIs(t, err, ErrInvalidParameter)
	_, err = query(68*day, time.Hour, 300)
	assert.ErrorIs(t, err, ErrInvalidParameter)
	dps, err := query(40*day, time.Hour, 300)
	require.NoError(t, err)
	require.Len(t, dps, 12)
	assert.Equal(t, 5.0, dps[0].SampleCount)
}

// TestHighResolutionRollup checks 1-second data: readable at 1 s for 3
// hours, then only at 1 minute, with totals conserved.
func TestHighResolutionRollup(t *testing.T) {
	s, cw := newTestCW(t, noDelay)
	h := cw.HighResolutionSeries("MyApp", "Ticks", nil, UnitCount)
	s.Every(0, time.Second, func(now sim.Time) {
		if now < sim.Time(5*time.Hour) {
			h.Put(now, 1)
		}
	})
	s.RunUntil(sim.Time(5 * time.Hour))
	cw.compact()
	assert.LessOrEqual(t, h.s.tiers[0].n, 3*3600+3600)
	get := func(start sim.Time, period int) ([]Datapoint, error) {
		return cw.GetMetricStatistics(GetMetricStatisticsInput{Namespace: "MyApp", MetricName: "Ticks",
			StartTime: start, EndTime: start + sim.Time(10*time.Minute), Period: period, Statistics: []string{Sum}})
	}
	dps, err := get(sim.Time(4*time.Hour+30*time.Minute), 10)
	require.NoError(t, err)
	require.Len(t, dps, 60)
	assert.Equal(t, 10.0, dps[0].Sum)
	_, err = get(sim.Time(time.Hour), 10)
	assert.ErrorIs(t, err, ErrInvalidParameter, "1-second data older than 3 h is gone")
	dps, err = get(sim.Time(time.Hour), 60)
	require.NoError(t, err)
	require.Len(t, dps, 10)
	assert.Equal(t, 60.0, dps[0].Sum)
}

func TestPublicationDelay(t *testing.T) {
	s, cw := newTestCW(t, Config{})
	assert.Equal(t, DefaultPublicationDelay, cw.Config().PublicationDelay)
	cw.Publish("AWS/ApplicationELB", MetricDatum{MetricName: "RequestCount", Dimensions: webDims, Value: 5, Unit: UnitCount})
	in := GetMetricStatisticsInput{Namespace: "AWS/ApplicationELB", MetricName: "RequestCount", Dimensions: webDims,
		StartTime: 0, EndTime: sim.Time(time.Minute), Period: 60, Statistics: []string{Sum}}
	s.RunFor(29 * time.Second)
	dps, err := cw.GetMetricStatistics(in)
	require.NoError(t, err)
	assert.Empty(t, dps, "not visible before the delay")
	s.RunFor(time.Second)
	dps, err = cw.GetMetricStatistics(in)
	require.NoError(t, err)
	require.Len(t, dps, 1)
	assert.Equal(t, 5.0, dps[0].Sum)
}

func TestPutMetricDataValidation(t *testing.T) {
	s, cw := newTestCW(t, noDelay)
	s.RunFor(time.Hour)
	now := s.Now()
	many := make([]Dimension, 31)
	for i := range many {
		many[i] = Dimension{Name: "d" + string(rune('a'+i%26)) + string(rune('a'+i/26)), Value: "v"}
	}
	ok := MetricDatum{MetricName: "M", Timestamp: now, Value: 1}
	cases := []struct {
		name string
		ns   string
		d    MetricDatum
		want string
	}{
		{"reserved namespace", "AWS/EC2", ok, "reserved"},
		{"empty namespace", "", ok, "length"},
		{"31 dimensions", "App", MetricDatum{MetricName: "M", Timestamp: now, Dimensions: many}, "31 dimensions > 30"},
		{"duplicate dimension", "App", MetricDatum{MetricName: "M", Timestamp: now, Dimensions: []Dimension{{"a", "1"}, {"a", "2"}}}, "twice"},
		{"NaN", "App", MetricDatum{MetricName: "M", Timestamp: now, Value: math.NaN()}, "not finite"},
		{"too large", "App", MetricDatum{MetricName: "M", Timestamp: now, Value: 1e200}, "2^360"},
		{"resolution", "App", MetricDatum{MetricName: "M", Timestamp: now, StorageResolution: 5}, "StorageResolution"},
		{"too old", "App", MetricDatum{MetricName: "M", Timestamp: now - sim.Time(15*day)}, "Timestamp"},
		{"future", "App", MetricDatum{MetricName: "M", Timestamp: now + sim.Time(3*time.Hour)}, "Timestamp"},
		{"unit", "App", MetricDatum{MetricName: "M", Timestamp: now, Unit: "Parsecs"}, "Unit"},
		{"bad set", "App", MetricDatum{MetricName: "M", Timestamp: now, StatisticValues: &StatisticSet{SampleCount: 2, Minimum: 3, Maximum: 1}}, "StatisticValues"},
		{"values and set", "App", MetricDatum{MetricName: "M", Timestamp: now, Values: []float64{1}, StatisticValues: &StatisticSet{SampleCount: 1}}, "mutually exclusive"},
		{"counts mismatch", "App", MetricDatum{MetricName: "M", Timestamp: now, Values: []float64{1, 2}, Counts: []float64{1}}, "Counts"},
		{"no name", "App", MetricDatum{Timestamp: now}, "MetricName"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := cw.PutMetricData(c.ns, []MetricDatum{ok, c.d})
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrInvalidParameter))
			assert.Contains(t, err.Error(), c.want)
		})
	}
	assert.Empty(t, cw.ListMetrics(ListMetricsInput{}), "a rejected call stores nothing")
	require.NoError(t, cw.PutMetricData("App", []MetricDatum{ok, {MetricName: "P", Timestamp: now, Values: []float64{1, 2, 3}, Counts: []float64{1, 1, 2}}}))
	dps, err := cw.GetMetricStatistics(GetMetricStatisticsInput{Namespace: "App", MetricName: "P", StartTime: now - sim.Time(time.Minute),
		EndTime: now + sim.Time(time.Minute), Period: 60, Statistics: []string{SampleCount, Sum}, ExtendedStatistics: []string{"p50"}})
	require.NoError(t, err)
	require.Len(t, dps, 1)
	assert.Equal(t, []float64{4, 9, 2}, []float64{dps[0].SampleCount, dps[0].Sum, dps[0].ExtendedStatistics["p50"]})
}

func TestQueryValidation(t *testing.T) {
	_, cw := newTestCW(t, noDelay)
	in := GetMetricStatisticsInput{Namespace: "App", MetricName: "M", StartTime: 0, EndTime: sim.Time(time.Hour), Period: 60, Statistics: []string{Sum}}
	for name, mod := range map[string]func(*GetMetricStatisticsInput){
		"period 7":      func(i *GetMetricStatisticsInput) { i.Period = 7 },
		"period 90":     func(i *GetMetricStatisticsInput) { i.Period = 90 },
		"period 2 days": func(i *GetMetricStatisticsInput) { i.Period = 172800 },
		"no stats":      func(i *GetMetricStatisticsInput) { i.Statistics = nil },
		"p99 as basic":  func(i *GetMetricStatisticsInput) { i.Statistics = []string{"p99"} },
		"sum as ext":    func(i *GetMetricStatisticsInput) { i.ExtendedStatistics = []string{Sum} },
		"end <= start":  func(i *GetMetricStatisticsInput) { i.EndTime = 0 },
		"1441 periods":  func(i *GetMetricStatisticsInput) { i.EndTime = sim.Time(1441 * time.Minute) },
		"far future":    func(i *GetMetricStatisticsInput) { i.Period, i.EndTime = 3600, math.MaxInt64 },
		"all of time": func(i *GetMetricStatisticsInput) {
			i.Period, i.StartTime, i.EndTime = 3600, math.MinInt64, math.MaxInt64
		},
	} {
		q := in
		mod(&q)
		_, err := cw.GetMetricStatistics(q)
		assert.ErrorIs(t, err, ErrInvalidParameter, name)
	}
	_, err := New(sim.New(sim.Config{}), Config{EvaluationOffset: time.Minute})
	assert.ErrorIs(t, err, ErrInvalidConfig)
	assert.Contains(t, err.Error(), "EvaluationOffset")
}

func TestListMetrics(t *testing.T) {
	s, cw := newTestCW(t, noDelay)
	cw.Publish("AWS/EC2", MetricDatum{MetricName: "CPUUtilization", Dimensions: []Dimension{{"InstanceId", "i-2"}}, Value: 1})
	cw.Publish("AWS/EC2", MetricDatum{MetricName: "CPUUtilization", Dimensions: []Dimension{{"InstanceId", "i-1"}}, Value: 1})
	cw.Publish("AWS/EC2", MetricDatum{MetricName: "NetworkIn", Dimensions: []Dimension{{"InstanceId", "i-1"}}, Value: 1})
	cw.Publish("AWS/ApplicationELB", MetricDatum{MetricName: "RequestCount", Dimensions: webDims, Value: 1})
	all := cw.ListMetrics(ListMetricsInput{})
	var names []string
	for _, m := range all {
		names = append(names, m.Namespace+" "+m.MetricName+" "+m.Dimensions[0].Value)
	}
	assert.Equal(t, []string{"AWS/ApplicationELB RequestCount us-east-1a", "AWS/EC2 CPUUtilization i-1",
		"AWS/EC2 CPUUtilization i-2", "AWS/EC2 NetworkIn i-1"}, names)
	assert.Len(t, cw.ListMetrics(ListMetricsInput{Namespace: "AWS/EC2", Dimensions: []DimensionFilter{{Name: "InstanceId", Value: "i-1"}}}), 2)
	assert.Len(t, cw.ListMetrics(ListMetricsInput{MetricName: "CPUUtilization"}), 2)
	s.RunFor(15 * day)
	assert.Empty(t, cw.ListMetrics(ListMetricsInput{}), "no data for 2 weeks: not listed")
	assert.True(t, strings.HasPrefix(all[0].Namespace, "AWS/"))
}

// TestRawUpToRawLimit: a bucket keeps its samples raw (percentiles exact)
// up to rawLimit of them, whether they come one by one, with counts or by
// merging, and a sketch beyond (within 1%: a packed sketch costs a few bits
// per 2% step, raw samples 8 bytes each). Sealing raw samples trims their
// spare capacity and keeps them exact.
func TestRawUpToRawLimit(t *testing.T) {
	for _, tc := range []struct {
		n, counted, merged int // samples: one by one, through addN, in a merged agg
		lo, hi             float64
	}{
		{rawLimit, 0, 0, 0.001, 1},
		{rawLimit + 1, 0, 0, 0.001, 1},
		{30, 34, 0, 1, 1.5},
		{30, 35, 0, 1, 1.5},
		{40, 0, 24, -1, 1},
		{40, 0, 25, -1, 1},
		{0, 0, 300, -1, -0.001},
	} {
		total := tc.n + tc.counted + tc.merged
		t.Run(fmt.Sprintf("%d+%d+%d/%g..%g", tc.n, tc.counted, tc.merged, tc.lo, tc.hi), func(t *testing.T) {
			var a, m agg
			vs := make([]float64, 0, total)
			for i := range total {
				f := float64(i*7919%total) / float64(total-1) // a permutation of [0, 1]
				v := tc.lo + (tc.hi-tc.lo)*f
				if tc.lo > 0 {
					v = tc.lo * math.Pow(tc.hi/tc.lo, f)
				}
				switch {
				case i < tc.n:
					a.add(v)
				case i < tc.n+tc.counted:
					v = tc.hi // added below, as one value with a count
				default:
					m.add(v)
				}
				vs = append(vs, v)
			}
			a.addN(tc.hi, float64(tc.counted))
			a.merge(&m)
			sort.Float64s(vs)
			want := stat.Quantile(0.99, stat.Empirical, vs, nil)
			require.Equal(t, total > rawLimit, a.sketchMode())
			var buf []byte
			a.seal(&buf)
			if total > rawLimit {
				assert.InEpsilon(t, want, a.percentile(0.99), 0.01)
				return
			}
			assert.Equal(t, want, a.percentile(0.99), "raw: exact")
			assert.Equal(t, len(a.raw), cap(a.raw), "sealed: no spare capacity")
		})
	}
}
