package elb

import (
	"math"

	"github.com/nimbus-sim/nimbus/billing"
	"github.com/nimbus-sim/nimbus/cloudwatch"
	"github.com/nimbus-sim/nimbus/sim"
)

// Namespace returns the CloudWatch namespace of the load balancer's
// metrics: AWS/ApplicationELB, AWS/NetworkELB, AWS/GatewayELB or AWS/ELB.
func (lb *LoadBalancer) Namespace() string {
	switch lb.cfg.Type {
	case Network:
		return "AWS/NetworkELB"
	case Gateway:
		return "AWS/GatewayELB"
	case Classic:
		return "AWS/ELB"
	}
	return "AWS/ApplicationELB"
}

// flushMinute publishes the last minute's metrics (only counters that saw
// traffic, as ELB does; host counts every minute), samples active
// connections for LCUs, and runs anomaly detection.
func (lb *LoadBalancer) flushMinute() {
	now := lb.s.Now()
	stamp := now - sim.Time(60e9)
	// Active connections: those used within the idle timeout. Expired ones
	// are dropped; deleting while ranging a map is order-independent.
	active := uint64(0)
	for k, c := range lb.conns {
		if now.Sub(c.last) > lb.cfg.IdleTimeout {
			delete(lb.conns, k)
			continue
		}
		active++
	}
	lb.hour.activeSum += active
	lb.hour.activeSamples++
	for _, g := range lb.groups {
		g.anomalies()
	}
	pub := lb.cfg.Metrics
	ms := lb.minute
	lb.minute = minuteStats{respTime: ms.respTime[:0]}
	if pub == nil {
		for _, g := range lb.groups {
			g.stats = groupStats{respTime: g.stats.respTime[:0]}
		}
		return
	}
	ns := lb.Namespace()
	lbDims := []cloudwatch.Dimension{{Name: "LoadBalancer", Value: lb.dim}}
	if lb.cfg.Type == Classic {
		lbDims = []cloudwatch.Dimension{{Name: "LoadBalancerName", Value: lb.cfg.Name}}
	}
	put := func(dims []cloudwatch.Dimension, name string, v float64, unit cloudwatch.Unit) {
		pub.Publish(ns, cloudwatch.MetricDatum{MetricName: name, Dimensions: dims, Timestamp: stamp, Value: v, Unit: unit})
	}
	// Response times go as raw values, not a statistic set, so that
	// percentiles (p99 TargetResponseTime) stay available as in AWS.
	putTimes := func(dims []cloudwatch.Dimension, name string, xs []float64) {
		if len(xs) == 0 {
			return
		}
		pub.Publish(ns, cloudwatch.MetricDatum{MetricName: name, Dimensions: dims, Timestamp: stamp,
			Values: append([]float64(nil), xs...), Unit: cloudwatch.UnitSeconds})
	}
	traffic := ms.requests+ms.elb3+ms.elb4+ms.elb5+ms.newConns > 0
	flowLB := lb.cfg.Type == Network || lb.cfg.Type == Gateway
	if traffic {
		if flowLB {
			put(lbDims, "NewFlowCount", float64(ms.newConns), cloudwatch.UnitCount)
			put(lbDims, "ActiveFlowCount", float64(active), cloudwatch.UnitCount)
			put(lbDims, "ProcessedBytes", float64(ms.bytes), cloudwatch.UnitBytes)
			put(lbDims, "UnhealthyRoutingFlowCount", float64(ms.unhealthyRouted), cloudwatch.UnitCount)
		} else {
			put(lbDims, "RequestCount", float64(ms.requests), cloudwatch.UnitCount)
			put(lbDims, "ProcessedBytes", float64(ms.bytes), cloudwatch.UnitBytes)
			put(lbDims, "NewConnectionCount", float64(ms.newConns), cloudwatch.UnitCount)
			put(lbDims, "ActiveConnectionCount", float64(active), cloudwatch.UnitCount)
			put(lbDims, "RejectedConnectionCount", float64(ms.rejected), cloudwatch.UnitCount)
			put(lbDims, "TargetConnectionErrorCount", float64(ms.targetConnErr), cloudwatch.UnitCount)
			put(lbDims, "RuleEvaluations", float64(ms.ruleEvals), cloudwatch.UnitCount)
			put(lbDims, "UnhealthyRoutingRequestCount", float64(ms.unhealthyRouted), cloudwatch.UnitCount)
			put(lbDims, "NonStickyRequestCount", float64(ms.nonSticky), cloudwatch.UnitCount)
			for _, c := range []struct {
				name string
				n    uint64
			}{
				{"HTTPCode_ELB_3XX_Count", ms.elb3}, {"HTTPCode_ELB_4XX_Count", ms.elb4}, {"HTTPCode_ELB_5XX_Count", ms.elb5},
				{"HTTPCode_ELB_502_Count", ms.elb502}, {"HTTPCode_ELB_503_Count", ms.elb503}, {"HTTPCode_ELB_504_Count", ms.elb504},
				{"HTTPCode_Target_2XX_Count", ms.target2}, {"HTTPCode_Target_3XX_Count", ms.target3},
				{"HTTPCode_Target_4XX_Count", ms.target4}, {"HTTPCode_Target_5XX_Count", ms.target5},
			} {
				put(lbDims, c.name, float64(c.n), cloudwatch.UnitCount)
			}
			putTimes(lbDims, "TargetResponseTime", ms.respTime)
		}
	}
	for _, g := range lb.groups {
		gs := g.stats
		g.stats = groupStats{respTime: gs.respTime[:0]}
		dims := []cloudwatch.Dimension{{Name: "LoadBalancer", Value: lb.dim}, {Name: "TargetGroup", Value: g.dim}}
		// Each node reports the targets it routes to as it sees them, under
		// its zone and without it: Minimum and Maximum over the group's
		// data points are over nodes, as in AWS.
		cross := g.crossZone()
		for i, az := range lb.cfg.AvailabilityZones {
			healthy, unhealthy := 0, 0
			for _, m := range g.members {
				if !cross && m.az != az {
					continue
				}
				switch m.views[i].state {
				case StateHealthy:
					healthy++
				case StateUnhealthy:
					unhealthy++
				}
			}
			azDims := []cloudwatch.Dimension{{Name: "AvailabilityZone", Value: az}, dims[0], dims[1]}
			put(dims, "HealthyHostCount", float64(healthy), cloudwatch.UnitCount)
			put(dims, "UnHealthyHostCount", float64(unhealthy), cloudwatch.UnitCount)
			put(azDims, "HealthyHostCount", float64(healthy), cloudwatch.UnitCount)
			put(azDims, "UnHealthyHostCount", float64(unhealthy), cloudwatch.UnitCount)
		}
		if gs.requests == 0 || flowLB {
			continue
		}
		put(dims, "RequestCount", float64(gs.requests), cloudwatch.UnitCount)
		// RequestCountPerTarget divides by the healthy targets as
		// DescribeTargetHealth reports them (all registered ones when
		// failing open).
		per := float64(gs.requests) / float64(max(g.HealthyCount(), 1))
		put(dims, "RequestCountPerTarget", per, cloudwatch.UnitCount)
		put(dims, "HTTPCode_Target_2XX_Count", float64(gs.target2), cloudwatch.UnitCount)
		put(dims, "HTTPCode_Target_3XX_Count", float64(gs.target3), cloudwatch.UnitCount)
		put(dims, "HTTPCode_Target_4XX_Count", float64(gs.target4), cloudwatch.UnitCount)
		put(dims, "HTTPCode_Target_5XX_Count", float64(gs.target5), cloudwatch.UnitCount)
		putTimes(dims, "TargetResponseTime", gs.respTime)
	}
}

