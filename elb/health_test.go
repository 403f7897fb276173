package elb

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/nimbus-sim/nimbus/cloudwatch"
	"github.com/nimbus-sim/nimbus/sim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var zones3 = []string{"us-east-1a", "us-east-1b", "us-east-1c"}

func at(seconds float64) sim.Time { return sim.Time(seconds * float64(time.Second)) }

// toNode returns a request from the next client (counting up from *id)
// whose DNS answer sends it to node i.
func toNode(lb *LoadBalancer, i int, id *uint64) *sim.Request {
	for {
		*id++
		req := &sim.Request{Client: sim.Client{ID: *id}}
		if lb.node(req) == i {
			return req
		}
	}
}

func TestHealthCheckTrafficIsNodesTimesTargetsPerInterval(t *testing.T) {
	cases := []struct {
		zones []string
		want  int // checks per target in 10 intervals
	}{
		{zones, 20},
		{zones3, 30},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%d AZs", len(c.zones)), func(t *testing.T) {
			s := sim.New(sim.Config{Seed: 1})
			_, tg := newALB(t, s, TargetGroupConfig{}, func(cfg *Config) { cfg.AvailabilityZones = c.zones })
			vs := servers(s, 4)
			require.NoError(t, tg.Register(vs[0], vs[1], vs[2], vs[3]))
			// Node i checks at i × 30 s / nodes + k × 30 s: in the first 10
			// intervals each node checks each target 10 times.
			s.RunFor(10*30*time.Second - time.Millisecond)
			total := 0
			for _, v := range vs {
				assert.Equal(t, c.want, v.hc, v.id)
				total += v.hc
			}
			// nodes × targets / interval: 2 × 4 / 30 s or 3 × 4 / 30 s.
			assert.Equal(t, len(c.zones)*len(vs)*10, total)
			assert.Zero(t, vs[0].got, "health checks are not requests")

			// Deregistration stops every node's checks; the others go on.
			require.NoError(t, tg.Deregister(vs[0].id, nil))
			s.RunFor(5 * 30 * time.Second)
			assert.Equal(t, c.want, vs[0].hc)
			assert.Equal(t, c.want*15/10, vs[1].hc)
			for _, az := range c.zones {
				assert.Equal(t, StateDraining, tg.NodeHealth(az)[0].State, az)
			}
		})
	}
}

func TestNodesMarkTargetsOnTheirOwnSchedule(t *testing.T) {
	// ALB defaults: interval 30 s, unhealthy after 2 failures, healthy
	// again after 5 passes. Node i checks at i × 30 s / nodes + k × 30 s.
	cases := []struct {
		zones []string
		// The target dies at 100.5 s. With two nodes (checks at 0 and
		// 15 s mod 30) node a fails it at 120 and 150 s, node b at 105 and
		// 135 s; with three (0, 10, 20 s mod 30) at 150, 160 and 140 s.
		down         []float64
		reportedDown float64 // when a strict majority of nodes agree
		// It recovers at 200.5 s: five passes from each node's schedule.
		up         []float64
		reportedUp float64
	}{
		{zones, []float64{150, 135}, 150, []float64{330, 345}, 345},
		{zones3, []float64{150, 160, 140}, 150, []float64{330, 340, 350}, 340},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%d AZs", len(c.zones)), func(t *testing.T) {
			s := sim.New(sim.Config{Seed: 1})
			_, tg := newALB(t, s, TargetGroupConfig{}, func(cfg *Config) { cfg.AvailabilityZones = c.zones })
			v := servers(s, 1)[0]
			require.NoError(t, tg.Register(v))
			var changes []HealthChange
			tg.Watch(func(ch HealthChange) { changes = append(changes, ch) })

			// when returns the whole second at which each node first sees
			// the target in state st, polling once a second up to end.
			when := func(st HealthState, end float64) []float64 {
				got := make([]float64, len(c.zones))
				for sec := math.Floor(s.Now().Seconds()) + 1; sec <= end; sec++ {
					s.RunUntil(at(sec))
					for i, az := range c.zones {
						if got[i] == 0 && tg.NodeHealth(az)[0].State == st {
							got[i] = sec
						}
					}
				}
				return got
			}
			s.RunUntil(at(100.5))
			th, _ := tg.TargetHealth(v.id)
			require.Equal(t, StateHealthy, th.State)
			v.dead = true
			assert.Equal(t, c.down, when(StateUnhealthy, 200))
			s.RunUntil(at(200.5))
			v.dead = false
			assert.Equal(t, c.up, when(StateHealthy, 400))

			require.Len(t, changes, 3, "initial → healthy → unhealthy → healthy")
			assert.Equal(t, StateUnhealthy, changes[1].To)
			assert.Equal(t, "Target.FailedHealthChecks", changes[1].Reason)
			assert.Equal(t, at(c.reportedDown), changes[1].At)
			assert.Equal(t, StateHealthy, changes[2].To)
			assert.Equal(t, at(c.reportedUp), changes[2].At)
		})
	}
}

