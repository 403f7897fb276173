// Command cdn shows what a CDN's caches buy: viewers spread over edge
// locations request N objects with Zipf popularity through a CloudFront
// distribution whose origin is in us-east-1. It prints the edge hit ratio
// next to Che's approximation for one LRU cache, how many requests reached
// the origin, viewer latency, the CloudFront bill, and how much faster an
// uncacheable (dynamic) request is through CloudFront than straight to the
// origin.
//
//	go run ./examples/cdn -objects 10000 -zipf 0.8 -cache-objects 1000 -edges 4 -tiers shield
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/nimbus-sim/nimbus/billing"
	"github.com/nimbus-sim/nimbus/cloudfront"
	"github.com/nimbus-sim/nimbus/geo"
	"github.com/nimbus-sim/nimbus/sim"
	"github.com/nimbus-sim/nimbus/workload"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "cdn:", err)
		os.Exit(2)
	}
}

// edgeOrder spreads -edges over the world, each behind a different
// regional edge cache where possible.
var edgeOrder = []string{"IAD", "FRA", "NRT", "SFO", "GRU", "SYD", "BOM", "SIN", "LHR", "ORD", "ICN", "JNB"}

type config struct {
	objects, cacheObjects, regionalObjects, requests, edges int
	zipf, rate                                              float64
	size                                                    int64
	ttl, originTime                                         time.Duration
	tiers                                                   string
	seed                                                    uint64
	json                                                    bool
}

// Result is what one run reports (the -json output).
type Result struct {
	Objects        int     `json:"objects"`                   // distinct objects (-objects)
	Zipf           float64 `json:"zipf"`                      // popularity exponent s (-zipf)
	CacheObjects   int     `json:"cache_objects"`             // capacity per edge, in objects (-cache-objects)
	Edges          int     `json:"edges"`                     // edge locations the viewers spread over (-edges)
	Tiers          string  `json:"tiers"`                     // cache tiers on (-tiers)
	Requests       uint64  `json:"requests"`                  // viewer requests served
	HitRatio       float64 `json:"hit_ratio"`                 // share of viewer requests served from the edge cache
	CheHitRatio    float64 `json:"che_hit_ratio"`             // Che's approximation for one LRU edge
	OriginRequests uint64  `json:"origin_requests"`           // requests that reached the origin
	OriginOffload  float64 `json:"origin_offload"`            // 1 − OriginRequests/Requests
	RegionalHits   uint64  `json:"regional_hits"`             // hits in regional edge caches or Origin Shield
	Collapsed      uint64  `json:"collapsed_requests"`        // misses that waited on another request's origin fetch
	MeanLatencyMs  float64 `json:"mean_latency_ms"`           // mean viewer latency, ms
	P99LatencyMs   float64 `json:"p99_latency_ms"`            // 99th-percentile viewer latency, ms
	CostUSD        float64 `json:"cost_usd"`                  // CloudFront bill for the run, USD
	DynamicDirect  float64 `json:"dynamic_direct_ms"`         // one uncacheable request on a new connection straight to the origin, ms
	DynamicViaCF   float64 `json:"dynamic_via_cloudfront_ms"` // the same request through CloudFront, ms
}

