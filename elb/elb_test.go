package elb

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/nimbus-sim/nimbus/billing"
	"github.com/nimbus-sim/nimbus/cloudwatch"
	"github.com/nimbus-sim/nimbus/ec2"
	"github.com/nimbus-sim/nimbus/sim"
	"github.com/nimbus-sim/nimbus/workload"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var zones = []string{"us-east-1a", "us-east-1b"}

// server is a test target: one FCFS server taking work/speed per request,
// that can be killed (then it drops requests at once) or made sick (then
// it fails health checks with a 500 and still serves requests).
type server struct {
	s     *sim.Sim
	id    string
	az    string
	speed float64
	busy  sim.Time
	dead  bool
	hung  bool
	sick  bool
	got   int
	hc    int
	held  []func(sim.Response) // replies of requests a hung server holds
}

func (v *server) ID() string { return v.id }
func (v *server) AZ() string { return v.az }
func (v *server) Serve(req *sim.Request, reply func(sim.Response)) {
	if strings.HasPrefix(headerOr(req, "User-Agent"), "ELB-HealthChecker") {
		v.hc++
		if v.sick && !v.dead && !v.hung {
			reply(sim.Response{Status: 500, From: v.id})
			return
		}
	} else {
		v.got++
	}
	switch {
	case v.dead:
		reply(sim.Response{Reason: "ConnectionRefused"})
		return
	case v.hung:
		v.held = append(v.held, reply) // never answers on its own: the load balancer times out
		return
	}
	start := max(v.s.Now(), v.busy)
	v.busy = start.Add(time.Duration(float64(req.Work) / v.speed))
	v.s.Schedule(v.busy, func() { reply(sim.Response{Status: 200, Bytes: 1000, From: v.id}) })
}

func headerOr(req *sim.Request, name string) string { v, _ := req.Header(name); return v }

// allChecked is how long after registration every node has checked a
// target once: with two zones the second node first checks Interval / 2
// after the first; a second more lets the check finish.
func allChecked(tg *TargetGroup) time.Duration {
	return tg.Config().HealthCheck.Interval/2 + time.Second
}

func newALB(t testing.TB, s *sim.Sim, tgc TargetGroupConfig, mods ...func(*Config)) (*LoadBalancer, *TargetGroup) {
	cfg := Config{Name: "web", AvailabilityZones: zones}
	for _, m := range mods {
		m(&cfg)
	}
	lb, err := New(s, cfg)
	require.NoError(t, err)
	if tgc.Name == "" {
		tgc.Name = "app"
	}
	tg, err := NewTargetGroup(s, cfg.Type, tgc)
	require.NoError(t, err)
	_, err = lb.AddListener(ListenerConfig{DefaultAction: Action{Type: Forward, TargetGroups: []WeightedTargetGroup{{TargetGroup: tg, Weight: 1}}}})
	require.NoError(t, err)
	return lb, tg
}

func servers(s *sim.Sim, n int, speed ...float64) []*server {
	out := make([]*server, n)
	for i := range out {
		sp := 1.0
		if i < len(speed) {
			sp = speed[i]
		}
		out[i] = &server{s: s, id: fmt.Sprintf("i-%02d", i), az: zones[i%2], speed: sp}
	}
	return out
}

// drive sends n requests at a fixed rate from distinct clients.
func drive(s *sim.Sim, h sim.Handler, n int, every time.Duration, work time.Duration, done func(*sim.Request, sim.Response)) {
	i := 0
	var next func()
	next = func() {
		i++
		s.Send(h, &sim.Request{Method: "GET", Host: "shop.example.com", Path: "/", Work: work, Bytes: 500,
			Client: sim.Client{ID: uint64(i), IP: netip.AddrFrom4([4]byte{203, 0, 113, byte(i)})}, SrcPort: uint16(1024 + i)}, done)
		if i < n {
			s.After(every, next)
		}
	}
	s.Schedule(s.Now(), next)
}

// TestRoundRobinIsEvenWithinOne: each node keeps its own round robin, so
// each node's requests are even within one across the targets, and the
// total within one per node.
func TestRoundRobinIsEvenWithinOne(t *testing.T) {
	s := sim.New(sim.Config{Seed: 1})
	lb, tg := newALB(t, s, TargetGroupConfig{})
	vs := servers(s, 4)
	for _, v := range vs {
		require.NoError(t, tg.Register(v))
	}
	s.RunFor(allChecked(tg)) // one passed check at each node makes a new ALB target healthy
	require.Equal(t, 4, tg.HealthyCount())
	drive(s, lb, 1001, time.Millisecond, time.Millisecond, nil)
	s.RunFor(10 * time.Second)
	lo, hi := vs[0].got, vs[0].got
	for _, v := range vs {
		lo, hi = min(lo, v.got), max(hi, v.got)
	}
	assert.LessOrEqual(t, hi-lo, len(zones), "round robin, one position per node: counts %d..%d", lo, hi)
	assert.Equal(t, uint64(1001), s.Requests().CompletedClass(2))
	// Per node: requests from clients that reach one node.
	var id uint64
	before := make([]int, len(vs))
	for i, v := range vs {
		before[i] = v.got
	}
	for range 102 {
		s.Send(lb, toNode(lb, 1, &id), nil)
	}
	s.RunFor(10 * time.Second)
	lo, hi = 1<<30, 0
	for i, v := range vs {
		d := v.got - before[i]
		lo, hi = min(lo, d), max(hi, d)
	}
	assert.LessOrEqual(t, hi-lo, 1, "one node's round robin: %d..%d", lo, hi)
}

