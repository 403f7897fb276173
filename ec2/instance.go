package ec2

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/nimbus-sim/nimbus/billing"
	"github.com/nimbus-sim/nimbus/cloudwatch"
	"github.com/nimbus-sim/nimbus/sim"
	"github.com/nimbus-sim/nimbus/vpc"
)

// State is an instance lifecycle state, as the EC2 API names it.
type State string

// Instance states.
const (
	StatePending      State = "pending"
	StateRunning      State = "running"
	StateStopping     State = "stopping"
	StateStopped      State = "stopped"
	StateShuttingDown State = "shutting-down"
	StateTerminated   State = "terminated"
)

// Reasons a request fails at an instance (sim.Response.Reason, Status 0).
const (
	// ReasonNotRunning: the instance is not in the running state.
	ReasonNotRunning = "InstanceNotRunning"
	// ReasonConnectionRefused: running, but the application has not
	// finished booting.
	ReasonConnectionRefused = "ConnectionRefused"
	// ReasonUnreachable: a status check fails (instance or AZ failure).
	ReasonUnreachable = "InstanceUnreachable"
	// ReasonQueueFull: Server.MaxQueue requests are already waiting.
	ReasonQueueFull = "QueueFull"
	// ReasonConnectionLimit: Server.MaxConnections requests are inside.
	ReasonConnectionLimit = "ConnectionLimitExceeded"
	// ReasonInvalidWork: the request's Work is negative.
	ReasonInvalidWork = "InvalidWork"
	// ReasonConnectionReset: the request was in the instance when it
	// stopped, rebooted, terminated or failed.
	ReasonConnectionReset = "ConnectionReset"
)

// Instance is one EC2 instance. It is a sim.Handler: while running and
// booted it serves requests on its vCPUs.
type Instance struct {
	e    *EC2
	s    *sim.Sim
	id   string
	from string
	typ  InstanceType
	spec LaunchSpec
	rng  *rand.Rand

	priv, pub   netip.Addr
	pubOwned    bool // allocated from the EC2 pool, so EC2 bills it
	pubBilledTo sim.Time
	eni         *vpc.NetworkInterface // the VPC's ENI holding a VPC public IP

	state        State
	launchTime   sim.Time
	terminatedAt sim.Time
	forgotten    bool // terminated and no longer listed by EC2
	stateTimer   sim.Timer
	readyTimer   sim.Timer
	ready        bool
	readyAt      sim.Time
	warm         bool // memory kept across hibernation: no warm-up
	hibernating  bool // stopping because of hibernation
	hibernated   bool // stopped by hibernation

	failed, sysFailed bool
	impair            float64
	throttled         bool
	memPressure       bool
	speed             float64

	server

	lastAcct sim.Time
	cum      float64 // effective vCPU-ns used since launch
	cr       *credits
	mon      monitor
	dims     [][]cloudwatch.Dimension

	res        billing.Resource
	billing    bool
	billStart  sim.Time
	billedTo   sim.Time
	billedSecs int64

	spot spotState

	stats Stats
}

// Stats are an instance's request counters since launch.
type Stats struct {
	// Arrived counts requests offered to Serve.
	Arrived uint64
	// Rejected counts requests refused on arrival (any Reason).
	Rejected uint64
	// Started counts requests that began service.
	Started uint64
	// Completed counts requests answered by the application.
	Completed uint64
	// Reset counts requests dropped in flight by stop, reboot, terminate
	// or failure.
	Reset uint64
	// Waited counts requests that found every vCPU busy and queued (FCFS).
	Waited uint64
	// WaitTotal sums the time requests waited for a vCPU before service
	// (FCFS); mean wait = WaitTotal / Started.
	WaitTotal time.Duration
	// BytesIn and BytesOut sum request and response sizes.
	BytesIn, BytesOut int64
}

func newInstance(e *EC2, t InstanceType, spec LaunchSpec, priv netip.Addr) *Instance {
	i := &Instance{e: e, s: e.s, typ: t, spec: spec, priv: priv, impair: 1}
	i.res = billing.Resource{Service: billing.ServiceEC2, Region: e.cfg.Region, Tags: maps.Clone(spec.Tags)}
	i.dims = [][]cloudwatch.Dimension{{{Name: "InstanceId"}}}
	i.server.init(i, t.VCPUs)
	i.speed = i.computeSpeed()
	if t.Burstable() {
		i.cr = &credits{mode: spec.CreditSpecification, earnPerMin: t.CreditsPerHour / 60, max: t.MaxCredits()}
		i.cr.fire = i.creditEvent
	}
	return i
}

