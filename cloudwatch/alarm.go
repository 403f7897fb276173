package cloudwatch

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nimbus-sim/nimbus/sim"
)

// StateValue is an alarm state.
type StateValue string

// The three alarm states.
const (
	StateOK               StateValue = "OK"
	StateAlarm            StateValue = "ALARM"
	StateInsufficientData StateValue = "INSUFFICIENT_DATA"
)

// ComparisonOperator compares a datapoint with the threshold; the
// datapoint breaches when the comparison holds.
type ComparisonOperator string

// The comparison operators: four against Threshold, three against an
// anomaly band (AlarmConfig.ThresholdMetricID).
const (
	GreaterThanOrEqualToThreshold            ComparisonOperator = "GreaterThanOrEqualToThreshold"
	GreaterThanThreshold                     ComparisonOperator = "GreaterThanThreshold"
	LessThanThreshold                        ComparisonOperator = "LessThanThreshold"
	LessThanOrEqualToThreshold               ComparisonOperator = "LessThanOrEqualToThreshold"
	LessThanLowerOrGreaterThanUpperThreshold ComparisonOperator = "LessThanLowerOrGreaterThanUpperThreshold"
	LessThanLowerThreshold                   ComparisonOperator = "LessThanLowerThreshold"
	GreaterThanUpperThreshold                ComparisonOperator = "GreaterThanUpperThreshold"
)

// TreatMissingData says how an alarm treats periods without data. At each
// evaluation an alarm fetches EvaluationPeriods (N) plus
// Config.EvaluationRangeExtra periods and, as AWS documents:
//
//   - if none of the newest N periods is missing, they decide: ALARM when at
//     least DatapointsToAlarm (M) breach, else OK;
//   - else, if the range holds at least N datapoints, the newest N decide
//     and TreatMissingData has no effect;
//   - else breaching and notBreaching fill the missing periods with bad or
//     good datapoints; missing and ignore use the datapoints there are: none
//     at all gives INSUFFICIENT_DATA (missing) or keeps the state (ignore),
//     at least M decide as above, fewer than M give OK when none breaches
//     and otherwise ALARM (missing) or the current state (ignore) when the
//     oldest breaching datapoint among the newest N periods is at least M
//     periods old with no good datapoint after it (the rule against
//     premature alarms), else the current state.
type TreatMissingData string

// The TreatMissingData settings; the empty value means TreatMissing.
const (
	TreatMissing      TreatMissingData = "missing"
	TreatNotBreaching TreatMissingData = "notBreaching"
	TreatBreaching    TreatMissingData = "breaching"
	TreatIgnore       TreatMissingData = "ignore"
)

// StateChange describes an alarm entering (or, for Repeat, staying in) a
// state, as actions receive it.
type StateChange struct {
	// Time is the virtual instant of the evaluation.
	Time sim.Time
	// OldState and NewState are the states before and after; equal when
	// Repeat is set.
	OldState, NewState StateValue
	// Reason is the human-readable state reason.
	Reason string
	// Value is the newest datapoint the evaluation used, NaN when none (or
	// for composite alarms and SetAlarmState); step scaling picks its step
	// from it.
	Value float64
	// Threshold is the alarm's threshold (0 for composite alarms).
	Threshold float64
	// Repeat is set on the once-a-minute re-invocations of ScalingPolicy
	// actions while the alarm stays in the state.
	Repeat bool
}

// AlarmAction is something an alarm does when it changes state: a Go func
// (ActionFunc), a Topic, or a scaling policy.
type AlarmAction interface {
	// Execute runs the action for alarm a.
	Execute(a *Alarm, c StateChange)
}

// ScalingPolicy is the AlarmAction an Auto Scaling policy implements. As
// AWS documents, CloudWatch invokes it when the alarm enters the state and
// then again once a minute (c.Repeat set) for as long as the alarm stays in
// that state. Composite alarms cannot invoke scaling policies.
type ScalingPolicy interface {
	AlarmAction
	// PolicyARN names the policy in the alarm's history.
	PolicyARN() string
}

// ActionFunc adapts a function to AlarmAction.
type ActionFunc func(a *Alarm, c StateChange)

// Execute calls f(a, c).
func (f ActionFunc) Execute(a *Alarm, c StateChange) { f(a, c) }