func TestWeightedRoundRobinHonoursWeights(t *testing.T) {
	s := sim.New(sim.Config{Seed: 1})
	lb, tg := newALB(t, s, TargetGroupConfig{Algorithm: WeightedRoundRobin})
	vs := servers(s, 3)
	for i, v := range vs {
		require.NoError(t, tg.RegisterWeighted(v, i+1))
	}
	s.RunFor(allChecked(tg))
	drive(s, lb, 600, time.Millisecond, 0, nil)
	s.RunFor(5 * time.Second)
	assert.Equal(t, []int{100, 200, 300}, []int{vs[0].got, vs[1].got, vs[2].got})
}

// p99 of response times through the load balancer for a fleet of four
// targets, one of them half as fast, at 70% of the fleet's capacity.
func p99With(t *testing.T, alg Algorithm) time.Duration {
	s := sim.New(sim.Config{Seed: 5})
	lb, tg := newALB(t, s, TargetGroupConfig{Algorithm: alg})
	for _, v := range servers(s, 4, 0.5, 1, 1, 1) {
		require.NoError(t, tg.Register(v))
	}
	s.RunFor(allChecked(tg))
	lat := sim.NewHistogram()
	r := s.Stream("test/arrivals")
	work := s.Stream("test/work")
	// Capacity 3.5 requests per 10 ms; arrivals at 2.45 per 10 ms.
	n := 0
	var next func()
	next = func() {
		n++
		s.Send(lb, &sim.Request{Client: sim.Client{ID: uint64(n)}, Work: time.Duration(work.ExpFloat64() * 10e6)},
			func(req *sim.Request, _ sim.Response) { lat.Record(s.Now().Sub(req.Start)) })
		if n < 40000 {
			s.After(time.Duration(r.ExpFloat64()*10e6/2.45), next)
		}
	}
	s.Schedule(s.Now(), next)
	s.RunFor(5 * time.Minute)
	return lat.Quantile(0.99)
}

func TestLeastOutstandingBeatsRoundRobinWithASlowTarget(t *testing.T) {
	rr := p99With(t, RoundRobin)
	lor := p99With(t, LeastOutstandingRequests)
	// Round robin sends the slow target a quarter of the load, which is
	// 0.25 × 2.45 / 0.5 ≈ 1.2 times its capacity: its queue grows without
	// bound. LOR steers around it.
	assert.Less(t, lor*3, rr, "LOR p99 %v should be far below RR p99 %v", lor, rr)
}

func TestHealthCheckTiming(t *testing.T) {
	s := sim.New(sim.Config{Seed: 1})
	lb, tg := newALB(t, s, TargetGroupConfig{})
	vs := servers(s, 2)
	require.NoError(t, tg.Register(vs[0], vs[1]))
	var changes []HealthChange
	tg.Watch(func(c HealthChange) { changes = append(changes, c) })
	s.RunFor(5 * time.Minute)
	require.Equal(t, 2, tg.HealthyCount())

	died := s.Now()
	vs[0].dead = true
	hc := tg.Config().HealthCheck
	for s.Now() < died.Add(5*time.Minute) {
		s.RunFor(time.Second)
		if th, _ := tg.TargetHealth("i-00"); th.State == StateUnhealthy {
			break
		}
	}
	took := s.Now().Sub(died)
	want := time.Duration(hc.UnhealthyThreshold) * hc.Interval
	assert.InDelta(t, want.Seconds(), took.Seconds(), hc.Interval.Seconds(), "unhealthy after %v, want %v ± one interval", took, want)

	// No new requests reach it once unhealthy.
	before := vs[0].got
	drive(s, lb, 100, 10*time.Millisecond, 0, nil)
	s.RunFor(10 * time.Second)
	assert.Equal(t, before, vs[0].got)
	assert.Equal(t, uint64(100), s.Requests().CompletedClass(2))

	// Recovery takes HealthyThreshold consecutive passes.
	vs[0].dead = false
	back := s.Now()
	for s.Now() < back.Add(10*time.Minute) {
		s.RunFor(time.Second)
		if th, _ := tg.TargetHealth("i-00"); th.State == StateHealthy {
			break
		}
	}
	want = time.Duration(hc.HealthyThreshold) * hc.Interval
	assert.InDelta(t, want.Seconds(), s.Now().Sub(back).Seconds(), hc.Interval.Seconds())
	require.NotEmpty(t, changes)
	assert.Equal(t, StateUnhealthy, changes[len(changes)-2].To)
	assert.Equal(t, StateHealthy, changes[len(changes)-1].To)
}

