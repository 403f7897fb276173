package vpc

import (
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/nimbus-sim/nimbus/billing"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// costBy sums ledger cost per usage type.
func costBy(items []billing.LineItem) map[string]float64 {
	out := map[string]float64{}
	for _, li := range items {
		out[li.UsageType] += li.Cost()
	}
	return out
}

func TestCrossingCharges(t *testing.T) {
	const gib = BytesPerGB
	f := newTwoTier(t, 1)
	lat := DefaultLatency()
	p := DefaultPrices()
	cases := []struct {
		name      string
		flow      Flow
		cost      float64 // 1 GiB each way
		latency   time.Duration
		transmits bool // the path has a bandwidth bottleneck (NAT)
	}{
		// Cross-AZ: $0.01 at sender and receiver, each way.
		{"web(1a) to app(1b)", tcp(FromENI(f.web), f.app.PrivateIP(), 40000, 8080), 4 * p.CrossAZPerGB, lat.CrossAZ, false},
		// Via the NAT in 1a: cross-AZ both ways, NAT processing both ways, internet egress out.
		{"app(1b) to internet via NAT(1a)", tcp(FromENI(f.app), internetHost, 40000, 443),
			4*p.CrossAZPerGB + 2*p.NatGatewayPerGB + p.InternetEgressPerGB, lat.CrossAZ + lat.NatGateway + lat.InternetGateway, true},
		// To S3 through the NAT: no internet egress (same-region service), but NAT and cross-AZ.
		{"app to S3 via NAT", tcp(FromENI(f.app), mustAddr("52.216.1.1"), 40000, 443),
			4*p.CrossAZPerGB + 2*p.NatGatewayPerGB, lat.CrossAZ + lat.NatGateway + lat.InternetGateway, true},
		// Internet to web: inbound is free, the response is internet egress.
		{"internet to web", tcp(FromInternet(internetHost), pubIP(t, f.web), 50000, 80), p.InternetEgressPerGB, lat.InternetGateway, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := f.n.Crossing(c.flow, gib, gib)
			require.Equal(t, Accept, x.Verdict, "%s", x.Result)
			assert.InDelta(t, c.cost, x.Cost, 1e-12)
			var sum float64
			for _, ch := range x.Result.Charges(gib, gib) {
				sum += ch.Cost()
			}
			assert.InDelta(t, x.Cost, sum, 1e-12, "itemised charges add up to the cost")
			assert.Equal(t, c.latency, x.Result.Latency)
			if c.transmits {
				// 1 GiB at the NAT's 5 Gbps is 8·2^30/5e9 s ≈ 1.718 s.
				assert.Equal(t, c.latency+transmit(gib, 5e9), x.Latency)
				assert.InDelta(t, 1.718, (x.Latency - c.latency).Seconds(), 0.001)
			} else {
				assert.Equal(t, c.latency, x.Latency)
			}
		})
	}
	// Negative byte counts cost and record nothing (they would refund).
	before := f.nat.BytesProcessed()
	neg := f.n.Crossing(tcp(FromENI(f.app), internetHost, 40000, 443), -gib, -gib)
	require.Equal(t, Accept, neg.Verdict)
	assert.Zero(t, neg.Cost)
	assert.Equal(t, before, f.nat.BytesProcessed())
	for _, ch := range neg.Result.Charges(-gib, -gib) {
		assert.Zero(t, ch.Cost())
	}
	// A rejected flow costs nothing and records nothing.
	x := f.n.Crossing(tcp(FromENI(f.web), f.app.PrivateIP(), 40000, 22), gib, gib)
	assert.Equal(t, Reject, x.Verdict)
	assert.Zero(t, x.Cost)

	// The gateway endpoint takes S3 traffic off the NAT and is free.
	_, err := f.v.CreateEndpoint(EndpointConfig{ServiceName: "com.amazonaws.us-east-1.s3", VpcEndpointType: EndpointTypeGateway, RouteTables: []*RouteTable{f.privRT}})
	require.NoError(t, err)
	x = f.n.Crossing(tcp(FromENI(f.app), mustAddr("52.216.1.1"), 40000, 443), gib, gib)
	require.Equal(t, Accept, x.Verdict)
	assert.Zero(t, x.Cost)
	assert.Contains(t, kindsOf(x.Result), HopGatewayEndpoint)
	assert.Equal(t, int64(4*gib), f.nat.BytesProcessed(), "two NAT crossings of 1 GiB each way")

	f.n.Settle()
	byType := costBy(f.ledger.Items())
	assert.InDelta(t, 4*p.NatGatewayPerGB, byType[usageNatBytes], 1e-12)
	assert.InDelta(t, 12*p.CrossAZPerGB, byType[usageRegional], 1e-12)
	assert.InDelta(t, 2*p.InternetEgressPerGB, byType[usageInternetOut], 1e-12)
	// Settling twice does not bill the same bytes again.
	n := len(f.ledger.Items())
	f.n.Settle()
	assert.Len(t, f.ledger.Items(), n)
}

