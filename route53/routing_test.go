package route53

import (
	"fmt"
	"math"
	"net/netip"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/nimbus-sim/nimbus/geo"
	"github.com/nimbus-sim/nimbus/sim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/stat/distuv"
)

// alarms is an AlarmStates whose states tests set.
type alarms map[string]string

func (a alarms) AlarmState(_, name string) (string, bool) {
	s, ok := a[name]
	return s, ok
}

// healthRig gives records CLOUDWATCH_METRIC checks whose health tests flip.
type healthRig struct {
	s      *sim.Sim
	r      *Route53
	alarms alarms
	ids    map[string]string
}

func newHealthRig(t *testing.T, seed uint64) *healthRig {
	s := sim.New(sim.Config{Seed: seed})
	al := alarms{}
	r, err := New(s, Config{Alarms: al})
	require.NoError(t, err)
	return &healthRig{s: s, r: r, alarms: al, ids: map[string]string{}}
}

// check returns the ID of the check named n, creating it healthy.
func (h *healthRig) check(t *testing.T, n string) string {
	if id, ok := h.ids[n]; ok {
		return id
	}
	h.alarms[n] = "OK"
	hc, err := h.r.CreateHealthCheck(HealthCheckConfig{Name: n, Type: CheckCloudWatchMetric, AlarmIdentifier: &AlarmIdentifier{Region: "us-east-1", Name: n}})
	require.NoError(t, err)
	h.ids[n] = hc.ID()
	return hc.ID()
}

// set flips checks and lets them observe it.
func (h *healthRig) set(healthy bool, names ...string) {
	for _, n := range names {
		h.alarms[n] = map[bool]string{true: "OK", false: "ALARM"}[healthy]
	}
	h.s.RunFor(h.r.cfg.AlarmPollInterval)
}

// counts queries n times and tallies the first address.
func counts(r *Route53, name string, n int, src Source) map[string]int {
	out := map[string]int{}
	for i := 0; i < n; i++ {
		out[first(r.Query(name, dns.TypeA, src))]++
	}
	return out
}

func weighted(id string, w int64, ip, check string) ResourceRecordSet {
	return ResourceRecordSet{Name: "w.example.com", Type: "A", SetIdentifier: id, Weight: Weight(w), TTL: 60, ResourceRecords: []string{ip}, HealthCheckId: check}
}

// chiSquare returns the statistic of observed counts against expected
// shares, and the 99.9 % critical value for len(shares)−1 degrees of
// freedom.
func chiSquare(obs map[string]int, shares map[string]float64, n int) (stat, crit float64) {
	for k, p := range shares {
		e := p * float64(n)
		d := float64(obs[k]) - e
		stat += d * d / e
	}
	return stat, distuv.ChiSquared{K: float64(len(shares) - 1)}.Quantile(0.999)
}

func TestWeightedShares(t *testing.T) {
	h := newHealthRig(t, 7)
	z := newZone(t, h.r, "example.com")
	mustChange(t, h.r, z,
		weighted("a", 10, "192.0.2.1", h.check(t, "a")),
		weighted("b", 30, "192.0.2.2", h.check(t, "b")),
		weighted("c", 60, "192.0.2.3", h.check(t, "c")),
		weighted("z1", 0, "192.0.2.101", h.check(t, "z1")),
		weighted("z2", 0, "192.0.2.102", h.check(t, "z2")),
	)
	const n = 30000
	obs := counts(h.r, "w.example.com", n, Source{})
	stat, crit := chiSquare(obs, map[string]float64{"192.0.2.1": 0.1, "192.0.2.2": 0.3, "192.0.2.3": 0.6}, n)
	assert.Less(t, stat, crit, "shares %v do not match weights 10:30:60", obs)
	assert.Zero(t, obs["192.0.2.101"]+obs["192.0.2.102"], "weight-0 records answered while nonzero ones are healthy")

	// An unhealthy record drops out; the others keep their ratio.
	h.set(false, "c")
	obs = counts(h.r, "w.example.com", n, Source{})
	stat, crit = chiSquare(obs, map[string]float64{"192.0.2.1": 0.25, "192.0.2.2": 0.75}, n)
	assert.Less(t, stat, crit, "%v", obs)

	// All nonzero unhealthy: the zero-weight records, with equal shares.
	h.set(false, "a", "b")
	obs = counts(h.r, "w.example.com", n, Source{})
	stat, crit = chiSquare(obs, map[string]float64{"192.0.2.101": 0.5, "192.0.2.102": 0.5}, n)
	assert.Less(t, stat, crit, "%v", obs)

	// Everything unhealthy: as if all were healthy, by weight again.
	h.set(false, "z1", "z2")
	obs = counts(h.r, "w.example.com", n, Source{})
	stat, crit = chiSquare(obs, map[string]float64{"192.0.2.1": 0.1, "192.0.2.2": 0.3, "192.0.2.3": 0.6}, n)
	assert.Less(t, stat, crit, "%v", obs)
	assert.Zero(t, obs["192.0.2.101"]+obs["192.0.2.102"])
}

