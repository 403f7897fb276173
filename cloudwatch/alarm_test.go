package cloudwatch

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nimbus-sim/nimbus/sim"
)

// publishEachMinute publishes value(k) for minute k at the end of minute k,
// timestamped at its start, as services do; NaN skips a minute.
func publishEachMinute(s *sim.Sim, cw *CloudWatch, ns, name string, dims []Dimension, value func(k int) float64) *sim.Ticker {
	return s.Every(sim.Time(time.Minute), time.Minute, func(now sim.Time) {
		k := int(now/sim.Time(time.Minute)) - 1
		if v := value(k); !math.IsNaN(v) {
			cw.Publish(ns, MetricDatum{MetricName: name, Dimensions: dims, Timestamp: now - sim.Time(time.Minute), Value: v, Unit: UnitPercent})
		}
	})
}

// policy is a ScalingPolicy that records its invocations.
type policy struct {
	calls []StateChange
}

func (p *policy) Execute(_ *Alarm, c StateChange) { p.calls = append(p.calls, c) }
func (p *policy) PolicyARN() string {
	return "arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:web-out"
}

var cpuDims = []Dimension{{"AutoScalingGroupName", "web"}}

func cpuAlarm(name string, n, m int, actions ...AlarmAction) AlarmConfig {
	return AlarmConfig{AlarmName: name, Namespace: "AWS/EC2", MetricName: "CPUUtilization", Dimensions: cpuDims,
		Statistic: Average, Period: 60, EvaluationPeriods: n, DatapointsToAlarm: m, Threshold: 70,
		ComparisonOperator: GreaterThanThreshold, AlarmActions: actions}
}

// stateAt runs the sim to each minute and records the alarm's state there.
func statesByMinute(s *sim.Sim, a *Alarm, minutes int) []StateValue {
	var out []StateValue
	for k := 1; k <= minutes; k++ {
		s.RunUntil(sim.Time(k) * sim.Time(time.Minute))
		out = append(out, a.State())
	}
	return out
}

const (
	I = StateInsufficientData
	O = StateOK
	A = StateAlarm
)

// TestAlarmFirstEvaluation: an alarm starts in INSUFFICIENT_DATA; with no
// data it stays there without a transition; good data moves it to OK at the
// first evaluation; breaching data moves it to ALARM only once M points are
// in (the premature-alarm rule keeps it in INSUFFICIENT_DATA before).
func TestAlarmFirstEvaluation(t *testing.T) {
	for _, tc := range []struct {
		name  string
		value float64
		want  []StateValue
	}{
		{"no data", math.NaN(), []StateValue{I, I, I, I}},
		{"good", 10, []StateValue{O, O, O, O}},
		{"breaching", 90, []StateValue{I, I, A, A}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, cw := newTestCW(t, noDelay)
			publishEachMinute(s, cw, "AWS/EC2", "CPUUtilization", cpuDims, func(int) float64 { return tc.value })
			a, err := cw.PutMetricAlarm(cpuAlarm("cpu-high", 3, 3))
			require.NoError(t, err)
			assert.Equal(t, I, a.State())
			assert.Equal(t, "Unchecked: Initial alarm creation", a.StateReason())
			assert.Equal(t, tc.want, statesByMinute(s, a, 4))
			updates := 0
			for _, h := range a.History() {
				if h.Type == "StateUpdate" {
					updates++
				}
			}
			assert.Equal(t, map[bool]int{true: 0, false: 1}[tc.want[3] == I], updates)
		})
	}
}

// TestAlarmPublicationDelay: with the default 30 s delay the minute just
// published is not yet visible at the evaluation on the next whole minute,
// so the alarm fires one minute later than with no delay.
func TestAlarmPublicationDelay(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want []StateValue
	}{
		{noDelay, []StateValue{O, O, O, O, A, A, A}},
		{Config{}, []StateValue{I, O, O, O, O, A, A}},
	} {
		s, cw := newTestCW(t, tc.cfg)
		// Load steps up at minute 2: minutes 2, 3, 4 breach.
		publishEachMinute(s, cw, "AWS/EC2", "CPUUtilization", cpuDims, func(k int) float64 { return map[bool]float64{true: 90, false: 20}[k >= 2] })
		a, err := cw.PutMetricAlarm(cpuAlarm("cpu-high", 3, 3))
		require.NoError(t, err)
		assert.Equal(t, tc.want, statesByMinute(s, a, 7), "delay %v", cw.Config().PublicationDelay)
	}
}

