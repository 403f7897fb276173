// Command dns-failover shows how long an active-passive DNS failover really
// takes: a primary in us-east-1 and a secondary in eu-west-1 behind a
// Route 53 failover record, a health check on the primary, and clients in
// the United States, Germany and Japan resolving through their ISPs'
// caching resolvers. The primary dies; the program reports when the health
// check noticed, when Route 53 first answered with the secondary, when the
// last client request still went to the primary, and how many requests
// failed on the way.
//
//	go run ./examples/dns-failover -ttl 60 -interval 10 -threshold 3
//	go run ./examples/dns-failover -stale-resolvers 0 -json
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/netip"
	"os"
	"time"

	"github.com/miekg/dns"
	"github.com/nimbus-sim/nimbus/geo"
	"github.com/nimbus-sim/nimbus/route53"
	"github.com/nimbus-sim/nimbus/sim"
)

func main() {
	os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr))
}

// options are the command-line knobs.
type options struct {
	TTL            int64
	Interval       int
	Threshold      int
	StaleResolvers float64
	Seed           uint64
	JSON           bool
	FailAt         time.Duration
	Rate           float64
}

// Result is what the run measured; with -json it is printed as one object.
type Result struct {
	TTLSeconds             int64   `json:"ttl_s"`
	IntervalSeconds        int     `json:"interval_s"`
	Threshold              int     `json:"threshold"`
	StaleResolvers         float64 `json:"stale_resolvers"`
	Seed                   uint64  `json:"seed"`
	PrimaryFailedAt        float64 `json:"primary_failed_at_s"`
	HealthCheckUnhealthyAt float64 `json:"health_check_unhealthy_at_s"`
	DNSSwitchedAt          float64 `json:"dns_switched_at_s"`
	ClientsAllSwitchedAt   float64 `json:"clients_all_switched_at_s"`
	Requests               uint64  `json:"requests"`
	FailedRequests         uint64  `json:"failed_requests"`
	StaleResolverCount     int     `json:"stale_resolver_count"`
	Resolvers              int     `json:"resolvers"`
}

func realMain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dns-failover", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.Int64Var(&o.TTL, "ttl", 60, "TTL of the failover records in seconds")
	fs.IntVar(&o.Interval, "interval", route53.DefaultRequestInterval, "health-check request interval in seconds (10 or 30)")
	fs.IntVar(&o.Threshold, "threshold", route53.DefaultFailureThreshold, "health-check failure threshold (1-10)")
	fs.Float64Var(&o.StaleResolvers, "stale-resolvers", route53.DefaultStaleShare,
		fmt.Sprintf("share of resolvers that keep answers %v past their TTL (default is an assumption)", route53.DefaultStaleHold))
	fs.Uint64Var(&o.Seed, "seed", 1, "root random seed")
	fs.BoolVar(&o.JSON, "json", false, "print one JSON object instead of the explanation")
	fs.DurationVar(&o.FailAt, "fail-at", 5*time.Minute, "virtual time at which the primary dies")
	fs.Float64Var(&o.Rate, "rps", 20, "requests per second from each country (Poisson)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	res, err := run(o)
	if err != nil {
		fmt.Fprintln(stderr, "dns-failover:", err)
		return 2
	}
	if o.JSON {
		enc := json.NewEncoder(stdout)
		if err := enc.Encode(res); err != nil {
			fmt.Fprintln(stderr, "dns-failover:", err)
			return 1
		}
		return 0
	}
	explain(stdout, res)
	return 0
}

var (
	primaryIP   = netip.MustParseAddr("192.0.2.10")
	secondaryIP = netip.MustParseAddr("198.51.100.10")
)

// server answers in 20 ms while up; a dead one refuses connections.
type server struct {
	s      *sim.Sim
	name   string
	up     bool
	served uint64
}

func (v *server) Serve(_ *sim.Request, reply func(sim.Response)) {
	if !v.up {
		reply(sim.Response{From: v.name, Reason: "ConnectionRefused"})
		return
	}
	v.served++
	v.s.After(20*time.Millisecond, func() { reply(sim.Response{Status: 200, Bytes: 2048, From: v.name}) })
}

