package autoscaling

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/nimbus-sim/nimbus/cloudwatch"
	"github.com/nimbus-sim/nimbus/ec2"
	"github.com/nimbus-sim/nimbus/elb"
	"github.com/nimbus-sim/nimbus/sim"
)

// Namespace is the CloudWatch namespace of group metrics.
const Namespace = "AWS/AutoScaling"

var (
	// ErrInvalidConfig reports a group, template or policy field out of
	// range (AWS: ValidationError).
	ErrInvalidConfig = errors.New("autoscaling: invalid configuration")
	// ErrNotFound reports an unknown group, template version, hook or
	// instance.
	ErrNotFound = errors.New("autoscaling: not found")
	// ErrAlreadyExists reports a name already in use.
	ErrAlreadyExists = errors.New("autoscaling: already exists")
	// ErrScalingActivityInProgress reports a request refused because an
	// activity or cooldown is under way (AWS: ScalingActivityInProgress).
	ErrScalingActivityInProgress = errors.New("autoscaling: scaling activity in progress")
)

// TargetGroup is what a group needs from a load balancer's target group:
// *elb.TargetGroup satisfies it.
type TargetGroup interface {
	// Register adds instances as targets.
	Register(targets ...elb.Target) error
	// Deregister starts draining a target; done runs when draining ends.
	Deregister(id string, done func()) error
	// TargetHealth returns a target's health.
	TargetHealth(id string) (elb.TargetHealth, bool)
	// ARN names the target group.
	ARN() string
}

// Config configures the Auto Scaling service of a run.
type Config struct {
	// EC2 launches the instances; required.
	EC2 *ec2.EC2
	// CloudWatch holds the alarms that policies create and receives group
	// metrics; nil allows groups without dynamic policies or metrics.
	CloudWatch *cloudwatch.CloudWatch
	// HealthCheckInterval is how often a group checks its instances' EC2
	// status and ELB health; default 10 s [assumption: AWS checks
	// periodically without publishing the period].
	HealthCheckInterval time.Duration
	// ImpairedGrace is how long a failing EC2 status check is tolerated
	// before the instance is marked unhealthy; default 2 min [AWS: "a few
	// minutes"; assumption].
	ImpairedGrace time.Duration
	// AZRetryInterval is how long a group avoids launching into an AZ
	// where an instance failed its system status check; default 5 min
	// [assumption].
	AZRetryInterval time.Duration
	// LowThresholdRatio sets a target-tracking low alarm's threshold as a
	// fraction of the target value; default 0.9 [third-party observations
	// range 0.7–0.9; AWS publishes only "usually ≥10% below"].
	LowThresholdRatio float64
}

// AutoScaling is the EC2 Auto Scaling service of one region.
type AutoScaling struct {
	s         *sim.Sim
	cfg       Config
	groups    map[string]*Group
	order     []*Group
	templates map[string]*LaunchTemplate
	byID      map[string]*Instance
}

// New returns the service. It subscribes to EC2 instance events.
func New(s *sim.Sim, cfg Config) (*AutoScaling, error) {
	if cfg.EC2 == nil {
		return nil, fmt.Errorf("autoscaling: Config.EC2 is nil: %w", ErrInvalidConfig)
	}
	if cfg.HealthCheckInterval == 0 {
		cfg.HealthCheckInterval = 10 * time.Second
	}
	if cfg.ImpairedGrace == 0 {
		cfg.ImpairedGrace = 2 * time.Minute
	}
	if cfg.AZRetryInterval == 0 {
		cfg.AZRetryInterval = 5 * time.Minute
	}
	if cfg.LowThresholdRatio == 0 {
		cfg.LowThresholdRatio = 0.9
	}
	switch {
	case cfg.HealthCheckInterval < 0:
		return nil, fmt.Errorf("autoscaling: Config.HealthCheckInterval %v < 0: %w", cfg.HealthCheckInterval, ErrInvalidConfig)
	case cfg.ImpairedGrace < 0:
		return nil, fmt.Errorf("autoscaling: Config.ImpairedGrace %v < 0: %w", cfg.ImpairedGrace, ErrInvalidConfig)
	case cfg.AZRetryInterval < 0:
		return nil, fmt.Errorf("autoscaling: Config.AZRetryInterval %v < 0: %w", cfg.AZRetryInterval, ErrInvalidConfig)
	case cfg.LowThresholdRatio <= 0 || cfg.LowThresholdRatio >= 1:
		return nil, fmt.Errorf("autoscaling: Config.LowThresholdRatio %g not in (0, 1): %w", cfg.LowThresholdRatio, ErrInvalidConfig)
	}
	a := &AutoScaling{s: s, cfg: cfg, groups: map[string]*Group{}, templates: map[string]*LaunchTemplate{}, byID: map[string]*Instance{}}
	cfg.EC2.Subscribe(a.onEC2)
	return a, nil
}

