package ec2

import (
	"fmt"
	"maps"
	"math"
	"net/netip"
	"slices"
	"time"

	"github.com/nimbus-sim/nimbus/billing"
	"github.com/nimbus-sim/nimbus/sim"
)

// EC2 is the EC2 service of one region: it launches instances, keeps their
// lifecycle, bills them and runs the spot market.
type EC2 struct {
	s   *sim.Sim
	cfg Config

	instances []*Instance
	byID      map[string]*Instance
	live      int // instances not yet terminated and hosts not released
	launches  int

	// expiring holds the terminated instances still visible, in the order
	// they terminated (so by terminated time); forgotten counts the
	// instances dropped from byID but not yet compacted out of instances.
	expiring  []*Instance
	forgotten int

	subs    []subscriber
	nextSub int

	azDown map[string]bool

	pubNext uint32 // offset of the next public address in cfg.PublicIPPool

	billTicker *sim.Ticker

	markets map[marketKey]*spotMarket
	hosts   []*Host
}

type subscriber struct {
	id int
	fn func(Event)
}

// New returns the EC2 service of a run. It applies Config defaults and
// validates every field.
func New(s *sim.Sim, cfg Config) (*EC2, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &EC2{s: s, cfg: cfg, byID: map[string]*Instance{}, azDown: map[string]bool{}, markets: map[marketKey]*spotMarket{}}, nil
}

// Sim returns the run the service belongs to.
func (e *EC2) Sim() *sim.Sim { return e.s }

// Region returns the region code.
func (e *EC2) Region() string { return e.cfg.Region }

// Catalog returns the instance-type catalog; adding types to it makes them
// launchable.
func (e *EC2) Catalog() *Catalog { return e.cfg.Catalog }

// Instance returns the instance with the given ID, terminated ones too
// for Config.TerminatedVisibility after they terminated, like
// DescribeInstances.
func (e *EC2) Instance(id string) (*Instance, bool) {
	e.forget()
	i, ok := e.byID[id]
	return i, ok
}

// Instances returns the instances in launch order, terminated ones too for
// Config.TerminatedVisibility after they terminated, like
// DescribeInstances.
func (e *EC2) Instances() []*Instance {
	e.forget()
	if len(e.instances) == e.forgotten {
		return nil
	}
	out := make([]*Instance, 0, len(e.instances)-e.forgotten)
	for _, i := range e.instances {
		if !i.forgotten {
			out = append(out, i)
		}
	}
	return out
}

// Launches returns how many instances the run has launched, including
// those terminated and no longer listed.
func (e *EC2) Launches() int { return e.launches }

// forget drops the instances terminated at least TerminatedVisibility ago
// from the ID index, oldest first, and compacts the listing once they make
// up half of it. Every instance is dropped once and compacted away after
// at most as many others, so the sweep costs amortised O(1) per instance;
// memory follows the live and recently terminated instances, not every
// instance of the run. Callers run it before reading, so what they see
// depends on the virtual time only, not on when the last sweep ran.
//
// Compaction copies into a new array rather than shifting the old one:
// FailAZ and RecoverAZ range over e.instances while notifying
// subscribers, which may list, look up or launch and so land here.
func (e *EC2) forget() {
	now := e.s.Now()
	for len(e.expiring) > 0 && now.Sub(e.expiring[0].terminatedAt) >= e.cfg.TerminatedVisibility {
		i := e.expiring[0]
		e.expiring[0] = nil
		e.expiring = e.expiring[1:]
		delete(e.byID, i.id)
		i.forgotten = true
		e.forgotten++
	}
	if e.forgotten > 0 && 2*e.forgotten >= len(e.instances) {
		kept := make([]*Instance, 0, len(e.instances)-e.forgotten)
		for _, i := range e.instances {
			if !i.forgotten {
				kept = append(kept, i)
			}
		}
		e.instances = kept
		e.forgotten = 0
	}
}

// EventKind names an EventBridge-style EC2 event.
type EventKind string

// Event kinds, named after their EventBridge detail types.
const (
	// EventStateChange is an instance lifecycle transition.
	EventStateChange EventKind = "EC2 Instance State-change Notification"
	// EventInterruptionWarning is the 2-minute spot interruption notice.
	EventInterruptionWarning EventKind = "EC2 Spot Instance Interruption Warning"
	// EventRebalanceRecommendation signals elevated interruption risk.
	EventRebalanceRecommendation EventKind = "EC2 Instance Rebalance Recommendation"
	// EventStatusChange is a status-check change (a failed instance or AZ,
	// or its recovery). nimbus's own kind: AWS reports these through
	// DescribeInstanceStatus and the StatusCheckFailed metrics.
	EventStatusChange EventKind = "EC2 Instance Status Change"
)