// ID returns the instance ID, such as "i-0123456789abcdef0".
func (i *Instance) ID() string { return i.id }

// Type returns the instance type.
func (i *Instance) Type() InstanceType { return i.typ }

// State returns the lifecycle state.
func (i *Instance) State() State { return i.state }

// AZ returns the availability zone.
func (i *Instance) AZ() string { return i.spec.Subnet.AZ() }

// SubnetID returns the subnet's ID.
func (i *Instance) SubnetID() string { return i.spec.Subnet.ID() }

// PrivateIP returns the private IPv4 address, kept until termination.
func (i *Instance) PrivateIP() netip.Addr { return i.priv }

// PublicIP returns the auto-assigned public IPv4 address, or the zero Addr
// when there is none (not requested, or the instance is stopped).
func (i *Instance) PublicIP() netip.Addr { return i.pub }

// SecurityGroups returns the security group IDs.
func (i *Instance) SecurityGroups() []string { return append([]string(nil), i.spec.SecurityGroups...) }

// Tags returns a copy of the instance's tags.
func (i *Instance) Tags() map[string]string { return maps.Clone(i.spec.Tags) }

// SetTag adds or replaces a tag (CreateTags); later billing carries it.
func (i *Instance) SetTag(key, value string) error {
	if key == "" || len(key) > 128 || len(value) > 256 {
		return fmt.Errorf("ec2: instance %s: tag %q: key 1–128, value ≤ 256 characters: %w", i.id, key, ErrInvalidConfig)
	}
	if i.spec.Tags == nil {
		i.spec.Tags = map[string]string{}
	}
	i.spec.Tags[key] = value
	i.res.Tags = maps.Clone(i.spec.Tags) // items already billed keep the old map
	return nil
}

// LaunchTime returns when the instance was launched.
func (i *Instance) LaunchTime() sim.Time { return i.launchTime }

// Host returns the Dedicated Host the instance runs on, or nil.
func (i *Instance) Host() *Host { return i.spec.Host }

// Market returns the purchase option.
func (i *Instance) Market() Market { return i.spec.Market }

// CreditMode returns the credit specification of a burstable instance, or
// "" for fixed-performance types.
func (i *Instance) CreditMode() CreditMode {
	if i.cr == nil {
		return ""
	}
	return i.cr.mode
}

// Ready reports whether the application accepts requests: running, booted
// and both status checks passing.
func (i *Instance) Ready() bool {
	return i.state == StateRunning && i.ready && !i.failed && !i.sysFailed
}

// InstanceStatusOK reports whether the instance status check passes.
func (i *Instance) InstanceStatusOK() bool { return !i.failed }

// SystemStatusOK reports whether the system status check passes (false
// during an AZ failure).
func (i *Instance) SystemStatusOK() bool { return !i.sysFailed }

// InFlight returns the requests inside the instance, in service or waiting.
func (i *Instance) InFlight() int { return i.inSys }

// Stats returns the request counters.
func (i *Instance) Stats() Stats { return i.stats }

// Speed returns the current work rate of one vCPU relative to the reference
// vCPU: the type's speed divided by impairment, throttling and memory
// pressure.
func (i *Instance) Speed() float64 { return i.speed }

// Throttled reports whether a standard-mode burstable instance is held at
// its baseline for lack of credits.
func (i *Instance) Throttled() bool { return i.throttled }

// CPUCredits returns the earned credit balance (launch credits included)
// and the surplus credit balance of a burstable instance, in credits
// (vCPU-minutes); zeros for other types.
func (i *Instance) CPUCredits() (balance, surplus float64) {
	if i.cr == nil {
		return 0, 0
	}
	i.account(i.s.Now())
	return i.cr.balance + i.cr.launch, i.cr.surplus
}

func (i *Instance) trace(event string, fields ...sim.Field) {
	if i.s.Tracing() {
		i.s.Trace("ec2", event, i.id, fields...)
	}
}

// enter moves the instance to state to and returns the state it left.
// Transitions call announce once their timers and accounts are set up, so
// that a subscriber acting on the event (terminating the instance, say)
// finds it consistent.
func (i *Instance) enter(to State) State {
	from := i.state
	i.state = to
	return from
}

func (i *Instance) announce(from State) {
	to := i.state
	i.trace("StateChange", sim.F("from", string(from)), sim.F("to", string(to)))
	i.e.notify(Event{Kind: EventStateChange, Instance: i, State: to, Previous: from})
}

func (i *Instance) sample(d Delay) time.Duration {
	if i.rng == nil {
		i.rng = i.s.Stream("ec2/" + i.id + "/lifecycle")
	}
	return d.Sample(i.rng)
}

