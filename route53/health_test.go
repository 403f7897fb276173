package route53

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/nimbus-sim/nimbus/billing"
	"github.com/nimbus-sim/nimbus/cloudwatch"
	"github.com/nimbus-sim/nimbus/sim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dropper answers 200 while up and never replies while down (a dead host:
// the probe times out).
type dropper struct{ up bool }

func (d *dropper) Serve(_ *sim.Request, reply func(sim.Response)) {
	if d.up {
		reply(sim.Response{Status: 200})
	}
}

// failoverRig is a failover pair with an HTTP check on the primary.
type failoverRig struct {
	s       *sim.Sim
	r       *Route53
	z       *HostedZone
	hc      *HealthCheck
	primary *switchable
}

var (
	primaryIP   = netip.MustParseAddr("192.0.2.10")
	secondaryIP = netip.MustParseAddr("198.51.100.10")
)

func newFailoverRig(t *testing.T, seed uint64, interval, threshold int, ttl int64, endpoint sim.Handler) *failoverRig {
	s := sim.New(sim.Config{Seed: seed})
	r, err := New(s, Config{})
	require.NoError(t, err)
	f := &failoverRig{s: s, r: r, primary: &switchable{up: true}}
	if endpoint == nil {
		endpoint = f.primary
	}
	r.RegisterEndpoint(primaryIP, endpoint)
	r.RegisterEndpoint(secondaryIP, &switchable{up: true})
	f.hc, err = r.CreateHealthCheck(HealthCheckConfig{Name: "primary", Type: CheckHTTP, IPAddress: primaryIP,
		FullyQualifiedDomainName: "www.example.com", RequestInterval: interval, FailureThreshold: threshold})
	require.NoError(t, err)
	f.z = newZone(t, r, "example.com")
	mustChange(t, r, f.z,
		ResourceRecordSet{Name: "www.example.com", Type: "A", SetIdentifier: "primary", Failover: "PRIMARY", TTL: ttl,
			ResourceRecords: []string{primaryIP.String()}, HealthCheckId: f.hc.ID()},
		ResourceRecordSet{Name: "www.example.com", Type: "A", SetIdentifier: "secondary", Failover: "SECONDARY", TTL: ttl,
			ResourceRecords: []string{secondaryIP.String()}})
	return f
}

func TestHealthCheckValidation(t *testing.T) {
	_, r := newService(t, 1)
	ip := netip.MustParseAddr("192.0.2.1")
	bad := []HealthCheckConfig{
		{Name: "interval", Type: CheckHTTP, IPAddress: ip, RequestInterval: 20},
		{Name: "threshold", Type: CheckHTTP, IPAddress: ip, FailureThreshold: 11},
		{Name: "noendpoint", Type: CheckHTTP},
		{Name: "strmatch", Type: CheckHTTPStrMatch, IPAddress: ip},
		{Name: "regions", Type: CheckTCP, IPAddress: ip, Regions: []string{"us-east-1", "eu-west-1"}},
		{Name: "type", Type: "PING", IPAddress: ip},
		{Name: "alarm", Type: CheckCloudWatchMetric},
		{Name: "calc", Type: CheckCalculated, HealthThreshold: 300},
	}
	for _, c := range bad {
		_, err := r.CreateHealthCheck(c)
		require.ErrorIs(t, err, ErrInvalidConfig, c.Name)
		assert.Contains(t, err.Error(), fmt.Sprintf("%q", c.Name))
	}
	_, err := r.CreateHealthCheck(HealthCheckConfig{Name: "child", Type: CheckCalculated, ChildHealthChecks: []string{"nope"}})
	assert.ErrorIs(t, err, ErrNoSuchHealthCheck)
	hc, err := r.CreateHealthCheck(HealthCheckConfig{Type: CheckHTTPS, IPAddress: ip})
	require.NoError(t, err)
	c := hc.Config()
	assert.Equal(t, 30, c.RequestInterval)
	assert.Equal(t, 3, c.FailureThreshold)
	assert.Equal(t, 443, c.Port)
	assert.Len(t, hc.Observations(), DefaultCheckers)
}

