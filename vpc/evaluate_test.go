package vpc

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTwoTierPaths(t *testing.T) {
	f := newTwoTier(t, 1)
	cases := []struct {
		name   string
		flow   Flow
		want   Verdict
		drop   DropReason
		onRet  bool
		kinds  []HopKind // forward hops expected in order (prefix of Path)
		reason string    // substring of Reason
	}{
		{"internet to web:80", tcp(FromInternet(internetHost), pubIP(t, f.web), 50000, 80), Accept, NotDropped, false,
			[]HopKind{HopInternet, HopInternetGateway, HopNetworkACLIngress, HopSecurityGroupIngress, HopENI}, ""},
		{"internet to web:22 has no SG rule", tcp(FromInternet(internetHost), pubIP(t, f.web), 50000, 22), Reject, DropSecurityGroup, false,
			nil, f.webSG.ID()},
		{"web to app:8080 by SG reference", tcp(FromENI(f.web), f.app.PrivateIP(), 40000, 8080), Accept, NotDropped, false,
			[]HopKind{HopENI, HopSecurityGroupEgress, HopNetworkACLEgress, HopRouteTable, HopNetworkACLIngress, HopSecurityGroupIngress, HopENI}, ""},
		{"web to app:22", tcp(FromENI(f.web), f.app.PrivateIP(), 40000, 22), Reject, DropSecurityGroup, false, nil, "no inbound rule"},
		{"app to internet via NAT", tcp(FromENI(f.app), internetHost, 40000, 443), Accept, NotDropped, false,
			[]HopKind{HopENI, HopSecurityGroupEgress, HopNetworkACLEgress, HopRouteTable, HopNetworkACLIngress, HopNatGateway,
				HopNetworkACLEgress, HopRouteTable, HopInternetGateway, HopInternet}, ""},
		{"internet to NAT EIP: NAT is outbound only", tcp(FromInternet(internetHost), f.natEIP.Addr(), 40000, 22), Reject, DropNatInbound, false,
			nil, "outbound only"},
		{"to an unused VPC address", tcp(FromENI(f.web), mustAddr("10.0.2.99"), 40000, 80), Reject, DropNoSuchAddress, false, nil, "10.0.2.99"},
		{"to a public address nobody holds", tcp(FromInternet(internetHost), mustAddr("44.192.9.9"), 1, 80), Reject, DropNoSuchAddress, false, nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := f.n.Evaluate(c.flow)
			require.Equal(t, c.want, r.Verdict, "%s", r)
			assert.Equal(t, c.drop, r.Drop, "%s", r)
			assert.Equal(t, c.onRet, r.OnReturn)
			if c.reason != "" {
				assert.Contains(t, r.Reason, c.reason)
			}
			if c.kinds != nil {
				require.GreaterOrEqual(t, len(r.Path), len(c.kinds), "%s", r)
				for i, k := range c.kinds {
					assert.Equal(t, k, r.Path[i].Kind, "hop %d of %s", i, r)
				}
			}
			// Every hop passes except, for a drop, the last one.
			for i, h := range r.Path {
				assert.Equal(t, c.want == Accept || i < len(r.Path)-1, h.Allowed, "hop %d of %s", i, r)
			}
		})
	}
}

