package autoscaling

import (
	"time"

	"github.com/nimbus-sim/nimbus/ec2"
)

// TerminationPolicy chooses which instance a scale-in terminates.
type TerminationPolicy string

// Termination policies (ec2-auto-scaling-termination-policies).
const (
	// TerminateDefault: (mixed-instances groups: the allocation strategy
	// first,) oldest launch template, then closest to the next billing
	// hour, then at random. Must be last in a list.
	TerminateDefault TerminationPolicy = "Default"
	// OldestInstance terminates the oldest instance.
	OldestInstance TerminationPolicy = "OldestInstance"
	// NewestInstance terminates the newest instance.
	NewestInstance TerminationPolicy = "NewestInstance"
	// OldestLaunchTemplate terminates instances on a template other than the
	// group's current one, then the oldest version of the current one.
	OldestLaunchTemplate TerminationPolicy = "OldestLaunchTemplate"
	// OldestLaunchConfiguration prefers the oldest launch configuration;
	// nimbus has no launch configurations, so it never narrows the choice.
	OldestLaunchConfiguration TerminationPolicy = "OldestLaunchConfiguration"
	// ClosestToNextInstanceHour terminates the instance nearest the end of
	// its current instance-hour since launch.
	ClosestToNextInstanceHour TerminationPolicy = "ClosestToNextInstanceHour"
	// AllocationStrategy terminates what brings the On-Demand/Spot split
	// back to the mixed-instances distribution (Spot first when Spot is over
	// its share).
	AllocationStrategy TerminationPolicy = "AllocationStrategy"
)

func (p TerminationPolicy) valid() bool {
	switch p {
	case TerminateDefault, OldestInstance, NewestInstance, OldestLaunchTemplate, OldestLaunchConfiguration,
		ClosestToNextInstanceHour, AllocationStrategy:
		return true
	}
	return false
}

// chooseVictim picks the instance a scale-in terminates among the live,
// unprotected instances accepted by filter (nil accepts all): first the AZ
// with the most live instances that has a candidate, then the custom
// policy and the termination policies in order, then a random one.
func (g *Group) chooseVictim(filter func(*Instance) bool) *Instance {
	var cands []*Instance
	for _, in := range g.live() {
		if !in.protected && !in.replaced && (filter == nil || filter(in)) {
			cands = append(cands, in)
		}
	}
	if len(cands) == 0 {
		return nil
	}
	counts := g.azCounts()
	top := -1
	for _, in := range cands {
		top = max(top, counts[in.AZ()])
	}
	cands = keep(cands, func(in *Instance) bool { return counts[in.AZ()] == top })
	if f := g.cfg.CustomTerminationPolicy; f != nil {
		if pick := f(append([]*Instance(nil), cands...)); len(pick) > 0 {
			for _, p := range pick {
				if p != nil && p.g == g && p.live() && !p.protected {
					return p
				}
			}
		}
	}
	for _, p := range g.cfg.TerminationPolicies {
		if p == TerminateDefault {
			// Mixed-instances groups first restore the On-Demand/Spot split.
			cands = g.byPolicy(AllocationStrategy, cands)
			cands = g.byPolicy(OldestLaunchTemplate, cands)
			cands = g.byPolicy(ClosestToNextInstanceHour, cands)
		} else {
			cands = g.byPolicy(p, cands)
		}
		if len(cands) == 1 {
			return cands[0]
		}
	}
	return cands[g.rnd.IntN(len(cands))]
}

// byPolicy narrows cands to the instances policy p prefers to terminate.
func (g *Group) byPolicy(p TerminationPolicy, cands []*Instance) []*Instance {
	now := g.s.Now()
	switch p {
	case OldestInstance:
		return argBest(cands, func(in *Instance) int64 { return int64(in.LaunchTime()) })
	case NewestInstance:
		return argBest(cands, func(in *Instance) int64 { return -int64(in.LaunchTime()) })
	case OldestLaunchTemplate:
		if other := keep(cands, func(in *Instance) bool { return in.lt != g.lt }); len(other) > 0 {
			return other
		}
		return argBest(cands, func(in *Instance) int64 { return int64(in.version) })
	case ClosestToNextInstanceHour:
		return argBest(cands, func(in *Instance) int64 {
			used := now.Sub(in.LaunchTime()) % time.Hour
			return int64(time.Hour - used)
		})
	case AllocationStrategy:
		mp := g.cfg.MixedInstancesPolicy
		if mp == nil {
			return cands
		}
		d := mp.InstancesDistribution
		pct := 100
		if d.OnDemandPercentageAboveBaseCapacity != nil {
			pct = *d.OnDemandPercentageAboveBaseCapacity
		}
		live := g.live()
		total := len(live) - 1
		od := 0
		for _, in := range live {
			if in.ec.Market() != ec2.MarketSpot {
				od++
			}
		}
		wantOD := min(total, d.OnDemandBaseCapacity) + (max(total-d.OnDemandBaseCapacity, 0)*pct+99)/100
		spot := od <= wantOD
		if sub := keep(cands, func(in *Instance) bool { return (in.ec.Market() == ec2.MarketSpot) == spot }); len(sub) > 0 {
			return sub
		}
	}
	return cands
}

// argBest returns the instances with the smallest key.
func argBest(cands []*Instance, key func(*Instance) int64) []*Instance {
	var out []*Instance
	var best int64
	for _, in := range cands {
		k := key(in)
		switch {
		case len(out) == 0 || k < best:
			out, best = []*Instance{in}, k
		case k == best:
			out = append(out, in)
		}
	}
	return out
}

func keep(cands []*Instance, f func(*Instance) bool) []*Instance {
	var out []*Instance
	for _, in := range cands {
		if f(in) {
			out = append(out, in)
		}
	}
	return out
}
