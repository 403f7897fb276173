package autoscaling

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nimbus-sim/nimbus/cloudwatch"
	"github.com/nimbus-sim/nimbus/sim"
)

// TestStepScalingAWSWarmupExample replays the warm-up example of the AWS
// step-scaling page (threshold 50, capacity 10, +10% for [10, 20), +30%
// from 20): 60 → 11; 62 while the new instance warms → still 11 (10% of
// the 10 warm instances is 1, already added); 70 while it warms → 13
// (30% of 10 is 3, of which 1 is already added).
func TestStepScalingAWSWarmupExample(t *testing.T) {
	w := newWorld(t, 1)
	g := w.group(t, GroupConfig{MinSize: 1, MaxSize: 20, DesiredCapacity: Int(10), DefaultInstanceWarmup: Duration(10 * time.Minute)})
	p, err := g.PutScalingPolicy(PolicyConfig{PolicyName: "out", PolicyType: StepScaling, AdjustmentType: PercentChangeInCapacity,
		StepAdjustments: []StepAdjustment{
			{MetricIntervalLowerBound: Float(0), MetricIntervalUpperBound: Float(10), ScalingAdjustment: 0},
			{MetricIntervalLowerBound: Float(10), MetricIntervalUpperBound: Float(20), ScalingAdjustment: 10},
			{MetricIntervalLowerBound: Float(20), ScalingAdjustment: 30}}})
	require.NoError(t, err)
	w.s.RunFor(15 * time.Minute) // the initial 10 finish warming
	for _, step := range []struct {
		value float64
		want  int
	}{{60, 11}, {62, 11}, {70, 13}} {
		p.Execute(nil, cloudwatch.StateChange{NewState: cloudwatch.StateAlarm, Value: step.value, Threshold: 50})
		assert.Equal(t, step.want, g.DesiredCapacity(), "metric %g", step.value)
		w.s.RunFor(time.Minute) // well inside the 10-minute warm-up
	}
}

// TestScaleInCountsTerminatingInstances: AWS counts terminating instances
// in the current capacity when scaling in (step scaling and target
// tracking pages, "instance warmup"), so an alarm that repeats every
// minute while the first victims are still terminating removes no more,
// and a deeper breach removes only the difference.
func TestScaleInCountsTerminatingInstances(t *testing.T) {
	steps := func(adj ...int) []StepAdjustment { // (−10, 0] and (−∞, −10]
		return []StepAdjustment{
			{MetricIntervalLowerBound: Float(-10), MetricIntervalUpperBound: Float(0), ScalingAdjustment: adj[0]},
			{MetricIntervalUpperBound: Float(-10), ScalingAdjustment: adj[1]}}
	}
	cases := []struct {
		name string
		pc   PolicyConfig
		// values fired one minute apart while the first victims drain, and
		// the desired capacity after each; then once more after draining.
		values []float64
		want   []int
		after  float64
		final  int
	}{
		// −1 from 10: 9; repeated: 9 + 1 terminating − 1 = 9.
		{"step ChangeInCapacity", PolicyConfig{PolicyType: StepScaling, AdjustmentType: ChangeInCapacity, StepAdjustments: steps(-1, -3)},
			[]float64{45, 45, 35}, []int{9, 9, 7}, 45, 6},
		// −30% of 10 = −3: 7; repeated: 30% of (7 + 3) again gives 7; −50%
		// of 10 = −5: 5, only 2 more.
		{"step PercentChangeInCapacity", PolicyConfig{PolicyType: StepScaling, AdjustmentType: PercentChangeInCapacity, StepAdjustments: steps(-30, -50)},
			[]float64{45, 45, 35}, []int{7, 7, 5}, 45, 4}, // −30% of 5 = −1.5 → −1
		// target 50, metric 20 on 10: ceil(4) = 4; repeated with 6
		// terminating: ceil(20 × (4 + 6) / 50) = 4; metric 10: 2.
		{"target tracking", PolicyConfig{PolicyType: TargetTrackingScaling, TargetTrackingConfiguration: &TargetTrackingConfiguration{
			TargetValue: 50, CustomizedMetricSpecification: &CustomizedMetricSpecification{Namespace: "Test", MetricName: "Unpublished"}}},
			[]float64{20, 20, 10}, []int{4, 4, 2}, 20, 1}, // ceil(20 × 2 / 50) = 1
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t, 7)
			g := w.group(t, GroupConfig{MinSize: 1, MaxSize: 20, DesiredCapacity: Int(10), DefaultInstanceWarmup: Duration(0)})
			// Victims wait 5 minutes in Terminating:Wait, as they would
			// draining behind a load balancer.
			require.NoError(t, g.PutLifecycleHook(LifecycleHook{LifecycleHookName: "drain", LifecycleTransition: InstanceTerminating,
				HeartbeatTimeout: 5 * time.Minute, DefaultResult: Continue}))
			c.pc.PolicyName = "in"
			p, err := g.PutScalingPolicy(c.pc)
			require.NoError(t, err)
			w.s.RunFor(10 * time.Minute) // in service and in the metrics
			require.Equal(t, 10, g.InService())
			_, low := p.Alarms()
			fire := func(v float64) {
				p.Execute(low, cloudwatch.StateChange{NewState: cloudwatch.StateAlarm, Value: v, Threshold: 50})
			}
			for i, v := range c.values {
				fire(v)
				assert.Equal(t, c.want[i], g.DesiredCapacity(), "firing %d (metric %g)", i, v)
				w.s.RunFor(time.Minute)
			}
			assert.Positive(t, g.terminating(), "the victims are still terminating")
			w.s.RunFor(10 * time.Minute)
			require.Zero(t, g.terminating())
			fire(c.after)
			assert.Equal(t, c.final, g.DesiredCapacity(), "once they are gone the policy scales in again")
		})
	}
}

