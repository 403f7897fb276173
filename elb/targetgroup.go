package elb

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"time"

	"github.com/nimbus-sim/nimbus/sim"
)

// Target is anything a target group can route to. *ec2.Instance satisfies
// it; HandlerTarget wraps any other handler.
type Target interface {
	sim.Handler
	// ID is the instance ID, IP address or function name.
	ID() string
	// AZ is the target's Availability Zone.
	AZ() string
}

// readier is implemented by targets that can say at once whether they
// accept connections (*ec2.Instance does); TCP health checks use it instead
// of queueing a request behind the target's work.
type readier interface{ Ready() bool }

// HandlerTarget wraps a handler as a target with the given ID and zone: an
// IP target, a Lambda-like function, or an ALB behind an NLB.
func HandlerTarget(id, az string, h sim.Handler) Target { return handlerTarget{id, az, h} }

type handlerTarget struct {
	id, az string
	h      sim.Handler
}

func (t handlerTarget) ID() string                                       { return t.id }
func (t handlerTarget) AZ() string                                       { return t.az }
func (t handlerTarget) Serve(req *sim.Request, reply func(sim.Response)) { t.h.Serve(req, reply) }

// HealthState is a target's health as DescribeTargetHealth reports it.
type HealthState string

// Health states.
const (
	StateInitial     HealthState = "initial"
	StateHealthy     HealthState = "healthy"
	StateUnhealthy   HealthState = "unhealthy"
	StateDraining    HealthState = "draining"
	StateUnused      HealthState = "unused"
	StateUnavailable HealthState = "unavailable"
)

// TargetHealth is one target's health description.
type TargetHealth struct {
	ID     string
	AZ     string
	State  HealthState
	Reason string
	// InFlight is how many requests the target holds now.
	InFlight int
	// Weight is the registered weight (WeightedRoundRobin, WeightedRandom).
	Weight int
	// Mitigated reports anomaly mitigation in effect.
	Mitigated bool
}

// HealthChange describes a target changing health state.
type HealthChange struct {
	TargetGroup string
	TargetID    string
	From, To    HealthState
	Reason      string
	At          sim.Time
}

type member struct {
	t        Target
	id, az   string
	weight   float64
	state    HealthState // as DescribeTargetHealth reports it: the nodes' consensus
	reason   string
	inFlight int
	views    []view // one per load balancer node, in zone order; nil before the group is attached
	// epoch counts the times views were replaced or dropped; a check in
	// flight from an earlier epoch (a deleted load balancer's node) is
	// ignored when it ends, as its node index means nothing now.
	epoch uint64

	current   float64 // smooth weighted round-robin credit
	drainDone func()
	drainEnd  sim.Timer

	mitigation     float64 // anomaly mitigation factor, 1 = none
	anomalous      bool
	minReq, minErr uint64 // this minute, for anomaly detection
}

// view is one load balancer node's health checks of one target: each node
// counts its own consecutive results and routes by its own verdict.
type view struct {
	state    HealthState // initial, healthy or unhealthy; draining or unused as the target is
	okRun    int
	failRun  int
	slowFrom sim.Time // start of slow start at this node; -1 when not in it
	checker  *sim.Ticker
	inFlight int // requests this node has outstanding at the target
}

// TargetGroup routes requests to registered targets.
type TargetGroup struct {
	s    *sim.Sim
	cfg  TargetGroupConfig
	arn  string
	dim  string // CloudWatch TargetGroup dimension: targetgroup/<name>/<id>
	lb   *LoadBalancer
	rng  *rand.Rand
	hcID uint64

	members []*member // registration order
	byID    map[string]*member
	rr      map[string]uint64 // round-robin position per node zone ("" = shared)
	scratch []*member

	watchers []func(HealthChange)
	stats    groupStats
}

// groupStats are this minute's counters for CloudWatch.
type groupStats struct {
	requests, target2, target3, target4, target5, unhealthyRouted, nonSticky uint64
	respTime                                                                 []float64
}

// NewTargetGroup creates a target group for a load balancer of the given
// type. It starts empty; attach it to a listener action and register targets.
func NewTargetGroup(s *sim.Sim, lbType Type, cfg TargetGroupConfig) (*TargetGroup, error) {
	if lbType == "" {
		lbType = Application
	}
	if err := cfg.validate(lbType); err != nil {
		return nil, err
	}
	id := s.NewID("tg")[3:]
	tg := &TargetGroup{
		s: s, cfg: cfg, byID: map[string]*member{}, rr: map[string]uint64{},
		rng: s.Stream("elb/targetgroup/" + cfg.Name),
		arn: fmt.Sprintf("arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/%s/%s", cfg.Name, id),
		dim: fmt.Sprintf("targetgroup/%s/%s", cfg.Name, id),
	}
	return tg, nil
}

