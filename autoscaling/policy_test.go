package autoscaling

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nimbus-sim/nimbus/cloudwatch"
	"github.com/nimbus-sim/nimbus/sim"
	"github.com/nimbus-sim/nimbus/workload"
)

// scaleTimes returns when the desired capacity changed and to what, from
// the trace of policy-caused launch/terminate activities.
type change struct {
	at sim.Time
	to int
}

func watchDesired(w *world, g *Group, every time.Duration, bounds func(int)) *[]change {
	var out []change
	last := g.DesiredCapacity()
	w.s.Every(w.s.Now(), every, func(now sim.Time) {
		d := g.DesiredCapacity()
		bounds(d)
		if d != last {
			out = append(out, change{now, d})
			last = d
		}
	})
	return &out
}

// TestTargetTrackingCPUTiming: 2 × c7g.large (2 vCPUs), 50 ms of CPU per
// request. 24 req/s is 30% CPU; at minute 20 the load steps to 76 req/s
// (95%). The high alarm needs 3 breaching one-minute datapoints (minutes
// 20, 21, 22); the minute-22 datapoint is published at 23:00 and visible
// 30 s later, so the alarm enters ALARM at the 24:00 evaluation: scale-out
// happens 4 min after the step — not before 3 min + the delay. The new
// capacity is ceil(95 × 2 / 50) = 4, at 47.5%: inside (45, 50), so neither
// alarm fires again. At minute 60 the load drops back to 24 req/s (15% on
// 4): the low alarm needs 15 datapoints below 45, so
// scale-in comes at about minute 76, to ceil(15 × 4 / 50) = 2.
func TestTargetTrackingCPUTiming(t *testing.T) {
	w := newWorld(t, 7)
	w.withALB(t)
	g := w.group(t, GroupConfig{MinSize: 2, MaxSize: 10, DesiredCapacity: Int(2), TargetGroups: []TargetGroup{w.tg},
		DefaultInstanceWarmup: Duration(2 * time.Minute)})
	p, err := g.PutScalingPolicy(PolicyConfig{PolicyName: "cpu50", PolicyType: TargetTrackingScaling,
		TargetTrackingConfiguration: &TargetTrackingConfiguration{TargetValue: 50,
			PredefinedMetricSpecification: &PredefinedMetricSpecification{PredefinedMetricType: ASGAverageCPUUtilization}}})
	require.NoError(t, err)
	high, low := p.Alarms()
	require.NotNil(t, high)
	require.NotNil(t, low)
	assert.True(t, strings.HasPrefix(high.Name(), "TargetTracking-web-AlarmHigh-"))
	assert.Equal(t, 3, high.Config().EvaluationPeriods)
	assert.Equal(t, 15, low.Config().DatapointsToAlarm)
	assert.InDelta(t, 45, low.Threshold(), 1e-9)

	w.load(t, workload.Piecewise{{At: 0, PerSecond: 24}, {At: at(20 * minute), PerSecond: 24}, {At: at(20 * minute), PerSecond: 76},
		{At: at(60 * minute), PerSecond: 76}, {At: at(60 * minute), PerSecond: 24}}, 50*time.Millisecond)
	changes := watchDesired(w, g, time.Second, func(d int) {
		if d < 2 || d > 10 {
			t.Errorf("desired %d outside [2, 10]", d)
		}
	})
	w.s.RunUntil(at(90 * minute))
	cs := *changes
	require.GreaterOrEqual(t, len(cs), 2, "%v", cs)
	out := cs[0]
	assert.Equal(t, 4, out.to, "ceil(95%% × 2 / 50%%)")
	assert.GreaterOrEqual(t, out.at, at(23*minute+30*time.Second), "not before 3 datapoints + publication delay")
	assert.LessOrEqual(t, out.at, at(25*minute))
	require.Len(t, cs, 2, "one scale-out, one scale-in: %v", cs)
	in := cs[len(cs)-1]
	assert.Equal(t, 2, in.to)
	assert.GreaterOrEqual(t, in.at, at(75*minute), "15 datapoints below the low threshold")
	assert.LessOrEqual(t, in.at, at(78*minute))
}

func TestTargetTrackingNeverExceedsMax(t *testing.T) {
	w := newWorld(t, 8)
	w.withALB(t)
	g := w.group(t, GroupConfig{MinSize: 1, MaxSize: 3, DesiredCapacity: Int(1), TargetGroups: []TargetGroup{w.tg}})
	_, err := g.PutScalingPolicy(PolicyConfig{PolicyName: "rps", PolicyType: TargetTrackingScaling,
		TargetTrackingConfiguration: &TargetTrackingConfiguration{TargetValue: 600,
			PredefinedMetricSpecification: &PredefinedMetricSpecification{PredefinedMetricType: ALBRequestCountPerTarget,
				ResourceLabel: w.lb.Dimension() + "/" + w.tg.Dimension()}}})
	require.NoError(t, err)
	w.load(t, workload.ConstantRate(100), time.Millisecond) // 6,000 req/min: would want 10 targets
	watchDesired(w, g, time.Second, func(d int) {
		if d < 1 || d > 3 {
			t.Errorf("desired %d outside [1, 3]", d)
		}
	})
	w.s.RunUntil(at(20 * minute))
	assert.Equal(t, 3, g.DesiredCapacity())
	assert.Equal(t, 3, g.InService())
}