// TestScaleInIgnoresReplacementVictims: only instances terminating because
// desired capacity fell count toward the current capacity when scaling in.
// A health-check victim's replacement is already in desired, so counting
// the victim too blocked a −1 step while it drained (regression). Ten in
// service behind a 5-minute terminate hook; one leaves, and −1 fires.
func TestScaleInIgnoresReplacementVictims(t *testing.T) {
	cases := []struct {
		name   string
		remove func(g *Group, id string) error
		// scale-in victims still terminating, and desired before and after
		// the −1 step.
		leaving, before, after int
	}{
		{"unhealthy", func(g *Group, id string) error { return g.SetInstanceHealth(id, false) }, 0, 10, 9},
		{"terminated without decrement", func(g *Group, id string) error { return g.TerminateInstanceInAutoScalingGroup(id, false) }, 0, 10, 9},
		// The decrement is the scale-in: 9 + 1 leaving − 1 = 9, nothing more.
		{"terminated with decrement", func(g *Group, id string) error { return g.TerminateInstanceInAutoScalingGroup(id, true) }, 1, 9, 9},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t, 7)
			g := w.group(t, GroupConfig{MinSize: 1, MaxSize: 20, DesiredCapacity: Int(10), DefaultInstanceWarmup: Duration(0)})
			require.NoError(t, g.PutLifecycleHook(LifecycleHook{LifecycleHookName: "drain", LifecycleTransition: InstanceTerminating,
				HeartbeatTimeout: 5 * time.Minute, DefaultResult: Continue}))
			p, err := g.PutScalingPolicy(PolicyConfig{PolicyName: "in", PolicyType: StepScaling, AdjustmentType: ChangeInCapacity,
				StepAdjustments: []StepAdjustment{{MetricIntervalUpperBound: Float(0), ScalingAdjustment: -1}}})
			require.NoError(t, err)
			w.s.RunFor(10 * time.Minute)
			require.Equal(t, 10, g.InService())
			victim := g.Instances()[0]
			require.NoError(t, c.remove(g, victim.ID()))
			w.s.RunFor(2 * time.Minute) // any replacement is in service; the victim still waits on the hook
			require.Equal(t, TerminatingWait, victim.LifecycleState())
			require.Equal(t, c.before, g.InService())
			require.Equal(t, c.leaving, g.terminating())
			_, low := p.Alarms()
			p.Execute(low, cloudwatch.StateChange{NewState: cloudwatch.StateAlarm, Value: 20, Threshold: 50})
			assert.Equal(t, c.after, g.DesiredCapacity())
		})
	}
}

