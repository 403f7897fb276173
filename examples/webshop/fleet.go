package main

import (
	"fmt"
	"math"
	"time"

	"github.com/nimbus-sim/nimbus/cloudwatch"
	"github.com/nimbus-sim/nimbus/ec2"
	"github.com/nimbus-sim/nimbus/elb"
	"github.com/nimbus-sim/nimbus/sim"
)

// fleet is the seam between the web tier and whatever keeps its instances:
// a fixed set, or a group that scales. The report reads it once a minute.
type fleet interface {
	// Desired is the capacity the fleet aims for, in instances.
	Desired() int
	// Launched is how many instances are pending or running.
	Launched() int
	// Activities lists what the fleet did (launches, terminations, scaling
	// decisions), in order.
	Activities() []activity
}

// activity is one scaling activity, as DescribeScalingActivities lists it.
type activity struct {
	At    sim.Time `json:"-"`
	Hour  float64  `json:"hour"`
	Cause string   `json:"cause"`
}

// group keeps instances behind a target group in private subnets spread
// over AZs. With scaling off it is a fixed fleet; with scaling on it behaves
// like an Auto Scaling group with a target-tracking policy on
// ALBRequestCountPerTarget: AWS creates two CloudWatch alarms for such a
// policy (AlarmHigh: 3 of 3 one-minute datapoints above the target;
// AlarmLow: 15 of 15 below 90% of it), and each alarm invocation sets the
// desired capacity to ceil(capacity × metric / target). The group also
// replaces instances that fail ELB health checks after the grace period,
// launching into the AZ with the fewest instances, as AZ rebalancing does.
//
// This is the example's own controller (a stand-in until the autoscaling
// package lands); its decisions follow the Auto Scaling user guide's
// description of target tracking, not AWS's internal algorithm.
type group struct {
	s         *sim.Sim
	ec2       *ec2.EC2
	tg        *elb.TargetGroup
	subnets   []ec2.Subnet
	spec      ec2.LaunchSpec
	respond   func(inst *ec2.Instance, req *sim.Request) sim.Response
	name      string
	min, max  int
	desired   int
	grace     time.Duration
	elbHealth bool
	cooldown  time.Duration // scale-in cooldown after a scale-out (instance warm-up)
	lastOut   sim.Time
	members   []*ec2.Instance
	acts      []activity
}

type groupConfig struct {
	Name         string
	Min, Max     int
	Desired      int
	Spec         ec2.LaunchSpec
	Subnets      []ec2.Subnet
	HealthGrace  time.Duration
	InstanceWarm time.Duration
	Replace      bool // health replacement (off for a fixed fleet)
	// ELBHealth adds the target group's health checks to the EC2 status
	// checks (HealthCheckType ELB instead of the default EC2).
	ELBHealth     bool
	TargetPerTask float64
	Scaling       bool
	CW            *cloudwatch.CloudWatch
	LBDimension   string
	// Respond answers the requests an instance serves.
	Respond func(inst *ec2.Instance, req *sim.Request) sim.Response
}

func newGroup(s *sim.Sim, e *ec2.EC2, tg *elb.TargetGroup, c groupConfig) (*group, error) {
	if c.Min < 0 || c.Max < c.Min || c.Desired < c.Min || c.Desired > c.Max {
		return nil, fmt.Errorf("group %q: need 0 ≤ MinSize %d ≤ DesiredCapacity %d ≤ MaxSize %d", c.Name, c.Min, c.Desired, c.Max)
	}
	g := &group{s: s, ec2: e, tg: tg, subnets: c.Subnets, spec: c.Spec, name: c.Name, min: c.Min, max: c.Max,
		desired: c.Desired, respond: c.Respond, elbHealth: c.ELBHealth, grace: c.HealthGrace, cooldown: c.InstanceWarm}
	g.note("CreateAutoScalingGroup: DesiredCapacity %d", c.Desired)
	if err := g.converge(); err != nil {
		return nil, err
	}
	s.Every(s.Now().Add(time.Minute), time.Minute, func(sim.Time) {
		if c.Replace {
			g.replaceUnhealthy()
		}
		// Launch errors (a full subnet) leave the group short, as AWS does;
		// the next tick retries.
		_ = g.converge()
		g.publish(c.CW)
	})
	if c.Scaling {
		if err := g.targetTracking(c.CW, c.LBDimension, c.TargetPerTask); err != nil {
			return nil, err
		}
	}
	return g, nil
}

