package route53

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"

	"github.com/miekg/dns"
	"github.com/nimbus-sim/nimbus/billing"
	"github.com/nimbus-sim/nimbus/cloudwatch"
	"github.com/nimbus-sim/nimbus/geo"
	"github.com/nimbus-sim/nimbus/sim"
	"github.com/nimbus-sim/nimbus/vpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// badVPCs are VPC arguments every entry point must refuse, with the text
// the error must contain. A typed nil compares non-nil as an interface, so
// a plain nil check lets it through to a panicking method call.
var badVPCs = []struct {
	name string
	v    VPC
	msg  string
}{
	{"nil", nil, "VPC is nil"},
	{"typed nil *vpc.VPC", (*vpc.VPC)(nil), "VPC is a nil *vpc.VPC"},
	{"typed nil *StaticVPC", (*StaticVPC)(nil), "VPC is a nil *route53.StaticVPC"},
	{"empty ID", &StaticVPC{VPCRegion: "us-east-1", CIDR: netip.MustParsePrefix("10.9.0.0/16")}, "VPC has an empty ID"},
}

// vpcFixture is a service with one private zone, one FORWARD rule and the
// VPC they hang off, for the VPC entry points to act on.
type vpcFixture struct {
	r    *Route53
	v    *StaticVPC
	zone *HostedZone
	rule *ResolverRule
}

// tb is what newVPCFixture needs of *testing.T and *rapid.T.
type tb interface {
	Helper()
	require.TestingT
}

func newVPCFixture(t tb) vpcFixture {
	t.Helper()
	r, err := New(sim.New(sim.Config{Seed: 1}), Config{})
	require.NoError(t, err)
	v := &StaticVPC{VPCID: "vpc-1", VPCRegion: "us-east-1", CIDR: netip.MustParsePrefix("10.0.0.0/16")}
	z, err := r.CreateHostedZone(HostedZoneConfig{Name: "corp.internal", PrivateZone: true, VPC: v})
	require.NoError(t, err)
	out, err := r.CreateResolverEndpoint(ResolverEndpointConfig{Name: "out", Direction: "OUTBOUND", VPC: v, IPAddresses: addrs("10.0.0.20", "10.0.1.20")})
	require.NoError(t, err)
	rule, err := r.CreateResolverRule(ResolverRuleConfig{Name: "onprem", DomainName: "onprem.example", RuleType: "FORWARD",
		TargetIps: addrs("192.168.0.53"), ResolverEndpointId: out.ID()})
	require.NoError(t, err)
	return vpcFixture{r: r, v: v, zone: z, rule: rule}
}

// vpcEntryPoints are the public calls that take a VPC, each with the
// object its error must name.
var vpcEntryPoints = []struct {
	name   string
	object string
	call   func(f vpcFixture, v VPC) error
}{
	{"CreateHostedZone", `hosted zone "other.internal."`, func(f vpcFixture, v VPC) error {
		_, err := f.r.CreateHostedZone(HostedZoneConfig{Name: "other.internal", PrivateZone: true, VPC: v})
		return err
	}},
	{"AssociateVPCWithHostedZone", "hosted zone " + "%zone", func(f vpcFixture, v VPC) error {
		return f.r.AssociateVPCWithHostedZone(f.zone.ID(), v)
	}},
	{"VPCResolver", "VPC resolver", func(f vpcFixture, v VPC) error {
		_, err := f.r.VPCResolver(v)
		return err
	}},
	{"CreateResolverEndpoint", `resolver endpoint "in"`, func(f vpcFixture, v VPC) error {
		_, err := f.r.CreateResolverEndpoint(ResolverEndpointConfig{Name: "in", Direction: "INBOUND", VPC: v, IPAddresses: addrs("10.9.0.30", "10.9.1.30")})
		return err
	}},
	{"AssociateResolverRule", "resolver rule %rule", func(f vpcFixture, v VPC) error {
		return f.r.AssociateResolverRule(f.rule.ID(), v)
	}},
}