func TestFailOpenWhenAllUnhealthy(t *testing.T) {
	s := sim.New(sim.Config{Seed: 1})
	lb, tg := newALB(t, s, TargetGroupConfig{HealthCheck: HealthCheck{Path: "/health"}})
	vs := servers(s, 2)
	require.NoError(t, tg.Register(vs[0], vs[1]))
	s.RunFor(time.Minute)
	for _, v := range vs {
		v.hung = true // health checks time out; requests would too
	}
	s.RunFor(3 * time.Minute)
	require.Zero(t, tg.HealthyCount())
	for _, v := range vs {
		v.hung = false
	}
	// Routed anyway: the group fails open.
	drive(s, lb, 10, time.Millisecond, 0, nil)
	s.RunFor(time.Second)
	assert.Equal(t, uint64(10), s.Requests().CompletedClass(2))
}

func TestErrorsAnswerLikeAWS(t *testing.T) {
	s := sim.New(sim.Config{Seed: 1})
	lb, tg := newALB(t, s, TargetGroupConfig{HealthCheck: HealthCheck{Disabled: true}}, func(c *Config) { c.IdleTimeout = 2 * time.Second })
	statuses := map[int]int{}
	record := func(_ *sim.Request, r sim.Response) { statuses[r.Status]++ }
	drive(s, lb, 3, time.Millisecond, 0, record) // nothing registered: 503
	s.RunFor(time.Second)
	vs := servers(s, 1)
	require.NoError(t, tg.Register(vs[0]))
	vs[0].dead = true
	drive(s, lb, 2, time.Millisecond, 0, record) // refused: 502
	s.RunFor(time.Second)
	vs[0].dead, vs[0].hung = false, true
	drive(s, lb, 4, time.Millisecond, 0, record) // no answer: 504 after the idle timeout
	s.RunFor(time.Minute)
	assert.Equal(t, map[int]int{503: 3, 502: 2, 504: 4}, statuses)
	tl := s.Requests()
	assert.Equal(t, tl.Generated(), tl.Completed()+tl.Failed()+tl.InFlight())
	assert.Zero(t, tl.InFlight())
}

func TestDrainingFinishesInFlight(t *testing.T) {
	s := sim.New(sim.Config{Seed: 1})
	lb, tg := newALB(t, s, TargetGroupConfig{DeregistrationDelay: Duration(30 * time.Second)})
	vs := servers(s, 2)
	require.NoError(t, tg.Register(vs[0], vs[1]))
	s.RunFor(allChecked(tg))
	// Slow requests: 2 s each, so some are in flight at deregistration.
	drive(s, lb, 10, 10*time.Millisecond, 2*time.Second, nil)
	s.RunFor(200 * time.Millisecond)
	th, _ := tg.TargetHealth("i-00")
	require.Positive(t, th.InFlight)
	var doneAt sim.Time = -1
	deregAt := s.Now()
	require.NoError(t, tg.Deregister("i-00", func() { doneAt = s.Now() }))
	gotBefore := vs[0].got
	drive(s, lb, 10, 10*time.Millisecond, 0, nil)
	s.RunFor(15 * time.Second)
	assert.Equal(t, gotBefore, vs[0].got, "a draining target gets no new requests")
	assert.Positive(t, int64(doneAt), "deregistration completes when in-flight requests finish")
	assert.Less(t, doneAt, deregAt.Add(15*time.Second))
	th, _ = tg.TargetHealth("i-00")
	assert.Equal(t, StateDraining, th.State, "it shows draining until the delay ends")
	s.RunFor(30 * time.Second)
	_, ok := tg.TargetHealth("i-00")
	assert.False(t, ok)
	assert.Equal(t, uint64(20), s.Requests().CompletedClass(2), "every request answered")
}