// TestFailoverTiming bounds when the authoritative answer switches. Each
// checker needs FailureThreshold consecutive failed results, spaced by the
// interval plus the probe's own duration; the check turns unhealthy when
// no more than 18 % of the 15 checkers (2) still say healthy, so at the
// 13th checker's flip. With phases uniform in one period that lies within
// [(threshold−1)·period + d, threshold·period + d], d being the probe
// duration (0 for a fast 503, the 6 s HTTP timeout for a dead host).
func TestFailoverTiming(t *testing.T) {
	const failAt = 300 * time.Second
	for _, tc := range []struct {
		interval, threshold int
		dead                bool
	}{{30, 3, false}, {10, 3, false}, {10, 1, false}, {30, 5, false}, {30, 3, true}, {10, 2, true}} {
		t.Run(fmt.Sprintf("interval=%d/threshold=%d/dead=%t", tc.interval, tc.threshold, tc.dead), func(t *testing.T) {
			d := &dropper{up: true}
			var ep sim.Handler
			if tc.dead {
				ep = d
			}
			f := newFailoverRig(t, 11, tc.interval, tc.threshold, 60, ep)
			f.s.RunUntil(sim.Time(failAt))
			require.True(t, f.hc.Healthy())
			require.Equal(t, primaryIP, f.r.Query("www.example.com", dns.TypeA, Source{}).Addrs[0])
			f.primary.up, d.up = false, false
			var switched sim.Time
			f.s.Every(sim.Time(failAt), 100*time.Millisecond, func(now sim.Time) {
				if switched == 0 && f.r.Query("www.example.com", dns.TypeA, Source{}).Addrs[0] == secondaryIP {
					switched = now
				}
			})
			f.s.RunFor(10 * time.Minute)
			require.NotZero(t, switched, "never switched")
			tr := f.hc.Transitions()
			require.Len(t, tr, 1)
			assert.False(t, tr[0].Healthy)
			assert.InDelta(t, tr[0].At.Seconds(), switched.Seconds(), 0.1, "answers follow the check at once")
			period := time.Duration(tc.interval) * time.Second
			var probe time.Duration
			if tc.dead {
				probe = httpTimeout
				period += httpTimeout
			}
			took := tr[0].At.Sub(sim.Time(failAt))
			t.Logf("unhealthy %v after the failure", took)
			lo := time.Duration(tc.threshold-1)*period + probe
			hi := time.Duration(tc.threshold)*period + probe
			assert.GreaterOrEqual(t, took, lo)
			assert.LessOrEqual(t, took, hi)
			assert.LessOrEqual(t, f.hc.PercentHealthy(), DefaultHealthyThresholdPercent)
		})
	}
}

// TestClientsFollowAfterTTL: a client asking every second through a
// caching resolver keeps getting the primary until its cached answer
// expires, at most TTL after the authoritative switch; a resolver that
// holds answers past the TTL lags by up to its hold as well.
func TestClientsFollowAfterTTL(t *testing.T) {
	const ttl = 60
	f := newFailoverRig(t, 5, 10, 3, ttl, nil)
	honest, err := f.r.NewResolver(ResolverConfig{Name: "isp", Location: from(t, "DE", "").Location})
	require.NoError(t, err)
	stale, err := f.r.NewResolver(ResolverConfig{Name: "old", Location: from(t, "DE", "").Location, HoldStale: 5 * time.Minute})
	require.NoError(t, err)
	last := map[string]sim.Time{}
	f.s.Every(0, time.Second, func(now sim.Time) {
		for _, rv := range []*Resolver{honest, stale} {
			if a, _ := rv.Resolve("www.example.com.", dns.TypeA); a.Addrs[0] == primaryIP {
				last[rv.Name()] = now
			}
		}
	})
	f.s.RunUntil(sim.Time(200 * time.Second))
	f.primary.up = false
	f.s.RunFor(15 * time.Minute)
	switched := f.hc.Transitions()[0].At
	assert.Greater(t, last["isp"], switched-sim.Time(time.Second), "the cache carried the primary past the switch")
	assert.LessOrEqual(t, last["isp"].Sub(switched), ttl*time.Second)
	assert.Greater(t, last["old"].Sub(switched), ttl*time.Second)
	assert.LessOrEqual(t, last["old"].Sub(switched), ttl*time.Second+5*time.Minute)
	assert.Greater(t, honest.Hits(), 50*honest.Misses(), "a 60 s TTL serves ~60 queries per miss")
}