// TestVPCArguments: every entry point that takes a VPC refuses nil, typed
// nil and ID-less VPCs with an ErrInvalidConfig error naming the object and
// the field, changes nothing, and still accepts a good VPC afterwards.
func TestVPCArguments(t *testing.T) {
	for _, ep := range vpcEntryPoints {
		for _, bad := range badVPCs {
			t.Run(ep.name+"/"+bad.name, func(t *testing.T) {
				f := newVPCFixture(t)
				var err error
				require.NotPanics(t, func() { err = ep.call(f, bad.v) })
				require.ErrorIs(t, err, ErrInvalidConfig)
				object := strings.NewReplacer("%zone", f.zone.ID(), "%rule", f.rule.ID()).Replace(ep.object)
				assert.ErrorContains(t, err, "route53: "+object)
				assert.ErrorContains(t, err, bad.msg)

				// Nothing changed: one zone, associated with vpc-1 only; no
				// VPC Resolver; one endpoint; the rule applies to no VPC.
				assert.Len(t, f.r.HostedZones(), 1)
				assert.Equal(t, []string{"vpc-1"}, f.zone.VPCs())
				assert.Empty(t, f.r.vpcResolvers)
				assert.Len(t, f.r.rslvEndpoints, 1)
				assert.Empty(t, f.rule.vpcs)
				assert.Equal(t, map[string]VPC{"vpc-1": f.v}, f.r.vpcs)

				good := &StaticVPC{VPCID: "vpc-9", VPCRegion: "us-east-1", CIDR: netip.MustParsePrefix("10.9.0.0/16")}
				assert.NoError(t, ep.call(f, good), "the same call with a real VPC")
			})
		}
	}
}

// TestResolverAddrOfUnusableVPC: ResolverAddr has no error result, so an
// unusable VPC gives the zero Addr, never a panic.
func TestResolverAddrOfUnusableVPC(t *testing.T) {
	tests := []struct {
		name string
		v    VPC
		want netip.Addr
	}{
		{"nil", nil, netip.Addr{}},
		{"typed nil *vpc.VPC", (*vpc.VPC)(nil), netip.Addr{}},
		{"typed nil *StaticVPC", (*StaticVPC)(nil), netip.Addr{}},
		{"no CIDR", &StaticVPC{VPCID: "vpc-1"}, netip.Addr{}},
		{"IPv6 CIDR", &StaticVPC{VPCID: "vpc-1", CIDR: netip.MustParsePrefix("2600:1f18::/56")}, netip.Addr{}},
		// Base + 2 of the masked primary block (AWS facts 1.1).
		{"10.0.0.0/16", &StaticVPC{VPCID: "vpc-1", CIDR: netip.MustParsePrefix("10.0.7.9/16")}, netip.MustParseAddr("10.0.0.2")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, ResolverAddr(tt.v))
		})
	}
}

// nilHandler is a pointer type whose Serve would dereference its receiver.
type nilHandler struct{ served int }

func (h *nilHandler) Serve(_ *sim.Request, reply func(sim.Response)) {
	h.served++
	reply(sim.Response{Status: 200})
}

// nilNameserver is a Nameserver whose Query dereferences its receiver.
type nilNameserver struct{ ans Answer }

func (n *nilNameserver) Query(string, uint16, Source) Answer { return n.ans }

