// Command queueing drives one EC2 instance with Poisson traffic and
// exponential CPU work and prints the simulation beside queueing theory:
// an instance with c vCPUs serving one FCFS queue is an M/M/c station, and
// Erlang C gives its waiting time. See README.md.
//
//	go run ./examples/queueing -vcpus 4 -rps 32 -work 0.1 -requests 1000000
//	go run ./examples/queueing -vcpus 1 -rps 8 -work 0.1 -json
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

	"github.com/nimbus-sim/nimbus/ec2"
	"github.com/nimbus-sim/nimbus/sim"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "queueing:", err)
		}
		os.Exit(2)
	}
}

// Result is what one run measured, beside the M/M/c predictions. Theory
// fields are null when ρ ≥ 1 (no steady state).
type Result struct {
	VCPUs    int     `json:"vcpus"`    // vCPUs of the instance (c)
	RPS      float64 `json:"rps"`      // arrival rate λ, requests per second
	WorkS    float64 `json:"work_s"`   // mean vCPU-seconds per request (1/μ)
	Requests int     `json:"requests"` // requests sent
	Seed     uint64  `json:"seed"`     // simulation seed
	Rho      float64 `json:"rho"`      // offered load per vCPU, λ/(cμ)

	Utilization   float64 `json:"utilization"`     // measured busy fraction of the vCPUs
	PWait         float64 `json:"p_wait"`          // fraction of requests that queued
	MeanWaitS     float64 `json:"mean_wait_s"`     // mean queueing delay, seconds
	MeanResponseS float64 `json:"mean_response_s"` // mean wait + service, seconds
	P50ResponseS  float64 `json:"p50_response_s"`  // median response time, seconds
	P99ResponseS  float64 `json:"p99_response_s"`  // 99th percentile response time, seconds
	Completed     uint64  `json:"completed"`       // requests answered

	TheoryPWait         *float64 `json:"theory_p_wait"`          // Erlang C probability of waiting
	TheoryMeanWaitS     *float64 `json:"theory_mean_wait_s"`     // M/M/c mean wait, seconds
	TheoryMeanResponseS *float64 `json:"theory_mean_response_s"` // M/M/c mean response, seconds
	TheoryP50ResponseS  *float64 `json:"theory_p50_response_s"`  // M/M/c median response, seconds
	TheoryP99ResponseS  *float64 `json:"theory_p99_response_s"`  // M/M/c p99 response, seconds
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("queueing", flag.ContinueOnError)
	fs.SetOutput(stdout)
	vcpus := fs.Int("vcpus", 4, "vCPUs of the instance (servers c)")
	rps := fs.Float64("rps", 32, "arrival rate λ, requests per second (Poisson)")
	work := fs.Float64("work", 0.1, "mean CPU work per request, vCPU-seconds (exponential; μ = 1/work)")
	requests := fs.Int("requests", 1_000_000, "requests to complete")
	seed := fs.Uint64("seed", 1, "random seed")
	asJSON := fs.Bool("json", false, "print one JSON object instead of a table")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case *vcpus < 1:
		return fmt.Errorf("-vcpus %d: need at least 1", *vcpus)
	case !(*rps > 0) || math.IsInf(*rps, 0):
		return fmt.Errorf("-rps %v: need a positive rate", *rps)
	case !(*work > 0) || math.IsInf(*work, 0):
		return fmt.Errorf("-work %v: need positive work", *work)
	case *requests < 1:
		return fmt.Errorf("-requests %d: need at least 1", *requests)
	case float64(*requests)*(*work)/float64(*vcpus) > maxRunSeconds:
		// Virtual time is int64 nanoseconds (about 292 years): an
		// overloaded queue must still drain inside it.
		return fmt.Errorf("-requests %d × -work %v / -vcpus %d: more than %g s of work per vCPU", *requests, *work, *vcpus, float64(maxRunSeconds))
	}
	res, err := simulate(*vcpus, *rps, *work, *requests, *seed)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		return enc.Encode(res)
	}
	printTable(stdout, res)
	return nil
}

// maxRunSeconds bounds the CPU work per vCPU a run may queue (about 32
// years), far inside virtual time's range.
const maxRunSeconds = 1e9

