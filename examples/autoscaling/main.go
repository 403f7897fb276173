// Command autoscaling runs a diurnal day of traffic against an ALB and an
// Auto Scaling group three ways — a fixed fleet, target tracking on CPU,
// and target tracking plus predictive scaling — and prints what each costs,
// its p99 latency and its minutes out of SLO. It saves a dashboard PNG per
// run. See README.md for what warm-up and cooldown do here.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/nimbus-sim/nimbus/autoscaling"
	"github.com/nimbus-sim/nimbus/billing"
	"github.com/nimbus-sim/nimbus/cloudwatch"
	"github.com/nimbus-sim/nimbus/ec2"
	"github.com/nimbus-sim/nimbus/elb"
	"github.com/nimbus-sim/nimbus/sim"
	"github.com/nimbus-sim/nimbus/workload"
)

func main() { os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr)) }

// Modes are the three ways to run the fleet.
var modes = []string{"fixed", "target-tracking", "predictive"}

type options struct {
	hours, history int
	peak, trough   float64
	work           time.Duration
	fixed          int
	target         float64
	warmup         time.Duration
	slo            time.Duration
	seed           uint64
	out            string
}

// Result is one run's report (the -json output is a list of them).
type Result struct {
	// Mode is fixed, target-tracking or predictive.
	Mode string `json:"mode"`
	// CostUSD is the EC2 and ELB bill of the measured hours.
	CostUSD float64 `json:"cost_usd"`
	// P99Ms is the p99 response time over the measured hours.
	P99Ms float64 `json:"p99_ms"`
	// SLOMinutes counts measured minutes whose p99 exceeded the SLO or
	// whose failures exceeded 1%.
	SLOMinutes int `json:"slo_violation_minutes"`
	// Requests and Failed count the measured requests.
	Requests uint64 `json:"requests"`
	Failed   uint64 `json:"failed"`
	// MaxInService and MeanInService describe the fleet (sampled each minute).
	MaxInService  int     `json:"max_in_service"`
	MeanInService float64 `json:"mean_in_service"`
	// Dashboard is the PNG written, if any.
	Dashboard string `json:"dashboard,omitempty"`
}

func realMain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("autoscaling", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.IntVar(&o.hours, "hours", 24, "measured hours")
	fs.IntVar(&o.history, "history", 24, "hours of traffic before measuring in the predictive run (it needs ≥ 24 h of history; the others get 1 h)")
	fs.Float64Var(&o.peak, "peak", 16, "peak rate, requests per second (at 14:00 UTC)")
	fs.Float64Var(&o.trough, "trough", 2, "trough rate, requests per second")
	fs.DurationVar(&o.work, "work", 500*time.Millisecond, "mean CPU time per request (exponential)")
	fs.IntVar(&o.fixed, "fixed", 8, "instances in the fixed fleet")
	fs.Float64Var(&o.target, "target", 50, "target CPU utilization, percent")
	fs.DurationVar(&o.warmup, "warmup", 5*time.Minute, "DefaultInstanceWarmup of the scaled groups")
	fs.DurationVar(&o.slo, "slo", 3*time.Second, "p99 SLO per minute")
	fs.Uint64Var(&o.seed, "seed", 1, "random seed")
	fs.StringVar(&o.out, "out", ".", "directory for the dashboard PNGs (empty: none)")
	asJSON := fs.Bool("json", false, "print the results as JSON")
	only := fs.String("modes", strings.Join(modes, ","), "comma-separated modes to run")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	run := strings.Split(*only, ",")
	for _, m := range run {
		if !slices.Contains(modes, m) {
			fmt.Fprintf(stderr, "autoscaling example: unknown mode %q (want %s)\n", m, strings.Join(modes, ", "))
			return 2
		}
	}
	var results []Result
	for _, m := range run {
		r, err := simulate(o, m)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		results = append(results, r)
	}
	if *asJSON {
		b, _ := json.Marshal(results)
		fmt.Fprintln(stdout, string(b))
		return 0
	}
	fmt.Fprintf(stdout, "%d h of diurnal traffic (%.0f–%.0f req/s, %v CPU each) on c7g.large behind an ALB, SLO p99 ≤ %v\n",
		o.hours, o.trough, o.peak, o.work, o.slo)
	fmt.Fprintf(stdout, "%-16s %9s %9s %12s %9s %9s\n", "mode", "cost $", "p99 ms", "SLO-min bad", "max inst", "mean inst")
	for _, r := range results {
		fmt.Fprintf(stdout, "%-16s %9.2f %9.0f %12d %9d %9.1f\n", r.Mode, r.CostUSD, r.P99Ms, r.SLOMinutes, r.MaxInService, r.MeanInService)
	}
	for _, r := range results {
		if r.Dashboard != "" {
			fmt.Fprintln(stdout, "wrote", r.Dashboard)
		}
	}
	return 0
}

