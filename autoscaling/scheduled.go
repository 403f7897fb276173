package autoscaling

import (
	"fmt"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/nimbus-sim/nimbus/sim"
)

// Schedule gives the next activation strictly after a wall-clock instant,
// in that instant's location.
type Schedule interface {
	Next(t time.Time) time.Time
}

// ParseRecurrence parses a 5-field cron expression (minute hour
// day-of-month month day-of-week) or a descriptor such as "@daily", as
// scheduled actions take them.
func ParseRecurrence(expr string) (Schedule, error) {
	sch, err := cron.ParseStandard(expr)
	if err != nil {
		return nil, fmt.Errorf("autoscaling: Recurrence %q: %v: %w", expr, err, ErrInvalidConfig)
	}
	return sch, nil
}

// ScheduledActionConfig is a scheduled action
// (PutScheduledUpdateGroupAction). At least one of MinSize, MaxSize and
// DesiredCapacity is set.
type ScheduledActionConfig struct {
	// ScheduledActionName is unique in the group.
	ScheduledActionName string
	// Recurrence is a cron expression; empty means a one-off action at
	// StartTime.
	Recurrence string
	// TimeZone is the IANA zone of Recurrence; default "Etc/UTC".
	TimeZone string
	// StartTime and EndTime bound a recurring action (zero = unbounded);
	// StartTime is when a one-off action runs.
	StartTime, EndTime time.Time
	// MinSize, MaxSize and DesiredCapacity are set when not nil.
	MinSize, MaxSize, DesiredCapacity *int
}

// ScheduledAction is a scheduled action of a group.
type ScheduledAction struct {
	g     *Group
	cfg   ScheduledActionConfig
	sched Schedule
	loc   *time.Location
	timer sim.Timer
	runs  int
}

// Name returns the action's name.
func (sa *ScheduledAction) Name() string { return sa.cfg.ScheduledActionName }

// Runs counts the action's executions.
func (sa *ScheduledAction) Runs() int { return sa.runs }

// NextRun returns the next execution time, if any.
func (sa *ScheduledAction) NextRun() (sim.Time, bool) { return sa.g.s.When(sa.timer) }

// PutScheduledUpdateGroupAction validates and schedules an action. Actions
// run on time (AWS may run them up to 2 minutes late) and ignore cooldowns.
func (g *Group) PutScheduledUpdateGroupAction(cfg ScheduledActionConfig) (*ScheduledAction, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("autoscaling: group %q: scheduled action %q: "+format+": %w", append([]any{g.name, cfg.ScheduledActionName}, append(args, ErrInvalidConfig)...)...)
	}
	if cfg.ScheduledActionName == "" {
		return nil, bad("ScheduledActionName is empty")
	}
	for _, o := range g.scheduled {
		if o.cfg.ScheduledActionName == cfg.ScheduledActionName {
			return nil, fmt.Errorf("autoscaling: group %q: scheduled action %q: %w", g.name, cfg.ScheduledActionName, ErrAlreadyExists)
		}
	}
	if cfg.MinSize == nil && cfg.MaxSize == nil && cfg.DesiredCapacity == nil {
		return nil, bad("set at least one of MinSize, MaxSize and DesiredCapacity")
	}
	if cfg.MinSize != nil && cfg.MaxSize != nil && *cfg.MinSize > *cfg.MaxSize {
		return nil, bad("MinSize %d > MaxSize %d", *cfg.MinSize, *cfg.MaxSize)
	}
	if !cfg.EndTime.IsZero() && !cfg.EndTime.After(cfg.StartTime) {
		return nil, bad("EndTime is not after StartTime")
	}
	sa := &ScheduledAction{g: g, cfg: cfg, loc: time.UTC}
	if cfg.TimeZone != "" {
		loc, err := time.LoadLocation(cfg.TimeZone)
		if err != nil {
			return nil, bad("TimeZone %q: %v", cfg.TimeZone, err)
		}
		sa.loc = loc
	}
	if cfg.Recurrence == "" {
		if cfg.StartTime.IsZero() {
			return nil, bad("a one-off action needs StartTime")
		}
		if g.s.TimeOf(cfg.StartTime) < g.s.Now() {
			return nil, bad("StartTime %v is in the past", cfg.StartTime)
		}
	} else {
		sch, err := ParseRecurrence(cfg.Recurrence)
		if err != nil {
			return nil, fmt.Errorf("autoscaling: group %q: scheduled action %q: %w", g.name, cfg.ScheduledActionName, err)
		}
		sa.sched = sch
	}
	g.scheduled = append(g.scheduled, sa)
	sa.arm()
	return sa, nil
}

// arm schedules the next execution, if there is one.
func (sa *ScheduledAction) arm() {
	s := sa.g.s
	var at time.Time
	if sa.sched == nil {
		if sa.runs > 0 {
			return
		}
		at = sa.cfg.StartTime
	} else {
		from := s.Wall(s.Now())
		if !sa.cfg.StartTime.IsZero() && sa.cfg.StartTime.After(from) {
			from = sa.cfg.StartTime.Add(-time.Second)
		}
		at = sa.sched.Next(from.In(sa.loc))
		if at.IsZero() || (!sa.cfg.EndTime.IsZero() && at.After(sa.cfg.EndTime)) {
			return
		}
	}
	t := max(s.TimeOf(at), s.Now())
	sa.timer = s.Schedule(t, sa.run)
}

func (sa *ScheduledAction) run() {
	g := sa.g
	sa.runs++
	c := sa.cfg
	mn, mx := g.min, g.max
	if c.MinSize != nil {
		mn = *c.MinSize
	}
	if c.MaxSize != nil {
		mx = *c.MaxSize
	}
	d := min(max(g.desired, mn), mx)
	if c.DesiredCapacity != nil {
		d = *c.DesiredCapacity
	}
	from := g.desired
	cause := fmt.Sprintf("At %s a scheduled action update of AutoScalingGroup constraints to min: %d, max: %d, desired: %d changing the desired capacity from %d to %d.",
		g.stamp(), mn, mx, d, from, d)
	if mn > mx || d < mn || d > mx {
		a := g.activity("Executing scheduled action "+c.ScheduledActionName, cause)
		g.endActivity(a, StatusFailed, fmt.Sprintf("desired %d outside [min %d, max %d]", d, mn, mx))
	} else {
		g.min, g.max = mn, mx
		if s := g.s; s.Tracing() {
			s.Trace("autoscaling", "ScheduledAction", g.name, sim.F("action", c.ScheduledActionName), sim.F("min", mn), sim.F("max", mx), sim.F("desired", d))
		}
		g.setDesired(d, cause)
		g.reconcile() // min/max alone may need instances
	}
	sa.arm()
}

// DeleteScheduledAction removes an action.
func (g *Group) DeleteScheduledAction(name string) error {
	for i, sa := range g.scheduled {
		if sa.cfg.ScheduledActionName == name {
			g.s.Cancel(sa.timer)
			g.scheduled = append(g.scheduled[:i], g.scheduled[i+1:]...)
			return nil
		}
	}
	return fmt.Errorf("autoscaling: group %q: scheduled action %q: %w", g.name, name, ErrNotFound)
}