// simulate runs one instance until n requests have completed.
func simulate(c int, lambda, work float64, n int, seed uint64) (Result, error) {
	s := sim.New(sim.Config{Seed: seed})
	catalog := ec2.DefaultCatalog()
	typ := ec2.InstanceType{Name: fmt.Sprintf("demo.%dvcpu", c), VCPUs: c, MemoryGiB: float64(2 * c)}
	if err := catalog.Add(typ); err != nil {
		return Result{}, err
	}
	svc, err := ec2.New(s, ec2.Config{Catalog: catalog})
	if err != nil {
		return Result{}, err
	}
	subnet, err := ec2.NewBasicSubnet("subnet-demo", "us-east-1a", netip.MustParsePrefix("10.0.0.0/24"))
	if err != nil {
		return Result{}, err
	}
	inst, err := svc.Launch(ec2.LaunchSpec{InstanceType: typ.Name, Subnet: subnet})
	if err != nil {
		return Result{}, err
	}
	s.RunFor(5 * time.Minute) // pending and boot take at most 80 s
	if !inst.Ready() {
		return Result{}, fmt.Errorf("instance %s not ready after 5 minutes", inst.ID())
	}

	arrivals, works := s.Stream("queueing/arrivals"), s.Stream("queueing/work")
	resp := sim.NewHistogram()
	var workDone time.Duration
	var first, last sim.Time
	done, sent := 0, 0
	reply := func(r *sim.Request, rs sim.Response) {
		if rs.Failed() {
			return
		}
		resp.Record(s.Now().Sub(r.Start))
		workDone += r.Work
		last = s.Now()
		if done++; done == n {
			s.Stop()
		}
	}
	var next func()
	next = func() {
		if sent == 0 {
			first = s.Now()
		}
		sent++
		s.Send(inst, &sim.Request{Work: time.Duration(works.ExpFloat64() * work * 1e9)}, reply)
		if sent < n {
			s.After(time.Duration(arrivals.ExpFloat64()/lambda*1e9), next)
		}
	}
	s.After(0, next)
	s.Run()

	st := inst.Stats()
	r := Result{
		VCPUs: c, RPS: lambda, WorkS: work, Requests: n, Seed: seed, Rho: lambda * work / float64(c),
		Utilization:   workDone.Seconds() / (float64(c) * last.Sub(first).Seconds()),
		MeanWaitS:     (st.WaitTotal / time.Duration(max(st.Started, 1))).Seconds(),
		MeanResponseS: resp.Mean().Seconds(),
		P50ResponseS:  resp.Quantile(0.5).Seconds(),
		P99ResponseS:  resp.Quantile(0.99).Seconds(),
		Completed:     s.Requests().Completed(),
		PWait:         float64(st.Waited) / float64(max(st.Started, 1)),
	}
	if r.Rho < 1 {
		m := mmc{c: c, lambda: lambda, mu: 1 / work}
		pw, wq := m.erlangC(), m.meanWait()
		p50, p99 := m.responseQuantile(0.5), m.responseQuantile(0.99)
		mr := wq + work
		r.TheoryPWait, r.TheoryMeanWaitS, r.TheoryMeanResponseS = &pw, &wq, &mr
		r.TheoryP50ResponseS, r.TheoryP99ResponseS = &p50, &p99
	}
	return r, nil
}

func printTable(w io.Writer, r Result) {
	fmt.Fprintf(w, "M/M/%d queue: λ = %g req/s, mean work %g vCPU-s (μ = %g/s per vCPU), ρ = %.3f, %d requests, seed %d\n\n",
		r.VCPUs, r.RPS, r.WorkS, 1/r.WorkS, r.Rho, r.Requests, r.Seed)
	th := func(p *float64) string {
		if p == nil {
			return "unstable"
		}
		return fmt.Sprintf("%.4f", *p)
	}
	rho := min(r.Rho, 1) // an unstable queue saturates
	fmt.Fprintf(w, "%-20s %12s %12s\n", "", "simulation", "theory")
	fmt.Fprintf(w, "%-20s %12.4f %12.4f\n", "utilization", r.Utilization, rho)
	fmt.Fprintf(w, "%-20s %12.4f %12s\n", "P(wait) (Erlang C)", r.PWait, th(r.TheoryPWait))
	fmt.Fprintf(w, "%-20s %12.4f %12s\n", "mean wait (s)", r.MeanWaitS, th(r.TheoryMeanWaitS))
	fmt.Fprintf(w, "%-20s %12.4f %12s\n", "mean response (s)", r.MeanResponseS, th(r.TheoryMeanResponseS))
	fmt.Fprintf(w, "%-20s %12.4f %12s\n", "p50 response (s)", r.P50ResponseS, th(r.TheoryP50ResponseS))
	fmt.Fprintf(w, "%-20s %12.4f %12s\n", "p99 response (s)", r.P99ResponseS, th(r.TheoryP99ResponseS))
	fmt.Fprintf(w, "%-20s %12d\n", "completed", r.Completed)
}
