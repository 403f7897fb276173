package autoscaling

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nimbus-sim/nimbus/cloudwatch"
	"github.com/nimbus-sim/nimbus/ec2"
)

func TestWarmPool(t *testing.T) {
	w := newWorld(t, 1)
	g := w.group(t, GroupConfig{MinSize: 0, MaxSize: 6, DesiredCapacity: Int(1), MetricsCollection: true})
	require.ErrorIs(t, g.PutWarmPool(WarmPoolConfig{PoolState: PoolHibernated}), ErrInvalidConfig, "template lacks HibernationEnabled")
	require.NoError(t, g.PutWarmPool(WarmPoolConfig{ReuseOnScaleIn: true}))
	assert.Len(t, g.WarmPoolInstances(), 5, "MaxSize 6 − desired 1")
	w.s.RunFor(2 * time.Minute)
	for _, in := range g.WarmPoolInstances() {
		assert.Equal(t, WarmedStopped, in.LifecycleState())
		assert.Equal(t, ec2.StateStopped, in.EC2().State())
	}
	require.NoError(t, g.SetDesiredCapacity(3, false))
	assert.Len(t, w.ec.Instances(), 6, "the scale-out starts pool instances instead of launching")
	w.s.RunFor(time.Minute)
	assert.Equal(t, 3, g.InService())
	assert.Len(t, g.WarmPoolInstances(), 3, "6 − 3")
	require.NoError(t, g.SetDesiredCapacity(1, false))
	w.s.RunFor(time.Minute)
	assert.Equal(t, 1, g.InService())
	assert.Len(t, g.WarmPoolInstances(), 5, "ReuseOnScaleIn returns them to the pool")
	assert.Len(t, w.ec.Instances(), 6, "nothing terminated")
	g.DeleteWarmPool()
	w.s.RunFor(time.Minute)
	assert.Empty(t, g.WarmPoolInstances())
	assert.Len(t, g.Instances(), 1)
}

// TestSimpleScalingWithWarmPool: a simple policy's activity ends when its
// victim reaches the pool (ReuseOnScaleIn) or is terminated, and the pool
// launch that follows a scale-in (the pool target is MaxSize − desired) is
// not part of it; a warm start is. Regression: the victim sent to the pool
// or the pool refill kept the simple policies blocked for good, and
// SetDesiredCapacity(honorCooldown) failed with
// ErrScalingActivityInProgress.
func TestSimpleScalingWithWarmPool(t *testing.T) {
	cases := []struct {
		name  string
		reuse bool
		hook  bool // a 5-minute terminate hook: the pool refills before the victim leaves
	}{
		{"reused at once", true, false},
		{"reused behind a terminate hook", true, true},
		{"terminated behind a terminate hook", false, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t, 1)
			g := w.group(t, GroupConfig{MinSize: 0, MaxSize: 6, DesiredCapacity: Int(3)})
			require.NoError(t, g.PutWarmPool(WarmPoolConfig{ReuseOnScaleIn: c.reuse}))
			if c.hook {
				require.NoError(t, g.PutLifecycleHook(LifecycleHook{LifecycleHookName: "drain", LifecycleTransition: InstanceTerminating,
					HeartbeatTimeout: 5 * time.Minute, DefaultResult: Continue}))
			}
			in, err := g.PutScalingPolicy(PolicyConfig{PolicyName: "in1", AdjustmentType: ChangeInCapacity, ScalingAdjustment: -1, Cooldown: Duration(0)})
			require.NoError(t, err)
			out, err := g.PutScalingPolicy(PolicyConfig{PolicyName: "out1", AdjustmentType: ChangeInCapacity, ScalingAdjustment: 1, Cooldown: Duration(0)})
			require.NoError(t, err)
			fire := func(p *Policy, v float64) {
				p.Execute(nil, cloudwatch.StateChange{NewState: cloudwatch.StateAlarm, Value: v, Threshold: 50})
			}
			w.s.RunFor(5 * time.Minute)
			require.Equal(t, 3, g.InService())
			require.Len(t, g.WarmPoolInstances(), 3, "6 − 3")

			fire(in, 10)
			require.Equal(t, 2, g.DesiredCapacity())
			if c.hook {
				fire(in, 10)
				assert.Equal(t, 2, g.DesiredCapacity(), "the policy waits for its victim")
			}
			w.s.RunFor(10 * time.Minute) // past the 5-minute hook and the pool's stop
			assert.Len(t, g.WarmPoolInstances(), 4, "6 − 2")
			assert.Zero(t, g.simpleBusy)

			fire(out, 90)
			require.Equal(t, 3, g.DesiredCapacity(), "a warm start")
			fire(out, 90)
			assert.Equal(t, 3, g.DesiredCapacity(), "the policy waits for the warm start")
			w.s.RunFor(time.Minute)
			require.Equal(t, 3, g.InService())
			fire(out, 90)
			assert.Equal(t, 4, g.DesiredCapacity(), "then acts again")
			w.s.RunFor(time.Minute)
			assert.NoError(t, g.SetDesiredCapacity(3, true), "no activity or cooldown in the way")
		})
	}
}

// TestWarmPoolHealthReplacement: a warm start that replaces an unhealthy
// instance is a health replacement, which simple policies wait for; once
// that instance is scaled in to the pool (ReuseOnScaleIn) and started
// again, it is an ordinary scale-out. Regressions: the warm start was not
// marked, and the mark, once set, was never cleared.
func TestWarmPoolHealthReplacement(t *testing.T) {
	w := newWorld(t, 1)
	g := w.group(t, GroupConfig{MinSize: 0, MaxSize: 2, DesiredCapacity: Int(1)})
	p, err := g.PutScalingPolicy(PolicyConfig{PolicyName: "add1", AdjustmentType: ChangeInCapacity, ScalingAdjustment: 1, Cooldown: Duration(0)})
	require.NoError(t, err)
	w.s.RunFor(time.Minute)
	require.NoError(t, g.PutWarmPool(WarmPoolConfig{ReuseOnScaleIn: true}))
	w.s.RunFor(2 * time.Minute)
	pool := g.WarmPoolInstances()
	require.Len(t, pool, 1, "MaxSize 2 − desired 1")
	require.Equal(t, WarmedStopped, pool[0].LifecycleState())

	require.NoError(t, g.SetInstanceHealth(g.Instances()[0].ID(), false))
	require.Equal(t, Pending, pool[0].LifecycleState(), "the replacement is a warm start")
	assert.True(t, g.healing())
	p.Execute(nil, cloudwatch.StateChange{NewState: cloudwatch.StateAlarm, Value: 90, Threshold: 70})
	assert.Equal(t, 1, g.DesiredCapacity(), "the policy waits for the replacement")
	w.s.RunFor(time.Minute)
	require.Equal(t, InService, pool[0].LifecycleState())

	require.NoError(t, g.SetDesiredCapacity(0, false))
	w.s.RunFor(2 * time.Minute)
	require.Equal(t, WarmedStopped, pool[0].LifecycleState(), "reused")
	require.NoError(t, g.SetDesiredCapacity(1, false))
	require.Equal(t, Pending, pool[0].LifecycleState(), "started again, the oldest pool instance")
	assert.False(t, g.healing(), "a scale-out, not a health replacement")
}
