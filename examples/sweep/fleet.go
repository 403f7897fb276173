package main

import (
	"fmt"
	"math"
	"net/netip"
	"time"

	"github.com/nimbus-sim/nimbus/billing"
	"github.com/nimbus-sim/nimbus/ec2"
	"github.com/nimbus-sim/nimbus/sim"
	"github.com/nimbus-sim/nimbus/workload"
)

// The fleet: an open-loop client → a round-robin balancer → EC2 instances
// (package ec2: boot times, the M/G/c serving model, CPU utilization,
// per-second billing) kept at a CPU target by a target-tracking rule.
// The balancer and the scaling rule are small stand-ins for packages elb
// and autoscaling, behind the Balancer and Scaler seams so those can
// replace them without touching the sweep.

// TypeInfo is what the example assumes about an instance type for this
// workload.
type TypeInfo struct {
	// Name is the EC2 type.
	Name string
	// Speed is the work a vCPU does per second relative to c7g for this
	// workload. An assumption: relative speeds are workload-specific, so
	// measure your own (ec2 ships every type at 1).
	Speed float64
}

// Types is the example's table: the prices and vCPU counts come from
// ec2.DefaultCatalog (us-east-1 on-demand Linux).
var Types = []TypeInfo{
	{Name: "c7g.large", Speed: 1},
	{Name: "c7g.xlarge", Speed: 1},
	{Name: "c6i.large", Speed: 1.15},
}

// Scenario is one configuration of the fleet and its traffic.
type Scenario struct {
	// InstanceType names a Types entry.
	InstanceType string
	// TargetCPU is the target-tracking value for average CPU, in percent.
	TargetCPU float64
	// Horizon is the length of the traffic ramp (up, then down).
	Horizon time.Duration
	// Trough and Peak are the request rates at the ends and the middle of
	// the ramp, per second.
	Trough, Peak float64
	// Work is the mean CPU time of a request on a c7g vCPU (exponential).
	Work time.Duration
	// MinSize and MaxSize bound the group.
	MinSize, MaxSize int
}

// DefaultScenario is an hour-long ramp from 40 to 240 requests/s of 50 ms
// CPU each: 2 to 12 vCPUs of work.
func DefaultScenario() Scenario {
	return Scenario{Horizon: time.Hour, Trough: 40, Peak: 240, Work: 50 * time.Millisecond, MinSize: 2, MaxSize: 40}
}

// Outcome is what one run measured.
type Outcome struct {
	// CostUSD is the EC2 bill of the run.
	CostUSD float64
	// P99 and Mean are response-time statistics of answered requests.
	P99, Mean time.Duration
	// Sent and Failed count requests.
	Sent, Failed uint64
	// PeakInstances is the largest group size reached; FinalInstances the
	// size when traffic stopped.
	PeakInstances, FinalInstances int
}

// Balancer spreads requests over registered targets; elb's target group
// can take its place.
type Balancer interface {
	sim.Handler
	Register(t *ec2.Instance)
	Deregister(t *ec2.Instance)
}

// Scaler keeps a group's size; autoscaling's group with a target-tracking
// policy can take its place.
type Scaler interface {
	// Size returns the number of instances launched and not yet removed.
	Size() int
}

