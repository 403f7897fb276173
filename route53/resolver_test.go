package route53

import (
	"net/netip"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/nimbus-sim/nimbus/sim"
	"github.com/nimbus-sim/nimbus/vpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestResolverCachesByTTL(t *testing.T) {
	s, r := newService(t, 1)
	z := newZone(t, r, "example.com")
	mustChange(t, r, z, a("www.example.com", 30, "192.0.2.1"))
	rv, err := r.NewResolver(ResolverConfig{Name: "isp", Location: from(t, "US", "").Location})
	require.NoError(t, err)
	ans, lat := rv.Resolve("www.example.com", dns.TypeA)
	assert.Equal(t, "192.0.2.1", first(ans))
	assert.Greater(t, lat, DefaultClientRTT, "a miss pays the trip to the edge")
	assert.Equal(t, DefaultClientRTT+r.nearestEdgeRTT(from(t, "US", "").Location), lat)

	_, err = r.ChangeResourceRecordSets(z.ID(), []Change{{"UPSERT", a("www.example.com", 30, "192.0.2.2")}})
	require.NoError(t, err)
	s.RunFor(29 * time.Second)
	ans, lat = rv.Resolve("www.example.com.", dns.TypeA)
	assert.Equal(t, "192.0.2.1", first(ans), "cached until the TTL ends")
	assert.Equal(t, uint32(1), ans.TTL, "remaining TTL")
	assert.Equal(t, DefaultClientRTT, lat)
	s.RunFor(time.Second)
	ans, _ = rv.Resolve("www.example.com.", dns.TypeA)
	assert.Equal(t, "192.0.2.2", first(ans))
	assert.Equal(t, uint64(1), rv.Hits())
	assert.Equal(t, uint64(2), rv.Misses())
	assert.Equal(t, uint64(2), z.QueryCount("A"), "only misses reach Route 53")
}

func TestNegativeCaching(t *testing.T) {
	s, r := newService(t, 1)
	z := newZone(t, r, "example.com")
	rv, err := r.NewResolver(ResolverConfig{Name: "isp"})
	require.NoError(t, err)
	ans, _ := rv.Resolve("new.example.com", dns.TypeA)
	require.Equal(t, dns.RcodeNameError, ans.Rcode)
	mustChange(t, r, z, a("new.example.com", 60, "192.0.2.1"))
	// Cached NXDOMAIN for min(SOA TTL 900, minimum 86400) = 900 s.
	s.RunFor(899 * time.Second)
	ans, _ = rv.Resolve("new.example.com", dns.TypeA)
	assert.Equal(t, dns.RcodeNameError, ans.Rcode)
	s.RunFor(time.Second)
	ans, _ = rv.Resolve("new.example.com", dns.TypeA)
	assert.Equal(t, "192.0.2.1", first(ans))
	// A lowered SOA minimum shortens negative caching.
	soa := z.ResourceRecordSets()[1]
	require.Equal(t, TypeSOA, soa.Type)
	soa.ResourceRecords = []string{"ns-1.awsdns-01.com. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 60"}
	_, err = r.ChangeResourceRecordSets(z.ID(), []Change{{"UPSERT", soa}})
	require.NoError(t, err)
	assert.Equal(t, uint32(60), r.Query("missing.example.com", dns.TypeA, Source{}).TTL)
}

func TestResolverPoolStaleShare(t *testing.T) {
	_, r := newService(t, 9)
	pool, err := r.NewResolverPool(ResolverPoolConfig{Name: "de", Count: 40, StaleShare: 0.1, Country: "DE", Addrs: netip.MustParsePrefix("203.0.113.0/24")})
	require.NoError(t, err)
	n := 0
	for i, rv := range pool {
		if rv.HoldStale() > 0 {
			n++
			assert.Equal(t, DefaultStaleHold, rv.HoldStale())
		}
		assert.Equal(t, netip.AddrFrom4([4]byte{203, 0, 113, byte(i)}), rv.src.IP)
	}
	assert.Equal(t, 4, n, "round(0.1 × 40)")
	_, err = r.NewResolverPool(ResolverPoolConfig{Name: "x", Count: 3, StaleShare: 1.5})
	assert.ErrorIs(t, err, ErrInvalidConfig)
	_, err = r.NewResolverPool(ResolverPoolConfig{Name: "de", Count: 1})
	assert.ErrorIs(t, err, ErrInvalidConfig, "names are unique")
}

