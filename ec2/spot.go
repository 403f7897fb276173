package ec2

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/nimbus-sim/nimbus/sim"
)

// interruptionNotice is how long before a spot interruption AWS warns.
const interruptionNotice = 2 * time.Minute

type marketKey struct{ typ, az string }

// spotMarket is the spot price of one instance type in one AZ: an AR(1)
// process on the log price around (1 − Discount) × on-demand, stepped every
// PriceInterval from Time 0 and capped at on-demand. Steps are drawn lazily
// in order from the market's own stream, so the price at an instant does
// not depend on when anyone asked.
type spotMarket struct {
	e        *EC2
	typ      InstanceType
	az       string
	r        *rand.Rand
	interval time.Duration
	mean     float64
	price    float64
	step     int64
	hist     []pricePoint
	members  []*Instance
	ticker   *sim.Ticker
}

type pricePoint struct {
	t     sim.Time
	price float64
}

func (e *EC2) market(t InstanceType, az string) *spotMarket {
	k := marketKey{t.Name, az}
	if m, ok := e.markets[k]; ok {
		return m
	}
	mean := t.HourlyPrice * (1 - e.cfg.Spot.Discount)
	m := &spotMarket{e: e, typ: t, az: az, r: e.s.Stream("ec2/spot/" + t.Name + "/" + az + "/price"),
		interval: e.cfg.Spot.PriceInterval, mean: mean, price: mean, hist: []pricePoint{{0, mean}}}
	e.markets[k] = m
	return m
}

// SpotPrice returns the current spot price of a type in an AZ, USD per hour.
func (e *EC2) SpotPrice(instanceType, az string) (float64, error) {
	t, ok := e.cfg.Catalog.Lookup(instanceType)
	if !ok {
		return 0, fmt.Errorf("ec2: spot price: instance type %q: %w", instanceType, ErrUnknownInstanceType)
	}
	return e.market(t, az).priceAt(e.s.Now()), nil
}

func (m *spotMarket) priceAt(now sim.Time) float64 {
	n := int64(now) / int64(m.interval)
	cfg := &m.e.cfg.Spot
	for m.step < n {
		m.step++
		x := math.Log(m.price/m.mean)*cfg.Reversion + cfg.Volatility*m.r.NormFloat64()
		m.price = min(m.mean*math.Exp(x), m.typ.HourlyPrice)
		m.hist = append(m.hist, pricePoint{sim.Time(m.step * int64(m.interval)), m.price})
	}
	return m.price
}

// avgPrice is the time-average price over [from, to].
func (m *spotMarket) avgPrice(from, to sim.Time) float64 {
	m.priceAt(to)
	k := sort.Search(len(m.hist), func(k int) bool { return m.hist[k].t > from }) - 1
	if to <= from {
		return m.hist[max(k, 0)].price
	}
	var sum float64
	for t := from; k < len(m.hist) && t < to; k++ {
		end := to
		if k+1 < len(m.hist) && m.hist[k+1].t < to {
			end = m.hist[k+1].t
		}
		sum += m.hist[k].price * float64(end-t)
		t = end
	}
	return sum / float64(to-from)
}

func (m *spotMarket) join(i *Instance) {
	m.members = append(m.members, i)
	if m.ticker == nil {
		now := m.e.s.Now()
		first := sim.Time((int64(now)/int64(m.interval) + 1) * int64(m.interval))
		m.ticker = m.e.s.Every(first, m.interval, m.tick)
	}
}

func (m *spotMarket) leave(i *Instance) {
	for k, x := range m.members {
		if x == i {
			m.members = append(m.members[:k:k], m.members[k+1:]...)
			break
		}
	}
	if len(m.members) == 0 && m.ticker != nil {
		m.ticker.Stop()
		m.ticker = nil
	}
}

