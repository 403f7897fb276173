package autoscaling

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/nimbus-sim/nimbus/cloudwatch"
	"github.com/nimbus-sim/nimbus/ec2"
	"github.com/nimbus-sim/nimbus/elb"
	"github.com/nimbus-sim/nimbus/sim"
)

// LifecycleState is an instance's state in its group, as
// DescribeAutoScalingInstances reports it.
type LifecycleState string

// Lifecycle states (ec2-auto-scaling-lifecycle).
const (
	Pending            LifecycleState = "Pending"
	PendingWait        LifecycleState = "Pending:Wait"
	PendingProceed     LifecycleState = "Pending:Proceed"
	InService          LifecycleState = "InService"
	Terminating        LifecycleState = "Terminating"
	TerminatingWait    LifecycleState = "Terminating:Wait"
	TerminatingProceed LifecycleState = "Terminating:Proceed"
	Terminated         LifecycleState = "Terminated"
)

// HealthCheckType says which health checks replace instances.
type HealthCheckType string

// Health check types. EC2 status checks always apply; ELB adds the target
// groups' health.
const (
	HealthCheckEC2 HealthCheckType = "EC2"
	HealthCheckELB HealthCheckType = "ELB"
)

// DefaultCooldown is the group cooldown when none is set (300 s).
const DefaultCooldown = 300 * time.Second

// LaunchTemplateSpecification names a template and a version: "$Default"
// (also when empty), "$Latest" or a number.
type LaunchTemplateSpecification struct {
	Template *LaunchTemplate
	Version  string
}

// InstancesDistribution splits a mixed-instances group between On-Demand and
// Spot capacity.
type InstancesDistribution struct {
	// OnDemandBaseCapacity is the number of instances always On-Demand.
	OnDemandBaseCapacity int
	// OnDemandPercentageAboveBaseCapacity is the On-Demand share (0–100) of
	// capacity above the base; nil means 100.
	OnDemandPercentageAboveBaseCapacity *int
	// SpotAllocationStrategy is "price-capacity-optimized" (default),
	// "lowest-price", "capacity-optimized" or
	// "capacity-optimized-prioritized". Without a capacity model the
	// price strategies pick the cheapest current spot price in the AZ and
	// the capacity strategies the first override [assumption].
	SpotAllocationStrategy string
}

// MixedInstancesPolicy launches several instance types and purchase options.
type MixedInstancesPolicy struct {
	// LaunchTemplate supplies everything but the type and market.
	LaunchTemplate LaunchTemplateSpecification
	// Overrides are instance types in priority order (On-Demand uses the
	// first, AWS's "prioritized" strategy).
	Overrides []string
	// InstancesDistribution splits On-Demand and Spot.
	InstancesDistribution InstancesDistribution
}

// GroupConfig describes an Auto Scaling group (CreateAutoScalingGroup).
type GroupConfig struct {
	// AutoScalingGroupName is unique in the service, 1–255 characters.
	AutoScalingGroupName string
	// LaunchTemplate is the template and version instances launch from;
	// exactly one of it and MixedInstancesPolicy is set.
	LaunchTemplate *LaunchTemplateSpecification
	// MixedInstancesPolicy launches several types, On-Demand and Spot.
	MixedInstancesPolicy *MixedInstancesPolicy
	// MinSize and MaxSize bound the capacity, in instances.
	MinSize, MaxSize int
	// DesiredCapacity is the initial capacity; nil means MinSize.
	DesiredCapacity *int
	// Subnets are the VPCZoneIdentifier subnets; their AZs are the group's.
	Subnets []ec2.Subnet
	// TargetGroups receive the instances before they enter service.
	TargetGroups []TargetGroup
	// HealthCheckType is EC2 (default) or ELB.
	HealthCheckType HealthCheckType
	// HealthCheckGracePeriod delays health checks after an instance enters
	// service; default 0 (the API's; the console sets 300 s).
	HealthCheckGracePeriod time.Duration
	// DefaultCooldown applies to simple scaling only; nil means 300 s.
	DefaultCooldown *time.Duration
	// DefaultInstanceWarmup, when set, keeps a new instance out of the
	// group's aggregated metrics for that long after it enters service and
	// is every policy's warm-up unless the policy sets its own. When nil,
	// policies fall back to DefaultCooldown, as AWS does.
	DefaultInstanceWarmup *time.Duration
	// TerminationPolicies apply in order; default [Default].
	TerminationPolicies []TerminationPolicy
	// CustomTerminationPolicy, when set, runs before TerminationPolicies
	// (AWS requires a Lambda policy to be first): it returns the candidates
	// it prefers to terminate, in order; an empty result defers to the rest.
	CustomTerminationPolicy func(candidates []*Instance) []*Instance
	// NewInstancesProtectedFromScaleIn protects each new instance.
	NewInstancesProtectedFromScaleIn bool
	// MaxInstanceLifetime replaces instances older than it (launch before
	// terminate, one at a time); 0 means none, otherwise ≥ 86,400 s.
	MaxInstanceLifetime time.Duration
	// CapacityRebalance replaces Spot instances that get a rebalance
	// recommendation before they are interrupted.
	CapacityRebalance bool
	// MetricsCollection publishes the group metrics (GroupDesiredCapacity,
	// GroupInServiceInstances, ...) to AWS/AutoScaling every minute.
	MetricsCollection bool
	// Tags are added to every instance.
	Tags map[string]string
}