// TestSimpleScalingWaitsForHealthReplacement: a simple policy waits for a
// health-check replacement to finish as for its own activity (AWS
// step-and-simple page: "wait for the scaling activity or health check
// replacement to complete and the cooldown period to expire").
func TestSimpleScalingWaitsForHealthReplacement(t *testing.T) {
	cases := []struct {
		name   string
		sicken func(g *Group, in *Instance) error
	}{
		{"SetInstanceHealth", func(g *Group, in *Instance) error { return g.SetInstanceHealth(in.ID(), false) }},
		{"terminated outside the group", func(_ *Group, in *Instance) error { return in.EC2().Terminate() }},
		{"stopped outside the group", func(_ *Group, in *Instance) error { return in.EC2().Stop() }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t, 2)
			g := w.group(t, GroupConfig{MinSize: 1, MaxSize: 10, DesiredCapacity: Int(2)})
			p, err := g.PutScalingPolicy(PolicyConfig{PolicyName: "add1", AdjustmentType: ChangeInCapacity, ScalingAdjustment: 1,
				Cooldown: Duration(0)})
			require.NoError(t, err)
			w.s.RunFor(time.Minute)
			require.Equal(t, 2, g.InService())
			require.NoError(t, c.sicken(g, g.Instances()[0]))
			require.True(t, g.healing(), "a replacement is pending")
			fire := func() {
				p.Execute(nil, cloudwatch.StateChange{NewState: cloudwatch.StateAlarm, Value: 90, Threshold: 70})
			}
			fire()
			assert.Equal(t, 2, g.DesiredCapacity(), "the policy waits for the replacement")
			w.s.RunFor(time.Minute) // pending → running takes 15–20 s
			require.False(t, g.healing())
			fire()
			assert.Equal(t, 3, g.DesiredCapacity(), "then acts")
		})
	}
}

// TestLifecycleHookAWSNumbers checks the hook numbers of the AWS lifecycle
// hook pages: HeartbeatTimeout defaults to 3,600 s within [30, 7,200] s,
// DefaultResult to ABANDON; a heartbeat restarts the timeout (a heartbeat
// at 30 minutes on a one-hour hook makes 90 minutes); and the wait never
// exceeds min(48 h, 100 × HeartbeatTimeout).
func TestLifecycleHookAWSNumbers(t *testing.T) {
	t.Run("defaults and range", func(t *testing.T) {
		w := newWorld(t, 3)
		g := w.group(t, GroupConfig{MinSize: 0, MaxSize: 1, DesiredCapacity: Int(0)})
		for _, c := range []struct {
			timeout, want time.Duration
			ok            bool
		}{
			{0, time.Hour, true},
			{29 * time.Second, 0, false},
			{30 * time.Second, 30 * time.Second, true},
			{7200 * time.Second, 7200 * time.Second, true},
			{7201 * time.Second, 0, false},
		} {
			err := g.PutLifecycleHook(LifecycleHook{LifecycleHookName: "h", LifecycleTransition: InstanceLaunching, HeartbeatTimeout: c.timeout})
			if !c.ok {
				require.ErrorIs(t, err, ErrInvalidConfig, "HeartbeatTimeout %v", c.timeout)
				continue
			}
			require.NoError(t, err, "HeartbeatTimeout %v", c.timeout)
			require.Len(t, g.hooks, 1)
			assert.Equal(t, c.want, g.hooks[0].HeartbeatTimeout)
			assert.Equal(t, Abandon, g.hooks[0].DefaultResult)
		}
	})
	cases := []struct {
		name       string
		timeout    time.Duration
		heartbeats func(w *world, g *Group, id string) // started when the wait starts
		wait       time.Duration
	}{
		{"default timeout", 0, func(*world, *Group, string) {}, time.Hour},
		{"heartbeat at 30 minutes", 0, func(w *world, g *Group, id string) {
			w.s.After(30*time.Minute, func() { require.NoError(t, g.RecordLifecycleActionHeartbeat("boot", id)) })
		}, 90 * time.Minute},
		{"global limit 100 × 30 s", 30 * time.Second, func(w *world, g *Group, id string) {
			w.s.Every(w.s.Now().Add(20*time.Second), 20*time.Second, func(sim.Time) { _ = g.RecordLifecycleActionHeartbeat("boot", id) })
		}, 50 * time.Minute},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t, 3)
			g := w.group(t, GroupConfig{MinSize: 0, MaxSize: 1, DesiredCapacity: Int(0)})
			var start sim.Time
			require.NoError(t, g.PutLifecycleHook(LifecycleHook{LifecycleHookName: "boot", LifecycleTransition: InstanceLaunching,
				HeartbeatTimeout: c.timeout, DefaultResult: Continue, Notify: func(a LifecycleAction) {
					start = w.s.Now()
					c.heartbeats(w, g, a.InstanceID)
				}}))
			require.NoError(t, g.SetDesiredCapacity(1, false))
			w.s.RunFor(3 * time.Hour)
			require.NotZero(t, start)
			require.Equal(t, 1, g.InService(), "CONTINUE puts it in service")
			assert.Equal(t, c.wait, g.Instances()[0].InServiceTime().Sub(start))
		})
	}
}