// Name returns the target group's name.
func (tg *TargetGroup) Name() string { return tg.cfg.Name }

// ARN returns the target group's ARN.
func (tg *TargetGroup) ARN() string { return tg.arn }

// Dimension returns the value of the CloudWatch TargetGroup dimension, such
// as "targetgroup/web/0a1b2c3d4e5f6071" (target tracking on
// ALBRequestCountPerTarget names it).
func (tg *TargetGroup) Dimension() string { return tg.dim }

// LoadBalancer returns the load balancer whose listener forwards to the
// group, or nil before one does.
func (tg *TargetGroup) LoadBalancer() *LoadBalancer { return tg.lb }

// Config returns the configuration with defaults filled in.
func (tg *TargetGroup) Config() TargetGroupConfig { return tg.cfg }

// Watch calls fn on every target health change (Auto Scaling's ELB health
// checks use it).
func (tg *TargetGroup) Watch(fn func(HealthChange)) { tg.watchers = append(tg.watchers, fn) }

// Register adds targets with weight 1. Registering a registered target
// (even one draining) is an error.
func (tg *TargetGroup) Register(targets ...Target) error {
	for _, t := range targets {
		if err := tg.RegisterWeighted(t, 1); err != nil {
			return err
		}
	}
	return nil
}

// RegisterWeighted adds a target with a weight (1–999) for the weighted
// algorithms.
func (tg *TargetGroup) RegisterWeighted(t Target, weight int) error {
	if t == nil {
		return fmt.Errorf("elb: target group %q: Register: nil target: %w", tg.cfg.Name, ErrInvalidConfig)
	}
	if weight < 1 || weight > 999 {
		return fmt.Errorf("elb: target group %q: target %s: Weight %d outside 1–999: %w", tg.cfg.Name, t.ID(), weight, ErrInvalidConfig)
	}
	id := t.ID()
	if m, ok := tg.byID[id]; ok {
		return fmt.Errorf("elb: target group %q: target %s is already registered (%s): %w", tg.cfg.Name, id, m.state, ErrInvalidConfig)
	}
	if tg.lb != nil && !tg.lb.zoneEnabled(t.AZ()) {
		return fmt.Errorf("elb: target group %q: target %s is in %s, which load balancer %q does not enable: %w", tg.cfg.Name, id, t.AZ(), tg.lb.cfg.Name, ErrInvalidConfig)
	}
	m := &member{t: t, id: id, az: t.AZ(), weight: float64(weight), state: StateInitial,
		reason: "Elb.RegistrationInProgress", mitigation: 1}
	tg.members = append(tg.members, m)
	tg.byID[id] = m
	if tg.s.Tracing() {
		tg.s.Trace("elb", "RegisterTargets", tg.cfg.Name, sim.F("target", id), sim.F("az", m.az))
	}
	if tg.lb == nil {
		// No load balancer, no nodes to check it or route to it (AWS:
		// unused, Target.NotInUse), whether or not checks are disabled.
		m.state, m.reason = StateUnused, "Target.NotInUse"
		return nil
	}
	tg.startChecks(m)
	return nil
}

// attach makes lb the group's load balancer; its nodes start checking the
// targets registered so far.
func (tg *TargetGroup) attach(lb *LoadBalancer) {
	tg.lb = lb
	lb.groups = append(lb.groups, tg)
	for _, m := range tg.members {
		tg.startChecks(m)
	}
}

// detach undoes attach when the load balancer is deleted: its nodes stop
// checking, and targets not draining become unused (Target.NotInUse), as
// in AWS for a target group without a load balancer. Draining targets
// finish their deregistration delay.
func (tg *TargetGroup) detach() {
	for _, m := range tg.members {
		for i := range m.views {
			if c := m.views[i].checker; c != nil {
				c.Stop()
			}
		}
		m.views = nil
		m.epoch++
		if m.state != StateDraining {
			tg.setState(m, StateUnused, "Target.NotInUse")
		}
	}
	tg.lb = nil
}

