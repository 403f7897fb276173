package ec2

import (
	"math"

	"github.com/nimbus-sim/nimbus/billing"
	"github.com/nimbus-sim/nimbus/sim"
)

// credits is a burstable instance's CPU credit account. One credit is one
// vCPU at 100% for one minute. Credits are earned at a constant rate and
// spent by the CPU time used, continuously (AWS meters per millisecond);
// the integrals advance whenever the number of busy vCPUs changes.
type credits struct {
	mode       CreditMode
	earnPerMin float64
	max        float64 // cap on earned credits: 24 hours of earnings
	balance    float64 // earned credits
	launch     float64 // launch credits: spent first, not capped
	surplus    float64 // unlimited mode: spent beyond the balance

	usage   float64 // spent since the last metric sample
	charged float64 // surplus charged since the last metric sample

	stoppedAt sim.Time
	started   bool
	timer     sim.Timer
	fire      func()
}

const creditEps = 1e-9

// advance accounts dt nanoseconds at eff busy vCPUs.
func (c *credits) advance(dt, eff float64) {
	mins := dt / 6e10
	spend, earn := eff*mins, c.earnPerMin*mins
	c.usage += spend
	if c.launch > 0 {
		x := min(c.launch, spend)
		c.launch -= x
		spend -= x
	}
	net := earn - spend
	if net >= 0 {
		if c.surplus > 0 { // earnings pay back surplus first
			x := min(c.surplus, net)
			c.surplus -= x
			net -= x
		}
		c.balance = min(c.balance+net, c.max)
		return
	}
	c.balance += net
	if c.balance < 0 {
		if c.mode == CreditUnlimited {
			c.surplus -= c.balance
		}
		c.balance = 0
	}
}

// creditsOnRun sets the account up when the instance enters running: T2
// standard instances get launch credits at every launch and start; earned
// credits survive a stop for the type's CreditsKeptOnStop.
func (i *Instance) creditsOnRun(now sim.Time) {
	c := i.cr
	if c == nil {
		return
	}
	if c.started && now.Sub(c.stoppedAt) > i.typ.CreditsKeptOnStop {
		c.balance = 0
	}
	c.started = true
	if c.mode == CreditStandard {
		c.launch = i.typ.LaunchCreditsPerVCPU * float64(i.typ.VCPUs)
	}
	if i.throttled && (c.launch > creditEps || c.balance >= i.e.cfg.CreditResume) {
		i.throttled = false
		i.speed = i.computeSpeed()
	}
	i.creditReplan()
}

// creditReplan schedules the next instant the credit account changes the
// instance's speed: a standard-mode instance runs out (throttle) or, once
// throttled, earns CreditResume credits back (burst again).
func (i *Instance) creditReplan() {
	c := i.cr
	if c.mode != CreditStandard || i.state != StateRunning {
		i.s.Cancel(c.timer)
		return
	}
	u := float64(i.busy) * i.share()
	mins := -1.0
	switch {
	case i.throttled:
		if net := c.earnPerMin - u; net > creditEps {
			mins = max(0, (i.e.cfg.CreditResume-c.balance)/net)
		}
	case c.launch > creditEps:
		if u > 0 {
			mins = c.launch / u
		}
	case u > c.earnPerMin+creditEps:
		mins = c.balance / (u - c.earnPerMin)
	}
	if mins < 0 {
		i.s.Cancel(c.timer)
		return
	}
	now := i.s.Now()
	at := later(now, durationOf(math.Ceil(mins*6e10)))
	if when, ok := i.s.When(c.timer); ok {
		if when == at {
			return
		}
		c.timer, _ = i.s.Reschedule(c.timer, at)
		return
	}
	c.timer = i.s.Schedule(at, c.fire)
}

func (i *Instance) creditEvent() {
	c := i.cr
	now := i.s.Now()
	i.account(now)
	switch {
	case !i.throttled && c.launch <= creditEps && c.balance <= creditEps:
		c.balance, c.launch = 0, 0
		i.throttled = true
		i.trace("CreditsExhausted")
		i.setSpeed()
	case i.throttled && c.balance >= i.e.cfg.CreditResume-creditEps:
		i.throttled = false
		i.setSpeed()
	}
	i.creditReplan()
}

// chargeSurplus bills unlimited-mode surplus credits: all of them when the
// instance stops or terminates (all = true), otherwise those beyond the
// 24-hour cap, as AWS does at the end of each hour.
func (i *Instance) chargeSurplus(all bool) {
	c := i.cr
	if c == nil || c.mode != CreditUnlimited {
		return
	}
	i.account(i.s.Now())
	n := c.surplus
	if !all {
		n -= c.max
	}
	if n <= creditEps {
		return
	}
	c.surplus -= n
	c.charged += n
	now := i.s.Now()
	i.e.bill(billing.LineItem{Start: now, End: now, Service: billing.ServiceEC2, ResourceID: i.id,
		UsageType: "CPUCredits:" + i.typ.Family(), Region: i.e.cfg.Region, Quantity: n / 60, Unit: "vCPU-Hours",
		Rate: i.e.cfg.SurplusCreditRate, Tags: i.res.Tags})
}