// Int returns a pointer to n, for optional fields.
func Int(n int) *int { return &n }

// Duration returns a pointer to d, for optional fields.
func Duration(d time.Duration) *time.Duration { return &d }

// Instance is one instance of a group.
type Instance struct {
	g         *Group
	ec        *ec2.Instance
	state     LifecycleState
	unhealthy bool
	lt        *LaunchTemplate
	version   int
	protected bool
	inService sim.Time
	impaired  sim.Time // first failing status check, -1 when passing
	metrics   sim.Timer
	inMetrics bool
	joined    sim.Time // when it joined the group's aggregated metrics
	act       *Activity
	replaces  *Instance // launch-before-terminate: terminate it once this one is healthy
	replaced  bool      // a replacement for it is on its way
	heal      bool      // launched to replace an unhealthy instance
	scaledIn  bool      // terminating because desired capacity fell
	simple    *Policy   // the simple policy whose activity this instance belongs to
	waits     map[string]*hookWait
	abandon   bool
	draining  int
}

// ID returns the EC2 instance ID.
func (in *Instance) ID() string { return in.ec.ID() }

// EC2 returns the EC2 instance.
func (in *Instance) EC2() *ec2.Instance { return in.ec }

// AZ returns the instance's Availability Zone.
func (in *Instance) AZ() string { return in.ec.AZ() }

// LifecycleState returns the instance's state in the group.
func (in *Instance) LifecycleState() LifecycleState { return in.state }

// HealthStatus returns "Healthy" or "Unhealthy".
func (in *Instance) HealthStatus() string {
	if in.unhealthy {
		return "Unhealthy"
	}
	return "Healthy"
}

// LaunchTemplate returns the template and version the instance launched from.
func (in *Instance) LaunchTemplate() (*LaunchTemplate, int) { return in.lt, in.version }

// ProtectedFromScaleIn reports scale-in protection.
func (in *Instance) ProtectedFromScaleIn() bool { return in.protected }

// LaunchTime returns when the instance was launched.
func (in *Instance) LaunchTime() sim.Time { return in.ec.LaunchTime() }

// InServiceTime returns when the instance entered service (0 before).
func (in *Instance) InServiceTime() sim.Time { return in.inService }

func (in *Instance) live() bool {
	switch in.state {
	case Pending, PendingWait, PendingProceed, InService:
		return true
	}
	return false
}

func (in *Instance) pending() bool { return in.live() && in.state != InService }

// Group is an Auto Scaling group. It keeps DesiredCapacity instances
// running, balanced across its AZs, and replaces unhealthy ones.
type Group struct {
	a        *AutoScaling
	s        *sim.Sim
	cfg      GroupConfig
	name     string
	lt       *LaunchTemplate
	ltRef    string
	min, max int
	desired  int
	floor    int // predictive scaling's capacity for the current hour

	instances  []*Instance
	azs        []string
	subnets    map[string][]ec2.Subnet
	nextSubnet map[string]int
	avoid      map[string]sim.Time

	activities []*Activity
	policies   []*Policy
	scheduled  []*ScheduledAction
	hooks      []*LifecycleHook

	cause         string
	extra         int
	markSimple    *Policy
	cooldownUntil sim.Time
	simpleBusy    int
	owed          int // unhealthy instances terminated and not yet replaced
	rnd           *rand.Rand
	ticker        *sim.Ticker
	mticker       *sim.Ticker
	refresh       *InstanceRefresh
	deleted       bool
	dims          []cloudwatch.Dimension
	counts        map[string]int
	pool          *WarmPoolConfig
	toPool        bool // the launch in progress goes to the warm pool
}

