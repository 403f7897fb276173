package vpc

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/nimbus-sim/nimbus/sim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newNet(t testing.TB) *Network {
	t.Helper()
	n, err := New(sim.New(sim.Config{Seed: 7}), Config{})
	require.NoError(t, err)
	return n
}

func TestCreateVPCValidation(t *testing.T) {
	cases := []struct {
		name string
		cfg  VPCConfig
		sent error
		msg  []string // substrings: the object and the field
	}{
		{"too large", VPCConfig{Name: "a", Region: "us-east-1", CidrBlock: "10.0.0.0/15"}, ErrInvalidConfig, []string{`VPC "a"`, "CidrBlock", "/15"}},
		{"too small", VPCConfig{Name: "b", Region: "us-east-1", CidrBlock: "10.0.0.0/29"}, ErrInvalidConfig, []string{`VPC "b"`, "CidrBlock", "/29"}},
		{"malformed", VPCConfig{Name: "c", Region: "us-east-1", CidrBlock: "10.0.0/16"}, ErrInvalidConfig, []string{`VPC "c"`, "CidrBlock"}},
		{"IPv6 primary", VPCConfig{Name: "d", Region: "us-east-1", CidrBlock: "2600::/56"}, ErrInvalidConfig, []string{"not an IPv4 block"}},
		{"link-local", VPCConfig{Name: "e", Region: "us-east-1", CidrBlock: "169.254.0.0/16"}, ErrInvalidConfig, []string{"169.254.0.0/16"}},
		{"unknown region", VPCConfig{Name: "f", Region: "us-east-9", CidrBlock: "10.0.0.0/16"}, ErrInvalidConfig, []string{`VPC "f"`, "Region"}},
		{"secondary overlaps", VPCConfig{Name: "g", Region: "us-east-1", CidrBlock: "10.0.0.0/16", SecondaryCidrBlocks: []string{"10.0.128.0/17"}}, ErrInvalidConfig, []string{"SecondaryCidrBlocks[0]", "overlaps"}},
		{"second RFC 1918 range", VPCConfig{Name: "h", Region: "us-east-1", CidrBlock: "10.0.0.0/16", SecondaryCidrBlocks: []string{"192.168.0.0/16"}}, ErrInvalidConfig, []string{"RFC 1918"}},
		{"198.19 beside RFC 1918", VPCConfig{Name: "i", Region: "us-east-1", CidrBlock: "10.0.0.0/16", SecondaryCidrBlocks: []string{"198.19.0.0/16"}}, ErrInvalidConfig, []string{"198.19.0.0/16"}},
		{"172.31 beside 172.16/12", VPCConfig{Name: "j", Region: "us-east-1", CidrBlock: "172.16.0.0/16", SecondaryCidrBlocks: []string{"172.31.0.0/16"}}, ErrInvalidConfig, []string{"172.31.0.0/16"}},
		{"sixth block", VPCConfig{Name: "k", Region: "us-east-1", CidrBlock: "10.0.0.0/16", SecondaryCidrBlocks: []string{"10.1.0.0/16", "10.2.0.0/16", "10.3.0.0/16", "10.4.0.0/16", "10.5.0.0/16"}}, ErrLimitExceeded, []string{"SecondaryCidrBlocks[4]", "CidrBlocksPerVPC"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := newNet(t).CreateVPC(c.cfg)
			require.Error(t, err)
			require.ErrorIs(t, err, c.sent)
			for _, m := range c.msg {
				assert.Contains(t, err.Error(), m)
			}
		})
	}
	// Allowed beside RFC 1918: public ranges and 100.64/10; canonicalised.
	v, err := newNet(t).CreateVPC(VPCConfig{Name: "ok", Region: "us-east-1", CidrBlock: "100.68.0.18/18", SecondaryCidrBlocks: []string{"10.1.0.0/16"}})
	require.NoError(t, err)
	assert.Equal(t, []netip.Prefix{netip.MustParsePrefix("100.68.0.0/18"), netip.MustParsePrefix("10.1.0.0/16")}, v.CIDRs())
	v2, err := newNet(t).CreateVPC(VPCConfig{Name: "pub", Region: "us-east-1", CidrBlock: "10.0.0.0/16", SecondaryCidrBlocks: []string{"100.64.0.0/16", "52.10.0.0/24"}})
	require.NoError(t, err)
	assert.Len(t, v2.CIDRs(), 3)
}