// AlarmConfig defines a metric alarm (PutMetricAlarm): on one metric
// (Namespace, MetricName, Dimensions, Statistic or ExtendedStatistic,
// Period) or on metric math (Metrics).
type AlarmConfig struct {
	// AlarmName is unique among metric and composite alarms, 1-255 chars.
	AlarmName string
	// AlarmDescription is free text.
	AlarmDescription string

	// Namespace, MetricName and Dimensions identify the metric.
	Namespace  string
	MetricName string
	Dimensions []Dimension
	// Statistic is a basic statistic; ExtendedStatistic a percentile or
	// trimmed statistic such as "p99". Set exactly one.
	Statistic, ExtendedStatistic string
	// Unit, when set, selects only data published with that unit.
	Unit Unit
	// Period is the length of one datapoint in seconds: 10, 30 or a multiple
	// of 60. Alarms with a period of at least 60 s are evaluated every
	// minute, 10 s and 30 s ones every 10 s.
	Period int

	// Metrics is a metric-math alarm: queries of which exactly one is not
	// Hidden (besides ThresholdMetricID), with at most 10 MetricStats, all
	// of one period.
	Metrics []MetricDataQuery
	// ThresholdMetricID names the query in Metrics holding an
	// ANOMALY_DETECTION_BAND expression: an anomaly-detection alarm, which
	// uses the band operators and ignores Threshold.
	ThresholdMetricID string

	// EvaluationPeriods is N, the number of most recent periods evaluated;
	// N × Period ≤ 1 day.
	EvaluationPeriods int
	// DatapointsToAlarm is M: the alarm goes to ALARM when M of the N
	// datapoints breach. 0 means N.
	DatapointsToAlarm int
	// Threshold is compared with each datapoint, in the metric's unit.
	Threshold float64
	// ComparisonOperator says which datapoints breach the threshold.
	ComparisonOperator ComparisonOperator
	// TreatMissingData defaults to TreatMissing. Alarms on AWS/DynamoDB
	// metrics always behave as TreatIgnore, as in AWS.
	TreatMissingData TreatMissingData
	// EvaluateLowSampleCountPercentile is "evaluate" (default) or "ignore":
	// with "ignore", a percentile alarm keeps its state while the newest
	// datapoint has fewer than 10/(1-p) samples (10/p for p < 0.5).
	EvaluateLowSampleCountPercentile string

	// ActionsDisabled stops actions from running (AWS ActionsEnabled=false).
	ActionsDisabled bool
	// Actions run, in order, when the alarm enters each state.
	AlarmActions, OKActions, InsufficientDataActions []AlarmAction
}

// HistoryItem is one entry of an alarm's history (kept 2 weeks).
type HistoryItem struct {
	// Timestamp is the virtual instant of the entry.
	Timestamp sim.Time
	// Type is "StateUpdate", "Action" or "ConfigurationUpdate".
	Type string
	// Summary is a one-line description.
	Summary string
	// OldState and NewState are set for state updates (NewState also for
	// actions: the state whose action ran).
	OldState, NewState StateValue
	// Reason is a state update's reason.
	Reason string
}

// Alarm is a metric or composite alarm. A metric alarm starts in
// INSUFFICIENT_DATA and is evaluated every minute (every 10 s for 10 s and
// 30 s periods); a composite alarm whenever an alarm its rule names changes
// state. Each state change is recorded in History, traced as a
// "SetAlarmState" event and runs the new state's actions.
type Alarm struct {
	cw        *CloudWatch
	name      string
	cfg       AlarmConfig
	comp      *CompositeAlarmConfig
	rule      ruleNode
	deleted   bool
	state     StateValue
	reason    string
	updated   sim.Time
	history   []HistoryItem
	watchers  []*Alarm // composite alarms whose rules name this alarm
	lastValue float64

	// Evaluation plan, fixed at PutMetricAlarm.
	st         statistic
	period     time.Duration
	n, m       int
	treat      TreatMissingData
	highRes    bool
	metric     MetricStat
	series     *series
	ev         *evaluator
	exprID     string
	scratch    []agg
	values     []float64
	lastRepeat sim.Time
	repeated   bool
}

// Name returns the alarm's name.
func (a *Alarm) Name() string { return a.name }

// State returns the current state.
func (a *Alarm) State() StateValue { return a.state }

// StateReason returns the reason for the current state.
func (a *Alarm) StateReason() string { return a.reason }