func (i *Instance) launch() {
	now := i.s.Now()
	i.launchTime = now
	i.lastAcct = now
	i.sysFailed = i.e.azDown[i.AZ()]
	from := i.enter(StatePending)
	i.stateTimer = i.s.After(i.sample(i.e.cfg.PendingTime), i.toRunning)
	i.announce(from)
}

func (i *Instance) toRunning() {
	now := i.s.Now()
	i.account(now)
	from := i.enter(StateRunning)
	i.startBilling()
	i.creditsOnRun(now)
	i.mon.start(i)
	boot := i.e.cfg.BootTime
	if i.hibernated {
		boot = i.e.cfg.ResumeTime
	}
	i.warm = i.hibernated
	i.hibernated = false
	i.readyTimer = i.s.After(i.sample(boot), i.becomeReady)
	if i.spec.Market == MarketSpot {
		i.armSpot()
	}
	i.announce(from)
}

func (i *Instance) becomeReady() {
	i.ready = true
	i.readyAt = i.s.Now()
	i.trace("ApplicationReady")
}

// leaveRunning undoes what running set up: requests in flight are reset,
// metrics are flushed, the spot watch ends.
func (i *Instance) leaveRunning(reason string) {
	i.s.Cancel(i.readyTimer)
	i.ready = false
	i.dropAll(reason)
	i.mon.stop(i)
	if i.spec.Market == MarketSpot {
		i.disarmSpot()
	}
	if i.cr != nil {
		i.s.Cancel(i.cr.timer)
	}
}

// Stop stops a running EBS-backed instance (StopInstances): it goes to
// stopping, billing ends, and after Config.StoppingTime it is stopped and
// its public IP is released. Requests inside fail with ReasonConnectionReset.
func (i *Instance) Stop() error { return i.stop(false) }

// Hibernate stops a running instance keeping its memory: billed while
// stopping (RAM is saved to EBS), it resumes on Start after
// Config.ResumeTime instead of a full boot, with no application warm-up.
func (i *Instance) Hibernate() error {
	if !i.spec.HibernationEnabled {
		return fmt.Errorf("ec2: instance %s: hibernation not enabled at launch: %w", i.id, ErrInvalidConfig)
	}
	return i.stop(true)
}

func (i *Instance) stop(hib bool) error {
	if i.state != StateRunning {
		return fmt.Errorf("ec2: instance %s: stop in state %s: %w", i.id, i.state, ErrIncorrectState)
	}
	i.trace("StopInstances", sim.F("hibernate", hib))
	i.leaveRunning(ReasonConnectionReset)
	if !hib {
		i.endBilling()
	}
	i.hibernating = hib
	from := i.enter(StateStopping)
	d := i.e.cfg.StoppingTime
	if hib {
		d = i.e.cfg.HibernateTime
	}
	i.stateTimer = i.s.After(i.sample(d), i.toStopped)
	i.announce(from)
	return nil
}

func (i *Instance) toStopped() {
	if i.hibernating {
		i.endBilling()
	}
	i.hibernated, i.hibernating = i.hibernating, false
	i.releasePublicIP()
	if i.cr != nil {
		i.cr.stoppedAt = i.s.Now()
	}
	i.announce(i.enter(StateStopped))
}

// Start starts a stopped instance (StartInstances): pending, then running
// with a new public IP (if it had one) and the same private IP; a new
// per-second billing period with its own 60 s minimum begins.
func (i *Instance) Start() error {
	if i.state != StateStopped {
		return fmt.Errorf("ec2: instance %s: start in state %s: %w", i.id, i.state, ErrIncorrectState)
	}
	if i.spec.AssociatePublicIP {
		if err := i.assignPublicIP(); err != nil {
			return fmt.Errorf("ec2: instance %s: start: %w", i.id, err)
		}
	}
	i.trace("StartInstances", sim.F("publicIp", addrString(i.pub)))
	i.lastAcct = i.s.Now()
	from := i.enter(StatePending)
	i.stateTimer = i.s.After(i.sample(i.e.cfg.PendingTime), i.toRunning)
	i.announce(from)
	return nil
}

// Reboot restarts the operating system (RebootInstances): the instance stays
// running and billed, requests inside are reset, and the application is
// back after Config.BootTime.
func (i *Instance) Reboot() error {
	if i.state != StateRunning {
		return fmt.Errorf("ec2: instance %s: reboot in state %s: %w", i.id, i.state, ErrIncorrectState)
	}
	i.trace("RebootInstances")
	i.s.Cancel(i.readyTimer)
	i.ready = false
	i.dropAll(ReasonConnectionReset)
	i.warm = false
	i.readyTimer = i.s.After(i.sample(i.e.cfg.BootTime), i.becomeReady)
	return nil
}