func (g *group) Desired() int { return g.desired }

func (g *group) Launched() int { return len(g.members) }

func (g *group) Activities() []activity { return g.acts }

func (g *group) note(format string, args ...any) {
	now := g.s.Now()
	g.acts = append(g.acts, activity{At: now, Hour: now.Seconds() / 3600, Cause: fmt.Sprintf(format, args...)})
}

// converge launches or terminates instances until the group holds desired.
func (g *group) converge() error {
	for len(g.members) < g.desired {
		if err := g.launch(); err != nil {
			return err
		}
	}
	for len(g.members) > g.desired {
		g.terminate(g.scaleInVictim(), "scale in")
	}
	return nil
}

// launch starts an instance in the AZ holding the fewest members (ties: the
// subnet order) and registers it with the target group.
func (g *group) launch() error {
	count := make([]int, len(g.subnets))
	for _, m := range g.members {
		for i, sn := range g.subnets {
			if sn.AZ() == m.AZ() {
				count[i]++
			}
		}
	}
	best := 0
	for i := range count {
		if count[i] < count[best] {
			best = i
		}
	}
	spec := g.spec
	spec.Subnet = g.subnets[best]
	var inst *ec2.Instance
	if g.respond != nil {
		spec.Server.Respond = func(req *sim.Request) sim.Response { return g.respond(inst, req) }
	}
	inst, err := g.ec2.Launch(spec)
	if err != nil {
		return fmt.Errorf("group %q: launch: %w", g.name, err)
	}
	inst.AddMetricDimensions(cloudwatch.Dimension{Name: "AutoScalingGroupName", Value: g.name})
	if err := g.tg.Register(inst); err != nil {
		return fmt.Errorf("group %q: register: %w", g.name, err)
	}
	g.members = append(g.members, inst)
	g.note("Launching %s in %s", inst.ID(), inst.AZ())
	return nil
}

// scaleInVictim picks the newest instance in the AZ with the most members,
// like the default termination policy's AZ balance (then newest rather than
// oldest launch configuration, which this group does not have).
func (g *group) scaleInVictim() *ec2.Instance {
	per := map[string]int{}
	for _, m := range g.members {
		per[m.AZ()]++
	}
	var victim *ec2.Instance
	for i := len(g.members) - 1; i >= 0; i-- {
		m := g.members[i]
		if victim == nil || per[m.AZ()] > per[victim.AZ()] {
			victim = m
		}
	}
	return victim
}

func (g *group) terminate(inst *ec2.Instance, why string) {
	for i, m := range g.members {
		if m == inst {
			g.members = append(g.members[:i], g.members[i+1:]...)
			break
		}
	}
	g.note("Terminating %s in %s (%s)", inst.ID(), inst.AZ(), why)
	// Draining ends when the instance is empty or after the delay; then it
	// terminates. A target already gone from the group terminates at once.
	if err := g.tg.Deregister(inst.ID(), func() { _ = inst.Terminate() }); err != nil {
		_ = inst.Terminate()
	}
}

// replaceUnhealthy terminates members whose health check fails once their
// grace period is over; converge replaces them. The EC2 health check (the
// group default) looks at the instance's status checks; the ELB health check
// also at the target group's verdict, which an overloaded instance can fail.
func (g *group) replaceUnhealthy() {
	now := g.s.Now()
	var bad []*ec2.Instance
	var why []string
	for _, m := range g.members {
		if now.Sub(m.LaunchTime()) < g.grace || m.State() != ec2.StateRunning {
			continue
		}
		if !m.InstanceStatusOK() || !m.SystemStatusOK() {
			bad, why = append(bad, m), append(why, "EC2 status check failed")
			continue
		}
		if th, ok := g.tg.TargetHealth(m.ID()); g.elbHealth && ok && th.State == elb.StateUnhealthy {
			bad, why = append(bad, m), append(why, "ELB health check failed")
		}
	}
	for i, m := range bad {
		g.terminate(m, why[i])
	}
}