// StateUpdated returns when the state last changed.
func (a *Alarm) StateUpdated() sim.Time { return a.updated }

// IsComposite reports whether a is a composite alarm.
func (a *Alarm) IsComposite() bool { return a.comp != nil }

// Threshold returns a metric alarm's threshold (0 for composite alarms).
func (a *Alarm) Threshold() float64 { return a.cfg.Threshold }

// Config returns a metric alarm's definition (zero for composite alarms).
func (a *Alarm) Config() AlarmConfig { return a.cfg }

// History returns the alarm's history items, oldest first.
func (a *Alarm) History() []HistoryItem { return slices.Clone(a.history) }

// validAlarmPeriod reports whether p seconds is a valid alarm period.
func validAlarmPeriod(p int) bool { return p == 10 || p == 30 || (p > 0 && p%60 == 0 && p <= 86400) }

func (a *Alarm) actionsFor(s StateValue) []AlarmAction {
	acts := &a.cfg.AlarmActions
	ok, insuf := &a.cfg.OKActions, &a.cfg.InsufficientDataActions
	disabled := a.cfg.ActionsDisabled
	if a.comp != nil {
		acts, ok, insuf, disabled = &a.comp.AlarmActions, &a.comp.OKActions, &a.comp.InsufficientDataActions, a.comp.ActionsDisabled
	}
	if disabled {
		return nil
	}
	switch s {
	case StateAlarm:
		return *acts
	case StateOK:
		return *ok
	}
	return *insuf
}

// PutMetricAlarm creates or replaces a metric alarm. A new alarm starts in
// INSUFFICIENT_DATA and is first evaluated at the next evaluation instant;
// replacing an alarm keeps its state, as AWS does.
func (cw *CloudWatch) PutMetricAlarm(cfg AlarmConfig) (*Alarm, error) {
	a := &Alarm{cw: cw, name: cfg.AlarmName, cfg: cfg, lastValue: math.NaN()}
	if err := a.plan(); err != nil {
		return nil, err
	}
	now := cw.s.Now()
	if old := cw.alarms[cfg.AlarmName]; old != nil {
		if old.comp != nil {
			return nil, fmt.Errorf("cloudwatch: alarm %q: a composite alarm has this name: %w", cfg.AlarmName, ErrInvalidParameter)
		}
		old.cfg, old.st, old.period, old.n, old.m, old.treat = a.cfg, a.st, a.period, a.n, a.m, a.treat
		old.highRes, old.metric, old.series, old.ev, old.exprID = a.highRes, a.metric, nil, a.ev, a.exprID
		old.addHistory(HistoryItem{Timestamp: now, Type: "ConfigurationUpdate", Summary: fmt.Sprintf("Alarm %q updated", a.name)})
		cw.ensureTicker(old.highRes)
		return old, nil
	}
	a.state, a.updated = StateInsufficientData, now
	a.reason = "Unchecked: Initial alarm creation"
	a.addHistory(HistoryItem{Timestamp: now, Type: "ConfigurationUpdate", Summary: fmt.Sprintf("Alarm %q created", a.name)})
	cw.alarms[a.name] = a
	cw.alarmOrder = append(cw.alarmOrder, a)
	cw.ensureTicker(a.highRes)
	if cw.s.Tracing() {
		cw.s.Trace("cloudwatch", "PutMetricAlarm", a.name, sim.F("threshold", cfg.Threshold),
			sim.F("operator", string(cfg.ComparisonOperator)), sim.F("evaluationPeriods", a.n), sim.F("datapointsToAlarm", a.m))
	}
	return a, nil
}