// CreateAutoScalingGroup validates cfg and creates the group, which starts
// launching its desired capacity at once.
func (a *AutoScaling) CreateAutoScalingGroup(cfg GroupConfig) (*Group, error) {
	name := cfg.AutoScalingGroupName
	bad := func(format string, args ...any) error {
		return fmt.Errorf("autoscaling: group %q: "+format+": %w", append([]any{name}, append(args, ErrInvalidConfig)...)...)
	}
	if name == "" || len(name) > 255 {
		return nil, bad("AutoScalingGroupName must be 1-255 characters")
	}
	if _, ok := a.groups[name]; ok {
		return nil, fmt.Errorf("autoscaling: group %q: %w", name, ErrAlreadyExists)
	}
	g := &Group{a: a, s: a.s, cfg: cfg, name: name, min: cfg.MinSize, max: cfg.MaxSize,
		subnets: map[string][]ec2.Subnet{}, nextSubnet: map[string]int{}, avoid: map[string]sim.Time{},
		rnd:  a.s.Stream("autoscaling/" + name + "/termination"),
		dims: []cloudwatch.Dimension{{Name: "AutoScalingGroupName", Value: name}}}
	switch {
	case cfg.MinSize < 0:
		return nil, bad("MinSize %d < 0", cfg.MinSize)
	case cfg.MinSize > cfg.MaxSize:
		return nil, bad("MinSize %d > MaxSize %d", cfg.MinSize, cfg.MaxSize)
	}
	g.desired = cfg.MinSize
	if cfg.DesiredCapacity != nil {
		g.desired = *cfg.DesiredCapacity
		if g.desired < cfg.MinSize || g.desired > cfg.MaxSize {
			return nil, bad("DesiredCapacity %d outside [MinSize %d, MaxSize %d]", g.desired, cfg.MinSize, cfg.MaxSize)
		}
	}
	if len(cfg.Subnets) == 0 {
		return nil, bad("no Subnets (VPCZoneIdentifier)")
	}
	for i, sn := range cfg.Subnets {
		if sn == nil {
			return nil, bad("Subnets[%d] is nil", i)
		}
		az := sn.AZ()
		if _, ok := g.subnets[az]; !ok {
			g.azs = append(g.azs, az)
		}
		g.subnets[az] = append(g.subnets[az], sn)
	}
	ltSpec := cfg.LaunchTemplate
	if cfg.MixedInstancesPolicy != nil {
		if ltSpec != nil {
			return nil, bad("both LaunchTemplate and MixedInstancesPolicy are set")
		}
		mp := cfg.MixedInstancesPolicy
		ltSpec = &mp.LaunchTemplate
		if len(mp.Overrides) == 0 {
			return nil, bad("MixedInstancesPolicy.Overrides is empty")
		}
		for _, t := range mp.Overrides {
			if _, ok := a.cfg.EC2.Catalog().Lookup(t); !ok {
				return nil, fmt.Errorf("autoscaling: group %q: MixedInstancesPolicy.Overrides %q: %w", name, t, ec2.ErrUnknownInstanceType)
			}
		}
		d := mp.InstancesDistribution
		if d.OnDemandBaseCapacity < 0 {
			return nil, bad("OnDemandBaseCapacity %d < 0", d.OnDemandBaseCapacity)
		}
		if p := d.OnDemandPercentageAboveBaseCapacity; p != nil && (*p < 0 || *p > 100) {
			return nil, bad("OnDemandPercentageAboveBaseCapacity %d not in [0, 100]", *p)
		}
		switch d.SpotAllocationStrategy {
		case "", "price-capacity-optimized", "lowest-price", "capacity-optimized", "capacity-optimized-prioritized":
		default:
			return nil, bad("SpotAllocationStrategy %q unknown", d.SpotAllocationStrategy)
		}
	}
	if ltSpec == nil || ltSpec.Template == nil {
		return nil, bad("no LaunchTemplate")
	}
	if _, err := ltSpec.Template.Resolve(ltSpec.Version); err != nil {
		return nil, fmt.Errorf("autoscaling: group %q: LaunchTemplate: %w", name, err)
	}
	g.lt, g.ltRef = ltSpec.Template, ltSpec.Version
	switch cfg.HealthCheckType {
	case "":
		g.cfg.HealthCheckType = HealthCheckEC2
	case HealthCheckEC2, HealthCheckELB:
	default:
		return nil, bad("HealthCheckType %q is not EC2 or ELB", cfg.HealthCheckType)
	}
	if cfg.HealthCheckGracePeriod < 0 {
		return nil, bad("HealthCheckGracePeriod %v < 0", cfg.HealthCheckGracePeriod)
	}
	if cfg.DefaultCooldown != nil && *cfg.DefaultCooldown < 0 {
		return nil, bad("DefaultCooldown %v < 0", *cfg.DefaultCooldown)
	}
	if cfg.DefaultInstanceWarmup != nil && *cfg.DefaultInstanceWarmup < 0 {
		return nil, bad("DefaultInstanceWarmup %v < 0", *cfg.DefaultInstanceWarmup)
	}
	if cfg.MaxInstanceLifetime != 0 && cfg.MaxInstanceLifetime < 24*time.Hour {
		return nil, bad("MaxInstanceLifetime %v < 86400 s", cfg.MaxInstanceLifetime)
	}
	if len(cfg.TerminationPolicies) == 0 {
		g.cfg.TerminationPolicies = []TerminationPolicy{TerminateDefault}
	}
	for i, p := range g.cfg.TerminationPolicies {
		if !p.valid() {
			return nil, bad("TerminationPolicies[%d] %q unknown", i, p)
		}
		if p == TerminateDefault && i != len(g.cfg.TerminationPolicies)-1 {
			return nil, bad("TerminationPolicies: Default must be last")
		}
	}
	if cfg.MetricsCollection && a.cfg.CloudWatch == nil {
		return nil, bad("MetricsCollection needs Config.CloudWatch")
	}
	for i, tg := range cfg.TargetGroups {
		if tg == nil {
			return nil, bad("TargetGroups[%d] is nil", i)
		}
	}
	a.groups[name] = g
	a.order = append(a.order, g)
	g.cause = fmt.Sprintf("At %s a user request created an AutoScalingGroup changing the desired capacity from 0 to %d.", g.stamp(), g.desired)
	if s := a.s; s.Tracing() {
		s.Trace("autoscaling", "CreateAutoScalingGroup", name, sim.F("min", g.min), sim.F("max", g.max), sim.F("desired", g.desired))
	}
	g.ticker = a.s.Every(a.s.Now().Add(a.cfg.HealthCheckInterval), a.cfg.HealthCheckInterval, func(sim.Time) { g.check() })
	if cfg.MetricsCollection {
		first := (a.s.Now()/sim.Time(time.Minute) + 1) * sim.Time(time.Minute)
		g.mticker = a.s.Every(first, time.Minute, g.publish)
	}
	g.reconcile()
	return g, nil
}