// startChecks gives m a view at each node of the load balancer and starts
// the nodes' checkers. Node i first checks at i × Interval / nodes after now
// and then every Interval: the nodes' checks are spread evenly over the
// interval, deterministically and without drawing random numbers.
func (tg *TargetGroup) startChecks(m *member) {
	zones := tg.lb.cfg.AvailabilityZones
	hc := tg.cfg.HealthCheck
	enabled := tg.lb.zoneEnabled(m.az)
	draining := m.state == StateDraining
	m.views = make([]view, len(zones))
	m.epoch++
	for i := range m.views {
		v := &m.views[i]
		v.slowFrom = -1
		switch {
		case draining:
			v.state = StateDraining
		case !enabled:
			v.state = StateUnused
		case hc.Disabled:
			v.state = StateHealthy
		default:
			v.state = StateInitial
			first := tg.s.Now().Add(hc.Interval * time.Duration(i) / time.Duration(len(zones)))
			v.checker = tg.s.Every(first, hc.Interval, func(sim.Time) { tg.check(m, i) })
		}
	}
	switch {
	case draining:
	case !enabled:
		tg.setState(m, StateUnused, "Target.NotInUse")
	case hc.Disabled:
		tg.setState(m, StateHealthy, "Target.HealthCheckDisabled")
	default:
		tg.setState(m, StateInitial, "Elb.InitialHealthChecking")
	}
}

// Deregister starts draining a target: it gets no new requests at once and
// its in-flight requests continue. done (may be nil) is called when
// deregistration completes: when the target has no request in flight, or
// when DeregistrationDelay ends, whichever is first. The target shows as
// draining until the delay ends, then leaves the group.
func (tg *TargetGroup) Deregister(id string, done func()) error {
	m, ok := tg.byID[id]
	if !ok {
		return fmt.Errorf("elb: target group %q: Deregister: target %s: %w", tg.cfg.Name, id, ErrNotFound)
	}
	if m.state == StateDraining {
		return fmt.Errorf("elb: target group %q: Deregister: target %s is already draining: %w", tg.cfg.Name, id, ErrInvalidConfig)
	}
	for i := range m.views {
		v := &m.views[i]
		if v.checker != nil {
			v.checker.Stop()
		}
		v.state, v.slowFrom = StateDraining, -1
	}
	tg.setState(m, StateDraining, "Target.DeregistrationInProgress")
	m.drainDone = done
	m.drainEnd = tg.s.After(*tg.cfg.DeregistrationDelay, func() {
		tg.finishDrain(m)
		tg.remove(m)
	})
	if m.inFlight == 0 {
		tg.finishDrain(m)
	}
	return nil
}

func (tg *TargetGroup) finishDrain(m *member) {
	if f := m.drainDone; f != nil {
		m.drainDone = nil
		f()
	}
}

func (tg *TargetGroup) remove(m *member) {
	tg.setState(m, StateUnused, "Target.NotRegistered")
	delete(tg.byID, m.id)
	for i, x := range tg.members {
		if x == m {
			tg.members = append(tg.members[:i], tg.members[i+1:]...)
			break
		}
	}
}

// Health describes every target, in registration order.
func (tg *TargetGroup) Health() []TargetHealth {
	out := make([]TargetHealth, len(tg.members))
	for i, m := range tg.members {
		out[i] = TargetHealth{ID: m.id, AZ: m.az, State: m.state, Reason: m.reason, InFlight: m.inFlight,
			Weight: int(m.weight), Mitigated: m.mitigation < 1}
	}
	return out
}

// TargetHealth returns one target's health.
func (tg *TargetGroup) TargetHealth(id string) (TargetHealth, bool) {
	m, ok := tg.byID[id]
	if !ok {
		return TargetHealth{ID: id, State: StateUnused, Reason: "Target.NotRegistered"}, false
	}
	return TargetHealth{ID: m.id, AZ: m.az, State: m.state, Reason: m.reason, InFlight: m.inFlight,
		Weight: int(m.weight), Mitigated: m.mitigation < 1}, true
}

// NodeHealth describes every target, in registration order, as the load
// balancer node in zone az sees it: the node routes only to the targets it
// sees healthy. It returns nil when the group has no load balancer or the
// load balancer has no node in az.
func (tg *TargetGroup) NodeHealth(az string) []TargetHealth {
	if tg.lb == nil {
		return nil
	}
	i := slices.Index(tg.lb.cfg.AvailabilityZones, az)
	if i < 0 {
		return nil
	}
	out := make([]TargetHealth, len(tg.members))
	for j, m := range tg.members {
		out[j] = TargetHealth{ID: m.id, AZ: m.az, State: m.views[i].state, InFlight: m.inFlight,
			Weight: int(m.weight), Mitigated: m.mitigation < 1}
	}
	return out
}