// TestAnswerStreamsPerRecord: each record group draws from its own
// stream, so queries for (and changes to) other records never shift its
// answers.
func TestAnswerStreamsPerRecord(t *testing.T) {
	answers := func(interleave bool) []string {
		_, r := newService(t, 9)
		z := newZone(t, r, "example.com")
		mustChange(t, r, z, weighted("a", 1, "192.0.2.1", ""), weighted("b", 1, "192.0.2.2", ""))
		other := func(id, ip string) ResourceRecordSet {
			rs := weighted(id, 1, ip, "")
			rs.Name = "v.example.com"
			return rs
		}
		mustChange(t, r, z, other("x", "198.51.100.1"), other("y", "198.51.100.2"))
		var out []string
		for i := range 200 {
			if interleave && i%3 == 0 {
				r.Query("v.example.com", dns.TypeA, Source{})
			}
			if interleave && i == 100 {
				mustChange(t, r, z, other("z", "198.51.100.3"))
			}
			out = append(out, first(r.Query("w.example.com", dns.TypeA, Source{})))
		}
		return out
	}
	plain := answers(false)
	assert.Equal(t, plain, answers(true))
	assert.Contains(t, plain, "192.0.2.1")
	assert.Contains(t, plain, "192.0.2.2")
}

func TestWeightedAllZero(t *testing.T) {
	_, r := newService(t, 3)
	z := newZone(t, r, "example.com")
	mustChange(t, r, z, weighted("a", 0, "192.0.2.1", ""), weighted("b", 0, "192.0.2.2", ""), weighted("c", 0, "192.0.2.3", ""))
	const n = 30000
	obs := counts(r, "w.example.com", n, Source{})
	stat, crit := chiSquare(obs, map[string]float64{"192.0.2.1": 1.0 / 3, "192.0.2.2": 1.0 / 3, "192.0.2.3": 1.0 / 3}, n)
	assert.Less(t, stat, crit, "%v", obs)
}