// NAT gateways only translate outbound connections; a private subnet has
// no other way out, and an ENI without a public address cannot use an IGW.
func TestNATOutboundOnly(t *testing.T) {
	f := newTwoTier(t, 1)
	out := f.n.Evaluate(tcp(FromENI(f.app), internetHost, 40000, 443))
	require.Equal(t, Accept, out.Verdict, "%s", out)

	// The app has no public address, so pointing its route at the IGW fails.
	require.NoError(t, f.privRT.ReplaceRoute(RouteConfig{DestinationCidrBlock: "0.0.0.0/0", Target: f.igw}))
	r := f.n.Evaluate(tcp(FromENI(f.app), internetHost, 40000, 443))
	assert.Equal(t, DropNoPublicAddress, r.Drop, "%s", r)

	// Without any default route the flow has nowhere to go.
	require.NoError(t, f.privRT.DeleteRoute("0.0.0.0/0"))
	r = f.n.Evaluate(tcp(FromENI(f.app), internetHost, 40000, 443))
	assert.Equal(t, DropNoRoute, r.Drop, "%s", r)
	assert.Contains(t, r.Reason, f.privRT.ID())

	// A deleted NAT gateway leaves its routes as blackholes.
	require.NoError(t, f.privRT.CreateRoute(RouteConfig{DestinationCidrBlock: "0.0.0.0/0", Target: f.nat}))
	require.NoError(t, f.nat.Delete())
	r = f.n.Evaluate(tcp(FromENI(f.app), internetHost, 40000, 443))
	assert.Equal(t, DropBlackhole, r.Drop, "%s", r)
	routes := f.privRT.Routes()
	assert.Equal(t, "blackhole", routes[len(routes)-1].State())
}

func TestPrivateNatGatewayToInternetDropped(t *testing.T) {
	f := newTwoTier(t, 1)
	pn, err := f.v.CreateNatGateway(NatGatewayConfig{Name: "private", Subnet: f.pub, ConnectivityType: ConnectivityPrivate})
	require.NoError(t, err)
	require.NoError(t, f.privRT.ReplaceRoute(RouteConfig{DestinationCidrBlock: "0.0.0.0/0", Target: pn}))
	r := f.n.Evaluate(tcp(FromENI(f.app), internetHost, 40000, 443))
	assert.Equal(t, DropPrivateNatToInternet, r.Drop, "%s", r)
}

// An instance in a subnet without an IGW route is not reachable from the
// internet even with a public address: the reply has no way out.
func TestInboundNeedsPublicSubnet(t *testing.T) {
	f := newTwoTier(t, 1)
	require.NoError(t, f.app.SetSecurityGroups(f.webSG))
	eip, err := f.n.AllocateAddress("us-east-1")
	require.NoError(t, err)
	require.NoError(t, eip.Associate(f.app))
	assert.False(t, f.priv.IsPublic())
	assert.True(t, f.pub.IsPublic())
	r := f.n.Evaluate(tcp(FromInternet(internetHost), eip.Addr(), 50000, 80))
	require.Equal(t, Reject, r.Verdict, "%s", r)
	assert.Equal(t, DropNoReturnRoute, r.Drop)
	assert.True(t, r.OnReturn)

	// And a VPC without an IGW cannot be reached at all.
	require.NoError(t, f.nat.Delete())
	require.NoError(t, f.v.DetachInternetGateway())
	r = f.n.Evaluate(tcp(FromInternet(internetHost), pubIP(t, f.web), 50000, 80))
	assert.Equal(t, DropNoInternetGateway, r.Drop, "%s", r)
}

