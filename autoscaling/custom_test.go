package autoscaling

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nimbus-sim/nimbus/cloudwatch"
	"github.com/nimbus-sim/nimbus/ec2"
	"github.com/nimbus-sim/nimbus/sim"
)

// perInstance publishes load/InService each minute as a custom metric, the
// shape target tracking needs (inverse in capacity).
func perInstance(w *world, g *Group, name string, load func(sim.Time) float64) {
	sr := w.cw.Series("App", name, nil, cloudwatch.UnitCount)
	w.s.Every(sim.Time(time.Minute), time.Minute, func(now sim.Time) {
		if n := g.InService(); n > 0 {
			sr.Put(now-sim.Time(time.Minute), load(now-sim.Time(time.Minute))/float64(n))
		}
	})
}

func customTT(t *testing.T, g *Group, name string, target float64, disableIn bool) *Policy {
	p, err := g.PutScalingPolicy(PolicyConfig{PolicyName: name, PolicyType: TargetTrackingScaling,
		EstimatedInstanceWarmup: Duration(time.Minute),
		TargetTrackingConfiguration: &TargetTrackingConfiguration{TargetValue: target, DisableScaleIn: disableIn,
			CustomizedMetricSpecification: &CustomizedMetricSpecification{Namespace: "App", MetricName: name}}})
	require.NoError(t, err)
	return p
}

func loadA(t sim.Time) float64 {
	if t < sim.Time(30*time.Minute) {
		return 1000
	}
	return 200
}

// TestTargetTrackingScaleInNeedsAllPolicies: scale-in needs every
// scale-in-enabled target-tracking policy to agree; a DisableScaleIn policy
// has no low alarm and no say.
func TestTargetTrackingScaleInNeedsAllPolicies(t *testing.T) {
	w := newWorld(t, 1)
	g := w.group(t, GroupConfig{MinSize: 1, MaxSize: 20, DesiredCapacity: Int(10)})
	// a: 1,000 until minute 30, then 200. b: stays at 1,000 (100 per instance).
	perInstance(w, g, "a", loadA)
	perInstance(w, g, "b", func(sim.Time) float64 { return 1000 })
	pa := customTT(t, g, "a", 100, false)
	customTT(t, g, "b", 100, false)
	w.s.RunUntil(sim.Time(60 * time.Minute))
	_, low := pa.Alarms()
	assert.Equal(t, cloudwatch.StateAlarm, low.State(), "a wants to scale in")
	assert.Equal(t, 10, g.DesiredCapacity(), "b does not agree")

	w2 := newWorld(t, 1)
	g2 := w2.group(t, GroupConfig{MinSize: 1, MaxSize: 20, DesiredCapacity: Int(10)})
	perInstance(w2, g2, "a", loadA)
	perInstance(w2, g2, "b", func(t sim.Time) float64 { return 0.5 * loadA(t) })
	customTT(t, g2, "a", 100, false)
	customTT(t, g2, "b", 100, true) // DisableScaleIn: b (low too) has no say in scale-in
	w2.s.RunUntil(sim.Time(60 * time.Minute))
	assert.Equal(t, 2, g2.DesiredCapacity(), "ceil(20 per instance × 10 / 100)")
	_, lowB := g2.Policies()[1].Alarms()
	assert.Nil(t, lowB, "DisableScaleIn creates no low alarm")
}

// TestCapacityRebalance: a Spot instance that gets a rebalance
// recommendation is replaced before its interruption.
func TestCapacityRebalance(t *testing.T) {
	s := sim.New(sim.Config{Seed: 5})
	cw, err := cloudwatch.New(s, cloudwatch.Config{})
	require.NoError(t, err)
	ec, err := ec2.New(s, ec2.Config{Metrics: cw, Spot: ec2.SpotConfig{InterruptionsPerHour: 1}})
	require.NoError(t, err)
	as, err := New(s, Config{EC2: ec, CloudWatch: cw})
	require.NoError(t, err)
	w := &world{s: s, cw: cw, ec: ec, as: as, sns: newWorld(t, 1).sns}
	w.lt, err = as.CreateLaunchTemplate("web", ec2.LaunchSpec{InstanceType: "c7g.large", Market: ec2.MarketSpot})
	require.NoError(t, err)
	g := w.group(t, GroupConfig{MinSize: 4, MaxSize: 4, DesiredCapacity: Int(4), CapacityRebalance: true})
	var early, interrupted int
	ec.Subscribe(func(ev ec2.Event) {
		if ev.Kind == ec2.EventInterruptionWarning {
			interrupted++
		}
	})
	s.Every(0, time.Second, func(sim.Time) {
		for _, in := range g.live() {
			if in.replaces != nil && in.replaces.ec.State() == ec2.StateRunning {
				if _, noticed := in.replaces.ec.InterruptionNotice(); !noticed {
					early++
					return
				}
			}
		}
	})
	s.RunFor(6 * time.Hour)
	require.Greater(t, interrupted, 0, "the spot market interrupted someone")
	assert.Greater(t, early, 0, "replacements ran before the interruption notice")
	assert.Equal(t, 4, g.InService())
}

func TestTrackedMetrics(t *testing.T) {
	w := newWorld(t, 1)
	w.withALB(t)
	g := w.group(t, GroupConfig{MinSize: 1, MaxSize: 3})
	basic, err := w.as.CreateLaunchTemplate("basic", ec2.LaunchSpec{InstanceType: "c7g.large"})
	require.NoError(t, err)
	gb := w.group(t, GroupConfig{AutoScalingGroupName: "basic", MinSize: 1, MaxSize: 3, LaunchTemplate: &LaunchTemplateSpecification{Template: basic}})
	label := w.lb.Dimension() + "/" + w.tg.Dimension()
	for _, c := range []struct {
		g                 *Group
		typ               MetricType
		ns, name, stat    string
		period, dimsCount int
	}{
		{g, ASGAverageCPUUtilization, "AWS/EC2", "CPUUtilization", cloudwatch.Average, 60, 1},
		{g, ASGAverageNetworkIn, "AWS/EC2", "NetworkIn", cloudwatch.Average, 60, 1},
		{g, ASGAverageNetworkOut, "AWS/EC2", "NetworkOut", cloudwatch.Average, 60, 1},
		{g, ALBRequestCountPerTarget, "AWS/ApplicationELB", "RequestCountPerTarget", cloudwatch.Sum, 60, 2},
		{gb, ASGAverageCPUUtilization, "AWS/EC2", "CPUUtilization", cloudwatch.Average, 300, 1}, // basic monitoring: 5-minute data
	} {
		m, err := c.g.trackedMetric(&TargetTrackingConfiguration{TargetValue: 1,
			PredefinedMetricSpecification: &PredefinedMetricSpecification{PredefinedMetricType: c.typ, ResourceLabel: label}})
		require.NoError(t, err)
		assert.Equal(t, c.ns, m.Namespace, c.typ)
		assert.Equal(t, c.name, m.MetricName)
		assert.Equal(t, c.stat, m.Statistic)
		assert.Equal(t, c.period, m.Period)
		assert.Len(t, m.Dimensions, c.dimsCount)
	}
	m, err := g.trackedMetric(&TargetTrackingConfiguration{TargetValue: 1,
		PredefinedMetricSpecification: &PredefinedMetricSpecification{PredefinedMetricType: ALBRequestCountPerTarget, ResourceLabel: label}})
	require.NoError(t, err)
	assert.Equal(t, []cloudwatch.Dimension{{Name: "LoadBalancer", Value: w.lb.Dimension()}, {Name: "TargetGroup", Value: w.tg.Dimension()}}, m.Dimensions)
}
