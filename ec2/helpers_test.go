package ec2

import (
	"math"
	"net/netip"
	"testing"
	"time"

	"github.com/nimbus-sim/nimbus/cloudwatch"
	"github.com/nimbus-sim/nimbus/sim"
	"github.com/stretchr/testify/require"
)

// recorder is a MetricPublisher that keeps every datum.
type recorder struct{ data []cloudwatch.MetricDatum }

func (r *recorder) Publish(ns string, d cloudwatch.MetricDatum) {
	if ns != Namespace {
		panic("namespace " + ns)
	}
	r.data = append(r.data, d)
}

// series returns the datapoints of one metric for one instance, in order.
func (r *recorder) series(name, instanceID string) []cloudwatch.MetricDatum {
	var out []cloudwatch.MetricDatum
	for _, d := range r.data {
		if d.MetricName == name && len(d.Dimensions) == 1 && d.Dimensions[0].Value == instanceID {
			out = append(out, d)
		}
	}
	return out
}

func mustSubnet(t testing.TB, id, az, cidr string) *BasicSubnet {
	sn, err := NewBasicSubnet(id, az, netip.MustParsePrefix(cidr))
	require.NoError(t, err)
	return sn
}

// fastBoot makes launches deterministic in time: running after 10 s,
// serving 20 s later.
func fastBoot(c *Config) {
	c.PendingTime = Constant(10 * time.Second)
	c.BootTime = Constant(20 * time.Second)
}

// queueRun drives one instance with Poisson arrivals and per-request work
// from draw until n requests completed, and returns the instance, the mean
// wait (queueing delay before service) and the response-time histogram.
type queueRun struct {
	typ        InstanceType
	discipline Discipline
	lambda     float64 // arrivals per second
	n          int
	draw       func(r interface{ ExpFloat64() float64 }) time.Duration
	seed       uint64
}

type queueResult struct {
	inst     *Instance
	meanWait time.Duration
	resp     *sim.Histogram
	sim      *sim.Sim
}

func (q queueRun) run(t testing.TB) queueResult {
	s := sim.New(sim.Config{Seed: q.seed})
	cat := NewCatalog()
	require.NoError(t, cat.Add(q.typ))
	cfg := Config{Catalog: cat}
	fastBoot(&cfg)
	e, err := New(s, cfg)
	require.NoError(t, err)
	inst, err := e.Launch(LaunchSpec{InstanceType: q.typ.Name, Subnet: mustSubnet(t, "subnet-a", "us-east-1a", "10.0.0.0/24"),
		Server: ServerConfig{Discipline: q.discipline}})
	require.NoError(t, err)
	s.RunFor(time.Minute) // booted
	require.True(t, inst.Ready())

	arr := s.Stream("test/arrivals")
	work := s.Stream("test/work")
	hist := sim.NewHistogram()
	// Answered requests are reused: only the few in the system at once
	// (about λW) are ever allocated, instead of q.n fresh ones whose first
	// touch dominated the run time.
	var free []*sim.Request
	done := 0
	reply := func(r *sim.Request, resp sim.Response) {
		if resp.Status != 200 {
			t.Fatalf("request failed: %+v", resp)
		}
		hist.Record(s.Now().Sub(r.Start))
		free = append(free, r)
		done++
		if done == q.n {
			s.Stop()
		}
	}
	sent := 0
	var next func()
	next = func() {
		var r *sim.Request
		if k := len(free); k > 0 {
			r, free = free[k-1], free[:k-1]
			r.Reset()
		} else {
			r = &sim.Request{}
		}
		r.Work = q.draw(work)
		sent++
		s.Send(inst, r, reply)
		if sent < q.n {
			s.After(time.Duration(arr.ExpFloat64()/q.lambda*1e9), next)
		}
	}
	s.After(0, next)
	s.Run()
	require.Equal(t, q.n, done)
	st := inst.Stats()
	return queueResult{inst: inst, meanWait: st.WaitTotal / time.Duration(st.Started), resp: hist, sim: s}
}

// erlangC returns the probability of waiting in an M/M/c queue with offered
// load a = λ/μ (Erlang C formula).
func erlangC(c int, a float64) float64 {
	// Sum a^k/k! for k < c, computed iteratively for stability.
	term, sum := 1.0, 1.0
	for k := 1; k < c; k++ {
		term *= a / float64(k)
		sum += term
	}
	last := term * a / float64(c) // a^c/c!
	rho := a / float64(c)
	top := last / (1 - rho)
	return top / (sum + top)
}

// mmcWait returns the M/M/c mean waiting time in seconds.
func mmcWait(c int, lambda, mu float64) float64 {
	a := lambda / mu
	return erlangC(c, a) / (float64(c)*mu - lambda)
}

func relErr(got, want float64) float64 { return math.Abs(got-want) / want }

func mustPrefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }
