package vpc

import (
	"net/netip"
	"testing"

	"github.com/nimbus-sim/nimbus/geo"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestInterRegionPeering(t *testing.T) {
	n := newNet(t)
	mk := func(name, region, cidr string) *NetworkInterface {
		v, err := n.CreateVPC(VPCConfig{Name: name, Region: region, CidrBlock: cidr})
		require.NoError(t, err)
		s, err := v.CreateSubnet(SubnetConfig{Name: name, AvailabilityZone: region + "a", CidrBlock: cidr})
		require.NoError(t, err)
		require.NoError(t, v.DefaultSecurityGroup().AuthorizeIngress(SecurityGroupRule{IpProtocol: ProtocolAll, CidrIp: "10.0.0.0/8"}))
		e, err := s.CreateNetworkInterface(NetworkInterfaceConfig{Description: name})
		require.NoError(t, err)
		return e
	}
	us, eu := mk("us", "us-east-1", "10.0.0.0/24"), mk("eu", "eu-west-1", "10.1.0.0/24")
	p, err := n.CreatePeeringConnection(us.VPC(), eu.VPC())
	require.NoError(t, err)
	assert.Same(t, us.VPC(), p.Requester())
	assert.Same(t, eu.VPC(), p.Accepter())
	require.NoError(t, p.Accept())
	require.NoError(t, us.VPC().MainRouteTable().CreateRoute(RouteConfig{DestinationCidrBlock: "10.1.0.0/24", Target: p}))
	require.NoError(t, eu.VPC().MainRouteTable().CreateRoute(RouteConfig{DestinationCidrBlock: "10.0.0.0/24", Target: p}))
	c := n.Crossing(tcp(FromENI(us), eu.PrivateIP(), 40000, 5432), BytesPerGB, BytesPerGB)
	require.Equal(t, Accept, c.Verdict, "%s", c.Result)
	a, _ := geo.LookupRegion("us-east-1")
	b, _ := geo.LookupRegion("eu-west-1")
	assert.Equal(t, geo.DefaultLatency().RTT(a.Location, b.Location)/2, c.Latency, "half geo's RTT")
	assert.InDelta(t, 2*DefaultPrices().InterRegionPerGB, c.Cost, 1e-12, "$0.02/GB at each sender")
	require.ErrorIs(t, p.Reject(), ErrInvalidState)
}

func TestLifecycleOperations(t *testing.T) {
	f := newTwoTier(t, 1)
	// Secondary addresses are sources and destinations like the primary.
	got, err := f.app.AssignPrivateIPs(2)
	require.NoError(t, err)
	require.Equal(t, []netip.Addr{mustAddr("10.0.2.5"), mustAddr("10.0.2.6")}, got)
	assert.Equal(t, got, f.app.SecondaryIPs())
	flow := tcp(FromENI(f.web), got[1], 40000, 8080)
	require.Equal(t, Accept, f.n.Evaluate(flow).Verdict)
	r := f.n.Evaluate(Flow{Src: Source{Kind: SourceENI, ENI: f.app, Addr: got[0]}, Dst: internetHost, Protocol: ProtocolTCP, SrcPort: 1, DstPort: 443})
	require.Equal(t, Accept, r.Verdict, "%s", r)
	require.NoError(t, f.app.UnassignPrivateIP(got[1]))
	assert.Equal(t, DropNoSuchAddress, f.n.Evaluate(flow).Drop)
	require.ErrorIs(t, f.app.UnassignPrivateIP(got[1]), ErrNotFound)
	_, err = f.app.AssignPrivateIPs(0)
	require.ErrorIs(t, err, ErrAddressExhausted)

	// NACL entries can be replaced and deleted by number.
	acl, err := f.v.CreateNetworkACL("edit")
	require.NoError(t, err)
	assert.Equal(t, "edit", acl.Name())
	e := NetworkACLEntry{RuleNumber: 10, Protocol: ProtocolAll, RuleAction: Deny, CidrBlock: "0.0.0.0/0"}
	require.NoError(t, acl.AddEntry(e))
	e.RuleAction = Allow
	require.NoError(t, acl.ReplaceEntry(e))
	assert.Equal(t, Allow, acl.Entries(false)[0].RuleAction)
	require.ErrorIs(t, acl.ReplaceEntry(NetworkACLEntry{RuleNumber: 11, Protocol: ProtocolAll, CidrBlock: "0.0.0.0/0"}), ErrNotFound)
	require.NoError(t, acl.DeleteEntry(10, false))
	assert.Empty(t, acl.Entries(false))
	require.ErrorIs(t, acl.DeleteEntry(10, false), ErrNotFound)
	require.NoError(t, acl.Associate(f.priv))
	require.ErrorIs(t, acl.Delete(), ErrDependencyViolation)
	require.NoError(t, f.v.DefaultNetworkACL().Associate(f.priv))
	require.NoError(t, acl.Delete())
	for _, bad := range []NetworkACLEntry{
		{RuleNumber: 0, Protocol: ProtocolAll, CidrBlock: "0.0.0.0/0"},
		{RuleNumber: 32767, Protocol: ProtocolAll, CidrBlock: "0.0.0.0/0"},
		{RuleNumber: 5, Protocol: 300, CidrBlock: "0.0.0.0/0"},
		{RuleNumber: 5, Protocol: ProtocolTCP, CidrBlock: "0.0.0.0/0", PortRange: PortRange{90, 80}},
		{RuleNumber: 5, Protocol: ProtocolTCP, CidrBlock: "0.0.0.0/"},
	} {
		err := f.v.DefaultNetworkACL().AddEntry(bad)
		require.ErrorIs(t, err, ErrInvalidConfig, "%+v", bad)
		assert.Contains(t, err.Error(), `network ACL "default"`)
	}

	// Deleting a gateway endpoint removes its routes; S3 goes back to the NAT.
	ep, err := f.v.CreateEndpoint(EndpointConfig{ServiceName: "com.amazonaws.us-east-1.s3", VpcEndpointType: EndpointTypeGateway, RouteTables: []*RouteTable{f.privRT}})
	require.NoError(t, err)
	assert.Equal(t, []*Endpoint{ep}, f.v.Endpoints())
	s3 := tcp(FromENI(f.app), mustAddr("54.231.0.9"), 40000, 443)
	assert.Equal(t, HopGatewayEndpoint, lastForward(f.n.Evaluate(s3)).Kind)
	require.NoError(t, ep.Delete())
	require.ErrorIs(t, ep.Delete(), ErrInvalidState)
	assert.Equal(t, HopInternet, lastForward(f.n.Evaluate(s3)).Kind)

	// An Elastic IP moves between ENIs and is released only when free.
	eip, err := f.n.AllocateAddress("us-east-1")
	require.NoError(t, err)
	require.NoError(t, eip.Associate(f.app))
	got1, _ := eip.NetworkInterface()
	assert.Same(t, f.app, got1)
	require.ErrorIs(t, eip.Release(), ErrDependencyViolation)
	require.ErrorIs(t, eip.Associate(f.nat.eni), ErrInvalidConfig)
	eip.Disassociate()
	require.NoError(t, eip.Release())
	require.ErrorIs(t, eip.Release(), ErrInvalidState)
	require.ErrorIs(t, eip.Associate(f.app), ErrInvalidState)
	_, err = f.n.AllocateAddress("mars-1")
	require.ErrorIs(t, err, ErrInvalidConfig)
}

func TestInvalidFlows(t *testing.T) {
	f := newTwoTier(t, 1)
	cases := []struct {
		name string
		flow Flow
	}{
		{"no destination", Flow{Src: FromENI(f.web), Protocol: ProtocolTCP}},
		{"protocol all", Flow{Src: FromENI(f.web), Dst: internetHost, Protocol: ProtocolAll}},
		{"no source", Flow{Dst: internetHost, Protocol: ProtocolTCP}},
		{"nil ENI", Flow{Src: FromENI(nil), Dst: internetHost, Protocol: ProtocolTCP}},
		{"foreign source address", Flow{Src: Source{Kind: SourceENI, ENI: f.web, Addr: mustAddr("10.0.9.9")}, Dst: internetHost, Protocol: ProtocolTCP}},
		{"IPv6 destination, no IPv6 address", Flow{Src: FromENI(f.web), Dst: mustAddr("2001:db8::1"), Protocol: ProtocolTCP}},
		{"mixed families from the internet", Flow{Src: FromInternet(mustAddr("2001:db8::1")), Dst: internetHost, Protocol: ProtocolTCP}},
		{"on-premises without a VGW", Flow{Src: FromOnPremises(f.v, mustAddr("192.168.0.1")), Dst: f.app.PrivateIP(), Protocol: ProtocolTCP}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := f.n.Evaluate(c.flow)
			assert.Equal(t, Reject, r.Verdict)
			assert.Equal(t, DropInvalidFlow, r.Drop, "%s", r)
			assert.NotEmpty(t, r.Reason)
			assert.NotEmpty(t, c.flow.String())
		})
	}
}

func TestDeleteSubnet(t *testing.T) {
	f := newTwoTier(t, 1)
	err := f.priv.Delete()
	require.ErrorIs(t, err, ErrDependencyViolation)
	assert.Contains(t, err.Error(), `subnet "private-b"`)
	require.NoError(t, f.app.Delete())
	require.NoError(t, f.priv.Delete())
	assert.Len(t, f.v.Subnets(), 1)
	// Its block is free again.
	p, err := f.v.NextFreeCIDR(24)
	require.NoError(t, err)
	assert.Equal(t, "10.0.0.0/24", p.String())
	_, err = f.v.CreateSubnet(SubnetConfig{Name: "again", AvailabilityZone: "us-east-1b", CidrBlock: "10.0.2.0/24"})
	require.NoError(t, err)
}