// simulate runs one mode and reports it.
func simulate(o options, mode string) (Result, error) {
	if o.hours < 1 || o.history < 0 {
		return Result{}, fmt.Errorf("autoscaling example: -hours must be ≥ 1 and -history ≥ 0")
	}
	if mode == "predictive" && o.history < 24 {
		return Result{}, fmt.Errorf("autoscaling example: predictive scaling needs -history ≥ 24 (got %d)", o.history)
	}
	s := sim.New(sim.Config{Seed: o.seed})
	cw, err := cloudwatch.New(s, cloudwatch.Config{})
	if err != nil {
		return Result{}, err
	}
	ledger := billing.NewLedger()
	compute, err := ec2.New(s, ec2.Config{Metrics: cw, Billing: ledger})
	if err != nil {
		return Result{}, err
	}
	as, err := autoscaling.New(s, autoscaling.Config{EC2: compute, CloudWatch: cw})
	if err != nil {
		return Result{}, err
	}
	azs := []string{"us-east-1a", "us-east-1b", "us-east-1c"}
	var subnets []ec2.Subnet
	for i, az := range azs {
		sn, err := ec2.NewBasicSubnet(fmt.Sprintf("subnet-%d", i), az, netip.MustParsePrefix(fmt.Sprintf("10.0.%d.0/24", i)))
		if err != nil {
			return Result{}, err
		}
		subnets = append(subnets, sn)
	}
	lb, err := elb.New(s, elb.Config{Name: "web", AvailabilityZones: azs, Metrics: cw, Billing: ledger})
	if err != nil {
		return Result{}, err
	}
	tg, err := elb.NewTargetGroup(s, elb.Application, elb.TargetGroupConfig{Name: "web"})
	if err != nil {
		return Result{}, err
	}
	if _, err := lb.AddListener(elb.ListenerConfig{DefaultAction: elb.Action{Type: elb.Forward,
		TargetGroups: []elb.WeightedTargetGroup{{TargetGroup: tg, Weight: 1}}}}); err != nil {
		return Result{}, err
	}
	// The application is cold for 2 minutes after boot: requests need up
	// to twice their CPU time (JIT, caches).
	lt, err := as.CreateLaunchTemplate("web", ec2.LaunchSpec{InstanceType: "c7g.large", DetailedMonitoring: true,
		Server: ec2.ServerConfig{WarmUp: 2 * time.Minute, ColdFactor: 2}})
	if err != nil {
		return Result{}, err
	}
	gc := autoscaling.GroupConfig{AutoScalingGroupName: "web",
		LaunchTemplate: &autoscaling.LaunchTemplateSpecification{Template: lt, Version: "$Latest"},
		Subnets:        subnets, TargetGroups: []autoscaling.TargetGroup{tg},
		HealthCheckType: autoscaling.HealthCheckELB, HealthCheckGracePeriod: 300 * time.Second,
		MetricsCollection: true}
	if mode == "fixed" {
		gc.MinSize, gc.MaxSize, gc.DesiredCapacity = o.fixed, o.fixed, autoscaling.Int(o.fixed)
	} else {
		gc.MinSize, gc.MaxSize, gc.DesiredCapacity = 2, 4*o.fixed, autoscaling.Int(2)
		gc.DefaultInstanceWarmup = autoscaling.Duration(o.warmup)
	}
	g, err := as.CreateAutoScalingGroup(gc)
	if err != nil {
		return Result{}, err
	}
	if mode != "fixed" {
		if _, err := g.PutScalingPolicy(autoscaling.PolicyConfig{PolicyName: "cpu", PolicyType: autoscaling.TargetTrackingScaling,
			TargetTrackingConfiguration: &autoscaling.TargetTrackingConfiguration{TargetValue: o.target,
				PredefinedMetricSpecification: &autoscaling.PredefinedMetricSpecification{PredefinedMetricType: autoscaling.ASGAverageCPUUtilization}}}); err != nil {
			return Result{}, err
		}
	}
	if mode == "predictive" {
		if _, err := g.PutScalingPolicy(autoscaling.PolicyConfig{PolicyName: "forecast", PolicyType: autoscaling.PredictiveScaling,
			PredictiveScalingConfiguration: &autoscaling.PredictiveScalingConfiguration{Mode: autoscaling.ForecastAndScale,
				MetricSpecifications: []autoscaling.PredictiveScalingMetricSpecification{{TargetValue: o.target,
					PredefinedMetricPairSpecification: &autoscaling.PredefinedMetricSpecification{PredefinedMetricType: autoscaling.ASGCPUUtilization}}}}}); err != nil {
			return Result{}, err
		}
	}

	// Every run measures the same wall-clock hours; only the predictive one
	// needs a day of history first, the others settle for an hour.
	start := sim.Time(time.Duration(o.history) * time.Hour)
	end := start + sim.Time(time.Duration(o.hours)*time.Hour)
	from := sim.Time(0)
	if mode != "predictive" {
		from = max(0, start-sim.Time(time.Hour))
	}
	var res Result
	res.Mode = mode
	all := sim.NewHistogram()
	minute := sim.NewHistogram()
	var minuteFailed uint64
	_, err = workload.NewOpenLoop(s, workload.OpenLoopConfig{Name: "users", Target: lb,
		Arrivals: workload.Poisson{Rate: workload.Diurnal{Peak: o.peak, Trough: o.trough, PeakHour: 14}},
		Start:    from,
		Until:    end,
		Shape:    workload.Shape{Protocol: "HTTP", Work: workload.Exponential{Mean: o.work.Seconds()}},
		OnResponse: func(req *sim.Request, resp sim.Response) {
			if resp.Failed() || resp.Status >= 500 {
				minuteFailed++
				return
			}
			minute.Record(s.Now().Sub(req.Start))
		}})
	if err != nil {
		return Result{}, err
	}
	p99 := cw.Series("Example/Web", "p99", nil, cloudwatch.UnitMilliseconds)
	var samples, inService int
	s.Every(sim.Time(time.Minute), time.Minute, func(now sim.Time) {
		n := minute.Count() + minuteFailed
		q := minute.Quantile(0.99)
		if minute.Count() > 0 {
			p99.Put(now-sim.Time(time.Minute), float64(q)/float64(time.Millisecond))
		}
		if now > start && now <= end {
			res.Requests += n
			res.Failed += minuteFailed
			all.Merge(minute)
			if q > o.slo || (n > 0 && float64(minuteFailed) > 0.01*float64(n)) {
				res.SLOMinutes++
			}
			in := g.InService()
			res.MaxInService = max(res.MaxInService, in)
			inService += in
			samples++
		}
		minute.Reset()
		minuteFailed = 0
	})
	s.RunUntil(end)
	compute.SettleBilling()
	res.CostUSD = ledger.Window(start, end).Total()
	res.P99Ms = float64(all.Quantile(0.99)) / float64(time.Millisecond)
	if samples > 0 {
		res.MeanInService = float64(inService) / float64(samples)
	}
	if o.out != "" {
		res.Dashboard = filepath.Join(o.out, "dashboard-"+mode+".png")
		if err := dashboard(cw, lb, tg, start, end, o, res.Dashboard); err != nil {
			return Result{}, err
		}
	}
	if math.IsNaN(res.CostUSD) {
		return Result{}, fmt.Errorf("autoscaling example: cost is NaN")
	}
	return res, nil
}