// plan validates the alarm's configuration and prepares its evaluation.
func (a *Alarm) plan() error {
	c := &a.cfg
	bad := func(format string, args ...any) error {
		return fmt.Errorf("cloudwatch: alarm %q: %s: %w", c.AlarmName, fmt.Sprintf(format, args...), ErrInvalidParameter)
	}
	if c.AlarmName == "" || len(c.AlarmName) > 255 {
		return bad("AlarmName must be 1 to 255 characters")
	}
	switch c.ComparisonOperator {
	case GreaterThanOrEqualToThreshold, GreaterThanThreshold, LessThanThreshold, LessThanOrEqualToThreshold:
		if c.ThresholdMetricID != "" {
			return bad("ThresholdMetricID needs an anomaly-band ComparisonOperator, not %s", c.ComparisonOperator)
		}
	case LessThanLowerOrGreaterThanUpperThreshold, LessThanLowerThreshold, GreaterThanUpperThreshold:
		if c.ThresholdMetricID == "" {
			return bad("ComparisonOperator %s needs ThresholdMetricID (an anomaly band)", c.ComparisonOperator)
		}
	default:
		return bad("ComparisonOperator %q is not a CloudWatch comparison operator", c.ComparisonOperator)
	}
	if math.IsNaN(c.Threshold) || math.IsInf(c.Threshold, 0) {
		return bad("Threshold %v is not finite", c.Threshold)
	}
	a.treat = c.TreatMissingData
	switch a.treat {
	case "":
		a.treat = TreatMissing
	case TreatMissing, TreatNotBreaching, TreatBreaching, TreatIgnore:
	default:
		return bad("TreatMissingData %q: want missing, notBreaching, breaching or ignore", c.TreatMissingData)
	}
	switch c.EvaluateLowSampleCountPercentile {
	case "", "evaluate", "ignore":
	default:
		return bad("EvaluateLowSampleCountPercentile %q: want evaluate or ignore", c.EvaluateLowSampleCountPercentile)
	}
	a.n, a.m = c.EvaluationPeriods, c.DatapointsToAlarm
	if a.m == 0 {
		a.m = a.n
	}
	switch {
	case a.n < 1:
		return bad("EvaluationPeriods %d < 1", a.n)
	case a.m < 1 || a.m > a.n:
		return bad("DatapointsToAlarm %d must be between 1 and EvaluationPeriods %d", c.DatapointsToAlarm, a.n)
	}
	for _, acts := range [][]AlarmAction{c.AlarmActions, c.OKActions, c.InsufficientDataActions} {
		if slices.Contains(acts, nil) {
			return bad("nil action")
		}
	}
	period := c.Period
	if len(c.Metrics) > 0 {
		if c.Namespace != "" || c.MetricName != "" || c.Statistic != "" || c.ExtendedStatistic != "" || len(c.Dimensions) > 0 {
			return bad("set either Metrics or the single-metric fields, not both")
		}
		var err error
		if period, err = a.planMath(); err != nil {
			return err
		}
	} else {
		if c.Namespace == "" || c.MetricName == "" {
			return bad("Namespace and MetricName are required")
		}
		if err := validateDimensions(c.Dimensions); err != nil {
			return fmt.Errorf("cloudwatch: alarm %q: %w", c.AlarmName, err)
		}
		if !validUnit(c.Unit) {
			return bad("Unit %q is not a CloudWatch unit", c.Unit)
		}
		name := c.Statistic
		if (c.Statistic == "") == (c.ExtendedStatistic == "") {
			return bad("set exactly one of Statistic and ExtendedStatistic")
		}
		if name == "" {
			name = c.ExtendedStatistic
		}
		st, err := parseStatistic(name)
		if err != nil || st.extended() != (c.ExtendedStatistic != "") {
			return bad("statistic %q is not a valid %s", name, map[bool]string{true: "ExtendedStatistic", false: "Statistic"}[c.ExtendedStatistic != ""])
		}
		a.st = st
		a.metric = MetricStat{Metric: Metric{Namespace: c.Namespace, MetricName: c.MetricName, Dimensions: slices.Clone(c.Dimensions)},
			Period: c.Period, Stat: name, Unit: c.Unit}
		if c.Namespace == "AWS/DynamoDB" {
			a.treat = TreatIgnore
		}
	}
	if !validAlarmPeriod(period) {
		return bad("Period %d: want 10, 30 or a multiple of 60", period)
	}
	if a.n > 86400/period {
		return bad("EvaluationPeriods %d × Period %d s > 1 day", a.n, period)
	}
	a.period = time.Duration(period) * time.Second
	a.highRes = period < 60
	return nil
}