func TestGeolocationPrecedence(t *testing.T) {
	h := newHealthRig(t, 1)
	z := newZone(t, h.r, "example.com")
	geoRec := func(id, ip string, g GeoLocation) ResourceRecordSet {
		return ResourceRecordSet{Name: "geo.example.com", Type: "A", SetIdentifier: id, GeoLocation: &g, TTL: 60,
			ResourceRecords: []string{ip}, HealthCheckId: h.check(t, id)}
	}
	mustChange(t, h.r, z,
		geoRec("default", "192.0.2.1", GeoLocation{CountryCode: "*"}),
		geoRec("europe", "192.0.2.2", GeoLocation{ContinentCode: "EU"}),
		geoRec("us", "192.0.2.3", GeoLocation{CountryCode: "US"}),
		geoRec("us-ca", "192.0.2.4", GeoLocation{CountryCode: "US", SubdivisionCode: "CA"}),
		geoRec("de", "192.0.2.5", GeoLocation{CountryCode: "DE"}),
	)
	cases := []struct {
		country, sub, want string
	}{
		{"US", "CA", "192.0.2.4"}, // subdivision beats country
		{"US", "NY", "192.0.2.3"}, // no NY record: the country
		{"US", "", "192.0.2.3"},   // US IP without a state mapping
		{"DE", "", "192.0.2.5"},   // country beats continent
		{"FR", "", "192.0.2.2"},   // continent
		{"JP", "", "192.0.2.1"},   // default
		{"", "", "192.0.2.1"},     // unknown location: default
	}
	for _, c := range cases {
		src := Source{Country: c.country, Subdivision: c.sub}
		assert.Equal(t, c.want, first(h.r.Query("geo.example.com", dns.TypeA, src)), "%s-%s", c.country, c.sub)
	}
	// Unhealthy records walk up the chain: CA → US → continent → default.
	h.set(false, "us-ca")
	assert.Equal(t, "192.0.2.3", first(h.r.Query("geo.example.com", dns.TypeA, Source{Country: "US", Subdivision: "CA"})))
	h.set(false, "us")
	assert.Equal(t, "192.0.2.1", first(h.r.Query("geo.example.com", dns.TypeA, Source{Country: "US", Subdivision: "CA"})), "US has no continent record here: default")
	h.set(false, "de")
	assert.Equal(t, "192.0.2.2", first(h.r.Query("geo.example.com", dns.TypeA, Source{Country: "DE"})))
	// Everything unhealthy: the most specific match.
	h.set(false, "default", "europe")
	assert.Equal(t, "192.0.2.4", first(h.r.Query("geo.example.com", dns.TypeA, Source{Country: "US", Subdivision: "CA"})))
	assert.Equal(t, "192.0.2.5", first(h.r.Query("geo.example.com", dns.TypeA, Source{Country: "DE"})))

	// Without a default record, an unmatched location gets NOERROR/NODATA.
	mustChange(t, h.r, z, ResourceRecordSet{Name: "nodef.example.com", Type: "A", SetIdentifier: "de",
		GeoLocation: &GeoLocation{CountryCode: "DE"}, TTL: 60, ResourceRecords: []string{"192.0.2.9"}})
	ans := h.r.Query("nodef.example.com", dns.TypeA, Source{Country: "JP"})
	assert.True(t, ans.NoData(), "%+v", ans)
}

func TestLatencyRouting(t *testing.T) {
	h := newHealthRig(t, 1)
	z := newZone(t, h.r, "example.com")
	regions := map[string]string{"us-east-1": "192.0.2.1", "eu-central-1": "192.0.2.2", "ap-northeast-1": "192.0.2.3", "sa-east-1": "192.0.2.4"}
	for _, reg := range []string{"ap-northeast-1", "eu-central-1", "sa-east-1", "us-east-1"} {
		mustChange(t, h.r, z, ResourceRecordSet{Name: "lat.example.com", Type: "A", SetIdentifier: reg, Region: reg, TTL: 60,
			ResourceRecords: []string{regions[reg]}, HealthCheckId: h.check(t, reg)})
	}
	cases := map[string]string{"US": "us-east-1", "CA": "us-east-1", "DE": "eu-central-1", "FR": "eu-central-1",
		"PL": "eu-central-1", "JP": "ap-northeast-1", "KR": "ap-northeast-1", "BR": "sa-east-1", "AR": "sa-east-1"}
	for _, country := range []string{"AR", "BR", "CA", "DE", "FR", "JP", "KR", "PL", "US"} {
		src := from(t, country, "")
		ans := h.r.Query("lat.example.com", dns.TypeA, src)
		want := cases[country]
		assert.Equal(t, regions[want], first(ans), country)
		// The answer really is the lowest-RTT region by the latency model.
		best := ""
		for reg := range regions {
			p, _ := regionPoint(reg)
			q, _ := regionPoint(best)
			if best == "" || h.r.lat.RTT(src.Location, p) < h.r.lat.RTT(src.Location, q) {
				best = reg
			}
		}
		assert.Equal(t, want, best, country)
	}
	// The nearest region unhealthy: the next-nearest answers.
	h.set(false, "eu-central-1")
	assert.NotEqual(t, regions["eu-central-1"], first(h.r.Query("lat.example.com", dns.TypeA, from(t, "DE", ""))))
	assert.Equal(t, uint64(0), z.QueryCount("AAAA"))
	assert.Equal(t, uint64(len(cases)+1), z.QueryCount("A"))
	// A source without a usable location (NaN) gets a healthy record, not
	// a panic.
	nan := h.r.Query("lat.example.com", dns.TypeA, Source{Location: geo.Point{Lat: math.NaN(), Lon: math.NaN()}})
	require.Len(t, nan.Addrs, 1)
	assert.NotEqual(t, regions["eu-central-1"], first(nan))
}