// TestNilInterfaceArguments: the other entry points that take an
// interface or a pointer (handlers, nameservers, alias resources, zone-file
// readers and writers, upstreams, health-check endpoints) refuse nil and
// typed nil with an ErrInvalidConfig error naming the object and field,
// and register nothing.
func TestNilInterfaceArguments(t *testing.T) {
	ip := netip.MustParseAddr("192.0.2.10")
	tests := []struct {
		name string
		call func(r *Route53, z *HostedZone) error
		msg  string // the object and field, as the error names them; %zone is the zone ID
	}{
		{"RegisterEndpoint nil", func(r *Route53, _ *HostedZone) error { return r.RegisterEndpoint(ip, nil) },
			"endpoint 192.0.2.10: Handler is nil"},
		{"RegisterEndpoint typed nil", func(r *Route53, _ *HostedZone) error { return r.RegisterEndpoint(ip, (*nilHandler)(nil)) },
			"endpoint 192.0.2.10: Handler is a nil *route53.nilHandler"},
		{"RegisterEndpoint nil func", func(r *Route53, _ *HostedZone) error { return r.RegisterEndpoint(ip, sim.HandlerFunc(nil)) },
			"endpoint 192.0.2.10: Handler is a nil sim.HandlerFunc"},
		{"RegisterEndpoint invalid addr", func(r *Route53, _ *HostedZone) error { return r.RegisterEndpoint(netip.Addr{}, &nilHandler{}) },
			"endpoint: addr is not a valid address"},
		{"RegisterNameserver nil", func(r *Route53, _ *HostedZone) error { return r.RegisterNameserver(ip, nil) },
			"nameserver 192.0.2.10: Nameserver is nil"},
		{"RegisterNameserver typed nil", func(r *Route53, _ *HostedZone) error { return r.RegisterNameserver(ip, (*nilNameserver)(nil)) },
			"nameserver 192.0.2.10: Nameserver is a nil *route53.nilNameserver"},
		{"RegisterNameserver typed nil Route53", func(r *Route53, _ *HostedZone) error { return r.RegisterNameserver(ip, (*Route53)(nil)) },
			"nameserver 192.0.2.10: Nameserver is a nil *route53.Route53"},
		{"RegisterAliasTarget typed nil", func(r *Route53, _ *HostedZone) error { return r.RegisterAliasTarget((*target)(nil)) },
			"alias target: AliasResource is a nil *route53.target"},
		{"RegisterAliasTarget typed nil Resource", func(r *Route53, _ *HostedZone) error { return r.RegisterAliasTarget((*Resource)(nil)) },
			"alias target: AliasResource is a nil *route53.Resource"},
		{"RegisterResource typed nil resource", func(r *Route53, _ *HostedZone) error { return r.RegisterResource((*Resource)(nil), &nilHandler{}) },
			"resource: AliasResource is a nil *route53.Resource"},
		{"RegisterResource nil handler", func(r *Route53, _ *HostedZone) error {
			return r.RegisterResource(&Resource{Name: "lb.example.com", IPs: []netip.Addr{ip}}, nil)
		}, `resource "lb.example.com": Handler is nil`},
		{"RegisterResource typed nil handler", func(r *Route53, _ *HostedZone) error {
			return r.RegisterResource(&Resource{Name: "lb.example.com", IPs: []netip.Addr{ip}}, (*nilHandler)(nil))
		}, `resource "lb.example.com": Handler is a nil *route53.nilHandler`},
		{"RegisterResource invalid address", func(r *Route53, _ *HostedZone) error {
			return r.RegisterResource(&Resource{Name: "lb.example.com", IPs: []netip.Addr{ip, {}}}, &nilHandler{})
		}, `resource "lb.example.com": Addrs holds an invalid address`},
		{"ImportZoneFile typed nil", func(r *Route53, z *HostedZone) error {
			_, err := r.ImportZoneFile(z.ID(), (*strings.Reader)(nil))
			return err
		}, "hosted zone %zone: import: reader is a nil *strings.Reader"},
		{"ExportZoneFile typed nil", func(r *Route53, z *HostedZone) error { return r.ExportZoneFile(z.ID(), (*bytes.Buffer)(nil)) },
			"hosted zone %zone: export: writer is a nil *bytes.Buffer"},
		{"NewResolver typed nil Upstream", func(r *Route53, _ *HostedZone) error {
			_, err := r.NewResolver(ResolverConfig{Name: "isp", Upstream: (*nilNameserver)(nil)})
			return err
		}, `resolver "isp": Upstream is a nil *route53.nilNameserver`},
		{"NewResolverPool typed nil Upstream", func(r *Route53, _ *HostedZone) error {
			_, err := r.NewResolverPool(ResolverPoolConfig{Name: "isp", Count: 3, Upstream: (*ResolverEndpoint)(nil)})
			return err
		}, `resolver pool "isp": Upstream is a nil *route53.ResolverEndpoint`},
		{"CreateHealthCheck typed nil Endpoint", func(r *Route53, _ *HostedZone) error {
			_, err := r.CreateHealthCheck(HealthCheckConfig{Name: "web", Type: CheckHTTP, IPAddress: ip, Endpoint: (*nilHandler)(nil)})
			return err
		}, `health check "web": Endpoint is a nil *route53.nilHandler`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, r := newService(t, 1)
			z := newZone(t, r, "example.com")
			var err error
			require.NotPanics(t, func() { err = tt.call(r, z) })
			require.ErrorIs(t, err, ErrInvalidConfig)
			assert.ErrorContains(t, err, "route53: "+strings.ReplaceAll(tt.msg, "%zone", z.ID()))
			// Nothing was registered or created.
			assert.Empty(t, r.endpoints)
			assert.Empty(t, r.nameservers)
			assert.Empty(t, r.aliasTargets)
			assert.Empty(t, r.resolvers)
			assert.Empty(t, r.pools)
			assert.Empty(t, r.checks)
			assert.Equal(t, 2, z.ResourceRecordSetCount(), "SOA and NS only")
		})
	}
}