func TestSecondaryCIDRGetsLocalRoute(t *testing.T) {
	n := newNet(t)
	v, err := n.CreateVPC(VPCConfig{Name: "v", Region: "us-east-1", CidrBlock: "10.0.0.0/16"})
	require.NoError(t, err)
	rt, err := v.CreateRouteTable("custom")
	require.NoError(t, err)
	pcxPeer, err := n.CreateVPC(VPCConfig{Name: "p", Region: "us-east-1", CidrBlock: "10.9.0.0/16"})
	require.NoError(t, err)
	pcx, err := n.CreatePeeringConnection(v, pcxPeer)
	require.NoError(t, err)
	require.NoError(t, rt.CreateRoute(RouteConfig{DestinationCidrBlock: "10.9.1.0/24", Target: pcx}))
	// A secondary block may not be the same as or larger than a route destination.
	err = v.AssociateCidrBlock("10.9.0.0/16")
	require.ErrorIs(t, err, ErrInvalidConfig)
	assert.Contains(t, err.Error(), "10.9.1.0/24")
	require.NoError(t, v.AssociateCidrBlock("10.1.0.0/16"))
	for _, table := range v.RouteTables() {
		r, p, ok := table.Lookup(mustAddr("10.1.2.3"))
		require.True(t, ok)
		assert.Equal(t, "local", r.TargetID())
		assert.Equal(t, netip.MustParsePrefix("10.1.0.0/16"), p)
	}
	// A subnet in the new block now works.
	_, err = v.CreateSubnet(SubnetConfig{Name: "s", AvailabilityZone: "us-east-1a", CidrBlock: "10.1.0.0/24"})
	require.NoError(t, err)
}

func TestCreateSubnetValidation(t *testing.T) {
	n := newNet(t)
	v, err := n.CreateVPC(VPCConfig{Name: "v", Region: "us-east-1", CidrBlock: "10.0.0.0/16", AmazonProvidedIpv6CidrBlock: true})
	require.NoError(t, err)
	_, err = v.CreateSubnet(SubnetConfig{Name: "first", AvailabilityZone: "us-east-1a", CidrBlock: "10.0.0.0/24", AssignIpv6CidrBlock: true})
	require.NoError(t, err)
	cases := []struct {
		name string
		cfg  SubnetConfig
		sent error
		msg  []string
	}{
		{"outside VPC", SubnetConfig{Name: "x", AvailabilityZone: "us-east-1a", CidrBlock: "10.1.0.0/24"}, ErrInvalidConfig, []string{`subnet "x"`, "CidrBlock", "not inside"}},
		{"overlap", SubnetConfig{Name: "y", AvailabilityZone: "us-east-1a", CidrBlock: "10.0.0.128/25"}, ErrInvalidConfig, []string{`subnet "y"`, `overlaps subnet "first"`}},
		{"AZ of another region", SubnetConfig{Name: "z", AvailabilityZone: "eu-west-1a", CidrBlock: "10.0.1.0/24"}, ErrInvalidConfig, []string{`subnet "z"`, "AvailabilityZone", "us-east-1"}},
		{"AZ that does not exist", SubnetConfig{Name: "w", AvailabilityZone: "us-east-1z", CidrBlock: "10.0.1.0/24"}, ErrInvalidConfig, []string{"AvailabilityZone"}},
		{"too small", SubnetConfig{Name: "s", AvailabilityZone: "us-east-1a", CidrBlock: "10.0.1.0/29"}, ErrInvalidConfig, []string{"/29"}},
		{"IPv6 not a /64", SubnetConfig{Name: "six", AvailabilityZone: "us-east-1a", CidrBlock: "10.0.1.0/24", Ipv6CidrBlock: "2600:1f18::/60"}, ErrInvalidConfig, []string{"Ipv6CidrBlock"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := v.CreateSubnet(c.cfg)
			require.ErrorIs(t, err, c.sent)
			for _, m := range c.msg {
				assert.Contains(t, err.Error(), m)
			}
		})
	}
}