// TestAlarmActions checks actions: funcs and topics run once per
// transition; a ScalingPolicy is re-invoked every minute while the alarm
// stays in ALARM; state reasons name the datapoints; history is kept.
func TestAlarmActions(t *testing.T) {
	s, cw := newTestCW(t, noDelay)
	// Breach from minute 3 to 7, then recover.
	publishEachMinute(s, cw, "AWS/EC2", "CPUUtilization", cpuDims, func(k int) float64 {
		if k >= 3 && k <= 7 {
			return 80 + float64(k)
		}
		return 30
	})
	pol := &policy{}
	topic := NewTopic("ops")
	var got []Notification
	topic.Subscribe(func(n Notification) { got = append(got, n) })
	var funcs []string
	fn := ActionFunc(func(a *Alarm, c StateChange) { funcs = append(funcs, fmt.Sprintf("%s->%s", c.OldState, c.NewState)) })
	cfg := cpuAlarm("cpu-high", 2, 2, pol, topic, fn)
	cfg.OKActions = []AlarmAction{topic, fn}
	a, err := cw.PutMetricAlarm(cfg)
	require.NoError(t, err)
	s.RunUntil(sim.Time(12 * time.Minute))

	// ALARM at minute 5 (minutes 3, 4 breach), OK at minute 9 (minute 8 good).
	assert.Equal(t, []string{"INSUFFICIENT_DATA->OK", "OK->ALARM", "ALARM->OK"}, funcs)
	require.Len(t, got, 3)
	assert.Equal(t, `ALARM: "cpu-high"`, got[1].Subject)
	assert.Equal(t, sim.Time(5*time.Minute), got[1].StateChangeTime)
	require.Len(t, pol.calls, 4, "entry at 5, repeats at 6, 7, 8")
	for i, c := range pol.calls {
		assert.Equal(t, sim.Time(5+i)*sim.Time(time.Minute), c.Time)
		assert.Equal(t, i > 0, c.Repeat)
		assert.Equal(t, 70.0, c.Threshold)
	}
	assert.Equal(t, 84.0, pol.calls[0].Value, "newest datapoint: minute 4")
	assert.Equal(t, 87.0, pol.calls[3].Value)
	assert.Equal(t, "Threshold Crossed: 2 out of the last 2 datapoints [84 (01/01/26 00:04:00), 83 (01/01/26 00:03:00)] "+
		"were greater than the threshold (70) (minimum 2 datapoints for OK -> ALARM transition).", got[1].NewStateReason)
	assert.Equal(t, O, a.State())
	assert.Equal(t, sim.Time(9*time.Minute), a.StateUpdated())
	var kinds []string
	for _, h := range a.History() {
		kinds = append(kinds, h.Type)
	}
	assert.Equal(t, []string{"ConfigurationUpdate", "StateUpdate", "Action", "Action", "StateUpdate", "Action", "Action", "Action",
		"StateUpdate", "Action", "Action"}, kinds)
}

// TestAlarmTreatMissingDataLive runs the table's "- - X - -" row (3 of 3)
// through the store: one breaching minute, nothing before or after.
func TestAlarmTreatMissingDataLive(t *testing.T) {
	for _, tc := range []struct {
		treat TreatMissingData
		want  []StateValue // at minutes 6, 7, 8
	}{
		{TreatMissing, []StateValue{I, I, A}},   // "- - - - X" and "- - - X -" wait; "- - X - -" alarms
		{TreatIgnore, []StateValue{I, I, I}},    // keeps the current state
		{TreatBreaching, []StateValue{A, A, A}}, // filled with breaching points
		{TreatNotBreaching, []StateValue{O, O, O}},
	} {
		s, cw := newTestCW(t, noDelay)
		publishEachMinute(s, cw, "AWS/EC2", "CPUUtilization", cpuDims, func(k int) float64 {
			return map[bool]float64{true: 95, false: math.NaN()}[k == 5]
		})
		cfg := cpuAlarm("cpu", 3, 3)
		cfg.TreatMissingData = tc.treat
		a, err := cw.PutMetricAlarm(cfg)
		require.NoError(t, err)
		assert.Equal(t, tc.want, statesByMinute(s, a, 8)[5:], tc.treat)
	}
}