func (g *Group) stamp() string { return g.s.Wall(g.s.Now()).UTC().Format("2006-01-02T15:04:05Z") }

// Name returns the group's name.
func (g *Group) Name() string { return g.name }

// MinSize returns the minimum capacity.
func (g *Group) MinSize() int { return g.min }

// MaxSize returns the maximum capacity.
func (g *Group) MaxSize() int { return g.max }

// DesiredCapacity returns the desired capacity.
func (g *Group) DesiredCapacity() int { return g.desired }

// AvailabilityZones returns the group's AZs in subnet order.
func (g *Group) AvailabilityZones() []string { return append([]string(nil), g.azs...) }

// Instances returns the group's instances that are not terminated, in
// launch order.
func (g *Group) Instances() []*Instance {
	var out []*Instance
	for _, in := range g.instances {
		if !in.warm() {
			out = append(out, in)
		}
	}
	return out
}

// Count returns how many instances are in each lifecycle state.
func (g *Group) Count(state LifecycleState) int {
	n := 0
	for _, in := range g.instances {
		if in.state == state {
			n++
		}
	}
	return n
}

// InService returns the number of InService instances.
func (g *Group) InService() int { return g.Count(InService) }

func (g *Group) live() []*Instance {
	var out []*Instance
	for _, in := range g.instances {
		if in.live() {
			out = append(out, in)
		}
	}
	return out
}

// healing reports a replacement for an unhealthy instance still on its
// way into service: simple policies wait for it as for their own activity.
func (g *Group) healing() bool {
	for _, in := range g.instances {
		if in.heal && in.pending() {
			return true
		}
	}
	return false
}

// terminating counts scale-in victims on their way out (draining,
// terminate hooks, EC2 shutdown). AWS counts instances terminating because
// of scale-in in the current capacity, so an alarm repeated during a
// scale-in removes no more. Victims of health checks, refreshes, lifetime
// and rebalancing do not count: their replacements are already in desired.
func (g *Group) terminating() int {
	n := 0
	for _, in := range g.instances {
		switch in.state {
		case Terminating, TerminatingWait, TerminatingProceed:
			if in.scaledIn {
				n++
			}
		}
	}
	return n
}

func (g *Group) cooldown() time.Duration {
	if g.cfg.DefaultCooldown != nil {
		return *g.cfg.DefaultCooldown
	}
	return DefaultCooldown
}

// warmup is the warm-up of a policy that sets none of its own.
func (g *Group) warmup() time.Duration {
	if g.cfg.DefaultInstanceWarmup != nil {
		return *g.cfg.DefaultInstanceWarmup
	}
	return g.cooldown()
}

// SetDesiredCapacity sets the desired capacity (SetDesiredCapacity). It must
// lie in [MinSize, MaxSize]. With honorCooldown it fails while the group's
// simple-scaling cooldown runs.
func (g *Group) SetDesiredCapacity(n int, honorCooldown bool) error {
	if n < g.min || n > g.max {
		return fmt.Errorf("autoscaling: group %q: DesiredCapacity %d outside [MinSize %d, MaxSize %d]: %w", g.name, n, g.min, g.max, ErrInvalidConfig)
	}
	if honorCooldown && (g.s.Now() < g.cooldownUntil || g.simpleBusy > 0) {
		return fmt.Errorf("autoscaling: group %q: cooldown until %v: %w", g.name, g.cooldownUntil, ErrScalingActivityInProgress)
	}
	g.setDesired(n, fmt.Sprintf("At %s a user request explicitly set group desired capacity changing the desired capacity from %d to %d.", g.stamp(), g.desired, n))
	return nil
}