// Terminate terminates the instance (TerminateInstances) from any state but
// shutting-down and terminated, where it does nothing: requests inside are
// reset, billing ends, and after Config.ShuttingDownTime it is terminated
// and its addresses are released.
func (i *Instance) Terminate() error {
	switch i.state {
	case StateShuttingDown, StateTerminated:
		return nil
	case StateRunning:
		i.leaveRunning(ReasonConnectionReset)
	}
	i.trace("TerminateInstances")
	i.s.Cancel(i.stateTimer)
	if i.billing {
		i.endBilling()
	}
	i.hibernating = false
	from := i.enter(StateShuttingDown)
	i.stateTimer = i.s.After(i.sample(i.e.cfg.ShuttingDownTime), i.toTerminated)
	i.announce(from)
	return nil
}

func (i *Instance) toTerminated() {
	i.releasePublicIP()
	i.spec.Subnet.ReleaseIP(i.priv)
	if h := i.spec.Host; h != nil {
		h.used -= i.typ.VCPUs
	}
	from := i.enter(StateTerminated)
	i.terminatedAt = i.s.Now()
	i.e.expiring = append(i.e.expiring, i)
	i.e.forget()
	i.e.gone()
	i.announce(from)
}

// Fail makes the instance fail its instance status check: it stops
// answering (requests fail with ReasonUnreachable) until Recover.
func (i *Instance) Fail() {
	if i.failed {
		return
	}
	i.trace("FailInstance")
	i.failed = true
	i.dropAll(ReasonUnreachable)
	i.statusChanged()
}

// Recover ends an instance failure.
func (i *Instance) Recover() {
	if !i.failed {
		return
	}
	i.trace("RecoverInstance")
	i.failed = false
	i.statusChanged()
}

func (i *Instance) setSystemFailed(f bool) {
	if i.sysFailed == f {
		return
	}
	i.sysFailed = f
	if f {
		i.dropAll(ReasonUnreachable)
	}
	i.statusChanged()
}

func (i *Instance) statusChanged() {
	i.e.notify(Event{Kind: EventStatusChange, Instance: i, State: i.state, StatusOK: !i.failed && !i.sysFailed})
}

// Impair slows every vCPU by factor (2 = half speed), modelling a noisy
// neighbour or degraded host; 1 restores full speed.
func (i *Instance) Impair(factor float64) error {
	if !(factor >= 1) || math.IsInf(factor, 0) {
		return fmt.Errorf("ec2: instance %s: impairment factor %v < 1: %w", i.id, factor, ErrInvalidConfig)
	}
	i.trace("Impair", sim.F("factor", factor))
	i.impair = factor
	i.setSpeed()
	return nil
}

// AddMetricDimensions makes the instance publish every metric also under
// this dimension set, as AWS does for AutoScalingGroupName: CloudWatch
// aggregates the instances' datapoints into the group's series.
func (i *Instance) AddMetricDimensions(dims ...cloudwatch.Dimension) {
	i.dims = append(i.dims, append([]cloudwatch.Dimension(nil), dims...))
}

// RemoveMetricDimensions stops publishing under sets containing a
// dimension of this name (e.g. on detaching from a group).
func (i *Instance) RemoveMetricDimensions(name string) {
	out := i.dims[:1]
	for _, set := range i.dims[1:] {
		keep := true
		for _, d := range set {
			if d.Name == name {
				keep = false
			}
		}
		if keep {
			out = append(out, set)
		}
	}
	i.dims = out
}

// assignPublicIP gives the instance an auto-assigned public address: from
// its ENI when the subnet is a VPC's (the VPC bills it), otherwise from
// Config.PublicIPPool (EC2 bills it).
func (i *Instance) assignPublicIP() error {
	if vs, ok := i.spec.Subnet.(*vpc.Subnet); ok {
		if eni, ok := vs.VPC().InterfaceAt(i.priv); ok {
			ip, err := eni.AssignPublicIP()
			if err != nil {
				return err
			}
			i.pub, i.pubOwned, i.eni = ip, false, eni
			return nil
		}
	}
	ip, err := i.e.allocPublic()
	if err != nil {
		return err
	}
	i.pub, i.pubOwned, i.pubBilledTo = ip, true, i.s.Now()
	return nil
}

func (i *Instance) releasePublicIP() {
	if !i.pub.IsValid() {
		return
	}
	if i.pubOwned {
		i.billPublicIP()
	} else if i.eni != nil {
		i.eni.ReleasePublicIP()
	}
	i.pub = netip.Addr{}
}