// HealthyCount returns how many targets are healthy.
func (tg *TargetGroup) HealthyCount() int {
	n := 0
	for _, m := range tg.members {
		if m.state == StateHealthy {
			n++
		}
	}
	return n
}

// check runs one active health check on m from node i. The check may end
// after the load balancer was deleted and the group attached to another;
// result then ignores it.
func (tg *TargetGroup) check(m *member, i int) {
	hc := tg.cfg.HealthCheck
	epoch := m.epoch
	if hc.Protocol == TCP || hc.Protocol == GENEVE {
		if r, ok := m.t.(readier); ok {
			if r.Ready() {
				tg.result(m, i, epoch, true, "")
			} else {
				tg.result(m, i, epoch, false, "Target.Timeout")
			}
			return
		}
	}
	tg.hcID++
	req := &sim.Request{ID: tg.hcID, Method: "GET", Path: hc.Path, Protocol: string(hc.Protocol), Work: hc.Work,
		Headers: []sim.Header{{Name: "User-Agent", Value: "ELB-HealthChecker/2.0"}}, Start: tg.s.Now()}
	done := false
	timeout := tg.s.After(hc.Timeout, func() {
		if !done {
			done = true
			tg.result(m, i, epoch, false, "Target.Timeout")
		}
	})
	m.t.Serve(req, func(resp sim.Response) {
		if done {
			return
		}
		done = true
		tg.s.Cancel(timeout)
		switch {
		case resp.Failed():
			tg.result(m, i, epoch, false, "Target.FailedHealthChecks")
		case hc.Protocol == TCP || tg.successCode(resp.Status):
			tg.result(m, i, epoch, true, "")
		default:
			tg.result(m, i, epoch, false, "Target.ResponseCodeMismatch")
		}
	})
}

func (tg *TargetGroup) successCode(code int) bool {
	for _, r := range tg.cfg.HealthCheck.SuccessCodes {
		if code >= r.Low && code <= r.High {
			return true
		}
	}
	return false
}

// result counts one check of m by node i, started in epoch, against that
// node's thresholds.
func (tg *TargetGroup) result(m *member, i int, epoch uint64, ok bool, reason string) {
	if epoch != m.epoch || m.state == StateDraining || m.state == StateUnused {
		return
	}
	v := &m.views[i]
	hc := tg.cfg.HealthCheck
	if ok {
		v.okRun++
		v.failRun = 0
		// A new ALB target needs one passed check; others need the threshold.
		need := hc.HealthyThreshold
		if v.state == StateInitial && tg.lbType() == Application {
			need = 1
		}
		if v.state != StateHealthy && v.okRun >= need {
			tg.becomeHealthy(m, i)
			tg.report(m, "")
		}
		return
	}
	v.failRun++
	v.okRun = 0
	if v.state != StateUnhealthy && v.failRun >= hc.UnhealthyThreshold {
		v.state, v.slowFrom = StateUnhealthy, -1
		if reason == "" {
			reason = "Target.FailedHealthChecks"
		}
		tg.report(m, reason)
	}
}

// becomeHealthy marks m healthy at node i.
func (tg *TargetGroup) becomeHealthy(m *member, i int) {
	// Slow start applies only when the node sees another healthy target
	// that is not in it.
	if tg.cfg.SlowStart > 0 {
		for _, o := range tg.members {
			if o != m && o.views[i].state == StateHealthy && !tg.inSlowStart(o, i) {
				m.views[i].slowFrom = tg.s.Now()
				break
			}
		}
	}
	m.views[i].state = StateHealthy
}

// report sets m's reported state from the nodes' views: the state held by
// a strict majority of nodes (all of them when there are two); a split
// leaves the reported state as it was. AWS does not say how
// DescribeTargetHealth combines its nodes' verdicts (for NLB only that it
// is a consensus), so the majority is an assumption.
func (tg *TargetGroup) report(m *member, reason string) {
	healthy, unhealthy := 0, 0
	for i := range m.views {
		switch m.views[i].state {
		case StateHealthy:
			healthy++
		case StateUnhealthy:
			unhealthy++
		}
	}
	n := len(m.views)
	switch {
	case 2*healthy > n && m.state != StateHealthy:
		tg.setState(m, StateHealthy, "")
	case 2*unhealthy > n && m.state != StateUnhealthy:
		tg.setState(m, StateUnhealthy, reason)
	}
}