// Security groups are stateful: the reply passes whatever the rules say.
// NACLs are stateless: the reply needs its own rule for the client's
// ephemeral port, and a Linux-range rule (32768-65535) misses a client
// using port 1025 (Windows Server 2003's range).
func TestSecurityGroupStatefulNACLStateless(t *testing.T) {
	f := newTwoTier(t, 1)
	// The app's SG has no outbound rule at all, yet replies still flow.
	require.NoError(t, f.appSG.RevokeEgress(SecurityGroupRule{IpProtocol: ProtocolAll, CidrIp: "0.0.0.0/0"}))
	acl, err := f.v.CreateNetworkACL("app")
	require.NoError(t, err)
	require.NoError(t, acl.Associate(f.priv))
	require.NoError(t, acl.AddEntry(NetworkACLEntry{RuleNumber: 100, Protocol: ProtocolTCP, RuleAction: Allow, CidrBlock: "10.0.1.0/24", PortRange: Port(8080)}))

	flow := tcp(FromENI(f.web), f.app.PrivateIP(), 40000, 8080)
	r := f.n.Evaluate(flow)
	require.Equal(t, Reject, r.Verdict, "%s", r)
	assert.Equal(t, DropNetworkACL, r.Drop)
	assert.True(t, r.OnReturn, "the request got in; the reply is what NACL outbound denies")
	last := r.Path[len(r.Path)-1]
	assert.Equal(t, HopNetworkACLEgress, last.Kind)
	assert.Equal(t, DefaultDenyRuleIPv4, last.Rule)
	assert.Contains(t, r.Reason, "rule * denies")

	require.NoError(t, acl.AddEntry(NetworkACLEntry{RuleNumber: 100, Egress: true, Protocol: ProtocolTCP, RuleAction: Allow, CidrBlock: "10.0.1.0/24", PortRange: EphemeralPorts}))
	r = f.n.Evaluate(flow)
	require.Equal(t, Accept, r.Verdict, "%s", r)
	// Forward: 7 hops; return: src... each NACL crossed forward is re-checked.
	var ret int
	for _, h := range r.Path {
		if h.Return {
			ret++
			assert.Contains(t, []HopKind{HopNetworkACLEgress, HopNetworkACLIngress}, h.Kind)
		}
	}
	assert.Equal(t, 2, ret, "two NACL crossings forward, two back: %s", r)

	r = f.n.Evaluate(tcp(FromENI(f.web), f.app.PrivateIP(), 1025, 8080))
	assert.Equal(t, DropNetworkACL, r.Drop, "%s", r)
	assert.True(t, r.OnReturn)

	// A new flow from the app out (not a reply) is refused by its SG.
	r = f.n.Evaluate(tcp(FromENI(f.app), f.web.PrivateIP(), 40000, 80))
	assert.Equal(t, DropSecurityGroup, r.Drop, "%s", r)
	assert.Equal(t, HopSecurityGroupEgress, r.Path[1].Kind)
}

func TestDefaultVsCustomNACL(t *testing.T) {
	f := newTwoTier(t, 1)
	def := f.v.DefaultNetworkACL()
	assert.True(t, def.IsDefault())
	in := def.Entries(false)
	require.Len(t, in, 1)
	assert.Equal(t, NetworkACLEntry{RuleNumber: 100, Protocol: ProtocolAll, RuleAction: Allow, CidrBlock: "0.0.0.0/0"}, in[0])
	flow := tcp(FromENI(f.web), f.app.PrivateIP(), 40000, 8080)
	require.Equal(t, Accept, f.n.Evaluate(flow).Verdict)

	acl, err := f.v.CreateNetworkACL("custom")
	require.NoError(t, err)
	require.NoError(t, acl.Associate(f.priv))
	r := f.n.Evaluate(flow)
	require.Equal(t, DropNetworkACL, r.Drop, "%s", r)
	assert.False(t, r.OnReturn)
	assert.Equal(t, DefaultDenyRuleIPv4, r.Path[len(r.Path)-1].Rule)

	// Lowest number first: a deny at 90 shadows an allow at 100.
	require.NoError(t, acl.AddEntry(NetworkACLEntry{RuleNumber: 100, Protocol: ProtocolAll, RuleAction: Allow, CidrBlock: "0.0.0.0/0"}))
	require.NoError(t, acl.AddEntry(NetworkACLEntry{RuleNumber: 100, Egress: true, Protocol: ProtocolAll, RuleAction: Allow, CidrBlock: "0.0.0.0/0"}))
	require.Equal(t, Accept, f.n.Evaluate(flow).Verdict)
	require.NoError(t, acl.AddEntry(NetworkACLEntry{RuleNumber: 90, Protocol: ProtocolTCP, RuleAction: Deny, CidrBlock: "10.0.1.0/24", PortRange: Port(8080)}))
	r = f.n.Evaluate(flow)
	require.Equal(t, DropNetworkACL, r.Drop)
	assert.Equal(t, 90, r.Path[len(r.Path)-1].Rule)
	assert.Contains(t, r.Reason, "rule 90 denies")

	// Duplicate rule numbers are rejected with the object and field named.
	err = acl.AddEntry(NetworkACLEntry{RuleNumber: 90, Protocol: ProtocolAll, RuleAction: Allow, CidrBlock: "0.0.0.0/0"})
	require.ErrorIs(t, err, ErrInvalidConfig)
	assert.Contains(t, err.Error(), `network ACL "custom"`)
	assert.Contains(t, err.Error(), "RuleNumber 90")
	// The same number in the other direction is fine.
	require.NoError(t, acl.AddEntry(NetworkACLEntry{RuleNumber: 90, Egress: true, Protocol: ProtocolAll, RuleAction: Allow, CidrBlock: "0.0.0.0/0"}))
}