// LCUs returns the capacity units of an hour's usage: the largest of the
// type's dimensions (ALB: 25 new connections/s, 3,000 active connections,
// 1 GB processed, 1,000 rule evaluations/s beyond the first 10 rules; NLB
// TCP: 800 new flows/s, 100,000 active flows, 1 GB; GWLB: 600, 60,000, 1 GB).
// hours is the length of the usage window; newConns, bytes and ruleEvals
// are totals over it, and active the mean active connections.
func LCUs(t Type, hours float64, newConns, bytes, ruleEvals uint64, active float64) float64 {
	if hours <= 0 {
		return 0
	}
	secs := hours * 3600
	gb := float64(bytes) / 1e9 / hours
	switch t {
	case Network:
		return max(float64(newConns)/secs/800, active/100000, gb)
	case Gateway:
		return max(float64(newConns)/secs/600, active/60000, gb)
	case Classic:
		return 0
	}
	return max(float64(newConns)/secs/25, active/3000, gb, float64(ruleEvals)/secs/1000)
}

// billHour charges the hour (or the part since the last charge: partial
// hours bill as full hours) and its capacity units.
func (lb *LoadBalancer) billHour() {
	now := lb.s.Now()
	h := lb.hour
	lb.hour = hourStats{start: now}
	b := lb.cfg.Billing
	if b == nil || lb.deleted || now <= h.start {
		return
	}
	hours := now.Sub(h.start).Hours()
	active := 0.0
	if h.activeSamples > 0 {
		active = float64(h.activeSum) / float64(h.activeSamples)
	}
	p := lb.cfg.Prices
	item := func(usage string, qty float64, unit string, rate float64) {
		b.Add(billing.LineItem{Start: h.start, End: now, Service: "AWSELB", ResourceID: lb.arn, UsageType: usage,
			Region: lb.cfg.Region, Quantity: qty, Unit: unit, Rate: rate, Tags: lb.cfg.Tags})
	}
	kind := map[Type]string{Application: "LoadBalancerUsage", Network: "LoadBalancerUsage", Gateway: "LoadBalancerUsage", Classic: "LoadBalancerUsage"}[lb.cfg.Type]
	item(kind, math.Ceil(hours-1e-9), "Hrs", p.PerHour)
	switch lb.cfg.Type {
	case Classic:
		item("DataProcessing-Bytes", float64(h.bytes)/1e9, "GB", p.PerGB)
	default:
		unit := map[Type]string{Application: "LCUUsage", Network: "NLCUUsage", Gateway: "GLCUUsage"}[lb.cfg.Type]
		item(unit, LCUs(lb.cfg.Type, hours, h.newConns, h.bytes, h.ruleEvalsLCU, active)*hours, "LCU-Hrs", p.PerLCUHour)
	}
}

// billCrossAZ charges regional data transfer for a cross-zone hop.
func (lb *LoadBalancer) billCrossAZ(bytes int64) {
	b := lb.cfg.Billing
	if b == nil || bytes <= 0 || lb.cfg.Prices.CrossAZPerGB == 0 {
		return
	}
	now := lb.s.Now()
	b.Add(billing.LineItem{Start: now, End: now, Service: "AWSELB", ResourceID: lb.arn, UsageType: "DataTransfer-Regional-Bytes",
		Region: lb.cfg.Region, Quantity: float64(bytes) / 1e9, Unit: "GB", Rate: lb.cfg.Prices.CrossAZPerGB, Tags: lb.cfg.Tags})
}
