package route53

import (
	"net/netip"
	"testing"

	"github.com/miekg/dns"
	"github.com/nimbus-sim/nimbus/vpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The vpc package's VPCs are what route53 consumes.
var (
	_ VPC         = (*vpc.VPC)(nil)
	_ EndpointDNS = (*vpc.VPC)(nil)
)

func TestVPCResolverWithVPCPackage(t *testing.T) {
	s, r := newService(t, 1)
	n, err := vpc.New(s, vpc.Config{})
	require.NoError(t, err)
	v, err := n.CreateVPC(vpc.VPCConfig{Name: "app", Region: "us-east-1", CidrBlock: "10.20.0.0/16", EnableDnsHostnames: true})
	require.NoError(t, err)
	var subnets []*vpc.Subnet
	for i, az := range []string{"us-east-1a", "us-east-1b"} {
		sn, err := v.CreateSubnet(vpc.SubnetConfig{Name: az, AvailabilityZone: az, CidrBlock: netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 20, byte(i), 0}), 24).String()})
		require.NoError(t, err)
		subnets = append(subnets, sn)
	}
	_, err = v.CreateEndpoint(vpc.EndpointConfig{ServiceName: "com.amazonaws.us-east-1.kinesis-streams", VpcEndpointType: "Interface", Subnets: subnets})
	require.NoError(t, err)
	entries := v.PrivateDNSEntries()
	require.NotEmpty(t, entries)

	rv, err := r.VPCResolver(v)
	require.NoError(t, err)
	assert.Equal(t, v.ResolverAddr(), ResolverAddr(v), "base + 2 agrees with the vpc package")
	ans, _ := rv.Resolve(entries[0].Name, dns.TypeA)
	assert.ElementsMatch(t, entries[0].Addrs, ans.Addrs, "the service name resolves to the endpoint ENIs inside the VPC")
	for _, a := range ans.Addrs {
		assert.True(t, v.Contains(a))
	}

	// Without enableDnsHostnames, private zones and endpoint names do not
	// apply: the public answer comes back.
	plain, err := n.CreateVPC(vpc.VPCConfig{Name: "plain", Region: "us-east-1", CidrBlock: "10.30.0.0/16"})
	require.NoError(t, err)
	pub := newZone(t, r, "example.com")
	mustChange(t, r, pub, a("db.example.com", 60, "192.0.2.1"))
	priv, err := r.CreateHostedZone(HostedZoneConfig{Name: "example.com", PrivateZone: true, VPC: plain})
	require.NoError(t, err)
	mustChange(t, r, priv, a("db.example.com", 60, "10.30.0.9"))
	prv, err := r.VPCResolver(plain)
	require.NoError(t, err)
	ans, _ = prv.Resolve("db.example.com", dns.TypeA)
	assert.Equal(t, "192.0.2.1", first(ans))
	require.NoError(t, r.AssociateVPCWithHostedZone(priv.ID(), v))
	ans, _ = rv.Resolve("db.example.com", dns.TypeA)
	assert.Equal(t, "10.30.0.9", first(ans))
}