// Event is one notification to subscribers.
type Event struct {
	// Kind says what happened.
	Kind EventKind
	// Time is the virtual instant it happened.
	Time sim.Time
	// Instance is the instance concerned.
	Instance *Instance
	// State is the new state (EventStateChange) or the current state.
	State State
	// Previous is the state before an EventStateChange.
	Previous State
	// Action is the interruption behaviour (EventInterruptionWarning).
	Action InterruptionBehavior
	// InterruptAt is when the interruption takes effect
	// (EventInterruptionWarning).
	InterruptAt sim.Time
	// StatusOK tells whether both status checks pass (EventStatusChange).
	StatusOK bool
}

// Subscribe calls fn for every event, in subscription order, synchronously
// when the event happens. The returned function unsubscribes.
func (e *EC2) Subscribe(fn func(Event)) (cancel func()) {
	e.nextSub++
	id := e.nextSub
	e.subs = append(e.subs, subscriber{id, fn})
	return func() {
		for k, s := range e.subs {
			if s.id == id {
				e.subs = append(e.subs[:k:k], e.subs[k+1:]...)
				return
			}
		}
	}
}

func (e *EC2) notify(ev Event) {
	ev.Time = e.s.Now()
	for _, s := range e.subs {
		s.fn(ev)
	}
}

// Launch starts one instance, like RunInstances with a count of one: the
// instance is pending at once and runs after Config.PendingTime. Nothing is
// allocated or billed when it returns an error: an unknown type wraps
// ErrUnknownInstanceType, a full subnet wraps the subnet's error
// (ErrInsufficientAddresses for a BasicSubnet), bad fields wrap
// ErrInvalidConfig.
func (e *EC2) Launch(spec LaunchSpec) (*Instance, error) {
	t, ok := e.cfg.Catalog.Lookup(spec.InstanceType)
	if !ok {
		return nil, fmt.Errorf("ec2: launch: instance type %q: %w", spec.InstanceType, ErrUnknownInstanceType)
	}
	if err := e.checkSpec(&spec, t); err != nil {
		return nil, err
	}
	if spec.Market == MarketSpot {
		m := e.market(t, spec.Subnet.AZ())
		if p := m.priceAt(e.s.Now()); p > spec.SpotMaxPrice {
			return nil, fmt.Errorf("ec2: launch %s spot in %s: SpotMaxPrice %.4f below the spot price %.4f: %w",
				t.Name, spec.Subnet.AZ(), spec.SpotMaxPrice, p, ErrInvalidConfig)
		}
	}
	if spec.Host != nil {
		if err := spec.Host.place(t, spec.Subnet.AZ()); err != nil {
			return nil, err
		}
	}
	undoHost := func() {
		if spec.Host != nil {
			spec.Host.used -= t.VCPUs
		}
	}
	priv, err := spec.Subnet.AllocateIP()
	if err != nil {
		undoHost()
		return nil, fmt.Errorf("ec2: launch %s in subnet %s: %w", t.Name, spec.Subnet.ID(), err)
	}
	i := newInstance(e, t, spec, priv)
	if spec.AssociatePublicIP {
		if err := i.assignPublicIP(); err != nil {
			undoHost()
			spec.Subnet.ReleaseIP(priv)
			return nil, fmt.Errorf("ec2: launch %s in subnet %s: public IP: %w", t.Name, spec.Subnet.ID(), err)
		}
	}
	i.id = e.s.NewID("i")
	i.from = "ec2:" + i.id
	i.dims[0][0].Value = i.id
	i.res.ID = i.id
	e.forget()
	e.instances = append(e.instances, i)
	e.byID[i.id] = i
	e.live++
	e.launches++
	e.startBillingTicker()
	if e.s.Tracing() {
		e.s.Trace("ec2", "RunInstances", i.id, sim.F("type", t.Name), sim.F("subnet", spec.Subnet.ID()),
			sim.F("az", i.AZ()), sim.F("privateIp", priv.String()), sim.F("publicIp", addrString(i.pub)),
			sim.F("market", string(spec.Market)))
	}
	i.launch()
	return i, nil
}