func TestReservedAddressesAndExhaustion(t *testing.T) {
	n := newNet(t)
	v, err := n.CreateVPC(VPCConfig{Name: "v", Region: "us-east-1", CidrBlock: "10.0.0.0/16"})
	require.NoError(t, err)
	s, err := v.CreateSubnet(SubnetConfig{Name: "s24", AvailabilityZone: "us-east-1a", CidrBlock: "10.0.0.0/24"})
	require.NoError(t, err)
	require.Equal(t, 251, s.AvailableIpAddressCount(), "2^8 - 5 reserved")
	// .0 network, .1 router, .2 DNS, .3 future, .255 broadcast are never handed out.
	for _, a := range []string{"10.0.0.0", "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.255"} {
		_, err := s.CreateNetworkInterface(NetworkInterfaceConfig{Description: "r", PrivateIpAddress: a})
		require.ErrorIs(t, err, ErrInvalidConfig, a)
		assert.Contains(t, err.Error(), "reserved")
	}
	seen := map[netip.Addr]bool{}
	for i := range 251 {
		a, err := s.AllocateIP()
		require.NoError(t, err, "allocation %d", i+1)
		require.False(t, seen[a])
		seen[a] = true
		if i == 0 {
			assert.Equal(t, mustAddr("10.0.0.4"), a, "lowest usable address first")
		}
	}
	_, err = s.AllocateIP()
	require.ErrorIs(t, err, ErrAddressExhausted, "the 252nd address")
	assert.Contains(t, err.Error(), `subnet "s24"`)
	assert.Contains(t, err.Error(), "251")
	_, err = s.CreateNetworkInterface(NetworkInterfaceConfig{Description: "late"})
	require.ErrorIs(t, err, ErrAddressExhausted)

	s.ReleaseIP(mustAddr("10.0.0.77"))
	s.ReleaseIP(mustAddr("10.0.0.1")) // reserved: ignored
	assert.Equal(t, 1, s.AvailableIpAddressCount())
	a, err := s.AllocateIP()
	require.NoError(t, err)
	assert.Equal(t, mustAddr("10.0.0.77"), a, "a released address is reused")

	s28, err := v.CreateSubnet(SubnetConfig{Name: "s28", AvailabilityZone: "us-east-1b", CidrBlock: "10.0.1.0/28"})
	require.NoError(t, err)
	assert.Equal(t, 11, s28.AvailableIpAddressCount())
	assert.Equal(t, 11, Usable(s28.CIDR()))
	e, err := s28.CreateNetworkInterface(NetworkInterfaceConfig{Description: "multi", SecondaryPrivateIpAddressCount: 3})
	require.NoError(t, err)
	assert.Equal(t, mustAddr("10.0.1.4"), e.PrivateIP())
	assert.Equal(t, []netip.Addr{mustAddr("10.0.1.5"), mustAddr("10.0.1.6"), mustAddr("10.0.1.7")}, e.SecondaryIPs())
	assert.Equal(t, 7, s28.AvailableIpAddressCount())
	// Releasing an ENI's address through the subnet is refused (ignored).
	s28.ReleaseIP(e.PrivateIP())
	assert.Equal(t, 7, s28.AvailableIpAddressCount())
	require.NoError(t, e.Delete())
	assert.Equal(t, 11, s28.AvailableIpAddressCount())
}

func TestRouteValidation(t *testing.T) {
	f := newTwoTier(t, 1)
	cases := []struct {
		name string
		cfg  RouteConfig
		sent error
		msg  string
	}{
		{"duplicate", RouteConfig{DestinationCidrBlock: "0.0.0.0/0", Target: f.igw}, ErrInvalidConfig, "already exists"},
		{"IMDS range", RouteConfig{DestinationCidrBlock: "169.254.169.0/24", Target: f.igw}, ErrInvalidConfig, "reserved"},
		{"more specific than local, not a subnet", RouteConfig{DestinationCidrBlock: "10.0.2.0/25", Target: f.nat}, ErrInvalidConfig, "more specific"},
		{"more specific than local, IGW target", RouteConfig{DestinationCidrBlock: "10.0.2.0/24", Target: f.igw}, ErrInvalidConfig, "more specific"},
		{"the local route", RouteConfig{DestinationCidrBlock: "10.0.0.0/16", Target: f.nat}, ErrInvalidConfig, "local route"},
		{"nil target", RouteConfig{DestinationCidrBlock: "8.8.8.0/24"}, ErrInvalidConfig, "Target"},
		{"typed nil target", RouteConfig{DestinationCidrBlock: "8.8.8.0/24", Target: (*NatGateway)(nil)}, ErrInvalidConfig, "Target"},
		{"bad CIDR", RouteConfig{DestinationCidrBlock: "8.8.8.0/33", Target: f.igw}, ErrInvalidConfig, "DestinationCidrBlock"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := f.pubRT.CreateRoute(c.cfg)
			require.ErrorIs(t, err, c.sent)
			assert.Contains(t, err.Error(), f.pubRT.ID())
			assert.Contains(t, err.Error(), c.msg)
		})
	}
	// The allowed more-specific route: a subnet CIDR to an ENI (middlebox).
	require.NoError(t, f.pubRT.CreateRoute(RouteConfig{DestinationCidrBlock: "10.0.2.0/24", Target: f.web}))
	// A second IGW is refused.
	_, err := f.v.AttachInternetGateway()
	require.ErrorIs(t, err, ErrLimitExceeded)
	assert.Contains(t, err.Error(), `VPC "shop"`)
}