func TestAlarmValidation(t *testing.T) {
	_, cw := newTestCW(t, noDelay)
	base := cpuAlarm("x", 3, 3)
	cases := map[string]func(*AlarmConfig){
		"DatapointsToAlarm 4 must be between 1 and EvaluationPeriods 3": func(c *AlarmConfig) { c.DatapointsToAlarm = 4 },
		"EvaluationPeriods": func(c *AlarmConfig) { c.EvaluationPeriods = 0 },
		"Period 45":         func(c *AlarmConfig) { c.Period = 45 },
		"1 day":             func(c *AlarmConfig) { c.Period, c.EvaluationPeriods, c.DatapointsToAlarm = 3600, 25, 1 },
		"EvaluationPeriods 4611686018427387904 × Period 60 s > 1 day": func(c *AlarmConfig) { c.EvaluationPeriods, c.DatapointsToAlarm = 1<<62, 1 },
		"ComparisonOperator":       func(c *AlarmConfig) { c.ComparisonOperator = "Bigger" },
		"needs ThresholdMetricID":  func(c *AlarmConfig) { c.ComparisonOperator = LessThanLowerOrGreaterThanUpperThreshold },
		"TreatMissingData":         func(c *AlarmConfig) { c.TreatMissingData = "zero" },
		"exactly one of Statistic": func(c *AlarmConfig) { c.ExtendedStatistic = "p99" },
		"not a valid Statistic":    func(c *AlarmConfig) { c.Statistic = "p99" },
		"Threshold":                func(c *AlarmConfig) { c.Threshold = math.Inf(1) },
		"AlarmName":                func(c *AlarmConfig) { c.AlarmName = "" },
		"nil action":               func(c *AlarmConfig) { c.OKActions = []AlarmAction{nil} },
		"Metrics or the single-metric": func(c *AlarmConfig) {
			c.Metrics = []MetricDataQuery{{ID: "m1", MetricStat: &MetricStat{Metric: Metric{"A", "B", nil}, Period: 60, Stat: Sum}}}
		},
	}
	for want, mod := range cases {
		c := base
		mod(&c)
		_, err := cw.PutMetricAlarm(c)
		require.Error(t, err, want)
		assert.ErrorIs(t, err, ErrInvalidParameter, want)
		assert.Contains(t, err.Error(), want)
	}
	_, ok := cw.Alarm("x")
	assert.False(t, ok)
}

// TestMetricMathAlarm alarms on an error rate computed from two metrics.
func TestMetricMathAlarm(t *testing.T) {
	s, cw := newTestCW(t, noDelay)
	lb := []Dimension{{"LoadBalancer", "app/web/1"}}
	s.Every(sim.Time(time.Minute), time.Minute, func(now sim.Time) {
		k := int(now/sim.Time(time.Minute)) - 1
		errs := 1.0
		if k >= 4 {
			errs = 20
		}
		ts := now - sim.Time(time.Minute)
		cw.Publish("AWS/ApplicationELB", MetricDatum{MetricName: "RequestCount", Dimensions: lb, Timestamp: ts, Value: 200})
		cw.Publish("AWS/ApplicationELB", MetricDatum{MetricName: "HTTPCode_Target_5XX_Count", Dimensions: lb, Timestamp: ts, Value: errs})
	})
	ms := func(id, name string) MetricDataQuery {
		return MetricDataQuery{ID: id, Hidden: true, MetricStat: &MetricStat{Metric: Metric{"AWS/ApplicationELB", name, lb}, Period: 60, Stat: Sum}}
	}
	a, err := cw.PutMetricAlarm(AlarmConfig{AlarmName: "5xx-rate", EvaluationPeriods: 2, Threshold: 5, ComparisonOperator: GreaterThanOrEqualToThreshold,
		Metrics: []MetricDataQuery{ms("errors", "HTTPCode_Target_5XX_Count"), ms("requests", "RequestCount"),
			{ID: "rate", Expression: "100 * errors / requests", Label: "5XX %"}}})
	require.NoError(t, err)
	assert.Equal(t, []StateValue{O, O, O, O, O, A, A}, statesByMinute(s, a, 7))

	_, err = cw.PutMetricAlarm(AlarmConfig{AlarmName: "bad", EvaluationPeriods: 1, Threshold: 5, ComparisonOperator: GreaterThanThreshold,
		Metrics: []MetricDataQuery{ms("errors", "HTTPCode_Target_5XX_Count"), {ID: "rate", Expression: "100 * errors / requests"}}})
	assert.ErrorIs(t, err, ErrInvalidParameter)
	assert.Contains(t, err.Error(), `unknown Id "requests"`)
}

