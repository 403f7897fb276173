package ec2

import (
	"sort"
	"time"

	"github.com/nimbus-sim/nimbus/cloudwatch"
	"github.com/nimbus-sim/nimbus/sim"
)

// Namespace is the CloudWatch namespace of EC2 metrics.
const Namespace = "AWS/EC2"

// The metrics an instance publishes, in this order.
const (
	mCPU = iota
	mNetIn
	mNetOut
	mStatus
	mStatusInstance
	mStatusSystem
	mCreditUsage // burstable types only from here on
	mCreditBalance
	mSurplusBalance
	mSurplusCharged
	nMetrics
)

var metricNames = [nMetrics]string{"CPUUtilization", "NetworkIn", "NetworkOut", "StatusCheckFailed",
	"StatusCheckFailed_Instance", "StatusCheckFailed_System", "CPUCreditUsage", "CPUCreditBalance",
	"CPUSurplusCreditBalance", "CPUSurplusCreditsCharged"}

var metricUnits = [nMetrics]cloudwatch.Unit{cloudwatch.UnitPercent, cloudwatch.UnitBytes, cloudwatch.UnitBytes,
	cloudwatch.UnitCount, cloudwatch.UnitCount, cloudwatch.UnitCount, cloudwatch.UnitCount, cloudwatch.UnitCount,
	cloudwatch.UnitCount, cloudwatch.UnitCount}

// snap is the CPU-time integral at a sample instant.
type snap struct {
	t   sim.Time
	cum float64
}

// historyLen is how many one-minute snapshots CPUUtilization windows can
// reach back over: 24 hours.
const historyLen = 24*60 + 1

// monitor samples an instance every minute while it runs and publishes the
// period aggregates: 5-minute periods (basic monitoring) or 1-minute
// (detailed), each datapoint a StatisticSet of the minute samples.
type monitor struct {
	ticker *sim.Ticker
	last   sim.Time
	period time.Duration

	cpuAcc        float64 // effective vCPU-ns since the last sample
	inAcc, outAcc int64

	per [nMetrics]cloudwatch.StatisticSet

	hist     []snap // snapshots, grown up to historyLen, then a ring
	histHead int    // index of the oldest snapshot once the ring is full
}

func (m *monitor) start(i *Instance) {
	now := i.s.Now()
	m.period = 5 * time.Minute
	if i.spec.DetailedMonitoring {
		m.period = time.Minute
	}
	m.last = now
	m.cpuAcc, m.inAcc, m.outAcc = 0, 0, 0
	m.push(snap{now, i.cum})
	first := sim.Time((int64(now)/int64(time.Minute) + 1) * int64(time.Minute))
	m.ticker = i.s.Every(first, time.Minute, i.tick)
}

func (m *monitor) stop(i *Instance) {
	if m.ticker == nil {
		return
	}
	m.ticker.Stop()
	m.ticker = nil
	now := i.s.Now()
	i.sampleMinute(now)
	if m.per[mCPU].SampleCount > 0 {
		i.publish(sim.Time(int64(now) / int64(m.period) * int64(m.period)))
	}
}

func (m *monitor) push(s snap) {
	if len(m.hist) < historyLen {
		m.hist = append(m.hist, s)
		return
	}
	m.hist[m.histHead] = s
	m.histHead = (m.histHead + 1) % historyLen
}

// at returns the k-th oldest snapshot.
func (m *monitor) at(k int) snap { return m.hist[(m.histHead+k)%len(m.hist)] }

func (i *Instance) tick(now sim.Time) {
	i.sampleMinute(now)
	if int64(now)%int64(i.mon.period) == 0 {
		i.publish(now.Add(-i.mon.period))
	}
}

// sampleMinute closes the sample interval ending now.
func (i *Instance) sampleMinute(now sim.Time) {
	m := &i.mon
	i.account(now)
	dt := now - m.last
	if dt <= 0 {
		return
	}
	m.last = now
	b := func(ok bool) float64 {
		if ok {
			return 0
		}
		return 1
	}
	m.per[mCPU].Add(m.cpuAcc / (float64(i.typ.VCPUs) * float64(dt)) * 100)
	m.per[mNetIn].Add(float64(m.inAcc))
	m.per[mNetOut].Add(float64(m.outAcc))
	m.per[mStatus].Add(b(!i.failed && !i.sysFailed))
	m.per[mStatusInstance].Add(b(!i.failed))
	m.per[mStatusSystem].Add(b(!i.sysFailed))
	if c := i.cr; c != nil {
		m.per[mCreditUsage].Add(c.usage)
		m.per[mCreditBalance].Add(c.balance + c.launch)
		m.per[mSurplusBalance].Add(c.surplus)
		m.per[mSurplusCharged].Add(c.charged)
		c.usage, c.charged = 0, 0
	}
	m.cpuAcc, m.inAcc, m.outAcc = 0, 0, 0
	m.push(snap{now, i.cum})
}

// publish sends the period's aggregates, stamped with the period start.
func (i *Instance) publish(ts sim.Time) {
	m := &i.mon
	pub := i.e.cfg.Metrics
	for k := range m.per {
		s := m.per[k]
		m.per[k] = cloudwatch.StatisticSet{}
		if s.SampleCount == 0 || pub == nil {
			continue
		}
		for _, dims := range i.dims {
			set := s // each datum gets its own set
			pub.Publish(Namespace, cloudwatch.MetricDatum{MetricName: metricNames[k], Dimensions: dims, Timestamp: ts,
				StatisticValues: &set,
				Unit:            metricUnits[k], StorageResolution: 60})
		}
	}
}

// CPUUtilization returns the average CPU utilization in percent over the
// last window of virtual time (at most 24 hours), as CloudWatch would show
// it: CPU time used over the vCPU time available. A window reaching back
// before the instance's first run is cut to it. Throttled T instances count
// their baseline share, so a t3.large held at baseline shows 30%.
func (i *Instance) CPUUtilization(window time.Duration) float64 {
	now := i.s.Now()
	i.account(now)
	m := &i.mon
	if window <= 0 || len(m.hist) == 0 {
		return 0
	}
	from := max(now.Add(-window), m.at(0).t)
	if from >= now {
		return 0
	}
	cumFrom := i.cumAt(from, now)
	return (i.cum - cumFrom) / (float64(i.typ.VCPUs) * float64(now-from)) * 100
}

// cumAt interpolates the CPU-time integral at t between snapshots (and the
// live value at now).
func (i *Instance) cumAt(t, now sim.Time) float64 {
	m := &i.mon
	n := len(m.hist)
	k := sort.Search(n, func(k int) bool { return m.at(k).t > t }) // first snapshot after t
	if k == 0 {
		return m.at(0).cum
	}
	a := m.at(k - 1)
	b := snap{now, i.cum}
	if k < n {
		b = m.at(k)
	}
	if b.t <= a.t {
		return a.cum
	}
	f := float64(t-a.t) / float64(b.t-a.t)
	return a.cum + f*(b.cum-a.cum)
}
