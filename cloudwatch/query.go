package cloudwatch

import (
	"fmt"
	"math"
	"time"

	"github.com/nimbus-sim/nimbus/sim"
)

// maxDatapoints is the most periods one GetMetricStatistics call may span
// (AWS: 1,440) and one GetMetricData query may return (AWS allows 100,800
// in total; nimbus applies the limit per query).
const (
	maxStatDatapoints = 1440
	maxDataDatapoints = 100800
)

// validPeriod reports whether p seconds is a period CloudWatch accepts for
// queries: 1, 5, 10, 30 or a multiple of 60, at most 86,400.
func validPeriod(p int) bool {
	return p == 1 || p == 5 || p == 10 || p == 30 || (p > 0 && p%60 == 0 && p <= 86400)
}

// maxQueryTime bounds query times (about 146 years either side of the
// simulation's epoch) so that period arithmetic cannot overflow.
const maxQueryTime = sim.Time(1) << 62

// grid returns the first period's start and the number of periods for a
// query over [start, end) with period p seconds. As CloudWatch does, the
// start is rounded down (to the period below a minute, to the minute when
// less than 15 days old, to 5 minutes up to 63 days, else to the hour), and
// old data is readable only at the periods its roll-up allows.
func (cw *CloudWatch) grid(start, end sim.Time, p int) (sim.Time, int, error) {
	if !validPeriod(p) {
		return 0, 0, fmt.Errorf("cloudwatch: Period %d: want 1, 5, 10, 30 or a multiple of 60 up to 86400: %w", p, ErrInvalidParameter)
	}
	if end <= start {
		return 0, 0, fmt.Errorf("cloudwatch: EndTime %v not after StartTime %v: %w", end, start, ErrInvalidParameter)
	}
	if start < -maxQueryTime || end > maxQueryTime {
		return 0, 0, fmt.Errorf("cloudwatch: StartTime %v or EndTime %v beyond ±2^62 ns of the epoch: %w", start, end, ErrInvalidParameter)
	}
	period := time.Duration(p) * time.Second
	age := cw.s.Now().Sub(start)
	var round time.Duration
	switch {
	case age > 63*day:
		round = time.Hour
	case age > 15*day:
		round = 5 * time.Minute
	case p < 60:
		round = period
	default:
		round = time.Minute
	}
	switch {
	case p < 60 && age > 3*time.Hour:
		return 0, 0, fmt.Errorf("cloudwatch: Period %d: data older than 3 hours is kept at 1-minute resolution or coarser: %w", p, ErrInvalidParameter)
	case period%round != 0:
		return 0, 0, fmt.Errorf("cloudwatch: Period %d: data from %v ago is kept at %v resolution; use a multiple of it: %w", p, age, round, ErrInvalidParameter)
	}
	start = floorTime(start, round)
	n := int((end - start + sim.Time(period) - 1) / sim.Time(period))
	return start, n, nil
}

// GetMetricStatisticsInput asks for statistics of one metric.
type GetMetricStatisticsInput struct {
	// Namespace, MetricName and Dimensions identify the metric.
	Namespace  string
	MetricName string
	Dimensions []Dimension
	// StartTime (inclusive, rounded down as CloudWatch does) and EndTime
	// (exclusive) bound the query.
	StartTime, EndTime sim.Time
	// Period is the aggregation period in seconds.
	Period int
	// Statistics are basic statistics (SampleCount, Sum, Average, Minimum,
	// Maximum); ExtendedStatistics are percentiles (p99, p99.9) and trimmed
	// statistics (tm90, TM(10%:90%), IQM, wm90, TC, TS, PR). At most 5 in all.
	Statistics []string
	// ExtendedStatistics: see Statistics.
	ExtendedStatistics []string
	// Unit, when set, selects only data published with that unit.
	Unit Unit
}

// Datapoint is one period's statistics. Only the requested statistics are
// set; an extended statistic is absent when the period's data came as
// statistic sets that cannot give percentiles.
type Datapoint struct {
	// Timestamp is the start of the period.
	Timestamp sim.Time
	// The basic statistics, in the metric's unit (SampleCount in samples).
	SampleCount, Sum, Average, Minimum, Maximum float64
	// ExtendedStatistics maps each requested extended statistic to its value.
	ExtendedStatistics map[string]float64
	// Unit is the metric's unit.
	Unit Unit
}