func TestEachNodeRoutesByItsOwnView(t *testing.T) {
	// Two nodes; from 100.5 s the sick targets fail health checks (and
	// still serve). At 140 s node b (checks at 105 and 135 s) sees them
	// unhealthy; node a (120 s, next 150 s) has seen one failure only.
	cases := []struct {
		name     string
		sick     []int
		nodeB    []int // requests per target from 20 that reach node b
		failOpen uint64
	}{
		{"one sick target", []int{0}, []int{0, 20}, 0},
		{"all sick: node b fails open", []int{0, 1}, []int{10, 10}, 20},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := sim.New(sim.Config{Seed: 1})
			lb, tg := newALB(t, s, TargetGroupConfig{})
			vs := servers(s, 2)
			require.NoError(t, tg.Register(vs[0], vs[1]))
			s.RunUntil(at(100.5))
			for _, i := range c.sick {
				vs[i].sick = true
			}
			s.RunUntil(at(140))
			for _, i := range c.sick {
				assert.Equal(t, StateHealthy, tg.NodeHealth(zones[0])[i].State)
				assert.Equal(t, StateUnhealthy, tg.NodeHealth(zones[1])[i].State)
				th, _ := tg.TargetHealth(vs[i].id)
				assert.Equal(t, StateHealthy, th.State, "the nodes disagree: the reported state stays")
			}

			var id uint64
			send := func(node int) []int {
				before := []int{vs[0].got, vs[1].got}
				for range 20 {
					s.Send(lb, toNode(lb, node, &id), nil)
				}
				s.RunFor(time.Second)
				return []int{vs[0].got - before[0], vs[1].got - before[1]}
			}
			assert.Equal(t, c.nodeB, send(1))
			assert.Equal(t, c.failOpen, lb.minute.unhealthyRouted)
			// Node a still sees both healthy: round robin over both.
			assert.Equal(t, []int{10, 10}, send(0))
			assert.Equal(t, c.failOpen, lb.minute.unhealthyRouted, "node a does not fail open")
			assert.Equal(t, uint64(40), s.Requests().CompletedClass(2))
		})
	}
}

// hostCounts records HealthyHostCount and UnHealthyHostCount data points:
// metric name, zone ("" without the AvailabilityZone dimension) and value.
type hostCounts struct {
	at  sim.Time
	got []string
}

func (h *hostCounts) Publish(_ string, d cloudwatch.MetricDatum) {
	if d.Timestamp != h.at || (d.MetricName != "HealthyHostCount" && d.MetricName != "UnHealthyHostCount") {
		return
	}
	az := ""
	for _, x := range d.Dimensions {
		if x.Name == "AvailabilityZone" {
			az = x.Value
		}
	}
	h.got = append(h.got, fmt.Sprintf("%s %s %g", d.MetricName, az, d.Value))
}

func TestHostCountsArePerNode(t *testing.T) {
	// Interval 50 s: node a checks at 0 mod 50 s, node b at 25. The target
	// dies at 100.5 s; node b fails it at 125 and 175 s, node a at 150 and
	// 200 s. The minute that ends at 180 s sees the nodes disagree.
	s := sim.New(sim.Config{Seed: 1})
	rec := &hostCounts{at: at(120)}
	_, tg := newALB(t, s, TargetGroupConfig{HealthCheck: HealthCheck{Interval: 50 * time.Second}}, func(c *Config) { c.Metrics = rec })
	vs := servers(s, 2)
	require.NoError(t, tg.Register(vs[0], vs[1]))
	s.RunUntil(at(100.5))
	vs[0].dead = true
	s.RunUntil(at(181))
	assert.Equal(t, []string{
		"HealthyHostCount  2", "UnHealthyHostCount  0", "HealthyHostCount us-east-1a 2", "UnHealthyHostCount us-east-1a 0",
		"HealthyHostCount  1", "UnHealthyHostCount  1", "HealthyHostCount us-east-1b 1", "UnHealthyHostCount us-east-1b 1",
	}, rec.got)
	assert.Equal(t, 2, tg.HealthyCount(), "DescribeTargetHealth waits for a majority")
}