func TestSecurityGroupDefaults(t *testing.T) {
	f := newTwoTier(t, 1)
	def := f.v.DefaultSecurityGroup()
	assert.Equal(t, "default", def.Name())
	assert.Equal(t, []SecurityGroupRule{{IpProtocol: ProtocolAll, ReferencedGroup: def}}, def.IngressRules())
	assert.Equal(t, []SecurityGroupRule{{IpProtocol: ProtocolAll, CidrIp: "0.0.0.0/0"}}, def.EgressRules())
	assert.Empty(t, f.webSG.EgressRules()[1:])
	assert.Equal(t, []SecurityGroupRule{{IpProtocol: ProtocolAll, CidrIp: "0.0.0.0/0"}}, f.appSG.EgressRules())
	fresh, err := f.v.CreateSecurityGroup("fresh", "")
	require.NoError(t, err)
	assert.Empty(t, fresh.IngressRules(), "a new group allows no inbound traffic")
	require.ErrorIs(t, def.Delete(), ErrDependencyViolation)

	// Members of the default group reach each other on any port; others do not.
	a, err := f.priv.CreateNetworkInterface(NetworkInterfaceConfig{Description: "a"})
	require.NoError(t, err)
	b, err := f.pub.CreateNetworkInterface(NetworkInterfaceConfig{Description: "b"})
	require.NoError(t, err)
	assert.Equal(t, []*SecurityGroup{def}, a.SecurityGroups())
	assert.Equal(t, Accept, f.n.Evaluate(tcp(FromENI(b), a.PrivateIP(), 40000, 5432)).Verdict)
	r := f.n.Evaluate(tcp(FromENI(f.web), a.PrivateIP(), 40000, 5432))
	assert.Equal(t, DropSecurityGroup, r.Drop)
	// Same subnet: switched, no NACL and no route table on the path.
	c, err := f.priv.CreateNetworkInterface(NetworkInterfaceConfig{Description: "c"})
	require.NoError(t, err)
	r = f.n.Evaluate(tcp(FromENI(c), a.PrivateIP(), 40000, 5432))
	require.Equal(t, Accept, r.Verdict)
	for _, h := range r.Path {
		assert.NotContains(t, []HopKind{HopNetworkACLEgress, HopNetworkACLIngress, HopRouteTable}, h.Kind)
	}
	// Duplicate and malformed rules are refused.
	err = f.webSG.AuthorizeIngress(SecurityGroupRule{IpProtocol: ProtocolTCP, PortRange: Port(80), CidrIp: "0.0.0.0/0"})
	require.ErrorIs(t, err, ErrInvalidConfig)
	assert.Contains(t, err.Error(), "Duplicate")
	err = f.webSG.AuthorizeIngress(SecurityGroupRule{IpProtocol: ProtocolTCP, PortRange: Port(80)})
	require.ErrorIs(t, err, ErrInvalidConfig)
	assert.Contains(t, err.Error(), `security group "web"`)
}

// The Amazon resolver at VPC+2 answers even when NACLs deny everything.
func TestResolverCannotBeBlocked(t *testing.T) {
	f := newTwoTier(t, 1)
	assert.Equal(t, mustAddr("10.0.0.2"), f.v.ResolverAddr())
	acl, err := f.v.CreateNetworkACL("deny-all")
	require.NoError(t, err)
	require.NoError(t, acl.Associate(f.priv))
	r := f.n.Evaluate(Flow{Src: FromENI(f.app), Dst: f.v.ResolverAddr(), Protocol: ProtocolUDP, SrcPort: 40000, DstPort: 53})
	require.Equal(t, Accept, r.Verdict, "%s", r)
	assert.Equal(t, HopResolver, r.Path[len(r.Path)-1].Kind)
}

