package route53

import (
	"bytes"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/nimbus-sim/nimbus/sim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// scenario runs weighted and failover routing with health checks, stale
// resolvers and client traffic, and returns the trace and a summary.
func scenario(t *testing.T, seed uint64) (string, string) {
	var trace bytes.Buffer
	s := sim.New(sim.Config{Seed: seed, Trace: &trace})
	r, err := New(s, Config{})
	require.NoError(t, err)
	z := newZone(t, r, "example.com")
	primary := &switchable{up: true}
	r.RegisterEndpoint(primaryIP, primary)
	r.RegisterEndpoint(secondaryIP, &switchable{up: true})
	hc, err := r.CreateHealthCheck(HealthCheckConfig{Type: CheckHTTP, IPAddress: primaryIP, RequestInterval: 10})
	require.NoError(t, err)
	mustChange(t, r, z,
		ResourceRecordSet{Name: "www.example.com", Type: "A", SetIdentifier: "p", Failover: "PRIMARY", TTL: 30, ResourceRecords: []string{primaryIP.String()}, HealthCheckId: hc.ID()},
		ResourceRecordSet{Name: "www.example.com", Type: "A", SetIdentifier: "s", Failover: "SECONDARY", TTL: 30, ResourceRecords: []string{secondaryIP.String()}},
		weighted("a", 1, primaryIP.String(), ""), weighted("b", 3, secondaryIP.String(), ""))
	pool, err := r.NewResolverPool(ResolverPoolConfig{Name: "pop", Count: 10, StaleShare: 0.3, Location: from(t, "FR", "").Location, Country: "FR"})
	require.NoError(t, err)
	f := r.NewForwarder(ForwarderConfig{})
	rng := s.Stream("test/clients")
	by := map[string]int{}
	s.Every(0, 200*time.Millisecond, func(sim.Time) {
		host := []string{"www.example.com", "w.example.com"}[rng.IntN(2)]
		s.Send(f, &sim.Request{Host: host, Client: sim.Client{Resolver: pool[rng.IntN(len(pool))].Name()}}, func(_ *sim.Request, resp sim.Response) {
			by[fmt.Sprintf("%s/%d", host, resp.Status)]++
		})
	})
	s.RunUntil(sim.Time(2 * time.Minute))
	primary.up = false
	s.RunFor(20 * time.Minute)
	return trace.String(), fmt.Sprint(by, hc.Transitions(), s.Requests(), z.QueryCounts(), r.Query("w.example.com", dns.TypeA, Source{}).Addrs)
}

func TestDeterminism(t *testing.T) {
	tr1, sum1 := scenario(t, 42)
	tr2, sum2 := scenario(t, 42)
	require.NotEmpty(t, tr1)
	assert.Equal(t, sum1, sum2)
	assert.True(t, tr1 == tr2, "traces differ for one seed")
	_, sum3 := scenario(t, 43)
	assert.NotEqual(t, sum1, sum3, "a different seed changes the run")
}

func BenchmarkResolve(b *testing.B) {
	_, r := newService(b, 1)
	z := newZone(b, r, "example.com")
	mustChange(b, r, z, a("www.example.com", 86400, "192.0.2.1", "192.0.2.2"))
	rv, err := r.NewResolver(ResolverConfig{Name: "isp"})
	require.NoError(b, err)
	rv.Resolve("www.example.com.", dns.TypeA)
	b.ReportAllocs()
	b.ResetTimer()
	var n int
	for i := 0; i < b.N; i++ {
		ans, _ := rv.Resolve("www.example.com.", dns.TypeA)
		n += len(ans.Addrs)
	}
	b.StopTimer()
	if n != 2*b.N {
		b.Fatalf("answers lost: %d", n)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "resolutions/s")
}

func BenchmarkQueryAuthoritative(b *testing.B) {
	_, r := newService(b, 1)
	z := newZone(b, r, "example.com")
	for i := 0; i < 4; i++ {
		mustChange(b, r, z, weighted(fmt.Sprint(i), int64(i+1), netip.AddrFrom4([4]byte{192, 0, 2, byte(i)}).String(), ""))
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		r.Query("w.example.com.", dns.TypeA, Source{})
	}
}
