package autoscaling

import "fmt"

// Warm pool lifecycle states.
const (
	WarmedPending    LifecycleState = "Warmed:Pending"
	WarmedStopped    LifecycleState = "Warmed:Stopped"
	WarmedRunning    LifecycleState = "Warmed:Running"
	WarmedHibernated LifecycleState = "Warmed:Hibernated"
)

// WarmPoolState is the state pool instances wait in.
type WarmPoolState string

// Warm pool states: Stopped (the recommended one: only EBS is paid, which
// nimbus does not bill), Running (billed as running) or Hibernated (memory
// kept, so a warm start skips the application's boot and warm-up; needs
// HibernationEnabled in the launch template).
const (
	PoolStopped    WarmPoolState = "Stopped"
	PoolRunning    WarmPoolState = "Running"
	PoolHibernated WarmPoolState = "Hibernated"
)

// WarmPoolConfig configures a group's warm pool (PutWarmPool).
type WarmPoolConfig struct {
	// MinSize is the fewest instances kept in the pool.
	MinSize int
	// MaxGroupPreparedCapacity, when set, sizes the pool as it minus
	// desired capacity; otherwise MaxSize minus desired.
	MaxGroupPreparedCapacity *int
	// PoolState defaults to Stopped.
	PoolState WarmPoolState
	// ReuseOnScaleIn returns scaled-in instances to the pool instead of
	// terminating them.
	ReuseOnScaleIn bool
}

func (in *Instance) warm() bool {
	switch in.state {
	case WarmedPending, WarmedStopped, WarmedRunning, WarmedHibernated:
		return true
	}
	return false
}

// PutWarmPool adds or replaces the group's warm pool. Scale-outs then start
// pool instances (a warm start) before launching new ones.
func (g *Group) PutWarmPool(cfg WarmPoolConfig) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("autoscaling: group %q: warm pool: "+format+": %w", append([]any{g.name}, append(args, ErrInvalidConfig)...)...)
	}
	if g.cfg.MixedInstancesPolicy != nil {
		return bad("not supported with a MixedInstancesPolicy")
	}
	if cfg.MinSize < 0 {
		return bad("MinSize %d < 0", cfg.MinSize)
	}
	if p := cfg.MaxGroupPreparedCapacity; p != nil && *p < 0 {
		return bad("MaxGroupPreparedCapacity %d < 0", *p)
	}
	switch cfg.PoolState {
	case "":
		cfg.PoolState = PoolStopped
	case PoolStopped, PoolRunning:
	case PoolHibernated:
		if spec, _ := g.lt.Version(g.ltVersion()); !spec.HibernationEnabled {
			return bad("PoolState Hibernated needs HibernationEnabled in the launch template")
		}
	default:
		return bad("PoolState %q unknown", cfg.PoolState)
	}
	g.pool = &cfg
	g.reconcile()
	return nil
}

// DeleteWarmPool removes the pool and terminates its instances.
func (g *Group) DeleteWarmPool() {
	g.pool = nil
	for _, in := range g.WarmPoolInstances() {
		g.dropWarm(in)
	}
}

// WarmPoolInstances returns the instances in the warm pool.
func (g *Group) WarmPoolInstances() []*Instance {
	var out []*Instance
	for _, in := range g.instances {
		if in.warm() {
			out = append(out, in)
		}
	}
	return out
}

// poolTarget is the pool size AWS keeps: prepared capacity minus desired,
// at least MinSize.
func (g *Group) poolTarget() int {
	prepared := g.max
	if p := g.pool.MaxGroupPreparedCapacity; p != nil {
		prepared = *p
	}
	return max(g.pool.MinSize, prepared-g.desired)
}