// planMath validates a metric-math alarm and returns its period.
func (a *Alarm) planMath() (int, error) {
	c := &a.cfg
	bad := func(format string, args ...any) (int, error) {
		return 0, fmt.Errorf("cloudwatch: alarm %q: %s: %w", c.AlarmName, fmt.Sprintf(format, args...), ErrInvalidParameter)
	}
	period, metrics, band := 0, 0, false
	for _, q := range c.Metrics {
		if q.ID == c.ThresholdMetricID {
			band = strings.HasPrefix(strings.TrimSpace(q.Expression), "ANOMALY_DETECTION_BAND(")
			continue
		}
		if !q.Hidden {
			if a.exprID != "" {
				return bad("more than one query returns data")
			}
			a.exprID = q.ID
		}
		if q.MetricStat == nil {
			continue
		}
		metrics++
		if period != 0 && q.MetricStat.Period != period {
			return bad("metrics have periods %d and %d; all must match", period, q.MetricStat.Period)
		}
		period = q.MetricStat.Period
	}
	switch {
	case c.ThresholdMetricID != "" && !band:
		return bad("ThresholdMetricID %q is not an ANOMALY_DETECTION_BAND expression in Metrics", c.ThresholdMetricID)
	case a.exprID == "":
		return bad("no query returns data; exactly one must")
	case metrics == 0:
		return bad("Metrics reference no metric")
	case metrics > 10:
		return bad("%d metrics > 10", metrics)
	}
	qs := slices.Clone(c.Metrics)
	ev, err := a.cw.newEvaluator(qs, nil)
	if err != nil {
		return 0, fmt.Errorf("cloudwatch: alarm %q: %w", c.AlarmName, err)
	}
	a.ev = ev
	return period, nil
}

// ensureTicker starts the evaluation ticker for standard (every minute) or
// high-resolution (every 10 s) alarms if it is not running.
func (cw *CloudWatch) ensureTicker(highRes bool) {
	i, every := 0, time.Minute
	if highRes {
		i, every = 1, 10*time.Second
	}
	if cw.tickers[i] != nil {
		return
	}
	now := cw.s.Now()
	first := floorTime(now, every) + sim.Time(cw.cfg.EvaluationOffset%every)
	if first <= now {
		first += sim.Time(every)
	}
	cw.tickers[i] = cw.s.Every(first, every, func(now sim.Time) { cw.evaluate(now, highRes) })
}

// evaluate runs one evaluation round, in alarm creation order.
func (cw *CloudWatch) evaluate(now sim.Time, highRes bool) {
	cw.flush()
	n, found := len(cw.alarmOrder), false
	for i := 0; i < n && i < len(cw.alarmOrder); i++ {
		a := cw.alarmOrder[i]
		if a.deleted || a.comp != nil || a.highRes != highRes {
			continue
		}
		found = true
		a.evaluate(now)
	}
	if !found {
		idx := 0
		if highRes {
			idx = 1
		}
		cw.tickers[idx].Stop()
		cw.tickers[idx] = nil
	}
}

type pointClass uint8

const (
	pMissing pointClass = iota
	pOK
	pBreach
)

// breaches reports whether datapoint v breaches the threshold or, for band
// operators, the band [lo, hi].
func (a *Alarm) breaches(v, lo, hi float64) bool {
	t := a.cfg.Threshold
	switch a.cfg.ComparisonOperator {
	case LessThanLowerOrGreaterThanUpperThreshold:
		return v < lo || v > hi
	case LessThanLowerThreshold:
		return v < lo
	case GreaterThanUpperThreshold:
		return v > hi
	case GreaterThanOrEqualToThreshold:
		return v >= t
	case GreaterThanThreshold:
		return v > t
	case LessThanThreshold:
		return v < t
	}
	return v <= t
}