func (tg *TargetGroup) inSlowStart(m *member, i int) bool {
	from := m.views[i].slowFrom
	return from >= 0 && tg.s.Now().Sub(from) < tg.cfg.SlowStart
}

func (tg *TargetGroup) setState(m *member, to HealthState, reason string) {
	from := m.state
	m.state, m.reason = to, reason
	if from == to {
		return
	}
	if tg.s.Tracing() {
		tg.s.Trace("elb", "TargetHealthChange", tg.cfg.Name, sim.F("target", m.id), sim.F("from", from), sim.F("to", to), sim.F("reason", reason))
	}
	ch := HealthChange{TargetGroup: tg.cfg.Name, TargetID: m.id, From: from, To: to, Reason: reason, At: tg.s.Now()}
	for _, w := range tg.watchers {
		w(ch)
	}
}

func (tg *TargetGroup) lbType() Type {
	if tg.lb == nil {
		return Application
	}
	return tg.lb.cfg.Type
}

// crossZone resolves the group's cross-zone setting against its load balancer.
func (tg *TargetGroup) crossZone() bool {
	if tg.cfg.CrossZone != nil {
		return *tg.cfg.CrossZone
	}
	if tg.lb == nil {
		return true
	}
	return tg.lb.crossZone
}

// flow identifies a connection for flow hashing and stickiness.
type flow struct {
	src     netip.Addr
	srcPort uint16
	dstPort uint16
	proto   string
}

// pick chooses a target for a request arriving at node (in zone az) by
// that node's view of target health. It returns nil when the group has no
// registered target the node may use.
func (tg *TargetGroup) pick(req *sim.Request, node int, az string, fl flow) (m *member, failOpen, nonSticky bool) {
	cross := tg.crossZone()
	cands := tg.scratch[:0]
	healthy := 0
	for _, x := range tg.members {
		if !cross && x.az != az {
			continue
		}
		if x.views[node].state == StateHealthy {
			healthy++
			cands = append(cands, x)
		}
	}
	if healthy < tg.cfg.MinimumHealthyTargets {
		// Fail open (each node on its own view): route to every registered
		// target, healthy or not.
		cands = cands[:0]
		for _, x := range tg.members {
			if (cross || x.az == az) && x.state != StateDraining && x.state != StateUnused {
				cands = append(cands, x)
			}
		}
		failOpen = len(cands) > 0
	}
	tg.scratch = cands
	if len(cands) == 0 {
		return nil, false, false
	}
	if m, sticky := tg.sticky(req, fl, cands); sticky {
		return m, failOpen, false
	} else if tg.cfg.Stickiness.Type == LBCookie || tg.cfg.Stickiness.Type == AppCookie {
		if _, had := req.Cookie(tg.cookieName()); had {
			nonSticky = true
		}
	}
	// Each node keeps its own round-robin position and knows only its own
	// outstanding requests (the facts file's modelling choice for what AWS
	// leaves unpublished): two nodes may pick the same least-loaded target.
	key := az
	switch tg.cfg.Algorithm {
	case LeastOutstandingRequests:
		start := int(tg.rr[key] % uint64(len(cands)))
		tg.rr[key]++
		best := cands[start]
		for i := 1; i < len(cands); i++ {
			c := cands[(start+i)%len(cands)]
			if c.views[node].inFlight < best.views[node].inFlight {
				best = c
			}
		}
		return best, failOpen, nonSticky
	case WeightedRandom:
		total := 0.0
		for _, c := range cands {
			total += c.weight * c.mitigation
		}
		u := tg.rng.Float64() * total
		for _, c := range cands {
			u -= c.weight * c.mitigation
			if u < 0 {
				return c, failOpen, nonSticky
			}
		}
		return cands[len(cands)-1], failOpen, nonSticky
	case FlowHash:
		return tg.hashPick(cands, fl), failOpen, nonSticky
	case WeightedRoundRobin:
		return tg.smooth(cands, node), failOpen, nonSticky
	default: // RoundRobin
		if tg.cfg.SlowStart > 0 {
			for _, c := range cands {
				if tg.inSlowStart(c, node) {
					return tg.smooth(cands, node), failOpen, nonSticky
				}
			}
		}
		i := tg.rr[key] % uint64(len(cands))
		tg.rr[key]++
		return cands[i], failOpen, nonSticky
	}
}

