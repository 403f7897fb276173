package ec2

import (
	"time"

	"github.com/nimbus-sim/nimbus/billing"
	"github.com/nimbus-sim/nimbus/sim"
)

// minimumBilled is EC2 Linux's per-second billing minimum, charged each time
// an instance enters running.
const minimumBilled = time.Minute

// billedSeconds returns the whole seconds billed for a period running since
// start: so far (truncated), or when it ends at now (final: rounded up, at
// least the 60 s minimum).
func billedSeconds(start, now sim.Time, final bool) int64 {
	if final {
		return billing.BilledSeconds(now.Sub(start), minimumBilled)
	}
	return int64(now.Sub(start) / time.Second)
}

func (i *Instance) usageType() string {
	switch {
	case i.spec.Market == MarketSpot:
		return "SpotUsage:" + i.typ.Name
	case i.spec.Tenancy == TenancyDedicated:
		return "DedicatedUsage:" + i.typ.Name
	}
	return "BoxUsage:" + i.typ.Name
}

// hourlyRate is the USD per hour charged for [from, to]: the average spot
// price, or the on-demand price with the dedicated premium and the
// reserved/savings-plan discount.
func (i *Instance) hourlyRate(from, to sim.Time) float64 {
	if i.spec.Market == MarketSpot {
		return i.spot.market.avgPrice(from, to)
	}
	r := i.typ.HourlyPrice
	if i.spec.Tenancy == TenancyDedicated {
		r *= 1 + i.e.cfg.DedicatedPremium
	}
	return r * (1 - i.spec.Discount)
}

func (i *Instance) startBilling() {
	now := i.s.Now()
	i.billing = true
	i.billStart, i.billedTo, i.billedSecs = now, now, 0
}

// settle writes usage up to now: whole seconds of the running period so far
// (final: the period's end, rounded up and at least the 60 s minimum), the
// public IP's hours, and unlimited surplus beyond the cap.
func (i *Instance) settle(final bool) {
	now := i.s.Now()
	if i.billing && i.spec.Host == nil { // a host's instances are paid for by the host
		secs := billedSeconds(i.billStart, now, final)
		if d := secs - i.billedSecs; d > 0 {
			i.e.bill(billing.LineItem{Start: i.billedTo, End: now, Service: billing.ServiceEC2, ResourceID: i.id,
				UsageType: i.usageType(), Region: i.e.cfg.Region, Quantity: float64(d) / 3600, Unit: billing.UnitHours,
				Rate: i.hourlyRate(i.billedTo, now), Tags: i.res.Tags})
			i.billedSecs, i.billedTo = secs, now
		}
	}
	if i.pubOwned && i.pub.IsValid() {
		i.billPublicIP()
	}
	if !final && i.billing {
		i.chargeSurplus(false)
	}
}

func (i *Instance) endBilling() {
	i.settle(true)
	i.billing = false
	i.chargeSurplus(true)
}

func (i *Instance) billPublicIP() {
	now := i.s.Now()
	rate := i.e.cfg.PublicIPv4HourlyRate
	if now > i.pubBilledTo && rate > 0 {
		i.e.bill(billing.LineItem{Start: i.pubBilledTo, End: now, Service: billing.ServiceVPC, ResourceID: i.pub.String(),
			UsageType: billing.UsagePublicIPv4, Region: i.e.cfg.Region, Quantity: now.Sub(i.pubBilledTo).Hours(),
			Unit: billing.UnitHours, Rate: rate, Tags: i.res.Tags})
	}
	i.pubBilledTo = now
}
