package vpc

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/nimbus-sim/nimbus/sim"
)

// benchNet is the benchmark VPC: 50 subnets over three AZs, one
// route table with 200 routes, a NACL with 100 rules per direction and a
// security group with 100 inbound rules, the allowing rule last in both.
func benchNet(b *testing.B) (*Network, []Flow) {
	lim := DefaultLimits()
	lim.RoutesPerTable, lim.RulesPerNetworkACL, lim.RulesPerSecurityGroup = 1000, 1000, 1000
	n, err := New(sim.New(sim.Config{Seed: 1}), Config{Limits: &lim})
	if err != nil {
		b.Fatal(err)
	}
	v, _ := n.CreateVPC(VPCConfig{Name: "bench", Region: "us-east-1", CidrBlock: "10.0.0.0/16"})
	igw, _ := v.AttachInternetGateway()
	vgw, _ := v.AttachVpnGateway("172.16.0.0/12")
	rt, _ := v.CreateRouteTable("big")
	for i := range 199 {
		if err := rt.CreateRoute(RouteConfig{DestinationCidrBlock: fmt.Sprintf("172.%d.%d.0/24", 16+i/200, i%200), Target: vgw}); err != nil {
			b.Fatal(err)
		}
	}
	if err := rt.CreateRoute(RouteConfig{DestinationCidrBlock: "0.0.0.0/0", Target: igw}); err != nil {
		b.Fatal(err)
	}
	acl, _ := v.CreateNetworkACL("big")
	sg, _ := v.CreateSecurityGroup("big", "")
	for i := 1; i < 100; i++ {
		cidr := fmt.Sprintf("192.168.%d.0/24", i)
		for _, eg := range []bool{false, true} {
			if err := acl.AddEntry(NetworkACLEntry{RuleNumber: i, Egress: eg, Protocol: ProtocolTCP, RuleAction: Deny, CidrBlock: cidr}); err != nil {
				b.Fatal(err)
			}
		}
		if err := sg.AuthorizeIngress(SecurityGroupRule{IpProtocol: ProtocolTCP, PortRange: Port(uint16(9000 + i)), CidrIp: cidr}); err != nil {
			b.Fatal(err)
		}
	}
	for _, eg := range []bool{false, true} {
		_ = acl.AddEntry(NetworkACLEntry{RuleNumber: 100, Egress: eg, Protocol: ProtocolAll, RuleAction: Allow, CidrBlock: "0.0.0.0/0"})
	}
	_ = sg.AuthorizeIngress(SecurityGroupRule{IpProtocol: ProtocolTCP, PortRange: Port(8080), CidrIp: "10.0.0.0/16"})
	azs := []string{"us-east-1a", "us-east-1b", "us-east-1c"}
	var enis []*NetworkInterface
	for i := range 50 {
		s, err := v.CreateSubnet(SubnetConfig{Name: fmt.Sprint(i), AvailabilityZone: azs[i%3], CidrBlock: fmt.Sprintf("10.0.%d.0/24", i)})
		if err != nil {
			b.Fatal(err)
		}
		_ = rt.Associate(s)
		_ = acl.Associate(s)
		e, _ := s.CreateNetworkInterface(NetworkInterfaceConfig{Description: fmt.Sprint(i), SecurityGroups: []*SecurityGroup{sg}})
		enis = append(enis, e)
	}
	var flows []Flow
	for i := range 1000 {
		src, dst := enis[i%50], enis[(i*7+3)%50]
		flows = append(flows, tcp(FromENI(src), dst.PrivateIP(), uint16(32768+i), 8080))
	}
	if r := n.Evaluate(flows[0]); r.Verdict != Accept {
		b.Fatalf("benchmark flow rejected: %s", r)
	}
	return n, flows
}

func BenchmarkEvaluate(b *testing.B) {
	n, flows := benchNet(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		n.Evaluate(flows[i%len(flows)])
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verdicts/s")
}

func BenchmarkEvaluateUncached(b *testing.B) {
	n, flows := benchNet(b)
	n.SetCaching(false)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		n.Evaluate(flows[i%len(flows)])
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verdicts/s")
}

func BenchmarkCrossing(b *testing.B) {
	n, flows := benchNet(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		n.Crossing(flows[i%len(flows)], 1500, 15000)
		i++
	}
}

// BenchmarkEvaluateEphemeralPorts gives every flow a new client port, as
// real connections do; port classes keep the cache effective.
func BenchmarkEvaluateEphemeralPorts(b *testing.B) {
	n, flows := benchNet(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		f := flows[i%len(flows)]
		f.SrcPort = uint16(32768 + (i*7919)%28000)
		n.Evaluate(f)
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verdicts/s")
}

// BenchmarkNatConnection opens, touches and closes one connection per
// iteration, 1 ms of sim time apart, beside 10,000 long-lived connections
// that each get a keepalive every 10 s (one per iteration), so Touch moves
// connections out of the middle of the gateway's activity list.
func BenchmarkNatConnection(b *testing.B) {
	f := newTwoTier(b, 1)
	dst := netip.MustParseAddr("198.51.100.7")
	live := make([]*NatConnection, 10000)
	for i := range live {
		c, err := f.nat.OpenConnection(dst, uint16(1+i%4), ProtocolTCP)
		if err != nil {
			b.Fatal(err)
		}
		live[i] = c
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		f.s.RunFor(time.Millisecond)
		if err := live[i%len(live)].Touch(); err != nil {
			b.Fatal(err)
		}
		c, err := f.nat.OpenConnection(dst, 443, ProtocolTCP)
		if err != nil {
			b.Fatal(err)
		}
		if err := c.Touch(); err != nil {
			b.Fatal(err)
		}
		c.Close()
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "conns/s")
}