func TestRulesRouteByPriority(t *testing.T) {
	s := sim.New(sim.Config{Seed: 1})
	lb, err := New(s, Config{Name: "web", AvailabilityZones: zones})
	require.NoError(t, err)
	api, _ := NewTargetGroup(s, Application, TargetGroupConfig{Name: "api", HealthCheck: HealthCheck{Disabled: true}})
	img, _ := NewTargetGroup(s, Application, TargetGroupConfig{Name: "img", HealthCheck: HealthCheck{Disabled: true}})
	fwd := func(g *TargetGroup) Action {
		return Action{Type: Forward, TargetGroups: []WeightedTargetGroup{{TargetGroup: g, Weight: 1}}}
	}
	_, err = lb.AddListener(ListenerConfig{
		DefaultAction: Action{Type: FixedResponse, StatusCode: 404},
		Rules: []Rule{
			{Priority: 20, Conditions: []Condition{{Field: PathPattern, Values: []string{"/api/*"}}}, Action: fwd(api)},
			{Priority: 10, Conditions: []Condition{{Field: PathPattern, Values: []string{"/api/admin*"}}, {Field: SourceIPField, Values: []string{"10.0.0.0/8"}}}, Action: Action{Type: FixedResponse, StatusCode: 403}},
			{Priority: 30, Conditions: []Condition{{Field: HostHeader, Values: []string{"img.*.com"}}}, Action: fwd(img)},
			{Priority: 40, Conditions: []Condition{{Field: HTTPHeader, HeaderName: "X-Old", Values: []string{"y*"}}}, Action: Action{Type: Redirect, StatusCode: 301, RedirectURL: "https://#{host}/new#{path}"}},
			{Priority: 50, Conditions: []Condition{{Field: QueryString, Values: []string{"debug=1"}}, {Field: RequestMethod, Values: []string{"POST"}}}, Action: Action{Type: FixedResponse, StatusCode: 202}},
		},
	})
	require.NoError(t, err)
	require.NoError(t, api.Register(HandlerTarget("api-1", zones[0], sim.Fixed(sim.Response{Status: 200, From: "api"}))))
	require.NoError(t, img.Register(HandlerTarget("img-1", zones[1], sim.Fixed(sim.Response{Status: 200, From: "img"}))))
	cases := []struct {
		req  sim.Request
		want string
	}{
		{sim.Request{Host: "shop.example.com", Path: "/api/admin/x", Client: sim.Client{IP: netip.MustParseAddr("10.1.2.3")}}, "403"},
		{sim.Request{Host: "shop.example.com", Path: "/api/admin/x", Client: sim.Client{IP: netip.MustParseAddr("8.8.8.8")}}, "api"},
		{sim.Request{Host: "shop.example.com", Path: "/API/x"}, "404"},
		{sim.Request{Host: "IMG.shop.com:443", Path: "/a.png"}, "img"},
		{sim.Request{Host: "shop.example.com", Path: "/p", Headers: []sim.Header{{Name: "x-old", Value: "YES"}}}, "301 https://shop.example.com/new/p"},
		{sim.Request{Host: "shop.example.com", Path: "/p", Method: "POST", Query: "a=2&DEBUG=1"}, "202"},
		{sim.Request{Host: "shop.example.com", Path: "/p", Method: "GET", Query: "debug=1"}, "404"},
	}
	for _, c := range cases {
		req := c.req
		var got string
		s.Send(lb, &req, func(_ *sim.Request, r sim.Response) {
			got = fmt.Sprint(r.Status)
			if r.From != "elb:web" {
				got = r.From
			}
			if loc, ok := r.Header("Location"); ok {
				got += " " + loc
			}
		})
		s.RunFor(time.Second)
		assert.Equal(t, c.want, got, "%s %s%s?%s", req.Method, req.Host, req.Path, req.Query)
	}
}

func TestWeightedForwardSplitsByWeight(t *testing.T) {
	s := sim.New(sim.Config{Seed: 3})
	lb, _ := New(s, Config{Name: "web", AvailabilityZones: zones})
	blue, _ := NewTargetGroup(s, Application, TargetGroupConfig{Name: "blue", HealthCheck: HealthCheck{Disabled: true}})
	green, _ := NewTargetGroup(s, Application, TargetGroupConfig{Name: "green", HealthCheck: HealthCheck{Disabled: true}})
	_, err := lb.AddListener(ListenerConfig{DefaultAction: Action{Type: Forward, TargetGroups: []WeightedTargetGroup{{blue, 10}, {green, 30}}}})
	require.NoError(t, err)
	b, g := &server{s: s, id: "b", az: zones[0], speed: 1}, &server{s: s, id: "g", az: zones[1], speed: 1}
	require.NoError(t, blue.Register(b))
	require.NoError(t, green.Register(g))
	drive(s, lb, 8000, time.Millisecond, 0, nil)
	s.RunFor(time.Minute)
	// Binomial(8000, 0.25): sd ≈ 39, so ±4 sd is ±155.
	assert.InDelta(t, 2000, b.got, 155)
	assert.Equal(t, 8000, b.got+g.got)
}