func TestApplianceAndSourceDestCheck(t *testing.T) {
	f := newTwoTier(t, 1)
	fwSG, err := f.v.CreateSecurityGroup("fw", "")
	require.NoError(t, err)
	require.NoError(t, fwSG.AuthorizeIngress(SecurityGroupRule{IpProtocol: ProtocolAll, CidrIp: "10.0.0.0/16"}))
	fw, err := f.pub.CreateNetworkInterface(NetworkInterfaceConfig{Description: "firewall", SecurityGroups: []*SecurityGroup{fwSG}})
	require.NoError(t, err)
	// Send the private subnet's internet traffic through the appliance.
	require.NoError(t, f.privRT.ReplaceRoute(RouteConfig{DestinationCidrBlock: "0.0.0.0/0", Target: fw}))
	r := f.n.Evaluate(tcp(FromENI(f.app), internetHost, 40000, 443))
	require.Equal(t, DropSourceDestCheck, r.Drop, "%s", r)
	fw.SetSourceDestCheck(false)
	// The appliance has no public address; give it one and it forwards out.
	eip, err := f.n.AllocateAddress("us-east-1")
	require.NoError(t, err)
	require.NoError(t, eip.Associate(fw))
	r = f.n.Evaluate(tcp(FromENI(f.app), internetHost, 40000, 443))
	require.Equal(t, Accept, r.Verdict, "%s", r)
	assert.Contains(t, kindsOf(r), HopAppliance)
	// The appliance's own security groups still filter what it receives.
	require.NoError(t, fwSG.RevokeIngress(SecurityGroupRule{IpProtocol: ProtocolAll, CidrIp: "10.0.0.0/16"}))
	r = f.n.Evaluate(tcp(FromENI(f.app), internetHost, 40000, 443))
	require.Equal(t, DropSecurityGroup, r.Drop, "%s", r)
	assert.Equal(t, fmt.Sprintf("no inbound rule of %s on appliance %s allows tcp from %s port 443", fwSG.ID(), fw.ID(), f.app.PrivateIP()), r.Reason)
}

func TestOnPremises(t *testing.T) {
	f := newTwoTier(t, 1)
	vgw, err := f.v.AttachVpnGateway("192.168.0.0/16")
	require.NoError(t, err)
	require.NoError(t, f.appSG.AuthorizeIngress(SecurityGroupRule{IpProtocol: ProtocolTCP, PortRange: Port(8080), CidrIp: "192.168.0.0/16"}))
	flow := tcp(FromOnPremises(f.v, mustAddr("192.168.5.5")), f.app.PrivateIP(), 40000, 8080)
	r := f.n.Evaluate(flow)
	// The private table sends 192.168/16 to the NAT (0.0.0.0/0), not the VGW.
	require.Equal(t, DropNoReturnRoute, r.Drop, "%s", r)
	require.NoError(t, f.privRT.CreateRoute(RouteConfig{DestinationCidrBlock: "192.168.0.0/16", Target: vgw}))
	r = f.n.Evaluate(flow)
	require.Equal(t, Accept, r.Verdict, "%s", r)
	r = f.n.Evaluate(tcp(FromENI(f.app), mustAddr("192.168.5.5"), 40000, 22))
	require.Equal(t, Accept, r.Verdict, "%s", r)
	assert.Equal(t, HopOnPremises, lastForward(r).Kind)
}

func TestCacheInvalidatedOnChange(t *testing.T) {
	f := newTwoTier(t, 1)
	flow := tcp(FromInternet(internetHost), pubIP(t, f.web), 50000, 22)
	r1 := f.n.Evaluate(flow)
	require.Equal(t, Reject, r1.Verdict)
	assert.Same(t, r1, f.n.Evaluate(flow), "a repeated flow comes from the cache")
	require.NoError(t, f.webSG.AuthorizeIngress(SecurityGroupRule{IpProtocol: ProtocolTCP, PortRange: Port(22), CidrIp: "203.0.113.0/24"}))
	r2 := f.n.Evaluate(flow)
	assert.Equal(t, Accept, r2.Verdict, "the rule change must invalidate the cached reject")
	f.n.SetCaching(false)
	assert.NotSame(t, f.n.Evaluate(flow), f.n.Evaluate(flow))
}

