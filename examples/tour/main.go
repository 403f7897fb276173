// Command tour is the README's five-minute tour: an ALB in front of three
// EC2 instances, an hour of Poisson traffic, CloudWatch statistics, the
// bill, and a dashboard PNG.
package main

import (
	"fmt"
	"io"
	"net/netip"
	"os"
	"time"

	"github.com/nimbus-sim/nimbus/billing"
	"github.com/nimbus-sim/nimbus/cloudwatch"
	"github.com/nimbus-sim/nimbus/ec2"
	"github.com/nimbus-sim/nimbus/elb"
	"github.com/nimbus-sim/nimbus/sim"
)

func main() {
	if err := tour(os.Stdout, "tour.png"); err != nil {
		fmt.Fprintln(os.Stderr, "tour:", err)
		os.Exit(1)
	}
}

func tour(w io.Writer, png string) error {
	// 1. A run: one seed, a clock, CloudWatch and a bill.
	s := sim.New(sim.Config{Seed: 42})
	cw, _ := cloudwatch.New(s, cloudwatch.Config{})
	bill := billing.NewLedger()

	// 2. Wire the architecture: an ALB over three c7g.large instances.
	compute, _ := ec2.New(s, ec2.Config{Metrics: cw, Billing: bill})
	alb, err := elb.New(s, elb.Config{Name: "web", AvailabilityZones: []string{"us-east-1a", "us-east-1b"},
		Metrics: cw, Billing: bill})
	if err != nil {
		return err
	}
	tg, _ := elb.NewTargetGroup(s, elb.Application, elb.TargetGroupConfig{Name: "web",
		Algorithm: elb.LeastOutstandingRequests})
	forward := elb.Action{Type: elb.Forward, TargetGroups: []elb.WeightedTargetGroup{{TargetGroup: tg, Weight: 1}}}
	if _, err := alb.AddListener(elb.ListenerConfig{DefaultAction: forward}); err != nil {
		return err
	}
	for i, az := range []string{"us-east-1a", "us-east-1b", "us-east-1a"} {
		subnet, _ := ec2.NewBasicSubnet(fmt.Sprint("subnet-", i), az, netip.MustParsePrefix(fmt.Sprintf("10.0.%d.0/24", i)))
		inst, err := compute.Launch(ec2.LaunchSpec{InstanceType: "c7g.large", Subnet: subnet, DetailedMonitoring: true})
		if err != nil {
			return err
		}
		if err := tg.Register(inst); err != nil {
			return err
		}
	}

	// 3. Drive it: Poisson arrivals at 200 req/s, 10 ms of CPU each, for an hour.
	arrivals, work := s.Stream("arrivals"), s.Stream("work")
	latency := sim.NewHistogram()
	var next func()
	next = func() {
		req := &sim.Request{Method: "GET", Path: "/", Work: time.Duration(work.ExpFloat64() * 10e6)}
		s.Send(alb, req, func(r *sim.Request, _ sim.Response) { latency.Record(s.Now().Sub(r.Start)) })
		if s.Now() < sim.Time(time.Hour) {
			s.After(time.Duration(arrivals.ExpFloat64()*5e6), next)
		}
	}
	s.Schedule(sim.Time(2*time.Minute), next) // after the instances boot
	s.RunUntil(sim.Time(time.Hour + 5*time.Minute))

	// 4. Read the results: the books, latency, CloudWatch, the bill.
	fmt.Fprintln(w, s.Requests())
	fmt.Fprintln(w, "p50", latency.Quantile(0.5).Round(time.Microsecond), "p99", latency.Quantile(0.99).Round(time.Microsecond))
	stats, err := cw.GetMetricStatistics(cloudwatch.GetMetricStatisticsInput{
		Namespace: "AWS/ApplicationELB", MetricName: "TargetResponseTime",
		Dimensions: []cloudwatch.Dimension{{Name: "LoadBalancer", Value: alb.Dimension()}},
		StartTime:  0, EndTime: sim.Time(time.Hour + 5*time.Minute), Period: 3600,
		Statistics: []string{"SampleCount"}, ExtendedStatistics: []string{"p99"},
	})
	if err != nil {
		return err
	}
	for _, d := range stats {
		fmt.Fprintf(w, "CloudWatch: %.0f responses in the hour from %v, p99 %.1f ms\n",
			d.SampleCount, s.Wall(d.Timestamp).Format("15:04"), 1000*d.ExtendedStatistics["p99"])
	}
	compute.SettleBilling()
	for _, c := range bill.ByService() {
		fmt.Fprintf(w, "cost %-10s $%.4f\n", c.Key, c.USD)
	}

	// 5. A dashboard of the same metrics, as a PNG.
	f, err := os.Create(png)
	if err != nil {
		return err
	}
	defer f.Close()
	metric := func(id, ns, name, stat string, dims ...cloudwatch.Dimension) cloudwatch.MetricDataQuery {
		return cloudwatch.MetricDataQuery{ID: id, MetricStat: &cloudwatch.MetricStat{Period: 60, Stat: stat,
			Metric: cloudwatch.Metric{Namespace: ns, MetricName: name, Dimensions: dims}}}
	}
	lbDim := cloudwatch.Dimension{Name: "LoadBalancer", Value: alb.Dimension()}
	return cw.RenderDashboard(cloudwatch.Dashboard{Name: "tour", Start: 0, End: sim.Time(time.Hour), Widgets: []cloudwatch.Widget{
		{Title: "Requests per minute", Queries: []cloudwatch.MetricDataQuery{metric("r", "AWS/ApplicationELB", "RequestCount", "Sum", lbDim)}},
		{Title: "p99 target response time", Queries: []cloudwatch.MetricDataQuery{metric("p", "AWS/ApplicationELB", "TargetResponseTime", "p99", lbDim)}},
	}}, f, cloudwatch.FormatPNG)
}