// Simulate runs one scenario with the given seed.
func Simulate(seed uint64, sc Scenario) (Outcome, error) {
	var info TypeInfo
	for _, t := range Types {
		if t.Name == sc.InstanceType {
			info = t
		}
	}
	if info.Name == "" {
		return Outcome{}, fmt.Errorf("fleet: unknown instance type %q", sc.InstanceType)
	}
	s := sim.New(sim.Config{Seed: seed})
	cat := ec2.DefaultCatalog()
	it, ok := cat.Lookup(info.Name)
	if !ok {
		return Outcome{}, fmt.Errorf("fleet: %q not in the ec2 catalog", info.Name)
	}
	it.Speed = info.Speed
	if err := cat.Add(it); err != nil {
		return Outcome{}, err
	}
	ledger := billing.NewLedger()
	svc, err := ec2.New(s, ec2.Config{Catalog: cat, Billing: ledger})
	if err != nil {
		return Outcome{}, err
	}
	subnet, err := ec2.NewBasicSubnet("subnet-fleet", "us-east-1a", netip.MustParsePrefix("10.0.0.0/20"))
	if err != nil {
		return Outcome{}, err
	}
	lb := &roundRobin{s: s}
	g, err := newGroup(s, svc, lb, ec2.LaunchSpec{InstanceType: info.Name, Subnet: subnet}, TargetTracking{
		TargetValue: sc.TargetCPU, MinSize: sc.MinSize, MaxSize: sc.MaxSize,
	})
	if err != nil {
		return Outcome{}, err
	}
	// Traffic starts once the minimum fleet has booted (≤ 80 s), ramps to
	// the peak at half the horizon and back.
	start := sim.Time(90 * time.Second)
	mid, end := start.Add(sc.Horizon/2), start.Add(sc.Horizon)
	client, err := workload.NewOpenLoop(s, workload.OpenLoopConfig{
		Name:   "users",
		Target: lb,
		Arrivals: workload.Poisson{Rate: workload.Piecewise{
			{At: start, PerSecond: sc.Trough}, {At: mid, PerSecond: sc.Peak}, {At: end, PerSecond: sc.Trough},
		}},
		Start: start,
		Until: end,
		Shape: workload.Shape{Work: workload.Exponential{Mean: sc.Work.Seconds()}},
	})
	if err != nil {
		return Outcome{}, err
	}
	// Run past the end of traffic until the last request is answered, so
	// the latency of a backlog is counted, for at most an hour.
	s.RunUntil(end)
	final := g.Size()
	st := client.Stats()
	for range 60 {
		if st.InFlight() == 0 {
			break
		}
		s.RunFor(time.Minute)
	}
	if st.InFlight() != 0 {
		return Outcome{}, fmt.Errorf("fleet: %d requests still in flight an hour after traffic stopped", st.InFlight())
	}
	svc.SettleBilling()
	return Outcome{
		CostUSD: ledger.Total(), P99: st.Latency.Quantile(0.99), Mean: st.Latency.Mean(),
		Sent: st.Sent, Failed: st.Failed, PeakInstances: g.peak, FinalInstances: final,
	}, nil
}

// roundRobin is a minimal load balancer: round robin over registered,
// ready targets; 503 when none is ready (as an ALB with no healthy
// target).
type roundRobin struct {
	s       *sim.Sim
	targets []*ec2.Instance
	next    int
}

// Register adds a target at the end of the rotation.
func (b *roundRobin) Register(t *ec2.Instance) { b.targets = append(b.targets, t) }

// Deregister removes a target; requests it holds still finish.
func (b *roundRobin) Deregister(t *ec2.Instance) {
	for i, x := range b.targets {
		if x == t {
			b.targets = append(b.targets[:i], b.targets[i+1:]...)
			return
		}
	}
}

// Serve implements sim.Handler.
func (b *roundRobin) Serve(req *sim.Request, reply func(sim.Response)) {
	for range b.targets {
		t := b.targets[b.next%len(b.targets)]
		b.next++
		if t.Ready() {
			t.Serve(req, reply)
			return
		}
	}
	reply(sim.Response{Status: 503, Reason: "NoHealthyTarget"})
}

// TargetTracking is the scaling rule, after AWS's target tracking on
// ASGAverageCPUUtilization (see shared AWS notes §2.5): scale out after 3
// one-minute datapoints above the target, to ceil(n·metric/target); scale
// in after 15 datapoints below 90% of it, removing floor(n − n·metric/
// target). Instances count toward the metric once warmed up; scale-in
// waits while any instance is warming.
type TargetTracking struct {
	// TargetValue is the CPU target in percent.
	TargetValue float64
	// MinSize and MaxSize bound the group.
	MinSize, MaxSize int
	// Warmup is the instance warm-up; 0 means 120 s [assumption].
	Warmup time.Duration
}