func TestStringMatchAndTCP(t *testing.T) {
	s, r := newService(t, 1)
	body := "<html>status: ok</html>"
	ip := netip.MustParseAddr("192.0.2.7")
	r.RegisterEndpoint(ip, sim.HandlerFunc(func(_ *sim.Request, reply func(sim.Response)) {
		reply(sim.Response{Status: 200}.WithHeader(BodyHeader, body))
	}))
	match, err := r.CreateHealthCheck(HealthCheckConfig{Type: CheckHTTPStrMatch, IPAddress: ip, SearchString: "status: ok", FailureThreshold: 1, RequestInterval: 10})
	require.NoError(t, err)
	tcp, err := r.CreateHealthCheck(HealthCheckConfig{Type: CheckTCP, IPAddress: ip, FailureThreshold: 1, RequestInterval: 10})
	require.NoError(t, err)
	s.RunFor(time.Minute)
	assert.True(t, match.Healthy())
	body = "<html>status: degraded</html>"
	s.RunFor(time.Minute)
	assert.False(t, match.Healthy(), "search string gone")
	assert.True(t, tcp.Healthy(), "TCP only needs the connection")
	// Search only the first 5,120 bytes.
	body = string(make([]byte, strMatchWindow)) + "status: ok"
	s.RunFor(time.Minute)
	assert.False(t, match.Healthy())
}

func TestInvertedAndCalculated(t *testing.T) {
	s, r := newService(t, 1)
	up := map[string]*switchable{}
	var ids []string
	for i := 0; i < 3; i++ {
		ip := netip.AddrFrom4([4]byte{192, 0, 2, byte(i + 1)})
		h := &switchable{up: true}
		up[ip.String()] = h
		r.RegisterEndpoint(ip, h)
		hc, err := r.CreateHealthCheck(HealthCheckConfig{Type: CheckHTTP, IPAddress: ip, RequestInterval: 10, FailureThreshold: 1})
		require.NoError(t, err)
		ids = append(ids, hc.ID())
	}
	two, err := r.CreateHealthCheck(HealthCheckConfig{Type: CheckCalculated, ChildHealthChecks: ids, HealthThreshold: 2})
	require.NoError(t, err)
	all, err := r.CreateHealthCheck(HealthCheckConfig{Type: CheckCalculated, ChildHealthChecks: ids, HealthThreshold: 3})
	require.NoError(t, err)
	never, err := r.CreateHealthCheck(HealthCheckConfig{Type: CheckCalculated, ChildHealthChecks: ids, HealthThreshold: 4})
	require.NoError(t, err)
	inv, err := r.CreateHealthCheck(HealthCheckConfig{Type: CheckHTTP, IPAddress: netip.MustParseAddr("192.0.2.1"), Inverted: true, RequestInterval: 10, FailureThreshold: 1})
	require.NoError(t, err)
	assert.False(t, inv.Healthy(), "an inverted check starts unhealthy")
	s.RunFor(time.Minute)
	assert.True(t, two.Healthy())
	assert.True(t, all.Healthy())
	assert.False(t, never.Healthy(), "threshold above the number of children: always unhealthy")
	assert.False(t, inv.Healthy())
	up["192.0.2.1"].up = false
	s.RunFor(time.Minute)
	assert.True(t, two.Healthy())
	assert.False(t, all.Healthy())
	assert.True(t, inv.Healthy())
	up["192.0.2.2"].up = false
	s.RunFor(time.Minute)
	assert.False(t, two.Healthy())
	assert.ErrorIs(t, r.DeleteHealthCheck(ids[0]), ErrHealthCheckInUse)
}

func TestAlarmCheckFallback(t *testing.T) {
	for _, tc := range []struct {
		fallback string
		want     bool
	}{{"Healthy", true}, {"Unhealthy", false}, {"LastKnownStatus", false}, {"", false}} {
		s := sim.New(sim.Config{Seed: 1})
		al := alarms{"cpu": "ALARM"}
		r, err := New(s, Config{Alarms: al})
		require.NoError(t, err)
		hc, err := r.CreateHealthCheck(HealthCheckConfig{Type: CheckCloudWatchMetric, AlarmIdentifier: &AlarmIdentifier{Region: "us-east-1", Name: "cpu"},
			InsufficientDataHealthStatus: tc.fallback})
		require.NoError(t, err)
		s.RunFor(time.Minute)
		require.False(t, hc.Healthy())
		al["cpu"] = "INSUFFICIENT_DATA"
		s.RunFor(time.Minute)
		assert.Equal(t, tc.want, hc.Healthy(), tc.fallback)
		al["cpu"] = "OK"
		s.RunFor(time.Minute)
		assert.True(t, hc.Healthy())
	}
}

// metrics records published datums.
type metrics []cloudwatch.MetricDatum

func (m *metrics) Publish(ns string, d cloudwatch.MetricDatum) {
	if ns == "AWS/Route53" {
		*m = append(*m, d)
	}
}