// Group returns the named group.
func (a *AutoScaling) Group(name string) (*Group, bool) {
	g, ok := a.groups[name]
	return g, ok
}

// Groups returns every group in creation order.
func (a *AutoScaling) Groups() []*Group { return append([]*Group(nil), a.order...) }

func (a *AutoScaling) onEC2(ev ec2.Event) {
	in, ok := a.byID[ev.Instance.ID()]
	if !ok {
		return
	}
	in.g.onEC2(in, ev)
}

// LaunchTemplate is a launch template: immutable numbered versions of an
// instance specification (CreateLaunchTemplate, CreateLaunchTemplateVersion).
type LaunchTemplate struct {
	a        *AutoScaling
	name, id string
	versions []ec2.LaunchSpec
	def      int
}

// CreateLaunchTemplate creates a template whose version 1 (also its
// default) is spec. The group sets spec.Subnet at each launch.
func (a *AutoScaling) CreateLaunchTemplate(name string, spec ec2.LaunchSpec) (*LaunchTemplate, error) {
	if name == "" || len(name) > 128 {
		return nil, fmt.Errorf("autoscaling: launch template %q: name must be 1-128 characters: %w", name, ErrInvalidConfig)
	}
	if _, ok := a.templates[name]; ok {
		return nil, fmt.Errorf("autoscaling: launch template %q: %w", name, ErrAlreadyExists)
	}
	if err := a.checkSpec(name, spec); err != nil {
		return nil, err
	}
	lt := &LaunchTemplate{a: a, name: name, id: a.s.NewID("lt"), versions: []ec2.LaunchSpec{spec}, def: 1}
	a.templates[name] = lt
	return lt, nil
}

func (a *AutoScaling) checkSpec(name string, spec ec2.LaunchSpec) error {
	if _, ok := a.cfg.EC2.Catalog().Lookup(spec.InstanceType); !ok && spec.InstanceType != "" {
		return fmt.Errorf("autoscaling: launch template %q: InstanceType %q: %w", name, spec.InstanceType, ec2.ErrUnknownInstanceType)
	}
	return nil
}

// CreateVersion adds a version and returns its number. Earlier versions do
// not change.
func (lt *LaunchTemplate) CreateVersion(spec ec2.LaunchSpec) (int, error) {
	if err := lt.a.checkSpec(lt.name, spec); err != nil {
		return 0, err
	}
	lt.versions = append(lt.versions, spec)
	return len(lt.versions), nil
}

// SetDefaultVersion makes version v the $Default version.
func (lt *LaunchTemplate) SetDefaultVersion(v int) error {
	if v < 1 || v > len(lt.versions) {
		return fmt.Errorf("autoscaling: launch template %q: version %d: %w", lt.name, v, ErrNotFound)
	}
	lt.def = v
	return nil
}

// Name returns the template's name.
func (lt *LaunchTemplate) Name() string { return lt.name }

// ID returns the template's ID ("lt-...").
func (lt *LaunchTemplate) ID() string { return lt.id }

// LatestVersion returns the highest version number ($Latest).
func (lt *LaunchTemplate) LatestVersion() int { return len(lt.versions) }

// DefaultVersion returns the $Default version number.
func (lt *LaunchTemplate) DefaultVersion() int { return lt.def }

// Version returns the specification of version v.
func (lt *LaunchTemplate) Version(v int) (ec2.LaunchSpec, bool) {
	if v < 1 || v > len(lt.versions) {
		return ec2.LaunchSpec{}, false
	}
	return lt.versions[v-1], true
}

// Resolve turns a version reference ("$Default", "$Latest", "" meaning
// $Default, or a number) into a version number.
func (lt *LaunchTemplate) Resolve(ref string) (int, error) {
	switch ref {
	case "", "$Default":
		return lt.def, nil
	case "$Latest":
		return len(lt.versions), nil
	}
	v, err := strconv.Atoi(ref)
	if err != nil || v < 1 || v > len(lt.versions) {
		return 0, fmt.Errorf("autoscaling: launch template %q: version %q: %w", lt.name, ref, ErrNotFound)
	}
	return v, nil
}

// sortedKeys returns a map's keys in order, for deterministic iteration.
func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
