// Command quickstart is the smallest nimbus program: a server that takes
// 20 ms per request, driven by one request every 10 ms for a minute of
// virtual time. It prints the conservation tally and latency percentiles.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/nimbus-sim/nimbus/sim"
)

func main() {
	seed := flag.Uint64("seed", 42, "root random seed")
	rate := flag.Float64("rps", 100, "mean requests per second (Poisson)")
	work := flag.Duration("work", 8*time.Millisecond, "mean service time (exponential)")
	horizon := flag.Duration("for", time.Minute, "virtual time to simulate")
	flag.Parse()
	if err := run(os.Stdout, *seed, *rate, *work, *horizon); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(2)
	}
}

func run(w io.Writer, seed uint64, rate float64, work, horizon time.Duration) error {
	if rate <= 0 || work <= 0 || horizon <= 0 {
		return fmt.Errorf("-rps, -work and -for must be positive")
	}
	s := sim.New(sim.Config{Seed: seed})
	arrivals, service := s.Stream("arrivals"), s.Stream("service")
	lat := sim.NewHistogram()
	// One FCFS server: an M/M/1 queue.
	var busyUntil sim.Time
	server := sim.HandlerFunc(func(req *sim.Request, reply func(sim.Response)) {
		start := max(s.Now(), busyUntil)
		busyUntil = start.Add(time.Duration(service.ExpFloat64() * float64(work)))
		s.Schedule(busyUntil, func() { reply(sim.Response{Status: 200, From: "server"}) })
	})
	var next func()
	next = func() {
		s.Send(server, &sim.Request{Method: "GET", Path: "/"}, func(r *sim.Request, _ sim.Response) {
			lat.Record(s.Now().Sub(r.Start))
		})
		s.After(time.Duration(arrivals.ExpFloat64()/rate*float64(time.Second)), next)
	}
	s.Schedule(0, next)
	s.RunFor(horizon)

	rho := rate * work.Seconds()
	fmt.Fprintln(w, s.Requests())
	fmt.Fprintf(w, "utilization ρ = %.2f\n", rho)
	fmt.Fprintf(w, "mean response %v (M/M/1 theory %v)\n", lat.Mean().Round(time.Microsecond),
		time.Duration(float64(work)/(1-rho)).Round(time.Microsecond))
	fmt.Fprintf(w, "p50 %v  p99 %v\n", lat.Quantile(0.5).Round(time.Microsecond), lat.Quantile(0.99).Round(time.Microsecond))
	return nil
}