// Longest prefix wins; on equal prefixes a static route beats a
// prefix-list route; the local route covers the VPC.
func TestLongestPrefixMatch(t *testing.T) {
	f := newTwoTier(t, 1)
	n := f.n
	peer, err := n.CreateVPC(VPCConfig{Name: "peer", Region: "us-east-1", CidrBlock: "10.1.0.0/16"})
	require.NoError(t, err)
	pcx, err := n.CreatePeeringConnection(f.v, peer)
	require.NoError(t, err)
	vgw, err := f.v.AttachVpnGateway("172.16.0.0/12")
	require.NoError(t, err)
	rt := f.pubRT
	for _, r := range []RouteConfig{
		{DestinationCidrBlock: "10.0.0.0/8", Target: vgw},
		{DestinationCidrBlock: "10.1.0.0/16", Target: pcx},
		{DestinationCidrBlock: "10.1.2.15/32", Target: f.nat},
		{DestinationCidrBlock: "52.216.0.0/15", Target: f.nat},
	} {
		require.NoError(t, rt.CreateRoute(r))
	}
	_, err = f.v.CreateEndpoint(EndpointConfig{ServiceName: "com.amazonaws.us-east-1.s3", VpcEndpointType: EndpointTypeGateway, RouteTables: []*RouteTable{rt}})
	require.NoError(t, err)
	cases := []struct {
		dst, route, target string
	}{
		{"10.0.2.9", "10.0.0.0/16", "local"},
		{"10.1.2.15", "10.1.2.15/32", f.nat.ID()},
		{"10.1.2.16", "10.1.0.0/16", pcx.ID()},
		{"10.200.0.1", "10.0.0.0/8", vgw.ID()},
		{"52.216.8.8", "52.216.0.0/15", f.nat.ID()}, // static beats the S3 prefix list at equal length
		{"54.231.1.1", "54.231.0.0/16", "vpce"},     // prefix list beats 0.0.0.0/0
		{"8.8.8.8", "0.0.0.0/0", f.igw.ID()},
	}
	for _, c := range cases {
		r, p, ok := rt.Lookup(mustAddr(c.dst))
		require.True(t, ok, c.dst)
		assert.Equal(t, c.route, p.String(), c.dst)
		if c.target == "vpce" {
			assert.Regexp(t, `^vpce-`, r.TargetID())
		} else {
			assert.Equal(t, c.target, r.TargetID(), c.dst)
		}
	}
}

func TestPeeringNotTransitive(t *testing.T) {
	n := newNet(t)
	mk := func(name, cidr string) (*VPC, *NetworkInterface) {
		v, err := n.CreateVPC(VPCConfig{Name: name, Region: "us-east-1", CidrBlock: cidr})
		require.NoError(t, err)
		s, err := v.CreateSubnet(SubnetConfig{Name: name + "-a", AvailabilityZone: "us-east-1a", CidrBlock: cidr})
		require.NoError(t, err)
		require.NoError(t, v.DefaultSecurityGroup().AuthorizeIngress(SecurityGroupRule{IpProtocol: ProtocolAll, CidrIp: "10.0.0.0/8"}))
		e, err := s.CreateNetworkInterface(NetworkInterfaceConfig{Description: name})
		require.NoError(t, err)
		return v, e
	}
	a, ea := mk("a", "10.0.0.0/16")
	b, eb := mk("b", "10.1.0.0/16")
	c, ec := mk("c", "10.2.0.0/16")
	ab, err := n.CreatePeeringConnection(a, b)
	require.NoError(t, err)
	ac, err := n.CreatePeeringConnection(a, c)
	require.NoError(t, err)
	route := func(v *VPC, cidr string, p *PeeringConnection) {
		require.NoError(t, v.MainRouteTable().CreateRoute(RouteConfig{DestinationCidrBlock: cidr, Target: p}))
	}
	route(a, "10.1.0.0/16", ab)
	route(b, "10.0.0.0/16", ab)
	route(a, "10.2.0.0/16", ac)
	route(c, "10.0.0.0/16", ac)
	// B sends C's range to A over its only peering, hoping A forwards it.
	route(b, "10.2.0.0/16", ab)
	route(c, "10.1.0.0/16", ac)

	flow := tcp(FromENI(eb), ea.PrivateIP(), 40000, 22)
	r := n.Evaluate(flow)
	assert.Equal(t, DropBlackhole, r.Drop, "a pending peering carries nothing: %s", r)
	require.NoError(t, ab.Accept())
	require.NoError(t, ac.Accept())
	require.Equal(t, Accept, n.Evaluate(flow).Verdict, "%s", n.Evaluate(flow))
	require.Equal(t, Accept, n.Evaluate(tcp(FromENI(ec), ea.PrivateIP(), 40000, 22)).Verdict)

	r = n.Evaluate(tcp(FromENI(eb), ec.PrivateIP(), 40000, 22))
	require.Equal(t, DropNotTransitive, r.Drop, "%s", r)
	assert.Contains(t, r.Reason, "not transitive")
	assert.Contains(t, r.Reason, ab.ID())

	// Overlapping VPCs cannot peer.
	d, _ := mk("d", "10.1.128.0/17")
	_, err = n.CreatePeeringConnection(a, d)
	require.NoError(t, err)
	_, err = n.CreatePeeringConnection(b, d)
	require.ErrorIs(t, err, ErrInvalidConfig)
	assert.Contains(t, err.Error(), "overlaps")

	// Deleting the peering blackholes its routes.
	require.NoError(t, ab.Delete())
	assert.Equal(t, DropBlackhole, n.Evaluate(flow).Drop)
}

