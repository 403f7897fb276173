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

	for _, i := range insts {
		require.NoError(t, i.Terminate())
	}
	s.RunFor(time.Minute)
	assert.Equal(t, free, sn.AvailableIpAddressCount(), "addresses returned on termination")
}
