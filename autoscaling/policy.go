package autoscaling

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/nimbus-sim/nimbus/cloudwatch"
	"github.com/nimbus-sim/nimbus/sim"
)

// PolicyType is a scaling policy's kind.
type PolicyType string

// Policy types.
const (
	SimpleScaling         PolicyType = "SimpleScaling"
	StepScaling           PolicyType = "StepScaling"
	TargetTrackingScaling PolicyType = "TargetTrackingScaling"
	PredictiveScaling     PolicyType = "PredictiveScaling"
)

// AdjustmentType says how a simple or step policy's ScalingAdjustment
// applies.
type AdjustmentType string

// Adjustment types.
const (
	// ChangeInCapacity adds the adjustment (3 + 5 → 8).
	ChangeInCapacity AdjustmentType = "ChangeInCapacity"
	// ExactCapacity sets the capacity to the adjustment.
	ExactCapacity AdjustmentType = "ExactCapacity"
	// PercentChangeInCapacity adds that percentage of the capacity, rounded
	// toward zero except that results in (0, 1) and (−1, 0) become ±1.
	PercentChangeInCapacity AdjustmentType = "PercentChangeInCapacity"
)

// StepAdjustment is one step of a step policy. The bounds are relative to
// the alarm threshold; nil means −∞ (lower) or +∞ (upper). Above the
// threshold the lower bound is inclusive and the upper exclusive; below it
// the other way round.
type StepAdjustment struct {
	MetricIntervalLowerBound *float64
	MetricIntervalUpperBound *float64
	ScalingAdjustment        int
}

// Float returns a pointer to f, for step bounds.
func Float(f float64) *float64 { return &f }

// MetricType is a predefined target-tracking metric.
type MetricType string

// Predefined metrics for target tracking.
const (
	ASGAverageCPUUtilization MetricType = "ASGAverageCPUUtilization"
	ASGAverageNetworkIn      MetricType = "ASGAverageNetworkIn"
	ASGAverageNetworkOut     MetricType = "ASGAverageNetworkOut"
	// ALBRequestCountPerTarget needs ResourceLabel
	// "<load balancer dimension>/<target group dimension>", such as
	// "app/web/50dc6c495c0c9188/targetgroup/web/943f017f100becff"; its
	// target is requests per target per minute.
	ALBRequestCountPerTarget MetricType = "ALBRequestCountPerTarget"
)

// PredefinedMetricSpecification names a predefined metric.
type PredefinedMetricSpecification struct {
	PredefinedMetricType MetricType
	ResourceLabel        string
}

// CustomizedMetricSpecification is any CloudWatch metric that moves in
// inverse proportion to capacity.
type CustomizedMetricSpecification struct {
	Namespace, MetricName string
	Dimensions            []cloudwatch.Dimension
	// Statistic is a basic statistic; default Average.
	Statistic string
	Unit      cloudwatch.Unit
	// Period is the alarms' period in seconds; default 60.
	Period int
}

// TargetTrackingConfiguration keeps a metric near TargetValue.
type TargetTrackingConfiguration struct {
	// Exactly one of PredefinedMetricSpecification and
	// CustomizedMetricSpecification is set.
	PredefinedMetricSpecification *PredefinedMetricSpecification
	CustomizedMetricSpecification *CustomizedMetricSpecification
	// TargetValue is the metric's target, > 0.
	TargetValue float64
	// DisableScaleIn makes the policy only add capacity.
	DisableScaleIn bool
}

// PolicyConfig describes a scaling policy (PutScalingPolicy).
type PolicyConfig struct {
	// PolicyName is unique in the group.
	PolicyName string
	// PolicyType defaults to SimpleScaling.
	PolicyType PolicyType
	// AdjustmentType applies to simple and step policies.
	AdjustmentType AdjustmentType
	// ScalingAdjustment is a simple policy's adjustment.
	ScalingAdjustment int
	// Cooldown overrides the group's DefaultCooldown for a simple policy.
	Cooldown *time.Duration
	// MinAdjustmentMagnitude is the smallest change a
	// PercentChangeInCapacity adjustment makes, in instances.
	MinAdjustmentMagnitude int
	// StepAdjustments are a step policy's steps.
	StepAdjustments []StepAdjustment
	// EstimatedInstanceWarmup overrides the group's warm-up for step and
	// target-tracking policies.
	EstimatedInstanceWarmup *time.Duration
	// TargetTrackingConfiguration configures a target-tracking policy.
	TargetTrackingConfiguration *TargetTrackingConfiguration
	// PredictiveScalingConfiguration configures a predictive policy.
	PredictiveScalingConfiguration *PredictiveScalingConfiguration
}