func parse(args []string) (config, error) {
	var c config
	fs := flag.NewFlagSet("cdn", flag.ContinueOnError)
	fs.IntVar(&c.objects, "objects", 10000, "number of distinct objects N")
	fs.Float64Var(&c.zipf, "zipf", 0.8, "Zipf exponent s of object popularity")
	fs.IntVar(&c.cacheObjects, "cache-objects", 1000, "capacity of each edge cache, in objects")
	fs.IntVar(&c.regionalObjects, "regional-objects", 0, "capacity of each regional cache, in objects (0 = 10 × -cache-objects)")
	fs.IntVar(&c.requests, "requests", 200000, "viewer requests")
	fs.IntVar(&c.edges, "edges", 1, fmt.Sprintf("edge locations the viewers spread over (1..%d)", len(edgeOrder)))
	fs.StringVar(&c.tiers, "tiers", "edge", "tiers on: edge | regional (edge + regional edge caches) | shield (+ Origin Shield in us-east-1)")
	fs.Uint64Var(&c.seed, "seed", 1, "root random seed")
	fs.BoolVar(&c.json, "json", false, "print one JSON object")
	fs.Float64Var(&c.rate, "rate", 1000, "viewer requests per second (Poisson)")
	fs.Int64Var(&c.size, "size", 100_000, "object size in bytes")
	fs.DurationVar(&c.ttl, "ttl", 0, "object max-age sent by the origin (0 = one year: nothing expires in the run)")
	fs.DurationVar(&c.originTime, "origin-time", 20*time.Millisecond, "origin's time to answer")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	switch {
	case c.objects < 1, c.cacheObjects < 0, c.requests < 1, c.size < 1, c.rate <= 0:
		return c, errors.New("-objects, -requests, -size and -rate must be positive, -cache-objects not negative")
	case c.edges < 1 || c.edges > len(edgeOrder):
		return c, fmt.Errorf("-edges %d outside 1..%d", c.edges, len(edgeOrder))
	case c.tiers != "edge" && c.tiers != "regional" && c.tiers != "shield":
		return c, fmt.Errorf("-tiers %q: want edge, regional or shield", c.tiers)
	case !(c.zipf > 0):
		return c, fmt.Errorf("-zipf %g must be positive", c.zipf)
	}
	if c.regionalObjects == 0 {
		c.regionalObjects = 10 * c.cacheObjects
	}
	return c, nil
}

func run(args []string, w io.Writer) error {
	c, err := parse(args)
	if err != nil {
		return err
	}
	res, err := simulate(c)
	if err != nil {
		return err
	}
	if c.json {
		enc := json.NewEncoder(w)
		return enc.Encode(res)
	}
	fmt.Fprintf(w, "%d requests for %d objects (Zipf s=%g) from viewers at %d edge(s), tiers: %s\n",
		res.Requests, res.Objects, res.Zipf, res.Edges, res.Tiers)
	fmt.Fprintf(w, "edge hit ratio        %.4f   (Che's approximation for one LRU edge of %d objects: %.4f)\n",
		res.HitRatio, res.CacheObjects, res.CheHitRatio)
	fmt.Fprintf(w, "origin requests       %d (%.1f%% of requests offloaded; %d regional/shield hits, %d collapsed)\n",
		res.OriginRequests, 100*res.OriginOffload, res.RegionalHits, res.Collapsed)
	fmt.Fprintf(w, "viewer latency        mean %.1f ms, p99 %.1f ms\n", res.MeanLatencyMs, res.P99LatencyMs)
	fmt.Fprintf(w, "CloudFront cost       $%.4f\n", res.CostUSD)
	fmt.Fprintf(w, "dynamic request       %.1f ms straight to the origin, %.1f ms through CloudFront (new viewer connection each)\n",
		res.DynamicDirect, res.DynamicViaCF)
	return nil
}

