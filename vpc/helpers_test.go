package vpc

import (
	"net/netip"
	"testing"

	"github.com/nimbus-sim/nimbus/billing"
	"github.com/nimbus-sim/nimbus/sim"
	"github.com/stretchr/testify/require"
)

// twoTier is a VPC 10.0.0.0/16 in us-east-1 with a public subnet
// (10.0.1.0/24, us-east-1a, route to an IGW, NAT gateway) and a private
// subnet (10.0.2.0/24, us-east-1b, default route to the NAT gateway), a web
// ENI with an Elastic IP and an app ENI.
type twoTier struct {
	s              *sim.Sim
	n              *Network
	ledger         *billing.Ledger
	v              *VPC
	pub, priv      *Subnet
	pubRT, privRT  *RouteTable
	igw            *InternetGateway
	nat            *NatGateway
	webSG, appSG   *SecurityGroup
	web, app       *NetworkInterface
	webEIP, natEIP *ElasticIP
}

func newTwoTier(t testing.TB, seed uint64) *twoTier {
	t.Helper()
	f := &twoTier{s: sim.New(sim.Config{Seed: seed}), ledger: billing.NewLedger()}
	var err error
	f.n, err = New(f.s, Config{Biller: f.ledger})
	require.NoError(t, err)
	f.v, err = f.n.CreateVPC(VPCConfig{Name: "shop", Region: "us-east-1", CidrBlock: "10.0.0.0/16"})
	require.NoError(t, err)
	f.pub, err = f.v.CreateSubnet(SubnetConfig{Name: "public-a", AvailabilityZone: "us-east-1a", CidrBlock: "10.0.1.0/24"})
	require.NoError(t, err)
	f.priv, err = f.v.CreateSubnet(SubnetConfig{Name: "private-b", AvailabilityZone: "us-east-1b", CidrBlock: "10.0.2.0/24"})
	require.NoError(t, err)
	f.igw, err = f.v.AttachInternetGateway()
	require.NoError(t, err)
	f.pubRT, err = f.v.CreateRouteTable("public")
	require.NoError(t, err)
	require.NoError(t, f.pubRT.CreateRoute(RouteConfig{DestinationCidrBlock: "0.0.0.0/0", Target: f.igw}))
	require.NoError(t, f.pubRT.Associate(f.pub))
	f.natEIP, err = f.n.AllocateAddress("us-east-1")
	require.NoError(t, err)
	f.nat, err = f.v.CreateNatGateway(NatGatewayConfig{Name: "nat-a", Subnet: f.pub, ElasticIP: f.natEIP})
	require.NoError(t, err)
	f.privRT, err = f.v.CreateRouteTable("private")
	require.NoError(t, err)
	require.NoError(t, f.privRT.CreateRoute(RouteConfig{DestinationCidrBlock: "0.0.0.0/0", Target: f.nat}))
	require.NoError(t, f.privRT.Associate(f.priv))

	f.webSG, err = f.v.CreateSecurityGroup("web", "HTTP from anywhere")
	require.NoError(t, err)
	require.NoError(t, f.webSG.AuthorizeIngress(SecurityGroupRule{IpProtocol: ProtocolTCP, PortRange: Port(80), CidrIp: "0.0.0.0/0"}))
	f.appSG, err = f.v.CreateSecurityGroup("app", "8080 from web")
	require.NoError(t, err)
	require.NoError(t, f.appSG.AuthorizeIngress(SecurityGroupRule{IpProtocol: ProtocolTCP, PortRange: Port(8080), ReferencedGroup: f.webSG}))
	f.web, err = f.pub.CreateNetworkInterface(NetworkInterfaceConfig{Description: "web", SecurityGroups: []*SecurityGroup{f.webSG}})
	require.NoError(t, err)
	f.webEIP, err = f.n.AllocateAddress("us-east-1")
	require.NoError(t, err)
	require.NoError(t, f.webEIP.Associate(f.web))
	f.app, err = f.priv.CreateNetworkInterface(NetworkInterfaceConfig{Description: "app", SecurityGroups: []*SecurityGroup{f.appSG}})
	require.NoError(t, err)
	return f
}

var internetHost = netip.MustParseAddr("203.0.113.10")

func tcp(src Source, dst netip.Addr, sport, dport uint16) Flow {
	return Flow{Src: src, Dst: dst, Protocol: ProtocolTCP, SrcPort: sport, DstPort: dport}
}

func pubIP(t testing.TB, e *NetworkInterface) netip.Addr {
	t.Helper()
	a, ok := e.PublicIP()
	require.True(t, ok)
	return a
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }
