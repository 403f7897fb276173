package autoscaling

import (
	"fmt"
	"time"

	"github.com/nimbus-sim/nimbus/sim"
)

// InstanceRefresh is a rolling replacement of the instances whose template
// version differs from the group's (StartInstanceRefresh with SkipMatching).
type InstanceRefresh struct {
	// InstanceRefreshID identifies the refresh.
	InstanceRefreshID string
	// Status is "InProgress", "Successful" or "Cancelled".
	Status string
	// StartTime and EndTime bound it (EndTime 0 while in progress).
	StartTime, EndTime sim.Time
	// PercentageComplete is the share of the instances to replace that
	// have been replaced.
	PercentageComplete int
	minHealthy         int
	warmup             time.Duration
	total              int
}

// RefreshPreferences tune an instance refresh.
type RefreshPreferences struct {
	// MinHealthyPercentage of desired capacity stays InService and warm;
	// default 90.
	MinHealthyPercentage *int
	// InstanceWarmup defaults to the group's warm-up.
	InstanceWarmup *time.Duration
}

// StartInstanceRefresh replaces, batch by batch (terminate then launch),
// every instance not on the group's current template version, keeping
// MinHealthyPercentage of desired capacity healthy.
func (g *Group) StartInstanceRefresh(p RefreshPreferences) (*InstanceRefresh, error) {
	if g.refresh != nil && g.refresh.Status == "InProgress" {
		return nil, fmt.Errorf("autoscaling: group %q: an instance refresh is in progress: %w", g.name, ErrScalingActivityInProgress)
	}
	r := &InstanceRefresh{InstanceRefreshID: uuid(g.s.Stream("autoscaling/" + g.name + "/refresh-ids")), Status: "InProgress",
		StartTime: g.s.Now(), minHealthy: 90, warmup: g.warmup()}
	if p.MinHealthyPercentage != nil {
		r.minHealthy = *p.MinHealthyPercentage
	}
	if r.minHealthy < 0 || r.minHealthy > 100 {
		return nil, fmt.Errorf("autoscaling: group %q: MinHealthyPercentage %d not in [0, 100]: %w", g.name, r.minHealthy, ErrInvalidConfig)
	}
	if p.InstanceWarmup != nil {
		if *p.InstanceWarmup < 0 {
			return nil, fmt.Errorf("autoscaling: group %q: InstanceWarmup %v < 0: %w", g.name, *p.InstanceWarmup, ErrInvalidConfig)
		}
		r.warmup = *p.InstanceWarmup
	}
	r.total = len(g.stale())
	g.refresh = r
	g.refreshStep()
	return r, nil
}

// stale returns the live instances not on the current template version.
func (g *Group) stale() []*Instance {
	v := g.ltVersion()
	return keep(g.live(), func(in *Instance) bool { return in.lt != g.lt || in.version != v })
}

func (g *Group) refreshStep() {
	r := g.refresh
	if r == nil || r.Status != "InProgress" {
		return
	}
	now := g.s.Now()
	healthy := 0
	for _, in := range g.live() {
		if in.state != InService || now < in.inService.Add(r.warmup) {
			return // wait for the previous batch to be in service and warm
		}
		if !in.unhealthy {
			healthy++
		}
	}
	old := g.stale()
	r.PercentageComplete = 100
	if r.total > 0 {
		r.PercentageComplete = 100 * (r.total - len(old)) / r.total
	}
	if len(old) == 0 {
		r.Status, r.EndTime = "Successful", now
		return
	}
	keepN := (g.desired*r.minHealthy + 99) / 100
	batch := max(1, healthy-keepN)
	stale := map[*Instance]bool{}
	for _, in := range old {
		stale[in] = true
	}
	for range min(batch, len(old)) {
		v := g.chooseVictim(func(in *Instance) bool { return stale[in] })
		if v == nil {
			break
		}
		delete(stale, v)
		g.terminate(v, fmt.Sprintf("At %s an instance was taken out of service in response to an instance refresh.", g.stamp()))
	}
	g.reconcile()
}

// CancelInstanceRefresh stops the refresh in progress.
func (g *Group) CancelInstanceRefresh() error {
	if g.refresh == nil || g.refresh.Status != "InProgress" {
		return fmt.Errorf("autoscaling: group %q: no instance refresh in progress: %w", g.name, ErrNotFound)
	}
	g.refresh.Status, g.refresh.EndTime = "Cancelled", g.s.Now()
	return nil
}