func TestLBCookieStickiness(t *testing.T) {
	s := sim.New(sim.Config{Seed: 1})
	lb, tg := newALB(t, s, TargetGroupConfig{Stickiness: Stickiness{Type: LBCookie, Duration: time.Minute}})
	vs := servers(s, 3)
	for _, v := range vs {
		require.NoError(t, tg.Register(v))
	}
	s.RunFor(allChecked(tg))
	var cookie string
	send := func() string {
		req := &sim.Request{Client: sim.Client{ID: 1}}
		if cookie != "" {
			req.SetCookie("AWSALB", cookie)
		}
		var from string
		s.Send(lb, req, func(_ *sim.Request, r sim.Response) {
			from = r.From
			if sc, ok := r.Header("Set-Cookie"); ok {
				cookie = strings.TrimPrefix(sc, "AWSALB=")
			}
		})
		s.RunFor(100 * time.Millisecond)
		return from
	}
	first := send()
	for i := 0; i < 10; i++ {
		assert.Equal(t, first, send(), "sticky to one target")
	}
	s.RunFor(2 * time.Minute) // the cookie expires; the expiry resets on each request otherwise
	seen := map[string]bool{}
	cookie = "i-99|0" // an unknown target: picked anew, counted as non-sticky
	for i := 0; i < 6; i++ {
		cookie = ""
		seen[send()] = true
	}
	assert.Len(t, seen, 3, "without a cookie requests spread")
}

func TestNLBFlowsStickAndStayInZone(t *testing.T) {
	s := sim.New(sim.Config{Seed: 1})
	lb, err := New(s, Config{Name: "tcp", Type: Network, AvailabilityZones: zones})
	require.NoError(t, err)
	require.False(t, lb.CrossZone(), "NLB cross-zone is off by default")
	tg, err := NewTargetGroup(s, Network, TargetGroupConfig{Name: "tcp"})
	require.NoError(t, err)
	assert.Equal(t, FlowHash, tg.Config().Algorithm)
	_, err = lb.AddListener(ListenerConfig{Port: 443, DefaultAction: Action{Type: Forward, TargetGroups: []WeightedTargetGroup{{tg, 1}}}})
	require.NoError(t, err)
	vs := servers(s, 6)
	byID := map[string]*server{}
	for _, v := range vs {
		byID[v.id] = v
		require.NoError(t, tg.Register(v))
	}
	s.RunFor(3 * time.Minute) // NLB targets need HealthyThreshold (5) passes... of 30 s
	require.Equal(t, 6, tg.HealthyCount())
	for c := 1; c <= 50; c++ {
		var first string
		for k := 0; k < 5; k++ {
			req := &sim.Request{Protocol: "TCP", DstPort: 443, SrcPort: uint16(40000 + c), Client: sim.Client{ID: uint64(c), IP: netip.AddrFrom4([4]byte{198, 51, 100, byte(c)})}}
			var from string
			s.Send(lb, req, func(_ *sim.Request, r sim.Response) { from = r.From })
			s.RunFor(10 * time.Millisecond)
			if k == 0 {
				first = from
			}
			require.Equal(t, first, from, "a flow stays on one target")
		}
		// Cross-zone off: the node's zone is the target's zone.
		assert.Equal(t, zones[lb.node(&sim.Request{Client: sim.Client{ID: uint64(c), IP: netip.AddrFrom4([4]byte{198, 51, 100, byte(c)})}})], byID[first].az)
	}
}

func TestSlowStartRampsLinearly(t *testing.T) {
	s := sim.New(sim.Config{Seed: 1})
	lb, tg := newALB(t, s, TargetGroupConfig{SlowStart: 100 * time.Second, HealthCheck: HealthCheck{Interval: 5 * time.Second, Timeout: 2 * time.Second}})
	vs := servers(s, 2)
	require.NoError(t, tg.Register(vs[0]))
	s.RunFor(10 * time.Second)
	require.NoError(t, tg.Register(vs[1]))
	s.RunFor(time.Millisecond) // its first check passes at once
	start := vs[1].got
	drive(s, lb, 20000, 10*time.Millisecond, 0, nil) // 200 s of traffic
	s.RunFor(50 * time.Second)
	firstHalf := vs[1].got - start
	// Over the first 50 s of a 100 s ramp the new target's weight averages
	// 0.25 against the old one's 1: a share of about 0.25/1.25 ≈ 0.19 of the
	// 5,000 requests at the start and rising; the integral of w/(1+w) for w
	// from 0 to 0.5 over 50 s gives ≈ 0.19 × 5000 ≈ 950.
	assert.InDelta(t, 950, firstHalf, 120)
	s.RunFor(150 * time.Second)
	assert.InDelta(t, 0.5, float64(vs[1].got-start)/20000, 0.16)
}

type recorder struct{ data []string }