func TestFailoverPolicy(t *testing.T) {
	h := newHealthRig(t, 1)
	z := newZone(t, h.r, "example.com")
	mustChange(t, h.r, z,
		ResourceRecordSet{Name: "f.example.com", Type: "A", SetIdentifier: "p", Failover: "PRIMARY", TTL: 60, ResourceRecords: []string{"192.0.2.1"}, HealthCheckId: h.check(t, "p")},
		ResourceRecordSet{Name: "f.example.com", Type: "A", SetIdentifier: "s", Failover: "SECONDARY", TTL: 60, ResourceRecords: []string{"192.0.2.2"}, HealthCheckId: h.check(t, "s")},
		ResourceRecordSet{Name: "g.example.com", Type: "A", SetIdentifier: "p", Failover: "PRIMARY", TTL: 60, ResourceRecords: []string{"192.0.2.1"}, HealthCheckId: h.check(t, "p")},
		ResourceRecordSet{Name: "g.example.com", Type: "A", SetIdentifier: "s", Failover: "SECONDARY", TTL: 60, ResourceRecords: []string{"192.0.2.2"}},
	)
	q := func(n string) string { return first(h.r.Query(n, dns.TypeA, Source{})) }
	assert.Equal(t, "192.0.2.1", q("f.example.com"))
	h.set(false, "p")
	assert.Equal(t, "192.0.2.2", q("f.example.com"))
	h.set(false, "s")
	assert.Equal(t, "192.0.2.1", q("f.example.com"), "both unhealthy: the primary")
	assert.Equal(t, "192.0.2.2", q("g.example.com"), "a secondary without a check counts as healthy")
}

func TestMultivalue(t *testing.T) {
	h := newHealthRig(t, 5)
	z := newZone(t, h.r, "example.com")
	for i := 0; i < 12; i++ {
		id := fmt.Sprintf("m%02d", i)
		mustChange(t, h.r, z, ResourceRecordSet{Name: "mv.example.com", Type: "A", SetIdentifier: id, MultiValueAnswer: true, TTL: 60,
			ResourceRecords: []string{fmt.Sprintf("192.0.2.%d", i+1)}, HealthCheckId: h.check(t, id)})
	}
	seen := map[netip.Addr]int{}
	for i := 0; i < 200; i++ {
		ans := h.r.Query("mv.example.com", dns.TypeA, Source{})
		require.Len(t, ans.Addrs, 8)
		uniq := map[netip.Addr]bool{}
		for _, a := range ans.Addrs {
			uniq[a] = true
			seen[a]++
		}
		assert.Len(t, uniq, 8)
	}
	assert.Len(t, seen, 12, "different answers hold different sets")
	var down []string
	for i := 0; i < 5; i++ {
		down = append(down, fmt.Sprintf("m%02d", i))
	}
	h.set(false, down...)
	ans := h.r.Query("mv.example.com", dns.TypeA, Source{})
	require.Len(t, ans.Addrs, 7, "7 healthy ≤ 8: all of them")
	for _, a := range ans.Addrs {
		assert.Greater(t, a.As4()[3], byte(5), "unhealthy %v returned", a)
	}
	for i := 5; i < 12; i++ {
		down = append(down, fmt.Sprintf("m%02d", i))
	}
	h.set(false, down...)
	assert.Len(t, h.r.Query("mv.example.com", dns.TypeA, Source{}).Addrs, 8, "all unhealthy: up to 8 unhealthy records")
}