// publish writes the group metrics of the AWS/AutoScaling namespace.
func (g *group) publish(cw *cloudwatch.CloudWatch) {
	if cw == nil {
		return
	}
	now := g.s.Now()
	dims := []cloudwatch.Dimension{{Name: "AutoScalingGroupName", Value: g.name}}
	inService := 0
	for _, m := range g.members {
		if m.State() == ec2.StateRunning {
			inService++
		}
	}
	for _, d := range []struct {
		name string
		v    int
	}{{"GroupDesiredCapacity", g.desired}, {"GroupInServiceInstances", inService}, {"GroupTotalInstances", len(g.members)}} {
		cw.Publish("AWS/AutoScaling", cloudwatch.MetricDatum{MetricName: d.name, Dimensions: dims, Timestamp: now,
			Value: float64(d.v), Unit: cloudwatch.UnitCount})
	}
}

// ttPolicy is one target-tracking alarm's action.
type ttPolicy struct {
	g      *group
	cw     *cloudwatch.CloudWatch
	dims   []cloudwatch.Dimension
	arn    string
	target float64
	out    bool
}

func (p *ttPolicy) PolicyARN() string { return p.arn }

// Execute sets the desired capacity from the alarm's newest datapoint.
func (p *ttPolicy) Execute(_ *cloudwatch.Alarm, c cloudwatch.StateChange) {
	if c.NewState != cloudwatch.StateAlarm || math.IsNaN(c.Value) {
		return
	}
	g := p.g
	now := g.s.Now()
	// Capacity needed is the group's request count over the target: read
	// RequestCount for the minute the alarm just judged. (Multiplying the
	// per-target value by today's healthy count would overshoot when the
	// minute was measured over fewer healthy targets, and instances still
	// booting must not count, which AWS handles with instance warm-up.)
	total := c.Value
	dps, err := p.cw.GetMetricStatistics(cloudwatch.GetMetricStatisticsInput{Namespace: "AWS/ApplicationELB",
		MetricName: "RequestCount", Dimensions: p.dims, StartTime: c.Time.Add(-5 * time.Minute), EndTime: c.Time,
		Period: 60, Statistics: []string{"Sum"}})
	if err == nil && len(dps) > 0 {
		total = dps[len(dps)-1].Sum
	}
	want := int(math.Ceil(total / p.target))
	if !p.out {
		// Scale in gently and not while new instances are warming up.
		if now.Sub(g.lastOut) < g.cooldown {
			return
		}
		want = max(want, g.desired-max(1, g.desired/10))
	}
	want = min(max(want, g.min), g.max)
	if (p.out && want <= g.desired) || (!p.out && want >= g.desired) {
		return
	}
	g.note("target tracking: RequestCountPerTarget %.0f vs target %.0f: DesiredCapacity %d → %d", c.Value, p.target, g.desired, want)
	if p.out {
		g.lastOut = now
	}
	g.desired = want
	_ = g.converge()
}

// targetTracking creates the policy's two alarms.
func (g *group) targetTracking(cw *cloudwatch.CloudWatch, lbDim string, target float64) error {
	if !(target > 0) {
		return fmt.Errorf("group %q: target value %g must be positive", g.name, target)
	}
	dims := []cloudwatch.Dimension{{Name: "LoadBalancer", Value: lbDim}, {Name: "TargetGroup", Value: g.tg.Dimension()}}
	base := cloudwatch.AlarmConfig{Namespace: "AWS/ApplicationELB", MetricName: "RequestCountPerTarget", Dimensions: dims,
		Statistic: "Sum", Period: 60}
	high := base
	high.AlarmName = "TargetTracking-" + g.name + "-AlarmHigh"
	high.EvaluationPeriods, high.Threshold = 3, target
	high.ComparisonOperator = cloudwatch.GreaterThanThreshold
	high.AlarmActions = []cloudwatch.AlarmAction{&ttPolicy{g: g, cw: cw, dims: dims, arn: "policy/" + g.name + "/out", target: target, out: true}}
	low := base
	low.AlarmName = "TargetTracking-" + g.name + "-AlarmLow"
	low.EvaluationPeriods, low.Threshold = 15, 0.9*target
	low.ComparisonOperator = cloudwatch.LessThanThreshold
	low.AlarmActions = []cloudwatch.AlarmAction{&ttPolicy{g: g, cw: cw, dims: dims, arn: "policy/" + g.name + "/in", target: target}}
	for _, a := range []cloudwatch.AlarmConfig{high, low} {
		if _, err := cw.PutMetricAlarm(a); err != nil {
			return fmt.Errorf("group %q: %w", g.name, err)
		}
	}
	return nil
}