func TestTargetsWaitForALoadBalancer(t *testing.T) {
	s := sim.New(sim.Config{Seed: 1})
	tg, err := NewTargetGroup(s, Application, TargetGroupConfig{Name: "app"})
	require.NoError(t, err)
	v := servers(s, 1)[0]
	require.NoError(t, tg.Register(v))
	s.RunFor(time.Minute)
	th, _ := tg.TargetHealth(v.id)
	assert.Equal(t, TargetHealth{ID: v.id, AZ: v.az, State: StateUnused, Reason: "Target.NotInUse", Weight: 1}, th)
	assert.Zero(t, v.hc, "no load balancer, no nodes to check it")
	assert.Nil(t, tg.NodeHealth(zones[0]))

	lb, err := New(s, Config{Name: "web", AvailabilityZones: zones})
	require.NoError(t, err)
	_, err = lb.AddListener(ListenerConfig{DefaultAction: Action{Type: Forward, TargetGroups: []WeightedTargetGroup{{TargetGroup: tg, Weight: 1}}}})
	require.NoError(t, err)
	th, _ = tg.TargetHealth(v.id)
	assert.Equal(t, StateInitial, th.State)
	assert.Equal(t, "Elb.InitialHealthChecking", th.Reason)
	s.RunFor(allChecked(tg))
	th, _ = tg.TargetHealth(v.id)
	assert.Equal(t, StateHealthy, th.State)
	assert.Equal(t, 2, v.hc, "one check from each node")
	assert.Nil(t, tg.NodeHealth("us-east-1c"), "no node there")
}

// TestDeletedLoadBalancerStopsChecking: deleting the load balancer stops
// its nodes' health checks; its group's targets become unused
// (Target.NotInUse), except one draining, which finishes its delay; a new
// load balancer forwarding to the group checks the targets again.
func TestDeletedLoadBalancerStopsChecking(t *testing.T) {
	s := sim.New(sim.Config{Seed: 1})
	lb, tg := newALB(t, s, TargetGroupConfig{})
	vs := servers(s, 3)
	require.NoError(t, tg.Register(vs[0], vs[1], vs[2]))
	s.RunFor(5 * time.Minute)
	require.Equal(t, 3, tg.HealthyCount())
	drained := false
	require.NoError(t, tg.Deregister(vs[2].id, func() { drained = true }))
	require.NoError(t, lb.Delete())
	checks := vs[0].hc
	s.RunFor(10 * time.Minute)
	assert.Equal(t, checks, vs[0].hc, "no checks after deletion")
	h, ok := tg.TargetHealth(vs[0].id)
	require.True(t, ok)
	assert.Equal(t, StateUnused, h.State)
	assert.Equal(t, "Target.NotInUse", h.Reason)
	assert.True(t, drained, "deregistration completes")
	assert.Nil(t, tg.NodeHealth(zones[0]))

	lb2, err := New(s, Config{Name: "web2", AvailabilityZones: zones})
	require.NoError(t, err)
	_, err = lb2.AddListener(ListenerConfig{DefaultAction: Action{Type: Forward, TargetGroups: []WeightedTargetGroup{{TargetGroup: tg, Weight: 1}}}})
	require.NoError(t, err)
	s.RunFor(5 * time.Minute)
	assert.Greater(t, vs[0].hc, checks, "the new load balancer's nodes check")
	assert.Equal(t, 2, tg.HealthyCount())
}