func TestHourlyBilling(t *testing.T) {
	f := newTwoTier(t, 1)
	p := DefaultPrices()
	f.s.RunFor(90 * time.Minute)
	f.n.Settle()
	byType := costBy(f.ledger.Items())
	assert.InDelta(t, 1.5*p.NatGatewayHour, byType["NatGateway-Hours"], 1e-12)
	assert.InDelta(t, 2*1.5*p.PublicIPv4Hour, byType["PublicIPv4:InUseAddress"], 1e-12, "the NAT's and the web's EIPs")

	// Deleted at 2h10m: the NAT bills 3 whole hours in all.
	f.s.RunFor(40 * time.Minute)
	require.NoError(t, f.nat.Delete())
	f.s.RunFor(time.Hour)
	f.n.Settle()
	f.n.Settle()
	var natHours float64
	for _, li := range f.ledger.Items() {
		if li.UsageType == "NatGateway-Hours" {
			natHours += li.Quantity
			assert.Equal(t, f.nat.ID(), li.ResourceID)
			assert.Equal(t, "us-east-1", li.Region)
		}
	}
	assert.InDelta(t, 3, natHours, 1e-12)
}

func TestInterfaceEndpoint(t *testing.T) {
	f := newTwoTier(t, 1)
	epSG, err := f.v.CreateSecurityGroup("endpoint", "HTTPS from the VPC")
	require.NoError(t, err)
	require.NoError(t, epSG.AuthorizeIngress(SecurityGroupRule{IpProtocol: ProtocolTCP, PortRange: Port(443), CidrIp: "10.0.0.0/16"}))
	_, err = f.v.CreateEndpoint(EndpointConfig{ServiceName: "com.amazonaws.us-east-1.kinesis", VpcEndpointType: EndpointTypeInterface,
		Subnets: []*Subnet{f.pub, f.pub}})
	require.ErrorIs(t, err, ErrInvalidConfig)
	assert.Contains(t, err.Error(), "Subnets[1]")
	ep, err := f.v.CreateEndpoint(EndpointConfig{ServiceName: "com.amazonaws.us-east-1.kinesis", VpcEndpointType: EndpointTypeInterface,
		Subnets: []*Subnet{f.pub, f.priv}, SecurityGroups: []*SecurityGroup{epSG}})
	require.NoError(t, err)
	enis := ep.NetworkInterfaces()
	require.Len(t, enis, 2)
	dns := ep.DNSEntries()
	require.Len(t, dns, 3)
	assert.Regexp(t, `^vpce-[0-9a-f]{17}-[0-9a-f]{8}\.kinesis\.us-east-1\.vpce\.amazonaws\.com$`, dns[0].Name)
	assert.Equal(t, []netip.Addr{enis[0].PrivateIP(), enis[1].PrivateIP()}, dns[0].Addrs)
	assert.Regexp(t, `-us-east-1b\.kinesis\.us-east-1\.vpce\.amazonaws\.com$`, dns[2].Name)
	assert.Equal(t, "us-east-1b", dns[2].AZ)
	_, ok := ep.PrivateDNS()
	assert.False(t, ok, "private DNS needs EnableDnsHostnames, off by default")

	// The app reaches the endpoint ENI in its own AZ: no cross-AZ charge.
	x := f.n.Crossing(tcp(FromENI(f.app), enis[1].PrivateIP(), 40000, 443), BytesPerGB, BytesPerGB)
	require.Equal(t, Accept, x.Verdict, "%s", x.Result)
	assert.InDelta(t, 2*DefaultPrices().InterfaceEndpointPerGB, x.Cost, 1e-12)
	assert.Equal(t, HopInterfaceEndpoint, lastForward(x.Result).Kind)
	// The endpoint's security group filters.
	r := f.n.Evaluate(tcp(FromENI(f.app), enis[1].PrivateIP(), 40000, 80))
	assert.Equal(t, DropSecurityGroup, r.Drop)

	f.s.RunFor(time.Hour)
	f.n.Settle()
	assert.InDelta(t, 2*DefaultPrices().InterfaceEndpointAZHour, costBy(f.ledger.Items())["VpcEndpoint-Hours"], 1e-12, "two AZs for one hour")

	v2, err := f.n.CreateVPC(VPCConfig{Name: "dns", Region: "us-east-1", CidrBlock: "10.5.0.0/16", EnableDnsHostnames: true})
	require.NoError(t, err)
	s2, err := v2.CreateSubnet(SubnetConfig{Name: "a", AvailabilityZone: "us-east-1a", CidrBlock: "10.5.0.0/24"})
	require.NoError(t, err)
	ep2, err := v2.CreateEndpoint(EndpointConfig{ServiceName: "com.amazonaws.us-east-1.kinesis", VpcEndpointType: EndpointTypeInterface, Subnets: []*Subnet{s2}})
	require.NoError(t, err)
	d, ok := ep2.PrivateDNS()
	require.True(t, ok)
	assert.Equal(t, "kinesis.us-east-1.amazonaws.com", d.Name)
	assert.Equal(t, []DNSEntry{d}, v2.PrivateDNSEntries())

	_, err = v2.CreateEndpoint(EndpointConfig{ServiceName: "com.amazonaws.us-east-1.kinesis", VpcEndpointType: EndpointTypeGateway})
	require.ErrorIs(t, err, ErrInvalidConfig)
	assert.Contains(t, err.Error(), "only S3 and DynamoDB")
}

