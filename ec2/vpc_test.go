package ec2_test

import (
	"testing"
	"time"

	"github.com/nimbus-sim/nimbus/ec2"
	"github.com/nimbus-sim/nimbus/sim"
	"github.com/nimbus-sim/nimbus/vpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// vpc subnets are ec2 placements: the private address is an ENI of the VPC
// (so flows to the instance can be evaluated), returned on termination.
func TestLaunchIntoVPCSubnet(t *testing.T) {
	s := sim.New(sim.Config{Seed: 1})
	n, err := vpc.New(s, vpc.Config{})
	require.NoError(t, err)
	v, err := n.CreateVPC(vpc.VPCConfig{Name: "app", Region: "us-east-1", CidrBlock: "10.0.0.0/16"})
	require.NoError(t, err)
	sn, err := v.CreateSubnet(vpc.SubnetConfig{Name: "tiny", AvailabilityZone: "us-east-1b", CidrBlock: "10.0.9.0/28"})
	require.NoError(t, err)
	var _ ec2.Subnet = sn

	svc, err := ec2.New(s, ec2.Config{})
	require.NoError(t, err)
	free := sn.AvailableIpAddressCount()
	var insts []*ec2.Instance
	for k := 0; k < free; k++ {
		i, err := svc.Launch(ec2.LaunchSpec{InstanceType: "t4g.nano", Subnet: sn})
		require.NoError(t, err)
		insts = append(insts, i)
	}
	assert.Equal(t, "us-east-1b", insts[0].AZ())
	eni, ok := v.InterfaceAt(insts[0].PrivateIP())
	require.True(t, ok, "the instance's address is an ENI of the VPC")
	assert.Equal(t, sn, eni.Subnet())

	_, err = svc.Launch(ec2.LaunchSpec{InstanceType: "t4g.nano", Subnet: sn})
	require.ErrorIs(t, err, vpc.ErrAddressExhausted, "the subnet's own error comes through")
	assert.Len(t, svc.Instances(), free, "nothing half-launched")

	for _, i := range insts[1:] {
		require.NoError(t, i.Terminate())
	}
	s.RunFor(time.Minute)
	assert.Equal(t, free-1, sn.AvailableIpAddressCount())

	// A public IP on a VPC subnet is the ENI's: released on stop, assigned
	// again on start, and the VPC sees it.
	pub, err := svc.Launch(ec2.LaunchSpec{InstanceType: "t4g.nano", Subnet: sn, AssociatePublicIP: true})
	require.NoError(t, err)
	ip := pub.PublicIP()
	require.True(t, ip.IsValid())
	eni, _ = v.InterfaceAt(pub.PrivateIP())
	got, ok := eni.PublicIP()
	require.True(t, ok)
	assert.Equal(t, ip, got)
	s.RunFor(2 * time.Minute)
	require.NoError(t, pub.Stop())
	s.RunFor(time.Minute)
	_, ok = eni.PublicIP()
	assert.False(t, ok, "released on stop")
	require.NoError(t, pub.Start())
	// Whether the new address differs is the VPC pool's choice.
	require.True(t, pub.PublicIP().IsValid())
	got, _ = eni.PublicIP()
	assert.Equal(t, pub.PublicIP(), got)

	for _, i := range []*ec2.Instance{insts[0], pub} {
		require.NoError(t, i.Terminate())
	}
	s.RunFor(time.Minute)
	assert.Equal(t, free, sn.AvailableIpAddressCount(), "addresses returned on termination")
}
