package elb

import (
	"net/netip"
	"testing"
	"time"

	"github.com/nimbus-sim/nimbus/billing"
	"github.com/nimbus-sim/nimbus/sim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// build makes a load balancer of type t with one listener forwarding to a
// fresh group over n test servers, and waits for them to be healthy.
func build(t *testing.T, s *sim.Sim, typ Type, cfg Config, tgc TargetGroupConfig, n int) (*LoadBalancer, *TargetGroup, []*server) {
	cfg.Type = typ
	if cfg.Name == "" {
		cfg.Name = "lb"
	}
	if cfg.AvailabilityZones == nil {
		cfg.AvailabilityZones = zones
	}
	lb, err := New(s, cfg)
	require.NoError(t, err)
	tgc.Name = "tg"
	tg, err := NewTargetGroup(s, typ, tgc)
	require.NoError(t, err)
	_, err = lb.AddListener(ListenerConfig{DefaultAction: Action{Type: Forward, TargetGroups: []WeightedTargetGroup{{tg, 1}}}})
	require.NoError(t, err)
	vs := servers(s, n)
	for _, v := range vs {
		require.NoError(t, tg.Register(v))
	}
	s.RunFor(10 * time.Minute)
	require.Equal(t, n, tg.HealthyCount())
	return lb, tg, vs
}

func TestClassicDefaults(t *testing.T) {
	s := sim.New(sim.Config{Seed: 1})
	lb, tg, _ := build(t, s, Classic, Config{}, TargetGroupConfig{}, 2)
	assert.Equal(t, LeastOutstandingRequests, tg.Config().Algorithm, "CLB HTTP listeners route by least outstanding requests")
	assert.Equal(t, 10, tg.Config().HealthCheck.HealthyThreshold)
	assert.False(t, lb.CrossZone(), "CLBs created through the API start with cross-zone off")
	assert.Equal(t, "AWS/ELB", lb.Namespace())
	tcp, err := NewTargetGroup(s, Classic, TargetGroupConfig{Name: "tcp", Protocol: TCP})
	require.NoError(t, err)
	assert.Equal(t, RoundRobin, tcp.Config().Algorithm, "and TCP listeners by round robin")
}

func TestGatewayFlowTuples(t *testing.T) {
	for _, tuple := range []int{2, 5} {
		s := sim.New(sim.Config{Seed: 1})
		lb, tg, vs := build(t, s, Gateway, Config{CrossZone: Bool(true)}, TargetGroupConfig{FlowTuple: tuple}, 4)
		assert.Equal(t, 10*time.Second, tg.Config().HealthCheck.Interval, "GWLB checks every 10 s by default")
		// One source talking from 200 ports: with the 2-tuple every flow
		// lands on one appliance, with the 5-tuple they spread.
		for p := 0; p < 200; p++ {
			s.Send(lb, &sim.Request{Protocol: "UDP", SrcPort: uint16(20000 + p), Client: sim.Client{ID: 1, IP: netip.MustParseAddr("10.9.9.9")}}, nil)
		}
		s.RunFor(time.Second)
		used := 0
		for _, v := range vs {
			if v.got > 0 {
				used++
			}
		}
		if tuple == 2 {
			assert.Equal(t, 1, used)
		} else {
			assert.Equal(t, 4, used)
		}
		assert.Equal(t, uint64(200), s.Requests().CompletedClass(2))
	}
}

func TestNLBCrossZoneChargesRegionalTransfer(t *testing.T) {
	s := sim.New(sim.Config{Seed: 1})
	ledger := billing.NewLedger()
	lb, _, _ := build(t, s, Network, Config{CrossZone: Bool(true), Billing: ledger}, TargetGroupConfig{}, 4)
	for c := 0; c < 400; c++ {
		s.Send(lb, &sim.Request{Protocol: "TCP", Bytes: 1e6, SrcPort: uint16(1000 + c),
			Client: sim.Client{ID: uint64(c), IP: netip.AddrFrom4([4]byte{198, 51, 100, byte(c)})}}, nil)
	}
	s.RunFor(time.Second)
	gb := 0.0
	for _, li := range ledger.Items() {
		if li.UsageType == "DataTransfer-Regional-Bytes" {
			gb += li.Quantity
			assert.Equal(t, 0.01, li.Rate)
		}
	}
	// With two zones about half the flows cross: 0.2 GB of 0.4 GB.
	assert.InDelta(t, 0.2, gb, 0.06)
}

type denyAll struct{}

func (denyAll) Allow(netip.Addr, uint16) (bool, string) { return false, "source not in the VPC" }

func TestFirewallAndDeletion(t *testing.T) {
	s := sim.New(sim.Config{Seed: 1})
	lb, _ := newALB(t, s, TargetGroupConfig{}, func(c *Config) { c.Scheme = Internal; c.Firewall = denyAll{} })
	var got sim.Response
	s.Send(lb, &sim.Request{}, func(_ *sim.Request, r sim.Response) { got = r })
	assert.True(t, got.Failed())
	assert.Contains(t, got.Reason, "source not in the VPC")
	assert.Contains(t, lb.DNSName(), "internal-web-")
	require.NoError(t, lb.Delete())
	s.Send(lb, &sim.Request{}, func(_ *sim.Request, r sim.Response) { got = r })
	assert.Equal(t, ReasonDeleted, got.Reason)
	tl := s.Requests()
	assert.Equal(t, uint64(2), tl.Failed())
}
