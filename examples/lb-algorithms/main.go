// Command lb-algorithms compares ALB routing algorithms on a fleet with one
// slow instance: round robin, least outstanding requests, weighted random,
// and weighted random with anomaly mitigation. Each algorithm gets its own
// ALB and identical fleet in one run, driven by identical Poisson traffic.
// It prints requests per target, mean and p99 response time, and renders a
// CloudWatch dashboard PNG of p99 TargetResponseTime.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"time"

	"github.com/nimbus-sim/nimbus/cloudwatch"
	"github.com/nimbus-sim/nimbus/ec2"
	"github.com/nimbus-sim/nimbus/elb"
	"github.com/nimbus-sim/nimbus/sim"
)

type options struct {
	seed      uint64
	instances int
	slowdown  float64
	load      float64
	work      time.Duration
	horizon   time.Duration
	png       string
}

func main() {
	var o options
	flag.Uint64Var(&o.seed, "seed", 1, "root random seed")
	flag.IntVar(&o.instances, "instances", 4, "instances per fleet (c7g.large, 2 vCPUs)")
	flag.Float64Var(&o.slowdown, "slowdown", 2, "how many times slower the first instance is")
	flag.Float64Var(&o.load, "load", 0.7, "offered load as a fraction of the fleet's capacity")
	flag.DurationVar(&o.work, "work", 20*time.Millisecond, "mean CPU time per request (exponential)")
	flag.DurationVar(&o.horizon, "for", 20*time.Minute, "virtual time to simulate")
	flag.StringVar(&o.png, "png", "lb-algorithms.png", "dashboard PNG to write (empty: none)")
	flag.Parse()
	if err := run(os.Stdout, o); err != nil {
		fmt.Fprintln(os.Stderr, "lb-algorithms:", err)
		os.Exit(2)
	}
}

// result is one algorithm's outcome.
type result struct {
	name     string
	perTgt   []uint64
	mean     time.Duration
	p99      time.Duration
	answered uint64
}