func TestTargetTrackingValidation(t *testing.T) {
	w := newWorld(t, 1)
	g := w.group(t, GroupConfig{MinSize: 1, MaxSize: 3})
	cpu := &PredefinedMetricSpecification{PredefinedMetricType: ASGAverageCPUUtilization}
	_, err := g.PutScalingPolicy(PolicyConfig{PolicyName: "a", PolicyType: TargetTrackingScaling,
		TargetTrackingConfiguration: &TargetTrackingConfiguration{TargetValue: 50, PredefinedMetricSpecification: cpu}})
	require.NoError(t, err)
	cases := []struct {
		name string
		cfg  PolicyConfig
		want string
	}{
		{"overlap", PolicyConfig{PolicyName: "b", PolicyType: TargetTrackingScaling,
			TargetTrackingConfiguration: &TargetTrackingConfiguration{TargetValue: 40, PredefinedMetricSpecification: cpu}}, `overlaps policy "a"`},
		{"target", PolicyConfig{PolicyName: "c", PolicyType: TargetTrackingScaling,
			TargetTrackingConfiguration: &TargetTrackingConfiguration{TargetValue: 0, PredefinedMetricSpecification: cpu}}, "TargetValue 0"},
		{"label", PolicyConfig{PolicyName: "d", PolicyType: TargetTrackingScaling,
			TargetTrackingConfiguration: &TargetTrackingConfiguration{TargetValue: 10,
				PredefinedMetricSpecification: &PredefinedMetricSpecification{PredefinedMetricType: ALBRequestCountPerTarget}}}, "ResourceLabel"},
		{"step overlap", PolicyConfig{PolicyName: "e", PolicyType: StepScaling, AdjustmentType: ChangeInCapacity,
			StepAdjustments: []StepAdjustment{{MetricIntervalLowerBound: Float(0), MetricIntervalUpperBound: Float(20), ScalingAdjustment: 1},
				{MetricIntervalLowerBound: Float(10), ScalingAdjustment: 2}}}, "steps overlap"},
		{"step gap", PolicyConfig{PolicyName: "f", PolicyType: StepScaling, AdjustmentType: ChangeInCapacity,
			StepAdjustments: []StepAdjustment{{MetricIntervalLowerBound: Float(0), MetricIntervalUpperBound: Float(10), ScalingAdjustment: 1},
				{MetricIntervalLowerBound: Float(20), ScalingAdjustment: 2}}}, "gap"},
		{"duplicate", PolicyConfig{PolicyName: "a", PolicyType: SimpleScaling, AdjustmentType: ChangeInCapacity}, "already exists"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := g.PutScalingPolicy(c.cfg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

// TestStepScalingAWSExample replays the worked example of the AWS user
// guide: threshold 50, capacity 10; steps +0% / +10% / +30% above and
// 0 / −10% / −30% below. 60 → 11, 70 → 14, 40 → 13, 30 → 10.
func TestStepScalingAWSExample(t *testing.T) {
	w := newWorld(t, 1)
	g := w.group(t, GroupConfig{MinSize: 1, MaxSize: 20, DesiredCapacity: Int(10), DefaultInstanceWarmup: Duration(0)})
	out, err := g.PutScalingPolicy(PolicyConfig{PolicyName: "out", PolicyType: StepScaling, AdjustmentType: PercentChangeInCapacity,
		StepAdjustments: []StepAdjustment{
			{MetricIntervalLowerBound: Float(0), MetricIntervalUpperBound: Float(10), ScalingAdjustment: 0},
			{MetricIntervalLowerBound: Float(10), MetricIntervalUpperBound: Float(20), ScalingAdjustment: 10},
			{MetricIntervalLowerBound: Float(20), ScalingAdjustment: 30}}})
	require.NoError(t, err)
	in, err := g.PutScalingPolicy(PolicyConfig{PolicyName: "in", PolicyType: StepScaling, AdjustmentType: PercentChangeInCapacity,
		StepAdjustments: []StepAdjustment{
			{MetricIntervalLowerBound: Float(-10), MetricIntervalUpperBound: Float(0), ScalingAdjustment: 0},
			{MetricIntervalLowerBound: Float(-20), MetricIntervalUpperBound: Float(-10), ScalingAdjustment: -10},
			{MetricIntervalUpperBound: Float(-20), ScalingAdjustment: -30}}})
	require.NoError(t, err)
	w.s.RunFor(time.Minute)
	for _, step := range []struct {
		p     *Policy
		value float64
		want  int
	}{{out, 55, 10}, {out, 60, 11}, {out, 70, 14}, {in, 45, 14}, {in, 40, 13}, {in, 30, 10}} {
		step.p.Execute(nil, cloudwatch.StateChange{NewState: cloudwatch.StateAlarm, Value: step.value, Threshold: 50})
		assert.Equal(t, step.want, g.DesiredCapacity(), "metric %g", step.value)
		w.s.RunFor(time.Minute) // launches finish; no warm-up
	}
	// NaN (no datapoint) does nothing.
	out.Execute(nil, cloudwatch.StateChange{NewState: cloudwatch.StateAlarm, Value: math.NaN(), Threshold: 50})
	assert.Equal(t, 10, g.DesiredCapacity())
}

// TestStepScalingWarmup: while instances warm, another breach in the same
// step adds nothing; a bigger step adds only the difference.
func TestStepScalingWarmup(t *testing.T) {
	w := newWorld(t, 1)
	g := w.group(t, GroupConfig{MinSize: 1, MaxSize: 20, DesiredCapacity: Int(4)})
	p, err := g.PutScalingPolicy(PolicyConfig{PolicyName: "out", PolicyType: StepScaling, AdjustmentType: ChangeInCapacity,
		EstimatedInstanceWarmup: Duration(5 * time.Minute),
		StepAdjustments: []StepAdjustment{
			{MetricIntervalLowerBound: Float(0), MetricIntervalUpperBound: Float(20), ScalingAdjustment: 1},
			{MetricIntervalLowerBound: Float(20), ScalingAdjustment: 3}}})
	require.NoError(t, err)
	w.s.RunFor(10 * time.Minute)
	fire := func(v float64) {
		p.Execute(nil, cloudwatch.StateChange{NewState: cloudwatch.StateAlarm, Value: v, Threshold: 50})
	}
	fire(60)
	assert.Equal(t, 5, g.DesiredCapacity())
	w.s.RunFor(time.Minute)
	fire(60)
	assert.Equal(t, 5, g.DesiredCapacity(), "same step while warming: one activity")
	fire(80)
	assert.Equal(t, 7, g.DesiredCapacity(), "bigger step: 4 warm + 3")
	w.s.RunFor(10 * time.Minute)
	fire(60)
	assert.Equal(t, 8, g.DesiredCapacity(), "after warm-up the step applies again")
}

func TestAdjusted(t *testing.T) {
	cases := []struct {
		typ               AdjustmentType
		adj, c, mag, want int
	}{
		{ChangeInCapacity, 5, 3, 0, 8},
		{ExactCapacity, 7, 3, 0, 7},
		{PercentChangeInCapacity, 10, 10, 0, 11},
		{PercentChangeInCapacity, 127, 10, 0, 22}, // 12.7 → 12
		{PercentChangeInCapacity, 10, 5, 0, 6},    // 0.5 → 1
		{PercentChangeInCapacity, -10, 5, 0, 4},   // −0.5 → −1
		{PercentChangeInCapacity, -667, 1, 0, -5}, // −6.67 → −6
		{PercentChangeInCapacity, 25, 4, 2, 6},    // 1 raised to MinAdjustmentMagnitude 2
	}
	for _, c := range cases {
		assert.Equal(t, c.want, adjusted(c.typ, c.adj, c.c, c.mag), "%+v", c)
	}
}

// TestSimpleScalingCooldown: a simple policy invoked every minute (as
// CloudWatch does while its alarm stays in ALARM) acts once, then waits for
// its launch to finish and for the 300 s cooldown.
func TestSimpleScalingCooldown(t *testing.T) {
	w := newWorld(t, 1)
	g := w.group(t, GroupConfig{MinSize: 1, MaxSize: 10, DesiredCapacity: Int(2)})
	p, err := g.PutScalingPolicy(PolicyConfig{PolicyName: "add1", AdjustmentType: ChangeInCapacity, ScalingAdjustment: 1})
	require.NoError(t, err)
	w.s.RunFor(time.Minute)
	var times []sim.Time
	last := g.DesiredCapacity()
	w.s.Every(w.s.Now(), time.Minute, func(now sim.Time) {
		p.Execute(nil, cloudwatch.StateChange{NewState: cloudwatch.StateAlarm, Value: 90, Threshold: 70, Repeat: len(times) > 0})
		if g.DesiredCapacity() != last {
			times = append(times, now)
			last = g.DesiredCapacity()
		}
	})
	w.s.RunFor(20 * time.Minute)
	require.GreaterOrEqual(t, len(times), 3)
	for i := 1; i < len(times); i++ {
		gap := times[i].Sub(times[i-1])
		// launch (pending 15–20 s) + 300 s cooldown, rounded up to the next invocation minute.
		assert.GreaterOrEqual(t, gap, 315*time.Second+15*time.Second, "gap %v", gap)
		assert.LessOrEqual(t, gap, 7*time.Minute, "gap %v", gap)
	}
	assert.Equal(t, 2+len(times), g.DesiredCapacity())
}
