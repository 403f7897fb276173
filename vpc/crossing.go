package vpc

import (
	"time"
)

// Charge is one per-GB charge of a crossing.
type Charge struct {
	// ResourceID is who pays: an ENI, a NAT gateway or an endpoint.
	ResourceID string
	// UsageType is AWS's usage type, such as "NatGateway-Bytes".
	UsageType string
	// GB is the billed volume (BytesPerGB bytes per GB).
	GB float64
	// RatePerGB is the price in USD per GB.
	RatePerGB float64
}

// Cost returns GB × RatePerGB in USD.
func (c Charge) Cost() float64 { return c.GB * c.RatePerGB }

// Crossing is what a request/response exchange costs in the VPC: the
// verdict, the delay each way and the data-transfer charges.
type Crossing struct {
	// Verdict repeats Result.Verdict.
	Verdict Verdict
	// Drop repeats Result.Drop.
	Drop DropReason
	// Reason repeats Result.Reason.
	Reason string
	// Latency is the request's one-way delay: the path's fixed delay plus
	// transmission time at the path's bottleneck (NAT gateway, interface
	// endpoint) if it has one.
	Latency time.Duration
	// ReturnLatency is the response's one-way delay, likewise.
	ReturnLatency time.Duration
	// Cost is the USD the exchange adds to the bill.
	Cost float64
	// Result is the full evaluation (shared; read-only).
	Result *Result
}

// Crossing evaluates a flow carrying reqBytes there and respBytes back and
// records the data it moves: NAT gateway processing (both ways), cross-AZ
// transfer (sender and receiver, both ways), interface endpoint processing,
// inter-region peering and internet egress. The charges reach the Biller at
// Settle. A rejected flow carries and costs nothing. Services whose
// requests cross a VPC (elb to targets, ec2 to s3) call this per request;
// it does not allocate once the flow's verdict is cached. Negative byte
// counts count as 0, so they can never reduce the bill.
func (n *Network) Crossing(f Flow, reqBytes, respBytes int64) Crossing {
	reqBytes, respBytes = max(reqBytes, 0), max(respBytes, 0)
	r := n.Evaluate(f)
	c := Crossing{Verdict: r.Verdict, Drop: r.Drop, Reason: r.Reason, Result: r}
	if r.Verdict != Accept {
		return c
	}
	c.Latency = r.Latency + transmit(reqBytes, r.bps)
	c.ReturnLatency = r.Latency + transmit(respBytes, r.bps)
	for _, x := range r.fwd {
		c.Cost += float64(reqBytes) / BytesPerGB * x.perGB
		n.usage[x.acc].bytes += reqBytes
	}
	for _, x := range r.ret {
		c.Cost += float64(respBytes) / BytesPerGB * x.perGB
		n.usage[x.acc].bytes += respBytes
	}
	if r.nat != nil {
		r.nat.bytes += reqBytes + respBytes
	}
	return c
}

// Charges itemises what reqBytes forward and respBytes back would cost on
// this path, without recording anything; negative byte counts count as 0.
func (r *Result) Charges(reqBytes, respBytes int64) []Charge {
	if r.Verdict != Accept {
		return nil
	}
	reqBytes, respBytes = max(reqBytes, 0), max(respBytes, 0)
	var out []Charge
	for _, x := range r.fwd {
		out = append(out, Charge{x.resource, x.usageType, float64(reqBytes) / BytesPerGB, x.perGB})
	}
	for _, x := range r.ret {
		out = append(out, Charge{x.resource, x.usageType, float64(respBytes) / BytesPerGB, x.perGB})
	}
	return out
}

// transmit returns how long bytes take at bps bits per second (0: no limit).
func transmit(bytes int64, bps float64) time.Duration {
	if bps <= 0 || bytes <= 0 {
		return 0
	}
	return time.Duration(float64(bytes) * 8 / bps * 1e9)
}