// UpdateAutoScalingGroup changes the bounds and desired capacity; nil
// fields keep their values. A desired capacity outside new bounds is an
// error; without one, desired is moved inside them.
func (g *Group) UpdateAutoScalingGroup(minSize, maxSize, desired *int) error {
	mn, mx, d := g.min, g.max, g.desired
	if minSize != nil {
		mn = *minSize
	}
	if maxSize != nil {
		mx = *maxSize
	}
	if mn < 0 || mn > mx {
		return fmt.Errorf("autoscaling: group %q: MinSize %d > MaxSize %d: %w", g.name, mn, mx, ErrInvalidConfig)
	}
	if desired != nil {
		d = *desired
		if d < mn || d > mx {
			return fmt.Errorf("autoscaling: group %q: DesiredCapacity %d outside [MinSize %d, MaxSize %d]: %w", g.name, d, mn, mx, ErrInvalidConfig)
		}
	}
	d = min(max(d, mn), mx)
	old := g.desired
	g.min, g.max = mn, mx
	g.setDesired(d, fmt.Sprintf("At %s a user request update of AutoScalingGroup constraints to min: %d, max: %d, desired: %d changing the desired capacity from %d to %d.", g.stamp(), mn, mx, d, old, d))
	return nil
}

// SetLaunchTemplate points the group at another template or version; later
// launches use it.
func (g *Group) SetLaunchTemplate(spec LaunchTemplateSpecification) error {
	if spec.Template == nil {
		return fmt.Errorf("autoscaling: group %q: LaunchTemplate is nil: %w", g.name, ErrInvalidConfig)
	}
	if _, err := spec.Template.Resolve(spec.Version); err != nil {
		return fmt.Errorf("autoscaling: group %q: %w", g.name, err)
	}
	g.lt, g.ltRef = spec.Template, spec.Version
	return nil
}

// SetInstanceProtection sets scale-in protection on instances.
func (g *Group) SetInstanceProtection(protect bool, ids ...string) error {
	for _, id := range ids {
		in := g.find(id)
		if in == nil {
			return fmt.Errorf("autoscaling: group %q: instance %s: %w", g.name, id, ErrNotFound)
		}
		in.protected = protect
	}
	return nil
}

// SetInstanceHealth marks an instance Healthy or Unhealthy (SetInstanceHealth);
// an unhealthy one is replaced at once.
func (g *Group) SetInstanceHealth(id string, healthy bool) error {
	in := g.find(id)
	if in == nil {
		return fmt.Errorf("autoscaling: group %q: instance %s: %w", g.name, id, ErrNotFound)
	}
	in.unhealthy = !healthy
	g.reconcile()
	return nil
}

// TerminateInstanceInAutoScalingGroup terminates an instance; with
// decrement the desired capacity drops by one, otherwise it is replaced.
func (g *Group) TerminateInstanceInAutoScalingGroup(id string, decrement bool) error {
	in := g.find(id)
	if in == nil || !in.live() {
		return fmt.Errorf("autoscaling: group %q: instance %s: %w", g.name, id, ErrNotFound)
	}
	if decrement {
		if g.desired-1 < g.min {
			return fmt.Errorf("autoscaling: group %q: decrementing desired capacity below MinSize %d: %w", g.name, g.min, ErrInvalidConfig)
		}
		g.desired--
	}
	in.scaledIn = decrement
	g.terminate(in, fmt.Sprintf("At %s instance %s was taken out of service in response to a user request.", g.stamp(), id))
	g.reconcile()
	return nil
}

func (g *Group) find(id string) *Instance {
	for _, in := range g.instances {
		if in.ID() == id {
			return in
		}
	}
	return nil
}

// Delete deletes the group and terminates its instances (ForceDelete).
func (g *Group) Delete() {
	if g.deleted {
		return
	}
	g.min, g.max, g.desired, g.floor = 0, 0, 0, 0
	for _, p := range g.policies {
		p.delete()
	}
	g.policies = nil
	for _, sa := range g.scheduled {
		g.s.Cancel(sa.timer)
	}
	g.scheduled = nil
	g.DeleteWarmPool()
	g.reconcile()
	g.deleted = true
	g.ticker.Stop()
	if g.mticker != nil {
		g.mticker.Stop()
	}
	delete(g.a.groups, g.name)
	g.a.order = slices.DeleteFunc(g.a.order, func(x *Group) bool { return x == g })
}

// setDesired changes desired within [min, max] (and not below the
// predictive floor when shrinking) and reconciles.
func (g *Group) setDesired(n int, cause string) {
	n = min(max(n, g.min), g.max)
	if n == g.desired {
		return
	}
	if g.s.Tracing() {
		g.s.Trace("autoscaling", "SetDesiredCapacity", g.name, sim.F("from", g.desired), sim.F("to", n))
	}
	g.desired = n
	g.cause = cause
	g.reconcile()
}