// smooth is nginx's smooth weighted round robin over effective weights
// (the registered weight, scaled linearly during slow start at node).
func (tg *TargetGroup) smooth(cands []*member, node int) *member {
	total := 0.0
	var best *member
	for _, c := range cands {
		w := c.weight
		if tg.cfg.Algorithm == RoundRobin {
			w = 1
		}
		if tg.inSlowStart(c, node) {
			w *= float64(tg.s.Now().Sub(c.views[node].slowFrom)) / float64(tg.cfg.SlowStart)
		}
		c.current += w
		total += w
		if best == nil || c.current > best.current {
			best = c
		}
	}
	best.current -= total
	return best
}

// hashPick is rendezvous hashing on the flow: a flow keeps its target while
// that target stays routable, whatever happens to the others.
func (tg *TargetGroup) hashPick(cands []*member, fl flow) *member {
	key := hashString(fl.proto) ^ hashAddr(fl.src)
	switch {
	case tg.cfg.Stickiness.Type == SourceIP:
	case tg.lbType() == Gateway && tg.cfg.FlowTuple == 2:
	case tg.lbType() == Gateway && tg.cfg.FlowTuple == 3:
	default:
		key ^= uint64(fl.srcPort)<<16 | uint64(fl.dstPort)
	}
	var best *member
	var bestH uint64
	for _, c := range cands {
		h := mix64(key ^ hashString(c.id))
		if best == nil || h > bestH {
			best, bestH = c, h
		}
	}
	return best
}

func (tg *TargetGroup) cookieName() string {
	if tg.cfg.Stickiness.Type == AppCookie {
		return "AWSALBAPP-0"
	}
	return "AWSALB"
}

// sticky returns the target named by the request's stickiness cookie when
// that target is still routable and the cookie has not expired.
func (tg *TargetGroup) sticky(req *sim.Request, _ flow, cands []*member) (*member, bool) {
	st := tg.cfg.Stickiness.Type
	if st != LBCookie && st != AppCookie {
		return nil, false
	}
	v, ok := req.Cookie(tg.cookieName())
	if !ok {
		return nil, false
	}
	id, exp, ok := parseStickyCookie(v)
	if !ok || (st == LBCookie && tg.s.Now() > exp) {
		return nil, false
	}
	for _, c := range cands {
		if c.id == id {
			return c, true
		}
	}
	return nil, false
}

// anomalies updates anomaly detection and mitigation once a minute.
func (tg *TargetGroup) anomalies() {
	healthy := 0
	var req, errs uint64
	for _, m := range tg.members {
		if m.state == StateHealthy {
			healthy++
		}
		req += m.minReq
		errs += m.minErr
	}
	for _, m := range tg.members {
		m.anomalous = false
		if healthy >= 3 && m.minReq > 0 && req > m.minReq {
			ratio := float64(m.minErr) / float64(m.minReq)
			peers := float64(errs-m.minErr) / float64(req-m.minReq)
			m.anomalous = ratio > 0.05 && ratio > 2*peers
		}
		if tg.cfg.AnomalyMitigation {
			if m.anomalous {
				m.mitigation = max(m.mitigation/2, 0.05)
			} else {
				m.mitigation = min(m.mitigation*2, 1)
			}
		}
		m.minReq, m.minErr = 0, 0
	}
}

func hashString(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

func hashAddr(a netip.Addr) uint64 {
	b := a.As16()
	return mix64(binary.LittleEndian.Uint64(b[:8])) ^ binary.LittleEndian.Uint64(b[8:])
}

func mix64(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// stickyCookie formats the stickiness cookie: target ID and expiry instant.
func stickyCookie(id string, exp sim.Time) string { return fmt.Sprintf("%s|%d", id, int64(exp)) }

func parseStickyCookie(v string) (id string, exp sim.Time, ok bool) {
	for i := len(v) - 1; i >= 0; i-- {
		if v[i] == '|' {
			var n int64
			if _, err := fmt.Sscanf(v[i+1:], "%d", &n); err != nil {
				return "", 0, false
			}
			return v[:i], sim.Time(n), true
		}
	}
	return "", 0, false
}