// watch wraps Route 53 to see the authoritative answers resolvers get.
type watch struct {
	r        *route53.Route53
	s        *sim.Sim
	switched sim.Time
}

func (w *watch) Query(name string, qtype uint16, src route53.Source) route53.Answer {
	a := w.r.Query(name, qtype, src)
	if w.switched < 0 && len(a.Addrs) > 0 && a.Addrs[0] == secondaryIP {
		w.switched = w.s.Now()
	}
	return a
}

func run(o options) (Result, error) {
	if o.TTL < 0 || o.Rate <= 0 || o.FailAt <= 0 {
		return Result{}, errors.New("-ttl must be ≥ 0, -rps and -fail-at positive")
	}
	s := sim.New(sim.Config{Seed: o.Seed})
	r, err := route53.New(s, route53.Config{})
	if err != nil {
		return Result{}, err
	}
	primary := &server{s: s, name: "primary:us-east-1", up: true}
	secondary := &server{s: s, name: "secondary:eu-west-1", up: true}
	if err := r.RegisterEndpoint(primaryIP, primary); err != nil {
		return Result{}, err
	}
	if err := r.RegisterEndpoint(secondaryIP, secondary); err != nil {
		return Result{}, err
	}

	hc, err := r.CreateHealthCheck(route53.HealthCheckConfig{Name: "primary", Type: route53.CheckHTTP, IPAddress: primaryIP,
		FullyQualifiedDomainName: "www.example.com", ResourcePath: "/health", RequestInterval: o.Interval,
		FailureThreshold: o.Threshold, EndpointRegion: "us-east-1", AWSEndpoint: true})
	if err != nil {
		return Result{}, err
	}
	zone, err := r.CreateHostedZone(route53.HostedZoneConfig{Name: "example.com"})
	if err != nil {
		return Result{}, err
	}
	record := func(id, role string, ip netip.Addr, check string) route53.Change {
		return route53.Change{Action: "CREATE", ResourceRecordSet: route53.ResourceRecordSet{Name: "www.example.com", Type: "A",
			SetIdentifier: id, Failover: role, TTL: o.TTL, ResourceRecords: []string{ip.String()}, HealthCheckId: check}}
	}
	if _, err := r.ChangeResourceRecordSets(zone.ID(), []route53.Change{
		record("us-east-1", "PRIMARY", primaryIP, hc.ID()), record("eu-west-1", "SECONDARY", secondaryIP, ""),
	}); err != nil {
		return Result{}, err
	}

	// Twenty ISP resolvers per country, a share of them holding answers
	// past their TTL.
	w := &watch{r: r, s: s, switched: -1}
	res := Result{TTLSeconds: o.TTL, IntervalSeconds: o.Interval, Threshold: o.Threshold, StaleResolvers: o.StaleResolvers, Seed: o.Seed}
	countries := []string{"US", "DE", "JP"}
	pools := map[string][]*route53.Resolver{}
	for _, c := range countries {
		cc, _ := geo.LookupCountry(c)
		pool, err := r.NewResolverPool(route53.ResolverPoolConfig{Name: "isp-" + c, Count: 20, Location: cc.Location,
			Country: c, StaleShare: o.StaleResolvers, Upstream: w})
		if err != nil {
			return Result{}, err
		}
		for _, rv := range pool {
			res.Resolvers++
			if rv.HoldStale() > 0 {
				res.StaleResolverCount++
			}
		}
		pools[c] = pool
	}

	// Real resolvers' caches are at random phases: warm each one at a
	// uniform time within the first TTL (another user of that ISP), and
	// start the clients after that.
	warm := s.Stream("dns-failover/warm")
	start := min(time.Duration(o.TTL)*time.Second, o.FailAt/2)
	for _, c := range countries {
		for _, rv := range pools[c] {
			s.Schedule(sim.Time(warm.Int64N(int64(start)+1)), func() { rv.Resolve("www.example.com.", dns.TypeA) })
		}
	}
	failAt := sim.Time(o.FailAt)
	lastPrimary := sim.Time(-1)
	fwd := r.NewForwarder(route53.ForwarderConfig{OnResolve: func(_ *sim.Request, a route53.Answer) {
		if len(a.Addrs) > 0 && a.Addrs[0] == primaryIP && s.Now() >= failAt {
			lastPrimary = s.Now()
		}
	}})
	// Stop sending once every resolver's answer has expired for sure: the
	// check's worst case, the TTL, the stale hold, and a minute to spare.
	detect := time.Duration(o.Threshold+1) * (time.Duration(o.Interval)*time.Second + 10*time.Second)
	end := failAt.Add(detect + time.Duration(o.TTL)*time.Second + route53.DefaultStaleHold + time.Minute)
	for _, c := range countries {
		arrivals := s.Stream("dns-failover/arrivals/" + c)
		pick := s.Stream("dns-failover/resolver/" + c)
		pool := pools[c]
		var next func()
		next = func() {
			req := &sim.Request{Method: "GET", Host: "www.example.com", Path: "/",
				Client: sim.Client{Country: c, Resolver: pool[pick.IntN(len(pool))].Name()}}
			s.Send(fwd, req, nil)
			if at := s.Now().Add(time.Duration(arrivals.ExpFloat64() / o.Rate * float64(time.Second))); at < end {
				s.Schedule(at, next)
			}
		}
		s.Schedule(sim.Time(start), next)
	}
	s.Schedule(failAt, func() { primary.up = false })
	s.RunUntil(end.Add(time.Minute))

	if err := s.Requests().Check(); err != nil {
		return Result{}, err
	}
	res.PrimaryFailedAt = failAt.Seconds()
	res.HealthCheckUnhealthyAt, res.DNSSwitchedAt, res.ClientsAllSwitchedAt = math.NaN(), math.NaN(), math.NaN()
	if tr := hc.Transitions(); len(tr) > 0 {
		res.HealthCheckUnhealthyAt = tr[0].At.Seconds()
	}
	if w.switched >= 0 {
		res.DNSSwitchedAt = w.switched.Seconds()
	}
	if lastPrimary >= 0 {
		res.ClientsAllSwitchedAt = lastPrimary.Seconds()
	}
	res.Requests = s.Requests().Generated()
	res.FailedRequests = s.Requests().Failed()
	if math.IsNaN(res.HealthCheckUnhealthyAt) || math.IsNaN(res.DNSSwitchedAt) || math.IsNaN(res.ClientsAllSwitchedAt) {
		return Result{}, fmt.Errorf("the failover did not complete: %+v", res)
	}
	return res, nil
}