// GetMetricStatistics returns one Datapoint per period that has data, in
// ascending time order.
func (cw *CloudWatch) GetMetricStatistics(in GetMetricStatisticsInput) ([]Datapoint, error) {
	nstats := len(in.Statistics) + len(in.ExtendedStatistics)
	if nstats == 0 || nstats > 5 {
		return nil, fmt.Errorf("cloudwatch: GetMetricStatistics: %d statistics, want 1 to 5: %w", nstats, ErrInvalidParameter)
	}
	if err := validateDimensions(in.Dimensions); err != nil {
		return nil, fmt.Errorf("cloudwatch: GetMetricStatistics: %w", err)
	}
	basic := make([]statistic, len(in.Statistics))
	for i, name := range in.Statistics {
		st, err := parseStatistic(name)
		if err != nil || st.extended() {
			return nil, fmt.Errorf("cloudwatch: GetMetricStatistics: Statistics[%d] %q is not a basic statistic: %w", i, name, ErrInvalidParameter)
		}
		basic[i] = st
	}
	ext := make([]statistic, len(in.ExtendedStatistics))
	for i, name := range in.ExtendedStatistics {
		st, err := parseStatistic(name)
		if err != nil || !st.extended() {
			return nil, fmt.Errorf("cloudwatch: GetMetricStatistics: ExtendedStatistics[%d] %q is not an extended statistic: %w", i, name, ErrInvalidParameter)
		}
		ext[i] = st
	}
	start, n, err := cw.grid(in.StartTime, in.EndTime, in.Period)
	if err != nil {
		return nil, err
	}
	if n > maxStatDatapoints {
		return nil, fmt.Errorf("cloudwatch: GetMetricStatistics: %d periods > %d: %w", n, maxStatDatapoints, ErrInvalidParameter)
	}
	cw.flush()
	s := cw.lookup(in.Namespace, in.MetricName, in.Dimensions, "", false, false)
	if s == nil || (in.Unit != "" && in.Unit != s.unit) {
		return nil, nil
	}
	period := time.Duration(in.Period) * time.Second
	aggs := make([]agg, n)
	s.aggregate(start, period, aggs, len(ext) > 0)
	var out []Datapoint
	for k := range aggs {
		a := &aggs[k]
		if a.n == 0 {
			continue
		}
		dp := Datapoint{Timestamp: start + sim.Time(k)*sim.Time(period), Unit: s.unit}
		for _, st := range basic {
			v, _ := a.value(&st)
			switch st.kind {
			case kSampleCount:
				dp.SampleCount = v
			case kSum:
				dp.Sum = v
			case kAverage:
				dp.Average = v
			case kMinimum:
				dp.Minimum = v
			case kMaximum:
				dp.Maximum = v
			}
		}
		for _, st := range ext {
			if v, ok := a.value(&st); ok {
				if dp.ExtendedStatistics == nil {
					dp.ExtendedStatistics = make(map[string]float64, len(ext))
				}
				dp.ExtendedStatistics[st.name] = v
			}
		}
		out = append(out, dp)
	}
	return out, nil
}

// MetricStat is a metric, a period and a statistic: one query's data.
type MetricStat struct {
	// Metric identifies the series.
	Metric Metric
	// Period in seconds.
	Period int
	// Stat is any statistic: Average, p99, tm90, ...
	Stat string
	// Unit, when set, selects only data published with that unit.
	Unit Unit
}

// MetricDataQuery is one query of GetMetricData or of a metric-math alarm:
// exactly one of MetricStat and Expression is set.
type MetricDataQuery struct {
	// ID names the query in expressions; it starts with a lower-case letter
	// and holds letters, digits and underscores.
	ID string
	// MetricStat retrieves a metric.
	MetricStat *MetricStat
	// Expression is metric math over other queries' IDs, such as
	// "100*errors/requests" or "FILL(m1, REPEAT)".
	Expression string
	// Label names the result; the default is the metric name or the ID.
	Label string
	// Period is the period of an expression that references no metric, in
	// seconds; default 60.
	Period int
	// Hidden leaves the query out of the results (AWS ReturnData=false):
	// intermediate queries of an expression.
	Hidden bool
}

