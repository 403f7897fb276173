package autoscaling_test

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/nimbus-sim/nimbus/autoscaling"
	"github.com/nimbus-sim/nimbus/cloudwatch"
	"github.com/nimbus-sim/nimbus/ec2"
	"github.com/nimbus-sim/nimbus/elb"
	"github.com/nimbus-sim/nimbus/sim"
)

// A group of three behind an ALB across two AZs, with target tracking on
// ALBRequestCountPerTarget: 1,000 requests per target per minute.
func Example() {
	s := sim.New(sim.Config{Seed: 1})
	cw, _ := cloudwatch.New(s, cloudwatch.Config{})
	compute, _ := ec2.New(s, ec2.Config{Metrics: cw})
	as, _ := autoscaling.New(s, autoscaling.Config{EC2: compute, CloudWatch: cw})
	a, _ := ec2.NewBasicSubnet("subnet-a", "us-east-1a", netip.MustParsePrefix("10.0.0.0/24"))
	b, _ := ec2.NewBasicSubnet("subnet-b", "us-east-1b", netip.MustParsePrefix("10.0.1.0/24"))
	lb, _ := elb.New(s, elb.Config{Name: "web", AvailabilityZones: []string{"us-east-1a", "us-east-1b"}, Metrics: cw})
	tg, _ := elb.NewTargetGroup(s, elb.Application, elb.TargetGroupConfig{Name: "web"})
	_, _ = lb.AddListener(elb.ListenerConfig{DefaultAction: elb.Action{Type: elb.Forward,
		TargetGroups: []elb.WeightedTargetGroup{{TargetGroup: tg, Weight: 1}}}})

	lt, _ := as.CreateLaunchTemplate("web", ec2.LaunchSpec{InstanceType: "c7g.large", DetailedMonitoring: true})
	g, err := as.CreateAutoScalingGroup(autoscaling.GroupConfig{
		AutoScalingGroupName: "web",
		LaunchTemplate:       &autoscaling.LaunchTemplateSpecification{Template: lt, Version: "$Latest"},
		MinSize:              2, MaxSize: 10, DesiredCapacity: autoscaling.Int(3),
		Subnets:                []ec2.Subnet{a, b},
		TargetGroups:           []autoscaling.TargetGroup{tg},
		HealthCheckType:        autoscaling.HealthCheckELB,
		HealthCheckGracePeriod: 300 * time.Second,
		DefaultInstanceWarmup:  autoscaling.Duration(2 * time.Minute),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	p, err := g.PutScalingPolicy(autoscaling.PolicyConfig{
		PolicyName: "rps", PolicyType: autoscaling.TargetTrackingScaling,
		TargetTrackingConfiguration: &autoscaling.TargetTrackingConfiguration{TargetValue: 1000,
			PredefinedMetricSpecification: &autoscaling.PredefinedMetricSpecification{
				PredefinedMetricType: autoscaling.ALBRequestCountPerTarget,
				ResourceLabel:        lb.Dimension() + "/" + tg.Dimension()}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	s.RunFor(4 * time.Minute) // boot (20–60 s), then 5 passing ALB checks 30 s apart
	high, low := p.Alarms()
	fmt.Println(g.InService(), "InService of", g.DesiredCapacity())
	fmt.Println(high.Config().MetricName, high.Config().DatapointsToAlarm, "of", high.Config().EvaluationPeriods, ">", high.Threshold())
	fmt.Println(low.Config().DatapointsToAlarm, "of", low.Config().EvaluationPeriods, "<", low.Threshold())
	for _, in := range g.Instances() {
		h, _ := tg.TargetHealth(in.ID())
		fmt.Println(in.AZ(), in.LifecycleState(), h.State)
	}
	// Output:
	// 3 InService of 3
	// RequestCountPerTarget 3 of 3 > 1000
	// 15 of 15 < 900
	// us-east-1a InService healthy
	// us-east-1b InService healthy
	// us-east-1a InService healthy
}