func TestVPCResolverOrder(t *testing.T) {
	_, r := newService(t, 1)
	v := &StaticVPC{VPCID: "vpc-1", VPCRegion: "us-east-1", CIDR: netip.MustParsePrefix("10.0.0.0/16"),
		Endpoints: []vpc.DNSEntry{{Name: "kinesis.us-east-1.amazonaws.com", Addrs: addrs("10.0.1.5", "10.0.2.5")}}}
	other := &StaticVPC{VPCID: "vpc-2", VPCRegion: "us-east-1", CIDR: netip.MustParsePrefix("10.1.0.0/16")}
	pub := newZone(t, r, "example.com")
	mustChange(t, r, pub, a("www.example.com", 60, "192.0.2.1"), a("api.example.com", 60, "192.0.2.2"))
	aws := newZone(t, r, "amazonaws.com")
	mustChange(t, r, aws, a("kinesis.us-east-1.amazonaws.com", 60, "52.94.0.1"))
	priv, err := r.CreateHostedZone(HostedZoneConfig{Name: "example.com", PrivateZone: true, VPC: v})
	require.NoError(t, err)
	mustChange(t, r, priv, a("www.example.com", 60, "10.0.0.10"))

	rv, err := r.VPCResolver(v)
	require.NoError(t, err)
	assert.Equal(t, netip.MustParseAddr("10.0.0.2"), ResolverAddr(v))
	assert.Equal(t, netip.MustParseAddr("10.0.0.2"), rv.src.IP)
	q := func(rv *Resolver, n string) Answer { a, _ := rv.Resolve(n, dns.TypeA); return a }
	assert.Equal(t, "10.0.0.10", first(q(rv, "www.example.com")), "split horizon: the private zone wins")
	assert.Equal(t, dns.RcodeNameError, q(rv, "api.example.com").Rcode, "no fallback to public DNS inside a matching private zone")
	k1, k2 := q(rv, "kinesis.us-east-1.amazonaws.com"), r.Query("kinesis.us-east-1.amazonaws.com", dns.TypeA, Source{})
	assert.Equal(t, []netip.Addr{netip.MustParseAddr("10.0.1.5"), netip.MustParseAddr("10.0.2.5")}, k1.Addrs, "endpoint private DNS")
	assert.Equal(t, "52.94.0.1", first(k2), "outside the VPC the public name stays public")
	rv.Flush()
	assert.Equal(t, "10.0.2.5", first(q(rv, "kinesis.us-east-1.amazonaws.com")), "round-robin over the ENIs")

	rv2, err := r.VPCResolver(other)
	require.NoError(t, err)
	assert.Equal(t, "192.0.2.1", first(q(rv2, "www.example.com")), "an unassociated VPC sees public DNS")
	require.NoError(t, r.AssociateVPCWithHostedZone(priv.ID(), other))
	rv2.Flush()
	assert.Equal(t, "10.0.0.10", first(q(rv2, "www.example.com")))
}

// onPrem is an on-premises DNS server for corp.example.
type onPrem struct{ queries int }

func (o *onPrem) Query(name string, qtype uint16, _ Source) Answer {
	o.queries++
	if name == "db.corp.example." {
		return Answer{Name: name, Type: qtype, TTL: 300, Addrs: addrs("172.16.0.9")}
	}
	return Answer{Name: name, Type: qtype, Rcode: dns.RcodeNameError, TTL: 60}
}