// alarmBoard is an AlarmStates whose method dereferences its receiver.
type alarmBoard struct{ states alarms }

func (b *alarmBoard) AlarmState(region, name string) (string, bool) {
	return b.states.AlarmState(region, name)
}

// TestNewTypedNilConfig: Config's optional interfaces may be left unset
// (none, or the default latency model) but not set to a typed nil, which
// would panic at the first metric, line item, alarm read or RTT.
func TestNewTypedNilConfig(t *testing.T) {
	s := sim.New(sim.Config{Seed: 1})
	tests := []struct {
		name string
		cfg  Config
		msg  string
	}{
		{"Latency", Config{Latency: (*geo.LatencyModel)(nil)}, "Config.Latency is a nil *geo.LatencyModel"},
		{"Metrics", Config{Metrics: (*cloudwatch.CloudWatch)(nil)}, "Config.Metrics is a nil *cloudwatch.CloudWatch"},
		{"Billing", Config{Billing: (*billing.Ledger)(nil)}, "Config.Billing is a nil *billing.Ledger"},
		{"Alarms", Config{Alarms: (*alarmBoard)(nil)}, "Config.Alarms is a nil *route53.alarmBoard"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r *Route53
			var err error
			require.NotPanics(t, func() { r, err = New(s, tt.cfg) })
			require.ErrorIs(t, err, ErrInvalidConfig)
			assert.ErrorContains(t, err, "route53: "+tt.msg)
			assert.Nil(t, r)
		})
	}
}

// TestVPCArgumentsProperty drives random sequences of VPC calls with good,
// nil, typed-nil and ID-less VPCs: no call panics, a bad VPC is always
// ErrInvalidConfig, and the state only ever mentions good VPCs.
func TestVPCArgumentsProperty(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		f := newVPCFixture(rt)
		goods := []VPC{f.v,
			&StaticVPC{VPCID: "vpc-2", VPCRegion: "us-east-1", CIDR: netip.MustParsePrefix("10.9.0.0/16")},
			&StaticVPC{VPCID: "vpc-3", VPCRegion: "us-east-1", CIDR: netip.MustParsePrefix("10.9.0.0/16")}}
		for i, n := 0, rapid.IntRange(1, 20).Draw(rt, "calls"); i < n; i++ {
			ep := vpcEntryPoints[rapid.IntRange(0, len(vpcEntryPoints)-1).Draw(rt, "entry")]
			var v VPC
			bad := rapid.Bool().Draw(rt, "bad")
			if bad {
				v = badVPCs[rapid.IntRange(0, len(badVPCs)-1).Draw(rt, "which")].v
			} else {
				v = goods[rapid.IntRange(0, len(goods)-1).Draw(rt, "which")]
			}
			var err error
			require.NotPanics(rt, func() { err = ep.call(f, v) }, ep.name)
			if bad {
				require.ErrorIs(rt, err, ErrInvalidConfig, ep.name)
			}
		}
		known := map[string]bool{"vpc-1": true, "vpc-2": true, "vpc-3": true}
		for id, v := range f.r.vpcs {
			require.True(rt, known[id], "VPC %q recorded", id)
			require.False(rt, isNil(v))
		}
		for _, z := range f.r.HostedZones() {
			for _, id := range z.VPCs() {
				require.True(rt, known[id], "zone %s associated with %q", z.ID(), id)
			}
		}
		// The resolvers that exist still answer without panicking.
		for id, rv := range f.r.vpcResolvers {
			require.True(rt, known[id])
			require.NotPanics(rt, func() { rv.Resolve("www.onprem.example", dns.TypeA) })
		}
	})
}