func (e *EC2) checkSpec(spec *LaunchSpec, t InstanceType) error {
	bad := func(field string, v any) error {
		return fmt.Errorf("ec2: launch %s: %s %v: %w", t.Name, field, v, ErrInvalidConfig)
	}
	if spec.Subnet == nil {
		return bad("Subnet", "must be set")
	}
	if spec.Market == "" {
		spec.Market = MarketOnDemand
	}
	if spec.Tenancy == "" {
		spec.Tenancy = TenancyDefault
	}
	if spec.InterruptionBehavior == "" {
		spec.InterruptionBehavior = InterruptTerminate
	}
	if spec.CreditSpecification == "" {
		spec.CreditSpecification = t.DefaultCreditMode
		if spec.CreditSpecification == "" && t.Burstable() {
			spec.CreditSpecification = CreditStandard
		}
	}
	if spec.SpotMaxPrice == 0 {
		spec.SpotMaxPrice = t.HourlyPrice
	}
	sc := &spec.Server
	if sc.Discipline == "" {
		sc.Discipline = FCFS
	}
	if sc.WarmUp > 0 && sc.ColdFactor == 0 {
		sc.ColdFactor = 2
	}
	if sc.MemoryPerRequestMiB > 0 && sc.SwapSlowdown == 0 {
		sc.SwapSlowdown = 5
	}
	switch {
	case spec.Market != MarketOnDemand && spec.Market != MarketSpot:
		return bad("Market", spec.Market)
	case spec.Tenancy != TenancyDefault && spec.Tenancy != TenancyDedicated:
		return bad("Tenancy", spec.Tenancy)
	case spec.Host != nil && spec.Market == MarketSpot:
		return bad("Host", "with spot")
	case spec.CreditSpecification != "" && !t.Burstable():
		return bad("CreditSpecification", fmt.Sprintf("%q on a fixed-performance type", spec.CreditSpecification))
	case spec.CreditSpecification != "" && spec.CreditSpecification != CreditStandard && spec.CreditSpecification != CreditUnlimited:
		return bad("CreditSpecification", spec.CreditSpecification)
	case !(spec.Discount >= 0 && spec.Discount < 1):
		return bad("Discount", spec.Discount)
	case !(spec.SpotMaxPrice >= 0) || (spec.Market == MarketSpot && spec.SpotMaxPrice == 0):
		return bad("SpotMaxPrice", spec.SpotMaxPrice)
	case spec.InterruptionBehavior != InterruptTerminate && spec.InterruptionBehavior != InterruptStop && spec.InterruptionBehavior != InterruptHibernate:
		return bad("InterruptionBehavior", spec.InterruptionBehavior)
	case spec.InterruptionBehavior == InterruptHibernate && !spec.HibernationEnabled:
		return bad("InterruptionBehavior", "hibernate without HibernationEnabled")
	case sc.Discipline != FCFS && sc.Discipline != ProcessorSharing:
		return bad("Server.Discipline", sc.Discipline)
	case sc.MaxQueue < 0:
		return bad("Server.MaxQueue", sc.MaxQueue)
	case sc.MaxConnections < 0:
		return bad("Server.MaxConnections", sc.MaxConnections)
	case sc.ResponseBytes < 0:
		return bad("Server.ResponseBytes", sc.ResponseBytes)
	case sc.WarmUp < 0:
		return bad("Server.WarmUp", sc.WarmUp)
	case sc.WarmUp > 0 && !(sc.ColdFactor >= 1):
		return bad("Server.ColdFactor", sc.ColdFactor)
	case !(sc.MemoryPerRequestMiB >= 0) || !(sc.BaseMemoryMiB >= 0):
		return bad("Server.MemoryPerRequestMiB/BaseMemoryMiB", fmt.Sprint(sc.MemoryPerRequestMiB, "/", sc.BaseMemoryMiB))
	case sc.MemoryPerRequestMiB > 0 && !(sc.SwapSlowdown >= 1):
		return bad("Server.SwapSlowdown", sc.SwapSlowdown)
	}
	for _, k := range slices.Sorted(maps.Keys(spec.Tags)) { // sorted: the first bad tag is the same every run
		if v := spec.Tags[k]; k == "" || len(k) > 128 || len(v) > 256 {
			return bad("Tags", fmt.Sprintf("%q=%q (keys 1–128 characters, values ≤ 256)", k, v))
		}
	}
	if len(spec.Tags) > 50 {
		return bad("Tags", fmt.Sprintf("%d tags (at most 50)", len(spec.Tags)))
	}
	spec.Tags = maps.Clone(spec.Tags)
	spec.SecurityGroups = append([]string(nil), spec.SecurityGroups...)
	return nil
}