// reconcile terminates unhealthy instances and launches or terminates
// instances until the live ones match desired (plus replacements in flight).
func (g *Group) reconcile() {
	if g.deleted {
		return
	}
	live := 0
	for i := 0; i < len(g.instances); i++ { // terminate never removes instances from the slice
		in := g.instances[i]
		if in.live() && in.unhealthy {
			g.cause = fmt.Sprintf("At %s an instance was taken out of service in response to a health check failure.", g.stamp())
			g.terminate(in, g.cause)
		}
		if in.live() {
			live++
		}
	}
	want := g.desired + g.extra
	for n := live; n < want; n++ {
		in := g.fromPool()
		if in == nil {
			in = g.launch("", nil, "")
		}
		if in == nil {
			break
		}
		if g.owed > 0 {
			in.heal = true
			g.owed--
		}
	}
	g.owed = 0 // replacements not launched now are not owed: desired fell meanwhile
	if excess := live - want; excess > 0 {
		for range excess {
			in := g.chooseVictim(nil)
			if in == nil {
				break
			}
			in.scaledIn = true
			g.terminate(in, g.cause)
		}
	}
	g.fillPool()
}

// pickAZ returns the usable AZ with the fewest live instances (pool
// instances for a pool launch).
func (g *Group) pickAZ() string {
	counts := g.azCounts()
	if g.toPool { // the pool balances across AZs on its own
		clear(counts)
		for _, in := range g.instances {
			if in.warm() {
				counts[in.AZ()]++
			}
		}
	}
	best, bestN := "", 0
	for _, az := range g.azs {
		if g.avoided(az) {
			continue
		}
		if best == "" || counts[az] < bestN {
			best, bestN = az, counts[az]
		}
	}
	if best == "" { // every AZ looks impaired: try them all
		for _, az := range g.azs {
			if best == "" || counts[az] < bestN {
				best, bestN = az, counts[az]
			}
		}
	}
	return best
}

func (g *Group) avoided(az string) bool {
	until, ok := g.avoid[az]
	return ok && g.s.Now() < until
}

// azCounts counts live instances per AZ, not those being replaced. The map
// is reused: callers read it before calling anything that recounts.
func (g *Group) azCounts() map[string]int {
	m := g.counts
	if m == nil {
		m = make(map[string]int, len(g.azs))
		g.counts = m
	}
	clear(m)
	for _, in := range g.instances {
		if in.live() && !in.replaced {
			m[in.AZ()]++
		}
	}
	return m
}

// launch starts one instance in az ("" = the balancing choice); replaces,
// when set, is terminated once the new instance is healthy.
func (g *Group) launch(az string, replaces *Instance, cause string) *Instance {
	if az == "" {
		az = g.pickAZ()
	}
	sns := g.subnets[az]
	sn := sns[g.nextSubnet[az]%len(sns)]
	g.nextSubnet[az]++
	v, err := g.lt.Resolve(g.ltRef)
	if err != nil {
		g.failedActivity("Launching a new EC2 instance", err)
		return nil
	}
	spec, _ := g.lt.Version(v)
	spec.Subnet = sn
	tags := make(map[string]string, len(spec.Tags)+len(g.cfg.Tags)+1)
	for _, k := range sortedKeys(spec.Tags) {
		tags[k] = spec.Tags[k]
	}
	for _, k := range sortedKeys(g.cfg.Tags) {
		tags[k] = g.cfg.Tags[k]
	}
	tags["aws:autoscaling:groupName"] = g.name
	spec.Tags = tags
	if g.cfg.MixedInstancesPolicy != nil {
		g.mixed(&spec, az)
	}
	ei, err := g.a.cfg.EC2.Launch(spec)
	if err != nil {
		g.failedActivity("Launching a new EC2 instance", err)
		return nil
	}
	state := Pending
	if g.toPool {
		state = WarmedPending
	}
	in := &Instance{g: g, ec: ei, state: state, lt: g.lt, version: v, impaired: -1,
		protected: g.cfg.NewInstancesProtectedFromScaleIn, replaces: replaces}
	if g.markSimple != nil && !g.toPool { // refilling the pool is not part of the policy's activity
		in.simple = g.markSimple
		g.simpleBusy++
	}
	if replaces != nil {
		replaces.replaced = true
		g.extra++
	}
	g.instances = append(g.instances, in)
	g.a.byID[ei.ID()] = in
	if cause == "" {
		cause = g.cause + fmt.Sprintf(" At %s an instance was started in response to a difference between desired and actual capacity.", g.stamp())
	}
	desc := "Launching a new EC2 instance: "
	if g.toPool {
		desc = "Launching a new EC2 instance into the warm pool: "
	}
	in.act = g.activity(desc+ei.ID(), cause)
	if g.s.Tracing() {
		g.s.Trace("autoscaling", "LaunchInstance", g.name, sim.F("instance", ei.ID()), sim.F("az", az), sim.F("type", spec.InstanceType), sim.F("version", v))
	}
	return in
}

