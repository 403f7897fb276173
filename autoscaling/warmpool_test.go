package autoscaling

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
