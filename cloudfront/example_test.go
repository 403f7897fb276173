package cloudfront_test

import (
	"fmt"
	"time"

	"github.com/nimbus-sim/nimbus/billing"
	"github.com/nimbus-sim/nimbus/cloudfront"
	"github.com/nimbus-sim/nimbus/sim"
)

// A distribution in front of a 40 ms origin: the first request misses and
// goes to the origin, the second is a hit at the edge, and after the
// object's max-age the edge revalidates it.
func Example() {
	s := sim.New(sim.Config{Seed: 1})
	origin := sim.HandlerFunc(func(req *sim.Request, reply func(sim.Response)) {
		s.After(40*time.Millisecond, func() {
			reply(sim.Response{Status: 200, Bytes: 25_000, Headers: []sim.Header{
				{Name: "Cache-Control", Value: "max-age=300"}, {Name: "ETag", Value: `"v1"`}}})
		})
	})
	ledger := billing.NewLedger()
	cf, err := cloudfront.New(s, cloudfront.Config{Edges: []string{"IAD", "FRA"}, Billing: ledger})
	if err != nil {
		panic(err)
	}
	dist, err := cf.CreateDistribution(cloudfront.DistributionConfig{
		Aliases:              []string{"www.example.com"},
		Origins:              []cloudfront.Origin{{ID: "app", DomainName: "app.example.com", Handler: origin, Region: "us-east-1"}},
		DefaultCacheBehavior: cloudfront.CacheBehavior{TargetOriginID: "app", ViewerProtocolPolicy: cloudfront.RedirectToHTTPS},
	})
	if err != nil {
		panic(err)
	}
	viewer := sim.Client{ID: 1, Country: "DE", Lat: 50.1, Lon: 8.7} // Frankfurt
	for _, at := range []time.Duration{0, time.Second, 10 * time.Minute} {
		s.Schedule(sim.Time(at), func() {
			req := &sim.Request{Client: viewer, Method: "GET", Host: "www.example.com", Path: "/index.html"}
			s.Send(dist, req, func(req *sim.Request, resp sim.Response) {
				xc, _ := resp.Header("X-Cache")
				fmt.Printf("t=%v %d %s in %v\n", at, resp.Status, xc, s.Now().Sub(req.Start).Round(time.Millisecond))
			})
		})
	}
	s.Run()
	cf.Flush()
	st := dist.Stats()
	fmt.Printf("hits %d, origin requests %d, cost $%.6f\n", st.Hits+st.RefreshHits, st.OriginRequests, ledger.Total())
	// Output:
	// t=0s 200 Miss from cloudfront in 344ms
	// t=1s 200 Hit from cloudfront in 9ms
	// t=10m0s 200 RefreshHit from cloudfront in 344ms
	// hits 2, origin requests 2, cost $0.000010
}

// EdgeTTL combines a cache policy with the origin's headers as CloudFront
// does.
func ExampleEdgeTTL() {
	policy := cloudfront.NewCachePolicy("default", 0) // 0 s / 1 day / 1 year
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, cc := range []string{"", "max-age=600", "max-age=600, s-maxage=60", "max-age=99999999", "no-store"} {
		var hs []sim.Header
		if cc != "" {
			hs = []sim.Header{{Name: "Cache-Control", Value: cc}}
		}
		ttl, cached := cloudfront.EdgeTTL(policy, hs, now)
		fmt.Printf("%-26q cached=%-5v ttl=%v\n", cc, cached, ttl)
	}
	// Output:
	// ""                         cached=true  ttl=24h0m0s
	// "max-age=600"              cached=true  ttl=10m0s
	// "max-age=600, s-maxage=60" cached=true  ttl=1m0s
	// "max-age=99999999"         cached=true  ttl=8760h0m0s
	// "no-store"                 cached=false ttl=0s
}

// CheHitRatio predicts an LRU cache's hit ratio from object popularity.
func ExampleCheHitRatio() {
	p := cloudfront.ZipfPopularity(10000, 0.8)
	for _, c := range []int{100, 1000, 5000} {
		h, _, _ := cloudfront.CheHitRatio(p, c)
		fmt.Printf("C=%d: %.3f\n", c, h)
	}
	// Output:
	// C=100: 0.157
	// C=1000: 0.437
	// C=5000: 0.792
}