func TestIPv6(t *testing.T) {
	n := newNet(t)
	v, err := n.CreateVPC(VPCConfig{Name: "v6", Region: "us-east-1", CidrBlock: "10.0.0.0/16", AmazonProvidedIpv6CidrBlock: true})
	require.NoError(t, err)
	p6, ok := v.IPv6CIDR()
	require.True(t, ok)
	assert.Equal(t, VPCIPv6PrefixLen, p6.Bits())
	s, err := v.CreateSubnet(SubnetConfig{Name: "a", AvailabilityZone: "us-east-1a", CidrBlock: "10.0.0.0/24", AssignIpv6CidrBlock: true})
	require.NoError(t, err)
	s6, ok := s.IPv6CIDR()
	require.True(t, ok)
	assert.Equal(t, SubnetIPv6Len, s6.Bits())
	assert.True(t, p6.Contains(s6.Addr()))
	igw, err := v.AttachInternetGateway()
	require.NoError(t, err)
	require.NoError(t, v.MainRouteTable().CreateRoute(RouteConfig{DestinationCidrBlock: "::/0", Target: igw}))
	e, err := s.CreateNetworkInterface(NetworkInterfaceConfig{Description: "v6", Ipv6AddressCount: 1})
	require.NoError(t, err)
	require.Len(t, e.IPv6Addrs(), 1)
	// The default NACL got rule 101 for ::/0, the default SG ::/0 outbound.
	assert.Len(t, v.DefaultNetworkACL().Entries(false), 2)
	host6 := mustAddr("2001:db8::1")
	r := n.Evaluate(tcp(FromENI(e), host6, 40000, 443))
	require.Equal(t, Accept, r.Verdict, "%s", r)
	// IPv6 needs no public address; 0.0.0.0/0 alone would not cover it.
	require.NoError(t, v.MainRouteTable().DeleteRoute("::/0"))
	require.NoError(t, v.MainRouteTable().CreateRoute(RouteConfig{DestinationCidrBlock: "0.0.0.0/0", Target: igw}))
	r = n.Evaluate(tcp(FromENI(e), host6, 40000, 443))
	assert.Equal(t, DropNoRoute, r.Drop, "%s", r)
	// Inbound IPv6 from the internet reaches the ENI's address directly.
	require.NoError(t, v.MainRouteTable().CreateRoute(RouteConfig{DestinationCidrBlock: "::/0", Target: igw}))
	require.NoError(t, v.DefaultSecurityGroup().AuthorizeIngress(SecurityGroupRule{IpProtocol: ProtocolTCP, PortRange: Port(443), CidrIp: "::/0"}))
	r = n.Evaluate(tcp(FromInternet(host6), e.IPv6Addrs()[0], 40000, 443))
	require.Equal(t, Accept, r.Verdict, "%s", r)
	assert.True(t, slices.ContainsFunc(r.Path, func(h Hop) bool { return h.Kind == HopNetworkACLIngress && h.Rule == 101 }))
}
