package autoscaling

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nimbus-sim/nimbus/ec2"
	"github.com/nimbus-sim/nimbus/sim"
)

// oneAZ builds a group in a single AZ so that only the termination policy
// decides.
func oneAZ(t *testing.T, w *world, pols []TerminationPolicy) *Group {
	return w.group(t, GroupConfig{MinSize: 0, MaxSize: 10, DesiredCapacity: Int(1), Subnets: w.sns[:1], TerminationPolicies: pols})
}

func TestDefaultTerminationPolicy(t *testing.T) {
	t.Run("unbalanced AZs first", func(t *testing.T) {
		w := newWorld(t, 1)
		g := w.group(t, GroupConfig{MinSize: 0, MaxSize: 10, DesiredCapacity: Int(6)})
		w.s.RunFor(time.Minute)
		byAZ := map[string][]*Instance{}
		for _, in := range g.Instances() {
			byAZ[in.AZ()] = append(byAZ[in.AZ()], in)
		}
		require.NoError(t, g.TerminateInstanceInAutoScalingGroup(byAZ["us-east-1b"][0].ID(), true))
		require.NoError(t, g.TerminateInstanceInAutoScalingGroup(byAZ["us-east-1c"][0].ID(), true))
		w.s.RunFor(time.Minute)
		require.Equal(t, map[string]int{"us-east-1a": 2, "us-east-1b": 1, "us-east-1c": 1}, perAZ(g))
		require.NoError(t, g.SetDesiredCapacity(3, false))
		assert.Equal(t, map[string]int{"us-east-1a": 1, "us-east-1b": 1, "us-east-1c": 1}, perAZ(g), "the AZ with the most instances loses one")
	})
	t.Run("oldest launch template before billing hour", func(t *testing.T) {
		w := newWorld(t, 1)
		g := oneAZ(t, w, nil)
		w.s.RunFor(20 * time.Minute)
		_, err := w.lt.CreateVersion(ec2.LaunchSpec{InstanceType: "c7g.large"})
		require.NoError(t, err)
		require.NoError(t, g.SetLaunchTemplate(LaunchTemplateSpecification{Template: w.lt, Version: "$Latest"}))
		require.NoError(t, g.SetDesiredCapacity(2, false))
		v1 := g.Instances()[0]
		w.s.RunFor(25 * time.Minute) // v1 is 45 min old (15 to its hour), v2 25 min (35): billing would pick v1 too
		w.s.RunFor(20 * time.Minute) // now v1 65 min (55 to go), v2 45 min (15 to go): billing would pick v2
		require.NoError(t, g.SetDesiredCapacity(1, false))
		assert.Equal(t, Terminating, v1.LifecycleState(), "instances on the oldest version go first")
	})
	t.Run("closest to next instance hour", func(t *testing.T) {
		for _, c := range []struct {
			wait   time.Duration
			oldest bool
		}{{30 * time.Minute, true}, {50 * time.Minute, false}} {
			w := newWorld(t, 1)
			g := oneAZ(t, w, nil)
			w.s.RunFor(20 * time.Minute)
			require.NoError(t, g.SetDesiredCapacity(2, false))
			a, b := g.Instances()[0], g.Instances()[1]
			// After 30 min: a is 50 min into its hour (10 to go), b 30 (30 to go).
			// After 50 min: a is 70 min (50 to go), b 50 (10 to go).
			w.s.RunFor(c.wait)
			require.NoError(t, g.SetDesiredCapacity(1, false))
			want, other := b, a
			if c.oldest {
				want, other = a, b
			}
			assert.Equal(t, Terminating, want.LifecycleState(), "wait %v", c.wait)
			assert.Equal(t, InService, other.LifecycleState())
		}
	})
	t.Run("random among equals is seeded", func(t *testing.T) {
		pick := func(seed uint64) string {
			w := newWorld(t, seed)
			g := w.group(t, GroupConfig{MinSize: 0, MaxSize: 10, DesiredCapacity: Int(3), Subnets: w.sns[:1]})
			w.s.RunFor(time.Minute)
			require.NoError(t, g.SetDesiredCapacity(2, false))
			for i, in := range g.Instances() {
				if in.LifecycleState() == Terminating {
					return fmt.Sprint(i)
				}
			}
			return ""
		}
		assert.Equal(t, pick(3), pick(3))
		seen := map[string]bool{}
		for seed := range uint64(12) {
			seen[pick(seed)] = true
		}
		assert.Greater(t, len(seen), 1, "different seeds pick different instances")
	})
}