// tick moves the price and warns instances whose maximum price it exceeds.
func (m *spotMarket) tick(now sim.Time) {
	p := m.priceAt(now)
	for _, i := range append([]*Instance(nil), m.members...) {
		if p > i.spec.SpotMaxPrice && !i.spot.noticed {
			i.trace("SpotPriceAboveMax", sim.F("price", p), sim.F("max", i.spec.SpotMaxPrice))
			i.s.Cancel(i.spot.rebalance)
			i.s.Cancel(i.spot.notice)
			i.rebalanceRecommendation()
			i.interruptionWarning(now.Add(interruptionNotice))
		}
	}
}

// spotState is a running spot instance's interruption schedule.
type spotState struct {
	market      *spotMarket
	r           *rand.Rand
	rebalance   sim.Timer
	notice      sim.Timer
	interrupt   sim.Timer
	noticed     bool
	interruptAt sim.Time
}

// armSpot joins the market and draws the next capacity interruption: an
// exponential time at Spot.InterruptionsPerHour, announced by the 2-minute
// notice and, up to Spot.RebalanceLead earlier, a rebalance recommendation.
func (i *Instance) armSpot() {
	sp := &i.spot
	sp.market = i.e.market(i.typ, i.AZ())
	sp.market.join(i)
	sp.noticed = false
	rate := i.e.cfg.Spot.InterruptionsPerHour
	if rate <= 0 {
		return
	}
	if sp.r == nil {
		sp.r = i.s.Stream("ec2/" + i.id + "/spot")
	}
	now := i.s.Now()
	at := later(now, durationOf(sp.r.ExpFloat64()/rate*float64(time.Hour)))
	at = max(at, now.Add(interruptionNotice))
	noticeAt := at.Add(-interruptionNotice)
	rebalanceAt := max(now, noticeAt.Add(-i.e.cfg.Spot.RebalanceLead.Sample(sp.r)))
	sp.rebalance = i.s.Schedule(rebalanceAt, i.rebalanceRecommendation)
	sp.notice = i.s.Schedule(noticeAt, func() { i.interruptionWarning(at) })
}

func (i *Instance) disarmSpot() {
	sp := &i.spot
	i.s.Cancel(sp.rebalance)
	i.s.Cancel(sp.notice)
	i.s.Cancel(sp.interrupt)
	sp.noticed = false
	if sp.market != nil {
		sp.market.leave(i)
	}
}

func (i *Instance) rebalanceRecommendation() {
	i.trace("RebalanceRecommendation")
	i.e.notify(Event{Kind: EventRebalanceRecommendation, Instance: i, State: i.state})
}

// interruptionWarning issues the 2-minute notice; a hibernating
// interruption starts at once, as AWS does.
func (i *Instance) interruptionWarning(at sim.Time) {
	sp := &i.spot
	sp.noticed, sp.interruptAt = true, at
	action := i.spec.InterruptionBehavior
	i.trace("SpotInterruptionWarning", sim.F("action", string(action)), sim.F("at", int64(at)))
	i.e.notify(Event{Kind: EventInterruptionWarning, Instance: i, State: i.state, Action: action, InterruptAt: at})
	if i.state != StateRunning {
		return // a subscriber already acted on the notice
	}
	if action == InterruptHibernate {
		i.interrupt()
		return
	}
	sp.interrupt = i.s.Schedule(at, i.interrupt)
}

func (i *Instance) interrupt() {
	if i.state != StateRunning {
		return
	}
	i.trace("SpotInterruption", sim.F("action", string(i.spec.InterruptionBehavior)))
	switch i.spec.InterruptionBehavior {
	case InterruptStop:
		_ = i.stop(false) // running, so it cannot fail
	case InterruptHibernate:
		_ = i.stop(true)
	default:
		_ = i.Terminate()
	}
}

// InterruptionNotice returns when a spot interruption takes effect, once
// the 2-minute notice has been given (instance metadata's
// spot/instance-action).
func (i *Instance) InterruptionNotice() (sim.Time, bool) {
	return i.spot.interruptAt, i.spot.noticed
}