// MetricDataResult is one query's time series: timestamps (period starts,
// ascending) and values, missing periods left out.
type MetricDataResult struct {
	// ID and Label are the query's.
	ID, Label string
	// Period is the result's period in seconds.
	Period int
	// Timestamps are period starts.
	Timestamps []sim.Time
	// Values are the values at Timestamps.
	Values []float64
}

// GetMetricDataInput is a set of queries over [StartTime, EndTime).
type GetMetricDataInput struct {
	// Queries are the metrics and expressions, at most 500.
	Queries []MetricDataQuery
	// StartTime (inclusive, rounded down as CloudWatch does) and EndTime
	// (exclusive) bound every query.
	StartTime, EndTime sim.Time
}

// GetMetricData runs the queries and returns the results of those not
// Hidden, in query order. Results are in ascending time order (AWS's
// default is descending).
func (cw *CloudWatch) GetMetricData(in GetMetricDataInput) ([]MetricDataResult, error) {
	if len(in.Queries) == 0 || len(in.Queries) > 500 {
		return nil, fmt.Errorf("cloudwatch: GetMetricData: %d queries, want 1 to 500: %w", len(in.Queries), ErrInvalidParameter)
	}
	if in.EndTime <= in.StartTime {
		return nil, fmt.Errorf("cloudwatch: GetMetricData: EndTime %v not after StartTime %v: %w", in.EndTime, in.StartTime, ErrInvalidParameter)
	}
	cw.flush()
	gridOf := func(p int) (sim.Time, int, error) {
		start, n, err := cw.grid(in.StartTime, in.EndTime, p)
		if err == nil && n > maxDataDatapoints {
			err = fmt.Errorf("cloudwatch: GetMetricData: %d periods > %d: %w", n, maxDataDatapoints, ErrInvalidParameter)
		}
		return start, n, err
	}
	ev, err := cw.newEvaluator(in.Queries, func(ms *MetricStat) (sim.Time, int, error) { return gridOf(ms.Period) })
	if err != nil {
		return nil, err
	}
	var out []MetricDataResult
	for i := range in.Queries {
		q := &in.Queries[i]
		if q.Hidden {
			continue
		}
		v, err := ev.value(q.ID)
		if err != nil {
			return nil, err
		}
		if v.kind == vScalar {
			p := q.Period
			if p == 0 {
				p = 60
			}
			start, n, err := gridOf(p)
			if err != nil {
				return nil, err
			}
			v = broadcast(v.num, start, time.Duration(p)*time.Second, n)
		}
		series, labels := [][]float64{v.ts}, []string{ev.label(q)}
		if v.kind == vArray {
			if len(v.names) != len(v.arr) {
				return nil, fmt.Errorf("cloudwatch: GetMetricData: query %q yields %d series; combine them with SUM, AVG, MIN or MAX: %w", q.ID, len(v.arr), ErrInvalidParameter)
			}
			series, labels = v.arr, nil
			for _, name := range v.names {
				labels = append(labels, ev.label(q)+" ("+name+")")
			}
		}
		for i, ts := range series {
			res := MetricDataResult{ID: q.ID, Label: labels[i], Period: int(v.period / time.Second)}
			for k, x := range ts {
				if !math.IsNaN(x) {
					res.Timestamps = append(res.Timestamps, v.start+sim.Time(k)*sim.Time(v.period))
					res.Values = append(res.Values, x)
				}
			}
			out = append(out, res)
		}
	}
	return out, nil
}

func broadcast(x float64, start sim.Time, period time.Duration, n int) mval {
	ts := make([]float64, n)
	for i := range ts {
		ts[i] = x
	}
	return mval{kind: vSeries, ts: ts, start: start, period: period}
}

// evaluator computes a set of queries, each once, in dependency order.
type evaluator struct {
	cw      *CloudWatch
	queries map[string]*MetricDataQuery
	trees   map[string]node
	stats   map[string]statistic
	done    map[string]mval
	active  map[string]bool
	gridOf  func(*MetricStat) (sim.Time, int, error)
}