// fillPool launches into or trims the warm pool.
func (g *Group) fillPool() {
	if g.pool == nil || g.deleted {
		return
	}
	pool := g.WarmPoolInstances()
	for n := len(pool); n < g.poolTarget(); n++ {
		g.toPool = true
		in := g.launch("", nil, fmt.Sprintf("At %s an instance was launched into the warm pool.", g.stamp()))
		g.toPool = false
		if in == nil {
			return
		}
	}
	for i := len(pool) - 1; i >= g.poolTarget(); i-- {
		g.dropWarm(pool[i])
	}
}

func (g *Group) dropWarm(in *Instance) {
	in.state = Terminating
	in.act = g.activity("Terminating EC2 instance from the warm pool: "+in.ID(), fmt.Sprintf("At %s the warm pool shrank.", g.stamp()))
	g.finish(in)
}

// fromPool starts a pool instance for a scale-out (a warm start), choosing
// one in the AZ with the fewest live instances; nil when the pool has none
// ready.
func (g *Group) fromPool() *Instance {
	if g.pool == nil {
		return nil
	}
	counts := g.azCounts()
	var best *Instance
	for _, in := range g.instances {
		if in.state != WarmedStopped && in.state != WarmedRunning && in.state != WarmedHibernated {
			continue
		}
		if best == nil || counts[in.AZ()] < counts[best.AZ()] || (in.state == WarmedRunning && best.state != WarmedRunning && counts[in.AZ()] == counts[best.AZ()]) {
			best = in
		}
	}
	if best == nil {
		return nil
	}
	from := best.state
	best.state = Pending
	if g.markSimple != nil { // the warm start is the simple policy's activity
		best.simple = g.markSimple
		g.simpleBusy++
	}
	best.act = g.activity("Launching a new EC2 instance from the warm pool: "+best.ID(),
		g.cause+fmt.Sprintf(" At %s an instance was started from the warm pool in response to a difference between desired and actual capacity.", g.stamp()))
	if from == WarmedRunning {
		g.launchHooks(best)
		return best
	}
	if err := best.ec.Start(); err != nil {
		g.endActivity(best.act, StatusFailed, err.Error())
		best.unhealthy = true
	}
	return best
}

// poolRunning handles a pool instance reaching running: it stays running or
// is stopped or hibernated, as the pool says.
func (g *Group) poolRunning(in *Instance) {
	if in.act != nil && in.act.StatusCode == StatusInProgress {
		g.endActivity(in.act, StatusSuccessful, "")
	}
	switch g.poolState() {
	case PoolRunning:
		in.state = WarmedRunning
	case PoolHibernated:
		if in.ec.Hibernate() != nil {
			_ = in.ec.Stop()
		}
	default:
		_ = in.ec.Stop()
	}
}

func (g *Group) poolState() WarmPoolState {
	if g.pool == nil {
		return PoolStopped
	}
	return g.pool.PoolState
}

// poolStopped records a pool instance at rest.
func (g *Group) poolStopped(in *Instance) {
	in.state = WarmedStopped
	if g.poolState() == PoolHibernated {
		in.state = WarmedHibernated
	}
	if in.act != nil && in.act.StatusCode == StatusInProgress {
		g.endActivity(in.act, StatusSuccessful, "")
	}
}

// reuse returns a scaled-in instance to the pool instead of terminating it.
func (g *Group) reuse(in *Instance) bool {
	if g.pool == nil || !g.pool.ReuseOnScaleIn || in.unhealthy || len(g.WarmPoolInstances()) >= g.poolTarget() {
		return false
	}
	in.state = WarmedPending
	in.act.Description = "Moving EC2 instance to the warm pool: " + in.ID()
	in.inService = 0
	// The scale-in ends here, not in gone: a simple policy's activity is
	// over, and when started from the pool again the instance is neither a
	// health replacement nor a scale-in victim.
	g.simpleDone(in)
	in.heal, in.scaledIn = false, false
	if g.poolState() == PoolRunning {
		in.state = WarmedRunning
		g.endActivity(in.act, StatusSuccessful, "")
		return true
	}
	g.poolRunning(in)
	return true
}