func TestHealthCheckMetricsAndBilling(t *testing.T) {
	s := sim.New(sim.Config{Seed: 2})
	var pub metrics
	ledger := billing.NewLedger()
	r, err := New(s, Config{Metrics: &pub, Billing: ledger})
	require.NoError(t, err)
	h := &switchable{up: true}
	ip := netip.MustParseAddr("192.0.2.1")
	r.RegisterEndpoint(ip, h)
	hc, err := r.CreateHealthCheck(HealthCheckConfig{Type: CheckHTTP, IPAddress: ip, RequestInterval: 10})
	require.NoError(t, err)
	z := newZone(t, r, "example.com")
	mustChange(t, r, z, a("www.example.com", 60, "192.0.2.1"))
	for i := 0; i < 1000; i++ {
		r.Query("www.example.com", dns.TypeA, Source{})
	}
	s.RunFor(10 * time.Minute)
	h.up = false
	s.RunFor(50 * time.Minute)
	require.False(t, hc.Healthy())

	var status, pct []cloudwatch.MetricDatum
	for _, d := range pub {
		require.Equal(t, []cloudwatch.Dimension{{Name: "HealthCheckId", Value: hc.ID()}}, d.Dimensions)
		switch d.MetricName {
		case "HealthCheckStatus":
			status = append(status, d)
		case "HealthCheckPercentageHealthy":
			pct = append(pct, d)
		}
	}
	require.Len(t, status, 60, "one datapoint per minute")
	require.Len(t, pct, 60)
	assert.Equal(t, 1.0, status[5].StatisticValues.Maximum)
	assert.Equal(t, 100.0, pct[5].StatisticValues.Minimum)
	assert.Equal(t, 0.0, status[59].StatisticValues.Maximum)
	assert.Equal(t, 0.0, pct[59].StatisticValues.Maximum)
	// 15 checkers every ~10 s: about 90 results a minute.
	assert.InDelta(t, 90, pct[5].StatisticValues.SampleCount, 3)

	costs := map[string]float64{}
	for _, li := range ledger.Items() {
		costs[li.UsageType] += li.Cost()
	}
	assert.InDelta(t, 0.50/730, costs["HostedZone"], 1e-9)
	// A non-AWS HTTP check at the fast interval: 0.75 + 2.00 per month.
	assert.InDelta(t, 2.75/730, costs["Health-Check-Non-AWS"], 1e-9)
	assert.InDelta(t, 1000*0.40/1e6, costs["DNS-Queries"], 1e-12)
}

func TestQueryBillingByPolicy(t *testing.T) {
	s := sim.New(sim.Config{Seed: 2})
	ledger := billing.NewLedger()
	r, err := New(s, Config{Billing: ledger})
	require.NoError(t, err)
	z := newZone(t, r, "example.com")
	lb := &target{name: "lb.elb.amazonaws.com", addrs: addrs("192.0.2.1"), healthy: true}
	mustChange(t, r, z,
		ResourceRecordSet{Name: "example.com", Type: "A", AliasTarget: &AliasTarget{Resource: lb}},
		ResourceRecordSet{Name: "lat.example.com", Type: "A", SetIdentifier: "use1", Region: "us-east-1", TTL: 60, ResourceRecords: []string{"192.0.2.2"}},
		ResourceRecordSet{Name: "geo.example.com", Type: "A", SetIdentifier: "def", GeoLocation: &GeoLocation{CountryCode: "*"}, TTL: 60, ResourceRecords: []string{"192.0.2.3"}},
	)
	for i := 0; i < 1000; i++ {
		r.Query("example.com", dns.TypeA, Source{})
		r.Query("lat.example.com", dns.TypeA, Source{})
		r.Query("geo.example.com", dns.TypeA, Source{})
		r.Query("nx.example.com", dns.TypeA, Source{})
	}
	s.RunFor(90 * time.Minute)
	r.FlushBilling()
	costs := map[string]float64{}
	hours := 0.0
	for _, li := range ledger.Items() {
		costs[li.UsageType] += li.Cost()
		if li.UsageType == "HostedZone" {
			hours += li.End.Sub(li.Start).Hours()
		}
	}
	assert.InDelta(t, 1.5, hours, 1e-9, "an hourly bill and the flushed half hour")
	assert.InDelta(t, 1.5*0.50/730, costs["HostedZone"], 1e-12)
	assert.InDelta(t, 1000*0.40/1e6, costs["DNS-Queries"], 1e-12, "negative answers are standard queries; the alias is free")
	assert.InDelta(t, 1000*0.60/1e6, costs["LBR-Queries"], 1e-12)
	assert.InDelta(t, 1000*0.70/1e6, costs["Geo-Queries"], 1e-12)
	assert.Equal(t, uint64(4000), z.QueryCount("A"), "counted, billed or not")
}