func dashboard(cw *cloudwatch.CloudWatch, lb *elb.LoadBalancer, tg *elb.TargetGroup, start, end sim.Time, o options, path string) error {
	asg := []cloudwatch.Dimension{{Name: "AutoScalingGroupName", Value: "web"}}
	q := func(id, ns, name string, dims []cloudwatch.Dimension, stat, label string) cloudwatch.MetricDataQuery {
		return cloudwatch.MetricDataQuery{ID: id, Label: label, MetricStat: &cloudwatch.MetricStat{
			Metric: cloudwatch.Metric{Namespace: ns, MetricName: name, Dimensions: dims}, Period: 300, Stat: stat}}
	}
	lbDims := []cloudwatch.Dimension{{Name: "LoadBalancer", Value: lb.Dimension()}, {Name: "TargetGroup", Value: tg.Dimension()}}
	d := cloudwatch.Dashboard{Name: "autoscaling", Start: start, End: end, Widgets: []cloudwatch.Widget{
		{Title: "Load (requests per 5 min)", Queries: []cloudwatch.MetricDataQuery{q("load", "AWS/ApplicationELB", "RequestCount", lbDims, cloudwatch.Sum, "RequestCount")}},
		{Title: "Capacity (instances)", Queries: []cloudwatch.MetricDataQuery{
			q("desired", autoscaling.Namespace, "GroupDesiredCapacity", asg, cloudwatch.Maximum, "GroupDesiredCapacity"),
			q("inservice", autoscaling.Namespace, "GroupInServiceInstances", asg, cloudwatch.Minimum, "GroupInServiceInstances")}},
		{Title: "CPU utilization (%)", Queries: []cloudwatch.MetricDataQuery{q("cpu", "AWS/EC2", "CPUUtilization", asg, cloudwatch.Average, "CPUUtilization")},
			Annotations: []cloudwatch.Annotation{{Label: "target", Value: o.target}}},
		{Title: "p99 response time (ms)", Queries: []cloudwatch.MetricDataQuery{q("p99", "Example/Web", "p99", nil, cloudwatch.Maximum, "p99 (max of minutes)")},
			Annotations: []cloudwatch.Annotation{{Label: "SLO", Value: float64(o.slo) / float64(time.Millisecond)}}},
	}}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := cw.RenderDashboard(d, f, cloudwatch.FormatPNG); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