// mixed chooses the purchase option and type of a mixed-instances launch.
func (g *Group) mixed(spec *ec2.LaunchSpec, az string) {
	mp := g.cfg.MixedInstancesPolicy
	d := mp.InstancesDistribution
	pct := 100
	if d.OnDemandPercentageAboveBaseCapacity != nil {
		pct = *d.OnDemandPercentageAboveBaseCapacity
	}
	onDemand, total := 0, 1
	for _, in := range g.live() {
		total++
		if in.ec.Market() != ec2.MarketSpot {
			onDemand++
		}
	}
	above := max(total-d.OnDemandBaseCapacity, 0)
	wantOD := min(total, d.OnDemandBaseCapacity) + (above*pct+99)/100
	spec.InstanceType = mp.Overrides[0]
	if onDemand < wantOD {
		spec.Market = ec2.MarketOnDemand
		return
	}
	spec.Market = ec2.MarketSpot
	switch d.SpotAllocationStrategy {
	case "capacity-optimized", "capacity-optimized-prioritized":
		return
	}
	best := -1.0
	for _, t := range mp.Overrides {
		if p, err := g.a.cfg.EC2.SpotPrice(t, az); err == nil && (best < 0 || p < best) {
			best, spec.InstanceType = p, t
		}
	}
}

// terminate takes a live instance out of service: deregistration (with
// draining), terminate hooks, then EC2 termination.
func (g *Group) terminate(in *Instance, cause string) {
	if !in.live() {
		return
	}
	wasInService := in.state == InService
	if in.unhealthy {
		g.owed++
	}
	g.cancelHooks(in)
	in.state = Terminating
	if g.markSimple != nil && in.simple == nil {
		in.simple = g.markSimple
		g.simpleBusy++
	}
	if in.replaces != nil { // a replacement that failed: keep the original
		in.replaces.replaced = false
		in.replaces = nil
		g.extra--
	}
	g.s.Cancel(in.metrics)
	if in.inMetrics {
		in.ec.RemoveMetricDimensions("AutoScalingGroupName")
		in.inMetrics = false
	}
	if in.act != nil && in.act.StatusCode == StatusInProgress {
		g.endActivity(in.act, StatusCancelled, "instance terminated before entering service")
	}
	in.act = g.activity(fmt.Sprintf("Terminating EC2 instance: %s", in.ID()), cause)
	if g.s.Tracing() {
		g.s.Trace("autoscaling", "TerminateInstance", g.name, sim.F("instance", in.ID()), sim.F("az", in.AZ()))
	}
	if wasInService && len(g.cfg.TargetGroups) > 0 {
		in.act.StatusCode = StatusWaitingForELBConnectionDraining
		in.draining = len(g.cfg.TargetGroups)
		for _, tg := range g.cfg.TargetGroups {
			if err := tg.Deregister(in.ID(), func() { g.drained(in) }); err != nil {
				g.drained(in)
			}
		}
		return
	}
	g.terminateHooks(in)
}

func (g *Group) drained(in *Instance) {
	in.draining--
	if in.draining == 0 && in.state != Terminated { // EC2 may have terminated it meanwhile
		in.act.StatusCode = StatusInProgress
		g.terminateHooks(in)
	}
}

// finish ends the EC2 side of a termination.
func (g *Group) finish(in *Instance) {
	if g.reuse(in) {
		return
	}
	if err := in.ec.Terminate(); err != nil {
		g.endActivity(in.act, StatusFailed, err.Error())
	}
}

func (g *Group) onEC2(in *Instance, ev ec2.Event) {
	switch ev.Kind {
	case ec2.EventStateChange:
		switch ev.State {
		case ec2.StateRunning:
			switch in.state {
			case Pending:
				g.launchHooks(in)
			case WarmedPending:
				g.poolRunning(in)
			}
		case ec2.StateTerminated:
			g.gone(in)
		case ec2.StateStopping, ec2.StateStopped, ec2.StateShuttingDown:
			switch {
			case in.live(): // stopped or terminated outside the group: replace now
				in.unhealthy = true
				g.reconcile()
			case in.state == WarmedPending && ev.State == ec2.StateStopped:
				g.poolStopped(in)
			}
		}
	case ec2.EventRebalanceRecommendation:
		if g.cfg.CapacityRebalance && in.state == InService && !in.replaced && !g.deleted {
			g.launch("", in, fmt.Sprintf("At %s an instance was launched to replace %s, which received a rebalance recommendation.", g.stamp(), in.ID()))
		}
	}
}

// gone records an instance's termination.
func (g *Group) gone(in *Instance) {
	if in.live() { // terminated outside the group
		in.unhealthy = true
		g.terminate(in, fmt.Sprintf("At %s instance %s was terminated outside the group.", g.stamp(), in.ID()))
	}
	in.state = Terminated
	if in.act != nil && in.act.StatusCode != StatusFailed {
		g.endActivity(in.act, StatusSuccessful, "")
	}
	g.instances = slices.DeleteFunc(g.instances, func(x *Instance) bool { return x == in })
	delete(g.a.byID, in.ID())
	g.simpleDone(in)
	g.reconcile()
}

