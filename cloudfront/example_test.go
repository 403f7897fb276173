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