func kindsOf(r *Result) []HopKind {
	var out []HopKind
	for _, h := range r.Path {
		out = append(out, h.Kind)
	}
	return out
}

func lastForward(r *Result) Hop {
	var last Hop
	for _, h := range r.Path {
		if !h.Return {
			last = h
		}
	}
	return last
}

func TestRoutingLoopAndMainTable(t *testing.T) {
	f := newTwoTier(t, 1)
	sg, err := f.v.CreateSecurityGroup("fw", "")
	require.NoError(t, err)
	require.NoError(t, sg.AuthorizeIngress(SecurityGroupRule{IpProtocol: ProtocolAll, CidrIp: "0.0.0.0/0"}))
	mk := func(s *Subnet) *NetworkInterface {
		e, err := s.CreateNetworkInterface(NetworkInterfaceConfig{Description: "fw", SecurityGroups: []*SecurityGroup{sg}, DisableSourceDestCheck: true})
		require.NoError(t, err)
		return e
	}
	fwPub, fwPriv := mk(f.pub), mk(f.priv)
	// Each side sends 8.8.8.0/24 to the other side's appliance.
	require.NoError(t, f.pubRT.CreateRoute(RouteConfig{DestinationCidrBlock: "8.8.8.0/24", Target: fwPriv}))
	require.NoError(t, f.privRT.CreateRoute(RouteConfig{DestinationCidrBlock: "8.8.8.0/24", Target: fwPub}))
	r := f.n.Evaluate(tcp(FromENI(f.web), mustAddr("8.8.8.8"), 40000, 53))
	require.Equal(t, DropRoutingLoop, r.Drop, "%s", r)
	n := 0
	for _, h := range r.Path {
		if h.Kind == HopAppliance && h.Allowed {
			n++
		}
	}
	assert.Equal(t, maxAppliances, n)

	// A new main table takes over every subnet without an explicit association.
	rt, err := f.v.CreateRouteTable("new-main")
	require.NoError(t, err)
	extra, err := f.v.CreateSubnet(SubnetConfig{Name: "extra", AvailabilityZone: "us-east-1c", CidrBlock: "10.0.3.0/24"})
	require.NoError(t, err)
	assert.Same(t, f.v.MainRouteTable(), extra.RouteTable())
	require.NoError(t, f.v.SetMainRouteTable(rt))
	assert.Same(t, rt, extra.RouteTable())
	assert.True(t, rt.Main())
	assert.Same(t, f.privRT, f.priv.RouteTable(), "explicit associations stay")
}

// Addresses a launcher takes with AllocateIP belong to ENIs in the default
// group, so flows reach them and their groups can be changed.
func TestAllocateIPIsReachable(t *testing.T) {
	f := newTwoTier(t, 1)
	a, err := f.priv.AllocateIP()
	require.NoError(t, err)
	e, ok := f.v.InterfaceAt(a)
	require.True(t, ok)
	assert.Equal(t, []*SecurityGroup{f.v.DefaultSecurityGroup()}, e.SecurityGroups())
	flow := tcp(FromENI(f.web), a, 40000, 8080)
	assert.Equal(t, DropSecurityGroup, f.n.Evaluate(flow).Drop, "web is not in the default group")
	require.NoError(t, e.SetSecurityGroups(f.appSG))
	assert.Equal(t, Accept, f.n.Evaluate(flow).Verdict)
	f.priv.ReleaseIP(a)
	assert.True(t, e.Deleted())
	assert.Equal(t, DropNoSuchAddress, f.n.Evaluate(flow).Drop)
	assert.Equal(t, 250, f.priv.AvailableIpAddressCount(), "251 less the app ENI")
}