func run(w io.Writer, o options) error {
	if o.instances < 2 || o.slowdown < 1 || o.load <= 0 || o.load >= 1.5 || o.work <= 0 || o.horizon <= 0 {
		return errors.New("need -instances ≥ 2, -slowdown ≥ 1, 0 < -load < 1.5, positive -work and -for")
	}
	s := sim.New(sim.Config{Seed: o.seed})
	cw, err := cloudwatch.New(s, cloudwatch.Config{})
	if err != nil {
		return err
	}
	svc, err := ec2.New(s, ec2.Config{})
	if err != nil {
		return err
	}
	zones := []string{"us-east-1a", "us-east-1b"}
	algs := []struct {
		name string
		cfg  elb.TargetGroupConfig
	}{
		{"round-robin", elb.TargetGroupConfig{Algorithm: elb.RoundRobin}},
		{"least-outstanding", elb.TargetGroupConfig{Algorithm: elb.LeastOutstandingRequests}},
		{"weighted-random", elb.TargetGroupConfig{Algorithm: elb.WeightedRandom}},
		{"anomaly-mitigation", elb.TargetGroupConfig{Algorithm: elb.WeightedRandom, AnomalyMitigation: true}},
	}
	// Capacity: the fast instances serve 2/work each, the slow one 2/(work·slowdown).
	capacity := (float64(o.instances-1) + 1/o.slowdown) * 2 / o.work.Seconds()
	rate := o.load * capacity
	results := make([]*result, len(algs))
	lbs := make([]*elb.LoadBalancer, len(algs))
	insts := make([][]*ec2.Instance, len(algs))
	for a, alg := range algs {
		lb, err := elb.New(s, elb.Config{Name: alg.name, AvailabilityZones: zones, Metrics: cw})
		if err != nil {
			return err
		}
		alg.cfg.Name = alg.name
		tg, err := elb.NewTargetGroup(s, elb.Application, alg.cfg)
		if err != nil {
			return err
		}
		if _, err := lb.AddListener(elb.ListenerConfig{DefaultAction: elb.Action{Type: elb.Forward,
			TargetGroups: []elb.WeightedTargetGroup{{TargetGroup: tg, Weight: 1}}}}); err != nil {
			return err
		}
		for i := 0; i < o.instances; i++ {
			sub, err := ec2.NewBasicSubnet(fmt.Sprintf("subnet-%d-%d", a, i), zones[i%2], netip.MustParsePrefix(fmt.Sprintf("10.%d.%d.0/24", a, i)))
			if err != nil {
				return err
			}
			// The slow instance answers 5xx for a tenth of its requests too,
			// the symptom anomaly detection looks for.
			spec := ec2.LaunchSpec{InstanceType: "c7g.large", Subnet: sub}
			if i == 0 {
				r := s.Stream("lb-algorithms/errors/" + alg.name)
				spec.Server.Respond = func(*sim.Request) sim.Response {
					if r.Float64() < 0.1 {
						return sim.Response{Status: 500}
					}
					return sim.Response{Status: 200, Bytes: 2000}
				}
			}
			inst, err := svc.Launch(spec)
			if err != nil {
				return err
			}
			if i == 0 {
				if err := inst.Impair(o.slowdown); err != nil {
					return err
				}
			}
			insts[a] = append(insts[a], inst)
			if err := tg.Register(inst); err != nil {
				return err
			}
		}
		lbs[a] = lb
		results[a] = &result{name: alg.name, perTgt: make([]uint64, o.instances)}
	}
	// Let instances boot and pass their first health check.
	s.RunFor(3 * time.Minute)
	start := s.Now()
	for a := range algs {
		res, lb := results[a], lbs[a]
		lat := sim.NewHistogram()
		arrivals := s.Stream("lb-algorithms/arrivals/" + res.name)
		work := s.Stream("lb-algorithms/work/" + res.name)
		n := uint64(0)
		var next func()
		next = func() {
			n++
			req := &sim.Request{Method: "GET", Path: "/", Client: sim.Client{ID: n}, Work: time.Duration(work.ExpFloat64() * float64(o.work))}
			s.Send(lb, req, func(r *sim.Request, resp sim.Response) {
				lat.Record(s.Now().Sub(r.Start))
				res.answered++
				res.mean, res.p99 = lat.Mean(), lat.Quantile(0.99)
			})
			if s.Now() < start.Add(o.horizon) {
				s.After(time.Duration(arrivals.ExpFloat64()/rate*float64(time.Second)), next)
			}
		}
		s.Schedule(start, next)
	}
	s.RunUntil(start.Add(o.horizon + 2*time.Minute))
	for a, res := range results {
		for i, inst := range insts[a] {
			res.perTgt[i] = inst.Stats().Completed
		}
	}
	fmt.Fprintf(w, "%d × c7g.large, instance 0 is %.1f× slower and fails 10%% of its requests; offered load %.0f%% of capacity (%.0f req/s)\n\n",
		o.instances, o.slowdown, 100*o.load, rate)
	fmt.Fprintf(w, "%-19s %-28s %10s %10s\n", "algorithm", "requests per target", "mean", "p99")
	for _, r := range results {
		fmt.Fprintf(w, "%-19s %-28s %10v %10v\n", r.name, fmt.Sprint(r.perTgt), r.mean.Round(time.Millisecond), r.p99.Round(time.Millisecond))
	}
	tl := s.Requests()
	fmt.Fprintf(w, "\n%v\n", tl)
	if o.png == "" {
		return nil
	}
	var qs []cloudwatch.MetricDataQuery
	for a, lb := range lbs {
		qs = append(qs, cloudwatch.MetricDataQuery{ID: fmt.Sprintf("m%d", a), Label: algs[a].name, MetricStat: &cloudwatch.MetricStat{
			Metric: cloudwatch.Metric{Namespace: "AWS/ApplicationELB", MetricName: "TargetResponseTime",
				Dimensions: []cloudwatch.Dimension{{Name: "LoadBalancer", Value: lb.Dimension()}}},
			Period: 60, Stat: "p99"}})
	}
	f, err := os.Create(o.png)
	if err != nil {
		return err
	}
	defer f.Close()
	err = cw.RenderDashboard(cloudwatch.Dashboard{Name: "lb-algorithms", Start: start, End: start.Add(o.horizon), Columns: 1,
		Widgets: []cloudwatch.Widget{{Title: "p99 TargetResponseTime by routing algorithm", Queries: qs, YLabel: "seconds"}}}, f, cloudwatch.FormatPNG)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "dashboard: %s\n", o.png)
	return f.Close()
}