func TestResolverEndpointsAndRules(t *testing.T) {
	_, r := newService(t, 1)
	v := &StaticVPC{VPCID: "vpc-1", VPCRegion: "us-east-1", CIDR: netip.MustParsePrefix("10.0.0.0/16")}
	priv, err := r.CreateHostedZone(HostedZoneConfig{Name: "aws.internal", PrivateZone: true, VPC: v})
	require.NoError(t, err)
	mustChange(t, r, priv, a("app.aws.internal", 60, "10.0.3.3"))

	dc := &onPrem{}
	r.RegisterNameserver(netip.MustParseAddr("172.16.0.2"), dc)
	out, err := r.CreateResolverEndpoint(ResolverEndpointConfig{Name: "out", Direction: "OUTBOUND", VPC: v, IPAddresses: addrs("10.0.0.20", "10.0.1.20")})
	require.NoError(t, err)
	in, err := r.CreateResolverEndpoint(ResolverEndpointConfig{Name: "in", Direction: "INBOUND", VPC: v, IPAddresses: addrs("10.0.0.30", "10.0.1.30")})
	require.NoError(t, err)
	_, err = r.CreateResolverEndpoint(ResolverEndpointConfig{Name: "one", Direction: "INBOUND", VPC: v, IPAddresses: addrs("10.0.0.40")})
	assert.ErrorIs(t, err, ErrInvalidConfig, "at least 2 IPs")

	fwd, err := r.CreateResolverRule(ResolverRuleConfig{Name: "corp", DomainName: "corp.example", RuleType: "FORWARD",
		TargetIps: addrs("172.16.0.2"), ResolverEndpointId: out.ID()})
	require.NoError(t, err)
	sys, err := r.CreateResolverRule(ResolverRuleConfig{Name: "public-part", DomainName: "www.corp.example", RuleType: "SYSTEM"})
	require.NoError(t, err)
	require.NoError(t, r.AssociateResolverRule(fwd.ID(), v))
	require.NoError(t, r.AssociateResolverRule(sys.ID(), v))

	rv, err := r.VPCResolver(v)
	require.NoError(t, err)
	ans, _ := rv.Resolve("db.corp.example", dns.TypeA)
	assert.Equal(t, "172.16.0.9", first(ans), "forwarded on-premises")
	assert.Equal(t, uint64(1), out.Queries())
	ans, _ = rv.Resolve("www.corp.example", dns.TypeA)
	assert.Equal(t, dns.RcodeNameError, ans.Rcode)
	assert.Equal(t, 1, dc.queries, "the SYSTEM rule keeps www.corp.example off the forwarder")

	// On-premises resolvers reach the private zone through the inbound endpoint.
	site, err := r.NewResolver(ResolverConfig{Name: "dc-resolver", Upstream: in})
	require.NoError(t, err)
	ans, _ = site.Resolve("app.aws.internal", dns.TypeA)
	assert.Equal(t, "10.0.3.3", first(ans))
	assert.Equal(t, uint64(1), in.Queries())

	out.Delete()
	rv.Flush()
	ans, _ = rv.Resolve("db.corp.example", dns.TypeA)
	assert.Equal(t, dns.RcodeServerFailure, ans.Rcode, "no outbound endpoint, no forwarding")
}

func TestForwarder(t *testing.T) {
	s, r := newService(t, 1)
	z := newZone(t, r, "example.com")
	mustChange(t, r, z, a("www.example.com", 60, "192.0.2.1"), a("void.example.com", 60, "192.0.2.77"))
	r.RegisterEndpoint(netip.MustParseAddr("192.0.2.1"), sim.HandlerFunc(func(_ *sim.Request, reply func(sim.Response)) {
		s.After(20*time.Millisecond, func() { reply(sim.Response{Status: 200, From: "web"}) })
	}))
	_, err := r.NewResolver(ResolverConfig{Name: "isp", Location: from(t, "US", "").Location})
	require.NoError(t, err)
	f := r.NewForwarder(ForwarderConfig{})
	type result struct {
		status int
		reason string
		took   time.Duration
	}
	var got []result
	send := func(host, resolver string) {
		s.Send(f, &sim.Request{Host: host, Method: "GET", Path: "/", Client: sim.Client{Resolver: resolver}}, func(req *sim.Request, resp sim.Response) {
			got = append(got, result{resp.Status, resp.Reason, s.Now().Sub(req.Start)})
		})
		s.RunFor(time.Second)
	}
	send("www.example.com", "isp")
	send("www.example.com:443", "isp")
	send("nope.example.com", "isp")
	send("void.example.com", "isp")
	send("www.example.com", "")
	miss := DefaultClientRTT + r.nearestEdgeRTT(from(t, "US", "").Location)
	assert.Equal(t, []result{
		{200, "", miss + 20*time.Millisecond},
		{200, "", DefaultClientRTT + 20*time.Millisecond},
		{0, "NXDOMAIN", miss},
		{0, "HostUnreachable", miss},
		{0, "NoResolver", 0},
	}, got)
	require.NoError(t, s.Requests().Check())
	assert.Equal(t, uint64(5), s.Requests().Generated())
	assert.Equal(t, uint64(3), s.Requests().Failed())
}

