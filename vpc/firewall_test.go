package vpc

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// elbFirewall is the shape elb declares for its Firewall.
type elbFirewall interface {
	Allow(src netip.Addr, port uint16) (bool, string)
}

var _ elbFirewall = (*LoadBalancerFirewall)(nil)

func TestLoadBalancerFirewall(t *testing.T) {
	f := newTwoTier(t, 1)
	lbSG, err := f.v.CreateSecurityGroup("alb", "HTTPS from anywhere")
	require.NoError(t, err)
	require.NoError(t, lbSG.AuthorizeIngress(SecurityGroupRule{IpProtocol: ProtocolTCP, PortRange: Port(443), CidrIp: "0.0.0.0/0"}))
	node, err := f.pub.CreateNetworkInterface(NetworkInterfaceConfig{Description: "ELB app/shop", SecurityGroups: []*SecurityGroup{lbSG}, AssociatePublicIpAddress: true})
	require.NoError(t, err)

	_, err = f.n.NewLoadBalancerFirewall(SchemeInternetFacing, f.app)
	require.ErrorIs(t, err, ErrInvalidConfig)
	assert.Contains(t, err.Error(), "Nodes[0]")
	_, err = f.n.NewLoadBalancerFirewall("public", node)
	require.ErrorIs(t, err, ErrInvalidConfig)

	ext, err := f.n.NewLoadBalancerFirewall(SchemeInternetFacing, node)
	require.NoError(t, err)
	ok, why := ext.Allow(internetHost, 443)
	assert.True(t, ok, why)
	ok, why = ext.Allow(internetHost, 80)
	assert.False(t, ok)
	assert.Contains(t, why, "SecurityGroupNoMatch")
	ok, why = ext.Allow(f.app.PrivateIP(), 443)
	assert.True(t, ok, "the app reaches the node inside the VPC: %s", why)

	inSG, err := f.v.CreateSecurityGroup("internal-alb", "8443 from the VPC")
	require.NoError(t, err)
	require.NoError(t, inSG.AuthorizeIngress(SecurityGroupRule{IpProtocol: ProtocolTCP, PortRange: Port(8443), CidrIp: "10.0.0.0/16"}))
	inNode, err := f.priv.CreateNetworkInterface(NetworkInterfaceConfig{Description: "ELB app/internal", SecurityGroups: []*SecurityGroup{inSG}})
	require.NoError(t, err)
	in, err := f.n.NewLoadBalancerFirewall(SchemeInternal, inNode)
	require.NoError(t, err)
	ok, why = in.Allow(f.web.PrivateIP(), 8443)
	assert.True(t, ok, why)
	ok, why = in.Allow(internetHost, 8443)
	assert.False(t, ok)
	assert.Contains(t, why, "internal load balancer")
	// A NACL on the node's subnet that forgets replies breaks it, too.
	acl, err := f.v.CreateNetworkACL("lb")
	require.NoError(t, err)
	require.NoError(t, acl.AddEntry(NetworkACLEntry{RuleNumber: 100, Protocol: ProtocolTCP, RuleAction: Allow, CidrBlock: "10.0.0.0/16", PortRange: Port(8443)}))
	require.NoError(t, acl.Associate(f.priv))
	ok, why = in.Allow(f.web.PrivateIP(), 8443)
	assert.False(t, ok)
	assert.Contains(t, why, "NetworkAclDeny")
}

// A launcher stopping and starting an instance releases and reassigns its
// auto-assigned public address; reachability and billing follow.
func TestAssignReleasePublicIP(t *testing.T) {
	f := newTwoTier(t, 1)
	e, err := f.pub.CreateNetworkInterface(NetworkInterfaceConfig{Description: "i", SecurityGroups: []*SecurityGroup{f.webSG}})
	require.NoError(t, err)
	a, err := e.AssignPublicIP()
	require.NoError(t, err)
	_, err = e.AssignPublicIP()
	require.ErrorIs(t, err, ErrInvalidState)
	flow := tcp(FromInternet(internetHost), a, 50000, 80)
	require.Equal(t, Accept, f.n.Evaluate(flow).Verdict)
	e.ReleasePublicIP()
	_, ok := e.PublicIP()
	assert.False(t, ok)
	assert.Equal(t, DropNoSuchAddress, f.n.Evaluate(flow).Drop)
	b, err := e.AssignPublicIP()
	require.NoError(t, err)
	assert.Equal(t, a, b, "the lowest free pool address comes back")
	require.NoError(t, f.webEIP.Associate(e))
	_, err = e.AssignPublicIP()
	require.ErrorIs(t, err, ErrInvalidState, "an EIP holder needs no auto-assigned address")
}
