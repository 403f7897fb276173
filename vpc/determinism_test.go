package vpc

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/nimbus-sim/nimbus/billing"
	"github.com/nimbus-sim/nimbus/sim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// scenario builds a network with every kind of object, evaluates flows,
// carries traffic and settles the bill; it returns the trace and a report.
func scenario(t *testing.T, seed uint64) (trace, report string) {
	var tr bytes.Buffer
	s := sim.New(sim.Config{Seed: seed, Trace: &tr})
	ledger := billing.NewLedger()
	n, err := New(s, Config{Biller: ledger})
	require.NoError(t, err)
	v, err := n.CreateVPC(VPCConfig{Name: "main", Region: "us-east-1", CidrBlock: "10.0.0.0/16", AmazonProvidedIpv6CidrBlock: true, EnableDnsHostnames: true})
	require.NoError(t, err)
	var subnets []*Subnet
	for i, az := range []string{"us-east-1a", "us-east-1b", "us-east-1c"} {
		cidr, err := v.NextFreeCIDR(24)
		require.NoError(t, err)
		sub, err := v.CreateSubnet(SubnetConfig{Name: fmt.Sprint("s", i), AvailabilityZone: az, CidrBlock: cidr.String(), AssignIpv6CidrBlock: true})
		require.NoError(t, err)
		subnets = append(subnets, sub)
	}
	igw, err := v.AttachInternetGateway()
	require.NoError(t, err)
	pub, err := v.CreateRouteTable("public")
	require.NoError(t, err)
	require.NoError(t, pub.CreateRoute(RouteConfig{DestinationCidrBlock: "0.0.0.0/0", Target: igw}))
	require.NoError(t, pub.Associate(subnets[0]))
	eip, err := n.AllocateAddress("us-east-1")
	require.NoError(t, err)
	nat, err := v.CreateNatGateway(NatGatewayConfig{Name: "nat", Subnet: subnets[0], ElasticIP: eip})
	require.NoError(t, err)
	require.NoError(t, v.MainRouteTable().CreateRoute(RouteConfig{DestinationCidrBlock: "0.0.0.0/0", Target: nat}))
	ep, err := v.CreateEndpoint(EndpointConfig{ServiceName: "com.amazonaws.us-east-1.sqs", VpcEndpointType: EndpointTypeInterface, Subnets: subnets[1:]})
	require.NoError(t, err)
	var enis []*NetworkInterface
	for _, sub := range subnets {
		e, err := sub.CreateNetworkInterface(NetworkInterfaceConfig{Description: sub.Name(), AssociatePublicIpAddress: sub == subnets[0]})
		require.NoError(t, err)
		enis = append(enis, e)
	}
	var out bytes.Buffer
	for _, d := range ep.DNSEntries() {
		fmt.Fprintln(&out, d.Name, d.Addrs)
	}
	flows := []Flow{
		tcp(FromENI(enis[1]), enis[2].PrivateIP(), 40000, 443),
		tcp(FromENI(enis[2]), internetHost, 40001, 443),
		tcp(FromENI(enis[0]), internetHost, 40002, 443),
		tcp(FromENI(enis[1]), ep.NetworkInterfaces()[0].PrivateIP(), 40003, 443),
		tcp(FromInternet(internetHost), pubIP(t, enis[0]), 40004, 22),
	}
	for i, f := range flows {
		s.RunFor(time.Duration(i+1) * 17 * time.Minute)
		c := n.Crossing(f, 1<<20, 1<<24)
		fmt.Fprintf(&out, "%s\n%s\nlatency=%s cost=%.9f\n", f, c.Result, c.Latency, c.Cost)
	}
	n.Settle()
	for _, li := range ledger.Items() {
		fmt.Fprintf(&out, "%d %d %s %s %s %.9f %s\n", li.Start, li.End, li.ResourceID, li.UsageType, li.Region, li.Quantity, li.Unit)
	}
	return tr.String(), out.String()
}

func TestDeterminism(t *testing.T) {
	tr1, rep1 := scenario(t, 42)
	tr2, rep2 := scenario(t, 42)
	assert.Equal(t, tr1, tr2, "same seed, same trace")
	assert.Equal(t, rep1, rep2, "same seed, same results and bill")
	assert.Contains(t, tr1, `"event":"CreateNatGateway"`)
	tr3, rep3 := scenario(t, 43)
	assert.NotEqual(t, tr1, tr3, "resource IDs derive from the seed")
	assert.NotEqual(t, rep1, rep3)
}