func (r *recorder) Publish(ns string, d cloudwatch.MetricDatum) {
	v := d.Value
	if d.StatisticValues != nil {
		v = d.StatisticValues.SampleCount
	}
	if d.Values != nil {
		v = float64(len(d.Values))
	}
	dims := []string{}
	for _, x := range d.Dimensions {
		dims = append(dims, x.Name)
	}
	r.data = append(r.data, fmt.Sprintf("%s %s %s %g", ns, d.MetricName, strings.Join(dims, ","), v))
}

func TestMetricsAndBilling(t *testing.T) {
	s := sim.New(sim.Config{Seed: 1})
	rec := &recorder{}
	ledger := billing.NewLedger()
	lb, tg := newALB(t, s, TargetGroupConfig{}, func(c *Config) { c.Metrics = rec; c.Billing = ledger })
	vs := servers(s, 2)
	require.NoError(t, tg.Register(vs[0], vs[1]))
	s.RunFor(allChecked(tg))
	drive(s, lb, 600, 100*time.Millisecond, time.Millisecond, nil)
	s.RunFor(time.Hour)
	sums := map[string]float64{}
	counts := map[string]int{}
	for _, d := range rec.data {
		i := strings.LastIndexByte(d, ' ')
		var v float64
		fmt.Sscan(d[i+1:], &v)
		sums[d[:i]] += v
		counts[d[:i]]++
	}
	// 600 requests from t = 16 s to 75.9 s straddle two minutes.
	assert.Equal(t, 600.0, sums["AWS/ApplicationELB RequestCount LoadBalancer"])
	assert.Equal(t, 600.0, sums["AWS/ApplicationELB HTTPCode_Target_2XX_Count LoadBalancer"])
	assert.Equal(t, 600.0, sums["AWS/ApplicationELB TargetResponseTime LoadBalancer"], "one sample per request")
	assert.Equal(t, 300.0, sums["AWS/ApplicationELB RequestCountPerTarget LoadBalancer,TargetGroup"], "half the requests per target")
	assert.Equal(t, 2, counts["AWS/ApplicationELB RequestCount LoadBalancer"], "only minutes with traffic report")
	// Host counts every minute from each of the two nodes, with and
	// without the node's zone; each node sees both targets healthy.
	assert.Equal(t, 120, counts["AWS/ApplicationELB HealthyHostCount LoadBalancer,TargetGroup"], "host counts every minute from each node")
	assert.Equal(t, 240.0, sums["AWS/ApplicationELB HealthyHostCount LoadBalancer,TargetGroup"])
	assert.Equal(t, 120, counts["AWS/ApplicationELB HealthyHostCount AvailabilityZone,LoadBalancer,TargetGroup"])
	assert.Equal(t, 240.0, sums["AWS/ApplicationELB HealthyHostCount AvailabilityZone,LoadBalancer,TargetGroup"])
	assert.Zero(t, sums["AWS/ApplicationELB UnHealthyHostCount LoadBalancer,TargetGroup"])
	var hours, lcu float64
	for _, li := range ledger.Items() {
		switch li.Unit {
		case "Hrs":
			hours += li.Cost()
		case "LCU-Hrs":
			lcu += li.Quantity
		}
	}
	assert.InDelta(t, 0.0225, hours, 1e-9)
	// 600 new connections in an hour is 0.167/s against 25/s per LCU; the
	// mean active connection count (sampled per minute) dominates nothing
	// either: each client's connection idles out after 60 s.
	assert.InDelta(t, LCUs(Application, 1, 600, 600*1500, 0, 0), lcu, 0.01)
}

func TestLCUDimensions(t *testing.T) {
	// ALB: 90,000 new connections in an hour is 25/s: exactly one LCU.
	assert.InDelta(t, 1, LCUs(Application, 1, 90000, 0, 0, 0), 1e-9)
	assert.InDelta(t, 2, LCUs(Application, 1, 0, 0, 0, 6000), 1e-9)
	assert.InDelta(t, 3, LCUs(Application, 1, 0, 3e9, 0, 0), 1e-9)
	assert.InDelta(t, 1.5, LCUs(Application, 1, 0, 0, 5.4e6, 0), 1e-9)
	assert.InDelta(t, 1, LCUs(Network, 1, 800*3600, 0, 0, 0), 1e-9)
	assert.InDelta(t, 1, LCUs(Gateway, 1, 0, 0, 0, 60000), 1e-9)
}