// TestLateCheckOfDeletedLoadBalancerIsIgnored: a health check a deleted
// load balancer's node started may end (time out, or get its reply) after
// the group was attached to another load balancer; it must not count at
// the new node with the same index, nor index past a shorter node list.
// ALB defaults: interval 30 s, timeout 5 s, unhealthy after 2 failures, a
// new target healthy after 1 pass. Three nodes check the hung target at 0,
// 10 and 20 s; at 21 s node c's check is in flight (it would time out at
// 25 s). The new load balancer's nodes first check at 21 s + i × 30 s /
// nodes, each timing out 5 s later, so by 50 s each has failed the target
// exactly once and still sees it initial. Counted, the stale timeout
// would make a third node see it unhealthy at 46 s, and the stale reply
// (a 200 released at 22 s) healthy at 22 s.
func TestLateCheckOfDeletedLoadBalancerIsIgnored(t *testing.T) {
	for _, c := range []struct {
		name  string
		zones []string // the new load balancer's
		reply bool     // the stale check gets a 200, else it times out
	}{
		{"timeout, fewer nodes", zones, false},
		{"timeout, as many nodes", zones3, false},
		{"reply, fewer nodes", zones, true},
		{"reply, as many nodes", zones3, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := sim.New(sim.Config{Seed: 1})
			lb1, tg := newALB(t, s, TargetGroupConfig{}, func(cfg *Config) { cfg.AvailabilityZones = zones3 })
			v := servers(s, 1)[0]
			v.hung = true
			require.NoError(t, tg.Register(v))
			s.RunUntil(at(21))
			require.Len(t, v.held, 3, "one check from each node, none answered")
			require.NoError(t, lb1.Delete())

			lb2, err := New(s, Config{Name: "web2", AvailabilityZones: c.zones})
			require.NoError(t, err)
			_, err = lb2.AddListener(ListenerConfig{DefaultAction: Action{Type: Forward, TargetGroups: []WeightedTargetGroup{{TargetGroup: tg, Weight: 1}}}})
			require.NoError(t, err)
			if c.reply {
				s.RunUntil(at(22))
				// The old nodes' checks; the first two timed out at 5 and
				// 15 s. The new node a's check of 21 s stays unanswered.
				old := v.held[:3]
				require.NotPanics(t, func() {
					for _, reply := range old {
						reply(sim.Response{Status: 200, From: v.id})
					}
				})
			}
			require.NotPanics(t, func() { s.RunUntil(at(50)) })

			m := tg.byID[v.id]
			for i, az := range c.zones {
				assert.Equal(t, StateInitial, tg.NodeHealth(az)[0].State, az)
				assert.Equal(t, 1, m.views[i].failRun, az)
			}
			th, _ := tg.TargetHealth(v.id)
			assert.Equal(t, StateInitial, th.State)
			assert.Equal(t, 3+len(c.zones), v.hc, "three checks from the old nodes, one from each new node")
		})
	}
}

// TestDisabledHealthChecksFollowTheLoadBalancer: with health checks
// disabled a target is healthy (Target.HealthCheckDisabled) only while a
// load balancer uses its group: unused (Target.NotInUse) before the group
// is attached and after its load balancer is deleted, healthy again at
// once when another load balancer forwards to it, which then routes to
// it. No node ever sends a check.
func TestDisabledHealthChecksFollowTheLoadBalancer(t *testing.T) {
	s := sim.New(sim.Config{Seed: 1})
	tg, err := NewTargetGroup(s, Application, TargetGroupConfig{Name: "app", HealthCheck: HealthCheck{Disabled: true}})
	require.NoError(t, err)
	vs := servers(s, 2)
	require.NoError(t, tg.Register(vs[0], vs[1]))
	var changes []string
	tg.Watch(func(ch HealthChange) {
		changes = append(changes, fmt.Sprintf("%s %s→%s %s", ch.TargetID, ch.From, ch.To, ch.Reason))
	})
	state := func(want HealthState, reason string) {
		t.Helper()
		for _, v := range vs {
			th, _ := tg.TargetHealth(v.id)
			assert.Equal(t, want, th.State, v.id)
			assert.Equal(t, reason, th.Reason, v.id)
		}
	}
	state(StateUnused, "Target.NotInUse")
	assert.Zero(t, tg.HealthyCount())

	attach := func(name string) *LoadBalancer {
		lb, err := New(s, Config{Name: name, AvailabilityZones: zones})
		require.NoError(t, err)
		_, err = lb.AddListener(ListenerConfig{DefaultAction: Action{Type: Forward, TargetGroups: []WeightedTargetGroup{{TargetGroup: tg, Weight: 1}}}})
		require.NoError(t, err)
		return lb
	}
	lb1 := attach("web")
	state(StateHealthy, "Target.HealthCheckDisabled")
	s.RunFor(time.Minute)
	require.NoError(t, lb1.Delete())
	state(StateUnused, "Target.NotInUse")

	lb2 := attach("web2")
	state(StateHealthy, "Target.HealthCheckDisabled")
	assert.Equal(t, 2, tg.HealthyCount())
	for _, az := range zones {
		for _, th := range tg.NodeHealth(az) {
			assert.Equal(t, StateHealthy, th.State, az)
		}
	}
	statuses := map[int]int{}
	drive(s, lb2, 10, time.Second, time.Millisecond, func(_ *sim.Request, r sim.Response) { statuses[r.Status]++ })
	s.RunFor(time.Minute)
	assert.Equal(t, map[int]int{200: 10}, statuses)
	assert.Equal(t, 10, vs[0].got+vs[1].got)
	assert.Zero(t, vs[0].hc+vs[1].hc, "checks are disabled")
	assert.Equal(t, []string{
		"i-00 unused→healthy Target.HealthCheckDisabled", "i-01 unused→healthy Target.HealthCheckDisabled",
		"i-00 healthy→unused Target.NotInUse", "i-01 healthy→unused Target.NotInUse",
		"i-00 unused→healthy Target.HealthCheckDisabled", "i-01 unused→healthy Target.HealthCheckDisabled",
	}, changes)
}

