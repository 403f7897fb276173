package vpc

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nimbus-sim/nimbus/sim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// natIdle is AWS's NAT gateway idle timeout (AWS facts, NAT gateway table).
const natIdle = 350 * time.Second

func TestNatIdleTimeout(t *testing.T) {
	dst := mustAddr("198.51.100.7")
	for _, tc := range []struct {
		name  string
		proto Protocol
		gaps  []time.Duration // idle time before each Touch
		reset int             // index of the Touch that gets the RST; -1: none
	}{
		{"idle 349.999 s survives", ProtocolTCP, []time.Duration{natIdle - time.Millisecond}, -1},
		{"idle 350 s expires", ProtocolTCP, []time.Duration{natIdle}, 0},
		{"keepalive every 300 s for an hour", ProtocolTCP, slices.Repeat([]time.Duration{300 * time.Second}, 12), -1},
		{"activity restarts the timer", ProtocolTCP, []time.Duration{300 * time.Second, natIdle}, 1},
		{"UDP expires like TCP (assumption)", ProtocolUDP, []time.Duration{natIdle}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newTwoTier(t, 1)
			c, err := f.nat.OpenConnection(dst, 443, tc.proto)
			require.NoError(t, err)
			for i, gap := range tc.gaps {
				f.s.RunFor(gap)
				err := c.Touch()
				if i == tc.reset {
					require.ErrorIs(t, err, ErrConnectionReset)
					assert.Contains(t, err.Error(), f.nat.ID())
					assert.Contains(t, err.Error(), "198.51.100.7:443/"+tc.proto.String())
					break
				}
				require.NoError(t, err, "touch %d", i)
			}
			if tc.reset < 0 {
				assert.Equal(t, uint64(0), f.nat.IdleTimeoutCount())
				assert.Equal(t, 1, f.nat.ActiveConnectionCount())
				return
			}
			assert.Equal(t, uint64(1), f.nat.IdleTimeoutCount())
			assert.Equal(t, 0, f.nat.ActiveConnectionCount())
			// The RST repeats; Close after expiry changes nothing.
			require.ErrorIs(t, c.Touch(), ErrConnectionReset)
			c.Close()
			c.Close()
			assert.Equal(t, uint64(1), f.nat.IdleTimeoutCount(), "after Close")
			assert.Equal(t, 0, f.nat.ActiveConnectionCount(), "after Close")
		})
	}
}

// Expiry follows last activity, not opening order: b, opened after a but
// idle since, expires first.
func TestNatExpiryOrder(t *testing.T) {
	f := newTwoTier(t, 1)
	dst := mustAddr("198.51.100.7")
	a, err := f.nat.OpenConnection(dst, 443, ProtocolTCP)
	require.NoError(t, err)
	f.s.RunFor(10 * time.Second)
	b, err := f.nat.OpenConnection(dst, 443, ProtocolTCP)
	require.NoError(t, err)
	f.s.RunFor(10 * time.Second)
	require.NoError(t, a.Touch())
	f.s.RunFor(natIdle - 10*time.Second) // b idle 350 s, a 340 s
	assert.Equal(t, 1, f.nat.ActiveConnectionCount())
	require.ErrorIs(t, b.Touch(), ErrConnectionReset)
	require.NoError(t, a.Touch())
	f.s.RunFor(natIdle)
	assert.Equal(t, 0, f.nat.ActiveConnectionCount())
	assert.Equal(t, uint64(2), f.nat.IdleTimeoutCount())
}

func TestNatPortExhaustion(t *testing.T) {
	dst := mustAddr("198.51.100.7")
	perIP := DefaultLimits().NatConnectionsPerIP
	for _, tc := range []struct {
		name  string
		eips  int
		limit int // connections to one destination
	}{
		{"one EIP", 1, 55000},
		{"two EIPs", 2, 110000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.limit, tc.eips*perIP)
			f := newTwoTier(t, 1)
			e, err := f.n.AllocateAddress("us-east-1")
			require.NoError(t, err)
			var more []*ElasticIP
			for range tc.eips - 1 {
				x, err := f.n.AllocateAddress("us-east-1")
				require.NoError(t, err)
				more = append(more, x)
			}
			g, err := f.v.CreateNatGateway(NatGatewayConfig{Name: "under-test", Subnet: f.pub, ElasticIP: e, SecondaryElasticIPs: more})
			require.NoError(t, err)

			conns := make([]*NatConnection, 0, tc.limit)
			for range tc.limit {
				c, err := g.OpenConnection(dst, 443, ProtocolTCP)
				require.NoError(t, err)
				conns = append(conns, c)
			}
			_, err = g.OpenConnection(dst, 443, ProtocolTCP)
			require.ErrorIs(t, err, ErrPortAllocation)
			assert.Equal(t, uint64(1), g.ErrorPortAllocation())
			// Another destination port is another destination.
			_, err = g.OpenConnection(dst, 80, ProtocolTCP)
			require.NoError(t, err)
			assert.Equal(t, tc.limit+1, g.ActiveConnectionCount())
			// Close frees a port at once.
			conns[0].Close()
			_, err = g.OpenConnection(dst, 443, ProtocolTCP)
			require.NoError(t, err)
			_, err = g.OpenConnection(dst, 443, ProtocolTCP)
			require.ErrorIs(t, err, ErrPortAllocation)

			// Clients that never close lose their ports after 350 s idle.
			f.s.RunFor(natIdle)
			_, err = g.OpenConnection(dst, 443, ProtocolTCP)
			require.NoError(t, err)
			assert.Equal(t, 1, g.ActiveConnectionCount())
			assert.Equal(t, uint64(tc.limit+1), g.IdleTimeoutCount(), "all but the closed one, plus port 80")
			assert.Equal(t, uint64(2), g.ErrorPortAllocation())
			require.ErrorIs(t, conns[1].Touch(), ErrConnectionReset)
		})
	}
}