func TestAccessLogFormat(t *testing.T) {
	s := sim.New(sim.Config{Seed: 1})
	lb, tg := newALB(t, s, TargetGroupConfig{})
	var buf bytes.Buffer
	lb.SetAccessLog(&buf)
	require.NoError(t, tg.Register(servers(s, 1)[0]))
	s.RunFor(allChecked(tg))
	sent := s.Now()
	drive(s, lb, 2, time.Millisecond, time.Millisecond, nil)
	s.RunFor(time.Second)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, 2)
	f := splitLogFields(lines[0])
	require.Len(t, f, 30, "ALB access logs have 30 fields: %q", lines[0])
	assert.Equal(t, "https", f[0])
	assert.Equal(t, lb.Dimension(), f[2])
	assert.Equal(t, "200", f[8])
	assert.Equal(t, "200", f[9])
	assert.Equal(t, "GET https://shop.example.com:443/ HTTP/1.1", f[12])
	assert.Equal(t, tg.ARN(), f[16])
	assert.Equal(t, "0", f[20], "the default rule has priority 0 in logs")
	assert.Equal(t, "forward", f[22])
	assert.Equal(t, "0.001", f[6], "target processing time: 1 ms of work")

	// workload replays what the load balancer logged.
	recs, err := workload.ReadAll(workload.NewLineReader(strings.NewReader(buf.String()), workload.ALBLogParser()))
	require.NoError(t, err)
	require.Len(t, recs, 2)
	assert.Equal(t, "shop.example.com", recs[0].Host)
	assert.Equal(t, netip.MustParseAddr("203.0.113.1"), recs[0].ClientIP)
	assert.Equal(t, int64(500), recs[0].Bytes)
	assert.Equal(t, s.Wall(sent), recs[0].Time)
}

// splitLogFields splits on spaces outside double quotes, dropping quotes.
func splitLogFields(line string) []string {
	var out []string
	var cur strings.Builder
	inQ := false
	for _, r := range line {
		switch {
		case r == '"':
			inQ = !inQ
		case r == ' ' && !inQ:
			out = append(out, cur.String())
			cur.Reset()
		default:
			cur.WriteRune(r)
		}
	}
	return append(out, cur.String())
}

func TestValidation(t *testing.T) {
	s := sim.New(sim.Config{})
	cases := []struct {
		cfg  Config
		want string
	}{
		{Config{Name: "-bad", AvailabilityZones: zones}, "Name"},
		{Config{Name: "one", AvailabilityZones: zones[:1]}, "at least two zones"},
		{Config{Name: "nlb", Type: Network}, "AvailabilityZones is empty"},
		{Config{Name: "x", AvailabilityZones: zones, CrossZone: Bool(false)}, "always balances across zones"},
		{Config{Name: "x", Type: "magic", AvailabilityZones: zones}, "Type"},
	}
	for _, c := range cases {
		_, err := New(s, c.cfg)
		require.Error(t, err)
		assert.True(t, errors.Is(err, ErrInvalidConfig))
		assert.Contains(t, err.Error(), c.want)
	}
	tgs := []struct {
		cfg  TargetGroupConfig
		want string
	}{
		{TargetGroupConfig{Name: "a", HealthCheck: HealthCheck{Interval: 3 * time.Second}}, "Interval 3s outside 5–300 s"},
		{TargetGroupConfig{Name: "a", HealthCheck: HealthCheck{Interval: 5 * time.Second, Timeout: 5 * time.Second}}, "less than Interval"},
		{TargetGroupConfig{Name: "a", SlowStart: 10 * time.Second}, "SlowStart 10s outside 30–900 s"},
		{TargetGroupConfig{Name: "a", SlowStart: time.Minute, Algorithm: LeastOutstandingRequests}, "round robin"},
		{TargetGroupConfig{Name: "a", AnomalyMitigation: true}, "weighted_random"},
		{TargetGroupConfig{Name: "a", DeregistrationDelay: Duration(2 * time.Hour)}, "DeregistrationDelay"},
		{TargetGroupConfig{Name: "a", HealthCheck: HealthCheck{HealthyThreshold: 11}}, "HealthyThreshold 11"},
		{TargetGroupConfig{Name: "a", Stickiness: Stickiness{Type: AppCookie}}, "CookieName"},
	}
	for _, c := range tgs {
		_, err := NewTargetGroup(s, Application, c.cfg)
		require.Error(t, err, c.want)
		assert.True(t, errors.Is(err, ErrInvalidConfig))
		assert.Contains(t, err.Error(), c.want)
	}
	lb, _ := New(s, Config{Name: "web", AvailabilityZones: zones, DeletionProtection: true})
	_, err := lb.AddListener(ListenerConfig{DefaultAction: Action{Type: FixedResponse, StatusCode: 200},
		Rules: []Rule{{Priority: 1, Conditions: []Condition{{Field: PathPattern, Values: []string{"/a", "/b", "/c", "/d"}}}, Action: Action{Type: FixedResponse, StatusCode: 200}}}})
	assert.ErrorContains(t, err, "4 values")
	_, err = lb.AddListener(ListenerConfig{DefaultAction: Action{Type: Redirect, StatusCode: 200}})
	assert.ErrorContains(t, err, "redirect StatusCode 200")
	assert.ErrorContains(t, lb.Delete(), "DeletionProtection")
	tg, _ := NewTargetGroup(s, Application, TargetGroupConfig{Name: "a"})
	v := &server{s: s, id: "i-1", az: "us-east-1a"}
	require.NoError(t, tg.Register(v))
	assert.ErrorContains(t, tg.Register(v), "already registered")
	assert.ErrorIs(t, tg.Deregister("i-404", nil), ErrNotFound)
}

