package autoscaling

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nimbus-sim/nimbus/ec2"
	"github.com/nimbus-sim/nimbus/elb"
	"github.com/nimbus-sim/nimbus/sim"
)

func TestLaunchRegisterInService(t *testing.T) {
	w := newWorld(t, 1)
	w.withALB(t)
	g := w.group(t, GroupConfig{MinSize: 1, MaxSize: 10, DesiredCapacity: Int(6), TargetGroups: []TargetGroup{w.tg},
		HealthCheckType: HealthCheckELB, HealthCheckGracePeriod: 300 * time.Second, MetricsCollection: true})
	require.Len(t, g.Instances(), 6, "desired capacity launches at once")
	assert.Equal(t, map[string]int{"us-east-1a": 2, "us-east-1b": 2, "us-east-1c": 2}, perAZ(g), "balanced across AZs")
	assert.Equal(t, 6, g.Count(Pending))
	w.s.RunFor(10 * time.Second) // pending lasts 15–20 s
	assert.Equal(t, 0, g.InService())
	w.s.RunFor(20 * time.Second)
	assert.Equal(t, 6, g.InService(), "InService once running and registered")
	for _, in := range g.Instances() {
		_, ok := w.tg.TargetHealth(in.ID())
		assert.True(t, ok, "registered before InService")
	}
	w.s.RunFor(3 * time.Minute)
	assert.Equal(t, 6, w.tg.HealthyCount(), "booted targets pass the ALB health check")
	acts := g.DescribeScalingActivities()
	require.Len(t, acts, 6)
	for _, a := range acts {
		assert.Equal(t, StatusSuccessful, a.StatusCode)
		assert.Contains(t, a.Description, "Launching a new EC2 instance: i-")
		assert.Contains(t, a.Cause, "changing the desired capacity from 0 to 6")
		assert.Greater(t, a.EndTime, a.StartTime)
	}
	dps, err := w.cw.GetMetricStatistics(groupStat("GroupInServiceInstances", w.s.Now()))
	require.NoError(t, err)
	require.NotEmpty(t, dps)
	assert.Equal(t, 6.0, dps[len(dps)-1].Maximum)
}

func TestSetDesiredCapacityAndScaleIn(t *testing.T) {
	w := newWorld(t, 2)
	w.withALB(t)
	g := w.group(t, GroupConfig{MinSize: 2, MaxSize: 6, DesiredCapacity: Int(6), TargetGroups: []TargetGroup{w.tg}})
	w.s.RunFor(time.Minute)
	require.Equal(t, 6, g.InService())
	require.ErrorIs(t, g.SetDesiredCapacity(7, false), ErrInvalidConfig)
	require.NoError(t, g.SetDesiredCapacity(3, false))
	assert.Equal(t, map[string]int{"us-east-1a": 1, "us-east-1b": 1, "us-east-1c": 1}, perAZ(g), "scale-in keeps AZs balanced")
	w.s.RunFor(30 * time.Second)
	assert.Len(t, g.Instances(), 3)
	n := 0
	for _, a := range g.DescribeScalingActivities() {
		if a.StatusCode == StatusSuccessful && a.Description[:11] == "Terminating" {
			n++
		}
	}
	assert.Equal(t, 3, n)
}

