package route53

import (
	"bytes"
	"errors"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/nimbus-sim/nimbus/sim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTraceGolden compares the control-plane trace of a small failover
// (zone and record changes, the check's status changes, Resolver
// endpoints) with testdata/failover.trace; ROUTE53_REWRITE=1 rewrites it.
func TestTraceGolden(t *testing.T) {
	var buf bytes.Buffer
	s := sim.New(sim.Config{Seed: 3, Trace: &buf})
	r, err := New(s, Config{})
	require.NoError(t, err)
	primary := &switchable{up: true}
	r.RegisterEndpoint(primaryIP, primary)
	hc, err := r.CreateHealthCheck(HealthCheckConfig{Name: "primary", Type: CheckHTTP, IPAddress: primaryIP, RequestInterval: 10, FailureThreshold: 2})
	require.NoError(t, err)
	z := newZone(t, r, "example.com")
	mustChange(t, r, z,
		ResourceRecordSet{Name: "www.example.com", Type: "A", SetIdentifier: "p", Failover: "PRIMARY", TTL: 60, ResourceRecords: []string{primaryIP.String()}, HealthCheckId: hc.ID()},
		ResourceRecordSet{Name: "www.example.com", Type: "A", SetIdentifier: "s", Failover: "SECONDARY", TTL: 60, ResourceRecords: []string{secondaryIP.String()}})
	v := &StaticVPC{VPCID: "vpc-1", VPCRegion: "eu-west-1", CIDR: netip.MustParsePrefix("10.0.0.0/16")}
	_, err = r.CreateResolverEndpoint(ResolverEndpointConfig{Name: "in", Direction: "INBOUND", VPC: v, IPAddresses: addrs("10.0.0.10", "10.0.1.10")})
	require.NoError(t, err)
	s.RunFor(time.Minute)
	primary.up = false
	s.RunFor(time.Minute)
	primary.up = true
	s.RunFor(time.Minute)

	const path = "testdata/failover.trace"
	want, err := os.ReadFile(path)
	if os.Getenv("ROUTE53_REWRITE") != "" || errors.Is(err, os.ErrNotExist) {
		require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
		want = buf.Bytes()
	}
	assert.Equal(t, string(want), buf.String())
	assert.Len(t, hc.Transitions(), 2)
}
