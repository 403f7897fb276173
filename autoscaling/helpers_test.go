package autoscaling

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nimbus-sim/nimbus/cloudwatch"
	"github.com/nimbus-sim/nimbus/ec2"
	"github.com/nimbus-sim/nimbus/elb"
	"github.com/nimbus-sim/nimbus/sim"
	"github.com/nimbus-sim/nimbus/workload"
)

var testAZs = []string{"us-east-1a", "us-east-1b", "us-east-1c"}

// world is a region with EC2, CloudWatch, an ALB and an Auto Scaling service.
type world struct {
	s   *sim.Sim
	cw  *cloudwatch.CloudWatch
	ec  *ec2.EC2
	as  *AutoScaling
	lt  *LaunchTemplate
	lb  *elb.LoadBalancer
	tg  *elb.TargetGroup
	sns []ec2.Subnet
}

func newWorld(t testing.TB, seed uint64) *world {
	t.Helper()
	s := sim.New(sim.Config{Seed: seed})
	cw, err := cloudwatch.New(s, cloudwatch.Config{})
	require.NoError(t, err)
	ec, err := ec2.New(s, ec2.Config{Metrics: cw})
	require.NoError(t, err)
	as, err := New(s, Config{EC2: ec, CloudWatch: cw})
	require.NoError(t, err)
	w := &world{s: s, cw: cw, ec: ec, as: as}
	for i, az := range testAZs {
		sn, err := ec2.NewBasicSubnet(fmt.Sprintf("subnet-%d", i), az, netip.MustParsePrefix(fmt.Sprintf("10.0.%d.0/24", i)))
		require.NoError(t, err)
		w.sns = append(w.sns, sn)
	}
	w.lt, err = as.CreateLaunchTemplate("web", ec2.LaunchSpec{InstanceType: "c7g.large", DetailedMonitoring: true})
	require.NoError(t, err)
	return w
}

// withALB adds an ALB forwarding to one target group.
func (w *world) withALB(t testing.TB) {
	t.Helper()
	var err error
	w.lb, err = elb.New(w.s, elb.Config{Name: "web", AvailabilityZones: testAZs, Metrics: w.cw})
	require.NoError(t, err)
	w.tg, err = elb.NewTargetGroup(w.s, elb.Application, elb.TargetGroupConfig{Name: "web", DeregistrationDelay: elb.Duration(30 * time.Second)})
	require.NoError(t, err)
	_, err = w.lb.AddListener(elb.ListenerConfig{DefaultAction: elb.Action{Type: elb.Forward,
		TargetGroups: []elb.WeightedTargetGroup{{TargetGroup: w.tg, Weight: 1}}}})
	require.NoError(t, err)
}

// load sends Poisson traffic of rate req/s (a profile) with work per request.
func (w *world) load(t testing.TB, rate workload.Profile, work time.Duration) {
	t.Helper()
	_, err := workload.NewOpenLoop(w.s, workload.OpenLoopConfig{Name: "load", Target: w.lb,
		Arrivals: workload.Poisson{Rate: rate},
		Shape:    workload.Shape{Protocol: "HTTP", Work: workload.Const(work.Seconds())}})
	require.NoError(t, err)
}

// sickTemplate returns a launch template whose instances answer 500 while
// *sick is true and 200 otherwise.
func (w *world) sickTemplate(t testing.TB) (*LaunchTemplate, *bool) {
	sick := new(bool)
	lt, err := w.as.CreateLaunchTemplate("sick", ec2.LaunchSpec{InstanceType: "c7g.large", Server: ec2.ServerConfig{
		Respond: func(*sim.Request) sim.Response {
			if *sick {
				return sim.Response{Status: 500}
			}
			return sim.Response{Status: 200}
		}}})
	require.NoError(t, err)
	return lt, sick
}

func (w *world) group(t testing.TB, cfg GroupConfig) *Group {
	t.Helper()
	if cfg.AutoScalingGroupName == "" {
		cfg.AutoScalingGroupName = "web"
	}
	if cfg.LaunchTemplate == nil && cfg.MixedInstancesPolicy == nil {
		cfg.LaunchTemplate = &LaunchTemplateSpecification{Template: w.lt}
	}
	if cfg.Subnets == nil {
		cfg.Subnets = w.sns
	}
	g, err := w.as.CreateAutoScalingGroup(cfg)
	require.NoError(t, err)
	return g
}

func perAZ(g *Group) map[string]int {
	m := map[string]int{}
	for _, in := range g.Instances() {
		if in.live() {
			m[in.AZ()]++
		}
	}
	return m
}

const minute = time.Minute

func at(d time.Duration) sim.Time { return sim.Time(d) }

func groupStat(metric string, end sim.Time) cloudwatch.GetMetricStatisticsInput {
	return cloudwatch.GetMetricStatisticsInput{Namespace: Namespace, MetricName: metric,
		Dimensions: []cloudwatch.Dimension{{Name: "AutoScalingGroupName", Value: "web"}},
		StartTime:  0, EndTime: end, Period: 60, Statistics: []string{cloudwatch.Maximum}}
}
