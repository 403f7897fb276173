package vpc

import (
	"maps"
	"math"

	"github.com/nimbus-sim/nimbus/billing"
	"github.com/nimbus-sim/nimbus/sim"
)

// hourlyUsage is a resource billed per hour from start to end.
type hourlyUsage struct {
	resource, usageType, region string
	rate                        float64
	units                       float64 // AZs of an interface endpoint, else 1
	start, billed, end          sim.Time
	ended                       bool
	roundUp                     bool // partial hours bill as whole hours at the end
	tags                        map[string]string
}

// usageKey names one per-GB accumulator.
type usageKey struct{ resource, usageType string }

// usageAcc accumulates bytes of one per-GB usage until Settle.
type usageAcc struct {
	key    usageKey
	region string
	rate   float64
	bytes  int64
}

func (n *Network) startHourly(resource, usageType, region string, rate, units float64, roundUp bool, tags map[string]string) int {
	now := n.s.Now()
	n.hourly = append(n.hourly, hourlyUsage{resource: resource, usageType: usageType, region: region,
		rate: rate, units: units, start: now, billed: now, roundUp: roundUp, tags: maps.Clone(tags)})
	return len(n.hourly) - 1
}

func (n *Network) endHourly(i int) {
	if i < 0 || n.hourly[i].ended {
		return
	}
	n.hourly[i].ended, n.hourly[i].end = true, n.s.Now()
}

// accumulator returns the index of the per-GB accumulator for a usage,
// creating it on first use.
func (n *Network) accumulator(resource, usageType, region string, rate float64) int {
	k := usageKey{resource, usageType}
	if i, ok := n.usageIndex[k]; ok {
		return i
	}
	n.usage = append(n.usage, usageAcc{key: k, region: region, rate: rate})
	n.usageIndex[k] = len(n.usage) - 1
	return len(n.usage) - 1
}

// Settle sends the usage since the previous Settle to the Biller: hours of
// NAT gateways, interface endpoints (per AZ) and public IPv4 addresses,
// and the GB that Crossing carried, one line item per resource and usage
// type. Live resources bill the exact hours elapsed; NAT gateways and
// interface endpoints round their whole lifetime up to whole hours when
// deleted, as AWS bills partial hours in full. Call it at the end of a run
// (and whenever a running cost is wanted). Without a Biller it only
// advances the books.
func (n *Network) Settle() {
	now := n.s.Now()
	const hour = 3600e9
	for i := range n.hourly {
		h := &n.hourly[i]
		until := now
		if h.ended {
			until = h.end
		}
		if until <= h.billed && !(h.ended && h.roundUp) {
			continue
		}
		qty := float64(until-h.billed) / hour
		if h.ended && h.roundUp {
			total := math.Ceil(float64(h.end-h.start) / hour)
			qty = total - float64(h.billed-h.start)/hour
		}
		if qty > 0 && n.biller != nil {
			n.biller.Add(billing.LineItem{Start: h.billed, End: until, Service: "AmazonVPC", ResourceID: h.resource,
				UsageType: h.usageType, Region: h.region, Quantity: qty * h.units, Unit: "Hrs", Rate: h.rate, Tags: maps.Clone(h.tags)})
		}
		h.billed = until
		if h.ended {
			h.roundUp = false // billed in full; nothing more to round
		}
	}
	for i := range n.usage {
		u := &n.usage[i]
		if u.bytes == 0 {
			continue
		}
		if n.biller != nil {
			n.biller.Add(billing.LineItem{Start: n.lastSettled, End: now, Service: serviceOf(u.key.usageType), ResourceID: u.key.resource,
				UsageType: u.key.usageType, Region: u.region, Quantity: float64(u.bytes) / BytesPerGB, Unit: "GB", Rate: u.rate})
		}
		u.bytes = 0
	}
	n.lastSettled = now
}

// serviceOf maps a usage type to the AWS product code that bills it.
func serviceOf(usageType string) string {
	switch usageType {
	case usageNatBytes, usageEndpointBytes:
		return "AmazonVPC"
	}
	return "AWSDataTransfer"
}

// Usage types of per-GB charges.
const (
	usageNatBytes      = "NatGateway-Bytes"
	usageEndpointBytes = "VpcEndpoint-Bytes"
	usageRegional      = "DataTransfer-Regional-Bytes"
	usageInterRegion   = "DataTransfer-InterRegion-Bytes"
	usageInternetOut   = "DataTransfer-Out-Bytes"
)