func TestIPBasedRouting(t *testing.T) {
	h := newHealthRig(t, 1)
	z := newZone(t, h.r, "example.com")
	col, err := h.r.CreateCidrCollection("offices")
	require.NoError(t, err)
	require.NoError(t, h.r.ChangeCidrCollection(col.ID(), []CidrCollectionChange{
		{Action: "PUT", LocationName: "dc", CidrList: []string{"198.51.0.0/16"}},
		{Action: "PUT", LocationName: "dc-core", CidrList: []string{"198.51.100.0/24"}},
		{Action: "PUT", LocationName: "office", CidrList: []string{"203.0.113.0/24", "2001:db8::/48"}},
	}))
	assert.ErrorIs(t, h.r.ChangeCidrCollection(col.ID(), []CidrCollectionChange{{Action: "PUT", LocationName: "x", CidrList: []string{"10.0.0.0/25"}}}), ErrInvalidInput)
	ipRec := func(id, loc, ip string) ResourceRecordSet {
		return ResourceRecordSet{Name: "ip.example.com", Type: "A", SetIdentifier: id, TTL: 60, ResourceRecords: []string{ip},
			CidrRoutingConfig: &CidrRoutingConfig{CollectionId: col.ID(), LocationName: loc}, HealthCheckId: h.check(t, id)}
	}
	mustChange(t, h.r, z, ipRec("dc", "dc", "192.0.2.1"), ipRec("core", "dc-core", "192.0.2.2"), ipRec("office", "office", "192.0.2.3"), ipRec("def", "*", "192.0.2.9"))
	cases := map[string]string{"198.51.7.7": "192.0.2.1", "198.51.100.7": "192.0.2.2", "203.0.113.200": "192.0.2.3", "2001:db8::5": "192.0.2.3", "8.8.8.8": "192.0.2.9"}
	for ip, want := range cases {
		assert.Equal(t, want, first(h.r.Query("ip.example.com", dns.TypeA, Source{IP: netip.MustParseAddr(ip)})), ip)
	}
	h.set(false, "core")
	assert.Equal(t, "192.0.2.9", first(h.r.Query("ip.example.com", dns.TypeA, Source{IP: netip.MustParseAddr("198.51.100.7")})), "unhealthy match: the default")
}