func TestInvalidGroups(t *testing.T) {
	w := newWorld(t, 1)
	tpl := &LaunchTemplateSpecification{Template: w.lt}
	cases := []struct {
		name string
		cfg  GroupConfig
		want string
	}{
		{"min>max", GroupConfig{MinSize: 5, MaxSize: 3}, "MinSize 5 > MaxSize 3"},
		{"desired above", GroupConfig{MinSize: 1, MaxSize: 3, DesiredCapacity: Int(4)}, "DesiredCapacity 4 outside [MinSize 1, MaxSize 3]"},
		{"desired below", GroupConfig{MinSize: 2, MaxSize: 3, DesiredCapacity: Int(1)}, "DesiredCapacity 1 outside"},
		{"no subnets", GroupConfig{MaxSize: 1, Subnets: []ec2.Subnet{}}, "no Subnets"},
		{"unknown version", GroupConfig{MaxSize: 1, LaunchTemplate: &LaunchTemplateSpecification{Template: w.lt, Version: "7"}}, `version "7"`},
		{"bad lifetime", GroupConfig{MaxSize: 1, MaxInstanceLifetime: time.Hour}, "MaxInstanceLifetime"},
		{"default not last", GroupConfig{MaxSize: 1, TerminationPolicies: []TerminationPolicy{TerminateDefault, OldestInstance}}, "Default must be last"},
		{"bad health type", GroupConfig{MaxSize: 1, HealthCheckType: "ELB2"}, "HealthCheckType"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.cfg.AutoScalingGroupName = "bad"
			if c.cfg.LaunchTemplate == nil {
				c.cfg.LaunchTemplate = tpl
			}
			if c.cfg.Subnets == nil {
				c.cfg.Subnets = w.sns
			}
			_, err := w.as.CreateAutoScalingGroup(c.cfg)
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrInvalidConfig) || errors.Is(err, ErrNotFound), err)
			assert.Contains(t, err.Error(), `group "bad"`)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

func TestLaunchTemplateVersions(t *testing.T) {
	w := newWorld(t, 1)
	v2, err := w.lt.CreateVersion(ec2.LaunchSpec{InstanceType: "c7g.xlarge", DetailedMonitoring: true})
	require.NoError(t, err)
	assert.Equal(t, 2, v2)
	g := w.group(t, GroupConfig{MinSize: 1, MaxSize: 4, DesiredCapacity: Int(1)})
	assert.Equal(t, "c7g.large", g.Instances()[0].EC2().Type().Name, "$Default is version 1")
	require.NoError(t, g.SetLaunchTemplate(LaunchTemplateSpecification{Template: w.lt, Version: "$Latest"}))
	require.NoError(t, g.SetDesiredCapacity(2, false))
	_, v := g.Instances()[1].LaunchTemplate()
	assert.Equal(t, 2, v)
	assert.Equal(t, "c7g.xlarge", g.Instances()[1].EC2().Type().Name)
	require.ErrorIs(t, g.SetLaunchTemplate(LaunchTemplateSpecification{Template: w.lt, Version: "3"}), ErrNotFound)
	_, err = w.lt.CreateVersion(ec2.LaunchSpec{InstanceType: "z9.huge"})
	require.ErrorIs(t, err, ec2.ErrUnknownInstanceType)
}

func TestHealthReplacement(t *testing.T) {
	t.Run("EC2 status check", func(t *testing.T) {
		w := newWorld(t, 3)
		g := w.group(t, GroupConfig{MinSize: 2, MaxSize: 4, DesiredCapacity: Int(2)})
		w.s.RunFor(time.Minute)
		victim := g.Instances()[0]
		victim.EC2().Fail()
		w.s.RunFor(time.Minute)
		assert.Equal(t, InService, victim.LifecycleState(), "impaired checks get ImpairedGrace (2 min)")
		w.s.RunFor(90 * time.Second)
		assert.NotEqual(t, InService, victim.LifecycleState())
		w.s.RunFor(time.Minute)
		assert.Equal(t, 2, g.InService(), "replaced")
		assert.Nil(t, g.find(victim.ID()))
	})
	t.Run("terminated outside the group", func(t *testing.T) {
		w := newWorld(t, 3)
		g := w.group(t, GroupConfig{MinSize: 2, MaxSize: 4, DesiredCapacity: Int(2)})
		w.s.RunFor(time.Minute)
		require.NoError(t, g.Instances()[0].EC2().Terminate())
		assert.Len(t, g.live(), 2, "replacement launched immediately")
		w.s.RunFor(time.Minute)
		assert.Equal(t, 2, g.InService())
	})
	t.Run("ELB health after grace", func(t *testing.T) {
		for _, typ := range []HealthCheckType{HealthCheckEC2, HealthCheckELB} {
			w := newWorld(t, 3)
			w.withALB(t)
			lt, sick := w.sickTemplate(t)
			g := w.group(t, GroupConfig{MinSize: 2, MaxSize: 4, DesiredCapacity: Int(2), TargetGroups: []TargetGroup{w.tg},
				LaunchTemplate: &LaunchTemplateSpecification{Template: lt}, HealthCheckType: typ, HealthCheckGracePeriod: 10 * time.Minute})
			w.s.RunFor(2 * time.Minute)
			first := g.Instances()[0].ID()
			*sick = true
			w.s.RunFor(5 * time.Minute)
			assert.Equal(t, InService, g.find(first).LifecycleState(), "%s: the grace period protects it", typ)
			h, _ := w.tg.TargetHealth(first)
			assert.Equal(t, elb.StateUnhealthy, h.State)
			w.s.RunFor(5 * time.Minute)
			*sick = false
			if typ == HealthCheckELB {
				assert.Nil(t, g.find(first), "replaced once the grace period ends")
			} else {
				assert.NotNil(t, g.find(first), "EC2 health checks ignore the load balancer")
			}
			assert.Len(t, g.live(), 2)
		}
	})
}

func TestLifecycleHooks(t *testing.T) {
	w := newWorld(t, 4)
	var got []LifecycleAction
	require.NoError(t, nil)
	g := w.group(t, GroupConfig{MinSize: 0, MaxSize: 4, DesiredCapacity: Int(0)})
	require.NoError(t, g.PutLifecycleHook(LifecycleHook{LifecycleHookName: "boot", LifecycleTransition: InstanceLaunching,
		HeartbeatTimeout: 10 * time.Minute, Notify: func(a LifecycleAction) { got = append(got, a) }}))
	require.ErrorIs(t, g.PutLifecycleHook(LifecycleHook{LifecycleHookName: "x", LifecycleTransition: InstanceLaunching, HeartbeatTimeout: time.Second}), ErrInvalidConfig)
	require.NoError(t, g.SetDesiredCapacity(2, false))
	w.s.RunFor(time.Minute)
	require.Len(t, got, 2)
	assert.Equal(t, 2, g.Count(PendingWait))
	require.NoError(t, g.CompleteLifecycleAction("boot", got[0].InstanceID, Continue))
	assert.Equal(t, 1, g.InService())
	w.s.RunFor(5 * time.Minute)
	require.NoError(t, g.RecordLifecycleActionHeartbeat("boot", got[1].InstanceID))
	w.s.RunFor(9 * time.Minute)
	assert.Equal(t, PendingWait, g.find(got[1].InstanceID).LifecycleState(), "heartbeat restarted the 10-minute timeout")
	w.s.RunFor(2 * time.Minute)
	assert.Nil(t, g.find(got[1].InstanceID), "default result ABANDON terminates it")
	assert.Len(t, got, 3, "and a replacement is launched, waiting on the hook")
}

func TestDeregisteredBeforeTerminate(t *testing.T) {
	w := newWorld(t, 5)
	w.withALB(t)
	g := w.group(t, GroupConfig{MinSize: 0, MaxSize: 2, DesiredCapacity: Int(1), TargetGroups: []TargetGroup{w.tg}})
	w.s.RunFor(3 * time.Minute)
	in := g.Instances()[0]
	done := sim.Time(0)
	w.s.Send(w.lb, &sim.Request{Work: 20 * time.Second}, func(*sim.Request, sim.Response) { done = w.s.Now() })
	w.s.RunFor(time.Second)
	require.NoError(t, g.SetDesiredCapacity(0, false))
	h, ok := w.tg.TargetHealth(in.ID())
	require.True(t, ok)
	assert.Equal(t, elb.StateDraining, h.State)
	assert.Equal(t, ec2.StateRunning, in.EC2().State(), "EC2 termination waits for draining")
	w.s.RunFor(time.Minute)
	assert.Equal(t, ec2.StateTerminated, in.EC2().State())
	require.NotZero(t, done, "the in-flight request finished")
	acts := g.DescribeScalingActivities()
	assert.GreaterOrEqual(t, acts[0].EndTime, done, "termination ended after draining")
}

// TestHealthReplacementBatches: when every target of a 20-instance group
// turns unhealthy, replacements go 10% of desired (2) at a time.
func TestHealthReplacementBatches(t *testing.T) {
	w := newWorld(t, 3)
	w.withALB(t)
	lt, sick := w.sickTemplate(t)
	g := w.group(t, GroupConfig{MinSize: 20, MaxSize: 20, DesiredCapacity: Int(20), TargetGroups: []TargetGroup{w.tg},
		LaunchTemplate: &LaunchTemplateSpecification{Template: lt}, HealthCheckType: HealthCheckELB, HealthCheckGracePeriod: time.Minute})
	w.s.RunFor(5 * time.Minute)
	peak := 0
	w.s.Every(w.s.Now(), time.Second, func(sim.Time) { peak = max(peak, g.Count(Pending)) })
	*sick = true
	w.s.RunFor(2 * time.Minute)
	*sick = false
	w.s.RunFor(10 * time.Minute)
	launches := 0
	for _, a := range g.DescribeScalingActivities() {
		if strings.HasPrefix(a.Description, "Launching") && strings.Contains(a.Cause, "health check failure") {
			launches++
		}
	}
	assert.Equal(t, 2, peak, "10% of desired at a time")
	assert.GreaterOrEqual(t, launches, 4, "several batches")
	assert.Equal(t, 20, len(g.live()))
}