// enterService registers the instance with the target groups and puts it
// in service.
func (g *Group) enterService(in *Instance) {
	for _, tg := range g.cfg.TargetGroups {
		if err := tg.Register(in.ec); err != nil {
			g.endActivity(in.act, StatusFailed, err.Error())
			in.unhealthy = true
			g.reconcile()
			return
		}
	}
	in.state = InService
	in.inService = g.s.Now()
	g.endActivity(in.act, StatusSuccessful, "")
	if w := g.cfg.DefaultInstanceWarmup; w != nil && *w > 0 {
		in.metrics = g.s.After(*w, func() { g.countMetrics(in) })
	} else {
		g.countMetrics(in)
	}
	if g.s.Tracing() {
		g.s.Trace("autoscaling", "InService", g.name, sim.F("instance", in.ID()))
	}
	g.simpleDone(in)
	g.reconcile()
}

func (g *Group) countMetrics(in *Instance) {
	if in.state != InService || in.inMetrics {
		return
	}
	in.inMetrics = true
	in.joined = g.s.Now()
	in.ec.AddMetricDimensions(g.dims...)
}

func (g *Group) simpleDone(in *Instance) {
	if in.simple == nil {
		return
	}
	p := in.simple
	in.simple = nil
	g.simpleBusy--
	if g.simpleBusy == 0 {
		g.cooldownUntil = g.s.Now().Add(p.cooldown())
	}
}

// check is the periodic health check, replacement, lifetime and rebalance pass.
func (g *Group) check() {
	now := g.s.Now()
	// Replacing instances that fail checks goes at most 10% of desired
	// (at least one) at a time: the next batch waits for the previous
	// replacements to leave Pending. Instances that are not running, or
	// marked by SetInstanceHealth, are replaced at once elsewhere.
	budget := max(1, g.desired/10)
	for _, in := range g.instances {
		if in.pending() {
			budget--
		}
	}
	for i := 0; i < len(g.instances); i++ { // terminate never removes instances from the slice
		in := g.instances[i]
		if in.state != InService {
			continue
		}
		was := in.unhealthy
		ok := in.ec.InstanceStatusOK() && in.ec.SystemStatusOK()
		if !in.ec.SystemStatusOK() {
			g.avoid[in.AZ()] = now.Add(g.a.cfg.AZRetryInterval)
		}
		grace := now >= in.inService.Add(g.cfg.HealthCheckGracePeriod)
		if !ok {
			if in.impaired < 0 {
				in.impaired = now
			}
			if grace && now.Sub(in.impaired) >= g.a.cfg.ImpairedGrace {
				in.unhealthy = true
			}
		} else {
			in.impaired = -1
		}
		healthyELB := true
		for _, tg := range g.cfg.TargetGroups {
			if h, found := tg.TargetHealth(in.ID()); found && h.State != elb.StateHealthy {
				healthyELB = false
				if g.cfg.HealthCheckType == HealthCheckELB && grace && h.State == elb.StateUnhealthy {
					in.unhealthy = true
				}
			}
		}
		if in.unhealthy && !was {
			if budget <= 0 {
				in.unhealthy = false // next check
			} else {
				budget--
			}
		}
		if in.replaces != nil && ok && healthyELB && !in.unhealthy {
			old := in.replaces
			in.replaces = nil
			g.extra--
			g.terminate(old, fmt.Sprintf("At %s instance %s was replaced by %s.", g.stamp(), old.ID(), in.ID()))
		}
	}
	if g.cfg.MaxInstanceLifetime > 0 && g.extra == 0 {
		for _, in := range g.instances {
			if in.state == InService && !in.replaced && now.Sub(in.LaunchTime()) >= g.cfg.MaxInstanceLifetime {
				g.launch("", in, fmt.Sprintf("At %s an instance was launched to replace %s, which reached the maximum instance lifetime.", g.stamp(), in.ID()))
				break
			}
		}
	}
	g.refreshStep()
	g.reconcile()
	g.rebalance()
}

// rebalance launches one instance in the emptiest usable AZ and terminates
// one from the fullest once it is healthy, when their counts differ by two
// or more. It may exceed MaxSize by max(1, 10%) meanwhile, as AWS does.
func (g *Group) rebalance() {
	if g.extra > 0 || g.deleted {
		return
	}
	n := 0
	for _, in := range g.instances {
		if in.pending() {
			return
		}
		if in.live() {
			n++
		}
	}
	counts := g.azCounts()
	lo, hi := "", ""
	for _, az := range g.azs {
		if !g.avoided(az) && (lo == "" || counts[az] < counts[lo]) {
			lo = az
		}
		if hi == "" || counts[az] > counts[hi] {
			hi = az
		}
	}
	if lo == "" || counts[hi]-counts[lo] < 2 || n+1 > g.max+max(1, g.max/10) {
		return
	}
	victim := g.chooseVictim(func(in *Instance) bool { return in.AZ() == hi })
	if victim == nil {
		return
	}
	g.launch(lo, victim, fmt.Sprintf("At %s an instance was launched in %s to rebalance capacity across Availability Zones, replacing %s.", g.stamp(), lo, victim.ID()))
}