// TestCompositeAlarm checks rules over other alarms' states and that
// composite alarms follow their children.
func TestCompositeAlarm(t *testing.T) {
	s, cw := newTestCW(t, noDelay)
	cpu := 20.0
	publishEachMinute(s, cw, "AWS/EC2", "CPUUtilization", cpuDims, func(int) float64 { return cpu })
	high, err := cw.PutMetricAlarm(cpuAlarm("cpu-high", 1, 1))
	require.NoError(t, err)
	low := cpuAlarm("cpu-low", 1, 1)
	low.ComparisonOperator, low.Threshold = LessThanThreshold, 10
	_, err = cw.PutMetricAlarm(low)
	require.NoError(t, err)
	topic := NewTopic("pager")
	comp, err := cw.PutCompositeAlarm(CompositeAlarmConfig{AlarmName: "page",
		AlarmRule: `ALARM("cpu-high") AND NOT ALARM(cpu-low)`, AlarmActions: []AlarmAction{topic}})
	require.NoError(t, err)
	assert.Equal(t, O, comp.State(), "evaluated at creation")
	either, err := cw.PutCompositeAlarm(CompositeAlarmConfig{AlarmName: "any-data-missing",
		AlarmRule: `INSUFFICIENT_DATA(cpu-high) OR INSUFFICIENT_DATA("cpu-low")`})
	require.NoError(t, err)
	assert.Equal(t, A, either.State())
	s.RunUntil(sim.Time(2 * time.Minute))
	assert.Equal(t, O, either.State())
	assert.Equal(t, O, comp.State())
	cpu = 95
	s.RunUntil(sim.Time(4 * time.Minute))
	assert.Equal(t, A, high.State())
	assert.Equal(t, A, comp.State())
	assert.Equal(t, 1, topic.Published())
	assert.Contains(t, comp.StateReason(), "cpu-high")

	for rule, want := range map[string]string{
		`ALARM(nope)`:                  "does not exist",
		`ALARM("cpu-high") AND`:        "unexpected end",
		`ALARM("cpu-high" OR TRUE`:     "want )",
		`MAYBE(cpu-high)`:              "unexpected",
		`ALARM(page)`:                  "cycle",
		`ALARM(cpu-high) OK(cpu-low)`:  "unexpected",
		``:                             "length",
		`((((TRUE)))) AND NOT (FALSE)`: "",
	} {
		_, err := cw.PutCompositeAlarm(CompositeAlarmConfig{AlarmName: "page", AlarmRule: rule, AlarmActions: []AlarmAction{topic}})
		if want == "" {
			assert.NoError(t, err, rule)
			continue
		}
		assert.ErrorIs(t, err, ErrInvalidParameter, rule)
		assert.Contains(t, err.Error(), want, rule)
	}
	_, err = cw.PutCompositeAlarm(CompositeAlarmConfig{AlarmName: "scale", AlarmRule: "TRUE", AlarmActions: []AlarmAction{&policy{}}})
	assert.ErrorContains(t, err, "cannot invoke scaling policies")
	assert.ErrorIs(t, cw.DeleteAlarms("cpu-low"), ErrInvalidParameter, "named by any-data-missing")
	require.NoError(t, cw.DeleteAlarms("any-data-missing", "cpu-low"))
	assert.ErrorIs(t, cw.DeleteAlarms("cpu-low"), ErrNotFound)
	var names []string
	for _, a := range cw.DescribeAlarms() {
		names = append(names, a.Name())
	}
	assert.Equal(t, []string{"cpu-high", "page"}, names)
}

// TestSetAlarmState forces a state until the next evaluation.
func TestSetAlarmState(t *testing.T) {
	s, cw := newTestCW(t, noDelay)
	publishEachMinute(s, cw, "AWS/EC2", "CPUUtilization", cpuDims, func(int) float64 { return 20 })
	a, err := cw.PutMetricAlarm(cpuAlarm("cpu-high", 1, 1))
	require.NoError(t, err)
	s.RunUntil(sim.Time(90 * time.Second))
	require.NoError(t, cw.SetAlarmState("cpu-high", A, "testing"))
	assert.Equal(t, A, a.State())
	s.RunUntil(sim.Time(2 * time.Minute))
	assert.Equal(t, O, a.State())
	assert.ErrorIs(t, cw.SetAlarmState("nope", A, ""), ErrNotFound)
}