func TestGeoproximityBias(t *testing.T) {
	_, r := newService(t, 1)
	z := newZone(t, r, "example.com")
	// A point in Ireland: nearer eu-west-1 (Dublin) than eu-central-1.
	p := geo.Point{Lat: 52.5, Lon: -8}
	us, _ := regionPoint("eu-west-1")
	eu, _ := regionPoint("eu-central-1")
	dUS, dEU := geo.DistanceKm(p, us), geo.DistanceKm(p, eu)
	require.Less(t, dUS, dEU)
	rec := func(id, region, ip string, bias int64) ResourceRecordSet {
		return ResourceRecordSet{Name: "gp.example.com", Type: "A", SetIdentifier: id, TTL: 60, ResourceRecords: []string{ip},
			GeoProximityLocation: &GeoProximityLocation{AWSRegion: region, Bias: bias}}
	}
	mustChange(t, r, z, rec("dub", "eu-west-1", "192.0.2.1", 0), rec("fra", "eu-central-1", "192.0.2.2", 0))
	assert.Equal(t, "192.0.2.1", first(r.Query("gp.example.com", dns.TypeA, Source{Location: p})))
	// Positive bias b scales distance by (1 − b/100): pick b so that
	// Frankfurt's biased distance drops below Dublin's.
	b := int64(100*(1-dUS/dEU)) + 1
	_, err := r.ChangeResourceRecordSets(z.ID(), []Change{{"UPSERT", rec("fra", "eu-central-1", "192.0.2.2", b)}})
	require.NoError(t, err)
	assert.Equal(t, "192.0.2.2", first(r.Query("gp.example.com", dns.TypeA, Source{Location: p})), "bias %d", b)
	_, err = r.ChangeResourceRecordSets(z.ID(), []Change{{"UPSERT", rec("fra", "eu-central-1", "192.0.2.2", b-2)}})
	require.NoError(t, err)
	assert.Equal(t, "192.0.2.1", first(r.Query("gp.example.com", dns.TypeA, Source{Location: p})), "bias %d", b-2)
	// A negative bias divides by (1 + b/100): −50 doubles Dublin's distance.
	_, err = r.ChangeResourceRecordSets(z.ID(), []Change{
		{"UPSERT", rec("fra", "eu-central-1", "192.0.2.2", 0)}, {"UPSERT", rec("dub", "eu-west-1", "192.0.2.1", -50)}})
	require.NoError(t, err)
	assert.Equal(t, dEU < 2*dUS, first(r.Query("gp.example.com", dns.TypeA, Source{Location: p})) == "192.0.2.2")
	// A source without a usable location (NaN) still gets an answer.
	assert.NotEmpty(t, first(r.Query("gp.example.com", dns.TypeA, Source{Location: geo.Point{Lat: math.NaN(), Lon: 0}})))
	// Not in private zones.
	v := &StaticVPC{VPCID: "vpc-1", VPCRegion: "us-east-1", CIDR: netip.MustParsePrefix("10.0.0.0/16")}
	pz, err := r.CreateHostedZone(HostedZoneConfig{Name: "corp.internal", PrivateZone: true, VPC: v})
	require.NoError(t, err)
	_, err = r.ChangeResourceRecordSets(pz.ID(), []Change{{"CREATE", ResourceRecordSet{Name: "gp.corp.internal", Type: "A", SetIdentifier: "x", TTL: 60,
		ResourceRecords: []string{"10.0.0.5"}, GeoProximityLocation: &GeoProximityLocation{AWSRegion: "us-east-1"}}}})
	assert.ErrorContains(t, err, "geoproximity routing is not supported in private hosted zones")
}

func TestEvaluateTargetHealth(t *testing.T) {
	s, r := newService(t, 1)
	z := newZone(t, r, "example.com")
	lbA := &target{name: "a.elb.amazonaws.com", addrs: addrs("192.0.2.1"), healthy: true}
	lbB := &target{name: "b.elb.amazonaws.com", addrs: addrs("192.0.2.2"), healthy: true}
	mustChange(t, r, z,
		ResourceRecordSet{Name: "app.example.com", Type: "A", SetIdentifier: "a", Failover: "PRIMARY", AliasTarget: &AliasTarget{Resource: lbA, EvaluateTargetHealth: true}},
		ResourceRecordSet{Name: "app.example.com", Type: "A", SetIdentifier: "b", Failover: "SECONDARY", AliasTarget: &AliasTarget{Resource: lbB, EvaluateTargetHealth: true}},
		ResourceRecordSet{Name: "top.example.com", Type: "A", SetIdentifier: "x", Weight: Weight(1), AliasTarget: &AliasTarget{DNSName: "app.example.com", EvaluateTargetHealth: true}},
		ResourceRecordSet{Name: "top.example.com", Type: "A", SetIdentifier: "y", Weight: Weight(0), TTL: 60, ResourceRecords: []string{"192.0.2.99"}},
	)
	assert.Equal(t, "192.0.2.1", first(r.Query("app.example.com", dns.TypeA, Source{})))
	lbA.healthy = false
	assert.Equal(t, "192.0.2.2", first(r.Query("app.example.com", dns.TypeA, Source{})), "no check needed: the target's health")
	assert.Equal(t, "192.0.2.2", first(r.Query("top.example.com", dns.TypeA, Source{})), "an alias to a record group is healthy while one record is")
	lbB.healthy = false
	assert.Equal(t, "192.0.2.99", first(r.Query("top.example.com", dns.TypeA, Source{})), "whole group unhealthy: the zero-weight record")
	s.RunFor(time.Second)
}