// Policy is a scaling policy. Simple and step policies are
// cloudwatch.ScalingPolicy actions for the user's alarms; a target-tracking
// policy creates and owns its two alarms.
type Policy struct {
	g      *Group
	cfg    PolicyConfig
	arn    string
	high   *cloudwatch.Alarm
	low    *cloudwatch.Alarm
	lowVal float64
	pred   *predictor
	invoc  int
}

// PolicyARN implements cloudwatch.ScalingPolicy.
func (p *Policy) PolicyARN() string { return p.arn }

// Name returns the policy's name.
func (p *Policy) Name() string { return p.cfg.PolicyName }

// Config returns the policy's configuration.
func (p *Policy) Config() PolicyConfig { return p.cfg }

// Alarms returns a target-tracking policy's high and low alarms (nil for
// other types; low is nil with DisableScaleIn).
func (p *Policy) Alarms() (high, low *cloudwatch.Alarm) { return p.high, p.low }

// Invocations counts how many times alarms invoked the policy.
func (p *Policy) Invocations() int { return p.invoc }

func (p *Policy) cooldown() time.Duration {
	if p.cfg.Cooldown != nil {
		return *p.cfg.Cooldown
	}
	return p.g.cooldown()
}

func (p *Policy) warmup() time.Duration {
	if p.cfg.EstimatedInstanceWarmup != nil {
		return *p.cfg.EstimatedInstanceWarmup
	}
	return p.g.warmup()
}

// warming counts the live instances still pending or inside the policy's
// warm-up.
func (p *Policy) warming() int {
	n, now, w := 0, p.g.s.Now(), p.warmup()
	for _, in := range p.g.live() {
		if in.state != InService || now < in.inService.Add(w) {
			n++
		}
	}
	return n
}

// PutScalingPolicy validates and adds a policy; a target-tracking policy
// creates its alarms, a predictive one starts forecasting.
func (g *Group) PutScalingPolicy(cfg PolicyConfig) (*Policy, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("autoscaling: group %q: policy %q: "+format+": %w", append([]any{g.name, cfg.PolicyName}, append(args, ErrInvalidConfig)...)...)
	}
	if cfg.PolicyName == "" || len(cfg.PolicyName) > 255 {
		return nil, bad("PolicyName must be 1-255 characters")
	}
	for _, o := range g.policies {
		if o.cfg.PolicyName == cfg.PolicyName {
			return nil, fmt.Errorf("autoscaling: group %q: policy %q: %w", g.name, cfg.PolicyName, ErrAlreadyExists)
		}
	}
	if cfg.PolicyType == "" {
		cfg.PolicyType = SimpleScaling
	}
	if w := cfg.EstimatedInstanceWarmup; w != nil && *w < 0 {
		return nil, bad("EstimatedInstanceWarmup %v < 0", *w)
	}
	p := &Policy{g: g, cfg: cfg, arn: fmt.Sprintf("arn:aws:autoscaling:%s:123456789012:scalingPolicy:%s:autoScalingGroupName/%s:policyName/%s",
		g.a.cfg.EC2.Region(), uuid(g.s.Stream("autoscaling/"+g.name+"/policy-ids")), g.name, cfg.PolicyName)}
	switch cfg.PolicyType {
	case SimpleScaling, StepScaling:
		switch cfg.AdjustmentType {
		case ChangeInCapacity, ExactCapacity, PercentChangeInCapacity:
		default:
			return nil, bad("AdjustmentType %q unknown", cfg.AdjustmentType)
		}
		if cfg.MinAdjustmentMagnitude < 0 || (cfg.MinAdjustmentMagnitude > 0 && cfg.AdjustmentType != PercentChangeInCapacity) {
			return nil, bad("MinAdjustmentMagnitude %d needs PercentChangeInCapacity and ≥ 0", cfg.MinAdjustmentMagnitude)
		}
		if cfg.Cooldown != nil && (*cfg.Cooldown < 0 || cfg.PolicyType != SimpleScaling) {
			return nil, bad("Cooldown applies to SimpleScaling only and must be ≥ 0")
		}
		if cfg.PolicyType == StepScaling {
			steps, err := checkSteps(cfg.StepAdjustments)
			if err != nil {
				return nil, bad("%v", err)
			}
			p.cfg.StepAdjustments = steps
		} else if len(cfg.StepAdjustments) > 0 {
			return nil, bad("StepAdjustments need StepScaling")
		}
	case TargetTrackingScaling:
		if err := g.targetTracking(p); err != nil {
			return nil, err
		}
	case PredictiveScaling:
		if err := g.predictive(p); err != nil {
			return nil, err
		}
	default:
		return nil, bad("PolicyType %q unknown", cfg.PolicyType)
	}
	g.policies = append(g.policies, p)
	return p, nil
}

