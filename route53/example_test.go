package route53_test

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/miekg/dns"
	"github.com/nimbus-sim/nimbus/route53"
	"github.com/nimbus-sim/nimbus/sim"
)

// Records are validated as Route 53 validates them, and geolocation
// routing answers by the most specific location.
func Example() {
	s := sim.New(sim.Config{Seed: 1})
	r, _ := route53.New(s, route53.Config{})
	z, _ := r.CreateHostedZone(route53.HostedZoneConfig{Name: "example.com"})

	_, err := r.ChangeResourceRecordSets(z.ID(), []route53.Change{{Action: "CREATE",
		ResourceRecordSet: route53.ResourceRecordSet{Name: "example.com", Type: "CNAME", TTL: 60, ResourceRecords: []string{"www.example.net"}}}})
	fmt.Println(errors.Is(err, route53.ErrInvalidChangeBatch), err)

	geoRecord := func(id, ip string, g route53.GeoLocation) route53.Change {
		return route53.Change{Action: "CREATE", ResourceRecordSet: route53.ResourceRecordSet{Name: "www.example.com", Type: "A",
			SetIdentifier: id, GeoLocation: &g, TTL: 60, ResourceRecords: []string{ip}}}
	}
	_, err = r.ChangeResourceRecordSets(z.ID(), []route53.Change{
		geoRecord("default", "192.0.2.1", route53.GeoLocation{CountryCode: "*"}),
		geoRecord("europe", "192.0.2.2", route53.GeoLocation{ContinentCode: "EU"}),
		geoRecord("california", "192.0.2.3", route53.GeoLocation{CountryCode: "US", SubdivisionCode: "CA"}),
	})
	fmt.Println(err)
	for _, src := range []route53.Source{{Country: "FR"}, {Country: "US", Subdivision: "CA"}, {Country: "US", Subdivision: "TX"}} {
		a := r.Query("www.example.com", dns.TypeA, src)
		fmt.Println(src.Country, src.Subdivision, a.Addrs, a.SetIdentifier)
	}
	// Output:
	// true route53: InvalidChangeBatch: [RRSet of type CNAME with DNS name example.com. is not permitted at apex in zone example.com.]
	// <nil>
	// FR  [192.0.2.2] europe
	// US CA [192.0.2.3] california
	// US TX [192.0.2.1] default
}

// A failover pair: the health check on the primary turns unhealthy about
// FailureThreshold × RequestInterval after the primary dies, and clients
// follow when their resolver's cached answer expires.
func Example_failover() {
	s := sim.New(sim.Config{Seed: 1})
	r, _ := route53.New(s, route53.Config{})
	primary, secondary := netip.MustParseAddr("192.0.2.10"), netip.MustParseAddr("198.51.100.10")
	up := true
	r.RegisterEndpoint(primary, sim.HandlerFunc(func(_ *sim.Request, reply func(sim.Response)) {
		if up {
			reply(sim.Response{Status: 200})
			return
		}
		reply(sim.Response{Status: 503})
	}))
	r.RegisterEndpoint(secondary, sim.Fixed(sim.Response{Status: 200}))
	hc, _ := r.CreateHealthCheck(route53.HealthCheckConfig{Type: route53.CheckHTTP, IPAddress: primary, RequestInterval: 10})
	z, _ := r.CreateHostedZone(route53.HostedZoneConfig{Name: "example.com"})
	rec := func(id, role string, ip netip.Addr, check string) route53.Change {
		return route53.Change{Action: "CREATE", ResourceRecordSet: route53.ResourceRecordSet{Name: "www.example.com", Type: "A",
			SetIdentifier: id, Failover: role, TTL: 60, ResourceRecords: []string{ip.String()}, HealthCheckId: check}}
	}
	if _, err := r.ChangeResourceRecordSets(z.ID(), []route53.Change{rec("a", "PRIMARY", primary, hc.ID()), rec("b", "SECONDARY", secondary, "")}); err != nil {
		fmt.Println(err)
		return
	}
	rv, _ := r.NewResolver(route53.ResolverConfig{Name: "isp"})
	var lastPrimary sim.Time
	s.Every(0, time.Second, func(now sim.Time) {
		if a, _ := rv.Resolve("www.example.com.", dns.TypeA); a.Addrs[0] == primary {
			lastPrimary = now
		}
	})
	s.RunUntil(sim.Time(100 * time.Second))
	up = false
	s.RunFor(5 * time.Minute)
	fmt.Printf("check unhealthy after %.0f s\n", (hc.Transitions()[0].At - sim.Time(100*time.Second)).Seconds())
	fmt.Printf("last client answer naming the primary %.0f s after the failure\n", (lastPrimary - sim.Time(100*time.Second)).Seconds())
	// Output:
	// check unhealthy after 29 s
	// last client answer naming the primary 79 s after the failure
}