func TestNatConnectionStates(t *testing.T) {
	f := newTwoTier(t, 1)
	dst := mustAddr("198.51.100.7")
	closed, err := f.nat.OpenConnection(dst, 443, ProtocolTCP)
	require.NoError(t, err)
	closed.Close()
	err = closed.Touch()
	require.ErrorIs(t, err, ErrInvalidState)
	assert.Contains(t, err.Error(), "closed")

	idle, err := f.nat.OpenConnection(dst, 443, ProtocolTCP)
	require.NoError(t, err)
	f.s.RunFor(200 * time.Second)
	live, err := f.nat.OpenConnection(dst, 443, ProtocolTCP)
	require.NoError(t, err)
	f.s.RunFor(150 * time.Second)
	// Deleting the gateway drops live connections; the one already idle
	// 350 s timed out before.
	require.NoError(t, f.nat.Delete())
	assert.Equal(t, uint64(1), f.nat.IdleTimeoutCount())
	assert.Equal(t, 0, f.nat.ActiveConnectionCount())
	require.ErrorIs(t, idle.Touch(), ErrConnectionReset)
	err = live.Touch()
	require.ErrorIs(t, err, ErrInvalidState)
	assert.Contains(t, err.Error(), "gateway deleted")
	live.Close()
	_, err = f.nat.OpenConnection(dst, 443, ProtocolTCP)
	require.ErrorIs(t, err, ErrInvalidState)
}

// natWorkload drives a gateway limited to 3 connections per destination
// through opens to two ports, keepalives and closes at uneven intervals, and returns a
// log of every outcome with the final counters.
func natWorkload(t *testing.T) (log string, opened, closed, resets int, g *NatGateway) {
	lim := DefaultLimits()
	lim.NatConnectionsPerIP = 3
	s := sim.New(sim.Config{Seed: 9})
	n, err := New(s, Config{Limits: &lim})
	require.NoError(t, err)
	v, err := n.CreateVPC(VPCConfig{Name: "v", Region: "us-east-1", CidrBlock: "10.0.0.0/16"})
	require.NoError(t, err)
	sub, err := v.CreateSubnet(SubnetConfig{Name: "a", AvailabilityZone: "us-east-1a", CidrBlock: "10.0.0.0/24"})
	require.NoError(t, err)
	eip, err := n.AllocateAddress("us-east-1")
	require.NoError(t, err)
	g, err = v.CreateNatGateway(NatGatewayConfig{Name: "nat", Subnet: sub, ElasticIP: eip})
	require.NoError(t, err)
	dst := mustAddr("198.51.100.7")
	var b strings.Builder
	var conns []*NatConnection
	for i := range 2000 {
		s.RunFor(time.Duration(i*37%200) * time.Second / 4)
		c, err := g.OpenConnection(dst, uint16(443+i%2), ProtocolTCP)
		fmt.Fprintf(&b, "%d open %v;", i, err)
		if err == nil {
			opened++
			conns = append(conns, c)
		}
		if len(conns) == 0 {
			continue
		}
		k := conns[i*7%len(conns)]
		err = k.Touch()
		fmt.Fprintf(&b, "touch %v;", err)
		if i%5 == 0 && err == nil {
			k.Close()
			closed++
		}
	}
	// Each expired connection counts once, however often it is touched.
	for _, c := range conns {
		if c.state == connReset {
			resets++
		}
	}
	fmt.Fprintf(&b, "active=%d idle=%d portalloc=%d", g.ActiveConnectionCount(), g.IdleTimeoutCount(), g.ErrorPortAllocation())
	return b.String(), opened, closed, resets, g
}

func TestNatDeterminism(t *testing.T) {
	log1, opened, closed, resets, g := natWorkload(t)
	log2, _, _, _, _ := natWorkload(t)
	assert.Equal(t, log1, log2, "same sequence, same outcomes and counters")
	// The workload exercises every path, and connections are conserved:
	// each one opened is open, closed or timed out.
	assert.Positive(t, g.IdleTimeoutCount())
	assert.Positive(t, g.ErrorPortAllocation())
	assert.Positive(t, closed)
	assert.Equal(t, uint64(resets), g.IdleTimeoutCount())
	assert.Equal(t, opened, g.ActiveConnectionCount()+closed+resets)
}

func TestNatIdleTimeoutConfig(t *testing.T) {
	for _, d := range []time.Duration{0, -time.Second} {
		lim := DefaultLimits()
		lim.NatIdleTimeout = d
		_, err := New(sim.New(sim.Config{}), Config{Limits: &lim})
		require.ErrorIs(t, err, ErrInvalidConfig)
		assert.Contains(t, err.Error(), "Limits.NatIdleTimeout")
	}
	assert.Equal(t, natIdle, DefaultLimits().NatIdleTimeout)
}