// DeletePolicy deletes a policy and the alarms it owns.
func (g *Group) DeletePolicy(name string) error {
	for i, p := range g.policies {
		if p.cfg.PolicyName == name {
			p.delete()
			g.policies = slices.Delete(g.policies, i, i+1)
			return nil
		}
	}
	return fmt.Errorf("autoscaling: group %q: policy %q: %w", g.name, name, ErrNotFound)
}

func (p *Policy) delete() {
	if p.high != nil || p.low != nil {
		var names []string
		for _, a := range []*cloudwatch.Alarm{p.high, p.low} {
			if a != nil {
				names = append(names, a.Name())
			}
		}
		_ = p.g.a.cfg.CloudWatch.DeleteAlarms(names...)
	}
	if p.pred != nil {
		p.pred.stop()
	}
	p.g = nil
}

// Policies returns the group's policies in creation order.
func (g *Group) Policies() []*Policy { return append([]*Policy(nil), g.policies...) }

// checkSteps sorts steps by lower bound and rejects overlaps, gaps and
// misplaced infinite bounds.
func checkSteps(steps []StepAdjustment) ([]StepAdjustment, error) {
	if len(steps) == 0 {
		return nil, fmt.Errorf("StepAdjustments is empty")
	}
	s := append([]StepAdjustment(nil), steps...)
	lo := func(st StepAdjustment) float64 {
		if st.MetricIntervalLowerBound == nil {
			return math.Inf(-1)
		}
		return *st.MetricIntervalLowerBound
	}
	hi := func(st StepAdjustment) float64 {
		if st.MetricIntervalUpperBound == nil {
			return math.Inf(1)
		}
		return *st.MetricIntervalUpperBound
	}
	slices.SortStableFunc(s, func(a, b StepAdjustment) int {
		switch {
		case lo(a) < lo(b):
			return -1
		case lo(a) > lo(b):
			return 1
		}
		return 0
	})
	for i, st := range s {
		if st.MetricIntervalLowerBound == nil && st.MetricIntervalUpperBound == nil {
			return nil, fmt.Errorf("step %d has neither bound", i)
		}
		if lo(st) >= hi(st) {
			return nil, fmt.Errorf("step [%g, %g) is empty", lo(st), hi(st))
		}
		if i > 0 {
			switch prev := hi(s[i-1]); {
			case prev > lo(st):
				return nil, fmt.Errorf("steps overlap at %g", lo(st))
			case prev < lo(st):
				return nil, fmt.Errorf("gap between steps at %g", prev)
			}
		}
		if i > 0 && st.MetricIntervalLowerBound == nil || i < len(s)-1 && st.MetricIntervalUpperBound == nil {
			return nil, fmt.Errorf("only the lowest step may have no lower bound and only the highest no upper bound")
		}
	}
	return s, nil
}