// TestFailedAddListenerAttachesNothing: AddListener on a deleted load
// balancer, or with any invalid part, fails without attaching the groups
// its actions forward to: they keep no load balancer, their targets stay
// unused, and no node checks them.
func TestFailedAddListenerAttachesNothing(t *testing.T) {
	forward := func(tg *TargetGroup) Action {
		return Action{Type: Forward, TargetGroups: []WeightedTargetGroup{{TargetGroup: tg, Weight: 1}}}
	}
	for _, c := range []struct {
		name    string
		deleted bool
		cfg     func(tg, other *TargetGroup) ListenerConfig
		err     error
		msg     string
	}{
		{"deleted load balancer", true, func(tg, _ *TargetGroup) ListenerConfig {
			return ListenerConfig{DefaultAction: forward(tg)}
		}, ErrNotFound, `load balancer "web": AddListener: the load balancer is deleted`},
		{"rule priority 0", false, func(tg, _ *TargetGroup) ListenerConfig {
			return ListenerConfig{DefaultAction: forward(tg), Rules: []Rule{{Priority: 0, Action: forward(tg)}}}
		}, ErrInvalidConfig, "rule 0: Priority outside 1–50000"},
		{"rule forwards to another load balancer's group", false, func(tg, other *TargetGroup) ListenerConfig {
			return ListenerConfig{DefaultAction: forward(tg), Rules: []Rule{{Priority: 1, Action: forward(other),
				Conditions: []Condition{{Field: PathPattern, Values: []string{"/api/*"}}}}}}
		}, ErrInvalidConfig, `target group "other" already belongs to load balancer "web2"`},
		{"rule with a bad condition", false, func(tg, _ *TargetGroup) ListenerConfig {
			return ListenerConfig{DefaultAction: forward(tg), Rules: []Rule{{Priority: 1, Action: forward(tg),
				Conditions: []Condition{{Field: HostHeader, Values: []string{"localhost"}}}}}}
		}, ErrInvalidConfig, `host-header value "localhost"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := sim.New(sim.Config{Seed: 1})
			lb, err := New(s, Config{Name: "web", AvailabilityZones: zones})
			require.NoError(t, err)
			if c.deleted {
				require.NoError(t, lb.Delete())
			}
			_, other := newALB(t, s, TargetGroupConfig{Name: "other"}, func(cfg *Config) { cfg.Name = "web2" })
			tg, err := NewTargetGroup(s, Application, TargetGroupConfig{Name: "app"})
			require.NoError(t, err)
			v := servers(s, 1)[0]
			require.NoError(t, tg.Register(v))

			_, err = lb.AddListener(c.cfg(tg, other))
			require.ErrorIs(t, err, c.err)
			assert.ErrorContains(t, err, c.msg)
			assert.Nil(t, tg.LoadBalancer())
			assert.Empty(t, lb.TargetGroups())
			s.RunFor(10 * time.Minute)
			assert.Zero(t, v.hc, "no node checks the target")
			th, _ := tg.TargetHealth(v.id)
			assert.Equal(t, StateUnused, th.State)
			assert.Equal(t, "Target.NotInUse", th.Reason)
		})
	}
}

// TestLeastOutstandingIsPerNode: each node counts only its own outstanding
// requests, so a target one node has loaded still looks idle to another.
func TestLeastOutstandingIsPerNode(t *testing.T) {
	s := sim.New(sim.Config{Seed: 1})
	lb, tg := newALB(t, s, TargetGroupConfig{Algorithm: LeastOutstandingRequests})
	vs := servers(s, 2)
	require.NoError(t, tg.Register(vs[0], vs[1]))
	s.RunFor(allChecked(tg))
	require.Equal(t, 2, tg.HealthyCount())
	vs[0].hung = true
	var id uint64
	// Node a sends one request to the hung target on a tie, then keeps
	// to the other, where it has nothing outstanding.
	for range 4 {
		s.Send(lb, toNode(lb, 0, &id), nil)
		s.RunFor(100 * time.Millisecond) // the other target answers
	}
	require.Equal(t, 1, vs[0].got)
	// Node b has nothing outstanding anywhere: its two requests break the
	// tie in turn, one to each target.
	for range 2 {
		s.Send(lb, toNode(lb, 1, &id), nil)
		s.RunFor(100 * time.Millisecond) // the other target answers
	}
	assert.Equal(t, 2, vs[0].got, "node b does not see node a's outstanding request")
	assert.Equal(t, 4, vs[1].got)
}