// evaluate fetches the evaluation range and applies the missing-data rules.
func (a *Alarm) evaluate(now sim.Time) {
	cw := a.cw
	every := time.Minute
	if a.highRes {
		every = 10 * time.Second
	}
	r := a.n + cw.cfg.EvaluationRangeExtra
	end := floorTime(now, every)
	start := end - sim.Time(r)*sim.Time(a.period)
	if cap(a.values) < r {
		a.values = make([]float64, r)
	}
	vals := a.values[:r]
	lowSamples := false
	var lower, upper []float64 // the anomaly band, if any
	if a.ev != nil {
		clear(a.ev.done)
		a.ev.gridOf = func(*MetricStat) (sim.Time, int, error) { return start, r, nil }
		if id := a.cfg.ThresholdMetricID; id != "" {
			lower, upper = nanSeries(r), nanSeries(r)
			if b, err := a.ev.value(id); err == nil && b.kind == vArray && len(b.arr) == 2 {
				lower, upper = b.arr[0], b.arr[1]
			}
		}
		v, err := a.ev.value(a.exprID)
		switch {
		case err == nil && v.kind == vSeries:
			copy(vals, v.ts)
		case err == nil && v.kind == vScalar:
			for i := range vals {
				vals[i] = v.num
			}
		default:
			for i := range vals {
				vals[i] = math.NaN()
			}
		}
	} else {
		if a.series == nil || a.series.dead {
			ms := &a.metric
			a.series = cw.lookup(ms.Metric.Namespace, ms.Metric.MetricName, ms.Metric.Dimensions, "", false, false)
		}
		for i := range vals {
			vals[i] = math.NaN()
		}
		if s := a.series; s != nil && (a.metric.Unit == "" || a.metric.Unit == s.unit) {
			seriesStat(s, &a.st, start, a.period, vals, &a.scratch)
			if a.cfg.EvaluateLowSampleCountPercentile == "ignore" && a.st.kind == kPercentile {
				lowSamples = a.lowSampleCount(r)
			}
		}
	}
	var classes [64]pointClass
	pts := classes[:0]
	if r > len(classes) {
		pts = make([]pointClass, 0, r)
	}
	a.lastValue = math.NaN()
	for k, v := range vals {
		lo, hi := math.NaN(), math.NaN()
		if lower != nil {
			lo, hi = lower[k], upper[k]
		}
		switch {
		case math.IsNaN(v), lower != nil && math.IsNaN(lo):
			pts = append(pts, pMissing)
		case a.breaches(v, lo, hi):
			pts = append(pts, pBreach)
			a.lastValue = v
		default:
			pts = append(pts, pOK)
			a.lastValue = v
		}
	}
	next := decide(pts, a.n, a.m, a.treat, a.state)
	if lowSamples {
		next = a.state
	}
	if next == a.state {
		a.repeatScaling(now)
		return
	}
	a.setState(next, a.reasonFor(next, pts, vals, start), now)
}

// lowSampleCount reports whether the newest datapoint has fewer samples than
// CloudWatch needs for a significant percentile.
func (a *Alarm) lowSampleCount(r int) bool {
	p := a.st.p
	need := 10 / p
	if p >= 0.5 {
		need = 10 / (1 - p)
	}
	for k := r - 1; k >= 0; k-- {
		if n := a.scratch[k].n; n > 0 {
			return n < need
		}
	}
	return false
}

// decide applies CloudWatch's evaluation rules (see TreatMissingData) to
// the evaluation range pts, oldest first, whose last n entries are the
// evaluation periods, and returns the new state. The final case ("- - - - X"
// with m = 3 keeps the current state: AWS says only that it does not alarm
// yet) is an assumption.
func decide(pts []pointClass, n, m int, treat TreatMissingData, cur StateValue) StateValue {
	byCount := func(b int) StateValue {
		if b >= m {
			return StateAlarm
		}
		return StateOK
	}
	last := pts[len(pts)-n:]
	real, breach, lastMissing := 0, 0, 0
	for _, p := range pts {
		if p != pMissing {
			real++
		}
	}
	for _, p := range last {
		if p == pMissing {
			lastMissing++
		}
	}
	if lastMissing == 0 || real >= n {
		seen := 0
		for i := len(pts) - 1; i >= 0 && seen < n; i-- {
			if pts[i] != pMissing {
				seen++
				if pts[i] == pBreach {
					breach++
				}
			}
		}
		return byCount(breach)
	}
	for _, p := range pts {
		if p == pBreach {
			breach++
		}
	}
	switch treat {
	case TreatBreaching:
		return byCount(breach + n - real)
	case TreatNotBreaching:
		return byCount(breach)
	}
	switch {
	case real == 0 && treat == TreatIgnore:
		return cur
	case real == 0:
		return StateInsufficientData
	case real >= m:
		return byCount(breach)
	case breach == 0:
		return StateOK
	}
	oldest := slices.Index(last, pBreach)
	if oldest >= 0 && len(last)-oldest >= m && !slices.Contains(last[oldest:], pOK) {
		if treat == TreatIgnore {
			return cur
		}
		return StateAlarm
	}
	return cur
}