// adjusted applies an adjustment to capacity c.
func adjusted(t AdjustmentType, adj, c, minMag int) int {
	switch t {
	case ExactCapacity:
		return adj
	case PercentChangeInCapacity:
		d := float64(c) * float64(adj) / 100
		var n int
		switch {
		case d > 0 && d < 1:
			n = 1
		case d < 0 && d > -1:
			n = -1
		default:
			n = int(d) // toward zero: 12.7 → 12, −6.67 → −6
		}
		if minMag > 0 && n != 0 && abs(n) < minMag {
			n = minMag * sign(n)
		}
		return c + n
	}
	return c + adj
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func sign(n int) int {
	if n < 0 {
		return -1
	}
	return 1
}

// Execute implements cloudwatch.AlarmAction: the alarm invokes the policy on
// entering a state and every minute while it stays there.
func (p *Policy) Execute(a *cloudwatch.Alarm, c cloudwatch.StateChange) {
	g := p.g
	if g == nil || g.deleted {
		return
	}
	p.invoc++
	switch p.cfg.PolicyType {
	case SimpleScaling:
		p.simple()
	case StepScaling:
		p.step(c)
	case TargetTrackingScaling:
		p.track(a, c)
	}
}

func (p *Policy) simple() {
	g := p.g
	if g.simpleBusy > 0 || g.healing() || g.s.Now() < g.cooldownUntil {
		return
	}
	n := adjusted(p.cfg.AdjustmentType, p.cfg.ScalingAdjustment, g.desired, p.cfg.MinAdjustmentMagnitude)
	n = min(max(n, g.min), g.max)
	if n == g.desired {
		return
	}
	g.markSimple = p
	g.setDesired(n, p.cause(g.desired, n))
	g.markSimple = nil
	if g.simpleBusy == 0 { // nothing to wait for
		g.cooldownUntil = g.s.Now().Add(p.cooldown())
	}
}

func (p *Policy) cause(from, to int) string {
	return fmt.Sprintf("At %s a monitor alarm invoked policy %s changing the desired capacity from %d to %d.", p.g.stamp(), p.cfg.PolicyName, from, to)
}

func (p *Policy) step(c cloudwatch.StateChange) {
	g := p.g
	if math.IsNaN(c.Value) {
		return
	}
	d := c.Value - c.Threshold
	var st *StepAdjustment
	for i := range p.cfg.StepAdjustments {
		s := &p.cfg.StepAdjustments[i]
		lo, hi := math.Inf(-1), math.Inf(1)
		if s.MetricIntervalLowerBound != nil {
			lo = *s.MetricIntervalLowerBound
		}
		if s.MetricIntervalUpperBound != nil {
			hi = *s.MetricIntervalUpperBound
		}
		if (d >= 0 && d >= lo && d < hi) || (d < 0 && d > lo && d <= hi) {
			st = s
			break
		}
	}
	if st == nil {
		return
	}
	warming := p.warming()
	t := p.cfg.AdjustmentType
	var n int
	switch {
	case t == ExactCapacity:
		n = st.ScalingAdjustment
		if n < g.desired && warming > 0 {
			return
		}
	case st.ScalingAdjustment > 0:
		// Warming instances count toward desired: a breach in the same step
		// while they warm adds nothing more.
		n = adjusted(t, st.ScalingAdjustment, g.desired-warming, p.cfg.MinAdjustmentMagnitude)
		if n <= g.desired {
			return
		}
	case st.ScalingAdjustment < 0:
		if warming > 0 {
			return
		}
		// Terminating instances count toward the current capacity: a breach
		// repeated while they drain removes nothing more.
		n = adjusted(t, st.ScalingAdjustment, g.desired+g.terminating(), p.cfg.MinAdjustmentMagnitude)
		if n >= g.desired {
			return
		}
	default:
		return
	}
	g.setDesired(n, p.cause(g.desired, min(max(n, g.min), g.max)))
}

// targetTracking validates a target-tracking policy and creates its alarms:
// high (3 of 3 one-minute datapoints above the target) and low (15 of 15
// below LowThresholdRatio × target).
func (g *Group) targetTracking(p *Policy) error {
	cfg := p.cfg
	bad := func(format string, args ...any) error {
		return fmt.Errorf("autoscaling: group %q: policy %q: "+format+": %w", append([]any{g.name, cfg.PolicyName}, append(args, ErrInvalidConfig)...)...)
	}
	tt := cfg.TargetTrackingConfiguration
	if tt == nil {
		return bad("TargetTrackingConfiguration is nil")
	}
	if g.a.cfg.CloudWatch == nil {
		return bad("target tracking needs Config.CloudWatch")
	}
	if !(tt.TargetValue > 0) || math.IsInf(tt.TargetValue, 0) {
		return bad("TargetValue %g must be > 0", tt.TargetValue)
	}
	if (tt.PredefinedMetricSpecification == nil) == (tt.CustomizedMetricSpecification == nil) {
		return bad("set exactly one of PredefinedMetricSpecification and CustomizedMetricSpecification")
	}
	p.lowVal = math.NaN()
	m, err := g.trackedMetric(tt)
	if err != nil {
		return bad("%v", err)
	}
	for _, o := range g.policies {
		if o.high != nil && sameMetric(o.high.Config(), m) {
			return bad("overlaps policy %q, which tracks the same metric", o.cfg.PolicyName)
		}
	}
	id := uuid(g.s.Stream("autoscaling/" + g.name + "/alarm-ids"))
	m.AlarmName = fmt.Sprintf("TargetTracking-%s-AlarmHigh-%s", g.name, id)
	m.AlarmDescription = "DO NOT EDIT OR DELETE. For TargetTrackingScaling policy " + p.arn + "."
	m.EvaluationPeriods, m.DatapointsToAlarm = 3, 3
	m.Threshold = tt.TargetValue
	m.ComparisonOperator = cloudwatch.GreaterThanThreshold
	m.AlarmActions = []cloudwatch.AlarmAction{p}
	cw := g.a.cfg.CloudWatch
	if p.high, err = cw.PutMetricAlarm(m); err != nil {
		return bad("%v", err)
	}
	if tt.DisableScaleIn {
		return nil
	}
	m.AlarmName = fmt.Sprintf("TargetTracking-%s-AlarmLow-%s", g.name, id)
	m.EvaluationPeriods, m.DatapointsToAlarm = 15, 15
	m.Threshold = tt.TargetValue * g.a.cfg.LowThresholdRatio
	m.ComparisonOperator = cloudwatch.LessThanThreshold
	if p.low, err = cw.PutMetricAlarm(m); err != nil {
		_ = cw.DeleteAlarms(p.high.Name())
		return bad("%v", err)
	}
	return nil
}

func sameMetric(a, b cloudwatch.AlarmConfig) bool {
	return a.Namespace == b.Namespace && a.MetricName == b.MetricName && slices.Equal(a.Dimensions, b.Dimensions)
}

// trackedMetric returns the alarm template (metric, statistic, period) of a
// target-tracking configuration.
func (g *Group) trackedMetric(tt *TargetTrackingConfiguration) (cloudwatch.AlarmConfig, error) {
	if c := tt.CustomizedMetricSpecification; c != nil {
		if c.Namespace == "" || c.MetricName == "" {
			return cloudwatch.AlarmConfig{}, fmt.Errorf("CustomizedMetricSpecification needs Namespace and MetricName")
		}
		st := c.Statistic
		if st == "" {
			st = cloudwatch.Average
		}
		period := c.Period
		if period == 0 {
			period = 60
		}
		return cloudwatch.AlarmConfig{Namespace: c.Namespace, MetricName: c.MetricName, Dimensions: c.Dimensions,
			Statistic: st, Unit: c.Unit, Period: period}, nil
	}
	pm := tt.PredefinedMetricSpecification
	period := 60
	if spec, ok := g.lt.Version(g.ltVersion()); ok && !spec.DetailedMonitoring {
		period = 300 // basic monitoring: 5-minute datapoints
	}
	asg := cloudwatch.AlarmConfig{Namespace: "AWS/EC2", Dimensions: g.dims, Statistic: cloudwatch.Average, Period: period}
	switch pm.PredefinedMetricType {
	case ASGAverageCPUUtilization:
		asg.MetricName = "CPUUtilization"
	case ASGAverageNetworkIn:
		asg.MetricName = "NetworkIn"
	case ASGAverageNetworkOut:
		asg.MetricName = "NetworkOut"
	case ALBRequestCountPerTarget:
		i := strings.Index(pm.ResourceLabel, "/targetgroup/")
		if i <= 0 {
			return asg, fmt.Errorf("ALBRequestCountPerTarget ResourceLabel %q is not <load balancer>/targetgroup/<name>/<id>", pm.ResourceLabel)
		}
		return cloudwatch.AlarmConfig{Namespace: "AWS/ApplicationELB", MetricName: "RequestCountPerTarget",
			Dimensions: []cloudwatch.Dimension{{Name: "LoadBalancer", Value: pm.ResourceLabel[:i]}, {Name: "TargetGroup", Value: pm.ResourceLabel[i+1:]}},
			Statistic:  cloudwatch.Sum, Period: 60}, nil
	default:
		return asg, fmt.Errorf("PredefinedMetricType %q unknown", pm.PredefinedMetricType)
	}
	return asg, nil
}

func (g *Group) ltVersion() int {
	v, _ := g.lt.Resolve(g.ltRef)
	return v
}

// counted returns how many instances the newest datapoint an alarm sees
// covers: for AWS/EC2 metrics, InService instances that were in the group's
// aggregated metrics for all of that datapoint's period (it ended a
// publication delay ago at the latest); for load balancer metrics, which
// divide by healthy targets, InService instances.
func (p *Policy) counted() int {
	g := p.g
	cfg := p.high.Config()
	alb := cfg.Namespace == "AWS/ApplicationELB"
	since := g.s.Now() - sim.Time(time.Duration(cfg.Period)*time.Second) - sim.Time(max(g.a.cfg.CloudWatch.Config().PublicationDelay, 0))
	n := 0
	for _, in := range g.instances {
		if in.state == InService && (alb || in.inMetrics && in.joined <= since) {
			n++
		}
	}
	if n == 0 {
		n = g.desired
	}
	return n
}

// track handles a target-tracking alarm: the high alarm scales out to
// ceil(metric × n / target); the low alarm scales in to the same figure,
// with the terminating instances added to n, when no instance is warming
// and every scale-in-enabled target-tracking policy of the group agrees.
func (p *Policy) track(a *cloudwatch.Alarm, c cloudwatch.StateChange) {
	g := p.g
	if math.IsNaN(c.Value) || c.NewState != cloudwatch.StateAlarm {
		return
	}
	target := p.cfg.TargetTrackingConfiguration.TargetValue
	want := func(v float64, n int) int { return int(math.Ceil(v*float64(n)/target - 1e-9)) }
	if a == p.high {
		if n := min(want(c.Value, p.counted()), g.max); n > g.desired {
			g.setDesired(n, fmt.Sprintf("At %s a monitor alarm %s in state ALARM triggered policy %s changing the desired capacity from %d to %d.",
				g.stamp(), a.Name(), p.cfg.PolicyName, g.desired, n))
		}
		return
	}
	p.lowVal = c.Value
	if p.warming() > 0 {
		return
	}
	// Scale-in counts terminating instances in the current capacity, as AWS
	// does, so the alarm repeating while they drain removes no more.
	leaving := g.terminating()
	n := want(c.Value, p.counted()+leaving)
	for _, o := range g.policies {
		if o == p || o.cfg.PolicyType != TargetTrackingScaling || o.low == nil {
			continue
		}
		if o.low.State() != cloudwatch.StateAlarm || math.IsNaN(o.lowVal) {
			return
		}
		n = max(n, int(math.Ceil(o.lowVal*float64(o.counted()+leaving)/o.cfg.TargetTrackingConfiguration.TargetValue-1e-9)))
	}
	n = max(n, g.floor, g.min)
	if n < g.desired {
		g.setDesired(n, fmt.Sprintf("At %s a monitor alarm %s in state ALARM triggered policy %s changing the desired capacity from %d to %d.",
			g.stamp(), a.Name(), p.cfg.PolicyName, g.desired, n))
	}
}

// uuid draws a random RFC 4122 version-4 UUID from r.
func uuid(r interface{ Uint64() uint64 }) string {
	a, b := r.Uint64(), r.Uint64()
	a = a&^0xf000 | 0x4000
	b = b&^(0xc<<60) | 0x8<<60
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", a>>32, (a>>16)&0xffff, a&0xffff, b>>48, b&0xffffffffffff)
}

var _ cloudwatch.ScalingPolicy = (*Policy)(nil)