// group is the stand-in for an Auto Scaling group.
type group struct {
	s         *sim.Sim
	ec2       *ec2.EC2
	lb        Balancer
	spec      ec2.LaunchSpec
	pol       TargetTracking
	instances []*ec2.Instance
	// highRun and lowRun count consecutive datapoints beyond each alarm's
	// threshold.
	highRun, lowRun int
	peak            int
}

var _ Scaler = (*group)(nil)

func newGroup(s *sim.Sim, svc *ec2.EC2, lb Balancer, spec ec2.LaunchSpec, pol TargetTracking) (*group, error) {
	if pol.Warmup == 0 {
		pol.Warmup = 120 * time.Second
	}
	if !(pol.TargetValue > 0 && pol.TargetValue <= 100) || pol.MinSize < 1 || pol.MaxSize < pol.MinSize {
		return nil, fmt.Errorf("fleet: bad policy %+v", pol)
	}
	g := &group{s: s, ec2: svc, lb: lb, spec: spec, pol: pol}
	if err := g.launch(pol.MinSize); err != nil {
		return nil, err
	}
	s.Every(sim.Time(time.Minute), time.Minute, func(sim.Time) { g.evaluate() })
	return g, nil
}

// Size implements Scaler.
func (g *group) Size() int { return len(g.instances) }

func (g *group) launch(n int) error {
	for range n {
		inst, err := g.ec2.Launch(g.spec)
		if err != nil {
			return err
		}
		g.instances = append(g.instances, inst)
		g.lb.Register(inst)
	}
	g.peak = max(g.peak, len(g.instances))
	return nil
}

// evaluate is one minute of the policy's two alarms.
func (g *group) evaluate() {
	now := g.s.Now()
	var sum float64
	warmed, warming := 0, 0
	for _, in := range g.instances {
		if in.Ready() && now.Sub(in.LaunchTime()) >= g.pol.Warmup {
			sum += in.CPUUtilization(time.Minute)
			warmed++
		} else {
			warming++
		}
	}
	if warmed == 0 {
		return // INSUFFICIENT_DATA: no scaling
	}
	metric := sum / float64(warmed)
	g.highRun, g.lowRun = g.highRun+1, g.lowRun+1
	if metric <= g.pol.TargetValue {
		g.highRun = 0
	}
	if metric >= 0.9*g.pol.TargetValue {
		g.lowRun = 0
	}
	ideal := float64(warmed) * metric / g.pol.TargetValue
	switch {
	case g.highRun >= 3:
		want := min(g.pol.MaxSize, int(math.Ceil(ideal))+warming)
		if want > len(g.instances) {
			_ = g.launch(want - len(g.instances)) // the subnet has room for MaxSize
			g.highRun = 0
		}
	case g.lowRun >= 15 && warming == 0:
		remove := min(int(math.Floor(float64(warmed)-ideal)), len(g.instances)-g.pol.MinSize)
		for range max(remove, 0) {
			g.retire(g.instances[len(g.instances)-1])
		}
		g.lowRun = 0
	}
}

// retire removes an instance from the group: it leaves the balancer at
// once and is terminated when its last request is answered (connection
// draining), or after 300 s, the target-group default deregistration delay.
func (g *group) retire(in *ec2.Instance) {
	for i, x := range g.instances {
		if x == in {
			g.instances = append(g.instances[:i], g.instances[i+1:]...)
			break
		}
	}
	g.lb.Deregister(in)
	deadline := g.s.Now().Add(300 * time.Second)
	var check func()
	check = func() {
		if in.InFlight() == 0 || g.s.Now() >= deadline {
			_ = in.Terminate() // from running it always succeeds
			return
		}
		g.s.After(time.Second, check)
	}
	check()
}