// allocPublic hands out the next address of the public pool; addresses are
// not reused within a run, so a restarted instance always gets a new one.
func (e *EC2) allocPublic() (netip.Addr, error) {
	p := e.cfg.PublicIPPool.Masked()
	size := uint64(1) << (32 - p.Bits())
	if uint64(e.pubNext)+1 >= size {
		return netip.Addr{}, fmt.Errorf("ec2: public IPv4 pool %v exhausted: %w", p, ErrInsufficientAddresses)
	}
	e.pubNext++
	b := p.Addr().As4()
	v := (uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])) + e.pubNext
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), nil
}

// FailAZ makes every instance in az fail its system status check and stop
// answering, as in a zonal outage; instances launched there later fail too.
func (e *EC2) FailAZ(az string) {
	if e.azDown[az] {
		return
	}
	e.azDown[az] = true
	if e.s.Tracing() {
		e.s.Trace("ec2", "FailAZ", az)
	}
	for _, i := range e.instances {
		if i.AZ() == az && i.state != StateTerminated {
			i.setSystemFailed(true)
		}
	}
}

// RecoverAZ ends an AZ failure.
func (e *EC2) RecoverAZ(az string) {
	if !e.azDown[az] {
		return
	}
	delete(e.azDown, az)
	if e.s.Tracing() {
		e.s.Trace("ec2", "RecoverAZ", az)
	}
	for _, i := range e.instances {
		if i.AZ() == az && i.state != StateTerminated {
			i.setSystemFailed(false)
		}
	}
}

// startBillingTicker settles running usage every BillingPeriod while any
// instance is alive, so that a ledger read mid-run is current to the last
// period boundary.
func (e *EC2) startBillingTicker() {
	if e.cfg.Billing == nil || e.billTicker != nil {
		return
	}
	p := e.cfg.BillingPeriod
	now := e.s.Now()
	first := sim.Time((int64(now)/int64(p) + 1) * int64(p))
	e.billTicker = e.s.Every(first, p, func(sim.Time) { e.SettleBilling() })
}

// gone counts the end of an instance or a host.
func (e *EC2) gone() {
	e.live--
	if e.live == 0 && e.billTicker != nil {
		e.billTicker.Stop()
		e.billTicker = nil
	}
}

// SettleBilling writes the usage of every instance up to now to the ledger
// (running periods are split; the 60 s minimum applies once per period) and
// charges unlimited-mode surplus credits beyond the 24-hour cap. It runs
// every BillingPeriod by itself; call it before reading a ledger mid-period.
func (e *EC2) SettleBilling() {
	for _, i := range e.instances {
		i.settle(false)
	}
	for _, h := range e.hosts {
		h.settle(false)
	}
}

// bill adds a line item to the ledger, if there is one.
func (e *EC2) bill(li billing.LineItem) {
	if e.cfg.Billing != nil && li.Quantity > 0 && !math.IsNaN(li.Quantity) {
		e.cfg.Billing.Add(li)
	}
}

// maxDelay caps computed delays at about 146 years, so that now + delay
// cannot overflow however much work a request carries or however slowly
// credits run out: such an event is simply beyond any run.
const maxDelay = time.Duration(1) << 62

// later returns now + d, saturating at the last representable instant
// instead of overflowing into the past (a queue of capped delays can add up
// past it).
func later(now sim.Time, d time.Duration) sim.Time {
	if d > 0 && now > math.MaxInt64-sim.Time(d) {
		return math.MaxInt64
	}
	return now + sim.Time(d)
}

// durationOf converts a non-negative float64 nanosecond count to a Duration,
// rounding to the nearest nanosecond and capped at maxDelay.
func durationOf(ns float64) time.Duration {
	switch {
	case ns <= 0:
		return 0
	case ns >= float64(maxDelay):
		return maxDelay
	}
	return time.Duration(ns + 0.5)
}

// addrString formats an address, "" for none.
func addrString(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}