var operatorWords = map[ComparisonOperator]string{
	GreaterThanOrEqualToThreshold:            "greater than or equal to",
	GreaterThanThreshold:                     "greater than",
	LessThanThreshold:                        "less than",
	LessThanOrEqualToThreshold:               "less than or equal to",
	LessThanLowerOrGreaterThanUpperThreshold: "outside",
	LessThanLowerThreshold:                   "less than the lower bound of",
	GreaterThanUpperThreshold:                "greater than the upper bound of",
}

// reasonFor builds an AWS-style state reason, such as "Threshold Crossed:
// 3 out of the last 3 datapoints [85 (23/11/26 09:31:00), ...] were greater
// than the threshold (70) (minimum 3 datapoints for OK -> ALARM
// transition)." It appends rather than formats: flapping alarms build many.
func (a *Alarm) reasonFor(next StateValue, pts []pointClass, vals []float64, start sim.Time) string {
	real := 0
	for i := len(pts) - 1; i >= 0 && real < a.n; i-- {
		if pts[i] != pMissing {
			real++
		}
	}
	b := make([]byte, 0, 256)
	if next == StateInsufficientData || real == 0 {
		if next == StateInsufficientData {
			b = append(b, "Insufficient Data"...)
		} else {
			b = append(b, "Threshold Crossed"...)
		}
		b = append(b, ": no datapoints were received for the last "...)
		b = strconv.AppendInt(b, int64(len(pts)), 10)
		b = append(b, " periods"...)
		if next != StateInsufficientData {
			b = append(b, " and "...)
			b = strconv.AppendInt(b, int64(a.n), 10)
			b = append(b, " missing datapoints were treated as ["...)
			b = append(b, map[bool]string{true: "Breaching", false: "NonBreaching"}[next == StateAlarm]...)
			b = append(b, ']')
		}
		return string(append(b, '.'))
	}
	b = append(b, "Threshold Crossed: "...)
	b = strconv.AppendInt(b, int64(real), 10)
	b = append(b, " out of the last "...)
	b = strconv.AppendInt(b, int64(a.n), 10)
	b = append(b, " datapoints ["...)
	shown := 0
	for i := len(pts) - 1; i >= 0 && shown < real; i-- {
		if pts[i] == pMissing {
			continue
		}
		if shown > 0 {
			b = append(b, ", "...)
		}
		b = strconv.AppendFloat(b, vals[i], 'f', -1, 64)
		b = append(b, " ("...)
		b = a.cw.s.Wall(start+sim.Time(i)*sim.Time(a.period)).UTC().AppendFormat(b, "02/01/06 15:04:05")
		b = append(b, ')')
		shown++
	}
	b = append(b, "] were "...)
	if next == StateOK {
		b = append(b, "not "...)
	}
	b = append(b, operatorWords[a.cfg.ComparisonOperator]...)
	if id := a.cfg.ThresholdMetricID; id != "" {
		b = append(b, " the band ("...)
		b = append(b, id...)
	} else {
		b = append(b, " the threshold ("...)
		b = strconv.AppendFloat(b, a.cfg.Threshold, 'f', -1, 64)
	}
	b = append(b, ") (minimum "...)
	minimum := 1
	if next == StateAlarm {
		minimum = a.m
	}
	b = strconv.AppendInt(b, int64(minimum), 10)
	b = append(b, " datapoint"...)
	if minimum != 1 {
		b = append(b, 's')
	}
	b = append(b, " for "...)
	b = append(b, a.state...)
	b = append(b, " -> "...)
	b = append(b, next...)
	return string(append(b, " transition)."...))
}

func (a *Alarm) addHistory(h HistoryItem) {
	cut := 0
	for cut < len(a.history) && a.history[cut].Timestamp < h.Timestamp-sim.Time(14*day) {
		cut++
	}
	if cut > 0 {
		a.history = slices.Delete(a.history, 0, cut)
	}
	a.history = append(a.history, h)
}

// setState changes the state, records history, runs the new state's
// actions and re-evaluates composite alarms watching a.
func (a *Alarm) setState(next StateValue, reason string, now sim.Time) {
	old := a.state
	a.state, a.reason, a.updated = next, reason, now
	a.lastRepeat, a.repeated = now, true
	a.addHistory(HistoryItem{Timestamp: now, Type: "StateUpdate", OldState: old, NewState: next, Reason: reason,
		Summary: "Alarm updated from " + string(old) + " to " + string(next)})
	cw := a.cw
	if cw.s.Tracing() {
		cw.s.Trace("cloudwatch", "SetAlarmState", a.name, sim.F("old", string(old)), sim.F("new", string(next)), sim.F("reason", reason))
	}
	c := StateChange{Time: now, OldState: old, NewState: next, Reason: reason, Value: a.lastValue, Threshold: a.cfg.Threshold}
	for _, act := range a.actionsFor(next) {
		a.runAction(act, c)
	}
	for _, w := range a.watchers {
		if !w.deleted {
			w.evaluateRule(now)
		}
	}
}

