package main

import (
	"sort"
	"strconv"
	"time"

	"github.com/nimbus-sim/nimbus/cloudwatch"
	"github.com/nimbus-sim/nimbus/sim"
)

// observer measures what the shoppers see: per hour of the request's start
// (requests, errors, latency quantiles), per minute (the SLO), and errors by
// cause. It also samples the fleet once a minute.
type observer struct {
	s     *sim.Sim
	c     config
	hours []hourAcc
	// the current minute, evaluated and reset at each minute tick
	minute     *sim.Histogram
	minuteN    uint64
	minuteErr  uint64
	sloMinutes int
	causes     map[string]uint64
	all        *sim.Histogram
	sent       uint64
	completed  uint64 // answered with any HTTP status
	failed     uint64 // dropped without an answer
	errored    uint64 // dropped, or answered 5xx
}

type hourAcc struct {
	sent, done, errors uint64
	static, dynamic    uint64
	lat                *sim.Histogram
	healthyMin         int
	healthyMax         int
	healthySum         int
	launchedMax        int
	samples            int
}

func newObserver(s *sim.Sim, c config) *observer {
	o := &observer{s: s, c: c, minute: sim.NewHistogram(), causes: map[string]uint64{}, all: sim.NewHistogram()}
	n := int((c.horizon + time.Hour - 1) / time.Hour)
	o.hours = make([]hourAcc, n)
	for i := range o.hours {
		o.hours[i] = hourAcc{lat: sim.NewHistogram(), healthyMin: -1}
	}
	return o
}

func (o *observer) hour(t sim.Time) *hourAcc {
	return &o.hours[min(max(int((t-at(0))/sim.Time(time.Hour)), 0), len(o.hours)-1)]
}

// sentOne counts a request as it is generated.
func (o *observer) sentOne(static bool) {
	o.sent++
	h := o.hour(o.s.Now())
	h.sent++
	if static {
		h.static++
	} else {
		h.dynamic++
	}
}

// record takes one answer (the workload's OnResponse).
func (o *observer) record(req *sim.Request, resp sim.Response) {
	h := o.hour(req.Start)
	h.done++
	o.minuteN++
	if resp.Status == 0 {
		o.failed++
	} else {
		o.completed++
	}
	if resp.Status == 0 || resp.Status >= 500 {
		o.errored++
		h.errors++
		o.minuteErr++
		o.causes[cause(resp)]++
		return
	}
	d := o.s.Now().Sub(req.Start)
	h.lat.Record(d)
	o.minute.Record(d)
	o.all.Record(d)
}

// cause names an error the way an operator would group it.
func cause(resp sim.Response) string {
	var k string
	if resp.Status == 0 {
		k = "dropped"
	} else {
		k = strconv.Itoa(resp.Status)
	}
	if resp.Reason != "" {
		k += " " + resp.Reason
	}
	return k
}

// tick closes a minute: SLO check, custom metrics, fleet sample.
func (o *observer) tick(now sim.Time, cw *cloudwatch.CloudWatch, healthy, launched int) {
	start := now.Add(-time.Minute)
	p99 := o.minute.Quantile(0.99)
	errRate := float64(o.minuteErr) / float64(max(o.minuteN, 1))
	if o.minuteN > 0 && (p99 > o.c.sloP99 || errRate > o.c.sloErrors) {
		o.sloMinutes++
	}
	pub := func(name string, v float64, u cloudwatch.Unit) {
		cw.Publish("Webshop", cloudwatch.MetricDatum{MetricName: name, Timestamp: start, Value: v, Unit: u})
	}
	if o.minuteN > 0 {
		pub("ClientLatencyP99", ms(p99), cloudwatch.UnitMilliseconds)
	}
	pub("ClientErrors", float64(o.minuteErr), cloudwatch.UnitCount)
	o.minute.Reset()
	o.minuteN, o.minuteErr = 0, 0

	if start >= at(o.c.horizon) {
		return
	}
	h := o.hour(start)
	if h.healthyMin < 0 || healthy < h.healthyMin {
		h.healthyMin = healthy
	}
	h.healthyMax = max(h.healthyMax, healthy)
	h.launchedMax = max(h.launchedMax, launched)
	h.healthySum += healthy
	h.samples++
}

type causeCount struct {
	Cause string `json:"cause"`
	Count uint64 `json:"count"`
}

// errorCauses returns the causes, most frequent first (ties by name).
func (o *observer) errorCauses() []causeCount {
	out := make([]causeCount, 0, len(o.causes))
	for k, v := range o.causes {
		out = append(out, causeCount{k, v})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Cause < out[j].Cause
	})
	return out
}
