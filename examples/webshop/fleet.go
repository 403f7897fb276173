package main

import (
	"fmt"
	"time"

	"github.com/nimbus-sim/nimbus/autoscaling"
	"github.com/nimbus-sim/nimbus/ec2"
	"github.com/nimbus-sim/nimbus/elb"
	"github.com/nimbus-sim/nimbus/s3"
	"github.com/nimbus-sim/nimbus/sim"
	"github.com/nimbus-sim/nimbus/vpc"
)

// fleet is the seam between the web tier and whatever keeps its instances
// (an Auto Scaling group here; a user's own controller would do). The report
// reads it once a minute.
type fleet interface {
	// Desired is the capacity the fleet aims for, in instances.
	Desired() int
	// Launched is how many instances the fleet holds, in any state.
	Launched() int
	// Activities lists what the fleet did, in order.
	Activities() []activity
}

// activity is one scaling activity, as DescribeScalingActivities lists it.
type activity struct {
	Hour        float64 `json:"hour"` // hours since the shop opened
	Description string  `json:"description"`
	Cause       string  `json:"cause"`
}

// asgFleet is an Auto Scaling group seen through the fleet seam.
type asgFleet struct{ g *autoscaling.Group }

func (f asgFleet) Desired() int  { return f.g.DesiredCapacity() }
func (f asgFleet) Launched() int { return len(f.g.Instances()) }

func (f asgFleet) Activities() []activity {
	acts := f.g.DescribeScalingActivities()
	out := make([]activity, 0, len(acts))
	for _, a := range acts {
		out = append(out, activity{Hour: round((a.StartTime - at(0)).Seconds() / 3600), Description: a.Description, Cause: a.Cause})
	}
	return out
}

// appTargets is the target group as the Auto Scaling group sees it: each
// instance it registers is wrapped in the application (app), which reads
// the catalogue from S3 around the instance's CPU work.
type appTargets struct {
	*elb.TargetGroup
	sh *shop
	c  config
}

// Register wraps each instance before registering it with the ALB.
func (t appTargets) Register(targets ...elb.Target) error {
	for _, tg := range targets {
		inst, ok := tg.(*ec2.Instance)
		if !ok {
			return fmt.Errorf("webshop: target %s is not an EC2 instance", tg.ID())
		}
		a := &app{sh: t.sh, c: t.c, inst: inst}
		if err := t.TargetGroup.Register(elb.HandlerTarget(inst.ID(), inst.AZ(), a)); err != nil {
			return err
		}
	}
	return nil
}

// app is the shop's application on one instance. A page costs its vCPU work
// on the instance, then a GET of the catalogue from S3 through the VPC:
// over the gateway endpoint (free) or, with -s3-endpoint=false, through the
// AZ's NAT gateway (billed per GB). The VPC crossing's delay and S3's own
// first-byte and transfer time are part of the page's latency; a flow the
// VPC refuses or an S3 error makes the page a 502.
type app struct {
	sh   *shop
	c    config
	inst *ec2.Instance
	eni  *vpc.NetworkInterface
}

func (a *app) Serve(req *sim.Request, reply func(sim.Response)) {
	if req.Path == "/health" {
		a.inst.Serve(req, reply)
		return
	}
	a.inst.Serve(req, func(resp sim.Response) {
		if resp.Status != 200 {
			reply(resp)
			return
		}
		a.readCatalogue(req, reply)
	})
}

