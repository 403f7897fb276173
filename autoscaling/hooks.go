package autoscaling

import (
	"fmt"
	"time"

	"github.com/nimbus-sim/nimbus/sim"
)

// LifecycleTransition is where a hook pauses an instance.
type LifecycleTransition string

// Hook points.
const (
	InstanceLaunching   LifecycleTransition = "autoscaling:EC2_INSTANCE_LAUNCHING"
	InstanceTerminating LifecycleTransition = "autoscaling:EC2_INSTANCE_TERMINATING"
)

// LifecycleActionResult is CONTINUE or ABANDON.
type LifecycleActionResult string

// Lifecycle action results.
const (
	Continue LifecycleActionResult = "CONTINUE"
	Abandon  LifecycleActionResult = "ABANDON"
)

// LifecycleHook pauses instances at launch or termination
// (PutLifecycleHook).
type LifecycleHook struct {
	// LifecycleHookName is unique in the group.
	LifecycleHookName string
	// LifecycleTransition is launching or terminating.
	LifecycleTransition LifecycleTransition
	// HeartbeatTimeout is how long the instance waits; default 3,600 s,
	// range 30–7,200 s.
	HeartbeatTimeout time.Duration
	// DefaultResult applies on timeout; default ABANDON.
	DefaultResult LifecycleActionResult
	// Notify, when set, is called when an instance starts waiting (the
	// EventBridge/SNS notification); it may complete the action at once or
	// later through CompleteLifecycleAction.
	Notify func(LifecycleAction)
}

// LifecycleAction identifies one waiting instance of one hook.
type LifecycleAction struct {
	AutoScalingGroupName, LifecycleHookName, InstanceID string
	LifecycleTransition                                 LifecycleTransition
}

type hookWait struct {
	hook     *LifecycleHook
	timer    sim.Timer
	deadline sim.Time // global limit: min(48 h, 100 × timeout)
}

// PutLifecycleHook adds or replaces a hook.
func (g *Group) PutLifecycleHook(h LifecycleHook) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("autoscaling: group %q: lifecycle hook %q: "+format+": %w", append([]any{g.name, h.LifecycleHookName}, append(args, ErrInvalidConfig)...)...)
	}
	if h.LifecycleHookName == "" {
		return bad("LifecycleHookName is empty")
	}
	if h.LifecycleTransition != InstanceLaunching && h.LifecycleTransition != InstanceTerminating {
		return bad("LifecycleTransition %q unknown", h.LifecycleTransition)
	}
	if h.HeartbeatTimeout == 0 {
		h.HeartbeatTimeout = time.Hour
	}
	if h.HeartbeatTimeout < 30*time.Second || h.HeartbeatTimeout > 2*time.Hour {
		return bad("HeartbeatTimeout %v not in [30 s, 7200 s]", h.HeartbeatTimeout)
	}
	switch h.DefaultResult {
	case "":
		h.DefaultResult = Abandon
	case Continue, Abandon:
	default:
		return bad("DefaultResult %q is not CONTINUE or ABANDON", h.DefaultResult)
	}
	for i, old := range g.hooks {
		if old.LifecycleHookName == h.LifecycleHookName {
			g.hooks[i] = &h
			return nil
		}
	}
	g.hooks = append(g.hooks, &h)
	return nil
}

func (g *Group) startHooks(in *Instance, tr LifecycleTransition) bool {
	for _, h := range g.hooks {
		if h.LifecycleTransition != tr {
			continue
		}
		if in.waits == nil {
			in.waits = map[string]*hookWait{}
		}
		w := &hookWait{hook: h, deadline: g.s.Now().Add(min(48*time.Hour, 100*h.HeartbeatTimeout))}
		w.timer = g.s.After(h.HeartbeatTimeout, func() { g.complete(in, h.LifecycleHookName, h.DefaultResult) })
		in.waits[h.LifecycleHookName] = w
	}
	if len(in.waits) == 0 {
		return false
	}
	for _, name := range sortedKeys(in.waits) {
		if h := in.waits[name].hook; h.Notify != nil {
			h.Notify(LifecycleAction{AutoScalingGroupName: g.name, LifecycleHookName: name, InstanceID: in.ID(), LifecycleTransition: tr})
		}
	}
	return true
}

func (g *Group) launchHooks(in *Instance) {
	if !g.startHooks(in, InstanceLaunching) {
		g.enterService(in)
		return
	}
	in.state = PendingWait
}

func (g *Group) terminateHooks(in *Instance) {
	if !g.startHooks(in, InstanceTerminating) {
		g.finish(in)
		return
	}
	in.state = TerminatingWait
}

func (g *Group) cancelHooks(in *Instance) {
	for _, name := range sortedKeys(in.waits) {
		g.s.Cancel(in.waits[name].timer)
	}
	in.waits = nil
}

// CompleteLifecycleAction ends an instance's wait on a hook.
func (g *Group) CompleteLifecycleAction(hook, instanceID string, result LifecycleActionResult) error {
	in := g.find(instanceID)
	if in == nil || in.waits[hook] == nil {
		return fmt.Errorf("autoscaling: group %q: no lifecycle action for hook %q, instance %s: %w", g.name, hook, instanceID, ErrNotFound)
	}
	if result != Continue && result != Abandon {
		return fmt.Errorf("autoscaling: group %q: LifecycleActionResult %q: %w", g.name, result, ErrInvalidConfig)
	}
	g.complete(in, hook, result)
	return nil
}

// RecordLifecycleActionHeartbeat restarts a hook's timeout, within the
// global limit of min(48 h, 100 × HeartbeatTimeout).
func (g *Group) RecordLifecycleActionHeartbeat(hook, instanceID string) error {
	in := g.find(instanceID)
	if in == nil || in.waits[hook] == nil {
		return fmt.Errorf("autoscaling: group %q: no lifecycle action for hook %q, instance %s: %w", g.name, hook, instanceID, ErrNotFound)
	}
	w := in.waits[hook]
	at := min(g.s.Now().Add(w.hook.HeartbeatTimeout), w.deadline)
	if t, ok := g.s.Reschedule(w.timer, at); ok {
		w.timer = t
	}
	return nil
}

func (g *Group) complete(in *Instance, hook string, result LifecycleActionResult) {
	w := in.waits[hook]
	if w == nil {
		return
	}
	g.s.Cancel(w.timer)
	delete(in.waits, hook)
	if result == Abandon {
		in.abandon = true
	}
	if g.s.Tracing() {
		g.s.Trace("autoscaling", "CompleteLifecycleAction", g.name, sim.F("instance", in.ID()), sim.F("hook", hook), sim.F("result", string(result)))
	}
	switch in.state {
	case PendingWait:
		if in.abandon {
			g.cancelHooks(in)
			in.unhealthy = true
			g.endActivity(in.act, StatusCancelled, "lifecycle action abandoned")
			g.reconcile()
			return
		}
		if len(in.waits) == 0 {
			in.state = PendingProceed
			g.enterService(in)
		}
	case TerminatingWait:
		if in.abandon || len(in.waits) == 0 {
			g.cancelHooks(in)
			in.state = TerminatingProceed
			g.finish(in)
		}
	}
}