func TestWildcard(t *testing.T) {
	for _, c := range []struct {
		p, s string
		ok   bool
	}{
		{"/api/*", "/api/", true}, {"/api/*", "/api", false}, {"*.png", "/a/b.png", true},
		{"/img/?.jpg", "/img/a.jpg", true}, {"/img/?.jpg", "/img/ab.jpg", false},
		{"*", "", true}, {"a*b*c", "aXbYbZc", true}, {"a*b*c", "aXbYbZ", false}, {"/A", "/a", false},
	} {
		assert.Equal(t, c.ok, Wildcard(c.p, c.s), "%q ~ %q", c.p, c.s)
	}
}

func FuzzWildcard(f *testing.F) {
	f.Add("/api/*", "/api/v1")
	f.Add("a?c*", "abcdef")
	f.Fuzz(func(t *testing.T, p, s string) {
		got := Wildcard(p, s)
		if !strings.ContainsAny(p, "*?") && got != (p == s) {
			t.Fatalf("literal pattern %q vs %q: %v", p, s, got)
		}
		if Wildcard("*", s) != true {
			t.Fatal("* matches everything")
		}
		if got && !strings.ContainsAny(p, "*") && len(p) != len(s) {
			t.Fatalf("without * lengths must agree: %q %q", p, s)
		}
	})
}

// run is the determinism scenario: an ALB with LOR over ec2 instances.
func run(t *testing.T, seed uint64) (string, string) {
	var trace bytes.Buffer
	s := sim.New(sim.Config{Seed: seed, Trace: &trace})
	svc, err := ec2.New(s, ec2.Config{})
	require.NoError(t, err)
	lb, tg := newALB(t, s, TargetGroupConfig{Algorithm: WeightedRandom})
	var logs bytes.Buffer
	lb.SetAccessLog(&logs)
	for i := 0; i < 4; i++ {
		sub, err := ec2.NewBasicSubnet(fmt.Sprintf("subnet-%d", i), zones[i%2], netip.MustParsePrefix(fmt.Sprintf("10.0.%d.0/24", i)))
		require.NoError(t, err)
		inst, err := svc.Launch(ec2.LaunchSpec{InstanceType: "c7g.large", Subnet: sub})
		require.NoError(t, err)
		require.NoError(t, tg.Register(inst))
	}
	s.RunFor(3 * time.Minute)
	r := s.Stream("test")
	n := 0
	var next func()
	next = func() {
		n++
		s.Send(lb, &sim.Request{Client: sim.Client{ID: uint64(n)}, Work: time.Duration(r.ExpFloat64() * 20e6)}, nil)
		if n < 2000 {
			s.After(time.Duration(r.ExpFloat64()*10e6), next)
		}
	}
	s.Schedule(s.Now(), next)
	s.RunFor(5 * time.Minute)
	tl := s.Requests()
	require.Equal(t, tl.Generated(), tl.Completed()+tl.Failed()+tl.InFlight())
	return trace.String(), logs.String() + tl.String()
}

func TestDeterminism(t *testing.T) {
	a1, b1 := run(t, 9)
	a2, b2 := run(t, 9)
	assert.Equal(t, a1, a2)
	assert.Equal(t, b1, b2)
	_, b3 := run(t, 10)
	assert.NotEqual(t, b1, b3)
}

// A request that times out on a draining target finishes the drain; if the
// drain's callback terminates the target, which drops the request at once,
// the client must still get exactly one answer (the 504).
func TestTimeoutOnDrainingTargetAnswersOnce(t *testing.T) {
	s := sim.New(sim.Config{Seed: 1})
	lb, tg := newALB(t, s, TargetGroupConfig{HealthCheck: HealthCheck{Disabled: true}}, func(c *Config) { c.IdleTimeout = 5 * time.Second })
	v := servers(s, 1)[0]
	require.NoError(t, tg.Register(v))
	v.hung = true
	var statuses []int
	drive(s, lb, 1, time.Millisecond, 0, func(_ *sim.Request, r sim.Response) { statuses = append(statuses, r.Status) })
	s.RunFor(time.Second)
	require.NoError(t, tg.Deregister(v.id, func() {
		for _, reply := range v.held { // "terminate": drop what it holds
			reply(sim.Response{Reason: "InstanceTerminated"})
		}
		v.held = nil
	}))
	assert.NotPanics(t, func() { s.RunFor(time.Minute) })
	assert.Equal(t, []int{504}, statuses)
}