func explain(out io.Writer, r Result) {
	fmt.Fprintf(out, "Active-passive failover, TTL %d s, health check every %d s, failure threshold %d, %d of %d resolvers hold answers %v past TTL\n\n",
		r.TTLSeconds, r.IntervalSeconds, r.Threshold, r.StaleResolverCount, r.Resolvers, route53.DefaultStaleHold)
	fmt.Fprintf(out, "  t = %7.1f s  the primary stops answering\n", r.PrimaryFailedAt)
	fmt.Fprintf(out, "  t = %7.1f s  the health check turns unhealthy  (+%.1f s; expect %d–%d s = (threshold−1 … threshold) × interval)\n",
		r.HealthCheckUnhealthyAt, r.HealthCheckUnhealthyAt-r.PrimaryFailedAt, (r.Threshold-1)*r.IntervalSeconds, r.Threshold*r.IntervalSeconds)
	fmt.Fprintf(out, "  t = %7.1f s  a resolver first gets the secondary from Route 53  (+%.1f s)\n", r.DNSSwitchedAt, r.DNSSwitchedAt-r.PrimaryFailedAt)
	fmt.Fprintf(out, "  t = %7.1f s  the last client request goes to the primary  (+%.1f s; honest resolvers: ≤ TTL after the check)\n",
		r.ClientsAllSwitchedAt, r.ClientsAllSwitchedAt-r.PrimaryFailedAt)
	fmt.Fprintf(out, "\n%d of %d requests failed (%.2f %%).\n", r.FailedRequests, r.Requests, 100*float64(r.FailedRequests)/float64(r.Requests))
	fmt.Fprintln(out, "Try -interval 10 -threshold 1 -ttl 10 for a faster failover, and -stale-resolvers 0 to remove the long tail.")
}