func TestRegisterResourceAndFQDNCheck(t *testing.T) {
	s, r := newService(t, 1)
	z := newZone(t, r, "example.com")
	up := true
	lb := sim.HandlerFunc(func(_ *sim.Request, reply func(sim.Response)) { reply(sim.Response{Status: 200, From: "lb"}) })
	res := &Resource{Name: "web-0123456789.us-east-1.elb.amazonaws.com", IPs: addrs("192.0.2.5", "192.0.2.6"), Health: func() bool { return up }}
	require.NoError(t, r.RegisterResource(res, lb))
	mustChange(t, r, z, ResourceRecordSet{Name: "example.com", Type: "A", AliasTarget: &AliasTarget{DNSName: res.Name, EvaluateTargetHealth: true}})
	_, err := r.NewResolver(ResolverConfig{Name: "isp"})
	require.NoError(t, err)
	var got sim.Response
	s.Send(r.NewForwarder(ForwarderConfig{}), &sim.Request{Host: "example.com", Client: sim.Client{Resolver: "isp"}}, func(_ *sim.Request, resp sim.Response) { got = resp })
	s.RunFor(time.Second)
	assert.Equal(t, "lb", got.From)

	// A check by name resolves it at every interval; no A record fails.
	hc, err := r.CreateHealthCheck(HealthCheckConfig{Type: CheckHTTP, FullyQualifiedDomainName: "example.com", RequestInterval: 10, FailureThreshold: 1})
	require.NoError(t, err)
	gone, err := r.CreateHealthCheck(HealthCheckConfig{Type: CheckHTTP, FullyQualifiedDomainName: "gone.example.com", RequestInterval: 10, FailureThreshold: 1})
	require.NoError(t, err)
	s.RunFor(time.Minute)
	assert.True(t, hc.Healthy())
	assert.False(t, gone.Healthy())
}

func TestResolverForPool(t *testing.T) {
	_, r := newService(t, 1)
	pool, err := r.NewResolverPool(ResolverPoolConfig{Name: "isp-de", Count: 4})
	require.NoError(t, err)
	for id := uint64(0); id < 8; id++ {
		rv, ok := r.ResolverFor(sim.Client{ID: id, Resolver: "isp-de"})
		require.True(t, ok)
		assert.Same(t, pool[id%4], rv, "client %d keeps its resolver", id)
	}
	rv, ok := r.ResolverFor(sim.Client{ID: 3, Resolver: "isp-de-1"})
	require.True(t, ok)
	assert.Same(t, pool[1], rv, "a resolver by its own name")
	_, ok = r.ResolverFor(sim.Client{Resolver: "nope"})
	assert.False(t, ok)
}

func TestClientSubnet(t *testing.T) {
	_, r := newService(t, 1)
	z := newZone(t, r, "example.com")
	for _, rec := range []struct{ id, cc, ip string }{{"de", "DE", "192.0.2.1"}, {"jp", "JP", "192.0.2.2"}, {"def", "*", "192.0.2.9"}} {
		mustChange(t, r, z, ResourceRecordSet{Name: "geo.example.com", Type: "A", SetIdentifier: rec.id, GeoLocation: &GeoLocation{CountryCode: rec.cc}, TTL: 60, ResourceRecords: []string{rec.ip}})
	}
	// A public resolver in the US serving clients worldwide.
	us := from(t, "US", "")
	plain, err := r.NewResolver(ResolverConfig{Name: "anycast", Location: us.Location, Country: "US"})
	require.NoError(t, err)
	ecs, err := r.NewResolver(ResolverConfig{Name: "anycast-ecs", Location: us.Location, Country: "US", ClientSubnet: true})
	require.NoError(t, err)
	de := sim.Client{IP: netip.MustParseAddr("198.51.100.7"), Country: "DE"}
	jp := sim.Client{IP: netip.MustParseAddr("203.0.113.7"), Country: "JP"}
	jp2 := sim.Client{IP: netip.MustParseAddr("203.0.113.99"), Country: "JP"}
	q := func(rv *Resolver, c sim.Client) string {
		a, _ := rv.ResolveFor(c, "geo.example.com.", dns.TypeA)
		return first(a)
	}
	assert.Equal(t, "192.0.2.9", q(plain, de), "without ECS the resolver's own location decides")
	assert.Equal(t, "192.0.2.9", q(plain, jp))
	assert.Equal(t, "192.0.2.1", q(ecs, de))
	assert.Equal(t, "192.0.2.2", q(ecs, jp))
	assert.Equal(t, "192.0.2.2", q(ecs, jp2))
	assert.Equal(t, uint64(1), ecs.Hits(), "one cache entry per /24")
	assert.Equal(t, uint64(2), ecs.Misses())
}