// newEvaluator validates the queries: unique well-formed IDs, exactly one of
// MetricStat and Expression, valid statistics, expressions that parse and
// reference existing IDs without cycles.
func (cw *CloudWatch) newEvaluator(qs []MetricDataQuery, gridOf func(*MetricStat) (sim.Time, int, error)) (*evaluator, error) {
	ev := &evaluator{cw: cw, queries: map[string]*MetricDataQuery{}, trees: map[string]node{},
		stats: map[string]statistic{}, done: map[string]mval{}, active: map[string]bool{}, gridOf: gridOf}
	for i := range qs {
		q := &qs[i]
		if !validID(q.ID) {
			return nil, fmt.Errorf("cloudwatch: query %d: Id %q must start with a lower-case letter and hold only letters, digits and _: %w", i, q.ID, ErrInvalidParameter)
		}
		if ev.queries[q.ID] != nil {
			return nil, fmt.Errorf("cloudwatch: query Id %q is used twice: %w", q.ID, ErrInvalidParameter)
		}
		ev.queries[q.ID] = q
		switch {
		case (q.MetricStat == nil) == (q.Expression == ""):
			return nil, fmt.Errorf("cloudwatch: query %q: set exactly one of MetricStat and Expression: %w", q.ID, ErrInvalidParameter)
		case q.MetricStat != nil:
			st, err := parseStatistic(q.MetricStat.Stat)
			if err != nil {
				return nil, fmt.Errorf("cloudwatch: query %q: %w", q.ID, err)
			}
			if err := validateDimensions(q.MetricStat.Metric.Dimensions); err != nil {
				return nil, fmt.Errorf("cloudwatch: query %q: %w", q.ID, err)
			}
			if !validPeriod(q.MetricStat.Period) {
				return nil, fmt.Errorf("cloudwatch: query %q: Period %d: want 1, 5, 10, 30 or a multiple of 60 up to 86400: %w", q.ID, q.MetricStat.Period, ErrInvalidParameter)
			}
			ev.stats[q.ID] = st
		default:
			tree, _, err := parseExpression(q.Expression)
			if err != nil {
				return nil, fmt.Errorf("cloudwatch: query %q: %w", q.ID, err)
			}
			if q.Period != 0 && !validPeriod(q.Period) {
				return nil, fmt.Errorf("cloudwatch: query %q: Period %d: want 1, 5, 10, 30 or a multiple of 60: %w", q.ID, q.Period, ErrInvalidParameter)
			}
			ev.trees[q.ID] = tree
		}
	}
	for i := range qs {
		if qs[i].Expression == "" {
			continue
		}
		_, refs, _ := parseExpression(qs[i].Expression)
		for _, r := range refs {
			if ev.queries[r] == nil {
				return nil, fmt.Errorf("cloudwatch: query %q: expression references unknown Id %q: %w", qs[i].ID, r, ErrInvalidParameter)
			}
		}
	}
	return ev, nil
}

func validID(id string) bool {
	if id == "" || len(id) > 255 || id[0] < 'a' || id[0] > 'z' {
		return false
	}
	for i := 0; i < len(id); i++ {
		if !isIdentStart(id[i]) && !isDigit(id[i]) {
			return false
		}
	}
	return true
}

func (ev *evaluator) label(q *MetricDataQuery) string {
	switch {
	case q.Label != "":
		return q.Label
	case q.MetricStat != nil:
		return q.MetricStat.Metric.MetricName
	}
	return q.ID
}

// value returns query id's value, computing it (and what it references)
// once.
func (ev *evaluator) value(id string) (mval, error) {
	if v, ok := ev.done[id]; ok {
		return v, nil
	}
	if ev.active[id] {
		return mval{}, fmt.Errorf("cloudwatch: query %q references itself: %w", id, ErrInvalidParameter)
	}
	ev.active[id] = true
	defer delete(ev.active, id)
	q := ev.queries[id]
	var v mval
	var err error
	if q.MetricStat != nil {
		v, err = ev.metric(q)
	} else {
		v, err = ev.trees[id].eval(&mathEnv{resolve: ev.value, band: ev.band})
	}
	if err != nil {
		return v, err
	}
	if v.kind == vKeyword {
		return v, fmt.Errorf("cloudwatch: query %q: REPEAT and LINEAR are only FILL arguments: %w", id, ErrInvalidParameter)
	}
	ev.done[id] = v
	return v, nil
}

func (ev *evaluator) metric(q *MetricDataQuery) (mval, error) {
	ms := q.MetricStat
	start, n, err := ev.gridOf(ms)
	if err != nil {
		return mval{}, fmt.Errorf("cloudwatch: query %q: %w", q.ID, err)
	}
	st := ev.stats[q.ID]
	period := time.Duration(ms.Period) * time.Second
	out := mval{kind: vSeries, ts: make([]float64, n), start: start, period: period}
	ev.cw.statSeries(ms, &st, start, period, out.ts, nil)
	return out, nil
}