// simulate builds the network, runs the viewers and measures.
func simulate(c config) (Result, error) {
	s := sim.New(sim.Config{Seed: c.seed})
	ledger := billing.NewLedger()
	cf, err := cloudfront.New(s, cloudfront.Config{
		Edges:                     edgeOrder[:c.edges],
		EdgeCacheBytes:            int64(c.cacheObjects) * c.size,
		RegionalCacheBytes:        int64(c.regionalObjects) * c.size,
		DisableRegionalEdgeCaches: c.tiers == "edge",
		Billing:                   ledger,
	})
	if err != nil {
		return Result{}, err
	}
	maxAge := c.ttl
	if maxAge == 0 {
		maxAge = 365 * 24 * time.Hour
	}
	cacheControl := "max-age=" + strconv.FormatInt(int64(maxAge/time.Second), 10)
	origin := sim.HandlerFunc(func(req *sim.Request, reply func(sim.Response)) {
		s.After(c.originTime, func() {
			reply(sim.Response{Status: 200, Bytes: c.size, From: "origin", Headers: []sim.Header{
				{Name: "Cache-Control", Value: cacheControl}, {Name: "ETag", Value: `"1"`}}})
		})
	})
	o := cloudfront.Origin{ID: "origin", DomainName: "origin.example.com", Handler: origin, Region: "us-east-1"}
	if c.tiers == "shield" {
		o.OriginShield = cloudfront.OriginShield{Enabled: true, Region: "us-east-1"}
	}
	d, err := cf.CreateDistribution(cloudfront.DistributionConfig{
		Origins:              []cloudfront.Origin{o},
		DefaultCacheBehavior: cloudfront.CacheBehavior{TargetOriginID: "origin"},
		CacheBehaviors: []cloudfront.CacheBehavior{{PathPattern: "/api/*", TargetOriginID: "origin",
			CachePolicy: &cloudfront.CachingDisabled, OriginRequestPolicy: &cloudfront.AllViewer, AllowedMethods: cloudfront.AllMethods}},
	})
	if err != nil {
		return Result{}, err
	}
	zipf, err := workload.NewZipf(c.zipf, c.objects)
	if err != nil {
		return Result{}, err
	}
	// Viewers: 200 per edge, standing next to it.
	places := make([]geo.Point, c.edges)
	for i, code := range edgeOrder[:c.edges] {
		e, _ := geo.LookupEdge(code)
		places[i] = e.Location
	}
	paths := make([]string, c.objects)
	for i := range paths {
		paths[i] = "/objects/" + strconv.Itoa(i)
	}
	arrivals, pick := s.Stream("cdn/arrivals"), s.Stream("cdn/viewers")
	lat := sim.NewHistogram()
	done := func(req *sim.Request, _ sim.Response) { lat.Record(s.Now().Sub(req.Start)) }
	sent := 0
	var next func()
	next = func() {
		place := pick.IntN(c.edges)
		p := places[place]
		client := sim.Client{ID: uint64(place*200 + pick.IntN(200) + 1), Lat: p.Lat, Lon: p.Lon}
		s.Send(d, &sim.Request{Client: client, Method: "GET", Host: d.DomainName(), Path: paths[zipf.Pick(pick)]}, done)
		if sent++; sent < c.requests {
			s.After(time.Duration(arrivals.ExpFloat64()/c.rate*float64(time.Second)), next)
		}
	}
	s.Schedule(0, next)
	s.Run()
	cf.Flush()
	st := d.Stats()

	probs := make([]float64, c.objects)
	for k := range probs {
		probs[k] = zipf.Prob(k)
	}
	che, _, err := cloudfront.CheHitRatio(probs, c.cacheObjects)
	if err != nil {
		return Result{}, err
	}
	direct, via := dynamic(s, cf, d, origin, places[len(places)-1], c.originTime)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	return Result{
		Objects: c.objects, Zipf: c.zipf, CacheObjects: c.cacheObjects, Edges: c.edges, Tiers: c.tiers,
		Requests: st.Requests, HitRatio: st.CacheHitRatio(), CheHitRatio: che,
		OriginRequests: st.OriginRequests, OriginOffload: 1 - float64(st.OriginRequests)/float64(st.Requests),
		RegionalHits: st.RegionalHits, Collapsed: st.CollapsedRequests,
		MeanLatencyMs: ms(lat.Mean()), P99LatencyMs: ms(lat.Quantile(0.99)), CostUSD: ledger.Total(),
		DynamicDirect: ms(direct), DynamicViaCF: ms(via),
	}, nil
}

// dynamic times one uncacheable request from a viewer at p on a new
// connection, straight to the origin and through CloudFront. Going
// straight costs TCP + TLS + the request over the long path; CloudFront
// pays the handshakes over the short path to the edge and reuses a warm
// connection to the origin (warmed by a first request).
func dynamic(s *sim.Sim, cf *cloudfront.CloudFront, d *cloudfront.Distribution, origin sim.Handler, p geo.Point, originTime time.Duration) (direct, via time.Duration) {
	east, _ := geo.LookupRegion("us-east-1")
	rtt := geo.DefaultLatency().RTT(p, east.Location)
	direct = 3*rtt + originTime // TCP, TLS 1.3, then request and answer
	client := sim.Client{ID: 1 << 40, Lat: p.Lat, Lon: p.Lon}
	send := func(id uint64) {
		client.ID = id
		s.Send(d, &sim.Request{Client: client, Method: "GET", Host: d.DomainName(), Path: "/api/cart"}, func(req *sim.Request, _ sim.Response) {
			via = s.Now().Sub(req.Start)
		})
	}
	s.Schedule(s.Now(), func() { send(1 << 40) })
	s.Schedule(s.Now().Add(time.Second), func() { send(1<<40 + 1) })
	s.Run()
	return direct, via
}