func (a *app) readCatalogue(req *sim.Request, reply func(sim.Response)) {
	sh := a.sh
	if a.eni == nil {
		eni, ok := sh.net.VPCs()[0].InterfaceAt(a.inst.PrivateIP())
		if !ok {
			reply(sim.Response{Status: 502, Reason: "NoNetworkInterface"})
			return
		}
		a.eni = eni
	}
	x := sh.net.Crossing(vpc.Flow{Src: vpc.FromENI(a.eni), Dst: sh.s3Addr, Protocol: vpc.ProtocolTCP,
		SrcPort: uint16(32768 + req.ID%28000), DstPort: 443}, 400, a.c.catalogueBytes)
	if x.Verdict != vpc.Accept {
		reply(sim.Response{Status: 502, Reason: "S3Unreachable " + x.Reason})
		return
	}
	get := &sim.Request{ID: req.ID, Method: "GET", Host: sh.catalogue.RegionalDomainName(), Path: "/catalogue.json",
		Start: sh.s.Now()}
	get.SetHeader(s3.HeaderPrincipal, roleARN)
	sh.catalogue.Serve(get, func(r sim.Response) {
		sh.s3Reads++
		if r.Status != 200 {
			reply(sim.Response{Status: 502, Reason: "S3 " + r.Reason})
			return
		}
		sh.s.After(x.Latency+x.ReturnLatency, func() { reply(sim.Response{Status: 200, Bytes: a.c.pageBytes}) })
	})
}

// roleARN is the instance profile's role the application calls S3 with.
const roleARN = "arn:aws:iam::123456789012:role/shop-web"

// newFleet creates the Auto Scaling group (or a fixed fleet: a group with
// MinSize = MaxSize and no policy) and its target-tracking policy on
// ALBRequestCountPerTarget. With -prewarm, a scheduled action raises MinSize
// from 15 minutes before the flash sale to its end.
func (sh *shop) newFleet(c config, spec ec2.LaunchSpec, subnets []ec2.Subnet) error {
	as, err := autoscaling.New(sh.s, autoscaling.Config{EC2: sh.ec2, CloudWatch: sh.cw})
	if err != nil {
		return err
	}
	lt, err := as.CreateLaunchTemplate("shop-web", spec)
	if err != nil {
		return err
	}
	warmup := 2 * time.Minute
	gc := autoscaling.GroupConfig{AutoScalingGroupName: "shop-web", LaunchTemplate: &autoscaling.LaunchTemplateSpecification{Template: lt},
		MinSize: c.minSize, MaxSize: c.maxSize, Subnets: subnets, TargetGroups: []autoscaling.TargetGroup{appTargets{sh.tg, sh, c}},
		HealthCheckType: autoscaling.HealthCheckType(c.healthCheckType), HealthCheckGracePeriod: 300 * time.Second,
		DefaultInstanceWarmup: &warmup, MetricsCollection: true, Tags: tags("web")}
	if c.fixed > 0 {
		gc.MinSize, gc.MaxSize = c.fixed, c.fixed
	}
	g, err := as.CreateAutoScalingGroup(gc)
	if err != nil {
		return err
	}
	sh.fleet = asgFleet{g}
	if c.fixed > 0 {
		return nil
	}
	if _, err := g.PutScalingPolicy(autoscaling.PolicyConfig{PolicyName: "requests-per-target", PolicyType: autoscaling.TargetTrackingScaling,
		TargetTrackingConfiguration: &autoscaling.TargetTrackingConfiguration{TargetValue: c.target,
			PredefinedMetricSpecification: &autoscaling.PredefinedMetricSpecification{
				PredefinedMetricType: autoscaling.ALBRequestCountPerTarget, ResourceLabel: sh.alb.Dimension() + "/" + sh.tg.Dimension()}}}); err != nil {
		return err
	}
	if c.prewarm > 0 && c.flashHour >= 0 {
		from := sh.s.Wall(at(hoursDur(c.flashHour) - 15*time.Minute))
		to := sh.s.Wall(at(hoursDur(c.flashHour) + c.flashDuration))
		for _, a := range []autoscaling.ScheduledActionConfig{
			{ScheduledActionName: "flash-sale-start", StartTime: from, MinSize: autoscaling.Int(c.prewarm)},
			{ScheduledActionName: "flash-sale-end", StartTime: to, MinSize: autoscaling.Int(c.minSize)},
		} {
			if _, err := g.PutScheduledUpdateGroupAction(a); err != nil {
				return err
			}
		}
	}
	return nil
}
