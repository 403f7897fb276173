package autoscaling

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nimbus-sim/nimbus/ec2"
	"github.com/nimbus-sim/nimbus/sim"
)

// TestInstanceRefresh: 10 instances on version 1, refresh to version 2
// with MinHealthyPercentage 80: batches of 10 − 8 = 2, each waiting for the
// previous one to be InService and warm, never fewer than 8 InService.
func TestInstanceRefresh(t *testing.T) {
	w := newWorld(t, 1)
	g := w.group(t, GroupConfig{MinSize: 10, MaxSize: 10, DesiredCapacity: Int(10), DefaultInstanceWarmup: Duration(time.Minute),
		LaunchTemplate: &LaunchTemplateSpecification{Template: w.lt, Version: "$Latest"}})
	w.s.RunFor(2 * time.Minute)
	_, err := w.lt.CreateVersion(ec2.LaunchSpec{InstanceType: "c7g.large", DetailedMonitoring: true})
	require.NoError(t, err)
	low := 10
	w.s.Every(w.s.Now(), time.Second, func(sim.Time) { low = min(low, g.InService()) })
	r, err := g.StartInstanceRefresh(RefreshPreferences{MinHealthyPercentage: Int(80)})
	require.NoError(t, err)
	assert.Equal(t, 8, g.InService(), "first batch of two")
	_, err = g.StartInstanceRefresh(RefreshPreferences{})
	require.ErrorIs(t, err, ErrScalingActivityInProgress)
	w.s.RunFor(30 * time.Minute)
	assert.Equal(t, "Successful", r.Status)
	assert.Equal(t, 100, r.PercentageComplete)
	assert.Equal(t, 8, low, "80% of 10 stayed in service")
	for _, in := range g.Instances() {
		_, v := in.LaunchTemplate()
		assert.Equal(t, 2, v)
	}
	// Five batches, each ≥ 15 s pending + 60 s warm-up, seen by the 10 s check.
	assert.Less(t, r.EndTime.Sub(r.StartTime), 10*time.Minute)
	assert.GreaterOrEqual(t, r.EndTime.Sub(r.StartTime), 5*80*time.Second)
}

func TestMaxInstanceLifetime(t *testing.T) {
	w := newWorld(t, 1)
	g := w.group(t, GroupConfig{MinSize: 3, MaxSize: 3, DesiredCapacity: Int(3), MaxInstanceLifetime: 24 * time.Hour})
	w.s.RunFor(time.Minute)
	first := map[string]bool{}
	for _, in := range g.Instances() {
		first[in.ID()] = true
	}
	peak := 0
	w.s.Every(w.s.Now(), time.Second, func(sim.Time) { peak = max(peak, len(g.live())) })
	w.s.RunUntil(sim.Time(24*time.Hour - time.Minute))
	assert.Len(t, g.Instances(), 3)
	w.s.RunUntil(sim.Time(24*time.Hour + 10*time.Minute))
	for _, in := range g.Instances() {
		assert.False(t, first[in.ID()], "every instance replaced after 1 day")
	}
	assert.Equal(t, 3, g.InService())
	assert.Equal(t, 4, peak, "one at a time, launch before terminate")
}

func TestMixedInstances(t *testing.T) {
	w := newWorld(t, 1)
	g := w.group(t, GroupConfig{MinSize: 0, MaxSize: 20, DesiredCapacity: Int(10), CapacityRebalance: true,
		MixedInstancesPolicy: &MixedInstancesPolicy{LaunchTemplate: LaunchTemplateSpecification{Template: w.lt},
			Overrides: []string{"c7g.large", "c6i.large", "m7g.large"},
			InstancesDistribution: InstancesDistribution{OnDemandBaseCapacity: 2, OnDemandPercentageAboveBaseCapacity: Int(25),
				SpotAllocationStrategy: "lowest-price"}}})
	count := func() (od, spot int) {
		for _, in := range g.live() {
			if in.EC2().Market() == ec2.MarketSpot {
				spot++
			} else {
				od++
			}
		}
		return
	}
	od, spot := count()
	assert.Equal(t, 4, od, "base 2 + 25% of the 8 above it")
	assert.Equal(t, 6, spot)
	for _, in := range g.live() {
		if in.EC2().Market() == ec2.MarketOnDemand {
			assert.Equal(t, "c7g.large", in.EC2().Type().Name, "On-Demand uses the first override")
		}
	}
	w.s.RunFor(time.Minute)
	require.NoError(t, g.SetDesiredCapacity(6, false))
	od, spot = count()
	assert.Equal(t, 3, od, "Default applies the allocation strategy first: base 2 + 25%% of 4 → 3 On-Demand")
	assert.Equal(t, 3, spot)

	_, err := w.as.CreateAutoScalingGroup(GroupConfig{AutoScalingGroupName: "bad", MaxSize: 1, Subnets: w.sns,
		MixedInstancesPolicy: &MixedInstancesPolicy{LaunchTemplate: LaunchTemplateSpecification{Template: w.lt}, Overrides: []string{"nope.large"}}})
	require.ErrorIs(t, err, ec2.ErrUnknownInstanceType)
}