func TestPeeringRequestExpires(t *testing.T) {
	s := sim.New(sim.Config{Seed: 3})
	n, err := New(s, Config{})
	require.NoError(t, err)
	a, err := n.CreateVPC(VPCConfig{Name: "a", Region: "us-east-1", CidrBlock: "10.0.0.0/16"})
	require.NoError(t, err)
	b, err := n.CreateVPC(VPCConfig{Name: "b", Region: "eu-west-1", CidrBlock: "10.1.0.0/16"})
	require.NoError(t, err)
	p, err := n.CreatePeeringConnection(a, b)
	require.NoError(t, err)
	s.RunFor(PeeringRequestExpiry - 1)
	assert.Equal(t, PeeringPendingAcceptance, p.State())
	s.RunFor(1)
	assert.Equal(t, PeeringExpired, p.State())
	require.ErrorIs(t, p.Accept(), ErrInvalidState)
}

func TestErrorsWrapSentinels(t *testing.T) {
	f := newTwoTier(t, 1)
	_, err := f.v.CreateNatGateway(NatGatewayConfig{Name: "no-eip", Subnet: f.pub})
	require.ErrorIs(t, err, ErrInvalidConfig)
	assert.Contains(t, err.Error(), `NAT gateway "no-eip"`)
	assert.Contains(t, err.Error(), "ElasticIP")
	err = f.webEIP.Release()
	require.ErrorIs(t, err, ErrDependencyViolation)
	_, err = f.v.CreateSecurityGroup("sg-bad", "")
	require.ErrorIs(t, err, ErrInvalidConfig)
	assert.Contains(t, err.Error(), "GroupName")
	require.ErrorIs(t, f.v.MainRouteTable().Delete(), ErrDependencyViolation)
	require.ErrorIs(t, f.pubRT.Delete(), ErrDependencyViolation)
	require.True(t, errors.Is(f.v.DefaultNetworkACL().Delete(), ErrDependencyViolation))
}

func TestNewValidation(t *testing.T) {
	s := sim.New(sim.Config{})
	_, err := New(nil, Config{})
	require.ErrorIs(t, err, ErrInvalidConfig)
	_, err = New(s, Config{Limits: &Limits{CidrBlocksPerVPC: 5}})
	require.ErrorIs(t, err, ErrInvalidConfig)
	assert.Contains(t, err.Error(), "Limits.SubnetsPerVPC 0 < 1")
	p := DefaultPrices()
	p.NatGatewayPerGB = -1
	_, err = New(s, Config{Prices: &p})
	require.ErrorIs(t, err, ErrInvalidConfig)
	assert.Contains(t, err.Error(), "Prices.NatGatewayPerGB")
	_, err = New(s, Config{PublicIPv4Pool: "2600::/64"})
	require.ErrorIs(t, err, ErrInvalidConfig)
	assert.Contains(t, err.Error(), "PublicIPv4Pool")
	_, err = New(s, Config{PrefixLists: map[string][]string{"com.amazonaws.us-east-1.s3": {"bogus"}}})
	require.ErrorIs(t, err, ErrInvalidConfig)
	assert.Contains(t, err.Error(), `prefix list "com.amazonaws.us-east-1.s3"`)
}