// statSeries fills out[k] with st over period k of the metric (NaN when
// missing). scratch, if large enough, is reused for the aggregation.
func (cw *CloudWatch) statSeries(ms *MetricStat, st *statistic, start sim.Time, period time.Duration, out []float64, scratch *[]agg) *series {
	for i := range out {
		out[i] = math.NaN()
	}
	s := cw.lookup(ms.Metric.Namespace, ms.Metric.MetricName, ms.Metric.Dimensions, "", false, false)
	if s == nil || (ms.Unit != "" && ms.Unit != s.unit) {
		return s
	}
	seriesStat(s, st, start, period, out, scratch)
	return s
}

func seriesStat(s *series, st *statistic, start sim.Time, period time.Duration, out []float64, scratch *[]agg) {
	var aggs []agg
	if scratch != nil && cap(*scratch) >= len(out) {
		aggs = (*scratch)[:len(out)]
		for i := range aggs {
			aggs[i].reset()
		}
	} else {
		aggs = make([]agg, len(out))
		if scratch != nil {
			*scratch = aggs
		}
	}
	s.aggregate(start, period, aggs, st.extended())
	for k := range aggs {
		if v, ok := aggs[k].value(st); ok {
			out[k] = v
		} else {
			out[k] = math.NaN()
		}
	}
}

// bandTrainingDays is how many previous days at the same time of day train
// the anomaly band (AWS trains on up to two weeks), and bandMinDays how many
// must have data for a band to exist.
const (
	bandTrainingDays = 14
	bandMinDays      = 3
)

// band computes ANOMALY_DETECTION_BAND(id, width) for a metric query: a
// deliberately simple model of CloudWatch's. For each period the expected
// value is the mean of the same statistic at the same time of day on the
// previous 14 days, and the band is that mean ± width standard deviations
// (the deviation floored at 1% of the mean, so a constant metric still has a
// band). With fewer than 3 days of history the band is missing, as while
// AWS's model trains. Bands of non-negative history stay non-negative, and
// Percent metrics stay within 0-100, as AWS clamps them.
func (ev *evaluator) band(id string, width float64) (mval, error) {
	q := ev.queries[id]
	if q == nil || q.MetricStat == nil {
		return mval{}, fmt.Errorf("cloudwatch: ANOMALY_DETECTION_BAND(%s): %q is not a metric query: %w", id, id, ErrInvalidParameter)
	}
	ms := q.MetricStat
	start, n, err := ev.gridOf(ms)
	if err != nil {
		return mval{}, fmt.Errorf("cloudwatch: query %q: %w", id, err)
	}
	st := ev.stats[id]
	period := time.Duration(ms.Period) * time.Second
	sum, sumSq, count := make([]float64, n), make([]float64, n), make([]float64, n)
	nonNeg := true
	day := make([]float64, n)
	var s *series
	for d := 1; d <= bandTrainingDays; d++ {
		s = ev.cw.statSeries(ms, &st, start-sim.Time(d)*sim.Time(24*time.Hour), period, day, nil)
		for k, v := range day {
			if !math.IsNaN(v) {
				sum[k] += v
				sumSq[k] += v * v
				count[k]++
				nonNeg = nonNeg && v >= 0
			}
		}
	}
	lo, hi := make([]float64, n), make([]float64, n)
	for k := range lo {
		lo[k], hi[k] = math.NaN(), math.NaN()
		if count[k] < bandMinDays {
			continue
		}
		mean := sum[k] / count[k]
		sd := math.Sqrt(max(sumSq[k]/count[k]-mean*mean, 0))
		sd = max(sd, 0.01*math.Abs(mean))
		lo[k], hi[k] = mean-width*sd, mean+width*sd
		if nonNeg {
			lo[k] = max(lo[k], 0)
		}
		if s != nil && s.unit == UnitPercent {
			lo[k], hi[k] = max(lo[k], 0), min(hi[k], 100)
		}
	}
	return mval{kind: vArray, arr: [][]float64{lo, hi}, names: []string{"lower", "upper"}, start: start, period: period}, nil
}