func (a *Alarm) runAction(act AlarmAction, c StateChange) {
	if !c.Repeat {
		summary := "Action executed for state " + string(c.NewState)
		if p, ok := act.(ScalingPolicy); ok {
			summary = "Successfully executed action " + p.PolicyARN()
		} else if t, ok := act.(*Topic); ok {
			summary = "Successfully executed action " + t.Name()
		}
		a.addHistory(HistoryItem{Timestamp: c.Time, Type: "Action", Summary: summary, NewState: c.NewState})
	}
	act.Execute(a, c)
}

// repeatScaling re-invokes the current state's ScalingPolicy actions once a
// minute while the state holds.
func (a *Alarm) repeatScaling(now sim.Time) {
	if a.repeated && now-a.lastRepeat < sim.Time(time.Minute) {
		return
	}
	acts := a.actionsFor(a.state)
	if len(acts) == 0 {
		return
	}
	a.lastRepeat, a.repeated = now, true
	c := StateChange{Time: now, OldState: a.state, NewState: a.state, Reason: a.reason, Value: a.lastValue,
		Threshold: a.cfg.Threshold, Repeat: true}
	for _, act := range acts {
		if _, ok := act.(ScalingPolicy); ok {
			a.runAction(act, c)
		}
	}
}

// Alarm returns the alarm with this name.
func (cw *CloudWatch) Alarm(name string) (*Alarm, bool) {
	a, ok := cw.alarms[name]
	return a, ok
}

// DescribeAlarms returns every alarm, sorted by name.
func (cw *CloudWatch) DescribeAlarms() []*Alarm {
	out := make([]*Alarm, 0, len(cw.alarms))
	for _, a := range cw.alarmOrder {
		if !a.deleted {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(x, y *Alarm) int { return strings.Compare(x.name, y.name) })
	return out
}

// SetAlarmState forces an alarm into a state, running that state's
// actions; the next evaluation may change it again, as in AWS.
func (cw *CloudWatch) SetAlarmState(name string, state StateValue, reason string) error {
	a, ok := cw.alarms[name]
	if !ok {
		return fmt.Errorf("cloudwatch: SetAlarmState: alarm %q: %w", name, ErrNotFound)
	}
	switch state {
	case StateOK, StateAlarm, StateInsufficientData:
	default:
		return fmt.Errorf("cloudwatch: SetAlarmState: alarm %q: state %q: %w", name, state, ErrInvalidParameter)
	}
	if state != a.state {
		a.lastValue = math.NaN()
		a.setState(state, reason, cw.s.Now())
	}
	return nil
}

// DeleteAlarms deletes alarms by name. Deleting an alarm that a remaining
// composite alarm's rule names fails, and nothing is deleted.
func (cw *CloudWatch) DeleteAlarms(names ...string) error {
	del := map[string]bool{}
	for _, n := range names {
		if cw.alarms[n] == nil {
			return fmt.Errorf("cloudwatch: DeleteAlarms: alarm %q: %w", n, ErrNotFound)
		}
		del[n] = true
	}
	for _, n := range names {
		for _, w := range cw.alarms[n].watchers {
			if !w.deleted && !del[w.name] {
				return fmt.Errorf("cloudwatch: DeleteAlarms: alarm %q is in the rule of composite alarm %q: %w", n, w.name, ErrInvalidParameter)
			}
		}
	}
	for _, n := range names {
		a := cw.alarms[n]
		a.deleted = true
		delete(cw.alarms, n)
		if a.comp != nil {
			for _, c := range a.rule.children(nil) {
				c.watchers = slices.DeleteFunc(c.watchers, func(w *Alarm) bool { return w == a })
			}
		}
	}
	cw.alarmOrder = slices.DeleteFunc(cw.alarmOrder, func(a *Alarm) bool { return a.deleted })
	return nil
}

func nanSeries(n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = math.NaN()
	}
	return out
}