func TestNamedTerminationPolicies(t *testing.T) {
	for _, c := range []struct {
		pol  TerminationPolicy
		want int
	}{{OldestInstance, 0}, {NewestInstance, 2}} {
		w := newWorld(t, 1)
		g := oneAZ(t, w, []TerminationPolicy{c.pol})
		for n := 2; n <= 3; n++ {
			w.s.RunFor(7 * time.Minute)
			require.NoError(t, g.SetDesiredCapacity(n, false))
		}
		w.s.RunFor(time.Minute)
		ins := g.Instances()
		require.NoError(t, g.SetDesiredCapacity(2, false))
		assert.Equal(t, Terminating, ins[c.want].LifecycleState(), "%s", c.pol)
	}
	t.Run("custom and protection", func(t *testing.T) {
		w := newWorld(t, 1)
		var offered int
		g := w.group(t, GroupConfig{MinSize: 0, MaxSize: 10, DesiredCapacity: Int(3), Subnets: w.sns[:1],
			CustomTerminationPolicy: func(c []*Instance) []*Instance { offered = len(c); return c[len(c)-1:] }})
		w.s.RunFor(time.Minute)
		ins := g.Instances()
		require.NoError(t, g.SetInstanceProtection(true, ins[2].ID()))
		require.NoError(t, g.SetDesiredCapacity(2, false))
		assert.Equal(t, 2, offered, "protected instances are not candidates")
		assert.Equal(t, Terminating, ins[1].LifecycleState())
		assert.Equal(t, InService, ins[2].LifecycleState())
	})
}

// TestAZFailure: six instances over three AZs; us-east-1c fails at minute
// 5. Its instances fail their system status checks, are replaced after the
// 2-minute impaired grace in the other AZs, and after recovery the group
// rebalances to 2/2/2, launching before terminating and never running more
// than desired + 1 (10% of MaxSize 10, at least 1).
func TestAZFailure(t *testing.T) {
	w := newWorld(t, 11)
	g := w.group(t, GroupConfig{MinSize: 6, MaxSize: 10, DesiredCapacity: Int(6)})
	peak := 0
	w.s.Every(0, time.Second, func(sim.Time) { peak = max(peak, len(g.live())) })
	w.s.RunFor(5 * time.Minute)
	w.ec.FailAZ("us-east-1c")
	w.s.RunFor(4 * time.Minute)
	assert.Equal(t, map[string]int{"us-east-1a": 3, "us-east-1b": 3}, perAZ(g), "capacity replaced in the remaining AZs")
	w.s.RunFor(6 * time.Minute)
	assert.Equal(t, 6, g.InService())
	w.ec.RecoverAZ("us-east-1c")
	w.s.RunFor(20 * time.Minute)
	assert.Equal(t, map[string]int{"us-east-1a": 2, "us-east-1b": 2, "us-east-1c": 2}, perAZ(g), "rebalanced after recovery")
	assert.Equal(t, 6, g.InService())
	assert.LessOrEqual(t, peak, 7, "launch before terminate exceeds desired by one at most")
	var rebal int
	for _, a := range g.DescribeScalingActivities() {
		if bytes.Contains([]byte(a.Cause), []byte("rebalance")) {
			rebal++
		}
	}
	assert.GreaterOrEqual(t, rebal, 2)
}
